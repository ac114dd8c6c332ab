/* SPDX-License-Identifier: BSD-2-Clause */
/* A hosted struct vs_port for the tests.
 *
 * DMA memory comes from aligned_alloc(4096) and its device address is the
 * pointer value, so a simulated device reads and writes it directly.  Every
 * allocation is counted (and every DMA block remembered with its size), so a
 * test can check that nothing leaked after an umount, and that dma_free got
 * back exactly what dma_alloc gave.  Switches make dma_addr refuse caller
 * memory (the core then bounces through its own DMA memory) and make the Nth
 * allocation fail (ENOMEM paths).  relax calls a hook: the simulated device's
 * chance to make progress while the core polls. */
#ifndef HOSTPORT_H
#define HOSTPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vs_port.h"

struct hostport_dma; /* one live DMA block */

struct hostport {
    struct vs_port port;        /* hand &hp->port to the core */

    /* Switches. */
    bool dma_reachable;         /* dma_addr returns true (the default) */
    long fail_alloc_in;         /* > 0: the Nth alloc from now returns NULL; 0: never */
    long fail_dma_in;           /* the same for dma_alloc */
    void (*relax_hook)(void *arg);
    void *relax_arg;

    /* Counters. */
    long allocs;                /* live alloc()ations */
    long dma_blocks;            /* live dma_alloc()ations */
    size_t dma_bytes;           /* their total size */
    size_t heap_bytes;          /* bytes asked for by the live alloc()ations */
    size_t heap_peak, dma_peak; /* the most heap_bytes / dma_bytes have been */
    unsigned long alloc_calls, dma_calls, relax_calls, dma_addr_calls;
    /* Misuse of the port by the core: a dma_free of unknown memory or with
     * another size than dma_alloc gave, a free of NULL counted apart. */
    unsigned long errors;
    char error[200];

    struct hostport_dma *dma_list;

    /* What dma_hold was given, in order: caller memory the device may still
     * use.  A free() of memory overlapping one of these is a misuse. */
#define HOSTPORT_HOLDS 16
    struct {
        const void *p;
        size_t len;
    } holds[HOSTPORT_HOLDS];
    unsigned nholds;
};

/* Fills hp with the hooks and defaults (dma_reachable, no failures). */
void hostport_init(struct hostport *hp);
/* Frees whatever DMA blocks the core left behind (after the checks). */
void hostport_fini(struct hostport *hp);

/* True when some byte of [p, p + len) was given to dma_hold. */
bool hostport_held(const struct hostport *hp, const void *p, size_t len);

/* True when [addr, addr + len) lies inside one live DMA block. */
bool hostport_is_dma(const struct hostport *hp, uint64_t addr, uint64_t len);

/* A snapshot of the live counters, to compare before and after. */
struct hostport_mark {
    long allocs, dma_blocks;
    size_t dma_bytes;
};
struct hostport_mark hostport_mark(const struct hostport *hp);
/* True when the live counters equal the mark; else describes the difference
 * in why (n bytes). */
bool hostport_same(const struct hostport *hp, struct hostport_mark m, char *why, size_t n);

/* Restarts the high-water marks at the current use. */
void hostport_reset_peaks(struct hostport *hp);

/* Nanoseconds on CLOCK_MONOTONIC (what port.now_ns returns). */
uint64_t hostport_now_ns(void);

#endif
