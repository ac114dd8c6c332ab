/* SPDX-License-Identifier: BSD-2-Clause */
/* The core's porting layer on this board: ECAM configuration access,
 * Device-mapped MMIO, identity-mapped DMA pages, picolibc's malloc, the
 * generic timer and the PL011. */
#include <malloc.h>
#include <stdlib.h>
#include "a64.h"
#include "port_common.h"

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

static void *alloc(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size);
}

/* A block a device may still write (bport_held) is never freed. */
static void release(void *ctx, void *p)
{
    (void)ctx;
    if (p && bport_held(p, malloc_usable_size(p)))
        return;
    free(p);
}

static void relax(void *ctx)
{
    (void)ctx;
    cpu_relax();
}

static struct vs_port port = {
    .pci_read = pci_read,
    .pci_write = pci_write,
    .pci_max_bus = -1,
    .alloc = alloc,
    .free = release,
    .relax = relax,
    BPORT_SHARED_HOOKS,
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
