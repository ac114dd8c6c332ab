/* SPDX-License-Identifier: BSD-2-Clause */
/* The simulated PCI function (simpci.h). */
#include "simpci.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpci.h"

#define PCI_STATUS_CAP_LIST 0x10

static void misuse(struct simpci *s, const char *fmt, ...)
{
    s->errors++;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->error, sizeof(s->error), fmt, ap);
    va_end(ap);
}

static uint32_t pci_read(void *ctx, vs_bdf_t bdf, uint16_t off, int width)
{
    struct simpci *s = ctx;
    if (bdf != SIMPCI_BDF)
        return 0xffffffffu;
    s->cfg_reads++;
    if ((width != 1 && width != 2 && width != 4) || off % width || off + width > 256) {
        misuse(s, "config read of %d bytes at %#x", width, off);
        return 0xffffffffu;
    }
    uint32_t v = 0;
    for (int i = 0; i < width; i++) {
        s->cfg_read_at[off + i]++;
        v |= (uint32_t)s->cfg[off + i] << (8 * i);
    }
    return v;
}

static void pci_write(void *ctx, vs_bdf_t bdf, uint16_t off, int width, uint32_t val)
{
    struct simpci *s = ctx;
    if (bdf != SIMPCI_BDF)
        return;
    if ((width != 1 && width != 2 && width != 4) || off % width || off + width > 256) {
        misuse(s, "config write of %d bytes at %#x", width, off);
        return;
    }
    for (int i = 0; i < width; i++)
        s->cfg[off + i] = (uint8_t)(val >> (8 * i));
}

static volatile void *map_mmio(void *ctx, uint64_t phys, uint64_t len)
{
    struct simpci *s = ctx;
    s->maps++;
    for (unsigned i = 0; i < SIMPCI_BARS; i++) {
        uint64_t base = SIMPCI_BAR_PHYS + i * SIMPCI_BAR_STRIDE;
        if (phys >= base && len <= SIMPCI_BAR_SIZE && phys - base <= SIMPCI_BAR_SIZE - len)
            return s->bar[i] + (phys - base);
    }
    misuse(s, "map of [%#llx, +%#llx) outside every BAR", (unsigned long long)phys, (unsigned long long)len);
    return NULL;
}

static uint64_t now_ns(void *ctx)
{
    struct simpci *s = ctx;
    return s->clock += 1000000;
}

static void log_line(void *ctx, const char *msg)
{
    struct simpci *s = ctx;
    snprintf(s->last_log, sizeof(s->last_log), "%s", msg);
}

void simpci_put8(struct simpci *s, unsigned off, uint8_t v)
{
    s->cfg[off] = v;
}

void simpci_put16(struct simpci *s, unsigned off, uint16_t v)
{
    simpci_put8(s, off, (uint8_t)v);
    simpci_put8(s, off + 1, (uint8_t)(v >> 8));
}

void simpci_put32(struct simpci *s, unsigned off, uint32_t v)
{
    simpci_put16(s, off, (uint16_t)v);
    simpci_put16(s, off + 2, (uint16_t)(v >> 16));
}

void simpci_vcap(struct simpci *s, unsigned at, unsigned next, uint8_t cap_len, uint8_t type, uint8_t bar,
                 uint32_t offset, uint32_t length, uint32_t mult)
{
    simpci_put8(s, at, 0x09);
    simpci_put8(s, at + 1, (uint8_t)next);
    simpci_put8(s, at + 2, cap_len);
    simpci_put8(s, at + 3, type);
    simpci_put8(s, at + 4, bar);
    simpci_put32(s, at + 8, offset);
    simpci_put32(s, at + 12, length);
    if (cap_len >= 20 && at + 20 <= sizeof(s->cfg))
        simpci_put32(s, at + 16, mult);
}

volatile uint8_t *simpci_mem(struct simpci *s, unsigned bar, uint32_t off)
{
    return s->bar[bar] + off;
}

void simpci_init(struct simpci *s)
{
    memset(s, 0, sizeof(*s));
    for (unsigned i = 0; i < SIMPCI_BARS; i++) {
        s->bar[i] = aligned_alloc(4096, SIMPCI_BAR_SIZE);
        if (!s->bar[i])
            abort();
        memset(s->bar[i], 0, SIMPCI_BAR_SIZE);
    }
    s->port.ctx = s;
    s->port.pci_read = pci_read;
    s->port.pci_write = pci_write;
    s->port.pci_max_bus = 0;
    s->port.map_mmio = map_mmio;
    s->port.now_ns = now_ns;
    s->port.log = log_line;

    simpci_put16(s, 0x00, VPCI_VENDOR);
    simpci_put16(s, 0x02, VPCI_DEVICE_ID(VIRTIO_ID_FS));
    simpci_put16(s, 0x06, PCI_STATUS_CAP_LIST);
    /* BAR 4 and 5: one 64-bit memory BAR (type 2 in bits 2:1). */
    uint64_t bar4 = SIMPCI_BAR_PHYS + SIMPCI_STD_BAR * SIMPCI_BAR_STRIDE;
    simpci_put32(s, 0x10 + 4 * SIMPCI_STD_BAR, (uint32_t)bar4 | 0x4);
    simpci_put32(s, 0x14 + 4 * SIMPCI_STD_BAR, (uint32_t)(bar4 >> 32));
    /* The others 32-bit memory BARs (for tests that point caps at them). */
    for (unsigned i = 0; i < 4; i++)
        simpci_put32(s, 0x10 + 4 * i, (uint32_t)(SIMPCI_BAR_PHYS + i * SIMPCI_BAR_STRIDE));
    simpci_put8(s, 0x34, SIMPCI_CAP_COMMON);
    simpci_vcap(s, SIMPCI_CAP_COMMON, SIMPCI_CAP_ISR, 16, 1, SIMPCI_STD_BAR, SIMPCI_COMMON_OFF, 0x1000, 0);
    simpci_vcap(s, SIMPCI_CAP_ISR, SIMPCI_CAP_DEVICE, 16, 3, SIMPCI_STD_BAR, SIMPCI_ISR_OFF, 0x1000, 0);
    simpci_vcap(s, SIMPCI_CAP_DEVICE, SIMPCI_CAP_NOTIFY, 16, 4, SIMPCI_STD_BAR, SIMPCI_DEVICE_OFF, 0x1000, 0);
    simpci_vcap(s, SIMPCI_CAP_NOTIFY, SIMPCI_CAP_MSIX, 20, 2, SIMPCI_STD_BAR, SIMPCI_NOTIFY_OFF, 0x1000, 4);
    /* MSI-X: one-entry table and PBA in BAR 1. */
    simpci_put8(s, SIMPCI_CAP_MSIX, 0x11);
    simpci_put8(s, SIMPCI_CAP_MSIX + 1, 0);
    simpci_put16(s, SIMPCI_CAP_MSIX + 2, 0);
    simpci_put32(s, SIMPCI_CAP_MSIX + 4, 1);
    simpci_put32(s, SIMPCI_CAP_MSIX + 8, 1 | 0x800);
}

void simpci_fini(struct simpci *s)
{
    for (unsigned i = 0; i < SIMPCI_BARS; i++)
        free(s->bar[i]);
}
