/* SPDX-License-Identifier: BSD-2-Clause */
/* The one place a VFS error (a negative errno) becomes an EFI_STATUS. */
#include "vsfs.h"

static const struct {
    int err;
    EFI_STATUS status;
} table[] = {
    {VS_ENOENT, EFI_NOT_FOUND},
    {VS_ENOTDIR, EFI_NOT_FOUND},     /* a file where the path needs a directory */
    {VS_ELOOP, EFI_NOT_FOUND},       /* too many symlinks: nothing found there */
    {VS_ENAMETOOLONG, EFI_INVALID_PARAMETER},
    {VS_EINVAL, EFI_INVALID_PARAMETER},
    {VS_EPERM, EFI_ACCESS_DENIED},
    {VS_EACCES, EFI_ACCESS_DENIED},
    {VS_EEXIST, EFI_ACCESS_DENIED},
    {VS_EISDIR, EFI_ACCESS_DENIED},
    {VS_ENOTEMPTY, EFI_ACCESS_DENIED},
    {VS_EBUSY, EFI_ACCESS_DENIED},
    {VS_EXDEV, EFI_ACCESS_DENIED},
    {VS_EMLINK, EFI_ACCESS_DENIED},
    {VS_EROFS, EFI_WRITE_PROTECTED},
    {VS_ENOSPC, EFI_VOLUME_FULL},
    {VS_EDQUOT, EFI_VOLUME_FULL},
    {VS_EFBIG, EFI_VOLUME_FULL},
    {VS_ENOMEM, EFI_OUT_OF_RESOURCES},
    {VS_EMFILE, EFI_OUT_OF_RESOURCES},
    {VS_ENFILE, EFI_OUT_OF_RESOURCES},
    {VS_ENOSYS, EFI_UNSUPPORTED},
    {VS_ENOTSUP, EFI_UNSUPPORTED},
    {VS_ESTALE, EFI_NOT_FOUND},      /* the file went away on the host */
    {VS_ETIMEDOUT, EFI_TIMEOUT},     /* the daemon stopped answering */
    {VS_EIO, EFI_DEVICE_ERROR},
    {VS_EPROTO, EFI_DEVICE_ERROR},
    {VS_ENODEV, EFI_DEVICE_ERROR},
};

EFI_STATUS vsfs_status(int err)
{
    if (err >= 0)
        return EFI_SUCCESS;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (table[i].err == -err)
            return table[i].status;
    return EFI_DEVICE_ERROR;
}
