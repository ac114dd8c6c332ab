/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for the READDIR / READDIRPLUS reply parser
 * (fuse_dirent_next in fuse/fuse_codec.c).
 *
 * Input: byte 0 picks the format (bit 0: plus) and whether to start at a
 * fuzzed position (bit 1, from bytes 1..4) instead of 0; the rest is the
 * reply, copied into a heap block of exactly its length (reads past it are
 * AddressSanitizer reports).  The whole reply is walked entry by entry and
 * every result is checked against an independent decoding of the bytes:
 *   - 0 only at *pos == len; -EPROTO leaves *pos alone; 1 advances *pos by
 *     exactly the aligned record size (24 or 152 + namelen, rounded up to 8),
 *     never past len;
 *   - ino, off, type, namelen and the name pointer are the record's own;
 *     1 <= namelen <= 1024, no '/' or NUL in the name;
 *   - plus: entry points at the record, and a non-zero nodeid has a valid
 *     attr and is not the root's unless the name is "." or "..";
 *   - a record is rejected only for a reason the contract gives (checked by
 *     deciding acceptance independently).
 *
 *   make fuzz   (or: build/fuzz/fuzz_dirent tests/fuzz/corpus/dirent)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuse_codec.h"

#define REQUIRE(c)       \
    do {                 \
        if (!(c))        \
            abort();     \
    } while (0)

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Independent acceptance of the record at `at` (aligned, inside len). */
static int ref_record(const uint8_t *b, uint32_t len, uint32_t at, bool plus, uint32_t *reclen)
{
    uint32_t hdr = plus ? 152 : 24;
    if (len - at < hdr)
        return -VS_EPROTO;
    const uint8_t *de = b + at + hdr - 24;
    uint32_t namelen = rd32(de + 16);
    if (namelen == 0 || namelen > 1024)
        return -VS_EPROTO;
    uint64_t rl = ((uint64_t)hdr + namelen + 7) & ~(uint64_t)7;
    if (rl > len - at)
        return -VS_EPROTO;
    const uint8_t *name = b + at + hdr;
    for (uint32_t i = 0; i < namelen; i++)
        if (name[i] == '/' || name[i] == 0)
            return -VS_EPROTO;
    if (plus) {
        const uint8_t *e = b + at;
        uint64_t nodeid = rd64(e);
        if (nodeid != 0) {
            bool dots = (namelen == 1 && name[0] == '.') ||
                        (namelen == 2 && name[0] == '.' && name[1] == '.');
            if (nodeid == 1 && !dots)
                return -VS_EPROTO;
            if (rd32(e + 32) >= 1000000000u || rd32(e + 36) >= 1000000000u)
                return -VS_EPROTO;
            /* fuse_attr at 40: mode at 40+60, size at 40+8, nsecs at 40+48.. */
            const uint8_t *a = e + 40;
            uint32_t mode = rd32(a + 60) & 0170000;
            if (mode != 0100000 && mode != 0040000 && mode != 0120000 && mode != 0020000 &&
                mode != 0060000 && mode != 0010000 && mode != 0140000)
                return -VS_EPROTO;
            if (rd64(a + 8) > (uint64_t)INT64_MAX)
                return -VS_EPROTO;
            if (rd32(a + 48) >= 1000000000u || rd32(a + 52) >= 1000000000u ||
                rd32(a + 56) >= 1000000000u)
                return -VS_EPROTO;
        }
    }
    *reclen = (uint32_t)rl;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5 || size > (1u << 20))
        return 0;
    const bool plus = data[0] & 1;
    const uint32_t len = (uint32_t)(size - 5);
    uint32_t pos = (data[0] & 2) ? rd32(data + 1) % (len + 9) : 0;

    uint8_t *buf = malloc(len ? len : 1);
    REQUIRE(buf);
    memcpy(buf, data + 5, len);

    for (;;) {
        struct fuse_dirent_view d;
        memset(&d, 0xa5, sizeof d);
        uint32_t before = pos;
        int rc = fuse_dirent_next(buf, len, &pos, plus, &d);
        if (before == len) {
            REQUIRE(rc == 0 && pos == len);
            break;
        }
        if (before > len || (before & 7)) {
            REQUIRE(rc == -VS_EPROTO && pos == before);
            break;
        }
        uint32_t reclen = 0;
        int want = ref_record(buf, len, before, plus, &reclen);
        REQUIRE(rc == want);
        if (rc < 0) {
            REQUIRE(pos == before);
            break;
        }
        REQUIRE(pos == before + reclen && pos <= len && pos % 8 == 0);
        const uint32_t hdr = plus ? 152 : 24;
        const uint8_t *de = buf + before + hdr - 24;
        REQUIRE(d.ino == rd64(de) && d.off == rd64(de + 8) && d.namelen == rd32(de + 16) &&
                d.type == rd32(de + 20));
        REQUIRE((const uint8_t *)d.name == buf + before + hdr);
        REQUIRE((const uint8_t *)d.name + d.namelen <= buf + pos);
        if (plus) {
            REQUIRE((const uint8_t *)d.entry == buf + before);
            if (d.entry->nodeid != 0)
                REQUIRE(fuse_check_attr(&d.entry->attr) == 0);
        } else {
            REQUIRE(d.entry == NULL);
        }
    }
    /* Argument errors are the caller's. */
    {
        struct fuse_dirent_view d;
        uint32_t p = 0;
        REQUIRE(fuse_dirent_next(buf, len, NULL, plus, &d) == -VS_EINVAL);
        REQUIRE(fuse_dirent_next(buf, len, &p, plus, NULL) == -VS_EINVAL);
    }
    free(buf);
    return 0;
}
