/* SPDX-License-Identifier: BSD-2-Clause */
/* The driver's entry point, EFI_DRIVER_BINDING_PROTOCOL and
 * EFI_COMPONENT_NAME2_PROTOCOL.  Supported takes every virtio-fs PCI
 * function (1af4:105a) whether or not another driver holds it, so that on
 * OVMF the share moves from VirtioFsDxe to this driver when the driver is
 * loaded and connected. */
#include "vsfs.h"

#define VIRTIO_FS_PCI_ID (0x105au << 16 | VPCI_VENDOR)

static EFI_GUID guid_binding = EFI_DRIVER_BINDING_PROTOCOL_GUID;
static EFI_GUID guid_name2 = EFI_COMPONENT_NAME2_PROTOCOL_GUID;

static struct vsfs_volume *volumes[VSFS_MAX_VOLUMES];
/* The controller Start is taking over: when the driver holding it cannot
 * stop (VirtioFsDxe with a file open), the firmware connects the controller
 * again from inside our DisconnectController, which must not start us twice. */
static EFI_HANDLE starting;
/* From the driver's load options, for every volume. */
static struct vsfs_options options;

static int find_volume(EFI_HANDLE controller)
{
    for (int i = 0; i < VSFS_MAX_VOLUMES; i++)
        if (volumes[i] && volumes[i]->controller == controller)
            return i;
    return -1;
}

/* A line on ConOut: msg and the status in hex (the error bit left out). */
static void log_status(const char *msg, EFI_STATUS s)
{
    char line[160], hex[17];
    size_t n = strlen(msg), k = 0;
    uint64_t v = s & ~EFI_ERROR_MASK;
    do {
        hex[k++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    memcpy(line, msg, n);
    line[n++] = '0';
    line[n++] = 'x';
    while (k)
        line[n++] = hex[--k];
    line[n++] = '\n';
    efi_con_write(vsfs_st, line, n);
}

static EFI_STATUS EFIAPI supported(EFI_DRIVER_BINDING_PROTOCOL *self, EFI_HANDLE controller,
                                   EFI_DEVICE_PATH *remaining)
{
    (void)remaining;
    EFI_PCI_IO_PROTOCOL *io = NULL;
    /* GET_PROTOCOL, not BY_DRIVER: the function may be held by the
     * firmware's own driver, which Start disconnects. */
    if (EFI_ERROR(vsfs_st->BootServices->OpenProtocol(controller, &efi_guid_pci_io, (void **)&io,
                                                      self->DriverBindingHandle, controller,
                                                      EFI_OPEN_PROTOCOL_GET_PROTOCOL)))
        return EFI_UNSUPPORTED;
    UINT32 id = 0;
    if (EFI_ERROR(io->Pci.Read(io, EfiPciIoWidthUint32, 0, 1, &id)) || id != VIRTIO_FS_PCI_ID)
        return EFI_UNSUPPORTED;
    return find_volume(controller) >= 0 || controller == starting ? EFI_ALREADY_STARTED : EFI_SUCCESS;
}

static EFI_STATUS EFIAPI start(EFI_DRIVER_BINDING_PROTOCOL *self, EFI_HANDLE controller, EFI_DEVICE_PATH *remaining)
{
    (void)remaining;
    int slot = 0;
    while (slot < VSFS_MAX_VOLUMES && volumes[slot])
        slot++;
    if (find_volume(controller) >= 0 || controller == starting)
        return EFI_ALREADY_STARTED;
    if (slot == VSFS_MAX_VOLUMES)
        return EFI_OUT_OF_RESOURCES;
    struct vsfs_volume *vol = vsfs_alloc(sizeof(*vol));
    if (!vol)
        return EFI_OUT_OF_RESOURCES;
    memset(vol, 0, sizeof(*vol));
    vol->controller = controller;
    vol->nocase = options.nocase;
    starting = controller;
    EFI_STATUS s = vsfs_volume_start(vol, self->DriverBindingHandle);
    starting = NULL;
    if (EFI_ERROR(s)) {
        /* ACCESS_DENIED: the driver holding it has a file open (the shell's
         * `load` of this very driver from the share); a later connect works. */
        log_status(s == EFI_ACCESS_DENIED ? "vioshare-fs: the virtio-fs device is busy (a file open through "
                                            "its driver), connect again later: EFI status "
                                          : "vioshare-fs: cannot start on a virtio-fs device: EFI status ",
                   s);
        vsfs_free(vol);
        return s;
    }
    volumes[slot] = vol;
    return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI stop(EFI_DRIVER_BINDING_PROTOCOL *self, EFI_HANDLE controller, UINTN nchildren,
                              EFI_HANDLE *children)
{
    (void)self;
    (void)children; /* a volume has one child */
    int i = find_volume(controller);
    if (i < 0)
        return EFI_DEVICE_ERROR;
    if (nchildren)
        return vsfs_volume_stop_child(volumes[i]);
    EFI_STATUS s = vsfs_volume_stop(volumes[i]);
    if (EFI_ERROR(s))
        return s;
    volumes[i] = NULL;
    return EFI_SUCCESS;
}

static EFI_DRIVER_BINDING_PROTOCOL binding = {
    .Supported = supported,
    .Start = start,
    .Stop = stop,
    .Version = 0x10,
};

/* ------------------------------------------------------------ component names */

static CHAR16 driver_name[] = L"vioshare virtio-fs file system";

/* RFC 4646 "en", alone or with a region. */
static bool english(const CHAR8 *lang)
{
    return lang && lang[0] == 'e' && lang[1] == 'n' && (lang[2] == 0 || lang[2] == '-' || lang[2] == ';');
}

static EFI_STATUS EFIAPI get_driver_name(EFI_COMPONENT_NAME2_PROTOCOL *self, CHAR8 *lang, CHAR16 **name)
{
    (void)self;
    if (!lang || !name)
        return EFI_INVALID_PARAMETER;
    if (!english(lang))
        return EFI_UNSUPPORTED;
    *name = driver_name;
    return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI get_controller_name(EFI_COMPONENT_NAME2_PROTOCOL *self, EFI_HANDLE controller,
                                             EFI_HANDLE child, CHAR8 *lang, CHAR16 **name)
{
    (void)self;
    if (!controller || !lang || !name)
        return EFI_INVALID_PARAMETER;
    int i = find_volume(controller);
    if (i < 0 || (child && child != volumes[i]->child))
        return EFI_UNSUPPORTED;
    if (!english(lang))
        return EFI_UNSUPPORTED;
    *name = volumes[i]->name;
    return EFI_SUCCESS;
}

static EFI_COMPONENT_NAME2_PROTOCOL component_name = {
    .GetDriverName = get_driver_name,
    .GetControllerName = get_controller_name,
    .SupportedLanguages = (CHAR8 *)"en",
};

/* ------------------------------------------------------------ entry */

/* The load options parsed into `options`; an unknown word is an error,
 * said on ConOut, and the driver does not stay. */
static EFI_STATUS read_options(EFI_HANDLE image)
{
    EFI_BOOT_SERVICES *bs = vsfs_st->BootServices;
    EFI_LOADED_IMAGE *li = NULL;
    if (EFI_ERROR(bs->HandleProtocol(image, &efi_guid_loaded_image, (void **)&li)) || !li->LoadOptions)
        return EFI_SUCCESS;
    char bad[VSFS_OPTION_MAX + 1];
    EFI_STATUS s = vsfs_parse_options(li->LoadOptions, li->LoadOptionsSize, &options, bad);
    if (EFI_ERROR(s)) {
        static const char msg[] = "vioshare-fs: unknown load option (the one known: nocase): ";
        efi_con_write(vsfs_st, msg, sizeof(msg) - 1);
        efi_con_write(vsfs_st, bad, strlen(bad));
        efi_con_write(vsfs_st, "\n", 1);
    }
    return s;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
    EFI_BOOT_SERVICES *bs = st->BootServices;
    vsfs_st = st;
    EFI_STATUS s = read_options(image);
    if (EFI_ERROR(s))
        return s;
    binding.ImageHandle = image;
    binding.DriverBindingHandle = image;
    s = bs->InstallProtocolInterface(&image, &guid_binding, EFI_NATIVE_INTERFACE, &binding);
    if (EFI_ERROR(s))
        return s;
    s = bs->InstallProtocolInterface(&image, &guid_name2, EFI_NATIVE_INTERFACE, &component_name);
    if (EFI_ERROR(s))
        bs->UninstallProtocolInterface(image, &guid_binding, &binding);
    return s;
}
