/* SPDX-License-Identifier: BSD-2-Clause */
/* The few libc facilities the core needs, and the barriers it uses.
 *
 * The core (virtio/, fuse/, vfs/) includes only <stdint.h>, <stddef.h>,
 * <stdbool.h>, <stdarg.h> and this header.  An embedder whose environment
 * lacks memcpy & co. defines VS_UTIL_OVERRIDE to the name of a header that
 * provides vs_memcpy, vs_memset, vs_memcmp, vs_strlen and the barriers. */
#ifndef VS_UTIL_H
#define VS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef VS_UTIL_OVERRIDE
#include VS_UTIL_OVERRIDE
#else

/* Every libc the library is built against (picolibc, newlib, gnu-efi's
 * runtime, the boot image's own) provides these four symbols.  (Only the
 * core's C uses them; C++ callers have their own declarations.) */
#ifndef __cplusplus
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
#endif

#define vs_memcpy(d, s, n) memcpy((d), (s), (n))
#define vs_memset(d, c, n) memset((d), (c), (n))
#define vs_memcmp(a, b, n) memcmp((a), (b), (n))
#define vs_strlen(s) strlen(s)

/* Ordering between the CPU and a device sharing memory (the virtqueue).
 * Sequentially consistent fences are stronger than needed on x86 but
 * correct everywhere a C11 compiler targets. */
#define vs_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define vs_rmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define vs_wmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

#define VS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define VS_MIN(a, b) ((a) < (b) ? (a) : (b))
#define VS_MAX(a, b) ((a) > (b) ? (a) : (b))
#define VS_ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))

#ifndef __cplusplus
/* Whether two NUL-terminated strings are equal. */
static inline bool vs_streq(const char *a, const char *b)
{
    size_t n = vs_strlen(a);
    return n == vs_strlen(b) && !vs_memcmp(a, b, n);
}
#endif

#endif
