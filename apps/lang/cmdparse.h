/* SPDX-License-Identifier: BSD-2-Clause */
/* The tokenizer of the guest command language (SPEC section 4).
 *
 * A line is a list of commands separated by ';'.  Words are separated by
 * blanks (space, tab, CR, LF).  Double quotes may enclose any part of a
 * word; inside them blanks and ';' are literal.  Anywhere in a word (quoted
 * or not) "\xHH" (hex digits of either case) is the byte HH and "\\" is one
 * backslash; any other backslash sequence, "\x00", and an unterminated
 * quote are errors.  A command whose first word starts with '-' and is
 * longer than "-" may fail without stopping: the '-' is removed and
 * may_fail is set.  Empty commands are skipped. */
#ifndef VS_CMDPARSE_H
#define VS_CMDPARSE_H

#include <stdbool.h>

#define CMD_MAX_WORDS 64

struct cmd {
    int argc;
    char *argv[CMD_MAX_WORDS + 1]; /* argv[argc] == NULL */
    bool may_fail;
};

/* Parses the next command starting at *pos inside a mutable NUL-terminated
 * line, decoding the words in place (argv points into the line, which must
 * outlive the use of *c).
 * Returns 1 with *c filled and *pos advanced past the command; 0 at the
 * end of the line; or a negative VS_ errno (-VS_EINVAL for bad syntax,
 * -VS_E2BIG for more than CMD_MAX_WORDS words) with *why set to a static
 * message.  After an error *pos points at the end of the line (so a further
 * call returns 0) and *c is unspecified.  why may be NULL. */
int cmd_next(char **pos, struct cmd *c, const char **why);

#endif
