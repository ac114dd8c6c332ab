/* SPDX-License-Identifier: BSD-2-Clause */
#include "pattern.h"

static uint64_t splitmix64(uint64_t x)
{
    uint64_t z = x + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void pattern_fill(uint64_t seed, uint64_t off, void *buf, size_t n)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < n;) {
        uint64_t at = off + i;
        uint64_t w = splitmix64(seed + at / 8);
        /* Whole words when aligned, else byte by byte up to the boundary. */
        for (unsigned b = (unsigned)(at % 8); b < 8 && i < n; b++, i++)
            p[i] = (uint8_t)(w >> (8 * b));
    }
}
