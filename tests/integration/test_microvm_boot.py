#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""`boot` on x86 microvm (virtio-mmio, no PCI) from the PVH image: the
Debian kernel (linux-image-amd64) started through the Linux boot protocol.

- With acpi=off (the launcher's microvm), QEMU announces its virtio-mmio
  devices only as virtio_mmio.device= words on our command line: the kernel's
  command line must be exactly the given one and then QEMU's words.  (Debian's
  kernel is built without VIRTIO_MMIO_CMDLINE_DEVICES and cannot use them: the
  run boots without an initrd and is stopped once the kernel has logged its
  command line.)
- With acpi=on, the kernel finds the devices in QEMU's DSDT through the RSDP
  the image passes on; our image gets the device's window as a
  virtio_mmio.device= word in its command line (acpi=on puts the device on the
  last of 24 transports, 0xfeb02e00).  The initramfs mounts the same share
  with Linux's virtiofs driver and prints a file from it.  Under TCG the
  kernel needs tsc_early_khz=: a hardware-reduced ACPI machine has no PIT or
  HPET to calibrate the TSC against.
- The same through boot entries (acpi=on): a BLS entry, an extlinux entry,
  and a bare distribution root on the share booted with `boot --default` and
  root=myfs rootfstype=virtiofs (busybox's /sbin/init runs as PID 1 on it).
- A file that is no bzImage gets one clear error; the share stays usable.
Notes the time from the launcher's start to the kernel's first console line."""

import os
import secrets
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402
import bootrun  # noqa: E402
import test_boot_linux  # noqa: E402

MICROVM = ["--machine", "microvm"]
ACPI_ON = {"VIOSHARE_QEMU_ARGS": "-machine acpi=on", "VIOSHARE_IMAGE": vstest.PVH_IMAGE}
ACPI_OFF = {"VIOSHARE_IMAGE": vstest.PVH_IMAGE}
ACPI_ON_DEVICE = "virtio_mmio.device=512@0xfeb02e00:47"
# What QEMU appends to -append on microvm without ACPI (hw/i386/microvm.c,
# microvm_fix_kernel_cmdline): " virtio_mmio.device=512@0x%lx:%ld" for each
# transport with a device, 8 transports 512 bytes apart from 0xfeb00000 on
# IRQs 5-12; the one device goes on the last transport.
ACPI_OFF_WORDS = " virtio_mmio.device=512@0xfeb00e00:12"
CMDLINE = "console=ttyS0 panic=-1"
BOOT_TIMEOUT = 300


def words_handed_on(share):
    status, stamped, err = bootrun.run_timed("boot /myfs/vmlinuz " + CMDLINE, share, BOOT_TIMEOUT, MICROVM,
                                             ACPI_OFF, until="Kernel command line: ")
    text = [l for _, l in stamped]
    given = [l.split("Kernel command line: ", 1)[1] for l in text if "Kernel command line: " in l]
    note("  kernel command line: %r" % given[:1])
    check("microvm boot (acpi=off): the kernel's command line is the given one and QEMU's words, exactly (%r)"
          % ACPI_OFF_WORDS.strip(), given == [CMDLINE + ACPI_OFF_WORDS]
          and any(l.startswith("boot: kernel at ") for l in text),
          "status %s; kernel command line %r; %r" % (status, given, text[-6:]))


def boot_acpi(share, token):
    args = "boot /myfs/vmlinuz initrd=/myfs/initrd.img %s tsc_early_khz=2000000 %s" % (CMDLINE, ACPI_ON_DEVICE)
    status, stamped, err = bootrun.run_timed(args, share, BOOT_TIMEOUT, MICROVM, ACPI_ON)
    text = [l for _, l in stamped]
    note("  guest output (without kernel log lines):")
    note("\n".join(l for l in text if not l.startswith("[")) or "(none)")
    summary = "status %s; stderr %s; last lines %r" % (status, " ".join(err.split())[-300:], text[-8:])
    check("microvm boot (acpi=on): the image hands over and the kernel runs the initramfs /init",
          any(l.startswith("boot: kernel at ") for l in text) and "VIOSHARE-INITRAMFS-OK" in text, summary)
    body = bootrun.cat_body(text)
    check("microvm boot: Linux's virtiofs driver mounts the same share and reads the file",
          body is not None and token in body, summary)
    check("microvm boot: the initramfs exits cleanly through isa-debug-exit (status 0)",
          status == 0 and "VIOSHARE-INITRAMFS-EXIT 0" in text, summary)
    bootrun.timing(stamped, "microvm")


def entries_acpi(share, token, kind):
    files = {n: os.path.join(share, n) for n in ("vmlinuz", "initrd.img", "proof.txt")}
    d = bootrun.entry_share(files, kind, "vmlinuz", CMDLINE + " tsc_early_khz=2000000")
    status, stamped, err = bootrun.run_timed("boot -e 1 " + ACPI_ON_DEVICE, d, BOOT_TIMEOUT, MICROVM, ACPI_ON)
    text = [l for _, l in stamped]
    body = bootrun.cat_body(text)
    check("microvm boot -e 1 (%s entry, acpi=on): Linux reads the share, status 0" % kind,
          status == 0 and any(l.startswith("boot: entry 1: ") and l.endswith("(/myfs/%s)" % (
              "loader/entries/test.conf" if kind == "bls" else "boot/extlinux/extlinux.conf")) for l in text) and
          body is not None and token in body,
          "status %s; %r" % (status, [l for l in text if "[" not in l][-8:]))


def root_acpi(share, token):
    d, p = bootrun.root_share(os.path.join(share, "vmlinuz"), os.path.join(share, "proof.txt"), "/bin/busybox",
                              "amd64")
    args = "options root=myfs rootfstype=virtiofs rw %s tsc_early_khz=2000000; boot --default %s" % (CMDLINE,
                                                                                                   ACPI_ON_DEVICE)
    status, stamped, err = bootrun.run_timed(args, d, BOOT_TIMEOUT, MICROVM, ACPI_ON)
    text = [l for _, l in stamped]
    check("microvm root on the share (acpi=on): boot --default, / is the virtiofs share, its /sbin/init (PID 1) "
          "reads a file and exits 0", p.returncode == 0 and status == 0 and bootrun.root_ok(text, token),
          "mkinitramfs %s; status %s; %r" % (p.returncode, status, [l for l in text if "[" not in l][-8:]))


def refused(share, token):
    r = vstest.run("-boot /myfs/notkernel.bin; cat /myfs/proof.txt", shares=[share], machine="microvm",
                   image=vstest.PVH_IMAGE, timeout=120)
    out = test_boot_linux.lines(r.out)
    errs = [l for l in out if l.startswith("error: boot: /myfs/notkernel.bin: ENOEXEC (not a bzImage")]
    check("microvm: a file that is no bzImage gets one clear error, the share stays usable",
          r.status == 0 and len(errs) == 1 and token in [l.strip() for l in out], r.summary())


def main():
    if not vstest.require_image(vstest.PVH_IMAGE):
        return vstest.finish()
    kernel = test_boot_linux.find_kernel()
    if not check("a Debian kernel in /boot (linux-image-amd64, see tools/deps)", kernel is not None,
                 "no /boot/vmlinuz-*"):
        return vstest.finish()
    share = vstest.tmpdir()
    token = "vioshare-microvm-proof-" + secrets.token_hex(8)
    with open(os.path.join(share, "proof.txt"), "w") as f:
        f.write(token + "\n")
    shutil.copyfile(kernel, os.path.join(share, "vmlinuz"))
    vstest.write_pattern(os.path.join(share, "notkernel.bin"), 7, 64 * 1024)
    p = subprocess.run([test_boot_linux.MKINITRAMFS, os.path.join(share, "initrd.img"), "proof.txt"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    note("mkinitramfs: " + p.stderr.decode(errors="replace").strip())
    if not check("tools/mkinitramfs builds the test initramfs (with virtio_mmio)",
                 p.returncode == 0 and b"virtio_mmio" in p.stderr, p.stderr[-400:]):
        return vstest.finish()
    vstest.run_cases([(words_handed_on, (share,)), (boot_acpi, (share, token)), (entries_acpi, (share, token, "bls")),
                      (entries_acpi, (share, token, "extlinux")), (root_acpi, (share, token)),
                      (refused, (share, token))])
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
