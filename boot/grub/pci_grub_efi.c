/* SPDX-License-Identifier: BSD-2-Clause */
/* PCI configuration space through the firmware's EFI_PCI_IO_PROTOCOL
 * (x86_64-efi, arm64-efi).  Every function's PciIo is opened GET_PROTOCOL, which needs
 * no driver to let go: OVMF's VirtioFsDxe keeps its hold on the virtio-fs
 * device, but it is idle while GRUB runs, the core resets the device before
 * using it, and GRUB's preboot hook resets it again before the next OS.
 * Only configuration space goes through PciIo: the BARs are used at their
 * physical addresses (UEFI identity-maps MMIO on x86-64 and AArch64). */
#include <grub/efi/efi.h>
#include <grub/efi/pci.h>
#include <grub/mm.h>
#include "pci_grub.h"
#include "pci_grub_efi.h"

struct pci_fn {
    vs_bdf_t bdf;
    grub_efi_handle_t handle;
    grub_efi_pci_io_t *io;
};

static struct {
    bool listed;
    int count;
    struct pci_fn *fns;
} pci;

/* Every PciIo the firmware has, by bus/device/function (segment 0 only:
 * a vs_bdf_t has no segment).  Once: the firmware enumerated PCI before
 * GRUB started. */
static void list_functions(void)
{
    if (pci.listed)
        return;
    pci.listed = true;
    grub_efi_guid_t guid = GRUB_EFI_PCI_IO_GUID;
    grub_efi_uintn_t n = 0;
    grub_efi_handle_t *handles = grub_efi_locate_handle(GRUB_EFI_BY_PROTOCOL, &guid, NULL, &n);
    if (!handles)
        return;
    pci.fns = grub_calloc(n, sizeof(*pci.fns));
    for (grub_efi_uintn_t i = 0; pci.fns && i < n; i++) {
        grub_efi_pci_io_t *io = grub_efi_open_protocol(handles[i], &guid, GRUB_EFI_OPEN_PROTOCOL_GET_PROTOCOL);
        grub_efi_uintn_t seg, bus, dev, fn;
        if (!io || efi_call_5(io->get_location, io, &seg, &bus, &dev, &fn) != GRUB_EFI_SUCCESS || seg != 0 ||
            bus > 255 || dev > 31 || fn > 7)
            continue;
        pci.fns[pci.count++] = (struct pci_fn){ .bdf = VS_BDF(bus, dev, fn), .handle = handles[i], .io = io };
    }
    grub_free(handles);
}

static struct pci_fn *fn_of(vs_bdf_t bdf)
{
    list_functions();
    for (int i = 0; i < pci.count; i++)
        if (pci.fns[i].bdf == bdf)
            return &pci.fns[i];
    return NULL;
}

static grub_efi_pci_io_t *io_of(vs_bdf_t bdf)
{
    struct pci_fn *f = fn_of(bdf);
    return f ? f->io : NULL;
}

grub_efi_handle_t grub_vs_pci_handle(vs_bdf_t bdf)
{
    struct pci_fn *f = fn_of(bdf);
    return f ? f->handle : NULL;
}

void grub_vs_pci_reconnect(vs_bdf_t bdf)
{
    struct pci_fn *f = fn_of(bdf);
    if (!f)
        return;
    grub_efi_boot_services_t *b = grub_efi_system_table->boot_services;
    efi_call_3(b->disconnect_controller, f->handle, NULL, NULL);
    efi_call_4(b->connect_controller, f->handle, NULL, NULL, 1);
}

static grub_efi_pci_io_width_t width_of(int width)
{
    return width == 1 ? GRUB_EFI_PCI_IO_WIDTH_UINT8 : width == 2 ? GRUB_EFI_PCI_IO_WIDTH_UINT16
                                                                : GRUB_EFI_PCI_IO_WIDTH_UINT32;
}

/* A function the firmware does not have reads as all ones, as on a bus. */
static uint32_t pci_read(void *ctx, vs_bdf_t bdf, uint16_t off, int width)
{
    (void)ctx;
    uint32_t ones = width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
    grub_efi_pci_io_t *io = io_of(bdf);
    grub_efi_uint32_t val = 0;
    if (!io || efi_call_5(io->pci.read, io, width_of(width), off, 1, &val) != GRUB_EFI_SUCCESS)
        return ones;
    return val & ones;
}

static void pci_write(void *ctx, vs_bdf_t bdf, uint16_t off, int width, uint32_t val)
{
    (void)ctx;
    grub_efi_pci_io_t *io = io_of(bdf);
    if (io)
        efi_call_5(io->pci.write, io, width_of(width), off, 1, &val);
}

void grub_vs_pci_init(struct vs_port *port)
{
    port->pci_read = pci_read;
    port->pci_write = pci_write;
    port->pci_max_bus = 255;
}
