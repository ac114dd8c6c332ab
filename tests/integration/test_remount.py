#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""100 umount/mount cycles in one guest run, then a listing: every cycle must
succeed (each command is `-`-prefixed so that a failure is counted and printed,
not fatal) and the listing must be the share's.  The remounts use timeout=5, so
that a reply that never comes (e.g. DESTROY's) costs 5 s a cycle, not 30.
Runs on the stack of VIOSHARE_HOST (test_current_remount.py: the current one)."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

CYCLES = 100


def main():
    if not vstest.require_image():
        return vstest.finish()
    share = vstest.tmpdir()
    names = sorted("file-%02d.txt" % i for i in range(5)) + ["subdir"]
    for n in names[:-1]:
        with open(os.path.join(share, n), "w") as f:
            f.write(n + "\n")
    os.mkdir(os.path.join(share, "subdir"))

    cmds = ["echo =cycle%d=; -umount /myfs; -mount myfs /myfs -o timeout=5" % i for i in range(CYCLES)]
    cmds += ["echo =B-ls=", "ls /myfs", "echo =E-ls="]
    r = vstest.run("; ".join(cmds), shares=[share], timeout=900)
    errors = [l for l in r.out.decode("utf-8", "replace").split("\n") if l.startswith("error:")]
    # Which cycle each error belongs to: the last =cycleN= marker before it.
    cycle, where = None, []
    for line in r.out.decode("utf-8", "replace").split("\n"):
        m = re.match(r"^=cycle(\d+)=$", line)
        if m:
            cycle = int(m.group(1))
        elif line.startswith("error:"):
            where.append("cycle %s: %s" % (cycle, line))
    note("%d umount/mount cycles on the %s stack: %d failed, %.1f s"
         % (CYCLES, vstest.HOST, len(errors), r.secs))
    check("%d umount/mount cycles: none failed" % CYCLES, r.status == 0 and not errors,
          "%d failed: %s; %s" % (len(errors), " | ".join(where[:5]), r.summary()))
    listing = r.between("=B-ls=", "=E-ls=")
    check("listing after %d cycles" % CYCLES, listing == "".join(n + "\n" for n in names).encode(),
          "got %r" % listing)
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
