/* SPDX-License-Identifier: BSD-2-Clause */
/* The heap: a 16-byte header before every block.  Blocks of up to 2 KiB
 * (header included) come from power-of-two size classes carved out of whole
 * pages and are recycled through per-class free lists; larger ones are runs
 * of pages from page_alloc, returned to it on kfree.  A block a device may
 * still write (bport_held) is never freed: it stays out of every list. */
#include "libc.h"
#include "port_common.h"
#include "runtime.h"

#define MIN_SHIFT 5 /* 32-byte blocks */
#define NCLASSES 7  /* ... up to 2048 */
#define MAX_SMALL (1u << (MIN_SHIFT + NCLASSES - 1))
#define BIG_CLASS 0xff

#define MAGIC_USED 0x6b6d616c
#define MAGIC_FREE 0x66726565

struct header {
    uint32_t magic;
    uint32_t cls;    /* size class, or BIG_CLASS */
    uint64_t npages; /* BIG_CLASS only */
};
_Static_assert(sizeof(struct header) == 16, "blocks must stay 16-byte aligned");

struct free_block {
    struct header h;
    struct free_block *next;
};

static struct free_block *free_list[NCLASSES];
/* Bytes of blocks handed out (headers and size-class rounding included;
 * held blocks stay counted). */
static uint64_t heap_used, heap_peak;

static void account(uint64_t add, uint64_t sub)
{
    heap_used = heap_used + add - sub;
    if (heap_used > heap_peak)
        heap_peak = heap_used;
}

void heap_usage(uint64_t *used, uint64_t *peak)
{
    *used = heap_used;
    *peak = heap_peak;
}

static bool refill(unsigned cls)
{
    char *page = page_alloc(1);
    if (!page)
        return false;
    size_t size = (size_t)1 << (MIN_SHIFT + cls);
    for (size_t off = 0; off < PAGE_SIZE; off += size) {
        struct free_block *b = (struct free_block *)(page + off);
        b->next = free_list[cls];
        free_list[cls] = b;
    }
    return true;
}

static void *small_alloc(size_t need)
{
    unsigned cls = 0;
    while (((size_t)1 << (MIN_SHIFT + cls)) < need)
        cls++;
    if (!free_list[cls] && !refill(cls))
        return NULL;
    struct free_block *b = free_list[cls];
    free_list[cls] = b->next;
    b->h = (struct header){MAGIC_USED, cls, 0};
    account((uint64_t)1 << (MIN_SHIFT + cls), 0);
    return b;
}

static void *big_alloc(size_t need)
{
    size_t npages = (need + PAGE_SIZE - 1) / PAGE_SIZE;
    struct header *h = page_alloc_uninit(npages);
    if (h) {
        *h = (struct header){MAGIC_USED, BIG_CLASS, npages};
        account((uint64_t)npages * PAGE_SIZE, 0);
    }
    return h;
}

void *kmalloc(size_t n)
{
    if (n > SIZE_MAX - sizeof(struct header) - PAGE_SIZE)
        return NULL;
    size_t need = n + sizeof(struct header);
    struct header *h = need <= MAX_SMALL ? small_alloc(need) : big_alloc(need);
    return h ? h + 1 : NULL;
}

void kfree(void *p)
{
    if (!p)
        return;
    struct header *h = (struct header *)p - 1;
    if (h->magic == MAGIC_FREE)
        panic("kfree: double free");
    if (h->magic != MAGIC_USED || (h->cls >= NCLASSES && h->cls != BIG_CLASS))
        panic("kfree: not a heap block");
    uint64_t bytes = h->cls == BIG_CLASS ? h->npages * PAGE_SIZE : (uint64_t)1 << (MIN_SHIFT + h->cls);
    if (bport_held(h, (size_t)bytes))
        return;
    account(0, bytes);
    if (h->cls == BIG_CLASS) {
        h->magic = 0;
        page_free(h, h->npages);
        return;
    }
    struct free_block *b = (struct free_block *)h;
    b->h.magic = MAGIC_FREE;
    b->next = free_list[h->cls];
    free_list[h->cls] = b;
}
