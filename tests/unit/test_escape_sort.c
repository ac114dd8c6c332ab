/* SPDX-License-Identifier: BSD-2-Clause */
/* Manifest escaping (SPEC section 5), vs_sort, vs_sort_ptrs and bytes_cmp. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "escape.h"
#include "sort.h"

static void esc_case(const char *name, const char *in, size_t n, const char *want)
{
    char out[512], why[1200];
    memset(out, 'Z', sizeof out);
    size_t r = escape_bytes(in, n, out, sizeof out);
    size_t l = escape_len(in, n);
    snprintf(why, sizeof why, "want \"%s\" (%zu), got \"%s\" (ret %zu, escape_len %zu)", want,
             strlen(want), out, r, l);
    check(name, strcmp(out, want) == 0 && r == strlen(want) && l == r, why);
}

static void test_escape(void)
{
    esc_case("printable ASCII unchanged", "dir/file-1.txt", 14, "dir/file-1.txt");
    esc_case("space escaped", "a b", 3, "a\\x20b");
    esc_case("backslash escaped", "a\\b", 3, "a\\x5cb");
    esc_case("control and DEL escaped", "\x01\t\n\x7f", 4, "\\x01\\x09\\x0a\\x7f");
    esc_case("high bytes lower-case hex", "caf\xc3\xa9\xff", 6, "caf\\xc3\\xa9\\xff");
    esc_case("edges 0x21 and 0x7e kept", "!~\"", 3, "!~\"");
    esc_case("embedded NUL escaped", "a\0b", 3, "a\\x00b");
    esc_case("empty input", "", 0, "");

    /* Every byte value: exactly the bytes outside 0x21..0x7e and '\' grow. */
    char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (char)i;
    size_t want = 0;
    for (int i = 0; i < 256; i++)
        want += (i < 0x21 || i > 0x7e || i == '\\') ? 4 : 1;
    char out[1100];
    size_t r = escape_bytes(all, 256, out, sizeof out);
    char why[200];
    snprintf(why, sizeof why, "ret %zu want %zu", r, want);
    int ok = r == want && escape_len(all, 256) == want && strlen(out) == want;
    /* And it decodes back. */
    size_t j = 0;
    for (size_t i = 0; ok && i < 256; i++) {
        unsigned v;
        if (out[j] == '\\') {
            ok = sscanf(out + j, "\\x%2x", &v) == 1 && v == i && out[j + 2] >= '0' &&
                 !(out[j + 2] >= 'A' && out[j + 2] <= 'F') && !(out[j + 3] >= 'A' && out[j + 3] <= 'F');
            j += 4;
        } else {
            ok = (unsigned char)out[j] == i;
            j++;
        }
        if (!ok)
            snprintf(why, sizeof why, "byte %zu round trip fails near \"%.8s\"", i, out + j - 1);
    }
    check("all 256 byte values, round trip", ok, why);

    /* Truncation: like snprintf, never half an escape, always NUL. */
    char small[8];
    memset(small, 'Z', sizeof small);
    r = escape_bytes("ab cd", 5, small, 6); /* "ab\x20cd" needs 8 */
    snprintf(why, sizeof why, "got \"%s\" ret %zu", small, r);
    check("truncated output: whole escapes only, NUL, full length returned",
          r == 8 && strcmp(small, "ab") == 0 && small[6] == 'Z', why);
    memset(small, 'Z', sizeof small);
    r = escape_bytes("abc", 3, small, 3);
    snprintf(why, sizeof why, "got \"%s\" ret %zu", small, r);
    check("truncated plain output", r == 3 && strcmp(small, "ab") == 0 && small[3] == 'Z', why);
    r = escape_bytes("a b", 3, NULL, 0);
    snprintf(why, sizeof why, "ret %zu", r);
    check("size 0 computes the length only", r == 6, why);
    memset(small, 'Z', sizeof small);
    r = escape_bytes(" ", 1, small, 5);
    snprintf(why, sizeof why, "got \"%s\" ret %zu", small, r);
    check("exact fit", r == 4 && strcmp(small, "\\x20") == 0, why);
}

static int int_cmp(const void *a, const void *b, void *arg)
{
    int x = *(const int *)a, y = *(const int *)b;
    (*(long *)arg)++;
    return x < y ? -1 : x > y;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Element i of n of a test input of the given kind (0..5). */
static int sample(int kind, size_t i, size_t n)
{
    switch (kind) {
    case 0: return (int)(next_rand() % 1000000); /* random */
    case 1: return (int)i;                       /* sorted */
    case 2: return (int)(n - i);                 /* reversed */
    case 3: return 7;                            /* all equal */
    case 4: return (int)(next_rand() % 3) - 1;   /* few values */
    default: return (int)(i % 10 ? i : i / 2);   /* sorted, a few out of place */
    }
}

static void test_sort_ints(void)
{
    static const size_t sizes[] = { 0, 1, 2, 3, 4, 5, 7, 8, 16, 31, 100, 1000, 30000 };
    char why[200] = "";
    int ok = 1;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        for (int kind = 0; kind < 5; kind++) {
            int *a = malloc((n ? n : 1) * sizeof *a);
            long hist_in[64] = { 0 }, hist_out[64] = { 0 };
            for (size_t i = 0; i < n; i++) {
                a[i] = sample(kind, i, n);
                hist_in[(unsigned)a[i] % 64]++;
            }
            long calls = 0;
            vs_sort(a, n, sizeof *a, int_cmp, &calls);
            for (size_t i = 0; i < n; i++) {
                hist_out[(unsigned)a[i] % 64]++;
                if (i && a[i - 1] > a[i] && ok) {
                    ok = 0;
                    snprintf(why, sizeof why, "n=%zu kind=%d: a[%zu]=%d > a[%zu]=%d", n, kind, i - 1,
                             a[i - 1], i, a[i]);
                }
            }
            if (memcmp(hist_in, hist_out, sizeof hist_in) != 0 && ok) {
                ok = 0;
                snprintf(why, sizeof why, "n=%zu kind=%d: elements changed", n, kind);
            }
            /* Heapsort bound: about 2 n log2 n comparisons. */
            long bound = 16;
            for (size_t m = n; m > 1; m >>= 1)
                bound += 2 * (long)n + 2;
            if (calls > bound && ok) {
                ok = 0;
                snprintf(why, sizeof why, "n=%zu kind=%d: %ld comparisons > %ld", n, kind, calls, bound);
            }
            free(a);
        }
    }
    check("vs_sort ints: sorted, permutation, O(n log n) comparisons", ok, why);
}

static int int_ptr_cmp(const void *a, const void *b, void *arg)
{
    return int_cmp(a, b, arg); /* the pointers themselves point at the ints */
}

static void test_sort_ptrs(void)
{
    static const size_t sizes[] = { 0, 1, 2, 3, 4, 5, 7, 8, 16, 31, 100, 1000, 30000 };
    char why[200] = "", why_runs[200] = "";
    int ok = 1, ok_runs = 1;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        for (int kind = 0; kind < 6; kind++) {
            int *a = malloc((n ? n : 1) * sizeof *a);
            const void **v = malloc((n ? n : 1) * sizeof *v), **tmp = malloc((n ? n : 1) * sizeof *tmp);
            char *seen = calloc(n ? n : 1, 1);
            for (size_t i = 0; i < n; i++) {
                a[i] = sample(kind, i, n);
                v[i] = &a[i];
            }
            long calls = 0;
            vs_sort_ptrs(v, n, int_ptr_cmp, &calls, tmp);
            for (size_t i = 0; i < n && ok; i++) {
                const int *p = v[i], *q = i ? v[i - 1] : NULL;
                size_t at = (size_t)(p - a);
                if (at >= n || seen[at]) {
                    ok = 0;
                    snprintf(why, sizeof why, "n=%zu kind=%d: v[%zu] lost or duplicated", n, kind, i);
                } else if (q && (*q > *p || (*q == *p && q > p))) {
                    ok = 0;
                    snprintf(why, sizeof why, "n=%zu kind=%d: v[%zu]=%d (a[%td]) before v[%zu]=%d (a[%td])", n,
                             kind, i - 1, *q, q - a, i, *p, p - a);
                }
                if (at < n)
                    seen[at] = 1;
            }
            /* Each pass: at most n comparisons finding runs and n merging. */
            long bound = 16;
            for (size_t m = n; m > 1; m >>= 1)
                bound += 2 * (long)n;
            if (calls > bound + 4 * (long)n && ok) {
                ok = 0;
                snprintf(why, sizeof why, "n=%zu kind=%d: %ld comparisons > %ld", n, kind, calls,
                         bound + 4 * (long)n);
            }
            if ((kind == 1 || kind == 2 || kind == 3) && calls != (long)(n ? n - 1 : 0) && ok_runs) {
                ok_runs = 0;
                snprintf(why_runs, sizeof why_runs, "n=%zu kind=%d: %ld comparisons, want %zu", n, kind, calls,
                         n ? n - 1 : 0);
            }
            free(a);
            free(v);
            free(tmp);
            free(seen);
        }
    }
    check("vs_sort_ptrs: sorted, a stable permutation, O(n log n) comparisons", ok, why);
    check("vs_sort_ptrs: sorted, reversed or equal input costs n - 1 comparisons", ok_runs, why_runs);
}

struct entry {
    char name[24];
    uint16_t len;
    uint32_t tag;
    char pad[3]; /* odd element size */
};

static int entry_cmp(const void *a, const void *b, void *arg)
{
    const struct entry *x = a, *y = b;
    (void)arg;
    return bytes_cmp(x->name, x->len, y->name, y->len);
}

static void test_sort_structs(void)
{
    enum { N = 5000 };
    struct entry *e = malloc(N * sizeof *e);
    uint64_t tagsum = 0;
    for (size_t i = 0; i < N; i++) {
        e[i].len = (uint16_t)(next_rand() % 6);
        for (size_t k = 0; k < e[i].len; k++) {
            static const char pick[] = { 'a', 'b', '/', '\x00', '\x7f', '\x80', '\xff', ' ' };
            e[i].name[k] = pick[next_rand() % 8];
        }
        e[i].tag = (uint32_t)i;
        tagsum += i;
    }
    vs_sort(e, N, sizeof *e, entry_cmp, NULL);
    int ok = 1;
    uint64_t sum = 0;
    char why[200] = "";
    for (size_t i = 0; i < N; i++) {
        sum += e[i].tag;
        if (i && bytes_cmp(e[i - 1].name, e[i - 1].len, e[i].name, e[i].len) > 0 && ok) {
            ok = 0;
            snprintf(why, sizeof why, "entries %zu and %zu out of order", i - 1, i);
        }
    }
    if (sum != tagsum && ok) {
        ok = 0;
        snprintf(why, sizeof why, "elements lost or duplicated");
    }
    check("vs_sort structs of odd size by raw name bytes", ok, why);
    free(e);
}

static void test_bytes_cmp(void)
{
    static const struct {
        const char *a;
        size_t an;
        const char *b;
        size_t bn;
        int want;
    } c[] = {
        { "", 0, "", 0, 0 },
        { "a", 1, "a", 1, 0 },
        { "a", 1, "b", 1, -1 },
        { "b", 1, "a", 1, 1 },
        { "ab", 2, "abc", 3, -1 },   /* prefix first */
        { "abc", 3, "ab", 2, 1 },
        { "", 0, "a", 1, -1 },
        { "a\x80", 2, "a\x7f", 2, 1 }, /* unsigned bytes */
        { "\xff", 1, "a", 1, 1 },
        { "a/b", 3, "a.b", 3, 1 },   /* '/' (0x2f) after '.' (0x2e) */
        { "a b", 3, "a/b", 3, -1 },
        { "a\0b", 3, "a", 1, 1 },    /* embedded NUL is a byte */
        { "a\0", 2, "a\x01", 2, -1 },
        { "dir", 3, "dir/x", 5, -1 },
        { "dir-a", 5, "dir/x", 5, -1 },
    };
    int ok = 1;
    char why[200] = "";
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        int r = bytes_cmp(c[i].a, c[i].an, c[i].b, c[i].bn);
        int sign = (r > 0) - (r < 0);
        if (sign != c[i].want && ok) {
            ok = 0;
            snprintf(why, sizeof why, "case %zu: got %d want %d", i, r, c[i].want);
        }
    }
    check("bytes_cmp unsigned, prefix first", ok, why);
}

int main(void)
{
    test_escape();
    test_bytes_cmp();
    test_sort_ints();
    test_sort_ptrs();
    test_sort_structs();
    return failures ? 1 : 0;
}
