/* SPDX-License-Identifier: BSD-2-Clause */
/* The core's porting layer under UEFI: PCI through EFI_PCI_IO_PROTOCOL,
 * DMA memory from PciIo->AllocateBuffer + Map, memory from the pool, a TSC
 * clock calibrated against gBS->Stall, diagnostics on ConOut.  See
 * efi_port.h for the design. */
#include "efi_port.h"
#include "vs_errno.h"

EFI_GUID efi_guid_pci_io = EFI_PCI_IO_PROTOCOL_GUID;
EFI_GUID efi_guid_loaded_image = EFI_LOADED_IMAGE_PROTOCOL_GUID;
EFI_GUID efi_guid_device_path = EFI_DEVICE_PATH_PROTOCOL_GUID;
EFI_GUID efi_guid_shell_parameters = EFI_SHELL_PARAMETERS_PROTOCOL_GUID;
/* UEFI 2.x EFI_LOAD_FILE2_PROTOCOL_GUID. */
EFI_GUID efi_guid_load_file2 = {0x4006c0c1, 0xfcb3, 0x403e, {0x99, 0x6d, 0x4a, 0x6c, 0x87, 0x24, 0xe0, 0x6d}};
/* Linux's LINUX_EFI_INITRD_MEDIA_GUID (the EFI stub's initrd vendor media path). */
EFI_GUID efi_guid_initrd_media = {0x5568e427, 0x68fc, 0x4f3d, {0xac, 0x74, 0xca, 0x55, 0x52, 0x31, 0xcc, 0x68}};

/* ---------------------------------------------------------------- console */

/* UTF-8 bytes to UCS-2 for ConOut, "\n" as "\r\n".  The decoder keeps its
 * state across calls (there is one console). */
static uint32_t utf8_cp;
static int utf8_need;

static void con_flush(EFI_SYSTEM_TABLE *st, CHAR16 *buf, size_t *n)
{
    if (*n == 0)
        return;
    buf[*n] = 0;
    st->ConOut->OutputString(st->ConOut, buf);
    *n = 0;
}

void efi_con_write(EFI_SYSTEM_TABLE *st, const char *s, size_t len)
{
    CHAR16 buf[130];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        uint32_t out;
        bool have = false;
        if (utf8_need > 0 && (c & 0xc0) == 0x80) {
            utf8_cp = utf8_cp << 6 | (c & 0x3f);
            if (--utf8_need == 0) {
                out = utf8_cp > 0xffff || (utf8_cp >= 0xd800 && utf8_cp < 0xe000) ? 0xfffd : utf8_cp;
                have = true;
            }
        } else {
            if (utf8_need > 0) { /* a truncated sequence */
                buf[n++] = 0xfffd;
                utf8_need = 0;
            }
            if (c < 0x80) {
                out = c;
                have = true;
            } else if (c >= 0xc2 && c < 0xe0) {
                utf8_cp = c & 0x1f;
                utf8_need = 1;
            } else if (c >= 0xe0 && c < 0xf0) {
                utf8_cp = c & 0x0f;
                utf8_need = 2;
            } else if (c >= 0xf0 && c < 0xf5) {
                utf8_cp = c & 0x07;
                utf8_need = 3;
            } else {
                out = 0xfffd;
                have = true;
            }
        }
        if (have) {
            if (out == '\n')
                buf[n++] = '\r';
            buf[n++] = (CHAR16)out;
        }
        if (n >= 126)
            con_flush(st, buf, &n);
    }
    con_flush(st, buf, &n);
}

/* ---------------------------------------------------------------- PCI */

static struct efi_pci_fn *fn_of(struct efi_port *p, vs_bdf_t bdf)
{
    for (int i = 0; i < p->nfns; i++)
        if (p->fns[i].bdf == bdf)
            return &p->fns[i];
    return NULL;
}

static EFI_PCI_IO_PROTOCOL_WIDTH width_of(int width)
{
    return width == 1 ? EfiPciIoWidthUint8 : width == 2 ? EfiPciIoWidthUint16 : EfiPciIoWidthUint32;
}

static uint32_t pci_read(void *ctx, vs_bdf_t bdf, uint16_t off, int width)
{
    uint32_t ones = width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
    struct efi_pci_fn *f = fn_of(ctx, bdf);
    if (!f)
        return ones;
    uint32_t val = 0;
    if (EFI_ERROR(f->io->Pci.Read(f->io, width_of(width), off, 1, &val)))
        return ones;
    return val & ones;
}

static void pci_write(void *ctx, vs_bdf_t bdf, uint16_t off, int width, uint32_t val)
{
    struct efi_pci_fn *f = fn_of(ctx, bdf);
    if (f)
        f->io->Pci.Write(f->io, width_of(width), off, 1, &val);
}

/* UEFI identity-maps MMIO on x86-64 and AArch64 (there as device memory),
 * and the BARs were enabled through the PciIo attributes, so the physical
 * address is the CPU's address.  (On QEMU's virt the PCIe host bridge's
 * memory windows have no translation offset: a BAR's bus address is its CPU
 * address; only the I/O window is translated, which virtio 1.x never uses.) */
static volatile void *map_mmio(void *ctx, uint64_t phys, uint64_t len)
{
    (void)ctx;
    (void)len;
    return (volatile void *)(uintptr_t)phys;
}

/* Memory decoding, bus mastering and 64-bit DMA through the PciIo
 * attributes (the old ones saved for the release); the function becomes the
 * port's DMA device if it has none yet. */
static bool enable(struct efi_port *p, struct efi_pci_fn *f)
{
    uint64_t supported = 0, want;
    f->io->Attributes(f->io, EfiPciIoAttributeOperationGet, 0, &f->saved_attrs);
    f->io->Attributes(f->io, EfiPciIoAttributeOperationSupported, 0, &supported);
    want = (EFI_PCI_IO_ATTRIBUTE_MEMORY | EFI_PCI_IO_ATTRIBUTE_BUS_MASTER | EFI_PCI_IO_ATTRIBUTE_DUAL_ADDRESS_CYCLE) &
           supported;
    if (EFI_ERROR(f->io->Attributes(f->io, EfiPciIoAttributeOperationEnable, want, NULL)))
        return false;
    f->claimed = true;
    if (!p->dma_io)
        p->dma_io = f->io;
    return true;
}

int efi_port_claim(struct efi_port *p, vs_bdf_t bdf)
{
    struct efi_pci_fn *f = fn_of(p, bdf);
    EFI_BOOT_SERVICES *bs = p->st->BootServices;
    if (!f)
        return -VS_ENODEV;
    if (f->claimed)
        return 0;
    /* Stop every driver bound to it (OVMF's VirtioPciDeviceDxe and, above
     * it, VirtioFsDxe), then hold it so none binds again while we run. */
    bs->DisconnectController(f->handle, NULL, NULL);
    EFI_PCI_IO_PROTOCOL *io = NULL;
    EFI_STATUS s = bs->OpenProtocol(f->handle, &efi_guid_pci_io, (void **)&io, p->image, f->handle,
                                    EFI_OPEN_PROTOCOL_BY_DRIVER | EFI_OPEN_PROTOCOL_EXCLUSIVE);
    if (!EFI_ERROR(s)) {
        f->io = io;
        f->by_driver = true;
    } else if (p->port.log) {
        p->port.log(p, "warning: cannot open PciIo exclusively; using it shared");
    }
    if (enable(p, f))
        return 0;
    if (f->by_driver)
        bs->CloseProtocol(f->handle, &efi_guid_pci_io, p->image, f->handle);
    f->by_driver = false;
    bs->ConnectController(f->handle, NULL, NULL, TRUE);
    return -VS_EIO;
}

int efi_port_adopt(struct efi_port *p, EFI_HANDLE handle, EFI_PCI_IO_PROTOCOL *io, vs_bdf_t *bdf)
{
    UINTN seg, bus, dev, fn;
    if (EFI_ERROR(io->GetLocation(io, &seg, &bus, &dev, &fn)) || seg != 0 || bus > 255 || dev > 31 || fn > 7)
        return -VS_ENODEV; /* a vs_bdf_t has no segment: segment 0 only */
    if (EFI_ERROR(p->st->BootServices->AllocatePool(p->pool_type, sizeof(*p->fns), (void **)&p->fns)))
        return -VS_ENOMEM;
    struct efi_pci_fn *f = &p->fns[0];
    p->st->BootServices->SetMem(f, sizeof(*f), 0);
    f->handle = handle;
    f->io = io;
    f->bdf = *bdf = VS_BDF(bus, dev, fn);
    p->nfns = 1;
    if (!enable(p, f)) {
        p->nfns = 0;
        p->st->BootServices->FreePool(p->fns);
        p->fns = NULL;
        return -VS_EIO;
    }
    f->by_driver = true; /* efi_port_release closes it */
    return 0;
}

/* ---------------------------------------------------------------- DMA */

struct efi_dma_buf {
    struct efi_dma_buf *next;
    void *host;
    size_t pages;
    uint64_t dev;
    void *mapping;          /* NULL: plain AllocatePages, identity */
    EFI_PCI_IO_PROTOCOL *io;
    bool held;              /* dma_hold: the device may still write it, never freed */
};

static size_t pages_for(size_t size)
{
    return (size + EFI_PAGE_SIZE - 1) / EFI_PAGE_SIZE;
}

static void *dma_alloc(void *ctx, size_t size, uint64_t *dev_addr)
{
    struct efi_port *p = ctx;
    EFI_BOOT_SERVICES *bs = p->st->BootServices;
    struct efi_dma_buf *b = NULL;
    if (EFI_ERROR(bs->AllocatePool(p->pool_type, sizeof(*b), (void **)&b)))
        return NULL;
    b->pages = pages_for(size ? size : 1);
    b->mapping = NULL;
    b->io = p->dma_io;
    b->host = NULL;
    b->held = false;
    if (b->io) {
        if (EFI_ERROR(b->io->AllocateBuffer(b->io, AllocateAnyPages, EfiBootServicesData, b->pages, &b->host, 0)))
            goto fail;
        UINTN bytes = b->pages * EFI_PAGE_SIZE;
        EFI_PHYSICAL_ADDRESS dev = 0;
        if (EFI_ERROR(b->io->Map(b->io, EfiPciIoOperationBusMasterCommonBuffer, b->host, &bytes, &dev, &b->mapping)) ||
            bytes != b->pages * EFI_PAGE_SIZE) {
            if (b->mapping)
                b->io->Unmap(b->io, b->mapping);
            b->io->FreeBuffer(b->io, b->pages, b->host);
            goto fail;
        }
        b->dev = dev;
    } else {
        /* No device claimed (cannot happen through the app): plain pages
         * below 4 GiB, which the device sees at the same address on a
         * machine without an IOMMU. */
        EFI_PHYSICAL_ADDRESS a = 0xffffffffu;
        if (EFI_ERROR(bs->AllocatePages(AllocateMaxAddress, EfiBootServicesData, b->pages, &a)))
            goto fail;
        b->host = (void *)(uintptr_t)a;
        b->dev = a;
    }
    bs->SetMem(b->host, b->pages * EFI_PAGE_SIZE, 0);
    b->next = p->dma;
    p->dma = b;
    *dev_addr = b->dev;
    return b->host;
fail:
    bs->FreePool(b);
    return NULL;
}

static void dma_free(void *ctx, void *host, size_t size)
{
    struct efi_port *p = ctx;
    EFI_BOOT_SERVICES *bs = p->st->BootServices;
    (void)size;
    for (struct efi_dma_buf **pp = &p->dma; *pp; pp = &(*pp)->next) {
        struct efi_dma_buf *b = *pp;
        if (b->host != host)
            continue;
        if (b->held)
            return; /* stays the device's */
        *pp = b->next;
        if (b->mapping) {
            b->io->Unmap(b->io, b->mapping);
            b->io->FreeBuffer(b->io, b->pages, b->host);
        } else {
            bs->FreePages((EFI_PHYSICAL_ADDRESS)(uintptr_t)b->host, b->pages);
        }
        bs->FreePool(b);
        return;
    }
}

/* Only memory inside a common buffer has a device address we know. */
static bool dma_addr(void *ctx, const void *ptr, size_t len, uint64_t *dev_addr)
{
    struct efi_port *p = ctx;
    uintptr_t a = (uintptr_t)ptr;
    for (struct efi_dma_buf *b = p->dma; b; b = b->next) {
        uintptr_t base = (uintptr_t)b->host, size = b->pages * EFI_PAGE_SIZE;
        if (a >= base && a - base <= size && len <= size - (a - base)) {
            *dev_addr = b->dev + (a - base);
            return true;
        }
    }
    return false;
}

/* A request given [ptr, ptr + len) of a common buffer outlived its call:
 * the buffer is never freed (dma_free and efi_port_release skip it), since
 * the device may still write it; it stays allocated for good. */
static void dma_hold(void *ctx, const void *ptr, size_t len)
{
    struct efi_port *p = ctx;
    uintptr_t a = (uintptr_t)ptr;
    (void)len;
    for (struct efi_dma_buf *b = p->dma; b; b = b->next)
        if (a >= (uintptr_t)b->host && a - (uintptr_t)b->host < b->pages * EFI_PAGE_SIZE)
            b->held = true;
}

/* ---------------------------------------------------------------- memory, clock, log */

static void *alloc(void *ctx, size_t size)
{
    struct efi_port *p = ctx;
    return efi_kept_alloc(&p->kept, p->st->BootServices, p->pool_type, size);
}

static void release(void *ctx, void *q)
{
    struct efi_port *p = ctx;
    efi_kept_free(&p->kept, p->st->BootServices, q);
}

/* A free-running counter: the TSC, or on AArch64 the generic timer's
 * virtual count (CNTVCT_EL0; the isb keeps the read from running early). */
static uint64_t counter(void)
{
#if defined(__aarch64__)
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
    return v;
#else
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
#endif
}

static uint64_t now_ns(void *ctx)
{
    struct efi_port *p = ctx;
    return (uint64_t)(((unsigned __int128)(counter() - p->tsc_base) * p->tsc_mult) >> 32);
}

/* The counter against 20 ms of gBS->Stall (the firmware's calibrated timer). */
static void calibrate(struct efi_port *p)
{
    EFI_BOOT_SERVICES *bs = p->st->BootServices;
    uint64_t t0 = counter();
    bs->Stall(20000);
    uint64_t ticks = counter() - t0;
    uint64_t hz = ticks * 50;
    p->tsc_mult = hz ? (uint64_t)((1000000000ull << 32) / hz) : 1ull << 32;
    if (p->tsc_mult == 0)
        p->tsc_mult = 1;
    p->tsc_base = counter();
}

static void relax(void *ctx)
{
    (void)ctx;
#if defined(__aarch64__)
    __asm__ volatile("yield");
#else
    __asm__ volatile("pause");
#endif
}

static void log_line(void *ctx, const char *msg)
{
    struct efi_port *p = ctx;
    efi_con_write(p->st, msg, strlen(msg));
    efi_con_write(p->st, "\n", 1);
}

/* ---------------------------------------------------------------- setup */

EFI_STATUS efi_port_init(struct efi_port *p, EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
    EFI_BOOT_SERVICES *bs = st->BootServices;
    bs->SetMem(p, sizeof(*p), 0);
    p->image = image;
    p->st = st;
    p->port = (struct vs_port){
        .ctx = p,
        .pci_read = pci_read,
        .pci_write = pci_write,
        .pci_max_bus = 255,
        .map_mmio = map_mmio,
        .dma_alloc = dma_alloc,
        .dma_free = dma_free,
        .dma_addr = dma_addr,
        .dma_hold = dma_hold,
        .alloc = alloc,
        .free = release,
        .now_ns = now_ns,
        .relax = relax,
        .log = log_line,
    };
    /* The pool type of the image's own data: EfiLoaderData for the
     * application, EfiBootServicesData for the driver. */
    EFI_LOADED_IMAGE *li = NULL;
    p->pool_type = EfiLoaderData;
    if (!EFI_ERROR(bs->HandleProtocol(image, &efi_guid_loaded_image, (void **)&li)))
        p->pool_type = li->ImageDataType;
    calibrate(p);
    return EFI_SUCCESS;
}

EFI_STATUS efi_port_list_pci(struct efi_port *p)
{
    EFI_BOOT_SERVICES *bs = p->st->BootServices;
    UINTN n = 0;
    EFI_HANDLE *handles = NULL;
    EFI_STATUS s = bs->LocateHandleBuffer(ByProtocol, &efi_guid_pci_io, NULL, &n, &handles);
    if (s == EFI_NOT_FOUND)
        return EFI_SUCCESS;
    if (EFI_ERROR(s))
        return s;
    if (n > EFI_PORT_MAX_FNS)
        n = EFI_PORT_MAX_FNS;
    s = bs->AllocatePool(p->pool_type, n * sizeof(*p->fns) + 1, (void **)&p->fns);
    if (EFI_ERROR(s)) {
        bs->FreePool(handles);
        return s;
    }
    for (UINTN i = 0; i < n; i++) {
        EFI_PCI_IO_PROTOCOL *io = NULL;
        UINTN seg, bus, dev, fn;
        if (EFI_ERROR(bs->OpenProtocol(handles[i], &efi_guid_pci_io, (void **)&io, p->image, NULL,
                                       EFI_OPEN_PROTOCOL_GET_PROTOCOL)))
            continue;
        if (EFI_ERROR(io->GetLocation(io, &seg, &bus, &dev, &fn)) || seg != 0 || bus > 255 || dev > 31 || fn > 7)
            continue; /* a vs_bdf_t has no segment: segment 0 only */
        struct efi_pci_fn *f = &p->fns[p->nfns++];
        bs->SetMem(f, sizeof(*f), 0);
        f->handle = handles[i];
        f->io = io;
        f->bdf = VS_BDF(bus, dev, fn);
    }
    bs->FreePool(handles);
    return EFI_SUCCESS;
}

/* ---------------------------------------------------------------- ExitBootServices */

static VOID EFIAPI on_exit_boot_services(EFI_EVENT ev, VOID *ctx)
{
    struct efi_port *p = ctx;
    (void)ev;
    /* No allocation, no boot service: just reset what is still live. */
    for (int i = 0; i < p->nlive; i++)
        p->live[i]->set_status(p->live[i]->t, 0);
}

void efi_port_track(struct efi_port *p, const struct vs_transport *tr)
{
    if (p->nlive == EFI_PORT_MAX_CLAIMED)
        return;
    p->live[p->nlive++] = tr;
    if (!p->ebs_event)
        p->st->BootServices->CreateEvent(EVT_SIGNAL_EXIT_BOOT_SERVICES, TPL_NOTIFY, on_exit_boot_services, p,
                                         &p->ebs_event);
}

void efi_port_release(struct efi_port *p, bool reconnect)
{
    EFI_BOOT_SERVICES *bs = p->st->BootServices;
    for (int i = 0; i < p->nlive; i++)
        p->live[i]->set_status(p->live[i]->t, 0);
    p->nlive = 0;
    if (p->ebs_event) {
        bs->CloseEvent(p->ebs_event);
        p->ebs_event = NULL;
    }
    /* Whatever DMA memory the core still holds (none after an unmount), but
     * what the device may still write. */
    for (struct efi_dma_buf *b = p->dma, *next; b; b = next) {
        next = b->next;
        dma_free(p, b->host, 0);
    }
    for (int i = 0; i < p->nfns; i++) {
        struct efi_pci_fn *f = &p->fns[i];
        if (!f->claimed)
            continue;
        f->io->Attributes(f->io, EfiPciIoAttributeOperationSet, f->saved_attrs, NULL);
        if (f->by_driver)
            bs->CloseProtocol(f->handle, &efi_guid_pci_io, p->image, f->handle);
        f->claimed = f->by_driver = false;
        if (reconnect)
            bs->ConnectController(f->handle, NULL, NULL, TRUE);
    }
    p->dma_io = NULL;
    efi_kept_drop(&p->kept, bs); /* from now on every block goes straight back */
    if (p->fns)
        bs->FreePool(p->fns);
    p->fns = NULL;
    p->nfns = 0;
}
