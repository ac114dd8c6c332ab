#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A host mount point inside the share: a tmpfs mounted below the shared
directory, shared by the Rust virtiofsd with --announce-submounts (its
entries then carry FUSE_ATTR_SUBMOUNT and node ids of the other file
system).  The guest lists it, walks into it, reads a file two levels down,
and its manifest of the whole share equals tools/manifest on the host."""

import os
import subprocess
import sys

# The Rust daemon's option: this runs on the current stack only.
os.environ["VIOSHARE_HOST"] = "current"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check  # noqa: E402


def main():
    if not vstest.require_image():
        return vstest.finish()
    d = vstest.tmpdir()
    mnt = os.path.join(d, "mnt")
    os.makedirs(mnt)
    os.makedirs(os.path.join(d, "sub"))
    with open(os.path.join(d, "top.txt"), "wb") as f:
        f.write(b"top\n")
    m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "vstest-submount", mnt],
                       capture_output=True, text=True)
    if not check("a tmpfs mounted inside the share (as root)", m.returncode == 0, m.stderr.strip()):
        return vstest.finish()
    try:
        os.makedirs(os.path.join(mnt, "deep"))
        with open(os.path.join(mnt, "inner.txt"), "wb") as f:
            f.write(b"inner\n")
        with open(os.path.join(mnt, "deep", "x.txt"), "wb") as f:
            f.write(b"two levels down\n")
        want = vstest.host_manifest(d)
        r = vstest.run("ls /myfs/mnt; cat /myfs/mnt/deep/x.txt; echo =M=; manifest /myfs; echo =E=",
                       shares=[d], timeout=90,
                       extra=["--virtiofsd-arg=--announce-submounts"])
        lines = r.out.decode("utf-8", "replace").split("\n")
        check("submount: listed (deep, inner.txt)", r.status == 0 and "deep" in lines and "inner.txt" in lines,
              r.summary())
        check("submount: a file two levels into it read", "two levels down" in lines, r.summary())
        check("submount: the guest's manifest of the share equals tools/manifest",
              r.between("=M=", "=E=") == want and b"mnt/deep/x.txt" in want, r.summary())
    finally:
        subprocess.run(["umount", mnt], capture_output=True)
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
