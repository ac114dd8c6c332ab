#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""U-Boot with vioshare's virtiofs file system (`make uboot`, `vioshare-run
--uboot`): QEMU's arm64 `virt`, the share on PCI.

- One boot: `fstype`, `ls` of the share's root compared with the host's
  directory, `load` of a 3 MiB file whose size and `hash sha256` are compared
  with the host's, `save` of it under another name compared byte for byte,
  and the command line's exit status.
- `sysboot` of an extlinux.conf on the share: Debian's arm64 kernel (cached by
  tools/deps-arm64) through a symlink (/vmlinuz -> boot/vmlinuz-V) and a busybox
  initramfs (tools/mkinitramfs), which mounts the same share with Linux's own
  driver and prints a marker file.
- The device on one of virt's virtio-mmio windows (QEMU started here: the
  launcher always uses PCI on virt): `ls` and `load` + `hash sha256`.
- bootstd, `bootflow scan -lb`: boot_targets naming the share (`virtiofs`)
  boots the same extlinux.conf on PCI; with boot_targets unset (the bootdevs
  in priority order) a /boot/boot.scr runs with devtype virtiofs and devnum
  the tag and loads a file through them; and extlinux.conf boots the kernel
  with the device on virtio-mmio.
- The EFI loader's view of a share (boot/uboot/ub_efi.c): Debian's arm64
  systemd-boot on a share (efishell.systemd_boot_share: a BLS entry, the
  kernel a symlink, the marker initramfs), started by `load virtiofs` +
  `bootefi` and found by `bootflow scan -lb` (the EFI bootmeth, a share with no
  extlinux.conf or boot.scr), reads its loader entries, the kernel and the
  initrd through the share's EFI_SIMPLE_FILE_SYSTEM_PROTOCOL, the only file
  system it sees as its LoadedImage's device; the initramfs then mounts the
  share with Linux's driver (the device was reset at ExitBootServices).
  U-Boot's helloworld.efi from the share prints its DeviceHandle's device
  path, the share's vendor node, on arm64 and x86_64 (where 2023.01's EFI
  loader cannot run systemd-boot, from a share or a FAT disk alike).
- qemu-x86_64's U-Boot (build/uboot-x86_64/u-boot.rom; its own SKIP lines
  when missing): ls, load + hash sha256, and bootflow scan -lb booting
  Debian's amd64 kernel through a symlink to the marker (see x86_case).
- Another: the share's virtiofsd stopped (SIGSTOP) between two commands, the
  next `load` ends with ETIMEDOUT within the environment's virtiofs_timeout
  (plus slack), the command line's status is 1 and nothing is left behind.

Skips (one SKIP line per check) when build/uboot/u-boot.bin (the arm64 checks) or
build/uboot-x86_64/u-boot.rom (the x86_64 ones) is missing."""

import glob
import os
import re
import secrets
import select
import shutil
import signal
import subprocess
import struct
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from efishell import systemd_boot_share  # noqa: E402
from vstest import check, note  # noqa: E402

UBOOT = os.path.join(vstest.REPO, "build", "uboot", "u-boot.bin")
UBOOT_X86 = os.path.join(vstest.REPO, "build", "uboot-x86_64", "u-boot.rom")
X86_ADDR = "0x2000000"
ADDR = "0x40200000"
BIG = 3 * (1 << 20) + 5
TIMEOUT_S = 3
ARM64_ROOT = os.path.join(os.environ.get("VIOSHARE_ARM64_DIR", "/var/cache/vioshare/arm64"), "root")
SYSTEMD_BOOT = os.path.join(ARM64_ROOT, "usr", "lib", "systemd", "boot", "efi", "systemd-bootaa64.efi")


def host_ls_lines(root):
    """What U-Boot's `ls` prints for the directory (its layout, our order)."""
    lines = []
    for name in os.listdir(root):
        p = os.path.join(root, name)
        if os.path.islink(p):
            lines.append("    <SYM>   %s" % name)
        elif os.path.isdir(p):
            lines.append("            %s/" % name)
        else:
            lines.append(" %8d   %s" % (os.path.getsize(p), name))
    return sorted(lines)


def command_output(out, command):
    """The lines U-Boot printed for the command typed at its prompt."""
    text = out.decode("utf-8", "replace").replace("\r", "")
    start = text.find("=> " + command + "\n")
    if start < 0:
        return None
    body = text[start + len(command) + 4:]
    return body[:body.find("=> ")].split("\n") if "=> " in body else body.split("\n")


def fs_case(share):
    vstest.write_pattern(os.path.join(share, "big.bin"), 7, BIG)
    os.mkdir(os.path.join(share, "dir"))
    with open(os.path.join(share, "small.txt"), "w") as f:
        f.write("hello\n")
    os.symlink("small.txt", os.path.join(share, "link"))
    want_ls = host_ls_lines(share)
    cmds = ["fstype virtiofs myfs", "ls virtiofs myfs /",
            "load virtiofs myfs %s /big.bin" % ADDR, "hash sha256 %s ${filesize}" % ADDR,
            "save virtiofs myfs %s /saved.bin ${filesize}" % ADDR]
    r = vstest.run("; ".join(cmds), [(share, "myfs")], timeout=120, extra=["--uboot"])
    out = r.out.decode("utf-8", "replace").replace("\r", "")
    whole = command_output(r.out, "; ".join(cmds)) or []
    check("fstype virtiofs myfs says virtiofs", whole[:1] == ["virtiofs"], "got %r" % whole[:2])
    try:
        i = whole.index("", 1)
        got_ls = sorted(whole[1:i])
        counts = whole[i + 1] if i + 1 < len(whole) else ""
    except ValueError:
        got_ls, counts = [], ""
    nfiles = sum(1 for line in want_ls if not line.endswith("/"))
    check("ls virtiofs myfs / lists the host's entries", got_ls == want_ls and
          counts == "%d file(s), %d dir(s)" % (nfiles, len(want_ls) - nfiles),
          "got %r %r, want %r" % (got_ls, counts, want_ls))
    m = re.search(r"^(\d+) bytes read in \d+ ms", out, re.M)
    check("load reads the file's size", m and int(m.group(1)) == BIG,
          "got %r, want %d" % (m and m.group(0), BIG))
    if m:
        note("load: %s" % out[m.start():out.find("\n", m.start())])
    want = vstest.sha256_file(os.path.join(share, "big.bin"))
    m = re.search(r"^sha256 for [0-9a-f]+ \.\.\. [0-9a-f]+ ==> ([0-9a-f]{64})$", out, re.M)
    check("hash sha256 of the loaded file equals the host's", m and m.group(1) == want,
          "got %r, want %s" % (m and m.group(0), want))
    saved = os.path.join(share, "saved.bin")
    check("save writes the loaded bytes back", os.path.isfile(saved) and
          vstest.sha256_file(saved) == want and os.path.getsize(saved) == BIG,
          "saved.bin %s" % (os.path.getsize(saved) if os.path.isfile(saved) else "missing"))
    check("the command line's status is 0", r.status == 0, "status %s, tail %r" % (r.status, out[-400:]))


def linux_share(share):
    """Puts Debian's arm64 kernel (/vmlinuz, a symlink to boot/vmlinuz-V), a
    busybox initramfs that mounts the share and prints proof.txt, and
    /extlinux/extlinux.conf on the share.  Returns (token, mkinitramfs'
    status), or None without a cached kernel."""
    kernels = sorted(glob.glob(os.path.join(ARM64_ROOT, "boot", "vmlinuz-*")))
    if not kernels:
        return None
    os.makedirs(os.path.join(share, "boot"))
    os.makedirs(os.path.join(share, "extlinux"))
    name = os.path.basename(kernels[-1])
    shutil.copyfile(kernels[-1], os.path.join(share, "boot", name))
    os.symlink("boot/" + name, os.path.join(share, "vmlinuz"))
    token = "vioshare-uboot-proof-" + secrets.token_hex(8)
    with open(os.path.join(share, "proof.txt"), "w") as f:
        f.write(token + "\n")
    p = subprocess.run([os.path.join(vstest.TOOLS, "mkinitramfs"), "--arch", "arm64",
                        os.path.join(share, "boot", "initrd.img"), "proof.txt"], capture_output=True)
    note("mkinitramfs: %s" % p.stderr.decode(errors="replace").strip())
    with open(os.path.join(share, "extlinux", "extlinux.conf"), "w") as f:
        f.write("default l\nlabel l\n    kernel /vmlinuz\n    initrd /boot/initrd.img\n"
                "    append console=ttyAMA0 quiet\n")
    return token, p.returncode


def marker_read(out, token):
    """Whether the initramfs printed the share's marker and ended well."""
    m = re.search(r"VIOSHARE-INITRAMFS-CAT-BEGIN\n(.*?)VIOSHARE-INITRAMFS-CAT-END\n", out, re.S)
    return bool(m and m.group(1) == token + "\n" and "VIOSHARE-INITRAMFS-EXIT 0" in out)


def no_kernel(names):
    for what in names:
        check(what, False, "no %s/boot/vmlinuz-* (tools/deps-arm64)" % ARM64_ROOT)


def sysboot_case(share):
    made = linux_share(share)
    if not made:
        no_kernel(["sysboot: kernel and initrd loaded", "sysboot: the initramfs read the marker"])
        return
    token, mk_status = made
    r = vstest.run("sysboot virtiofs myfs any ${scriptaddr} /extlinux/extlinux.conf", [(share, "myfs")],
                   timeout=180, extra=["--uboot", "--mem", "1024"])
    out = r.out.decode("utf-8", "replace").replace("\r", "")
    check("sysboot: kernel and initrd loaded through extlinux.conf, the kernel path a symlink",
          mk_status == 0 and "Retrieving file: /vmlinuz\n" in out and "Starting kernel" in out,
          "mkinitramfs %s; tail %r" % (mk_status, out[-600:]))
    check("sysboot: the initramfs mounted the share with Linux's driver and read the marker",
          marker_read(out, token) and r.status == 0, "status %s; tail %r" % (r.status, out[-600:]))


# `bootflow scan -l`'s line for a bootflow found on the share's bootdev.
def bootflow_line(method, fname):
    return re.compile(r"^ +\d+ +%s +ready +root +0 +virtiofs-myfs\.bootdev +%s$" % (method, re.escape(fname)), re.M)


def bootstd_case(share):
    """boot_targets naming the share (the label `virtiofs`), on PCI."""
    made = linux_share(share)
    if not made:
        no_kernel(["bootstd: extlinux.conf found and booted", "bootstd: the initramfs read the marker"])
        return
    token, mk_status = made
    r = vstest.run("setenv boot_targets virtiofs; bootflow scan -lb", [(share, "myfs")],
                   timeout=180, extra=["--uboot", "--mem", "1024"])
    out = r.out.decode("utf-8", "replace").replace("\r", "")
    check("bootstd: bootflow scan -lb finds extlinux.conf on the share's bootdev and boots it, the kernel a symlink",
          mk_status == 0 and bootflow_line("distro", "/extlinux/extlinux.conf").search(out) and
          "Retrieving file: /vmlinuz\n" in out and "Starting kernel" in out,
          "mkinitramfs %s; tail %r" % (mk_status, out[-900:]))
    check("bootstd: the initramfs mounted the share with Linux's driver and read the marker",
          marker_read(out, token) and r.status == 0, "status %s; tail %r" % (r.status, out[-600:]))


def uimage_script(text):
    """A legacy U-Boot image of type script (what `mkimage -T script` makes):
    the 64-byte header, then the list of part sizes (one, then 0) and the text."""
    body = struct.pack(">II", len(text), 0) + text
    ih_os_linux, ih_arch_arm64, ih_type_script, ih_comp_none = 5, 22, 6, 0
    fields = [0x27051956, 0, 0, len(body), 0, 0, zlib.crc32(body),
              ih_os_linux, ih_arch_arm64, ih_type_script, ih_comp_none, b"vioshare test"]
    fields[1] = zlib.crc32(struct.pack(">7I4B32s", *fields))   # over the header with hcrc 0
    return struct.pack(">7I4B32s", *fields) + body


def script_case(share):
    """boot.scr in /boot/ of a share, found by the script bootmeth (the
    bootdevs in their priority order: boot_targets unset); it loads a file
    through ${devtype} ${devnum}."""
    os.makedirs(os.path.join(share, "boot"))
    vstest.write_pattern(os.path.join(share, "data.bin"), 5, BIG)
    text = (b"echo VIOSHARE-SCRIPT ${devtype} ${devnum} ${prefix}\n"
            b"load ${devtype} ${devnum} ${kernel_addr_r} /data.bin\n"
            b"hash sha256 ${kernel_addr_r} ${filesize}\n")
    with open(os.path.join(share, "boot", "boot.scr"), "wb") as f:
        f.write(uimage_script(text))
    r = vstest.run("setenv boot_targets; bootflow scan -lb", [(share, "myfs")], timeout=120, extra=["--uboot"])
    out = r.out.decode("utf-8", "replace").replace("\r", "")
    check("bootstd: boot.scr found on the share and run with devtype virtiofs, devnum the tag",
          bootflow_line("script", "/boot/boot.scr").search(out) and
          re.search(r"^VIOSHARE-SCRIPT virtiofs myfs /boot/$", out, re.M),
          "tail %r" % out[-900:])
    m = re.search(r"^sha256 for [0-9a-f]+ \.\.\. [0-9a-f]+ ==> ([0-9a-f]{64})$", out, re.M)
    want = vstest.sha256_file(os.path.join(share, "data.bin"))
    check("bootstd: the script's load ${devtype} ${devnum} read the share's file",
          m and m.group(1) == want, "got %r, want %s" % (m and m.group(0), want))


def efi_share(top, names):
    """The systemd-boot share with a marker initramfs: (share, token, mkinitramfs' status), or
    None (a SKIP line per check in names) without Debian's arm64 kernel or systemd-boot."""
    kernels = sorted(glob.glob(os.path.join(ARM64_ROOT, "boot", "vmlinuz-*")))
    if not kernels or not os.path.isfile(SYSTEMD_BOOT):
        for name in names:
            vstest.skip(name, "no %s/boot/vmlinuz-* or %s (tools/deps-arm64)" % (ARM64_ROOT, SYSTEMD_BOOT))
        return None
    share = systemd_boot_share(top, SYSTEMD_BOOT, "BOOTAA64.EFI", kernels[-1], "console=ttyAMA0 panic=-1")
    token = "vioshare-uboot-efi-" + secrets.token_hex(8)
    with open(os.path.join(share, "proof.txt"), "w") as f:
        f.write(token + "\n")
    p = subprocess.run([os.path.join(vstest.TOOLS, "mkinitramfs"), "--arch", "arm64",
                        os.path.join(share, "initrd.img"), "proof.txt"], capture_output=True)
    return share, token, p.returncode


# systemd-boot found its loader entry, the kernel (a symlink) and the initrd on its own device (the
# share), and complained of nothing before the kernel's EFI stub started.
def sdboot_booted(out):
    before = out.split("EFI stub: Booting Linux Kernel")
    return (len(before) > 1 and "Unable to open root directory" not in before[0] and "Failed to" not in before[0]
            and "EFI stub: Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path" in out)


def efi_load_case(top):
    """`load virtiofs` + `bootefi`: the share is the image's device."""
    names = ["bootefi: systemd-boot boots its entry from the share", "bootefi: the initramfs read the marker"]
    made = efi_share(top, names)
    if not made:
        return
    share, token, mk_status = made
    r = vstest.run("load virtiofs myfs ${kernel_addr_r} /EFI/BOOT/BOOTAA64.EFI; bootefi ${kernel_addr_r}",
                   [(share, "myfs")], timeout=180, extra=["--uboot", "--mem", "1024"])
    out = r.out.decode("utf-8", "replace").replace("\r", "")
    check("bootefi: systemd-boot loaded from the share reads its BLS entry, the kernel (a symlink) and the initrd "
          "through the share's SIMPLE_FILE_SYSTEM (its LoadedImage's DeviceHandle)",
          mk_status == 0 and "Booting /\\EFI\\BOOT\\BOOTAA64.EFI\n" in out and sdboot_booted(out),
          "mkinitramfs %s; tail %r" % (mk_status, out[-900:]))
    check("bootefi: the initramfs mounted the share with Linux's driver after ExitBootServices and read the marker",
          marker_read(out, token) and r.status == 0, "status %s; tail %r" % (r.status, out[-600:]))


def efi_hello_case(share, board):
    """U-Boot's own helloworld.efi (built with it) loaded from the share prints its LoadedImage's
    DeviceHandle's device path: the share's vendor node, the tag as its data."""
    image, extra = (UBOOT, ["--uboot"]) if board == "arm64" else (UBOOT_X86, ["--uboot", "--arch", "x86_64"])
    name = "%s: bootefi: the image's DeviceHandle is the share (its vendor node holds the tag)" % board
    hello = os.path.join(os.path.dirname(image), "src", "lib", "efi_loader", "helloworld.efi")
    if not os.path.isfile(hello):
        vstest.skip(name, "%s missing" % hello)
        return
    shutil.copyfile(hello, os.path.join(share, "hello.efi"))
    r = vstest.run("load virtiofs myfs ${kernel_addr_r} /hello.efi; bootefi ${kernel_addr_r}", [(share, "myfs")],
                   timeout=120, extra=extra)
    out = r.out.decode("utf-8", "replace").replace("\r", "")
    check(name, re.search(r"^Boot device: /VenHw\([0-9a-f-]{36},%s\)$" % b"myfs\0".hex(), out, re.M) and
          "\nFile path: /\\hello.efi\n" in out, "tail %r" % out[-600:])


def efi_bootflow_case(top):
    """bootstd's EFI bootmeth on a share with no extlinux.conf or boot.scr."""
    names = ["bootstd efi: \\EFI\\BOOT\\BOOTAA64.EFI found and booted", "bootstd efi: the initramfs read the marker"]
    made = efi_share(top, names)
    if not made:
        return
    share, token, mk_status = made
    r = vstest.run("setenv boot_targets virtiofs; bootflow scan -lb", [(share, "myfs")],
                   timeout=180, extra=["--uboot", "--mem", "1024"])
    out = r.out.decode("utf-8", "replace").replace("\r", "")
    check("bootstd efi: bootflow scan -lb finds \\EFI\\BOOT\\BOOTAA64.EFI on the share (the EFI bootmeth) and "
          "systemd-boot boots its entry from the share",
          mk_status == 0 and bootflow_line("efi", "EFI/BOOT/BOOTAA64.EFI").search(out) and
          "Booting /\\EFI\\BOOT\\BOOTAA64.EFI\n" in out and sdboot_booted(out),
          "mkinitramfs %s; tail %r" % (mk_status, out[-900:]))
    check("bootstd efi: the initramfs mounted the share with Linux's driver and read the marker",
          marker_read(out, token) and r.status == 0, "status %s; tail %r" % (r.status, out[-600:]))


def console_run(argv, command, limit):
    """Runs QEMU with U-Boot on its serial console: a key at the autoboot
    countdown, then `command` and `poweroff` at its prompts.  The output."""
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out, tail, lines = b"", b"", [b"\n", command.encode() + b"\n", b"poweroff\n"]
    end = time.monotonic() + limit
    try:
        while time.monotonic() < end:
            if not select.select([p.stdout], [], [], 0.2)[0]:
                continue
            data = os.read(p.stdout.fileno(), 65536)
            if not data:
                break
            out += data
            tail = (tail + data)[-256:]
            if lines and (b"Hit any key to stop autoboot" in tail if len(lines) == 3 else tail.endswith(b"=> ")):
                tail = b""
                p.stdin.write(lines.pop(0))
                p.stdin.flush()
    finally:
        p.kill()
        p.wait()
    return out.decode("utf-8", "replace").replace("\r", "")


def mmio_run(share, command, mem, limit):
    """U-Boot with the share's device on one of virt's virtio-mmio windows
    (QEMU started here: the launcher always uses PCI on virt), `command` typed
    at its prompt.  The output."""
    with vstest.bare_virtiofsd(share) as sock:
        argv = ["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a57", "-m", str(mem), "-bios", UBOOT,
                "-object", "memory-backend-memfd,id=mem,size=%dM,share=on" % mem, "-numa", "node,memdev=mem",
                "-chardev", "socket,id=fs0,path=%s" % sock,
                "-device", "vhost-user-fs-device,queue-size=1024,chardev=fs0,tag=myfs",
                "-global", "virtio-mmio.force-legacy=false",
                "-display", "none", "-nodefaults", "-no-reboot", "-serial", "stdio"]
        out = console_run(argv, command, limit)
    note(out[-1500:])
    return out


def mmio_case(share):
    vstest.write_pattern(os.path.join(share, "big.bin"), 9, BIG)
    os.mkdir(os.path.join(share, "dir"))
    want_ls = host_ls_lines(share)
    command = "ls virtiofs myfs /; load virtiofs myfs %s /big.bin; hash sha256 %s ${filesize}" % (ADDR, ADDR)
    out = mmio_run(share, command, 512, 60)
    got_ls = sorted(line for line in out.split("\n") if line.startswith("    <SYM>   ") or
                    re.match(r"^( {12}\S.*/| +\d+   \S.*)$", line))
    check("virtio-mmio: ls virtiofs myfs / lists the host's entries", got_ls == want_ls,
          "got %r, want %r" % (got_ls, want_ls))
    m = re.search(r"^sha256 for [0-9a-f]+ \.\.\. [0-9a-f]+ ==> ([0-9a-f]{64})$", out, re.M)
    want = vstest.sha256_file(os.path.join(share, "big.bin"))
    check("virtio-mmio: load + hash sha256 equals the host's", m and m.group(1) == want,
          "got %r, want %s" % (m and m.group(0), want))


def mmio_bootstd_case(share):
    """bootstd with the device on virtio-mmio, the bootdevs in their priority
    order (boot_targets unset)."""
    made = linux_share(share)
    if not made:
        no_kernel(["virtio-mmio bootstd: extlinux.conf found and booted",
                   "virtio-mmio bootstd: the initramfs read the marker"])
        return
    token, mk_status = made
    out = mmio_run(share, "setenv boot_targets; bootflow scan -lb", 1024, 150)
    check("virtio-mmio bootstd: bootflow scan -lb finds extlinux.conf on the share and boots it",
          mk_status == 0 and bootflow_line("distro", "/extlinux/extlinux.conf").search(out) and
          "Retrieving file: /vmlinuz\n" in out and "Starting kernel" in out,
          "mkinitramfs %s; tail %r" % (mk_status, out[-900:]))
    check("virtio-mmio bootstd: the initramfs mounted the share with Linux's driver and read the marker",
          marker_read(out, token), "tail %r" % out[-600:])


def x86_case(share):
    """qemu-x86_64's U-Boot (vioshare-run --uboot --arch x86_64): ls, load +
    hash sha256 and the status; then bootflow scan -lb finds extlinux.conf and
    boots Debian's amd64 kernel (through a symlink) with the marker initramfs,
    which mounts the same share with Linux's driver (the device U-Boot handed
    over) and prints the marker.  U-Boot enters the kernel through its 64-bit
    entry (boot/uboot/x86-linux.patch)."""
    names = ["x86_64: ls", "x86_64: hash", "x86_64: status 0", "x86_64: bootflow boots", "x86_64: RAM kept",
             "x86_64: marker"]
    if not os.path.isfile(UBOOT_X86):
        for name in names:
            vstest.skip(name, "%s missing (make uboot-x86_64)" % UBOOT_X86)
        return
    vstest.write_pattern(os.path.join(share, "big.bin"), 11, BIG)
    kernels = sorted(glob.glob("/boot/vmlinuz-*"))
    if kernels:
        os.makedirs(os.path.join(share, "boot"))
        os.makedirs(os.path.join(share, "extlinux"))
        name = os.path.basename(kernels[-1])
        shutil.copyfile(kernels[-1], os.path.join(share, "boot", name))
        os.symlink("boot/" + name, os.path.join(share, "vmlinuz"))
        token = "vioshare-uboot-x86-proof-" + secrets.token_hex(8)
        with open(os.path.join(share, "proof.txt"), "w") as f:
            f.write(token + "\n")
        p = subprocess.run([os.path.join(vstest.TOOLS, "mkinitramfs"), os.path.join(share, "boot", "initrd.img"),
                            "proof.txt"], capture_output=True)
        note("mkinitramfs: %s" % p.stderr.decode(errors="replace").strip())
        # earlyprintk and loglevel=5: the kernel's banner is its first line, printed as it starts.
        with open(os.path.join(share, "extlinux", "extlinux.conf"), "w") as f:
            f.write("default l\nlabel l\n    kernel /vmlinuz\n    initrd /boot/initrd.img\n"
                    "    append console=ttyS0 earlyprintk=ttyS0 loglevel=5\n")
    want_ls = host_ls_lines(share)
    command = "ls virtiofs myfs /; load virtiofs myfs %s /big.bin; hash sha256 %s ${filesize}" % (X86_ADDR, X86_ADDR)
    r = vstest.run(command, [(share, "myfs")], timeout=120, extra=["--uboot", "--arch", "x86_64"])
    out = r.out.decode("utf-8", "replace").replace("\r", "")
    got_ls = sorted(line for line in out.split("\n") if line.startswith("    <SYM>   ") or
                    re.match(r"^( {12}\S.*/| +\d+   \S.*)$", line))
    check("x86_64: ls virtiofs myfs / lists the host's entries", got_ls == want_ls,
          "got %r, want %r" % (got_ls, want_ls))
    m = re.search(r"^sha256 for [0-9a-f]+ \.\.\. [0-9a-f]+ ==> ([0-9a-f]{64})$", out, re.M)
    want = vstest.sha256_file(os.path.join(share, "big.bin"))
    check("x86_64: load + hash sha256 equals the host's", m and m.group(1) == want,
          "got %r, want %s" % (m and m.group(0), want))
    check("x86_64: the command line's status is 0 (isa-debug-exit)", r.status == 0,
          "status %s, tail %r" % (r.status, out[-400:]))
    if not kernels:
        for what in ("x86_64: bootflow scan -lb boots the kernel", "x86_64: Linux kept its RAM",
                     "x86_64: the initramfs read the marker"):
            check(what, False, "no /boot/vmlinuz-* (linux-image-amd64)")
        return
    live = vstest.Live("setenv boot_targets virtiofs; bootflow scan -lb", [(share, "myfs")], 180,
                       extra=["--uboot", "--arch", "x86_64", "--mem", "1024"])
    try:
        if live.wait_re(rb"^(\[ *[0-9.]+\] )?Linux version ", 180):
            note("x86_64: the kernel's first line %.1f s after the launcher started" %
                 (time.monotonic() - live.start))
        status = live.finish(180)
    finally:
        if live.alive():
            live.p.kill()
            live.p.wait()
    out = live.out.decode("utf-8", "replace").replace("\r", "")
    note(out[-1500:])
    check("x86_64: bootflow scan -lb finds extlinux.conf and boots the kernel (a symlink) with the initramfs",
          p.returncode == 0 and bootflow_line("distro", "/extlinux/extlinux.conf").search(out) and
          "Retrieving file: /vmlinuz\n" in out and "Retrieving file: /boot/initrd.img\n" in out and
          "\nStarting kernel ...\n" in out and
          re.search(r"^(\[ *[0-9.]+\] )?Linux version %s " % re.escape(name[len("vmlinuz-"):]), out, re.M),
          "mkinitramfs %s; tail %r" % (p.returncode, out[-900:]))
    # Linux trims the RAM its MTRRs leave uncachable (a warning, shown at loglevel=5): U-Boot's
    # SPL must have made it write-back (boot/uboot/x86-linux.patch, dram.c).
    lost = re.search(r"^.*losing \d+MB of RAM.*$", out, re.M)
    check("x86_64: Linux kept its RAM: the MTRRs cover it (no \"losing ... of RAM\")",
          re.search(r"^(\[ *[0-9.]+\] )?Linux version ", out, re.M) and not lost,
          "%s; tail %r" % (lost.group(0) if lost else "no kernel banner", out[-600:]))
    check("x86_64: the initramfs mounted the share with Linux's driver and read the marker",
          marker_read(out, token) and status == 0, "status %s; tail %r" % (status, out[-600:]))


def stop_case(share):
    vstest.write_pattern(os.path.join(share, "big.bin"), 8, BIG)
    cmds = ["setenv virtiofs_timeout %d" % TIMEOUT_S, "ls virtiofs myfs /", "echo =GO=", "sleep 3",
            "load virtiofs myfs %s /big.bin" % ADDR]
    live = vstest.Live("; ".join(cmds), [(share, "myfs")], 120, extra=["--uboot"])
    stopped = []
    try:
        if not check("stopped daemon: the share was mounted first", live.wait_for_line(b"=GO=", 60),
                     "no =GO= line: %r %r" % (live.out[-400:], live.err[-300:])):
            check("stopped daemon: load fails with ETIMEDOUT within the timeout", False, "not reached")
            check("stopped daemon: the command line's status is 1", False, "not reached")
            return
        stopped = live.pids()
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)
        t_stop = time.monotonic()
        seen = live.wait_re(rb"^virtiofs: myfs /big\.bin: .*\((E[A-Z]+)\)\r?$", TIMEOUT_S + 15)
        after = time.monotonic() - t_stop
        check("stopped daemon: load fails with ETIMEDOUT within the timeout",
              seen and seen.group(1) == b"ETIMEDOUT" and after <= TIMEOUT_S + 3 + 5,
              "%r %.1f s after the stop (the sleep is 3 s, the timeout %d s); tail %r"
              % (seen and seen.group(0), after, TIMEOUT_S, live.out[-300:]))
        note("error %.1f s after SIGSTOP (sleep 3 s + virtiofs_timeout %d s)" % (after, TIMEOUT_S))
        status = live.finish(60)
        check("stopped daemon: the command line's status is 1", status == 1,
              "status %s; stderr %r" % (status, live.err[-300:]))
    finally:
        if live.alive():
            live.p.send_signal(signal.SIGTERM)
            live.finish(30)
        left = vstest.kill_leftovers(live.p.pid, stopped)
        check("stopped daemon: nothing left behind", not left, "left: %s" % left)


def main():
    if not os.path.isfile(UBOOT):
        for name in ("fstype", "ls", "load size", "hash sha256", "save", "status 0", "sysboot: loaded",
                     "sysboot: marker", "virtio-mmio: ls", "virtio-mmio: hash",
                     "bootstd: extlinux", "bootstd: marker", "bootstd: boot.scr", "bootstd: script load",
                     "virtio-mmio bootstd: extlinux", "virtio-mmio bootstd: marker", "bootefi: systemd-boot",
                     "bootefi: marker", "arm64: bootefi: DeviceHandle", "bootstd efi: systemd-boot",
                     "bootstd efi: marker", "stopped daemon: mounted",
                     "stopped daemon: ETIMEDOUT", "stopped daemon: status 1", "stopped daemon: nothing left"):
            vstest.skip(name, "%s missing (make uboot)" % UBOOT)
    else:
        fs_case(vstest.tmpdir("uboot-share-"))
        sysboot_case(vstest.tmpdir("uboot-boot-"))
        mmio_case(vstest.tmpdir("uboot-mmio-"))
        bootstd_case(vstest.tmpdir("uboot-bootstd-"))
        script_case(vstest.tmpdir("uboot-script-"))
        mmio_bootstd_case(vstest.tmpdir("uboot-mmio-bootstd-"))
        efi_load_case(vstest.tmpdir("uboot-efi-"))
        efi_hello_case(vstest.tmpdir("uboot-efi-hello-"), "arm64")
        efi_bootflow_case(vstest.tmpdir("uboot-efi-bootstd-"))
        stop_case(vstest.tmpdir("uboot-stop-"))
    x86_case(vstest.tmpdir("uboot-x86-"))
    if os.path.isfile(UBOOT_X86):
        efi_hello_case(vstest.tmpdir("uboot-x86-efi-"), "x86_64")
    else:
        vstest.skip("x86_64: bootefi: the image's DeviceHandle is the share", "%s missing (make uboot-x86_64)"
                    % UBOOT_X86)


if __name__ == "__main__":
    main()
    sys.exit(vstest.finish())
