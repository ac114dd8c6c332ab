/* SPDX-License-Identifier: BSD-2-Clause */
/* Sorting without libc. */
#ifndef VS_SORT_H
#define VS_SORT_H

#include <stddef.h>

/* Sorts n elements of size bytes at base in place so that cmp(a, b, arg)
 * <= 0 for every earlier a and later b.  Heapsort: O(n log n) comparisons
 * in the worst case, no allocation, O(1) stack; not stable. */
void vs_sort(void *base, size_t n, size_t size,
             int (*cmp)(const void *, const void *, void *), void *arg);

/* Sorts the n pointers at v so that cmp(v[i], v[j], arg) <= 0 for every
 * i < j (cmp gets the pointers themselves).  A natural merge sort: runs
 * already in order, or in strictly reverse order, are merged whole, so an
 * array that is sorted or reversed costs n - 1 comparisons, one with r runs
 * O(n log r), O(n log n) at worst.  Stable; tmp holds n pointers. */
void vs_sort_ptrs(const void **v, size_t n, int (*cmp)(const void *, const void *, void *), void *arg,
                  const void **tmp);

/* Compares the byte strings a[0..an) and b[0..bn) as unsigned bytes; a
 * proper prefix sorts first.  Returns <0, 0 or >0.  This is the order of
 * manifest lines (SPEC section 5). */
int bytes_cmp(const char *a, size_t an, const char *b, size_t bn);

#endif
