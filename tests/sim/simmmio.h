/* SPDX-License-Identifier: BSD-2-Clause */
/* The host tests' device-register accessors (vs_mmio.h, selected with
 * -DVS_MMIO_OVERRIDE='"simmmio.h"'): plain volatile accesses, each one
 * logged with its address and width (and every vs_io_wmb as a barrier), so a
 * test can check how the transports touch a device.  A hook called before
 * each access may change the memory first: a device whose registers move
 * (a configuration generation that changes mid-read). */
#ifndef SIMMMIO_H
#define SIMMMIO_H

#include <stdint.h>

struct simmmio_access {
    uintptr_t addr;
    uint32_t val;      /* written, or read (0 for a barrier) */
    uint8_t width;     /* 1, 2, 4; 0 for a barrier */
    char kind;         /* 'r' read, 'w' write, 'b' barrier */
};

#define SIMMMIO_LOG 8192

uint8_t vs_mmio_read8(const volatile void *a);
uint16_t vs_mmio_read16(const volatile void *a);
uint32_t vs_mmio_read32(const volatile void *a);
void vs_mmio_write8(volatile void *a, uint8_t v);
void vs_mmio_write16(volatile void *a, uint16_t v);
void vs_mmio_write32(volatile void *a, uint32_t v);
void simmmio_barrier(void);
#define vs_io_wmb() simmmio_barrier()

/* Forgets the log. */
void simmmio_clear(void);
/* Accesses since the last clear (beyond SIMMMIO_LOG they are counted, not
 * kept), and the ith of the kept ones. */
unsigned long simmmio_count(void);
const struct simmmio_access *simmmio_get(unsigned long i);
/* Calls fn(arg, access) before each access from now (val not yet known
 * for a read); NULL stops it. */
void simmmio_hook(void (*fn)(void *arg, const struct simmmio_access *a), void *arg);

#endif
