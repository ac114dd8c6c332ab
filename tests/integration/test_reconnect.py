#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A daemon that dies or stops, and comes back (issue 30), on one host stack.

- A chardev that reconnects (`reconnect=1` on QEMU 7.2, `reconnect-ms=1000`
  on QEMU 10): QEMU's vhost-user-fs does not support it, and QEMU refuses
  the device at start ("vhost_backend_init failed: Protocol error",
  checked).
- virtiofsd stopped (SIGSTOP) while the guest writes: the call fails with
  ETIMEDOUT after the mount's timeout=3, the next call at once; after
  SIGCONT the guest mounts the share again and goes on: hashes and writes
  right.
- virtiofsd killed (SIGKILL): every call gives ETIMEDOUT, mounting again
  gives ETIMEDOUT (INIT never answered), and a new virtiofsd on the same
  socket changes nothing (QEMU does not reconnect); nothing hangs: every
  command returns within the timeout and the guest's exit status comes out.
"""

import hashlib
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemuvm  # noqa: E402
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

TIMEOUT = 3
SLACK = 5          # seconds beyond the mount's timeout a failing call may take under TCG
START = "umount /myfs; mount myfs /myfs -o timeout=%d; shell" % TIMEOUT
CHECKS = 8         # after "image exists"


def pattern_sha(seed, size):
    p = subprocess.run([os.path.join(vstest.TOOLS, "pattern"), str(seed), str(size)], stdout=subprocess.PIPE,
                       check=True)
    return hashlib.sha256(p.stdout).hexdigest()


def error_of(out, cmd):
    """The ENAME of the guest's `error: CMD: ...` line, or None."""
    m = re.search(rb"^error: " + cmd.encode() + rb": \S+: (E[A-Z]+) ", out or b"", re.M)
    return m.group(1).decode() if m else None


def timed_shell(vm, line, limit):
    t0 = time.monotonic()
    out = vm.shell(line, limit)
    return out, time.monotonic() - t0


def reconnect_case(work, share):
    opt = ",reconnect=1" if vstest.HOST == "classic" else ",reconnect-ms=1000"
    d = qemuvm.Daemon(share, os.path.join(work, "rc.sock"))
    vm = qemuvm.VM(work, "rc", d.sock, "exit 0", chardev_opts=opt)
    try:
        try:
            status = vm.p.wait(30)
        except subprocess.TimeoutExpired:
            status = None
        err = vm.stderr()
        note("QEMU with %s: status %s, stderr %r" % (opt[1:], status, err[-400:]))
        check("a chardev with %s: QEMU refuses vhost-user-fs at start ('vhost_backend_init failed: Protocol error')"
              % opt[1:], status not in (None, 0) and "vhost_backend_init failed: Protocol error" in err,
              "status %s, stderr %r" % (status, err[-300:]))
    finally:
        vm.kill()
        d.stop()


def stop_case(work, share):
    d = qemuvm.Daemon(share, os.path.join(work, "st.sock"))
    vm = qemuvm.VM(work, "st", d.sock, START)
    try:
        up = d.listening and vm.wait_re(re.escape(qemuvm.PROMPT), 60)
        start = vm.type_line("write /myfs/w.bin %d 3" % (256 << 20))
        busy = up and vstest.wait_io(lambda: [d.p.pid], 4 << 20, 60)
        os.kill(d.p.pid, signal.SIGSTOP)
        t0 = time.monotonic()
        out = vm.result(start, TIMEOUT + 30)
        took = time.monotonic() - t0
        check("virtiofsd stopped mid-write: the write fails with ETIMEDOUT after timeout=%d (%.1f s)"
              % (TIMEOUT, took), busy and error_of(out, "write") == "ETIMEDOUT" and took < TIMEOUT + SLACK,
              "daemon busy %s, output %r" % (busy, out))
        out, took = timed_shell(vm, "cat /myfs/hello.txt", TIMEOUT + 30)
        check("the next call fails at once with the same error (%.1f s)" % took,
              error_of(out, "cat") == "ETIMEDOUT" and took < SLACK, "output %r" % out)
        os.kill(d.p.pid, signal.SIGCONT)
        out = vm.shell("umount /myfs; mount myfs /myfs -o timeout=%d; sha256 /myfs/src.bin; "
                       "write /myfs/w2.bin 1000000 4; sha256 /myfs/w2.bin" % TIMEOUT, 120)
        got = dict((m.group(2).decode(), m.group(1).decode())
                   for m in re.finditer(rb"^([0-9a-f]{64}) +(\S+?)\r?$", out or b"", re.M))
        want_w2 = pattern_sha(4, 1000000)
        check("after SIGCONT the share is mounted again and the guest goes on: hashes and writes right",
              out is not None and b"error" not in out
              and got.get("/myfs/src.bin") == vstest.sha256_file(os.path.join(share, "src.bin"))
              and got.get("/myfs/w2.bin") == want_w2
              and vstest.sha256_file(os.path.join(share, "w2.bin")) == want_w2,
              "output %r" % out)
    finally:
        try:
            os.kill(d.p.pid, signal.SIGCONT)
        except OSError:
            pass
        vm.kill()
        d.stop()


def kill_case(work, share):
    sock = os.path.join(work, "kl.sock")
    d = qemuvm.Daemon(share, sock)
    vm = qemuvm.VM(work, "kl", d.sock, START)
    d2 = None
    try:
        up = d.listening and vm.wait_re(re.escape(qemuvm.PROMPT), 60) is not None
        ok = up and b"Hello" in (vm.shell("cat /myfs/hello.txt", 30) or b"")
        d.kill()
        out, took = timed_shell(vm, "cat /myfs/hello.txt", TIMEOUT + 30)
        out2, took2 = timed_shell(vm, "sha256 /myfs/src.bin", TIMEOUT + 30)
        check("virtiofsd killed: a call fails with ETIMEDOUT after timeout=%d (%.1f s), the next one at once "
              "(%.1f s)" % (TIMEOUT, took, took2),
              ok and error_of(out, "cat") == "ETIMEDOUT" and took < TIMEOUT + SLACK
              and error_of(out2, "sha256") == "ETIMEDOUT" and took2 < SLACK,
              "worked before %s; outputs %r %r" % (ok, out, out2))
        out, took = timed_shell(vm, "umount /myfs; mount myfs /myfs -o timeout=%d" % TIMEOUT, TIMEOUT + 30)
        check("mounting again fails with ETIMEDOUT: INIT is never answered (%.1f s)" % took,
              error_of(out, "mount") == "ETIMEDOUT" and took < TIMEOUT + SLACK, "output %r" % out)
        d2 = qemuvm.Daemon(share, sock)
        out, took = timed_shell(vm, "mount myfs /myfs -o timeout=%d; ls /myfs" % TIMEOUT, 2 * TIMEOUT + 30)
        note("QEMU's stderr: %s" % vm.stderr()[-600:])
        check("a new virtiofsd on the same socket: QEMU does not reconnect, the mount fails with ETIMEDOUT again "
              "(%.1f s)" % took,
              d2.listening and error_of(out, "mount") == "ETIMEDOUT" and took < 2 * TIMEOUT + SLACK,
              "daemon listening %s, output %r" % (d2.listening, out))
        vm.send("exit 3")
        try:
            status = vm.p.wait(30)
        except subprocess.TimeoutExpired:
            status = None
        check("nothing hangs: the guest's exit status comes out (QEMU exits 7 for exit 3)", status == 7,
              "QEMU status %s" % status)
    finally:
        vm.kill()
        d.stop()
        if d2:
            d2.stop()


def main():
    if not vstest.require_image():
        return vstest.finish()
    _, why = qemuvm.programs()
    if why:
        for i in range(CHECKS):
            vstest.skip("reconnect check %d" % (i + 1), why)
        return vstest.finish()
    work = vstest.tmpdir("vstest-reconnect-")
    share = vstest.tmpdir("vstest-reconnect-share-")
    vstest.write_pattern(os.path.join(share, "src.bin"), 12, 8 << 20)
    with open(os.path.join(share, "hello.txt"), "w") as f:
        f.write("Hello from the host\n")
    vstest.run_cases([(reconnect_case, (work, share)), (stop_case, (work, share)), (kill_case, (work, share))],
                     timed=True)
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
