/* SPDX-License-Identifier: BSD-2-Clause */
/* The C library subset of the image.
 *
 * Copies move 8 bytes per load/store and 64 per loop iteration: under TCG
 * (the default accelerator) that is about 5x faster than rep movsq and 40x
 * faster than rep movsb, while fills use rep stosq, the fastest there.
 * Everything here is built with no_libcall, so the compiler cannot turn a
 * loop back into a call to memcpy or memset (and may inline the helpers). */
#include "libc.h"

#include <stdint.h>

#define no_libcall __attribute__((optimize("no-tree-loop-distribute-patterns")))

typedef uint64_t __attribute__((aligned(1), may_alias)) word;

/* All eight loads before the stores: safe for overlapping blocks as long as
 * the copy walks away from the overlap. */
static inline void copy_block(unsigned char *d, const unsigned char *s)
{
    const word *sw = (const word *)s;
    word *dw = (word *)d;
    uint64_t w0 = sw[0], w1 = sw[1], w2 = sw[2], w3 = sw[3];
    uint64_t w4 = sw[4], w5 = sw[5], w6 = sw[6], w7 = sw[7];
    dw[0] = w0, dw[1] = w1, dw[2] = w2, dw[3] = w3;
    dw[4] = w4, dw[5] = w5, dw[6] = w6, dw[7] = w7;
}

static inline uint64_t load(const unsigned char *p)
{
    return *(const word *)p;
}

static inline void store(unsigned char *p, uint64_t v)
{
    *(word *)p = v;
}

/* Forward copy, safe when d <= s.  The last word is read before anything
 * is written and stored last, overlapping the words before it. */
no_libcall static void copy_forward(unsigned char *d, const unsigned char *s, size_t n)
{
    for (; n >= 64; n -= 64, d += 64, s += 64)
        copy_block(d, s);
    if (n < 8) {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
        return;
    }
    uint64_t last = load(s + n - 8);
    for (; n > 8; n -= 8, d += 8, s += 8)
        store(d, load(s));
    store(d + n - 8, last);
}

/* Backward copy, safe when d >= s: the mirror image of copy_forward. */
no_libcall static void copy_backward(unsigned char *d, const unsigned char *s, size_t n)
{
    for (; n >= 64; n -= 64)
        copy_block(d + n - 64, s + n - 64);
    if (n < 8) {
        while (n--)
            d[n] = s[n];
        return;
    }
    uint64_t first = load(s);
    for (; n > 8; n -= 8)
        store(d + n - 8, load(s + n - 8));
    store(d, first);
}

no_libcall void *memcpy(void *dst, const void *src, size_t n)
{
    copy_forward(dst, src, n);
    return dst;
}

no_libcall void *memmove(void *dst, const void *src, size_t n)
{
    if ((uintptr_t)dst - (uintptr_t)src >= n)
        copy_forward(dst, src, n); /* dst before src, or no overlap */
    else
        copy_backward(dst, src, n);
    return dst;
}

no_libcall void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    uint64_t pattern = (uint8_t)c * 0x0101010101010101ull;
    size_t words = n >> 3;
    __asm__ volatile("rep stosq\n\t"
                     "movq %3, %%rcx\n\t"
                     "rep stosb"
                     : "+D"(d), "+c"(words)
                     : "a"(pattern), "r"(n & 7)
                     : "memory");
    return dst;
}

no_libcall int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}

no_libcall size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

no_libcall int strcmp(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    while (*x && *x == *y) {
        x++;
        y++;
    }
    return *x - *y;
}

no_libcall int strncmp(const char *a, const char *b, size_t n)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] - y[i];
        if (!x[i])
            break;
    }
    return 0;
}

no_libcall char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}
