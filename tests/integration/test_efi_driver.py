#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The UEFI file-system driver build/vioshare-fs.efi under OVMF (TCG).

1. OVMF's UEFI shell loads the driver, which takes the share from OVMF's
   VirtioFsDxe (its device path ends in vioshare's vendor node); the shell's
   ls, type, cp, mkdir, rm and `echo > file` work on it and the host sees the
   results; a non-ASCII name opens, one UCS-2 cannot hold is left out of the
   listing, `..` stops at the share's root, a dangling symlink fails to open,
   symlinks and hard links open; `vol` shows the tag as the label.  Then the
   shell starts a Linux kernel from the share with initrd=\\initrd.img: the
   EFI stub reads the initrd through the driver (the loaded image's device),
   and the initramfs mounts the same share with Linux's own driver (the
   device was reset at ExitBootServices).
2. `tools/vioshare-run --efi-boot`: Debian's systemd-boot as the share's
   \\EFI\\BOOT\\BOOTX64.EFI boots a BLS entry whose kernel is a symlink
   (vmlinuz -> vmlinuz-VERSION), with its initrd, to the initramfs's marker.
3. Shim's fallback and a Driver#### option, in two runs on one kept
   variable store (VIOSHARE_EFI_VARS).  First: with the driver loaded (no
   options), shim does not find its second stage \\EFI\\debian\\grubx64.efi,
   which the share holds as GRUBX64.EFI; the shell adds the driver as
   Driver0000 with the optional data `nocase`.  After the reset: the firmware
   loads the driver (the share is mapped without `load`); shim as
   \\EFI\\BOOT\\BOOTX64.EFI starts fallback, which reads \\EFI\\debian\\BOOTX64.CSV
   (opened relative to a file handle, as FAT allows; rhboot/shim#382), creates
   its Boot#### option and starts it: shim again, which now opens GRUBX64.EFI
   as grubx64.efi (nocase), here Debian 13's UEFI shell standing in for GRUB;
   that shell's bcfg lists the new option first, and its ls, type, cp,
   mkdir, rm and `echo > file` work on the share.
4. The driver loaded from the share through VirtioFsDxe (which refuses to
   stop while the shell has the file open; the next connect takes over).
   A stopped daemon: a read fails with an error within the request timeout,
   and the shell goes on; once the daemon runs again, `reconnect -r` (the
   driver's Stop and Start) mounts the share afresh.
5. A stopped daemon during a large Read (tests/efi/bigread.c), which the
   driver DMAs into the caller's buffer: the Read does not return while the
   daemon is stopped (the driver resets the device before it returns, and
   QEMU's reset waits for the daemon), then fails with EFI_TIMEOUT; the volume
   is gone until `reconnect -r` mounts the share afresh."""

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
from efishell import (HELLO, VENDOR_NODE, between, clean, driver_mapped, host_file, nsh, skip_checks,  # noqa: E402
                      systemd_boot_share, typed_hello_twice)
from vstest import check, note  # noqa: E402

DRIVER = os.path.join(vstest.REPO, "build", "vioshare-fs.efi")
BIGREAD = os.path.join(vstest.REPO, "build", "tests", "bigread.efi")   # tests/efi/bigread.c
MKINITRAMFS = os.path.join(vstest.TOOLS, "mkinitramfs")
SYSTEMD_BOOT = "/usr/lib/systemd/boot/efi/systemd-bootx64.efi"
SHIM_DIR = "/usr/lib/shim"   # Debian 12's shim-unsigned (tools/deps)
EFI_SHELL = os.path.join(os.environ.get("VIOSHARE_EFISHELL_DIR", "/var/cache/vioshare/efishell"),
                         "shellx64.efi")   # Debian 13's efi-shell-x64 (tools/deps-efishell)
OVMF = ("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd")
CMDLINE = "console=ttyS0 panic=-1 no_timer_check"
TIMEOUT = 200
REQUEST_TIMEOUT = 30   # the driver's: the core's default (VFS_DEFAULT_TIMEOUT_S)
CAFE = "caf\u00e9.txt"


# The checks test_shell and test_systemd_boot make (each skipped one prints its own SKIP line).
SHELL_CHECKS = 14
SDBOOT_CHECKS = 5
FALLBACK_CHECKS = 10


def kernel():
    found = sorted(glob.glob("/boot/vmlinuz-*"))
    return found[-1] if found else None


def make_initrd(share, token):
    with open(os.path.join(share, "proof.txt"), "w") as f:
        f.write(token + "\n")
    p = subprocess.run([MKINITRAMFS, os.path.join(share, "initrd.img"), "proof.txt"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return check("tools/mkinitramfs builds the test initramfs", p.returncode == 0, p.stderr[-400:])


def check_linux(what, status, text, token):
    lines = [l.strip() for l in text.split("\n")]
    summary = "status %s; last lines %r" % (status, lines[-8:])
    check("%s: the kernel runs the initramfs from the share" % what, "VIOSHARE-INITRAMFS-OK" in lines, summary)
    body = bootrun.cat_body(lines)
    check("%s: Linux's own virtiofs driver mounts the share after ExitBootServices (device reset) "
          "and exits 0" % what, status == 0 and body is not None and token in body
          and "VIOSHARE-INITRAMFS-EXIT 0" in lines, summary)


# ------------------------------------------------------------------ 1. the UEFI shell

def make_shell_share(share):
    def write(rel, data):
        path = os.path.join(share, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    write("hello.txt", HELLO)
    write(CAFE, b"a non-ASCII name\n")
    write("x\U0001F600.txt", b"no UCS-2 name\n")
    write("rmme.txt", b"to be removed\n")
    os.makedirs(os.path.join(share, "rmdir"))
    os.symlink("hello.txt", os.path.join(share, "link"))
    os.symlink("does/not/exist", os.path.join(share, "dangling"))
    os.makedirs(os.path.join(share, "dir"))
    os.link(os.path.join(share, "hello.txt"), os.path.join(share, "dir", "hard"))


def test_shell(top):
    k = kernel()
    if not k or not os.path.isfile(MKINITRAMFS):
        skip_checks("shell", SHELL_CHECKS, "no /boot/vmlinuz-* or tools/mkinitramfs")
        return
    share = os.path.join(top, "shell")
    os.mkdir(share)
    make_shell_share(share)
    shutil.copyfile(k, os.path.join(share, "vmlinuz.efi"))
    token = "vioshare-efi-driver-" + secrets.token_hex(8)
    if not make_initrd(share, token):
        return
    # Files at the root the shell can name: hello, cafe, rmme, link, dangling,
    # vmlinuz.efi, initrd.img, proof.txt; directories: dir, rmdir.
    script = os.path.join(top, "shell.nsh")
    with open(script, "wb") as f:
        f.write(nsh(["@echo -off",
                     "load fs0:\\vioshare-fs.efi",
                     "connect -r",
                     "map -r",
                     "fs1:",
                     "echo =B-ls=", "ls", "echo =E-ls=",
                     "echo =B-type=", "type hello.txt", "type link", "type dir\\hard", "echo =E-type=",
                     "cp " + CAFE + " copied.txt",
                     "mkdir newdir",
                     "cp hello.txt newdir\\h2.txt",
                     "rm rmme.txt",
                     "rm rmdir",
                     "echo written by the shell > echoed.txt",
                     "echo =B-dotdot=", "type \\..\\..\\proof.txt", "echo =E-dotdot=",
                     "echo =B-dangling=", "type dangling", "echo =E-dangling=",
                     "echo =B-vol=", "vol", "echo =E-vol=",
                     "fs1:\\vmlinuz.efi initrd=\\initrd.img " + CMDLINE,
                     "echo vioshare: exit status 1",
                     "reset -s"]))
    r = vstest.run("", [share], timeout=TIMEOUT, extra=("--efi-boot",), env={"VIOSHARE_EFI_STARTUP": script})
    text = clean(r.out)

    check("shell: the driver takes the share from VirtioFsDxe (FS1 ends in vioshare's vendor node)",
          re.search(r"FS1: .*\n\s+PciRoot\(0x0\)/Pci\([^)]*\)/" + re.escape(VENDOR_NODE), text) is not None,
          r.summary())
    ls = between(text, "ls") or ""
    names = set(l.split()[-1] for l in ls.split("\n") if re.match(r"\d\d/\d\d/\d{4}", l))
    want = {"hello.txt", "caf\u00e9.txt", "rmme.txt", "link", "dangling", "vmlinuz.efi", "initrd.img",
            "proof.txt", "dir", "rmdir"}
    check("shell: ls lists the root's 8 files and 2 directories UCS-2 can name (not the one outside the BMP)",
          re.search(r"^\s*8 File\(s\)", ls, re.M) and re.search(r"^\s*2 Dir\(s\)", ls, re.M)
          and {n for n in want if n.isascii()} <= names, ls[-600:])
    typed = between(text, "type")
    check("shell: type reads a file, a symlink to it and a hard link to it",
          typed is not None and [l for l in typed.split("\n") if l.strip()] == [HELLO.decode().strip()] * 3,
          repr(typed))

    def host(rel):
        return host_file(share, rel)
    check("shell: cp of a file with a non-ASCII name: the host sees the copy", host("copied.txt") ==
          b"a non-ASCII name\n", repr(host("copied.txt")))
    check("shell: mkdir and cp into it: the host sees the directory and the file",
          host("newdir/h2.txt") == HELLO, repr(host("newdir/h2.txt")))
    check("shell: rm of a file and of an empty directory: gone on the host",
          not os.path.lexists(os.path.join(share, "rmme.txt")) and not os.path.lexists(os.path.join(share, "rmdir")),
          sorted(os.listdir(share)))
    echoed = host("echoed.txt")
    check("shell: echo > file: the host has the shell's UCS-2 text", isinstance(echoed, bytes)
          and echoed.startswith(b"\xff\xfe") and echoed[2:].decode("utf-16-le", "replace") == "written by the shell\r\n",
          repr(echoed))
    dotdot = between(text, "dotdot")
    check("shell: \\..\\..\\proof.txt stops at the share's root", dotdot is not None and token in dotdot, repr(dotdot))
    dangling = between(text, "dangling")
    check("shell: a dangling symlink does not open (an error, the shell goes on)",
          dangling is not None and dangling.strip() != "" and "does/not" not in dangling
          and between(text, "vol") is not None, repr(dangling))
    vol = between(text, "vol") or ""
    check("shell: vol shows the tag as the volume label", re.search(r"\bmyfs\b", vol) is not None, repr(vol))
    check("shell: the EFI stub loads initrd= from the share through the driver",
          "EFI stub: Loaded initrd from command line option" in text, text[-800:])
    check_linux("shell", r.status, text, token)


# ------------------------------------------------------------------ 2. systemd-boot

def test_systemd_boot(top):
    k = kernel()
    missing = [w for w, ok in (("/boot/vmlinuz-*", k), ("tools/mkinitramfs", os.path.isfile(MKINITRAMFS)),
                               (SYSTEMD_BOOT, os.path.isfile(SYSTEMD_BOOT))) if not ok]
    if missing:
        skip_checks("systemd-boot", SDBOOT_CHECKS, "no %s" % ", ".join(missing))
        return
    share = systemd_boot_share(top, SYSTEMD_BOOT, "BOOTX64.EFI", k, CMDLINE)
    token = "vioshare-sdboot-" + secrets.token_hex(8)
    if not make_initrd(share, token):
        return
    r = vstest.run("", [share], timeout=TIMEOUT, extra=("--efi-boot",))
    text = clean(r.out)
    check("systemd-boot: started through the driver (the share mapped by vioshare's device path) "
          "as \\EFI\\BOOT\\BOOTX64.EFI, it opens its root and boots the entry",
          driver_mapped(text) and "Unable to open root directory" not in text and "EFI stub: " in text, text[-800:])
    check("systemd-boot: the kernel (a symlink) starts and takes the initrd systemd-boot read from the share",
          "EFI stub: Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path" in text, text[-800:])
    check_linux("systemd-boot", r.status, text, token)


# ------------------------------------------------------------------ 3. fallback, Driver####, nocase

def test_fallback(top):
    shim = [os.path.join(SHIM_DIR, f) for f in ("shimx64.efi", "fbx64.efi", "BOOTX64.CSV")]
    missing = [f for f in shim + [EFI_SHELL] if not os.path.isfile(f)]
    if missing:
        skip_checks("fallback", FALLBACK_CHECKS, "no %s (tools/deps: shim-unsigned, tools/deps-efishell)"
                    % ", ".join(missing))
        return
    share = os.path.join(top, "fallback")
    boot, debian = os.path.join(share, "EFI", "BOOT"), os.path.join(share, "EFI", "debian")
    os.makedirs(boot)
    os.makedirs(debian)
    # As Debian installs shim on a removable medium, Debian 13's shell as its
    # second stage under the name FAT would not tell from grubx64.efi.
    shutil.copyfile(shim[0], os.path.join(boot, "BOOTX64.EFI"))
    shutil.copyfile(shim[1], os.path.join(boot, "fbx64.efi"))
    shutil.copyfile(shim[0], os.path.join(debian, "shimx64.efi"))
    shutil.copyfile(shim[2], os.path.join(debian, "BOOTX64.CSV"))
    shutil.copyfile(EFI_SHELL, os.path.join(debian, "GRUBX64.EFI"))
    with open(os.path.join(share, "nocase.opt"), "w") as f:
        f.write("nocase")
    with open(os.path.join(share, "hello.txt"), "wb") as f:
        f.write(HELLO)
    with open(os.path.join(share, "rmme.txt"), "wb") as f:
        f.write(b"to be removed\n")
    os.mkdir(os.path.join(share, "rmdir"))
    os.symlink("hello.txt", os.path.join(share, "link"))
    # What Debian 13's shell runs (startup.nsh beside it): FS1 is the share.
    with open(os.path.join(debian, "startup.nsh"), "wb") as f:
        f.write(nsh(["@echo -off", "echo VSFS-DEBIAN-SHELL", "fs1:",
                     "echo =B-ls=", "ls", "echo =E-ls=",
                     "echo =B-type=", "type hello.txt", "type link", "echo =E-type=",
                     "cp hello.txt copied.txt", "mkdir newdir", "cp hello.txt newdir\\h2.txt",
                     "rm rmme.txt", "rm rmdir", "echo written by the shell > echoed.txt",
                     "echo =B-boot=", "bcfg boot dump", "echo =E-boot=",
                     "echo vioshare: exit status 0", "reset -s"]))
    first, second = os.path.join(top, "fallback1.nsh"), os.path.join(top, "fallback2.nsh")
    with open(first, "wb") as f:
        f.write(nsh(["@echo -off", "load fs0:\\vioshare-fs.efi", "connect -r", "map -r",
                     "echo =B-exact=", "fs1:\\EFI\\debian\\shimx64.efi", "echo =E-exact=",
                     'bcfg driver add 0 fs0:\\vioshare-fs.efi "vioshare-fs nocase"',
                     # The optional data from a file; this shell takes the index 0 only as 0x0.
                     "bcfg driver -opt 0x0 fs1:\\nocase.opt",
                     "echo vioshare: exit status 0", "reset -s"]))
    with open(second, "wb") as f:
        f.write(nsh(["@echo -off", "echo =B-driver=", "map", "bcfg driver dump -v", "echo =E-driver=",
                     "fs1:\\EFI\\BOOT\\BOOTX64.EFI", "echo vioshare: exit status 1", "reset -s"]))
    store = os.path.join(top, "fallback-vars.fd")
    t0 = time.monotonic()
    r1 = vstest.run("", [share], timeout=TIMEOUT, extra=("--efi-boot",),
                    env={"VIOSHARE_EFI_STARTUP": first, "VIOSHARE_EFI_VARS": store})
    t1 = time.monotonic()
    r2 = vstest.run("", [share], timeout=TIMEOUT, extra=("--efi-boot",),
                    env={"VIOSHARE_EFI_STARTUP": second, "VIOSHARE_EFI_VARS": store})
    note("fallback: the two runs took %.1f s and %.1f s" % (t1 - t0, time.monotonic() - t1))
    text1, text2 = clean(r1.out), clean(r2.out)
    exact = between(text1, "exact")
    check("without nocase: shim (driver loaded without options) does not find \\EFI\\debian\\grubx64.efi, "
          "which the share holds as GRUBX64.EFI", exact is not None and
          "Failed to open \\EFI\\debian\\grubx64.efi - Not Found" in exact and r1.status == 0,
          "%r; %s" % (exact, r1.summary()))
    drv = between(text2, "driver") or ""
    check("Driver####: after the reset the firmware loads the driver with its optional data `nocase`; "
          "the share is mapped (vioshare's vendor node) without load",
          re.search(r"FS1: .*\n\s+PciRoot\(0x0\)/Pci\([^)]*\)/" + re.escape(VENDOR_NODE), drv) is not None
          and re.search(r"Driver0000.*\n\s+Desc\s+- vioshare-fs nocase\n.*\n\s+Optional- Y\n.*\*nocase\*", drv)
          is not None, drv[-1200:])
    dump = between(text2, "boot") or ""
    check("fallback: reads \\EFI\\debian\\BOOTX64.CSV through the driver, creates its Boot#### option (first in "
          "BootOrder, shimx64.efi on the share's device path) and starts it; a later shell's bcfg lists it",
          re.search(r"Option: 00\. Variable: Boot[0-9A-F]{4}\s*\n\s+Desc\s+- debian\n\s+DevPath - PciRoot\(0x0\)/"
                    r"Pci\([^)]*\)/" + re.escape(VENDOR_NODE) + r",[0-9A-F]+\)/\\EFI\\debian\\shimx64\.efi", dump)
          is not None, dump[-1500:] or text2[-1500:])
    check("nocase: shim opens \\EFI\\debian\\grubx64.efi (GRUBX64.EFI) and starts Debian 13's UEFI shell, "
          "which runs the share's startup.nsh and exits 0", "VSFS-DEBIAN-SHELL" in text2
          and "Failed to open" not in text2 and r2.status == 0, "%s; %s" % (text2[-800:], r2.summary()))
    ls = between(text2, "ls") or ""
    names = set(l.split()[-1] for l in ls.split("\n") if re.match(r"\d\d/\d\d/\d{4}", l))
    check("Debian 13's shell: ls lists the share's root", {"EFI", "hello.txt", "link", "rmme.txt", "rmdir",
                                                          "nocase.opt"} <= names, ls[-600:])
    typed = between(text2, "type")
    check("Debian 13's shell: type reads a file and a symlink to it",
          typed_hello_twice(typed),
          repr(typed))

    def host(rel):
        return host_file(share, rel)
    check("Debian 13's shell: cp: the host sees the copy", host("copied.txt") == HELLO, repr(host("copied.txt")))
    check("Debian 13's shell: mkdir and cp into it: the host sees both", host("newdir/h2.txt") == HELLO,
          repr(host("newdir/h2.txt")))
    check("Debian 13's shell: rm of a file and of an empty directory: gone on the host",
          not os.path.lexists(os.path.join(share, "rmme.txt")) and not os.path.lexists(os.path.join(share, "rmdir")),
          sorted(os.listdir(share)))
    echoed = host("echoed.txt")
    check("Debian 13's shell: echo > file: the host has the shell's UCS-2 text", isinstance(echoed, bytes)
          and echoed[2:].decode("utf-16-le", "replace") == "written by the shell\r\n", repr(echoed))


# ------------------------------------------------------------------ 4. a stopped daemon

def stop_daemons(live, line):
    """Once the guest prints line, stops (SIGSTOP) the run's daemons and returns their pids ([] if it never
    does)."""
    if not live.wait_for_line(line, TIMEOUT):
        return []
    pids = live.pids()
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    return pids


def test_stopped_daemon(top):
    share = os.path.join(top, "stopped")
    os.mkdir(share)
    with open(os.path.join(share, "hello.txt"), "wb") as f:
        f.write(HELLO)
    # The driver is loaded from the share itself, through VirtioFsDxe: refused
    # while that driver has the file open, taken over by the next connect.
    shutil.copyfile(DRIVER, os.path.join(share, "vioshare-fs.efi"))
    script = os.path.join(top, "stopped.nsh")
    with open(script, "wb") as f:
        f.write(nsh(["@echo -off", "connect -r", "map -r", "load fs1:\\vioshare-fs.efi", "connect -r", "map -r",
                     "fs1:",
                     "echo =B-before=", "type hello.txt", "echo =E-before=",
                     "echo VSFS-STOP-NOW", "stall 8000000",
                     "echo =B-after=", "type hello.txt", "echo =E-after=",
                     # The daemon goes on (SIGCONT); the driver's Stop and Start mount the share afresh.
                     "stall 3000000", "reconnect -r", "map -r", "fs1:",
                     "echo =B-again=", "type hello.txt", "echo =E-again=",
                     "echo vioshare: exit status 0", "reset -s"]))
    os.environ["VIOSHARE_EFI_STARTUP"] = script
    try:
        live = vstest.Live("", [share], TIMEOUT, extra=("--efi-boot",))
    finally:
        del os.environ["VIOSHARE_EFI_STARTUP"]
    stopped = stop_daemons(live, b"VSFS-STOP-NOW")
    t0 = time.monotonic()
    seen = live.wait_for(b"=E-after=", 120)
    waited = time.monotonic() - t0
    vstest.resume(stopped)
    live.finish(60)
    text = clean(live.out)
    check("driver loaded from the share through VirtioFsDxe: busy at first (no crash), "
          "then the next connect takes the share over",
          "vioshare-fs: the virtio-fs device is busy" in text
          and re.search(r"FS1: .*\n\s+PciRoot\(0x0\)/Pci\([^)]*\)/" + re.escape(VENDOR_NODE), text) is not None,
          text[:1500])
    before, after = between(text, "before"), between(text, "after")
    check("stopped daemon: a read fails with an error (no hang, no data) and the shell goes on",
          stopped and before is not None and HELLO.decode() in before and seen and after is not None
          and HELLO.decode() not in after and after.strip() != "",
          "daemons %r; before %r; after %r; waited %.0f s" % (stopped, before, after, waited))
    note("stopped daemon: the failing read took %.1f s" % waited)
    again = between(text, "again")
    check("stopped daemon: once it runs again, reconnect (the driver's Stop and Start) mounts the share afresh",
          again is not None and HELLO.decode() in again, repr(again))


def test_stopped_daemon_large(top):
    """A large Read goes straight into the caller's buffer; a request of it the
    stopped daemon never answers makes the driver reset the device before the
    Read returns (a firmware caller's buffer cannot be kept from reuse), and
    under QEMU that reset waits for the daemon: the Read ends only once the
    daemon runs again.  Then the volume is gone until reconnect."""
    if not os.path.isfile(BIGREAD):
        skip_checks("stopped daemon, large Read", 2, "no %s (run make)" % BIGREAD)
        return
    share = os.path.join(top, "stopped-large")
    os.mkdir(share)
    with open(os.path.join(share, "hello.txt"), "wb") as f:
        f.write(HELLO)
    with open(os.path.join(share, "big.bin"), "wb") as f:
        f.write(os.urandom(6 << 20))
    shutil.copyfile(BIGREAD, os.path.join(share, "bigread.efi"))
    script = os.path.join(top, "stopped-large.nsh")
    with open(script, "wb") as f:
        f.write(nsh(["@echo -off", "load fs0:\\vioshare-fs.efi", "connect -r", "map -r", "fs1:",
                     "bigread.efi",
                     "echo =B-after=", "type hello.txt", "echo =E-after=",
                     "reconnect -r", "map -r", "fs1:",
                     "echo =B-again=", "type hello.txt", "echo =E-again=",
                     "echo vioshare: exit status 0", "reset -s"]))
    os.environ["VIOSHARE_EFI_STARTUP"] = script
    try:
        # cache=always: big.bin's attributes stay valid, so the Read sends READs alone.
        live = vstest.Live("", [share], TIMEOUT, cache="always", extra=("--efi-boot",))
    finally:
        del os.environ["VIOSHARE_EFI_STARTUP"]
    stopped = stop_daemons(live, b"bigread: ready")
    early = live.wait_for(b"bigread: status", REQUEST_TIMEOUT + 15) if stopped else None
    vstest.resume(stopped)
    status = live.wait_re(rb"bigread: status 0x([0-9a-f]{16})", 120)
    live.wait_for(b"=E-again=", 120)
    live.finish(60)
    text = clean(live.out)
    check("stopped daemon, large Read (DMA into the caller's buffer): it does not return while the daemon is "
          "stopped, past the request timeout (the driver resets the device first; QEMU's reset waits for it)",
          stopped and early is False, "daemons %r; status seen while stopped: %r; %s" % (stopped, early, text[-800:]))
    after, again = between(text, "after"), between(text, "again")
    check("stopped daemon, large Read: once the daemon runs, the Read fails with EFI_TIMEOUT, the volume is gone "
          "(a read fails), and reconnect mounts the share afresh",
          status is not None and int(status.group(1), 16) == 0x8000000000000012 and after is not None
          and HELLO.decode() not in after and again is not None and HELLO.decode() in again,
          "status %r; after %r; again %r" % (status and status.group(0), after, again))


def main():
    if not vstest.require_image(DRIVER):
        return vstest.finish()
    missing = [f for f in OVMF if not os.path.isfile(f)]
    if not check("OVMF is installed (package ovmf, tools/deps)", not missing, "missing %s" % missing):
        return vstest.finish()
    top = vstest.tmpdir()
    vstest.run_cases([(t, (top,)) for t in (test_shell, test_systemd_boot, test_fallback, test_stopped_daemon,
                                                         test_stopped_daemon_large)])
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
