#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""`make test-distro` (not part of `make test`: it downloads): a Debian 12 root
made by debootstrap (minbase, systemd-sysv, linux-image-amd64) in
build/distro/root, its initramfs made able to mount virtiofs (`virtiofs` in
/etc/initramfs-tools/modules, update-initramfs in a chroot), a BLS entry at the
share's /loader/entries/ and a oneshot unit that writes a marker to / and
powers off.  The boot image boots it with `boot --default` from the share as
its own root to systemd's multi-user target; the host then sees the marker.
Then GRUB (`make grub`) boots the same root the same way, its i386-pc image
and its x86_64-efi image under OVMF, through a /boot/grub/grub.cfg as
Debian's grub-mkconfig writes it (GRUB itself is not installed in the root).
Each boot has a fresh token; notes the time from the launcher's start to the
marker for each.

The root is kept between runs (build/distro/root.stamp); `rm -rf build/distro`
makes a new one.  Needs root (debootstrap, chroot) and the Debian mirror.

Environment: DISTRO_MIRROR (default http://deb.debian.org/debian)."""

import glob
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration"))
import bootrun  # noqa: E402
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

DISTRO = os.path.join(vstest.REPO, "build", "distro")
ROOT = os.path.join(DISTRO, "root")
STAMP = os.path.join(DISTRO, "root.stamp")
MIRROR = os.environ.get("DISTRO_MIRROR", "http://deb.debian.org/debian")
BOOT_TIMEOUT = 600
MARKER = os.path.join(ROOT, "vioshare-marker")
CMDLINE = "root=myfs rootfstype=virtiofs rw console=ttyS0"
# Each GRUB image (make grub): its file and the launcher's options for it.
GRUB_IMAGES = {
    "i386-pc": (os.path.join(vstest.REPO, "build", "grub", "i386-pc", "grub.img"), ["--grub"]),
    "x86_64-efi": (os.path.join(vstest.REPO, "build", "grub", "x86_64-efi", "grubx64.efi"), ["--grub", "--efi"]),
}

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
          "options %s\n" % (kver, kver, kver, CMDLINE))
    write(os.path.join(ROOT, "loader", "loader.conf"), "timeout 0\n")
    write(os.path.join(ROOT, "boot", "grub", "grub.cfg"), grub_cfg(kver))
    return kver


def grub_cfg(kver):
    """What Debian 12's grub-mkconfig writes (00_header, 10_linux, 41_custom)
    with GRUB_TIMEOUT=0, GRUB_TERMINAL=serial, GRUB_CMDLINE_LINUX the
    command line above, except that the root is found by the share's tag:
    grub-probe has no fs UUID to give for virtio-fs (and the `ro` it puts
    before the command line is left out, as the line says rw)."""
    entry = """\
menuentry '{title}' --class debian --class gnu-linux --class gnu --class os $menuentry_id_option '{id}' {{
{tab}	load_video
{tab}	insmod gzio
{tab}	if [ x$grub_platform = xxen ]; then insmod xzio; insmod lzopio; fi
{tab}	search --no-floppy --set=root --label myfs
{tab}	echo	'Loading Linux {kver} ...'
{tab}	linux	/boot/vmlinuz-{kver} {args}
{tab}	echo	'Loading initial ramdisk ...'
{tab}	initrd	/boot/initrd.img-{kver}
{tab}}}
"""
    entries = (entry.format(title="Debian GNU/Linux", id="gnulinux-simple-myfs", tab="", kver=kver, args=CMDLINE)
               + "submenu 'Advanced options for Debian GNU/Linux' $menuentry_id_option 'gnulinux-advanced-myfs' {\n"
               + entry.format(title="Debian GNU/Linux, with Linux %s" % kver, id="gnulinux-%s-advanced-myfs" % kver,
                              tab="\t", kver=kver, args=CMDLINE)
               + entry.format(title="Debian GNU/Linux, with Linux %s (recovery mode)" % kver,
                              id="gnulinux-%s-recovery-myfs" % kver, tab="\t", kver=kver, args="single " + CMDLINE)
               + "}\n")
    return """\
#
# DO NOT EDIT THIS FILE
#
# It is automatically generated by grub-mkconfig using templates
# from /etc/grub.d and settings from /etc/default/grub
#

### BEGIN /etc/grub.d/00_header ###
if [ -s $prefix/grubenv ]; then
  set have_grubenv=true
  load_env
fi
if [ "${next_entry}" ] ; then
   set default="${next_entry}"
   set next_entry=
   save_env next_entry
   set boot_once=true
else
   set default="0"
fi

if [ x"${feature_menuentry_id}" = xy ]; then
  menuentry_id_option="--id"
else
  menuentry_id_option=""
fi

export menuentry_id_option

if [ "${prev_saved_entry}" ]; then
  set saved_entry="${prev_saved_entry}"
  save_env saved_entry
  set prev_saved_entry=
  save_env prev_saved_entry
  set boot_once=true
fi

function savedefault {
  if [ -z "${boot_once}" ]; then
    saved_entry="${chosen}"
    save_env saved_entry
  fi
}
function load_video {
  if [ x$feature_all_video_module = xy ]; then
    insmod all_video
  else
    insmod efi_gop
    insmod efi_uga
    insmod ieee1275_fb
    insmod vbe
    insmod vga
    insmod video_bochs
    insmod video_cirrus
  fi
}

serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
if [ "${recordfail}" = 1 ] ; then
  set timeout=30
else
  if [ x$feature_timeout_style = xy ] ; then
    set timeout_style=menu
    set timeout=0
  # Fallback normal timeout code in case the timeout_style feature is
  # unavailable.
  else
    set timeout=0
  fi
fi
### END /etc/grub.d/00_header ###

### BEGIN /etc/grub.d/10_linux ###
function gfxmode {
	set gfxpayload="${1}"
}
set linux_gfx_mode=
export linux_gfx_mode
""" + entries + """
### END /etc/grub.d/10_linux ###

### BEGIN /etc/grub.d/41_custom ###
if [ -f  ${config_directory}/custom.cfg ]; then
  source ${config_directory}/custom.cfg
elif [ -z "${config_directory}" -a -f  $prefix/custom.cfg ]; then
  source $prefix/custom.cfg
fi
### END /etc/grub.d/41_custom ###
"""


def boot(name, options, args=()):
    """One boot of the root under the launcher with a fresh token: whether
    the unit's marker on the host holds it, with the guest's console lines
    (escapes removed) and the seconds from the launcher's start to the marker."""
    if os.path.exists(MARKER):
        os.unlink(MARKER)
    token = "distro-" + secrets.token_hex(6)
    write(os.path.join(ROOT, "etc", "vioshare-token"), token + "\n")
    argv = [vstest.LAUNCHER, "--share", ROOT + ":myfs", "--mem", "1024", "--timeout", str(BOOT_TIMEOUT)]
    argv += options + (["--"] + list(args) if args else [])
    note("%s: run %s" % (name, " ".join(argv[1:])))
    start = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = []
    reader = threading.Thread(target=lambda: err.append(p.stderr.read()), daemon=True)
    reader.start()
    killer = threading.Timer(BOOT_TIMEOUT + 60, p.kill)   # the launcher's own timeout failed
    killer.start()
    seen_at = None
    out = []
    try:
        for raw in p.stdout:
            out.append(bootrun.ANSI.sub(b"", raw).decode("utf-8", "replace").rstrip("\r\n").replace("\r", ""))
            if seen_at is None and os.path.exists(MARKER):
                seen_at = time.monotonic() - start
        p.wait()
    finally:
        killer.cancel()
    reader.join(10)
    total = time.monotonic() - start
    if seen_at is None and os.path.exists(MARKER):
        seen_at = total
    note("%s: guest output (last 40 lines):\n%s" % (name, "\n".join(out[-40:])))
    note("%s: launcher status %s, stderr %s" % (name, p.returncode, b"".join(err).decode("utf-8", "replace")
                                                .strip()[-400:]))
    try:
        with open(MARKER) as f:
            got = f.read().strip()
    except OSError:
        got = None
    if seen_at is not None:
        note("%s: QEMU start to the marker: %.1f s (the run: %.1f s)" % (name, seen_at, total))
    return got == token, "marker %r, token %r; last lines %r" % (got, token, out[-6:]), out


def boot_image(kver):
    """The boot image's `entries; boot --default` through the BLS entry."""
    ok, why, out = boot("boot image", [], ["entries; boot --default"])
    listed = [l for l in out if l.startswith("1 * ")]
    check("entries: the BLS entry written for kernel %s is the default" % kver,
          listed == ["1 * Debian GNU/Linux 12 (bookworm) (/myfs/loader/entries/debian-%s.conf)" % kver],
          "listed %r" % listed)
    check("Debian boots from the share as its root to systemd; the oneshot unit's marker is on the host", ok, why)


def boot_grub(platform, kver):
    """GRUB's image for platform through the root's grub.cfg: its default
    entry runs without a GRUB error, then Debian boots to the marker."""
    image, options = GRUB_IMAGES[platform]
    p = "grub (%s)" % platform
    if not check(p + ": make grub built the GRUB image", os.path.isfile(image), "%s is missing" % image):
        return
    ok, why, out = boot(p, options)
    # GRUB's lines: those before the kernel's first ("[    0.000000] ...").
    grub_lines = [l.strip() for l in out[:next((i for i, l in enumerate(out) if l.startswith("[")), len(out))]]
    note("%s: the console before the kernel's first line:\n%s" % (p, "\n".join(grub_lines)))
    loading = ["Loading Linux %s ..." % kver, "Loading initial ramdisk ..."]
    check(p + ": GRUB runs grub.cfg's default entry ('%s', '%s')" % tuple(loading),
          all(l in grub_lines for l in loading), "GRUB's lines %r" % grub_lines[-12:])
    # On EFI the Linux loader finds no video mode to hand over (QEMU's
    # -nodefaults: no display, no GOP), says so and boots "in blind mode", as
    # on any headless machine; that pair is the machine's, every other error fails.
    errors = [l for i, l in enumerate(grub_lines) if "error:" in l and not (
        l == "error: no suitable video mode found." and grub_lines[i + 1:i + 2] == ["Booting in blind mode"])]
    check(p + ": no GRUB error on the way (insmod, search --label, linux, initrd)", not errors, "%r" % errors)
    check(p + ": Debian boots from the share as its root to systemd; the oneshot unit's marker is on the host",
          ok, why)


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
    vstest.run_cases([(boot_image, (kver,)), (boot_grub, ("i386-pc", kver)), (boot_grub, ("x86_64-efi", kver))],
                     timed=True)
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
