/* SPDX-License-Identifier: BSD-2-Clause */
/* The command-line tokenizer (SPEC section 4) and parse_u64. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "cmdparse.h"
#include "numparse.h"
#include "vs_errno.h"

/* Parses a copy of line completely and renders the result: commands
 * separated by " ; ", words by '|', a may_fail command marked "?", bytes
 * outside printable ASCII (and '|', '\') as <HH>; an error as
 * "ERR <errno name>" after the commands parsed before it. */
static void render(const char *line, char *out, size_t out_size)
{
    size_t len = strlen(line);
    char *copy = malloc(len + 1); /* exact size: ASan catches over-reads */
    memcpy(copy, line, len + 1);
    char *pos = copy;
    size_t o = 0;
    out[0] = 0;
    int n = 0;
    for (;;) {
        struct cmd c;
        const char *why = NULL;
        int r = cmd_next(&pos, &c, &why);
        if (r == 0)
            break;
        if (n++)
            o += (size_t)snprintf(out + o, out_size - o, " ; ");
        if (r < 0) {
            o += (size_t)snprintf(out + o, out_size - o, "ERR %s (%s)", vs_errno_name(r), why ? why : "no reason");
            /* A further call must report the end of the line. */
            struct cmd c2;
            if (cmd_next(&pos, &c2, &why) != 0)
                o += (size_t)snprintf(out + o, out_size - o, " NOT-AT-END");
            break;
        }
        if (c.argv[c.argc] != NULL)
            o += (size_t)snprintf(out + o, out_size - o, "[argv not NULL-terminated]");
        if (c.may_fail)
            o += (size_t)snprintf(out + o, out_size - o, "?");
        for (int i = 0; i < c.argc; i++) {
            if (i)
                o += (size_t)snprintf(out + o, out_size - o, "|");
            for (const unsigned char *p = (const unsigned char *)c.argv[i]; *p; p++) {
                if (*p < 0x20 || *p > 0x7e || *p == '|' || *p == '\\' || *p == '<')
                    o += (size_t)snprintf(out + o, out_size - o, "<%02x>", *p);
                else
                    o += (size_t)snprintf(out + o, out_size - o, "%c", *p);
            }
        }
        if (n > 200)
            break; /* no progress: reported as a mismatch */
    }
    free(copy);
}

static void expect(const char *name, const char *line, const char *want)
{
    char got[4096], why[8192];
    render(line, got, sizeof got);
    snprintf(why, sizeof why, "line [%s]: want [%s] got [%s]", line, want, got);
    check(name, strcmp(got, want) == 0, why);
}

static void test_too_many_words(void)
{
    char line[1024] = "cmd";
    for (int i = 1; i < CMD_MAX_WORDS; i++)
        strcat(line, " w");
    /* Exactly CMD_MAX_WORDS words: fine. */
    char got[4096];
    render(line, got, sizeof got);
    int words = 1;
    for (char *p = got; *p; p++)
        words += *p == '|';
    char why[200];
    snprintf(why, sizeof why, "got %d words: %.60s", words, got);
    check("CMD_MAX_WORDS words accepted", words == CMD_MAX_WORDS && !strstr(got, "ERR"), why);

    strcat(line, " one-too-many; next");
    render(line, got, sizeof got);
    snprintf(why, sizeof why, "got %.100s", got);
    check("CMD_MAX_WORDS + 1 words is E2BIG", strstr(got, "ERR E2BIG") != NULL, why);
}

static void test_parse_u64(void)
{
    static const struct {
        const char *s;
        int ret;
        uint64_t v;
    } cases[] = {
        { "0", 0, 0 },
        { "7", 0, 7 },
        { "007", 0, 7 },
        { "4096", 0, 4096 },
        { "18446744073709551615", 0, UINT64_MAX },
        { "18446744073709551616", -VS_ERANGE, 0 },
        { "99999999999999999999999", -VS_ERANGE, 0 },
        { "0x0", 0, 0 },
        { "0x1f", 0, 31 },
        { "0XABCdef", 0, 0xabcdef },
        { "0xffffffffffffffff", 0, UINT64_MAX },
        { "0x10000000000000000", -VS_ERANGE, 0 },
        { "", -VS_EINVAL, 0 },
        { "0x", -VS_EINVAL, 0 },
        { "12a", -VS_EINVAL, 0 },
        { "abc", -VS_EINVAL, 0 },
        { "-1", -VS_EINVAL, 0 },
        { "+1", -VS_EINVAL, 0 },
        { " 1", -VS_EINVAL, 0 },
        { "1 ", -VS_EINVAL, 0 },
        { "0x1g", -VS_EINVAL, 0 },
        { "1.5", -VS_EINVAL, 0 },
        { "99999999999999999999x", -VS_EINVAL, 0 },
    };
    char why[300] = "";
    int ok = 1;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t v = 12345;
        int r = parse_u64(cases[i].s, &v);
        uint64_t want_v = cases[i].ret == 0 ? cases[i].v : 12345;
        if (r != cases[i].ret || v != want_v) {
            if (ok)
                snprintf(why, sizeof why, "\"%s\": got %d/%llu want %d/%llu", cases[i].s, r,
                         (unsigned long long)v, cases[i].ret, (unsigned long long)want_v);
            ok = 0;
        }
    }
    check("parse_u64 decimal, hex, junk, overflow", ok, why);
}

int main(void)
{
    expect("simple words", "ls -l /myfs", "ls|-l|/myfs");
    expect("several commands", "mkdir /a; ls /a ;cat /a/b", "mkdir|/a ; ls|/a ; cat|/a/b");
    expect("tabs and repeated blanks", "  \t ls \t\t /x  ", "ls|/x");
    expect("CRLF and LF are blanks", "ls /x\r\n", "ls|/x");
    expect("CRLF between words", "echo a\r\nb\rc\nd", "echo|a|b|c|d");
    expect("empty line", "", "");
    expect("blank line", " \t\r\n ", "");
    expect("empty commands skipped", ";; ; ls ;; ;echo x;;", "ls ; echo|x");
    expect("quoted word with blanks", "cat \"/myfs/a b\"", "cat|/myfs/a b");
    expect("semicolon inside quotes", "echo \"a;b\" c;ls", "echo|a;b|c ; ls");
    expect("partly quoted word", "cat /myfs/\"my file\".txt", "cat|/myfs/my file.txt");
    expect("adjacent quoted parts", "echo \"a\"\"b\"c\" d\"", "echo|abc d");
    expect("empty quoted word is a word", "echo \"\" x", "echo||x");
    expect("quoted first word", "\"ls\" /", "ls|/");
    expect("hex escape", "cat /a\\x20b", "cat|/a b");
    expect("hex escape both cases", "echo \\x4a\\x4B\\xfF\\xFe", "echo|JK<ff><fe>");
    expect("escaped backslash", "echo a\\\\b", "echo|a<5c>b");
    expect("escapes inside quotes", "echo \"a\\x3bb \\\\ c\"", "echo|a;b <5c> c");
    expect("escaped quote and semicolon chars", "echo \\x22q\\x22\\x3b", "echo|\"q\";");
    expect("escaped blank does not split", "echo a\\x09b", "echo|a<09>b");
    expect("escape adjacent to terminator", "echo \\x41;echo \\\\", "echo|A ; echo|<5c>");
    expect("manifest-style high bytes", "cat /myfs/caf\\xc3\\xa9", "cat|/myfs/caf<c3><a9>");
    expect("dash prefix may fail", "-rm /x; rm /y", "?rm|/x ; rm|/y");
    expect("dash alone is not a prefix", "- a", "-|a");
    expect("dash only on the first word", "ls -l", "ls|-l");
    expect("dash prefix with quotes", "\"-cat\" /x", "?cat|/x");
    expect("dash prefix after blanks and semicolon", "ls; \t-mkdir /d", "ls ; ?mkdir|/d");
    expect("double dash keeps one dash", "--x", "?-x");

    expect("unterminated quote", "ls; cat \"abc", "ls ; ERR EINVAL (unterminated quote)");
    expect("unterminated quote at end", "echo \"", "ERR EINVAL (unterminated quote)");
    expect("bad escape letter", "echo \\n", "ERR EINVAL (bad escape (only \\xHH and \\\\))");
    expect("bad escape quote", "echo \\\"", "ERR EINVAL (bad escape (only \\xHH and \\\\))");
    expect("backslash at end of line", "echo a\\", "ERR EINVAL (bad escape (only \\xHH and \\\\))");
    expect("short hex escape", "echo \\x4", "ERR EINVAL (bad \\x escape (need two hex digits))");
    expect("non-hex escape", "echo \\xg0", "ERR EINVAL (bad \\x escape (need two hex digits))");
    expect("one hex digit then junk", "echo \\x4z", "ERR EINVAL (bad \\x escape (need two hex digits))");
    expect("NUL escape rejected", "cat /a\\x00b", "ERR EINVAL (\\x00 is not allowed)");
    expect("error after good commands", "ls /; echo ok; cat \\q; ls", "ls|/ ; echo|ok ; ERR EINVAL (bad escape (only \\xHH and \\\\))");
    test_too_many_words();
    test_parse_u64();
    return failures ? 1 : 0;
}
