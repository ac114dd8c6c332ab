#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The interactive shell in a real terminal: tmux runs tools/vioshare-run -- shell,
send-keys types, capture-pane reads the screen.  Line editing (left, insert,
backspace, Home/End, Ctrl-A/E), history (Up), Tab completion of commands and
paths, Ctrl-C during a long sha256 (then a command that works), help, exit N;
Ctrl-C in a plain command line failing the run with status 1; and a line typed
before the guest is up reaching the shell whole."""

import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

PROMPT = "vioshare> "


class Term:
    """One tmux server (its own socket) with one session running cmd."""

    def __init__(self, name, cmd):
        self.sock = "vstest-%s-%d" % (name, os.getpid())
        self.name = name
        self.status_file = os.path.join(vstest.tmpdir(), "status")
        shell_cmd = "%s; echo $? > %s; sleep 600" % (cmd, self.status_file)
        self.tmux("new-session", "-d", "-s", name, "-x", "200", "-y", "50", shell_cmd)

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.sock] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=30)

    def keys(self, *keys):
        self.tmux("send-keys", "-t", self.name, *keys)

    def text(self, *chars):
        """Literal text (no key names)."""
        self.tmux("send-keys", "-t", self.name, "-l", "--", "".join(chars))

    def screen(self):
        r = self.tmux("capture-pane", "-p", "-J", "-S", "-3000", "-t", self.name)
        return r.stdout.decode("utf-8", "replace")

    def wait(self, pred, timeout=90, what=""):
        """Polls the screen until pred(screen) is true; returns (ok, screen)."""
        end = time.monotonic() + timeout
        while True:
            s = self.screen()
            if pred(s):
                return True, s
            if time.monotonic() > end:
                note("timed out waiting for %s; screen:\n%s" % (what, s[-3000:]))
                return False, s
            time.sleep(0.3)

    def wait_prompts(self, n, timeout=90):
        """Waits until the screen shows at least n prompts, the last one empty and last."""
        def ok(s):
            ls = [l.rstrip() for l in s.rstrip("\n").split("\n")]
            while ls and not ls[-1]:
                ls.pop()
            return sum(1 for l in ls if l.startswith(PROMPT.rstrip())) >= n and ls and ls[-1] == PROMPT.rstrip()
        return self.wait(ok, timeout, "%d prompts" % n)

    def status(self, timeout=60):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                with open(self.status_file) as f:
                    t = f.read().strip()
                if t:
                    return int(t)
            except (OSError, ValueError):
                pass
            time.sleep(0.3)
        return None

    def kill(self):
        self.tmux("kill-server")


def prompts(s):
    return sum(1 for l in s.split("\n") if l.startswith(PROMPT.rstrip()))


def out_lines(s):
    return [l.rstrip() for l in s.split("\n")]


def make_share():
    d = vstest.tmpdir()
    with open(os.path.join(d, "uniquely-named.txt"), "w") as f:
        f.write("completion-ok\n")
    os.mkdir(os.path.join(d, "subdir"))
    with open(os.path.join(d, "subdir", "inner-file"), "w") as f:
        f.write("inner-ok\n")
    for n in ("multi-alpha", "multi-beta"):
        with open(os.path.join(d, n), "w") as f:
            f.write(n + "\n")
    with open(os.path.join(d, "big.bin"), "wb") as f:
        f.truncate(8 << 30)  # sparse: sha256 of it takes minutes under TCG
    return d


def launcher(share, args):
    return "%s --share %s --timeout 900 -- '%s'" % (vstest.LAUNCHER, share, args)


def test_shell(share):
    t = Term("shell", launcher(share, "shell"))
    try:
        ok, s = t.wait_prompts(1, timeout=120)
        if not check("shell shows its prompt", ok, s[-500:]):
            return
        n = 1

        # Editing: left, backspace, insert.
        t.text("echo edXted-ok")
        t.keys(*(["Left"] * 6))
        t.keys("BSpace")
        t.text("i")
        t.keys("Enter")
        n += 1
        ok, s = t.wait_prompts(n)
        check("editing: left, backspace, insert", ok and "edited-ok" in out_lines(s), s[-600:])

        # Home/End keys and Ctrl-A/Ctrl-E.
        t.text("cho homeend")
        t.keys("Home")
        t.text("e")
        t.keys("End")
        t.text("-ok")
        t.keys("Enter")
        n += 1
        ok, s = t.wait_prompts(n)
        check("Home and End", ok and "homeend-ok" in out_lines(s), s[-600:])
        t.text("ho ctrl")
        t.keys("C-a")
        t.text("ec")
        t.keys("C-e")
        t.text("-ok")
        t.keys("Enter")
        n += 1
        ok, s = t.wait_prompts(n)
        check("Ctrl-A and Ctrl-E", ok and "ctrl-ok" in out_lines(s), s[-600:])

        # History: Up Up recalls the line before the last.
        t.keys("Up", "Up", "Enter")
        n += 1
        ok, s = t.wait_prompts(n)
        check("history: Up recalls earlier lines",
              ok and out_lines(s).count("homeend-ok") == 2 and out_lines(s).count("ctrl-ok") == 1, s[-600:])

        # Completion of a command name and of a path.
        t.text("ca")
        t.keys("Tab")
        t.text("/myfs/uniq")
        t.keys("Tab")
        ok, s = t.wait(lambda s: "cat /myfs/uniquely-named.txt " in s, 30, "completed path")
        t.keys("Enter")
        n += 1
        ok2, s = t.wait_prompts(n)
        check("Tab completes a command and a unique path", ok and ok2 and "completion-ok" in out_lines(s),
              s[-600:])
        t.text("cat /myfs/subd")
        t.keys("Tab")
        ok, s = t.wait(lambda s: "cat /myfs/subdir/" in s, 30, "completed directory")
        t.keys("Tab", "Enter")
        n += 1
        ok2, s = t.wait_prompts(n)
        check("Tab completes a directory with '/', then the only file in it",
              ok and ok2 and "inner-ok" in out_lines(s), s[-600:])
        t.text("cat /myfs/mul")
        t.keys("Tab")
        ok, s = t.wait(lambda s: s.rstrip().endswith("cat /myfs/multi-"), 30, "common prefix")
        t.keys("Tab")
        ok2, s = t.wait(lambda s: re.search(r"^multi-alpha +multi-beta", s, re.M) is not None, 30, "listing")
        ok3, s = t.wait(lambda s: s.rstrip().endswith("cat /myfs/multi-"), 30, "line redisplayed")
        check("Tab with several matches: common prefix, then a listing and the line again",
              ok and ok2 and ok3, s[-600:])
        n += 1  # the line shown again after the listing
        t.keys("C-c")
        n += 1  # Ctrl-C at the prompt: a new prompt
        ok, s = t.wait_prompts(n)
        check("Ctrl-C abandons the line being typed", ok and "^C" in s, s[-400:])

        # Ctrl-C during a long command, then a command that works.
        t.text("sha256 /myfs/big.bin")
        t.keys("Enter")
        # Running once the daemon has read 8 MiB for it.
        vstest.wait_io(lambda: vstest.daemon_pids(share), 8 << 20, 60)
        s = t.screen()
        running = not re.search(r"^[0-9a-f]{64}  /myfs/big.bin", s, re.M)
        t.keys("C-c")
        n += 1
        ok, s = t.wait_prompts(n, timeout=60)
        check("Ctrl-C interrupts a long sha256 with EINTR",
              running and ok and "error: sha256: /myfs/big.bin: EINTR (" in s, s[-600:])
        t.text("sha256 /myfs/uniquely-named.txt")
        t.keys("Enter")
        n += 1
        want = "%s  /myfs/uniquely-named.txt" % vstest.sha256_file(os.path.join(share, "uniquely-named.txt"))
        t.wait(lambda s: want in out_lines(s), 60, "the hash")
        ok, s = t.wait_prompts(n)
        check("after Ctrl-C the file system still works", ok and want in out_lines(s), s[-300:])

        # help lists every command with its usage.
        t.text("help")
        t.keys("Enter")
        n += 1
        ok, s = t.wait_prompts(n)
        names = ["ls [-l] PATH", "stat PATH", "cat PATH", "sha256 PATH", "manifest [-n] PATH", "mkdir PATH",
                 "mount TAG PATH", "umount PATH", "exit [N]", "shell", "boot KERNEL", "debug [LEVEL]",
                 "stats [-r] [PATH]", "help", "bench DIR", "cp [-r] SRC DST", "write PATH SIZE SEED"]
        missing = [x for x in names if not any(l.strip().startswith(x) for l in out_lines(s))]
        check("help lists the commands with their usage", ok and not missing, "missing %s" % missing)

        t.text("exit 3")
        t.keys("Enter")
        st = t.status(60)
        check("exit 3 leaves with status 3", st == 3, "status %s; screen %r" % (st, t.screen()[-400:]))
    finally:
        t.kill()


def test_cmdline_interrupt(share):
    t = Term("cmdline", launcher(share, "sha256 /myfs/big.bin; echo not-reached"))
    try:
        # No prompt here: interrupt once the daemon has read 8 MiB for the sha256.
        vstest.wait_io(lambda: vstest.daemon_pids(share), 8 << 20, 120)
        t.keys("C-c")
        st = t.status(90)
        s = t.screen()
        check("Ctrl-C in a command line fails the run with status 1",
              st == 1 and "error: sha256: /myfs/big.bin: EINTR (" in s and "not-reached" not in out_lines(s),
              "status %s; screen %r" % (st, s[-400:]))
    finally:
        t.kill()


def test_early_input(share):
    # Typed at once, while the launcher, QEMU and the guest are still starting:
    # every byte must reach the shell (the first one used to be lost).
    t = Term("early", launcher(share, "shell"))
    try:
        t.text("echo early-ok")
        t.keys("Enter")
        ok, s = t.wait_prompts(2, timeout=120)
        check("a line typed before the guest is up runs whole",
              ok and "early-ok" in out_lines(s) and "ENOSYS" not in s, s[-600:])
        t.text("exit 4")
        t.keys("Enter")
        st = t.status(60)
        check("exit after early input", st == 4, "status %s" % st)
    finally:
        t.kill()


def main():
    if not shutil.which("tmux"):
        check("tmux installed (tools/deps)", False, "tmux not found")
        return vstest.finish()
    if not vstest.require_image():
        return vstest.finish()
    share = make_share()
    test_early_input(share)
    test_shell(share)
    test_cmdline_interrupt(share)
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
