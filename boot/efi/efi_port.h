/* SPDX-License-Identifier: BSD-2-Clause */
/* The core's porting layer under UEFI (port_efi.c), shared by the EFI
 * application (boot/efi/main_efi.c: one port for every virtio-fs function)
 * and the file-system driver (boot/efi-driver/: one port per device it binds).
 *
 * PCI: the application lists every EFI_PCI_IO_PROTOCOL handle of PCI segment 0 with its
 * real bus/device/function (PciIo->GetLocation), so the bdf the core passes
 * is the device's true address; pci_read/pci_write look the bdf up in that
 * table and go through PciIo->Pci.Read/Write (absent functions read as all
 * ones, so vpci_find's bus scan works unchanged).  The BARs are accessed
 * directly: UEFI identity-maps memory-mapped I/O on x86-64 and AArch64 and
 * the PciIo attributes enable memory decoding and bus mastering first.
 *
 * DMA: PciIo->AllocateBuffer + PciIo->Map(BusMasterCommonBuffer) of the
 * first claimed device, so the device address comes from the firmware (the
 * same as the CPU's on a machine without an IOMMU, a bounce or IOMMU
 * address otherwise).  dma_addr says yes only for memory inside one of
 * those common buffers; every other caller buffer is bounced by the core.
 * dma_hold marks the common buffer a request outlived its call with: it is
 * never freed (the UEFI driver reads small files through a staging buffer
 * of its own DMA memory, since a firmware caller's buffer cannot be kept
 * from reuse; its direct.c wraps this port for large Reads, with a fence). */
#ifndef EFI_PORT_H
#define EFI_PORT_H

#include <efi.h>

#include "efi_kept.h"
#include "vs_port.h"
#include "vtransport.h"

#define EFI_PORT_MAX_FNS 256
#define EFI_PORT_MAX_CLAIMED 8

struct efi_pci_fn {
    EFI_HANDLE handle;
    EFI_PCI_IO_PROTOCOL *io;
    vs_bdf_t bdf;
    bool claimed;           /* opened BY_DRIVER|EXCLUSIVE by us */
    bool by_driver;
    uint64_t saved_attrs;   /* PciIo attributes before we enabled ours */
};

struct efi_dma_buf;

struct efi_port {
    struct vs_port port;
    EFI_HANDLE image;               /* the agent of our OpenProtocol calls */
    EFI_MEMORY_TYPE pool_type;      /* the image's data type (loader or boot services) */
    EFI_SYSTEM_TABLE *st;
    struct efi_pci_fn *fns;
    int nfns;
    EFI_PCI_IO_PROTOCOL *dma_io;    /* whose AllocateBuffer/Map we use */
    struct efi_dma_buf *dma;        /* live DMA buffers */
    uint64_t tsc_base, tsc_mult;    /* ns = (counter - base) * mult >> 32 (TSC or CNTVCT) */
    /* Transports to reset at ExitBootServices. */
    const struct vs_transport *live[EFI_PORT_MAX_CLAIMED];
    int nlive;
    EFI_EVENT ebs_event;
    struct efi_kept kept;           /* the core's memory (efi_kept.h) */
};

/* Calibrates the clock, fills p->port; no PCI function yet. */
EFI_STATUS efi_port_init(struct efi_port *p, EFI_HANDLE image, EFI_SYSTEM_TABLE *st);
/* The application: lists every PCI function (efi_port_claim takes one). */
EFI_STATUS efi_port_list_pci(struct efi_port *p);
/* The driver: the port's one function is `handle`, whose PciIo the driver's
 * Start already opened BY_DRIVER with p->image as the agent; enables it as
 * efi_port_claim does and gives its bdf.  Returns 0 or a negative errno. */
int efi_port_adopt(struct efi_port *p, EFI_HANDLE handle, EFI_PCI_IO_PROTOCOL *io, vs_bdf_t *bdf);
/* Takes the function at bdf away from the firmware's drivers
 * (DisconnectController, then OpenProtocol BY_DRIVER|EXCLUSIVE) and enables
 * memory decoding, bus mastering and 64-bit DMA through PciIo->Attributes.
 * Returns 0 or a negative errno. */
int efi_port_claim(struct efi_port *p, vs_bdf_t bdf);
/* Remembers tr for the ExitBootServices reset (creates the event once). */
void efi_port_track(struct efi_port *p, const struct vs_transport *tr);
/* Forgets the tracked devices (the unmounts before it stopped them), hands
 * the claimed functions back to the firmware (CloseProtocol, and ConnectController when `reconnect`), closes the
 * event, frees the function table.  Called once: before the application
 * returns, or by the driver's Stop. */
void efi_port_release(struct efi_port *p, bool reconnect);
/* Writes a line to ConOut (for the port's log hook and main's messages). */
void efi_con_write(EFI_SYSTEM_TABLE *st, const char *s, size_t n);

/* GUIDs (gnu-efi's libefi is not linked). */
extern EFI_GUID efi_guid_pci_io, efi_guid_loaded_image, efi_guid_device_path,
    efi_guid_shell_parameters, efi_guid_load_file2, efi_guid_initrd_media;

#endif
