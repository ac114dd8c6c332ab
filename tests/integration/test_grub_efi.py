#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""GRUB's virtiofs module on x86_64-efi (`make grub`): build/grub/x86_64-efi/
grubx64.efi under OVMF, started by `tools/vioshare-run --grub --efi` (OVMF's
-kernel) with no disk.  The module reaches the device through the firmware's
EFI_PCI_IO_PROTOCOL while OVMF's VirtioFsDxe still holds it.  The cases of
test_grub.py: grub.cfg from the share (ls, cat, search --label, a dangling
symlink), its menu entry boots Debian's kernel through a symlink to the test
initramfs, which mounts the same share with Linux's driver; no grub.cfg, then
a stopped virtiofsd.  Then `chainloader`: GRUB starts build/vioshare.efi from
the share, its device path the virtio-fs function's, and that program reads
the share itself (it takes the device GRUB handed over reset); and
tests/efi/readself.c, which reads its own device through the firmware's
SimpleFS (OVMF's VirtioFsDxe, restarted by GRUB's preboot hook)."""

import os
import re
import secrets
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootrun  # noqa: E402
import test_grub  # noqa: E402
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

VIOSHARE_EFI = os.path.join(vstest.REPO, "build", "vioshare.efi")
READSELF_EFI = os.path.join(vstest.REPO, "build", "tests", "readself.efi")
CHAIN_CFG = """\
echo GRUB-CHAIN-BEGIN
chainloader /EFI/tools/vioshare.efi cat /myfs/proof.txt
boot
echo GRUB-CHAIN-RETURNED
"""


def test_chainloader():
    if not check("grub-efi: build/vioshare.efi is built (make)", os.path.isfile(VIOSHARE_EFI),
                 "%s is missing" % VIOSHARE_EFI):
        return
    share = vstest.tmpdir()
    os.makedirs(os.path.join(share, "boot", "grub"))
    os.makedirs(os.path.join(share, "EFI", "tools"))
    with open(os.path.join(share, "boot", "grub", "grub.cfg"), "w") as f:
        f.write(CHAIN_CFG)
    shutil.copyfile(VIOSHARE_EFI, os.path.join(share, "EFI", "tools", "vioshare.efi"))
    token = "vioshare-chain-" + secrets.token_hex(8)
    with open(os.path.join(share, "proof.txt"), "w") as f:
        f.write(token + "\n")
    status, stamped, err = bootrun.run_timed("", share, test_grub.TIMEOUT, extra=["--grub", "--efi"])
    text = [l.replace("\r", "") for _, l in stamped]
    note("  guest output:")
    note("\n".join(text) or "(none)")
    summary = "status %s; stderr %s; last lines %r" % (status, " ".join(err.split())[-300:], text[-8:])
    # GRUB prints the device path it gives the program, wrapped at 80 columns.
    path = re.search(r"file path: (\S*)", "".join(text))
    check("grub-efi: chainloader loads vioshare.efi from the share, its device path the virtio-fs function's",
          path is not None and re.search(r"/PCI\([0-9a-f]+,[0-9a-f]+\)/File\(\\EFI\\tools\)/File\(vioshare\.efi\)/",
                                         path.group(1)) is not None
          and any("vioshare.efi: start" in l for l in text),
          "file path %r; %s" % (path and path.group(1), summary))
    check("grub-efi: the chainloaded vioshare.efi reads the share GRUB handed over (cat, status 0)",
          status == 0 and any(token in l for l in text) and "GRUB-CHAIN-RETURNED" not in text, summary)



def test_chainloader_firmware_fs():
    """The chainloaded program reads its own device through the firmware's
    EFI_SIMPLE_FILE_SYSTEM_PROTOCOL (as shim or systemd-boot would): OVMF's
    VirtioFsDxe, which GRUB's preboot hook restarted after resetting the
    device under it (a stale driver waits forever: the short timeout)."""
    name = "grub-efi: a chainloaded program reads its own device through the firmware's VirtioFsDxe (restarted)"
    if not os.path.isfile(READSELF_EFI):
        check(name, False, "%s is missing (make)" % READSELF_EFI)
        return
    share = vstest.tmpdir()
    os.makedirs(os.path.join(share, "boot", "grub"))
    os.makedirs(os.path.join(share, "EFI", "tools"))
    with open(os.path.join(share, "boot", "grub", "grub.cfg"), "w") as f:
        f.write("ls ($root)/\nchainloader /EFI/tools/readself.efi\nboot\n")
    shutil.copyfile(READSELF_EFI, os.path.join(share, "EFI", "tools", "readself.efi"))
    token = "vioshare-readself-" + secrets.token_hex(8)
    with open(os.path.join(share, "proof.txt"), "w") as f:
        f.write(token + "\n")
    status, stamped, err = bootrun.run_timed("", share, 90, extra=["--grub", "--efi"])
    text = [l.replace("\r", "") for _, l in stamped]
    note("  guest output:")
    note("\n".join(text) or "(none)")
    check(name, status == 0 and any(token in l for l in text),
          "status %s; stderr %s; last lines %r" % (status, " ".join(err.split())[-300:], text[-8:]))


if __name__ == "__main__":
    sys.exit(test_grub.main("x86_64-efi", [test_chainloader, test_chainloader_firmware_fs]))
