/* SPDX-License-Identifier: BSD-2-Clause */
#include "sort.h"

#include <stdint.h>

#include "vs_util.h"

static void swap_bytes(unsigned char *a, unsigned char *b, size_t size)
{
    unsigned char tmp[64];
    while (size) {
        size_t k = size < sizeof tmp ? size : sizeof tmp;
        memcpy(tmp, a, k);
        memcpy(a, b, k);
        memcpy(b, tmp, k);
        a += k;
        b += k;
        size -= k;
    }
}

/* Moves element i down the max-heap of n elements until both children
 * are not greater. */
static void sift_down(unsigned char *base, size_t i, size_t n, size_t size,
                      int (*cmp)(const void *, const void *, void *), void *arg)
{
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            return;
        if (child + 1 < n &&
            cmp(base + child * size, base + (child + 1) * size, arg) < 0)
            child++;
        if (cmp(base + i * size, base + child * size, arg) >= 0)
            return;
        swap_bytes(base + i * size, base + child * size, size);
        i = child;
    }
}

void vs_sort(void *base, size_t n, size_t size,
             int (*cmp)(const void *, const void *, void *), void *arg)
{
    unsigned char *b = base;
    if (n < 2 || size == 0)
        return;
    for (size_t i = n / 2; i-- > 0;)
        sift_down(b, i, n, size, cmp, arg);
    for (size_t end = n - 1; end > 0; end--) {
        swap_bytes(b, b + end * size, size);
        sift_down(b, 0, end, size, cmp, arg);
    }
}

/* The end of the run that starts at lo: non-decreasing, or strictly
 * decreasing and then reversed in place (strictly, to stay stable). */
static size_t run_end(const void **v, size_t lo, size_t n, int (*cmp)(const void *, const void *, void *),
                      void *arg)
{
    size_t hi = lo + 1;
    if (hi == n)
        return hi;
    if (cmp(v[hi], v[lo], arg) >= 0) {
        while (hi + 1 < n && cmp(v[hi + 1], v[hi], arg) >= 0)
            hi++;
        return hi + 1;
    }
    while (hi + 1 < n && cmp(v[hi + 1], v[hi], arg) < 0)
        hi++;
    for (size_t i = lo, j = hi; i < j; i++, j--) {
        const void *t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
    return hi + 1;
}

/* Merges the sorted runs v[lo, mid) and v[mid, hi); what is left of the
 * second run at the end is in place already. */
static void merge(const void **v, size_t lo, size_t mid, size_t hi,
                  int (*cmp)(const void *, const void *, void *), void *arg, const void **tmp)
{
    size_t i = lo, j = mid, k = 0;
    while (i < mid && j < hi)
        tmp[k++] = cmp(v[j], v[i], arg) < 0 ? v[j++] : v[i++];
    while (i < mid)
        tmp[k++] = v[i++];
    memcpy(v + lo, tmp, k * sizeof(*v));
}

void vs_sort_ptrs(const void **v, size_t n, int (*cmp)(const void *, const void *, void *), void *arg,
                  const void **tmp)
{
    if (n < 2)
        return;
    /* Each pass merges the runs pairwise, halving their number. */
    for (;;) {
        size_t mid = run_end(v, 0, n, cmp, arg);
        if (mid == n)
            return;
        size_t lo = 0;
        while (mid < n) {
            size_t hi = run_end(v, mid, n, cmp, arg);
            merge(v, lo, mid, hi, cmp, arg, tmp);
            lo = hi;
            if (lo == n)
                break;
            mid = run_end(v, lo, n, cmp, arg);
        }
    }
}

int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int r = m ? memcmp(a, b, m) : 0;
    if (r)
        return r < 0 ? -1 : 1;
    if (an != bn)
        return an < bn ? -1 : 1;
    return 0;
}
