/* SPDX-License-Identifier: BSD-2-Clause */
/* The vs_port over GRUB's services: PCI configuration space through
 * pci_grub.h, DMA memory from grub_memalign (GRUB runs identity-mapped on
 * i386-pc and x86_64-efi, and its heap lies below 4 GiB there: an address is
 * its own device address on a machine without an IOMMU), grub_get_time_ms. */
#ifndef PORT_GRUB_H
#define PORT_GRUB_H

#include "vs_port.h"

void grub_vs_port_init(struct vs_port *port);

#endif
