#!/usr/bin/env python3
"""Writing, differentially: seeded random scripts of a few hundred operations
(mkdir, write, append, truncate, mv, rm, ln, ln -s, rmdir, cp, sha256, plus a few
deliberately failing `-` commands) run by the guest with `run` from a second
share, while a Python reference applies the same script to a host directory.
The two trees must be identical (tools/manifest, ignoring mtimes); the failing
commands must fail with the errno the host gives; mid-script sha256 results
must match.  Also: after a write command returns the exact bytes are on the
host (sizes across the 1 MiB request boundary), append appends."""

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
# (seed, cache mode); VIOSHARE_RW_SEEDS=7,8 runs other seeds (cache auto).
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


# ------------------------------------------------------------------ generator

NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_."
ODD_NAMES = [b"sp ace", b"caf\xc3\xa9", b"x\xffy", b"semi;colon", b"back\\slash", b"UPPER",
             b"q\"uote", b"#hash", b"tab\there", b"n" * 255]


class Gen:
    """Keeps a model of the share's tree and emits script lines valid in it."""

    def __init__(self, seed, nops=OPS, budget=BUDGET):
        self.r = random.Random(seed)
        self.nops = nops
        self.budget = budget
        self.kind = {b"": "d"}       # relative path -> 'd' | 'f' | 'l'
        self.ino = {}                # file path -> inode number (model)
        self.size = {}               # inode -> size
        self.next_ino = 1
        self.lines = []
        self.expect_fail = []        # ENAMEs the generator predicts, in order
        self.counts = {}
        self.data = 0

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

    def emit(self, kind, line, fail=None):
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if fail:
            self.lines.append("-" + line)
            self.expect_fail.append(fail)
        else:
            self.lines.append(line)

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
        return True

    def op_rm(self):
        cands = self.paths("f") + self.paths("l")
        if not cands:
            return False
        p = self.r.choice(cands)
        del self.kind[p]
        self.ino.pop(p, None)
        self.emit("rm", "rm %s" % gpath(p))
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
        return True

    def op_sha256(self):
        files = self.paths("f")
        if not files:
            return False
        self.emit("sha256", "sha256 %s" % gpath(self.r.choice(files)))
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
                 (self.op_rmdir, 6), (self.op_sha256, 5), (self.op_fail, 7)]
        fns = [t[0] for t in table]
        weights = [t[1] for t in table]
        # Start with the sizes that matter most, so that every seed has them.
        for size in (MIB + 1, 3 * MIB + 5):
            p = self.fresh(b"")
            self.kind[p] = "f"
            self.ino[p] = self.new_inode(size)
            self.budget -= size
            self.data += size
            self.emit("write", "write %s %d %d" % (gpath(p), size, self.r.randint(0, 1 << 40)))
        while len(self.lines) < self.nops:
            fn = self.r.choices(fns, weights)[0]
            fn()
        return "".join(l + "\n" for l in self.lines)


# ------------------------------------------------------------------ reference

class RefError(Exception):
    pass


def apply_reference(root, script):
    """Applies the script to the host directory root (bytes) with Python.
    Returns (errors, hashes): the ENAMEs of the `-` commands in order, and
    the sha256 results in order.  Raises RefError when a `-` command does not
    fail or another command fails (a bug of the generator)."""
    errors, hashes = [], []

    def host(word):
        p = unesc(word)
        if p == b"/myfs":
            return root
        if not p.startswith(b"/myfs/"):
            raise RefError("path outside /myfs: %r" % p)
        return root + p[5:]

    def into_dir(src, dst):
        try:
            if stat.S_ISDIR(os.stat(dst).st_mode):
                return os.path.join(dst, os.path.basename(src))
        except OSError:
            pass
        return dst

    def put(path, flags, size, seed):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | flags, 0o644)
        try:
            data = pattern(seed, size)
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
        finally:
            os.close(fd)

    old_umask = os.umask(0)
    try:
        for lineno, line in enumerate(script.split("\n"), 1):
            if not line:
                continue
            may_fail = line.startswith("-")
            w = (line[1:] if may_fail else line).split(" ")
            cmd = w[0]
            try:
                if cmd == "mkdir":
                    os.mkdir(host(w[1]), 0o755)
                elif cmd == "rmdir":
                    os.rmdir(host(w[1]))
                elif cmd == "rm":
                    os.unlink(host(w[1]))
                elif cmd == "mv":
                    src = host(w[1])
                    os.rename(src, into_dir(src, host(w[2])))
                elif cmd == "ln" and w[1] == "-s":
                    os.symlink(unesc(w[2]), host(w[3]))
                elif cmd == "ln":
                    os.link(host(w[1]), host(w[2]), follow_symlinks=False)
                elif cmd == "truncate":
                    fd = os.open(host(w[1]), os.O_WRONLY | os.O_CREAT, 0o644)
                    try:
                        os.ftruncate(fd, int(w[2]))
                    finally:
                        os.close(fd)
                elif cmd == "write":
                    put(host(w[1]), os.O_TRUNC, int(w[2]), int(w[3]))
                elif cmd == "append":
                    put(host(w[1]), os.O_APPEND, int(w[2]), int(w[3]))
                elif cmd == "cp":
                    src = host(w[1])
                    with open(src, "rb") as f:
                        data = f.read()
                    dst = into_dir(src, host(w[2]))
                    with open(os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), "wb") as f:
                        f.write(data)
                elif cmd == "sha256":
                    hashes.append(vstest.sha256_file(host(w[1])).encode())
                elif cmd == "cat":
                    with open(host(w[1]), "rb") as f:
                        f.read()
                else:
                    raise RefError("line %d: unknown command %r" % (lineno, line))
            except OSError as e:
                if not may_fail:
                    raise RefError("line %d: %r failed in the reference: %s" % (lineno, line, e))
                errors.append((cmd, errno.errorcode.get(e.errno, str(e.errno))))
                continue
            if may_fail:
                raise RefError("line %d: %r should fail but succeeded in the reference" % (lineno, line))
    finally:
        os.umask(old_umask)
    return errors, hashes


# ------------------------------------------------------------------ tests

def guest_errors(out):
    res = []
    for line in out.split(b"\n"):
        m = ERROR_RE.match(line)
        if m:
            res.append((m.group(1).decode(), m.group(3).decode()))
    return res


def test_seed(seed, exact_manifest, cache="auto"):
    gen = Gen(seed)
    script = gen.generate()
    note("seed %d: %d lines, %.1f MiB of data, ops %s" % (
        seed, len(gen.lines), gen.data / MIB, " ".join("%s=%d" % kv for kv in sorted(gen.counts.items()))))
    guest = vstest.tmpdir("vstest-rw-guest-").encode()
    ref = vstest.tmpdir("vstest-rw-ref-").encode()
    ctl = vstest.tmpdir("vstest-rw-ctl-")
    with open(os.path.join(ctl, "script"), "w", encoding="latin-1") as f:
        f.write(script)

    name = "seed %d (cache %s)" % (seed, cache)
    try:
        exp_errors, exp_hashes = apply_reference(ref, script)
    except RefError as e:
        check("%s: reference applies the script" % name, False, e)
        save_log("test_rw-seed%d.script" % seed, script)
        return
    check("%s: the host gives the errnos the generator predicts for its %d failing commands"
          % (name, len(gen.expect_fail)),
          [e for _, e in exp_errors] == gen.expect_fail and len(gen.expect_fail) > 0,
          "host %r vs generator %r" % (exp_errors, gen.expect_fail))

    cmd = "run /ctl/script; echo =M=; manifest /myfs; echo =EM=; mounts"
    r = vstest.run(cmd, shares=[(guest.decode(), "myfs"), (ctl, "ctl")], cache=cache, timeout=240)
    ok = check("%s: guest runs %d commands, status 0" % (name, len(gen.lines)), r.status == 0, r.summary())

    got_errors = guest_errors(r.out)
    check("%s: the %d failing commands fail with the host's errnos" % (name, len(exp_errors)),
          got_errors == exp_errors, "guest %r vs host %r" % (got_errors, exp_errors))

    got_hashes = [m.group(1) for m in (SHA_RE.match(l) for l in r.out.split(b"\n")) if m]
    check("%s: the %d mid-script sha256 results match" % (name, len(exp_hashes)),
          got_hashes == exp_hashes,
          "first difference at #%s" % next((i for i, (a, b) in enumerate(zip(got_hashes, exp_hashes)) if a != b),
                                           "(lengths %d vs %d)" % (len(got_hashes), len(exp_hashes))))

    gm = strip_mtime(vstest.host_manifest(guest))
    rm = strip_mtime(vstest.host_manifest(ref))
    same = gm == rm
    check("%s: guest tree equals the reference tree (%d entries, mtimes ignored)" % (name, len(rm)),
          same and len(rm) > 0, diff_summary(gm, rm))
    if not same or not ok:
        save_log("test_rw-seed%d.script" % seed, script)
        save_log("test_rw-seed%d.guest.manifest" % seed, b"\n".join(gm) + b"\n")
        save_log("test_rw-seed%d.ref.manifest" % seed, b"\n".join(rm) + b"\n")

    if exact_manifest:
        host_m = vstest.host_manifest(guest)
        guest_m = r.between("=M=", "=EM=")
        check("%s: guest manifest /myfs equals tools/manifest of the share (with mtimes)" % name,
              guest_m == host_m and len(host_m) > 0,
              diff_summary((guest_m or b"").split(b"\n"), host_m.split(b"\n")))

    m = re.search(rb"^myfs on /myfs type virtiofs \(rw,timeout=30, nodes (\d+), max (\d+)\)", r.out, re.M)
    if m:
        note("%s: node cache now %s, max %s" % (name, m.group(1).decode(), m.group(2).decode()))


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
    seeds = SEEDS
    if os.environ.get("VIOSHARE_RW_SEEDS"):
        seeds = [(int(x), "auto") for x in os.environ["VIOSHARE_RW_SEEDS"].split(",") if x.strip()]
    for i, (seed, cache) in enumerate(seeds):
        start = time.monotonic()
        try:
            test_seed(seed, exact_manifest=(i == 0), cache=cache)
        except Exception as e:
            check("seed %d" % seed, False, "exception %s: %s" % (type(e).__name__, e))
        note("seed %d took %.1f s" % (seed, time.monotonic() - start))
    try:
        test_data_on_host()
    except Exception as e:
        check("test_data_on_host", False, "exception %s: %s" % (type(e).__name__, e))
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
