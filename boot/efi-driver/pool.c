/* SPDX-License-Identifier: BSD-2-Clause */
/* What every part of the driver uses: the system table, the GUIDs of the
 * file protocol's records, and pool memory of the driver's type. */
#include "vsfs.h"

EFI_SYSTEM_TABLE *vsfs_st;
EFI_GUID vsfs_guid_sfs = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
EFI_GUID vsfs_guid_file_info = EFI_FILE_INFO_ID;
EFI_GUID vsfs_guid_fs_info = EFI_FILE_SYSTEM_INFO_ID;
EFI_GUID vsfs_guid_fs_label = EFI_FILE_SYSTEM_VOLUME_LABEL_ID;

void *vsfs_alloc(size_t n)
{
    void *p = NULL;
    if (EFI_ERROR(vsfs_st->BootServices->AllocatePool(EfiBootServicesData, n ? n : 1, &p)))
        return NULL;
    return p;
}

void vsfs_free(void *p)
{
    if (p)
        vsfs_st->BootServices->FreePool(p);
}
