#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Boot entries on the boot image with Debian's kernel (issue 12; SPEC section 4:
`entries`, `menu [SECONDS]`, `boot -e N`, `boot --default`):

- a share laid out with two BLS Type #1 entries (the default chosen by version:
  6.1.0-10 over 6.1.0-9) and hostile ones (no `linux`, a 100 KiB line, non-UTF-8),
  each reported once as FILE:LINE and skipped; `entries` exactly as SPEC says;
  10,000 entries: the 64 a model of the specification's order puts first
  (tests/integration/blsmodel.py), the loader.conf default among them, one error;
- no command line and loader.conf `timeout 0`: the guest runs the menu, which
  boots the default at once (the QEMU-start-to-hand-over time is noted);
- the default entry's two `initrd` lines: the second archive adds a file the
  first one's /init looks for; `boot -e 2` boots the other entry, without it;
- loader.conf's `default` glob, and a glob matching nothing (first entry);
- extlinux.conf (DEFAULT, MENU LABEL, relative LINUX, `INITRD a,b`, APPEND);
- a unified kernel image built with objcopy over systemd-boot-efi's stub, booted
  from its .linux/.initrd/.cmdline sections (and whole, through its stub, by the
  EFI app), next to a truncated and a non-PE one;
- the EFI app: the same menu (Down, Enter) booting entry 2 through the kernel's
  EFI stub; `chain` starting a second EFI binary from the share with ARGS;
- no command line: Esc in the menu leads to the shell;
- the menu in tmux: the countdown stopped by a digit, arrows, `e` adding a word
  that the kernel then shows in /proc/cmdline;
- a bare distribution root (busybox) found by discovery, its command line from
  `options`, booted with root=myfs rootfstype=virtiofs: its /sbin/init runs from
  the share, writes a file the host sees, and powers off.

The test initramfs is tools/mkinitramfs's (busybox and the virtio-fs modules)
with its own /init: it prints /proc/cmdline and whether /extra-marker is there,
then either switches to the share as root (rootfstype=virtiofs) or leaves QEMU
through isa-debug-exit with status 0."""

import gzip
import importlib.machinery
import importlib.util
import os
import re
import secrets
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blsmodel  # noqa: E402
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

BOOT_TIMEOUT = 300
OPTS = "console=ttyS0 panic=-1 quiet"

INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "VIOSHARE-CMDLINE $(cat /proc/cmdline)"
if [ -f /extra-marker ]; then echo "VIOSHARE-EXTRA $(cat /extra-marker)"; else echo VIOSHARE-NO-EXTRA; fi
for m in @MODULES@; do insmod /lib/modules/$m; done
root=; fstype=
for w in $(cat /proc/cmdline); do
    case $w in root=*) root=${w#root=};; rootfstype=*) fstype=${w#rootfstype=};; esac
done
if [ "$fstype" = virtiofs ]; then
    for try in 1 2 3 4 5; do mount -t virtiofs "$root" /newroot && break; sleep 1; done
    umount /proc /sys /dev
    exec switch_root /newroot /sbin/init
fi
echo VIOSHARE-INITRAMFS-EXIT 0
printf "\000" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
poweroff -f
"""

ROOT_INIT = """#!/bin/sh
mount -t proc proc /proc
echo "VIOSHARE-ROOT-INIT $(cat /proc/cmdline)"
echo "@TOKEN@" > /booted-from-share.txt
sync
poweroff -f
"""


def load_mkinitramfs():
    path = os.path.join(vstest.TOOLS, "mkinitramfs")
    loader = importlib.machinery.SourceFileLoader("mkinitramfs", path)
    spec = importlib.util.spec_from_loader("mkinitramfs", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def make_initrds(out_base, out_extra, extra_token):
    """The test initramfs (gzip) and a second, uncompressed archive adding
    /extra-marker."""
    mk = load_mkinitramfs()
    root = mk.arch_root("amd64")
    kver = mk.kernel_version(root)
    moddir = os.path.join(root, "lib", "modules", kver)
    c = mk.Cpio()
    for d in ("bin", "dev", "proc", "sys", "mnt", "newroot", "lib", "lib/modules"):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    with open(os.path.join(root, "bin", "busybox"), "rb") as f:
        c.file("bin/busybox", f.read(), 0o755)
    c.symlink("bin/sh", "busybox")
    names = []
    for m in mk.module_order(moddir):
        name = re.sub(r"\.(xz|gz|zst)$", "", os.path.basename(m))
        c.file("lib/modules/" + name, mk.read_module(os.path.join(moddir, m)))
        names.append(name)
    c.file("init", INIT.replace("@MODULES@", " ".join(names)).encode(), 0o755)
    with open(out_base, "wb") as f:
        f.write(gzip.compress(c.finish(), 6))
    e = mk.Cpio()
    e.file("extra-marker", (extra_token + "\n").encode())
    data = e.finish()
    # An odd size, so the concatenation's 4-byte alignment matters if it is
    # not the last part.
    with open(out_extra, "wb") as f:
        f.write(data)


def lines(out):
    return [l.rstrip("\r") for l in out.decode("utf-8", "replace").split("\n")]


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(text if isinstance(text, bytes) else text.encode())


def kernel_of(out):
    """(cmdline the kernel saw, extra-marker or None) from the initramfs lines."""
    cmd = next((l[len("VIOSHARE-CMDLINE "):] for l in out if l.startswith("VIOSHARE-CMDLINE ")), None)
    extra = next((l[len("VIOSHARE-EXTRA "):] for l in out if l.startswith("VIOSHARE-EXTRA ")), None)
    return cmd, extra


def bls_share(kernel, base, extra):
    share = vstest.tmpdir()
    kname = os.path.basename(kernel)
    os.makedirs(os.path.join(share, "boot"))
    shutil.copyfile(kernel, os.path.join(share, "boot", kname))
    # Debian's absolute link: resolved inside the share.
    os.symlink("/boot/" + kname, os.path.join(share, "vmlinuz"))
    shutil.copyfile(base, os.path.join(share, "initrd.img"))
    shutil.copyfile(extra, os.path.join(share, "extra.img"))
    ent = os.path.join(share, "loader", "entries")
    write(os.path.join(ent, "debian-6.1.0-10.conf"),
          "title Debian 6.1.0-10\nversion 6.1.0-10\nlinux /vmlinuz\ninitrd /initrd.img\ninitrd /extra.img\n"
          "options %s\noptions entry=v10\n" % OPTS)
    write(os.path.join(ent, "debian-6.1.0-9.conf"),
          "title Debian 6.1.0-9\nversion 6.1.0-9\nlinux /vmlinuz\ninitrd /initrd.img\noptions %s entry=v9\n" % OPTS)
    write(os.path.join(ent, "nolinux.conf"), "title No kernel\noptions x\n")
    write(os.path.join(ent, "longline.conf"), "linux /vmlinuz\ntitle " + "A" * (100 * 1024) + "\n")
    write(os.path.join(ent, "latin1.conf"), b"linux /vmlinuz\ntitle Debian caf\xe9\n")
    write(os.path.join(ent, "missing.conf"), "linux /vmlinuz\ninitrd /no-such.img\n")
    write(os.path.join(ent, "arm.conf"), "linux /vmlinuz\narchitecture aa64\n")
    return share


def test_bls(share, extra_token):
    r = vstest.run("entries", shares=[share], timeout=120)
    out = lines(r.out)
    listed = [l for l in out if re.match(r"^\d+ [*-] ", l)]
    want = ["1 * Debian 6.1.0-10 (/myfs/loader/entries/debian-6.1.0-10.conf)",
            "2 - Debian 6.1.0-9 (/myfs/loader/entries/debian-6.1.0-9.conf)"]
    check("entries: two BLS entries, newest version first and default, `N FLAG TITLE (SOURCE)`",
          r.status == 0 and listed == want, r.summary())
    errs = [l for l in out if l.startswith("error: entries: ")]
    expect = ["/myfs/loader/entries/latin1.conf:2: EINVAL (not UTF-8",
              "/myfs/loader/entries/longline.conf:2: EINVAL (line longer",
              "/myfs/loader/entries/missing.conf:2: ENOENT",
              "/myfs/loader/entries/nolinux.conf:2: EINVAL (no 'linux'"]
    check("entries: no linux, a 100 KiB line, non-UTF-8, a missing initrd: one FILE:LINE error each, "
          "another architecture's entry left out",
          len(errs) == 4 and all(any(e.startswith("error: entries: " + x) for e in errs) for x in expect),
          "errors: %r" % errs)

    # No command line, loader.conf timeout 0: the menu boots the default at once.
    write(os.path.join(share, "loader", "loader.conf"), "timeout 0\n")
    start = time.monotonic()
    r = vstest.run(None, shares=[share], timeout=BOOT_TIMEOUT, extra=("--mem", "1024"))
    out = lines(r.out)
    cmd, extra = kernel_of(out)
    check("no command line: the menu boots the default entry at once (timeout 0)",
          r.status == 0 and any(l.startswith("boot: kernel at ") for l in out) and cmd is not None and
          "entry=v10" in cmd.split(), r.summary())
    check("two initrd lines: the second archive's file is seen by the first's /init",
          extra == extra_token, "extra %r; %s" % (extra, r.summary()))
    note("default entry, timeout 0: QEMU start to the kernel's /init in %.1f s (whole run)"
         % (time.monotonic() - start))

    r = vstest.run("boot -e 2", shares=[share], timeout=BOOT_TIMEOUT, extra=("--mem", "1024"))
    out = lines(r.out)
    cmd, extra = kernel_of(out)
    check("boot -e 2: the second entry's command line, its single initrd",
          r.status == 0 and cmd is not None and "entry=v9" in cmd.split() and extra is None and
          "VIOSHARE-NO-EXTRA" in out, r.summary())

    write(os.path.join(share, "loader", "loader.conf"), "timeout 3\ndefault debian-6.1.0-9*\n")
    r = vstest.run("entries", shares=[share], timeout=120)
    listed = [l for l in lines(r.out) if re.match(r"^\d+ [*-] ", l)]
    check("loader.conf default glob: entry 2 is the default",
          r.status == 0 and [l[:4] for l in listed] == ["1 - ", "2 * "], r.summary())
    write(os.path.join(share, "loader", "loader.conf"), "default fedora-*\n")
    r = vstest.run("entries", shares=[share], timeout=120)
    out = lines(r.out)
    listed = [l for l in out if re.match(r"^\d+ [*-] ", l)]
    check("a default matching nothing: said once, the first entry is the default",
          r.status == 0 and [l[:4] for l in listed] == ["1 * ", "2 - "] and
          sum("matches no entry" in l for l in out) == 1, r.summary())


def many_entries():
    """10,000 BLS entries whose byte order is not their menu order: versions
    6.1.0-0 to 6.1.0-9983 ("6.1.0-999" after "6.1.0-9983" as bytes, but
    older), sort-keys with machine-ids and ~/^ versions under /boot, ids that
    are versions of their own (a leading digit, ~rc, ^p, a capital)."""
    ents = [{"dir": "loader", "id": "debian-6.1.0-%d" % i, "version": "6.1.0-%d" % i, "sort_key": "",
             "machine_id": ""} for i in range(9984)]
    for i, (key, mid, ver) in enumerate([("b", "m1", "1"), ("a", "m2", "1"), ("a", "m1", "6.1.0-9"),
                                          ("a", "m1", "6.1.0-10"), ("a", "m1", "6.1.0-10~rc1"),
                                          ("a", "m1", "6.1.0-10^p1")]):
        ents.append({"dir": "boot", "id": "sk%d" % i, "version": ver, "sort_key": key, "machine_id": mid})
    for name in ("fedora-40-1.0~rc1", "fedora-40-1.0", "fedora-40-1.0^p1", "fedora-40-1.0-2", "fedora-40-1.0.1",
                 "Fedora-9", "0rescue", "a", "debian-6.1.0-10~rc1", "debian-6.1.0-9999"):
        ents.append({"dir": "loader", "id": name, "version": "", "sort_key": "", "machine_id": ""})
    for e in ents:
        e["seq"] = 0 if e["dir"] == "loader" else 1
    return ents


def test_many():
    """10,000 BLS entries: the first 64 in menu order offered (the model's
    answer), the loader.conf default that is far down kept, one E2BIG line."""
    share = vstest.tmpdir()
    write(os.path.join(share, "vmlinuz"), "not booted here")
    glob = "debian-6.1.0-1?"
    write(os.path.join(share, "loader", "loader.conf"), "default %s\n" % glob)
    ents = many_entries()
    for d in ("loader", "boot/loader"):
        os.makedirs(os.path.join(share, d, "entries"))
    for e in ents:
        sub = "loader" if e["dir"] == "loader" else "boot/loader"
        e["source"] = "/myfs/%s/entries/%s.conf" % (sub, e["id"])
        text = "title T-%s\nlinux /vmlinuz\n" % e["id"]
        for key in ("version", "sort_key", "machine_id"):
            if e[key]:
                text += "%s %s\n" % (key.replace("_", "-"), e[key])
        write(os.path.join(share, sub, "entries", e["id"] + ".conf"), text)
    kept, default = blsmodel.offered(ents, glob)
    want = ["%d %s T-%s (%s)" % (k + 1, "*" if k == default else "-", e["id"], e["source"])
            for k, e in enumerate(kept)]
    r = vstest.run("entries", shares=[share], timeout=300)
    out = lines(r.out)
    listed = [l for l in out if re.match(r"^\d+ [*-] ", l)]
    big = [l for l in out if l.startswith("error: entries: ") and "E2BIG" in l]
    first_diff = next((k for k, (a, b) in enumerate(zip(listed, want)) if a != b), min(len(listed), len(want)))
    check("10,000 entries: the model's first 64 in menu order (sort-keys, then newest versions; %s first, %s 63rd), "
          "the default %s kept last; status 0 in %.0f s" % (kept[0]["id"], kept[62]["id"], kept[63]["id"], r.secs),
          r.status == 0 and listed == want,
          "first difference at %d: got %r, model %r; %s" % (first_diff, listed[first_diff:first_diff + 2],
                                                             want[first_diff:first_diff + 2], r.summary()))
    check("10,000 entries: one E2BIG line naming the count",
          len(big) == 1 and "10000 boot entries" in big[0], "%r; %s" % (big, r.summary()))


def test_extlinux(kernel, base, extra, extra_token):
    share = vstest.tmpdir()
    kname = os.path.basename(kernel)
    os.makedirs(os.path.join(share, "boot", "extlinux"))
    shutil.copyfile(kernel, os.path.join(share, "boot", kname))
    shutil.copyfile(base, os.path.join(share, "boot", "initrd.img"))
    shutil.copyfile(extra, os.path.join(share, "boot", "extra.img"))
    write(os.path.join(share, "boot", "extlinux", "extlinux.conf"),
          "# written by the test\nMENU TITLE Test\nTIMEOUT 50\nDEFAULT two\nPROMPT 0\n\n"
          "LABEL one\n  MENU LABEL First\n  KERNEL /boot/%s\n  APPEND %s entry=x1\n\n"
          "label two\n  menu label Two initrds\n  linux ../%s\n  initrd /boot/initrd.img,/boot/extra.img\n"
          "  append %s entry=x2\n\nLABEL broken\n  APPEND nothing\n" % (kname, OPTS, kname, OPTS))
    r = vstest.run("entries; boot --default", shares=[share], timeout=BOOT_TIMEOUT, extra=("--mem", "1024"))
    out = lines(r.out)
    listed = [l for l in out if re.match(r"^\d+ [*-] ", l)]
    src = "/myfs/boot/extlinux/extlinux.conf"
    check("extlinux: MENU LABEL titles, DEFAULT marks its label, a LABEL without a kernel reported at its line",
          listed == ["1 - First (%s)" % src, "2 * Two initrds (%s)" % src] and
          any(l.startswith("error: entries: %s:18: EINVAL (LABEL without" % src) for l in out), r.summary())
    cmd, got_extra = kernel_of(out)
    check("extlinux: boot --default with APPEND and INITRD a,b (relative LINUX from the config's directory)",
          r.status == 0 and cmd is not None and "entry=x2" in cmd.split() and got_extra == extra_token,
          r.summary())


STUB = "/usr/lib/systemd/boot/efi/linuxx64.efi.stub"


def test_uki(kernel, base):
    """A unified kernel image made with Debian's tools (objcopy over
    systemd-boot-efi's stub; Debian 12 has no ukify), in /EFI/Linux/."""
    share = vstest.tmpdir()
    work = vstest.tmpdir()
    os.makedirs(os.path.join(share, "EFI", "Linux"))
    write(os.path.join(work, "os-release"), 'PRETTY_NAME="Debian UKI test"\nVERSION_ID=12\n')
    write(os.path.join(work, "cmdline"), "%s entry=uki" % OPTS)
    uki = os.path.join(share, "EFI", "Linux", "debian-uki.efi")
    p = subprocess.run(["objcopy",
                        "--add-section", ".osrel=" + os.path.join(work, "os-release"),
                        "--change-section-vma", ".osrel=0x20000",
                        "--add-section", ".cmdline=" + os.path.join(work, "cmdline"),
                        "--change-section-vma", ".cmdline=0x30000",
                        "--add-section", ".linux=" + kernel, "--change-section-vma", ".linux=0x2000000",
                        "--add-section", ".initrd=" + base, "--change-section-vma", ".initrd=0x3000000",
                        STUB, uki], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if not check("a UKI built with objcopy over %s (systemd-boot-efi)" % STUB, p.returncode == 0,
                 p.stdout.decode(errors="replace")[-300:]):
        return
    with open(uki, "rb") as f:
        data = f.read()
    write(os.path.join(share, "EFI", "Linux", "truncated.efi"), data[:len(data) // 2])
    write(os.path.join(share, "EFI", "Linux", "script.efi"), "#!/bin/sh\n")
    r = vstest.run("entries; boot --default", shares=[share], timeout=BOOT_TIMEOUT, extra=("--mem", "1024"))
    out = lines(r.out)
    listed = [l for l in out if re.match(r"^\d+ [*-] ", l)]
    # `entries` and then `boot --default` each look (and report) once: the first look's lines,
    # up to the listing.
    first = out[:next((i for i, l in enumerate(out) if re.match(r"^\d+ [*-] ", l)), len(out))]
    errs = [l for l in first if l.startswith("error: entries: /myfs/EFI/Linux/")]
    cmd, _ = kernel_of(out)
    check("UKI: titled from .osrel; a truncated and a non-PE one each reported; booted from its sections "
          "with .cmdline", listed == ["1 * Debian UKI test (/myfs/EFI/Linux/debian-uki.efi)"] and
          sum("script.efi" in e for e in errs) == 1 and sum("truncated.efi" in e for e in errs) == 1 and
          r.status == 0 and cmd is not None and "entry=uki" in cmd.split(), r.summary())
    # The EFI app starts the whole UKI with LoadImage: systemd's stub loads its sections.
    r = vstest.run("boot --default", shares=[share], timeout=BOOT_TIMEOUT, extra=("--efi", "--mem", "1024"))
    out = lines(r.out)
    cmd, _ = kernel_of(out)
    check("UKI from the EFI app: started whole (chain); its stub boots the kernel with .cmdline and .initrd",
          any(l.startswith("chain: starting /myfs/EFI/Linux/debian-uki.efi") for l in out) and r.status == 0 and
          cmd is not None and "entry=uki" in cmd.split(), r.summary())


def chosen(screen):
    """The entry marked ' > ' in the last list the menu drew, or None."""
    block = screen.split("Boot entries (")[-1].split("\n")[1:]
    for l in block:
        m = re.match(r"^ > +(\d+)", l)
        if m:
            return int(m.group(1))
    return None


def test_menu(share):
    import test_shell  # the tmux driver
    write(os.path.join(share, "loader", "loader.conf"), "timeout 30\n")
    cmd = "%s --share %s:myfs --mem 1024 --timeout %d -- menu" % (vstest.LAUNCHER, share, BOOT_TIMEOUT)
    t = test_shell.Term("menu", cmd)
    try:
        ok, s = t.wait(lambda s: "booting entry 1 in" in s, 90, "the countdown")
        t.text("2")
        ok2, s = t.wait(lambda s: "countdown stopped" in s and chosen(s) == 2, 30, "entry 2")
        check("menu: the countdown to entry 1, stopped by the digit 2, which chooses entry 2", ok and ok2,
              s[-800:])
        t.keys("Up")
        ok, s = t.wait(lambda s: chosen(s) == 1, 30, "entry 1 after Up")
        t.keys("Down")
        ok2, s = t.wait(lambda s: chosen(s) == 2, 30, "entry 2 after Down")
        check("menu: Up and Down move the choice", ok and ok2, s[-800:])
        t.text("e")
        ok, s = t.wait(lambda s: "cmdline> %s entry=v9" % OPTS in s, 30, "the editor")
        word = "menuword" + secrets.token_hex(3)
        t.text(" " + word)
        t.keys("Enter")
        ok2, s = t.wait(lambda s: "VIOSHARE-INITRAMFS-EXIT 0" in s, BOOT_TIMEOUT, "the kernel")
        seen = [l for l in s.split("\n") if l.startswith("VIOSHARE-CMDLINE ")]
        check("menu: e edits entry 2's command line; the word added is in the kernel's /proc/cmdline",
              ok and ok2 and len(seen) == 1 and word in seen[0].split() and "entry=v9" in seen[0].split(),
              s[-1200:])
    finally:
        t.kill()


def test_menu_esc(share):
    """No command line: the menu; Esc leaves it for the shell."""
    import test_shell
    write(os.path.join(share, "loader", "loader.conf"), "timeout 60\n")
    t = test_shell.Term("menuesc", "%s --share %s:myfs --timeout 120" % (vstest.LAUNCHER, share))
    try:
        ok, s = t.wait(lambda s: "booting entry 1 in" in s, 90, "the countdown")
        t.keys("Escape")
        ok2, s = t.wait(lambda s: s.rstrip().endswith(test_shell.PROMPT.rstrip()), 30, "the shell")
        t.text("exit 7")
        t.keys("Enter")
        st = t.status()
        check("menu without a command line: Esc stops the countdown and leads to the shell",
              ok and ok2 and st == 7, "status %s; %s" % (st, s[-600:]))
    finally:
        t.kill()


def test_efi_menu(share):
    """The same discovery and menu in the EFI app: Down (a scan code from the
    firmware's terminal) chooses entry 2, Enter boots it through the EFI stub."""
    import test_shell
    write(os.path.join(share, "loader", "loader.conf"), "timeout 60\n")
    cmd = "%s --efi --share %s:myfs --mem 1024 --timeout %d -- menu" % (vstest.LAUNCHER, share, BOOT_TIMEOUT)
    t = test_shell.Term("efimenu", cmd)
    try:
        ok, s = t.wait(lambda s: "booting entry 1 in" in s, 240, "the countdown")
        t.keys("Down")
        ok2, s = t.wait(lambda s: "countdown stopped" in s and chosen(s) == 2, 30, "entry 2")
        t.keys("Enter")
        ok3, s = t.wait(lambda s: "VIOSHARE-INITRAMFS-EXIT 0" in s, BOOT_TIMEOUT, "the kernel")
        seen = [l for l in s.split("\n") if l.startswith("VIOSHARE-CMDLINE ")]
        check("EFI app: the menu lists the same entries; Down chooses entry 2, Enter boots it (EFI stub)",
              ok and ok2 and ok3 and len(seen) == 1 and "entry=v9" in seen[0].split(), s[-1500:])
    finally:
        t.kill()


def test_chain(share):
    """The EFI app's chain: a second vioshare.efi from the share, with ARGS."""
    efi = os.path.join(vstest.REPO, "build", "vioshare.efi")
    shutil.copyfile(efi, os.path.join(share, "second.efi"))
    token = "chained-" + secrets.token_hex(4)
    # The chained app's status (3) ends QEMU through isa-debug-exit: ARGS reached it whole.
    r = vstest.run('chain /myfs/second.efi "echo %s; exit 3"' % token, shares=[share], timeout=240,
                   extra=("--efi",))
    out = lines(r.out)
    check("EFI app: chain starts an EFI program from the share with ARGS as its load options",
          any(l.startswith("chain: starting /myfs/second.efi") for l in out) and token in out and r.status == 3,
          r.summary())


def test_root(kernel, base):
    share = vstest.tmpdir()
    kname = os.path.basename(kernel)
    ver = kname[len("vmlinuz-"):]
    for d in ("bin", "sbin", "proc", "boot", "etc"):
        os.makedirs(os.path.join(share, d))
    shutil.copyfile("/bin/busybox", os.path.join(share, "bin", "busybox"))
    os.chmod(os.path.join(share, "bin", "busybox"), 0o755)
    for name in ("sh", "mount", "cat", "echo", "sync", "poweroff"):
        os.symlink("busybox", os.path.join(share, "bin", name))
    token = "root-on-virtiofs-" + secrets.token_hex(6)
    write(os.path.join(share, "sbin", "init"), ROOT_INIT.replace("@TOKEN@", token))
    os.chmod(os.path.join(share, "sbin", "init"), 0o755)
    write(os.path.join(share, "etc", "os-release"), 'PRETTY_NAME="Busybox test root"\n')
    shutil.copyfile(kernel, os.path.join(share, "boot", kname))
    shutil.copyfile(base, os.path.join(share, "boot", "initrd.img-" + ver))
    r = vstest.run("options root=myfs rootfstype=virtiofs rw %s; entries; boot --default" % OPTS,
                   shares=[share], timeout=BOOT_TIMEOUT, extra=("--mem", "1024"))
    out = lines(r.out)
    listed = [l for l in out if re.match(r"^\d+ [*-] ", l)]
    ran = [l for l in out if l.startswith("VIOSHARE-ROOT-INIT ")]
    check("bare root: /boot/vmlinuz-VERSION found, titled from os-release; /sbin/init runs from the share",
          listed == ["1 * Busybox test root, Linux %s (/myfs/boot/%s)" % (ver, kname)] and len(ran) == 1 and
          "rootfstype=virtiofs" in ran[0].split(), r.summary())
    try:
        with open(os.path.join(share, "booted-from-share.txt")) as f:
            seen = f.read().strip()
    except OSError:
        seen = None
    check("root on virtiofs: the file the booted system wrote is on the host", seen == token,
          "read %r; %s" % (seen, r.summary()))
    check("root on virtiofs: the system's clean power-off is status 0 with the launcher's line, not a crash",
          r.status == 0 and "powered the machine off (QEMU shutdown reason guest-shutdown)" in r.err,
          "status %s; stderr %r" % (r.status, r.err.strip()[-300:]))


def test_debian_root():
    """A bare root laid out as Debian's: /vmlinuz and /initrd.img link into
    /boot, which holds two kernels.  The links are the entry; /boot's kernels
    are only looked at when there are no links."""
    share = vstest.tmpdir()
    os.makedirs(os.path.join(share, "boot"))
    for ver in ("6.1.0-9-amd64", "6.1.0-10-amd64"):
        write(os.path.join(share, "boot", "vmlinuz-" + ver), "kernel " + ver)
        write(os.path.join(share, "boot", "initrd.img-" + ver), "initrd " + ver)
    os.symlink("boot/vmlinuz-6.1.0-10-amd64", os.path.join(share, "vmlinuz"))
    os.symlink("boot/initrd.img-6.1.0-10-amd64", os.path.join(share, "initrd.img"))
    r = vstest.run("entries", shares=[share], timeout=120)
    listed = [l for l in lines(r.out) if re.match(r"^\d+ [*-] ", l)]
    check("bare Debian root: /vmlinuz is the one entry, /boot's kernels not listed beside it",
          r.status == 0 and listed == ["1 * Linux, Linux 6.1.0-10-amd64 (/myfs/vmlinuz)"], r.summary())


def main():
    if not vstest.require_image():
        return vstest.finish()
    kernels = sorted(f for f in os.listdir("/boot") if f.startswith("vmlinuz-"))
    if not check("a Debian kernel in /boot (linux-image-amd64, see tools/deps)", bool(kernels), "no /boot/vmlinuz-*"):
        return vstest.finish()
    kernel = os.path.join("/boot", kernels[-1])
    work = vstest.tmpdir()
    base, extra = os.path.join(work, "base.img"), os.path.join(work, "extra.img")
    extra_token = "second-initrd-" + secrets.token_hex(6)
    try:
        make_initrds(base, extra, extra_token)
        built = True
    except (OSError, SystemExit) as e:
        built = False
        note("initramfs: %s" % e)
    if not check("the test initramfs and the second archive are built", built, "see the note"):
        return vstest.finish()
    share = bls_share(kernel, base, extra)
    vstest.run_cases([(test_bls, (share, extra_token)), (test_many, ()),
                      (test_extlinux, (kernel, base, extra, extra_token)), (test_uki, (kernel, base)),
                      (test_menu, (share,)), (test_menu_esc, (share,)), (test_efi_menu, (share,)),
                      (test_chain, (share,)),
                      (test_debian_root, ()), (test_root, (kernel, base))])
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
