/* SPDX-License-Identifier: BSD-2-Clause */
#include <grub/i18n.h>
#include "errors_grub.h"
#include "vs_errno.h"
#include "vs_util.h"

static const struct {
    int err;
    grub_err_t grub;
} table[] = {
    { VS_ENOENT, GRUB_ERR_FILE_NOT_FOUND },
    { VS_ENOTDIR, GRUB_ERR_BAD_FILE_TYPE },
    { VS_EISDIR, GRUB_ERR_BAD_FILE_TYPE },
    { VS_ELOOP, GRUB_ERR_SYMLINK_LOOP },
    { VS_ENAMETOOLONG, GRUB_ERR_BAD_FILENAME },
    { VS_EINVAL, GRUB_ERR_BAD_FILENAME },
    { VS_EACCES, GRUB_ERR_ACCESS_DENIED },
    { VS_EPERM, GRUB_ERR_ACCESS_DENIED },
    { VS_EROFS, GRUB_ERR_WRITE_ERROR },
    { VS_ENOSPC, GRUB_ERR_WRITE_ERROR },
    { VS_ENOMEM, GRUB_ERR_OUT_OF_MEMORY },
    { VS_ENODEV, GRUB_ERR_UNKNOWN_DEVICE },
    { VS_ENXIO, GRUB_ERR_UNKNOWN_DEVICE },
    { VS_ETIMEDOUT, GRUB_ERR_TIMEOUT },
    { VS_EIO, GRUB_ERR_IO },
    { VS_EPROTO, GRUB_ERR_IO },
    { VS_ENOTSUP, GRUB_ERR_NOT_IMPLEMENTED_YET },
    { VS_ENOSYS, GRUB_ERR_NOT_IMPLEMENTED_YET },
    { VS_EMFILE, GRUB_ERR_OUT_OF_MEMORY },
    { VS_ENFILE, GRUB_ERR_OUT_OF_MEMORY },
};

grub_err_t grub_vs_error(int err, const char *what)
{
    if (err == -VS_ENOENT) /* in the words of GRUB's other file systems */
        return grub_error(GRUB_ERR_FILE_NOT_FOUND, N_("file `%s' not found"), what);
    grub_err_t g = GRUB_ERR_IO;
    for (unsigned i = 0; i < VS_ARRAY_SIZE(table); i++)
        if (table[i].err == -err)
            g = table[i].grub;
    return grub_error(g, "%s: %s", what, vs_errno_text(err));
}
