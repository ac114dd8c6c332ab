/* SPDX-License-Identifier: BSD-2-Clause */
/* File types and mode bits as Linux numbers them (st_mode and d_type): the
 * values struct vfs_stat and struct vfs_dirent carry, whatever the libc. */
#ifndef VS_MODE_H
#define VS_MODE_H

#define VS_S_IFMT 0170000u
#define VS_S_IFSOCK 0140000u
#define VS_S_IFLNK 0120000u
#define VS_S_IFREG 0100000u
#define VS_S_IFBLK 0060000u
#define VS_S_IFDIR 0040000u
#define VS_S_IFCHR 0020000u
#define VS_S_IFIFO 0010000u

#define VS_DT_UNKNOWN 0u
#define VS_DT_FIFO 1u
#define VS_DT_CHR 2u
#define VS_DT_DIR 4u
#define VS_DT_BLK 6u
#define VS_DT_REG 8u
#define VS_DT_LNK 10u
#define VS_DT_SOCK 12u
#define VS_DT_WHT 14u

#endif
