/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for the FUSE reply validators and the dirent iterator.
 *
 *   clang -std=c11 -g -O1 -Ivirtio -Ifuse -fsanitize=fuzzer,address,undefined \
 *       tests/fuzz/fuzz_fuse_codec.c fuse/fuse_codec.c -o build/host/fuzz_fuse_codec
 *   build/host/fuzz_fuse_codec -max_total_time=60
 *
 * No seed corpus is needed.  The first 16 bytes pick the caller's side
 * (expected unique, offered flags, limits, asked sizes); the rest is the
 * device's reply, copied into a heap block of exactly its length so any read
 * past it is an AddressSanitizer report.  Besides "no crash", each call's
 * promises are checked and a broken one aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuse_codec.h"

#define REQUIRE(c)       \
    do {                 \
        if (!(c))        \
            abort();     \
    } while (0)

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void fuzz_dirents(const uint8_t *buf, uint32_t len, bool plus)
{
    uint32_t pos = 0;
    for (;;) {
        struct fuse_dirent_view d;
        uint32_t before = pos;
        int rc = fuse_dirent_next(buf, len, &pos, plus, &d);
        if (rc <= 0) {
            REQUIRE(rc == 0 || rc == -VS_EPROTO);
            REQUIRE(pos == before);
            REQUIRE(rc != 0 || pos == len);
            return;
        }
        REQUIRE(rc == 1);
        REQUIRE(pos > before && pos <= len && pos % 8 == 0);
        REQUIRE(d.namelen >= 1 && d.namelen <= FUSE_NAME_MAX);
        REQUIRE((const uint8_t *)d.name >= buf + before &&
                (const uint8_t *)d.name + d.namelen <= buf + pos);
        for (uint32_t i = 0; i < d.namelen; i++)
            REQUIRE(d.name[i] != '/' && d.name[i] != '\0');
        if (plus) {
            REQUIRE((const uint8_t *)d.entry == buf + before);
            if (d.entry->nodeid != 0)
                REQUIRE(fuse_check_attr(&d.entry->attr) == 0);
        } else {
            REQUIRE(d.entry == NULL);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 16 || size > (1u << 20))
        return 0;
    const uint32_t p0 = rd32(data), p1 = rd32(data + 4), p2 = rd32(data + 8), p3 = rd32(data + 12);
    const uint8_t *reply = data + 16;
    const uint32_t len = (uint32_t)(size - 16);

    uint8_t *buf = malloc(len ? len : 1);
    if (buf == NULL)
        return 0;
    if (len)
        memcpy(buf, reply, len);

    /* Reply header: used_len is the reply's length, or a fuzzed one. */
    {
        int32_t err = 1;
        uint32_t used = (p0 & 1) ? len : p1 % (len + 1);
        int rc = len >= sizeof(struct fuse_out_header)
                     ? fuse_check_out_header((const void *)buf, used, p2, &err)
                     : fuse_check_out_header(NULL, used, p2, &err);
        REQUIRE(rc == 0 || rc == -VS_EPROTO);
        if (rc == 0) {
            REQUIRE(err <= 0 && err >= -VS_ERRNO_MAX);
            REQUIRE(used >= sizeof(struct fuse_out_header));
        } else {
            REQUIRE(err == 1);
        }
    }

    /* INIT: a fuzzed length up to the reply's, fuzzed offer and limits. */
    {
        struct fuse_conn_params p;
        uint32_t l = len < sizeof(struct fuse_init_out) + 8 ? len : sizeof(struct fuse_init_out) + 8;
        uint32_t lw = 4096 + (p1 % (16u << 20)), lr = 4096 + (p3 % (16u << 20));
        int rc = fuse_check_init(len ? (const void *)buf : NULL, l, p2, lw, lr, &p);
        REQUIRE(rc == 0 || rc == -VS_EPROTO);
        if (rc == 0) {
            REQUIRE(l >= 24 && l <= sizeof(struct fuse_init_out));
            REQUIRE(p.minor == FUSE_CODEC_MINOR);
            REQUIRE((p.flags & ~p2) == 0);
            REQUIRE(p.max_pages >= 1 && p.max_pages <= 65535);
            REQUIRE(p.max_write >= 4096 && p.max_write <= lw &&
                    p.max_write <= p.max_pages * 4096u);
            REQUIRE(p.max_read >= 4096 && p.max_read <= lr && p.max_read <= p.max_pages * 4096u);
        }
    }

    /* Fixed-size replies: the whole payload, whatever its length. */
    if (len >= sizeof(struct fuse_attr))
        (void)fuse_check_attr((const void *)buf);
    REQUIRE(fuse_check_entry(len ? (const void *)buf : NULL, len) <= 0);
    REQUIRE(fuse_check_attr_out(len ? (const void *)buf : NULL, len) <= 0);
    REQUIRE(fuse_check_open(len ? (const void *)buf : NULL, len) <= 0);
    REQUIRE(fuse_check_statfs(len ? (const void *)buf : NULL, len) <= 0);
    REQUIRE(fuse_check_write(len ? (const void *)buf : NULL, len, p1) <= 0);
    REQUIRE(fuse_check_create(len ? (const void *)buf : NULL, len) <= 0);
    if (fuse_check_read(len, p3) == 0)
        REQUIRE(len <= p3);
    if (fuse_check_readlink(len ? (const char *)buf : NULL, len, p3) == 0)
        REQUIRE(len >= 1 && len <= p3 && memchr(buf, 0, len) == NULL);

    /* Both dirent formats over the whole payload. */
    fuzz_dirents(buf, len, false);
    fuzz_dirents(buf, len, true);

    free(buf);
    return 0;
}
