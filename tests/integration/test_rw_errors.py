#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writing commands that must fail, and the mount options, seen from the host:
every error gives the exact ENAME in its `error:` line and status 1, and leaves
the host tree unchanged; `..` and symlinks never leave the share; `-o ro`
refuses every change with EROFS; `-o nocase`, `-o owner=UID:GID`, umount and
mount again; ENOSPC from a full host file system."""

import hashlib
import os
import re
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check  # noqa: E402

ERROR_RE = re.compile(rb"^error: (\S+): (.*?): (E[A-Z0-9]+) \(")
HELLO = b"Hello, share!\n"
SENTINEL = b"the share's own etc/passwd, not the host's\n"


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        return "<%s>" % e


def errors(out):
    """[(cmd, path, ename)] of the error: lines."""
    res = []
    for line in out.split(b"\n"):
        m = ERROR_RE.match(line)
        if m:
            res.append((m.group(1).decode(), m.group(2), m.group(3).decode()))
    return res


def make_share():
    """The share lives in its own directory inside a parent, so that an escape
    to the parent can be seen."""
    parent = vstest.tmpdir("vstest-rwerr-")
    d = os.path.join(parent, "share")
    os.mkdir(d)
    write(os.path.join(d, "hello"), HELLO)
    os.mkdir(os.path.join(d, "dir"))
    write(os.path.join(d, "dir", "inner"), b"inner\n")
    os.mkdir(os.path.join(d, "empty"))
    os.mkdir(os.path.join(d, "etc"))
    write(os.path.join(d, "etc", "passwd"), SENTINEL)
    os.symlink("hello", os.path.join(d, "tohello"))
    os.symlink("loop2", os.path.join(d, "loop1"))
    os.symlink("loop1", os.path.join(d, "loop2"))
    os.symlink("self", os.path.join(d, "self"))
    os.symlink("../../../etc/passwd", os.path.join(d, "escape"))
    os.symlink("/etc/passwd", os.path.join(d, "abs"))
    os.symlink("../../..", os.path.join(d, "dir", "up"))
    return parent, d


def snapshot(d):
    return vstest.host_manifest(d)


def expect_error(name, cmdline, cmd, ename, shares, path=None, unchanged=None, script=None):
    """Runs cmdline; the guest must stop with status 1 after exactly one error
    line `error: CMD: PATH: ENAME (`.  unchanged: a share dir whose manifest must
    not change.  script: text put in a control share as /ctl/script (then the
    command line may `run /ctl/script`)."""
    before = snapshot(unchanged) if unchanged else None
    shares = list(shares)
    if script is not None:
        ctl = vstest.tmpdir("vstest-rwerr-ctl-")
        with open(os.path.join(ctl, "script"), "wb") as f:
            f.write(script if isinstance(script, bytes) else script.encode())
        shares.append((ctl, "ctl"))
    r = vstest.run(cmdline, shares=shares)
    errs = errors(r.out)
    ok = r.status == 1 and len(errs) == 1 and errs[0][0] == cmd and errs[0][2] == ename
    if ok and path is not None:
        ok = errs[0][1] == (path if isinstance(path, bytes) else path.encode())
    check("%s: %s" % (name, ename), ok, "want `error: %s: %s: %s (`, status 1; got %r; %s"
          % (cmd, path if path is not None else "...", ename, errs, r.summary()))
    if unchanged:
        after = snapshot(unchanged)
        check("%s: host tree unchanged" % name, after == before,
              "before/after differ: %r" % sorted(set(after.split(b"\n")) ^ set(before.split(b"\n")))[:6])
    return r


# ------------------------------------------------------------------ errors

def test_errors():
    parent, d = make_share()
    S = [d]
    cases = [
        ("mkdir of an existing directory", "mkdir /myfs/dir", "mkdir", "EEXIST", "/myfs/dir"),
        ("mkdir of an existing file", "mkdir /myfs/hello", "mkdir", "EEXIST", "/myfs/hello"),
        ("rmdir of a non-empty directory", "rmdir /myfs/dir", "rmdir", "ENOTEMPTY", "/myfs/dir"),
        ("rmdir of a file", "rmdir /myfs/hello", "rmdir", "ENOTDIR", "/myfs/hello"),
        ("rm of a directory", "rm /myfs/empty", "rm", "EISDIR", "/myfs/empty"),
        ("rm of a missing path", "rm /myfs/missing", "rm", "ENOENT", "/myfs/missing"),
        ("cat of a missing path", "cat /myfs/missing", "cat", "ENOENT", "/myfs/missing"),
        ("mv of a missing path", "mv /myfs/missing /myfs/other", "mv", "ENOENT", "/myfs/missing"),
        ("ln onto an existing name", "ln /myfs/hello /myfs/dir/inner", "ln", "EEXIST", "/myfs/dir/inner"),
        ("ln of a directory", "ln /myfs/dir /myfs/dirlink", "ln", "EPERM", "/myfs/dirlink"),
        ("ln -s onto an existing name", "ln -s target /myfs/hello", "ln", "EEXIST", "/myfs/hello"),
        ("ln -s onto an existing symlink", "ln -s target /myfs/tohello", "ln", "EEXIST", "/myfs/tohello"),
        ("truncate of a directory", "truncate /myfs/dir 0", "truncate", "EISDIR", "/myfs/dir"),
        ("write under a missing directory", "write /myfs/nodir/x 10 1", "write", "ENOENT", "/myfs/nodir/x"),
        ("mkdir under a missing directory", "mkdir /myfs/nodir/x", "mkdir", "ENOENT", "/myfs/nodir/x"),
        ("cat through a regular file", "cat /myfs/hello/x", "cat", "ENOTDIR", "/myfs/hello/x"),
        ("write through a regular file", "write /myfs/hello/x 10 1", "write", "ENOTDIR", "/myfs/hello/x"),
        ("mkdir through a regular file", "mkdir /myfs/hello/x", "mkdir", "ENOTDIR", "/myfs/hello/x"),
        ("write of a 256-byte name", "write /myfs/%s 1 1" % ("a" * 256), "write", "ENAMETOOLONG",
         "/myfs/" + "a" * 256),
        ("mkdir of a 256-byte name", "mkdir /myfs/%s" % ("b" * 256), "mkdir", "ENAMETOOLONG",
         "/myfs/" + "b" * 256),
        ("cat of a 256-byte name", "cat /myfs/%s" % ("c" * 256), "cat", "ENAMETOOLONG", "/myfs/" + "c" * 256),
        ("symlink loop", "cat /myfs/loop1", "cat", "ELOOP", "/myfs/loop1"),
        ("symlink to itself", "cat /myfs/self", "cat", "ELOOP", "/myfs/self"),
        ("write through a symlink loop", "write /myfs/loop1 5 1", "write", "ELOOP", "/myfs/loop1"),
        ("cat of a directory", "cat /myfs/dir", "cat", "EISDIR", "/myfs/dir"),
        ("write over a directory", "write /myfs/dir 5 1", "write", "EISDIR", "/myfs/dir"),
        ("mv of a directory into itself", "mv /myfs/dir /myfs/dir/sub", "mv", "EINVAL", "/myfs/dir"),
        ("absolute symlink resolves in the guest: /etc/passwd", "cat /myfs/abs", "cat", "ENOENT", "/myfs/abs"),
    ]
    for name, cmdline, cmd, ename, path in cases:
        expect_error(name, cmdline, cmd, ename, S, path=path, unchanged=d)

    # Long paths go through a script (the kernel command line is short).
    long_path = "/myfs/" + "d/" * 2100 + "x"                   # 4207 bytes
    expect_error("cat of a path over 4096 bytes", "run /ctl/script", "cat", "ENAMETOOLONG", S,
                 path=long_path, unchanged=d, script="cat %s\n" % long_path)
    expect_error("write to a path over 4096 bytes", "run /ctl/script", "write", "ENAMETOOLONG", S,
                 path="/myfs/" + "./" * 2100 + "y", unchanged=d,
                 script="write /myfs/%sy 5 1\n" % ("./" * 2100))
    ok_path = "/myfs/" + "./" * 2000 + "hello"                 # 4011 bytes
    ctl = vstest.tmpdir("vstest-rwerr-ctl-")
    write(os.path.join(ctl, "script"), ("echo =B=\ncat %s\necho =E=\nwrite /myfs/%s 255 1\n"
                                        % (ok_path, "n" * 255)).encode())
    r = vstest.run("run /ctl/script", shares=[d, (ctl, "ctl")])
    check("a 4011-byte path works", r.between("=B=", "=E=") == HELLO, r.summary())
    check("a 255-byte name works", r.status == 0 and read(os.path.join(d, "n" * 255)) == vstest.pattern_py(1, 255),
          r.summary())
    os.unlink(os.path.join(d, "n" * 255)) if os.path.exists(os.path.join(d, "n" * 255)) else None

    # Two shares: a rename between them.
    other = vstest.tmpdir("vstest-rwerr-other-")
    expect_error("mv across two shares", "mv /myfs/hello /other/hello", "mv", "EXDEV",
                 [d, (other, "other")], path="/myfs/hello", unchanged=d)
    check("mv across two shares: nothing in the other share", os.listdir(other) == [], os.listdir(other))
    expect_error("ln across two shares", "ln /myfs/hello /other/hello", "ln", "EXDEV",
                 [d, (other, "other")], path="/other/hello", unchanged=d)


def test_confinement():
    """'..' stops at the share root (vfs/walk.c: "never above a share's root");
    symlinks with '..' cannot reach the host's files; absolute targets are guest
    paths."""
    parent, d = make_share()
    host_passwd = read("/etc/passwd")
    cmds = ["echo =A=", "cat /myfs/../hello", "echo =B=", "ls /myfs/..", "echo =C=", "ls /myfs",
            "echo =D=", "cat /myfs/escape", "echo =E=", "ls /myfs/dir/up", "echo =F=",
            "cat /myfs/dir/../../../hello", "echo =G=",
            "write /myfs/../../escaped 5 1", "mkdir /myfs/../../escdir", "ln -s x /myfs/../../esclink", "echo =H="]
    r = vstest.run("; ".join(cmds), shares=[d])
    check("confinement run: status 0", r.status == 0, r.summary())
    check("cat /myfs/../hello reads the share's hello", r.between("=A=", "=B=") == HELLO, r.summary())
    root_ls = r.between("=C=", "=D=")
    check("ls /myfs/.. lists the share root itself", r.between("=B=", "=C=") == root_ls and root_ls
          and b"hello\n" in root_ls, "%r vs %r" % (r.between("=B=", "=C="), root_ls))
    got = r.between("=D=", "=E=")
    check("symlink ../../../etc/passwd stays in the share (shows the share's etc/passwd)",
          got == SENTINEL and (isinstance(host_passwd, str) or host_passwd not in r.out), repr(got))
    check("symlink ../../.. in a subdirectory lists the share root", r.between("=E=", "=F=") == root_ls,
          repr(r.between("=E=", "=F=")))
    check("cat /myfs/dir/../../../hello reads the share's hello", r.between("=F=", "=G=") == HELLO,
          repr(r.between("=F=", "=G=")))
    check("creating through /myfs/../.. stays in the share",
          sorted(os.listdir(parent)) == ["share"] and os.path.isfile(os.path.join(d, "escaped"))
          and os.path.isdir(os.path.join(d, "escdir")) and os.path.islink(os.path.join(d, "esclink")),
          "parent holds %r; share holds %r" % (os.listdir(parent), sorted(os.listdir(d))))


# ------------------------------------------------------------------ mount options

RO_PRE = "umount /myfs; mount myfs /ro -o ro; "


def test_ro():
    parent, d = make_share()
    r = vstest.run(RO_PRE + "echo =B=; cat /ro/hello; echo =E=; mounts; ls /ro/dir", shares=[d])
    check("ro: mount -o ro reads", r.status == 0 and r.between("=B=", "=E=") == HELLO, r.summary())
    check("ro: mounts says ro", re.search(rb"^myfs on /ro type virtiofs \(ro[,)]", r.out, re.M) is not None,
          r.summary())
    cases = [
        ("write of a new file", "write /ro/new 10 1", "write", "/ro/new"),
        ("write over a file", "write /ro/hello 10 1", "write", "/ro/hello"),
        ("append", "append /ro/hello 5 1", "append", "/ro/hello"),
        ("append to a new file", "append /ro/new 5 1", "append", "/ro/new"),
        ("truncate", "truncate /ro/hello 0", "truncate", "/ro/hello"),
        ("truncate of a new file", "truncate /ro/new 3", "truncate", "/ro/new"),
        ("mkdir", "mkdir /ro/nd", "mkdir", "/ro/nd"),
        ("rm", "rm /ro/hello", "rm", "/ro/hello"),
        ("rm of a symlink", "rm /ro/tohello", "rm", "/ro/tohello"),
        ("rmdir", "rmdir /ro/empty", "rmdir", "/ro/empty"),
        ("mv", "mv /ro/hello /ro/h2", "mv", "/ro/hello"),
        ("mv into a directory", "mv /ro/hello /ro/dir", "mv", "/ro/hello"),
        ("ln", "ln /ro/hello /ro/h3", "ln", "/ro/h3"),
        ("ln -s", "ln -s hello /ro/s", "ln", "/ro/s"),
        ("cp to a new file", "cp /ro/hello /ro/c", "cp", None),
        ("cp over a file", "cp /ro/dir/inner /ro/hello", "cp", None),
        ("cp into a directory", "cp /ro/hello /ro/dir", "cp", None),
    ]
    for name, cmd_text, cmd, path in cases:
        expect_error("ro: " + name, RO_PRE + cmd_text, cmd, "EROFS", [d], path=path, unchanged=d)
    # A copy from the read-only mount to a writable share works.
    other = vstest.tmpdir("vstest-rwerr-other-")
    r = vstest.run(RO_PRE + "cp /ro/hello /other/copy", shares=[d, (other, "other")])
    check("ro: cp from the ro mount to another share works",
          r.status == 0 and read(os.path.join(other, "copy")) == HELLO, r.summary())


def test_nocase():
    d = vstest.tmpdir("vstest-rwerr-nocase-")
    write(os.path.join(d, "readme.txt"), b"lower readme\n")
    os.makedirs(os.path.join(d, "Dir", "SubDir"))
    write(os.path.join(d, "Dir", "SubDir", "File.txt"), b"mixed case path\n")
    write(os.path.join(d, "a"), b"little a\n")
    write(os.path.join(d, "A"), b"big A\n")
    pre = "umount /myfs; mount myfs /m -o nocase; "
    cmds = ["echo =1=", "cat /m/README.TXT", "echo =2=", "cat /m/dir/subdir/FILE.TXT", "echo =3=",
            "cat /m/DIR/SUBDIR/file.txt", "echo =4=", "cat /m/a", "echo =5=", "cat /m/A", "echo =6=",
            "cat /m/readme.txt", "echo =7=", "mounts", "echo =8=",
            "write /m/dIR/subDIR/created 7 5", "mkdir /m/DIR/NewDir"]
    r = vstest.run(pre + "; ".join(cmds), shares=[d])
    check("nocase: run status 0", r.status == 0, r.summary())
    check("nocase: cat /m/README.TXT finds readme.txt", r.between("=1=", "=2=") == b"lower readme\n", r.summary())
    check("nocase: mixed-case directories (dir/subdir/FILE.TXT)", r.between("=2=", "=3=") == b"mixed case path\n",
          r.summary())
    check("nocase: DIR/SUBDIR/file.txt", r.between("=3=", "=4=") == b"mixed case path\n", r.summary())
    check("nocase: exact match preferred: /m/a is a", r.between("=4=", "=5=") == b"little a\n", r.summary())
    check("nocase: exact match preferred: /m/A is A", r.between("=5=", "=6=") == b"big A\n", r.summary())
    check("nocase: exact name still works", r.between("=6=", "=7=") == b"lower readme\n", r.summary())
    check("nocase: mounts says nocase", re.search(rb"^myfs on /m type virtiofs \(rw,nocase", r.out, re.M)
          is not None, r.between("=7=", "=8="))
    check("nocase: creating through mixed-case directories lands in Dir/SubDir",
          read(os.path.join(d, "Dir", "SubDir", "created")) == vstest.pattern_py(5, 7)
          and os.path.isdir(os.path.join(d, "Dir", "NewDir"))
          and sorted(os.listdir(d)) == ["A", "Dir", "a", "readme.txt"],
          "top %r; Dir %r" % (sorted(os.listdir(d)), sorted(os.listdir(os.path.join(d, "Dir")))))
    # Without the option, case matters.
    expect_error("without nocase: cat /myfs/README.TXT", "cat /myfs/README.TXT", "cat", "ENOENT", [d],
                 path="/myfs/README.TXT")


def test_owner():
    d = vstest.tmpdir("vstest-rwerr-owner-")
    # Writable for everyone: whether the host checks permissions as root or as
    # the owner named is the implementation's choice, not the contract's.
    os.chmod(d, 0o777)
    write(os.path.join(d, "src"), b"source\n")
    cmds = ["write /o/f 10 1", "mkdir /o/d", "write /o/d/g 1 1", "mkdir /o/d/e", "truncate /o/t 5",
            "cp /o/src /o/c", "append /o/a 3 1", "ln -s f /o/s"]
    r = vstest.run("umount /myfs; mount myfs /o -o owner=1234:5678; " + "; ".join(cmds) + "; mounts", shares=[d])
    check("owner: run status 0", r.status == 0, r.summary())
    for rel in ("f", "d", "d/g", "d/e", "t", "c", "a", "s"):
        try:
            st = os.lstat(os.path.join(d, rel))
            got = (st.st_uid, st.st_gid)
        except OSError as e:
            got = str(e)
        check("owner=1234:5678: %s created by the guest is owned by 1234:5678 on the host" % rel,
              got == (1234, 5678), got)
    st = os.stat(os.path.join(d, "src"))
    check("owner: an existing file keeps its owner", (st.st_uid, st.st_gid) == (0, 0), (st.st_uid, st.st_gid))
    check("owner: mounts says owner", re.search(rb"^myfs on /o type virtiofs \(rw,owner", r.out, re.M)
          is not None, r.summary())

    d2 = vstest.tmpdir("vstest-rwerr-noowner-")
    r = vstest.run("write /myfs/f 10 1; mkdir /myfs/d; ln -s f /myfs/s", shares=[d2])
    got = [(os.lstat(os.path.join(d2, n)).st_uid, os.lstat(os.path.join(d2, n)).st_gid)
           for n in ("f", "d", "s") if os.path.lexists(os.path.join(d2, n))]
    check("without owner=: created entries are owned by 0:0", r.status == 0 and got == [(0, 0)] * 3, got)
    modes = [stat.S_IMODE(os.lstat(os.path.join(d2, n)).st_mode) for n in ("f", "d")
             if os.path.lexists(os.path.join(d2, n))]
    check("created file 0644, directory 0755", modes == [0o644, 0o755], ["%o" % m for m in modes])


def test_remount():
    parent, d = make_share()
    cmds = ["echo =1=", "cat /myfs/hello", "umount /myfs", "mount myfs /myfs", "echo =2=", "cat /myfs/hello",
            "write /myfs/after 4097 3", "umount /myfs", "mount myfs /again", "echo =3=", "cat /again/dir/inner",
            "echo =4=", "sha256 /again/after", "echo =5=", "mounts", "echo =6=", "-cat /myfs/hello", "echo =7="]
    r = vstest.run("; ".join(cmds), shares=[d])
    check("remount: status 0", r.status == 0, r.summary())
    check("remount: reads before and after umount + mount", r.between("=1=", "=2=") == HELLO
          and r.between("=2=", "=3=") == HELLO and r.between("=3=", "=4=") == b"inner\n", r.summary())
    want = hashlib.sha256(vstest.pattern_py(3, 4097)).hexdigest().encode()
    check("remount: a file written before the umount reads back at the new mount point",
          (r.between("=4=", "=5=") or b"").split(b" ")[0] == want and read(os.path.join(d, "after"))
          == vstest.pattern_py(3, 4097), r.summary())
    m = r.between("=5=", "=6=") or b""
    check("remount: mounts lists /again only", b" on /again " in m and b" on /myfs " not in m, m)
    e = errors(r.between("=6=", "=7=") or b"")
    check("remount: the old mount point is gone (ENOENT)", len(e) == 1 and e[0][2] == "ENOENT", e)


def test_enospc():
    d = vstest.tmpdir("vstest-rwerr-tmpfs-")
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", d], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if p.returncode != 0:
        check("ENOSPC: mount a 2 MiB tmpfs on the host", False, p.stdout.decode(errors="replace"))
        return
    try:
        expect_error("write 4000000 bytes to a 2 MiB tmpfs", "write /myfs/big 4000000 1", "write", "ENOSPC",
                     [d], path="/myfs/big")
        expect_error("append past the end of a full tmpfs", "append /myfs/big 4000000 2", "append", "ENOSPC",
                     [d], path="/myfs/big")
        r = vstest.run("rm /myfs/big; write /myfs/small 1000 3", shares=[d])
        check("after ENOSPC: rm frees space, a small write works",
              r.status == 0 and read(os.path.join(d, "small")) == vstest.pattern_py(3, 1000)
              and not os.path.exists(os.path.join(d, "big")), r.summary())
    finally:
        subprocess.run(["umount", d])


def main():
    if not vstest.require_image():
        return vstest.finish()
    vstest.run_cases([test_errors, test_confinement, test_ro, test_nocase, test_owner, test_remount, test_enospc])
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
