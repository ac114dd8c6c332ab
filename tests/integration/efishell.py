# SPDX-License-Identifier: BSD-2-Clause
"""What the UEFI driver's tests (test_efi_driver.py, test_efi_driver_aarch64.py)
share: UEFI shell scripts, reading the console, and the files on the share."""

import os
import re
import shutil

import bootrun
import vstest

# The last node of the device path the driver gives each share.
VENDOR_NODE = "VenMedia(7A3C1D52-9B4E-4F06-8D21-5E6F903BA4C7"
HELLO = b"Hello from the share.\n"


def nsh(lines):
    """A UEFI shell script: UTF-16 with its byte-order mark, CR LF lines."""
    return b"\xff\xfe" + ("\r\n".join(lines) + "\r\n").encode("utf-16-le")


def skip_checks(what, n, reason):
    for i in range(n):
        vstest.skip("%s: check %d of %d" % (what, i + 1, n), reason)


def clean(out):
    """The console's bytes as text, without escape sequences and CRs."""
    return bootrun.ANSI.sub(b"", out).replace(b"\r", b"").decode("utf-8", "replace")


def between(text, tag):
    """What the script printed between its `echo =B-tag=` and `echo =E-tag=`, or None."""
    b, e = "=B-%s=\n" % tag, "=E-%s=" % tag
    i = text.find(b)
    j = text.find(e, i + len(b)) if i >= 0 else -1
    return None if j < 0 else text[i + len(b):j]


def driver_mapped(text):
    """The shell's mapping table names a share by the driver's device path."""
    return re.search(r"FS\d+: .*\n\s+PciRoot\(0x0\)/Pci\([^)]*\)/" + re.escape(VENDOR_NODE), text) is not None


def typed_hello_twice(typed):
    """`type hello.txt` and `type link` (a symlink to it) printed HELLO twice."""
    return typed is not None and [l for l in typed.split("\n") if l.strip()] == [HELLO.decode().strip()] * 2


def host_file(share, rel):
    """The bytes of a file on the share as the host sees them, or the OSError."""
    try:
        with open(os.path.join(share, rel), "rb") as f:
            return f.read()
    except OSError as e:
        return e


def systemd_boot_share(top, loader, boot_name, kernel, cmdline):
    """top/sdboot: systemd-boot (the file loader) as \\EFI\\BOOT\\boot_name and one BLS entry,
    the default, whose kernel path /vmlinuz is a symlink to the kernel's copy and whose initrd is
    /initrd.img (the test makes it).  Returns the share's path."""
    share = os.path.join(top, "sdboot")
    os.makedirs(os.path.join(share, "EFI", "BOOT"))
    os.makedirs(os.path.join(share, "loader", "entries"))
    shutil.copyfile(loader, os.path.join(share, "EFI", "BOOT", boot_name))
    real = os.path.basename(kernel)
    shutil.copyfile(kernel, os.path.join(share, real))
    os.symlink(real, os.path.join(share, "vmlinuz"))
    with open(os.path.join(share, "loader", "loader.conf"), "w") as f:
        f.write("timeout 0\ndefault x.conf\n")
    with open(os.path.join(share, "loader", "entries", "x.conf"), "w") as f:
        f.write("title vioshare test\nlinux /vmlinuz\ninitrd /initrd.img\noptions %s\n" % cmdline)
    return share
