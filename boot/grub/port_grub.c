/* SPDX-License-Identifier: BSD-2-Clause */
#include <grub/mm.h>
#include <grub/misc.h>
#include <grub/time.h>
#include "pci_grub.h"
#include "port_grub.h"

/* Paging is off (i386-pc) or identity (UEFI on x86-64) wherever this port
 * runs: a BAR's address is usable as is, provided the pointer can hold it. */
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
        .map_mmio = map_mmio,
        .dma_alloc = dma_alloc,
        .dma_free = dma_free,
        .alloc = mem_alloc,
        .free = mem_free,
        .now_ns = now_ns,
        .log = port_log,
    };
    grub_vs_pci_init(port);
}
