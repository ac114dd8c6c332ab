/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for the command-language tokenizer (apps/lang/cmdparse.c)
 * and the number parser (apps/lang/numparse.c).
 *
 * The input (up to its first NUL) is a command line.  It is copied into a
 * heap block of exactly its length + 1, so any access past the NUL is an
 * AddressSanitizer report, and tokenized with cmd_next until the end or an
 * error.  Checked for every command:
 *   - the return value is 1, 0, -EINVAL or -E2BIG; 1 <= argc <= 64 and
 *     argv[argc] == NULL; *pos advances and stays inside the line;
 *   - every argv word starts inside the line and its NUL lies inside the
 *     line; words do not overlap and come in order;
 *   - after an error *pos is at the end of the line and the next call
 *     returns 0;
 *   - the words are exactly what an independent reference tokenizer (written
 *     here from the rules in cmdparse.h) makes of the original line, error
 *     for error.
 * Every word, and the raw input, also goes through parse_u64, compared with
 * a reference.
 *
 *   make fuzz   (or: build/fuzz/fuzz_cmdparse tests/fuzz/corpus/cmdparse)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdparse.h"
#include "numparse.h"
#include "vs_errno.h"

#define REQUIRE(c)       \
    do {                 \
        if (!(c))        \
            abort();     \
    } while (0)

/* ---- Reference tokenizer ------------------------------------------------ */

struct ref_cmd {
    int argc;
    char *argv[CMD_MAX_WORDS];
    size_t lens[CMD_MAX_WORDS];
    bool may_fail;
};

static bool ref_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int ref_hex(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses the next command of s[*i..n) into c (words in out, a scratch
 * buffer of n + 1 bytes per call).  Returns like cmd_next. */
static int ref_next(const unsigned char *s, size_t n, size_t *i, struct ref_cmd *c, char *out)
{
    size_t o = 0;
    c->argc = 0;
    c->may_fail = false;
    for (;;) {
        while (*i < n && ref_blank(s[*i]))
            (*i)++;
        if (*i == n) {
            if (c->argc)
                break;
            return 0;
        }
        if (s[*i] == ';') {
            (*i)++;
            if (c->argc)
                break;
            continue;
        }
        if (c->argc == CMD_MAX_WORDS)
            return -VS_E2BIG;
        char *w = out + o;
        size_t wl = 0;
        bool q = false;
        while (*i < n) {
            unsigned char ch = s[*i];
            if (!q && (ref_blank(ch) || ch == ';'))
                break;
            if (ch == '"') {
                q = !q;
                (*i)++;
            } else if (ch == '\\') {
                if (*i + 1 < n && s[*i + 1] == '\\') {
                    w[wl++] = '\\';
                    *i += 2;
                } else if (*i + 3 < n && s[*i + 1] == 'x' && ref_hex(s[*i + 2]) >= 0 &&
                           ref_hex(s[*i + 3]) >= 0) {
                    int v = ref_hex(s[*i + 2]) * 16 + ref_hex(s[*i + 3]);
                    if (v == 0)
                        return -VS_EINVAL;
                    w[wl++] = (char)v;
                    *i += 4;
                } else {
                    return -VS_EINVAL;
                }
            } else {
                w[wl++] = (char)ch;
                (*i)++;
            }
        }
        if (q)
            return -VS_EINVAL;
        w[wl] = '\0';
        o += wl + 1;
        c->argv[c->argc] = w;
        c->lens[c->argc] = wl;
        c->argc++;
        if (*i < n) {
            unsigned char end = s[*i];
            (*i)++;
            if (end == ';')
                break;
        }
    }
    if (c->argv[0][0] == '-' && c->argv[0][1] != '\0') {
        c->argv[0]++;
        c->lens[0]--;
        c->may_fail = true;
    }
    return 1;
}

/* ---- Reference number parser ------------------------------------------ */

static int ref_u64(const char *s, uint64_t *out)
{
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return -VS_EINVAL;
    for (const char *p = s; *p; p++) {
        int d = ref_hex((unsigned char)*p);
        if (d < 0 || d >= (int)base)
            return -VS_EINVAL;
    }
    unsigned __int128 v = 0;
    for (const char *p = s; *p; p++) {
        v = v * base + (unsigned)ref_hex((unsigned char)*p);
        if (v > UINT64_MAX)
            return -VS_ERANGE;
    }
    *out = (uint64_t)v;
    return 0;
}

static void check_u64(const char *s)
{
    uint64_t a = 0x1234, b = 0x5678;
    int ra = parse_u64(s, &a), rb = ref_u64(s, &b);
    REQUIRE(ra == rb);
    if (ra == 0)
        REQUIRE(a == b);
    else
        REQUIRE(a == 0x1234); /* untouched on error */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    const uint8_t *nul = memchr(data, 0, size);
    size_t n = nul ? (size_t)(nul - data) : size;

    char *line = malloc(n + 1);
    char *scratch = malloc(n + 1);
    REQUIRE(line && scratch);
    memcpy(line, data, n);
    line[n] = '\0';
    check_u64(line);

    char *pos = line, *const end = line + n;
    size_t ri = 0;
    for (unsigned guard = 0;; guard++) {
        REQUIRE(guard <= n + 1);
        struct cmd c;
        struct ref_cmd rc;
        const char *why = NULL;
        char *before = pos;
        int r = cmd_next(&pos, &c, &why);
        int rr = ref_next(data, n, &ri, &rc, scratch);
        REQUIRE(r == rr);
        REQUIRE(pos >= before && pos <= end);
        if (r == 0) {
            REQUIRE(*pos == '\0');
            break;
        }
        if (r < 0) {
            REQUIRE(r == -VS_EINVAL || r == -VS_E2BIG);
            REQUIRE(why != NULL && strlen(why) > 0);
            REQUIRE(pos == end);
            REQUIRE(cmd_next(&pos, &c, NULL) == 0);
            break;
        }
        REQUIRE(r == 1);
        REQUIRE(pos > before);
        REQUIRE((size_t)(pos - line) == ri);
        REQUIRE(c.argc >= 1 && c.argc <= CMD_MAX_WORDS);
        REQUIRE(c.argv[c.argc] == NULL);
        REQUIRE(c.may_fail == rc.may_fail);
        REQUIRE(c.argc == rc.argc);
        const char *prev_end = before - 1;
        for (int k = 0; k < c.argc; k++) {
            const char *w = c.argv[k];
            REQUIRE(w >= before && w <= end);
            REQUIRE(w > prev_end); /* in order, no overlap */
            const char *z = memchr(w, '\0', (size_t)(end - w) + 1);
            REQUIRE(z != NULL && z <= end);
            REQUIRE((size_t)(z - w) == rc.lens[k]);
            REQUIRE(memcmp(w, rc.argv[k], rc.lens[k]) == 0);
            prev_end = z;
            check_u64(w);
        }
    }
    free(line);
    free(scratch);
    return 0;
}
