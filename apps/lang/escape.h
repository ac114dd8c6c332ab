/* SPDX-License-Identifier: BSD-2-Clause */
/* The manifest's escaping (SPEC section 5): every byte outside 0x21..0x7E,
 * and the backslash, becomes \xHH with lower-case hex digits. */
#ifndef VS_ESCAPE_H
#define VS_ESCAPE_H

#include <stddef.h>

/* Length of the escaped form of the n bytes at s (without a NUL). */
size_t escape_len(const char *s, size_t n);

/* Writes the escaped form of the n bytes at s to out, at most
 * out_size - 1 characters and a NUL when out_size > 0 (an escape is never
 * cut in half: one that does not fit entirely is left out).  Returns
 * escape_len(s, n), so a return >= out_size means the output was cut. */
size_t escape_bytes(const char *s, size_t n, char *out, size_t out_size);

#endif
