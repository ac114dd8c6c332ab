#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Mount option irq=msix (SPEC section 4): completions signalled by MSI-X
interrupts instead of polled.  On the PC image (virtio-pci): remounting with
irq=msix gives a manifest equal to tools/manifest, a write/read round trip,
`stats` counting the requests and the MSI-X interrupts that completed them
(none while the share is polled: from boot, and after a polled remount), a
polled remount afterwards, and 200 mounts alternating the two.  On microvm (virtio-mmio, no MSI-X) the mount fails with
ENOTSUP and the device still mounts polled."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

REMOUNT = "umount /myfs; mount myfs /myfs -o irq=msix"


def put(path, data):
    with open(path, "wb") as f:
        f.write(data)


def make_tree(root):
    os.makedirs(os.path.join(root, "dir", "sub"))
    put(os.path.join(root, "dir", "sub", "deep.txt"), b"deep\n")
    put(os.path.join(root, "empty"), b"")
    seed = 3
    for size in (1, 4096, 131073, (1 << 20) + 7):
        vstest.write_pattern(os.path.join(root, "p%d" % size), seed, size)
        seed += 1
    for i in range(40):
        put(os.path.join(root, "dir", "f%02d" % i), b"file %d\n" % i)
    os.symlink("p4096", os.path.join(root, "link"))


def stats_rows(out):
    """{OPCODE: (count, errors)} of the first stats table in out."""
    rows = {}
    for line in (out or b"").decode("utf-8", "replace").split("\n"):
        m = re.match(r"^  ([A-Z_0-9]+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$", line)
        if m and m.group(1) not in rows:
            rows[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    return rows


def msi_count(out):
    """N of the one `interrupts: N MSI since boot` line of a stats output,
    or None."""
    found = re.findall(rb"^interrupts: (\d+) MSI since boot$", out or b"", re.M)
    return int(found[0]) if len(found) == 1 else None


def test_pc():
    top = vstest.tmpdir()
    root = os.path.join(top, "tree")
    os.mkdir(root)
    make_tree(root)
    want = vstest.host_manifest(root)
    size, seed = 3 * (1 << 20) + 11, 77
    # A stats output between =Sn= markers: polled from boot after a read (S0),
    # after the irq=msix work (S1), after a polled remount (S2) and after a
    # read through it (S3).
    script = ("sha256 /myfs/p1048583; echo =S0=; stats; echo =S0E=; "
              "%s; mounts; echo =B=; manifest /myfs; echo =E=; write /myfs/w.bin %d %d; sha256 /myfs/w.bin; "
              "echo =S1=; stats; echo =S1E=; umount /myfs; mount myfs /myfs -o irq=poll; mounts; "
              "echo =S2=; stats; echo =S2E=; sha256 /myfs/w.bin; echo =S3=; stats; echo =S3E="
              % (REMOUNT, size, seed))
    r = vstest.run(script, shares=[root], timeout=180)
    check("pc: irq=msix run exits 0", r.status == 0, r.summary())
    check("pc: mounts shows irq=msix", b"myfs on /myfs type virtiofs (rw,irq=msix," in r.out, r.summary())
    got = r.between("=B=", "=E=")
    check("pc: manifest /myfs under irq=msix equals tools/manifest (%d entries)" % want.count(b"\n"),
          got == want, "guest %r... host %r..." % ((got or b"")[:200], want[:200]))
    wpath = os.path.join(root, "w.bin")
    ok = os.path.isfile(wpath) and os.path.getsize(wpath) == size
    if ok:
        with open(wpath, "rb") as f:
            ok = f.read() == vstest.pattern_py(seed, size)
    check("pc: the file written under irq=msix has the pattern on the host", ok, "size/content mismatch")
    digest = vstest.sha256_file(wpath) if ok else "?"
    check("pc: sha256 read back under irq=msix and after a polled remount",
          r.out.count(("%s  /myfs/w.bin" % digest).encode()) == 2, r.summary())
    stats = [r.between("=S%d=" % i, "=S%dE=" % i) for i in range(4)]
    rows = stats_rows(stats[1])
    total = sum(c for c, _ in rows.values())
    check("pc: stats counts the completed requests (%d)" % total,
          rows.get("READ", (0,))[0] > 0 and rows.get("WRITE", (0,))[0] > 0 and total >= 50
          and all(e == 0 for _, e in rows.values()), repr(rows))
    msi = [msi_count(x) for x in stats]
    check("pc: irq=msix: MSI-X interrupts complete the requests (%s counted)" % msi[1],
          msi[0] is not None and msi[1] is not None and msi[1] > msi[0], "MSI counts %s; %s" % (msi, r.summary()))
    check("pc: polled, no MSI: none from boot through a 1 MiB read, none more through a read after the "
          "polled remount (%s, %s -> %s)" % (msi[0], msi[2], msi[3]),
          msi[0] == 0 and msi[2] is not None and msi[3] == msi[2], "MSI counts %s; %s" % (msi, r.summary()))
    check("pc: a polled remount after irq=msix works",
          b"myfs on /myfs type virtiofs (rw,timeout=30, nodes" in r.out, r.summary())

    # The PVH image takes the same path.
    r = vstest.run("%s; echo =B=; manifest /myfs; echo =E=" % REMOUNT, shares=[root], timeout=180,
                   image=vstest.PVH_IMAGE)
    want = vstest.host_manifest(root)
    check("pvh: irq=msix manifest equals tools/manifest", r.status == 0 and r.between("=B=", "=E=") == want,
          r.summary())


def test_alternating():
    """Polled and irq=msix mounts in turn: a polled mount after an irq=msix
    one used to find MSI-X still on, and QEMU 7.2 then handed the C
    virtiofsd its interrupt eventfds only once the queues ran; the daemon
    died ('Error writing eventfd: Bad file descriptor') within a few
    cycles."""
    d = vstest.tmpdir()
    put(os.path.join(d, "a.txt"), b"alternating ok\n")
    cycles = 200
    cmds = ["echo =c%d=; umount /myfs; mount myfs /myfs%s; cat /myfs/a.txt" % (i, " -o irq=msix" if i % 2 else "")
            for i in range(cycles)]
    r = vstest.run("; ".join(cmds), shares=[d], timeout=300)
    check("pc: %d mounts alternating irq=msix and polled, each reads the file" % cycles,
          r.status == 0 and r.out.count(b"alternating ok\n") == cycles, r.summary())


def test_microvm():
    d = vstest.tmpdir()
    put(os.path.join(d, "a.txt"), b"microvm ok\n")
    r = vstest.run("umount /myfs; -mount myfs /myfs -o irq=msix; mounts; mount myfs /myfs; cat /myfs/a.txt",
                   shares=[d], timeout=180, extra=["--machine", "microvm"], image=vstest.PVH_IMAGE)
    out = r.out.decode("utf-8", "replace")
    check("microvm: irq=msix fails with ENOTSUP (virtio-mmio has no MSI-X)",
          "error: mount: /myfs: ENOTSUP (" in out and "myfs not mounted" in out, r.summary())
    check("microvm: the device then mounts polled", r.status == 0 and "microvm ok" in out, r.summary())


def main():
    if not vstest.require_image() or not vstest.require_image(vstest.PVH_IMAGE):
        return vstest.finish()
    test_pc()
    test_alternating()
    test_microvm()
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
