# SPDX-License-Identifier: BSD-2-Clause
"""What the GRUB tests share (test_grub.py, whose cases test_grub_efi.py runs
on x86_64-efi, and test_grub_arm64.py): the share GRUB boots from, with the
grub.cfg it runs and the grubenv it reads and writes, and the checks of what
GRUB printed and wrote.  The grub.cfg lists the share (`ls`), prints a file
(`cat`), finds the share by its tag (`search --label`) and by a file on it
(`search --file`), runs a script of its (`source`), then `load_env` reads
the host's grubenv and `save_env` writes a new variable into it in place, and
`save_env -f` of a missing file is GRUB's error (the script goes on); last,
what the test adds and a menu entry that boots Linux."""

import os
import re
import secrets
import shutil
import subprocess

import vstest
from vstest import check

# GRUB's environment block: its signature line, name=value lines, `#` up to 1024 bytes.
ENVBLK_SIGNATURE = "# GRUB Environment Block\n"
ENVBLK_SIZE = 1024
GRUBENV = os.path.join("boot", "grub", "grubenv")
HOST_VAR = "vioshare_host"
GUEST_VAR = "vioshare_guest"

CFG = """\
echo GRUB-CFG-READ
echo GRUB-LS-BEGIN
ls ($root)/
echo GRUB-LS-END
echo GRUB-CAT-BEGIN
cat ($root)/hello.txt
echo GRUB-CAT-END
search --no-floppy --label myfs --set=found
echo "GRUB-SEARCH $found"
search --no-floppy --file /hello.txt --set=byfile
echo "GRUB-SEARCH-FILE $byfile"
source /boot/grub/sourced.cfg
echo "GRUB-SOURCED $sourced"
load_env
echo "GRUB-ENV-LOADED $%(host_var)s"
set %(guest_var)s=%(guest_value)s
save_env %(guest_var)s
save_env -f /boot/grub/nosuchenv %(guest_var)s
echo GRUB-ENV-AFTER-ERROR
%(more)sset timeout=0
menuentry "Linux from the share" {
    linux %(kernel)s %(cmdline)s
    initrd %(initrd)s
}
"""


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


def write_envblk(path, variables):
    """A grubenv holding variables ((name, value) pairs): made by the host's
    grub-editenv where there is one, else in GRUB's format by hand."""
    editenv = shutil.which("grub-editenv")
    if editenv:
        subprocess.run([editenv, path, "create"], check=True)
        subprocess.run([editenv, path, "set"] + ["%s=%s" % nv for nv in variables], check=True)
        return
    block = ENVBLK_SIGNATURE + "".join("%s=%s\n" % nv for nv in variables)
    with open(path, "w") as f:
        f.write(block + "#" * (ENVBLK_SIZE - len(block)))


def read_envblk(path):
    """(size in bytes, {name: value}) of a grubenv; (None, None) if it cannot be read."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None, None
    lines = data.decode("utf-8", "replace").split("\n")
    if data[:len(ENVBLK_SIGNATURE)] != ENVBLK_SIGNATURE.encode():
        return len(data), {}
    return len(data), dict(l.split("=", 1) for l in lines[1:] if "=" in l and not l.startswith("#"))


class Share:
    """A temporary share for GRUB: boot/grub/grub.cfg (CFG with the test's
    kernel, initrd, command line and commands of its own), hello.txt, and
    boot/grub/grubenv holding the host's variable."""

    def __init__(self, kernel, initrd, cmdline, more=""):
        self.dir = vstest.tmpdir()
        os.makedirs(os.path.join(self.dir, "boot", "grub"))
        self.hello = ["hello from the share", secrets.token_hex(8)]
        with open(os.path.join(self.dir, "hello.txt"), "w") as f:
            f.write("\n".join(self.hello) + "\n")
        self.host_value = "host-" + secrets.token_hex(8)
        self.guest_value = "guest-" + secrets.token_hex(8)
        write_envblk(os.path.join(self.dir, GRUBENV), [(HOST_VAR, self.host_value)])
        self.sourced = "sourced-" + secrets.token_hex(8)
        with open(os.path.join(self.dir, "boot", "grub", "sourced.cfg"), "w") as f:
            f.write("set sourced=%s\n" % self.sourced)
        with open(os.path.join(self.dir, "boot", "grub", "grub.cfg"), "w") as f:
            f.write(CFG % {"host_var": HOST_VAR, "guest_var": GUEST_VAR, "guest_value": self.guest_value,
                           "more": more, "kernel": kernel, "initrd": initrd, "cmdline": cmdline})

    def check_commands(self, p, text, summary):
        """The checks of CFG's commands before the menu entry (p: the names' prefix)."""
        check(p + ": reads /boot/grub/grub.cfg from the share", "GRUB-CFG-READ" in text, summary)
        listed = between(text, "GRUB-LS-BEGIN", "GRUB-LS-END")
        got = sorted(" ".join(listed).split()) if listed is not None else None
        check(p + ": ls (virtiofs/myfs)/ lists what the host has", got == host_ls(self.dir),
              "guest %r host %r" % (got, host_ls(self.dir)))
        body = between(text, "GRUB-CAT-BEGIN", "GRUB-CAT-END")
        check(p + ": cat prints the host's file",
              body is not None and [l.strip() for l in body if l.strip()] == self.hello,
              "guest %r host %r" % (body, self.hello))
        check(p + ": search --label myfs finds the share", "GRUB-SEARCH virtiofs/myfs" in text, summary)
        check(p + ": search --file /hello.txt finds the share", "GRUB-SEARCH-FILE virtiofs/myfs" in text, summary)
        check(p + ": source runs a script from the share (the variable it sets is seen after)",
              "GRUB-SOURCED " + self.sourced in text, summary)
        check(p + ": load_env reads the host's variable from the share's grubenv",
              "GRUB-ENV-LOADED " + self.host_value in text, summary)
        size, env = read_envblk(os.path.join(self.dir, GRUBENV))
        check(p + ": save_env writes the new variable into grubenv in place (1024 bytes, the host's kept)",
              size == ENVBLK_SIZE and env == {HOST_VAR: self.host_value, GUEST_VAR: self.guest_value},
              "host reads %s bytes, %r" % (size, env))
        after = text.index("GRUB-ENV-AFTER-ERROR") if "GRUB-ENV-AFTER-ERROR" in text else -1
        err = next((l for l in text[:after] if l.startswith("error:") and "nosuchenv" in l), None)
        check(p + ": save_env -f a missing file is GRUB's error (not found), then the script goes on",
              after > 0 and err is not None and "not found" in err, summary)
