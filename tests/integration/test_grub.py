#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""GRUB's virtiofs module (boot/grub/, `make grub`): the i386-pc image that
`tools/vioshare-run --grub` starts with -kernel sets its root to the share and
reads /boot/grub/grub.cfg from it.  That grub.cfg (grubcfg.py) lists the share (`ls`),
prints a file (`cat`), finds the share by its tag (`search --label`), reads
and writes the share's grubenv (`load_env`, `save_env`), reads a
dangling symlink (GRUB's error, then the script goes on), and boots a menu
entry whose kernel path is a symlink: Debian's kernel and the test initramfs
(tools/mkinitramfs), which mounts the same share with Linux's own driver (the
device was handed over clean).  save_env on a share virtiofsd serves
read-only: GRUB's error, grubenv unchanged.  A share without grub.cfg: GRUB's prompt; then
virtiofsd stopped: GRUB's error and its prompt again.  Notes how long GRUB took to the kernel's first line.
Then `multiboot`: GRUB boots build/vioshare.elf from the share, which reads it.
test_grub_efi.py runs the same cases on the x86_64-efi image (PLATFORMS)."""

import glob
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootrun  # noqa: E402
import grubcfg  # noqa: E402
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

# Each GRUB image: the prefix of its check names, its file, the launcher's options for it.
PLATFORMS = {
    "i386-pc": ("grub", os.path.join(vstest.REPO, "build", "grub", "i386-pc", "grub.img"), ["--grub"]),
    "x86_64-efi": ("grub-efi", os.path.join(vstest.REPO, "build", "grub", "x86_64-efi", "grubx64.efi"),
                   ["--grub", "--efi"]),
}
MKINITRAMFS = os.path.join(vstest.TOOLS, "mkinitramfs")
VIOSHARE_ELF = os.path.join(vstest.REPO, "build", "vioshare.elf")
TIMEOUT = 300
STOPPED_LIMIT = 30    # the module's request timeout is 5 s
CMDLINE = "console=ttyS0 panic=-1 no_timer_check"
# What grub.cfg runs besides grubcfg.CFG's commands: a dangling symlink read.
DANGLING_CFG = """\
cat /dangling
echo GRUB-AFTER-ERROR
"""
# save_env on a share virtiofsd serves read-only.
READONLY_CFG = """\
load_env
set %s=%s
save_env %s
echo GRUB-SAVE-TRIED
"""


def test_boot(platform, share, token):
    p, _, extra = PLATFORMS[platform]
    status, stamped, err = bootrun.run_timed("", share.dir, TIMEOUT, extra=extra)
    stamped = [(s, l.replace("\r", "")) for s, l in stamped]   # GRUB ends its lines with \n\r
    text = [l for _, l in stamped]
    note("  guest output (without kernel log lines):")
    note("\n".join(l for l in text if not l.startswith("[")) or "(none)")
    summary = "status %s; stderr %s; last lines %r" % (status, " ".join(err.split())[-300:], text[-8:])

    share.check_commands(p, text, summary)
    after = text.index("GRUB-AFTER-ERROR") if "GRUB-AFTER-ERROR" in text else -1
    err_line = next((l for l in text[:after] if l.startswith("error:") and "dangling" in l), None) if after > 0 else None
    check(p + ": a dangling symlink is GRUB's error, then the script goes on", err_line is not None, summary)
    check(p + ": the menu entry boots the kernel through a symlink, to the initramfs",
          "VIOSHARE-INITRAMFS-OK" in text, summary)
    proof = bootrun.cat_body(text)
    check(p + ": Linux's virtiofs driver mounts the same share after GRUB (device handed over clean)",
          proof is not None and token in [l.strip() for l in proof], summary)
    check(p + ": the initramfs exits cleanly (status 0)", status == 0 and "VIOSHARE-INITRAMFS-EXIT 0" in text,
          summary)
    t_cfg = next((s for s, l in stamped if l == "GRUB-CFG-READ"), None)
    t_kernel = next((s for s, l in stamped if l.startswith("[")), None)
    note("timing %s (from the launcher's start): grub.cfg read %s s, kernel's first console line %s s"
         % (platform, "%.2f" % t_cfg if t_cfg else "-", "%.2f" % t_kernel if t_kernel else "-"))


def test_no_config_then_stopped(platform):
    """No grub.cfg: GRUB 2.06 reads a missing config file without a word
    (normal/main.c ignores the error), so what must hold is its prompt.  Then
    virtiofsd is stopped (SIGSTOP) and `ls` typed at the prompt: GRUB's error
    once the request times out (5 s), and the prompt again, no hang."""
    share = vstest.tmpdir()
    with open(os.path.join(share, "hello.txt"), "w") as f:
        f.write("no grub.cfg here\n")
    p, _, extra = PLATFORMS[platform]
    live = vstest.Live(None, [share], 120, extra=extra, stdin=True)
    stopped = []
    try:
        prompt = live.wait_re(rb"virtiofs: root \(virtiofs/myfs\)[^>]*grub> ", 60)
        check(p + ": no grub.cfg on the share: GRUB's prompt (after the early config set root)",
              prompt is not None, "output tail %r" % live.out[-300:])
        stopped = live.pids()
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)
        mark = live.mark()
        t0 = time.monotonic()
        live.send(b"ls (virtiofs/myfs)/\r")
        again = live.wait_re(rb"error: [^\n]*\n[^>]*grub> ", STOPPED_LIMIT, mark)
        took = time.monotonic() - t0
        error = again.group(0).decode(errors="replace").split("\n")[0].strip() if again else None
        note("  stopped daemon: %r after %.1f s" % (error, took))
        check(p + ": a stopped virtiofsd is GRUB's error, then its prompt again (no hang)",
              stopped and again is not None and "timed out" in error.lower(),
              "daemons %r; output tail %r" % (stopped, live.out[-300:]))
    finally:
        vstest.resume(stopped)
        live.finish(0)


def test_save_env_readonly(platform):
    """save_env on a share the Rust virtiofsd serves with --readonly: GRUB's
    error (the daemon's EROFS), the script goes on, and the host's grubenv
    is as it was."""
    p, _, extra = PLATFORMS[platform]
    share = vstest.tmpdir()
    os.makedirs(os.path.join(share, "boot", "grub"))
    env = os.path.join(share, grubcfg.GRUBENV)
    grubcfg.write_envblk(env, [(grubcfg.HOST_VAR, "host-" + secrets.token_hex(8))])
    with open(env, "rb") as f:
        before = f.read()
    with open(os.path.join(share, "boot", "grub", "grub.cfg"), "w") as f:
        f.write(READONLY_CFG % (grubcfg.GUEST_VAR, secrets.token_hex(8), grubcfg.GUEST_VAR))
    status, stamped, err = bootrun.run_timed("", share, 120, extra=extra + ["--host", "current", "--readonly"],
                                             until="GRUB-SAVE-TRIED")
    text = [l.replace("\r", "") for _, l in stamped]
    note("  guest output:")
    note("\n".join(text) or "(none)")
    with open(env, "rb") as f:
        after = f.read()
    tried = text.index("GRUB-SAVE-TRIED") if "GRUB-SAVE-TRIED" in text else -1
    error = next((l for l in text[:tried] if l.startswith("error:") and "grubenv" in l), None)
    check(p + ": save_env on a share virtiofsd serves read-only is GRUB's error, the host's grubenv unchanged",
          tried > 0 and error is not None and "Read-only file system" in error and after == before,
          "error %r; grubenv %s; status %s; stderr %s; last lines %r"
          % (error, "unchanged" if after == before else "changed", status, " ".join(err.split())[-300:], text[-8:]))


def boot_share():
    """The share test_boot boots from: (grubcfg.Share, token), or None after a failed check."""
    kernels = sorted(glob.glob("/boot/vmlinuz-*"), key=grubcfg.version_key)
    if not check("a Debian kernel in /boot (linux-image-amd64, see tools/deps)", kernels, "no /boot/vmlinuz-*"):
        return None
    share = grubcfg.Share("/vmlinuz", "/initrd.img", CMDLINE, DANGLING_CFG)
    token = "vioshare-proof-" + secrets.token_hex(8)
    with open(os.path.join(share.dir, "proof.txt"), "w") as f:
        f.write(token + "\n")
    # As Debian lays it out: /vmlinuz -> /boot/vmlinuz-V (absolute: the share's root).
    name = os.path.basename(kernels[-1])
    shutil.copyfile(kernels[-1], os.path.join(share.dir, "boot", name))
    os.symlink("/boot/" + name, os.path.join(share.dir, "vmlinuz"))
    os.symlink("/no/such/file", os.path.join(share.dir, "dangling"))
    p = subprocess.run([MKINITRAMFS, os.path.join(share.dir, "initrd.img"), "proof.txt"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not check("tools/mkinitramfs builds the test initramfs", p.returncode == 0, p.stderr[-400:]):
        return None
    return share, token


def main(platform="i386-pc", more_cases=()):
    image = PLATFORMS[platform][1]
    if not check("make grub built the GRUB image", os.path.isfile(image), "%s is missing" % image):
        return vstest.finish()
    booted = boot_share()
    if booted is None:
        return vstest.finish()
    vstest.run_cases([(test_boot, (platform,) + booted), (test_save_env_readonly, (platform,)),
                      (test_no_config_then_stopped, (platform,))] + list(more_cases), timed=True)
    return vstest.finish()


def test_multiboot():
    """i386-pc: GRUB's `multiboot` loads build/vioshare.elf (a Multiboot v1
    image) from the share with a command line; vioshare then finds the device
    GRUB handed over reset, reads the share itself, and ends the machine
    with its own exit status (0)."""
    name = "grub: multiboot boots vioshare.elf from the share, which reads the share itself (status 0)"
    if not os.path.isfile(VIOSHARE_ELF):
        check(name, False, "%s is missing (make)" % VIOSHARE_ELF)
        return
    share = vstest.tmpdir()
    os.makedirs(os.path.join(share, "boot", "grub"))
    shutil.copyfile(VIOSHARE_ELF, os.path.join(share, "vioshare.elf"))
    token = "vioshare-multiboot-" + secrets.token_hex(8)
    with open(os.path.join(share, "proof.txt"), "w") as f:
        f.write(token + "\n")
    with open(os.path.join(share, "boot", "grub", "grub.cfg"), "w") as f:
        # GRUB 2 passes only what follows the file name (QEMU "KERNEL_PATH ARGS").
        f.write("multiboot /vioshare.elf cat /myfs/proof.txt\nboot\n")
    status, stamped, err = bootrun.run_timed("", share, 90, extra=["--grub"])
    text = [l.replace("\r", "") for _, l in stamped]
    note("  guest output:")
    note("\n".join(text) or "(none)")
    check(name, status == 0 and token in [l.strip() for l in text],
          "status %s; stderr %s; last lines %r" % (status, " ".join(err.split())[-300:], text[-8:]))


if __name__ == "__main__":
    sys.exit(main("i386-pc", [test_multiboot]))
