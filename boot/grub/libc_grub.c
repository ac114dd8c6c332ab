/* SPDX-License-Identifier: BSD-2-Clause */
/* What the core (and the compiler, for 64-bit division on i386) needs
 * beyond the memcpy, memset and memcmp GRUB's kernel exports. */
#include <grub/misc.h>
#include "vs_util.h"

size_t strlen(const char *s)
{
    return grub_strlen(s);
}

#if defined(__i386__)
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t __udivdi3(uint64_t n, uint64_t d);

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem)
{
    grub_uint64_t r;
    uint64_t q = grub_divmod64(n, d, &r);
    if (rem)
        *rem = r;
    return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
    return grub_divmod64(n, d, NULL);
}
#endif
