/* SPDX-License-Identifier: BSD-2-Clause */
/* Open files: open, read, pread, lseek, fstat, close. */
#include "vfs_internal.h"

struct vfs_file *vfs_file_get(struct vfs *v, int fd, bool dir)
{
    if (fd < 0 || fd >= VFS_MAX_FILES || !v->files[fd] || v->files[fd]->is_dir != dir)
        return 0;
    return v->files[fd];
}

bool vfs_files_full(const struct vfs *v)
{
    for (int fd = 0; fd < VFS_MAX_FILES; fd++) {
        if (!v->files[fd])
            return false;
    }
    return true;
}

int vfs_file_install(struct vfs *v, struct vfs_file *f)
{
    for (int fd = 0; fd < VFS_MAX_FILES; fd++) {
        if (!v->files[fd]) {
            v->files[fd] = f;
            return fd;
        }
    }
    return -VS_EMFILE;
}

/* OPEN or OPENDIR: the device's file handle in *fh. */
int vfs_fuse_open(struct vfs_mount *m, struct vnode *n, uint32_t opcode, uint32_t flags, uint64_t *fh)
{
    struct fuse_open_in in;
    struct fuse_open_out o;
    vs_memset(&in, 0, sizeof(in));
    in.flags = flags;
    struct fconn_req r = {
        .opcode = opcode, .nodeid = n->nodeid, .arg = &in, .arg_len = sizeof(in),
        .reply = &o, .reply_len = sizeof(o),
    };
    int err = fconn_call(&m->conn, &r);
    if (err)
        return err;
    if (r.rdata_got || fuse_check_open(&o, r.reply_got))
        return -VS_EPROTO;
    *fh = o.fh;
    return 0;
}

/* The new file's node from an entry reply (CREATE, MKNOD), given to its
 * owner with owner=. */
static int take_new_file(struct vfs_loc *loc, const struct fuse_entry_out *e, struct vnode **node)
{
    vn_name_changed(loc->m, loc->node, loc->name, loc->namelen);
    int err = vn_from_entry(loc->m, loc->node->nodeid, loc->name, loc->namelen, e, node);
    if (!err) {
        err = vn_set_owner(loc->m, *node);
        if (err)
            vn_put(loc->m, *node);
    }
    return err;
}

/* For a device without CREATE: MKNOD of a regular file, then OPEN. */
static int mknod_open(struct vfs_loc *loc, int flags, uint32_t mode, struct vnode **node, uint64_t *fh)
{
    struct fuse_mknod_in in;
    struct fuse_entry_out e;
    vs_memset(&in, 0, sizeof(in));
    in.mode = VS_S_IFREG | (mode & 07777);
    struct fconn_req r = {
        .opcode = FUSE_MKNOD, .nodeid = loc->node->nodeid, .arg = &in, .arg_len = sizeof(in),
        .name = loc->name, .name_len = loc->namelen, .reply = &e, .reply_len = sizeof(e),
    };
    int err = fconn_call(&loc->m->conn, &r);
    if (err)
        return err;
    if (r.rdata_got || fuse_check_entry(&e, r.reply_got) || e.nodeid == 0 ||
        (e.attr.mode & VS_S_IFMT) != VS_S_IFREG)
        return -VS_EPROTO;
    err = take_new_file(loc, &e, node);
    if (err)
        return err;
    err = vfs_fuse_open(loc->m, *node, FUSE_OPEN, (uint32_t)flags & (VFS_O_ACCMODE | VFS_O_APPEND), fh);
    if (err)
        vn_put(loc->m, *node);
    return err;
}

/* CREATE name in the parent dir loc: the new node and its handle. */
static int create(struct vfs_loc *loc, int flags, uint32_t mode, struct vnode **node, uint64_t *fh)
{
    if (loc->m->unsupported & VFS_NOSYS_CREATE)
        return mknod_open(loc, flags, mode, node, fh);
    struct fuse_create_in in;
    struct {
        struct fuse_entry_out e;
        struct fuse_open_out o;
    } out;
    vs_memset(&in, 0, sizeof(in));
    in.flags = (uint32_t)flags & (VFS_O_ACCMODE | VFS_O_APPEND | VFS_O_EXCL | VFS_O_CREAT);
    in.mode = VS_S_IFREG | (mode & 07777);
    struct fconn_req r = {
        .opcode = FUSE_CREATE, .nodeid = loc->node->nodeid, .arg = &in, .arg_len = sizeof(in),
        .name = loc->name, .name_len = loc->namelen, .reply = &out, .reply_len = sizeof(out),
    };
    int err = fconn_call(&loc->m->conn, &r);
    if (err == -VS_ENOSYS) {
        loc->m->unsupported |= VFS_NOSYS_CREATE;
        return mknod_open(loc, flags, mode, node, fh);
    }
    if (err)
        return err;
    if (r.rdata_got || fuse_check_create(&out, r.reply_got))
        return -VS_EPROTO;
    *fh = out.o.fh;
    err = take_new_file(loc, &out.e, node);
    if (err)
        vfs_fuse_release(loc->m, out.e.nodeid, out.o.fh, FUSE_RELEASE);
    return err;
}

/* Ends open_or_create with err, the result of a CREATE (or of the lookup
 * before it): *loc holds n, the new node, in place of its parent, or
 * nothing when err. */
static int take_created(struct vfs_loc *loc, struct vfs_mount *m, int err, struct vnode *n, bool *created)
{
    *created = !err;
    vn_put(m, loc->node);
    loc->node = err ? 0 : n;
    loc->m = err ? 0 : m;
    return err;
}

/* With O_CREAT: the existing node, or a new one (then *fh is its handle and
 * *created is set), in *loc.  An existing symlink (without O_NOFOLLOW or
 * O_EXCL) is followed, and the name it leads to is opened or created, as on
 * Linux: O_CREAT through a dangling symlink creates its target. */
static int open_or_create(struct vfs *v, const char *path, int flags, uint32_t mode, struct vfs_loc *loc,
                          uint64_t *fh, bool *created)
{
    *created = false;
    int err = vfs_resolve(v, path, WALK_FOLLOW | WALK_PARENT | WALK_OPEN, loc);
    if (err)
        return err;
    if (loc->trailing_slash || (loc->found && (flags & VFS_O_EXCL))) {
        err = loc->trailing_slash ? -VS_EISDIR : -VS_EEXIST;
        vfs_loc_put(loc);
        return err;
    }
    if (loc->found)
        return 0; /* a directory itself ("/", a mount's root, ".", ".."): the caller's EISDIR */
    /* Most creations are of new names: try CREATE with O_EXCL at once and
     * look up only if the name exists.  Not with nocase, where an existing
     * name in another case must be found first. */
    struct vfs_mount *m = loc->m;
    struct vnode *n = 0;
    if (!m->opts.ro && !m->opts.nocase && !vn_dentry_find(m, loc->node->nodeid, loc->name, loc->namelen)) {
        err = create(loc, flags | VFS_O_EXCL, mode, &n, fh);
        if (!err || err != -VS_EEXIST || (flags & VFS_O_EXCL))
            return take_created(loc, m, err, n, created);
    }
    /* The name is looked up from the parent in hand; only a symlink to
     * follow needs the walk again, which follows it (and any after it) to a
     * node or to the parent of a missing last name. */
    err = vn_lookup(m, loc->node, loc->name, loc->namelen, false, 0, &n);
    if (!err && vn_is_link(n) && !(flags & (VFS_O_NOFOLLOW | VFS_O_EXCL))) {
        vn_put(m, n);
        vfs_loc_put(loc);
        err = vfs_resolve(v, path, WALK_FOLLOW | WALK_PARENT | WALK_CREATE | WALK_OPEN, loc);
        if (err || loc->found)
            return err;
        m = loc->m;
        err = -VS_ENOENT; /* the name it leads to */
    }
    if (!err) {
        vn_put(m, loc->node);
        loc->node = n;
        if (!(flags & VFS_O_EXCL))
            return 0;
        vfs_loc_put(loc);
        return -VS_EEXIST;
    }
    if (err == -VS_ENOENT) {
        err = vfs_check_rw(m);
        if (!err)
            err = create(loc, flags, mode, &n, fh);
    }
    return take_created(loc, m, err, n, created);
}

int vfs_open(struct vfs *v, const char *path, int flags, uint32_t mode)
{
    if (vfs_files_full(v))
        return -VS_EMFILE;
    int acc = flags & VFS_O_ACCMODE;
    if (acc == VFS_O_ACCMODE)
        return -VS_EINVAL;
    bool writes = acc != VFS_O_RDONLY || (flags & VFS_O_TRUNC);
    struct vfs_loc loc;
    uint64_t fh = 0;
    bool created = false;
    int err = (flags & VFS_O_CREAT) ? open_or_create(v, path, flags, mode, &loc, &fh, &created)
                                    : vfs_resolve(v, path, (flags & VFS_O_NOFOLLOW) ? 0 : WALK_FOLLOW, &loc);
    if (err)
        return err;
    if (!loc.node || vn_is_dir(loc.node))
        err = -VS_EISDIR;
    else if (vn_is_link(loc.node))
        err = -VS_ELOOP;
    else if (flags & VFS_O_DIRECTORY)
        err = -VS_ENOTDIR;
    else if (writes && !created)
        err = vfs_check_rw(loc.m);
    struct vfs_file *f = 0;
    if (!err) {
        f = v->port->alloc(v->port->ctx, sizeof(*f));
        if (!f)
            err = -VS_ENOMEM;
    }
    if (!err && !created)
        err = vfs_fuse_open(loc.m, loc.node, FUSE_OPEN, (uint32_t)flags & (VFS_O_ACCMODE | VFS_O_APPEND), &fh);
    if (err) {
        if (created && loc.node) /* (created: never null; said for the analyzer) */
            vfs_fuse_release(loc.m, loc.node->nodeid, fh, FUSE_RELEASE);
        v->port->free(v->port->ctx, f);
        vfs_loc_put(&loc);
        return err;
    }
    vs_memset(f, 0, sizeof(*f));
    f->m = loc.m;
    f->node = loc.node;
    f->fh = fh;
    f->flags = (uint32_t)flags;
    int fd = vfs_file_install(v, f);
    if ((flags & VFS_O_TRUNC) && !created) {
        /* O_RDONLY|O_TRUNC truncates too, as on Linux: by node, since the
         * host's read-only handle could not. */
        struct fuse_setattr_in in;
        vs_memset(&in, 0, sizeof(in));
        in.valid = FATTR_SIZE | (acc != VFS_O_RDONLY ? FATTR_FH : 0);
        in.fh = fh;
        f->written = true;
        err = vn_setattr(loc.m, loc.node, &in);
        if (err) {
            vfs_close(v, fd);
            return err;
        }
    }
    return fd;
}

/* RELEASE or RELEASEDIR of handle fh. */
int vfs_fuse_release(struct vfs_mount *m, uint64_t nodeid, uint64_t fh, uint32_t opcode)
{
    struct fuse_release_in in;
    vs_memset(&in, 0, sizeof(in));
    in.fh = fh;
    struct fconn_req r = {.opcode = opcode, .nodeid = nodeid, .arg = &in, .arg_len = sizeof(in)};
    int err = fconn_call(&m->conn, &r);
    if (!err && (r.reply_got || r.rdata_got))
        err = -VS_EPROTO;
    return err;
}

int vfs_release_detached(struct vfs_mount *m, uint64_t nodeid, uint64_t fh, uint32_t opcode)
{
    struct fuse_release_in in;
    vs_memset(&in, 0, sizeof(in));
    in.fh = fh;
    struct fconn_req r = {.opcode = opcode, .nodeid = nodeid, .arg = &in, .arg_len = sizeof(in)};
    int err = fconn_send(&m->conn, &r);
    return err == -VS_EAGAIN ? vfs_fuse_release(m, nodeid, fh, opcode) : err;
}

/* FLUSH: the host closes a dup of its descriptor, reporting delayed errors.
 * A device without it has nothing to report (ENOSYS, remembered). */
static int flush(struct vfs_file *f)
{
    if (f->m->unsupported & VFS_NOSYS_FLUSH)
        return 0;
    struct fuse_flush_in in;
    vs_memset(&in, 0, sizeof(in));
    in.fh = f->fh;
    struct fconn_req r = {.opcode = FUSE_FLUSH, .nodeid = f->node->nodeid, .arg = &in, .arg_len = sizeof(in)};
    int err = fconn_call(&f->m->conn, &r);
    if (!err && (r.reply_got || r.rdata_got))
        err = -VS_EPROTO;
    if (err == -VS_ENOSYS) {
        f->m->unsupported |= VFS_NOSYS_FLUSH;
        err = 0;
    }
    return err;
}

int vfs_close(struct vfs *v, int fd)
{
    struct vfs_file *f = vfs_file_get(v, fd, false);
    if (!f)
        return vfs_closedir(v, fd);
    vfs_aio_settle_file(v, f);
    /* FLUSH reports errors the host could only see at close; with nothing
     * written there are none.  RELEASE is not waited for: it cannot fail in
     * a way the caller could act on. */
    int err = f->written ? flush(f) : 0;
    int rerr = vfs_release_detached(f->m, f->node->nodeid, f->fh, FUSE_RELEASE);
    vn_put(f->m, f->node);
    v->files[fd] = 0;
    v->port->free(v->port->ctx, f);
    return err ? err : rerr;
}

int64_t vfs_pread(struct vfs *v, int fd, void *buf, size_t n, uint64_t off)
{
    struct vfs_file *f = vfs_file_get(v, fd, false);
    if (!f || (f->flags & VFS_O_ACCMODE) == VFS_O_WRONLY)
        return -VS_EBADF;
    if (off > INT64_MAX || n > INT64_MAX - off)
        return -VS_EINVAL;
    /* While the device lets us trust the size, what lies past it is known
     * to be nothing (Linux's page cache answers the same way). */
    if (vn_attr_fresh(f->m, f->node, UINT64_MAX)) {
        if (off >= f->node->attr.size)
            return 0;
        n = (size_t)VS_MIN((uint64_t)n, f->node->attr.size - off);
    }
    return vfs_file_io(f, buf, n, off, false);
}

int64_t vfs_read(struct vfs *v, int fd, void *buf, size_t n)
{
    struct vfs_file *f = vfs_file_get(v, fd, false);
    if (!f)
        return -VS_EBADF;
    int64_t got = vfs_pread(v, fd, buf, n, f->pos);
    if (got > 0)
        f->pos += (uint64_t)got;
    return got;
}

int vfs_fstat(struct vfs *v, int fd, struct vfs_stat *st)
{
    struct vfs_file *f = vfs_file_get(v, fd, false);
    if (!f)
        f = vfs_file_get(v, fd, true);
    if (!f)
        return -VS_EBADF;
    if (!f->m) {
        vs_memset(st, 0, sizeof(*st));
        st->mode = VS_S_IFDIR | 0755;
        st->nlink = 2;
        return 0;
    }
    int err = vn_getattr(f->m, f->node);
    if (!err)
        vfs_attr_to_stat(&f->node->attr, st);
    return err;
}

int vfs_fstat_cached(struct vfs *v, int fd, struct vfs_stat *st)
{
    struct vfs_file *f = vfs_file_get(v, fd, false);
    if (!f || !vn_attr_fresh(f->m, f->node, UINT64_MAX))
        return vfs_fstat(v, fd, st);
    if (f->m->conn.stats)
        f->m->conn.stats->attr_hits++;
    vfs_attr_to_stat(&f->node->attr, st);
    return 0;
}

bool vfs_fsize_fresh(struct vfs *v, int fd, uint64_t *size)
{
    struct vfs_file *f = vfs_file_get(v, fd, false);
    if (!f || !vn_attr_fresh(f->m, f->node, UINT64_MAX))
        return false;
    *size = f->node->attr.size;
    return true;
}

int64_t vfs_lseek(struct vfs *v, int fd, int64_t off, int whence)
{
    struct vfs_file *f = vfs_file_get(v, fd, false);
    if (!f)
        return -VS_EBADF;
    int64_t base;
    if (whence == VFS_SEEK_SET) {
        base = 0;
    } else if (whence == VFS_SEEK_CUR) {
        base = (int64_t)f->pos;
    } else if (whence == VFS_SEEK_END) {
        int err = vn_getattr(f->m, f->node);
        if (err)
            return err;
        base = (int64_t)f->node->attr.size;
    } else {
        return -VS_EINVAL;
    }
    if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
        return -VS_EINVAL;
    f->pos = (uint64_t)(base + off);
    return (int64_t)f->pos;
}
