#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writing, differentially: seeded random scripts of a few hundred operations
(mkdir, write, append, truncate, mv, rm, ln, ln -s, rmdir, cp, sha256, plus
commands that may fail) run by the guest with `run` from a second share, while
the generator applies every line to a host directory with Python's os module
as it emits it: the host is the model (what exists, what fails with which
errno), never a hard-coded result.  Each seed also has the whole rename matrix
(file, hard-linked file, empty and non-empty directory, symlink to a file, to a
directory, dangling -> a fresh name, a file, an empty or non-empty directory
of the same name, each kind of symlink, itself, its own parent, its own
subdirectory, another name of the same inode), paths through file and
directory symlinks (as components and as write targets), and probes (stat, ls,
cat) of just removed and just renamed names, compared with what the host gave
right then.  Per seed: the guest's errors equal the host's, mid-script sha256
results, the probes, the trees (tools/manifest without mtimes), uid/gid of every
entry, and the guest's own `manifest` (with mtimes) equals tools/manifest of
the share.  Seeds 1-5 (cache auto, none, always) and one fresh random seed per
run (printed; VIOSHARE_RW_SEED=N replays it).  Also: after a write command
returns the exact bytes are on the host (sizes across the 1 MiB request
boundary), append appends."""

import errno
import hashlib
import os
import random
import re
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note, pattern_py  # noqa: E402

MIB = 1 << 20
# (seed, cache mode); VIOSHARE_RW_SEEDS=7,8:always,100-399 runs other seeds
# (cache auto unless given; each seed of a range A-B with the cache mode a
# fresh seed gets, seed % 3: make test-seeds).  Besides these, one fresh
# random seed per run, printed; VIOSHARE_RW_SEED=N replays it.
SEEDS = ((1, "auto"), (2, "none"), (3, "always"), (4, "auto"), (5, "auto"))
OPS = 300
BUDGET = 8 * MIB           # bytes of file data written per seed (write/append/cp)
LOGS = os.path.join(vstest.REPO, "build", "test-logs")

ERROR_RE = re.compile(rb"^error: (\S+): (.*?): (E[A-Z0-9]+) \(")
SHA_RE = re.compile(rb"^([0-9a-f]{64})  ")


# ------------------------------------------------------------------ helpers

_pattern_cache = {}


def pattern(seed, size):
    """The SPEC section 5 pattern (tools/pattern), cached for repeated seeds."""
    key = (seed, size)
    if size <= 65536:
        return pattern_py(seed, size)      # cheaper than starting tools/pattern
    if key not in _pattern_cache:
        r = subprocess.run([os.path.join(vstest.TOOLS, "pattern"), str(seed), str(size)],
                           stdout=subprocess.PIPE, check=True)
        if len(r.stdout) != size:
            raise RuntimeError("tools/pattern %d %d gave %d bytes" % (seed, size, len(r.stdout)))
        if size <= MIB:
            _pattern_cache[key] = r.stdout
        return r.stdout
    return _pattern_cache[key]


def esc(name):
    """A byte string as a word of the command language: every byte outside
    0x21..0x7E and \\ " ; # as \\xHH."""
    out = []
    for c in name:
        if 0x21 <= c <= 0x7E and c not in b'\\";#':
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


def unesc(word):
    """The inverse of esc (also accepts \\\\)."""
    out = bytearray()
    i = 0
    w = word.encode("latin-1")
    while i < len(w):
        if w[i:i + 2] == b"\\x":
            out.append(int(w[i + 2:i + 4], 16))
            i += 4
        elif w[i:i + 2] == b"\\\\":
            out.append(0x5C)
            i += 2
        else:
            out.append(w[i])
            i += 1
    return bytes(out)


def gpath(rel):
    """Guest path word for a relative path (bytes)."""
    return "/myfs/" + esc(rel) if rel else "/myfs"


def strip_mtime(manifest):
    out = []
    for line in manifest.split(b"\n"):
        if not line:
            continue
        f = line.split(b" ", 6)
        if len(f) != 7:
            out.append(line)
        else:
            out.append(b" ".join(f[:4] + f[5:]))
    return out


def diff_summary(a, b, n=6):
    """First n lines that differ between two line lists, as text."""
    sa, sb = set(a), set(b)
    only_a = [x for x in a if x not in sb][:n]
    only_b = [x for x in b if x not in sa][:n]
    return "guest-only: %r; reference-only: %r" % (only_a, only_b)


def read_or_error(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        return repr(e).encode()


def save_log(name, data):
    try:
        os.makedirs(LOGS, exist_ok=True)
        path = os.path.join(LOGS, name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("latin-1"))
        note("saved %s" % path)
    except OSError as e:
        note("could not save %s: %s" % (name, e))


class RefError(Exception):
    pass


def mesc(name):
    """A byte string escaped as the manifest and the guest's messages do:
    every byte outside 0x21..0x7E, and \\, as \\xHH."""
    return "".join(chr(c) if 0x21 <= c <= 0x7E and c != 0x5C else "\\x%02x" % c for c in name)


STAT_TYPES = {stat.S_IFREG: "regular file", stat.S_IFDIR: "directory", stat.S_IFLNK: "symbolic link"}


def stat_fields(st):
    """What a `stat` probe compares: type, size, links, mode, uid, gid."""
    return (STAT_TYPES.get(stat.S_IFMT(st.st_mode), "other"), st.st_size, st.st_nlink,
            stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)


def ename(e):
    return errno.errorcode.get(e.errno, str(e.errno))


class Ref:
    """The model: a host directory to which the script's lines are applied,
    one at a time, with Python's os module, as the generator emits them.
    errors: (cmd, ENAME) of every failing `-` line in order; hashes: the sha256
    results in order; a probe line (stat, ls, cat) returns what the guest must
    print for it.  A line without `-` that fails raises RefError (a bug of the
    generator)."""

    def __init__(self, root):
        self.root = root
        self.errors = []
        self.hashes = []
        self.lineno = 0

    def host(self, word):
        p = unesc(word)
        if p == b"/myfs":
            return self.root
        if not p.startswith(b"/myfs/"):
            raise RefError("path outside /myfs: %r" % p)
        return self.root + p[5:]

    @staticmethod
    def into_dir(src, dst):
        """mv's and cp's target: dst/basename(src) where dst is a directory
        (through symlinks), else dst."""
        try:
            if stat.S_ISDIR(os.stat(dst).st_mode):
                return os.path.join(dst, os.path.basename(src.rstrip(b"/")))
        except OSError:
            pass
        return dst

    @staticmethod
    def put(path, flags, size, seed):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | flags, 0o644)
        try:
            view = memoryview(pattern(seed, size))
            while view:
                n = os.write(fd, view)
                view = view[n:]
        finally:
            os.close(fd)

    def apply(self, line):
        """Applies one line; returns (ENAME or None, probe result or None)."""
        self.lineno += 1
        may_fail = line.startswith("-")
        w = (line[1:] if may_fail else line).split(" ")
        cmd = w[0]
        res = None
        old_umask = os.umask(0)
        try:
            if cmd == "echo":
                pass
            elif cmd == "mkdir":
                os.mkdir(self.host(w[1]), 0o755)
            elif cmd == "rmdir":
                os.rmdir(self.host(w[1]))
            elif cmd == "rm":
                os.unlink(self.host(w[1]))
            elif cmd == "mv":
                src = self.host(w[1])
                os.rename(src, self.into_dir(src, self.host(w[2])))
            elif cmd == "ln" and w[1] == "-s":
                os.symlink(unesc(w[2]), self.host(w[3]))
            elif cmd == "ln":
                os.link(self.host(w[1]), self.host(w[2]), follow_symlinks=False)
            elif cmd == "truncate":
                fd = os.open(self.host(w[1]), os.O_WRONLY | os.O_CREAT, 0o644)
                try:
                    os.ftruncate(fd, int(w[2]))
                finally:
                    os.close(fd)
            elif cmd == "write":
                self.put(self.host(w[1]), os.O_TRUNC, int(w[2]), int(w[3]))
            elif cmd == "append":
                self.put(self.host(w[1]), os.O_APPEND, int(w[2]), int(w[3]))
            elif cmd == "cp":
                src = self.host(w[1])
                with open(src, "rb") as f:
                    data = f.read()
                dst = self.into_dir(src, self.host(w[2]))
                if os.path.exists(dst) and os.path.samefile(src, dst):
                    # cp (coreutils: "are the same file") refuses; the guest's with EINVAL.
                    raise OSError(errno.EINVAL, "same file")
                with open(os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), "wb") as f:
                    f.write(data)
            elif cmd == "sha256":
                self.hashes.append(vstest.sha256_file(self.host(w[1])).encode())
            elif cmd == "cat":
                with open(self.host(w[1]), "rb") as f:
                    data = f.read()
                res = data + (b"\n" if data and not data.endswith(b"\n") else b"")
            elif cmd == "stat":
                res = stat_fields(os.lstat(self.host(w[1])))
            elif cmd == "ls":
                path = self.host(w[1])
                if stat.S_ISDIR(os.stat(path).st_mode):
                    res = sorted(mesc(n) for n in os.listdir(path))
                else:
                    res = [mesc(unesc(w[1]))]
            else:
                raise RefError("line %d: unknown command %r" % (self.lineno, line))
        except OSError as e:
            if not may_fail:
                raise RefError("line %d: %r failed in the reference: %s" % (self.lineno, line, e))
            self.errors.append((cmd, ename(e)))
            return ename(e), ("err", ename(e))
        finally:
            os.umask(old_umask)
        return None, res


# ------------------------------------------------------------------ generator

NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_."
ODD_NAMES = [b"sp ace", b"caf\xc3\xa9", b"x\xffy", b"semi;colon", b"back\\slash", b"UPPER",
             b"q\"uote", b"#hash", b"tab\there", b"n" * 255]


class Gen:
    """Keeps a model of the share's tree and emits script lines valid in it."""

    def __init__(self, seed, root, nops=OPS, budget=BUDGET):
        self.r = random.Random(seed)
        self.nops = nops
        self.budget = budget
        self.ref = Ref(root)         # the host directory the lines are applied to
        self.kind = {b"": "d"}       # relative path -> 'd' | 'f' | 'l' (from the host, sync())
        self.ino = {}                # file path -> inode number
        self.size = {}               # inode -> size
        self.nlink = {}              # inode -> link count
        self.next_ino = 1
        self.lines = []
        self.expect_fail = []        # ENAMEs the generator predicts, in order
        self.host_fail = []          # ... and what the host gave for those lines
        self.probes = []             # (number, command line, what the guest must print)
        self.counts = {}
        self.data = 0

    def sync(self):
        """The model is the host: kinds, inodes and sizes read back from the
        reference directory after every line."""
        kind, ino, size, nlink = {b"": "d"}, {}, {}, {}
        todo = [b""]
        while todo:
            d = todo.pop()
            with os.scandir(self.ref.root + b"/" + d if d else self.ref.root) as it:
                ents = sorted(it, key=lambda e: e.name)
            for e in ents:
                p = self.join(d, e.name)
                if e.is_symlink():
                    kind[p] = "l"
                elif e.is_dir(follow_symlinks=False):
                    kind[p] = "d"
                    todo.append(p)
                else:
                    st = e.stat(follow_symlinks=False)
                    kind[p] = "f"
                    ino[p] = st.st_ino
                    size[st.st_ino] = st.st_size
                    nlink[st.st_ino] = st.st_nlink
        self.kind = {p: kind[p] for p in sorted(kind)}
        self.ino, self.size, self.nlink = ino, size, nlink

    def resolve(self, rel, follow_last=True):
        """Where the relative path rel (bytes, may go through symlinks) leads
        in the host tree, resolved the way both the guest and Linux do: the
        real relative path and whether it exists, or None when the walk would
        leave the share, meet an absolute target or a loop (the guest and the
        host would differ by construction there)."""
        parts = [c for c in rel.split(b"/") if c]
        stack, links = [], 0
        while parts:
            c = parts.pop(0)
            if c == b".":
                continue
            if c == b"..":
                if not stack:
                    return None
                stack.pop()
                continue
            p = b"/".join(stack + [c])
            k = self.kind.get(p)
            if k is None:
                return (p, False) if not parts and self.kind.get(b"/".join(stack)) == "d" else None
            if k == "l" and (parts or follow_last):
                links += 1
                t = os.readlink(self.ref.root + b"/" + p)
                if links > 30 or t.startswith(b"/") or not t:
                    return None
                parts = [x for x in t.split(b"/") if x] + parts
                continue
            if k != "d" and parts:
                return None
            stack.append(c)
        return b"/".join(stack), True

    # --- queries
    def paths(self, k):
        return sorted(p for p, v in self.kind.items() if v == k)

    def dirs(self, maxdepth=None):
        return [p for p in self.paths("d") if maxdepth is None or (p.count(b"/") + (1 if p else 0)) < maxdepth]

    def children(self, d):
        pre = d + b"/" if d else b""
        return [p for p in self.kind if p != d and p.startswith(pre) and b"/" not in p[len(pre):]]

    def under(self, d, p):
        """p is d or below d."""
        return p == d or p.startswith(d + b"/")

    @staticmethod
    def join(d, name):
        return d + b"/" + name if d else name

    @staticmethod
    def base(p):
        return p.rsplit(b"/", 1)[-1]

    def fresh(self, d):
        for _ in range(100):
            if self.r.random() < 0.08:
                name = self.r.choice(ODD_NAMES)
            else:
                name = "".join(self.r.choice(NAME_CHARS) for _ in range(self.r.randint(1, 8))).encode()
            if name in (b".", b"..") or name.startswith(b"-"):
                continue
            if self.join(d, name) not in self.kind:
                return self.join(d, name)
        raise RuntimeError("no fresh name")

    def pick_size(self):
        x = self.r.random()
        if x < 0.15:
            s = 0
        elif x < 0.28:
            s = 1
        elif x < 0.45:
            s = 4096
        elif x < 0.65:
            s = self.r.randint(2, 20000)
        elif x < 0.85:
            s = MIB + self.r.randint(1, 4100)            # just above 1 MiB
        else:
            s = self.r.choice([2 * MIB + self.r.randint(1, 4096), 3 * MIB + 5, 3 * MIB - 1])
        if s > self.budget:
            s = self.r.choice([0, 1, 4096, 777])
        self.budget -= s
        self.data += s
        return s

    def emit(self, kind, line, fail=None, maybe=False):
        """Adds a line and applies it to the host at once; fail: the ENAME the
        generator predicts; maybe: the host decides whether it fails (the line
        gets a `-`).  Returns (ENAME or None, probe result)."""
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if fail or maybe:
            line = "-" + line
        self.lines.append(line)
        err, res = self.ref.apply(line)
        if fail:
            self.expect_fail.append(fail)
            self.host_fail.append(err)
        if err is None and line.lstrip("-").split(" ")[0] not in ("echo", "stat", "ls", "cat", "sha256"):
            self.sync()
        return err, res

    def probe(self, *lines):
        """Probes (stat, ls, cat; they may fail): each between markers, its
        expected output taken from the host right then.  Paths whose walk
        would leave the share (see resolve) are not probed."""
        for line in lines:
            cmd, word = line.split(" ", 1)
            rel = unesc(word)[len(b"/myfs/"):] if unesc(word) != b"/myfs" else b""
            r = self.resolve(rel, follow_last=cmd != "stat")
            if r is None:
                continue
            if cmd == "cat" and r[1] and self.kind.get(r[0]) == "f" and self.size[self.ino[r[0]]] > 4096:
                continue        # the serial console is slow: no big files
            n = len(self.probes)
            self.emit("echo", "echo =P%d=" % n)
            err, res = self.emit("probe-" + line.split(" ")[0], line, maybe=True)
            self.probes.append((n, line, res))
        self.emit("echo", "echo =/P=")

    def parent(self, p):
        return p.rsplit(b"/", 1)[0] if b"/" in p else b""

    def probe_gone(self, old, new=None):
        """After old was removed or renamed (to new): stat, cat and the
        listing of its directory (a stale name or attribute cache shows there)."""
        lines = ["stat %s" % gpath(old), "ls %s" % gpath(self.parent(old))]
        if self.r.random() < 0.5:
            lines.append("cat %s" % gpath(old))
        if new is not None:
            lines.append("stat %s" % gpath(new))
            if self.parent(new) != self.parent(old):
                lines.append("ls %s" % gpath(self.parent(new)))
        self.probe(*lines)

    def new_inode(self, size):
        i = self.next_ino
        self.next_ino += 1
        self.size[i] = size
        return i

    # --- operations (each returns False when not applicable now)
    def op_mkdir(self):
        d = self.r.choice(self.dirs(maxdepth=4))
        p = self.fresh(d)
        self.kind[p] = "d"
        self.emit("mkdir", "mkdir %s" % gpath(p))
        return True

    def file_target(self):
        """An existing file or a fresh path in some directory."""
        files = self.paths("f")
        if files and self.r.random() < 0.5:
            return self.r.choice(files), True
        return self.fresh(self.r.choice(self.dirs())), False

    def op_write(self):
        p, exists = self.file_target()
        size = self.pick_size()
        seed = self.r.randint(0, 1 << 40)
        if exists:
            self.size[self.ino[p]] = size
        else:
            self.kind[p] = "f"
            self.ino[p] = self.new_inode(size)
        self.emit("write", "write %s %d %d" % (gpath(p), size, seed))
        return True

    def op_append(self):
        p, exists = self.file_target()
        size = self.pick_size()
        seed = self.r.randint(0, 1 << 40)
        if exists:
            self.size[self.ino[p]] += size
        else:
            self.kind[p] = "f"
            self.ino[p] = self.new_inode(size)
        self.emit("append", "append %s %d %d" % (gpath(p), size, seed))
        return True

    def op_truncate(self):
        p, exists = self.file_target()
        cur = self.size[self.ino[p]] if exists else 0
        choices = [0, 1, 4096, MIB + 1, 3 * MIB + 5, self.r.randint(0, 9000)]
        if cur:
            choices += [cur // 2, cur - 1, cur + 1, cur + self.r.randint(1, 70000)]
        size = self.r.choice(choices)
        if exists:
            self.size[self.ino[p]] = size
        else:
            self.kind[p] = "f"
            self.ino[p] = self.new_inode(size)
        self.emit("truncate", "truncate %s %d" % (gpath(p), size))
        return True

    def op_cp(self):
        files = self.paths("f")
        if not files:
            return False
        src = self.r.choice(files)
        n = self.size[self.ino[src]]
        if n > self.budget:
            return False
        x = self.r.random()
        if x < 0.5:
            dst = self.fresh(self.r.choice(self.dirs()))
            arg = dst
        elif x < 0.75:
            d = self.r.choice(self.dirs())
            dst = self.join(d, self.base(src))
            if self.kind.get(dst) not in (None, "f") or (self.kind.get(dst) == "f"
                                                          and self.ino[dst] == self.ino[src]):
                return False
            arg = d
        else:
            others = [f for f in files if self.ino[f] != self.ino[src]]
            if not others:
                return False
            dst = arg = self.r.choice(others)
        self.budget -= n
        self.data += n
        if self.kind.get(dst) == "f":
            self.size[self.ino[dst]] = n
        else:
            self.kind[dst] = "f"
            self.ino[dst] = self.new_inode(n)
        self.emit("cp", "cp %s %s" % (gpath(src), gpath(arg)))
        return True

    def rename_model(self, old, new):
        """Moves old (and everything below it) to new in the model; new may be
        an existing file that is replaced."""
        if self.kind.get(new) == "f":
            del self.kind[new]
            del self.ino[new]
        moved = sorted(p for p in self.kind if self.under(old, p))
        for p in moved:
            q = new + p[len(old):]
            self.kind[q] = self.kind.pop(p)
            if p in self.ino:
                self.ino[q] = self.ino.pop(p)

    def op_mv(self):
        cands = [p for p in self.kind if p]
        if not cands:
            return False
        old = self.r.choice(cands)
        k = self.kind[old]
        x = self.r.random()
        if x < 0.45:                                  # to a fresh name somewhere
            dirs = [d for d in self.dirs() if not (k == "d" and self.under(old, d))]
            if k == "d":
                depth = max(p.count(b"/") for p in self.kind if self.under(old, p)) - old.count(b"/")
                dirs = [d for d in dirs if d.count(b"/") + depth < 5]
            if not dirs:
                return False
            new = arg = self.fresh(self.r.choice(dirs))
        elif x < 0.8:                                 # into an existing directory
            dirs = [d for d in self.dirs() if not (k == "d" and self.under(old, d))]
            if not dirs:
                return False
            d = self.r.choice(dirs)
            new = self.join(d, self.base(old))
            if new in self.kind:
                return False
            arg = d
        else:                                         # over an existing file
            if k == "d":
                return False
            others = [f for f in self.paths("f") if f != old and not (k == "f" and self.ino[f] == self.ino[old])]
            if not others:
                return False
            new = arg = self.r.choice(others)
        self.rename_model(old, new)
        self.emit("mv", "mv %s %s" % (gpath(old), gpath(arg)))
        if self.r.random() < 0.5:
            self.probe_gone(old, new)
        return True

    def op_rm(self):
        cands = self.paths("f") + self.paths("l")
        if not cands:
            return False
        p = self.r.choice(cands)
        del self.kind[p]
        self.ino.pop(p, None)
        self.emit("rm", "rm %s" % gpath(p))
        if self.r.random() < 0.5:
            self.probe_gone(p)
        return True

    def op_ln(self):
        files = self.paths("f")
        if not files:
            return False
        src = self.r.choice(files)
        dst = self.fresh(self.r.choice(self.dirs()))
        self.kind[dst] = "f"
        self.ino[dst] = self.ino[src]
        self.emit("ln", "ln %s %s" % (gpath(src), gpath(dst)))
        return True

    def op_symlink(self):
        others = [p for p in self.kind if p]
        targets = [b"nowhere", b"../up/and/away", b"/myfs/abs", b"t\xffarget with space", b"."]
        if others:
            targets.append(self.r.choice(others))
        target = self.r.choice(targets)
        dst = self.fresh(self.r.choice(self.dirs()))
        self.kind[dst] = "l"
        self.emit("symlink", "ln -s %s %s" % (esc(target), gpath(dst)))
        return True

    def op_rmdir(self):
        empty = [d for d in self.paths("d") if d and not self.children(d)]
        if not empty:
            return False
        d = self.r.choice(empty)
        del self.kind[d]
        self.emit("rmdir", "rmdir %s" % gpath(d))
        if self.r.random() < 0.5:
            self.probe_gone(d)
        return True

    def op_sha256(self):
        files = self.paths("f")
        if not files:
            return False
        self.emit("sha256", "sha256 %s" % gpath(self.r.choice(files)))
        return True

    # --- the rename matrix: every kind of source over every kind of target
    SRC_KINDS = ("f", "fh", "de", "dn", "lf", "ld", "lx")
    DST_KINDS = ("fresh", "f", "de", "dn", "lf", "ld", "lx", "self", "parent")

    def matrix(self):
        cases = [(a, b) for a in self.SRC_KINDS for b in self.DST_KINDS]
        cases += [("fh", "same"), ("de", "sub"), ("dn", "sub"), ("dn", "subsub")]
        return cases

    def shallow_dirs(self, avoid=None):
        ds = [d for d in self.dirs(maxdepth=3) if avoid is None or not self.under(avoid, d)]
        return ds or [b""]

    def links(self, want):
        """Symlinks that resolve safely: want 'f' to a file, 'd' to a
        directory, 'x' to nothing (a missing name in an existing directory)."""
        out = []
        for p in self.paths("l"):
            r = self.resolve(p)
            if r is None:
                continue
            k = self.kind.get(r[0]) if r[1] else "x"
            if k == want:
                out.append(p)
        return out

    def make_link(self, want, avoid=None):
        """A symlink of kind want (see links), with a relative target."""
        have = [p for p in self.links(want) if avoid is None or not self.under(avoid, p)]
        if have and self.r.random() < 0.6:
            return self.r.choice(have)
        d = self.r.choice(self.shallow_dirs(avoid))
        if want == "x":
            target = self.base(self.fresh(d)) + b".gone"
        else:
            cands = [p for p in self.kind if p and self.kind[p] == want]
            if want == "d":
                cands.append(b"")
            t = self.r.choice(cands) if cands and self.r.random() < 0.7 else (
                self.make_file() if want == "f" else self.make_dir(False))
            target = os.path.relpath(self.ref.root + b"/" + t, self.ref.root + b"/" + d if d else self.ref.root)
        link = self.fresh(d)
        self.emit("m-setup", "ln -s %s %s" % (esc(target), gpath(link)))
        return link

    def make_file(self, avoid=None):
        files = [f for f in self.paths("f") if avoid is None or not self.under(avoid, f)]
        if files and self.r.random() < 0.6:
            return self.r.choice(files)
        p = self.fresh(self.r.choice(self.shallow_dirs(avoid)))
        self.emit("m-setup", "write %s %d %d" % (gpath(p), self.r.choice([0, 1, 100, 5000]),
                                                 self.r.randint(0, 1 << 40)))
        return p

    def make_dir(self, nonempty, avoid=None):
        ds = [d for d in self.dirs(maxdepth=3) if d and (avoid is None or not self.under(avoid, d))
              and bool(self.children(d)) == nonempty]
        if ds and self.r.random() < 0.6:
            return self.r.choice(ds)
        d = self.fresh(self.r.choice(self.shallow_dirs(avoid)))
        self.emit("m-setup", "mkdir %s" % gpath(d))
        if nonempty:
            self.emit("m-setup", "write %s 10 %d" % (gpath(self.fresh(d)), self.r.randint(0, 99)))
        return d

    def make_src(self, k):
        if k == "f":
            return self.make_file()
        if k == "fh":
            multi = [f for f in self.paths("f") if self.nlink[self.ino[f]] > 1]
            if multi and self.r.random() < 0.6:
                return self.r.choice(multi)
            f = self.make_file()
            self.emit("m-setup", "ln %s %s" % (gpath(f), gpath(self.fresh(self.parent(f)))))
            return f
        if k in ("de", "dn"):
            return self.make_dir(k == "dn")
        return self.make_link(k[1])

    def op_mv_case(self, src_kind, dst_kind):
        """One case of the rename matrix: the host says what happens."""
        src = self.make_src(src_kind)
        if dst_kind == "fresh":
            arg = self.fresh(self.r.choice(self.shallow_dirs(src)))
        elif dst_kind == "f":
            arg = self.make_file(avoid=src)
        elif dst_kind in ("de", "dn"):
            # mv into a directory that already holds the source's name.
            p = self.r.choice(self.shallow_dirs(src))
            there = self.join(p, self.base(src))
            if there in self.kind:
                p = self.make_dir(False, avoid=src)
                p = self.fresh(p)
                self.emit("m-setup", "mkdir %s" % gpath(p))
                there = self.join(p, self.base(src))
            self.emit("m-setup", "mkdir %s" % gpath(there))
            if dst_kind == "dn":
                self.emit("m-setup", "write %s 3 %d" % (gpath(self.fresh(there)), self.r.randint(0, 99)))
            arg = p
        elif dst_kind in ("lf", "ld", "lx"):
            arg = self.make_link(dst_kind[1], avoid=src)
        elif dst_kind == "self":
            arg = src
        elif dst_kind == "parent":
            arg = self.parent(src)
        elif dst_kind == "same":
            ino = self.ino[src]
            arg = next(p for p in self.paths("f") if p != src and self.ino[p] == ino)
        else:   # sub, subsub: into its own subdirectory
            subs = [p for p in self.paths("d") if p != src and self.under(src, p)]
            if dst_kind == "subsub" or not subs:
                sub = self.fresh(src)
                self.emit("m-setup", "mkdir %s" % gpath(sub))
                if dst_kind == "subsub":
                    sub = self.fresh(sub)
                    self.emit("m-setup", "mkdir %s" % gpath(sub))
                arg = sub
            else:
                arg = self.r.choice(subs)
        final = Ref.into_dir(self.ref.root + b"/" + src, self.ref.root + b"/" + arg if arg else self.ref.root)
        final = final[len(self.ref.root) + 1:] if final != self.ref.root else b""
        err, _ = self.emit("mv-%s-%s" % (src_kind, dst_kind), "mv %s %s" % (gpath(src), gpath(arg)), maybe=True)
        self.counts["mv-fails" if err else "mv-ok"] = self.counts.get("mv-fails" if err else "mv-ok", 0) + 1
        if b".." in final.split(b"/") or final.startswith(b"/"):
            self.probe("stat %s" % gpath(src), "ls %s" % gpath(self.parent(src)))
        else:
            self.probe_gone(src, final)
        return True

    # --- paths through symlinks: as directories, as files, as write targets
    def op_via_link(self):
        r = self.r
        x = r.random()
        if x < 0.45:
            link = self.make_link("d")
            real = self.resolve(link)[0]
            kids = [p for p in self.kind if p != real and self.parent(p) == real]
            kid = r.choice(kids) if kids and r.random() < 0.6 else None
            via = (lambda p: gpath(link + p[len(real):]))     # real path -> path through the link
            fresh = gpath(self.join(link, self.base(self.fresh(real))))
            opts = [("write", "write %s %d %d" % (fresh, r.choice([0, 7, 4096, MIB + 3]), r.randint(0, 1 << 40))),
                    ("mkdir", "mkdir %s" % fresh),
                    ("ls", "ls %s" % gpath(link)),
                    ("ln -s", "ln -s x %s" % fresh),
                    ("rmdir", "rmdir %s" % gpath(link)),
                    ("rm", "rm %s" % gpath(link + b"/")),
                    ("cp", "cp %s %s" % (gpath(self.make_file()), gpath(link)))]
            if kid is not None:
                k = self.kind[kid]
                opts += [("mv", "mv %s %s" % (via(kid), gpath(self.fresh(r.choice(self.shallow_dirs(kid)))))),
                         ("stat", "stat %s" % via(kid))]
                if k == "f":
                    opts += [("rm", "rm %s" % via(kid)), ("sha256", "sha256 %s" % via(kid)),
                             ("append", "append %s 100 %d" % (via(kid), r.randint(0, 99)))]
                elif k == "d":
                    opts += [("rmdir", "rmdir %s" % via(kid)), ("ls", "ls %s" % via(kid))]
                else:
                    opts.append(("rm", "rm %s" % via(kid)))
                    if self.resolve(kid) is not None:     # not out of the share, not absolute
                        opts.append(("write", "write %s 5 %d" % (via(kid), r.randint(0, 99))))
        elif x < 0.85:
            link = self.make_link("f")
            opts = [("write", "write %s %d %d" % (gpath(link), r.choice([0, 3, 5000, MIB + 1]), r.randint(0, 1 << 40))),
                    ("append", "append %s 33 %d" % (gpath(link), r.randint(0, 99))),
                    ("truncate", "truncate %s %d" % (gpath(link), r.choice([0, 1, 9000]))),
                    ("sha256", "sha256 %s" % gpath(link)),
                    ("cp", "cp %s %s" % (gpath(link), gpath(self.fresh(r.choice(self.shallow_dirs()))))),
                    ("cp", "cp %s %s" % (gpath(self.make_file()), gpath(link))),
                    ("ln", "ln %s %s" % (gpath(link), gpath(self.fresh(self.parent(link))))),
                    ("write", "write %s 5 1" % gpath(self.join(link, b"x"))),
                    ("mkdir", "mkdir %s" % gpath(self.join(link, b"x"))),
                    ("ls", "ls %s" % gpath(link))]
        else:
            link = self.make_link("x")
            opts = [("write", "write %s 12 %d" % (gpath(link), r.randint(0, 99))),
                    ("truncate", "truncate %s 5" % gpath(link)),
                    ("mkdir", "mkdir %s" % gpath(link)),
                    ("ls", "ls %s" % gpath(link)),
                    ("sha256", "sha256 %s" % gpath(link))]
        kind, line = r.choice(opts)
        if kind in ("write", "append", "cp"):
            self.budget -= MIB
        err, _ = self.emit("link-" + kind, line, maybe=True)
        self.counts["link-fails" if err else "link-ok"] = self.counts.get("link-fails" if err else "link-ok", 0) + 1
        if r.random() < 0.4:
            self.probe("stat %s" % gpath(link), "ls %s" % gpath(self.parent(link)), "cat %s" % gpath(link))
        return True

    def op_fail(self):
        """One deliberately failing command; the model does not change."""
        r = self.r
        files, dirs = self.paths("f"), [d for d in self.paths("d") if d]
        links = self.paths("l")
        nonempty = [d for d in dirs if self.children(d)]
        withsub = [d for d in dirs if any(self.kind[c] == "d" for c in self.children(d))]
        missing = self.fresh(r.choice(self.dirs()))
        opts = [
            ("rm", "rm %s" % gpath(missing), "ENOENT"),
            ("cat", "cat %s" % gpath(missing), "ENOENT"),
            ("mv", "mv %s %s" % (gpath(missing), gpath(self.fresh(b""))), "ENOENT"),
            ("write", "write %s 10 1" % gpath(self.join(missing, b"x")), "ENOENT"),
            ("mkdir", "mkdir %s" % gpath(self.join(missing, b"x")), "ENOENT"),
        ]
        if dirs:
            d = r.choice(dirs)
            opts += [("mkdir", "mkdir %s" % gpath(d), "EEXIST"),
                     ("rm", "rm %s" % gpath(d), "EISDIR"),
                     ("ln", "ln %s %s" % (gpath(d), gpath(self.fresh(b""))), "EPERM"),
                     ("symlink", "ln -s x %s" % gpath(d), "EEXIST")]
        if files:
            f = r.choice(files)
            opts += [("mkdir", "mkdir %s" % gpath(f), "EEXIST"),
                     ("rmdir", "rmdir %s" % gpath(f), "ENOTDIR"),
                     ("write", "write %s 10 1" % gpath(self.join(f, b"x")), "ENOTDIR"),
                     ("ln", "ln %s %s" % (gpath(f), gpath(f)), "EEXIST")]
            if dirs:
                d = r.choice(dirs)
                opts.append(("ln", "ln %s %s" % (gpath(f), gpath(d)), "EEXIST"))
        if links:
            opts.append(("symlink", "ln -s y %s" % gpath(r.choice(links)), "EEXIST"))
        if nonempty:
            opts.append(("rmdir", "rmdir %s" % gpath(r.choice(nonempty)), "ENOTEMPTY"))
        if withsub:
            d = r.choice(withsub)
            sub = r.choice([c for c in self.children(d) if self.kind[c] == "d"])
            opts.append(("mv", "mv %s %s" % (gpath(d), gpath(sub)), "EINVAL"))
        kind, line, ename = r.choice(opts)
        self.emit("fail-" + kind, line, fail=ename)
        return True

    def generate(self):
        table = [(self.op_mkdir, 12), (self.op_write, 16), (self.op_append, 8), (self.op_truncate, 7),
                 (self.op_cp, 7), (self.op_mv, 10), (self.op_rm, 8), (self.op_ln, 6), (self.op_symlink, 6),
                 (self.op_rmdir, 6), (self.op_sha256, 5), (self.op_fail, 7), (self.op_via_link, 10)]
        fns = [t[0] for t in table]
        weights = [t[1] for t in table]
        # Start with the sizes that matter most, so that every seed has them.
        for size in (MIB + 1, 3 * MIB + 5):
            p = self.fresh(b"")
            self.budget -= size
            self.data += size
            self.emit("write", "write %s %d %d" % (gpath(p), size, self.r.randint(0, 1 << 40)))
        # Every case of the rename matrix once, at random points of the script.
        cases = self.matrix()
        self.r.shuffle(cases)
        n = 0
        while n < self.nops or cases:
            if cases and self.r.random() < 0.25:
                self.op_mv_case(*cases.pop())
            else:
                self.r.choices(fns, weights)[0]()
            n += 1
        return "".join(l + "\n" for l in self.lines)


# ------------------------------------------------------------------ reference

# ------------------------------------------------------------------ tests

def guest_errors(out):
    res = []
    for line in out.split(b"\n"):
        m = ERROR_RE.match(line)
        if m:
            res.append((m.group(1).decode(), m.group(3).decode()))
    return res


def parse_probe(cmd, body):
    """What the guest printed for a probe, in the form Ref.apply gives."""
    m = ERROR_RE.match(body)
    if m:
        return ("err", m.group(3).decode())
    if cmd == "cat":
        return body
    text = body.decode("latin-1")
    if cmd == "ls":
        return sorted(l for l in text.split("\n") if l)
    f = {}
    m = re.search(r"Type: (.*)\n", text)
    f["type"] = m.group(1) if m else None
    for key in ("Size", "Links", "Uid", "Gid"):
        m = re.search(r"\b%s: (\d+)" % key, text)
        f[key] = int(m.group(1)) if m else None
    m = re.search(r"Mode: ([0-7]+)", text)
    f["Mode"] = int(m.group(1), 8) if m else None
    return (f["type"], f["Size"], f["Links"], f["Mode"], f["Uid"], f["Gid"])


def guest_probes(out):
    """{n: body} of the probe sections `=Pn=` .. the next marker line."""
    res = {}
    cur, body = None, []
    for line in out.split(b"\n"):
        m = re.match(rb"^=(/?)P(\d*)=$", line)
        if m:
            if cur is not None:
                res[cur] = b"".join(l + b"\n" for l in body)
            cur, body = (int(m.group(2)) if not m.group(1) else None), []
        elif cur is not None:
            body.append(line)
    return res


def owners(root):
    """(relative path, uid, gid) of every entry below root."""
    out = []
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            st = os.lstat(os.path.join(d, n))
            out.append((os.path.relpath(os.path.join(d, n), root), st.st_uid, st.st_gid))
    return sorted(out)


# The checks of one seed (a fixed number, whatever happens).
SEED_CHECKS = ("the host gives the errnos the generator predicts",
               "guest runs the script, status 0",
               "failing commands fail with the host's errnos",
               "mid-script sha256 results match",
               "probes (stat, ls, cat of just removed/renamed names, through symlinks) match the host",
               "guest tree equals the reference tree (mtimes ignored)",
               "uid/gid of every entry equal the reference's",
               "guest manifest /myfs equals tools/manifest of the share (with mtimes)")


def test_seed(seed, cache="auto"):
    """The seed's SEED_CHECKS; True when all passed."""
    name = "seed %d (cache %s)" % (seed, cache)
    ref = vstest.tmpdir("vstest-rw-ref-").encode()
    guest = vstest.tmpdir("vstest-rw-guest-").encode()
    ctl = vstest.tmpdir("vstest-rw-ctl-")
    gen = Gen(seed, ref)
    try:
        script = gen.generate()
    except (RefError, OSError) as e:
        for c in SEED_CHECKS:
            check("%s: %s" % (name, c), False, "the generator failed on the host: %s" % e)
        save_log("test_rw-seed%d.script" % seed, "".join(l + "\n" for l in gen.lines))
        return False
    note("seed %d: %d lines, %.1f MiB of data, %d probes, ops %s" % (
        seed, len(gen.lines), gen.data / MIB, len(gen.probes),
        " ".join("%s=%d" % kv for kv in sorted(gen.counts.items()))))
    with open(os.path.join(ctl, "script"), "w", encoding="latin-1") as f:
        f.write(script)
    exp_errors, exp_hashes = gen.ref.errors, gen.ref.hashes

    results = []
    results.append((gen.host_fail == gen.expect_fail and len(gen.expect_fail) > 0,
                    "host %r vs generator %r" % (gen.host_fail, gen.expect_fail)))

    cmd = "run /ctl/script; echo =M=; manifest /myfs; echo =EM=; mounts"
    r = vstest.run(cmd, shares=[(guest.decode(), "myfs"), (ctl, "ctl")], cache=cache, timeout=240)
    ok = r.status == 0
    results.append((ok, r.summary()))

    got_errors = guest_errors(r.out)
    first = next((i for i, (a, b) in enumerate(zip(got_errors, exp_errors)) if a != b), min(len(got_errors), len(exp_errors)))
    results.append((got_errors == exp_errors,
                    "%d vs %d errors; first difference at #%d: guest %r vs host %r" % (
                        len(got_errors), len(exp_errors), first, got_errors[first:first + 3],
                        exp_errors[first:first + 3])))

    got_hashes = [m.group(1) for m in (SHA_RE.match(l) for l in r.out.split(b"\n")) if m]
    results.append((got_hashes == exp_hashes,
                    "first difference at #%s" % next((i for i, (a, b) in enumerate(zip(got_hashes, exp_hashes))
                                                      if a != b),
                                                     "(lengths %d vs %d)" % (len(got_hashes), len(exp_hashes)))))

    sections = guest_probes(r.out)
    bad = []
    for n, line, want in gen.probes:
        got = parse_probe(line.split(" ")[0], sections[n]) if n in sections else "(missing)"
        if got != want:
            bad.append("P%d %r: guest %r, host %r" % (n, line, got, want))
    results.append((not bad and len(gen.probes) > 0,
                    "%d of %d differ: %s" % (len(bad), len(gen.probes), "; ".join(bad[:3]))))

    gm = strip_mtime(vstest.host_manifest(guest))
    rm = strip_mtime(vstest.host_manifest(ref))
    same = gm == rm
    results.append((same and len(rm) > 0, "%d vs %d entries; %s" % (len(gm), len(rm), diff_summary(gm, rm))))

    go, ro = owners(guest), owners(ref)
    results.append((go == ro and len(ro) > 0, diff_summary(go, ro)))

    host_m = vstest.host_manifest(guest)
    guest_m = r.between("=M=", "=EM=")
    results.append((guest_m == host_m and len(host_m) > 0,
                    diff_summary((guest_m or b"").split(b"\n"), host_m.split(b"\n"))))

    for c, (cond, detail) in zip(SEED_CHECKS, results):
        check("%s: %s" % (name, c), cond, detail)
    if not all(c for c, _ in results):
        save_log("test_rw-seed%d.script" % seed, script)
        save_log("test_rw-seed%d.out" % seed, r.out)
        save_log("test_rw-seed%d.guest.manifest" % seed, b"\n".join(gm) + b"\n")
        save_log("test_rw-seed%d.ref.manifest" % seed, b"\n".join(rm) + b"\n")

    m = re.search(rb"^myfs on /myfs type virtiofs \(rw,timeout=30, nodes (\d+), max (\d+)\)", r.out, re.M)
    if m:
        note("%s: node cache now %s, max %s" % (name, m.group(1).decode(), m.group(2).decode()))
    return all(c for c, _ in results)


def fresh_cache(seed):
    return ("auto", "none", "always")[seed % 3]


def seeds_given(spec):
    """VIOSHARE_RW_SEEDS: [(seed, cache mode)] of "7,8:always,100-399"."""
    out = []
    for item in spec.split(","):
        if not item.strip():
            continue
        word, _, cache = item.strip().partition(":")
        first, _, last = word.partition("-")
        for seed in range(int(first), int(last or first) + 1):
            out.append((seed, cache or (fresh_cache(seed) if last else "auto")))
    return out


def test_data_on_host():
    d = vstest.tmpdir("vstest-rw-data-")
    vstest.write_pattern(os.path.join(d, "pre"), 20, 100)
    vstest.write_pattern(os.path.join(d, "shrink"), 21, 5 * MIB)
    sizes = [("s0", 0, 1), ("s1", 1, 2), ("s4k", 4096, 3), ("m1", 1048575, 4), ("m2", 1048576, 5),
             ("m3", 1048577, 6), ("m3p", 3 * MIB + 5, 7), ("m2x", 2 * MIB, 8)]
    cmds = ["write /myfs/%s %d %d" % s for s in sizes]
    cmds += ["append /myfs/pre 1048577 9", "append /myfs/pre 5 10", "append /myfs/new 4097 11",
             "append /myfs/new 0 12", "write /myfs/shrink 10 13",
             "echo =H=", "sha256 /myfs/m3", "sha256 /myfs/m3p 1048570 20", "sha256 /myfs/pre", "echo =EH=",
             "exit 0"]
    r = vstest.run("; ".join(cmds), shares=[d])
    check("writes then exit 0: status 0", r.status == 0, r.summary())
    for name, size, seed in sizes:
        path = os.path.join(d, name)
        try:
            with open(path, "rb") as f:
                got = f.read()
            st = os.stat(path)
        except OSError as e:
            check("write %s %d: exact bytes on the host" % (name, size), False, e)
            continue
        want = pattern(seed, size)
        first = next((i for i in range(min(len(got), len(want))) if got[i] != want[i]), None) \
            if got != want else None
        check("write %d bytes: exact bytes on the host after the command returns" % size, got == want,
              "size %d (want %d), first difference at %s" % (len(got), size, first))
        check("write %d bytes: mode 0644, owner 0:0" % size,
              stat.S_IMODE(st.st_mode) == 0o644 and st.st_uid == 0 and st.st_gid == 0,
              "mode %o uid %d gid %d" % (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid))
    with open(os.path.join(d, "pre"), "rb") as f:
        got = f.read()
    want = pattern(20, 100) + pattern(9, 1048577) + pattern(10, 5)
    check("append appends to an existing file (100 + 1048577 + 5 bytes)", got == want,
          "size %d want %d" % (len(got), len(want)))
    with open(os.path.join(d, "new"), "rb") as f:
        got = f.read()
    check("append creates a missing file", got == pattern(11, 4097), "size %d" % len(got))
    with open(os.path.join(d, "shrink"), "rb") as f:
        got = f.read()
    check("write truncates a longer existing file (5 MiB -> 10 bytes)", got == pattern(13, 10),
          "size %d" % len(got))
    hashes = [l.split(b"  ")[0] for l in (r.between("=H=", "=EH=") or b"").split(b"\n") if l]
    want = [hashlib.sha256(pattern(6, 1048577)).hexdigest().encode(),
            hashlib.sha256(pattern(7, 3 * MIB + 5)[1048570:1048590]).hexdigest().encode(),
            hashlib.sha256(pattern(20, 100) + pattern(9, 1048577) + pattern(10, 5)).hexdigest().encode()]
    check("guest reads back what it wrote (sha256 after write/append, in the same run)", hashes == want,
          "got %r" % hashes)

    # O_TRUNC on a file this very run created and wrote (its cached size from
    # CREATE was 0): write, append+write 0, cp over it.
    cmds = ["write /myfs/t1 4096 40", "write /myfs/t1 777 41",
            "append /myfs/t2 4096 42", "write /myfs/t2 0 43",
            "write /myfs/t3 5000 44", "write /myfs/src 10 45", "cp /myfs/src /myfs/t3",
            "truncate /myfs/t4 0", "append /myfs/t4 3000 46", "write /myfs/t4 2 47"]
    r = vstest.run("; ".join(cmds), shares=[d])
    check("re-writing files created in the same run: status 0", r.status == 0, r.summary())
    for name, want, what in (("t1", pattern(41, 777), "write 4096 then write 777 leaves 777 bytes"),
                             ("t2", b"", "append 4096 then write 0 leaves an empty file"),
                             ("t3", pattern(45, 10), "write 5000 then cp of a 10-byte file leaves 10 bytes"),
                             ("t4", pattern(47, 2), "truncate 0, append 3000, write 2 leaves 2 bytes")):
        got = read_or_error(os.path.join(d, name))
        check("O_TRUNC after writes in the same run: " + what, got == want,
              "host has %d bytes, want %d" % (len(got), len(want)))

    # A non-zero exit status does not lose written data either.
    r = vstest.run("write /myfs/late 1048577 30; append /myfs/late 3 31; exit 5", shares=[d])
    try:
        with open(os.path.join(d, "late"), "rb") as f:
            got = f.read()
    except OSError as e:
        got = repr(e).encode()
    check("write; append; exit 5: status 5 and the bytes on the host",
          r.status == 5 and got == pattern(30, 1048577) + pattern(31, 3),
          "%s; size %d" % (r.summary(), len(got)))


def main():
    if not vstest.require_image():
        return vstest.finish()
    want = pattern_py(977, 4099)
    check("reference pattern: tools/pattern equals the SPEC formula", pattern(977, 4099) == want)
    seeds = seeds_given(os.environ["VIOSHARE_RW_SEEDS"]) if os.environ.get("VIOSHARE_RW_SEEDS") else list(SEEDS)
    # One fresh seed per run besides the fixed ones (VIOSHARE_RW_SEED=N replays it).
    fresh = os.environ.get("VIOSHARE_RW_SEED")
    fresh = int(fresh) if fresh else int.from_bytes(os.urandom(4), "little")
    note("fresh seed %d (cache %s): replay with VIOSHARE_RW_SEED=%d" % (fresh, fresh_cache(fresh), fresh))
    seeds.append((fresh, fresh_cache(fresh)))
    failed = []
    for seed, cache in seeds:
        start = time.monotonic()
        try:
            ok = test_seed(seed, cache=cache)
        except Exception as e:
            ok = check("seed %d" % seed, False, "exception %s: %s" % (type(e).__name__, e))
        if not ok:
            failed.append("%d:%s" % (seed, cache))
        note("seed %d took %.1f s" % (seed, time.monotonic() - start))
    note("%d seeds run, %d failed%s" % (len(seeds), len(failed),
                                         ": replay with VIOSHARE_RW_SEEDS=%s" % ",".join(failed) if failed else ""))
    try:
        test_data_on_host()
    except Exception as e:
        check("test_data_on_host", False, "exception %s: %s" % (type(e).__name__, e))
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
