/* SPDX-License-Identifier: BSD-2-Clause */
/* The hosted porting layer for the tests (see hostport.h). */
#include "hostport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HEAP_HDR 16 /* keeps blocks 16-aligned, as malloc's */
/* What every block hp_alloc gives starts filled with: port->alloc promises no
 * zeroes, and malloc (ASan fills only a block's first 4 KiB) often gives
 * them anyway, so a core that relies on them would pass. */
#define HEAP_POISON 0xA5

struct hostport_dma {
    void *p;
    size_t size;
    struct hostport_dma *next;
};

static void misuse(struct hostport *hp, const char *what, const void *p, size_t size)
{
    if (!hp->errors)
        snprintf(hp->error, sizeof hp->error, "%s (%p, %zu bytes)", what, p, size);
    hp->errors++;
}

static void *hp_dma_alloc(void *ctx, size_t size, uint64_t *dev_addr)
{
    struct hostport *hp = ctx;
    hp->dma_calls++;
    if (hp->fail_dma_in > 0 && --hp->fail_dma_in == 0)
        return NULL;
    if (size == 0) {
        misuse(hp, "dma_alloc of 0 bytes", NULL, 0);
        return NULL;
    }
    struct hostport_dma *rec = malloc(sizeof(*rec));
    void *p = aligned_alloc(4096, (size + 4095) & ~(size_t)4095);
    if (!rec || !p) {
        free(rec);
        free(p);
        return NULL;
    }
    memset(p, 0, size);
    rec->p = p;
    rec->size = size;
    rec->next = hp->dma_list;
    hp->dma_list = rec;
    hp->dma_blocks++;
    hp->dma_bytes += size;
    if (hp->dma_bytes > hp->dma_peak)
        hp->dma_peak = hp->dma_bytes;
    *dev_addr = (uint64_t)(uintptr_t)p;
    return p;
}

static void hp_dma_free(void *ctx, void *p, size_t size)
{
    struct hostport *hp = ctx;
    struct hostport_dma **pp = &hp->dma_list;
    while (*pp && (*pp)->p != p)
        pp = &(*pp)->next;
    if (!*pp) {
        misuse(hp, "dma_free of memory dma_alloc did not give", p, size);
        return;
    }
    struct hostport_dma *rec = *pp;
    if (rec->size != size)
        misuse(hp, "dma_free with another size than dma_alloc's", p, size);
    *pp = rec->next;
    hp->dma_blocks--;
    hp->dma_bytes -= rec->size;
    free(rec->p);
    free(rec);
}

static bool hp_dma_addr(void *ctx, const void *p, size_t len, uint64_t *dev_addr)
{
    struct hostport *hp = ctx;
    hp->dma_addr_calls++;
    if (!hp->dma_reachable || !p || len == 0)
        return false;
    *dev_addr = (uint64_t)(uintptr_t)p;
    return true;
}

static void hp_dma_hold(void *ctx, const void *p, size_t len)
{
    struct hostport *hp = ctx;
    if (hp->nholds == HOSTPORT_HOLDS) {
        misuse(hp, "more dma_hold calls than the test expects", p, len);
        return;
    }
    if (!p || !len)
        misuse(hp, "dma_hold of nothing", p, len);
    hp->holds[hp->nholds].p = p;
    hp->holds[hp->nholds].len = len;
    hp->nholds++;
}

bool hostport_held(const struct hostport *hp, const void *p, size_t len)
{
    uintptr_t lo = (uintptr_t)p, hi = lo + len;
    for (unsigned i = 0; i < hp->nholds; i++) {
        uintptr_t hlo = (uintptr_t)hp->holds[i].p, hhi = hlo + hp->holds[i].len;
        if (lo < hhi && hlo < hi)
            return true;
    }
    return false;
}

static void *hp_alloc(void *ctx, size_t size)
{
    struct hostport *hp = ctx;
    hp->alloc_calls++;
    if (hp->fail_alloc_in > 0 && --hp->fail_alloc_in == 0)
        return NULL;
    /* The size goes in a header before the block, for heap_bytes. */
    size_t *h = malloc(HEAP_HDR + (size ? size : 1));
    if (!h)
        return NULL;
    *h = size;
    memset((char *)h + HEAP_HDR, HEAP_POISON, size);
    hp->allocs++;
    hp->heap_bytes += size;
    if (hp->heap_bytes > hp->heap_peak)
        hp->heap_peak = hp->heap_bytes;
    return (char *)h + HEAP_HDR;
}

static void hp_free(void *ctx, void *p)
{
    struct hostport *hp = ctx;
    if (!p)
        return;
    size_t *h = (size_t *)((char *)p - HEAP_HDR);
    if (hostport_held(hp, p, *h))
        misuse(hp, "free of memory the device may still use (dma_hold)", p, *h);
    hp->allocs--;
    hp->heap_bytes -= *h;
    free(h);
}

void hostport_reset_peaks(struct hostport *hp)
{
    hp->heap_peak = hp->heap_bytes;
    hp->dma_peak = hp->dma_bytes;
}

uint64_t hostport_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t hp_now_ns(void *ctx)
{
    (void)ctx;
    return hostport_now_ns();
}

static void hp_relax(void *ctx)
{
    struct hostport *hp = ctx;
    hp->relax_calls++;
    if (hp->relax_hook)
        hp->relax_hook(hp->relax_arg);
}

static void hp_log(void *ctx, const char *msg)
{
    (void)ctx;
    if (getenv("VIOSHARE_TEST_LOG"))
        fprintf(stderr, "core: %s\n", msg);
}

void hostport_init(struct hostport *hp)
{
    memset(hp, 0, sizeof(*hp));
    hp->port.ctx = hp;
    hp->port.dma_alloc = hp_dma_alloc;
    hp->port.dma_free = hp_dma_free;
    hp->port.dma_addr = hp_dma_addr;
    hp->port.dma_hold = hp_dma_hold;
    hp->port.alloc = hp_alloc;
    hp->port.free = hp_free;
    hp->port.now_ns = hp_now_ns;
    hp->port.relax = hp_relax;
    hp->port.log = hp_log;
    hp->dma_reachable = true;
}

void hostport_fini(struct hostport *hp)
{
    while (hp->dma_list) {
        struct hostport_dma *rec = hp->dma_list;
        hp->dma_list = rec->next;
        free(rec->p);
        free(rec);
    }
    hp->dma_blocks = 0;
    hp->dma_bytes = 0;
}

bool hostport_is_dma(const struct hostport *hp, uint64_t addr, uint64_t len)
{
    for (const struct hostport_dma *r = hp->dma_list; r; r = r->next) {
        uint64_t base = (uint64_t)(uintptr_t)r->p;
        if (addr >= base && addr - base <= r->size && len <= r->size - (addr - base))
            return true;
    }
    return false;
}

struct hostport_mark hostport_mark(const struct hostport *hp)
{
    struct hostport_mark m = {hp->allocs, hp->dma_blocks, hp->dma_bytes};
    return m;
}

bool hostport_same(const struct hostport *hp, struct hostport_mark m, char *why, size_t n)
{
    if (hp->allocs == m.allocs && hp->dma_blocks == m.dma_blocks && hp->dma_bytes == m.dma_bytes &&
        !hp->errors)
        return true;
    if (hp->errors)
        snprintf(why, n, "port misuse: %s", hp->error);
    else
        snprintf(why, n, "live allocs %ld (was %ld), DMA blocks %ld (was %ld), DMA bytes %zu (was %zu)",
                 hp->allocs, m.allocs, hp->dma_blocks, m.dma_blocks, hp->dma_bytes, m.dma_bytes);
    return false;
}
