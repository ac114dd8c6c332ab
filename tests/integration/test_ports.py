#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""`make check-ports`: the core library builds warning-free for freestanding
x86-64 without a C library, AArch64 with picolibc, 32-bit Arm with newlib (and
with the EFI application's flags), examples/embed_minimal.c links, and the
report gives each build's text/data/bss and largest stack frame."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

ROW = re.compile(r"^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+) bytes \((\S+)\)$")
LIMIT_STACK = 4096        # no frame of the core may be larger than this
LIMIT_TEXT = 256 * 1024   # nor the library


def main():
    r = subprocess.run(["make", "-s", "check-ports"], cwd=vstest.REPO, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=600)
    out = r.stdout.decode(errors="replace")
    note(out)
    check("make check-ports succeeds", r.returncode == 0, out[-600:])
    check("make check-ports is warning-free", "warning:" not in out,
          [l for l in out.splitlines() if "warning:" in l][:3])
    rows = {}
    for line in out.splitlines():
        m = ROW.match(line.strip())
        if m:
            rows[m.group(1)] = (int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5)), m.group(6))
    for port in ("x86_64-nolibc", "aarch64-picolibc", "arm-newlib"):
        row = rows.get(port)
        check("%s: size and largest stack frame reported" % port, row is not None, "no row in %r" % out[-400:])
        if row:
            text, data, bss, stack, fn = row
            check("%s: text %d bytes (0 < text < %d), no .bss (no global state)" % (port, text, LIMIT_TEXT),
                  0 < text < LIMIT_TEXT and bss == 0, row)
            check("%s: largest stack frame %d bytes (%s) under %d" % (port, stack, fn, LIMIT_STACK),
                  0 < stack < LIMIT_STACK, row)
    check("embed_minimal.c built for aarch64, arm and the host",
          all(os.path.isfile(os.path.join(vstest.REPO, "build", "ports", p)) for p in
              ("aarch64-picolibc/embed_minimal.elf", "arm-newlib/embed_minimal.elf", "host/embed_minimal")))
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
