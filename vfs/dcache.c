/* SPDX-License-Identifier: BSD-2-Clause */
/* The name cache: each node remembers the name it was last found by, for as
 * long as the device's entry validity allows, so a path walk can skip the
 * LOOKUPs it would repeat.  Attributes likewise carry their validity. */
#include "vfs_internal.h"

uint64_t vn_now(const struct vfs_mount *m)
{
    return m->conn.port->now_ns(m->conn.port->ctx);
}

uint64_t vn_expiry_at(uint64_t now, uint64_t sec, uint32_t nsec)
{
    if (sec == 0 && nsec == 0)
        return 0;
    const uint64_t max_sec = UINT64_MAX / 1000000000ull / 2;
    uint64_t ns = sec > max_sec ? UINT64_MAX / 2 : sec * 1000000000ull + nsec;
    return now > UINT64_MAX - ns ? UINT64_MAX : now + ns;
}

uint64_t vn_expiry(const struct vfs_mount *m, uint64_t sec, uint32_t nsec)
{
    return sec == 0 && nsec == 0 ? 0 : vn_expiry_at(vn_now(m), sec, nsec);
}

static struct vnode **dbucket(struct vfs_mount *m, uint64_t parent, const char *name, uint32_t len)
{
    uint64_t h = 0xcbf29ce484222325ull ^ parent;
    for (uint32_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 0x100000001b3ull;
    return &m->dbuckets[(h ^ h >> 32) & (m->nbuckets - 1)];
}

static bool names(const struct vnode *n, uint64_t parent, const char *name, uint32_t len)
{
    return n->d_parent == parent && n->d_len == len && !vs_memcmp(n->d_name, name, len);
}

static struct vnode *dentry_lookup(struct vfs_mount *m, uint64_t parent, const char *name, uint32_t len,
                                   struct vs_stats *stats)
{
    for (struct vnode *n = *dbucket(m, parent, name, len); n; n = n->dnext) {
        if (names(n, parent, name, len)) {
            bool hit = vn_now(m) < n->entry_expire;
            if (stats) {
                stats->name_hits += hit;
                stats->name_misses += !hit;
            }
            return hit ? n : 0;
        }
    }
    if (stats)
        stats->name_misses++;
    return 0;
}

struct vnode *vn_dentry_find(struct vfs_mount *m, uint64_t parent, const char *name, uint32_t len)
{
    return dentry_lookup(m, parent, name, len, m->conn.stats);
}

struct vnode *vn_dentry_peek(struct vfs_mount *m, uint64_t parent, const char *name, uint32_t len)
{
    return dentry_lookup(m, parent, name, len, 0);
}

bool vn_dentry_is(struct vfs_mount *m, const struct vnode *n, uint64_t parent, const char *name, uint32_t len)
{
    if (!names(n, parent, name, len) || vn_now(m) >= n->entry_expire)
        return false;
    if (m->conn.stats)
        m->conn.stats->name_hits++;
    return true;
}

void vn_dentry_drop(struct vfs_mount *m, struct vnode *n)
{
    if (!n->d_parent)
        return;
    struct vnode **p = dbucket(m, n->d_parent, n->d_name, n->d_len);
    while (*p && *p != n)
        p = &(*p)->dnext;
    if (*p)
        *p = n->dnext;
    m->conn.port->free(m->conn.port->ctx, n->d_name);
    n->d_name = 0;
    n->d_parent = 0;
    n->d_len = 0;
    n->dnext = 0;
}

void vn_dentry_forget(struct vfs_mount *m, uint64_t parent, const char *name, uint32_t len)
{
    for (struct vnode *n = *dbucket(m, parent, name, len); n; n = n->dnext) {
        if (names(n, parent, name, len)) {
            vn_dentry_drop(m, n);
            return;
        }
    }
}

bool vn_dentry_set(struct vfs_mount *m, struct vnode *n, uint64_t parent, const char *name, uint32_t len,
                   uint64_t expire)
{
    if (n->d_parent && names(n, parent, name, len)) {
        n->entry_expire = expire;
        return true;
    }
    vn_dentry_drop(m, n);
    /* Another node that held this name lost it (the entry was replaced). */
    for (struct vnode *o = *dbucket(m, parent, name, len); o; o = o->dnext) {
        if (names(o, parent, name, len)) {
            vn_dentry_drop(m, o);
            break;
        }
    }
    if (expire == 0)
        return true; /* nothing to remember */
    n->d_name = m->conn.port->alloc(m->conn.port->ctx, len ? len : 1);
    if (!n->d_name)
        return false;
    vs_memcpy(n->d_name, name, len);
    n->d_parent = parent;
    n->d_len = len;
    n->entry_expire = expire;
    struct vnode **b = dbucket(m, parent, name, len);
    n->dnext = *b;
    *b = n;
    return true;
}

void vn_name_changed(struct vfs_mount *m, struct vnode *dir, const char *name, uint32_t len)
{
    for (struct vnode *n = *dbucket(m, dir->nodeid, name, len); n; n = n->dnext) {
        if (names(n, dir->nodeid, name, len)) {
            n->attr_expire = 0;
            n->attr_time = 0;
            vn_dentry_drop(m, n);
            break;
        }
    }
    dir->attr_expire = 0;
    dir->attr_time = 0;
}
