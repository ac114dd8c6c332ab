#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""`make install` and `make uninstall` into a temporary DESTDIR (README,
*Embedding vioshare*), and the one version (vfs/vioshare_version.h):

- the installed files are exactly the library, the headers `make headers`
  makes, lib/pkgconfig/vioshare.pc, the four images and bin/vioshare-run,
  each a copy of what the build made;
- pkg-config, pointed at the DESTDIR, gives the header's version and flags
  with which `cc` links examples/embed_minimal.c (x86-64); with
  TARGET=aarch64-picolibc, flags with which embed_minimal.c is built for
  AArch64 and run on QEMU virt with a share: it prints the share's hello.txt;
- the installed bin/vioshare-run, run from another directory, says the
  header's version to --version, looks for its images in
  PREFIX/share/vioshare and boots them there: each image's banner and its
  `version` command say the header's version (PC, AArch64, EFI);
- `make uninstall` removes every installed file; a TARGET install does not
  know is refused.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootrun  # noqa: E402
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

PREFIX = "/usr/local"           # make install's default
CROSS_PREFIX = "/opt/vioshare-aarch64"
IMAGES = ["vioshare.elf", "vioshare-pvh.elf", "vioshare.efi", "vioshare-fs.efi", "aarch64/vioshare.elf",
          "aarch64/vioshare-fs.efi"]
HELLO = b"hello from the installed share\n"
OVMF = ["/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"]


def make(*args):
    argv = ["make", "--no-print-directory", "-C", vstest.REPO] + list(args)
    note("run: " + " ".join(argv))
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=900)
    out = r.stdout.decode(errors="replace")
    if r.returncode:
        note(out[-2000:])
    return r.returncode, out


def files_under(root):
    """Every file (not directory) below root, as paths relative to it."""
    found = set()
    for d, _, names in os.walk(root):
        found.update(os.path.relpath(os.path.join(d, n), root) for n in names)
    return found


def same_file(a, b):
    try:
        with open(a, "rb") as fa, open(b, "rb") as fb:
            return fa.read() == fb.read()
    except OSError:
        return False


def pkg_config(destdir, prefix, *args):
    """pkg-config on the .pc installed in destdir: (status, output)."""
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(destdir + prefix, "lib", "pkgconfig"),
               PKG_CONFIG_SYSROOT_DIR=destdir, PKG_CONFIG_LIBDIR="")
    r = subprocess.run(["pkg-config"] + list(args) + ["vioshare"], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    out = r.stdout.decode(errors="replace").strip()
    note("pkg-config %s vioshare: %s" % (" ".join(args), out))
    return r.returncode, out


def elf_machine(archive):
    """The ELF e_machine of the archive's first object (ar format: an
    8-byte magic, then members with 60-byte headers), or None."""
    with open(archive, "rb") as f:
        data = f.read()
    pos = 8
    while pos + 60 <= len(data):
        size = int(data[pos + 48:pos + 58])
        body = data[pos + 60:pos + 60 + size]
        if body[:4] == b"\x7fELF":
            return int.from_bytes(body[18:20], "little")
        pos += 60 + size + (size & 1)
    return None


def banner_and_version(r, what, version, efi=False):
    """The image's banner is its first line (the EFI app's: the first after
    its start line) and `version` between =V= and =E= says the same."""
    lines = [l.rstrip("\r") for l in r.out.decode("utf-8", "replace").split("\n")]
    if efi:
        start = next((i for i, l in enumerate(lines) if l.endswith("vioshare.efi: start")), None)
        lines = lines[start + 1:] if start is not None else []
    want = "vioshare %s (%s)" % (version, what)
    cmd = r.between("=V=", "=E=")
    check("%s: the banner (first line) and `version` say %r" % (what, want),
          r.status == 0 and lines[:1] == [want] and cmd == (want + "\n").encode(), r.summary())


def test_default(version, share):
    dest = vstest.tmpdir("vstest-install-")
    root = dest + PREFIX
    code, out = make("install", "DESTDIR=" + dest)
    if not check("make install DESTDIR=%s succeeds" % dest, code == 0, out[-300:]):
        return
    headers = sorted(os.listdir(os.path.join(vstest.REPO, "build", "include", "vioshare")))
    headers = [h for h in headers if h.endswith(".h")]
    want = {"bin/vioshare-run", "lib/libvioshare.a", "lib/pkgconfig/vioshare.pc"}
    want |= {"include/vioshare/" + h for h in headers} | {"share/vioshare/" + i for i in IMAGES}
    want = {PREFIX.lstrip("/") + "/" + f for f in want}
    got = files_under(dest)
    check("installed: exactly %d files under %s (library, %d headers, .pc, images, launcher)"
          % (len(want), PREFIX, len(headers)), "vioshare_version.h" in headers and got == want,
          "missing %s; extra %s" % (sorted(want - got), sorted(got - want)))
    copies = [("bin/vioshare-run", "tools/vioshare-run"), ("lib/libvioshare.a", "build/libvioshare.a")]
    copies += [("include/vioshare/" + h, "build/include/vioshare/" + h) for h in headers]
    copies += [("share/vioshare/" + i, "build/" + i) for i in IMAGES]
    differ = [a for a, b in copies if not same_file(os.path.join(root, a), os.path.join(vstest.REPO, b))]
    check("installed files are the build's (launcher executable)",
          not differ and os.access(os.path.join(root, "bin", "vioshare-run"), os.X_OK), "differ: %s" % differ)

    c1, modversion = pkg_config(dest, PREFIX, "--modversion")
    c2, flags = pkg_config(dest, PREFIX, "--cflags", "--libs")
    exe = os.path.join(vstest.tmpdir(), "embed_minimal")
    argv = ["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", os.path.join(vstest.REPO, "examples", "embed_minimal.c")]
    argv += shlex.split(flags) + ["-o", exe]
    note("build: " + " ".join(argv))
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    check("pkg-config: version %s (the header's) and flags from %s with which cc links examples/embed_minimal.c"
          % (version, dest), c1 == 0 and modversion == version and c2 == 0 and "-I%s/include/vioshare" % root in flags
          and r.returncode == 0 and os.path.isfile(exe),
          "modversion %r, flags %r, cc: %s" % (modversion, flags, r.stdout.decode(errors="replace")[-300:]))

    launcher = os.path.join(root, "bin", "vioshare-run")
    elsewhere = vstest.tmpdir()
    r = subprocess.run([launcher, "--version"], cwd=elsewhere, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    check("installed vioshare-run --version says the header's version",
          r.returncode == 0 and r.stdout == ("vioshare-run %s\n" % version).encode(), (r.returncode, r.stdout, r.stderr))

    args = "echo =V=; version; echo =E=; cat /myfs/hello.txt"
    r = vstest.run(args, shares=[share], launcher=launcher, cwd=elsewhere, timeout=60)
    banner_and_version(r, "x86-64 boot image", version)
    check("installed launcher, run from %s, boots the installed image and reads the share" % elsewhere,
          r.status == 0 and HELLO in r.out.replace(b"\r\n", b"\n"), r.summary())
    # Where it looks: with the installed PVH image moved away, it names that path.
    pvh = os.path.join(root, "share", "vioshare", "vioshare-pvh.elf")
    os.rename(pvh, pvh + ".away")
    try:
        r = vstest.run("echo x", shares=[share], machine="microvm", launcher=launcher, cwd=elsewhere, timeout=30)
    finally:
        os.rename(pvh + ".away", pvh)
    check("installed launcher takes its images from PREFIX/share/vioshare, not the checkout",
          r.status == 125 and "boot image %s not found (run make install)" % pvh in r.err, r.summary())

    r = vstest.run(args, shares=[share], launcher=launcher, cwd=elsewhere, timeout=120, extra=["--arch", "aarch64"])
    banner_and_version(r, "AArch64 boot image", version)
    missing = [f for f in OVMF if not os.path.isfile(f)]
    if missing:
        vstest.skip("x86-64 UEFI application: the banner and `version` say the header's version",
                    "no OVMF (package ovmf): %s" % missing)
    else:
        r = vstest.run(args, shares=[share], launcher=launcher, cwd=elsewhere, timeout=240, extra=["--efi"])
        r.out = bootrun.ANSI.sub(b"", r.out)    # the firmware's console adds terminal escapes
        banner_and_version(r, "x86-64 UEFI application", version, efi=True)

    code, out = make("uninstall", "DESTDIR=" + dest)
    left = files_under(dest)
    gone = [d for d in ("include/vioshare", "share/vioshare") if not os.path.exists(os.path.join(root, d))]
    check("make uninstall removes every installed file (and include/vioshare, share/vioshare)",
          code == 0 and not left and len(gone) == 2, "status %d; left %s" % (code, sorted(left)))


def test_cross(version, share):
    dest = vstest.tmpdir("vstest-install-a64-")
    root = dest + CROSS_PREFIX
    code, out = make("install", "DESTDIR=" + dest, "PREFIX=" + CROSS_PREFIX, "TARGET=aarch64-picolibc")
    lib = os.path.join(root, "lib", "libvioshare.a")
    c1, modversion = pkg_config(dest, CROSS_PREFIX, "--modversion")
    c2, flags = pkg_config(dest, CROSS_PREFIX, "--cflags", "--libs")
    check("make install TARGET=aarch64-picolibc: an AArch64 library, a .pc with the header's version and "
          "flags without -no-pie", code == 0 and os.path.isfile(lib) and elf_machine(lib) == 183
          and c1 == 0 and modversion == version and c2 == 0 and "-no-pie" not in flags
          and "-L%s/lib" % root in flags, "status %d; %s; version %r flags %r"
          % (code, out[-200:], modversion, flags))

    status, out, err = vstest.embed_minimal_run(share, shlex.split(flags))
    note("embed_minimal: status %s, stderr %r, stdout %r" % (status, err[-300:], out[-300:]))
    check("examples/embed_minimal.c built with the installed pkg-config flags alone prints the share's "
          "hello.txt on QEMU virt", status == 0 and (out + err.encode()).replace(b"\r\n", b"\n").endswith(HELLO),
          "status %s; %r %s" % (status, out[-200:], err[-200:]))

    code, out = make("uninstall", "DESTDIR=" + dest, "PREFIX=" + CROSS_PREFIX)
    left = files_under(dest)
    check("make uninstall PREFIX=%s removes every installed file" % CROSS_PREFIX, code == 0 and not left,
          "status %d; left %s" % (code, sorted(left)))

    bad = vstest.tmpdir("vstest-install-bad-")
    code, out = make("install", "DESTDIR=" + bad, "TARGET=sparc-none")
    check("make install TARGET=sparc-none is refused, nothing installed",
          code != 0 and "TARGET=sparc-none" in out and not files_under(bad), "status %d; %s" % (code, out[-300:]))


def main():
    if not shutil.which("pkg-config"):
        check("pkg-config is installed (package pkgconf, tools/deps)", False, "not found")
        return vstest.finish()
    version = vstest.header_version()
    share = vstest.tmpdir()
    with open(os.path.join(share, "hello.txt"), "wb") as f:
        f.write(HELLO)
    vstest.run_cases([(test_default, (version, share)), (test_cross, (version, share))])
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
