#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Tracing and statistics: `debug LEVEL` / the debug=LEVEL mount option print
one line per FUSE request at level 2 (opcode, node, unique, lengths, error,
latency), device events at 1, virtqueue events at 3, nothing at 0; `stats`
counts agree with known sequences of commands; `stats -r` resets."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

REQ = re.compile(r"^trace /myfs (?P<op>[A-Z_0-9]+) node=(?P<node>\d+) unique=(?P<unique>\d+) len=(?P<len>\d+) "
                 r"reply=(?P<reply>\d+) error=(?P<err>\w+) us=(?P<us>\d+)$")
STAT = re.compile(r"^  (?P<op>[A-Z_0-9]+) +(?P<count>\d+) +(?P<errors>\d+|-) +(?P<bytes>\d+|-) +(?P<min>\d+|-) +"
                  r"(?P<med>\d+|-) +(?P<p99>\d+|-) +(?P<max>\d+|-)$")


def lines(r):
    return r.out.decode("utf-8", "replace").split("\n")


def traces(r):
    return [l for l in lines(r) if l.startswith("trace ")]


def stats_table(r, after=None):
    """({OPCODE: row dict}, {cache: (hits, misses)}) of a stats table: the first
    printed after the line `after` if given, else the last one."""
    ls = lines(r)
    if after is not None and after in ls:
        ls = ls[ls.index(after) + 1:]
    tables = []
    for l in ls:
        if l.startswith("/myfs (tag myfs):"):
            tables.append(({}, {}))
        if not tables:
            continue
        table, caches = tables[-1]
        m = STAT.match(l)
        if m:
            table[m.group("op")] = m.groupdict()
        m = re.match(r"^  (name|attr) cache: (\d+) hits, (\d+) misses", l)
        if m:
            caches[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    if not tables:
        return {}, {}
    return tables[0] if after is not None else tables[-1]


def make_share():
    d = vstest.tmpdir()
    with open(os.path.join(d, "f.txt"), "w") as f:
        f.write("cat-me-1\n")
    vstest.write_pattern(os.path.join(d, "data.bin"), 7, 3 * 1048576 + 123)
    return d


def test_level2(share):
    r = vstest.run("debug 2; cat /myfs/f.txt; stat /myfs/f.txt; debug 0", shares=[share], cache="none")
    reqs = [REQ.match(l) for l in traces(r)]
    bad = [l for l, m in zip(traces(r), reqs) if not m]
    reqs = [m for m in reqs if m]
    ops = [m.group("op") for m in reqs]
    check("debug 2: every trace line has opcode, node, unique, lengths, error, latency",
          r.status == 0 and reqs and not bad, "bad lines %r; %s" % (bad[:3], r.summary()))
    check("debug 2: cat gives LOOKUP, OPEN, READ, RELEASE lines",
          all(o in ops for o in ("LOOKUP", "OPEN", "READ", "RELEASE")), "ops %s" % ops)
    opened = [m for m in reqs if m.group("op") == "OPEN"]
    reads = [m for m in reqs if m.group("op") == "READ"]
    if opened and reads:
        node = opened[0].group("node")
        check("debug 2: READ and RELEASE name the node OPEN did, uniques increase",
              all(m.group("node") == node for m in reads) and node != "1"
              and all(m.group("node") == node for m in reqs if m.group("op") == "RELEASE")
              and int(reads[0].group("unique")) > int(opened[0].group("unique")), "lines %s" % traces(r)[:8])
        first = reads[0]
        check("debug 2: the first READ's reply carries the file (16-byte header + 9 bytes)",
              first.group("err") == "0" and int(first.group("reply")) == 16 + 9 and int(first.group("len")) > 40,
              first.group(0))
    r = vstest.run("-cat /myfs/missing; debug 2; -cat /myfs/missing2; debug 0", shares=[share], cache="none")
    errs = [m for m in (REQ.match(l) for l in traces(r)) if m and m.group("err") != "0"]
    check("debug 2: a failing LOOKUP shows error=ENOENT",
          r.status == 0 and len(errs) == 1 and errs[0].group("op") == "LOOKUP" and errs[0].group("err") == "ENOENT",
          r.summary())


def test_level0(share):
    r = vstest.run("cat /myfs/f.txt; stat /myfs/f.txt", shares=[share])
    check("default (debug 0): no trace lines", r.status == 0 and not traces(r), r.summary())
    r = vstest.run("debug 2; debug 0; cat /myfs/f.txt; ls /myfs; umount /myfs", shares=[share])
    check("debug 0 after debug 2: no trace lines", r.status == 0 and not traces(r), r.summary())


def test_levels_1_3(share):
    r = vstest.run("umount /myfs; mount myfs /myfs -o debug=1; mounts; cat /myfs/f.txt; umount /myfs",
                   shares=[share])
    t = traces(r)
    check("debug=1 mount option: mount (INIT result) and reset events, no request lines",
          r.status == 0 and any(re.match(r"^trace /myfs mounted tag myfs: INIT 7\.\d+ max_write=\d+", l) for l in t)
          and any("device reset" in l for l in t) and not any(REQ.match(l) for l in t)
          and "myfs on /myfs type virtiofs (rw,timeout=30,debug=1, nodes" in r.out.decode(errors="replace"), r.summary())
    r = vstest.run("debug 3; stat /myfs/f.txt; debug 0", shares=[share], cache="none")
    t = traces(r)
    add = [l for l in t if re.match(r"^trace /myfs vq req add head=\d+ out=\d+ in=\d+ unique=\d+$", l)]
    kick = [l for l in t if re.match(r"^trace /myfs vq req kick avail=\d+$", l)]
    used = [l for l in t if re.match(r"^trace /myfs vq req used head=\d+ len=\d+$", l)]
    req = [l for l in t if REQ.match(l)]
    check("debug 3: add, kick and used per request, besides the request lines",
          r.status == 0 and req and len(add) == len(kick) == len(used) == len(req), "\n".join(t))
    r = vstest.run("debug 4", shares=[share])
    check("debug 4 is refused", r.status == 1 and "error: debug: EINVAL" in r.out.decode(errors="replace"),
          r.summary())


def test_stats(share):
    n = 7
    stats_cmds = "; ".join(["stat /myfs/f.txt"] * n)
    r = vstest.run("stats -r; %s; stats /myfs" % stats_cmds, shares=[share], cache="none")
    table, caches = stats_table(r)
    lk = table.get("LOOKUP")
    check("stats under cache=none: N stats of a path give N LOOKUPs, no GETATTR, N name misses",
          r.status == 0 and lk and int(lk["count"]) == n and int(lk["errors"]) == 0 and "GETATTR" not in table
          and caches.get("name") == (0, n), "%s %s %s" % (table, caches, r.summary()))
    if lk:
        mn, med, p99, mx = (int(lk[k]) for k in ("min", "med", "p99", "max"))
        check("stats latencies ordered min <= median <= p99 <= max, max > 0",
              0 < mx and mn <= med <= p99 <= mx, lk)
    r = vstest.run("stat /myfs/f.txt; stats -r; %s; stats" % stats_cmds, shares=[share], cache="always")
    table, caches = stats_table(r)
    check("stats under cache=always: no LOOKUP, N name and attr cache hits",
          r.status == 0 and "LOOKUP" not in table and "GETATTR" not in table
          and caches.get("name") == (n, 0) and caches.get("attr") == (n, 0), "%s %s %s" % (table, caches, r.summary()))
    size = os.path.getsize(os.path.join(share, "data.bin"))
    r = vstest.run("stats -r; sha256 /myfs/data.bin; stats; stats -r /myfs; stats", shares=[share])
    table, _ = stats_table(r, after="%s  /myfs/data.bin" % vstest.sha256_file(os.path.join(share, "data.bin")))
    rd = table.get("READ")
    check("stats: READ bytes are the file's size; OPEN 1; in-flight high-water shown",
          r.status == 0 and rd and int(rd["bytes"]) == size and table.get("OPEN", {}).get("count") == "1"
          and re.search(r"in flight now \d+, max [1-9]\d*", r.out.decode(errors="replace")),
          "%s %s" % (table, r.summary()))
    last, _ = stats_table(r)
    check("stats -r PATH resets: no READ counted afterwards", "READ" not in last, last)
    check("stats prints the guest heap use and high-water",
          re.search(r"^heap: \d+ bytes in use, high-water \d+ bytes$", r.out.decode(errors="replace"), re.M)
          is not None, r.summary())
    # A close sends RELEASE without waiting; after a reset it is still in flight and said why.
    r = vstest.run("cat /myfs/f.txt; stats -r; stats", shares=[share])
    out = r.out.decode(errors="replace")
    m = re.search(r"^/myfs \(tag myfs\): .*, in flight now (\d+), max (\d+),", out, re.M)
    why = re.findall(r"^  (\d+) in flight: sent without waiting \(RELEASE, RELEASEDIR at a close\); "
                     r"replies are taken with the next request$", out, re.M)
    check("stats after a close and stats -r: what is in flight is explained, no request counted",
          r.status == 0 and m and (why == [m.group(1)] if m.group(1) != "0" else not why)
          and stats_table(r)[0] == {}, r.summary())
    r = vstest.run("stats /nothere", shares=[share])
    check("stats of a path on no mount: EINVAL, status 1",
          r.status == 1 and "error: stats: /nothere: EINVAL" in r.out.decode(errors="replace"), r.summary())


def main():
    if not vstest.require_image():
        return vstest.finish()
    share = make_share()
    test_level2(share)
    test_level0(share)
    test_levels_1_3(share)
    test_stats(share)
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
