/* SPDX-License-Identifier: BSD-2-Clause */
/* The node table of a mount: nodes by id, with their lookup counts, and a
 * bounded list of unreferenced ones that are forgotten oldest first. */
#include "vfs_internal.h"

static struct vnode **bucket(struct vfs_mount *m, uint64_t nodeid)
{
    uint64_t h = nodeid * 0x9E3779B97F4A7C15ull;
    return &m->buckets[h >> 32 & (m->nbuckets - 1)];
}

void vn_table_init(struct vfs_mount *m)
{
    vs_memset(m->buckets, 0, sizeof(*m->buckets) * m->nbuckets);
    vs_memset(m->dbuckets, 0, sizeof(*m->dbuckets) * m->nbuckets);
    m->lru_head = m->lru_tail = 0;
    m->lru_count = 0;
    vs_memset(&m->root, 0, sizeof(m->root));
    m->root.nodeid = FUSE_ROOT_ID;
    m->root.refs = 1;
    m->root.attr.mode = VS_S_IFDIR | 0755;
}

static void lru_unlink(struct vfs_mount *m, struct vnode *n)
{
    if (n->lru_prev)
        n->lru_prev->lru_next = n->lru_next;
    else
        m->lru_head = n->lru_next;
    if (n->lru_next)
        n->lru_next->lru_prev = n->lru_prev;
    else
        m->lru_tail = n->lru_prev;
    n->lru_prev = n->lru_next = 0;
    m->lru_count--;
}

static void lru_push(struct vfs_mount *m, struct vnode *n)
{
    n->lru_prev = 0;
    n->lru_next = m->lru_head;
    if (m->lru_head)
        m->lru_head->lru_prev = n;
    else
        m->lru_tail = n;
    m->lru_head = n;
    m->lru_count++;
}

static void unhash(struct vfs_mount *m, struct vnode *n)
{
    struct vnode **p = bucket(m, n->nodeid);
    while (*p && *p != n)
        p = &(*p)->hnext;
    if (*p)
        *p = n->hnext;
}

/* Returns n's lookups to the device and frees it.  Those of a removed node
 * go at once, the others with the next batch. */
static void release(struct vfs_mount *m, struct vnode *n)
{
    unhash(m, n);
    vn_dentry_drop(m, n);
    m->nodes--;
    if (n->nlookup)
        fconn_forget(&m->conn, n->nodeid, n->nlookup);
    if (n->removed)
        fconn_forget_flush(&m->conn);
    m->conn.port->free(m->conn.port->ctx, n);
}

void vn_hold(struct vnode *n)
{
    n->refs++;
}

void vn_put(struct vfs_mount *m, struct vnode *n)
{
    if (--n->refs || n == &m->root)
        return;
    /* A removed node goes at once, as Linux does: virtiofsd matches nodes by
     * host inode number, which the host may soon give to a new file. */
    if (n->removed) {
        release(m, n);
        return;
    }
    lru_push(m, n);
    if (m->lru_count > m->cfg.node_cache) {
        struct vnode *old = m->lru_tail;
        lru_unlink(m, old);
        release(m, old);
    }
}

/* LOOKUP of name in dir, answered by the name cache unless fresh; *hit
 * (if given) is set when the cache answered. */
static int lookup_in(struct vfs_mount *m, struct vnode *dir, const char *name, uint32_t len, bool fresh,
                     bool *hit, struct vnode **out)
{
    struct vnode *cached = fresh ? 0 : vn_dentry_find(m, dir->nodeid, name, len);
    if (!cached && !fresh)
        cached = vn_prelist(m, dir, name, len);
    if (cached) {
        if (cached->refs++ == 0)
            lru_unlink(m, cached);
        if (hit)
            *hit = true;
        *out = cached;
        return 0;
    }
    struct fuse_entry_out e;
    struct fconn_req r = {
        .opcode = FUSE_LOOKUP, .nodeid = dir->nodeid, .name = name, .name_len = len,
        .reply = &e, .reply_len = sizeof(e),
    };
    int err = fconn_call(&m->conn, &r);
    if (!err && !r.rdata_got && !fuse_check_entry(&e, r.reply_got) && e.nodeid == 0)
        err = -VS_ENOENT;
    if (err == -VS_ENOENT)
        vn_dentry_forget(m, dir->nodeid, name, len); /* a name the cache may still hold is gone */
    if (err)
        return err;
    if (r.rdata_got || fuse_check_entry(&e, r.reply_got)) {
        /* The device counted a lookup if it named a node: give it back. */
        if (r.reply_got == sizeof(e) && e.nodeid > FUSE_ROOT_ID)
            fconn_forget(&m->conn, e.nodeid, 1);
        return -VS_EPROTO;
    }
    return vn_from_entry(m, dir->nodeid, name, len, &e, out);
}

int vn_lookup_exact(struct vfs_mount *m, struct vnode *dir, const char *name, uint32_t len, struct vnode **out)
{
    return lookup_in(m, dir, name, len, false, 0, out);
}

int vn_lookup(struct vfs_mount *m, struct vnode *dir, const char *name, uint32_t len, bool fresh, bool *hit,
              struct vnode **out)
{
    int err = lookup_in(m, dir, name, len, fresh, hit, out);
    if (err == -VS_ENOENT && m->opts.nocase)
        err = vn_lookup_nocase(m, dir, name, len, out);
    return err;
}

/* The node of nodeid in the table, whatever its generation, else NULL. */
static struct vnode *node_of_id(struct vfs_mount *m, uint64_t nodeid)
{
    struct vnode *n = *bucket(m, nodeid);
    while (n && n->nodeid != nodeid)
        n = n->hnext;
    return n;
}

struct vnode *vn_by_id(struct vfs_mount *m, uint64_t nodeid, uint64_t generation)
{
    struct vnode *n = node_of_id(m, nodeid);
    return n && n->generation == generation ? n : 0;
}

/* n's node id now names another file: n leaves the table (a later lookup
 * of the id makes a new node) and goes once nobody holds it, returning its
 * own lookups; the new node counts its own. */
static void make_stale(struct vfs_mount *m, struct vnode *n)
{
    unhash(m, n);
    vn_dentry_drop(m, n);
    n->removed = true;
    if (n->refs == 0) {
        lru_unlink(m, n);
        release(m, n);
    }
}

static bool same_file_type(const struct fuse_attr *a, const struct fuse_attr *b)
{
    return ((a->mode ^ b->mode) & VS_S_IFMT) == 0;
}

int vn_from_entry(struct vfs_mount *m, uint64_t parent, const char *name, uint32_t len,
                  const struct fuse_entry_out *e, struct vnode **out)
{
    struct vnode *n = node_of_id(m, e->nodeid);
    /* The same id with another generation or file type is another file
     * (the host reused an inode number). */
    if (n && (n->generation != e->generation || !same_file_type(&n->attr, &e->attr))) {
        make_stale(m, n);
        n = 0;
    }
    if (!n) {
        n = m->conn.port->alloc(m->conn.port->ctx, sizeof(*n));
        if (!n) {
            /* Keep the count right: the device did count this lookup. */
            fconn_forget(&m->conn, e->nodeid, 1);
            return -VS_ENOMEM;
        }
        vs_memset(n, 0, sizeof(*n));
        n->nodeid = e->nodeid;
        n->generation = e->generation;
        struct vnode **b = bucket(m, e->nodeid);
        n->hnext = *b;
        *b = n;
        if (++m->nodes > m->nodes_max)
            m->nodes_max = m->nodes;
    } else if (n->refs == 0) {
        lru_unlink(m, n);
    }
    n->nlookup++;
    n->refs++;
    n->attr = e->attr;
    /* One reading of the clock for both validities (it is an exit or a
     * helper call under emulation, and a listing brings a hundred nodes). */
    uint64_t now = vn_now(m);
    n->attr_time = now;
    n->attr_expire = vn_expiry_at(now, e->attr_valid, e->attr_valid_nsec);
    vn_dentry_set(m, n, parent, name, len, vn_expiry_at(now, e->entry_valid, e->entry_valid_nsec));
    *out = n;
    return 0;
}

int vn_from_dirplus(struct vfs_mount *m, struct vnode *dir, const char *name, uint32_t len,
                    const struct fuse_entry_out *e)
{
    struct vnode *n;
    int err = vn_from_entry(m, dir->nodeid, name, len, e, &n);
    if (!err)
        vn_put(m, n);
    return err;
}

int vn_setattr(struct vfs_mount *m, struct vnode *n, const struct fuse_setattr_in *in)
{
    struct fuse_attr_out o;
    struct fconn_req r = {
        .opcode = FUSE_SETATTR, .nodeid = n->nodeid, .arg = in, .arg_len = sizeof(*in),
        .reply = &o, .reply_len = sizeof(o),
    };
    int err = fconn_call(&m->conn, &r);
    if (err)
        return err;
    if (r.rdata_got || fuse_check_attr_out(&o, r.reply_got) ||
        (o.attr.mode & VS_S_IFMT) != (n->attr.mode & VS_S_IFMT))
        return -VS_EPROTO;
    n->attr = o.attr;
    n->attr_time = vn_now(m);
    n->attr_expire = vn_expiry(m, o.attr_valid, o.attr_valid_nsec);
    return 0;
}

int vn_set_owner(struct vfs_mount *m, struct vnode *n)
{
    if (!m->opts.owner)
        return 0;
    struct fuse_setattr_in in = {.valid = FATTR_UID | FATTR_GID, .uid = m->opts.uid, .gid = m->opts.gid};
    return vn_setattr(m, n, &in);
}

int vn_getattr(struct vfs_mount *m, struct vnode *n)
{
    struct fuse_getattr_in in;
    struct fuse_attr_out o;
    vs_memset(&in, 0, sizeof(in));
    struct fconn_req r = {
        .opcode = FUSE_GETATTR, .nodeid = n->nodeid, .arg = &in, .arg_len = sizeof(in),
        .reply = &o, .reply_len = sizeof(o),
    };
    int err = fconn_call(&m->conn, &r);
    if (err)
        return err;
    if (r.rdata_got || fuse_check_attr_out(&o, r.reply_got))
        return -VS_EPROTO;
    /* The root must stay a directory whatever the device says. */
    if (n == &m->root && (o.attr.mode & VS_S_IFMT) != VS_S_IFDIR)
        return -VS_EPROTO;
    /* Another file type under the same id: the file we knew is gone. */
    if (n != &m->root && !same_file_type(&n->attr, &o.attr)) {
        make_stale(m, n);
        return -VS_ESTALE;
    }
    n->attr = o.attr;
    n->attr_time = vn_now(m);
    n->attr_expire = vn_expiry(m, o.attr_valid, o.attr_valid_nsec);
    return 0;
}

int vn_readlink(struct vfs_mount *m, struct vnode *n, char *out, uint32_t *len)
{
    struct fconn_req r = {
        .opcode = FUSE_READLINK, .nodeid = n->nodeid, .rdata = out, .rdata_len = m->cfg.path_max,
    };
    int err = fconn_call(&m->conn, &r);
    if (err)
        return err;
    if (r.reply_got || fuse_check_readlink(out, r.rdata_got, m->cfg.path_max))
        return -VS_EPROTO;
    *len = r.rdata_got;
    return 0;
}

void vn_forget_all(struct vfs_mount *m)
{
    for (uint32_t i = 0; i < m->nbuckets; i++) {
        while (m->buckets[i]) {
            struct vnode *n = m->buckets[i];
            if (n->lru_prev || n->lru_next || m->lru_head == n)
                lru_unlink(m, n);
            release(m, n);
        }
    }
}

void vfs_attr_to_stat(const struct fuse_attr *a, struct vfs_stat *st)
{
    st->ino = a->ino;
    st->size = a->size;
    st->blocks = a->blocks;
    st->mode = a->mode;
    st->nlink = a->nlink;
    st->uid = a->uid;
    st->gid = a->gid;
    st->rdev = a->rdev;
    st->blksize = a->blksize;
    st->atime = (int64_t)a->atime;
    st->mtime = (int64_t)a->mtime;
    st->ctime = (int64_t)a->ctime;
    st->atime_ns = a->atimensec;
    st->mtime_ns = a->mtimensec;
    st->ctime_ns = a->ctimensec;
}
