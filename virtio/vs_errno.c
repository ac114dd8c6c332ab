/* SPDX-License-Identifier: BSD-2-Clause */
/* Names and descriptions of the Linux errno values the core uses. */
#include "vs_errno.h"
#include "vs_util.h"

struct vs_errno_entry {
    int num;
    const char *name;
    const char *text;
};

static const struct vs_errno_entry vs_errno_table[] = {
    { VS_EPERM, "EPERM", "Operation not permitted" },
    { VS_ENOENT, "ENOENT", "No such file or directory" },
    { VS_EINTR, "EINTR", "Interrupted system call" },
    { VS_EIO, "EIO", "Input/output error" },
    { VS_ENXIO, "ENXIO", "No such device or address" },
    { VS_E2BIG, "E2BIG", "Argument list too long" },
    { VS_ENOEXEC, "ENOEXEC", "Exec format error" },
    { VS_EBADF, "EBADF", "Bad file descriptor" },
    { VS_EAGAIN, "EAGAIN", "Resource temporarily unavailable" },
    { VS_ENOMEM, "ENOMEM", "Cannot allocate memory" },
    { VS_EACCES, "EACCES", "Permission denied" },
    { VS_EFAULT, "EFAULT", "Bad address" },
    { VS_EBUSY, "EBUSY", "Device or resource busy" },
    { VS_EEXIST, "EEXIST", "File exists" },
    { VS_EXDEV, "EXDEV", "Invalid cross-device link" },
    { VS_ENODEV, "ENODEV", "No such device" },
    { VS_ENOTDIR, "ENOTDIR", "Not a directory" },
    { VS_EISDIR, "EISDIR", "Is a directory" },
    { VS_EINVAL, "EINVAL", "Invalid argument" },
    { VS_ENFILE, "ENFILE", "Too many open files in system" },
    { VS_EMFILE, "EMFILE", "Too many open files" },
    { VS_EFBIG, "EFBIG", "File too large" },
    { VS_ENOSPC, "ENOSPC", "No space left on device" },
    { VS_ESPIPE, "ESPIPE", "Illegal seek" },
    { VS_EROFS, "EROFS", "Read-only file system" },
    { VS_EMLINK, "EMLINK", "Too many links" },
    { VS_ERANGE, "ERANGE", "Numerical result out of range" },
    { VS_ENAMETOOLONG, "ENAMETOOLONG", "File name too long" },
    { VS_ENOSYS, "ENOSYS", "Function not implemented" },
    { VS_ENOTEMPTY, "ENOTEMPTY", "Directory not empty" },
    { VS_ELOOP, "ELOOP", "Too many levels of symbolic links" },
    { VS_ENODATA, "ENODATA", "No data available" },
    { VS_EPROTO, "EPROTO", "Protocol error" },
    { VS_EOVERFLOW, "EOVERFLOW", "Value too large for defined data type" },
    { VS_ENOTSUP, "ENOTSUP", "Operation not supported" },
    { VS_ETIMEDOUT, "ETIMEDOUT", "Connection timed out" },
    { VS_ESTALE, "ESTALE", "Stale file handle" },
    { VS_EDQUOT, "EDQUOT", "Disk quota exceeded" },
};

static const struct vs_errno_entry *vs_errno_find(int err)
{
    /* Negate in unsigned arithmetic so INT_MIN cannot overflow. */
    unsigned int n = err < 0 ? 0u - (unsigned int)err : (unsigned int)err;
    for (size_t i = 0; i < VS_ARRAY_SIZE(vs_errno_table); i++)
        if ((unsigned int)vs_errno_table[i].num == n)
            return &vs_errno_table[i];
    return NULL;
}

const char *vs_errno_name(int err)
{
    const struct vs_errno_entry *e = vs_errno_find(err);
    return e ? e->name : "E???";
}

const char *vs_errno_text(int err)
{
    const struct vs_errno_entry *e = vs_errno_find(err);
    return e ? e->text : "Unknown error";
}
