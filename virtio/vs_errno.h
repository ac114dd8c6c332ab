/* SPDX-License-Identifier: BSD-2-Clause */
/* Linux errno values, used as negative return codes throughout the core.
 * The core never includes <errno.h>: a FUSE device speaks Linux numbers
 * whatever libc the embedder has, so the numbers are fixed here. */
#ifndef VS_ERRNO_H
#define VS_ERRNO_H

#ifdef __cplusplus
extern "C" {
#endif

#define VS_EPERM 1
#define VS_ENOENT 2
#define VS_EINTR 4
#define VS_EIO 5
#define VS_ENXIO 6
#define VS_E2BIG 7
#define VS_ENOEXEC 8
#define VS_EBADF 9
#define VS_EAGAIN 11
#define VS_ENOMEM 12
#define VS_EACCES 13
#define VS_EFAULT 14
#define VS_EBUSY 16
#define VS_EEXIST 17
#define VS_EXDEV 18
#define VS_ENODEV 19
#define VS_ENOTDIR 20
#define VS_EISDIR 21
#define VS_EINVAL 22
#define VS_ENFILE 23
#define VS_EMFILE 24
#define VS_EFBIG 27
#define VS_ENOSPC 28
#define VS_ESPIPE 29
#define VS_EROFS 30
#define VS_EMLINK 31
#define VS_ERANGE 34
#define VS_ENAMETOOLONG 36
#define VS_ENOSYS 38
#define VS_ENOTEMPTY 39
#define VS_ELOOP 40
#define VS_ENODATA 61
#define VS_EPROTO 71
#define VS_EOVERFLOW 75
#define VS_ENOTSUP 95
#define VS_ETIMEDOUT 110
#define VS_ESTALE 116
#define VS_EDQUOT 122

/* Largest errno a device may report; anything else is a protocol error. */
#define VS_ERRNO_MAX 4095

/* "ENOENT" for 2; "E???" for an unknown number.  Accepts n or -n. */
const char *vs_errno_name(int err);
/* A short English description ("No such file or directory"). */
const char *vs_errno_text(int err);

#ifdef __cplusplus
}
#endif

#endif
