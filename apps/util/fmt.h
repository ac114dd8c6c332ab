/* SPDX-License-Identifier: BSD-2-Clause */
/* printf-style formatting without libc.
 *
 * Conversions: %d %i %u %x %X %o %c %s %p %%; length modifiers hh h l ll z j t;
 * flags '-' '0' ' ' '+' '#'; field width and precision, both may be '*'.
 * There is no floating point and no %n.  An unknown conversion is copied
 * to the output as it stands.  %s with a NULL pointer prints "(null)",
 * %p with NULL prints "(nil)" (as glibc does). */
#ifndef VS_FMT_H
#define VS_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Formats into buf (size bytes, may be 0 with buf NULL).  Writes at most
 * size - 1 characters and always NUL-terminates when size > 0.  Returns
 * the number of characters the whole output has (without the NUL), as C
 * snprintf does, or -1 if that exceeds INT_MAX. */
int vs_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int vs_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An output stream: write(ctx, s, n) receives the output in chunks
 * (s is not NUL-terminated and is only valid during the call). */
struct fmt_out {
    void (*write)(void *ctx, const char *s, size_t n);
    void *ctx;
};

/* Formats to o with no length limit; the output arrives in chunks of at
 * most a few hundred bytes.  Returns the number of characters written, or
 * -1 if that exceeds INT_MAX.  o->write may be NULL (count only). */
int fmt_vprintf(const struct fmt_out *o, const char *fmt, va_list ap);
int fmt_printf(const struct fmt_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
