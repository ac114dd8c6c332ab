#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Bounded caches: listing a directory of 100,000 entries with `ls -l` and
opening/closing 3,000 different files must not grow the VFS node cache beyond
its bound (at most 2048 unreferenced nodes are kept, VN_LRU_MAX: the
high-water mark that `mounts` prints as "max N" stays <= 2100, a few more for
the nodes a walk holds).  3,000 files are more than the cache keeps, so
eviction (FORGET) happens in every test."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

NBIG = 100000
NSMALL = 3000
NODE_BOUND = 2100
MOUNTS_RE = re.compile(rb"^myfs on /myfs type virtiofs \((\S+), nodes (\d+), max (\d+)\)\r?$", re.M)


def node_counts(out):
    """(nodes now, high-water mark) of the myfs line of `mounts`, or None."""
    m = MOUNTS_RE.search(out)
    return (int(m.group(2)), int(m.group(3))) if m else None


def make_share():
    d = vstest.tmpdir("vstest-scale-")
    big = os.path.join(d, "big")
    os.mkdir(big)
    start = time.monotonic()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    for i in range(NBIG):
        os.close(os.open(os.path.join(big, "e%06d" % i), flags, 0o644))
    small = os.path.join(d, "small")
    os.mkdir(small)
    for i in range(NSMALL):
        with open(os.path.join(small, "f%04d" % i), "wb") as f:
            f.write(b"small file %d\n" % i)
    note("made %d + %d files in %.1f s" % (NBIG, NSMALL, time.monotonic() - start))
    return d


def test_big_dir(d):
    r = vstest.run("echo =L=; ls -l /myfs/big; echo =EL=; mounts", shares=[d], timeout=600)
    check("ls -l of %d entries: status 0" % NBIG, r.status == 0, r.summary())
    body = r.between("=L=", "=EL=")
    lines = [l for l in (body or b"").split(b"\n") if l]
    check("ls -l prints %d lines" % NBIG, len(lines) == NBIG, "got %d lines" % len(lines))
    names = set(l.rsplit(b" ", 1)[-1] for l in lines)
    want = set(b"e%06d" % i for i in range(NBIG))
    check("ls -l names every entry once", names == want and len(lines) == NBIG,
          "missing %d, unexpected %d" % (len(want - names), len(names - want)))
    regular = sum(1 for l in lines if l.startswith(b"-rw-r--r--") and re.search(rb"\s0 \d{4}-\d\d-\d\d ", l))
    check("ls -l shows each as an empty -rw-r--r-- file", regular == NBIG, "%d of %d" % (regular, len(lines)))
    counts = node_counts(r.out)
    check("mounts prints the node cache after ls -l", counts is not None, r.summary())
    if counts:
        note("ls -l of %d entries: node cache now %d, high-water mark %d, %.1f s"
             % (NBIG, counts[0], counts[1], r.secs))
        check("node cache bounded after ls -l of %d entries: max %d <= %d (now %d)"
              % (NBIG, counts[1], NODE_BOUND, counts[0]), counts[1] <= NODE_BOUND and counts[0] <= counts[1],
              "max %d" % counts[1])


def test_open_close(d):
    ctl = vstest.tmpdir("vstest-scale-ctl-")
    with open(os.path.join(ctl, "script"), "w") as f:
        f.write("echo =C=\n")
        for i in range(NSMALL):
            f.write("cat /myfs/small/f%04d\n" % i)
        f.write("echo =EC=\nmounts\n")
    r = vstest.run("run /ctl/script", shares=[d, (ctl, "ctl")], timeout=600)
    check("%d cat commands: status 0" % NSMALL, r.status == 0, r.summary())
    want = b"".join(b"small file %d\n" % i for i in range(NSMALL))
    got = r.between("=C=", "=EC=")
    check("%d cat commands print every file's content in order" % NSMALL, got == want,
          "got %d bytes, want %d" % (len(got or b""), len(want)))
    counts = node_counts(r.out)
    check("mounts prints the node cache after the cat commands", counts is not None, r.summary())
    if counts:
        note("%d open/close cycles: node cache now %d, high-water mark %d, %.1f s"
             % (NSMALL, counts[0], counts[1], r.secs))
        check("node cache bounded after %d open/close cycles: max %d <= %d (now %d)"
              % (NSMALL, counts[1], NODE_BOUND, counts[0]), counts[1] <= NODE_BOUND and counts[0] <= counts[1],
              "max %d" % counts[1])


def test_stat_sha(d):
    """The same bound for stat and sha256 (other open paths), mixed with
    looking the same few names up again (cache hits)."""
    ctl = vstest.tmpdir("vstest-scale-ctl-")
    with open(os.path.join(ctl, "script"), "w") as f:
        for i in range(0, NBIG, 37):
            f.write("stat /myfs/big/e%06d\n" % i)
            if i % 5 == 0:
                f.write("sha256 /myfs/small/f%04d\n" % (i % 7))
        f.write("mounts\n")
    r = vstest.run("run /ctl/script", shares=[d, (ctl, "ctl")], timeout=600)
    n = len(range(0, NBIG, 37))
    stats = r.out.count(b"  Type: regular file")
    check("%d stat commands: status 0, every one printed" % n, r.status == 0 and stats == n,
          "%d stats; %s" % (stats, r.summary()))
    counts = node_counts(r.out)
    if counts:
        note("%d stat + sha256 commands: node cache now %d, high-water mark %d" % (n, counts[0], counts[1]))
    check("node cache bounded after %d stat commands: max %s <= %d" % (n, counts and counts[1], NODE_BOUND),
          counts is not None and counts[1] <= NODE_BOUND, r.summary())


def main():
    if not vstest.require_image():
        return vstest.finish()
    d = make_share()
    vstest.run_cases([(t, (d,)) for t in (test_big_dir, test_open_close, test_stat_sha)], timed=True)
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
