# SPDX-License-Identifier: BSD-2-Clause
"""Shared helpers for the vioshare integration tests (real QEMU + virtiofsd).

Every test program prints `PASS name` or `FAIL name: reason` per case through
check() (`SKIP name: reason` through skip() for what this machine cannot run),
and ends with sys.exit(finish()).  Everything else a test prints
(commands run, output tails) starts with "# " so that tests/run.py ignores it.
Every name starts with the host stack the launcher runs, `[classic] ` or
`[current] ` (VIOSHARE_HOST; see on_stack()).
"""

import atexit
import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
TOOLS = os.path.join(REPO, "tools")
LAUNCHER = os.path.join(TOOLS, "vioshare-run")
IMAGE = os.path.join(REPO, "build", "vioshare.elf")
PVH_IMAGE = os.path.join(REPO, "build", "vioshare-pvh.elf")
# The launcher reads VIOSHARE_HOST too: every run of this program uses that stack.
HOST = os.environ.get("VIOSHARE_HOST", "") or "classic"

_failures = []
_passes = 0
_skips = 0
_tmpdirs = []


# ------------------------------------------------------------------ results

def note(text):
    """Diagnostic output: every line prefixed with '# '."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    for line in text.splitlines() or [""]:
        sys.stdout.write("# %s\n" % line)
    sys.stdout.flush()


def check(name, condition, detail=""):
    """Prints PASS name / FAIL name: detail; returns the condition."""
    global _passes
    name = "[%s] %s" % (HOST, " ".join(str(name).split()))
    if condition:
        _passes += 1
        sys.stdout.write("PASS %s\n" % name)
    else:
        reason = " ".join(str(detail).split()) or "check failed"
        if len(reason) > 400:
            reason = reason[:400] + "..."
        _failures.append(name)
        sys.stdout.write("FAIL %s: %s\n" % (name, reason))
    sys.stdout.flush()
    return bool(condition)


def header_version():
    """The project's version, as vfs/vioshare_version.h writes it."""
    with open(os.path.join(REPO, "vfs", "vioshare_version.h")) as f:
        nums = dict(re.findall(r"^#define VIOSHARE_VERSION_(MAJOR|MINOR|PATCH) (\d+)$", f.read(), re.M))
    return "%s.%s.%s" % (nums["MAJOR"], nums["MINOR"], nums["PATCH"])


KVM_GET_API_VERSION = 0xAE00   # _IO(KVMIO, 0x00)


def kvm_unusable():
    """Why /dev/kvm is no KVM to run on (None: it is): it does not open, or
    is some other device (KVM_GET_API_VERSION does not give 12)."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError as e:
        return "/dev/kvm cannot be opened: %s" % e
    try:
        version = fcntl.ioctl(fd, KVM_GET_API_VERSION)
    except OSError as e:
        return "/dev/kvm is no KVM device: KVM_GET_API_VERSION: %s" % e
    finally:
        os.close(fd)
    return None if version == 12 else "/dev/kvm: KVM API version %d, not 12" % version


def skip(name, reason, allowed_in_ci=False):
    """Checks this machine cannot run (a missing kernel, firmware, tool): one
    line `SKIP name: reason`, or a FAIL when the environment variable CI is set
    (the README allows no skip there, except where it says so: allowed_in_ci,
    and tests/run.py's SKIP_ALLOWED names the program)."""
    global _skips
    if os.environ.get("CI") and not allowed_in_ci:
        return check(name, False, "cannot run in CI: %s" % reason)
    _skips += 1
    sys.stdout.write("SKIP [%s] %s: %s\n" % (HOST, " ".join(str(name).split()), " ".join(str(reason).split())))
    sys.stdout.flush()
    return False


def finish():
    """Exit status for the program: 1 if any check failed (or none ran)."""
    cleanup()
    if not _failures and _passes == 0 and _skips == 0:
        sys.stdout.write("FAIL [%s] %s: no checks ran\n" % (HOST, os.path.basename(sys.argv[0])))
        return 1
    return 1 if _failures else 0


def run_cases(cases, timed=False):
    """Runs each case, a function or (function, args) in turn: an exception in
    one is a failed check named after its function, and the next one runs.
    timed: a note of how long each took."""
    for case in cases:
        fn, args = case if isinstance(case, tuple) else (case, ())
        start = time.monotonic()
        try:
            fn(*args)
        except Exception as e:  # a crash in one case must not hide the others
            check(fn.__name__, False, "exception %s: %s" % (type(e).__name__, e))
        if timed:
            note("%s took %.1f s" % (fn.__name__, time.monotonic() - start))


def compare(name, got, want, side="guest", whose="the guest's"):
    """check(name) that got (side's output, None when it is missing) is want
    (the host's); if not, the line counts and the first line that differs."""
    if got == want:
        return check(name, True)
    if got is None:
        return check(name, False, "%s output is missing (see the log)" % whose)
    gl, wl = got.split(b"\n"), want.split(b"\n")
    diff = next((i for i in range(max(len(gl), len(wl)))
                 if i >= len(gl) or i >= len(wl) or gl[i] != wl[i]), None)
    return check(name, False, "%d vs %d lines; first difference at line %s: %s %r host %r" % (
        len(gl), len(wl), diff, side, gl[diff] if diff is not None and diff < len(gl) else None,
        wl[diff] if diff is not None and diff < len(wl) else None))


def on_stack(host, suite):
    """Runs another test program of this directory (suite) with VIOSHARE_HOST=host,
    in place of the calling program: test_current_tree.py is test_tree.py on
    the current stack."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), suite)
    env = dict(os.environ, VIOSHARE_HOST=host)
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, path], env)


# ------------------------------------------------------------------ files

def tmpdir(prefix="vstest-", where=None):
    """A fresh directory (removed at exit), under where (default: the system's temp dir)."""
    d = tempfile.mkdtemp(prefix=prefix, dir=where)
    _tmpdirs.append(d)
    return d


def cleanup():
    while _tmpdirs:
        d = _tmpdirs.pop()
        # Make everything removable (tests chmod things).
        for root, dirs, files in os.walk(d):
            for n in dirs:
                path = os.path.join(root, n)
                try:
                    if not os.path.islink(path):
                        os.chmod(path, 0o755)
                except OSError:
                    pass
        shutil.rmtree(d, ignore_errors=True)


atexit.register(cleanup)


def splitmix64(x):
    m = (1 << 64) - 1
    z = (x + 0x9E3779B97F4A7C15) & m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    return z ^ (z >> 31)


def pattern_py(seed, size, offset=0):
    """The SPEC section 5 pattern, bytes [offset, offset+size), slow reference."""
    first = offset // 8
    last = (offset + size + 7) // 8
    data = b"".join(splitmix64((seed + i) & ((1 << 64) - 1)).to_bytes(8, "little")
                    for i in range(first, last))
    skip = offset - first * 8
    return data[skip:skip + size]


def write_pattern(path, seed, size):
    """Writes `size` bytes of the pattern with tools/pattern (fast)."""
    with open(path, "wb") as f:
        subprocess.run([os.path.join(TOOLS, "pattern"), str(seed), str(size)],
                       stdout=f, check=True)


def sha256_file(path, offset=0, length=None):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        f.seek(offset)
        left = length
        while left is None or left > 0:
            chunk = f.read(1 << 20 if left is None else min(1 << 20, left))
            if not chunk:
                break
            h.update(chunk)
            if left is not None:
                left -= len(chunk)
    return h.hexdigest()


def host_manifest(path, hashes=True):
    argv = [os.path.join(TOOLS, "manifest")] + ([] if hashes else ["-n"]) + [path]
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise RuntimeError("tools/manifest failed: %s" % r.stderr.decode(errors="replace"))
    return r.stdout


# ------------------------------------------------------------------ the launcher

class Result:
    """What a launcher run gave: status, stdout (bytes), stderr (str), plus
    pid (of the launcher) and secs.  Unpacks as (status, stdout, stderr)."""

    def __init__(self, status, out, err, pid, secs):
        self.status, self.out, self.err, self.pid, self.secs = status, out, err, pid, secs

    def __iter__(self):
        return iter((self.status, self.out, self.err))

    def lines(self):
        return self.out.split(b"\n")

    def between(self, begin, end):
        """The bytes between the line `begin` and the next line `end` (both
        exact lines of stdout), or None when they are not there."""
        return between(self.out, begin, end)

    def summary(self):
        return "status %s; stderr: %s; stdout tail: %r" % (
            self.status, " ".join(self.err.split())[-300:], self.out[-300:])


def between(out, begin, end):
    if isinstance(begin, str):
        begin = begin.encode()
    if isinstance(end, str):
        end = end.encode()
    lines = out.split(b"\n")
    try:
        i = lines.index(begin)
        j = lines.index(end, i + 1)
    except ValueError:
        return None
    body = lines[i + 1:j]
    return b"".join(l + b"\n" for l in body)


def launcher_argv(args, shares=(), cache=None, machine=None, timeout=120, extra=(), launcher=LAUNCHER):
    """tools/vioshare-run's command line (or another copy's, launcher: an
    installed one).  shares: [(dir, tag)] or [dir] (tag myfs, or a "dir:tag"
    string); args: the guest command line (a string or a list of words,
    given after --), None for none."""
    argv = [launcher]
    for s in shares:
        argv += ["--share", "%s:%s" % (s[0], s[1]) if isinstance(s, (tuple, list)) else s]
    if cache:
        argv += ["--cache", cache]
    if machine:
        argv += ["--machine", machine]
    argv += ["--timeout", str(timeout)] + list(extra)
    if args is not None:
        argv += ["--"] + ([args] if isinstance(args, str) else list(args))
    return argv


def note_run(argv, image=None):
    """The log's line for a launcher run (the launcher named when it is not
    the checkout's)."""
    note("run: %s%s" % ("VIOSHARE_IMAGE=%s " % image if image else "",
                        " ".join(repr(a) if " " in a or not a else a
                                 for a in argv[0 if argv[0] != LAUNCHER else 1:])))


def run(args, shares=(), cache=None, machine=None, timeout=120, image=None, env=None,
        stdin=subprocess.DEVNULL, extra=(), launcher=LAUNCHER, cwd=None):
    """Runs tools/vioshare-run (launcher_argv), from the directory cwd (default:
    this one), to its end.  Returns a Result."""
    argv = launcher_argv(args, shares, cache, machine, timeout, extra, launcher)
    e = dict(os.environ)
    e.pop("VIOSHARE_IMAGE", None)
    if image:
        e["VIOSHARE_IMAGE"] = image
    if env:
        e.update(env)
    note_run(argv, image)
    start = time.monotonic()
    p = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e, cwd=cwd)
    try:
        out, err = p.communicate(timeout=timeout + 60)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGTERM)
        try:
            out, err = p.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
    secs = time.monotonic() - start
    r = Result(p.returncode, out, err.decode("utf-8", "replace"), p.pid, secs)
    note("  -> status %s in %.1f s" % (r.status, secs))
    if r.err.strip():
        note("  stderr: " + r.err.strip()[-2000:])
    tail = out[-1500:]
    if tail:
        note("  stdout tail:")
        note(tail)
    return r


def run_console(argv, timeout=120):
    """Runs argv (a QEMU with its serial console on stdout) to its end:
    (the output with CR LF as LF, the exit status), or (b"(timed out)", None)."""
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
        return r.stdout.replace(b"\r\n", b"\n"), r.returncode
    except subprocess.TimeoutExpired:
        return b"(timed out)", None


def embed_minimal_run(share, vioshare_flags):
    """examples/embed_minimal.c (the small profile on picolibc's malloc,
    virtio-mmio) built for AArch64 with vioshare_flags (the headers' -I, the
    library: an AArch64 picolibc build of it), linked for QEMU virt's RAM
    (0x40000000) with picolibc's semihosting crt0 (exit(main())), and run on
    QEMU virt: virtiofsd by hand serving share as tag myfs, the device on
    virtio-mmio bus 0 (0x0a000000, the address the example names), version 2
    (force-legacy=false), guest RAM shared.  Returns (QEMU's status, stdout,
    stderr as text: the semihosting console, where the example prints), or
    (None, b"", the reason) when it could not be built or run."""
    elf = os.path.join(tmpdir(), "embed_minimal.elf")
    argv = ["aarch64-linux-gnu-gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-fno-strict-aliasing",
            "-specs=picolibc.specs", "--crt0=semihost", "--oslib=semihost", "-mcpu=cortex-a57",
            "-Wl,--defsym=__flash=0x40000000", "-Wl,--defsym=__flash_size=0x200000",
            "-Wl,--defsym=__ram=0x40200000", "-Wl,--defsym=__ram_size=0x800000",
            os.path.join(REPO, "examples", "embed_minimal.c")] + list(vioshare_flags) + ["-o", elf]
    note("build: " + " ".join(argv))
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    if r.returncode != 0:
        return None, b"", "build failed: %s" % r.stdout.decode(errors="replace")[-300:]
    with bare_virtiofsd(share, "cache=auto") as sock:
        if not sock:
            return None, b"", "virtiofsd never listened"
        argv = ["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a57", "-accel", "tcg", "-m", "256",
                "-object", "memory-backend-memfd,id=mem,size=256M,share=on", "-numa", "node,memdev=mem",
                "-global", "virtio-mmio.force-legacy=false",
                "-chardev", "socket,id=fs0,path=" + sock,
                "-device", "vhost-user-fs-device,bus=virtio-mmio-bus.0,queue-size=1024,chardev=fs0,tag=myfs",
                "-semihosting-config", "enable=on,target=native",
                "-kernel", elf, "-display", "none", "-nodefaults", "-no-reboot", "-serial", "stdio"]
        note("run: " + " ".join(argv))
        try:
            r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=60)
            return r.returncode, r.stdout, r.stderr.decode(errors="replace")
        except subprocess.TimeoutExpired as e:
            return None, e.stdout or b"", "timed out"


def leftovers(launcher_pid, wait=5.0):
    """Processes (not zombies) still running that belong to the launcher run with
    that pid: its QEMU and virtiofsd all carry its temp dir name in their command
    lines.  Polls up to `wait` seconds for them to go; returns [(pid, cmdline)]."""
    end = time.monotonic() + wait
    while True:
        found = [(pid, cmd.replace(b"\0", b" ").decode(errors="replace"))
                 for pid, cmd in sorted(run_procs(launcher_pid).items())]
        if not found or time.monotonic() >= end:
            return found
        time.sleep(0.1)


def run_procs(launcher_pid):
    """{pid: raw command line} of the processes (this one aside) whose command
    line carries the launcher run's temp dir name: its QEMU and virtiofsd."""
    marker = ("vioshare-run-%d-" % launcher_pid).encode()
    found = {}
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if marker in cmd:
            found[int(d)] = cmd
    return found


def resume(pids):
    """SIGCONT the processes a test stopped (those already gone are skipped)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGCONT)
        except OSError:
            pass


def kill_leftovers(launcher_pid, stopped=()):
    """SIGCONT the processes a test stopped, then whatever of the launcher run
    is still there after 5 s is returned (a leftover the test reports) and
    killed."""
    resume(stopped)
    left = leftovers(launcher_pid, wait=5.0)
    for pid, _ in left:
        try:
            os.kill(pid, signal.SIGCONT)
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return left


def require_image(path=IMAGE):
    """A FAIL line and False when the boot image is missing."""
    ok = os.path.isfile(path)
    check("image %s exists" % os.path.relpath(path, REPO), ok, "not built (run make)")
    return ok


# ------------------------------------------------------------------ events

def daemon_pids(marker, what=b"virtiofsd"):
    """Live (not zombie) processes whose command line holds both `what` and
    `marker` (bytes or str): the virtiofsd of a launcher run (marker
    "vioshare-run-PID-") or of a share (its directory)."""
    if isinstance(marker, str):
        marker = marker.encode()
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cmd = f.read()
            with open("/proc/%s/stat" % d, "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmd and what in cmd and state != b"Z":
            found.append(int(d))
    return found



# ------------------------------------------------------------------ a run in the background

class Live:
    """tools/vioshare-run in the background, its stdout and stderr collected
    by threads, so that the test can act when the guest prints something; with
    stdin=True the guest's serial input is a pipe the test writes to."""

    def __init__(self, args, shares, timeout, cache=None, extra=(), stdin=False):
        argv = launcher_argv(args, shares, cache, timeout=timeout, extra=extra)
        note_run(argv)
        self.start = time.monotonic()
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out = b""
        self.err = b""
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._pump, args=(f, w), daemon=True)
                        for f, w in ((self.p.stdout, "out"), (self.p.stderr, "err"))]
        for t in self.threads:
            t.start()
        self.status = None
        self.secs = None

    def _pump(self, f, which):
        while True:
            b = os.read(f.fileno(), 65536)
            if not b:
                return
            with self.lock:
                setattr(self, which, getattr(self, which) + b)

    def pids(self):
        """The run's virtiofsd processes."""
        return daemon_pids("vioshare-run-%d-" % self.p.pid)

    def alive(self):
        return self.p.poll() is None

    def mark(self):
        """Where the output stands now (an offset for wait_re)."""
        with self.lock:
            return len(self.out)

    def send(self, data):
        try:
            self.p.stdin.write(data)
            self.p.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            note("send failed: %s" % e)

    def wait_re(self, pattern, limit, start=0):
        """Waits for pattern (bytes regex, multi-line) in the output from
        offset start; the match, or None when the time ran out or the run
        ended without it."""
        pat = re.compile(pattern, re.M)
        end = time.monotonic() + limit
        while True:
            with self.lock:
                m = pat.search(self.out, start)
            if m:
                return m
            if time.monotonic() > end or not self.alive():
                with self.lock:
                    m = pat.search(self.out, start)
                if not m:
                    note("no %r after offset %d; output tail %r" % (pattern, start, self.out[-400:]))
                return m
            time.sleep(0.02)

    def wait_for(self, marker, limit):
        """Waits for the bytes marker anywhere in the output."""
        return self.wait_re(re.escape(marker), limit) is not None

    def wait_for_line(self, prefix, limit):
        """Waits for a whole line starting with prefix (its newline seen)."""
        return self.wait_re(rb"^" + re.escape(prefix) + rb".*\n", limit) is not None

    def finish(self, limit):
        """Waits for the run's end (SIGTERM, then SIGKILL after limit); its
        status, None when it had to be ended."""
        try:
            self.status = self.p.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
            self.status = None
        for t in self.threads:
            t.join(5)
        if self.p.stdin:
            try:
                self.p.stdin.close()
            except OSError:
                pass
        self.secs = time.monotonic() - self.start
        note("  -> status %s in %.1f s" % (self.status, self.secs))
        if self.err.strip():
            note("  stderr: " + self.err.decode(errors="replace").strip()[-1000:])
        if self.out:
            note("  stdout tail:")
            note(self.out[-1200:].replace(b"\0", b""))
        return self.status


def io_bytes(pids):
    """Bytes the processes have read and written through system calls so far
    (rchar + wchar of /proc/PID/io, every thread counted)."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/io" % pid) as f:
                for line in f:
                    k, _, v = line.partition(":")
                    if k in ("rchar", "wchar"):
                        total += int(v)
        except (OSError, ValueError):
            pass
    return total


def wait_io(pids_fn, nbytes, limit, base=None, alive=None):
    """Waits until the daemons (pids_fn() gives their pids) have moved nbytes
    more than `base` (default: their count now): the event "the transfer is
    under way", instead of a fixed sleep.  alive(): False stops the wait.
    Returns True when it happened within limit seconds."""
    if base is None:
        base = io_bytes(pids_fn())
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if io_bytes(pids_fn()) - base >= nbytes:
            return True
        if alive is not None and not alive():
            return False
        time.sleep(0.02)
    note("wait_io: the daemons moved %d of %d bytes in %d s" % (io_bytes(pids_fn()) - base, nbytes, limit))
    return False


@contextlib.contextmanager
def bare_virtiofsd(share, *options):
    """Debian's virtiofsd started by hand (for a QEMU the test starts itself)
    serving share on a new socket, with options (-o sandbox=chroot and more);
    yields the socket's path, or None when it never listened within 15 s.
    On the way out it is killed and its pid file (named after the socket
    path, which a killed daemon leaves in /var/run/virtiofsd) removed."""
    sock = os.path.join(tmpdir(), "fs.sock")
    argv = ["/usr/lib/qemu/virtiofsd", "-f", "--socket-path=" + sock, "-o", "source=" + share, "-o",
            "sandbox=chroot"]
    for o in options:
        argv += ["-o", o]
    vfsd = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield sock if wait_listening(sock, 15) else None
    finally:
        vfsd.kill()
        vfsd.wait()
        try:
            os.unlink("/var/run/virtiofsd/%s.pid" % sock.replace("/", "."))
        except OSError:
            pass


def wait_listening(sock, limit):
    """Waits until a unix socket at path sock is listening (/proc/net/unix
    flag __SO_ACCEPTCON), without connecting to it."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            with open("/proc/net/unix") as f:
                for line in f:
                    parts = line.split()
                    if len(parts) >= 8 and parts[7] == sock and int(parts[3], 16) & 0x10000:
                        return True
        except OSError:
            pass
        time.sleep(0.02)
    return False
