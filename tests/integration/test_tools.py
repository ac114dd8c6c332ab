#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Host tools: tools/pattern against a Python reference, tools/manifest format and
escaping on a small tree with known lines, tools/mkbenchshare (with W7's tree and
W8's kernel and initrd), tools/bench (its table
against its own raw lines, its RAM share left nowhere), tools/mkdemoshare, tools/deps, a second `make run` that
copies no headers."""

import glob
import hashlib
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note, TOOLS  # noqa: E402

PATTERN = os.path.join(TOOLS, "pattern")
MANIFEST = os.path.join(TOOLS, "manifest")


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def test_pattern():
    cases = [(0, 0), (0, 1), (1, 7), (1, 8), (1, 9), (7, 15), (12345, 4095), (12345, 4097),
             (2**64 - 1, 29), (2**64 - 3, 1000), (42, (1 << 20) + 5), (3, (1 << 21) + 3)]
    for seed, size in cases:
        r = run([PATTERN, str(seed), str(size)])
        want = vstest.pattern_py(seed, size)
        check("pattern %d %d" % (seed, size), r.returncode == 0 and r.stdout == want,
              "status %d, %d bytes, stderr %r" % (r.returncode, len(r.stdout), r.stderr[-200:]))
    # Known first bytes (seed 1), computed by hand from the SPEC's splitmix64.
    r = run([PATTERN, "1", "8"])
    check("pattern 1 8 known value", r.stdout.hex() == "c15c0289ec2d0a91", r.stdout.hex())
    for bad in ([], ["1"], ["-1", "5"], ["x", "5"], ["1", "5k"], ["18446744073709551616", "1"], ["1", "2", "3"]):
        r = run([PATTERN] + bad)
        check("pattern rejects %r" % bad, r.returncode == 2 and b"usage" in r.stderr and not r.stdout,
              "status %d stderr %r" % (r.returncode, r.stderr[-200:]))
    # Speed: well over 200 MB/s normally; a lenient floor here (shared CI machines).
    start = time.monotonic()
    with open(os.devnull, "wb") as null:
        r = subprocess.run([PATTERN, "5", str(512 << 20)], stdout=null)
    secs = time.monotonic() - start
    note("pattern: 512 MiB in %.2f s (%.0f MB/s)" % (secs, (512 << 20) / secs / 1e6))
    check("pattern 512 MiB fast", r.returncode == 0 and secs < 10, "%.1f s" % secs)


def test_manifest():
    d = vstest.tmpdir()
    root = os.path.join(d, "root").encode()
    os.mkdir(root)
    j = lambda *p: os.path.join(root, *[x.encode() if isinstance(x, str) else x for x in p])  # noqa: E731

    os.mkdir(j("a"))
    with open(j("a", "b"), "wb") as f:
        f.write(b"hello\n")
    with open(j("a-c"), "wb") as f:
        f.write(b"")
    os.mkdir(j("d"))
    weird = b"x y\\z\xff\n\x7f~!"
    with open(j("d", weird), "wb") as f:
        f.write(b"abc")
    os.link(j("a", "b"), j("hard"))
    os.symlink(b"t a\\rget\x01", j("ln"))
    os.symlink(b"d", j("dl"))
    os.mkfifo(j("p"))
    os.mkdir(j("sticky"))
    with open(j("suid"), "wb") as f:
        f.write(b"#!/bin/sh\n")

    os.chmod(j("a"), 0o750)
    os.chmod(j("a", "b"), 0o640)
    os.chmod(j("a-c"), 0o600)
    os.chmod(j("d", weird), 0o444)
    os.chmod(j("p"), 0o644)
    os.chmod(j("sticky"), 0o1777)
    os.chmod(j("suid"), 0o4755)
    times = {("a", "b"): 1234567890.75, ("a",): 1000000000, ("a-c",): -1.5, ("d", weird): 2000000000,
             ("d",): 1700000000, ("p",): 5, ("sticky",): 4000000000.999, ("suid",): 0}
    for parts, t in times.items():
        os.utime(j(*parts), ns=(int(t * 1e9), int(t * 1e9)))
    os.utime(j("ln"), ns=(77 * 10**9, 77 * 10**9), follow_symlinks=False)
    os.utime(j("dl"), ns=(78 * 10**9, 78 * 10**9), follow_symlinks=False)

    h_hello = hashlib.sha256(b"hello\n").hexdigest()
    h_empty = hashlib.sha256(b"").hexdigest()
    h_abc = hashlib.sha256(b"abc").hexdigest()
    h_sh = hashlib.sha256(b"#!/bin/sh\n").hexdigest()
    dsz = os.lstat(j("a")).st_size
    expected = [
        "d 0750 2 %d 1000000000 - a" % dsz,
        "f 0600 1 0 -2 %s a-c" % h_empty,        # '-' (0x2d) sorts before '/' (0x2f)
        "f 0640 2 6 1234567890 %s a/b" % h_hello,
        "d 0755 2 %d 1700000000 - d" % os.lstat(j("d")).st_size,
        "f 0444 1 3 2000000000 %s d/x\\x20y\\x5cz\\xff\\x0a\\x7f~!" % h_abc,
        "l 0777 1 1 78 - dl -> d",
        "f 0640 2 6 %d %s hard" % (os.lstat(j("hard")).st_mtime_ns // 10**9, h_hello),
        "l 0777 1 9 77 - ln -> t\\x20a\\x5crget\\x01",
        "o 0644 1 0 5 - p",
        "d 1777 2 %d 4000000000 - sticky" % os.lstat(j("sticky")).st_size,
        "f 4755 1 10 0 %s suid" % h_sh,
    ]
    want = "".join(l + "\n" for l in expected).encode()
    r = run([MANIFEST, root])
    check("manifest known tree", r.returncode == 0 and r.stdout == want,
          "status %d stderr %r; got:\n%s" % (r.returncode, r.stderr, r.stdout.decode(errors="replace")))
    if r.stdout != want:
        note("want:\n" + want.decode(errors="replace") + "got:\n" + r.stdout.decode(errors="replace"))
    want_n = "".join(" ".join(l.split(" ")[:5] + ["-"] + l.split(" ")[6:]) + "\n" for l in expected).encode()
    r = run([MANIFEST, "-n", root])
    check("manifest -n known tree", r.returncode == 0 and r.stdout == want_n, r.stdout[:300])
    r = run([MANIFEST, j("a")])
    check("manifest of a subdirectory", r.stdout == ("f 0640 2 6 1234567890 %s b\n" % h_hello).encode(), r.stdout)
    r = run([MANIFEST, j("sticky")])
    check("manifest of an empty directory", r.returncode == 0 and r.stdout == b"", r.stdout)

    # Sparse files: holes hash as zeros, data extents anywhere.
    sp = os.path.join(d, "sparse")
    os.mkdir(sp)
    f1 = os.path.join(sp, "hole-data-hole")
    with open(f1, "wb") as f:
        f.truncate(5 << 20)
        f.seek((1 << 20) + 123)
        f.write(vstest.pattern_py(9, 70000))
    f2 = os.path.join(sp, "all-hole")
    with open(f2, "wb") as f:
        f.truncate(3 << 20)
    f3 = os.path.join(sp, "data-end")
    with open(f3, "wb") as f:
        f.truncate(2 << 20)
        f.seek((2 << 20) - 5)
        f.write(b"tail!")
    r = run([MANIFEST, sp])
    got = {}
    for line in r.stdout.decode().splitlines():
        parts = line.split(" ")
        got[parts[6]] = parts[5]
    for f in (f1, f2, f3):
        n = os.path.basename(f)
        check("manifest sparse %s" % n, got.get(n) == vstest.sha256_file(f), "%s vs %s" % (got.get(n), vstest.sha256_file(f)))

    r = run([MANIFEST])
    check("manifest without PATH: usage", r.returncode == 2 and b"usage" in r.stderr, r.stderr)
    r = run([MANIFEST, os.path.join(d, "missing")])
    check("manifest of a missing path fails", r.returncode != 0 and b"missing" in r.stderr and not r.stdout, r.stderr)


def test_mkbenchshare():
    d = os.path.join(vstest.tmpdir(), "bench")
    r = run([os.path.join(TOOLS, "mkbenchshare"), d, "1"])
    check("mkbenchshare DIR 1 runs", r.returncode == 0, r.stderr)
    big = os.path.join(d, "big.bin")
    with open(big, "rb") as f:
        data = f.read()
    check("mkbenchshare big.bin is 1 MiB of pattern seed 1", data == vstest.pattern_py(1, 1 << 20), "size %d" % len(data))
    names = sorted(os.listdir(os.path.join(d, "small")))
    check("mkbenchshare small/ has f00000..f00999", names == ["f%05d" % i for i in range(1000)],
          "%d names, first %r last %r" % (len(names), names[:1], names[-1:]))
    ok = True
    for i in (0, 1, 500, 999):
        with open(os.path.join(d, "small", "f%05d" % i), "rb") as f:
            ok = ok and f.read() == vstest.pattern_py(i, 4096)
    sizes = {os.path.getsize(os.path.join(d, "small", n)) for n in names}
    check("mkbenchshare small files are 4096 bytes of pattern seed=index", ok and sizes == {4096}, sizes)
    tree = os.path.join(d, "tree")
    found = {os.path.relpath(os.path.join(top, n), tree): os.path.getsize(os.path.join(top, n))
             for top, dirs, files in os.walk(tree) for n in dirs + files}
    want = {"d%02d" % i: None for i in range(100)}
    want.update({"d%02d/f%02d" % (i, j): j for i in range(100) for j in range(99)})
    check("mkbenchshare tree/ has 10,000 entries: d00..d99, each with f00..f98 of NN bytes",
          len(found) == 10000 and found.keys() == want.keys()
          and all(found[k] == v for k, v in want.items() if v is not None), "%d entries" % len(found))
    kernels = sorted(glob.glob("/boot/vmlinuz-*"))
    same = bool(kernels)
    for ours, theirs in (("vmlinuz", kernels[-1] if kernels else ""),
                         ("initrd.img", kernels[-1].replace("vmlinuz-", "initrd.img-") if kernels else "")):
        with open(os.path.join(d, "boot", ours), "rb") as a, open(theirs, "rb") as b:
            same = same and a.read() == b.read()
    check("mkbenchshare boot/vmlinuz and boot/initrd.img are the host's newest kernel and its initrd", same, kernels)
    check("mkbenchshare makes nothing else", sorted(os.listdir(d)) == ["big.bin", "boot", "small", "tree"],
          os.listdir(d))
    r = run([os.path.join(TOOLS, "mkbenchshare")])
    check("mkbenchshare without DIR: usage", r.returncode == 2 and b"usage" in r.stderr, r.stderr)
    r = run([os.path.join(TOOLS, "mkbenchshare"), d, "lots"])
    check("mkbenchshare rejects a bad size", r.returncode == 2, r.stderr)


def bench_table(out):
    """{(workload, client): value} of the table and {(round, client, workload): rate} of the raw lines."""
    lines = out.splitlines()
    head = next(i for i, l in enumerate(lines) if l.startswith("workload"))
    names = lines[head].split()[2:-1]
    table = {}
    for l in lines[head + 2:]:
        if not l.startswith("W"):
            break
        cols = l.split()
        for n, v in zip(names, cols[3:3 + len(names)]):
            table[(cols[0], n)] = v
        table[(cols[0], "ratio")] = cols[-1]
    raw = {}
    for m in re.finditer(r"^  r(\d+) (\S+) +(W[1-8]) \w+ .*?secs=[0-9.]+ \w+=([0-9.]+)", out, re.M):
        raw[(int(m.group(1)), m.group(2), m.group(3))] = float(m.group(4))
    return names, table, raw


def test_bench():
    bench = os.path.join(TOOLS, "bench")
    d = os.path.join(vstest.tmpdir(), "bench")  # bench makes the share there (big.bin of 1 MiB)
    r = run([bench, "--big", "1", "--rounds", "3", "--only", "vioshare,host", d], timeout=600)
    out = r.stdout.decode(errors="replace")
    names, table, raw = bench_table(out) if "workload" in out else ([], {}, {})
    check("bench vioshare,host: 3 rounds, a column each", r.returncode == 0 and names == ["vioshare", "host"],
          "status %d %r %r" % (r.returncode, out[-600:], r.stderr[-300:]))
    check("bench prints every raw line: 3 rounds x 2 clients x 8 workloads", len(raw) == 48, sorted(raw)[:8])
    ok = True
    for w in ("W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8"):
        for n in names:
            med = sorted(raw.get((k, n, w), -1) for k in (1, 2, 3))[1]
            ok = ok and table.get((w, n)) == "%.1f" % med
        ok = ok and table.get((w, "ratio")) == "-"  # the host is no peer
    check("bench table: each cell the median of its raw lines; no ratio without a peer", ok,
          [l for l in out.splitlines() if l.startswith("W")])
    check("bench keeps a share it was given, adds nothing to it",
          sorted(os.listdir(d)) == ["big.bin", "boot", "small", "tree"], os.listdir(d))

    before = set(glob.glob("/dev/shm/vioshare-bench-*"))
    r = run([bench, "--big", "1", "--rounds", "1", "--only", "host"], timeout=600)
    out = r.stdout.decode(errors="replace")
    m = re.match(r"share: (\S+) \((RAM, removed at the end|kept)\)", out)
    where = m.group(1) if m else ""
    ram = bool(m) and m.group(2).startswith("RAM")
    check("bench without SHARE: a RAM share under /dev/shm, or build/bench-share",
          r.returncode == 0 and m and (where.startswith("/dev/shm/vioshare-bench-") if ram
                                       else where.endswith("build/bench-share")),
          "status %d %r %r" % (r.returncode, out[:300], r.stderr[-300:]))
    check("bench removes its RAM share", not ram or (not os.path.exists(where)
          and set(glob.glob("/dev/shm/vioshare-bench-*")) == before), where)

    for bad in (["--rounds", "0"], ["--rounds", "x"], ["--big", "-1"], ["--bogus"], [d, d]):
        r = run([bench] + bad, timeout=60)
        check("bench rejects %r" % bad, r.returncode != 0 and b"usage" in r.stderr and not r.stdout,
              "status %d %r" % (r.returncode, r.stderr[-200:]))
    r = run([bench, "--only", "nobody", d], timeout=60)
    check("bench --only with no known client fails clearly", r.returncode != 0 and b"no client" in r.stderr,
          r.stderr[-200:])


def test_mkdemoshare():
    d = os.path.join(vstest.tmpdir(), "demo")
    r = run([os.path.join(TOOLS, "mkdemoshare"), d])
    entries = sorted(os.listdir(d)) if os.path.isdir(d) else []
    has_link = any(os.path.islink(os.path.join(d, e)) for e in entries)
    has_dir = any(os.path.isdir(os.path.join(d, e)) and not os.path.islink(os.path.join(d, e)) for e in entries)
    check("mkdemoshare", r.returncode == 0 and "README.txt" in entries and "vioshare.cfg" not in entries
          and has_link and has_dir, "%s %r" % (entries, r.stderr))


def test_deps():
    r = run([os.path.join(TOOLS, "deps")])
    check("deps: nothing missing, quiet", r.returncode == 0 and not r.stdout and not r.stderr,
          "status %d %r %r" % (r.returncode, r.stdout, r.stderr))
    r = run([os.path.join(TOOLS, "deps"), "run"])
    check("deps run (what make run needs): nothing missing, quiet",
          r.returncode == 0 and not r.stdout and not r.stderr, "status %d %r %r" % (r.returncode, r.stdout, r.stderr))
    r = run([os.path.join(TOOLS, "deps"), "--bogus"])
    check("deps rejects arguments", r.returncode == 2 and b"usage" in r.stderr, r.stderr)


def test_make_run_twice():
    # The headers, into a build directory of their own: copied once, then not again.
    b = os.path.join(vstest.tmpdir(), "build")
    make = ["make", "--no-print-directory", "-C", vstest.REPO, "BUILD=" + b]
    first = run(make + ["headers"])
    second = run(make + ["headers"])
    inc = os.path.join(b, "include", "vioshare")
    copied = sorted(f for f in os.listdir(inc) if f.endswith(".h")) if os.path.isdir(inc) else []
    check("make headers: copied once (%d headers)" % len(copied), first.returncode == 0 and len(copied) >= 10
          and first.stdout.count(b"cp ") == len(copied), "%r %r" % (first.stdout[-300:], first.stderr[-300:]))
    check("make headers: nothing copied the second time", second.returncode == 0 and b"cp " not in second.stdout,
          "%r %r" % (second.stdout[-300:], second.stderr[-300:]))
    # And in the real tree, once built (sources edited since may still be recompiled).
    run(["make", "-C", vstest.REPO, "headers"])
    r = run(["make", "--no-print-directory", "-C", vstest.REPO, "-n", "run"])
    cmds = r.stdout.decode(errors="replace").splitlines()
    check("make -n run: copies no headers, remakes no demo share", r.returncode == 0 and cmds
          and cmds[-1].startswith("tools/vioshare-run ")
          and not any("include/vioshare" in c or "mkdemoshare" in c for c in cmds), cmds)
    r = run(["make", "--no-print-directory", "-C", vstest.REPO, "deps"])
    check("make deps: silent when nothing is missing", r.returncode == 0 and not r.stdout and not r.stderr,
          "%r %r" % (r.stdout, r.stderr))


def main():
    vstest.run_cases([test_pattern, test_manifest, test_mkbenchshare, test_bench, test_mkdemoshare, test_deps,
                      test_make_run_twice])
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
