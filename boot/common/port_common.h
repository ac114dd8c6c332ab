/* SPDX-License-Identifier: BSD-2-Clause */
/* The porting-layer hooks both boot images share, and their programs'
 * start on the console.  On each board RAM is identity-mapped and the
 * devices see physical addresses, so a pointer is its own device address;
 * DMA memory is whole pages of the page allocator.  Each board's port.c puts
 * these in its struct vs_port (BPORT_SHARED_HOOKS) beside its own PCI
 * access, heap and relax hooks. */
#ifndef PORT_COMMON_H
#define PORT_COMMON_H

#include "vs_port.h"

struct app;

/* What each board's runtime provides (boot/pc/platform.h, boot/aarch64/a64.h). */
volatile void *mmio_map(uint64_t phys, uint64_t len);
void *page_alloc(size_t npages);
void page_free(void *p, size_t npages);
uint64_t clock_ns(void);
void console_write(const char *s, size_t n);
int console_getc(void);
const struct vs_port *platform_port(void);

volatile void *bport_map_mmio(void *ctx, uint64_t phys, uint64_t len);
void *bport_dma_alloc(void *ctx, size_t size, uint64_t *dev_addr);
void bport_dma_free(void *ctx, void *p, size_t size);
bool bport_dma_addr(void *ctx, const void *p, size_t len, uint64_t *dev_addr);
void bport_dma_hold(void *ctx, const void *p, size_t len);
/* Whether any byte of [p, p + len) was handed to bport_dma_hold: the
 * board's heap must then never free or reuse that block. */
bool bport_held(const void *p, size_t len);
uint64_t bport_now_ns(void *ctx);
void bport_log(void *ctx, const char *msg);

/* The hooks above, as designated initializers of a struct vs_port. */
#define BPORT_SHARED_HOOKS \
    .map_mmio = bport_map_mmio, .dma_alloc = bport_dma_alloc, .dma_free = bport_dma_free, \
    .dma_addr = bport_dma_addr, .dma_hold = bport_dma_hold, .now_ns = bport_now_ns, .log = bport_log

/* Prepares a (app_init) on the board's port, the console its output and
 * the input of `shell`. */
void bport_app_init(struct app *a);

#endif
