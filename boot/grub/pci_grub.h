/* SPDX-License-Identifier: BSD-2-Clause */
/* PCI configuration space for the port, one file per GRUB platform:
 * pci_grub_pc.c (GRUB's pci module, i386-pc) and pci_grub_efi.c (the
 * firmware's EFI_PCI_IO_PROTOCOL, x86_64-efi: GRUB has no pci module there). */
#ifndef PCI_GRUB_H
#define PCI_GRUB_H

#include "vs_port.h"

/* Sets port's pci_read, pci_write and pci_max_bus. */
void grub_vs_pci_init(struct vs_port *port);

#endif
