#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The UEFI application build/vioshare.efi under OVMF (TCG), started by
`tools/vioshare-run --efi`: its `manifest` (with and without hashes) equals
tools/manifest of the share; the command line survives the UEFI shell; an
error gives `error: ...` and status 1; `exit 5` gives 5; a chained program's
error status fails `chain`.  When a Debian kernel
and tools/mkinitramfs are there, `boot` starts the kernel's EFI stub with the
initramfs from the share, whose /init mounts the same share with Linux's own
virtiofs driver; the time from the launcher's start to the kernel's first line
is noted, and compared with OVMF's own UEFI shell loading the same kernel from
the same share through its VirtioFsDxe driver."""

import glob
import os
import re
import secrets
import select
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootrun  # noqa: E402
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

EFI_IMAGE = os.path.join(vstest.REPO, "build", "vioshare.efi")
DRIVER = os.path.join(vstest.REPO, "build", "vioshare-fs.efi")
MKINITRAMFS = os.path.join(vstest.TOOLS, "mkinitramfs")
CMD_BOOT = os.path.join(vstest.REPO, "apps", "cmd", "cmd_boot.c")
START = b"vioshare.efi: start"        # the application's first line
ANSI = bootrun.ANSI
TIMEOUT = 240
BOOT_TIMEOUT = 300
KERNEL_LINE = re.compile(r"^(EFI stub: |\[\s*\d+\.\d+\] |Linux version )")


def app_output(out):
    """The application's output: what follows its start line, without the
    terminal escapes the firmware's console driver may add; None when the
    application never started."""
    out = ANSI.sub(b"", out)
    i = out.find(START + b"\n")
    return None if i < 0 else out[i + len(START) + 1:]


def efi_run(args, shares, timeout=TIMEOUT, env=None):
    return vstest.run(args, shares=shares, timeout=timeout, extra=("--efi",), env=env)


def make_tree(root):
    def write(rel, data):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    write("hello.txt", b"Hello from the share.\n")
    write("empty", b"")
    write("dir/a/b/deep.txt", b"deep\n")
    os.makedirs(os.path.join(root, "dir", "emptydir"))
    write("with space.txt", b"spaces\n")
    write("h\u00e9llo w\u00f6rld.txt", b"utf-8 name\n")
    write("back\\slash", b"backslash\n")
    vstest.write_pattern(os.path.join(root, "p4097"), 1, 4097)
    vstest.write_pattern(os.path.join(root, "p1m1"), 2, (1 << 20) + 1)
    os.symlink("hello.txt", os.path.join(root, "link"))
    os.symlink("does/not/exist", os.path.join(root, "dangling"))
    os.link(os.path.join(root, "hello.txt"), os.path.join(root, "dir", "hard"))
    os.chmod(os.path.join(root, "empty"), 0o600)


def block(app, tag):
    return None if app is None else vstest.between(app, "=B-%s=" % tag, "=E-%s=" % tag)


def compare(name, got, want):
    return vstest.compare(name, got, want, "efi", "the application's")


def test_basics(top):
    root = os.path.join(top, "tree")
    os.mkdir(root)
    make_tree(root)
    want_n = vstest.host_manifest(root, hashes=False)
    want_h = vstest.host_manifest(root)
    r = efi_run("echo =B-n=; manifest -n /myfs; echo =E-n=; echo =B-h=; manifest /myfs; echo =E-h=", [root])
    app = app_output(r.out)
    check("efi: the application starts under OVMF and exits 0", app is not None and r.status == 0, r.summary())
    compare("efi: manifest -n /myfs equals tools/manifest -n", block(app, "n"), want_n)
    compare("efi: manifest /myfs (hashes) equals tools/manifest", block(app, "h"), want_h)

    r = efi_run("cat /myfs/hello.txt; cat /myfs/x; echo not-reached", [root])
    app = app_output(r.out) or b""
    lines = app.split(b"\n")
    check("efi: an error prints `error: cat: /myfs/x: ENOENT (` and exits 1",
          r.status == 1 and b"Hello from the share." in lines and b"not-reached" not in lines
          and any(l.startswith(b"error: cat: /myfs/x: ENOENT (") and l.endswith(b")") for l in lines),
          r.summary())

    r = efi_run("exit 5", [root])
    check("efi: exit 5 gives status 5", r.status == 5, r.summary())

    # A chained program's error status fails `chain`: the file-system driver
    # refuses an unknown load option (EFI_INVALID_PARAMETER) and takes `nocase`.
    chain = os.path.join(top, "chain")
    os.mkdir(chain)
    shutil.copyfile(DRIVER, os.path.join(chain, "fs.efi"))
    r = efi_run("chain /myfs/fs.efi nocase; chain /myfs/fs.efi bogus; echo not-reached", [chain])
    lines = (app_output(r.out) or b"").split(b"\n")
    check("efi: chain of a program that returns an error (EFI status 0x2) fails the command and the run; "
          "one that returns 0 does not",
          r.status == 1 and b"chain: /myfs/fs.efi returned (EFI status 0)" in lines
          and b"vioshare-fs: unknown load option (the one known: nocase): bogus" in lines
          and b"error: chain: /myfs/fs.efi returned (EFI status 0x2)" in lines and b"not-reached" not in lines,
          r.summary())

    # What the UEFI shell would take for comments, variables, escapes and
    # redirections reaches the application unchanged.
    text = 'echo "a b;c" \\x41 # %path% ^ ^^ > x < y | z a^b "q#q"'
    r = efi_run(text, [root])
    app = app_output(r.out) or b""
    check("efi: the command line survives the UEFI shell (quotes, ; # % ^ > < |)",
          r.status == 0 and b"a b;c A # %path% ^ ^^ > x < y | z a^b q#q" in app.split(b"\n"), r.summary())

    # Two shares, each at /TAG; the default job lists them.
    other = os.path.join(top, "other")
    os.mkdir(other)
    with open(os.path.join(other, "second.txt"), "w") as f:
        f.write("second share\n")
    r = efi_run("cat /two/second.txt; mounts", [root, (other, "two")])
    want = (b"vioshare %s (x86-64 UEFI application)\n" % vstest.header_version().encode() +
            b"second share\n"
            b"myfs on /myfs type virtiofs (rw,timeout=30, nodes 0, max 0)\n"
            b"two on /two type virtiofs (rw,timeout=30, nodes 1, max 1)\n")   # one node: second.txt
    check("efi: two shares are mounted at /myfs and /two; the file read from /two, `mounts` exactly",
          r.status == 0 and app_output(r.out) == want, r.summary())


def test_shell_q35(top):
    """`shell` reads the console through ConIn (typed once its prompt shows),
    on q35 this time."""
    share = os.path.join(top, "tree")
    argv = [vstest.LAUNCHER, "--efi", "--machine", "q35", "--share", share, "--timeout", str(TIMEOUT),
            "--", "shell"]
    note("run: " + " ".join(argv[1:]))
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, sent = b"", False
    end = time.monotonic() + TIMEOUT + 30
    while time.monotonic() < end:
        r, _, _ = select.select([p.stdout], [], [], 1.0)
        if r:
            data = os.read(p.stdout.fileno(), 65536)
            if not data:
                break
            out += data
        if not sent and b"vioshare> " in ANSI.sub(b"", out):
            sent = True
            time.sleep(0.3)
            for c in b"cat /myfs/hello.txt\rexit 3\r":
                p.stdin.write(bytes([c]))
                p.stdin.flush()
                time.sleep(0.02)
    if p.poll() is None:
        p.terminate()
    status = p.wait()
    err = p.stderr.read().decode("utf-8", "replace")
    app = app_output(out) or b""
    check("efi shell (q35): commands typed on the console run; exit 3 gives 3",
          status == 3 and b"Hello from the share." in app.split(b"\n"),
          "status %s; stderr %s; output tail %r" % (status, " ".join(err.split())[-300:], app[-300:]))


# ------------------------------------------------------------------ boot

def version_key(path):
    return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", path)]


def first_kernel_line(stamped):
    return next(((s, l) for s, l in stamped if KERNEL_LINE.match(l)), (None, None))


# test_boot's checks, each skipped where it cannot run.
BOOT_INITRAMFS = "efi boot: tools/mkinitramfs builds the test initramfs"
BOOT_INIT = "efi boot: the kernel runs the initramfs /init"
BOOT_MOUNT = "efi boot: Linux's virtiofs driver mounts the same share and reads the file"
BOOT_EXIT = "efi boot: the initramfs exits through isa-debug-exit with status 0"
BOOT_STUB = "efi boot: the EFI stub takes the initrd from LINUX_EFI_INITRD_MEDIA_GUID"
BOOT_NOEXEC = "efi boot: a file that is no EFI image fails with ENOEXEC (status 1), the share stays usable"
BOOT_CHECKS = (BOOT_INITRAMFS, BOOT_INIT, BOOT_MOUNT, BOOT_EXIT, BOOT_STUB, BOOT_NOEXEC)


def check_linux(status, stamped, err, token):
    text = [l for _, l in stamped]
    summary = "status %s; stderr %s; last lines %r" % (status, " ".join(err.split())[-300:], text[-8:])
    check(BOOT_INIT, "VIOSHARE-INITRAMFS-OK" in text, summary)
    try:
        i = text.index("VIOSHARE-INITRAMFS-CAT-BEGIN")
        body = text[i + 1:text.index("VIOSHARE-INITRAMFS-CAT-END", i)]
    except ValueError:
        body = None
    check(BOOT_MOUNT, body is not None and token in [l.strip() for l in body], summary)
    check(BOOT_EXIT, status == 0 and "VIOSHARE-INITRAMFS-EXIT 0" in text, summary)


def test_boot(top):
    kernels = sorted(glob.glob("/boot/vmlinuz-*"), key=version_key)
    missing = [w for w, ok in (("apps/cmd/cmd_boot.c", os.path.isfile(CMD_BOOT)), ("/boot/vmlinuz-*", kernels),
                               ("tools/mkinitramfs", os.path.isfile(MKINITRAMFS))) if not ok]
    if missing:
        for name in BOOT_CHECKS:
            vstest.skip(name, "no %s" % ", ".join(missing))
        return
    share = os.path.join(top, "boot")
    os.mkdir(share)
    token = "vioshare-efi-proof-" + secrets.token_hex(8)
    with open(os.path.join(share, "proof.txt"), "w") as f:
        f.write(token + "\n")
    shutil.copyfile(kernels[-1], os.path.join(share, "vmlinuz"))
    shutil.copyfile(kernels[-1], os.path.join(share, "vmlinuz.efi"))   # for the UEFI shell
    vstest.write_pattern(os.path.join(share, "notkernel.bin"), 7, 64 * 1024)
    p = subprocess.run([MKINITRAMFS, os.path.join(share, "initrd.img"), "proof.txt"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not check(BOOT_INITRAMFS, p.returncode == 0, p.stderr[-400:]):
        for name in BOOT_CHECKS[1:]:
            vstest.skip(name, "no initramfs to boot")
        return
    cmdline = "console=ttyS0 panic=-1 no_timer_check"

    # The EFI application: LoadImage/StartImage of the EFI stub, initrd through
    # LINUX_EFI_INITRD_MEDIA_GUID.
    status, stamped, err = bootrun.run_timed("boot /myfs/vmlinuz initrd=/myfs/initrd.img " + cmdline, share,
                                             BOOT_TIMEOUT, ["--efi"])
    check_linux(status, stamped, err, token)
    t_app = next((s for s, l in stamped if l == START.decode()), None)
    t_kernel, first = first_kernel_line(stamped)
    stub = next((l for _, l in stamped if "LINUX_EFI_INITRD_MEDIA_GUID" in l), None)
    check(BOOT_STUB, stub is not None, "no such line from the stub")

    # OVMF's own UEFI shell loading the same kernel from the same share.
    script = os.path.join(top, "startup.nsh")
    with open(script, "w", newline="\r\n") as f:
        f.write("@echo -off\nconnect -r\nmap -r\n"
                "for %a in 0 1 2 3 4 5 6 7 8 9 A B C D E F\n"
                "  if exist fs%a:\\vmlinuz.efi then\n"
                "    fs%a:\\vmlinuz.efi initrd=\\initrd.img " + cmdline + "\n"
                "    reset -s\n  endif\nendfor\nreset -s\n")
    s2, stamped2, err2 = bootrun.run_timed("", share, BOOT_TIMEOUT, ["--efi"], env={"VIOSHARE_EFI_STARTUP": script})
    t_shell, first2 = first_kernel_line(stamped2)
    text2 = [l for _, l in stamped2]
    if s2 == 0 and "VIOSHARE-INITRAMFS-EXIT 0" in text2:
        note("OVMF's UEFI shell + VirtioFsDxe booted the same kernel and initramfs (status 0)")
    else:
        note("OVMF's UEFI shell + VirtioFsDxe did not boot cleanly: status %s, last lines %r" % (s2, text2[-6:]))

    fmt = lambda t: "%.2f s" % t if t is not None else "-"   # noqa: E731
    note("timing from QEMU start (the launcher's start) to the kernel's first line: EFI app %s "
         "(app started at %s; %r), OVMF UEFI shell via VirtioFsDxe %s (%r)"
         % (fmt(t_kernel), fmt(t_app), (first or "")[:60], fmt(t_shell), (first2 or "")[:60]))

    # A file that is not an EFI image: LoadImage refuses, the share stays mounted.
    r = efi_run("-boot /myfs/notkernel.bin; cat /myfs/proof.txt; boot /myfs/notkernel.bin", [share])
    app = app_output(r.out) or b""
    lines = app.split(b"\n")
    check(BOOT_NOEXEC,
          r.status == 1 and token.encode() in lines
          and any(l.startswith(b"error: boot: /myfs/notkernel.bin: ENOEXEC (") for l in lines), r.summary())


def main():
    if not vstest.require_image(EFI_IMAGE):
        return vstest.finish()
    missing = [f for f in ("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd")
               if not os.path.isfile(f)]
    if not check("OVMF is installed (package ovmf, tools/deps)", not missing, "missing %s" % missing):
        return vstest.finish()
    top = vstest.tmpdir()
    vstest.run_cases([(t, (top,)) for t in (test_basics, test_shell_q35, test_boot)])
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
