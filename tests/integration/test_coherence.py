#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Coherence: a share that the host and other guests change while vioshare
uses it (issue 30), with cache=auto, always and none (the Rust daemon's
`never`), each in one guest session at the `shell` prompt driven from here:

- the host replaces a 4 MiB file by rename every 100 ms while the guest hashes
  it in a loop (300 times with auto, 100 with always and none): every hash is
  one whole version the host wrote; the versions seen follow the cache mode
  (none: the newest at every open; auto: a new one at most once per 1 s
  validity; always: the first one for the whole run, the name is trusted for
  a day); a 32 MiB file renamed over while the guest reads it keeps its
  version for the open file;
- the host appends to and truncates a file the guest has cached: after the
  validity the guest sees the new size and bytes (with always the cached size
  bounds the read for a day), and after a truncation the next read stops at
  the host's new end of file at once, in every mode;
- names the host creates, removes or renames: new names at once (no negative
  cache), removed ones at once with none and after the validity with auto;
  a stale cached name (a directory renamed away and made anew, a file
  replaced by a directory) costs one retry with fresh LOOKUPs, not an error;
- two vioshare guests, each with its own virtiofsd, on one directory: what
  one writes the other reads after the validity, and 3,000 appends of 100
  bytes from each at the same time all arrive whole (O_APPEND);
- vioshare beside a Linux guest (Debian's kernel, tools/mkinitramfs --run)
  on one directory: writes seen both ways after the validity, and appends
  from both sides to one log with O_APPEND lose no line.
test_current_coherence.py runs the same on the current stack."""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

SESSION_TIMEOUT = 400
SESSION_END = "the guest session ends with exit 0, nothing left behind"
AUTO_VALIDITY = 1.0            # both daemons' entry and attribute timeout with cache=auto
PAST = AUTO_VALIDITY + 0.5     # a wait past it
HASHES = {"auto": 300, "always": 100, "none": 100}
MiB = 1 << 20
RECORD = 100                   # bytes per append
APPENDS = 3000                 # per vioshare guest, two guests
LINUX_APPENDS = 1000           # per side, vioshare beside Linux
MKINITRAMFS = os.path.join(vstest.TOOLS, "mkinitramfs")
LINUX_CMDLINE = "console=ttyS0 panic=-1 no_timer_check"


def sha(data):
    return hashlib.sha256(data).hexdigest()


def put(path, data):
    with open(path, "wb") as f:
        f.write(data)


class Shell:
    """One vioshare guest at its `shell` prompt; cmd() runs a command line and
    returns the lines it printed (None when the guest did not finish it)."""

    def __init__(self, shares, cache):
        self.live = vstest.Live("shell", shares, SESSION_TIMEOUT, cache=cache, stdin=True)
        self.count = 0
        self.cmd("echo up", 120)    # past the banner and the first prompt

    def send(self, line):
        """Types line (with a marker echoed after it); returns (marker, output offset)."""
        self.count += 1
        marker = "=M%d=" % self.count
        pos = self.live.mark()
        line = "%s; echo %s" % (line, marker)
        self.live.send((line + "\r").encode())
        return marker, pos, line

    def wait(self, sent, limit=60):
        marker, pos, line = sent
        m = self.live.wait_re(rb"^%s\r?$" % re.escape(marker.encode()), limit, pos)
        if not m:
            return None
        text = self.live.out[pos:m.start()].decode("utf-8", "replace").replace("\r", "")
        # Not the prompt, nor the shell's echo of the line typed.
        return [l for l in text.split("\n") if l and not l.startswith("vioshare>") and not l.endswith(line)]

    def cmd(self, line, limit=60):
        return self.wait(self.send(line), limit)

    def hashes(self, line, limit=60):
        """The sha256 results the command line printed, in order."""
        out = self.cmd(line, limit) or []
        return [l.split()[0] for l in out if re.match(r"^[0-9a-f]{64}  ", l)]

    def stat(self, path):
        """The Size of path, or the errno name the guest gave."""
        out = self.cmd("-stat " + path) or []
        for l in out:
            m = re.match(r"^\s*Size: (\d+)", l)
            if m:
                return int(m.group(1))
            m = re.match(r"^error: stat: \S+: (E[A-Z]+)", l)
            if m:
                return m.group(1)
        return None

    def end(self, what):
        self.live.send(b"exit 0\r")
        status = self.live.finish(60)
        left = vstest.kill_leftovers(self.live.p.pid)
        check("%s: %s" % (what, SESSION_END),
              status == 0 and left == [], "status %s, left %r" % (status, left))


# ------------------------------------------------------------------ the host changes, one cache mode

def rename_loop(g, share, mode):
    n = HASHES[mode]
    put(os.path.join(share, "hash.run"), b"sha256 /myfs/f\n" * n)
    path, tmp = os.path.join(share, "f"), os.path.join(share, ".f.new")
    versions = {}
    stop = threading.Event()

    def version(i):
        # Sizes differ too, so that a size from one version with bytes of another shows.
        vstest.write_pattern(tmp, 9000 + i, 4 * MiB + (i % 7) * 4096 + i)
        versions[vstest.sha256_file(tmp)] = i
        os.rename(tmp, path)

    def replacer():
        i, due = 1, time.monotonic()
        while not stop.is_set():
            version(i)
            i += 1
            due += 0.1
            stop.wait(max(0.0, due - time.monotonic()))

    version(0)
    t = threading.Thread(target=replacer, daemon=True)
    start = time.monotonic()
    t.start()
    try:
        got = g.hashes("run /myfs/hash.run", limit=300)
    finally:
        secs = time.monotonic() - start
        stop.set()
        t.join(30)
    seen = []
    for h in got:
        if versions.get(h) is not None and (not seen or seen[-1] != versions[h]):
            seen.append(versions[h])
    written = len(versions)
    note("rename loop (%s): %d hashes in %.1f s, %d versions written, %d distinct seen (in order %s)"
         % (mode, len(got), secs, written, len(set(seen)), seen[:40]))
    check("[cache=%s] the host renames a new 4 MiB version over a file every 100 ms while the guest "
          "hashes it %d times: every hash is one whole version the host wrote" % (mode, n),
          len(got) == n and all(h in versions for h in got),
          "%d hashes of %d, %d not a version" % (len(got), n, sum(1 for h in got if h not in versions)))
    distinct = len(set(seen))
    ordered = seen == sorted(seen)
    if mode == "none":
        ok, want = distinct >= min(n, written) // 2 and ordered, "the newest at every open"
    elif mode == "auto":
        ok, want = 2 <= distinct <= secs / AUTO_VALIDITY + 2 and ordered, \
            "a newer one at most once per 1 s validity"
    else:
        ok, want = distinct == 1, "the first one all along (the name is trusted for a day)"
    check("[cache=%s] the versions the guest hashes follow the cache mode: %s" % (mode, want), ok,
          "%d distinct versions of %d written in %.1f s, in order %s" % (distinct, written, secs, seen[:40]))


def open_keeps(g, share, mode):
    path, tmp = os.path.join(share, "big"), os.path.join(share, ".big.new")
    vstest.write_pattern(path, 7001, 32 * MiB)
    vstest.write_pattern(tmp, 7002, 32 * MiB)
    old = vstest.sha256_file(path)
    base = vstest.io_bytes(g.live.pids())
    sent = g.send("sha256 /myfs/big")
    under_way = vstest.wait_io(g.live.pids, 4 * MiB, 60, base=base, alive=g.live.alive)
    os.rename(tmp, path)
    # Still reading: the marker echoed after the command is not out yet.
    mid = under_way and not re.search(rb"^%s\r?$" % re.escape(sent[0].encode()), g.live.out[sent[1]:], re.M)
    out = g.wait(sent) or []
    got = [l.split()[0] for l in out if re.match(r"^[0-9a-f]{64}  /myfs/big$", l)]
    check("[cache=%s] the host renames another file over one the guest is reading (32 MiB): the open "
          "file keeps its version, the hash is the old one's" % mode,
          mid and got == [old], "rename mid-read %s; output %r" % (mid, out))


def size_changes(g, share, mode):
    path = os.path.join(share, "t")
    first, more = vstest.pattern_py(7, 100000), vstest.pattern_py(8, 50000)
    put(path, first)
    before = g.hashes("sha256 /myfs/t")
    with open(path, "ab") as f:
        f.write(more)
    at_once = g.hashes("sha256 /myfs/t")
    time.sleep(PAST)
    after = g.hashes("sha256 /myfs/t")
    size = g.stat("/myfs/t")
    old, new = sha(first), sha(first + more)
    if mode == "none":
        ok = at_once == [new] and after == [new] and size == 150000
        want = "the new size and bytes at once"
    elif mode == "auto":
        ok = at_once in ([old], [new]) and after == [new] and size == 150000
        want = "the old or the new size within the 1 s validity, the new one after it"
    else:
        ok = at_once == [old] and after == [old] and size == 100000
        want = "the cached size bounds the read past auto's validity (always: a day)"
    detail = "before %s, at once %s, after %s, stat size %s (old %s, new %s)" % (
        before, at_once, after, size, old[:12], new[:12])
    check("[cache=%s] the host appends to a file the guest has read: %s" % (mode, want),
          before == [old] and ok, detail)

    os.truncate(path, 30000)
    cut = g.hashes("sha256 /myfs/t")
    check("[cache=%s] the host truncates a file the guest has cached: the next read stops at the host's "
          "new end of file at once, no stale byte past it" % mode,
          cut == [sha(first[:30000])], "%s, want %s" % (cut, sha(first[:30000])[:12]))


def names(g, share, mode):
    d = os.path.join(share, "n")
    os.mkdir(d)
    for name in ("keep", "gone", "old"):
        put(os.path.join(d, name), name.encode())
    cached = [g.stat("/myfs/n/" + name) for name in ("gone", "old", "new")]
    put(os.path.join(d, "new"), b"new!")
    os.unlink(os.path.join(d, "gone"))
    os.rename(os.path.join(d, "old"), os.path.join(d, "renamed"))
    listing = g.cmd("ls /myfs/n")
    new, renamed = g.stat("/myfs/n/new"), g.stat("/myfs/n/renamed")
    gone_now, old_now = g.stat("/myfs/n/gone"), g.stat("/myfs/n/old")
    time.sleep(PAST)
    gone_after, old_after = g.stat("/myfs/n/gone"), g.stat("/myfs/n/old")
    detail = "cached %r; ls %r; new %r renamed %r; gone/old at once %r %r, after %r %r" % (
        cached, listing, new, renamed, gone_now, old_now, gone_after, old_after)
    check("[cache=%s] names the host creates or renames in: seen at once (ls lists the host's names, "
          "stat finds the new ones, no negative cache)" % mode,
          cached == [4, 3, "ENOENT"] and listing == ["keep", "new", "renamed"] and new == 4 and renamed == 3,
          detail)
    if mode == "none":
        ok, want = (gone_now, old_now, gone_after, old_after) == ("ENOENT",) * 4, "gone at once (ENOENT)"
    elif mode == "auto":
        ok = gone_now in (4, "ENOENT") and old_now in (3, "ENOENT") and (gone_after, old_after) == ("ENOENT",) * 2
        want = "gone after the 1 s validity (ENOENT)"
    else:
        # The listing brought the renamed file's node under its new name,
        # which took the old name from the cache.
        ok, want = (gone_now, old_now, gone_after, old_after) == (4, "ENOENT", 4, "ENOENT"), \
            "a removed name is still found from the name cache (always: trusted for a day), a renamed " \
            "one is gone once a listing showed its new name"
    check("[cache=%s] names the host removes or renames away: %s" % (mode, want), ok, detail)


def stale_retry(g, share, mode):
    d, f = os.path.join(share, "d"), os.path.join(share, "gf")
    os.mkdir(d)
    put(os.path.join(d, "y"), b"y\n")
    put(f, b"a file\n")
    cached = (g.stat("/myfs/d/y"), g.stat("/myfs/gf"))
    os.rename(d, d + ".old")
    os.mkdir(d)
    put(os.path.join(d, "x"), b"the new x\n")
    os.unlink(f)
    os.mkdir(f)
    put(os.path.join(f, "z"), b"zed\n")
    x = g.cmd("debug 2; cat /myfs/d/x; debug 0")
    z = g.cmd("cat /myfs/gf/z")
    missing = g.cmd("-cat /myfs/d/nothing")
    lookups = [l for l in x or [] if re.match(r"^trace /myfs LOOKUP ", l)]
    text = [l for l in x or [] if not l.startswith("trace ")]
    check("[cache=%s] a stale cached name costs one retry with fresh LOOKUPs, not an error: a directory "
          "renamed away and made anew, a file replaced by a directory; a name that is nowhere still "
          "ENOENT" % mode,
          cached == (2, 7) and text == ["the new x"] and 2 <= len(lookups) <= 3 and z == ["zed"]
          and any(re.match(r"^error: cat: /myfs/d/nothing: ENOENT", l) for l in missing or []),
          "cached %r; cat d/x %r (%d LOOKUPs); cat gf/z %r; missing %r" % (cached, text, len(lookups), z, missing))


def host_changes(mode):
    share = vstest.tmpdir()
    g = Shell([share], mode)
    vstest.run_cases([(rename_loop, (g, share, mode)), (open_keeps, (g, share, mode)),
                      (size_changes, (g, share, mode)), (names, (g, share, mode)),
                      (stale_retry, (g, share, mode))], timed=True)
    g.end("[cache=%s] host changes" % mode)


# ------------------------------------------------------------------ two guests on one directory

def append_script(path, seeds):
    put(path, "".join("append /myfs/log %d %d\n" % (RECORD, s) for s in seeds).encode())


def records(log, known):
    """The log cut in RECORD-byte records, each named by known (record -> (writer, id)):
    (names in order, the records known does not name, the length of a tail)."""
    got, bad = [], 0
    for i in range(0, len(log) - len(log) % RECORD, RECORD):
        who = known.get(log[i:i + RECORD])
        if who is None:
            bad += 1
        else:
            got.append(who)
    return got, bad, len(log) % RECORD


def judge_log(what, log, known, want):
    got, bad, tail = records(log, known)
    unknown = [(i, log[i:i + RECORD]) for i in range(0, len(log) - tail, RECORD) if log[i:i + RECORD] not in known]
    if unknown:
        note("%s: records no writer wrote, the first ones (offset, bytes): %r" % (what, unknown[:4]))
    switches = sum(1 for a, b in zip(got, got[1:]) if a[0] != b[0])
    dup = len(got) - len(set(got))
    note("%s: %d bytes, %d records, writer switches %d" % (what, len(log), len(got), switches))
    return (len(log) == want * RECORD and bad == 0 and tail == 0 and dup == 0 and set(got) == set(known.values())
            and switches >= 2,
            "%d bytes (want %d), %d records unknown, %d doubled, %d missing, tail %d, writer switches %d" % (
                len(log), want * RECORD, bad, dup, len(set(known.values()) - set(got)), tail, switches))


def two_guests():
    share = vstest.tmpdir()
    put(os.path.join(share, "w"), vstest.pattern_py(10, 3000))
    seeds = {1: range(1, APPENDS + 1), 2: range(100001, 100001 + APPENDS)}
    for k, s in seeds.items():
        append_script(os.path.join(share, "a%d.run" % k), s)
    g1, g2 = Shell([share], "auto"), Shell([share], "auto")
    try:
        first = (g1.hashes("sha256 /myfs/w", 120), g2.hashes("sha256 /myfs/w", 120))
        g1.cmd("write /myfs/w 5000 11")
        time.sleep(PAST)
        seen2 = g2.hashes("sha256 /myfs/w")
        g2.cmd("write /myfs/w 7000 12")
        time.sleep(PAST)
        seen1 = g1.hashes("sha256 /myfs/w")
        w0, w1, w2 = (sha(vstest.pattern_py(*a)) for a in ((10, 3000), (11, 5000), (12, 7000)))
        check("[cache=auto] two vioshare guests, each with its own virtiofsd, on one directory: what one "
              "writes the other reads after the validity, both ways",
              first == ([w0], [w0]) and seen2 == [w1] and seen1 == [w2],
              "first %r, guest 2 after guest 1's write %r, guest 1 after guest 2's %r" % (first, seen2, seen1))

        start = time.monotonic()
        sent = [g.send("run /myfs/a%d.run" % k) for k, g in ((1, g1), (2, g2))]
        done = [g.wait(s, 300) for g, s in zip((g1, g2), sent)]
        note("two guests appended %d records each in %.1f s" % (APPENDS, time.monotonic() - start))
        known = {vstest.pattern_py(s, RECORD): (k, s) for k, ss in seeds.items() for s in ss}
        with open(os.path.join(share, "log"), "rb") as f:
            log = f.read()
        ok, detail = judge_log("two guests", log, known, 2 * APPENDS)
        check("[cache=auto] two vioshare guests append %d x %d bytes each to one file at the same time "
              "(O_APPEND): every byte arrives, every record whole, none lost or doubled" % (APPENDS, RECORD),
              ok and done[0] == [] and done[1] == [], "%s; guest output %r" % (detail, [d and d[:3] for d in done]))
    finally:
        g1.end("[cache=auto] two vioshare guests: guest 1")
        g2.end("[cache=auto] two vioshare guests: guest 2")


LINUX_SCRIPT = r"""#!/bin/sh
# vioshare beside Linux (test_coherence.py): $1 is the share.
M=$1
cat "$M/from-vs" > /dev/null
echo "LINUX-READY"
i=0
while [ ! -e "$M/go" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
# busybox's echo writes a line with one write(); its printf may cut one
# where its stdio buffer fills.  Every line is 100 bytes with the newline.
PAD="@PAD@"
i=10000
while [ $i -lt $((10000 + @N@)) ]; do
    echo "linux $i$PAD" >> "$M/log" || exit 1
    i=$((i + 1))
done
echo "LINUX-APPENDED"
echo "LINUX-SAW $(sha256sum "$M/from-vs")"
printf 'written by Linux, read by vioshare\n' > "$M/from-linux"
echo "LINUX-WROTE"
"""

def linux_line(i):
    return ("linux %d%s\n" % (i, " " * 88)).encode()


LINUX_NAMES = ("vioshare beside a Linux guest (each its own virtiofsd, Linux's with cache=none): Linux boots, "
               "mounts the share and exits 0",
               "vioshare beside a Linux guest: what vioshare writes Linux reads",
               "vioshare beside a Linux guest: what Linux writes vioshare reads after its 1 s validity",
               "vioshare beside a Linux guest: appends from both sides to one log file with O_APPEND lose no line")


def beside_linux():
    kernels = sorted(p for p in os.listdir("/boot") if p.startswith("vmlinuz-"))
    why = None if kernels else "no Debian kernel in /boot (linux-image-amd64)"
    share = vstest.tmpdir()
    if not why:
        shutil.copy(os.path.join("/boot", kernels[-1]), os.path.join(share, "vmlinuz"))
        script = os.path.join(vstest.tmpdir(), "coherence.sh")
        put(script, LINUX_SCRIPT.replace("@N@", str(LINUX_APPENDS)).replace("@PAD@", " " * 88).encode())
        os.chmod(script, 0o755)
        r = subprocess.run([MKINITRAMFS, "--run", script, os.path.join(share, "initrd.img")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            why = "tools/mkinitramfs failed: %s" % r.stdout.decode(errors="replace")[-200:]
    if why:
        for name in LINUX_NAMES:
            vstest.skip("[cache=auto] " + name, why)
        vstest.skip("[cache=auto] vioshare beside Linux: " + SESSION_END, why)
        return
    put(os.path.join(share, "from-vs"), b"old\n")
    put(os.path.join(share, "from-linux"), b"old\n")
    put(os.path.join(share, "a.run"), "".join("append /myfs/log %d %d\n" % (RECORD, s)
                                               for s in range(1, LINUX_APPENDS + 1)).encode())
    g = Shell([share], "auto")
    # Linux's own daemon runs with cache=none: its FUSE client opens the
    # files for direct I/O then, and sends each write() as one WRITE.  With a
    # page cache it cuts an append that crosses a page boundary of a page it
    # does not hold into two WRITEs, and another writer's append can land
    # between them (measured: about 1 line in 100): Linux's limit, not the
    # share's.
    linux = vstest.Live("boot /myfs/vmlinuz initrd=/myfs/initrd.img " + LINUX_CMDLINE, [share], SESSION_TIMEOUT,
                        cache="none", extra=("--mem", "1024"))
    try:
        cached = g.cmd("cat /myfs/from-linux", 120)
        ready = linux.wait_for_line(b"LINUX-READY", 300)
        g.cmd("write /myfs/from-vs 5000 21")
        time.sleep(PAST)
        start = time.monotonic()
        put(os.path.join(share, "go"), b"")
        # vioshare's appends (well under a second) start once Linux's are under way.
        log_path, end = os.path.join(share, "log"), time.monotonic() + 120
        while time.monotonic() < end and linux.alive() and (
                not os.path.exists(log_path) or os.path.getsize(log_path) < 20 * RECORD):
            time.sleep(0.02)
        sent = g.send("run /myfs/a.run")
        appended = g.wait(sent, 300)
        wrote = linux.wait_for_line(b"LINUX-WROTE", 300)
        note("vioshare and Linux appended %d records each in %.1f s" % (LINUX_APPENDS, time.monotonic() - start))
        time.sleep(PAST)
        from_linux = g.cmd("cat /myfs/from-linux")
        status = linux.finish(120)
        text = linux.out.decode("utf-8", "replace").replace("\r", "")
        check("[cache=auto] " + LINUX_NAMES[0], ready and status == 0 and "VIOSHARE-INITRAMFS-EXIT 0" in text,
              "status %s; output tail %r" % (status, text[-600:]))
        saw = re.findall(r"^LINUX-SAW ([0-9a-f]{64}) ", text, re.M)
        check("[cache=auto] " + LINUX_NAMES[1], saw == [sha(vstest.pattern_py(21, 5000))], "Linux saw %r" % saw)
        check("[cache=auto] " + LINUX_NAMES[2], cached == ["old"] and wrote
              and from_linux == ["written by Linux, read by vioshare"],
              "before %r, after %r" % (cached, from_linux))
        known = {vstest.pattern_py(s, RECORD): ("vioshare", s) for s in range(1, LINUX_APPENDS + 1)}
        known.update({linux_line(i): ("linux", i) for i in range(10000, 10000 + LINUX_APPENDS)})
        with open(os.path.join(share, "log"), "rb") as f:
            log = f.read()
        ok, detail = judge_log("vioshare beside Linux", log, known, 2 * LINUX_APPENDS)
        check("[cache=auto] " + LINUX_NAMES[3], ok and appended == [], detail)
    finally:
        if linux.alive():
            linux.finish(5)
        vstest.kill_leftovers(linux.p.pid)
        g.end("[cache=auto] vioshare beside Linux")


def main():
    if not vstest.require_image():
        return vstest.finish()
    cases = [(host_changes, (mode,)) for mode in ("auto", "always", "none")] + [two_guests, beside_linux]
    vstest.run_cases(cases, timed=True)
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
