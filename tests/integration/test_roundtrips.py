#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Round trips on the real daemon (issue 28): the requests `stats` counts for
`ls -l` of a 1,000-name directory (every request sent, those not waited for
included: at most 6), for `manifest -n` of a 3,000-entry tree (at most 0.1 a
entry), READDIRPLUS used where the daemon offers it, and both outputs equal
to the host's (ls -l against os.lstat, manifest against tools/manifest); and
for `sha256` of each of those 1,000 files by path, one command a file (the
walk lists the directory after a run of LOOKUPs in it: at most 2 requests
waited for a file, OPEN and READ), every hash the host's."""

import hashlib
import os
import re
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

WIDE = 1000                  # names in wide/
TREE_DIRS, TREE_FILES = 30, 99   # tree/: 30 directories of 99 entries, 3,000 in all
TREE_LINKS = 10              # of those, symlinks (in d00)

ROW = re.compile(r"^  (?P<op>[A-Z_0-9]+)\s+(?P<count>\d+)\s+(?:\d+|-)\s")
SUM = re.compile(r"^[0-9a-f]{64}  /myfs/wide/n\d{4}(?=\r?$)", re.M)
REQUESTS = re.compile(r"^  requests: (\d+) sent, (\d+) waited for, (\d+) not")


def make_tree(top):
    wide = os.path.join(top, "wide")
    os.mkdir(wide)
    for i in range(WIDE):
        with open(os.path.join(wide, "n%04d" % i), "wb") as f:
            f.write(b"x" * (i * 7 % 5000))
    tree = os.path.join(top, "tree")
    os.mkdir(tree)
    for d in range(TREE_DIRS):
        dp = os.path.join(tree, "d%02d" % d)
        os.mkdir(dp)
        for i in range(TREE_FILES):
            p = os.path.join(dp, "f%03d" % i)
            if d == 0 and i < TREE_LINKS:
                os.symlink("../d01/f%03d" % i, p)
            else:
                with open(p, "wb") as f:
                    f.write(b"%d\n" % i if i % 3 == 0 else b"")


def wrap(tag, cmd):
    return "echo =B-%s=; %s; echo =E-%s=" % (tag, cmd, tag)


def counted(block):
    """({OPCODE: count}, the requests line's (sent, waited, not)) of one stats output."""
    rows, total = {}, None
    for line in (block or b"").decode(errors="replace").split("\n"):
        m = ROW.match(line)
        if m and m.group("op") != "OPCODE":
            rows[m.group("op")] = int(m.group("count"))
        m = REQUESTS.match(line)
        if m:
            total = tuple(int(x) for x in m.groups())
    return rows, total


def utc(secs):
    t = time.gmtime(secs)
    return "%04d-%02d-%02d %02d:%02d:%02d" % (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


def host_long(wide):
    """{name: [mode, nlink, uid, gid, size, date, time]} of the host's wide/."""
    want = {}
    for name in os.listdir(wide):
        st = os.lstat(os.path.join(wide, name))
        want[name] = [stat.filemode(st.st_mode), str(st.st_nlink), str(st.st_uid), str(st.st_gid),
                      str(st.st_size)] + utc(st.st_mtime_ns // 10 ** 9).split(" ")
    return want


def guest_long(block):
    """The same from the guest's `ls -l` lines (the name is the last field)."""
    got = {}
    for line in (block or b"").decode(errors="replace").split("\n"):
        f = line.split()
        if len(f) == 8:
            got[f[7]] = f[:7]
    return got


def sha256_script(top):
    """Writes top/w2.vs, `sha256` of every file of wide/ by path between two
    stats, and returns the lines the host expects of it."""
    lines, want = ["stats -r"], []
    for i in range(WIDE):
        name = "n%04d" % i
        lines.append("sha256 /myfs/wide/" + name)
        with open(os.path.join(top, "wide", name), "rb") as f:
            want.append("%s  /myfs/wide/%s" % (hashlib.sha256(f.read()).hexdigest(), name))
    lines += ["echo =B-s3=", "stats /myfs", "echo =E-s3="]
    with open(os.path.join(top, "w2.vs"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return want


def check_requests(what, block, limit, want_plus):
    rows, total = counted(block)
    sent = sum(rows.values())
    note("%s: %s" % (what, ", ".join("%s %d" % kv for kv in sorted(rows.items()))))
    check("%s: the requests line adds up the table (%r, table %d)" % (what, total, sent),
          total is not None and total[0] == sent and total[1] + total[2] == sent)
    check("%s: %d requests, at most %d" % (what, sent, limit), 0 < sent <= limit, rows)
    check("%s: READDIRPLUS used, no LOOKUP per name" % what,
          rows.get("READDIRPLUS", 0) > 0 and "READDIR" not in rows and rows.get("LOOKUP", 0) <= want_plus, rows)


def main():
    if not vstest.require_image():
        return vstest.finish()
    top = vstest.tmpdir()
    make_tree(top)
    want_long = host_long(os.path.join(top, "wide"))
    want_manifest = vstest.host_manifest(os.path.join(top, "tree"), hashes=False)
    entries = want_manifest.count(b"\n")
    note("tree: %d entries" % entries)
    want_sums = sha256_script(top)
    cmds = ["stats -r", wrap("ls", "ls -l /myfs/wide"), wrap("s1", "stats /myfs"), "stats -r",
            wrap("mn", "manifest -n /myfs/tree"), wrap("s2", "stats /myfs"), "run /myfs/w2.vs"]
    r = vstest.run("; ".join(cmds), shares=[top], timeout=300)
    check("the run ends with status 0", r.status == 0, r.summary())

    got_long = guest_long(r.between("=B-ls=", "=E-ls="))
    bad = [n for n in want_long if got_long.get(n) != want_long[n]]
    check("ls -l /myfs/wide: %d names, each line as the host's lstat (%d differ)" % (len(got_long), len(bad)),
          len(got_long) == WIDE and not bad,
          "first: %s guest %r host %r" % (bad[0], got_long.get(bad[0]), want_long[bad[0]]) if bad else "")
    # The directory itself is looked up once.
    check_requests("ls -l of %d names" % WIDE, r.between("=B-s1=", "=E-s1="), 6, 1)

    vstest.compare("manifest -n /myfs/tree equals tools/manifest -n", r.between("=B-mn=", "=E-mn="),
                   want_manifest)
    # The tree's own name and those of its directories may be looked up
    # again when their validity (1 s) runs out during the walk.
    check_requests("manifest -n of %d entries" % entries, r.between("=B-s2=", "=E-s2="), entries // 10,
                   1 + TREE_DIRS)

    sums = [m.group(0) for m in SUM.finditer(r.out.decode(errors="replace"))]
    bad = [i for i, line in enumerate(want_sums) if i >= len(sums) or sums[i] != line]
    check("sha256 of %d files by path: each the host's (%d differ)" % (WIDE, len(bad)),
          len(sums) == WIDE and not bad, "first: %s" % want_sums[bad[0]] if bad else "%d lines" % len(sums))
    rows, total = counted(r.between("=B-s3=", "=E-s3="))
    note("sha256 of %d files: %s" % (WIDE, ", ".join("%s %d" % kv for kv in sorted(rows.items()))))
    # The directory's listing after the first LOOKUPs, and again whenever the
    # names' validity (1 s) runs out: a few requests more in all.
    check("sha256 of %d files by path: %s requests waited for, at most 2 a file and 40 more"
          % (WIDE, total and total[1]), total is not None and WIDE < total[1] <= 2 * WIDE + 40, rows)
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
