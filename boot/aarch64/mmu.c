/* SPDX-License-Identifier: BSD-2-Clause */
/* The identity map (Arm ARM D8, VMSAv8-64): 4 KiB granule, 48-bit virtual
 * addresses, a level-0 table pointing at level-1 tables whose entries are
 * 1 GiB blocks.  Blocks holding RAM are Normal write-back cacheable, inner
 * shareable; every other block is Device-nGnRE, never executable, and is
 * mapped on demand by mmio_map.  With the MMU off every access would be
 * Device memory, where an unaligned access faults: so the MMU goes on first
 * (before the DTB is read), with the image's and the DTB's blocks as RAM and
 * the low 1 GiB (the virt board's devices) as Device; fdt-described RAM is
 * added afterwards (a64_map_ram).
 *
 * Simplifications that hold on QEMU's virt (documented, not checked): a
 * 1 GiB block that is only partly RAM is Normal as a whole (nothing else
 * shares RAM's gigabytes there), and the tables are written with the MMU
 * and caches off without cache maintenance (QEMU models no caches; real
 * hardware would need the tables cleaned to the point of coherency). */
#include <string.h>
#include "a64.h"

#define GIB (1ull << 30)
#define L1_TABLES 8
#define DESC_TABLE 3ull
#define DESC_BLOCK 1ull
#define ATTR_IDX(i) ((uint64_t)(i) << 2)
#define SH_INNER (3ull << 8)
#define AF (1ull << 10)
#define PXN (1ull << 53)
#define UXN (1ull << 54)
#define MAIR_DEVICE_NGNRE 1
#define MAIR_NORMAL 2
/* attr0 Device-nGnRnE, attr1 Device-nGnRE, attr2 Normal WB RW-allocate. */
#define MAIR_VALUE 0xff0400ull

static uint64_t l0[512] __attribute__((aligned(4096)));
static uint64_t l1[L1_TABLES][512] __attribute__((aligned(4096)));
static int l1_used;
static bool mmu_on;

/* The level-1 entry for the 1 GiB block at addr, NULL when out of tables. */
static uint64_t *l1_entry(uint64_t addr)
{
    unsigned i0 = (unsigned)(addr >> 39) & 511, i1 = (unsigned)(addr >> 30) & 511;
    if (addr >> 48)
        return NULL;
    if (!(l0[i0] & 1)) {
        if (l1_used == L1_TABLES)
            return NULL;
        l0[i0] = (uint64_t)(uintptr_t)l1[l1_used++] | DESC_TABLE;
    }
    uint64_t *t = (uint64_t *)(uintptr_t)(l0[i0] & 0x0000fffffffff000ull);
    return &t[i1];
}

static void sync_tables(void)
{
    __asm__ volatile("dsb ishst; isb" ::: "memory");
}

/* Maps the blocks touching [base, base + len) (those not mapped yet). */
static bool map_blocks(uint64_t base, uint64_t len, bool ram)
{
    if (len == 0 || base + len < base)
        return false;
    for (uint64_t a = base & ~(GIB - 1); a < base + len; a += GIB) {
        uint64_t *e = l1_entry(a);
        if (!e)
            return false;
        if (*e & 1)
            continue;
        *e = a | DESC_BLOCK | AF |
             (ram ? ATTR_IDX(MAIR_NORMAL) | SH_INNER : ATTR_IDX(MAIR_DEVICE_NGNRE) | PXN | UXN);
        if (a + GIB < a)
            break;
    }
    if (mmu_on)
        sync_tables();
    return true;
}

extern char __image_start[];

void a64_map_ram(uint64_t base, uint64_t len)
{
    map_blocks(base, len, true);
}

void mmu_init(uint64_t dtb)
{
    map_blocks((uintptr_t)__image_start, 1, true);
    if (dtb)
        map_blocks(dtb, 1, true);
    map_blocks(0, GIB, false);

    uint64_t mmfr0;
    __asm__ volatile("mrs %0, id_aa64mmfr0_el1" : "=r"(mmfr0));
    uint64_t ips = mmfr0 & 7;
    if (ips > 5)
        ips = 5; /* 48 bits: what our tables reach */
    uint64_t tcr = 16                /* T0SZ: 48-bit addresses */
                   | 1ull << 8       /* IRGN0 write-back */
                   | 1ull << 10      /* ORGN0 write-back */
                   | 3ull << 12      /* SH0 inner shareable */
                   | 0ull << 14      /* TG0 4 KiB */
                   | 1ull << 23      /* EPD1: no TTBR1 walks */
                   | 2ull << 30      /* TG1 4 KiB */
                   | ips << 32;
    __asm__ volatile("msr mair_el1, %0" ::"r"(MAIR_VALUE));
    __asm__ volatile("msr tcr_el1, %0" ::"r"(tcr));
    __asm__ volatile("msr ttbr0_el1, %0" ::"r"((uint64_t)(uintptr_t)l0));
    __asm__ volatile("dsb ish; isb; tlbi vmalle1; dsb ish; isb" ::: "memory");
    uint64_t sctlr;
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    sctlr |= 1ull << 0 | 1ull << 2 | 1ull << 12;  /* M, C, I */
    sctlr &= ~(1ull << 1 | 1ull << 19);           /* no alignment checks, no WXN */
    __asm__ volatile("msr sctlr_el1, %0; isb" ::"r"(sctlr) : "memory");
    mmu_on = true;
}

volatile void *mmio_map(uint64_t phys, uint64_t len)
{
    if (!map_blocks(phys, len, false))
        return NULL;
    return (volatile void *)(uintptr_t)phys;
}
