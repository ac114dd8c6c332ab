/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtio-fs device configuration (tag[36], then num_request_queues) in
 * a register window the transport tests build (virtio-mmio or PCI): set by
 * the test, moved under the driver by a simmmio hook, and the driver's reads
 * of it sorted from the simmmio log. */
#ifndef SIMCFG_H
#define SIMCFG_H

#include <stdint.h>

#include "simmmio.h"

struct simcfg {
    volatile uint8_t *cfg;  /* the device configuration */
    volatile void *gen;     /* the ConfigGeneration register */
    unsigned gen_width;     /* its width: 1 (PCI) or 4 (virtio-mmio) */
};

/* Writes tag (zero-padded to 36 bytes) and num_request_queues. */
void simcfg_set(const struct simcfg *w, const char *tag, uint32_t nrq);

/* A configuration that changes while the driver reads it:
 * simmmio_hook(simcfg_on_access, &change).  A read of trigger sets tag and
 * nrq and bumps the generation, times times; with times -1 every generation
 * read bumps it.  gen_reads counts the generation reads. */
struct simcfg_change {
    struct simcfg w;
    uintptr_t trigger;
    int times;
    const char *tag;
    uint32_t nrq;
    unsigned gen_reads;
};
void simcfg_on_access(void *arg, const struct simmmio_access *a);

/* The accesses logged since simmmio_clear: tag bytes one at a time,
 * num_request_queues with one 32-bit load, the generation at its width, and
 * everything else. */
struct simcfg_reads {
    unsigned bytes, nrq32, gens, other;
};
struct simcfg_reads simcfg_reads(const struct simcfg *w);

#endif
