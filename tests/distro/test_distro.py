#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""`make test-distro` (not part of `make test`: it downloads): a Debian 12 root
made by debootstrap (minbase, systemd-sysv, linux-image-amd64) in
build/distro/root, its initramfs made able to mount virtiofs (`virtiofs` in
/etc/initramfs-tools/modules, update-initramfs in a chroot), a BLS entry at the
share's /loader/entries/ and a oneshot unit that writes a marker to / and
powers off.  The boot image boots it with `boot --default` from the share as
its own root to systemd's multi-user target; the host then sees the marker.
Notes the time from the launcher's start to the marker.

The root is kept between runs (build/distro/root.stamp); `rm -rf build/distro`
makes a new one.  Needs root (debootstrap, chroot) and the Debian mirror.

Environment: DISTRO_MIRROR (default http://deb.debian.org/debian)."""

import glob
import os
import secrets
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration"))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

DISTRO = os.path.join(vstest.REPO, "build", "distro")
ROOT = os.path.join(DISTRO, "root")
STAMP = os.path.join(DISTRO, "root.stamp")
MIRROR = os.environ.get("DISTRO_MIRROR", "http://deb.debian.org/debian")
BOOT_TIMEOUT = 600

UNIT = """[Unit]
Description=vioshare test: a marker on the share, then power off
After=multi-user.target

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'cat /etc/vioshare-token > /vioshare-marker; sync; systemctl poweroff'

[Install]
WantedBy=multi-user.target
"""


def sh(argv, **kw):
    note("$ " + " ".join(argv))
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)
    out = p.stdout.decode(errors="replace")
    if p.returncode:
        note(out[-3000:])
    return p.returncode, out


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def make_root():
    """debootstrap once; the virtiofs initramfs, unit and BLS entry every run."""
    if not os.path.exists(STAMP):
        subprocess.run(["rm", "-rf", ROOT])
        os.makedirs(DISTRO, exist_ok=True)
        t0 = time.monotonic()
        rc, _ = sh(["debootstrap", "--variant=minbase", "--include=systemd-sysv,linux-image-amd64,initramfs-tools",
                    "bookworm", ROOT, MIRROR])
        if not check("debootstrap a Debian 12 root (minbase, systemd-sysv, linux-image-amd64)", rc == 0,
                     "debootstrap failed (see the log)"):
            return None
        note("debootstrap took %.0f s" % (time.monotonic() - t0))
        modules = os.path.join(ROOT, "etc", "initramfs-tools", "modules")
        with open(modules, "a") as f:
            f.write("virtiofs\n")
        rc, _ = sh(["chroot", ROOT, "update-initramfs", "-u", "-k", "all"])
        if not check("the root's initramfs gets the virtiofs module (update-initramfs in a chroot)", rc == 0,
                     "update-initramfs failed"):
            return None
        open(STAMP, "w").close()
    else:
        check("debootstrap a Debian 12 root (kept from an earlier run: %s)" % ROOT, True)
        check("the root's initramfs gets the virtiofs module (kept)", True)
    kernels = sorted(glob.glob(os.path.join(ROOT, "boot", "vmlinuz-*")))
    if not kernels:
        check("a kernel in the root's /boot", False, "none")
        return None
    kver = os.path.basename(kernels[-1])[len("vmlinuz-"):]
    write(os.path.join(ROOT, "etc", "systemd", "system", "vioshare-marker.service"), UNIT)
    wants = os.path.join(ROOT, "etc", "systemd", "system", "multi-user.target.wants", "vioshare-marker.service")
    os.makedirs(os.path.dirname(wants), exist_ok=True)
    if not os.path.lexists(wants):
        os.symlink("/etc/systemd/system/vioshare-marker.service", wants)
    write(os.path.join(ROOT, "etc", "hostname"), "vioshare-distro\n")
    write(os.path.join(ROOT, "etc", "fstab"), "# the root is the virtio-fs share (root=myfs rootfstype=virtiofs)\n")
    write(os.path.join(ROOT, "loader", "entries", "debian-%s.conf" % kver),
          "title Debian GNU/Linux 12 (bookworm)\nversion %s\nlinux /boot/vmlinuz-%s\ninitrd /boot/initrd.img-%s\n"
          "options root=myfs rootfstype=virtiofs rw console=ttyS0\n" % (kver, kver, kver))
    write(os.path.join(ROOT, "loader", "loader.conf"), "timeout 0\n")
    return kver


def main():
    if not vstest.require_image():
        return vstest.finish()
    if os.geteuid() != 0:
        check("running as root (debootstrap, chroot)", False, "run make test-distro as root")
        return vstest.finish()
    if not os.path.exists(STAMP) and shutil.which("debootstrap") is None:
        check("debootstrap installed", False, "debootstrap not found: install the Debian package debootstrap "
              "(tools/deps does)")
        return vstest.finish()
    kver = make_root()
    if not kver:
        return vstest.finish()
    marker = os.path.join(ROOT, "vioshare-marker")
    if os.path.exists(marker):
        os.unlink(marker)
    token = "distro-" + secrets.token_hex(6)
    write(os.path.join(ROOT, "etc", "vioshare-token"), token + "\n")
    argv = [vstest.LAUNCHER, "--share", ROOT + ":myfs", "--mem", "1024", "--timeout", str(BOOT_TIMEOUT),
            "--", "entries; boot --default"]
    note("run: " + " ".join(argv[1:]))
    start = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen_at = None
    out = []
    for raw in p.stdout:
        out.append(raw.decode("utf-8", "replace").rstrip("\r\n"))
        if seen_at is None and os.path.exists(marker):
            seen_at = time.monotonic() - start
    p.wait()
    err = p.stderr.read().decode("utf-8", "replace")
    total = time.monotonic() - start
    if seen_at is None and os.path.exists(marker):
        seen_at = total
    note("guest output (last 40 lines):\n" + "\n".join(out[-40:]))
    note("launcher: status %s, stderr %s" % (p.returncode, err.strip()[-400:]))
    listed = [l for l in out if l.startswith("1 * ")]
    check("entries: the BLS entry written for kernel %s is the default" % kver,
          listed == ["1 * Debian GNU/Linux 12 (bookworm) (/myfs/loader/entries/debian-%s.conf)" % kver],
          "listed %r" % listed)
    try:
        with open(marker) as f:
            got = f.read().strip()
    except OSError:
        got = None
    check("Debian boots from the share as its root to systemd; the oneshot unit's marker is on the host",
          got == token, "marker %r; last lines %r" % (got, out[-6:]))
    if seen_at is not None:
        note("QEMU start to the marker: %.1f s (the run: %.1f s)" % (seen_at, total))
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
