#include "port_common.h"

#define PAGE_BYTES 4096u

volatile void *bport_map_mmio(void *ctx, uint64_t phys, uint64_t len)
{
    (void)ctx;
    return mmio_map(phys, len);
}

static size_t pages_for(size_t size)
{
    return (size + PAGE_BYTES - 1) / PAGE_BYTES;
}

void *bport_dma_alloc(void *ctx, size_t size, uint64_t *dev_addr)
{
    (void)ctx;
    void *p = page_alloc(pages_for(size));
    *dev_addr = (uintptr_t)p;
    return p;
}

void bport_dma_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    page_free(p, pages_for(size));
}

bool bport_dma_addr(void *ctx, const void *p, size_t len, uint64_t *dev_addr)
{
    (void)ctx;
    (void)len;
    *dev_addr = (uintptr_t)p;
    return true;
}

uint64_t bport_now_ns(void *ctx)
{
    (void)ctx;
    return clock_ns();
}

void bport_log(void *ctx, const char *msg)
{
    (void)ctx;
    console_write(msg, vs_strlen(msg));
    console_write("\n", 1);
}
