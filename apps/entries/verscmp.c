/* SPDX-License-Identifier: BSD-2-Clause */
/* The UAPI version comparison, written from the specification's rules:
 * characters other than [A-Za-z0-9~^.-] are skipped; then, repeatedly,
 *   '~' sorts before everything, even the end of the string;
 *   the end of the string sorts before any other segment;
 *   '-' sorts before '^', '.' and alphanumerics ("1-2" < "1.1");
 *   '^' sorts after '.' and alphanumerics;
 *   '.' sorts before alphanumerics;
 *   numbers sort after letters and compare numerically (leading zeros
 *   ignored); letters compare byte by byte, a prefix first. */
#include "verscmp.h"

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_valid(char c)
{
    return is_digit(c) || is_alpha(c) || c == '~' || c == '-' || c == '^' || c == '.';
}

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

/* The separator sep at *a and *b: when only one string has it, the result
 * (has_older -1: the one with it is older; 1: newer); else 0, and both step
 * over it if they have it. */
static int separator(const char **a, const char **b, char sep, int has_older)
{
    int ha = **a == sep, hb = **b == sep;
    if (ha != hb)
        return ha ? has_older : -has_older;
    if (ha) {
        (*a)++;
        (*b)++;
    }
    return 0;
}

int verscmp(const char *a, const char *b)
{
    for (;;) {
        while (*a && !is_valid(*a))
            a++;
        while (*b && !is_valid(*b))
            b++;
        int r = separator(&a, &b, '~', -1);
        if (r)
            return r;
        if (!*a || !*b)
            return (*a != 0) - (*b != 0);
        if ((r = separator(&a, &b, '-', -1)) || (r = separator(&a, &b, '^', 1)) ||
            (r = separator(&a, &b, '.', -1)))
            return r;
        const char *ea = a, *eb = b;
        if (is_digit(*a) != is_digit(*b))
            return is_digit(*a) ? 1 : -1; /* "0" too is newer than "a" */
        if (is_digit(*a)) {
            while (*a == '0')
                a++;
            while (*b == '0')
                b++;
            for (ea = a; is_digit(*ea); ea++)
                ;
            for (eb = b; is_digit(*eb); eb++)
                ;
            if (ea - a != eb - b)
                return ea - a > eb - b ? 1 : -1;
            for (; a < ea; a++, b++)
                if (*a != *b)
                    return sign(*a - *b);
        } else {
            for (ea = a; is_alpha(*ea); ea++)
                ;
            for (eb = b; is_alpha(*eb); eb++)
                ;
            for (; a < ea && b < eb; a++, b++)
                if (*a != *b)
                    return sign((unsigned char)*a - (unsigned char)*b);
            if ((a < ea) != (b < eb))
                return a < ea ? 1 : -1;
        }
        a = ea;
        b = eb;
    }
}
