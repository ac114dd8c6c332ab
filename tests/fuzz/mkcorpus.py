#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the seed corpora of the fuzz harnesses into tests/fuzz/corpus/NAME/.

The seeds are committed; this script documents how they were made and
regenerates them (deterministically) after a format change:

    python3 tests/fuzz/mkcorpus.py

Each seed is a meaningful input: a well-formed reply the validators must
accept, and a few near misses they must reject.
"""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

S_IFREG, S_IFDIR, S_IFLNK = 0o100000, 0o040000, 0o120000
FUSE_MAX_PAGES = 1 << 22


def attr(ino=2, size=4096, mode=S_IFREG | 0o644, nlink=1, nsec=0):
    # ino size blocks atime mtime ctime | atimensec mtimensec ctimensec mode
    # nlink uid gid rdev blksize flags  (88 bytes)
    return struct.pack("<6Q10I", ino, size, (size + 511) // 512, 1700000000, 1700000000, 1700000000,
                       nsec, nsec, nsec, mode, nlink, 0, 0, 0, 4096, 0)


def entry(nodeid=2, mode=S_IFREG | 0o644, size=4096, nsec=0):
    return struct.pack("<4Q2I", nodeid, 0, 1, 1, nsec, 0) + attr(nodeid, size, mode)


def out_header(payload_len, error=0, unique=7):
    return struct.pack("<IiQ", 16 + payload_len, error, unique)


def init_out(major=7, minor=31, flags=FUSE_MAX_PAGES, max_write=1 << 20, max_pages=256):
    return struct.pack("<4I2H2I2HI7I", major, minor, 1 << 17, flags, 16, 12, max_write, 1, max_pages,
                       0, 0, *([0] * 7))


def attr_out(mode=S_IFREG | 0o644):
    return struct.pack("<QII", 1, 0, 0) + attr(2, 100, mode)


def statfs_out(blocks=1000, bfree=500):
    return struct.pack("<5Q4I6I", blocks, bfree, bfree, 100, 50, 4096, 255, 4096, 0, *([0] * 6))


def open_out():
    return struct.pack("<QII", 0x1234, 0, 0)


def pad8(b):
    return b + b"\0" * (-len(b) % 8)


def dirent(name, ino=2, off=1, typ=8):
    return pad8(struct.pack("<QQII", ino, off, len(name), typ) + name)


def direntplus(name, nodeid=2, mode=S_IFREG | 0o644, off=1):
    return pad8(entry(nodeid, mode) + struct.pack("<QQII", nodeid, off, len(name), mode >> 12) + name)


def params(p0=1, p1=0, p2=7, p3=1 << 20):
    return struct.pack("<4I", p0, p1, p2, p3)


def write(name, seeds):
    d = os.path.join(CORPUS, name)
    os.makedirs(d, exist_ok=True)
    for old in os.listdir(d):
        os.unlink(os.path.join(d, old))
    for fname, data in seeds:
        with open(os.path.join(d, fname), "wb") as f:
            f.write(data)


def fuse_codec():
    dirents = dirent(b".", 1, 1, 4) + dirent(b"..", 1, 2, 4) + dirent(b"hello.txt", 5, 3)
    plus = (direntplus(b".", 1, S_IFDIR | 0o755, 1) + direntplus(b"sub", 3, S_IFDIR | 0o755, 2)
            + direntplus(b"link", 4, S_IFLNK | 0o777, 3) + direntplus(b"neg", 0, 0, 4))
    return [
        ("out_header_ok", params() + out_header(0)),
        ("out_header_enoent", params() + out_header(0, -2)),
        ("out_header_bad_errno", params() + out_header(0, -5000)),
        ("init_ok", params() + init_out()),
        ("init_short_compat22", params() + init_out()[:24]),
        ("init_old_minor", params() + init_out(minor=30)),
        ("init_no_max_pages", params(p2=0) + init_out(flags=0, max_pages=0)),
        ("entry_file", params() + entry()),
        ("entry_negative", params() + entry(nodeid=0)),
        ("entry_root_id", params() + entry(nodeid=1)),
        ("entry_bad_nsec", params() + entry(nsec=1000000000)),
        ("attr_out_dir", params() + attr_out(S_IFDIR | 0o755)),
        ("attr_out_bad_type", params() + attr_out(0o644)),
        ("statfs_ok", params() + statfs_out()),
        ("statfs_free_gt_total", params() + statfs_out(10, 20)),
        ("write_out", params(p1=4096) + struct.pack("<II", 4096, 0)),
        ("create_ok", params() + entry() + open_out()),
        ("readlink_target", params(p3=4096) + b"../target/file"),
        ("readlink_nul", params(p3=4096) + b"abc\0def"),
        ("dirents", params() + dirents),
        ("direntplus", params() + plus),
    ]


def dirent_seeds():
    def hdr(plus, pos=None):
        flags = (1 if plus else 0) | (2 if pos is not None else 0)
        return struct.pack("<BI", flags, pos or 0)
    d = dirent(b".", 1, 1, 4) + dirent(b"..", 1, 2, 4) + dirent(b"a", 5, 3) + dirent(b"x" * 255, 6, 4)
    p = (direntplus(b".", 1, S_IFDIR | 0o755, 1) + direntplus(b"..", 1, S_IFDIR | 0o755, 2)
         + direntplus(b"file", 7, S_IFREG | 0o644, 3) + direntplus(b"gone", 0, 0, 4))
    return [
        ("plain", hdr(False) + d),
        ("plain_from_2nd", hdr(False, 24) + d),
        ("plain_misaligned_pos", hdr(False, 12) + d),
        ("plain_truncated", hdr(False) + d[:-3]),
        ("plain_slash", hdr(False) + dirent(b"a/b")),
        ("plain_namelen_0", hdr(False) + struct.pack("<QQII", 1, 1, 0, 8)),
        ("plain_namelen_huge", hdr(False) + struct.pack("<QQII", 1, 1, 0xffffffff, 8) + b"a" * 8),
        ("plus", hdr(True) + p),
        ("plus_root_named", hdr(True) + direntplus(b"evil", 1, S_IFREG | 0o644)),
        ("plus_bad_attr", hdr(True) + direntplus(b"bad", 9, 0o644)),
        ("empty", hdr(False)),
    ]


def vq_seeds():
    # op % 8: 0/1 submit (n_out = 1 + ((op>>3)&3)%3, n_in = (op>>5)&3, bit 7
    # allows an empty buffer), 2/3 device writes a used element,
    # 4 moves used->idx, 5 scribbles, 6/7 vq_get_used ((op>>3)%8 + 1 times).
    def submit(n_out, n_in, lens):
        op = 0 | ((n_out - 1) << 3) | (n_in << 5)
        return bytes([op]) + b"".join(struct.pack("<H", l) for l in lens)

    def used_plausible(req_index, delta=0):
        return bytes([2, 1]) + struct.pack("<Hb", req_index, delta)

    def used_raw(id_, len_, publish=True):
        return bytes([2, 0 if publish else 0x10]) + struct.pack("<II", id_, len_)

    def get(times=1):
        return bytes([6 | ((times - 1) << 3)])

    q16 = bytes([4])  # 1 << 4 = 16 entries
    return [
        ("one_request", q16 + submit(1, 1, [48, 4096]) + used_plausible(0, -100) + get()),
        ("three_in_order", q16 + submit(2, 1, [40, 8, 80]) + submit(1, 2, [64, 16, 4096])
         + submit(1, 0, [48]) + used_plausible(1, 0) + used_plausible(0, -8) + used_raw(0, 0, True)
         + get(4)),
        ("len_too_long", q16 + submit(1, 1, [48, 100]) + used_plausible(0, 1) + get()),
        ("bad_id", q16 + submit(1, 1, [48, 100]) + used_raw(99, 0) + get(2)),
        ("id_not_in_flight", q16 + submit(1, 1, [48, 100]) + used_raw(5, 0) + get(2)),
        ("idx_jump", q16 + submit(1, 1, [48, 100]) + bytes([4]) + struct.pack("<H", 4000) + get(2)),
        ("reuse_after_free", q16 + submit(1, 1, [48, 100]) + used_plausible(0) + get()
         + submit(1, 1, [48, 100]) + used_plausible(1) + used_plausible(0) + get(3)),
        ("fill_queue", bytes([2]) + submit(2, 1, [1, 1, 1]) + submit(1, 0, [1]) + submit(1, 0, [1])
         + used_plausible(1) + get() + submit(1, 0, [1]) + get()),
        ("scribble_desc", q16 + submit(1, 2, [48, 16, 200]) + bytes([5]) + struct.pack("<HB", 14, 0xff)
         + bytes([5]) + struct.pack("<HB", 12, 0x7f) + used_plausible(0, -16) + get() + submit(3, 3, [9] * 6)),
    ]


def cmdparse_seeds():
    return [
        ("simple", b"ls -l /myfs"),
        ("list", b"echo a; stat /myfs/x ;; cat /myfs/y;"),
        ("quotes", b'echo "x;y"  "two  blanks" a\\\\b \\x41\\x42'),
        ("escapes", b'cat "/myfs/a b\\xff"; cat /myfs/a\\x20b\\xFF'),
        ("may_fail", b"-cat /myfs/x; - echo dash; \\x2dls /"),
        ("unterminated", b'echo "abc'),
        ("bad_escape", b"echo \\n"),
        ("nul_escape", b"echo \\x00"),
        ("short_hex", b"echo \\x4"),
        ("many_words", b"echo" + b" w" * 70),
        ("numbers", b"sha256 /myfs/f 0x10 18446744073709551615; sha256 /myfs/f 18446744073709551616 -1"),
        ("blanks", b" \t\r\n ; \t"),
        ("empty_quoted", b'echo "" ""x"" ;'),
    ]


def pcicaps_seeds():
    """Configuration space of a virtio-fs function as QEMU lays it out (BAR 4,
    64-bit: common 0x0, ISR 0x1000, device 0x2000, notify 0x3000 x 4; MSI-X
    at 0x98 with its table in BAR 1), then the bytes mapped regions start
    with (num_queues 2, a tag), and hostile variants."""
    def vcap(at, nxt, typ, bar, off, length, cap_len=16, mult=None):
        b = struct.pack("<BBBBB3xII", 0x09, nxt, cap_len, typ, bar, off, length)
        return at, b + (struct.pack("<I", mult) if mult is not None else b"")

    def space(caps, cap_ptr=0x40, status=0x10):
        c = bytearray(256)
        c[0:4] = struct.pack("<HH", 0x1AF4, 0x105A)
        c[6:8] = struct.pack("<H", status)
        for i in range(4):
            c[0x10 + 4 * i:0x14 + 4 * i] = struct.pack("<I", 0xFE000000 + i * 0x100000)
        c[0x20:0x28] = struct.pack("<Q", 0xFE400000 | 4)
        c[0x34] = cap_ptr
        for at, b in caps:
            c[at:at + len(b)] = b[:256 - at]
        return bytes(c)

    msix = (0x98, struct.pack("<BBHII", 0x11, 0, 0, 1, 1 | 0x800))
    std = [vcap(0x40, 0x50, 1, 4, 0x0, 0x1000), vcap(0x50, 0x60, 3, 4, 0x1000, 0x1000),
           vcap(0x60, 0x70, 4, 4, 0x2000, 0x1000), vcap(0x70, 0x98, 2, 4, 0x3000, 0x1000, 20, 4), msix]
    # Mapped regions start with: num_queues 2 at 18, queue_notify_off 1 at 30,
    # and (in the device region, which starts the same way) a tag.
    fill = bytearray(64)
    fill[0:4] = b"myfs"
    fill[18:20] = struct.pack("<H", 2)
    fill[30:32] = struct.pack("<H", 1)
    fill = bytes(fill)

    def with_caps(*changes):
        caps = dict(std)
        for at, b in changes:
            caps[at] = b
        return list(caps.items())

    return [
        ("qemu_layout", space(std) + fill),
        ("no_fill", space(std)),
        ("loop", space(with_caps((0x98, msix[1][:1] + b"\x40" + msix[1][2:]))) + fill),
        ("self_loop", space(with_caps(vcap(0x40, 0x40, 1, 4, 0, 0x1000)))),
        ("pointer_below_0x40", space(with_caps(vcap(0x70, 0x20, 2, 4, 0x3000, 0x1000, 20, 4))) + fill),
        ("short_cap", space(with_caps(vcap(0x40, 0x50, 1, 4, 0, 0x1000, cap_len=8))) + fill),
        ("notify_no_mult", space(with_caps(vcap(0x70, 0x98, 2, 4, 0x3000, 0x1000, cap_len=16))) + fill),
        ("reserved_bar", space(with_caps(vcap(0x40, 0x50, 1, 6, 0, 0x1000), (0x98, msix[1][:1] + b"\xa8" + msix[1][2:]),
                                         vcap(0xa8, 0, 1, 4, 0, 0x1000))) + fill),
        ("cap_past_end", space(with_caps(vcap(0x60, 0xf0, 4, 4, 0x2000, 0x1000),
                                         vcap(0xf0, 0, 2, 4, 0x3000, 0x1000, 20, 4))) + fill),
        ("msix_at_0xfc", space(with_caps(vcap(0x70, 0xfc, 2, 4, 0x3000, 0x1000, 20, 4),
                                         (0xfc, b"\x11\x00")))),
        ("odd_multiplier", space(with_caps(vcap(0x70, 0x98, 2, 4, 0x3000, 0x1000, 20, 3))) + fill),
        ("notify_off_far", space(std) + fill[:30] + b"\xff\x7f" + fill[32:]),
        ("small_device_region", space(with_caps(vcap(0x60, 0x70, 4, 4, 0x2000, 16))) + fill),
    ]


def bls_seeds():
    return [
        ("entry", b"title Debian GNU/Linux\nversion 6.1.0-10-amd64\nmachine-id abc\nsort-key debian\n"
                  b"linux /vmlinuz-6.1.0-10-amd64\ninitrd /initrd.img\ninitrd /extra.img\n"
                  b"options root=myfs\noptions rw\narchitecture x64\n"),
        ("loader_conf", b"default debian-*\ntimeout 5\nconsole-mode max\n"),
        ("no_linux", b"title x\noptions a\n"),
        ("crlf_comment", b"# c\r\nlinux /k\r\ntitle caf\xc3\xa9\r\ntimeout menu-force\r\n"),
        ("versions", b"6.1.0-9~rc1^p2.x-10"),
        ("glob", b"[!a-c]*?x-*[0-9]deb-1.conf"),
    ]


def extlinux_seeds():
    return [
        ("two_labels", b"MENU TITLE Boot\nTIMEOUT 30\nDEFAULT b\nLABEL a\n  MENU LABEL First\n"
                       b"  KERNEL /vmlinuz\n  INITRD /i1,/i2\n  APPEND root=myfs\n  FDT /a.dtb\n"
                       b"label b\n linux /v2\n fdtdir /dtbs\n menu default\n"),
        ("no_kernel", b"LABEL x\nAPPEND y\nLABEL z\nKERNEL /k\n"),
        ("bad_utf8", b"LABEL a\nKERNEL /k\nAPPEND \xff\n"),
    ]


def uki_seeds():
    def pe(sections):
        out = bytearray(0x400)
        out[0:2] = b"MZ"
        struct.pack_into("<I", out, 0x3c, 0x80)
        out[0x80:0x84] = b"PE\0\0"
        struct.pack_into("<HHIIIHH", out, 0x84, 0x8664, len(sections), 0, 0, 0, 240, 0)
        off = 0x400
        for i, (name, size) in enumerate(sections):
            raw = (size + 511) & ~511
            struct.pack_into("<8sIIIIIIHHI", out, 0x80 + 24 + 240 + 40 * i, name, size, 0, raw, off,
                             0, 0, 0, 0, 0)
            off += raw
        return bytes(out) + b"\0" * (off - 0x400)
    return [
        ("uki", pe([(b".osrel", 40), (b".cmdline", 20), (b".linux", 1000), (b".initrd", 300)])),
        ("no_linux", pe([(b".text", 100)])),
        ("os_release", b"NAME=Debian\nPRETTY_NAME=\"Debian GNU/Linux 12\"\nVERSION_ID=12\n"),
    ]


def vfs_seeds():
    # tests/fuzz/fuzz_vfs.c: a setup byte, then operations (op, fd slot, arguments).
    # Paths by index into its table: 0 hello.txt, 5 dir, 6 dir/inner.txt, 7 dir/sub,
    # 15 n0, 16 n1, 17 dir/n2, 31 many.
    def op_open(slot, flags, path, mode=0o644):
        return bytes([0, slot, flags, path]) + struct.pack("<H", mode)

    def op(code, slot, *args):
        return bytes([code, slot] + list(args))

    RDWR_CREAT, WRONLY_TRUNC, WRONLY_APPEND = 3 | 4, 1 | 16, 1 | 32
    close = lambda s: op(1, s)
    write = lambda s, size: op(2, s, size, 0, 0)
    pwrite = lambda s, size, off: op(3, s, size) + struct.pack("<H", off)
    pread = lambda s, size, off: op(5, s, size) + struct.pack("<H", off)
    fsync = lambda s: op(8, s)
    mkdir = lambda p: op(11, 0, p, 0xed, 1)
    rmdir = lambda p: op(12, 0, p)
    unlink = lambda p: op(13, 0, p)
    rename = lambda a, b, flags=0: op(14, 0, a, b, flags)
    symlink = lambda t, p: op(15, 0, t, p, 1)
    link = lambda a, b: op(16, 0, a, b)
    stat = lambda p: op(19, 0, p, 1)
    readdir = lambda p: op(20, 0, p)
    readlink = lambda p: op(21, 0, p)
    # kind: SIMFS_FAULT_* - 1; opcode: index into the harness's list.
    fault = lambda kind, opcode, nth=1, arg=0: op(23, 0, kind, opcode, nth - 1, arg)
    corrupt = lambda n, *pv: op(24, 0, n - 1, *pv)
    ERROR, SHORT, NO_REPLY, ATTR_TYPE, WRITE_LESS = 2, 4, 5, 6, 8
    OP_WRITE, OP_CREATE, OP_MKDIR, OP_RENAME, OP_FSYNC, OP_SETATTR = 6, 7, 8, 14, 16, 3
    return [
        ("create_write_read", b"\0" + op_open(0, RDWR_CREAT, 15) + write(0, 10) + pread(0, 10, 0) +
         pwrite(0, 3, 200) + close(0) + stat(15)),
        ("big_write_small_max", b"\1" + op_open(1, RDWR_CREAT, 16) + write(1, 255) + pread(1, 200, 100) +
         op(7, 1, 9, 0) + close(1)),
        ("trunc_append", b"\0" + op_open(0, WRONLY_TRUNC, 0) + close(0) + op_open(2, WRONLY_APPEND, 6) +
         write(2, 5) + write(2, 5) + close(2)),
        ("tree_changes", b"\0" + mkdir(15) + rename(6, 17) + rename(5, 15) + rename(0, 16, 1) +
         rename(16, 5, 2) + unlink(16) + rmdir(15) + readdir(5)),
        ("links", b"\x10" + symlink(0, 16) + readlink(16) + link(0, 17) + stat(17) + unlink(0) + stat(17) +
         op(17, 0, 17, 0xa4, 1) + op(18, 0, 17, 5, 1, 0, 2, 0)),
        ("error_on_write", b"\0" + op_open(0, 3, 0) + fault(ERROR, OP_WRITE, 1, 27) + write(0, 10) + close(0)),
        ("short_create", b"\0" + fault(SHORT, OP_CREATE, 1, 4) + op_open(0, RDWR_CREAT, 15) + close(0)),
        ("typeless_mkdir", b"\0" + fault(ATTR_TYPE, OP_MKDIR) + mkdir(15) + stat(15)),
        ("fsync_no_reply", b"\0" + op_open(3, 3, 6) + write(3, 4) + fault(NO_REPLY, OP_FSYNC) + fsync(3) +
         close(3) + stat(0)),
        ("write_less", b"\0" + op_open(0, 3, 0) + fault(WRITE_LESS, OP_WRITE, 1, 3) + write(0, 20) + close(0)),
        ("error_on_rename_setattr", b"\0" + fault(ERROR, OP_RENAME, 1, 12) + rename(0, 15) +
         fault(ERROR, OP_SETATTR, 1, 0x90) + op(10, 0, 0, 5, 0)),
        ("corrupt_readdir", b"\0" + corrupt(2, 20, 0xff, 40, 0x80, 100, 1) + readdir(31) + readdir(5)),
        ("corrupt_lookup", b"\0" + corrupt(1, 16, 0xff, 17, 0x10, 120, 0x40) + stat(6) + stat(8)),
    ]


def main():
    write("fuse_codec", fuse_codec())
    write("dirent", dirent_seeds())
    write("vq", vq_seeds())
    write("cmdparse", cmdparse_seeds())
    write("pcicaps", pcicaps_seeds())
    write("bls", bls_seeds())
    write("extlinux", extlinux_seeds())
    write("uki", uki_seeds())
    write("vfs", vfs_seeds())


if __name__ == "__main__":
    main()
