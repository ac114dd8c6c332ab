/* The core's porting layer on this board: ECAM configuration access,
 * Device-mapped MMIO, identity-mapped DMA pages, picolibc's malloc, the
 * generic timer and the PL011. */
#include <stdlib.h>
#include <string.h>
#include "a64.h"
#include "vs_port.h"

static uint32_t pci_read(void *ctx, vs_bdf_t bdf, uint16_t off, int width)
{
    (void)ctx;
    return ecam_read(bdf, off, width);
}

static void pci_write(void *ctx, vs_bdf_t bdf, uint16_t off, int width, uint32_t val)
{
    (void)ctx;
    ecam_write(bdf, off, width, val);
}

static volatile void *map_mmio(void *ctx, uint64_t phys, uint64_t len)
{
    (void)ctx;
    return mmio_map(phys, len);
}

static size_t pages_for(size_t size)
{
    return (size + PAGE_SIZE - 1) / PAGE_SIZE;
}

static void *dma_alloc(void *ctx, size_t size, uint64_t *dev_addr)
{
    (void)ctx;
    void *p = page_alloc(pages_for(size));
    *dev_addr = (uintptr_t)p;
    return p;
}

static void dma_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    page_free(p, pages_for(size));
}

static bool dma_addr(void *ctx, const void *p, size_t len, uint64_t *dev_addr)
{
    (void)ctx;
    (void)len;
    *dev_addr = (uintptr_t)p;
    return true;
}

static void *alloc(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size);
}

static void release(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

static uint64_t now_ns(void *ctx)
{
    (void)ctx;
    return clock_ns();
}

static void relax(void *ctx)
{
    (void)ctx;
    cpu_relax();
}

static void log_line(void *ctx, const char *msg)
{
    (void)ctx;
    console_puts(msg);
    console_puts("\n");
}

static struct vs_port port = {
    .pci_read = pci_read,
    .pci_write = pci_write,
    .pci_max_bus = -1,
    .map_mmio = map_mmio,
    .dma_alloc = dma_alloc,
    .dma_free = dma_free,
    .dma_addr = dma_addr,
    .alloc = alloc,
    .free = release,
    .now_ns = now_ns,
    .relax = relax,
    .log = log_line,
};

const struct vs_port *platform_port(void)
{
    port.pci_max_bus = a64_board.ecam ? a64_board.bus_end : -1;
    return &port;
}

const char *platform_cmdline(void)
{
    return a64_board.bootargs ? a64_board.bootargs : "";
}
