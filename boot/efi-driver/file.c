/* SPDX-License-Identifier: BSD-2-Clause */
/* EFI_FILE_PROTOCOL on vioshare's VFS.  A handle names a VFS path; a
 * regular file opened for writing holds a VFS fd from Open to Close, one
 * opened for reading from its first Read (Open + GetInfo + Close, how a
 * loader asks for a file's size or checks it is there, then costs no
 * OPEN and RELEASE), a directory a stream from its first Read until
 * SetPosition(0) or Close.  Opening relative to
 * a file handle starts from the file's directory, as the FAT driver does. */
#include "vsfs.h"

#define FILE_OF(p) ((struct vsfs_file *)(p))

static bool is_root(const struct vsfs_file *f)
{
    return strlen(f->path) == VSFS_MOUNT_LEN;
}

static bool same_guid(const EFI_GUID *a, const EFI_GUID *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

/* Every call but Close on a handle of a stopped volume. */
#define REFUSE_IF_GONE(f)            \
    do {                             \
        if ((f)->vol->gone)          \
            return EFI_NO_MEDIA;     \
    } while (0)

static void drop_stream(struct vsfs_file *f)
{
    if (f->dd >= 0 && !f->vol->gone)
        vfs_closedir(&f->vol->vfs, f->dd);
    f->dd = -1;
    f->have_pending = false;
}

static void free_file(struct vsfs_file *f)
{
    struct vsfs_volume *vol = f->vol;
    if (vol->ahead.owner == f && !vol->gone)
        vsfs_ahead_drop(vol);
    if (f->fd >= 0 && !vol->gone)
        vfs_close(&vol->vfs, f->fd);
    drop_stream(f);
    vsfs_free(f->path);
    vsfs_free(f);
    if (--vol->open_files == 0 && vol->orphaned)
        vsfs_free(vol); /* the volume outlived its device for this handle */
}

/* A file's fd, opened at the first call that needs one. */
static int file_fd(struct vsfs_file *f)
{
    if (f->fd < 0) {
        int fd = vfs_open(&f->vol->vfs, f->path, f->writable ? VFS_O_RDWR : VFS_O_RDONLY, 0);
        if (fd < 0)
            return fd;
        f->fd = fd;
    }
    return f->fd;
}

/* ------------------------------------------------------------ Open */

static bool is_regular(uint32_t mode)
{
    return (mode & VS_S_IFMT) == VS_S_IFREG;
}

static EFI_STATUS EFIAPI file_open(EFI_FILE_PROTOCOL *self, EFI_FILE_PROTOCOL **out, CHAR16 *name, UINT64 mode,
                                   UINT64 attrs)
{
    struct vsfs_file *f = FILE_OF(self);
    struct vfs *v = &f->vol->vfs;
    REFUSE_IF_GONE(f);
    if (!out || !name)
        return EFI_INVALID_PARAMETER;
    bool create = mode & EFI_FILE_MODE_CREATE, write = mode & EFI_FILE_MODE_WRITE;
    if (mode != EFI_FILE_MODE_READ && mode != (EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE) &&
        mode != (EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE | EFI_FILE_MODE_CREATE))
        return EFI_INVALID_PARAMETER;
    if (create && (attrs & ~(UINT64)EFI_FILE_VALID_ATTR))
        return EFI_INVALID_PARAMETER;

    char *base = f->dir ? f->path : vsfs_dirname(f->path), *path = NULL;
    if (!base)
        return EFI_OUT_OF_RESOURCES;
    EFI_STATUS s = vsfs_resolve(base, name, &path);
    if (base != f->path)
        vsfs_free(base);
    if (EFI_ERROR(s))
        return s;

    struct vfs_stat st;
    int fd = -1, err = vfs_stat(v, path, &st);
    bool created = false;
    if (err == -VS_ENOENT && create) {
        uint32_t perm = attrs & EFI_FILE_READ_ONLY ? 0444 : 0644;
        if (attrs & EFI_FILE_DIRECTORY) {
            err = vfs_mkdir(v, path, perm | 0111);
        } else {
            fd = vfs_open(v, path, VFS_O_RDWR | VFS_O_CREAT | VFS_O_EXCL, perm);
            err = fd < 0 ? fd : 0;
        }
        if (!err)
            err = vfs_stat(v, path, &st);
        created = !err;
    }
    if (!err && !VSFS_IS_DIR(st.mode) && !is_regular(st.mode))
        err = -VS_EACCES; /* a FIFO or device: opening it could block the daemon */
    if (!err && write && !created && (st.mode & 0222) == 0)
        err = -VS_EACCES; /* the read-only attribute */
    if (!err && fd < 0 && write && !VSFS_IS_DIR(st.mode)) { /* a reader's fd waits for its first Read */
        fd = vfs_open(v, path, VFS_O_RDWR, 0);
        err = fd < 0 ? fd : 0;
    }
    if (err) {
        if (fd >= 0)
            vfs_close(v, fd);
        vsfs_free(path);
        return vsfs_status(err);
    }
    if (VSFS_IS_DIR(st.mode) && fd >= 0) {
        vfs_close(v, fd);
        fd = -1;
    }
    return vsfs_file_new(f->vol, path, VSFS_IS_DIR(st.mode), write, fd, out);
}

/* ------------------------------------------------------------ Close, Delete, Flush */

static EFI_STATUS EFIAPI file_close(EFI_FILE_PROTOCOL *self)
{
    free_file(FILE_OF(self));
    return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI file_delete(EFI_FILE_PROTOCOL *self)
{
    struct vsfs_file *f = FILE_OF(self);
    struct vfs *v = &f->vol->vfs;
    if (f->vol->gone) {
        free_file(f);
        return EFI_WARN_DELETE_FAILURE;
    }
    bool allowed = f->writable && !is_root(f);
    if (f->vol->ahead.owner == f)
        vsfs_ahead_drop(f->vol);
    if (f->fd >= 0)
        vfs_close(v, f->fd);
    f->fd = -1;
    drop_stream(f);
    int err = !allowed ? -VS_EACCES : f->dir ? vfs_rmdir(v, f->path) : vfs_unlink(v, f->path);
    free_file(f);
    return err ? EFI_WARN_DELETE_FAILURE : EFI_SUCCESS;
}

static EFI_STATUS EFIAPI file_flush(EFI_FILE_PROTOCOL *self)
{
    struct vsfs_file *f = FILE_OF(self);
    REFUSE_IF_GONE(f);
    if (f->dir)
        return EFI_SUCCESS;
    if (!f->writable)
        return EFI_ACCESS_DENIED;
    return vsfs_status(vfs_fsync(&f->vol->vfs, f->fd));
}

/* ------------------------------------------------------------ Read, Write */

static bool dot_or_dotdot(const char *n)
{
    return (n[0] == '.' && n[1] == 0) || (n[0] == '.' && n[1] == '.' && n[2] == 0);
}

/* The next entry as an EFI_FILE_INFO; an entry that does not fit stays for
 * the next call.  Names no UCS-2 string can hold are left out (nothing
 * could open them), and so are "." and ".." at the root, as on FAT. */
static EFI_STATUS read_dir(struct vsfs_file *f, UINTN *size, void *buf)
{
    struct vfs *v = &f->vol->vfs;
    if (f->dd < 0) {
        f->dd = vfs_opendir_plus(v, f->path); /* each entry's attributes come with it */
        if (f->dd < 0) {
            EFI_STATUS s = vsfs_status(f->dd);
            f->dd = -1;
            return s;
        }
    }
    for (;;) {
        if (!f->have_pending) {
            int r = vfs_readdir(v, f->dd, &f->pending);
            if (r < 0)
                return vsfs_status(r);
            if (r == 0) {
                *size = 0;
                return EFI_SUCCESS;
            }
            f->have_pending = true;
        }
        const char *name = f->pending.name;
        if ((is_root(f) && dot_or_dotdot(name)) || vsfs_ucs2_len(name) < 0) {
            f->have_pending = false;
            continue;
        }
        char *child = vsfs_join(f->path, name);
        if (!child)
            return EFI_OUT_OF_RESOURCES;
        struct vfs_stat st;
        /* What the name leads to; a dangling symlink as itself. */
        int err = vfs_stat(v, child, &st);
        if (err)
            err = vfs_lstat(v, child, &st);
        vsfs_free(child);
        if (err == -VS_ENOENT) { /* gone meanwhile */
            f->have_pending = false;
            continue;
        }
        if (err)
            return vsfs_status(err);
        EFI_STATUS s = vsfs_file_info(name, &st, size, buf);
        if (s != EFI_BUFFER_TOO_SMALL)
            f->have_pending = false;
        return s;
    }
}

static EFI_STATUS EFIAPI file_read(EFI_FILE_PROTOCOL *self, UINTN *size, VOID *buf)
{
    struct vsfs_file *f = FILE_OF(self);
    REFUSE_IF_GONE(f);
    if (!size || (*size && !buf))
        return EFI_INVALID_PARAMETER;
    if (f->dir)
        return read_dir(f, size, buf);
    struct vfs *v = &f->vol->vfs;
    int fd = file_fd(f);
    if (fd < 0)
        return vsfs_status(fd);
    int64_t r = vsfs_read_file(f, fd, buf, *size, f->pos);
    if (r < 0) {
        *size = 0;
        return vsfs_status((int)r);
    }
    UINTN got = (UINTN)r;
    if (got == 0 && f->pos > 0) {
        struct vfs_stat st;
        if (!vfs_fstat_cached(v, fd, &st) && f->pos > st.size)
            return EFI_DEVICE_ERROR; /* the spec's answer for a position past the end */
    }
    f->pos += got;
    *size = got;
    return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI file_write(EFI_FILE_PROTOCOL *self, UINTN *size, VOID *buf)
{
    struct vsfs_file *f = FILE_OF(self);
    REFUSE_IF_GONE(f);
    if (!size || (*size && !buf))
        return EFI_INVALID_PARAMETER;
    if (f->dir)
        return EFI_UNSUPPORTED;
    if (!f->writable)
        return EFI_ACCESS_DENIED;
    if (*size == 0)
        return EFI_SUCCESS;
    vsfs_ahead_drop(f->vol); /* data read ahead of any file may be this file's */
    int64_t r = vfs_pwrite(&f->vol->vfs, f->fd, buf, *size, f->pos);
    if (r < 0) {
        *size = 0;
        return vsfs_status((int)r);
    }
    f->pos += (uint64_t)r;
    *size = (UINTN)r;
    return EFI_SUCCESS;
}

/* ------------------------------------------------------------ positions */

static EFI_STATUS EFIAPI file_get_position(EFI_FILE_PROTOCOL *self, UINT64 *pos)
{
    struct vsfs_file *f = FILE_OF(self);
    REFUSE_IF_GONE(f);
    if (!pos)
        return EFI_INVALID_PARAMETER;
    if (f->dir)
        return EFI_UNSUPPORTED;
    *pos = f->pos;
    return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI file_set_position(EFI_FILE_PROTOCOL *self, UINT64 pos)
{
    struct vsfs_file *f = FILE_OF(self);
    REFUSE_IF_GONE(f);
    if (f->dir) {
        if (pos != 0)
            return EFI_UNSUPPORTED;
        drop_stream(f); /* the next Read starts over */
        return EFI_SUCCESS;
    }
    if (pos == ~(UINT64)0) {
        struct vfs_stat st;
        int err = f->fd >= 0 ? vfs_fstat_cached(&f->vol->vfs, f->fd, &st) : vfs_stat(&f->vol->vfs, f->path, &st);
        if (err)
            return vsfs_status(err);
        pos = st.size;
    }
    f->pos = pos;
    return EFI_SUCCESS;
}

/* ------------------------------------------------------------ GetInfo, SetInfo */

static EFI_STATUS EFIAPI file_get_info(EFI_FILE_PROTOCOL *self, EFI_GUID *type, UINTN *size, VOID *buf)
{
    struct vsfs_file *f = FILE_OF(self);
    REFUSE_IF_GONE(f);
    if (!type || !size || (*size && !buf))
        return EFI_INVALID_PARAMETER;
    if (same_guid(type, &vsfs_guid_file_info)) {
        struct vfs_stat st;
        int err = vfs_stat(&f->vol->vfs, f->path, &st);
        if (err)
            return vsfs_status(err);
        return vsfs_file_info(vsfs_basename(f->path), &st, size, buf);
    }
    if (same_guid(type, &vsfs_guid_fs_info))
        return vsfs_fs_info(f->vol, size, buf);
    if (same_guid(type, &vsfs_guid_fs_label))
        return vsfs_fs_label(f->vol, size, buf);
    return EFI_UNSUPPORTED;
}

static EFI_STATUS EFIAPI file_set_info(EFI_FILE_PROTOCOL *self, EFI_GUID *type, UINTN size, VOID *buf)
{
    struct vsfs_file *f = FILE_OF(self);
    REFUSE_IF_GONE(f);
    if (!type || !buf)
        return EFI_INVALID_PARAMETER;
    if (same_guid(type, &vsfs_guid_file_info)) {
        vsfs_ahead_drop(f->vol); /* a new size or name: what was read ahead may be wrong */
        return vsfs_set_file_info(f, size, buf);
    }
    /* The label is the share's tag, which the host sets. */
    if (same_guid(type, &vsfs_guid_fs_info) || same_guid(type, &vsfs_guid_fs_label))
        return EFI_WRITE_PROTECTED;
    return EFI_UNSUPPORTED;
}

/* ------------------------------------------------------------ the Ex calls: done at once */

static EFI_STATUS finish_token(EFI_FILE_IO_TOKEN *token, EFI_STATUS s)
{
    token->Status = s;
    if (token->Event)
        vsfs_st->BootServices->SignalEvent(token->Event);
    return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI file_open_ex(EFI_FILE_PROTOCOL *self, EFI_FILE_PROTOCOL **out, CHAR16 *name, UINT64 mode,
                                      UINT64 attrs, EFI_FILE_IO_TOKEN *token)
{
    if (!token)
        return EFI_INVALID_PARAMETER;
    return finish_token(token, file_open(self, out, name, mode, attrs));
}

static EFI_STATUS EFIAPI file_read_ex(EFI_FILE_PROTOCOL *self, EFI_FILE_IO_TOKEN *token)
{
    if (!token)
        return EFI_INVALID_PARAMETER;
    return finish_token(token, file_read(self, &token->BufferSize, token->Buffer));
}

static EFI_STATUS EFIAPI file_write_ex(EFI_FILE_PROTOCOL *self, EFI_FILE_IO_TOKEN *token)
{
    if (!token)
        return EFI_INVALID_PARAMETER;
    return finish_token(token, file_write(self, &token->BufferSize, token->Buffer));
}

static EFI_STATUS EFIAPI file_flush_ex(EFI_FILE_PROTOCOL *self, EFI_FILE_IO_TOKEN *token)
{
    if (!token)
        return EFI_INVALID_PARAMETER;
    return finish_token(token, file_flush(self));
}

/* ------------------------------------------------------------ handles */

EFI_STATUS vsfs_file_new(struct vsfs_volume *vol, char *path, bool dir, bool writable, int fd,
                         EFI_FILE_PROTOCOL **out)
{
    struct vsfs_file *f = vsfs_alloc(sizeof(*f));
    if (!f) {
        if (fd >= 0)
            vfs_close(&vol->vfs, fd);
        vsfs_free(path);
        return EFI_OUT_OF_RESOURCES;
    }
    memset(f, 0, sizeof(*f));
    f->proto = (EFI_FILE_PROTOCOL){
        .Revision = EFI_FILE_PROTOCOL_REVISION2,
        .Open = file_open,
        .Close = file_close,
        .Delete = file_delete,
        .Read = file_read,
        .Write = file_write,
        .GetPosition = file_get_position,
        .SetPosition = file_set_position,
        .GetInfo = file_get_info,
        .SetInfo = file_set_info,
        .Flush = file_flush,
        .OpenEx = file_open_ex,
        .ReadEx = file_read_ex,
        .WriteEx = file_write_ex,
        .FlushEx = file_flush_ex,
    };
    f->vol = vol;
    f->path = path;
    f->dir = dir;
    f->writable = writable;
    f->fd = fd;
    f->dd = -1;
    vol->open_files++;
    *out = &f->proto;
    return EFI_SUCCESS;
}

EFI_STATUS EFIAPI vsfs_open_volume(EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *sfs, EFI_FILE_PROTOCOL **root)
{
    struct vsfs_volume *vol = (struct vsfs_volume *)sfs;
    if (!root)
        return EFI_INVALID_PARAMETER;
    if (vol->gone)
        return EFI_NO_MEDIA;
    char *path = vsfs_alloc(VSFS_MOUNT_LEN + 1);
    if (!path)
        return EFI_OUT_OF_RESOURCES;
    memcpy(path, VSFS_MOUNT, VSFS_MOUNT_LEN + 1);
    return vsfs_file_new(vol, path, true, true, -1, root);
}
