/* SPDX-License-Identifier: BSD-2-Clause */
/* The driver's load options: a Driver#### option's optional data (the
 * shell's `load` passes none, and the UEFI shell does not start a driver
 * as a command: "The image is not an application").  Words between
 * blanks, commas or line ends, in UCS-2 (with or without its byte-order
 * mark, as `bcfg -opt` or a file the shell wrote holds them) or in ASCII;
 * a NUL ends them.  The one word known: `nocase`. */
#include "vsfs.h"

static bool separator(unsigned c)
{
    return c == ' ' || c == '\t' || c == ',' || c == '\r' || c == '\n';
}

struct text {
    const uint8_t *b;
    size_t n;   /* characters */
    bool wide;  /* UCS-2, little-endian */
};

static unsigned at(const struct text *t, size_t i)
{
    return t->wide ? (unsigned)(t->b[2 * i] | t->b[2 * i + 1] << 8) : t->b[i];
}

EFI_STATUS vsfs_parse_options(const void *data, size_t size, struct vsfs_options *out,
                              char bad[VSFS_OPTION_MAX + 1])
{
    const uint8_t *b = data;
    /* UCS-2 when the bytes say so: its byte-order mark, or an ASCII
     * character with 0 as its high byte first. */
    bool bom = size >= 2 && b[0] == 0xff && b[1] == 0xfe;
    bool wide = size >= 2 && size % 2 == 0 && (bom || (b[0] && b[0] < 0x80 && !b[1]));
    struct text t = {b, wide ? size / 2 : size, wide};
    size_t i = wide && bom ? 1 : 0;
    *out = (struct vsfs_options){0};
    bad[0] = 0;
    for (;;) {
        while (i < t.n && at(&t, i) && separator(at(&t, i)))
            i++;
        if (i == t.n || !at(&t, i))
            return EFI_SUCCESS;
        char word[VSFS_OPTION_MAX + 1];
        size_t len = 0;
        for (; i < t.n && at(&t, i) && !separator(at(&t, i)); i++) {
            if (len < VSFS_OPTION_MAX)
                word[len++] = at(&t, i) < 0x80 ? (char)at(&t, i) : '?';
        }
        word[len] = 0;
        if (len == 6 && !memcmp(word, "nocase", 6)) {
            out->nocase = true;
            continue;
        }
        memcpy(bad, word, len + 1); /* an unknown word, cut at VSFS_OPTION_MAX */
        return EFI_INVALID_PARAMETER;
    }
}
