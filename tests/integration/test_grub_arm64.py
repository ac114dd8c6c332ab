#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""GRUB's virtiofs module on arm64-efi (`make grub`): build/grub/arm64-efi/
grubaa64.efi under AAVMF on QEMU's virt, started by `tools/vioshare-run --grub
--arch aarch64` (AAVMF's -kernel) with no disk, the device reached through the
firmware's EFI_PCI_IO_PROTOCOL.  GRUB reads grub.cfg (grubcfg.py) from the
share, lists it, prints a file, finds the share by its label, reads and
writes the share's grubenv (load_env, save_env), then its menu entry boots
Debian's arm64 kernel (/boot/vmlinuz, a symlink to vmlinuz-VERSION) with the
test initramfs (tools/mkinitramfs --arch arm64) through GRUB's `linux` and
`initrd`; the initramfs mounts the same share with Linux's own driver (the
module's preboot hook handed the device over reset) and powers off.  One run
for all of it: the firmware's start is most of the time under TCG.  The
console is the firmware's, so its escape sequences are removed before lines
are compared."""

import glob
import os
import re
import secrets
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootrun  # noqa: E402
import grubcfg  # noqa: E402
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

IMAGE = os.path.join(vstest.REPO, "build", "grub", "arm64-efi", "grubaa64.efi")
ARM64_ROOT = os.path.join(os.environ.get("VIOSHARE_ARM64_DIR", "/var/cache/vioshare/arm64"), "root")
MKINITRAMFS = os.path.join(vstest.TOOLS, "mkinitramfs")
ANSI = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]")
TIMEOUT = 300
CMDLINE = "console=ttyAMA0 panic=-1"

LINUX_NAMES = (
    "grub-arm64: the menu entry boots Debian's arm64 kernel through a symlink (GRUB's linux), to the initramfs",
    "grub-arm64: Linux's virtiofs driver mounts the same share after GRUB (device handed over clean)",
    "grub-arm64: the initramfs exits cleanly and powers off (status 0)",
)


def skip_linux(reason):
    for name in LINUX_NAMES:
        vstest.skip(name, reason)


def linux_share(share):
    """Puts Debian's arm64 kernel (/boot/vmlinuz -> vmlinuz-VERSION) and the
    test initramfs on the share; returns the proof token, or None (the Linux
    checks skipped or failed)."""
    kernels = sorted(glob.glob(os.path.join(ARM64_ROOT, "boot", "vmlinuz-*")), key=grubcfg.version_key)
    if not kernels:
        vstest.skip("tools/mkinitramfs --arch arm64 builds the test initramfs", "no arm64 kernel (tools/deps-arm64)")
        skip_linux("no %s/boot/vmlinuz-* (tools/deps-arm64)" % ARM64_ROOT)
        return None
    name = os.path.basename(kernels[-1])
    shutil.copyfile(kernels[-1], os.path.join(share, "boot", name))
    os.symlink(name, os.path.join(share, "boot", "vmlinuz"))
    token = "vioshare-grub-arm64-" + secrets.token_hex(8)
    with open(os.path.join(share, "proof.txt"), "w") as f:
        f.write(token + "\n")
    p = subprocess.run([MKINITRAMFS, "--arch", "arm64", os.path.join(share, "boot", "initrd.img"), "proof.txt"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not check("tools/mkinitramfs --arch arm64 builds the test initramfs", p.returncode == 0, p.stderr[-400:]):
        skip_linux("no initramfs")
        return None
    return token


def test_share():
    share = grubcfg.Share("/boot/vmlinuz", "/boot/initrd.img", CMDLINE)
    token = linux_share(share.dir)
    status, stamped, err = bootrun.run_timed("", share.dir, TIMEOUT, extra=["--grub", "--arch", "aarch64"])
    stamped = [(t, ANSI.sub("", l.replace("\r", ""))) for t, l in stamped]
    text = [l for _, l in stamped]
    note("  guest output (without kernel log lines):")
    note("\n".join(l for l in text if not l.startswith("[")) or "(none)")
    summary = "status %s; stderr %s; last lines %r" % (status, " ".join(err.split())[-300:], text[-8:])
    share.check_commands("grub-arm64", text, summary)
    if token is None:
        return
    check(LINUX_NAMES[0], "VIOSHARE-INITRAMFS-OK" in text, summary)
    proof = bootrun.cat_body(text)
    check(LINUX_NAMES[1], proof is not None and token in proof, summary)
    check(LINUX_NAMES[2], status == 0 and "VIOSHARE-INITRAMFS-EXIT 0" in text, summary)
    t_cfg = next((t for t, l in stamped if l == "GRUB-CFG-READ"), None)
    t_kernel = next((t for t, l in stamped if l.startswith("[")), None)
    t_cat = next((t for t, l in stamped if l == "VIOSHARE-INITRAMFS-CAT-END"), None)
    note("timing arm64-efi (from the launcher's start): grub.cfg read %s s, kernel's first console line %s s, "
         "share read by Linux %s s" % tuple("%.2f" % t if t else "-" for t in (t_cfg, t_kernel, t_cat)))


def main():
    if not check("make grub built the arm64-efi GRUB image", os.path.isfile(IMAGE), "%s is missing" % IMAGE):
        return vstest.finish()
    vstest.run_cases([test_share], timed=True)
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
