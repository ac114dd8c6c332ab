/* SPDX-License-Identifier: BSD-2-Clause */
/* Parsing numbers given as command arguments. */
#ifndef VS_NUMPARSE_H
#define VS_NUMPARSE_H

#include <stdint.h>

/* Parses s as an unsigned 64-bit number: decimal digits, or "0x"/"0X"
 * followed by hex digits (either case).  No sign, no blanks, nothing after.
 * Returns 0 and sets *out; -VS_EINVAL for an empty or malformed string;
 * -VS_ERANGE for a well-formed number above 2^64-1.  *out is untouched on
 * error. */
int parse_u64(const char *s, uint64_t *out);

/* The value of the hex digit ch (0-9, a-f, A-F), -1 when ch is none. */
int hex_digit_value(char ch);

#endif
