/* SPDX-License-Identifier: BSD-2-Clause */
/* Directory streams: READDIR replies parsed one entry at a time; the
 * virtual root lists the mounts.  vfs_opendir_plus asks READDIRPLUS instead
 * where the device offers it: each reply's nodes and attributes go to the
 * node table as it arrives, so the stats and walks that follow a listing
 * ask nothing. */
#include "vfs_internal.h"

/* A READDIRPLUS record is about five times a READDIR one: its buffer is
 * this many dir_buf (at most a reply's max_pages). */
#define PLUS_BUF_FACTOR 4

bool vfs_plus_offered(const struct vfs_mount *m)
{
    return (m->conn.params.flags & FUSE_DO_READDIRPLUS) && !(m->unsupported & VFS_NOSYS_READDIRPLUS);
}

uint32_t vfs_plus_buf_size(const struct vfs_mount *m)
{
    return VS_MIN(m->cfg.dir_buf * PLUS_BUF_FACTOR, m->conn.params.max_read);
}

static int opendir_as(struct vfs *v, const char *path, bool want_plus)
{
    if (vfs_files_full(v))
        return -VS_EMFILE;
    struct vfs_loc loc;
    int err = vfs_resolve(v, path, WALK_FOLLOW, &loc);
    if (err)
        return err;
    if (loc.node && !vn_is_dir(loc.node)) {
        vfs_loc_put(&loc);
        return -VS_ENOTDIR;
    }
    struct vfs_file *f = v->port->alloc(v->port->ctx, sizeof(*f));
    bool plus = want_plus && loc.node && vfs_plus_offered(loc.m);
    uint32_t size = 0;
    if (loc.node)
        size = plus ? vfs_plus_buf_size(loc.m) : loc.m->cfg.dir_buf;
    uint8_t *buf = loc.node ? v->port->alloc(v->port->ctx, size) : 0;
    if (!f || (loc.node && !buf)) {
        v->port->free(v->port->ctx, f);
        v->port->free(v->port->ctx, buf);
        vfs_loc_put(&loc);
        return -VS_ENOMEM;
    }
    vs_memset(f, 0, sizeof(*f));
    f->m = loc.m;
    f->node = loc.node;
    f->is_dir = true;
    f->dbuf = buf;
    f->dsize = size;
    f->dplus = plus;
    if (loc.node)
        err = vfs_fuse_open(loc.m, loc.node, FUSE_OPENDIR, 0, &f->fh);
    if (err) {
        v->port->free(v->port->ctx, buf);
        v->port->free(v->port->ctx, f);
        vfs_loc_put(&loc);
        return err;
    }
    return vfs_file_install(v, f);
}

int vfs_opendir(struct vfs *v, const char *path)
{
    return opendir_as(v, path, false);
}

int vfs_opendir_plus(struct vfs *v, const char *path)
{
    return opendir_as(v, path, true);
}

/* The virtual root's entries: one per mount, doff counting mount slots. */
static int read_root(struct vfs *v, struct vfs_file *f, struct vfs_dirent *de)
{
    while (f->doff < VFS_MAX_MOUNTS) {
        struct vfs_mount *m = v->mounts[f->doff++];
        if (m) {
            vs_memset(de, 0, sizeof(*de));
            de->namelen = (uint32_t)vs_strlen(m->path + 1);
            vs_memcpy(de->name, m->path + 1, de->namelen + 1);
            de->type = VS_DT_DIR;
            de->ino = FUSE_ROOT_ID;
            return 1;
        }
    }
    return 0;
}

static int cookie_check(struct dir_cookies *g, uint64_t off)
{
    uint32_t known = VS_MIN(g->count, (uint32_t)DIR_COOKIES);
    for (uint32_t i = 0; i < known; i++) {
        if (g->recent[i] == off)
            return -VS_EPROTO;
    }
    if (g->count >= VFS_DIR_MAX_REPLIES)
        return -VS_EPROTO;
    g->recent[g->count++ % DIR_COOKIES] = off;
    return 0;
}

static int readdir_call(struct vfs_mount *m, uint32_t opcode, uint64_t nodeid, uint64_t fh, uint64_t off,
                        void *buf, uint32_t size, uint32_t *got)
{
    struct fuse_read_in in;
    vs_memset(&in, 0, sizeof(in));
    in.fh = fh;
    in.offset = off;
    in.size = VS_MIN(size, m->conn.params.max_read);
    struct fconn_req r = {
        .opcode = opcode, .nodeid = nodeid, .arg = &in, .arg_len = sizeof(in),
        .rdata = buf, .rdata_len = in.size,
    };
    int err = fconn_call(&m->conn, &r);
    if (err)
        return err;
    if (r.reply_got)
        return -VS_EPROTO;
    *got = r.rdata_got;
    return 0;
}

int vfs_fuse_readdir(struct vfs_mount *m, uint64_t nodeid, uint64_t fh, uint64_t off, void *buf,
                     uint32_t size, uint32_t *got, struct dir_cookies *g, bool *plus)
{
    int err = cookie_check(g, off);
    if (err)
        return err;
    if (*plus) {
        err = readdir_call(m, FUSE_READDIRPLUS, nodeid, fh, off, buf, size, got);
        if (err != -VS_ENOSYS)
            return err;
        m->unsupported |= VFS_NOSYS_READDIRPLUS;
        *plus = false;
    }
    return readdir_call(m, FUSE_READDIR, nodeid, fh, off, buf, size, got);
}

static bool dot_or_dotdot(const char *name, uint32_t len)
{
    return name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.'));
}

/* Takes every node of a READDIRPLUS reply into the table, once, when it
 * arrives (whether the caller reads that far or not): the device counted a
 * lookup of each.  "." and ".." are not taken, as in Linux (virtiofsd names
 * no node for them).  A node without memory is forgotten at once and just
 * not cached.  A record that fails validation ends it; a stream fails
 * there when the caller reaches it, as with READDIR.  *checked (unless
 * NULL): the bytes of buf up to there, which need no second check. */
uint32_t vn_take_dirplus(struct vfs_mount *m, struct vnode *dir, const uint8_t *buf, uint32_t len,
                         uint64_t *last_off, uint32_t *checked)
{
    uint32_t pos = 0, end = 0, taken = 0;
    struct fuse_dirent_view d;
    while (fuse_dirent_next(buf, len, &pos, true, &d) == 1) {
        end = pos;
        *last_off = d.off;
        struct fuse_entry_out e;
        vs_memcpy(&e, d.entry, sizeof(e));
        if (e.nodeid != 0 && !dot_or_dotdot(d.name, d.namelen)) {
            vn_from_dirplus(m, dir, d.name, d.namelen, &e);
            taken++;
        }
    }
    if (checked)
        *checked = end;
    return taken;
}

/* Fetches the next READDIR reply into f->dbuf. */
static int refill(struct vfs_file *f)
{
    f->dpos = f->dlen = 0;
    /* Once a stream has brought as many nodes as the cache keeps, more would
     * only push out the first before they are used (a caller stats the
     * names after the listing, or as it goes): the rest is READDIR, as
     * Linux may switch from one reply to the next. */
    if (f->dplus && f->dtaken >= f->m->cfg.node_cache)
        f->dplus = false;
    int err = vfs_fuse_readdir(f->m, f->node->nodeid, f->fh, f->doff, f->dbuf, f->dsize, &f->dlen, &f->cookies,
                               &f->dplus);
    if (err)
        return err;
    f->dchecked = 0;
    if (f->dplus) {
        uint64_t last_off; /* the stream keeps its own, as the caller reads */
        f->dtaken += vn_take_dirplus(f->m, f->node, f->dbuf, f->dlen, &last_off, &f->dchecked);
    }
    f->dpos = 0;
    f->deof = f->dlen == 0;
    return 0;
}

/* The stream's next record into *de; *entry its READDIRPLUS part (NULL for
 * READDIR), in f->dbuf until the next refill. */
static int next_record(struct vfs_file *f, struct vfs_dirent *de, const struct fuse_entry_out **entry)
{
    for (;;) {
        if (f->dpos == f->dlen) {
            if (f->deof)
                return 0;
            int err = refill(f);
            if (err)
                return err;
            if (f->deof)
                return 0;
        }
        struct fuse_dirent_view d;
        /* dbuf is the core's own copy of the reply: what the node taking
         * checked stays as it was checked. */
        if (f->dpos < f->dchecked) {
            fuse_dirent_accepted(f->dbuf, &f->dpos, f->dplus, &d);
        } else {
            int r = fuse_dirent_next(f->dbuf, f->dlen, &f->dpos, f->dplus, &d);
            if (r < 0)
                return r;
            if (r == 0)
                continue;
        }
        if (d.namelen > VFS_NAME_MAX)
            return -VS_EPROTO;
        f->doff = d.off;
        de->ino = d.ino;
        de->type = d.type;
        de->namelen = d.namelen;
        vs_memcpy(de->name, d.name, d.namelen);
        de->name[d.namelen] = 0;
        *entry = d.entry;
        return 1;
    }
}

int vfs_readdir(struct vfs *v, int dd, struct vfs_dirent *de)
{
    struct vfs_file *f = vfs_file_get(v, dd, true);
    if (!f)
        return -VS_EBADF;
    const struct fuse_entry_out *entry;
    return f->m ? next_record(f, de, &entry) : read_root(v, f, de);
}

/* The attributes the name cache holds for de, named by the record's node
 * (nodeid, generation), when vfs_lstat_in would answer with them without
 * a request; else false. */
static bool cached_stat(struct vfs_file *f, uint64_t nodeid, uint64_t generation, const struct vfs_dirent *de,
                        struct vfs_stat *st)
{
    struct vfs_mount *m = f->m;
    struct vnode *n = vn_by_id(m, nodeid, generation);
    if (!n || !vn_attr_fresh(m, n, UINT64_MAX) || !vn_dentry_is(m, n, f->node->nodeid, de->name, de->namelen))
        return false;
    if (m->conn.stats)
        m->conn.stats->attr_hits++;
    vfs_attr_to_stat(&n->attr, st);
    return true;
}

int vfs_readdir_stat(struct vfs *v, int dd, struct vfs_dirent *de, struct vfs_stat *st, int *st_err)
{
    struct vfs_file *f = vfs_file_get(v, dd, true);
    if (!f)
        return -VS_EBADF;
    for (;;) {
        const struct fuse_entry_out *entry = 0;
        int r = f->m ? next_record(f, de, &entry) : read_root(v, f, de);
        if (r != 1)
            return r;
        if (dot_or_dotdot(de->name, de->namelen))
            continue;
        *st_err = 0;
        if (entry) {
            uint64_t nodeid, generation;
            vs_memcpy(&nodeid, &entry->nodeid, sizeof(nodeid));
            vs_memcpy(&generation, &entry->generation, sizeof(generation));
            if (nodeid && cached_stat(f, nodeid, generation, de, st))
                return 1;
        }
        *st_err = vfs_lstat_in(v, dd, de->name, st);
        return 1;
    }
}

int vfs_closedir(struct vfs *v, int dd)
{
    struct vfs_file *f = vfs_file_get(v, dd, true);
    if (!f)
        return -VS_EBADF;
    int err = 0;
    if (f->m) {
        err = vfs_release_detached(f->m, f->node->nodeid, f->fh, FUSE_RELEASEDIR);
        vn_put(f->m, f->node);
    }
    v->files[dd] = 0;
    v->port->free(v->port->ctx, f->dbuf);
    v->port->free(v->port->ctx, f);
    return err;
}
