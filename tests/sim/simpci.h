/* SPDX-License-Identifier: BSD-2-Clause */
/* A simulated PCI function for the PCI transport's tests (virtio/vpci.c):
 * a 256-byte configuration space the test lays out (header, BARs,
 * capability list), behind a struct vs_port whose pci_read/pci_write check
 * and count every access, and BAR memory in host buffers that map_mmio hands
 * out (plain memory: the transport's accesses to it are logged by
 * simmmio.h, and a test makes registers move with simmmio_hook).
 *
 * simpci_init lays out a well-formed virtio-fs function the way QEMU does:
 * BAR 4 (64-bit memory) holding common (0x0), ISR (0x1000), device
 * (0x2000) and notify (0x3000, multiplier 4) regions, their capabilities at
 * 0x40, 0x50, 0x60, 0x70 and MSI-X at 0x98.  Tests then break what they
 * want. */
#ifndef SIMPCI_H
#define SIMPCI_H

#include <stdbool.h>
#include <stdint.h>

#include "vs_port.h"

#define SIMPCI_BDF VS_BDF(0, 3, 0)
#define SIMPCI_BARS 6
#define SIMPCI_BAR_SIZE 0x4000u
/* Where BAR i decodes: SIMPCI_BAR_PHYS + i * SIMPCI_BAR_STRIDE. */
#define SIMPCI_BAR_PHYS 0xfe000000ull
#define SIMPCI_BAR_STRIDE 0x100000ull

/* The standard layout's capability and region offsets. */
#define SIMPCI_CAP_COMMON 0x40
#define SIMPCI_CAP_ISR 0x50
#define SIMPCI_CAP_DEVICE 0x60
#define SIMPCI_CAP_NOTIFY 0x70
#define SIMPCI_CAP_MSIX 0x98
#define SIMPCI_COMMON_OFF 0x0000u
#define SIMPCI_ISR_OFF 0x1000u
#define SIMPCI_DEVICE_OFF 0x2000u
#define SIMPCI_NOTIFY_OFF 0x3000u
#define SIMPCI_STD_BAR 4

struct simpci {
    struct vs_port port;          /* hand &s->port to vpci_open */
    uint8_t cfg[256];
    uint8_t *bar[SIMPCI_BARS];    /* SIMPCI_BAR_SIZE bytes each */

    unsigned long cfg_reads;
    unsigned long cfg_read_at[256]; /* reads that touched each byte */
    unsigned long maps;
    /* Misuse by the transport: a config access misaligned or beyond 0xff,
     * a map outside every BAR. */
    unsigned long errors;
    char error[200];
    char last_log[200];           /* the transport's last port->log line */
    uint64_t clock;
};

void simpci_init(struct simpci *s);
void simpci_fini(struct simpci *s);

/* Little-endian stores into configuration space. */
void simpci_put8(struct simpci *s, unsigned off, uint8_t v);
void simpci_put16(struct simpci *s, unsigned off, uint16_t v);
void simpci_put32(struct simpci *s, unsigned off, uint32_t v);
/* Writes a virtio vendor capability (struct virtio_pci_cap, plus the notify
 * multiplier when cap_len >= 20 and it fits) at `at` with next pointer
 * `next`. */
void simpci_vcap(struct simpci *s, unsigned at, unsigned next, uint8_t cap_len, uint8_t type, uint8_t bar,
                 uint32_t offset, uint32_t length, uint32_t mult);

/* Host address of BAR i's byte at off (the standard regions live in
 * SIMPCI_STD_BAR). */
volatile uint8_t *simpci_mem(struct simpci *s, unsigned bar, uint32_t off);

#endif
