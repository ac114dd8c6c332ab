#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""`boot` on the AArch64 image (qemu-system-aarch64 -M virt -cpu cortex-a57,
TCG): Debian 12's arm64 kernel and a busybox initramfs (both from Debian's
arm64 packages, fetched by tools/deps-arm64) are read from the share and
started through the arm64 boot protocol; the initramfs mounts the same share
with Linux's virtiofs driver and prints a file from it.  The kernel's log
shows the command line it got through the DTB's /chosen/bootargs.  Once at
EL1, once from an image entered at EL2 (virtualization=on), where the kernel
must start at EL2 and bring KVM up.  Boot entries: a BLS entry's
`devicetree` and an extlinux entry's FDT replace QEMU's DTB (the file is
QEMU's own, dumped with dumpdtb=, its model renamed: the kernel names it).
Root on the share: a bare distribution root (/vmlinuz, /initrd.img, busybox,
/sbin/init) booted as `boot --default` offers it, with root=myfs
rootfstype=virtiofs; the initramfs (mkinitramfs --switch-root) loads the
modules and switches to the share, whose /sbin/init runs as PID 1.
An Image.gz is unpacked and boots the
same.  Then images the loader refuses (wrong magic, a gzip file that does not
unpack, big-endian, too big for RAM), each with one clear error, the
share still usable afterwards.  Notes the time from the launcher's start to
the kernel's first console line.

The initramfs powers off through PSCI (there is no isa-debug-exit on virt, and
user space cannot use semihosting), which QEMU ends with code 0 and the
launcher reports as a crash: its status is read from its EXIT line."""

import glob
import gzip
import os
import secrets
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402
import bootrun  # noqa: E402

IMAGE = os.path.join(vstest.REPO, "build", "aarch64", "vioshare.elf")
ARM64_ROOT = os.path.join(os.environ.get("VIOSHARE_ARM64_DIR", "/var/cache/vioshare/arm64"), "root")
MKINITRAMFS = os.path.join(vstest.TOOLS, "mkinitramfs")
ARCH = ["--arch", "aarch64"]
BOOT_TIMEOUT = 400
CMDLINE = "console=ttyAMA0 panic=-1"


def boot_run(share, token, el2):
    what = "EL2" if el2 else "EL1"
    env = {"VIOSHARE_QEMU_ARGS": "-machine virtualization=on"} if el2 else {}
    status, stamped, err = bootrun.run_timed("boot /myfs/Image initrd=/myfs/initrd.img " + CMDLINE, share,
                                             BOOT_TIMEOUT, ARCH, env)
    text = [l for _, l in stamped]
    note("  guest output (without kernel log lines):")
    note("\n".join(l for l in text if not l.startswith("[")) or "(none)")
    summary = "status %s; stderr %s; last lines %r" % (status, " ".join(err.split())[-300:], text[-8:])
    hand = [l for l in text if l.startswith("boot: kernel at ")]
    body = bootrun.cat_body(text)
    read = body is not None and token in body and "VIOSHARE-INITRAMFS-EXIT 0" in text
    if not el2:
        check("aarch64 boot: the image hands over at EL1",
              len(hand) == 1 and hand[0].endswith("entering it at EL1"), summary)
        check("aarch64 boot: the kernel got the command line through /chosen/bootargs",
              any(l.endswith("Kernel command line: " + CMDLINE) for l in text), summary)
        check("aarch64 boot: the kernel found the initrd (linux,initrd-start/-end) and ran its /init",
              "VIOSHARE-INITRAMFS-OK" in text, summary)
        check("aarch64 boot: Linux's virtiofs driver mounts the same share and reads the file", read, summary)
        check("aarch64 boot: the initramfs ends with EXIT 0 and a PSCI power-off (QEMU code 0)",
              "VIOSHARE-INITRAMFS-EXIT 0" in text and "guest-shutdown" in err, summary)
    else:
        check("aarch64 boot from EL2: the image hands over at EL2 and the kernel starts there",
              len(hand) == 1 and hand[0].endswith("entering it at EL2") and
              any("CPU: All CPU(s) started at EL2" in l for l in text), summary)
        check("aarch64 boot from EL2: KVM comes up in the kernel, and it reads the share",
              any("kvm [1]: Hyp mode initialized successfully" in l for l in text) and read, summary)
    return bootrun.timing(stamped, "aarch64 " + what)


def gzip_run(share, token):
    """The Image gzip-compressed (as Ubuntu ships its arm64 vmlinuz)."""
    with open(os.path.join(share, "Image"), "rb") as f:
        image = f.read()
    with open(os.path.join(share, "Image.gz"), "wb") as f:
        f.write(gzip.compress(image, 9))
    status, stamped, err = bootrun.run_timed("boot /myfs/Image.gz initrd=/myfs/initrd.img " + CMDLINE, share,
                                             BOOT_TIMEOUT, ARCH)
    text = [l for _, l in stamped]
    body = bootrun.cat_body(text)
    check("aarch64 boot of an Image.gz: unpacked to the Image's %d bytes, the kernel reads the share" % len(image),
          any(l.startswith("boot: unpacked the gzip-compressed Image: ") and " -> %d bytes" % len(image) in l
              for l in text) and body is not None and token in body,
          "status %s; %r" % (status, [l for l in text if "[" not in l][-8:]))
    os.unlink(os.path.join(share, "Image.gz"))


def dumped_dtb(model):
    """QEMU's DTB for the machine the launcher starts (1024 MiB, one NUMA
    node), its "linux,dummy-virt" (model and compatible) renamed to model."""
    path = os.path.join(vstest.tmpdir(), "virt.dtb")
    subprocess.run(["qemu-system-aarch64", "-M", "virt,dumpdtb=" + path, "-cpu", "cortex-a57", "-m", "1024",
                    "-object", "memory-backend-memfd,id=mem,size=1024M,share=on", "-numa", "node,memdev=mem",
                    "-nodefaults", "-display", "none"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(path, "rb") as f:
        data = f.read()
    assert len(model) == len("linux,dummy-virt") and b"linux,dummy-virt" in data
    return data.replace(b"linux,dummy-virt", model.encode())


def entry_run(share, token, kind):
    """An entry share (the same kernel, initrd and proof file linked in) with
    one BLS or extlinux entry naming its own device tree; `boot -e 1`."""
    model = "vioshare,fdt-bls" if kind == "bls" else "vioshare,fdt-ext"
    files = {n: os.path.join(share, n) for n in ("Image", "initrd.img", "proof.txt")}
    d = bootrun.entry_share(files, kind, "Image", CMDLINE, ("/dtbs/virt.dtb", dumped_dtb(model)))
    status, stamped, err = bootrun.run_timed("boot -e 1", d, BOOT_TIMEOUT, ARCH)
    text = [l for _, l in stamped]
    body = bootrun.cat_body(text)
    check("aarch64 boot -e 1 (%s): the kernel runs on the entry's device tree and reads the share"
          % ("BLS devicetree" if kind == "bls" else "extlinux FDT"),
          any(l.endswith("(from /myfs/dtbs/virt.dtb), entering it at EL1") for l in text) and
          any(l.endswith("Machine model: " + model) for l in text) and body is not None and token in body,
          "status %s; stderr %s; %r" % (status, " ".join(err.split())[-300:], [l for l in text if "[" not in l][-8:]))


def root_run(share, token):
    d, p = bootrun.root_share(os.path.join(share, "Image"), os.path.join(share, "proof.txt"),
                              os.path.join(ARM64_ROOT, "bin", "busybox"), "arm64")
    status, stamped, err = bootrun.run_timed("options root=myfs rootfstype=virtiofs rw %s; boot --default" % CMDLINE,
                                             d, BOOT_TIMEOUT, ARCH)
    text = [l for _, l in stamped]
    check("aarch64 root on the share: boot --default starts the bare root's kernel, / is the virtiofs share "
          "and its /sbin/init (PID 1) reads a file", p.returncode == 0 and bootrun.root_ok(text, token),
          "mkinitramfs %s; status %s; %r" % (p.returncode, status, [l for l in text if "[" not in l][-8:]))


def errors(share, token, kernel):
    with open(kernel, "rb") as f:
        head = bytearray(f.read(64 * 1024))
    vstest.write_pattern(os.path.join(share, "bad.img"), 3, 64 * 1024)
    bad_gz = bytearray(gzip.compress(bytes(head)))
    bad_gz[-8] ^= 1  # the CRC-32
    with open(os.path.join(share, "bad.gz"), "wb") as f:
        f.write(bad_gz)
    be = bytearray(head)
    struct.pack_into("<Q", be, 24, struct.unpack_from("<Q", be, 24)[0] | 1)
    with open(os.path.join(share, "be.img"), "wb") as f:
        f.write(be)
    huge = bytearray(head)
    struct.pack_into("<Q", huge, 16, 64 << 30)
    with open(os.path.join(share, "huge.img"), "wb") as f:
        f.write(huge)
    r = vstest.run("-boot /myfs/bad.img; -boot /myfs/bad.gz; -boot /myfs/be.img; -boot /myfs/huge.img; "
                   "cat /myfs/proof.txt; echo still-here", shares=[share], timeout=120, extra=ARCH)
    out = [l.rstrip("\r") for l in r.out.decode("utf-8", "replace").split("\n")]
    errs = [l for l in out if l.startswith("error: boot: ")]

    def one(path, ename, text):
        mine = [l for l in errs if l.startswith("error: boot: %s: %s (" % (path, ename))]
        check("aarch64 boot error: %s: %s naming %r" % (path, ename, text),
              len(mine) == 1 and text in mine[0], "%r" % errs)

    one("/myfs/bad.img", "ENOEXEC", 'no magic "ARM\\x64" at offset 56')
    one("/myfs/bad.gz", "ENOEXEC", "gzip-compressed Image that does not unpack: the CRC-32")
    one("/myfs/be.img", "ENOEXEC", "big-endian kernel")
    one("/myfs/huge.img", "ENOMEM", "no room for the kernel")
    check("aarch64: after the refused boots the share is still mounted and usable (status 0)",
          r.status == 0 and len(errs) == 4 and "still-here" in out and token in [l.strip() for l in out],
          r.summary())


def main():
    if not vstest.require_image(IMAGE):
        return vstest.finish()
    kernels = sorted(glob.glob(os.path.join(ARM64_ROOT, "boot", "vmlinuz-*")))
    if not check("Debian's arm64 kernel and busybox-static in %s (tools/deps-arm64)" % ARM64_ROOT,
                 kernels and os.path.isfile(os.path.join(ARM64_ROOT, "bin", "busybox")), "run tools/deps-arm64"):
        return vstest.finish()
    kernel = kernels[-1]
    share = vstest.tmpdir()
    token = "vioshare-arm64-proof-" + secrets.token_hex(8)
    with open(os.path.join(share, "proof.txt"), "w") as f:
        f.write(token + "\n")
    shutil.copyfile(kernel, os.path.join(share, "Image"))
    p = subprocess.run([MKINITRAMFS, "--arch", "arm64", os.path.join(share, "initrd.img"), "proof.txt"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    note("mkinitramfs: " + p.stderr.decode(errors="replace").strip())
    if not check("tools/mkinitramfs --arch arm64 builds the test initramfs", p.returncode == 0, p.stderr[-400:]):
        return vstest.finish()
    note("kernel %s (%d bytes)" % (kernel, os.path.getsize(kernel)))
    vstest.run_cases([(boot_run, (share, token, False)), (boot_run, (share, token, True)),
                      (entry_run, (share, token, "bls")), (entry_run, (share, token, "extlinux")),
                      (root_run, (share, token)), (gzip_run, (share, token)),
                      (errors, (share, token, kernel))])
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
