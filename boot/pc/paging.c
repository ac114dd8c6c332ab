/* SPDX-License-Identifier: BSD-2-Clause */
/* The identity map beyond what entry.S set up: RAM above 4 GiB, device
 * memory (uncached) on demand, all in 2 MiB pages. */
#include "runtime.h"

#define PTE_P 0x001
#define PTE_RW 0x002
#define PTE_PWT 0x008
#define PTE_PCD 0x010
#define PTE_PS 0x080
#define PTE_ADDR 0x000ffffffffff000ull
#define PTE_UNCACHED (PTE_PCD | PTE_PWT)

#define FOUR_GIB (4ull << 30)
#define CANONICAL_BITS 47 /* identity mapping needs canonical addresses */

extern uint64_t boot_pml4[512];

static uint64_t phys_limit;

/* The page directory entry of the 2 MiB page holding `phys`, creating the
 * intermediate tables; NULL when no page is left for them. */
static uint64_t *pde_for(uint64_t phys)
{
    uint64_t *table = boot_pml4;
    for (unsigned shift = 39; shift > 21; shift -= 9) {
        uint64_t *e = &table[(phys >> shift) & 511];
        if (!(*e & PTE_P)) {
            void *next = page_alloc(1);
            if (!next)
                return NULL;
            *e = (uintptr_t)next | PTE_P | PTE_RW;
        }
        table = (uint64_t *)(uintptr_t)(*e & PTE_ADDR);
    }
    return &table[(phys >> 21) & 511];
}

static bool overlaps_ram(uint64_t base, uint64_t end)
{
    uint64_t lo, hi;
    for (size_t i = 0; platform_usable_ram(&i, UINT64_MAX, &lo, &hi);)
        if (base < hi && lo < end)
            return true;
    return false;
}

static void flush_tlb(void)
{
    uint64_t cr3;
    __asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3)::"memory");
}

static unsigned cpu_phys_bits(void)
{
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0));
    if (a < 0x80000008u)
        return 36;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000008u), "c"(0));
    return a & 0xff;
}

void paging_init(void)
{
    unsigned bits = cpu_phys_bits();
    phys_limit = 1ull << (bits < CANONICAL_BITS ? bits : CANONICAL_BITS);

    /* Holes below 4 GiB hold devices (PCI window, APICs): uncached. */
    for (uint64_t a = 0; a < FOUR_GIB; a += LARGE_PAGE)
        if (!overlaps_ram(a, a + LARGE_PAGE))
            *pde_for(a) |= PTE_UNCACHED;

    uint64_t base, end;
    for (size_t i = 0; platform_usable_ram(&i, phys_limit, &base, &end);) {
        for (uint64_t a = ALIGN_DOWN(base, LARGE_PAGE); a < end; a += LARGE_PAGE) {
            if (a < FOUR_GIB)
                continue;
            uint64_t *pde = pde_for(a);
            if (!pde)
                panic("paging: no memory for page tables");
            *pde = a | PTE_P | PTE_RW | PTE_PS;
        }
    }
    flush_tlb();
}

volatile void *mmio_map(uint64_t phys, uint64_t len)
{
    uint64_t end = phys + len;
    if (end < phys || end > phys_limit)
        return NULL;
    for (uint64_t a = ALIGN_DOWN(phys, LARGE_PAGE); a < end; a += LARGE_PAGE) {
        uint64_t *pde = pde_for(a);
        if (!pde)
            return NULL;
        /* Not-present entries are never cached by the TLB: no flush. */
        if (!(*pde & PTE_P))
            *pde = a | PTE_P | PTE_RW | PTE_PS | PTE_UNCACHED;
    }
    return (volatile void *)(uintptr_t)phys;
}
