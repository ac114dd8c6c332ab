/* SPDX-License-Identifier: BSD-2-Clause */
/* Caller memory (vfs_config heap and dma) behind the port's memory hooks.
 *
 * vfs_mem_init builds a port whose memory hooks take from the caller's
 * regions and whose other hooks call the caller's, so the rest of the core
 * allocates as usual.  The heap is a first-fit list in address order with
 * a size header before each block.  DMA memory is handed out in whole
 * pages tracked by a bitmap kept here, never in the region itself: the
 * device may write any of that. */
#include "vfs_internal.h"

#define PAGE 4096u
#define ALIGN 16u
#define HDR ALIGN /* a block's size, padded to keep payloads aligned */

struct blk {
    size_t size;        /* of the whole block, header included */
    struct blk *next;   /* free blocks only */
};

static void *heap_alloc(void *ctx, size_t n)
{
    struct vfs_mem *mm = ctx;
    if (n > mm->heap_size)
        return 0;
    size_t need = VS_MAX(VS_ALIGN_UP(n + HDR, (size_t)ALIGN), sizeof(struct blk) + HDR);
    for (struct blk **pp = (struct blk **)&mm->free_list; *pp; pp = &(*pp)->next) {
        struct blk *b = *pp;
        if (b->size < need)
            continue;
        if (b->size - need >= sizeof(struct blk) + HDR) {
            struct blk *rest = (struct blk *)((uint8_t *)b + need);
            rest->size = b->size - need;
            rest->next = b->next;
            b->size = need;
            *pp = rest;
        } else {
            *pp = b->next;
        }
        return (uint8_t *)b + HDR;
    }
    return 0;
}

static void heap_free(void *ctx, void *p)
{
    struct vfs_mem *mm = ctx;
    if (!p)
        return;
    struct blk *b = (struct blk *)((uint8_t *)p - HDR);
    struct blk *prev = 0, *next = mm->free_list;
    while (next && next < b) {
        prev = next;
        next = next->next;
    }
    b->next = next;
    if (next && (uint8_t *)b + b->size == (uint8_t *)next) {
        b->size += next->size;
        b->next = next->next;
    }
    if (prev && (uint8_t *)prev + prev->size == (uint8_t *)b) {
        prev->size += b->size;
        prev->next = b->next;
    } else if (prev) {
        prev->next = b;
    } else {
        mm->free_list = b;
    }
}

static bool page_used(const struct vfs_mem *mm, uint32_t i)
{
    return mm->dma_used[i / 8] >> (i % 8) & 1;
}

static void mark(struct vfs_mem *mm, uint32_t first, uint32_t n, bool used)
{
    for (uint32_t i = first; i < first + n; i++) {
        if (used)
            mm->dma_used[i / 8] |= (uint8_t)(1u << (i % 8));
        else
            mm->dma_used[i / 8] &= (uint8_t)~(1u << (i % 8));
    }
}

static void *dma_alloc(void *ctx, size_t size, uint64_t *dev_addr)
{
    struct vfs_mem *mm = ctx;
    size_t n = VS_ALIGN_UP(size, (size_t)PAGE) / PAGE;
    uint32_t run = 0;
    for (uint32_t i = 0; i < mm->dma_pages && n; i++) {
        run = page_used(mm, i) ? 0 : run + 1;
        if (run == n) {
            uint32_t first = i + 1 - run;
            mark(mm, first, run, true);
            uint8_t *p = mm->dma + (size_t)first * PAGE;
            vs_memset(p, 0, size);
            *dev_addr = mm->dma_addr + (uint64_t)first * PAGE;
            return p;
        }
    }
    return 0;
}

static void dma_free(void *ctx, void *p, size_t size)
{
    struct vfs_mem *mm = ctx;
    uint32_t first = (uint32_t)(((uint8_t *)p - mm->dma) / PAGE);
    mark(mm, first, (uint32_t)(VS_ALIGN_UP(size, (size_t)PAGE) / PAGE), false);
}

/* The caller's own hooks, called with the caller's context. */
#define OUTER(mm) ((const struct vfs_mem *)(mm))->outer

static bool fw_dma_addr(void *ctx, const void *p, size_t len, uint64_t *addr)
{
    return OUTER(ctx)->dma_addr(OUTER(ctx)->ctx, p, len, addr);
}
static void fw_dma_hold(void *ctx, const void *p, size_t len) { OUTER(ctx)->dma_hold(OUTER(ctx)->ctx, p, len); }
static void *fw_alloc(void *ctx, size_t n) { return OUTER(ctx)->alloc(OUTER(ctx)->ctx, n); }
static void fw_free(void *ctx, void *p) { OUTER(ctx)->free(OUTER(ctx)->ctx, p); }
static void *fw_dma_alloc(void *ctx, size_t n, uint64_t *addr)
{
    return OUTER(ctx)->dma_alloc(OUTER(ctx)->ctx, n, addr);
}
static void fw_dma_free(void *ctx, void *p, size_t n) { OUTER(ctx)->dma_free(OUTER(ctx)->ctx, p, n); }
static uint64_t fw_now_ns(void *ctx) { return OUTER(ctx)->now_ns(OUTER(ctx)->ctx); }
static void fw_relax(void *ctx) { OUTER(ctx)->relax(OUTER(ctx)->ctx); }
static int fw_irq_alloc(void *ctx, uint64_t *a, uint32_t *d) { return OUTER(ctx)->irq_alloc(OUTER(ctx)->ctx, a, d); }
static void fw_wait_irq(void *ctx, uint64_t deadline) { OUTER(ctx)->wait_irq(OUTER(ctx)->ctx, deadline); }
static void fw_log(void *ctx, const char *msg) { OUTER(ctx)->log(OUTER(ctx)->ctx, msg); }

const struct vs_port *vfs_mem_init(struct vfs_mem *mm, struct vs_port *own, const struct vs_port *outer,
                                   const struct vfs_config *cfg)
{
    vs_memset(mm, 0, sizeof(*mm));
    mm->outer = outer;
    if (cfg->heap) {
        uint8_t *base = (uint8_t *)VS_ALIGN_UP((uintptr_t)cfg->heap, (uintptr_t)ALIGN);
        size_t skip = (size_t)(base - (uint8_t *)cfg->heap);
        if (cfg->heap_size >= skip + sizeof(struct blk) + HDR) {
            mm->heap = base;
            mm->heap_size = (cfg->heap_size - skip) & ~(size_t)(ALIGN - 1);
            struct blk *all = (struct blk *)base;
            all->size = mm->heap_size;
            all->next = 0;
            mm->free_list = all;
        }
    }
    mm->dma = cfg->dma;
    mm->dma_addr = cfg->dma_addr;
    mm->dma_pages = (uint32_t)(cfg->dma_size / PAGE);

    vs_memset(own, 0, sizeof(*own));
    own->ctx = mm;
    own->pci_max_bus = outer->pci_max_bus;
    own->alloc = cfg->heap ? heap_alloc : fw_alloc;
    own->free = cfg->heap ? heap_free : fw_free;
    own->dma_alloc = cfg->dma ? dma_alloc : fw_dma_alloc;
    own->dma_free = cfg->dma ? dma_free : fw_dma_free;
    own->now_ns = fw_now_ns;
    /* Optional hooks stay absent where the caller's are. */
    own->dma_addr = outer->dma_addr ? fw_dma_addr : 0;
    own->dma_hold = outer->dma_hold ? fw_dma_hold : 0;
    own->relax = outer->relax ? fw_relax : 0;
    own->irq_alloc = outer->irq_alloc ? fw_irq_alloc : 0;
    own->wait_irq = outer->wait_irq ? fw_wait_irq : 0;
    own->log = outer->log ? fw_log : 0;
    return own;
}
