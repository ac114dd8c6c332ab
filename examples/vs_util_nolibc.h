/* SPDX-License-Identifier: BSD-2-Clause */
/* For building the core with no C library at all (make check-ports, the
 * x86-64 "nolibc" port): the four functions vs_util.h otherwise takes from
 * libc, as plain loops, selected with -DVS_UTIL_OVERRIDE='"vs_util_nolibc.h"'.
 * (The compiler may still emit calls to memcpy/memset/memmove/memcmp for
 * large struct copies: GCC requires them even when freestanding.) */
#ifndef VS_UTIL_NOLIBC_H
#define VS_UTIL_NOLIBC_H

static inline void *vs_memcpy_loop(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    while (n--)
        *dp++ = *sp++;
    return d;
}

static inline void *vs_memset_loop(void *d, int c, size_t n)
{
    unsigned char *dp = d;
    while (n--)
        *dp++ = (unsigned char)c;
    return d;
}

static inline int vs_memcmp_loop(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}

static inline size_t vs_strlen_loop(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

#define vs_memcpy(d, s, n) vs_memcpy_loop((d), (s), (n))
#define vs_memset(d, c, n) vs_memset_loop((d), (c), (n))
#define vs_memcmp(a, b, n) vs_memcmp_loop((a), (b), (n))
#define vs_strlen(s) vs_strlen_loop(s)

#define vs_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define vs_rmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define vs_wmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#endif
