/* SPDX-License-Identifier: BSD-2-Clause */
/* The line reader the boot-entry parsers share: lines of at most
 * BE_LINE_MAX bytes of UTF-8 text, anything else reported by line number. */
#include "bootentry.h"
#include "vs_util.h"

void be_report(const struct be_diag *d, unsigned line, const char *msg)
{
    if (d && d->report)
        d->report(d->ctx, line, msg);
}

bool be_copy(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        return false;
    vs_memcpy(dst, s, n);
    dst[n] = 0;
    return true;
}

/* Well-formed UTF-8 (RFC 3629): no overlong forms, surrogates or values
 * above U+10FFFF. */
static bool utf8_ok(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t more;
        uint32_t min, v;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            more = 1, min = 0x80, v = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            more = 2, min = 0x800, v = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            more = 3, min = 0x10000, v = c & 0x07;
        } else {
            return false;
        }
        if (n - i - 1 < more)
            return false;
        for (size_t k = 1; k <= more; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            v = v << 6 | (s[i + k] & 0x3f);
        }
        if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
            return false;
        i += more + 1;
    }
    return true;
}

static bool has_nul(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s[i])
            return true;
    return false;
}

bool be_next_line(struct be_lines *l, const char **line, size_t *len, bool *bad)
{
    if (l->p >= l->end)
        return false;
    const char *s = l->p, *e = s;
    while (e < l->end && *e != '\n')
        e++;
    l->p = e < l->end ? e + 1 : e;
    l->lineno++;
    size_t n = (size_t)(e - s);
    if (n && s[n - 1] == '\r')
        n--;
    *bad = true;
    *line = s;
    *len = 0;
    if (n > BE_LINE_MAX)
        be_report(l->d, l->lineno, "line longer than 4096 bytes");
    else if (has_nul(s, n))
        be_report(l->d, l->lineno, "NUL byte in the text (a binary file?)");
    else if (!utf8_ok((const uint8_t *)s, n))
        be_report(l->d, l->lineno, "not UTF-8 text");
    else
        *bad = false, *len = n;
    return true;
}
