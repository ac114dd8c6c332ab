#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""More of what the README documents that no other program ran (issue 31,
"Documented, never run"):

- `/EFI/BOOT/BOOTX64.EFI` as a boot entry: the EFI app offers it (discovery
  step 4) and `boot --default` starts it with LoadImage/StartImage (the
  program there is a second vioshare.efi, which proves it ran by running the
  share's vioshare.cfg and exiting with its status); the boot image, which
  cannot start EFI programs, leaves it out while offering another share's BLS
  entry;
- `mount TAG PATH -o profile=small`: the share read (manifest with hashes),
  listed and changed through such a mount, compared with the host; and that
  it is the small profile, seen from both sides: the INIT request asks for
  32 KiB (max_readahead in the C virtiofsd's debug log) and no READ or WRITE
  is larger, at most 16 unreferenced nodes stay cached (`mounts`' max), no
  statistics (`stats`); the boot-time default mount of the same run shows
  the other values;
- `--cache metadata`: the classic stack's C virtiofsd has no such mode and the
  launcher refuses it (status 2, README "Host stacks"); the current stack's
  Rust virtiofsd gets `--cache metadata`, and the guest sees its semantics:
  attributes stay valid past the 1 s of cache=auto (a host change of the size
  unseen, no request sent) while data is read from the device;
- the AArch64 image entered at EL3 (`-M virt,secure=on`): QEMU's exception log
  shows the entry's one return from EL3 to EL1 at start.S's at_el1 (and no
  return from EL3 without secure=on); the share is read and written there;
- `boot` of an EFI zboot image on AArch64 (Linux's zboot-header.S: "MZ",
  "zimg" at 4, payload offset and size, the compression type at 24, the PE
  magic at 0x38) refused with one error line naming its compression, the
  share still mounted, nothing hanging.
"""

import gzip
import os
import re
import shutil
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

EFI_IMAGE = os.path.join(vstest.REPO, "build", "vioshare.efi")
A64_IMAGE = os.path.join(vstest.REPO, "build", "aarch64", "vioshare.elf")
OVMF = ("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd")
CURRENT_DIR = os.environ.get("VIOSHARE_CURRENT_DIR", "/var/cache/vioshare/current")
ANSI = re.compile(rb"\x1b\[[0-9;=?]*[A-Za-z]")    # the EFI firmware's console escapes
ENTRY = re.compile(r"^\d+ [*-] ")
AUTO_VALIDITY = 1.0         # README: cache=auto's validity times, 1 s
SMALL_MAX_IO = 32 << 10     # README: the small profile's 32 KiB requests
SMALL_NODES = 16            # README: the small profile's 16 cached nodes
DEFAULT_MAX_IO = 1 << 20    # README: max_io 1 MiB by default
MOUNTS = re.compile(r"^myfs on /myfs type virtiofs \(.*, nodes (\d+), max (\d+)\)$")


def put(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def text_lines(out):
    return [l.rstrip("\r") for l in out.decode("utf-8", "replace").split("\n")]


def block(ls, begin, end):
    """The lines between the lines begin and end, None when they are missing."""
    try:
        i = ls.index(begin)
        return ls[i + 1:ls.index(end, i + 1)]
    except ValueError:
        return None


def set_stack(host):
    """The checks that follow are named [host]."""
    vstest.HOST = host


# ------------------------------------------------------------------ /EFI/BOOT/BOOTX64.EFI

def test_efi_fallback(top):
    share = os.path.join(top, "fallback")
    os.makedirs(os.path.join(share, "EFI", "BOOT"))
    shutil.copyfile(EFI_IMAGE, os.path.join(share, "EFI", "BOOT", "BOOTX64.EFI"))
    # The started program gets the entry's (empty) command line: it runs the share's vioshare.cfg.
    put(os.path.join(share, "vioshare.cfg"), "echo started-as-the-removable-media-loader\nexit 6\n")
    bls = os.path.join(top, "bls")
    put(os.path.join(bls, "vmlinuz"), "a kernel file; not booted here\n")
    put(os.path.join(bls, "loader", "entries", "other.conf"), "title Other share's entry\nlinux /vmlinuz\n")

    missing = [f for f in OVMF if not os.path.isfile(f)]
    if missing:
        for what in ("offers /EFI/BOOT/BOOTX64.EFI", "boot --default starts /EFI/BOOT/BOOTX64.EFI"):
            vstest.skip("efi: " + what, "no OVMF firmware %s (package ovmf)" % missing)
    else:
        r = vstest.run("entries; boot --default", shares=[share], timeout=240, extra=("--host", "classic", "--efi"))
        ls = text_lines(ANSI.sub(b"", r.out))
        listed = [l for l in ls if ENTRY.match(l)]
        check("efi: entries offers /EFI/BOOT/BOOTX64.EFI, the only entry and the default",
              listed == ["1 * EFI loader BOOTX64.EFI (/myfs/EFI/BOOT/BOOTX64.EFI)"], "listed %r; %s"
              % (listed, r.summary()))
        chain = [i for i, l in enumerate(ls) if l.startswith("chain: starting /myfs/EFI/BOOT/BOOTX64.EFI ")]
        starts = [i for i, l in enumerate(ls) if l == "vioshare.efi: start"]
        ran = [i for i, l in enumerate(ls) if l == "started-as-the-removable-media-loader"]
        check("efi: boot --default starts /EFI/BOOT/BOOTX64.EFI (LoadImage/StartImage): it runs and its "
              "exit 6 is the run's status",
              len(chain) == 1 and len(starts) == 2 and len(ran) == 1 and starts[0] < chain[0] < starts[1] < ran[0]
              and r.status == 6, "chain %r, starts %r, ran %r; %s" % (chain, starts, ran, r.summary()))

    r = vstest.run("entries", shares=[share, (bls, "two")], timeout=120, extra=("--host", "classic"))
    listed = [l for l in text_lines(r.out) if ENTRY.match(l)]
    check("boot image: /EFI/BOOT/BOOTX64.EFI is not offered (only the EFI app starts EFI programs); "
          "the other share's BLS entry is",
          r.status == 0 and listed == ["1 * Other share's entry (/two/loader/entries/other.conf)"],
          "listed %r; %s" % (listed, r.summary()))


# ------------------------------------------------------------------ mount -o profile=small

def daemon_log(logs):
    """The virtiofsd log the launcher kept (VIOSHARE_KEEP_LOGS) under logs."""
    found = [os.path.join(root, "virtiofsd-myfs.log") for root, _, files in os.walk(logs)
             if "virtiofsd-myfs.log" in files]
    if len(found) != 1:
        return None
    with open(found[0], errors="replace") as f:
        return f.read()


def mount_requests(log):
    """Per INIT in the C virtiofsd's debug log (one per mount, in order):
    (the INIT request's max_readahead, [READ sizes], [WRITE sizes])."""
    mounts = []
    for line in log.split("\n"):
        if re.search(r"opcode: INIT \(26\)", line):
            mounts.append([None, [], []])
        elif not mounts:
            continue
        # The request's fields follow "] "; the reply's are indented further.
        m = re.search(r"\] max_readahead=0x([0-9a-f]+)$", line)
        if m and mounts[-1][0] is None:
            mounts[-1][0] = int(m.group(1), 16)
        m = re.search(r"\] lo_read\(ino=\d+, size=(\d+), off=\d+\)", line)
        if m:
            mounts[-1][1].append(int(m.group(1)))
        m = re.search(r"\] lo_write_buf\(ino=\d+, size=(\d+), off=\d+", line)
        if m:
            mounts[-1][2].append(int(m.group(1)))
    return mounts


def test_profile_small(top):
    set_stack("classic")
    share = os.path.join(top, "small")
    os.makedirs(os.path.join(share, "dir"))
    vstest.write_pattern(os.path.join(share, "big"), 3, 300000)
    for i in range(40):
        put(os.path.join(share, "dir", "f%02d" % i), "file %d\n" % i)
    nodes = 42                                  # big, dir and its 40 files
    before = vstest.host_manifest(share)
    logs = vstest.tmpdir("vstest-small-logs-")
    cmds = ["echo =D=", "manifest /myfs", "echo =DE=", "mounts", "stats /myfs", "echo =U=",
            "umount /myfs", "mount myfs /myfs -o profile=small",
            "echo =M=", "manifest /myfs", "echo =ME=", "mounts", "stats /myfs", "echo =W=",
            "write /myfs/new.bin 100000 5", "append /myfs/new.bin 40000 6", "mkdir /myfs/made",
            "cp /myfs/big /myfs/made/copy", "mv /myfs/dir/f00 /myfs/made/moved", "rm /myfs/dir/f01",
            "echo =A=", "manifest /myfs", "echo =AE="]
    # The C virtiofsd's -d logs every request; the launcher keeps its log in TMPDIR.
    r = vstest.run("; ".join(cmds), shares=[share], timeout=120,
                   extra=("--host", "classic", "--virtiofsd-arg=-d"),
                   env={"TMPDIR": logs, "VIOSHARE_KEEP_LOGS": "1"})
    ls = text_lines(r.out)
    small = block(ls, "=M=", "=ME=")
    vstest.compare("profile=small: manifest (with hashes) through the small mount equals tools/manifest",
                   None if small is None else "".join(l + "\n" for l in small).encode(), before)

    after = vstest.host_manifest(share)
    guest_after = block(ls, "=A=", "=AE=")
    try:
        with open(os.path.join(share, "new.bin"), "rb") as f:
            written = f.read()
    except OSError:
        written = None
    check("profile=small: write (100,000 bytes), append, mkdir, cp, mv, rm through it: the host holds the "
          "written pattern and the same tree as the guest's manifest",
          r.status == 0 and written == vstest.pattern_py(5, 100000) + vstest.pattern_py(6, 40000)
          and guest_after is not None and "".join(l + "\n" for l in guest_after).encode() == after
          and os.path.isfile(os.path.join(share, "made", "moved"))
          and not os.path.exists(os.path.join(share, "dir", "f01")), r.summary())

    log = daemon_log(logs)
    per = mount_requests(log or "")
    note("virtiofsd's view, per mount: %r" % [(hex(m[0]) if m[0] is not None else None, max(m[1] or [0]),
                                              max(m[2] or [0]), len(m[1]), len(m[2])) for m in per])
    ok = len(per) == 2
    if ok:
        (d_ra, d_reads, _), (s_ra, s_reads, s_writes) = per
        ok = d_ra == DEFAULT_MAX_IO and max(d_reads) > SMALL_MAX_IO \
            and s_ra == SMALL_MAX_IO and max(s_reads) == SMALL_MAX_IO and max(s_writes) == SMALL_MAX_IO
    check("profile=small: its INIT asks for 32 KiB (max_readahead 0x8000; the default mount's 0x100000) and "
          "no READ or WRITE on it is larger (virtiofsd's debug log)", ok,
          "log %s; per mount %r" % ("missing" if log is None else "%d bytes" % len(log),
                                    [(m[0], sorted(set(m[1]))[-3:], sorted(set(m[2]))[-3:]) for m in per]))

    def max_nodes(lines):
        found = [MOUNTS.match(l) for l in lines or []]
        found = [int(m.group(2)) for m in found if m]
        return found[0] if len(found) == 1 else None
    d_max, s_max = max_nodes(block(ls, "=DE=", "=U=")), max_nodes(block(ls, "=ME=", "=W="))
    # At most 16 unreferenced nodes stay, plus those held at once: the two
    # files the hashes are read from (the next one is open while the last
    # reads of this one come back) and the directory of the next one's path.
    check("profile=small: its node cache keeps at most %d nodes (`mounts`: max %s after a walk of %d; "
          "the default mount's max %s)" % (SMALL_NODES, s_max, nodes, d_max),
          d_max is not None and s_max is not None and d_max >= nodes and s_max <= SMALL_NODES + 3,
          "default %s, small %s" % (d_max, s_max))

    d_stats, s_stats = block(ls, "=DE=", "=U=") or [], block(ls, "=ME=", "=W=")
    check("profile=small: no statistics (`stats /myfs` shows no block for it; it did for the default mount)",
          any(l.startswith("/myfs (tag myfs): ") for l in d_stats) and s_stats is not None
          and not any(l.startswith("/myfs (tag myfs): ") or "OPCODE" in l for l in s_stats),
          "default %r; small %r" % (d_stats[-4:], s_stats))


# ------------------------------------------------------------------ --cache metadata

def test_cache_metadata(top):
    share = os.path.join(top, "meta")
    put(os.path.join(share, "f"), "five\n")
    set_stack("classic")
    r = vstest.run("ls /myfs", shares=[share], cache="metadata", timeout=60, extra=("--host", "classic"))
    check("--cache metadata on the classic stack: refused before anything starts (status 2), the C "
          "virtiofsd has no such mode",
          r.status == 2 and r.out == b"" and r.err.strip() == "vioshare-run: --cache metadata needs the Rust "
          "virtiofsd (--host current); /usr/lib/qemu/virtiofsd is the C one"
          and vstest.leftovers(r.pid, wait=0) == [], r.summary())

    set_stack("current")
    names = ("every virtiofsd runs with --cache metadata",
             "attributes stay valid past cache=auto's 1 s (a host change of the size unseen, no request); "
             "data comes from the device",
             "the run ends with the guest's exit 0, nothing left behind")
    if not os.access(os.path.join(CURRENT_DIR, "bin", "virtiofsd"), os.X_OK):
        for n in names:
            vstest.skip("--cache metadata: " + n, "no current stack in %s (tools/deps-current)" % CURRENT_DIR)
        set_stack("classic")
        return
    g = vstest.Live("shell", [share], 90, cache="metadata", extra=["--host", "current"], stdin=True)
    status = None
    try:
        def command(line, marker):
            pos = g.mark()
            g.send(line.encode() + b"\r")
            return g.wait_re(rb"^%s\r?\n" % re.escape(marker.encode()), 60, pos) is not None

        up = command("debug 2; stat /myfs/f; echo =A=", "=A=")
        args = []
        for pid in g.pids():
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    args.append(f.read().decode(errors="replace").split("\0")[:-1])
            except OSError:
                pass
        caches = [[a[i + 1] for i in range(len(a) - 1) if a[i] == "--cache"] for a in args]
        check("--cache metadata: " + names[0], up and caches and all(c == ["metadata"] for c in caches),
              "up %s; --cache values %r" % (up, caches))

        put(os.path.join(share, "f"), "now twenty-one bytes\n")
        time.sleep(AUTO_VALIDITY + 0.5)     # host time must pass: beyond cache=auto's validity
        pos = g.mark()
        done = command("stat /myfs/f; echo =S=; cat /myfs/f; echo =B=", "=B=")
        ls = text_lines(g.out[pos:])
        st = ls[:ls.index("=S=")] if "=S=" in ls else None     # from the echo of the command line
        cat = block(ls, "=S=", "=B=")
        stat_req = [l for l in st or [] if l.startswith("trace /myfs ")]
        # The size cached from before the change (5) bounds the read; the
        # bytes are the host's new ones.
        check("--cache metadata: " + names[1],
              done and st is not None and any(re.match(r"^\s*Size: 5\s", l) for l in st) and stat_req == []
              and cat is not None and any(l.startswith("trace /myfs READ ") for l in cat)
              and [l for l in cat if not l.startswith("trace ")] == ["now t"],
              "stat %r; cat %r" % (st, cat))
        g.send(b"exit 0\r")
        status = g.finish(60)
    finally:
        if g.alive():
            g.finish(5)
    left = vstest.kill_leftovers(g.p.pid)
    check("--cache metadata: " + names[2], status == 0 and left == [], "status %s, left %r" % (status, left))
    set_stack("classic")


# ------------------------------------------------------------------ AArch64: EL3, zboot

def symbol(elf, name):
    """The address of a symbol of elf (binutils' nm), or None."""
    try:
        out = subprocess.run(["nm", elf], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    for line in out.decode(errors="replace").split("\n"):
        f = line.split()
        if len(f) == 3 and f[2] == name:
            return int(f[0], 16)
    return None


def returns_from_el3(path):
    """The targets (EL, PC) of every exception return from EL3 in QEMU's
    `-d int` log, None without a log."""
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    return [(int(m.group(1)), int(m.group(2), 16)) for m in
            re.finditer(r"^Exception return from AArch64 EL3 to AArch64 EL(\d) PC 0x([0-9a-f]+)$", text, re.M)]


def a64_run(args, share, machine, intlog):
    """The AArch64 image with QEMU's exception log (-d int) in intlog and,
    with machine, more -machine properties."""
    qemu_args = "-d int -D %s" % intlog + (" -machine %s" % machine if machine else "")
    return vstest.run(args, shares=[share], timeout=120, extra=("--host", "classic", "--arch", "aarch64"),
                      env={"VIOSHARE_QEMU_ARGS": qemu_args})


def zboot(comp, payload):
    """An EFI zboot image as Linux's zboot-header.S lays it out (its PE
    header and decompressor stub left empty: the loader must look no further)."""
    hdr = bytearray(0x40)
    hdr[0:2] = b"MZ"
    hdr[4:8] = b"zimg"
    struct.pack_into("<II", hdr, 8, 0x200, len(payload))     # payload offset and size
    hdr[24:24 + len(comp) + 1] = comp.encode() + b"\0"
    struct.pack_into("<II", hdr, 0x38, 0x818223cd, 0x40)       # LINUX_PE_MAGIC, PE header offset
    body = bytearray(0x200 - len(hdr))
    body[0:4] = b"PE\0\0"
    return bytes(hdr) + bytes(body) + payload


def test_aarch64(top):
    set_stack("classic")
    share = os.path.join(top, "a64")
    os.makedirs(os.path.join(share, "dir"))
    put(os.path.join(share, "hello"), "hello from the host\n")
    vstest.write_pattern(os.path.join(share, "dir", "p"), 9, 70000)
    # Payloads nobody unpacks: gzip of 64 KiB, and zstd's magic before raw bytes.
    image = vstest.pattern_py(11, 64 << 10)
    put(os.path.join(share, "vmlinuz-gzip"), zboot("gzip", gzip.compress(image)))
    put(os.path.join(share, "vmlinuz-zstd"), zboot("zstd", b"\x28\xb5\x2f\xfd" + image[:4096]))
    before = vstest.host_manifest(share)
    at_el1 = symbol(A64_IMAGE, "at_el1")

    el3log = os.path.join(vstest.tmpdir(), "int.log")
    r = a64_run("echo =M=; manifest /myfs; echo =ME=; write /myfs/dir/w 50000 4", share, "secure=on", el3log)
    rets = returns_from_el3(el3log)
    ls = text_lines(r.out)
    m = block(ls, "=M=", "=ME=")
    el1log = os.path.join(vstest.tmpdir(), "int.log")
    script = ["-boot /myfs/vmlinuz-gzip console=ttyAMA0", "cat /myfs/hello", "boot /myfs/vmlinuz-zstd",
              "echo not-reached"]
    z = a64_run("; ".join(script), share, None, el1log)
    plain = returns_from_el3(el1log)
    check("aarch64 secure=on: entered at EL3, the entry drops to EL1 (QEMU's log: one return from EL3, to EL1 "
          "at at_el1 0x%x; none without secure=on)" % (at_el1 or 0),
          at_el1 is not None and rets == [(1, at_el1)] and plain == [],
          "returns from EL3 with secure=on %r, without %r" % (rets, plain))
    try:
        with open(os.path.join(share, "dir", "w"), "rb") as f:
            w = f.read()
    except OSError:
        w = None
    check("aarch64 secure=on: the share is mounted there; its manifest (with hashes) equals tools/manifest and "
          "a write reaches the host", r.status == 0 and m is not None
          and "".join(l + "\n" for l in m).encode() == before and w == vstest.pattern_py(4, 50000), r.summary())

    zl = text_lines(z.out)
    errs = [l for l in zl if l.startswith("error: ")]
    want = ["error: boot: /myfs/vmlinuz-%s: ENOEXEC (an EFI zboot image (%s-compressed, unpacked by its own EFI "
            "stub): needs UEFI; give the uncompressed Image)" % (c, c) for c in ("gzip", "zstd")]
    check("aarch64: boot of an EFI zboot image (gzip, zstd) is refused with one error line naming its "
          "compression", errs == want, "errors %r; %s" % (errs, z.summary()))
    check("aarch64: after the refusal the share is still mounted and the run ends at once with status 1 "
          "(nothing hangs)", z.status == 1 and "hello from the host" in zl and "not-reached" not in zl
          and z.status != 124, z.summary())


def main():
    missing = [p for p in (vstest.IMAGE, EFI_IMAGE, A64_IMAGE) if not os.path.isfile(p)]
    if not check("images built (vioshare.elf, vioshare.efi, aarch64/vioshare.elf)", not missing,
                 "missing %r (run make)" % missing):
        return vstest.finish()
    top = vstest.tmpdir("vstest-docmore-")
    vstest.run_cases([(t, (top,)) for t in (test_efi_fallback, test_profile_small, test_cache_metadata,
                                            test_aarch64)], timed=True)
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
