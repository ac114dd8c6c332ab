#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""`cp -r` in the guest, checked on the host: a tree of files of boundary
sizes, odd names, nested and empty directories and symlinks (to a file, to a
directory: copied as links, not followed) copied whole, its FIFO left out
with ENOTSUP while the rest goes on; a copy into an existing directory and
a merge into one already there; and the refusals: into itself (EINVAL,
nothing made), a missing source (ENOENT), a directory onto a file
(ENOTDIR).  A file with -r is copied as cp copies it."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check  # noqa: E402


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def make_src(src):
    os.makedirs(os.path.join(src, b"sub", b"deeper"))
    os.mkdir(os.path.join(src, b"emptydir"))
    write(os.path.join(src, b"a.txt"), b"alpha\n")
    write(os.path.join(src, b"empty"), b"")
    seed = 7
    for name, size in ((b"big", (3 << 20) + 5), (b"sub/deeper/f4097", 4097), (b"sub/m1", 1 << 20),
                       (b"odd name \xff\x01", 1000)):
        vstest.write_pattern(os.path.join(src, name), seed, size)
        seed += 1
    os.symlink(b"a.txt", os.path.join(src, b"link"))
    os.symlink(b"sub", os.path.join(src, b"dlink"))


def tree(root, skip=()):
    """{relative path: ("d",) | ("f", bytes) | ("l", target)} below root."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            if rel in skip:
                continue
            if os.path.islink(full):
                out[rel] = ("l", os.readlink(full))
            elif os.path.isdir(full):
                out[rel] = ("d",)
            elif os.path.isfile(full):
                with open(full, "rb") as f:
                    out[rel] = ("f", f.read())
            else:
                out[rel] = ("other",)
    return out


def differences(want, got):
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    wrong = sorted(k for k in set(want) & set(got) if want[k] != got[k])
    return "missing %r, extra %r, different %r" % (missing[:5], extra[:5], wrong[:5])


def text_lines(out):
    return [l.rstrip("\r") for l in out.decode("utf-8", "replace").split("\n")]


def main():
    if not vstest.require_image():
        return vstest.finish()
    share = vstest.tmpdir().encode()
    src, src2 = os.path.join(share, b"src"), os.path.join(share, b"src2")
    make_src(src)
    os.mkfifo(os.path.join(src, b"fifo"))
    make_src(src2)
    os.mkdir(os.path.join(share, b"existing"))
    write(os.path.join(share, b"afile"), b"a file\n")
    want = tree(src, skip=(b"fifo",))
    want2 = tree(src2)

    cmds = ["-cp -r /myfs/src /myfs/copy",
            "echo =1=",
            "cp -r /myfs/src2 /myfs/existing",
            "cp -r /myfs/src2/ /myfs/existing",
            "echo =2=",
            "-cp -r /myfs/src /myfs/src/sub",
            "echo =3=",
            "-cp -r /myfs/nope /myfs/x",
            "echo =4=",
            "-cp -r /myfs/src2 /myfs/afile",
            "echo =5=",
            "cp -r /myfs/src/big /myfs/bigcopy",
            "echo =6="]
    r = vstest.run("; ".join(cmds), shares=[os.fsdecode(share)], timeout=300)
    lines = text_lines(r.out)
    check("the run ends (status 0)", r.status == 0 and "=6=" in lines, r.summary())

    def between(a, b):
        """The error lines of cp between the lines a (None: the start) and b."""
        try:
            return [l for l in lines[lines.index(a) + 1 if a else 0:lines.index(b)] if l.startswith("error: cp: ")]
        except ValueError:
            return None

    got = tree(os.path.join(share, b"copy"))
    check("cp -r: every file, directory and symlink of the tree is in the copy, the FIFO left out",
          got == want, differences(want, got))
    errs = between(None, "=1=")
    check("cp -r: the FIFO reported with ENOTSUP, nothing else",
          errs is not None and len(errs) == 1 and errs[0].startswith("error: cp: /myfs/src/fifo: ENOTSUP ("),
          "errors %r" % errs)
    got = tree(os.path.join(share, b"existing", b"src2"))
    check("cp -r into an existing directory, then again merged into the copy there: the same tree",
          got == want2 and between("=1=", "=2=") == [] and sorted(os.listdir(os.path.join(share, b"existing")))
          == [b"src2"], differences(want2, got))
    errs = between("=2=", "=3=")
    check("cp -r into itself: EINVAL, nothing made",
          errs is not None and len(errs) == 1 and errs[0].startswith("error: cp: /myfs/src/sub/src: EINVAL (")
          and not os.path.exists(os.path.join(src, b"sub", b"src")), "errors %r" % errs)
    errs = between("=3=", "=4=")
    check("cp -r of a missing source: ENOENT",
          errs is not None and len(errs) == 1 and errs[0].startswith("error: cp: /myfs/nope: ENOENT ("),
          "errors %r" % errs)
    errs = between("=4=", "=5=")
    check("cp -r of a directory onto a file: ENOTDIR, the file unchanged",
          errs is not None and len(errs) == 1 and errs[0].startswith("error: cp: /myfs/afile: ENOTDIR (")
          and open(os.path.join(share, b"afile"), "rb").read() == b"a file\n", "errors %r" % errs)
    with open(os.path.join(src, b"big"), "rb") as f, open(os.path.join(share, b"bigcopy"), "rb") as g:
        check("cp -r of a file copies it as cp does", f.read() == g.read() and between("=5=", "=6=") == [])
    check("the sources are unchanged", tree(src, skip=(b"fifo",)) == want and tree(src2) == want2)
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
