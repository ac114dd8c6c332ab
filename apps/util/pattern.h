/* SPDX-License-Identifier: BSD-2-Clause */
/* The test pattern of SPEC §5: byte i is byte (i mod 8) of the
 * little-endian word splitmix64(seed + i / 8). */
#ifndef PATTERN_H
#define PATTERN_H

#include <stddef.h>
#include <stdint.h>

/* Fills buf with n bytes of the pattern of `seed` starting at offset off. */
void pattern_fill(uint64_t seed, uint64_t off, void *buf, size_t n);

#endif
