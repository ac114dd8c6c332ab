/* SPDX-License-Identifier: BSD-2-Clause */
/* What every part of the driver uses: the system table, the GUIDs of the
 * file protocol's records, and pool memory of the driver's type. */
#include "vsfs.h"

EFI_SYSTEM_TABLE *vsfs_st;
EFI_GUID vsfs_guid_sfs = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
EFI_GUID vsfs_guid_file_info = EFI_FILE_INFO_ID;
EFI_GUID vsfs_guid_fs_info = EFI_FILE_SYSTEM_INFO_ID;
EFI_GUID vsfs_guid_fs_label = EFI_FILE_SYSTEM_VOLUME_LABEL_ID;

/* Freed blocks up to 4 KiB are kept for reuse (efi_kept.h): an Open + Close
 * allocates and frees a path and a handle, which could otherwise empty (and
 * so give back) a pool page every time.  At most 4 of each size: 31 KiB. */
static struct efi_kept kept = {.max_class = 5};

void *vsfs_alloc(size_t n)
{
    return efi_kept_alloc(&kept, vsfs_st->BootServices, EfiBootServicesData, n);
}

void vsfs_free(void *p)
{
    efi_kept_free(&kept, vsfs_st->BootServices, p);
}
