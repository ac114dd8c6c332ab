#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tools/vioshare-run on its own, with a tiny fake guest (fakeguest.S, a Multiboot
kernel) instead of the real image: exit statuses, crash and timeout handling
(none by default for an interactive session), serial console pumping (CRLF,
stdin), argument checking, and that nothing is left behind whatever happens:
no QEMU or virtiofsd process, no temp dir (sockets, logs), no virtiofsd pid file.
With the real image: the reason given when guest memory is not shared."""

import glob
import os
import pty
import select
import signal
import subprocess
import sys
import tempfile
import termios
import time
import tty

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, LAUNCHER  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = None
SHARE = None


def build_fake_guest():
    d = vstest.tmpdir()
    obj = os.path.join(d, "fakeguest.o")
    elf = os.path.join(d, "fakeguest.elf")
    r1 = subprocess.run(["as", "--32", os.path.join(HERE, "fakeguest.S"), "-o", obj],
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    r2 = r1.returncode == 0 and subprocess.run(
        ["ld", "-m", "elf_i386", "-Ttext=0x100000", "-e", "start", obj, "-o", elf],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    ok = r1.returncode == 0 and r2 and r2.returncode == 0
    check("fake guest builds", ok, (r1.stdout + (r2.stdout if r2 else b"")).decode(errors="replace"))
    return elf if ok else None


def fake_run(args, **kw):
    kw.setdefault("shares", [SHARE])
    kw.setdefault("timeout", 60)
    return vstest.run(args, image=FAKE, **kw)


def tmp_leftover(pid):
    return glob.glob(os.path.join(tempfile.gettempdir(), "vioshare-run-%d-*" % pid)) + \
        glob.glob("/tmp/vioshare-run-%d-*" % pid)


PID_DIR = "/var/run/virtiofsd"


def pid_files(pid):
    """The pid files virtiofsd wrote for the launcher run with that pid
    (named after its socket path, with '/' as '.')."""
    return glob.glob(os.path.join(PID_DIR, ".*.vioshare-run-%d-*.pid" % pid))


def nothing_left(r):
    """'' when the run r left nothing behind, else what it left."""
    left = vstest.leftovers(r.pid) + tmp_leftover(r.pid) + pid_files(r.pid)
    return "" if not left else "left behind: %s" % left


def cmdline_of(out):
    for line in out.split(b"\n"):
        if line.startswith(b"cmdline=[") and line.endswith(b"]"):
            return line[len(b"cmdline=["):-1]
    return None


def test_status():
    for n in (0, 5, 100, 127):
        r = fake_run("exit %d" % n)
        check("guest exit %d gives status %d" % (n, n), r.status == n and b"bye %d\n" % n in r.out, r.summary())
        left = nothing_left(r)
        check("no process, temp dir or pid file left after exit %d" % n, not left, left)
    check("serial CRLF becomes LF on a pipe", b"\r" not in r.out, r.out[-100:])

    r = fake_run(["nothing", "a", "b  c"])
    cl = cmdline_of(r.out) or b""
    check("ARGS joined with single spaces into -append", r.status == 0 and cl.endswith(b" nothing a b  c")
          and b" " not in cl.split(b" nothing")[0], r.summary())
    r = fake_run(None)
    cl = cmdline_of(r.out)
    check("no ARGS: no command line", r.status == 0 and cl is not None and cl.strip().count(b" ") == 0
          and cl.strip().endswith(b"vioshare.elf"), r.summary())

    r = fake_run("crash")
    check("guest triple fault: status 125 and a reason", r.status == 125 and "crash" in r.err
          and r.err.count("\n") == 1, r.summary())
    check("no process left after a crash", not vstest.leftovers(r.pid), vstest.leftovers(r.pid))


def test_machines_and_options():
    d2 = vstest.tmpdir()
    r = fake_run("exit 4", machine="q35", shares=[(SHARE, "one"), (d2, "two")])
    check("q35 with two shares", r.status == 4, r.summary())
    left = nothing_left(r)
    check("two shares: no pid file or other leftover", not left, left)
    r = fake_run("exit 7", shares=[(SHARE, "Share+1@host~x")])
    check("a tag of any printable characters but blank and '/' is accepted", r.status == 7, r.summary())
    for mode in ("none", "always", "auto"):
        r = fake_run("exit 6", cache=mode)
        check("--cache %s accepted" % mode, r.status == 6, r.summary())
    r = fake_run("exit 2", shares=[])
    check("no share at all", r.status == 2, r.summary())
    r = fake_run("exit 8", extra=["--mem", "256"])
    check("--mem 256", r.status == 8, r.summary())


def test_timeout():
    r = fake_run("hang", timeout=3)
    check("--timeout 3 on a hanging guest gives 124", r.status == 124 and "time" in r.err, r.summary())
    check("timeout is prompt", r.secs < 3 + 8, "%.1f s" % r.secs)
    left = nothing_left(r)
    check("nothing left after timeout", not left, left)
    r = fake_run("hang; shell", timeout=3)
    check("an explicit --timeout applies to a shell session too", r.status == 124, r.summary())


def launch_verbose(args):
    """The launcher's verbose stderr for args (no --timeout), stopped by SIGTERM
    once it has said which time limit it took."""
    env = dict(os.environ, VIOSHARE_IMAGE=FAKE, VIOSHARE_VERBOSE="1")
    p = subprocess.Popen([LAUNCHER, "--share", SHARE, "--"] + args, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    err = b""
    end = time.monotonic() + 30
    while time.monotonic() < end and b"timeout" not in err:
        r, _, _ = select.select([p.stderr], [], [], 1)
        if r:
            line = p.stderr.readline()
            if not line:
                break
            err += line
    p.send_signal(signal.SIGTERM)
    err += p.communicate(timeout=30)[1]
    return p.pid, err.decode(errors="replace")


def test_default_timeout():
    # Not waited out (120 s): the launcher says which limit it took.
    pid, err = launch_verbose(["hang"])
    check("default timeout is 120 s", "timeout 120 s" in err, err[-300:])
    pid, err = launch_verbose(["echo hi; -shell"])
    check("a command line with shell has no default timeout", "interactive session: no timeout" in err,
          err[-300:])
    check("nothing left after SIGTERM of a shell session",
          not vstest.leftovers(pid) and not tmp_leftover(pid) and not pid_files(pid), err[-300:])


def start_hanging(extra_env=None):
    env = dict(os.environ, VIOSHARE_IMAGE=FAKE, **(extra_env or {}))
    d2 = vstest.tmpdir()
    p = subprocess.Popen([LAUNCHER, "--share", SHARE, "--share", "%s:two" % d2, "--timeout", "60", "--", "hang"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    # Wait until the guest runs (its first line is out), so QEMU and virtiofsd are up.
    line = b""
    end = time.monotonic() + 30
    while time.monotonic() < end and not line.startswith(b"cmdline="):
        r, _, _ = select.select([p.stdout], [], [], 1)
        if r:
            line = p.stdout.readline()
            if not line:
                break
    return p, line.startswith(b"cmdline=")


def test_signals():
    for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        p, up = start_hanging()
        running = vstest.leftovers(p.pid, wait=0)
        kinds = {("qemu" if "qemu-system" in c else "virtiofsd" if "virtiofsd" in c else "?") for _, c in running}
        check("%s: guest up with QEMU and virtiofsd" % sig.name, up and kinds == {"qemu", "virtiofsd"},
              "%s %s" % (up, running))
        p.send_signal(sig)
        try:
            p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
        left = vstest.leftovers(p.pid, wait=8)
        check("%s of the launcher leaves no QEMU or virtiofsd" % sig.name, not left, left)
        if sig == signal.SIGKILL:
            killed = p.pid
            check("SIGKILL: virtiofsd's pid files are there (what the next run must remove)",
                  len(pid_files(killed)) == 2, pid_files(killed))
        else:
            check("%s: status 128+%d, temp dir and pid files removed" % (sig.name, sig),
                  p.returncode == 128 + sig and not tmp_leftover(p.pid) and not pid_files(p.pid),
                  "status %s, %s %s" % (p.returncode, tmp_leftover(p.pid), pid_files(p.pid)))
    # A SIGKILLed launcher's temp dir and pid files go at the next run.
    r = fake_run("exit 0")
    check("a later run removes a SIGKILLed launcher's temp dir and pid files",
          r.status == 0 and not tmp_leftover(killed) and not pid_files(killed),
          "%s %s %s" % (r.summary(), tmp_leftover(killed), pid_files(killed)))


def test_daemon_failures():
    d = vstest.tmpdir()
    dies = os.path.join(d, "virtiofsd-dies")
    with open(dies, "w") as f:
        f.write("#!/bin/sh\n/usr/lib/qemu/virtiofsd \"$@\" &\nsleep 2\nkill $!\nwait $!\n"
                "echo 'fake: virtiofsd went away' >&2\nexit 3\n")
    fails = os.path.join(d, "virtiofsd-fails")
    with open(fails, "w") as f:
        f.write("#!/bin/sh\necho 'fake: cannot serve this' >&2\nexit 1\n")
    os.chmod(dies, 0o755)
    os.chmod(fails, 0o755)
    r = fake_run("hang", timeout=60, env={"VIOSHARE_VIRTIOFSD": dies})
    check("virtiofsd dying while the guest runs: 125 with its log", r.status == 125 and "went away" in r.err
          and r.err.count("\n") == 1 and r.secs < 30, r.summary())
    check("no process left after virtiofsd died", not vstest.leftovers(r.pid), vstest.leftovers(r.pid))
    r = fake_run("exit 0", env={"VIOSHARE_VIRTIOFSD": fails})
    check("virtiofsd failing at start: 125 with its log", r.status == 125 and "cannot serve this" in r.err, r.summary())
    bad = os.path.join(d, "not-a-kernel")
    with open(bad, "w") as f:
        f.write("hello\n")
    r = vstest.run("exit 0", shares=[SHARE], image=bad, timeout=60)
    check("QEMU refusing the image: 125 and QEMU's message", r.status == 125 and "QEMU" in r.err
          and "kernel" in r.err and r.err.count("\n") == 1, r.summary())
    r = vstest.run("exit 0", shares=[SHARE], image=os.path.join(d, "missing.elf"), timeout=60)
    check("missing image: 125", r.status == 125 and "missing.elf" in r.err, r.summary())
    check("no process left after QEMU failed", not vstest.leftovers(r.pid), vstest.leftovers(r.pid))


def test_unshared_memory():
    # Memory of the caller's own (VIOSHARE_QEMU_ARGS), not shared: virtiofsd cannot
    # map the virtqueues, dies at the guest's first kick, and the reason names the backend.
    if not vstest.require_image():
        return
    r = vstest.run("ls /myfs", shares=[SHARE], timeout=60, env={
        "VIOSHARE_QEMU_ARGS": "-object memory-backend-ram,id=ram0,size=512M -numa node,memdev=ram0"})
    check("unshared guest memory: 125, one line naming virtiofsd's message and the memory backend",
          r.status == 125 and r.err.count("\n") == 1 and "Invalid vring_addr" in r.err
          and "share=on" in r.err and "-numa node,memdev=" in r.err and r.secs < 30, r.summary())
    check("no process or file left after unshared memory", not nothing_left(r), nothing_left(r))


def test_arguments():
    missing = os.path.join(vstest.tmpdir(), "nope")
    cases = [
        ("missing share dir", ["--share", missing], "does not exist"),
        ("share is a file", ["--share", FAKE], "not a directory"),
        ("duplicate tags", ["--share", SHARE, "--share", SHARE + ":myfs"], "unique"),
        ("bad tag", ["--share", SHARE + ":a b"], "bad tag 'a b' (a tag is 1 to 36 printable"),
        ("tag with '/'", ["--share", SHARE + ":my/fs"], "bad tag 'my/fs'"),
        ("tag too long", ["--share", SHARE + ":" + "t" * 37], "bad tag"),
        ("--machine virt on x86_64", ["--machine=virt"], "for --arch aarch64"),
        ("--machine bogus", ["--machine", "bogus"], "machine"),
        ("--cache bogus", ["--cache", "sometimes"], "cache"),
        ("--accel bogus", ["--accel", "xen"], "accel"),
        ("--timeout 0", ["--timeout", "0"], "timeout"),
        ("--mem x", ["--mem", "lots"], "mem"),
        ("unknown option", ["--frobnicate"], "unknown option"),
        ("option without value", ["--share"], "needs a value"),
        ("stray argument", ["exit", "3"], "after --"),
    ]
    env = dict(os.environ, VIOSHARE_IMAGE=FAKE)
    for name, argv, words in cases:
        r = subprocess.run([LAUNCHER] + argv + ["--", "exit", "0"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=env, timeout=30)
        err = r.stderr.decode(errors="replace")
        check("rejects %s" % name, r.returncode == 2 and words in err and "usage" in err and not r.stdout,
              "status %d: %s" % (r.returncode, err[-300:]))
    r = subprocess.run([LAUNCHER, "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    check("--help", r.returncode == 0 and b"usage" in r.stdout, r.stdout[-200:])
    # A reader that is gone (`--help | head -0`): exit 0, and no traceback.
    for arg in ("--help", "--version"):
        rd, wr = os.pipe()
        os.close(rd)
        r = subprocess.run([LAUNCHER, arg], stdout=wr, stderr=subprocess.PIPE, timeout=30)
        os.close(wr)
        check("%s into a closed pipe" % arg, r.returncode == 0 and not r.stderr,
              "status %d: %s" % (r.returncode, r.stderr[-300:]))


def test_console_stdin():
    # stdin from a pipe reaches the guest's serial port.
    env = dict(os.environ, VIOSHARE_IMAGE=FAKE)
    p = subprocess.run([LAUNCHER, "--share", SHARE, "--timeout", "30", "--", "echo"], input=b"hello world\nq",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    check("stdin (a pipe) is the guest's serial input", p.returncode == 3 and b"hello world\n" in p.stdout,
          "status %d %r %r" % (p.returncode, p.stdout[-200:], p.stderr[-200:]))

    # On a terminal: raw bytes out (CRLF kept), keys in, terminal settings restored.
    master, slave = pty.openpty()
    tty.setraw(slave)
    before = termios.tcgetattr(slave)
    p = subprocess.Popen([LAUNCHER, "--share", SHARE, "--timeout", "30", "--", "echo"],
                         stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=env)
    out = b""
    sent = False
    end = time.monotonic() + 30
    while time.monotonic() < end:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            out += chunk
        if not sent and b"cmdline=" in out and b"]\r" in out:
            os.write(master, b"typed\rq")
            sent = True
        if p.poll() is not None and not r:
            break
    p.wait(timeout=30)
    after = termios.tcgetattr(slave)
    os.close(master)
    os.close(slave)
    # (QEMU itself turns on OPOST on a terminal, so a guest CRLF may show as CR CR LF.)
    check("terminal: CRs passed through raw", b"]\r" in out, out[-200:])
    check("terminal: keys reach the guest", p.returncode == 3 and b"typed" in out,
          "status %s %r" % (p.returncode, out[-200:]))
    check("terminal settings restored", before == after, "%s vs %s" % (before, after))


def main():
    global FAKE, SHARE
    FAKE = build_fake_guest()
    if not FAKE:
        return vstest.finish()
    SHARE = vstest.tmpdir()
    with open(os.path.join(SHARE, "hello.txt"), "w") as f:
        f.write("hello\n")
    vstest.run_cases([test_arguments, test_status, test_machines_and_options, test_timeout, test_default_timeout,
                      test_signals,
                      test_daemon_failures, test_unshared_memory, test_console_stdin])
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
