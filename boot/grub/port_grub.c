/* SPDX-License-Identifier: BSD-2-Clause */
#include <grub/mm.h>
#include <grub/misc.h>
#include <grub/pci.h>
#include <grub/time.h>
#include "port_grub.h"

static grub_pci_address_t config_address(vs_bdf_t bdf, uint16_t off)
{
    grub_pci_device_t dev = { .bus = (int)(bdf >> 8), .device = (int)((bdf >> 3) & 31),
                              .function = (int)(bdf & 7) };
    return grub_pci_make_address(dev, off);
}

static uint32_t pci_read(void *ctx, vs_bdf_t bdf, uint16_t off, int width)
{
    (void)ctx;
    grub_pci_address_t a = config_address(bdf, off);
    if (width == 1)
        return grub_pci_read_byte(a);
    if (width == 2)
        return grub_pci_read_word(a);
    return grub_pci_read(a);
}

static void pci_write(void *ctx, vs_bdf_t bdf, uint16_t off, int width, uint32_t val)
{
    (void)ctx;
    grub_pci_address_t a = config_address(bdf, off);
    if (width == 1)
        grub_pci_write_byte(a, (grub_uint8_t)val);
    else if (width == 2)
        grub_pci_write_word(a, (grub_uint16_t)val);
    else
        grub_pci_write(a, val);
}

/* Paging is off (or identity) wherever this port runs: a BAR's address is
 * usable as is, provided the pointer can hold it. */
static volatile void *map_mmio(void *ctx, uint64_t phys, uint64_t len)
{
    (void)ctx;
    if (phys > (uintptr_t)-1 || len > (uintptr_t)-1 - phys)
        return NULL;
    return (volatile void *)(uintptr_t)phys;
}

static void *dma_alloc(void *ctx, size_t size, uint64_t *dev_addr)
{
    (void)ctx;
    void *p = grub_memalign(4096, size);
    if (!p)
        return NULL;
    grub_memset(p, 0, size);
    *dev_addr = (uintptr_t)p;
    return p;
}

static void dma_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    (void)size;
    grub_free(p);
}

static void *mem_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return grub_malloc(size);
}

static void mem_free(void *ctx, void *p)
{
    (void)ctx;
    grub_free(p);
}

static uint64_t now_ns(void *ctx)
{
    (void)ctx;
    return grub_get_time_ms() * 1000000ULL;
}

static void port_log(void *ctx, const char *msg)
{
    (void)ctx;
    grub_dprintf("virtiofs", "%s\n", msg);
}

/* No dma_addr/dma_hold: GRUB frees its buffers when it likes, so every
 * byte moves through the core's own DMA memory. */
void grub_vs_port_init(struct vs_port *port)
{
    *port = (struct vs_port){
        .pci_read = pci_read,
        .pci_write = pci_write,
        .pci_max_bus = 255,
        .map_mmio = map_mmio,
        .dma_alloc = dma_alloc,
        .dma_free = dma_free,
        .alloc = mem_alloc,
        .free = mem_free,
        .now_ns = now_ns,
        .log = port_log,
    };
}
