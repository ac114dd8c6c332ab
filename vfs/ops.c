/* SPDX-License-Identifier: BSD-2-Clause */
/* Changes by path: mkdir, rmdir, unlink, rename, symlink, link, truncate,
 * chmod, utimens. */
#include "vfs_internal.h"

/* Resolves the parent of path's last name on a writable mount. */
static int parent_rw(struct vfs *v, const char *path, struct vfs_loc *loc)
{
    int err = vfs_resolve(v, path, WALK_FOLLOW | WALK_PARENT, loc);
    if (err)
        return err;
    err = vfs_check_rw(loc->m);
    if (err)
        vfs_loc_put(loc);
    return err;
}

/* UNLINK or RMDIR of the entry loc names.  The entry is looked up first
 * and held meanwhile: virtiofsd refuses (EIO) to remove a node it has no
 * lookup count for, and a node forgotten from our cache has none. */
static int remove_op(struct vfs_loc *loc, uint32_t opcode)
{
    struct vnode *victim;
    int err = vn_lookup_exact(loc->m, loc->node, loc->name, loc->namelen, &victim);
    if (err)
        return err;
    struct fconn_req r = {.opcode = opcode, .nodeid = loc->node->nodeid, .name = loc->name, .name_len = loc->namelen};
    err = fconn_call(&loc->m->conn, &r);
    if (!err && (r.reply_got || r.rdata_got))
        err = -VS_EPROTO;
    if (!err) {
        victim->removed = true;
        vn_name_changed(loc->m, loc->node, loc->name, loc->namelen);
    }
    vn_put(loc->m, victim);
    return err;
}

/* A request that makes the entry loc names (MKDIR, SYMLINK, LINK): checks
 * the reply and keeps the new node in the table. */
static int entry_op(struct vfs_loc *loc, struct fconn_req *r, uint32_t want_type)
{
    struct vfs_mount *m = loc->m;
    struct fuse_entry_out e;
    r->reply = &e;
    r->reply_len = sizeof(e);
    int err = fconn_call(&m->conn, r);
    if (err)
        return err;
    if (r->rdata_got || fuse_check_entry(&e, r->reply_got) || e.nodeid == 0 ||
        (e.attr.mode & VS_S_IFMT) != want_type)
        return -VS_EPROTO;
    struct vnode *n;
    vn_name_changed(m, loc->node, loc->name, loc->namelen);
    err = vn_from_entry(m, loc->node->nodeid, loc->name, loc->namelen, &e, &n);
    if (err)
        return err;
    if (r->opcode != FUSE_LINK)
        err = vn_set_owner(m, n);
    vn_put(m, n);
    return err;
}

int vfs_mkdir(struct vfs *v, const char *path, uint32_t mode)
{
    struct vfs_loc loc;
    int err = parent_rw(v, path, &loc);
    if (err)
        return err == -VS_EBUSY ? -VS_EEXIST : err;
    struct fuse_mkdir_in in = {.mode = mode & 07777, .umask = 0};
    struct fconn_req r = {
        .opcode = FUSE_MKDIR, .nodeid = loc.node->nodeid, .arg = &in, .arg_len = sizeof(in),
        .name = loc.name, .name_len = loc.namelen,
    };
    err = entry_op(&loc, &r, VS_S_IFDIR);
    vfs_loc_put(&loc);
    return err;
}

int vfs_rmdir(struct vfs *v, const char *path)
{
    struct vfs_loc loc;
    int err = parent_rw(v, path, &loc);
    if (err)
        return err;
    err = remove_op(&loc, FUSE_RMDIR);
    vfs_loc_put(&loc);
    return err;
}

int vfs_unlink(struct vfs *v, const char *path)
{
    struct vfs_loc loc;
    int err = parent_rw(v, path, &loc);
    if (err)
        return err == -VS_EBUSY ? -VS_EISDIR : err;
    err = loc.trailing_slash ? -VS_ENOTDIR : remove_op(&loc, FUSE_UNLINK);
    vfs_loc_put(&loc);
    return err;
}

int vfs_rename(struct vfs *v, const char *from, const char *to, uint32_t flags)
{
    if (flags & ~(uint32_t)(VFS_RENAME_NOREPLACE | VFS_RENAME_EXCHANGE))
        return -VS_EINVAL;
    struct vfs_loc a, b;
    int err = parent_rw(v, from, &a);
    if (err)
        return err;
    err = parent_rw(v, to, &b);
    if (err) {
        vfs_loc_put(&a);
        return err;
    }
    /* Both names looked up and held for the same reason as in remove_op;
     * the target may not exist. */
    struct vnode *from_node = 0, *to_node = 0;
    if (a.m != b.m) {
        err = -VS_EXDEV;
    } else {
        err = vn_lookup_exact(a.m, a.node, a.name, a.namelen, &from_node);
        if (!err) {
            int terr = vn_lookup_exact(b.m, b.node, b.name, b.namelen, &to_node);
            err = terr == -VS_ENOENT ? 0 : terr;
        }
    }
    if (!err) {
        struct fuse_rename2_in in2 = {.newdir = b.node->nodeid, .flags = flags};
        struct fuse_rename_in in = {.newdir = b.node->nodeid};
        struct fconn_req r = {
            .opcode = flags ? FUSE_RENAME2 : FUSE_RENAME, .nodeid = a.node->nodeid,
            .arg = flags ? (const void *)&in2 : (const void *)&in,
            .arg_len = flags ? (uint32_t)sizeof(in2) : (uint32_t)sizeof(in),
            .name = a.name, .name_len = a.namelen, .name2 = b.name, .name2_len = b.namelen,
        };
        err = fconn_call(&a.m->conn, &r);
        if (!err && (r.reply_got || r.rdata_got))
            err = -VS_EPROTO;
        if (err == -VS_ENOSYS && flags)
            err = -VS_EINVAL; /* the device has no RENAME2: the flags can't be honoured */
        if (!err) {
            vn_name_changed(a.m, a.node, a.name, a.namelen);
            vn_name_changed(b.m, b.node, b.name, b.namelen);
            if (to_node && to_node != from_node && !(flags & VFS_RENAME_EXCHANGE))
                to_node->removed = true; /* replaced */
        }
    }
    if (from_node)
        vn_put(a.m, from_node);
    if (to_node)
        vn_put(b.m, to_node);
    vfs_loc_put(&a);
    vfs_loc_put(&b);
    return err;
}

int vfs_symlink(struct vfs *v, const char *target, const char *path)
{
    size_t tlen = vs_strlen(target);
    if (tlen == 0)
        return -VS_ENOENT;
    if (tlen >= v->cfg.path_max)
        return -VS_ENAMETOOLONG;
    struct vfs_loc loc;
    int err = parent_rw(v, path, &loc);
    if (err)
        return err == -VS_EBUSY ? -VS_EEXIST : err;
    struct fconn_req r = {
        .opcode = FUSE_SYMLINK, .nodeid = loc.node->nodeid, .name = loc.name, .name_len = loc.namelen,
        .name2 = target, .name2_len = (uint32_t)tlen,
    };
    err = entry_op(&loc, &r, VS_S_IFLNK);
    vfs_loc_put(&loc);
    return err;
}

int vfs_link(struct vfs *v, const char *from, const char *to)
{
    struct vfs_loc src, dst;
    int err = vfs_resolve(v, from, 0, &src);
    if (err)
        return err;
    if (!src.node || vn_is_dir(src.node)) {
        vfs_loc_put(&src);
        return -VS_EPERM;
    }
    err = parent_rw(v, to, &dst);
    if (err) {
        vfs_loc_put(&src);
        return err == -VS_EBUSY ? -VS_EEXIST : err;
    }
    if (src.m != dst.m) {
        err = -VS_EXDEV;
    } else {
        struct fuse_link_in in = {.oldnodeid = src.node->nodeid};
        struct fconn_req r = {
            .opcode = FUSE_LINK, .nodeid = dst.node->nodeid, .arg = &in, .arg_len = sizeof(in),
            .name = dst.name, .name_len = dst.namelen,
        };
        err = entry_op(&dst, &r, src.node->attr.mode & VS_S_IFMT);
        src.node->attr_expire = 0; /* its link count moved */
        src.node->attr_time = 0;
    }
    vfs_loc_put(&src);
    vfs_loc_put(&dst);
    return err;
}

/* SETATTR by path (following symlinks) on a writable mount. */
static int setattr_path(struct vfs *v, const char *path, struct fuse_setattr_in *in)
{
    struct vfs_loc loc;
    int err = vfs_resolve(v, path, WALK_FOLLOW, &loc);
    if (err)
        return err;
    err = loc.node ? vfs_check_rw(loc.m) : -VS_EROFS;
    if (!err && (in->valid & FATTR_SIZE) && vn_is_dir(loc.node))
        err = -VS_EISDIR;
    if (!err)
        err = vn_setattr(loc.m, loc.node, in);
    vfs_loc_put(&loc);
    return err;
}

int vfs_truncate(struct vfs *v, const char *path, uint64_t size)
{
    if (size > INT64_MAX)
        return -VS_EFBIG;
    struct fuse_setattr_in in = {.valid = FATTR_SIZE, .size = size};
    return setattr_path(v, path, &in);
}

int vfs_chmod(struct vfs *v, const char *path, uint32_t mode)
{
    struct fuse_setattr_in in = {.valid = FATTR_MODE, .mode = mode & 07777};
    return setattr_path(v, path, &in);
}

int vfs_utimens(struct vfs *v, const char *path, const struct vfs_timespec ts[2])
{
    struct fuse_setattr_in in = {0};
    for (int i = 0; i < 2; i++) {
        uint32_t set = i ? FATTR_MTIME : FATTR_ATIME, now = i ? FATTR_MTIME_NOW : FATTR_ATIME_NOW;
        if (ts[i].nsec == VFS_UTIME_OMIT)
            continue;
        if (ts[i].nsec == VFS_UTIME_NOW) {
            in.valid |= set | now;
            continue;
        }
        if (ts[i].nsec >= 1000000000u || ts[i].sec < 0)
            return -VS_EINVAL;
        in.valid |= set;
        if (i) {
            in.mtime = (uint64_t)ts[i].sec;
            in.mtimensec = ts[i].nsec;
        } else {
            in.atime = (uint64_t)ts[i].sec;
            in.atimensec = ts[i].nsec;
        }
    }
    return in.valid ? setattr_path(v, path, &in) : 0;
}
