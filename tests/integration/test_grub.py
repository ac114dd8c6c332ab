#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""GRUB's virtiofs module (boot/grub/, `make grub`): the i386-pc image that
`tools/vioshare-run --grub` starts with -kernel sets its root to the share and
reads /boot/grub/grub.cfg from it.  That grub.cfg lists the share (`ls`),
prints a file (`cat`), finds the share by its tag (`search --label`), reads a
dangling symlink (GRUB's error, then the script goes on), and boots a menu
entry whose kernel path is a symlink: Debian's kernel and the test initramfs
(tools/mkinitramfs), which mounts the same share with Linux's own driver (the
device was handed over clean).  A share without grub.cfg: GRUB's prompt; then
virtiofsd stopped: GRUB's error and its prompt again.  Notes how long GRUB took to the kernel's first line.
Then `multiboot`: GRUB boots build/vioshare.elf from the share, which reads it.
test_grub_efi.py runs the same cases on the x86_64-efi image (PLATFORMS)."""

import glob
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootrun  # noqa: E402
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

# Each GRUB image: the prefix of its check names, its file, the launcher's options for it.
PLATFORMS = {
    "i386-pc": ("grub", os.path.join(vstest.REPO, "build", "grub", "i386-pc", "grub.img"), ["--grub"]),
    "x86_64-efi": ("grub-efi", os.path.join(vstest.REPO, "build", "grub", "x86_64-efi", "grubx64.efi"),
                   ["--grub", "--efi"]),
}
MKINITRAMFS = os.path.join(vstest.TOOLS, "mkinitramfs")
VIOSHARE_ELF = os.path.join(vstest.REPO, "build", "vioshare.elf")
TIMEOUT = 300
STOPPED_LIMIT = 30    # the module's request timeout is 5 s
CMDLINE = "console=ttyS0 panic=-1 no_timer_check"
GRUB_CFG = """\
echo GRUB-CFG-READ
echo GRUB-LS-BEGIN
ls ($root)/
echo GRUB-LS-END
echo GRUB-CAT-BEGIN
cat ($root)/hello.txt
echo GRUB-CAT-END
search --no-floppy --label myfs --set=found
echo "GRUB-SEARCH $found"
cat /dangling
echo GRUB-AFTER-ERROR
set timeout=0
menuentry "Linux from the share" {
    linux /vmlinuz %s
    initrd /initrd.img
}
""" % CMDLINE


def version_key(path):
    return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", path)]


def between(text, begin, end):
    try:
        i = text.index(begin)
        return text[i + 1:text.index(end, i)]
    except ValueError:
        return None


def host_ls(share):
    """The names GRUB's `ls` prints for the share's root: directories with a
    trailing '/', symlinks and files as they are."""
    names = []
    for n in os.listdir(share):
        p = os.path.join(share, n)
        names.append(n + "/" if os.path.isdir(p) and not os.path.islink(p) else n)
    return sorted(names)


def test_boot(platform, share, token, hello):
    p, _, extra = PLATFORMS[platform]
    status, stamped, err = bootrun.run_timed("", share, TIMEOUT, extra=extra)
    stamped = [(s, l.replace("\r", "")) for s, l in stamped]   # GRUB ends its lines with \n\r
    text = [l for _, l in stamped]
    note("  guest output (without kernel log lines):")
    note("\n".join(l for l in text if not l.startswith("[")) or "(none)")
    summary = "status %s; stderr %s; last lines %r" % (status, " ".join(err.split())[-300:], text[-8:])

    check(p + ": reads /boot/grub/grub.cfg from the share", "GRUB-CFG-READ" in text, summary)
    listed = between(text, "GRUB-LS-BEGIN", "GRUB-LS-END")
    got = sorted(" ".join(listed).split()) if listed is not None else None
    check(p + ": ls (virtiofs/myfs)/ lists what the host has", got == host_ls(share),
          "guest %r host %r" % (got, host_ls(share)))
    body = between(text, "GRUB-CAT-BEGIN", "GRUB-CAT-END")
    check(p + ": cat prints the host's file", body is not None and [l.strip() for l in body if l.strip()] == hello,
          "guest %r host %r" % (body, hello))
    check(p + ": search --label myfs finds the share", "GRUB-SEARCH virtiofs/myfs" in text, summary)
    after = text.index("GRUB-AFTER-ERROR") if "GRUB-AFTER-ERROR" in text else -1
    err_line = next((l for l in text[:after] if l.startswith("error:") and "dangling" in l), None) if after > 0 else None
    check(p + ": a dangling symlink is GRUB's error, then the script goes on", err_line is not None, summary)
    check(p + ": the menu entry boots the kernel through a symlink, to the initramfs",
          "VIOSHARE-INITRAMFS-OK" in text, summary)
    proof = bootrun.cat_body(text)
    check(p + ": Linux's virtiofs driver mounts the same share after GRUB (device handed over clean)",
          proof is not None and token in [l.strip() for l in proof], summary)
    check(p + ": the initramfs exits cleanly (status 0)", status == 0 and "VIOSHARE-INITRAMFS-EXIT 0" in text,
          summary)
    t_cfg = next((s for s, l in stamped if l == "GRUB-CFG-READ"), None)
    t_kernel = next((s for s, l in stamped if l.startswith("[")), None)
    note("timing %s (from the launcher's start): grub.cfg read %s s, kernel's first console line %s s"
         % (platform, "%.2f" % t_cfg if t_cfg else "-", "%.2f" % t_kernel if t_kernel else "-"))


def test_no_config_then_stopped(platform):
    """No grub.cfg: GRUB 2.06 reads a missing config file without a word
    (normal/main.c ignores the error), so what must hold is its prompt.  Then
    virtiofsd is stopped (SIGSTOP) and `ls` typed at the prompt: GRUB's error
    once the request times out (5 s), and the prompt again, no hang."""
    share = vstest.tmpdir()
    with open(os.path.join(share, "hello.txt"), "w") as f:
        f.write("no grub.cfg here\n")
    p, _, extra = PLATFORMS[platform]
    live = vstest.Live(None, [share], 120, extra=extra, stdin=True)
    stopped = []
    try:
        prompt = live.wait_re(rb"virtiofs: root \(virtiofs/myfs\)[^>]*grub> ", 60)
        check(p + ": no grub.cfg on the share: GRUB's prompt (after the early config set root)",
              prompt is not None, "output tail %r" % live.out[-300:])
        stopped = live.pids()
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)
        mark = live.mark()
        t0 = time.monotonic()
        live.send(b"ls (virtiofs/myfs)/\r")
        again = live.wait_re(rb"error: [^\n]*\n[^>]*grub> ", STOPPED_LIMIT, mark)
        took = time.monotonic() - t0
        error = again.group(0).decode(errors="replace").split("\n")[0].strip() if again else None
        note("  stopped daemon: %r after %.1f s" % (error, took))
        check(p + ": a stopped virtiofsd is GRUB's error, then its prompt again (no hang)",
              stopped and again is not None and "timed out" in error.lower(),
              "daemons %r; output tail %r" % (stopped, live.out[-300:]))
    finally:
        for pid in stopped:
            try:
                os.kill(pid, signal.SIGCONT)
            except OSError:
                pass
        live.finish(0)


def boot_share():
    """The share test_boot boots from: (share, token, hello), or None after a failed check."""
    kernels = sorted(glob.glob("/boot/vmlinuz-*"), key=version_key)
    if not check("a Debian kernel in /boot (linux-image-amd64, see tools/deps)", kernels, "no /boot/vmlinuz-*"):
        return None
    share = vstest.tmpdir()
    os.makedirs(os.path.join(share, "boot", "grub"))
    with open(os.path.join(share, "boot", "grub", "grub.cfg"), "w") as f:
        f.write(GRUB_CFG)
    hello = ["hello from the share", secrets.token_hex(8)]
    with open(os.path.join(share, "hello.txt"), "w") as f:
        f.write("\n".join(hello) + "\n")
    token = "vioshare-proof-" + secrets.token_hex(8)
    with open(os.path.join(share, "proof.txt"), "w") as f:
        f.write(token + "\n")
    # As Debian lays it out: /vmlinuz -> /boot/vmlinuz-V (absolute: the share's root).
    name = os.path.basename(kernels[-1])
    shutil.copyfile(kernels[-1], os.path.join(share, "boot", name))
    os.symlink("/boot/" + name, os.path.join(share, "vmlinuz"))
    os.symlink("/no/such/file", os.path.join(share, "dangling"))
    p = subprocess.run([MKINITRAMFS, os.path.join(share, "initrd.img"), "proof.txt"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not check("tools/mkinitramfs builds the test initramfs", p.returncode == 0, p.stderr[-400:]):
        return None
    return share, token, hello


def main(platform="i386-pc", more_cases=()):
    image = PLATFORMS[platform][1]
    if not check("make grub built the GRUB image", os.path.isfile(image), "%s is missing" % image):
        return vstest.finish()
    booted = boot_share()
    if booted is None:
        return vstest.finish()
    vstest.run_cases([(test_boot, (platform,) + booted), (test_no_config_then_stopped, (platform,))]
                     + list(more_cases), timed=True)
    return vstest.finish()


def test_multiboot():
    """i386-pc: GRUB's `multiboot` loads build/vioshare.elf (a Multiboot v1
    image) from the share with a command line; vioshare then finds the device
    GRUB handed over reset, reads the share itself, and ends the machine
    with its own exit status (0)."""
    name = "grub: multiboot boots vioshare.elf from the share, which reads the share itself (status 0)"
    if not os.path.isfile(VIOSHARE_ELF):
        check(name, False, "%s is missing (make)" % VIOSHARE_ELF)
        return
    share = vstest.tmpdir()
    os.makedirs(os.path.join(share, "boot", "grub"))
    shutil.copyfile(VIOSHARE_ELF, os.path.join(share, "vioshare.elf"))
    token = "vioshare-multiboot-" + secrets.token_hex(8)
    with open(os.path.join(share, "proof.txt"), "w") as f:
        f.write(token + "\n")
    with open(os.path.join(share, "boot", "grub", "grub.cfg"), "w") as f:
        # GRUB 2 passes only what follows the file name (QEMU "KERNEL_PATH ARGS").
        f.write("multiboot /vioshare.elf cat /myfs/proof.txt\nboot\n")
    status, stamped, err = bootrun.run_timed("", share, 90, extra=["--grub"])
    text = [l.replace("\r", "") for _, l in stamped]
    note("  guest output:")
    note("\n".join(text) or "(none)")
    check(name, status == 0 and token in [l.strip() for l in text],
          "status %s; stderr %s; last lines %r" % (status, " ".join(err.split())[-300:], text[-8:]))


if __name__ == "__main__":
    sys.exit(main("i386-pc", [test_multiboot]))
