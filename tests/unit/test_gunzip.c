/* SPDX-License-Identifier: BSD-2-Clause */
/* The AArch64 image's gunzip (boot/linux/gunzip.c) against the system's
 * gzip: text (dynamic Huffman blocks), a few bytes (fixed Huffman), random
 * bytes (stored blocks), an empty file, a stored block after a Huffman one, a name in the header; then broken
 * streams (CRC-32, size, truncation, a reserved block type, a distance back
 * past the start) refused with a reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "../../boot/linux/gunzip.c"

/* data compressed by `gzip OPTS`; NULL if gzip cannot run. */
static uint8_t *gzip_of(const uint8_t *data, size_t n, const char *opts, size_t *out_n)
{
    char in[] = "/tmp/test_gunzip.XXXXXX";
    int fd = mkstemp(in);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f || fwrite(data, 1, n, f) != n) {
        if (f)
            fclose(f);
        return NULL;
    }
    fclose(f);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "gzip -c %s %s", opts, in);
    FILE *p = popen(cmd, "r");
    size_t cap = n + n / 2 + 4096, got = 0;
    uint8_t *out = malloc(cap);
    while (p && out && (n = fread(out + got, 1, cap - got, p)) > 0)
        got += n;
    if (!p || pclose(p) != 0) {
        free(out);
        out = NULL;
    }
    remove(in);
    *out_n = got;
    return out;
}

/* gunzip's answer for gz; *same: whether it gave back want[0..n). */
static const char *unpack(const uint8_t *gz, size_t gz_n, const uint8_t *want, size_t n, bool *same)
{
    size_t size = gzip_size(gz, gz_n);
    uint8_t *out = malloc(size ? size : 1);
    const char *why = gunzip(gz, gz_n, out, size);
    *same = !why && size == n && memcmp(out, want, n) == 0;
    free(out);
    return why;
}

static void round_trip(const char *name, const uint8_t *data, size_t n, const char *opts)
{
    size_t gz_n;
    uint8_t *gz = gzip_of(data, n, opts, &gz_n);
    bool same = false;
    const char *why = gz ? unpack(gz, gz_n, data, n, &same) : "gzip did not run";
    check(name, gz && !why && same, why ? why : "different bytes");
    free(gz);
}

static void broken(const char *name, uint8_t *gz, size_t gz_n, const char *want)
{
    bool same;
    const char *why = unpack(gz, gz_n, NULL, 0, &same);
    char msg[200];
    snprintf(msg, sizeof(msg), "got %s", why ? why : "success");
    check(name, why && strstr(why, want), msg);
}

int main(void)
{
    size_t n = 300000;
    uint8_t *text = malloc(n), *rnd = malloc(n);
    for (size_t i = 0; i < n; i++)
        text[i] = (uint8_t)"the quick brown fox jumps over the lazy dog\n"[(i * 7 + i / 1000) % 44];
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        rnd[i] = (uint8_t)(x >> 16);
    }
    round_trip("gzip -9 of text (dynamic Huffman blocks)", text, n, "-9 -n");
    round_trip("gzip -1 of text", text, n, "-1 -n");
    round_trip("a few bytes (a fixed Huffman block)", (const uint8_t *)"abc", 3, "-n");
    round_trip("random bytes (stored blocks)", rnd, n, "-n");
    round_trip("an empty file", (const uint8_t *)"", 0, "-n");
    /* zlib's sync flush: a dynamic block, then an empty stored block that
     * starts mid-byte after bytes the table lookup already read ahead
     * (found by trying random inputs; the CRC-32 vouches for the content). */
    static const uint8_t sync_flush[] = {
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x04, 0xc1,
        0x01, 0x0d, 0x00, 0x00, 0x00, 0x82, 0xb0, 0xbc, 0x0e, 0x02, 0x10, 0xdf,
        0x5f, 0x07, 0x18, 0x45, 0x3a, 0x63, 0x40, 0xc4, 0x1c, 0x9b, 0x4b, 0x71,
        0xa8, 0x5b, 0x12, 0x5b, 0x2b, 0x96, 0x34, 0xcb, 0x92, 0x1c, 0x0a, 0x14,
        0xb1, 0x36, 0x4c, 0x0a, 0xd5, 0x08, 0xa2, 0x8c, 0x35, 0x07, 0x23, 0x88,
        0x68, 0x95, 0x6e, 0x9b, 0xb2, 0x6c, 0x9a, 0x0b, 0x4d, 0x58, 0xce, 0x8c,
        0x32, 0xd7, 0x46, 0x34, 0x52, 0x30, 0x1c, 0xac, 0x8d, 0xe5, 0x82, 0xa0,
        0x45, 0x63, 0x6b, 0xb2, 0x51, 0xb8, 0x31, 0x9d, 0x1b, 0xa1, 0xcc, 0x01,
        0x29, 0x4c, 0x26, 0x2a, 0x0c, 0xd1, 0xc5, 0x04, 0x0f, 0x00, 0x00, 0xff,
        0xff, 0x2b, 0x49, 0xcc, 0xcc, 0x01, 0x00, 0x62, 0x02, 0x89, 0x8d, 0x22,
        0x01, 0x00, 0x00,
    };
    size_t size = gzip_size(sync_flush, sizeof(sync_flush));
    uint8_t *out = malloc(size);
    const char *why = gunzip(sync_flush, sizeof(sync_flush), out, size);
    check("a stored block after a Huffman block, read-ahead given back (zlib sync flush)", !why && size == 290,
          why ? why : "wrong size");
    free(out);
    round_trip("a file name in the header (FNAME)", text, 1000, "");

    size_t gz_n;
    uint8_t *gz = gzip_of(text, n, "-9 -n", &gz_n);
    if (!gz) {
        check("gzip runs", 0, "no gzip");
        return 1;
    }
    gz[gz_n - 8] ^= 1;
    broken("a wrong CRC-32 is refused", gz, gz_n, "CRC-32");
    gz[gz_n - 8] ^= 1;
    gz[gz_n - 4] ^= 1;
    broken("a wrong size in the trailer is refused", gz, gz_n, "size");
    gz[gz_n - 4] ^= 1;
    uint8_t *cut = malloc(gz_n);
    memcpy(cut, gz, gz_n);
    memcpy(cut + gz_n / 2 - 8, gz + gz_n - 8, 8); /* the trailer after half the data */
    broken("a truncated stream is refused", cut, gz_n / 2, "ends");
    uint8_t reserved[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x07, 0, 0, 0, 0, 0, 0, 0, 0};
    broken("a block of the reserved type 3 is refused", reserved, sizeof(reserved), "reserved");
    /* A fixed block whose first symbol is a length/distance pair (257, distance 1)
     * with nothing before it: bits 1, 01 (fixed), 0000001 (257), 00000 (dist 0). */
    uint8_t back[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x03, 0x02, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0};
    broken("a distance back past the start is refused", back, sizeof(back), "past the start");
    free(cut);
    free(gz);
    free(text);
    free(rnd);
    return failures ? 1 : 0;
}
