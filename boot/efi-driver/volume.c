/* SPDX-License-Identifier: BSD-2-Clause */
/* One volume: a virtio-fs PCI function taken from whatever driver held it
 * (OVMF's VirtioPciDeviceDxe and VirtioFsDxe), its share mounted, and a
 * child handle carrying EFI_SIMPLE_FILE_SYSTEM_PROTOCOL and a device path:
 * the function's own path and a vendor node holding the tag, so that a
 * Boot#### option (or the shell's bcfg) can name the share. */
#include "vsfs.h"

/* The vendor node's GUID: vioshare's, made up for this driver. */
static EFI_GUID vendor_guid = {0x7a3c1d52, 0x9b4e, 0x4f06, {0x8d, 0x21, 0x5e, 0x6f, 0x90, 0x3b, 0xa4, 0xc7}};

static void set_node(EFI_DEVICE_PATH *h, uint8_t type, uint8_t sub, size_t len)
{
    h->Type = type;
    h->SubType = sub;
    h->Length[0] = (uint8_t)len;
    h->Length[1] = (uint8_t)(len >> 8);
}

static size_t node_len(const EFI_DEVICE_PATH *h)
{
    return (size_t)h->Length[0] | (size_t)h->Length[1] << 8;
}

/* parent (without its end node) + a vendor media node with the tag + end. */
static EFI_DEVICE_PATH *child_path(EFI_DEVICE_PATH *parent, const char *tag)
{
    size_t plen = 0;
    for (const EFI_DEVICE_PATH *n = parent; !(n->Type == END_DEVICE_PATH_TYPE && n->SubType == 0xff);
         n = (const EFI_DEVICE_PATH *)((const uint8_t *)n + node_len(n))) {
        if (node_len(n) < sizeof(*n))
            return NULL; /* a malformed path: do not walk it */
        plen += node_len(n);
    }
    size_t tlen = strlen(tag), vlen = sizeof(VENDOR_DEVICE_PATH) + tlen;
    uint8_t *p = vsfs_alloc(plen + vlen + sizeof(EFI_DEVICE_PATH));
    if (!p)
        return NULL;
    memcpy(p, parent, plen);
    VENDOR_DEVICE_PATH *v = (VENDOR_DEVICE_PATH *)(p + plen);
    set_node(&v->Header, MEDIA_DEVICE_PATH, MEDIA_VENDOR_DP, vlen);
    memcpy(&v->Guid, &vendor_guid, sizeof(vendor_guid));
    memcpy(p + plen + sizeof(VENDOR_DEVICE_PATH), tag, tlen);
    set_node((EFI_DEVICE_PATH *)(p + plen + vlen), END_DEVICE_PATH_TYPE, END_ENTIRE_DEVICE_PATH_SUBTYPE,
             sizeof(EFI_DEVICE_PATH));
    return (EFI_DEVICE_PATH *)p;
}

/* "PREFIX" + s as UCS-2 (a character UCS-2 cannot hold becomes '?'). */
static CHAR16 *ucs2_name(const char *prefix, const char *s)
{
    size_t pl = strlen(prefix), sl = strlen(s);
    CHAR16 *out = vsfs_alloc((pl + sl + 1) * sizeof(CHAR16));
    if (!out)
        return NULL;
    for (size_t i = 0; i < pl; i++)
        out[i] = (CHAR16)prefix[i];
    if (vsfs_to_ucs2(s, out + pl, sl + 1) < 0) {
        for (size_t i = 0; i < sl; i++)
            out[pl + i] = (unsigned char)s[i] < 0x80 ? (CHAR16)s[i] : '?';
        out[pl + sl] = 0;
    }
    return out;
}

static void free_names(struct vsfs_volume *vol)
{
    vsfs_free(vol->path);
    vsfs_free(vol->label);
    vsfs_free(vol->name);
    vol->path = NULL;
    vol->label = vol->name = NULL;
}

/* The share mounted; the names and the device path built. */
static EFI_STATUS mount(struct vsfs_volume *vol)
{
    EFI_BOOT_SERVICES *bs = vsfs_st->BootServices;
    vs_bdf_t bdf;
    int err = efi_port_adopt(&vol->port, vol->controller, vol->io, &bdf);
    if (err)
        return vsfs_status(err);
    err = vpci_open(&vol->dev, &vol->port.port, bdf, &vol->tr);
    if (err)
        return vsfs_status(err);
    efi_port_track(&vol->port, &vol->tr);
    vfs_init(&vol->vfs, vsfs_window_port(&vol->window, &vol->port.port));
    /* chroot: an absolute symlink target is taken from the share's root. */
    struct vfs_mount_opts opts = {.chroot = true, .nocase = vol->nocase};
    err = vfs_mount(&vol->vfs, &vol->tr, VSFS_MOUNT, &opts);
    if (err)
        return vsfs_status(err);
    struct vfs_mount_info info;
    EFI_DEVICE_PATH *parent = NULL;
    if (!vfs_mount_info(&vol->vfs, 0, &info) ||
        EFI_ERROR(bs->OpenProtocol(vol->controller, &efi_guid_device_path, (void **)&parent, vol->port.image,
                                   vol->controller, EFI_OPEN_PROTOCOL_GET_PROTOCOL)))
        return EFI_DEVICE_ERROR;
    vol->label = ucs2_name("", info.tag);
    vol->name = ucs2_name("vioshare: ", info.tag);
    vol->path = child_path(parent, info.tag);
    return vol->label && vol->name && vol->path ? EFI_SUCCESS : EFI_OUT_OF_RESOURCES;
}

static EFI_STATUS install_child(struct vsfs_volume *vol)
{
    EFI_BOOT_SERVICES *bs = vsfs_st->BootServices;
    vol->sfs.Revision = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_REVISION;
    vol->sfs.OpenVolume = vsfs_open_volume;
    EFI_STATUS s = bs->InstallProtocolInterface(&vol->child, &efi_guid_device_path, EFI_NATIVE_INTERFACE, vol->path);
    if (EFI_ERROR(s))
        return s;
    s = bs->InstallProtocolInterface(&vol->child, &vsfs_guid_sfs, EFI_NATIVE_INTERFACE, &vol->sfs);
    if (!EFI_ERROR(s)) {
        /* The child's tie to the function it lives on. */
        EFI_PCI_IO_PROTOCOL *io;
        s = bs->OpenProtocol(vol->controller, &efi_guid_pci_io, (void **)&io, vol->port.image, vol->child,
                             EFI_OPEN_PROTOCOL_BY_CHILD_CONTROLLER);
        if (!EFI_ERROR(s))
            return s;
        bs->UninstallProtocolInterface(vol->child, &vsfs_guid_sfs, &vol->sfs);
    }
    bs->UninstallProtocolInterface(vol->child, &efi_guid_device_path, vol->path);
    vol->child = NULL;
    return s;
}

EFI_STATUS vsfs_volume_start(struct vsfs_volume *vol, EFI_HANDLE image)
{
    EFI_BOOT_SERVICES *bs = vsfs_st->BootServices;
    EFI_STATUS s = efi_port_init(&vol->port, image, vsfs_st);
    if (EFI_ERROR(s))
        return s;
    /* Whoever holds the function lets go (VirtioFsDxe above
     * VirtioPciDeviceDxe on OVMF); EXCLUSIVE keeps them off while we run. */
    bs->DisconnectController(vol->controller, NULL, NULL);
    s = bs->OpenProtocol(vol->controller, &efi_guid_pci_io, (void **)&vol->io, image, vol->controller,
                         EFI_OPEN_PROTOCOL_BY_DRIVER | EFI_OPEN_PROTOCOL_EXCLUSIVE);
    if (EFI_ERROR(s))
        return s;
    s = mount(vol);
    if (!EFI_ERROR(s))
        s = install_child(vol);
    if (EFI_ERROR(s)) {
        bool adopted = vol->port.nfns > 0;
        vfs_umount_all(&vol->vfs);
        efi_port_release(&vol->port, false); /* closes the PciIo it adopted */
        if (!adopted)
            bs->CloseProtocol(vol->controller, &efi_guid_pci_io, image, vol->controller);
        free_names(vol);
    }
    return s;
}

EFI_STATUS vsfs_volume_stop_child(struct vsfs_volume *vol)
{
    EFI_BOOT_SERVICES *bs = vsfs_st->BootServices;
    if (!vol->child)
        return EFI_SUCCESS;
    bs->CloseProtocol(vol->controller, &efi_guid_pci_io, vol->port.image, vol->child);
    EFI_STATUS s = bs->UninstallProtocolInterface(vol->child, &vsfs_guid_sfs, &vol->sfs);
    if (EFI_ERROR(s)) {
        EFI_PCI_IO_PROTOCOL *io;
        bs->OpenProtocol(vol->controller, &efi_guid_pci_io, (void **)&io, vol->port.image, vol->child,
                         EFI_OPEN_PROTOCOL_BY_CHILD_CONTROLLER);
        return s;
    }
    bs->UninstallProtocolInterface(vol->child, &efi_guid_device_path, vol->path);
    vol->child = NULL;
    vsfs_stage_free(vol);
    vfs_umount_all(&vol->vfs);
    vol->gone = true; /* handles still open now fail */
    return EFI_SUCCESS;
}

EFI_STATUS vsfs_volume_stop(struct vsfs_volume *vol)
{
    EFI_STATUS s = vsfs_volume_stop_child(vol);
    if (EFI_ERROR(s))
        return s;
    efi_port_release(&vol->port, false);
    free_names(vol);
    if (vol->open_files)
        vol->orphaned = true;
    else
        vsfs_free(vol);
    return EFI_SUCCESS;
}
