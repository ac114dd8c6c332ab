#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The guest's outputs checked against the host, field by field, on both host
stacks ([classic] and [current] parts of this one program):

- `ls -l` and `stat` of regular files, directories, symlinks (relative,
  absolute, dangling, names and targets with bytes that are escaped), a file
  with three hard links, files with set-user-ID, set-group-ID and sticky bits
  (with and without execute permission), a FIFO, a sparse file past 4 GiB,
  times before 1970 and after 2106, uids and gids past 2^31: every field
  against os.lstat of the same host file (mode string as POSIX ls -l writes it,
  type, links, uid, gid, size, blocks, I/O block, inode, the three times in
  seconds, nanoseconds and as UTC `YYYY-MM-DD HH:MM:SS`);
- `df` against os.statvfs of each share: block sizes, totals and name length
  exact, the free counts within what the host saw while the guest ran
  (sampled every few milliseconds), the Size/Used/Avail/Use% columns from them;
- `bench` (SPEC section 6) over a benchmark share whose big.bin is not a whole
  number of MiB, one small file shorter than the others and one extra file in
  small/: W1's bytes, W2's files, bytes and FNV-1a hash, W4's entries, W7's
  entries (tree/ with one more file) and W8's bytes (boot/ with a shorter
  initrd) against the share as the host reads it, and the share unchanged
  afterwards;
- climbing paths (.. past a share's root, symlinks to .., to ../.., to absolute
  host paths, to /, through a file): each gives exactly the errno name, or the
  very bytes of the file inside the share, that the walk README documents gives
  when carried out over the host's tree ('..' stops at the share's root, an
  absolute target starts from the guest's root, a name after a file fails with
  ENOTDIR);
- the launcher's options as the real QEMU and virtiofsd processes got them
  (their /proc/PID/cmdline, read while the guest waits in `shell`): --machine,
  --mem, --share DIR:TAG (tag, chardev, socket, source directory), --cache,
  --thread-pool-size, --virtiofsd-arg (in order, last), --readonly (current
  stack: the daemon's option and EROFS in the guest; classic: refused);
- the build: the core's objects in the boot image and build/libvioshare.a have
  empty .data and .bss (README: no global or static mutable state), and the
  core compiled with the boot image's flags has no stack frame of 1 KiB or more
  and none of dynamic size (README: largest frame under 1 KiB)."""

import os
import re
import shlex
import stat
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

STACKS = ("classic", "current")
NAME_MAX = 255
SYMLOOP_MAX = 40
MARKER = "@@case"
FRAME_BOUND = 1024        # README: "largest frame under 1 KiB"
SLACK_BYTES = 1 << 20     # df: free space that may change between two host samples
SLACK_INODES = 64


def set_stack(host):
    """The checks that follow are named [host] and runs use that stack."""
    vstest.HOST = host


def escape(name):
    """SPEC section 5's escaping: every byte outside 0x21..0x7E and '\\' as \\xHH."""
    if isinstance(name, str):
        name = os.fsencode(name)
    return "".join(chr(b) if 0x21 <= b <= 0x7E and b != 0x5C else "\\x%02x" % b for b in name)


def utc(secs):
    """Seconds since 1970 as YYYY-MM-DD HH:MM:SS (UTC), from the host's calendar."""
    t = time.gmtime(secs)
    return "%04d-%02d-%02d %02d:%02d:%02d" % (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


def split_cases(out):
    """{case number: output bytes} of a run whose commands are separated by
    `echo @@caseN` lines."""
    parts, cur, buf = {}, None, []
    for line in out.split(b"\n"):
        m = re.match(rb"^@@case(\d+)$", line)
        if m:
            if cur is not None:
                parts[cur] = b"\n".join(buf)
            cur, buf = int(m.group(1)), []
        elif cur is not None:
            buf.append(line)
    if cur is not None:
        parts[cur] = b"\n".join(buf)
    return parts


class Script:
    """A guest command line of numbered cases, each a list of commands."""

    def __init__(self):
        self.cmds = []
        self.n = 0

    def case(self, *cmds):
        self.n += 1
        self.cmds.append("echo %s%d" % (MARKER, self.n))
        self.cmds += list(cmds)
        return self.n

    def line(self):
        return "; ".join(self.cmds + ["echo %s%d" % (MARKER, self.n + 1)])


# ------------------------------------------------------------------ the tree

# name -> what it is; built by make_tree in this order.
TREE_ENTRIES = ["plain.txt", "sp ace caf\u00e9", "back\\slash", "dir", "sticky", "sticky-nox", "link-rel",
                "link-abs", "link-dangling", "link-odd", "hard1", "suid", "sgid-nox", "suid-nox", "all-bits",
                "no-bits", "fifo", "sparse", "old", "future"]


def make_tree(root):
    """The tree the ls -l and stat checks read, in root/tree."""
    t = os.path.join(root, "tree")
    os.mkdir(t)

    def put(name, data, mode=0o644, owner=None):
        p = os.path.join(t, name)
        with open(p, "wb") as f:
            f.write(data)
        if owner:
            os.chown(p, *owner)
        os.chmod(p, mode)   # after chown, which clears set-ID bits
        return p

    put("plain.txt", b"plain text\n", 0o640, (1234, 5678))
    put("sp ace caf\u00e9", b"x" * 1000, 0o600, (4000000000, 3000000001))
    put("back\\slash", b"", 0o444, (65534, 65534))
    os.mkdir(os.path.join(t, "dir"))
    os.mkdir(os.path.join(t, "dir", "sub"))
    os.mkdir(os.path.join(t, "dir", "sub2"))
    os.mkdir(os.path.join(t, "sticky"))
    os.chmod(os.path.join(t, "sticky"), 0o1777)
    os.mkdir(os.path.join(t, "sticky-nox"))
    os.chmod(os.path.join(t, "sticky-nox"), 0o1776)
    os.symlink("plain.txt", os.path.join(t, "link-rel"))
    os.symlink("/myfs/tree/dir", os.path.join(t, "link-abs"))
    os.symlink("no/such/file", os.path.join(t, "link-dangling"))
    os.symlink("odd target \u00e9\\x\t", os.path.join(t, "link-odd"))
    put("hard1", b"three links\n", 0o664, (42, 43))
    os.link(os.path.join(t, "hard1"), os.path.join(t, "dir", "hard2"))
    os.link(os.path.join(t, "hard1"), os.path.join(t, "dir", "sub", "hard3"))
    put("suid", b"#!/bin/sh\n", 0o4755, (7, 8))
    put("sgid-nox", b"g", 0o2644, (7, 8))
    put("suid-nox", b"u", 0o4644)
    put("all-bits", b"a", 0o7777)
    put("no-bits", b"n", 0o000)
    os.mkfifo(os.path.join(t, "fifo"), 0o620)
    # Sparse, past 4 GiB, with one data block at its end.
    big = os.path.join(t, "sparse")
    with open(big, "wb") as f:
        f.truncate((5 << 30) + 12345)
        f.seek((4 << 30) + 100)
        f.write(b"data past 4 GiB")
    put("old", b"1960\n")
    put("future", b"future\n")
    # Times: each entry its own mtime with nanoseconds, atimes in the future
    # (so that no read in the guest moves them: relatime), one before 1970,
    # one past 2^32 seconds.
    now = int(time.time())
    for i, name in enumerate(TREE_ENTRIES + ["dir/sub", "dir/sub2", ""]):
        p = os.path.join(t, name) if name else t
        mtime = now - 86400 * (i + 3) - 7777 * i
        if name == "old":
            mtime = -315619199      # 1960-01-01 00:00:01
        elif name == "future":
            mtime = (1 << 33) + 12345   # year 2242
        os.utime(p, ns=((now + 7200 + i) * 10 ** 9 + 111 * i, mtime * 10 ** 9 + 123456789 - i),
                 follow_symlinks=False)
    return t


def mode_string(m):
    """POSIX ls -l's mode string from the host (stat.filemode)."""
    return stat.filemode(m)


TYPE_NAMES = {stat.S_IFREG: "regular file", stat.S_IFDIR: "directory", stat.S_IFLNK: "symbolic link",
              stat.S_IFIFO: "fifo", stat.S_IFSOCK: "socket", stat.S_IFCHR: "character device",
              stat.S_IFBLK: "block device"}


def expect_long(st, name, target):
    """ls -l's fields for a host lstat: [mode, nlink, uid, gid, size, date, time, name(, ->, target)]."""
    f = [mode_string(st.st_mode), str(st.st_nlink), str(st.st_uid), str(st.st_gid), str(st.st_size)]
    f += utc(st.st_mtime_ns // 10 ** 9).split(" ") + [name]
    if target is not None:
        f += ["->", escape(target)]
    return f


def diff_fields(labels, got, want):
    return "; ".join("%s %r != %r" % (labels[i] if i < len(labels) else "#%d" % i, g, w)
                     for i, (g, w) in enumerate(zip(got, want)) if g != w) or \
        "%d fields, want %d: %r" % (len(got), len(want), got)


LONG_LABELS = ["mode", "nlink", "uid", "gid", "size", "date", "time", "name", "arrow", "target"]


def parse_stat(text):
    """The fields of one `stat` output, as strings."""
    f = {}
    pats = [("file", r"^  File: (\S+)$"), ("type", r"^  Type: (.+)$"),
            ("size", r"^  Size: (\d+)  Blocks: (\d+)  IO Block: (\d+)$"),
            ("ino", r"^ Inode: (\d+)  Links: (\d+)  Mode: ([0-7]{4})  Uid: (\d+)  Gid: (\d+)$"),
            ("atime", r"^Access: (\S+ \S+)\.(\d{9}) \((-?\d+)\)$"),
            ("mtime", r"^Modify: (\S+ \S+)\.(\d{9}) \((-?\d+)\)$"),
            ("ctime", r"^Change: (\S+ \S+)\.(\d{9}) \((-?\d+)\)$")]
    lines = text.split("\n")
    for (key, pat), line in zip(pats, lines):
        m = re.match(pat, line)
        if m:
            f[key] = m.groups()
    f["lines"] = len([l for l in lines if l])
    return f


def expect_stat(st, path):
    def t(sec, ns):
        return (utc(sec), "%09d" % ns, str(sec))
    return {"file": (escape(path),), "type": (TYPE_NAMES.get(stat.S_IFMT(st.st_mode), "unknown"),),
            "size": (str(st.st_size), str(st.st_blocks), str(st.st_blksize)),
            "ino": (str(st.st_ino), str(st.st_nlink), "%04o" % stat.S_IMODE(st.st_mode), str(st.st_uid),
                    str(st.st_gid)),
            "atime": t(st.st_atime_ns // 10 ** 9, st.st_atime_ns % 10 ** 9),
            "mtime": t(st.st_mtime_ns // 10 ** 9, st.st_mtime_ns % 10 ** 9),
            "ctime": t(st.st_ctime_ns // 10 ** 9, st.st_ctime_ns % 10 ** 9), "lines": 7}


# ------------------------------------------------------------------ climbing

class Outside:
    pass


def model_walk(mounts, path, follow):
    """The walk README and vfs/walk.c document, carried out over the host's tree:
    ('ok', host path or None for the guest's root) or ('err', ENAME).  '.' and
    '..' in the guest, '..' never above a share's root, a component after a
    non-directory ENOTDIR, absolute symlink targets from the guest's root."""
    want_dir = path.endswith("/")
    rest = [c for c in path.split("/") if c]
    stack = []          # host paths; [] is the guest's root
    links = 0
    while rest:
        name = rest.pop(0)
        last = not rest
        if len(name.encode()) > NAME_MAX:
            return ("err", "ENAMETOOLONG")
        top = stack[-1] if stack else None
        if name in (".", ".."):
            if stack and not stat.S_ISDIR(os.lstat(top).st_mode):
                return ("err", "ENOTDIR")
            if name == ".." and len(stack) > 1:
                stack.pop()
            continue
        if not stack:
            if name not in mounts:
                return ("err", "ENOENT")
            stack.append(mounts[name])
            continue
        if not stat.S_ISDIR(os.lstat(top).st_mode):
            return ("err", "ENOTDIR")
        child = os.path.join(top, name)
        try:
            st = os.lstat(child)
        except FileNotFoundError:
            return ("err", "ENOENT")
        if stat.S_ISLNK(st.st_mode) and (not last or follow or want_dir):
            links += 1
            if links > SYMLOOP_MAX:
                return ("err", "ELOOP")
            target = os.readlink(child)
            if target.startswith("/"):
                stack = []
            rest = [c for c in target.split("/") if c] + rest
            continue
        stack.append(child)
    if not stack:
        return ("ok", None)
    if want_dir and not stat.S_ISDIR(os.lstat(stack[-1]).st_mode):
        return ("err", "ENOTDIR")
    return ("ok", stack[-1])


def expect_climb(mounts, cmd):
    """What a climbing command must print: ('err', ENAME) or ('out', bytes)."""
    words = cmd.split()
    op = words[0]
    if op in ("cat", "stat", "ls"):
        r = model_walk(mounts, words[1], follow=op != "stat")
        if r[0] == "err":
            return r
        p = r[1]
        if p is None:
            return None     # the guest's own root: not the host's business
        st = os.lstat(p)
        if op == "cat":
            if stat.S_ISDIR(st.st_mode):
                return ("err", "EISDIR")
            with open(p, "rb") as f:
                data = f.read()
            return ("out", data + (b"\n" if data and not data.endswith(b"\n") else b""))
        if op == "ls":
            if stat.S_ISDIR(st.st_mode):
                return ("out", b"".join(escape(n).encode() + b"\n" for n in sorted(os.listdir(p), key=os.fsencode)))
            return ("out", words[1].encode() + b"\n")
        return ("ok", p)    # stat: the fields are the tree checks' business
    # Commands that change a directory: the parent walked with every link followed.
    path = words[-1] if op != "write" else words[1]
    parent, name = path.rstrip("/").rsplit("/", 1)
    r = model_walk(mounts, parent + "/", follow=True)
    if r[0] == "err":
        return r
    if r[1] is None:
        return None
    there = os.path.lexists(os.path.join(r[1], name))
    if op == "rm":
        return ("err", "ENOENT") if not there else ("ok", os.path.join(r[1], name))
    if op == "mkdir":
        return ("err", "EEXIST") if there else ("ok", os.path.join(r[1], name))
    if op == "write":
        return ("ok", os.path.join(r[1], name))
    raise ValueError(cmd)


def make_climb(top):
    """top/{secret.txt, twin.txt, outside-dir/inner.txt} outside the share,
    top/share the share (tag myfs) with links that try to leave it."""
    def put(p, data):
        with open(p, "wb") as f:
            f.write(data)
    put(os.path.join(top, "secret.txt"), b"OUTSIDE secret\n")
    put(os.path.join(top, "twin.txt"), b"OUTSIDE twin\n")
    os.mkdir(os.path.join(top, "outside-dir"))
    put(os.path.join(top, "outside-dir", "inner.txt"), b"OUTSIDE inner\n")
    s = os.path.join(top, "share")
    os.mkdir(s)
    put(os.path.join(s, "twin.txt"), b"inside twin, no newline")
    put(os.path.join(s, "f"), b"inside\n")
    os.makedirs(os.path.join(s, "d", "sub"))
    put(os.path.join(s, "d", "g"), b"inner\n")
    for name, target in (("up", ".."), ("deep", "../../.."), ("esc", "../secret.txt"),
                         ("escdir", "../outside-dir"), ("abshost", os.path.join(top, "secret.txt")),
                         ("abstop", top), ("absroot", "/secret.txt"), ("root", "/"),
                         ("twinlink", "../twin.txt"), ("abstwin", "/myfs/twin.txt"),
                         ("viafile", "f/../twin.txt"), ("bench-abs", "/bench")):
        os.symlink(target, os.path.join(s, name))
    return s


CLIMB_CASES = [
    "cat /myfs/../secret.txt", "cat /myfs/../../secret.txt", "cat /myfs/d/../../secret.txt",
    "cat /myfs/up/secret.txt", "cat /myfs/deep/secret.txt", "cat /myfs/esc", "cat /myfs/escdir/inner.txt",
    "cat /myfs/abshost", "cat /myfs/abstop/secret.txt", "cat /myfs/absroot", "cat /myfs/root/secret.txt",
    "cat /myfs/up/up/up/secret.txt", "stat /myfs/../outside-dir", "ls /myfs/up/outside-dir", "ls /myfs/escdir",
    "stat /myfs/esc/", "stat /myfs/../myfs", "cat /myfs/up",
    # Climbs that end inside: the share's file, never the outside twin.
    "cat /myfs/../twin.txt", "cat /myfs/twinlink", "cat /myfs/deep/twin.txt", "cat /myfs/root/myfs/twin.txt",
    "cat /myfs/abstwin", "cat /myfs/d/sub/../../../../twin.txt", "ls /myfs/up/d", "ls /myfs/bench-abs",
    # A name after a file.
    "cat /myfs/f/../twin.txt", "cat /myfs/f/.", "stat /myfs/d/g/..", "cat /myfs/viafile",
    # Changes: only where the walk lands inside.
    "rm /myfs/esc/x", "mkdir /myfs/escdir/new", "rm /myfs/abstop/secret.txt", "mkdir /myfs/up/d",
    "write /myfs/up/landed.txt 10 1", "write /myfs/deep/d/landed2.txt 20 2",
]

ERROR = re.compile(r"^error: (\S+): (.*): (E[A-Z0-9]+) \((.+)\)$")


# ------------------------------------------------------------------ bench

def fnv1a64(chunks):
    h = 0xcbf29ce484222325
    mask = (1 << 64) - 1
    for data in chunks:
        for b in data:
            h = ((h ^ b) * 0x100000001b3) & mask
    return h


def make_bench(root):
    d = os.path.join(root, "bench")
    r = subprocess.run([os.path.join(vstest.TOOLS, "mkbenchshare"), d, "1"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if r.returncode:
        raise RuntimeError("mkbenchshare: %s" % r.stdout.decode(errors="replace"))
    # Not a whole number of MiB; one small file shorter and other bytes; one
    # file more in small/ (listed, not read).
    with open(os.path.join(d, "big.bin"), "ab") as f:
        f.write(b"tail" * 3001)
    with open(os.path.join(d, "small", "f00500"), "wb") as f:
        f.write(bytes(range(256)) * 3 + b"short")
    with open(os.path.join(d, "small", "zz-extra"), "wb") as f:
        f.write(b"extra")
    with open(os.path.join(d, "tree", "d07", "extra"), "wb") as f:
        f.write(b"extra")
    with open(os.path.join(d, "boot", "initrd.img"), "wb") as f:
        f.write(b"initrd" * 1001)
    return d


def expect_bench(d):
    small = os.path.join(d, "small")
    data = []
    for i in range(1000):
        with open(os.path.join(small, "f%05d" % i), "rb") as f:
            data.append(f.read())
    return {"W1 bytes": os.path.getsize(os.path.join(d, "big.bin")), "W2 files": 1000,
            "W2 bytes": sum(len(x) for x in data), "W2 hash": "%016x" % fnv1a64(data),
            # Linux's readdir (and so virtiofsd's READDIR) returns . and .. too.
            "W4 entries": 20 * (len(os.listdir(small)) + 2),
            "W7 entries": sum(len(dirs) + len(files) for _, dirs, files in os.walk(os.path.join(d, "tree"))),
            "W8 bytes": sum(os.path.getsize(os.path.join(d, "boot", n)) for n in ("vmlinuz", "initrd.img"))}


def parse_bench(out):
    got = {}
    for line in out.decode(errors="replace").split("\n"):
        m = re.match(r"^(W[1-8]) (\w+) (.*)$", line)
        if m:
            kv = dict(w.split("=", 1) for w in m.group(3).split() if "=" in w)
            got[m.group(1)] = kv
    return got


# ------------------------------------------------------------------ df

class Sampler(threading.Thread):
    """os.statvfs of some directories every few milliseconds, from before the
    guest starts until stop is set (when the guest's df commands are done)."""

    def __init__(self, dirs):
        super().__init__(daemon=True)
        self.dirs = dirs
        self.samples = {d: [os.statvfs(d)] for d in dirs}
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            for d in self.dirs:
                self.samples[d].append(os.statvfs(d))
            time.sleep(0.002)

    def finish(self):
        self.stop.set()
        self.join()


def launch_watching(args, shares, marker, on_marker, timeout=120):
    """vstest.run's launcher run, reading the console as it comes: on_marker()
    is called as soon as the line `marker` is out.  Returns a vstest.Result."""
    argv = [vstest.LAUNCHER, "--host", vstest.HOST]
    for d, tag in shares:
        argv += ["--share", "%s:%s" % (d, tag)]
    argv += ["--timeout", str(timeout), "--", args]
    env = dict(os.environ)
    env.pop("VIOSHARE_IMAGE", None)
    note("run: %s" % " ".join(shlex.quote(a) for a in argv[1:]))
    start = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = bytearray(), bytearray()
    want = marker.encode() + b"\n"

    def pump(f, buf, watch):
        seen = False
        while True:
            chunk = os.read(f.fileno(), 65536)
            if not chunk:
                break
            buf.extend(chunk)
            if watch and not seen and want in buf:
                seen = True
                on_marker()
        if watch and not seen:
            on_marker()
    threads = [threading.Thread(target=pump, args=(p.stdout, out, True), daemon=True),
               threading.Thread(target=pump, args=(p.stderr, err, False), daemon=True)]
    for t in threads:
        t.start()
    try:
        p.wait(timeout=timeout + 60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    for t in threads:
        t.join(10)
    r = vstest.Result(p.returncode, bytes(out), err.decode("utf-8", "replace"), p.pid, time.monotonic() - start)
    note("  -> status %s in %.1f s" % (r.status, r.secs))
    if r.err.strip():
        note("  stderr: " + r.err.strip()[-2000:])
    note("  stdout tail:")
    note(r.out[-1500:])
    return r


def check_df(label, text, path, samples):
    lines = [l for l in text.split("\n") if l]
    ok_shape = len(lines) == 3 and lines[0].split() == ["Path", "Size", "Used", "Avail", "Use%"]
    kv = dict(w.split("=", 1) for w in lines[2].split() if "=" in w) if len(lines) == 3 else {}
    try:
        g = {k: int(v) for k, v in kv.items()}
    except ValueError:
        g = {}
    h = samples[-1]
    fixed = {"bsize": h.f_bsize, "frsize": h.f_frsize, "blocks": h.f_blocks, "files": h.f_files,
             "namelen": h.f_namemax}
    check("%s: df shape, block sizes, totals and name length as os.statvfs (%s)" % (label, path),
          ok_shape and all(g.get(k) == v for k, v in fixed.items())
          and all(s.f_bsize == h.f_bsize and s.f_blocks == h.f_blocks and s.f_files == h.f_files for s in samples),
          "guest %r, host %r; text %r" % (g, fixed, text[:300]))
    # Free counts move with whatever else runs on the host: the guest's must
    # lie within what the host saw from before the guest started until its df
    # was done, plus what can change between two samples (SLACK).
    ranges = {"bfree": [s.f_bfree for s in samples], "bavail": [s.f_bavail for s in samples],
              "ffree": [s.f_ffree for s in samples]}
    slack = {"bfree": SLACK_BYTES // max(h.f_frsize, 1), "bavail": SLACK_BYTES // max(h.f_frsize, 1),
             "ffree": SLACK_INODES}
    bad = ["%s=%s not in host's [%d, %d] +- %d" % (k, g.get(k), min(v), max(v), slack[k])
           for k, v in ranges.items() if g.get(k) is None or not min(v) - slack[k] <= g[k] <= max(v) + slack[k]]
    note("%s: host's free blocks %d..%d, available %d..%d, free inodes %d..%d over %d samples" % (
        label, min(ranges["bfree"]), max(ranges["bfree"]), min(ranges["bavail"]), max(ranges["bavail"]),
        min(ranges["ffree"]), max(ranges["ffree"]), len(samples)))
    check("%s: df free blocks, available blocks and free inodes within what the host saw while the guest ran "
          "(+- 1 MiB, 64 inodes)" % label, not bad, bad)
    cols = lines[1].split() if len(lines) == 3 else []
    unit = g.get("frsize") or g.get("bsize") or 0
    ok = False
    if len(cols) == 5 and all(k in g for k in ("blocks", "bfree", "bavail")) and unit:
        size, used, avail = g["blocks"] * unit, (g["blocks"] - g["bfree"]) * unit, g["bavail"] * unit
        pct = -(-used * 100 // (used + avail)) if used + avail else 0
        ok = cols == [path, str(size), str(used), str(avail), "%d%%" % pct]
    check("%s: df Size, Used, Avail and Use%% columns from those counts (%s)" % (label, path), ok,
          "%r with %r" % (cols, g))


# ------------------------------------------------------------------ one stack: outputs

def outputs_part(host, bench, bench_want, bench_before):
    """One guest run: stat, ls -l, df, the climbing paths, bench (over the
    shared benchmark share, which bench leaves as it was)."""
    set_stack(host)
    climb_top = vstest.tmpdir("vstest-outputs-")
    share = make_climb(climb_top)
    tree = make_tree(share)
    mounts = {"myfs": share, "bench": bench}

    # Expectations from the host, before the guest touches anything.
    entries = sorted(os.listdir(tree), key=os.fsencode)
    lst = {n: os.lstat(os.path.join(tree, n)) for n in entries}
    root_st = os.lstat(tree)
    targets = {n: os.readlink(os.path.join(tree, n)) for n in entries if stat.S_ISLNK(lst[n].st_mode)}
    climbs = [(c, expect_climb(mounts, c)) for c in CLIMB_CASES]

    s = Script()
    stat_cases = {n: s.case("stat /myfs/tree/" + escape(n)) for n in entries}
    stat_root = s.case("stat /myfs/tree")
    df_cases = {"/myfs": s.case("df /myfs"), "/bench": s.case("df /bench")}
    ls_case = s.case("ls -l /myfs/tree")
    ls_file = s.case("ls -l /myfs/tree/" + escape("plain.txt"))
    ls_link = s.case("ls -l /myfs/tree/link-abs")
    climb_cases = [s.case("-" + c) for c, _ in climbs]
    bench_case = s.case("bench /bench")
    sampler = Sampler([share, bench])
    sampler.start()
    r = launch_watching(s.line(), [(share, "myfs"), (bench, "bench")], "%s%d" % (MARKER, ls_case),
                        sampler.stop.set)
    sampler.finish()
    parts = split_cases(r.out)
    check("outputs run: status 0, every case printed", r.status == 0 and len(parts) == s.n + 1, r.summary())
    text = {k: v.decode("utf-8", "replace") for k, v in parts.items()}

    # stat, field by field.
    for n in entries + [None]:
        st, path = (lst[n], "/myfs/tree/" + n) if n else (root_st, "/myfs/tree")
        got = parse_stat(text.get(stat_cases[n] if n else stat_root, ""))
        want = expect_stat(st, path)
        bad = ["%s %r != %r" % (k, got.get(k), want[k]) for k in want if got.get(k) != want[k]]
        check("stat %s: every field as the host's lstat (%s)" % (escape(path), TYPE_NAMES.get(
            stat.S_IFMT(st.st_mode), "?")), not bad, bad)

    # ls -l of the directory: its names in byte order, each line's fields.
    lines = [l for l in text.get(ls_case, "").split("\n") if l]
    names = [l.split()[7] if len(l.split()) > 7 else None for l in lines]
    check("ls -l /myfs/tree: the host's names, escaped, in byte order", names == [escape(n) for n in entries],
          "%r vs %r" % (names, [escape(n) for n in entries]))
    by_name = dict(zip(names, lines))
    for n in entries:
        got = by_name.get(escape(n), "").split()
        want = expect_long(lst[n], escape(n), targets.get(n))
        check("ls -l line of %s: mode string, links, uid, gid, size, mtime, name%s as the host's lstat"
              % (escape(n), ", target" if n in targets else ""), got == want, diff_fields(LONG_LABELS, got, want))
    got = [l for l in text.get(ls_file, "").split("\n") if l]
    want = expect_long(lst["plain.txt"], "/myfs/tree/plain.txt", None)
    # A symlink named on the line is shown, not followed (POSIX ls -l), even one to a directory.
    got_l = [l for l in text.get(ls_link, "").split("\n") if l]
    want_l = expect_long(lst["link-abs"], "/myfs/tree/link-abs", targets["link-abs"])
    check("ls -l of a file and of a symlink to a directory: one line each, its fields as the host's lstat",
          len(got) == 1 and got[0].split() == want and len(got_l) == 1 and got_l[0].split() == want_l,
          diff_fields(LONG_LABELS, got[0].split() if got else [], want) + " / "
          + diff_fields(LONG_LABELS, got_l[0].split() if got_l else [], want_l))

    # df, against statvfs samples taken while the guest ran.
    for path, host_dir in (("/myfs", share), ("/bench", bench)):
        check_df("df " + path, text.get(df_cases[path], ""), path, sampler.samples[host_dir])

    # Climbing: the exact errno name or the exact bytes.
    for (cmd, want), k in zip(climbs, climb_cases):
        out = parts.get(k, b"")
        errs = [ERROR.match(l) for l in out.decode("utf-8", "replace").split("\n") if l.startswith("error:")]
        err_names = [m.group(3) if m else "?" for m in errs]
        if want is None:
            ok, why = False, "no expectation"
        elif want[0] == "err":
            ok = err_names == [want[1]] and errs[0].group(1) == cmd.split()[0]
            why = "want %s, got %r" % (want[1], out[:300])
        elif want[0] == "out":
            ok = not errs and out + b"\n" == want[1] if want[1] else not out
            why = "want %r, got %r" % (want[1][:100], out[:200])
        else:
            ok = not errs
            if ok and cmd.startswith("write "):
                words = cmd.split()
                with open(want[1], "rb") as f:
                    ok = f.read() == vstest.pattern_py(int(words[3]), int(words[2]))
            elif ok and cmd.startswith("mkdir "):
                ok = os.path.isdir(want[1])
            why = "want success at %s, got %r" % (want[1], out[:300])
        label = want[1] if want and want[0] == "err" else "the file inside" if want and want[0] == "out" \
            else "done inside"
        check("climbing %r: %s" % (cmd, label), ok, why)

    # bench: counts and hash against the share as the host reads it.
    b = parse_bench(parts.get(bench_case, b""))
    def num(w, key):
        v = b.get(w, {}).get(key, "")
        return int(v) if v.isdigit() else v
    got = {"W1 bytes": num("W1", "bytes"), "W2 files": num("W2", "files"), "W2 bytes": num("W2", "bytes"),
           "W2 hash": b.get("W2", {}).get("hash"), "W4 entries": num("W4", "entries"),
           "W7 entries": num("W7", "entries"), "W8 bytes": num("W8", "bytes")}
    for key in ("W1 bytes", "W2 files", "W2 bytes", "W2 hash", "W4 entries", "W7 entries", "W8 bytes"):
        check("bench %s as the host counts the share: %s" % (key, bench_want[key]), got[key] == bench_want[key],
              "got %r; bench lines %r" % (got[key], b))
    check("bench W3 ops=10000, W5 bytes=268435456, W6 files=1000 (SPEC section 6)",
          b.get("W3", {}).get("ops") == "10000" and b.get("W5", {}).get("bytes") == "268435456"
          and b.get("W6", {}).get("files") == "1000", b)
    check("bench leaves its share as it found it (host manifest)", vstest.host_manifest(bench) == bench_before,
          "changed: %r" % sorted(os.listdir(bench)))


# ------------------------------------------------------------------ one stack: launcher options

def procs_of(launcher_pid):
    """{pid: argv} of the processes whose command line carries the launcher's temp dir."""
    return {pid: [a.decode(errors="replace") for a in cmd.split(b"\0")[:-1]]
            for pid, cmd in vstest.run_procs(launcher_pid).items()}


def qemu_opts(argv, flag):
    """Every value of a QEMU flag, each parsed into a dict (the first bare word as '')."""
    out = []
    for i, a in enumerate(argv[:-1]):
        if a == flag:
            d = {}
            for part in re.split(r"(?<!,),(?!,)", argv[i + 1]):
                k, _, v = part.partition("=")
                if _:
                    d[k] = v.replace(",,", ",")
                else:
                    d[""] = k
            out.append(d)
    return out


def daemon_args(argv):
    """The argv after the virtiofsd program (the current stack runs it through ld.so)."""
    for i, a in enumerate(argv):
        if os.path.basename(a) == "virtiofsd":
            return argv[i + 1:]
    return None


def qemu_argv(argv):
    """The argv from the QEMU program on, or None."""
    for i, a in enumerate(argv):
        if os.path.basename(a).startswith("qemu-system"):
            return argv[i:]
    return None


def daemon_opts(args):
    """{option: [values]} of a virtiofsd argv, in both daemons' spellings."""
    opts = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-o" and i + 1 < len(args):
            for part in args[i + 1].split(","):
                k, _, v = part.partition("=")
                opts.setdefault("-o " + k, []).append(v)
            i += 2
            continue
        if a.startswith("--"):
            k, eq, v = a.partition("=")
            if not eq and k in ("--socket-path", "--shared-dir", "--cache", "--sandbox", "--thread-pool-size") \
                    and i + 1 < len(args):
                v = args[i + 1]
                i += 1
            opts.setdefault(k, []).append(v)
        i += 1
    return opts


def options_part(host):
    set_stack(host)
    d1 = vstest.tmpdir("vstest-outputs-opt1-")
    d2 = vstest.tmpdir("vstest-outputs-opt2-")
    with open(os.path.join(d1, "one.txt"), "w") as f:
        f.write("one\n")
    tags = ["first", "t,2@x"]
    current = host == "current"
    cache, want_cache = ("none", "never") if current else ("always", "always")
    vargs = ["--log-level=warn", "--inode-file-handles=never"] if current else ["-o", "no_posix_lock"]
    pool, mem = 3, 320
    argv = [vstest.LAUNCHER, "--host", host, "--share", "%s:%s" % (d1, tags[0]), "--share", "%s:%s" % (d2, tags[1]),
            "--cache", cache, "--thread-pool-size", str(pool), "--mem", str(mem), "--machine", "q35",
            "--timeout", "90"]
    argv += ["--virtiofsd-arg=" + a for a in vargs]
    if current:
        argv.append("--readonly")
    guest = "mounts; -write /first/new.txt 5 1; cat /first/one.txt; shell"
    argv += ["--", guest]
    note("run: %s" % " ".join(shlex.quote(a) for a in argv[1:]))
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = bytearray()

    def reader():
        while True:
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                break
            out.extend(chunk)
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    end = time.monotonic() + 60
    while time.monotonic() < end and b"vioshare> " not in out and p.poll() is None:
        time.sleep(0.05)
    at_prompt = b"vioshare> " in out
    procs = procs_of(p.pid)
    try:
        p.stdin.write(b"exit 0\n")
        p.stdin.close()
    except OSError:
        pass
    try:
        p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    t.join(5)
    err = p.stderr.read().decode(errors="replace")
    note("  -> status %s; stderr: %s" % (p.returncode, err.strip()[-500:]))
    note(bytes(out[-1500:]))
    for pid, a in sorted(procs.items()):
        note("  pid %d: %s" % (pid, " ".join(a)))

    qemus = {tuple(qemu_argv(a)) for a in procs.values() if qemu_argv(a)}
    daemons = {tuple(a) for a in procs.values() if daemon_args(a) is not None}
    check("options: guest at its shell prompt with one QEMU and one virtiofsd command line per share",
          at_prompt and len(qemus) == 1 and len(daemons) == 2, "prompt %s, QEMU %d, virtiofsd %d: %r"
          % (at_prompt, len(qemus), len(daemons), procs))
    q = list(next(iter(qemus))) if len(qemus) == 1 else []
    machine = qemu_opts(q, "-machine")
    check("options: --machine q35 is QEMU's -machine", [m.get("") for m in machine] == ["q35"], machine)
    backend = [o for o in qemu_opts(q, "-object") if o.get("") == "memory-backend-memfd"]
    check("options: --mem %d is QEMU's -m and its shared memfd backend's size" % mem,
          q.count("-m") == 1 and q[q.index("-m") + 1] == str(mem) and len(backend) == 1
          and backend[0].get("size") == "%dM" % mem and backend[0].get("share") == "on", q)
    chardevs = {c.get("id"): c.get("path") for c in qemu_opts(q, "-chardev") if c.get("") == "socket"}
    devices = [dv for dv in qemu_opts(q, "-device") if dv.get("") == "vhost-user-fs-pci"]
    dev_tags = [dv.get("tag") for dv in devices]
    check("options: one vhost-user-fs-pci per --share, tags %r in order, queue-size 1024, each on a socket"
          % tags, dev_tags == tags and all(dv.get("queue-size") == "1024" and chardevs.get(dv.get("chardev"))
                                           for dv in devices), devices)
    # Each tag's socket is served by the virtiofsd of that tag's directory.
    by_sock = {}
    for a in daemons:
        o = daemon_opts(daemon_args(list(a)))
        sock = (o.get("--socket-path") or [None])[0]
        by_sock[sock] = (o, list(a))
    ok, why = len(devices) == 2, []
    for dv, d in zip(devices, (d1, d2)):
        o = by_sock.get(chardevs.get(dv.get("chardev")), ({}, None))[0]
        src = (o.get("--shared-dir") if current else o.get("-o source")) or []
        if src != [d]:
            ok = False
            why.append("tag %r: source %r, want %r" % (dv.get("tag"), src, d))
    check("options: each tag's socket served by a virtiofsd sharing that --share directory", ok, why or by_sock)
    opts = [o for o, _ in by_sock.values()]
    raw = [a for _, a in by_sock.values()]
    cache_key = "--cache" if current else "-o cache"
    check("options: --cache %s is each virtiofsd's %s %s" % (cache, cache_key, want_cache),
          len(opts) == 2 and all(o.get(cache_key) == [want_cache] for o in opts), opts)
    check("options: --thread-pool-size %d is each virtiofsd's --thread-pool-size=%d" % (pool, pool),
          len(opts) == 2 and all(o.get("--thread-pool-size") == [str(pool)] for o in opts), opts)
    check("options: each --virtiofsd-arg %r, in order, at the end of every virtiofsd's arguments" % vargs,
          len(raw) == 2 and all(a[-len(vargs):] == vargs for a in raw), raw)
    text = bytes(out).decode(errors="replace")
    mounted = re.findall(r"^(\S+) on (\S+) type virtiofs \((r[ow])", text, re.M)
    if current:
        errs = [m.groups() for m in (ERROR.match(l) for l in text.split("\n")) if m]
        check("options: --readonly is each virtiofsd's --readonly; the guest's write fails with EROFS and "
              "nothing reaches the host", len(opts) == 2 and all("--readonly" in o for o in opts)
              and ("write", "/first/new.txt", "EROFS") in [e[:3] for e in errs]
              and not os.path.exists(os.path.join(d1, "new.txt")), "%r %r" % (opts, errs))
    else:
        written = None
        if os.path.exists(os.path.join(d1, "new.txt")):
            with open(os.path.join(d1, "new.txt"), "rb") as f:
                written = f.read()
        check("options: without --readonly no daemon gets it and the guest's write reaches the host",
              len(opts) == 2 and not any("--readonly" in o for o in opts)
              and written == vstest.pattern_py(1, 5), "%r %r" % (opts, written))
    check("options: the guest mounted both tags at /TAG, read what the host wrote, and the shell's exit 0 "
          "is the launcher's status",
          [(m[0], m[1]) for m in mounted] == [(t_, "/" + t_) for t_ in tags] and "one\n" in text
          and p.returncode == 0, "%r status %s" % (mounted, p.returncode))
    left = vstest.leftovers(p.pid)
    check("options: no QEMU or virtiofsd left", not left, left)
    if not current:
        r = vstest.run("exit 0", shares=[d1], timeout=30, extra=["--host", "classic", "--readonly"])
        check("options: --readonly refused on the classic stack (C virtiofsd), status 2, saying why",
              r.status == 2 and "--readonly needs the Rust virtiofsd" in r.err, r.summary())


# ------------------------------------------------------------------ the build

def make_var(name):
    """A variable of the Makefile, as make sees it (not from a make that runs this program)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    r = subprocess.run(["make", "-s", "--no-print-directory", "--eval", "vs-print-%: ; $(info $($*))@:",
                        "vs-print-" + name], cwd=vstest.REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env)
    return r.stdout.decode().strip()


def section_sizes(path):
    """{member or file: {section: size}} from `size -A`."""
    r = subprocess.run(["size", "-A", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    found, cur = {}, path
    for line in r.stdout.decode(errors="replace").split("\n"):
        m = re.match(r"^(\S+)\s+(?:\(ex [^)]*\))?\s*:$", line)
        if m:
            cur = m.group(1)
            found[cur] = {}
            continue
        m = re.match(r"^(\.\S+)\s+(\d+)\s+\d+", line)
        if m:
            found.setdefault(cur, {})[m.group(1)] = int(m.group(2))
    return found


def stack_frames(flags, sources):
    """[(function, bytes, qualifier)] of the sources compiled with flags + -fstack-usage."""
    out = tempfile.mkdtemp(prefix="vstest-outputs-su-")
    vstest._tmpdirs.append(out)
    flags = [f for f in shlex.split(flags) if f not in ("-MMD", "-MP", "-g")] + ["-fstack-usage"]

    def one(src):
        obj = os.path.join(out, src.replace("/", "_") + ".o")
        r = subprocess.run(["cc"] + flags + ["-c", src, "-o", obj], cwd=vstest.REPO,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode:
            return None, r.stdout.decode(errors="replace")
        with open(obj[:-2] + ".su") as f:
            return [(l.split("\t")[0].split(":")[-1], int(l.split("\t")[1]), l.split("\t")[2].strip())
                    for l in f if l.strip()], ""
    with ThreadPoolExecutor(max_workers=2) as ex:
        results = list(ex.map(one, sources))
    frames, errors = [], []
    for fr, e in results:
        if fr is None:
            errors.append(e[-300:])
        else:
            frames += fr
    return frames, errors


def build_part(core, flags, frames_job):
    set_stack("classic")
    check("the Makefile names the core's sources and the image's flags", len(core) > 10 and "-O2" in flags,
          "%r %r" % (core, flags))
    bad = []
    for src in core:
        obj = os.path.join(vstest.REPO, "build", "obj", src[:-2] + ".o")
        for member, secs in section_sizes(obj).items():
            bad += ["%s %s %d" % (src, k, v) for k, v in secs.items() if k.startswith((".data", ".bss")) and v]
        if not os.path.isfile(obj):
            bad.append("%s missing" % obj)
    check("README: the core in the boot image (build/obj/{virtio,fuse,vfs}) has empty .data and .bss", not bad, bad)
    lib = os.path.join(vstest.REPO, "build", "libvioshare.a")
    members = section_sizes(lib)
    bad = ["%s %s %d" % (m, k, v) for m, secs in members.items() for k, v in secs.items()
           if k.startswith((".data", ".bss")) and v]
    check("README: build/libvioshare.a's %d objects have empty .data and .bss" % len(core),
          len(members) == len(core) and not bad, bad or sorted(members))
    frames, errors = frames_job.result()
    biggest = max(frames, key=lambda f: f[1]) if frames else ("?", -1, "?")
    dynamic = [f for f in frames if "dynamic" in f[2] and "bounded" not in f[2]]
    note("largest stack frame of the core with the image's flags: %d bytes (%s), %d functions"
         % (biggest[1], biggest[0], len(frames)))
    check("README: the core's largest stack frame (the image's flags) is under 1 KiB and none is of "
          "unbounded size", not errors and 0 < biggest[1] < FRAME_BOUND and not dynamic,
          "%r dynamic %r errors %r" % (biggest, dynamic, errors))


def main():
    start = time.monotonic()
    set_stack("classic")
    if not vstest.require_image():
        return vstest.finish()
    core = make_var("CORE_SRC").split()
    flags = make_var("GUEST_CFLAGS")
    with ThreadPoolExecutor(max_workers=1) as ex:
        # Compiling the core for its stack frames runs beside the guests.
        frames_job = ex.submit(stack_frames, flags, core)
        # One benchmark share for both stacks, in RAM where there is some.
        bench_root = tempfile.mkdtemp(prefix="vstest-outputs-bench-",
                                      dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        vstest._tmpdirs.append(bench_root)
        bench = make_bench(bench_root)
        bench_want = expect_bench(bench)
        bench_before = vstest.host_manifest(bench)
        for host in STACKS:
            outputs_part(host, bench, bench_want, bench_before)
            options_part(host)
        build_part(core, flags, frames_job)
    note("test_outputs: %.1f s" % (time.monotonic() - start))
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
