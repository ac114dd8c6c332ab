/* SPDX-License-Identifier: BSD-2-Clause */
/* pattern SEED SIZE: write SIZE bytes of the vioshare test pattern (SPEC.md section 5)
 * to stdout.  Byte i is byte (i mod 8) of the little-endian 64-bit word
 * splitmix64(SEED + floor(i / 8)). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (1u << 20) /* bytes per write; a multiple of 8 */

static uint64_t splitmix64(uint64_t x)
{
    uint64_t z = x + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: pattern SEED SIZE\n"
                    "  writes SIZE bytes of the vioshare test pattern for SEED (decimal, 0..2^64-1) to stdout\n");
    exit(2);
}

int main(int argc, char **argv)
{
    uint64_t seed, size;
    if (argc != 3)
        usage();
    if (parse_u64(argv[1], &seed) != 0) {
        fprintf(stderr, "pattern: bad SEED '%s' (a decimal number below 2^64)\n", argv[1]);
        usage();
    }
    if (parse_u64(argv[2], &size) != 0) {
        fprintf(stderr, "pattern: bad SIZE '%s' (a decimal number of bytes)\n", argv[2]);
        usage();
    }

    unsigned char *buf = malloc(CHUNK);
    if (!buf) {
        fprintf(stderr, "pattern: out of memory\n");
        return 1;
    }
    uint64_t word = 0; /* index of the next pattern word */
    while (size > 0) {
        size_t n = size < CHUNK ? (size_t)size : CHUNK;
        size_t words = (n + 7) / 8;
        for (size_t w = 0; w < words; w++) {
            uint64_t v = splitmix64(seed + word + w);
            unsigned char *p = buf + 8 * w;
            for (int b = 0; b < 8; b++)
                p[b] = (unsigned char)(v >> (8 * b));
        }
        word += words;
        size_t off = 0;
        while (off < n) {
            ssize_t r = write(1, buf + off, n - off);
            if (r < 0) {
                if (errno == EINTR)
                    continue;
                fprintf(stderr, "pattern: write error: %s\n", strerror(errno));
                return 1;
            }
            off += (size_t)r;
        }
        size -= n;
    }
    free(buf);
    return 0;
}
