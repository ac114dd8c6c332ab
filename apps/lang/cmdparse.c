/* SPDX-License-Identifier: BSD-2-Clause */
#include "cmdparse.h"

#include "numparse.h"
#include "vs_errno.h"
#include "vs_util.h"

static inline bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int fail(char **pos, char *at, const char **why, const char *msg, int err)
{
    if (why)
        *why = msg;
    *pos = at + strlen(at);
    return err;
}

int cmd_next(char **pos, struct cmd *c, const char **why)
{
    char *r = *pos;

    c->argc = 0;
    c->argv[0] = NULL;
    c->may_fail = false;

    for (;;) {
        /* Between words. */
        while (is_blank(*r))
            r++;
        if (*r == '\0') {
            if (c->argc)
                break;
            *pos = r;
            return 0;
        }
        if (*r == ';') {
            r++;
            if (c->argc)
                break;
            continue; /* empty command */
        }

        /* A word: decode from r to w (w never passes r). */
        if (c->argc == CMD_MAX_WORDS)
            return fail(pos, r, why, "too many words", -VS_E2BIG);
        char *w = r;
        c->argv[c->argc++] = w;
        bool quoted = false;
        char end;
        for (;;) {
            char ch = *r;
            if (ch == '\0') {
                if (quoted)
                    return fail(pos, r, why, "unterminated quote", -VS_EINVAL);
                end = ch;
                break;
            }
            if (!quoted && (is_blank(ch) || ch == ';')) {
                end = ch;
                break;
            }
            if (ch == '"') {
                quoted = !quoted;
                r++;
                continue;
            }
            if (ch == '\\') {
                if (r[1] == '\\') {
                    *w++ = '\\';
                    r += 2;
                    continue;
                }
                if (r[1] == 'x') {
                    int hi = hex_digit_value(r[2]);
                    int lo = hi < 0 ? -1 : hex_digit_value(r[3]);
                    if (lo < 0)
                        return fail(pos, r, why, "bad \\x escape (need two hex digits)",
                                    -VS_EINVAL);
                    if (hi == 0 && lo == 0)
                        return fail(pos, r, why, "\\x00 is not allowed", -VS_EINVAL);
                    *w++ = (char)(hi << 4 | lo);
                    r += 4;
                    continue;
                }
                return fail(pos, r, why, "bad escape (only \\xHH and \\\\)", -VS_EINVAL);
            }
            *w++ = ch;
            r++;
        }
        /* end is the terminator at r; w <= r, so the NUL may land on it. */
        *w = '\0';
        if (end == '\0')
            break;
        r++;
        if (end == ';')
            break;
    }

    c->argv[c->argc] = NULL;
    if (c->argv[0][0] == '-' && c->argv[0][1] != '\0') {
        c->argv[0]++;
        c->may_fail = true;
    }
    *pos = r;
    return 1;
}
