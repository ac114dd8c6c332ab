#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The UEFI file-system driver for AArch64, build/aarch64/vioshare-fs.efi,
under AAVMF on QEMU's virt (TCG), the share a vhost-user-fs-pci device on the
PCIe host bridge.

1. AAVMF's UEFI shell loads the driver, which takes the share from AAVMF's
   VirtioFsDxe (its mapping ends in vioshare's vendor node); type reads a file
   and a symlink to it, cp copies a 1 MiB file (read and written through the
   device's DMA buffers) and the host sees the same bytes, and `echo > file`
   writes a file the host sees.
2. `tools/vioshare-run --efi-boot --arch aarch64`: Debian's arm64
   systemd-boot as the share's \\EFI\\BOOT\\BOOTAA64.EFI boots a BLS entry
   whose kernel is a symlink (vmlinuz -> vmlinuz-VERSION, Debian's arm64
   kernel: an EFI zboot image), with its initrd, to the initramfs's marker;
   the initramfs then mounts the same share with Linux's own driver (the
   device was reset at ExitBootServices)."""

import glob
import hashlib
import os
import secrets
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootrun  # noqa: E402
import vstest  # noqa: E402
from efishell import (HELLO, between, clean, driver_mapped, host_file, nsh, skip_checks,  # noqa: E402
                      systemd_boot_share, typed_hello_twice)
from vstest import check, note  # noqa: E402

DRIVER = os.path.join(vstest.REPO, "build", "aarch64", "vioshare-fs.efi")
MKINITRAMFS = os.path.join(vstest.TOOLS, "mkinitramfs")
ARM64_ROOT = os.path.join(os.environ.get("VIOSHARE_ARM64_DIR", "/var/cache/vioshare/arm64"), "root")
SYSTEMD_BOOT = os.path.join(ARM64_ROOT, "usr", "lib", "systemd", "boot", "efi", "systemd-bootaa64.efi")
AAVMF = ("/usr/share/AAVMF/AAVMF_CODE.fd", "/usr/share/AAVMF/AAVMF_VARS.fd")
ARCH = ("--efi-boot", "--arch", "aarch64")
CMDLINE = "console=ttyAMA0 panic=-1"
TIMEOUT = 300

SHELL_CHECKS = 4
SDBOOT_CHECKS = 5


def kernel():
    found = sorted(glob.glob(os.path.join(ARM64_ROOT, "boot", "vmlinuz-*")))
    return found[-1] if found else None


# ------------------------------------------------------------------ 1. the UEFI shell

def test_shell(top):
    share = os.path.join(top, "shell")
    os.mkdir(share)
    with open(os.path.join(share, "hello.txt"), "wb") as f:
        f.write(HELLO)
    os.symlink("hello.txt", os.path.join(share, "link"))
    vstest.write_pattern(os.path.join(share, "big.bin"), 7, 1 << 20)
    # The driver is loaded from the launcher's FAT volume; the share is the
    # volume that has hello.txt, whichever FSn the shell gave it.
    script = os.path.join(top, "shell.nsh")
    with open(script, "wb") as f:
        f.write(nsh(["@echo -off",
                     "for %a in 0 1 2 3 4 5 6 7 8 9",
                     "  if exist fs%a:\\vioshare.run then",
                     "    load fs%a:\\vioshare-fs.efi",
                     "  endif",
                     "endfor",
                     "connect -r",
                     "map -r",
                     "for %b in 0 1 2 3 4 5 6 7 8 9",
                     "  if exist fs%b:\\hello.txt then",
                     "    fs%b:",
                     "  endif",
                     "endfor",
                     "echo =B-type=", "type hello.txt", "type link", "echo =E-type=",
                     "cp big.bin copy.bin",
                     "echo written on arm64 > echoed.txt",
                     "echo vioshare: exit status 0",
                     "reset -s"]))
    r = vstest.run("", [share], timeout=TIMEOUT, extra=ARCH, env={"VIOSHARE_EFI_STARTUP": script})
    text = clean(r.out)
    check("aarch64 shell: the driver takes the share from VirtioFsDxe (its mapping ends in vioshare's vendor node)",
          driver_mapped(text), text[-1500:])
    typed = between(text, "type")
    check("aarch64 shell: type reads a file and a symlink to it",
          typed_hello_twice(typed),
          repr(typed))

    def host(rel):
        return host_file(share, rel)
    want = host("big.bin")
    got = host("copy.bin")
    check("aarch64 shell: cp of a 1 MiB file: the host's copy has the same bytes",
          isinstance(got, bytes) and got == want,
          "copy %s" % (repr(got) if not isinstance(got, bytes) else "%d bytes, sha256 %s, want %s" % (
              len(got), hashlib.sha256(got).hexdigest()[:16], hashlib.sha256(want).hexdigest()[:16])))
    echoed = host("echoed.txt")
    check("aarch64 shell: echo > file: the host has the shell's UCS-2 text", isinstance(echoed, bytes)
          and echoed.startswith(b"\xff\xfe") and echoed[2:].decode("utf-16-le", "replace") == "written on arm64\r\n",
          repr(echoed))
    note("aarch64 shell run: %.1f s" % r.secs)


# ------------------------------------------------------------------ 2. systemd-boot

def test_systemd_boot(top):
    k = kernel()
    missing = [w for w, ok in (("%s/boot/vmlinuz-*" % ARM64_ROOT, k), ("tools/mkinitramfs", os.path.isfile(MKINITRAMFS)),
                               (SYSTEMD_BOOT, os.path.isfile(SYSTEMD_BOOT))) if not ok]
    if missing:
        skip_checks("aarch64 systemd-boot", SDBOOT_CHECKS, "no %s (tools/deps-arm64)" % ", ".join(missing))
        return
    share = systemd_boot_share(top, SYSTEMD_BOOT, "BOOTAA64.EFI", k, CMDLINE)
    token = "vioshare-sdboot-arm64-" + secrets.token_hex(8)
    with open(os.path.join(share, "proof.txt"), "w") as f:
        f.write(token + "\n")
    p = subprocess.run([MKINITRAMFS, "--arch", "arm64", os.path.join(share, "initrd.img"), "proof.txt"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not check("tools/mkinitramfs --arch arm64 builds the test initramfs", p.returncode == 0, p.stderr[-400:]):
        skip_checks("aarch64 systemd-boot", SDBOOT_CHECKS - 1, "no initramfs")
        return
    r = vstest.run("", [share], timeout=TIMEOUT, extra=ARCH)
    text = clean(r.out)
    note("aarch64 systemd-boot run: %.1f s (AAVMF, systemd-boot, the zboot kernel and its initramfs under TCG)"
         % r.secs)
    check("aarch64 systemd-boot: started through the driver (the share mapped by vioshare's device path) "
          "as \\EFI\\BOOT\\BOOTAA64.EFI, it opens its root and boots the entry",
          driver_mapped(text) and "Unable to open root directory" not in text and "EFI stub: " in text,
          text[-800:])
    check("aarch64 systemd-boot: the kernel (a symlink) starts and takes the initrd systemd-boot read from the share",
          "EFI stub: Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path" in text, text[-800:])
    lines = [l.strip() for l in text.split("\n")]
    summary = "status %s; last lines %r" % (r.status, lines[-8:])
    check("aarch64 systemd-boot: the kernel runs the initramfs from the share", "VIOSHARE-INITRAMFS-OK" in lines,
          summary)
    body = bootrun.cat_body(lines)
    check("aarch64 systemd-boot: Linux's own virtiofs driver mounts the share after ExitBootServices "
          "(device reset) and exits 0", r.status == 0 and body is not None and token in body
          and "VIOSHARE-INITRAMFS-EXIT 0" in lines, summary)


def main():
    if not vstest.require_image(DRIVER):
        return vstest.finish()
    missing = [f for f in AAVMF if not os.path.isfile(f)]
    if not check("AAVMF is installed (package qemu-efi-aarch64, tools/deps)", not missing, "missing %s" % missing):
        return vstest.finish()
    top = vstest.tmpdir()
    vstest.run_cases([(t, (top,)) for t in (test_shell, test_systemd_boot)])
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
