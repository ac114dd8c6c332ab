/* SPDX-License-Identifier: BSD-2-Clause */
/* loader/loader.conf of the Boot Loader Specification (the keys of
 * systemd-boot's loader.conf that choose the default entry and the
 * countdown), and the glob its `default` is written in. */
#include "bootentry.h"
#include "numparse.h"
#include "vs_errno.h"
#include "vs_util.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool word_is(const char *w, size_t n, const char *want)
{
    return vs_strlen(want) == n && !vs_memcmp(w, want, n);
}

int loader_conf_parse(const char *text, size_t len, struct loader_conf *c, const struct be_diag *d)
{
    c->default_glob[0] = 0;
    c->timeout = BE_TIMEOUT_UNSET;
    struct be_lines l = {text, text + len, 0, d};
    const char *s;
    size_t n;
    bool bad;
    int err = 0;
    while (be_next_line(&l, &s, &n, &bad)) {
        if (bad) {
            err = -VS_EINVAL; /* reported; the other lines still count */
            continue;
        }
        size_t i = 0;
        while (i < n && is_blank(s[i]))
            i++;
        const char *key = s + i;
        while (i < n && !is_blank(s[i]))
            i++;
        size_t klen = (size_t)(s + i - key);
        while (i < n && is_blank(s[i]))
            i++;
        while (n > i && is_blank(s[n - 1]))
            n--;
        const char *v = s + i;
        size_t vlen = n - i;
        if (word_is(key, klen, "default")) {
            if (!be_copy(c->default_glob, sizeof(c->default_glob), v, vlen)) {
                be_report(d, l.lineno, "default pattern too long");
                err = -VS_EINVAL;
            }
        } else if (word_is(key, klen, "timeout")) {
            char num[24];
            uint64_t secs;
            if (word_is(v, vlen, "menu-force"))
                c->timeout = BE_TIMEOUT_FOREVER;
            else if (word_is(v, vlen, "menu-hidden") || word_is(v, vlen, "menu-disabled"))
                c->timeout = 0;
            else if (be_copy(num, sizeof(num), v, vlen) && !parse_u64(num, &secs) && secs <= 86400)
                c->timeout = (int)secs;
            else {
                be_report(d, l.lineno, "timeout is not a number of seconds (0 to 86400) nor menu-force");
                err = -VS_EINVAL;
            }
        }
    }
    return err;
}

/* A [...] class at p (after the '['): whether it holds c; *end past ']'.
 * False with *end NULL when the class is not closed (the '[' is then a
 * plain character). */
static bool class_has(const char *p, char c, const char **end)
{
    bool neg = *p == '!' || *p == '^', in = false;
    if (neg)
        p++;
    const char *start = p;
    for (; *p && (*p != ']' || p == start); p++) {
        if (p[1] == '-' && p[2] && p[2] != ']') {
            in = in || ((unsigned char)c >= (unsigned char)p[0] && (unsigned char)c <= (unsigned char)p[2]);
            p += 2;
        } else {
            in = in || c == *p;
        }
    }
    if (!*p) {
        *end = NULL;
        return false;
    }
    *end = p + 1;
    return in != neg;
}

bool be_glob(const char *p, const char *s)
{
    /* Backtracking to the last '*' only: linear enough for short names. */
    const char *star = NULL, *resume = NULL;
    while (*s) {
        const char *end = NULL;
        if (*p == '*') {
            star = ++p;
            resume = s;
            continue;
        }
        if (*p == '?' || (*p == '[' && class_has(p + 1, *s, &end)) || (*p != '[' && *p == *s) ||
            (*p == '[' && !end && *s == '[')) {
            p = end ? end : p + 1;
            s++;
            continue;
        }
        if (!star)
            return false;
        p = star;
        s = ++resume;
    }
    while (*p == '*')
        p++;
    return !*p;
}
