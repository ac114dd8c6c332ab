/* SPDX-License-Identifier: BSD-2-Clause */
/* vs_snprintf / fmt_printf against the host libc's snprintf. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

/* Some cases below are deliberately odd formats (unknown conversions,
 * unused arguments): keep the compiler's format checker quiet about them. */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-truncation"

static int failures;
static char why[512];
static int bad; /* failures within the current case */

static void report(const char *name)
{
    if (bad)
        printf("FAIL %s: %s\n", name, why);
    else
        printf("PASS %s\n", name);
    failures += bad != 0;
    bad = 0;
}

static void mismatch(const char *fmt, const char *want, int wr, const char *got, int gr, size_t size)
{
    if (!bad)
        snprintf(why, sizeof why,
                 "fmt \"%s\" size %zu: want \"%.100s\" (%d), got \"%.100s\" (%d)%s", fmt, size,
                 want, wr, got, gr, strcmp(want, got) == 0 && wr == gr ? " (bytes past size differ)" : "");
    bad = 1;
}

/* Formats with both implementations at several buffer sizes and compares
 * text and return value.  The vs_ buffer is filled with a canary so that
 * writes past size are caught. */
#define CMP(fmt, ...)                                                              \
    do {                                                                           \
        static const size_t sizes_[] = { 0, 1, 2, 5, 17, 300 };                    \
        for (size_t i_ = 0; i_ < sizeof sizes_ / sizeof sizes_[0]; i_++) {         \
            size_t sz_ = sizes_[i_];                                               \
            char want_[320], got_[320];                                            \
            memset(want_, '#', sizeof want_);                                      \
            memset(got_, '#', sizeof got_);                                        \
            int wr_ = snprintf(sz_ ? want_ : NULL, sz_, fmt, __VA_ARGS__);         \
            int gr_ = vs_snprintf(sz_ ? got_ : NULL, sz_, fmt, __VA_ARGS__);       \
            if (wr_ != gr_ || memcmp(want_, got_, sizeof want_) != 0) {            \
                want_[sz_] = got_[sz_] = 0; /* show what lies within size */      \
                mismatch(fmt, want_, wr_, got_, gr_, sz_);                         \
            }                                                                      \
        }                                                                          \
    } while (0)

static const long long sv[] = { 0, 1, -1, 7, -42, 99, 255, 256, -256, 32767, -32768, 65535,
                                 123456789, INT_MAX, INT_MIN, (long long)UINT_MAX,
                                 LLONG_MAX, LLONG_MIN, 0x123456789abLL };

static void test_ints(void)
{
    static const char *ifmt[] = { "%d", "%i", "%5d", "%-5d|", "%05d", "%+d", "% d", "%+05d",
                                  "%.3d", "%8.3d", "%-8.3d|", "%08.3d", "%.0d", "%+.0d", "% 7d",
                                  "%-+7d|", "%1d", "[%*d]" };
    static const char *ufmt[] = { "%u", "%x", "%X", "%o", "%#x", "%#X", "%#o", "%08x", "%-8x|",
                                  "%.5x", "%#.5x", "%#08x", "%.0x", "%#.0o", "%#.0x", "%10u",
                                  "%-10o|", "%#10x" };
    for (size_t f = 0; f < sizeof ifmt / sizeof ifmt[0]; f++) {
        for (size_t v = 0; v < sizeof sv / sizeof sv[0]; v++) {
            if (strchr(ifmt[f], '*')) {
                CMP(ifmt[f], 6, (int)sv[v]);
                CMP(ifmt[f], -6, (int)sv[v]);
            } else {
                CMP(ifmt[f], (int)sv[v]);
            }
        }
    }
    report("int conversions with flags, width, precision");
    for (size_t f = 0; f < sizeof ufmt / sizeof ufmt[0]; f++)
        for (size_t v = 0; v < sizeof sv / sizeof sv[0]; v++)
            CMP(ufmt[f], (unsigned)sv[v]);
    report("unsigned conversions u x X o with flags");
}

static void test_lengths(void)
{
    for (size_t v = 0; v < sizeof sv / sizeof sv[0]; v++) {
        long long x = sv[v];
        CMP("%hhd %hhu %hhx", (int)(signed char)x, (unsigned)(unsigned char)x, (unsigned)(unsigned char)x);
        CMP("%hhd", (int)x); /* value wider than char: must be converted */
        CMP("%hd %hu %hx", (int)(short)x, (unsigned)(unsigned short)x, (unsigned)(unsigned short)x);
        CMP("%hd|%hu", (int)x, (unsigned)x);
        CMP("%ld %lu %lx %lo", (long)x, (unsigned long)x, (unsigned long)x, (unsigned long)x);
        CMP("%lld %llu %llx %llX %llo", x, (unsigned long long)x, (unsigned long long)x,
            (unsigned long long)x, (unsigned long long)x);
        CMP("%08llx|%-20lld|%+lli", (unsigned long long)x, x, x);
        CMP("%zu %zx %5zu", (size_t)x, (size_t)x, (size_t)x);
        CMP("%zd %zi", (ptrdiff_t)x, (ptrdiff_t)x);
        CMP("%jd %ju %jx", (intmax_t)x, (uintmax_t)x, (uintmax_t)x);
        CMP("%td %tx", (ptrdiff_t)x, (ptrdiff_t)x);
        CMP("%5lu|%-5lu|%05lu", (unsigned long)x, (unsigned long)x, (unsigned long)x);
    }
    CMP("%llu %lld %llx", ULLONG_MAX, LLONG_MIN, ULLONG_MAX);
    CMP("%#llo %#llx", ULLONG_MAX, ULLONG_MAX);
    report("length modifiers hh h l ll z j t");
}

static void test_strings(void)
{
    CMP("%s", "hello");
    CMP("[%10s]", "hello");
    CMP("[%-10s]", "hello");
    CMP("[%.3s]", "hello");
    CMP("[%10.3s]", "hello");
    CMP("[%-10.3s]", "hello");
    CMP("[%.0s]", "hello");
    CMP("[%.10s]", "hello");
    CMP("[%-20s]", "a longer string here");
    CMP("[%s]", "");
    CMP("[%3s]", "");
    CMP("[%*s|%-*s]", 8, "ab", 8, "cd");
    CMP("[%*s]", -8, "ab");
    CMP("[%.*s]", 2, "hello");
    CMP("[%.*s]", -1, "hello"); /* negative precision: as if none */
    CMP("%s %s %s", "a", "bb", "ccc");
    CMP("%s", "8-bit \xff\x80 bytes");
    report("%s with width and precision");

    CMP("[%c]", 'x');
    CMP("[%5c]", 'x');
    CMP("[%-5c]", 'x');
    CMP("[%c%c%c]", 'a', 'b', 'c');
    CMP("[%c]", 0x1ff); /* converted to unsigned char */
    CMP("[%c]", 0xe9);
    report("%c");

    CMP("100%%", 0);
    CMP("%%d %d %%", 5);
    CMP("%s", "no conversions at all");
    CMP("%d%s%d", 1, "-", 2);
    report("%% and literal text");
}

static void test_nul_in_buffer(void)
{
    /* A word that is not NUL-terminated, exactly sized so ASan catches an
     * over-read. */
    char *p = malloc(5);
    memcpy(p, "abcde", 5);
    char got[32];
    int r = vs_snprintf(got, sizeof got, "<%.*s>", 5, p);
    if (r != 7 || strcmp(got, "<abcde>") != 0) {
        bad = 1;
        snprintf(why, sizeof why, "got \"%s\" (%d)", got, r);
    }
    r = vs_snprintf(got, sizeof got, "<%.3s>", p);
    if (r != 5 || strcmp(got, "<abc>") != 0) {
        bad = 1;
        snprintf(why, sizeof why, "got \"%s\" (%d)", got, r);
    }
    free(p);
    report("%.*s reads no further than the precision");
}

static void test_pointer(void)
{
    int x;
    void *ptrs[] = { &x, (void *)(uintptr_t)0x1000, (void *)(uintptr_t)UINTPTR_MAX, NULL };
    for (size_t i = 0; i < 4; i++) {
        CMP("%p", ptrs[i]);
        CMP("[%20p]", ptrs[i]);
        CMP("[%-20p]", ptrs[i]);
    }
    report("%p (glibc style, (nil) for NULL)");
}

static void test_truncation(void)
{
    char buf[8];
    memset(buf, 'Z', sizeof buf);
    int r = vs_snprintf(buf, 4, "%s", "abcdefgh");
    if (r != 8 || memcmp(buf, "abc\0ZZZZ", 8) != 0) {
        bad = 1;
        snprintf(why, sizeof why, "size 4: r=%d buf=%.8s", r, buf);
    }
    memset(buf, 'Z', sizeof buf);
    r = vs_snprintf(buf, 1, "%d", 12345);
    if (r != 5 || buf[0] != '\0' || buf[1] != 'Z') {
        bad = 1;
        snprintf(why, sizeof why, "size 1: r=%d", r);
    }
    r = vs_snprintf(NULL, 0, "%0500d", 1);
    if (r != 500) {
        bad = 1;
        snprintf(why, sizeof why, "size 0 long: r=%d", r);
    }
    report("truncation, NUL termination, length returned");
}

struct acc {
    char *buf;
    size_t len, cap;
    int calls;
    size_t max_chunk;
};

static void acc_write(void *ctx, const char *s, size_t n)
{
    struct acc *a = ctx;
    a->calls++;
    if (n > a->max_chunk)
        a->max_chunk = n;
    if (a->len + n + 1 > a->cap) {
        a->cap = (a->len + n + 1) * 2;
        a->buf = realloc(a->buf, a->cap);
    }
    memcpy(a->buf + a->len, s, n);
    a->len += n;
    a->buf[a->len] = 0;
}

static void test_stream(void)
{
    struct acc a = { 0 };
    struct fmt_out o = { acc_write, &a };
    /* Longer than any internal buffer: 5000-wide fields, a long string. */
    char *big = malloc(10001);
    for (int i = 0; i < 10000; i++)
        big[i] = (char)('a' + i % 26);
    big[10000] = 0;
    int r = fmt_printf(&o, "start %d [%5000s] [%-5000x] %s end %llu %c", 42, "w", 0xabcu, big,
                       18446744073709551615ull, 'q');
    size_t want_len = (size_t)snprintf(NULL, 0, "start %d [%5000s] [%-5000x] %s end %llu %c", 42, "w",
                                       0xabcu, big, 18446744073709551615ull, 'q');
    char *want = malloc(want_len + 1);
    snprintf(want, want_len + 1, "start %d [%5000s] [%-5000x] %s end %llu %c", 42, "w", 0xabcu, big,
             18446744073709551615ull, 'q');
    if (r < 0 || (size_t)r != want_len || a.len != want_len || memcmp(a.buf, want, want_len) != 0) {
        bad = 1;
        snprintf(why, sizeof why, "r=%d len=%zu want %zu", r, a.len, want_len);
    } else if (a.calls < 2) {
        bad = 1;
        snprintf(why, sizeof why, "output came in %d call(s)", a.calls);
    }
    report("fmt_printf streams long output in chunks");

    a.len = 0;
    a.calls = 0;
    r = fmt_printf(&o, "%s", "");
    if (r != 0 || a.len != 0) {
        bad = 1;
        snprintf(why, sizeof why, "empty output: r=%d len=%zu", r, a.len);
    }
    r = fmt_printf(&o, "x=%d\n", 3);
    if (r != 4 || a.len != 4 || memcmp(a.buf, "x=3\n", 4) != 0) {
        bad = 1;
        snprintf(why, sizeof why, "short output: r=%d len=%zu", r, a.len);
    }
    struct fmt_out counter = { NULL, NULL };
    r = fmt_printf(&counter, "%100d", 1);
    if (r != 100) {
        bad = 1;
        snprintf(why, sizeof why, "NULL write counts: r=%d", r);
    }
    report("fmt_printf short output and count-only sink");
    free(want);
    free(big);
    free(a.buf);
}

static void test_unknown(void)
{
    char buf[64];
    int r = vs_snprintf(buf, sizeof buf, "a%kb%", 1);
    /* The unknown %k is copied, a trailing lone % is copied. */
    if (r != (int)strlen(buf) || strcmp(buf, "a%kb%") != 0) {
        bad = 1;
        snprintf(why, sizeof why, "got \"%s\" (%d)", buf, r);
    }
    report("unknown conversion copied literally");
}

int main(void)
{
    test_ints();
    test_lengths();
    test_strings();
    test_nul_in_buffer();
    test_pointer();
    test_truncation();
    test_stream();
    test_unknown();
    return failures ? 1 : 0;
}
