#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Bad input from the user, end to end (one boot per input): unknown
commands, missing and extra arguments for every command, bad numbers,
unterminated quotes and bad escapes, paths that try to climb out of the
share (.., symlinks to /, to ../../.., to an absolute host path), components
over 255 bytes, paths over 4096 bytes, symlink loops.

Each input must give exactly one clear line `error: ...: ENAME (message)`
(ENAME a POSIX errno name, the expected one where SPEC fixes it) and status 1,
never a crash or a hang.  A marker file and directory planted next to the
share (outside it) must never appear in any output, and the tree outside the
share must be unchanged at the end.  The number of inputs tried is printed.
On the current stack (VIOSHARE_HOST=current) only the inputs that reach the
daemon run: climbing, long names and paths, symlink loops."""

import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

MARK_CONTENT = "OUTSIDE-MARKER-5b1e9c"
MARK_DIR = "zz-outside-dir-71af"
ERROR = re.compile(r"^error: (.*): (E[A-Z0-9]+) \((.+)\)$")


def write(path, data):
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def snapshot(top, skip):
    """Everything below top except the share: (relpath, type, content)."""
    found = []
    for root, dirs, files in os.walk(top):
        if os.path.abspath(root) == os.path.abspath(skip):
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if os.path.join(root, d) != skip]
        for n in sorted(dirs + files):
            p = os.path.join(root, n)
            if p == skip:
                continue
            if os.path.islink(p):
                found.append((os.path.relpath(p, top), "l", os.readlink(p)))
            elif os.path.isfile(p):
                with open(p, "rb") as f:
                    found.append((os.path.relpath(p, top), "f", f.read()))
            else:
                found.append((os.path.relpath(p, top), "d", None))
    return sorted(found)


def make_tree():
    top = vstest.tmpdir()
    write(os.path.join(top, "secret.txt"), MARK_CONTENT + "\n")
    write(os.path.join(top, "trunc-target.txt"), MARK_CONTENT + "\n")
    os.mkdir(os.path.join(top, MARK_DIR))
    write(os.path.join(top, MARK_DIR, "inner.txt"), MARK_CONTENT + "\n")
    share = os.path.join(top, "share")
    os.mkdir(share)
    write(os.path.join(share, "f"), "inside\n")
    write(os.path.join(share, "mvme"), "move me\n")
    os.mkdir(os.path.join(share, "d"))
    write(os.path.join(share, "d", "g"), "inner\n")
    os.symlink("..", os.path.join(share, "up"))
    os.symlink("/", os.path.join(share, "root"))
    os.symlink("../../..", os.path.join(share, "deep"))
    os.symlink("../secret.txt", os.path.join(share, "esc"))
    # Its own name: truncate through a dangling link creates the target (inside,
    # as .. stops at the share root), which the other climbs must not see.
    os.symlink("../trunc-target.txt", os.path.join(share, "esctrunc"))
    os.symlink("../" + MARK_DIR, os.path.join(share, "escdir"))
    os.symlink(os.path.join(top, "secret.txt"), os.path.join(share, "abshost"))
    os.symlink(top, os.path.join(share, "abstop"))
    os.symlink("/secret.txt", os.path.join(share, "absroot"))
    os.symlink("loop2", os.path.join(share, "loop1"))
    os.symlink("loop1", os.path.join(share, "loop2"))
    os.symlink("self", os.path.join(share, "self"))
    os.symlink("d/../loopdir/x", os.path.join(share, "loopdir"))
    # A chain of 45 links: more than the 40 a walk may follow.
    for i in range(45):
        os.symlink("chain%d" % (i + 1), os.path.join(share, "chain%d" % i))
    write(os.path.join(share, "chain45"), "end of chain\n")
    long_path = "/myfs/" + "d/" * 2100 + "g"
    write(os.path.join(share, "longpath.cfg"), "cat %s\n" % long_path)
    return top, share


CLIMB = "climb"  # an error, or success that stays inside the share
# Where the climbing changes must land when they succeed (.. stops at the share root).
LANDS_INSIDE = {"write /myfs/../escape.txt 10 1": "escape.txt", "write /myfs/up/escape2.txt 10 1": "escape2.txt",
                "mkdir /myfs/up/" + MARK_DIR + "2": MARK_DIR + "2", "mv /myfs/mvme /myfs/../moved": "moved",
                "cp /myfs/f /myfs/up/copied": "copied", "ln -s /x /myfs/up/newlink": "newlink",
                "ln /myfs/f /myfs/up/hard": "hard", "truncate /myfs/esctrunc 0": "trunc-target.txt"}


def inputs():
    """(guest command line, expected ENAMEs or None for any)."""
    EINVAL = {"EINVAL"}
    usage = EINVAL | {"E2BIG"}
    cases = []
    # Unknown commands.
    for c in ("frobnicate", "LS /myfs", "cat2 /myfs/f", "\\x01", '""', "ls/ /myfs", "- x"):
        cases.append((c, {"ENOSYS"}))
    # Missing arguments, for every command that needs one.
    for c in ("ls", "stat", "cat", "sha256", "manifest", "df", "run", "mount", "mount myfs", "umount",
              "mkdir", "rmdir", "rm", "mv", "mv /myfs/f", "ln", "ln -s", "ln -s /myfs/f", "ln /myfs/f",
              "truncate", "truncate /myfs/f", "write", "write /myfs/w", "write /myfs/w 10", "append",
              "append /myfs/f 10", "cp", "cp /myfs/f", "bench", "boot", "ls -l", "manifest -n",
              "mount myfs /m2 -o"):
        cases.append((c, usage))
    # Extra arguments.
    for c in ("ls -l /myfs /myfs", "stat /myfs/f /myfs/f", "cat /myfs/f /myfs/f", "sha256 /myfs/f 0 1 2",
              "manifest -n /myfs x", "df /myfs x", "run /myfs/f x", "mounts x", "umount /myfs x",
              "mkdir /myfs/n1 /myfs/n2", "rmdir /myfs/d x", "rm /myfs/f x", "mv /myfs/f /myfs/f2 x",
              "ln -s a /myfs/l x", "truncate /myfs/f 1 2", "write /myfs/w 10 1 x", "append /myfs/f 1 1 x",
              "cp /myfs/f /myfs/f3 x", "exit 1 2", "mount myfs /m2 -o ro x", "ls -x /myfs",
              "manifest -x /myfs", "ln -x a b"):
        cases.append((c, usage))
    # Bad numbers.
    for c in ("sha256 /myfs/f x", "sha256 /myfs/f -1", "sha256 /myfs/f 18446744073709551616",
              "sha256 /myfs/f 0 x", "sha256 /myfs/f 0x", "sha256 /myfs/f 1e3", 'sha256 /myfs/f " 1"',
              "sha256 /myfs/f 0 99999999999999999999999", "sha256 /myfs/f +1", "sha256 /myfs/f 0xg",
              "write /myfs/w x 1", "write /myfs/w 10 -1", "write /myfs/w 99999999999999999999 1",
              "write /myfs/w 10 0x", "append /myfs/f -1 1", "truncate /myfs/f -5", "truncate /myfs/f 0x1g",
              "truncate /myfs/f 18446744073709551616", "exit 128", "exit -1", "exit 99999999999999999999",
              "exit x", "mount myfs /m2 -o timeout=0", "mount myfs /m2 -o timeout=x",
              "mount myfs /m2 -o timeout=-3", "mount myfs /m2 -o timeout=99999999999999999999",
              "mount myfs /m2 -o bogus", "mount myfs /m2 -o owner=x:y", "mount myfs /m2 -o irq=bogus"):
        cases.append((c, EINVAL | {"ERANGE"}))
    # Values a parser accepts but the operation must refuse.
    for c in ("truncate /myfs/f 9223372036854775808", "truncate /myfs/f 18446744073709551615"):
        cases.append((c, {"EINVAL", "EFBIG", "ERANGE"}))
    # Syntax: quotes and escapes.
    for c in ('echo "abc', 'cat "/myfs/f', 'echo a"b', "echo \\q", "echo \\x4", "echo \\xZZ", "echo \\x00",
              "cat /myfs/f\\", "echo \\", 'echo "\\x0"', "echo ok; echo \\n", "\\"):
        cases.append((c, usage))
    # The cases above test the guest's parser alone; those below reach virtiofsd.
    # On another stack than classic only those run (their daemon is what differs).
    if vstest.HOST != "classic":
        cases = []
    # Climbing out of the share.
    for c in ("cat /myfs/../secret.txt", "cat /myfs/../../secret.txt", "cat /myfs/d/../../secret.txt",
              "cat /myfs/up/secret.txt", "cat /myfs/deep/secret.txt", "cat /myfs/esc",
              "cat /myfs/escdir/inner.txt", "cat /myfs/abshost", "cat /myfs/abstop/secret.txt",
              "cat /myfs/absroot", "cat /myfs/root/secret.txt", "cat /myfs/up/up/up/secret.txt",
              "stat /myfs/../" + MARK_DIR, "ls /myfs/up/" + MARK_DIR, "ls /myfs/deep/" + MARK_DIR,
              "cat /myfs/d/../../../../../secret.txt", "sha256 /myfs/esc", "manifest /myfs/escdir",
              "write /myfs/../escape.txt 10 1", "mkdir /myfs/up/" + MARK_DIR + "2",
              "write /myfs/up/escape2.txt 10 1", "write /myfs/escdir/new.txt 10 1",
              "mv /myfs/mvme /myfs/../moved", "cp /myfs/f /myfs/up/copied", "rm /myfs/esc/x",
              "truncate /myfs/esctrunc 0", "append /myfs/abshost 4 1", "rm /myfs/up/secret.txt",
              "rmdir /myfs/escdir/x", "ln -s /x /myfs/up/newlink", "ln /myfs/f /myfs/up/hard"):
        cases.append((c, CLIMB))
    # Long names and paths.
    cases.append(("cat /myfs/" + "a" * 256, {"ENAMETOOLONG"}))
    cases.append(("stat /myfs/" + "b" * 1000, {"ENAMETOOLONG"}))
    cases.append(("write /myfs/" + "c" * 256 + " 10 1", {"ENAMETOOLONG"}))
    cases.append(("mkdir /myfs/" + "e" * 300, {"ENAMETOOLONG"}))
    cases.append(("cat /myfs/" + "a" * 255, {"ENOENT"}))
    cases.append(("cat /myfs/" + "d/" * 2100 + "g", {"ENAMETOOLONG"}))
    cases.append(("run /myfs/longpath.cfg", {"ENAMETOOLONG"}))
    cases.append(("ls /myfs/" + "x/" * 3000, {"ENAMETOOLONG"}))
    # Symlink loops.
    for c in ("cat /myfs/loop1", "cat /myfs/self", "ls /myfs/loop2", "stat /myfs/loop1/x", "cat /myfs/loopdir",
              "cat /myfs/chain0", "write /myfs/self 10 1", "mkdir /myfs/loop1/x"):
        cases.append((c, {"ELOOP"}))
    return cases


def one(share, cmd):
    r = vstest.run(cmd, shares=[share], timeout=60)
    return cmd, r


def main():
    if not vstest.require_image():
        return vstest.finish()
    top, share = make_tree()
    before = snapshot(top, share)
    cases = inputs()
    note("%d bad inputs" % len(cases))
    # Two boots at a time; the inputs that change the share are independent of
    # each other (each is expected to fail before changing anything).
    with ThreadPoolExecutor(max_workers=2) as ex:
        results = list(ex.map(lambda c: one(share, c[0]), cases))
    leaked = []
    for (cmd, want), (_, r) in zip(cases, results):
        text = r.out.decode("utf-8", "replace")
        errs = [m for m in (ERROR.match(l) for l in text.split("\n")) if m]
        shown = cmd if len(cmd) < 80 else cmd[:60] + "...(%d bytes)" % len(cmd)
        if MARK_CONTENT in text or MARK_DIR + "\n" in text or MARK_DIR + " " in text:
            leaked.append(shown)
        if want == CLIMB:
            ok = (r.status == 1 and len(errs) == 1) or (r.status == 0 and not errs and cmd in LANDS_INSIDE)
            if r.status == 0 and cmd in LANDS_INSIDE:
                name = LANDS_INSIDE[cmd]
                ok = ok and os.path.lexists(os.path.join(share, name))
                note("  %r succeeded inside the share (%s)" % (cmd, name))
            check("climbing input %r: an error line and status 1, or done inside the share" % shown, ok,
                  "status %s, error lines %s; %s" % (r.status, [e.group(0)[:120] for e in errs], r.summary()))
            continue
        ok = r.status == 1 and len(errs) == 1 and (want is None or errs[0].group(2) in want)
        check("bad input %r: one error line%s, status 1" % (shown, " (%s)" % "/".join(sorted(want)) if want else ""),
              ok, "status %s, error lines %s; %s" % (r.status, [e.group(0)[:120] for e in errs], r.summary()))
    check("nothing outside the share was ever shown (%d inputs)" % len(cases), not leaked,
          "marker shown for: %s" % leaked)
    after = snapshot(top, share)
    check("nothing outside the share changed", before == after,
          "added/changed: %s" % sorted(set(a[0] for a in after) ^ set(b[0] for b in before)))
    note("bad inputs tried: %d" % len(cases))
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
