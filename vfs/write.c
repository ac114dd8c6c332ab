/* SPDX-License-Identifier: BSD-2-Clause */
/* Changing open files: write, pwrite, ftruncate, fsync. */
#include "vfs_internal.h"

static struct vfs_file *writable(struct vfs *v, int fd)
{
    struct vfs_file *f = vfs_file_get(v, fd, false);
    return f && (f->flags & VFS_O_ACCMODE) != VFS_O_RDONLY ? f : 0;
}

int64_t vfs_pwrite(struct vfs *v, int fd, const void *buf, size_t n, uint64_t off)
{
    struct vfs_file *f = writable(v, fd);
    if (!f)
        return -VS_EBADF;
    if (off > INT64_MAX || n > INT64_MAX - off)
        return -VS_EFBIG;
    f->written = true;
    int64_t put = vfs_file_io(f, (void *)buf, n, off, true);
    /* Size and times moved: ask the device next time. */
    f->node->attr_expire = 0;
    f->node->attr_time = 0;
    return put;
}

int64_t vfs_write(struct vfs *v, int fd, const void *buf, size_t n)
{
    struct vfs_file *f = writable(v, fd);
    if (!f)
        return -VS_EBADF;
    if (f->flags & VFS_O_APPEND) {
        int err = vn_getattr(f->m, f->node);
        if (err)
            return err;
        f->pos = f->node->attr.size;
    }
    int64_t put = vfs_pwrite(v, fd, buf, n, f->pos);
    if (put > 0)
        f->pos += (uint64_t)put;
    return put;
}

int vfs_ftruncate(struct vfs *v, int fd, uint64_t size)
{
    struct vfs_file *f = writable(v, fd);
    if (!f)
        return -VS_EBADF;
    if (size > INT64_MAX)
        return -VS_EFBIG;
    struct fuse_setattr_in in;
    vs_memset(&in, 0, sizeof(in));
    in.valid = FATTR_SIZE | FATTR_FH;
    in.fh = f->fh;
    in.size = size;
    f->written = true;
    return vn_setattr(f->m, f->node, &in);
}

int vfs_fsync(struct vfs *v, int fd)
{
    struct vfs_file *f = vfs_file_get(v, fd, false);
    if (!f)
        return -VS_EBADF;
    /* A device without FSYNC (ENOSYS, remembered) has nothing more to do. */
    if (f->m->unsupported & VFS_NOSYS_FSYNC)
        return 0;
    struct fuse_fsync_in in;
    vs_memset(&in, 0, sizeof(in));
    in.fh = f->fh;
    struct fconn_req r = {.opcode = FUSE_FSYNC, .nodeid = f->node->nodeid, .arg = &in, .arg_len = sizeof(in)};
    int err = fconn_call(&f->m->conn, &r);
    if (!err && (r.reply_got || r.rdata_got))
        err = -VS_EPROTO;
    if (err == -VS_ENOSYS) {
        f->m->unsupported |= VFS_NOSYS_FSYNC;
        err = 0;
    }
    return err;
}
