#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The guest command language end to end (SPEC sections 3 and 4): errors and
statuses, `-` prefix, quoting and \\xHH escapes, the default job, vioshare.cfg,
run (comments, FILE:LINE of a failure, a script running itself), two shares,
q35, the PVH image, --timeout, launcher argument errors; no device at all (on
the PC and on microvm), `help` of an unknown command, `boot` of a non-kernel;
mount messages (unshared guest memory), cat's final newline."""

import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402


def write(path, data):
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def make_share():
    d = vstest.tmpdir()
    write(os.path.join(d, "hello.txt"), "Hello, virtio-fs!\n")
    write(os.path.join(d, b"a b\xff".decode("utf-8", "surrogateescape")), "odd name ok\n")
    write(os.path.join(d, "back\\slash"), "backslash ok\n")
    os.mkdir(os.path.join(d, "sub"))
    write(os.path.join(d, "sub", "inner.txt"), "inner\n")
    write(os.path.join(d, "script"), "echo script-line-1\n# echo not-this\n\necho script-line-2\n")
    write(os.path.join(d, "commented"), "echo kept \"# quoted\" \\x23x # trailing comment\necho two;# x\n"
          "cat /myfs/no-such-file # fails here\necho not-reached\n")
    write(os.path.join(d, "self"), "echo again\nrun /myfs/self\n")
    return d


def lines(out):
    return out.decode("utf-8", "replace").split("\n")


def test_errors(share):
    r = vstest.run("cat /myfs/x", shares=[share])
    errs = [l for l in lines(r.out) if l.startswith("error: cat: /myfs/x: ENOENT (")]
    check("missing path: error line and status 1", r.status == 1 and len(errs) == 1 and errs[0].endswith(")"),
          r.summary())
    r = vstest.run("-cat /myfs/x; echo after", shares=[share])
    ls = lines(r.out)
    check("-cmd may fail: continues, status 0",
          r.status == 0 and "after" in ls and any(l.startswith("error: cat: /myfs/x: ENOENT (") for l in ls),
          r.summary())
    r = vstest.run("cat /myfs/x; echo not-reached", shares=[share])
    check("a failing command stops the list", r.status == 1 and "not-reached" not in lines(r.out), r.summary())
    r = vstest.run("exit 7", shares=[share])
    check("exit 7 gives status 7", r.status == 7, r.summary())
    r = vstest.run("echo one; exit 3; echo two", shares=[share])
    check("exit ends the list", r.status == 3 and "one" in lines(r.out) and "two" not in lines(r.out), r.summary())
    r = vstest.run("echo done", shares=[share])
    check("end of the list exits 0", r.status == 0 and "done" in lines(r.out), r.summary())
    r = vstest.run("cat /myfs/sub", shares=[share])
    check("cat of a directory: EISDIR", r.status == 1 and any(
        l.startswith("error: cat: /myfs/sub: EISDIR (") for l in lines(r.out)), r.summary())
    r = vstest.run("cat /myfs/hello.txt/x", shares=[share])
    check("path through a file: ENOTDIR", r.status == 1 and any(
        l.startswith("error: cat: /myfs/hello.txt/x: ENOTDIR (") for l in lines(r.out)), r.summary())


def test_quoting(share):
    cmds = ['echo =B1=', 'cat "/myfs/a b\\xff"', 'echo =E1=',
            'echo =B2=', 'cat /myfs/a\\x20b\\xFF', 'echo =E2=',
            'echo =B3=', 'cat /myfs/back\\\\slash', 'echo =E3=',
            'echo =B4=', 'cat /myfs/back\\x5cslash', 'echo =E4=',
            'echo =B5=', 'echo "x;y"  "two  blanks" a\\\\b \\x41\\x42', 'echo =E5=']
    r = vstest.run(";".join(cmds), shares=[share])
    check("quoted path with \\xff", r.between("=B1=", "=E1=") == b"odd name ok\n", r.summary())
    check("path with \\x20 and \\xFF escapes", r.between("=B2=", "=E2=") == b"odd name ok\n", r.summary())
    check("\\\\ is one backslash", r.between("=B3=", "=E3=") == b"backslash ok\n", r.summary())
    check("\\x5c is one backslash", r.between("=B4=", "=E4=") == b"backslash ok\n", r.summary())
    check("quotes keep ; and blanks, escapes in echo", r.between("=B5=", "=E5=") == b"x;y two  blanks a\\b AB\n",
          r.summary())
    check("quoting run status 0", r.status == 0, r.summary())
    # The escaped name as the guest's manifest prints it can be given back.
    r = vstest.run("manifest -n /myfs", shares=[share])
    names = [l.split(" ", 6)[6] for l in lines(r.out) if l.count(" ") >= 6 and l[:2] in ("f ", "d ", "l ", "o ")]
    check("manifest prints the odd name escaped", "a\\x20b\\xff" in names, names)


def test_default_job(share):
    r = vstest.run(None, shares=[share])
    text = r.out.decode("utf-8", "replace")
    check("default job: status 0", r.status == 0, r.summary())
    check("default job lists the mount /myfs", "/myfs" in text, r.summary())
    check("default job lists the root's entries",
          all(n in text for n in ("hello.txt", "sub", "script")), r.summary())

    d = vstest.tmpdir()
    write(os.path.join(d, "data.txt"), "cfg data\n")
    write(os.path.join(d, "vioshare.cfg"),
          "# a comment: exit 9\necho cfg-start\n   # indented comment\n\ncat /myfs/data.txt\nexit 5\necho never\n")
    r = vstest.run(None, shares=[d])
    ls = lines(r.out)
    check("vioshare.cfg runs when no ARGS", r.status == 5 and "cfg-start" in ls and "cfg data" in ls
          and "never" not in ls, r.summary())
    r = vstest.run("echo args-win", shares=[d])
    check("ARGS take precedence over vioshare.cfg", r.status == 0 and "args-win" in lines(r.out)
          and "cfg-start" not in lines(r.out), r.summary())


def test_run_script(share):
    r = vstest.run("run /myfs/script; echo after-run", shares=[share])
    ls = lines(r.out)
    ok = r.status == 0 and "not-this" not in r.out.decode(errors="replace")
    try:
        ok = ok and ls.index("script-line-1") < ls.index("script-line-2") < ls.index("after-run")
    except ValueError:
        ok = False
    check("run SCRIPT runs its lines in order, skips comments", ok, r.summary())
    r = vstest.run("run /myfs/nothing-here", shares=[share])
    check("run of a missing script fails", r.status == 1 and any(
        l.startswith("error: run: /myfs/nothing-here: ENOENT (") for l in lines(r.out)), r.summary())


def test_script_rules(share):
    r = vstest.run("run /myfs/commented", shares=[share])
    ls = lines(r.out)
    check("run: '#' starting a word ends the line, quoted or escaped it does not",
          "kept # quoted #x" in ls and "two" in ls and "not-reached" not in ls, r.summary())
    check("run: a failing line is named FILE:LINE", r.status == 1 and "  (at /myfs/commented:3)" in ls
          and any(l.startswith("error: cat: /myfs/no-such-file: ENOENT (") for l in ls), r.summary())
    r = vstest.run("run /myfs/self", shares=[share])
    check("a script that runs itself: ELOOP said in words", r.status == 1 and any(
        l.startswith("error: run: /myfs/self: ELOOP (") and "run itself" in l for l in lines(r.out))
          and lines(r.out).count("  (at /myfs/self:2)") == 1, r.summary())
    r = vstest.run("help nosuch", shares=[share])
    check("help of an unknown command says so", r.status == 1 and
          "error: help: nosuch: ENOENT (no such command; `help` lists them all)" in lines(r.out), r.summary())


def test_mount_messages(share):
    r = vstest.run("-mount myfs /again; umount /myfs; mount myfs /m -o timeout=7,owner=5:6,debug=0; mounts",
                   shares=[share])
    ls = lines(r.out)
    check("mount of a mounted tag: EBUSY says to umount first", any(
        l.startswith("error: mount: /again: EBUSY (") and "umount it first" in l for l in ls), r.summary())
    check("mounts shows timeout= and owner=", r.status == 0 and any(
        l.startswith("myfs on /m type virtiofs (rw,owner=5:6,timeout=7,") for l in ls), r.summary())


def test_unshared_memory(share):
    """QEMU by hand without a shared memory backend (the launcher would stop at
    virtiofsd's death): the boot-time mount times out after its 30 s, a `mount`
    with timeout=2 too, and both say why."""
    with vstest.bare_virtiofsd(share) as sock:
        argv = ["qemu-system-x86_64", "-machine", "pc", "-accel", "tcg", "-m", "256",
                "-chardev", "socket,id=fs0,path=%s" % sock,
                "-device", "vhost-user-fs-pci,queue-size=1024,chardev=fs0,tag=myfs",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-kernel", vstest.IMAGE,
                "-append", "-mount myfs /m -o timeout=2; ls /myfs",
                "-display", "none", "-nodefaults", "-no-reboot", "-serial", "stdio"]
        out, code = vstest.run_console(argv)
    note(out)
    ls = lines(out)
    for path in ("/myfs", "/m"):
        check("unshared memory: mount %s says the device never answered INIT and names the backend" % path,
              any(l.startswith("error: mount: %s: ETIMEDOUT (the device never answered its first request, INIT;"
                               % path) and "share=on" in l and "-numa node,memdev=" in l for l in ls),
              "QEMU exit %s, output %r" % (code, out[-600:]))
    check("unshared memory: the command that needs the share fails (status 1 -> QEMU 3)", code == 3, code)


def test_cat_final_newline(share):
    write(os.path.join(share, "nonl.txt"), "no final newline")
    write(os.path.join(share, "empty.txt"), "")
    write(os.path.join(share, "twonl.txt"), "a\n\n")
    r = vstest.run("echo =B1=; cat /myfs/nonl.txt; echo =E1=; echo =B2=; cat /myfs/empty.txt; echo =E2=; "
                   "echo =B3=; cat /myfs/twonl.txt; echo =E3=", shares=[share])
    check("cat: a file without a final newline ends its line", r.between("=B1=", "=E1=") == b"no final newline\n",
          r.summary())
    check("cat: an empty file prints nothing", r.between("=B2=", "=E2=") == b"", r.summary())
    check("cat: a file ending in newlines is exact", r.status == 0 and r.between("=B3=", "=E3=") == b"a\n\n",
          r.summary())


def test_df_columns(share):
    r = vstest.run("df /myfs", shares=[share])
    ls = lines(r.out)
    i = next((k for k, l in enumerate(ls) if l.startswith("Path ")), None)
    ok = r.status == 0 and i is not None and i + 1 < len(ls)
    if ok:
        head, row = ls[i], ls[i + 1]
        nums = [m.end() for m in re.finditer(r"\d+%?", row)]
        ends = [head.index(w) + len(w) for w in ("Size", "Used", "Avail", "Use%")]
        ok = nums[-4:] == ends
    check("df: the numbers end under their headings", ok, r.summary())


def test_no_device(share):
    r = vstest.run(None, shares=[])
    msg = [l for l in lines(r.out) if l.startswith("no virtio-fs device found: ")]
    check("no device: the default job says so (status 0, SPEC)", r.status == 0 and len(msg) == 1
          and "vhost-user-fs-pci" in msg[0], r.summary())
    r = vstest.run("ls /myfs", shares=[])
    check("no device: a command that needs the share fails", r.status == 1 and msg and msg[0] in lines(r.out)
          and any(l.startswith("error: ls: /myfs: ENOENT (") for l in lines(r.out)), r.summary())
    # microvm hands virtio-mmio devices only to a PVH kernel: the Multiboot image sees none.
    r = vstest.run("ls /myfs", shares=[share], machine="microvm", image=vstest.IMAGE)
    msg = [l for l in lines(r.out) if l.startswith("no virtio-fs device found: ")]
    check("microvm with the non-PVH image: says what QEMU needs", r.status == 1 and len(msg) == 1
          and "vioshare-pvh.elf" in msg[0] and "acpi=off" in msg[0], r.summary())


def test_boot_not_a_kernel(share):
    r = vstest.run("boot /myfs/hello.txt console=ttyS0", shares=[share])
    ls = lines(r.out)
    check("boot of a file that is no kernel: refused before 'boot: starting'", r.status == 1
          and any(l.startswith("error: boot: /myfs/hello.txt: ENOEXEC (") for l in ls)
          and not any(l.startswith("boot: starting") for l in ls), r.summary())


def test_two_shares():
    a, b = vstest.tmpdir(), vstest.tmpdir()
    write(os.path.join(a, "a.txt"), "from share one\n")
    write(os.path.join(b, "b.txt"), "from share two\n")
    r = vstest.run("echo =M=; mounts; echo =EM=; cat /one/a.txt; cat /two/b.txt", shares=[(a, "one"), (b, "two")])
    m = (r.between("=M=", "=EM=") or b"").decode(errors="replace")
    check("two shares: mounts lists both", "/one" in m and "/two" in m, r.summary())
    check("two shares: each readable", r.status == 0 and "from share one" in lines(r.out)
          and "from share two" in lines(r.out), r.summary())


def test_machines(share):
    r = vstest.run("echo =B=; cat /myfs/hello.txt; echo =E=", shares=[share], machine="q35")
    check("--machine q35", r.status == 0 and r.between("=B=", "=E=") == b"Hello, virtio-fs!\n", r.summary())
    if os.path.isfile(vstest.PVH_IMAGE):
        r = vstest.run("echo =B=; cat /myfs/hello.txt; echo =E=; exit 4", shares=[share], image=vstest.PVH_IMAGE)
        check("PVH image (build/vioshare-pvh.elf)", r.status == 4 and r.between("=B=", "=E=") == b"Hello, virtio-fs!\n",
              r.summary())
    else:
        check("PVH image (build/vioshare-pvh.elf)", False, "not built")


def test_timeout(share):
    r = vstest.run("shell", shares=[share], timeout=5)
    check("--timeout 5 on a guest waiting forever gives 124", r.status == 124, r.summary())
    check("--timeout 5 is prompt", r.secs < 5 + 10, "%.1f s" % r.secs)
    left = vstest.leftovers(r.pid)
    check("no qemu/virtiofsd left after the timeout", not left, left)
    # And pgrep agrees: nothing of this run (its temp dir is in every command line).
    if shutil.which("pgrep"):
        p = subprocess.run(["pgrep", "-f", "vioshare-run-%d-" % r.pid], stdout=subprocess.PIPE)
        check("pgrep finds nothing of the run", p.returncode == 1, p.stdout)
    else:
        vstest.skip("pgrep finds nothing of the run", "pgrep not installed (procps, tools/deps)")


def test_shell(share):
    p = subprocess.run([vstest.LAUNCHER, "--share", share, "--timeout", "60", "--", "shell"],
                       input=b"echo typed-in\r\ncat /myfs/hello.txt\r\nexit 6\r\n",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    note("shell: status %d stdout %r" % (p.returncode, p.stdout[-400:]))
    check("shell reads commands from the serial console", p.returncode == 6 and b"typed-in" in p.stdout
          and b"Hello, virtio-fs!" in p.stdout, "status %d %r %r" % (p.returncode, p.stdout[-300:], p.stderr[-300:]))


def test_launcher_args():
    missing = os.path.join(vstest.tmpdir(), "no-such-dir")
    start = time.monotonic()
    p = subprocess.run([vstest.LAUNCHER, "--share", missing, "--", "echo"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    err = p.stderr.decode(errors="replace")
    check("launcher rejects a missing share dir", p.returncode == 2 and missing in err and "does not exist" in err
          and time.monotonic() - start < 10, "status %d %s" % (p.returncode, err))


def main():
    if not vstest.require_image():
        return vstest.finish()
    share = make_share()
    vstest.run_cases([(test_errors, (share,)), (test_quoting, (share,)), (test_default_job, (share,)),
                      (test_run_script, (share,)), (test_script_rules, (share,)), (test_no_device, (share,)),
                      (test_mount_messages, (share,)), (test_unshared_memory, (share,)),
                      (test_cat_final_newline, (share,)), (test_df_columns, (share,)),
                      (test_boot_not_a_kernel, (share,)), (test_two_shares, ()), (test_machines, (share,)),
                      (test_timeout, (share,)), (test_shell, (share,)), (test_launcher_args, ())])
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
