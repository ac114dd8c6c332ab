#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""100 umount/mount cycles in one guest run, each reading a file back through
the fresh mount, then a listing.  Every cycle's output must be exactly the
sha256 line of the host's copy of the file it read (the five files take turns,
each a different size and content), so that a cycle that failed (each command
is `-`-prefixed so that a failure is printed, not fatal), read nothing, or
read stale or wrong bytes shows; the listing must be the share's.  The
remounts use timeout=5, so that a reply that never comes (e.g. DESTROY's)
costs 5 s a cycle, not 30.
Runs on the stack of VIOSHARE_HOST (test_current_remount.py: the current one)."""

import hashlib
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

CYCLES = 100
# One byte, a page, a page and a byte, a few READs' worth, one line.
SIZES = (1, 4096, 4097, 200003, 13)


def cycle_outputs(out):
    """{cycle: [its output lines]}: the lines after each =cycleN= marker, up
    to the next marker or =B-ls=."""
    outputs, cycle = {}, None
    for line in out.decode("utf-8", "replace").split("\n"):
        if line.startswith("=cycle") and line.endswith("=") and line[6:-1].isdigit():
            cycle = int(line[6:-1])
            outputs[cycle] = []
        elif line == "=B-ls=":
            cycle = None
        elif cycle is not None:
            outputs[cycle].append(line)
    return outputs


def main():
    if not vstest.require_image():
        return vstest.finish()
    share = vstest.tmpdir()
    rnd = random.Random(31)
    files = ["file-%02d.txt" % i for i in range(len(SIZES))]
    digest = {}
    for name, size in zip(files, SIZES):
        data = rnd.randbytes(size)
        with open(os.path.join(share, name), "wb") as f:
            f.write(data)
        digest[name] = hashlib.sha256(data).hexdigest()
    names = sorted(files) + ["subdir"]
    os.mkdir(os.path.join(share, "subdir"))

    def read_back(i):
        return files[i % len(files)]

    cmds = ["echo =cycle%d=; -umount /myfs; -mount myfs /myfs -o timeout=5; -sha256 /myfs/%s" % (i, read_back(i))
            for i in range(CYCLES)]
    cmds += ["echo =B-ls=", "ls /myfs", "echo =E-ls="]
    r = vstest.run("; ".join(cmds), shares=[share], timeout=900)
    got = cycle_outputs(r.out)
    wrong = []
    for i in range(CYCLES):
        want = ["%s  /myfs/%s" % (digest[read_back(i)], read_back(i))]
        if got.get(i) != want:
            wrong.append("cycle %d: %r, want %r" % (i, got.get(i), want))
    note("%d umount/mount cycles on the %s stack: %d with another output than the host's sha256 line, %.1f s"
         % (CYCLES, vstest.HOST, len(wrong), r.secs))
    check("%d umount/mount cycles: each reads a file back through the new mount, its sha256 the host's" % CYCLES,
          r.status == 0 and not wrong, "%d wrong: %s; %s" % (len(wrong), " | ".join(wrong[:3]), r.summary()))
    listing = r.between("=B-ls=", "=E-ls=")
    check("listing after %d cycles" % CYCLES, listing == "".join(n + "\n" for n in names).encode(),
          "got %r" % listing)
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
