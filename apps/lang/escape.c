/* SPDX-License-Identifier: BSD-2-Clause */
#include "escape.h"

#include <stdbool.h>

#include "vs_util.h"

static inline bool needs_escape(unsigned char b)
{
    return b < 0x21 || b > 0x7e || b == '\\';
}

size_t escape_len(const char *s, size_t n)
{
    size_t len = n;
    for (size_t i = 0; i < n; i++)
        if (needs_escape((unsigned char)s[i]))
            len += 3;
    return len;
}

size_t escape_bytes(const char *s, size_t n, char *out, size_t out_size)
{
    static const char hex[] = "0123456789abcdef";
    size_t len = 0;   /* full length so far */
    size_t w = 0;     /* bytes stored */
    bool full = out_size == 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        if (needs_escape(b)) {
            len += 4;
            if (!full && w + 4 < out_size) {
                out[w++] = '\\';
                out[w++] = 'x';
                out[w++] = hex[b >> 4];
                out[w++] = hex[b & 15];
            } else {
                full = true;
            }
        } else {
            len += 1;
            if (!full && w + 1 < out_size)
                out[w++] = (char)b;
            else
                full = true;
        }
    }
    if (out_size)
        out[w] = '\0';
    return len;
}
