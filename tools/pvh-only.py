#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""pvh-only.py IN OUT: copy the boot image IN to OUT with its Multiboot
header magic zeroed.

QEMU boots an image through Multiboot whenever it finds the header, so the
copy is how the PVH entry gets exercised.  The Multiboot v1 header is the
first 4-byte aligned magic 0x1BADB002 (followed by flags and a checksum that
sum to zero) in the first 8 KiB of the file; every such header is zeroed."""
import struct
import sys

MAGIC = 0x1BADB002
SEARCH = 8192


def find_headers(image):
    found = []
    for off in range(0, min(len(image), SEARCH) - 11, 4):
        magic, flags, checksum = struct.unpack_from("<III", image, off)
        if magic == MAGIC and (magic + flags + checksum) & 0xFFFFFFFF == 0:
            found.append(off)
    return found


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: pvh-only.py IN OUT")
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, "rb") as f:
        image = bytearray(f.read())
    headers = find_headers(image)
    if not headers:
        sys.exit(f"pvh-only.py: {src}: no Multiboot header in the first {SEARCH} bytes")
    for off in headers:
        image[off:off + 4] = bytes(4)
    with open(dst, "wb") as f:
        f.write(image)


if __name__ == "__main__":
    main()
