/* SPDX-License-Identifier: BSD-2-Clause */
/* PCI Express through the ECAM window of a `pci-host-ecam-generic` bridge,
 * and BAR assignment: booted as a bare kernel, nothing has programmed the
 * BARs, so each memory BAR of every function on the root bus gets a
 * naturally aligned piece of the bridge's memory windows (64-bit BARs from
 * the 64-bit window when there is one).  I/O BARs and bridges are left
 * alone (virtio 1.x devices need neither).  Windows whose PCI and CPU
 * addresses differ are not used: the core maps a BAR at the address the
 * BAR holds. */
#include "a64.h"
#include "vs_port.h"

#define PCI_COMMAND 0x04
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define CMD_MEMORY 0x2
#define CMD_MASTER 0x4

static volatile uint8_t *ecam;

static volatile uint8_t *cfg_addr(uint32_t bdf, uint16_t off, int width)
{
    int bus = (int)(bdf >> 8);
    if (!ecam || bus < a64_board.bus_start || bus > a64_board.bus_end || off >= 4096 ||
        off % (unsigned)width)
        return NULL;
    uint64_t o = (uint64_t)(bus - a64_board.bus_start) << 20 | (uint64_t)(bdf & 0xff) << 12 | off;
    return ecam + o;
}

uint32_t ecam_read(uint32_t bdf, uint16_t off, int width)
{
    volatile uint8_t *a = cfg_addr(bdf, off, width);
    if (!a)
        return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
    switch (width) {
    case 1:
        return *a;
    case 2:
        return *(volatile uint16_t *)a;
    default:
        return *(volatile uint32_t *)a;
    }
}

void ecam_write(uint32_t bdf, uint16_t off, int width, uint32_t val)
{
    volatile uint8_t *a = cfg_addr(bdf, off, width);
    if (!a)
        return;
    switch (width) {
    case 1:
        *a = (uint8_t)val;
        break;
    case 2:
        *(volatile uint16_t *)a = (uint16_t)val;
        break;
    default:
        *(volatile uint32_t *)a = val;
        break;
    }
}

struct window {
    uint64_t next, end;
    bool usable;
};
static struct window windows[A64_MAX_WINDOWS];

/* A piece of `size` bytes (a power of two) from a window of the kind. */
static uint64_t carve(uint64_t size, bool want64)
{
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < a64_board.nwin; i++) {
            struct window *w = &windows[i];
            const struct a64_pci_window *bw = &a64_board.win[i];
            if (!w->usable || (pass == 0 && bw->mem64 != want64) || (bw->mem64 && !want64))
                continue;
            uint64_t at = (w->next + size - 1) & ~(size - 1);
            if (at >= w->next && at + size > at && at + size <= w->end) {
                w->next = at + size;
                return at;
            }
        }
    }
    return 0;
}

static int setup_function(uint32_t bdf)
{
    uint32_t cmd = ecam_read(bdf, PCI_COMMAND, 2);
    ecam_write(bdf, PCI_COMMAND, 2, cmd & ~(uint32_t)(CMD_MEMORY | 1));
    int failures = 0;
    for (int bar = 0; bar < 6; bar++) {
        uint16_t off = (uint16_t)(PCI_BAR0 + 4 * bar);
        uint32_t orig = ecam_read(bdf, off, 4);
        ecam_write(bdf, off, 4, 0xffffffffu);
        uint32_t probe = ecam_read(bdf, off, 4);
        ecam_write(bdf, off, 4, orig);
        if (probe == 0 || (probe & 1))
            continue; /* absent, or an I/O BAR */
        bool is64 = ((probe >> 1) & 3) == 2 && bar < 5;
        uint64_t mask = probe & ~0xfull, orig_addr = orig & ~0xfull;
        if (is64) {
            uint32_t orig_hi = ecam_read(bdf, (uint16_t)(off + 4), 4);
            ecam_write(bdf, (uint16_t)(off + 4), 4, 0xffffffffu);
            mask |= (uint64_t)ecam_read(bdf, (uint16_t)(off + 4), 4) << 32;
            ecam_write(bdf, (uint16_t)(off + 4), 4, orig_hi);
            orig_addr |= (uint64_t)orig_hi << 32;
        } else {
            mask |= 0xffffffff00000000ull;
        }
        uint64_t size = ~mask + 1;
        if (size == 0 || (size & (size - 1))) {
            failures++;
        } else if (orig_addr == 0) {
            uint64_t at = carve(size < PAGE_SIZE ? PAGE_SIZE : size, is64);
            if (!at) {
                failures++;
            } else {
                ecam_write(bdf, off, 4, (uint32_t)at | (probe & 0xf));
                if (is64)
                    ecam_write(bdf, (uint16_t)(off + 4), 4, (uint32_t)(at >> 32));
            }
        }
        if (is64)
            bar++;
    }
    ecam_write(bdf, PCI_COMMAND, 2, (cmd & ~1u) | CMD_MEMORY | CMD_MASTER);
    return failures;
}

int pci_assign_bars(void)
{
    if (!a64_board.ecam)
        return 0;
    ecam = mmio_map(a64_board.ecam, a64_board.ecam_size);
    if (!ecam)
        return 0;
    for (int i = 0; i < a64_board.nwin; i++) {
        const struct a64_pci_window *bw = &a64_board.win[i];
        windows[i] = (struct window){bw->pci, bw->pci + bw->size, bw->pci == bw->cpu};
        /* Address 0 means "unassigned" to the core: never hand it out. */
        if (windows[i].next == 0)
            windows[i].next = PAGE_SIZE;
    }
    int n = 0;
    int bus = a64_board.bus_start;
    for (int dev = 0; dev < 32; dev++) {
        int nfn = 1;
        for (int fn = 0; fn < nfn; fn++) {
            uint32_t bdf = VS_BDF(bus, dev, fn);
            if ((ecam_read(bdf, 0, 4) & 0xffff) == 0xffff)
                continue;
            uint32_t ht = ecam_read(bdf, PCI_HEADER_TYPE, 1);
            if (fn == 0 && (ht & 0x80))
                nfn = 8;
            if ((ht & 0x7f) != 0)
                continue;
            if (setup_function(bdf))
                console_puts("warning: pci: some BARs could not be assigned\n");
            n++;
        }
    }
    return n;
}
