/* SPDX-License-Identifier: BSD-2-Clause */
/* PCI configuration space through GRUB's pci module (i386-pc). */
#include <grub/pci.h>
#include "pci_grub.h"

static grub_pci_address_t config_address(vs_bdf_t bdf, uint16_t off)
{
    grub_pci_device_t dev = { .bus = (int)(bdf >> 8), .device = (int)((bdf >> 3) & 31),
                              .function = (int)(bdf & 7) };
    return grub_pci_make_address(dev, off);
}

static uint32_t pci_read(void *ctx, vs_bdf_t bdf, uint16_t off, int width)
{
    (void)ctx;
    grub_pci_address_t a = config_address(bdf, off);
    if (width == 1)
        return grub_pci_read_byte(a);
    if (width == 2)
        return grub_pci_read_word(a);
    return grub_pci_read(a);
}

static void pci_write(void *ctx, vs_bdf_t bdf, uint16_t off, int width, uint32_t val)
{
    (void)ctx;
    grub_pci_address_t a = config_address(bdf, off);
    if (width == 1)
        grub_pci_write_byte(a, (grub_uint8_t)val);
    else if (width == 2)
        grub_pci_write_word(a, (grub_uint16_t)val);
    else
        grub_pci_write(a, val);
}

void grub_vs_pci_init(struct vs_port *port)
{
    port->pci_read = pci_read;
    port->pci_write = pci_write;
    port->pci_max_bus = 255;
}
