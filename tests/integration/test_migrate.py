#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Live migration of a guest that uses the share (issue 30).

A guest with a shell on its console mounts the share served by its own
virtiofsd; a second QEMU with a virtiofsd of its own on the same directory
waits with -incoming on a unix socket, and QMP's `migrate` moves the guest:

- classic (QEMU 7.2, the C virtiofsd): vhost-user-fs cannot be migrated.
  QEMU refuses with "State blocked by non-migratable device
  '<PCI address>/vhost-user-fs'" (checked word for word), and the guest
  goes on where it was: it reads and writes the share as before.
- current (QEMU 10, virtiofsd 1.13 with --migration-mode=find-paths): the
  guest is migrated while it writes a 96 MiB file, hashes a host file and
  writes another; the command line ends on the second QEMU, every hash the
  guest printed is the host's, the files it wrote are right on the host,
  and the mount keeps working there: a listing, a new file, umount and
  mount, and the source QEMU is left in the postmigrate state.
"""

import hashlib
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemuvm  # noqa: E402
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

BIG = 96 << 20
SRC = 32 << 20
BLOCKED = re.compile(r"^State blocked by non-migratable device '[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]/vhost-user-fs'$")


def wait_migrated(vm, limit):
    """Polls query-migrate until it is over: (status, error text)."""
    end = time.monotonic() + limit
    while True:
        r = vm.command("query-migrate").get("return", {})
        status = r.get("status")
        if status in ("completed", "failed", "cancelled") or time.monotonic() > end:
            return status, r.get("error-desc", "")
        time.sleep(0.2)


def hashes_in(text):
    """{path: sha256} (text) of the guest's `sha256` lines."""
    return {m.group(2).decode(): m.group(1).decode()
            for m in re.finditer(rb"^([0-9a-f]{64}) +(\S+?)\r?$", text, re.M)}


def prepare(work):
    share = vstest.tmpdir("vstest-migrate-share-")
    vstest.write_pattern(os.path.join(share, "src.bin"), 11, SRC)
    with open(os.path.join(share, "hello.txt"), "w") as f:
        f.write("Hello from the host\n")
    return share


def start_source(work, share, extra):
    d1 = qemuvm.Daemon(share, os.path.join(work, "src.sock"), extra)
    vm1 = qemuvm.VM(work, "src", d1.sock)
    up = d1.listening and vm1.wait_re(re.escape(qemuvm.PROMPT), 60) is not None
    return d1, vm1, up


def classic_case(work, share):
    d1, vm1, up = start_source(work, share, ())
    d2 = qemuvm.Daemon(share, os.path.join(work, "dst.sock"))
    vm2 = qemuvm.VM(work, "dst", d2.sock, incoming="unix:" + os.path.join(work, "mig.sock"))
    try:
        if not check("the guest is up with the share mounted", up, "stderr %s" % vm1.stderr()[-300:]):
            return
        qmp = vm1.connect_qmp() and vm2.connect_qmp()
        r = vm1.command("migrate", uri="unix:" + os.path.join(work, "mig.sock")) if qmp else {}
        desc = r.get("error", {}).get("desc", "")
        note("QEMU 7.2's answer to migrate: %r" % desc)
        check("QEMU 7.2 refuses to migrate vhost-user-fs: \"State blocked by non-migratable device "
              "'<PCI address>/vhost-user-fs'\"", qmp and BLOCKED.match(desc), "answer %r" % r)
        status = vm1.command("query-status").get("return", {}).get("status") if qmp else None
        out = vm1.shell("sha256 /myfs/src.bin; write /myfs/after.bin 1000000 5; sha256 /myfs/after.bin; "
                        "cat /myfs/hello.txt", 60)
        got = hashes_in(out or b"")
        want_after = pattern_sha(5, 1000000)
        check("after the refusal the guest runs on where it was: it reads and writes the share",
              status == "running" and got.get("/myfs/src.bin") == vstest.sha256_file(os.path.join(share, "src.bin"))
              and host_sha(os.path.join(share, "after.bin")) == want_after
              and got.get("/myfs/after.bin") == want_after and b"Hello from the host" in (out or b""),
              "status %s, output %r" % (status, out))
    finally:
        for x in (vm1, vm2, d1, d2):
            x.kill()


def pattern_sha(seed, size):
    """The sha256 of SPEC section 5's pattern (tools/pattern)."""
    p = subprocess.run([os.path.join(vstest.TOOLS, "pattern"), str(seed), str(size)], stdout=subprocess.PIPE,
                       check=True)
    return hashlib.sha256(p.stdout).hexdigest()


def host_sha(path):
    return vstest.sha256_file(path) if os.path.exists(path) else None


def current_case(work, share):
    mode = ["--migration-mode=find-paths"]
    d1, vm1, up = start_source(work, share, mode)
    d2 = qemuvm.Daemon(share, os.path.join(work, "dst.sock"), mode)
    mig = os.path.join(work, "mig.sock")
    vm2 = qemuvm.VM(work, "dst", d2.sock, incoming="unix:" + mig)
    try:
        if not check("the guest is up with the share mounted", up, "stderr %s" % vm1.stderr()[-300:]):
            return
        before = vm1.shell("sha256 /myfs/src.bin", 60)
        want_src = vstest.sha256_file(os.path.join(share, "src.bin"))
        check("before the migration the guest's hash of a host file is the host's",
              hashes_in(before or b"").get("/myfs/src.bin") == want_src, "output %r" % before)
        if not (vm1.connect_qmp() and vm2.connect_qmp()):
            check("migration while the guest writes and reads the share", False, "no QMP")
            return
        line = ("write /myfs/big.bin %d 7; sha256 /myfs/src.bin; write /myfs/big2.bin %d 8; "
                "sha256 /myfs/big.bin; echo =END=" % (BIG, BIG))
        start = vm1.type_line(line)
        # Migrate once the daemon is busy with the guest's write.
        busy = vstest.wait_io(lambda: [d1.p.pid], 8 << 20, 60)
        t0 = time.monotonic()
        r = vm1.command("migrate", uri="unix:" + mig)
        status, err = wait_migrated(vm1, 120) if "return" in r else (None, r)
        note("migration: %s %s in %.1f s" % (status, err, time.monotonic() - t0))
        ended_on_source = re.search(rb"^=END=$", vm1.out[start:], re.M) is not None
        dst_prompt = vm2.wait_re(rb"^=END=\n" + re.escape(qemuvm.PROMPT), 240)
        check("migration completes while the guest is in the middle of its writes (the command line ends on "
              "the second QEMU)", busy and status == "completed" and not ended_on_source and dst_prompt,
              "daemon busy %s, migration %s %s, ended on the source %s; dst stderr %s"
              % (busy, status, err, ended_on_source, vm2.stderr()[-300:]))
        text = vm1.out[start:] + vm2.out
        got = hashes_in(text)
        want_big, want_big2 = pattern_sha(7, BIG), pattern_sha(8, BIG)
        on_host = host_sha(os.path.join(share, "big.bin")), host_sha(os.path.join(share, "big2.bin"))
        check("after the migration the files written across it are right on the host (2 x 96 MiB)",
              on_host == (want_big, want_big2), "host %s, want %s" % (on_host, (want_big, want_big2)))
        check("every hash the guest printed across the migration is the host's",
              got.get("/myfs/src.bin") == want_src and got.get("/myfs/big.bin") == want_big,
              "guest %r" % got)
        out = vm2.shell("ls /myfs; write /myfs/dst.bin 300000 9; sha256 /myfs/dst.bin; umount /myfs; "
                        "mount myfs /myfs; sha256 /myfs/src.bin; mounts", 120)
        got = hashes_in(out or b"")
        want_dst = pattern_sha(9, 300000)
        check("on the second QEMU the mount keeps working: a listing, a new file, umount and mount, a hash",
              out is not None and b"big2.bin" in out and got.get("/myfs/dst.bin") == want_dst
              and vstest.sha256_file(os.path.join(share, "dst.bin")) == want_dst
              and got.get("/myfs/src.bin") == want_src and b"error" not in out
              and re.search(rb"^myfs on /myfs type virtiofs", out, re.M),
              "output %r" % out)
        state = vm1.command("query-status").get("return", {}).get("status")
        check("the source QEMU is left paused after the migration (postmigrate)", state == "postmigrate",
              "status %s" % state)
    finally:
        for x in (vm1, vm2, d1, d2):
            x.kill()


def main():
    if not vstest.require_image():
        return vstest.finish()
    _, why = qemuvm.programs()
    if why:
        n = 3 if vstest.HOST == "classic" else 7  # the checks after "image exists"
        for i in range(n):
            vstest.skip("migration check %d" % (i + 1), why)
        return vstest.finish()
    work = vstest.tmpdir("vstest-migrate-")
    share = prepare(work)
    vstest.run_cases([(classic_case if vstest.HOST == "classic" else current_case, (work, share))])
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
