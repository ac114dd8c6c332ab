/* SPDX-License-Identifier: BSD-2-Clause */
/* stat, lstat, statfs and readlink by path. */
#include "vfs_internal.h"

static void root_stat(struct vfs_stat *st)
{
    vs_memset(st, 0, sizeof(*st));
    st->mode = VS_S_IFDIR | 0755;
    st->nlink = 2;
    st->blksize = 4096;
}

/* The attributes of n, found by a lookup that began at start. */
static int node_stat(struct vfs_mount *m, struct vnode *n, uint64_t start, struct vfs_stat *st)
{
    /* Attributes that came with this walk's LOOKUP, or are still valid, do. */
    bool fresh = vn_attr_fresh(m, n, start);
    /* Counted: served by the cache, or GETATTR (not: came with this walk). */
    if (m->conn.stats) {
        m->conn.stats->attr_hits += fresh && n->attr_time < start;
        m->conn.stats->attr_misses += !fresh;
    }
    int err = fresh ? 0 : vn_getattr(m, n);
    if (!err)
        vfs_attr_to_stat(&n->attr, st);
    return err;
}

static int stat_path(struct vfs *v, const char *path, bool follow, struct vfs_stat *st)
{
    uint64_t start = v->port->now_ns(v->port->ctx);
    struct vfs_loc loc;
    int err = vfs_resolve(v, path, follow ? WALK_FOLLOW : 0, &loc);
    if (err)
        return err;
    if (!loc.node) {
        root_stat(st);
        return 0;
    }
    err = node_stat(loc.m, loc.node, start, st);
    vfs_loc_put(&loc);
    return err;
}

int vfs_stat(struct vfs *v, const char *path, struct vfs_stat *st)
{
    return stat_path(v, path, true, st);
}

int vfs_lstat(struct vfs *v, const char *path, struct vfs_stat *st)
{
    return stat_path(v, path, false, st);
}

int vfs_lstat_in(struct vfs *v, int dd, const char *name, struct vfs_stat *st)
{
    struct vfs_file *f = vfs_file_get(v, dd, true);
    if (!f)
        return -VS_EBADF;
    size_t len = vs_strlen(name);
    bool slash = false;
    for (size_t i = 0; i < len; i++)
        slash |= name[i] == '/';
    if (len == 0 || slash || (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.'))))
        return -VS_EINVAL;
    if (len > VFS_NAME_MAX)
        return -VS_ENAMETOOLONG;
    if (!f->m) { /* the virtual root: a mount's name */
        char path[VFS_NAME_MAX + 2] = "/";
        vs_memcpy(path + 1, name, len + 1);
        return stat_path(v, path, false, st);
    }
    uint64_t start = v->port->now_ns(v->port->ctx);
    struct vnode *n;
    int err = vn_lookup(f->m, f->node, name, (uint32_t)len, false, 0, &n);
    if (err)
        return err;
    err = node_stat(f->m, n, start, st);
    vn_put(f->m, n);
    return err;
}

int vfs_statfs(struct vfs *v, const char *path, struct vfs_statfs *st)
{
    struct vfs_loc loc;
    int err = vfs_resolve(v, path, WALK_FOLLOW, &loc);
    if (err)
        return err;
    if (!loc.node) {
        vs_memset(st, 0, sizeof(*st));
        st->bsize = st->frsize = 4096;
        st->namelen = VFS_NAME_MAX;
        return 0;
    }
    struct fuse_statfs_out o;
    struct fconn_req r = {
        .opcode = FUSE_STATFS, .nodeid = loc.node->nodeid, .reply = &o, .reply_len = sizeof(o),
    };
    err = fconn_call(&loc.m->conn, &r);
    if (!err && (r.rdata_got || fuse_check_statfs(&o, r.reply_got)))
        err = -VS_EPROTO;
    if (!err) {
        st->blocks = o.st.blocks;
        st->bfree = o.st.bfree;
        st->bavail = o.st.bavail;
        st->files = o.st.files;
        st->ffree = o.st.ffree;
        st->bsize = o.st.bsize;
        st->frsize = o.st.frsize;
        st->namelen = o.st.namelen;
    }
    vfs_loc_put(&loc);
    return err;
}

int64_t vfs_readlink(struct vfs *v, const char *path, char *buf, size_t n)
{
    struct vfs_loc loc;
    int err = vfs_resolve(v, path, 0, &loc);
    if (err)
        return err;
    if (!loc.node || !vn_is_link(loc.node)) {
        vfs_loc_put(&loc);
        return -VS_EINVAL;
    }
    char *target = v->port->alloc(v->port->ctx, v->cfg.path_max);
    int64_t ret = -VS_ENOMEM;
    if (target) {
        uint32_t tlen;
        ret = vn_readlink(loc.m, loc.node, target, &tlen);
        if (!ret) {
            ret = VS_MIN((size_t)tlen, n);
            vs_memcpy(buf, target, (size_t)ret);
        }
        v->port->free(v->port->ctx, target);
    }
    vfs_loc_put(&loc);
    return ret;
}
