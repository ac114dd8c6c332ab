#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""x86 microvm (virtio-mmio, no PCI): `tools/vioshare-run --machine microvm`.

A generated tree (odd names, links, boundary sizes, a FIFO) read by the guest:
its `manifest` must equal tools/manifest byte for byte.  Then a read-write
script (write, append, mkdir, mv, rm, rmdir, ln, ln -s, truncate, cp) run by
the guest while Python applies the same operations to a reference copy: the
two trees must be identical (mtimes ignored) and the guest's own manifest of
the result must equal tools/manifest of the share.

test_aarch64.py runs the same checks on the AArch64 image (main(...) below)."""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

MIB = 1 << 20


def b(s):
    return s if isinstance(s, bytes) else s.encode()


def put(path, data):
    with open(path, "wb") as f:
        f.write(data)


def make_tree(root):
    j = lambda *p: os.path.join(root, *[b(x) for x in p])  # noqa: E731
    os.makedirs(j("nested", "a", "b", "c"))
    put(j("nested", "a", "b", "c", "deep.txt"), b"deep\n")
    os.mkdir(j("empty_dir"))
    put(j("empty_file"), b"")
    seed = 10
    for size in (1, 4095, 4096, 4097, 131073, MIB - 1, MIB + 1, 3 * MIB + 5):
        vstest.write_pattern(j("s%d" % size), seed, size)
        seed += 1
    put(j("with space.txt"), b"spaces\n")
    put(j("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac.txt"), b"utf-8 name\n")
    put(j(b"bad\xff\x80name"), b"not utf-8\n")
    put(j(b"back\\slash"), b"backslash\n")
    put(j("n" * 255), b"long name\n")
    os.symlink(b"s4096", j("rel"))
    os.symlink(b"/etc/hostname", j("abs"))
    os.symlink(b"does/not/exist", j("dangling"))
    put(j("hard1"), b"hard\n")
    os.link(j("hard1"), j("nested", "hard2"))
    os.mkfifo(j("fifo"))
    os.chmod(j("s1"), 0o600)
    os.chmod(j("empty_dir"), 0o1777)
    os.utime(j("s4095"), (1e9, 1e9))


def strip_mtime(manifest):
    """Manifest lines without the MTIME field (the 5th)."""
    out = []
    for line in manifest.split(b"\n"):
        if line:
            f = line.split(b" ", 5)
            out.append(b" ".join(f[:4] + f[5:]))
    return out


# The read-write script: (guest command, host operation on the reference).
def rw_ops(ref):
    j = lambda *p: os.path.join(ref, *[b(x) for x in p])  # noqa: E731

    def pattern(seed, size):
        return vstest.pattern_py(seed, size)

    def append(path, seed, size):
        with open(path, "ab") as f:
            f.write(pattern(seed, size))

    def truncate(path, size):
        with open(path, "r+b") as f:
            f.truncate(size)

    return [
        ("mkdir /myfs/new", lambda: os.mkdir(j("new"), 0o755)),
        ("mkdir /myfs/new/sub", lambda: os.mkdir(j("new", "sub"), 0o755)),
        ("write /myfs/new/w1 12345 7", lambda: put(j("new", "w1"), pattern(7, 12345))),
        ("write /myfs/new/big %d 8" % (MIB + 4097), lambda: put(j("new", "big"), pattern(8, MIB + 4097))),
        ("append /myfs/new/w1 5000 9", lambda: append(j("new", "w1"), 9, 5000)),
        ("write /myfs/s4097 100 11", lambda: put(j("s4097"), pattern(11, 100))),
        ("truncate /myfs/s131073 70000", lambda: truncate(j("s131073"), 70000)),
        ("truncate /myfs/empty_file 9000", lambda: truncate(j("empty_file"), 9000)),
        ("cp /myfs/s4096 /myfs/new/sub/copy", lambda: shutil.copyfile(j("s4096"), j("new", "sub", "copy"))),
        ("mv /myfs/new/w1 /myfs/new/sub/w1-moved", lambda: os.rename(j("new", "w1"), j("new", "sub", "w1-moved"))),
        ("mv /myfs/nested/a/b/c /myfs/new/c", lambda: os.rename(j("nested", "a", "b", "c"), j("new", "c"))),
        ("ln -s ../s1 /myfs/new/link", lambda: os.symlink(b"../s1", j("new", "link"))),
        ("ln /myfs/hard1 /myfs/new/hard3", lambda: os.link(j("hard1"), j("new", "hard3"))),
        ("rm /myfs/s4095", lambda: os.unlink(j("s4095"))),
        ("rm /myfs/dangling", lambda: os.unlink(j("dangling"))),
        ("rmdir /myfs/nested/a/b", lambda: os.rmdir(j("nested", "a", "b"))),
        ("mkdir /myfs/gone", lambda: os.mkdir(j("gone"), 0o755)),
        ("rmdir /myfs/gone", lambda: os.rmdir(j("gone"))),
        ("write /myfs/new/empty 0 1", lambda: put(j("new", "empty"), b"")),
        ("mv /myfs/new/sub/copy /myfs/s1", lambda: os.rename(j("new", "sub", "copy"), j("s1"))),
    ]


def main(name, launcher_extra, image, boot_timeout=300):
    """Runs the checks; launcher_extra: the vioshare-run options (e.g. --machine microvm)."""
    if not vstest.require_image(image):
        return vstest.finish()
    extra = list(launcher_extra)
    top = vstest.tmpdir()

    # 1. The generated tree, read-only: manifest equality (with hashes).
    root = os.path.join(top, "tree").encode()
    os.mkdir(root)
    make_tree(root)
    want = vstest.host_manifest(root)
    r = vstest.run("echo =B=; manifest /myfs; echo =E=", shares=[os.fsdecode(root)],
                   timeout=boot_timeout, extra=extra)
    check("%s: read-only run exits 0" % name, r.status == 0, r.summary())
    got = r.between("=B=", "=E=")
    check("%s: guest manifest /myfs equals tools/manifest (%d entries)" % (name, want.count(b"\n")),
          got == want, "guest %r... host %r..." % ((got or b"")[:200], want[:200]))

    # 2. A read-write script against a reference copy.
    guest = os.path.join(top, "guest").encode()
    ref = os.path.join(top, "ref").encode()
    os.mkdir(guest)
    os.mkdir(ref)
    make_tree(guest)
    make_tree(ref)
    ops = rw_ops(ref)
    for _, op in ops:
        op()
    script = "; ".join(cmd for cmd, _ in ops)
    script += "; sha256 /myfs/new/big; echo =B=; manifest /myfs; echo =E="
    r = vstest.run(script, shares=[os.fsdecode(guest)], timeout=boot_timeout, extra=extra)
    check("%s: read-write script exits 0" % name, r.status == 0, r.summary())
    gm, rm = strip_mtime(vstest.host_manifest(guest)), strip_mtime(vstest.host_manifest(ref))
    diff = [(x, y) for x, y in zip(gm, rm) if x != y][:2]
    check("%s: the share after the script equals the reference (%d entries, mtimes ignored)" % (name, len(rm)),
          gm == rm, "%d vs %d entries; first differences %r" % (len(gm), len(rm), diff))
    big = vstest.sha256_file(os.path.join(ref, b"new", b"big"))
    check("%s: sha256 of a file the guest wrote" % name,
          ("%s  /myfs/new/big" % big).encode() in r.out, "want %s" % big)
    check("%s: guest manifest after the script equals tools/manifest" % name,
          r.between("=B=", "=E=") == vstest.host_manifest(guest), "see the log")

    # 3. The command line arrives whole, and nothing else (on microvm, QEMU's
    #    virtio_mmio.device= words are taken off its end); exit status and
    #    errors come back as on the PC.
    r = vstest.run("echo end-of-line", shares=[os.fsdecode(root)], timeout=boot_timeout, extra=extra)
    check("%s: the command line reaches the command language without device words" % name,
          r.status == 0 and r.out.split(b"\n")[-2:] == [b"end-of-line", b""], r.summary())
    r = vstest.run("exit 7", shares=[os.fsdecode(root)], timeout=boot_timeout, extra=extra)
    check("%s: exit 7 gives status 7" % name, r.status == 7, r.summary())
    r = vstest.run("cat /myfs/nope", shares=[os.fsdecode(root)], timeout=boot_timeout, extra=extra)
    check("%s: a failing command gives status 1 and an error line" % name,
          r.status == 1 and b"error: cat: /myfs/nope: ENOENT" in r.out, r.summary())
    return vstest.finish()


def arguments():
    """The launcher's machine/arch combinations (no QEMU started)."""
    for argv, want in ((["--arch", "aarch64", "--machine", "microvm"], "virt only"),
                       (["--machine", "virt"], "for --arch aarch64")):
        r = vstest.run("exit 0", extra=argv, timeout=30)
        check("launcher %s: usage error (status 2)" % " ".join(argv), r.status == 2 and want in r.err,
              r.summary())


if __name__ == "__main__":
    arguments()
    sys.exit(main("microvm", ["--machine", "microvm"], vstest.PVH_IMAGE, boot_timeout=180))
