/* SPDX-License-Identifier: BSD-2-Clause */
/* The vs_port over GRUB's services: PCI configuration space through the
 * pci module, DMA memory from grub_memalign (GRUB runs identity-mapped on
 * i386-pc, so an address is its own device address), grub_get_time_ms. */
#ifndef PORT_GRUB_H
#define PORT_GRUB_H

#include "vs_port.h"

void grub_vs_port_init(struct vs_port *port);

#endif
