#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""GRUB's virtiofs module on x86_64-efi (`make grub`): build/grub/x86_64-efi/
grubx64.efi under OVMF, started by `tools/vioshare-run --grub --efi` (OVMF's
-kernel) with no disk.  The module reaches the device through the firmware's
EFI_PCI_IO_PROTOCOL while OVMF's VirtioFsDxe still holds it.  The cases of
test_grub.py: grub.cfg from the share (ls, cat, search --label, a dangling
symlink), its menu entry boots Debian's kernel through a symlink to the test
initramfs, which mounts the same share with Linux's driver; no grub.cfg, then
a stopped virtiofsd."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_grub  # noqa: E402

if __name__ == "__main__":
    sys.exit(test_grub.main("x86_64-efi"))
