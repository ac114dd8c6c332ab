#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Behaviour SPEC §4 and the README document that no other program tested
(issue 16).  Every expectation comes from those texts or from the host:

- `mount` of a tag that no device has: ENODEV (docs/TROUBLESHOOTING.md), the run going on;
- mount option `ro`: every change fails with EROFS *without reaching the
  device*: with the mount's trace on (`debug=2`, one line per FUSE request)
  no WRITE, CREATE, MKDIR, UNLINK, ... request line appears, and the host tree
  is unchanged;
- the default request timeout (30 s): virtiofsd stopped (SIGSTOP) in the
  middle of a read of a mount made with no options, the read fails with
  ETIMEDOUT 30 s later (within a margin), then the run ends with status 1;
  it runs alone, before the other runs start, so that no other job delays
  the guest's clock or its error line;
- `help COMMAND` for every command of docs/COMMANDS.md's table (SPEC §4's,
  and the operators'): one line, exactly the usage the table gives (several
  forms of a command joined by " | "), then at most a note in parentheses
  after three blanks (`mount`'s: "OPTS: " and exactly the options of the
  document's option table, in its order); and `help` lists exactly the
  table's commands;
- cache=auto: a host change to a file the guest has read shows in the guest
  once the validity (1 s with cache=auto, README) has passed;
- `irq=msix` refused with ENOTSUP on the EFI app and on AArch64;
- in the interactive shell (the serial console on a pipe, 0x03 is Ctrl-C):
  Ctrl-C during `cat` of a large file, during `manifest` and during `boot` of
  a big kernel file: `error: CMD: PATH: EINTR (...)`, back at the prompt, the
  shell still usable;
- the line-editing keys test_shell.py does not press (Right, Delete, Down)
  and the history bound: of 40 lines only the last 32 can be recalled;
- examples/embed_minimal.c (AArch64, picolibc, semihosting; `make
  check-ports` only links it) linked for QEMU virt's RAM and run there with a
  virtio-fs device on the virtio-mmio slot it names: it prints the share's
  hello.txt and exits 0;
- `make run`'s status: 0 when the guest exits 0, else make's failure status 2
  with the launcher's status in make's `Error N` (README).

Already tested elsewhere: no virtio-fs device at all (test_cli.py
test_no_device), `help NOSUCH` (test_cli.py test_script_rules), Left,
Backspace, Home/End, Ctrl-A/E, Up, Tab and Ctrl-C during `sha256`
(test_shell.py), EROFS of every change on `ro` with the host unchanged
(test_rw_errors.py test_ro), irq=msix refused on microvm (test_msix.py).
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

PROMPT = b"vioshare> "
ESC = b"\x1b"
UP, DOWN, RIGHT, HOME, DELETE = ESC + b"[A", ESC + b"[B", ESC + b"[C", ESC + b"[H", ESC + b"[3~"
CTRL_C = b"\x03"

DEFAULT_TIMEOUT = 30    # SPEC §4: timeout=SECONDS, default 30
AUTO_VALIDITY = 1.0     # README: validity times of cache=auto, 1 s
HISTORY = 32            # README: Up/Down recall the last 32 lines

# Where the repository writes the commands' usage (SPEC §4's, and the operators').
COMMANDS_MD = os.path.join(vstest.REPO, "docs", "COMMANDS.md")
# FUSE requests that change something: none may reach the device of a ro mount.
CHANGING = ["WRITE", "CREATE", "MKNOD", "MKDIR", "UNLINK", "RMDIR", "RENAME", "RENAME2", "LINK", "SYMLINK",
            "SETATTR", "FALLOCATE", "COPY_FILE_RANGE", "SETXATTR", "REMOVEXATTR"]
MSIX_REFUSED = "ENOTSUP (irq=msix: no MSI-X on this transport or port"


def commands_md():
    """(usages, mount options) from docs/COMMANDS.md: {command: usage} from
    the table under "## The commands" (cells set off by two or more blanks,
    a command's forms in table order joined by " | "), and the options of
    the table under "## Mounts and their options", in order."""
    with open(COMMANDS_MD, encoding="utf-8") as f:
        lines = f.read().split("\n")

    def after(heading):
        k = lines.index(heading) + 1 if heading in lines else len(lines)
        while k < len(lines) and not lines[k].strip():
            k += 1
        return k
    forms = {}
    k = after("## The commands")
    while k < len(lines) and lines[k].startswith("    "):
        for cell in re.split(r" {2,}", lines[k].strip()):
            forms.setdefault(cell.split()[0], []).append(cell)
        k += 1
    opts = []
    k = after("## Mounts and their options")
    while k < len(lines) and not lines[k].startswith("## "):
        m = re.match(r"^\| `([^`]+)` \|", lines[k])
        if m:
            opts.append(m.group(1).replace("\\|", "|"))
        k += 1
    return {c: " | ".join(f) for c, f in forms.items()}, opts


def put(path, data):
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def text_lines(out):
    return [l.rstrip("\r") for l in out.decode("utf-8", "replace").split("\n")]


class Guest(vstest.Live):
    """A background run driven like a user at the serial console."""

    def wait_prompt(self, start, limit=60):
        """Waits for a prompt at or after start that ends the output so far
        (the line editor waiting on an empty line) and, unless it is right at
        start, comes after a newline: not a redraw of the line being edited."""
        end = time.monotonic() + limit
        while True:
            with self.lock:
                i = self.out.rfind(PROMPT)
                done = i >= start and (i == start or b"\n" in self.out[start:i]) \
                    and not self.out[i + len(PROMPT):].strip(b" \r\n")
            if done:
                return True
            if time.monotonic() > end or not self.alive():
                note("no prompt after offset %d; output tail %r" % (start, self.out[-400:]))
                return False
            time.sleep(0.02)

    def line(self, keys, limit=60):
        """Sends keys and Enter, waits for the next prompt; returns (ok, the
        bytes from there to it)."""
        pos = self.mark()
        self.send(keys + b"\r")
        ok = self.wait_prompt(pos, limit)
        with self.lock:
            return ok, self.out[pos:]


# ------------------------------------------------------------------ background runs

class Background(threading.Thread):
    """A function run beside the others (the machine's cores wait on TCG
    anyway); its result is checked in the main thread afterwards."""

    def __init__(self, fn, *args):
        super().__init__(daemon=True)
        self.fn, self.args, self.result = fn, args, None

    def run(self):
        self.result = self.fn(*self.args)


def default_timeout_run(share):
    """virtiofsd stopped in the middle of a read on the boot-time mount (no
    options): how long until the guest's error, its name, the status."""
    g = Guest("echo =GO=; sha256 /myfs/big.bin; echo not-reached", [share], 150)
    stopped, res = [], {"after": None, "error": None, "status": None, "left": None, "started": False}
    try:
        if g.wait_re(rb"^=GO=\r?\n", 90) is None:
            return res
        # The read is under way once the daemon has moved 8 MiB.
        res["started"] = vstest.wait_io(g.pids, 8 << 20, 60, base=0, alive=g.alive)
        if not res["started"]:
            return res
        stopped = g.pids()
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)
        t_stop = time.monotonic()
        m = g.wait_re(rb"^error: sha256: /myfs/big\.bin: ([A-Z]+) \(.*\n", DEFAULT_TIMEOUT + 40)
        res["after"] = time.monotonic() - t_stop
        res["error"] = m.group(1).decode() if m else None
        note("default timeout: %s %.1f s after SIGSTOP" % (res["error"], res["after"]))
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)
        stopped = []
        res["status"] = g.finish(60)
    finally:
        if g.alive():
            g.p.send_signal(signal.SIGTERM)
            g.finish(30)
        res["left"] = vstest.kill_leftovers(g.p.pid, stopped)
    res["out"] = g.out
    return res


def make_run_statuses(share):
    """`make run` with a guest that ends 0, one whose command fails, one that says exit 3."""
    res = []
    for args in ("cat /myfs/hello", "cat /myfs/no-such-file", "exit 3"):
        argv = ["make", "--no-print-directory", "-C", vstest.REPO, "run", "SHARE=" + share, "ARGS=" + args]
        note("run: " + " ".join(argv))
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=600)
        note("  -> make status %d; stderr %s" % (r.returncode, r.stderr.decode(errors="replace")[-300:]))
        res.append((args, r.returncode, r.stdout, r.stderr.decode(errors="replace")))
    return res


def embed_minimal_run(share):
    """examples/embed_minimal.c built as `make check-ports` builds it for
    AArch64 with picolibc, against the installed headers and the port's
    library, and run on QEMU virt (vstest.embed_minimal_run)."""
    target = "build/ports/aarch64-picolibc/libvioshare.a"  # make knows it by this name
    lib = os.path.join(vstest.REPO, target)
    r = subprocess.run(["make", "--no-print-directory", "-C", vstest.REPO, "headers", target],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)
    if r.returncode != 0:
        return None, b"", "make headers %s: %s" % (lib, r.stdout.decode(errors="replace")[-300:])
    return vstest.embed_minimal_run(share, ["-I" + os.path.join(vstest.REPO, "build", "include", "vioshare"), lib])


# ------------------------------------------------------------------ command line run

def test_command_line(share):
    before = vstest.host_manifest(share, hashes=False)
    ro = ["write /ro/new 10 1", "write /ro/hello 10 1", "append /ro/hello 5 1", "truncate /ro/hello 0",
          "mkdir /ro/nd", "rm /ro/hello", "rmdir /ro/dir", "mv /ro/hello /ro/h2", "ln /ro/hello /ro/h3",
          "ln -s hello /ro/s", "cp /ro/hello /ro/c"]
    cmds = ["-mount nosuch /x", "echo =M=", "umount /myfs", "mount myfs /ro -o ro,debug=2", "echo =T="]
    cmds += ["-" + c for c in ro] + ["echo =E="]
    usages, mount_opts = commands_md()
    for c in usages:
        cmds += ["echo =H-%s=" % c, "help %s" % c]
    cmds += ["echo =H-all=", "help", "echo =H-end="]
    r = vstest.run("; ".join(cmds), shares=[share])
    ls = text_lines(r.out)

    check("mount of a tag no device has: ENODEV, and the run goes on",
          any(l.startswith("error: mount: /x: ENODEV (") for l in ls) and "=M=" in ls, r.summary())

    # ro: the error of each change, and not one changing request in the trace.
    try:
        body = ls[ls.index("=T="):ls.index("=E=")]
    except ValueError:
        body = []
    errs = [l for l in body if l.startswith("error: ")]
    want = [c.split()[0] for c in ro]
    got = [l.split(":")[1].strip() for l in errs]
    check("ro: every change fails with EROFS (%d commands) and the host tree is unchanged" % len(ro),
          got == want and all(": EROFS (" in l for l in errs) and vstest.host_manifest(share, hashes=False) == before,
          "errors %r" % errs)
    traced = [l for l in ls[ls.index("=T="):] if l.startswith("trace /ro ")] if "=T=" in ls else []
    changing = [l for l in traced if l.split()[2] in CHANGING]
    check("ro: no changing request reaches the device (trace on: %d request lines, none of %s)"
          % (len(traced), "/".join(CHANGING[:4]) + "/..."),
          traced and any(" LOOKUP " in l for l in traced) and not changing and r.status == 0,
          "changing requests %r; %s" % (changing, r.summary()))

    # help COMMAND: "  USAGE", then at most "   (NOTE)"; USAGE exactly the
    # document's, mount's NOTE exactly its options.  help: exactly its commands.
    def helped(c):
        try:
            i = ls.index("=H-%s=" % c)
            return ls[i + 1:next(k for k in range(i + 1, len(ls)) if ls[k].startswith("=H-"))]
        except (ValueError, StopIteration):
            return None
    for c, usage in usages.items():
        got = helped(c)
        m = re.match(r"^  (.*?)(?:   \((.*)\))?$", got[0]) if got and len(got) == 1 else None
        ok = m is not None and m.group(1) == usage
        if c == "mount":
            want_note = "OPTS: " + ",".join(mount_opts)
            ok = ok and m.group(2) == want_note
            usage += "   (%s)" % want_note
        check("help %s: docs/COMMANDS.md's usage, exactly (%r)" % (c, usage), ok, "got %r" % got)
    listed = [l.split()[0] for l in helped("all") or [] if l.startswith("  ")]
    check("help: lists exactly docs/COMMANDS.md's commands (%d)" % len(usages), sorted(listed) == sorted(usages),
          "not in the document: %s; not in help: %s" % (sorted(set(listed) - set(usages)),
                                                        sorted(set(usages) - set(listed))))


# ------------------------------------------------------------------ the shell

def test_shell(share):
    g = Guest("shell", [share], 600, extra=["--mem", "2048"], stdin=True)
    try:
        if not check("shell on a pipe: the prompt comes", g.wait_prompt(0, 120), g.out[-300:]):
            return
        # cache=auto: read, change on the host, wait the validity, read again.
        ok1, o1 = g.line(b"cat /myfs/auto.txt")
        put(os.path.join(share, "auto.txt"), b"changed on the host, and longer\n")
        time.sleep(AUTO_VALIDITY + 0.5)   # host time must pass: the documented validity
        ok2, o2 = g.line(b"cat /myfs/auto.txt")
        check("cache=auto: a host change shows once the %.0f s validity has passed" % AUTO_VALIDITY,
              ok1 and ok2 and re.search(rb"\nbefore\r?\n", o1) is not None
              and re.search(rb"\nchanged on the host, and longer\r?\n", o2) is not None,
              "first %r; second %r" % (o1[-200:], o2[-200:]))

        # Right and Delete: "echo dXel-ok", Home, 6 x Right, Delete -> "echo del-ok".
        ok, o = g.line(b"echo dXel-ok" + HOME + RIGHT * 6 + DELETE)
        check("Right and Delete edit the line", ok and re.search(rb"\ndel-ok\r?\n", o) is not None, o[-300:])

        # Down: Up Up Down recalls the newer of the two lines.
        g.line(b"echo first-down")
        g.line(b"echo second-down")
        pos = g.mark()
        g.send(UP + UP + DOWN + b"\r")
        m = g.wait_re(rb"\n(first|second)-down\r?\n", 30, pos)
        ok = m is not None and g.wait_prompt(m.end())
        check("Down walks the history back towards the newest line",
              ok and m.group(1) == b"second", g.out[pos:][-300:])

        # History bound: of 40 lines only the newest 32 come back.
        n = 40
        lines = [b"echo hist-%02d" % i for i in range(1, n + 1)]
        pos = g.mark()
        g.send(b"\r".join(lines) + b"\r")
        m = g.wait_re(rb"\nhist-%02d\r?\n" % n, 60, pos)
        ok = m is not None and g.wait_prompt(m.end())
        pos = g.mark()
        g.send(UP * (n + 5) + b"\r")
        m = g.wait_re(rb"\nhist-(\d\d)\r?\n", 60, pos)
        ok = ok and m is not None and g.wait_prompt(m.end())
        oldest = n - HISTORY + 1
        check("history keeps the last %d lines: Up %d times recalls line %d of %d" % (HISTORY, n + 5, oldest, n),
              ok and int(m.group(1)) == oldest, "recalled %r" % (m.group(0) if m else None))

        # Ctrl-C during cat, manifest and boot.
        def interrupted(cmd, path, started, what):
            pos = g.mark()
            g.send(b"%s %s%s\r" % (cmd, path, b" console=ttyS0" if cmd == b"boot" else b""))
            go = started(pos)
            g.send(CTRL_C)
            m = g.wait_re(rb"^error: %s: %s[^:]*: EINTR \(.*\)\r?\n" % (cmd, re.escape(path)), 120, pos)
            back = m is not None and g.wait_prompt(m.end())
            ok, o = g.line(b"echo after-" + cmd)
            check("Ctrl-C during %s: EINTR, back at the prompt, the shell still works" % what,
                  go and back and ok and re.search(rb"\nafter-%s\r?\n" % cmd, o) is not None,
                  "started %s; error line %r; after %r" % (go, m.group(0) if m else None, o[-200:]))

        def output_flowing(pos):
            # cat's bytes (zeros) are coming out: 64 KiB past the command's echo.
            end = time.monotonic() + 60
            while time.monotonic() < end and g.alive():
                if g.mark() - pos > (64 << 10):
                    return True
                time.sleep(0.02)
            return False

        def daemon_reading(pos):
            return vstest.wait_io(g.pids, 8 << 20, 60, alive=g.alive)

        def loading_line(pos):
            return g.wait_re(rb"^boot: loading /myfs/kernel\.big: ", 120, pos) is not None

        interrupted(b"cat", b"/myfs/big.bin", output_flowing, "cat of an 8 GiB file")
        interrupted(b"manifest", b"/myfs/mdir", daemon_reading, "manifest (hashing an 8 GiB file)")
        interrupted(b"boot", b"/myfs/kernel.big", loading_line, "boot loading a 1.5 GiB kernel file")

        g.send(b"exit 0\r")
        st = g.finish(60)
        check("the shell then exits 0", st == 0, "status %s" % st)
    finally:
        if g.alive():
            g.p.send_signal(signal.SIGTERM)
            g.finish(30)


# ------------------------------------------------------------------ main

def make_share():
    d = vstest.tmpdir("vstest-doc-")
    put(os.path.join(d, "hello"), b"hello from the host\n")
    put(os.path.join(d, "hello.txt"), b"embedded hello\n")
    put(os.path.join(d, "auto.txt"), b"before\n")
    os.mkdir(os.path.join(d, "dir"))
    put(os.path.join(d, "dir", "inner"), b"inner\n")
    with open(os.path.join(d, "big.bin"), "wb") as f:
        f.truncate(8 << 30)     # sparse: reading it all takes minutes under TCG
    os.mkdir(os.path.join(d, "mdir"))
    put(os.path.join(d, "mdir", "a"), b"a\n")
    with open(os.path.join(d, "mdir", "big"), "wb") as f:
        f.truncate(8 << 30)
    with open(os.path.join(d, "kernel.big"), "wb") as f:
        f.truncate(1536 << 20)  # loaded whole before it is looked at: seconds even at full speed
    return d


def main():
    if not vstest.require_image():
        return vstest.finish()
    share = make_share()
    stall = vstest.tmpdir("vstest-doc-stall-")
    with open(os.path.join(stall, "big.bin"), "wb") as f:
        f.truncate(8 << 30)
    small = vstest.tmpdir("vstest-doc-small-")
    put(os.path.join(small, "hello"), b"hello from the host\n")
    put(os.path.join(small, "hello.txt"), b"embedded hello\n")
    msix = "umount /myfs; -mount myfs /myfs -o irq=msix; mount myfs /myfs; cat /myfs/hello"

    # The timed run first and alone: the claim is about time (30 s), and on
    # a busy machine the jobs below would delay the guest's error line.
    res = default_timeout_run(stall)
    after = res.get("after")
    check("default timeout: a stalled read fails with ETIMEDOUT %d s after the daemon stopped (%s s)"
          % (DEFAULT_TIMEOUT, "%.1f" % after if after is not None else "-"),
          res.get("started") and res.get("error") == "ETIMEDOUT" and after is not None
          and DEFAULT_TIMEOUT - 1 <= after <= DEFAULT_TIMEOUT + 10, "result %r" %
          {k: v for k, v in res.items() if k != "out"})
    check("default timeout: the run then ends with status 1, nothing left behind",
          res.get("status") == 1 and res.get("left") == [] and b"not-reached" not in res.get("out", b""),
          "status %s, left %s" % (res.get("status"), res.get("left")))

    # The long ones beside the others.
    bg_efi = Background(vstest.run, msix, [small], None, None, 300, None, None, subprocess.DEVNULL, ["--efi"])
    bg_embed = Background(embed_minimal_run, small)
    bg_make = Background(make_run_statuses, small)
    for t in (bg_efi, bg_embed, bg_make):
        t.start()

    test_command_line(share)
    test_shell(share)

    r = vstest.run(msix, shares=[small], timeout=180, extra=["--arch", "aarch64"])
    check("aarch64: irq=msix refused with ENOTSUP, then the polled mount works",
          r.status == 0 and any(l.startswith("error: mount: /myfs: " + MSIX_REFUSED) for l in text_lines(r.out))
          and "hello from the host" in text_lines(r.out), r.summary())

    bg_embed.join(600)
    status, out, err = bg_embed.result or (None, b"", "no result")
    # QEMU writes the semihosting console (the example's printf) to its stderr.
    note("embed_minimal: status %s, stderr %r, stdout %r" % (status, err[-300:], out[-300:]))
    check("examples/embed_minimal (aarch64, QEMU virt, virtio-mmio) prints the share's hello.txt and exits 0",
          status == 0 and (out + err.encode()).replace(b"\r\n", b"\n").endswith(b"embedded hello\n"),
          "status %s; %r %s" % (status, out[-200:], err[-200:]))

    bg_make.join(900)
    for args, code, out, err in bg_make.result or []:
        if args == "cat /myfs/hello":
            check("make run: the guest exits 0, make exits 0", code == 0 and b"hello from the host" in out,
                  "status %d; %s" % (code, err[-200:]))
        else:
            want = 1 if args.startswith("cat ") else 3
            m = re.search(r"\[Makefile:\d+: run\] Error (\d+)", err)
            check("make run ARGS=%r: fails (make's status 2) with the launcher's status %d in 'Error N'"
                  % (args, want), code == 2 and m is not None and int(m.group(1)) == want,
                  "status %d; %s" % (code, err[-200:]))

    bg_efi.join(400)
    r = bg_efi.result
    check("efi: irq=msix refused with ENOTSUP, then the polled mount works",
          r is not None and r.status == 0
          and any(l.startswith("error: mount: /myfs: " + MSIX_REFUSED) for l in text_lines(r.out))
          and "hello from the host" in text_lines(r.out), r.summary() if r else "no result")
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
