#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The AArch64 image (build/aarch64/vioshare.elf) under qemu-system-aarch64
-M virt -cpu cortex-a57 (TCG), through `tools/vioshare-run --arch aarch64`:
the same checks as test_microvm.py (a generated tree's manifest equals
tools/manifest; a read-write script leaves the share equal to a reference
copy; exit statuses), plus the boot-to-first-command time (printed, and
checked to be under a generous bound)."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402
import test_microvm  # noqa: E402

IMAGE = os.path.join(vstest.REPO, "build", "aarch64", "vioshare.elf")
ARGS = ["--arch", "aarch64"]


def boot_time():
    """Seconds from starting the launcher to the first command's output (its
    line on the console, after the banner and the mounts), best of three runs."""
    import subprocess
    best = None
    for _ in range(3):
        start = time.monotonic()
        p = subprocess.Popen([vstest.LAUNCHER] + ARGS + ["--timeout", "60", "--", "echo ready"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = p.stdout.readline()
        while line and line.rstrip(b"\r\n") != b"ready":
            line = p.stdout.readline()
        t = time.monotonic() - start
        p.communicate(timeout=90)
        if line and p.returncode == 0:
            best = t if best is None else min(best, t)
    return best


def virtio_mmio_case():
    """virtio-fs on one of virt's virtio-mmio transports (a `virtio,mmio` node
    of the DTB) rather than PCIe: QEMU started by hand (the launcher always
    uses vhost-user-fs-pci on virt)."""
    share = vstest.tmpdir()
    with open(os.path.join(share, "m.txt"), "wb") as f:
        f.write(b"over virtio-mmio\n")
    name = "aarch64: virtio-fs on a DTB virtio,mmio transport is mounted and read (status 4 -> QEMU 9)"
    with vstest.bare_virtiofsd(share) as sock:
        # QEMU connects at once: the socket must be listening, not just exist.
        if not sock:
            check(name, False, "virtiofsd never listened")
            return
        argv = ["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a57", "-m", "256",
                "-object", "memory-backend-memfd,id=mem,size=256M,share=on", "-numa", "node,memdev=mem",
                "-chardev", "socket,id=fs0,path=" + sock,
                "-device", "vhost-user-fs-device,queue-size=1024,chardev=fs0,tag=mmiofs",
                "-global", "virtio-mmio.force-legacy=false",
                "-kernel", IMAGE, "-append", "mounts; cat /mmiofs/m.txt; exit 4",
                "-semihosting-config", "enable=on,target=native",
                "-display", "none", "-nodefaults", "-no-reboot", "-serial", "stdio"]
        out, code = vstest.run_console(argv)
        note(out)
        check(name, code == 9 and b"mmiofs on /mmiofs" in out and b"over virtio-mmio\n" in out,
              "QEMU exit %s, output %r" % (code, out[-300:]))


def main():
    if not os.path.isfile(IMAGE):
        check("image build/aarch64/vioshare.elf exists", False, "not built (run make)")
        return vstest.finish()
    t = boot_time()
    if t is not None:
        note("aarch64 boot-to-first-command: %.3f s (launcher start to the first command's line, "
             "QEMU start-up included)" % t)
    check("aarch64: boots and runs a command (%.2f s to the first command)" % (t or -1),
          t is not None and t < 30, "no output or a failing status")
    virtio_mmio_case()
    return test_microvm.main("aarch64", ARGS, IMAGE, boot_timeout=600)


if __name__ == "__main__":
    sys.exit(main())
