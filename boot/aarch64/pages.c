/* SPDX-License-Identifier: BSD-2-Clause */
/* Physical pages: one bit per 4 KiB page from the lowest to the highest RAM
 * address of the DTB (set = not free), first fit.  Out of the free pages a
 * contiguous arena is set aside at boot for picolibc's malloc (through
 * sbrk below); the rest is for page_alloc (DMA memory: rings, buffers). */
#include <errno.h>
#include <string.h>
#include "a64.h"

#define MAX_RESERVED (A64_MAX_MEM + 4)

extern char __image_start[], __image_end[];

static uint64_t *bitmap;
static uint64_t first_page, total_pages, free_pages;
static char *heap_start, *heap_cur, *heap_end;

struct span {
    uint64_t base, end;
};

static void *alloc_pages(size_t npages);

static bool bit(uint64_t p)
{
    return bitmap[p / 64] >> (p % 64) & 1;
}

static void set_bits(uint64_t first, uint64_t n, bool used)
{
    for (uint64_t p = first; p < first + n; p++) {
        if (bit(p) == used)
            continue;
        bitmap[p / 64] ^= 1ull << (p % 64);
        free_pages += used ? (uint64_t)-1 : 1;
    }
}

static bool overlaps(uint64_t b, uint64_t e, const struct span *r, int n)
{
    for (int i = 0; i < n; i++)
        if (b < r[i].end && r[i].base < e)
            return true;
    return false;
}

void pages_init(uint64_t dtb, uint64_t dtb_size)
{
    const struct a64_board *bd = &a64_board;
    if (bd->nmem == 0)
        panic("no memory node in the device tree");
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int i = 0; i < bd->nmem; i++) {
        lo = bd->mem[i].base < lo ? bd->mem[i].base : lo;
        uint64_t e = bd->mem[i].base + bd->mem[i].size;
        hi = e > hi ? e : hi;
    }
    first_page = (lo + PAGE_SIZE - 1) / PAGE_SIZE;
    total_pages = hi / PAGE_SIZE - first_page;

    struct span rsv[MAX_RESERVED];
    int nr = 0;
    rsv[nr++] = (struct span){(uintptr_t)__image_start, (uintptr_t)__image_end};
    rsv[nr++] = (struct span){dtb, dtb + dtb_size};
    for (int i = 0; i < bd->nrsv && nr < MAX_RESERVED - 1; i++)
        rsv[nr++] = (struct span){bd->rsv[i].base, bd->rsv[i].base + bd->rsv[i].size};

    /* The bitmap goes in the first RAM spot clear of everything reserved. */
    uint64_t bytes = ((total_pages + 63) / 64 * 8 + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    uint64_t at = 0;
    for (int i = 0; i < bd->nmem && !at; i++) {
        uint64_t b = (bd->mem[i].base + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
        uint64_t e = bd->mem[i].base + bd->mem[i].size;
        for (; b + bytes <= e; b += PAGE_SIZE) {
            if (!overlaps(b, b + bytes, rsv, nr)) {
                at = b;
                break;
            }
        }
    }
    if (!at)
        panic("no room for the page bitmap");
    rsv[nr++] = (struct span){at, at + bytes};
    bitmap = (uint64_t *)(uintptr_t)at;
    memset(bitmap, 0xff, bytes);
    for (int i = 0; i < bd->nmem; i++) {
        uint64_t b = (bd->mem[i].base + PAGE_SIZE - 1) / PAGE_SIZE;
        uint64_t e = (bd->mem[i].base + bd->mem[i].size) / PAGE_SIZE;
        if (e > b)
            set_bits(b - first_page, e - b, false);
    }
    for (int i = 0; i < nr; i++) {
        uint64_t b = rsv[i].base / PAGE_SIZE, e = (rsv[i].end + PAGE_SIZE - 1) / PAGE_SIZE;
        b = b < first_page ? first_page : b;
        e = e > first_page + total_pages ? first_page + total_pages : e;
        if (e > b)
            set_bits(b - first_page, e - b, true);
    }

    /* The malloc arena: a quarter of the free RAM, 4..128 MiB. */
    uint64_t heap = free_pages / 4;
    heap = heap < 1024 ? 1024 : heap > 32768 ? 32768 : heap;
    while (heap >= 64 && !(heap_cur = alloc_pages(heap))) /* malloc needs no zeroing */
        heap /= 2;
    if (!heap_cur)
        panic("no memory for the heap");
    heap_start = heap_cur;
    heap_end = heap_cur + heap * PAGE_SIZE;
}

static void *alloc_pages(size_t npages)
{
    if (npages == 0 || npages > free_pages)
        return NULL;
    uint64_t run = 0;
    for (uint64_t p = 0; p < total_pages; p++) {
        if (bitmap[p / 64] == ~0ull && p % 64 == 0) {
            run = 0;
            p += 63;
            continue;
        }
        run = bit(p) ? 0 : run + 1;
        if (run == npages) {
            uint64_t start = p + 1 - npages;
            set_bits(start, npages, true);
            return (void *)(uintptr_t)((first_page + start) * PAGE_SIZE);
        }
    }
    return NULL;
}

void *page_alloc(size_t npages)
{
    void *p = alloc_pages(npages);
    if (p)
        memset(p, 0, npages * PAGE_SIZE);
    return p;
}

void *page_alloc_aligned(size_t npages, uint64_t align)
{
    uint64_t step = align / PAGE_SIZE;
    if (npages == 0 || npages > free_pages || step == 0 || (step & (step - 1)))
        return NULL;
    uint64_t s = (first_page + step - 1) / step * step - first_page;
    while (s + npages <= total_pages) {
        uint64_t i = 0;
        while (i < npages && !bit(s + i))
            i++;
        if (i == npages) {
            set_bits(s, npages, true);
            return (void *)(uintptr_t)((first_page + s) * PAGE_SIZE);
        }
        /* The next aligned start past the page in use. */
        s = (first_page + s + i) / step * step + step - first_page;
    }
    return NULL;
}

void page_free(void *ptr, size_t npages)
{
    uint64_t a = (uintptr_t)ptr;
    if (!ptr || a % PAGE_SIZE || a / PAGE_SIZE < first_page ||
        a / PAGE_SIZE - first_page + npages > total_pages)
        panic("page_free: bad page range");
    uint64_t first = a / PAGE_SIZE - first_page;
    for (uint64_t p = first; p < first + npages; p++)
        if (!bit(p))
            panic("page_free: page not allocated");
    set_bits(first, npages, false);
}

uint64_t page_free_bytes(void)
{
    return free_pages * PAGE_SIZE;
}

/* picolibc's malloc grows its pool through sbrk: ours hands out the arena. */
void *sbrk(ptrdiff_t incr);
void *sbrk(ptrdiff_t incr)
{
    if (!heap_cur || incr > heap_end - heap_cur || incr < heap_start - heap_cur) {
        errno = ENOMEM;
        return (void *)-1;
    }
    char *old = heap_cur;
    heap_cur += incr;
    return old;
}
