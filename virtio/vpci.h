/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtio 1.x PCI transport ("modern" devices, virtio 1.x 4.1): finding
 * devices on the bus and driving them through their vendor capabilities. */
#ifndef VPCI_H
#define VPCI_H

#include "vtransport.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VPCI_VENDOR 0x1AF4
/* Modern device ids are 0x1040 + the virtio device type. */
#define VPCI_DEVICE_ID(type) (0x1040 + (type))

/* A region of a BAR that one capability points at. */
struct vpci_region {
    volatile uint8_t *p;
    uint32_t len;
};

struct vpci_dev {
    const struct vs_port *port;
    vs_bdf_t bdf;
    struct vpci_region common, notify, isr, device;
    uint32_t notify_mult;
    uint16_t num_queues;
    /* The MSI-X capability (0 when none), and its table once irq_setup has
     * mapped and programmed it (entry 0 serves every queue with vq->irq). */
    uint16_t msix_cap;
    volatile uint8_t *msix_table;
};

/* Scans buses 0..port->pci_max_bus for functions with vendor VPCI_VENDOR and
 * `device_id`, storing up to `max` addresses in order.  Returns how many were
 * found (which may exceed max). */
int vpci_find(const struct vs_port *port, uint16_t device_id, vs_bdf_t *found, int max);

/* Reads the capabilities of the function at bdf, maps the common, notify,
 * ISR and device regions, enables memory decoding and bus mastering, and
 * fills *tr with d's operations (irq_setup too: MSI-X, when the function
 * has the capability).  Capabilities naming a reserved BAR are ignored.
 * Returns 0, -ENODEV when a capability is missing or its BAR is unassigned,
 * -EPROTO for a malformed capability list (a pointer below 0x40, a loop, a
 * capability shorter than its fields or past the end of configuration
 * space, a misaligned or overflowing region, an odd notify multiplier; each
 * is also logged), or -ENOMEM when a region cannot be mapped. */
int vpci_open(struct vpci_dev *d, const struct vs_port *port, vs_bdf_t bdf, struct vs_transport *tr);

#ifdef __cplusplus
}
#endif

#endif
