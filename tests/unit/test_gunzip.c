/* The AArch64 image's gunzip (boot/aarch64/gunzip.c) against the system's
 * gzip: text (dynamic Huffman blocks), a few bytes (fixed Huffman), random
 * bytes (stored blocks), an empty file, a name in the header; then broken
 * streams (CRC-32, size, truncation, a reserved block type, a distance back
 * past the start) refused with a reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../boot/aarch64/gunzip.c"

static int failures;

static void check(const char *name, int ok, const char *why)
{
    if (ok) {
        printf("PASS %s\n", name);
    } else {
        printf("FAIL %s: %s\n", name, why);
        failures++;
    }
}

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
