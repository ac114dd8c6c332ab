/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtio 1.x MMIO transport (virtio 1.x 4.2, register layout version 2):
 * a device is a window of registers at a physical address the platform
 * knows (a device tree `virtio,mmio` node, the x86 microvm command line,
 * a fixed board address).  Only version 2 ("modern") devices are driven:
 * a legacy (version 1) device is refused. */
#ifndef VMMIO_H
#define VMMIO_H

#include "vtransport.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VMMIO_MAGIC 0x74726976u /* "virt", little-endian */
#define VMMIO_VERSION 2u
/* The registers end where the device configuration starts. */
#define VMMIO_CONFIG 0x100u
/* The usual window size (QEMU, Firecracker, cloud-hypervisor). */
#define VMMIO_WINDOW 0x200u

struct vmmio_dev {
    const struct vs_port *port;
    volatile uint8_t *base;   /* the mapped register window */
    uint64_t phys;            /* its physical address */
    uint32_t size;            /* its length in bytes (>= VMMIO_CONFIG) */
    uint32_t device_id;       /* virtio device type (26 for virtio-fs) */
    uint32_t vendor_id;
};

/* What is at [phys, phys + size): maps the window and reads its identity
 * registers.  Returns the virtio device type (> 0), 0 for an empty slot
 * (a transport with no device behind it, as QEMU leaves unused slots),
 * -ENODEV when the magic value is wrong or the window is smaller than the
 * registers, -ENOTSUP for a legacy (version 1) device, -EPROTO for an
 * unknown version, -ENOMEM when the window cannot be mapped. */
int vmmio_probe(const struct vs_port *port, uint64_t phys, uint64_t size);

/* Opens the device at [phys, phys + size) (errors as vmmio_probe; -ENODEV
 * also when the slot is empty) and fills *tr with d's operations.  d and
 * port must outlive every user of tr. */
int vmmio_open(struct vmmio_dev *d, const struct vs_port *port, uint64_t phys, uint64_t size,
               struct vs_transport *tr);

/* Reads and acknowledges the interrupt status (bit 0: used buffer, bit 1:
 * configuration change); returns what was pending.  For platforms that wire
 * the device's interrupt; a polling driver never needs it. */
uint32_t vmmio_irq_ack(struct vmmio_dev *d);

/* A device window announced on a kernel command line. */
struct vmmio_window {
    uint64_t base, size;
    uint32_t irq;
};

/* Takes the Linux-style `virtio_mmio.device=SIZE@BASE:IRQ[:ID]` words
 * (SIZE with an optional K/M/G suffix, numbers decimal or 0x-hex) off the
 * END of `line` (NUL-terminated, modified in place), where QEMU's microvm
 * (with acpi=off and auto-kernel-cmdline) appends them, and stores up to
 * `max` windows in order of appearance.  Words before the last word that is
 * not such a device are left alone, so a user's quoted text is never
 * touched.  Returns how many words were removed (may exceed max). */
int vmmio_take_cmdline(char *line, struct vmmio_window *out, int max);

#ifdef __cplusplus
}
#endif

#endif
