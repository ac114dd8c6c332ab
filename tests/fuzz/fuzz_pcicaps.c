/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for the PCI transport's capability walk and region
 * checks (virtio/vpci.c): the fuzzer plays a hostile PCI function.
 *
 * The input's first 256 bytes are the function's configuration space
 * (header, BARs, capability list); the rest fills the memory every mapped
 * region starts with (common configuration, device configuration, MSI-X
 * table).  The port checks every promise the transport makes:
 *   - configuration space is read and written only within [0, 0x100), with
 *     naturally aligned accesses of 1, 2 or 4 bytes;
 *   - a region it maps does not wrap around the address space;
 *   - vpci_open returns 0, -ENODEV, -EPROTO or -ENOMEM, in bounded time;
 *   - after a successful open: the common region holds the 56-byte common
 *     configuration, the notify multiplier is even and a doorbell fits.
 * Then the device is driven a little (the tag through viofs_read_tag, both
 * queues enabled and notified, MSI-X set up); every mapped region is a heap
 * buffer of exactly its length, so any access outside one is an
 * AddressSanitizer report (register accesses are plain memory here:
 * tests/sim/simmmio.c).
 *
 *   make fuzz   (or: build/fuzz/fuzz_pcicaps tests/fuzz/corpus/pcicaps -max_total_time=60)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "simmmio.h"
#include "virtiofs.h"
#include "vpci.h"
#include "vs_errno.h"

#define REQUIRE(c)       \
    do {                 \
        if (!(c))        \
            abort();     \
    } while (0)

#define BDF VS_BDF(0, 3, 0)
#define MAX_MAPS 8
/* The port refuses larger maps (vpci_open then fails with ENOMEM). */
#define MAX_MAP_LEN 0x10000u

struct fuzz_pci {
    uint8_t cfg[256];
    const uint8_t *fill;
    size_t fill_len;
    void *maps[MAX_MAPS];
    unsigned nmaps;
    unsigned long cfg_accesses;
    uint64_t clock;
};

static void check_access(struct fuzz_pci *f, uint16_t off, int width)
{
    REQUIRE(width == 1 || width == 2 || width == 4);
    REQUIRE(off % width == 0 && off + width <= 256);
    /* A walk visits each of the 48 capability slots at most once. */
    REQUIRE(++f->cfg_accesses < 2000);
}

static uint32_t pci_read(void *ctx, vs_bdf_t bdf, uint16_t off, int width)
{
    struct fuzz_pci *f = ctx;
    if (bdf != BDF)
        return 0xffffffffu;
    check_access(f, off, width);
    uint32_t v = 0;
    for (int i = 0; i < width; i++)
        v |= (uint32_t)f->cfg[off + i] << (8 * i);
    return v;
}

static void pci_write(void *ctx, vs_bdf_t bdf, uint16_t off, int width, uint32_t val)
{
    struct fuzz_pci *f = ctx;
    REQUIRE(bdf == BDF);
    check_access(f, off, width);
    for (int i = 0; i < width; i++)
        f->cfg[off + i] = (uint8_t)(val >> (8 * i));
}

static volatile void *map_mmio(void *ctx, uint64_t phys, uint64_t len)
{
    struct fuzz_pci *f = ctx;
    REQUIRE(len > 0 && phys <= UINT64_MAX - len);
    if (len > MAX_MAP_LEN || f->nmaps == MAX_MAPS)
        return NULL;
    uint8_t *p = malloc(len);
    REQUIRE(p);
    for (uint64_t i = 0; i < len; i++)
        p[i] = f->fill_len ? f->fill[i % f->fill_len] : 0;
    f->maps[f->nmaps++] = p;
    return p;
}

static uint64_t now_ns(void *ctx)
{
    struct fuzz_pci *f = ctx;
    return f->clock += 1000000;
}

static void exercise(struct vpci_dev *d, struct vs_transport *tr)
{
    char tag[VIOFS_TAG_MAX + 1];
    int err = viofs_read_tag(tr, tag);
    REQUIRE(err == 0 || err == -VS_EPROTO || err == -VS_EIO);
    REQUIRE(tr->irq_setup(tr->t, 0xfee00000u, 0x41) == 0 || !d->msix_table);
    for (uint16_t q = 0; q < 2; q++) {
        struct vq vq;
        memset(&vq, 0, sizeof(vq));
        vq.index = q;
        vq.size = 16;
        vq.irq = q == 1;
        (void)tr->queue_max(tr->t, q);
        if (tr->queue_enable(tr->t, &vq) == 0) {
            REQUIRE(vq.notify);
            vq.notify(vq.notify_ctx, q);
        }
    }
    (void)tr->get_features(tr->t);
    tr->set_status(tr->t, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_pci f;
    memset(&f, 0, sizeof(f));
    memcpy(f.cfg, data, size < 256 ? size : 256);
    if (size > 256) {
        f.fill = data + 256;
        f.fill_len = size - 256;
    }
    struct vs_port port;
    memset(&port, 0, sizeof(port));
    port.ctx = &f;
    port.pci_read = pci_read;
    port.pci_write = pci_write;
    port.pci_max_bus = 0;
    port.map_mmio = map_mmio;
    port.now_ns = now_ns;

    struct vpci_dev d;
    struct vs_transport tr;
    int err = vpci_open(&d, &port, BDF, &tr);
    REQUIRE(err == 0 || err == -VS_ENODEV || err == -VS_EPROTO || err == -VS_ENOMEM);
    if (err == 0) {
        REQUIRE(d.common.p && d.notify.p && d.isr.p && d.device.p);
        REQUIRE(d.common.len >= 56 && d.notify.len >= 2 && d.notify_mult % 2 == 0);
        exercise(&d, &tr);
    }
    for (unsigned i = 0; i < f.nmaps; i++)
        free(f.maps[i]);
    return 0;
}
