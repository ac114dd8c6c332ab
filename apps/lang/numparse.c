/* SPDX-License-Identifier: BSD-2-Clause */
#include "numparse.h"

#include "vs_errno.h"
#include "vs_util.h"

int hex_digit_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

int parse_u64(const char *s, uint64_t *out)
{
    unsigned base = 10;
    if (!s)
        return -VS_EINVAL;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (*s == '\0')
        return -VS_EINVAL;
    uint64_t v = 0;
    bool overflow = false;
    for (; *s; s++) {
        int d = hex_digit_value(*s);
        if (d < 0 || d >= (int)base)
            return -VS_EINVAL;
        if (v > (UINT64_MAX - (uint64_t)d) / base)
            overflow = true;
        else
            v = v * base + (uint64_t)d;
    }
    if (overflow)
        return -VS_ERANGE;
    *out = v;
    return 0;
}
