/* SPDX-License-Identifier: BSD-2-Clause */
/* Paths inside a share that holds a system's root: symlinks are followed
 * with an absolute target taken from the share's root (`/vmlinuz ->
 * /boot/vmlinuz-6.1.0-10-amd64` on a share mounted at /myfs is
 * /myfs/boot/vmlinuz-6.1.0-10-amd64), as the system itself would see them.
 * Boot-entry discovery resolves every path it reads this way. */
#ifndef SHAREPATH_H
#define SHAREPATH_H

#include "vfs.h"

/* Writes into out (VFS_PATH_MAX + 1 bytes) the path in v of path (absolute
 * within the share at root, e.g. "/myfs"), with every symlink resolved
 * inside the share; ".." stops at the share's root.  Returns 0, or a
 * negative errno (-ENOENT for a missing component, -ELOOP after 40 links). */
int share_resolve(struct vfs *v, const struct vs_port *port, const char *root, const char *path, char *out);

#endif
