#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""GRUB's virtiofs module on arm64-efi (`make grub`): build/grub/arm64-efi/
grubaa64.efi under AAVMF on QEMU's virt, started by `tools/vioshare-run --grub
--arch aarch64` (AAVMF's -kernel) with no disk, the device reached through the
firmware's EFI_PCI_IO_PROTOCOL.  GRUB reads grub.cfg from the share, lists it,
prints a file, finds the share by its label, then powers off.  (No Linux boot
here yet: see boot/grub/README.md.)  The console is the firmware's, so its
escape sequences are removed before lines are compared."""

import os
import re
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootrun  # noqa: E402
import test_grub  # noqa: E402
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

IMAGE = os.path.join(vstest.REPO, "build", "grub", "arm64-efi", "grubaa64.efi")
ANSI = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]")
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
halt
"""


def test_share():
    share = vstest.tmpdir()
    os.makedirs(os.path.join(share, "boot", "grub"))
    with open(os.path.join(share, "boot", "grub", "grub.cfg"), "w") as f:
        f.write(GRUB_CFG)
    hello = ["hello from the share", secrets.token_hex(8)]
    with open(os.path.join(share, "hello.txt"), "w") as f:
        f.write("\n".join(hello) + "\n")
    status, stamped, err = bootrun.run_timed("", share, 240, extra=["--grub", "--arch", "aarch64"])
    text = [ANSI.sub("", l.replace("\r", "")) for _, l in stamped]
    note("  guest output:")
    note("\n".join(text) or "(none)")
    summary = "status %s; stderr %s; last lines %r" % (status, " ".join(err.split())[-300:], text[-8:])
    check("grub-arm64: reads /boot/grub/grub.cfg from the share", "GRUB-CFG-READ" in text, summary)
    listed = test_grub.between(text, "GRUB-LS-BEGIN", "GRUB-LS-END")
    got = sorted(" ".join(listed).split()) if listed is not None else None
    check("grub-arm64: ls (virtiofs/myfs)/ lists what the host has", got == test_grub.host_ls(share),
          "guest %r host %r" % (got, test_grub.host_ls(share)))
    body = test_grub.between(text, "GRUB-CAT-BEGIN", "GRUB-CAT-END")
    check("grub-arm64: cat prints the host's file",
          body is not None and [l.strip() for l in body if l.strip()] == hello, "guest %r host %r" % (body, hello))
    check("grub-arm64: search --label myfs finds the share, then GRUB powers off (status 0)",
          "GRUB-SEARCH virtiofs/myfs" in text and status == 0, summary)


def main():
    if not check("make grub built the arm64-efi GRUB image", os.path.isfile(IMAGE), "%s is missing" % IMAGE):
        return vstest.finish()
    vstest.run_cases([test_share], timed=True)
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
