/* SPDX-License-Identifier: BSD-2-Clause */
/* Logged device-register accesses for the host tests (simmmio.h). */
#include "simmmio.h"

#include <stddef.h>

static struct simmmio_access log_[SIMMMIO_LOG];
static unsigned long count;
static void (*hook_fn)(void *arg, const struct simmmio_access *a);
static void *hook_arg;

static struct simmmio_access *record(const volatile void *a, uint8_t width, char kind, uint32_t val)
{
    struct simmmio_access acc = {(uintptr_t)a, val, width, kind};
    if (hook_fn)
        hook_fn(hook_arg, &acc);
    struct simmmio_access *slot = count < SIMMMIO_LOG ? &log_[count] : NULL;
    if (slot)
        *slot = acc;
    count++;
    return slot;
}

/* A read is logged before it happens (the hook may change the memory), its
 * value filled in after. */
#define READ(type, width)                                   \
    do {                                                    \
        struct simmmio_access *s = record(a, width, 'r', 0); \
        type v = *(const volatile type *)a;                 \
        if (s)                                              \
            s->val = v;                                     \
        return v;                                           \
    } while (0)

uint8_t vs_mmio_read8(const volatile void *a) { READ(uint8_t, 1); }
uint16_t vs_mmio_read16(const volatile void *a) { READ(uint16_t, 2); }
uint32_t vs_mmio_read32(const volatile void *a) { READ(uint32_t, 4); }

void vs_mmio_write8(volatile void *a, uint8_t v)
{
    record(a, 1, 'w', v);
    *(volatile uint8_t *)a = v;
}

void vs_mmio_write16(volatile void *a, uint16_t v)
{
    record(a, 2, 'w', v);
    *(volatile uint16_t *)a = v;
}

void vs_mmio_write32(volatile void *a, uint32_t v)
{
    record(a, 4, 'w', v);
    *(volatile uint32_t *)a = v;
}

void simmmio_barrier(void)
{
    record(NULL, 0, 'b', 0);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void simmmio_clear(void)
{
    count = 0;
}

unsigned long simmmio_count(void)
{
    return count;
}

const struct simmmio_access *simmmio_get(unsigned long i)
{
    return i < count && i < SIMMMIO_LOG ? &log_[i] : NULL;
}

void simmmio_hook(void (*fn)(void *arg, const struct simmmio_access *a), void *arg)
{
    hook_fn = fn;
    hook_arg = arg;
}
