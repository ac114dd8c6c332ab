#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A tree with every awkward kind of entry, read by the guest over virtio-fs and
compared with the host: the guest's `manifest` must equal tools/manifest byte
for byte, in every cache mode; hashes of a 64 MiB file and of a range past 4 GiB
in a sparse file; cat, ls and stat."""

import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

BIG64_SIZE = (64 << 20) + 12345
SPARSE_SIZE = (4 << 30) + (3 << 20) + 777          # a little over 4 GiB
SPARSE_DATA_AT = (4 << 30) + (1 << 20) + 4093      # where the pattern tail starts
SPARSE_DATA_LEN = 300000
HELLO = b"Hello over virtio-fs.\nSecond line, with UTF-8: \xc3\xa9t\xc3\xa9.\n"


def b(s):
    return s if isinstance(s, bytes) else s.encode()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def make_tree(root):
    """Builds the test tree under root (bytes); returns nothing."""
    j = lambda *p: os.path.join(root, *[b(x) for x in p])  # noqa: E731

    # Nested and empty directories, empty files.
    os.makedirs(j("nested", "a", "b", "c", "d", "e", "f"))
    write(j("nested", "a", "b", "c", "d", "e", "f", "deep.txt"), b"deep\n")
    os.makedirs(j("nested", "a", "empty"))
    os.mkdir(j("empty_dir"))
    write(j("empty_file"), b"")

    # The hashed subtree: boundary sizes, odd names, links, special files.
    sub = j("sub")
    os.mkdir(sub)
    seed = 100
    for size in (0, 1, 4095, 4096, 4097, 131071, 131072, 131073, 1048575, 1048576, 1048577):
        vstest.write_pattern(os.path.join(sub, b"s%d" % size), seed, size)
        seed += 1
    write(os.path.join(sub, b"with space.txt"), b"spaces\n")
    write(os.path.join(sub, "héllo wörld – ünïcødé 日本語.txt".encode()), b"utf-8 name\n")
    write(os.path.join(sub, b"bad\xff\xfe\x80name"), b"not utf-8\n")
    write(os.path.join(sub, b"ctl\x01\x7f\ttab\nnewline"), b"control bytes\n")
    write(os.path.join(sub, b"back\\slash"), b"backslash\n")
    write(os.path.join(sub, b"n" * 255), b"255 ascii\n")
    write(os.path.join(sub, "é".encode() * 127 + b"x"), b"255 bytes of utf-8\n")
    os.mkdir(os.path.join(sub, b"d" * 255))
    write(os.path.join(sub, b"d" * 255, b"f" * 255), b"long/long\n")
    os.mkdir(os.path.join(sub, b"inner"))
    write(os.path.join(sub, b"inner", b"file.txt"), b"inner file\n")
    os.mkdir(os.path.join(sub, b"inner", b"emptydir"))
    os.symlink(b"s4096", os.path.join(sub, b"rel"))
    os.symlink(b"../nested/a/b", os.path.join(sub, b"rel-up"))
    os.symlink(b"/etc/hostname", os.path.join(sub, b"abs"))
    os.symlink(b"does/not/exist", os.path.join(sub, b"dangling"))
    os.symlink(b"inner", os.path.join(sub, b"dirlink"))
    os.symlink(b"t\xffarget with space\\", os.path.join(sub, b"oddtarget"))
    write(os.path.join(sub, b"hard1"), b"hard linked\n")
    os.link(os.path.join(sub, b"hard1"), os.path.join(sub, b"hard2"))
    os.link(os.path.join(sub, b"hard1"), os.path.join(sub, b"inner", b"hard3"))
    os.mkfifo(os.path.join(sub, b"fifo"))
    os.chmod(os.path.join(sub, b"s1"), 0o600)
    os.chmod(os.path.join(sub, b"s0"), 0o4755)
    os.chmod(os.path.join(sub, b"inner", b"emptydir"), 0o1777)
    os.utime(os.path.join(sub, b"s4095"), (1e9, 1e9))
    os.utime(os.path.join(sub, b"s4097"), ns=(0, 1234567890999999999))

    # A big file, a sparse file past 4 GiB, a FIFO at the top.
    vstest.write_pattern(j("big64"), 64, BIG64_SIZE)
    with open(j("sparse"), "wb") as f:
        f.truncate(SPARSE_SIZE)
        f.seek(SPARSE_DATA_AT)
        f.write(vstest.pattern_py(7, SPARSE_DATA_LEN))
    os.mkfifo(j("fifo"))

    # A directory of 3000 entries (files, some directories and symlinks).
    os.mkdir(j("many"))
    for i in range(3000):
        p = j("many", "entry-%04d" % i)
        if i % 100 == 7:
            os.mkdir(p)
        elif i % 100 == 13:
            os.symlink(b"entry-0000", p)
        else:
            write(p, b"%d\n" % i if i % 10 == 0 else b"")

    # For cat, ls and stat.
    write(j("hello.txt"), HELLO)
    os.mkdir(j("dir"))
    write(j("dir", "alpha"), b"a" * 1000)
    write(j("dir", "beta.txt"), b"b" * 123457)
    os.mkdir(j("dir", "gamma"))
    os.symlink(b"alpha", j("dir", "delta"))


def guest_block(r, tag):
    return r.between("=B-%s=" % tag, "=E-%s=" % tag)


def wrap(tag, cmd):
    return "echo =B-%s=; %s; echo =E-%s=" % (tag, cmd, tag)


compare = vstest.compare


def main():
    if not vstest.require_image():
        return vstest.finish()
    top = vstest.tmpdir()
    root = os.path.join(top, "tree").encode()
    os.mkdir(root)
    make_tree(root)
    # Directory times settle after make_tree; from here on the tree is not changed.
    want_all = vstest.host_manifest(root, hashes=False)
    want_sub = vstest.host_manifest(os.path.join(root, b"sub"))
    note("host manifest: %d entries; sub: %d entries" % (want_all.count(b"\n"), want_sub.count(b"\n")))
    big_hash = vstest.sha256_file(os.path.join(root, b"big64"))
    rng_off = SPARSE_DATA_AT - 4093 - 100        # starts in the hole, ends in the data
    rng_len = 4093 + 100 + 200000
    sparse_hash = vstest.sha256_file(os.path.join(root, b"sparse"), rng_off, rng_len)
    tail_hash = vstest.sha256_file(os.path.join(root, b"sparse"), SPARSE_SIZE - 1000, 1000)
    share = os.fsdecode(root)
    several = (b"big64", b"hello.txt", b"dir/alpha", b"empty_file", b"sub/s4097", b"dir/beta.txt")
    several_cmd = wrap("several", "sha256 " + " ".join("/myfs/" + os.fsdecode(n) for n in several))
    several_want = b"".join(b"%s  /myfs/%s\n" % (vstest.sha256_file(os.path.join(root, n)).encode(), n)
                            for n in several)

    cmds = [wrap("mn", "manifest -n /myfs"),
            several_cmd,
            wrap("ms", "manifest /myfs/sub"),
            wrap("big", "sha256 /myfs/big64"),
            wrap("rng", "sha256 /myfs/sparse %d %d" % (rng_off, rng_len)),
            wrap("tail", "sha256 /myfs/sparse %d 1000" % (SPARSE_SIZE - 1000)),
            wrap("cat", "cat /myfs/hello.txt"),
            wrap("ls", "ls /myfs/dir"),
            wrap("lsl", "ls -l /myfs/dir"),
            wrap("stat", "stat /myfs/dir/beta.txt"),
            wrap("statbig", "stat /myfs/sparse")]
    r = vstest.run("; ".join(cmds), shares=[share], cache="auto", timeout=600)
    check("cache=auto run: status 0", r.status == 0, r.summary())
    compare("cache=auto: guest manifest -n /myfs equals tools/manifest -n", guest_block(r, "mn"), want_all)
    compare("guest manifest /myfs/sub (hashes) equals tools/manifest", guest_block(r, "ms"), want_sub)
    check("sha256 /myfs/big64", guest_block(r, "big") == ("%s  /myfs/big64\n" % big_hash).encode(),
          "guest %r host %s" % (guest_block(r, "big"), big_hash))
    got = guest_block(r, "rng") or b""
    check("sha256 of a range past 4 GiB in a sparse file",
          got.startswith(("%s  /myfs/sparse" % sparse_hash).encode()) and got.count(b"\n") == 1,
          "guest %r host %s" % (got, sparse_hash))
    got = guest_block(r, "tail") or b""
    check("sha256 of the last 1000 bytes of the sparse file",
          got.startswith(("%s  /myfs/sparse" % tail_hash).encode()), "guest %r host %s" % (got, tail_hash))
    compare("cache=auto: sha256 of several files, each line the host's, in order", guest_block(r, "several"),
            several_want)
    compare("cat /myfs/hello.txt", guest_block(r, "cat"), HELLO)
    ls = (guest_block(r, "ls") or b"").decode(errors="replace")
    check("ls /myfs/dir names", all(n in ls for n in ("alpha", "beta.txt", "gamma", "delta")), ls)
    lsl = (guest_block(r, "lsl") or b"").decode(errors="replace")
    check("ls -l /myfs/dir sizes and link target", "123457" in lsl and "1000" in lsl and "alpha" in lsl
          and "delta" in lsl, lsl)
    st = (guest_block(r, "stat") or b"").decode(errors="replace")
    check("stat /myfs/dir/beta.txt size", "123457" in st, st)
    st = (guest_block(r, "statbig") or b"").decode(errors="replace")
    check("stat /myfs/sparse size past 4 GiB", str(SPARSE_SIZE) in st, st)

    for mode in ("none", "always"):
        r = vstest.run(wrap("mn", "manifest -n /myfs") + "; " + several_cmd, shares=[share], cache=mode,
                       timeout=300)
        check("cache=%s run: status 0" % mode, r.status == 0, r.summary())
        compare("cache=%s: guest manifest -n /myfs equals tools/manifest -n" % mode, guest_block(r, "mn"), want_all)
        compare("cache=%s: sha256 of several files, each line the host's, in order" % mode,
                guest_block(r, "several"), several_want)

    # Nothing the guest did changed the tree.
    compare("the share is unchanged after the runs", vstest.host_manifest(root, hashes=False), want_all)
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
