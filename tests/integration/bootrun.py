# SPDX-License-Identifier: BSD-2-Clause
"""Shared by the boot tests (test_boot_linux, test_efi, test_aarch64_boot,
test_microvm_boot): the launcher run with every console line stamped, and
what the boot tests read from it."""

import os
import re
import shutil
import subprocess
import threading
import time

import vstest
from vstest import note

# The EFI firmware's console colours and cursor moves.
ANSI = re.compile(rb"\x1b\[[0-9;=?]*[A-Za-z]")


def run_timed(args, share, timeout, extra=(), env=None, until=None):
    """Runs the launcher (which starts virtiofsd, then QEMU) with share as
    tag myfs, stamping each stdout line with the seconds since the start;
    ANSI escapes are removed; with until, SIGTERMs the launcher (which ends QEMU and virtiofsd) once a
    line contains that text.  Returns (status, [(secs, line)], stderr)."""
    argv = [vstest.LAUNCHER, "--share", "%s:myfs" % share, "--mem", "1024", "--timeout", str(timeout)]
    argv += list(extra) + ["--", args]
    e = dict(os.environ)
    e.pop("VIOSHARE_IMAGE", None)
    e.update(env or {})
    note("run: %s%s" % ("".join("%s=%r " % kv for kv in (env or {}).items()),
                        " ".join(repr(a) if " " in a else a for a in argv[1:])))
    start = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e)
    err_chunks = []
    t = threading.Thread(target=lambda: err_chunks.append(p.stderr.read()), daemon=True)
    t.start()
    killer = threading.Timer(timeout + 60, p.kill)
    killer.start()
    stamped = []
    try:
        for raw in p.stdout:
            stamped.append((time.monotonic() - start, ANSI.sub(b"", raw).decode("utf-8", "replace").rstrip("\r\n")))
            if until and until in stamped[-1][1] and p.poll() is None:
                p.terminate()
        p.wait()
    finally:
        killer.cancel()
    t.join(10)
    err = b"".join(err_chunks).decode("utf-8", "replace")
    note("  -> status %s in %.1f s" % (p.returncode, time.monotonic() - start))
    if err.strip():
        note("  stderr: " + err.strip()[-1000:])
    return p.returncode, stamped, err


def cat_body(text):
    """The lines the initramfs printed between its CAT markers, stripped
    (None when the markers are missing)."""
    try:
        i = text.index("VIOSHARE-INITRAMFS-CAT-BEGIN")
        return [l.strip() for l in text[i + 1:text.index("VIOSHARE-INITRAMFS-CAT-END", i)]]
    except ValueError:
        return None


def timing(stamped, what):
    """Notes the seconds from the launcher's start to the hand-over, the
    kernel's first console line and the file read; returns the second."""
    text = [l for _, l in stamped]
    hand = [i for i, l in enumerate(text) if l.startswith("boot: kernel at ")]
    if not hand or hand[0] + 1 >= len(stamped):
        return None
    after = stamped[hand[0] + 1:]
    t_first, first = next(((s, l) for s, l in after if l.startswith("[")), after[0])
    t_cat = next((s for s, l in stamped if l == "VIOSHARE-INITRAMFS-CAT-END"), None)
    note("timing %s (from the launcher's start: virtiofsd, then QEMU): hand-over %.2f s, kernel's first console "
         "line %.2f s (%r), file read through Linux's virtiofs %s s"
         % (what, stamped[hand[0]][0], t_first, first[:60], "%.2f" % t_cat if t_cat else "-"))
    return t_first


MKINITRAMFS = os.path.join(vstest.TOOLS, "mkinitramfs")


def entry_share(files, kind, kernel, cmdline, devicetree=None):
    """A share with one boot entry: files {name in the share: host file}
    hard-linked in, then a BLS entry (loader/entries/test.conf) or an
    extlinux one (boot/extlinux/extlinux.conf) starting /KERNEL with
    /initrd.img and cmdline; devicetree: (path in the share, bytes)."""
    d = vstest.tmpdir()
    for name, src in files.items():
        os.link(src, os.path.join(d, name))
    if kind == "bls":
        conf = os.path.join(d, "loader", "entries", "test.conf")
        text = "title Test entry\nlinux /%s\ninitrd /initrd.img\noptions %s\n" % (kernel, cmdline)
        text += "devicetree %s\n" % devicetree[0] if devicetree else ""
    else:
        conf = os.path.join(d, "boot", "extlinux", "extlinux.conf")
        text = "DEFAULT test\nLABEL test\n  LINUX /%s\n  INITRD /initrd.img\n  APPEND %s\n" % (kernel, cmdline)
        text += "  FDT %s\n" % devicetree[0] if devicetree else ""
    os.makedirs(os.path.dirname(conf))
    with open(conf, "w") as f:
        f.write(text)
    if devicetree:
        path = os.path.join(d, devicetree[0].lstrip("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(devicetree[1])
    return d


ROOT_INIT = """#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
echo VIOSHARE-ROOT-INIT pid $$
/bin/busybox grep " / virtiofs " /proc/mounts
/bin/busybox cat /proof.txt
echo VIOSHARE-ROOT-EXIT
[ -w /dev/port ] && printf '\\000' | /bin/busybox dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
/bin/busybox poweroff -f
"""


def root_share(kernel, proof, busybox, arch):
    """A bare distribution root: /vmlinuz, /initrd.img (mkinitramfs
    --switch-root for arch), busybox, an /sbin/init that shows / and
    prints /proof.txt, then leaves (isa-debug-exit where there is one, else
    power-off), and an os-release naming it "vioshare test root".
    Returns (dir, mkinitramfs's CompletedProcess)."""
    d = vstest.tmpdir()
    for sub in ("bin", "sbin", "proc", "sys", "dev", "etc"):
        os.mkdir(os.path.join(d, sub))
    os.link(kernel, os.path.join(d, "vmlinuz"))
    os.link(proof, os.path.join(d, "proof.txt"))
    shutil.copyfile(busybox, os.path.join(d, "bin", "busybox"))
    os.chmod(os.path.join(d, "bin", "busybox"), 0o755)
    with open(os.path.join(d, "sbin", "init"), "w") as f:
        f.write(ROOT_INIT)
    os.chmod(os.path.join(d, "sbin", "init"), 0o755)
    with open(os.path.join(d, "etc", "os-release"), "w") as f:
        f.write('PRETTY_NAME="vioshare test root"\n')
    p = subprocess.run([MKINITRAMFS, "--arch", arch, "--switch-root", os.path.join(d, "initrd.img")],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return d, p


def root_ok(text, token):
    """Whether the root share's /sbin/init ran as PID 1 on / = the share."""
    return ("boot: entry 1: vioshare test root (/myfs/vmlinuz)" in text and "VIOSHARE-ROOT-INIT pid 1" in text and
            any(l.startswith("myfs / virtiofs rw") for l in text) and token in [l.strip() for l in text])
