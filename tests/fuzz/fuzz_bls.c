/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for the Boot Loader Specification parsers: a BLS Type #1
 * entry (apps/entries/bls.c), loader.conf and its glob (apps/entries/loaderconf.c) and the
 * version comparison (apps/entries/verscmp.c).
 *
 * The input is copied into a heap block of exactly its size, so a read past
 * it is an AddressSanitizer report.  Checked: bls_parse returns 0 or -EINVAL,
 * reports exactly when it fails (once) and names a line of the input; every
 * field it fills is NUL-terminated inside its array; loader_conf_parse's
 * timeout is a number of seconds or one of the two markers; verscmp of two
 * halves of the input is antisymmetric and verscmp(x, x) == 0; be_glob of a
 * name against itself without special characters matches; verscmp and
 * bls_order (entries made of the input's thirds, fields split at '|') are
 * transitive, which the bounded choice of menu entries relies on.
 *
 *   make fuzz   (or: build/fuzz/fuzz_bls tests/fuzz/corpus/bls)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bootentry.h"
#include "verscmp.h"
#include "vs_errno.h"

#define REQUIRE(c)       \
    do {                 \
        if (!(c))        \
            abort();     \
    } while (0)

struct seen {
    int n;
    unsigned max_line;
};

static void record(void *ctx, unsigned line, const char *msg)
{
    struct seen *s = ctx;
    REQUIRE(msg && *msg);
    s->n++;
    s->max_line = line > s->max_line ? line : s->max_line;
}

static void terminated(const char *s, size_t cap)
{
    REQUIRE(memchr(s, 0, cap) != NULL);
}

static unsigned count_lines(const char *t, size_t n)
{
    unsigned lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += t[i] == '\n';
    return lines + (n && t[n - 1] != '\n');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *t = malloc(size ? size : 1);
    memcpy(t, data, size);
    unsigned lines = count_lines(t, size);

    static struct boot_entry e;
    struct seen s = {0};
    struct be_diag d = {record, &s};
    int r = bls_parse(t, size, "fuzz.conf", &e, &d);
    REQUIRE(r == 0 || r == -VS_EINVAL);
    REQUIRE(r == 0 ? s.n == 0 : s.n == 1);
    REQUIRE(s.max_line <= lines);
    if (r == 0) {
        REQUIRE(e.linux_path[0] || e.efi[0]);
        REQUIRE(e.ninitrd <= BE_INITRDS);
        terminated(e.title, sizeof e.title);
        terminated(e.version, sizeof e.version);
        terminated(e.options, sizeof e.options);
        terminated(e.linux_path, sizeof e.linux_path);
        for (unsigned i = 0; i < e.ninitrd; i++)
            terminated(e.initrd[i], sizeof e.initrd[i]);
    }

    struct loader_conf c;
    s = (struct seen){0};
    r = loader_conf_parse(t, size, &c, &d);
    REQUIRE(r == 0 ? s.n == 0 : s.n >= 1);
    REQUIRE(s.max_line <= lines);
    REQUIRE(c.timeout >= 0 || c.timeout == BE_TIMEOUT_UNSET || c.timeout == BE_TIMEOUT_FOREVER);
    terminated(c.default_glob, sizeof c.default_glob);

    /* Two NUL-terminated halves for verscmp and the glob. */
    char *a = malloc(size / 2 + 1), *b = malloc(size - size / 2 + 1);
    memcpy(a, data, size / 2);
    a[size / 2] = 0;
    memcpy(b, data + size / 2, size - size / 2);
    b[size - size / 2] = 0;
    int ab = verscmp(a, b), ba = verscmp(b, a);
    REQUIRE((ab > 0) == (ba < 0) && (ab == 0) == (ba == 0));
    REQUIRE(verscmp(a, a) == 0);
    be_glob(a, b);
    if (!strpbrk(a, "*?["))
        REQUIRE(be_glob(a, a));
    free(a);
    free(b);

    /* Three strings, and three entries "sort-key|machine-id|version|id". */
    char *s3[3];
    static struct boot_entry e3[3];
    for (int i = 0; i < 3; i++) {
        size_t from = size * (size_t)i / 3, to = size * (size_t)(i + 1) / 3;
        s3[i] = malloc(to - from + 1);
        memcpy(s3[i], data + from, to - from);
        s3[i][to - from] = 0;
        memset(&e3[i], 0, sizeof e3[i]);
        char *fields[4] = {e3[i].sort_key, e3[i].machine_id, e3[i].version, e3[i].id};
        const char *p = s3[i];
        for (int f = 0; f < 4; f++) {
            size_t n = 0;
            while (p[n] && p[n] != '|' && n < BE_TEXT - 1)
                n++;
            memcpy(fields[f], p, n);
            p += n + (p[n] == '|');
        }
    }
    for (int i = 0; i < 3; i++) {
        REQUIRE(bls_order(&e3[i], &e3[i]) == 0);
        for (int j = 0; j < 3; j++) {
            int ij = bls_order(&e3[i], &e3[j]), ji = bls_order(&e3[j], &e3[i]);
            REQUIRE((ij > 0) == (ji < 0) && (ij == 0) == (ji == 0));
            for (int k = 0; k < 3; k++) {
                if (verscmp(s3[i], s3[j]) <= 0 && verscmp(s3[j], s3[k]) <= 0)
                    REQUIRE(verscmp(s3[i], s3[k]) <= 0);
                if (ij <= 0 && bls_order(&e3[j], &e3[k]) <= 0)
                    REQUIRE(bls_order(&e3[i], &e3[k]) <= 0);
            }
        }
    }
    for (int i = 0; i < 3; i++)
        free(s3[i]);
    free(t);
    return 0;
}
