/* SPDX-License-Identifier: BSD-2-Clause */
#include "port_common.h"
#include "app.h"

#define PAGE_BYTES 4096u
/* Held ranges kept apart; past that every free is refused (see below). */
#define HELD_MAX 64

/* Caller memory a device may still write or read (vs_port.dma_hold): the
 * heap frees no block that overlaps it.  The table is bounded; should it
 * ever fill, no block is freed again, which is safe (memory only leaks). */
static struct held_range {
    uintptr_t lo, hi;
} held[HELD_MAX];
static unsigned held_count;
static bool held_overflow;

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

void bport_dma_hold(void *ctx, const void *p, size_t len)
{
    (void)ctx;
    if (held_count == HELD_MAX) {
        held_overflow = true;
        return;
    }
    held[held_count++] = (struct held_range){(uintptr_t)p, (uintptr_t)p + len};
}

bool bport_held(const void *p, size_t len)
{
    uintptr_t lo = (uintptr_t)p, hi = lo + len;
    if (held_overflow)
        return true;
    for (unsigned i = 0; i < held_count; i++) {
        if (lo < held[i].hi && held[i].lo < hi)
            return true;
    }
    return false;
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

static void console_out(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    console_write(s, n);
}

static int console_in(void *ctx)
{
    (void)ctx;
    return console_getc();
}

void bport_app_init(struct app *a)
{
    app_init(a, platform_port(), (struct fmt_out){console_out, 0});
    a->read_char = console_in;
}
