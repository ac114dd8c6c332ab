#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Ending a run without isa-debug-exit: the boot image prints
`vioshare: exit status N` as its last line and powers off through ACPI.

QEMU is driven by hand (no launcher: it always adds isa-debug-exit), started
paused with a QMP socket so that no event is missed; a power-off must come as
the SHUTDOWN event with reason "guest-shutdown" (a triple fault under
-no-reboot would also end QEMU with status 0, as "guest-reset").  Machines:
pc with the Multiboot entry (RSDP found by scanning the BIOS area) and with
the PVH entry (RSDP from hvm_start_info), q35, and microvm with ACPI, which is
hardware-reduced (the FADT's sleep control register).  Without ACPI the image
must say why it cannot power off and halt; with isa-debug-exit present it
must still leave through it, without the status line."""

import json
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

STATUS_LINE = "vioshare: exit status %d"


def qmp_lines(sock):
    buf = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if line.strip():
                yield json.loads(line)


def boot(machine, image, cmdline, extra=(), limit=60):
    """Runs QEMU until it exits or `limit` seconds pass.  Returns (console
    lines, QEMU's exit status or None if it was still running, the SHUTDOWN
    event's data or None, seconds)."""
    qmp_path = os.path.join(vstest.tmpdir(), "qmp.sock")
    argv = ["qemu-system-x86_64", "-machine", machine, "-accel", "tcg", "-m", "256",
            "-kernel", image, "-append", cmdline, "-display", "none", "-nodefaults",
            "-no-reboot", "-action", "shutdown=poweroff", "-serial", "stdio", "-S",
            "-qmp", "unix:%s,server=on,wait=off" % qmp_path] + list(extra)
    note(" ".join(argv))
    start = time.monotonic()
    qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    shutdown = None
    try:
        # The socket file appears at bind(), a moment before QEMU listens.
        s = socket.socket(socket.AF_UNIX)
        while True:
            try:
                s.connect(qmp_path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if qemu.poll() is not None or time.monotonic() - start > 10:
                    raise
                time.sleep(0.02)
        s.settimeout(max(1.0, limit - (time.monotonic() - start)))
        events = qmp_lines(s)
        next(events)  # the greeting
        s.sendall(b'{"execute": "qmp_capabilities"}\n')
        next(events)
        s.sendall(b'{"execute": "cont"}\n')
        try:
            for msg in events:
                if msg.get("event") == "SHUTDOWN":
                    shutdown = msg.get("data", {})
        except (socket.timeout, ConnectionResetError):
            pass
        s.close()
        try:
            code = qemu.wait(timeout=max(1.0, limit - (time.monotonic() - start)))
        except subprocess.TimeoutExpired:
            code = None
    finally:
        if qemu.poll() is None:
            qemu.kill()
            qemu.wait()
    seconds = time.monotonic() - start
    out = qemu.stdout.read().replace(b"\r\n", b"\n").decode("utf-8", "replace")
    qemu.stdout.close()
    note(out[-800:])
    lines = [l for l in out.split("\n") if l.strip()]
    return lines, code, shutdown, seconds


def test_power_off(machine, image, what, status):
    lines, code, shutdown, secs = boot(machine, image, "echo powering off; exit %d" % status)
    note("%s: %.2f s" % (what, secs))
    check("%s: the last console line is the exit status" % what,
          lines and lines[-1] == STATUS_LINE % status, lines[-3:])
    check("%s: QEMU sees an ACPI power-off (SHUTDOWN, reason guest-shutdown) and exits 0" % what,
          shutdown is not None and shutdown.get("reason") == "guest-shutdown" and code == 0,
          "SHUTDOWN %r, QEMU status %r" % (shutdown, code))


def test_no_acpi(machine, image, what):
    lines, code, shutdown, _ = boot(machine, image, "exit 4", limit=8)
    check("%s: the status line, then why there is no power-off" % what,
          len(lines) >= 2 and lines[-2] == STATUS_LINE % 4 and
          lines[-1].startswith("vioshare: cannot power off: no ACPI RSDP") and lines[-1].endswith("; halted"),
          lines[-3:])
    check("%s: the machine halts instead (still running, no SHUTDOWN)" % what,
          code is None and shutdown is None, "QEMU status %r, SHUTDOWN %r" % (code, shutdown))


def test_debug_exit_first():
    lines, code, shutdown, _ = boot("pc", vstest.IMAGE, "exit 5",
                                    extra=["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"])
    check("with isa-debug-exit: QEMU exits with status*2+1 and no status line is printed",
          code == 11 and not any(l.startswith("vioshare: exit status") for l in lines),
          "QEMU status %r, last lines %r" % (code, lines[-2:]))


def main():
    if not (vstest.require_image(vstest.IMAGE) and vstest.require_image(vstest.PVH_IMAGE)):
        return vstest.finish()
    test_power_off("pc", vstest.IMAGE, "pc, Multiboot", 3)
    test_power_off("pc", vstest.PVH_IMAGE, "pc, PVH", 0)
    test_power_off("q35", vstest.IMAGE, "q35", 7)
    test_power_off("microvm,acpi=on", vstest.PVH_IMAGE, "microvm with hardware-reduced ACPI", 2)
    test_no_acpi("pc,acpi=off", vstest.IMAGE, "pc without ACPI")
    test_no_acpi("microvm,acpi=off", vstest.PVH_IMAGE, "microvm without ACPI")
    test_debug_exit_first()
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
