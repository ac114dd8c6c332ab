# SPDX-License-Identifier: BSD-2-Clause
"""A guest under QEMU with its own virtiofsd, driven by hand: for the tests
that do what the launcher does not (migrating a guest to a second QEMU,
killing and restarting its daemon).  The stack is vstest.HOST's: QEMU 7.2
and the C virtiofsd, or QEMU 10 and virtiofsd 1.13 (tools/deps-current).
The guest runs `shell` on its serial console, which the test types into;
QEMU's QMP monitor is a unix socket the test talks to."""

import atexit
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

import vstest

CURRENT = os.environ.get("VIOSHARE_CURRENT_DIR", "/var/cache/vioshare/current")
PROMPT = b"vioshare> "
_procs = []


def programs():
    """(QEMU, virtiofsd) of the stack, or the reason they are missing."""
    if vstest.HOST == "current":
        q, d = os.path.join(CURRENT, "bin", "qemu-system-x86_64"), os.path.join(CURRENT, "bin", "virtiofsd")
    else:
        q, d = "/usr/bin/qemu-system-x86_64", "/usr/lib/qemu/virtiofsd"
    for p in (q, d):
        if not os.access(p, os.X_OK):
            return None, "%s not found (tools/deps%s)" % (p, "-current" if vstest.HOST == "current" else "")
    return (q, d), None


def _kill_all():
    for p in _procs:
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGCONT)
                p.kill()
                p.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass


atexit.register(_kill_all)


class Daemon:
    """virtiofsd serving share on the unix socket sock (extra: more options)."""

    def __init__(self, share, sock, extra=()):
        (_, vfsd), _ = programs()
        self.sock = sock
        if vstest.HOST == "current":
            argv = [vfsd, "--socket-path=" + sock, "--shared-dir=" + share, "--cache=auto", "--sandbox=chroot"]
        else:
            argv = [vfsd, "-f", "--socket-path=" + sock, "-o", "source=" + share, "-o", "cache=auto",
                    "-o", "sandbox=chroot"]
        argv += list(extra)
        self.log = sock + ".log"
        vstest.note("daemon: " + " ".join(argv))
        with open(self.log, "ab") as log:
            self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        _procs.append(self.p)
        self.listening = vstest.wait_listening(sock, 15)

    def kill(self):
        self.p.kill()
        self.p.wait()
        self.forget_pidfile()

    def stop(self):
        """Ends it (SIGTERM, then SIGKILL)."""
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.forget_pidfile()

    def forget_pidfile(self):
        # The C daemon leaves /var/run/virtiofsd/<socket path, '/' as '.'>.pid behind.
        try:
            os.unlink("/var/run/virtiofsd/%s.pid" % self.sock.replace("/", "."))
        except OSError:
            pass

    def log_text(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""


class VM:
    """QEMU (pc, TCG, 256 MiB of shared memfd RAM) with the vioshare image,
    one vhost-user-fs device on sock (chardev_opts: more socket chardev
    options), the guest command line `cmdline`, serial on pipes, QMP on a
    socket in workdir; incoming: QEMU's -incoming URI."""

    def __init__(self, workdir, name, sock, cmdline="shell", chardev_opts="", incoming=None):
        (qemu, _), _ = programs()
        self.qmp_path = os.path.join(workdir, name + ".qmp")
        self.errlog = os.path.join(workdir, name + ".stderr")
        argv = [qemu, "-machine", "pc", "-accel", "tcg", "-m", "256",
                "-object", "memory-backend-memfd,id=mem,size=256M,share=on", "-numa", "node,memdev=mem",
                "-chardev", "socket,id=fs0,path=%s%s" % (sock, chardev_opts),
                "-device", "vhost-user-fs-pci,queue-size=1024,chardev=fs0,tag=myfs",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                "-kernel", vstest.IMAGE, "-append", cmdline,
                "-display", "none", "-nodefaults", "-no-reboot", "-serial", "stdio",
                "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        if incoming:
            argv += ["-incoming", incoming]
        vstest.note("qemu: " + " ".join(argv))
        with open(self.errlog, "wb") as err:
            self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        _procs.append(self.p)
        self.out = b""
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._pump, daemon=True)
        self.reader.start()
        self.qmp = None
        self.events = []

    def _pump(self):
        while True:
            b = os.read(self.p.stdout.fileno(), 65536)
            if not b:
                return
            with self.lock:
                # The console ends lines with CR LF; a read may split the pair.
                self.out += b.replace(b"\r", b"")

    def stderr(self):
        with open(self.errlog, "rb") as f:
            return f.read().decode(errors="replace")

    def mark(self):
        with self.lock:
            return len(self.out)

    def wait_re(self, pattern, limit, start=0):
        """The match of pattern (bytes) in the serial output from start, or None."""
        pat = re.compile(pattern, re.M)
        end = time.monotonic() + limit
        while True:
            with self.lock:
                m = pat.search(self.out, start)
            if m or time.monotonic() > end or self.p.poll() is not None:
                if not m:
                    with self.lock:
                        m = pat.search(self.out, start)
                return m
            time.sleep(0.02)

    def send(self, line):
        try:
            self.p.stdin.write(line.encode() + b"\n")
            self.p.stdin.flush()
            return True
        except OSError:
            return False

    def type_line(self, line):
        """Types a line at the prompt; the offset its output starts at."""
        start = self.mark()
        self.send(line)
        return start

    def result(self, start, limit):
        """The output from start up to the next prompt (the echoed command
        line dropped), or None when no prompt came within limit seconds."""
        m = self.wait_re(re.escape(PROMPT), limit, start)
        if not m:
            return None
        with self.lock:
            text = self.out[start:m.start()]
        return text.split(b"\n", 1)[1] if b"\n" in text else b""

    def shell(self, line, limit=60):
        """Runs one command line at the prompt: its output (None: no prompt in time)."""
        return self.result(self.type_line(line), limit)

    def connect_qmp(self, limit=20):
        end = time.monotonic() + limit
        while True:
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(self.qmp_path)
                break
            except OSError:
                s.close()
                if time.monotonic() > end or self.p.poll() is not None:
                    return False
                time.sleep(0.05)
        s.settimeout(limit)
        self.qmp = s.makefile("rwb")
        self.qmp.readline()
        return "return" in self.command("qmp_capabilities")

    def command(self, name, **args):
        """One QMP command: its answer (dict with "return" or "error");
        events that come first are kept in self.events."""
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.qmp.write(json.dumps(msg).encode() + b"\n")
        self.qmp.flush()
        while True:
            line = self.qmp.readline()
            if not line:
                return {"error": {"desc": "QMP connection closed"}}
            reply = json.loads(line)
            if "event" in reply:
                self.events.append(reply["event"])
                continue
            return reply

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()
        self.reader.join(5)
