#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""`boot KERNEL [initrd=PATH] [CMDLINE...]` on the boot image (SPEC section 4):
the Debian kernel (linux-image-amd64) and an initramfs from tools/mkinitramfs
are read from the share and started through the x86-64 Linux boot protocol;
the initramfs then mounts the same share with Linux's own virtiofs driver and
prints a file from it, which proves the device was handed over clean.  Also:
a missing kernel, a file that is no bzImage, a truncated bzImage, a missing
initrd, and a failed `-boot` that leaves the share usable; the PVH image on q35
(which passes the ACPI RSDP on).  Notes how long
it took from QEMU's start to the kernel's first console line."""

import glob
import os
import re
import secrets
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootrun  # noqa: E402
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

MKINITRAMFS = os.path.join(vstest.TOOLS, "mkinitramfs")
BOOT_TIMEOUT = 300
# Full kernel log (the timing note wants its first line); panic=-1 ends a
# failed boot at once (QEMU runs with -no-reboot) instead of at the timeout;
# no_timer_check skips Linux's IO-APIC timer test, which panics under TCG on
# a loaded host ("IO-APIC + timer doesn't work"), as cloud images do.
CMDLINE = "console=ttyS0 panic=-1 no_timer_check"


def version_key(path):
    return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", path)]


def find_kernel():
    found = sorted(glob.glob("/boot/vmlinuz-*"), key=version_key)
    return found[-1] if found else None


def lines(out):
    return [l.rstrip("\r") for l in out.decode("utf-8", "replace").split("\n")]


def test_boot(share, token):
    status, stamped, err = bootrun.run_timed("boot /myfs/vmlinuz initrd=/myfs/initrd.img " + CMDLINE, share, BOOT_TIMEOUT)
    text = [l for _, l in stamped]
    note("  guest output (without kernel log lines):")
    note("\n".join(l for l in text if not l.startswith("[")) or "(none)")
    summary = "status %s; stderr %s; last lines %r" % (status, " ".join(err.split())[-300:], text[-8:])

    handoff = [i for i, l in enumerate(text) if l.startswith("boot: kernel at ")]
    check("boot: the image hands over to the kernel", len(handoff) == 1, summary)
    check("boot: the kernel starts and runs the initramfs /init", "VIOSHARE-INITRAMFS-OK" in text, summary)
    try:
        i = text.index("VIOSHARE-INITRAMFS-CAT-BEGIN")
        j = text.index("VIOSHARE-INITRAMFS-CAT-END", i)
        body = text[i + 1:j]
    except ValueError:
        body = None
    check("boot: Linux's virtiofs driver mounts the same share and reads the file",
          body is not None and token in [l.strip() for l in body], summary)
    check("boot: the initramfs exits cleanly through isa-debug-exit (status 0)",
          status == 0 and "VIOSHARE-INITRAMFS-EXIT 0" in text, summary)

    if handoff and handoff[0] + 1 < len(stamped):
        t_hand = stamped[handoff[0]][0]
        after = stamped[handoff[0] + 1:]
        t_first, first = next(((s, l) for s, l in after if l.startswith("[")), after[0])
        t_init = next((s for s, l in stamped if l == "VIOSHARE-INITRAMFS-OK"), None)
        t_cat = next((s for s, l in stamped if l == "VIOSHARE-INITRAMFS-CAT-END"), None)
        note("timing (from the launcher's start: virtiofsd, then QEMU): hand-over %.2f s, kernel's first "
             "console line %.2f s (%r), /init %s s, file read through Linux's virtiofs %s s"
             % (t_hand, t_first, first[:60], "%.2f" % t_init if t_init else "-",
                "%.2f" % t_cat if t_cat else "-"))


def test_boot_pvh_q35(share, token):
    """The PVH entry (which hands us the ACPI RSDP) on q35, kernel log quiet,
    booted from a share mounted with irq=msix (the guest's `mounts` and
    `stats` say so before the hand-over): Linux takes over a device that had
    MSI-X on."""
    # The kernel read first: a few small requests can all be answered before
    # the guest waits (it counts an MSI only when it sleeps); 33 READs of up
    # to 1 MiB cannot.
    r = vstest.run("umount /myfs; mount myfs /myfs -o irq=msix; sha256 /myfs/vmlinuz; echo =B-msix=; mounts; stats; "
                   "echo =E-msix=; boot /myfs/vmlinuz initrd=/myfs/initrd.img quiet " + CMDLINE, shares=[share],
                   machine="q35", image=vstest.PVH_IMAGE, timeout=BOOT_TIMEOUT, extra=("--mem", "1024"))
    out = lines(r.out)
    # The guest's own word, before the hand-over, that the share was mounted
    # with irq=msix and that MSI-X interrupts woke its waits.
    try:
        i = out.index("=B-msix=")
        before = out[i + 1:out.index("=E-msix=", i)]
    except ValueError:
        before = []
    mounted = [l for l in before if re.match(r"^myfs on /myfs type virtiofs \(.*\)$", l)]
    msix = r"^myfs on /myfs type virtiofs \(rw,irq=msix,timeout=30, nodes \d+, max \d+\)$"
    counted = [int(m.group(1)) for m in (re.match(r"^interrupts: (\d+) MSI since boot$", l) for l in before) if m]
    check("PVH/q35, before the hand-over: `mounts` shows the share mounted irq=msix and `stats` counts MSI-X "
          "interrupts (%s)" % (counted[0] if counted else "-"),
          len(mounted) == 1 and re.match(msix, mounted[0]) and len(counted) == 1 and counted[0] > 0,
          "mounts %r, interrupts %r; %s" % (mounted, counted, r.summary()))
    try:
        i = out.index("VIOSHARE-INITRAMFS-CAT-BEGIN")
        body = out[i + 1:out.index("VIOSHARE-INITRAMFS-CAT-END", i)]
    except ValueError:
        body = []
    check("boot from the PVH image on q35, share mounted irq=msix: Linux reads the share, status 0",
          r.status == 0 and token in [l.strip() for l in body] and "VIOSHARE-INITRAMFS-EXIT 0" in out,
          r.summary())


def expect_error(share, args, path, ename, what, text_re=None):
    r = vstest.run(args, shares=[share], timeout=120)
    out = lines(r.out)
    prefix = "error: boot: %s: %s (" % (path, ename)
    errs = [l for l in out if l.startswith(prefix) and l.endswith(")")]
    ok = r.status == 1 and len(errs) == 1
    if ok and text_re:
        ok = re.search(text_re, errs[0]) is not None
    check("boot error: %s: %s, status 1" % (what, ename), ok, r.summary())
    return errs


def test_errors(share, token):
    expect_error(share, "boot /myfs/no-such-kernel", "/myfs/no-such-kernel", "ENOENT", "missing kernel")
    expect_error(share, "boot /myfs/notkernel.bin", "/myfs/notkernel.bin", "ENOEXEC", "not a bzImage",
                 r"not a bzImage")
    expect_error(share, "boot /myfs/truncated console=ttyS0", "/myfs/truncated", "EINVAL", "truncated bzImage",
                 r"truncated")
    expect_error(share, "boot /myfs/vmlinuz initrd=/myfs/no-such-initrd", "/myfs/no-such-initrd", "ENOENT",
                 "missing initrd")
    # A failed boot unmounts nothing and frees what it took: the share still works.
    r = vstest.run("-boot /myfs/truncated; -boot /myfs/notkernel.bin; cat /myfs/proof.txt; echo still-here",
                   shares=[share], timeout=120)
    out = lines(r.out)
    check("after a failed -boot the share is still mounted and usable",
          r.status == 0 and "still-here" in out and token in [l.strip() for l in out], r.summary())
    r = vstest.run("boot", shares=[share], timeout=60)
    check("boot without arguments: usage error, status 1", r.status == 1 and any(
        l.startswith("error: boot: EINVAL (usage: boot KERNEL") for l in lines(r.out)), r.summary())



def main():
    if not vstest.require_image():
        return vstest.finish()
    kernel = find_kernel()
    if not check("a Debian kernel in /boot (linux-image-amd64, see tools/deps)", kernel is not None,
                 "no /boot/vmlinuz-*"):
        return vstest.finish()
    share = vstest.tmpdir()
    token = "vioshare-proof-" + secrets.token_hex(8)
    with open(os.path.join(share, "proof.txt"), "w") as f:
        f.write(token + "\n")
    shutil.copyfile(kernel, os.path.join(share, "vmlinuz"))
    with open(kernel, "rb") as f:
        data = f.read()
    with open(os.path.join(share, "truncated"), "wb") as f:
        f.write(data[:len(data) // 2])
    vstest.write_pattern(os.path.join(share, "notkernel.bin"), 7, 64 * 1024)
    p = subprocess.run([MKINITRAMFS, os.path.join(share, "initrd.img"), "proof.txt"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    note("mkinitramfs: " + p.stderr.decode(errors="replace").strip())
    if not check("tools/mkinitramfs builds the test initramfs", p.returncode == 0, p.stderr[-400:]):
        return vstest.finish()
    note("kernel %s (%d bytes), initramfs %d bytes" % (kernel, len(data),
                                                        os.path.getsize(os.path.join(share, "initrd.img"))))
    vstest.run_cases([(test_boot, (share, token)), (test_boot_pvh_q35, (share, token)),
                      (test_errors, (share, token))])
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
