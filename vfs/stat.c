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
    /* Attributes that came with this walk's LOOKUP, or are still valid, do. */
    bool fresh = vn_attr_fresh(loc.m, loc.node, start);
    /* Counted: served by the cache, or GETATTR (not: came with this walk). */
    if (loc.m->conn.stats) {
        loc.m->conn.stats->attr_hits += fresh && loc.node->attr_time < start;
        loc.m->conn.stats->attr_misses += !fresh;
    }
    if (!fresh)
        err = vn_getattr(loc.m, loc.node);
    if (!err)
        vfs_attr_to_stat(&loc.node->attr, st);
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
