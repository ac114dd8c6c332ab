/* SPDX-License-Identifier: BSD-2-Clause */
/* The C library functions boot/pc/libc.c provides to the whole image (the
 * compiler also emits calls to memcpy and memset on its own). */
#ifndef BOOT_LIBC_H
#define BOOT_LIBC_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

#endif
