/* SPDX-License-Identifier: BSD-2-Clause */
/* Physical page allocator: one bit per 4 KiB page from address 0 to the end
 * of the highest usable region (set = not free), first fit from the lowest
 * address.  Low pages going first matters: paging_init takes page tables
 * from here before the RAM above 4 GiB is mapped. */
#include "libc.h"
#include "runtime.h"

#define E820_USABLE 1
#define LOW_MEMORY (1u << 20)
#define FOUR_GIB (4ull << 30)
#define MAX_RESERVED 4

struct range {
    uint64_t base, end;
};

static uint64_t *bitmap;
static size_t total_pages;
static size_t hint; /* every page below it is in use */
static size_t free_pages;

static unsigned popcount(uint64_t x)
{
    x -= (x >> 1) & 0x5555555555555555ull;
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

/* Sets pages [first, first + n) to `used`, a word at a time; returns how
 * many changed. */
static size_t mark(size_t first, size_t n, bool used)
{
    size_t changed = 0;
    for (size_t p = first, end = first + n; p < end;) {
        size_t bit = p % 64, span = end - p < 64 - bit ? end - p : 64 - bit;
        uint64_t mask = (span == 64 ? ~0ull : (1ull << span) - 1) << bit;
        uint64_t *w = &bitmap[p / 64];
        uint64_t flip = (used ? ~*w : *w) & mask;
        changed += popcount(flip);
        *w ^= flip;
        p += span;
    }
    return changed;
}

/* The first page in [page, limit) whose bit is `used`, else limit. */
static size_t find(size_t page, size_t limit, bool used)
{
    while (page < limit) {
        uint64_t w = used ? bitmap[page / 64] : ~bitmap[page / 64];
        w &= ~0ull << (page % 64);
        size_t word_start = page & ~(size_t)63;
        if (w) {
            size_t hit = word_start + (size_t)__builtin_ctzll(w);
            return hit < limit ? hit : limit;
        }
        page = word_start + 64;
    }
    return limit;
}

static bool overlaps(uint64_t base, uint64_t end, const struct range *r, size_t nr, uint64_t *skip_to)
{
    for (size_t i = 0; i < nr; i++) {
        if (base < r[i].end && r[i].base < end) {
            *skip_to = r[i].end;
            return true;
        }
    }
    return false;
}

/* Takes the pages touching [base, end) out of the free pool. */
static void reserve(uint64_t base, uint64_t end)
{
    uint64_t first = base / PAGE_SIZE;
    uint64_t last = ALIGN_UP(end, PAGE_SIZE) / PAGE_SIZE;
    last = last < total_pages ? last : total_pages;
    if (last > first)
        free_pages -= mark(first, last - first, true);
}

/* A page-aligned spot of `size` bytes of usable RAM below 4 GiB (mapped by
 * the boot page tables) clear of the reserved ranges. */
static uint64_t place(uint64_t size, const struct range *reserved, size_t nr)
{
    uint64_t lo, end;
    for (size_t i = 0; platform_usable_ram(&i, FOUR_GIB, &lo, &end);) {
        uint64_t base = ALIGN_UP(lo, PAGE_SIZE), skip;
        while (base + size <= end && overlaps(base, base + size, reserved, nr, &skip))
            base = ALIGN_UP(skip, PAGE_SIZE);
        if (base + size <= end)
            return base;
    }
    panic("pages: no room for the page bitmap");
}

void pages_init(void)
{
    uint64_t lo, hi, top = 0;
    for (size_t i = 0; platform_usable_ram(&i, UINT64_MAX, &lo, &hi);)
        top = hi > top ? hi : top;
    total_pages = top / PAGE_SIZE;

    uint64_t cmd_base, cmd_len;
    bootinfo_cmdline_range(&cmd_base, &cmd_len);
    struct range reserved[MAX_RESERVED] = {
        {0, LOW_MEMORY},
        {(uintptr_t)__image_start, (uintptr_t)__image_end},
        {cmd_base, cmd_base + cmd_len},
    };
    size_t nr = 3;
    uint64_t bytes = ALIGN_UP((total_pages + 63) / 64 * 8, PAGE_SIZE);
    uint64_t at = place(bytes, reserved, nr);
    reserved[nr++] = (struct range){at, at + bytes};
    bitmap = (uint64_t *)(uintptr_t)at;
    memset(bitmap, 0xff, bytes);

    for (size_t i = 0; platform_usable_ram(&i, UINT64_MAX, &lo, &hi);) {
        size_t first = ALIGN_UP(lo, PAGE_SIZE) / PAGE_SIZE, end = hi / PAGE_SIZE;
        if (end > first)
            free_pages += mark(first, end - first, false);
    }
    /* Where regions overlap, whatever is not usable wins. */
    const struct mem_region *m;
    size_t n = platform_memmap(&m);
    for (size_t i = 0; i < n; i++)
        if (m[i].type != E820_USABLE)
            reserve(m[i].base, m[i].base + m[i].len);
    for (size_t i = 0; i < nr; i++)
        reserve(reserved[i].base, reserved[i].end);
}

void *page_alloc(size_t npages)
{
    void *mem = page_alloc_uninit(npages);
    return mem ? memset(mem, 0, npages * PAGE_SIZE) : NULL;
}

void *page_alloc_uninit(size_t npages)
{
    if (npages == 0 || npages > free_pages)
        return NULL;
    hint = find(hint, total_pages, false);
    for (size_t p = hint; p + npages <= total_pages;) {
        size_t used = find(p, p + npages, true);
        if (used == p + npages) {
            mark(p, npages, true);
            free_pages -= npages;
            if (p == hint)
                hint += npages;
            return (void *)(uintptr_t)(p * PAGE_SIZE);
        }
        p = find(used, total_pages, false);
    }
    return NULL;
}

/* The first (or, top_down, the last) run of npages free pages starting at a
 * multiple of align_pages within [lo, hi), else SIZE_MAX. */
static size_t find_run(size_t npages, size_t align_pages, size_t lo, size_t hi, bool top_down)
{
    if (hi > total_pages)
        hi = total_pages;
    if (lo >= hi || hi - lo < npages)
        return SIZE_MAX;
    if (!top_down) {
        for (size_t p = ALIGN_UP(lo, align_pages); p >= lo && p <= hi - npages;) {
            size_t used = find(p, p + npages, true);
            if (used == p + npages)
                return p;
            p = ALIGN_UP(find(used, hi, false), align_pages);
        }
        return SIZE_MAX;
    }
    for (size_t p = ALIGN_DOWN(hi - npages, align_pages); p >= lo;) {
        size_t used = find(p, p + npages, true);
        if (used == p + npages)
            return p;
        /* The run must end at or below that used page. */
        if (used < lo + npages)
            break;
        p = ALIGN_DOWN(used - npages, align_pages);
    }
    return SIZE_MAX;
}

void *page_alloc_range(size_t npages, uint64_t align, uint64_t lo, uint64_t hi, bool top_down)
{
    if (npages == 0 || npages > free_pages || align < PAGE_SIZE || (align & (align - 1)))
        return NULL;
    size_t p = find_run(npages, align / PAGE_SIZE, ALIGN_UP(lo, PAGE_SIZE) / PAGE_SIZE, hi / PAGE_SIZE, top_down);
    if (p == SIZE_MAX)
        return NULL;
    mark(p, npages, true);
    free_pages -= npages;
    void *mem = (void *)(uintptr_t)(p * PAGE_SIZE);
    return memset(mem, 0, npages * PAGE_SIZE);
}

void page_free(void *ptr, size_t npages)
{
    uintptr_t addr = (uintptr_t)ptr;
    size_t first = addr / PAGE_SIZE;
    if (!ptr || addr % PAGE_SIZE || first + npages > total_pages || first + npages < first)
        panic("page_free: bad page range");
    if (find(first, first + npages, false) != first + npages)
        panic("page_free: page not allocated");
    free_pages += mark(first, npages, false);
    if (first < hint)
        hint = first;
}

uint64_t page_free_bytes(void)
{
    return (uint64_t)free_pages * PAGE_SIZE;
}
