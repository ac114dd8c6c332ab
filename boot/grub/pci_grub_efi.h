/* SPDX-License-Identifier: BSD-2-Clause */
/* What pci_grub_efi.c offers beyond configuration space: the firmware's
 * handle of each PCI function, and its drivers restarted. */
#ifndef PCI_GRUB_EFI_H
#define PCI_GRUB_EFI_H

#include <grub/efi/api.h>
#include "vs_port.h"

/* The EFI handle of the function at bdf, or NULL. */
grub_efi_handle_t grub_vs_pci_handle(vs_bdf_t bdf);
/* Stops the firmware's drivers of the function at bdf and starts them
 * again (ConnectController, recursive), so they find the device anew. */
void grub_vs_pci_reconnect(vs_bdf_t bdf);

#endif
