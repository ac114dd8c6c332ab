/* SPDX-License-Identifier: BSD-2-Clause */
/* Listing a directory ahead of the walk's lookups.
 *
 * A program that opens or stats many names of one directory by path (a
 * loader's list of files, `bench`'s W2) waits for a LOOKUP per name.  After
 * a run of PRELIST_AFTER LOOKUPs in one directory, each within
 * PRELIST_GAP_NS of the last, the directory is listed once with READDIRPLUS
 * (up to half the node cache), and the names that follow are found in the
 * name cache: one reply brings hundreds.  A listing that did not bring the
 * name asked for doubles the run the directory needs before the next, so a
 * directory whose names are mostly absent, too large, unreadable, or whose
 * entries the device lets nobody cache, does not pay for it again and
 * again. */
#include "vfs_internal.h"

#define PRELIST_AFTER 4u
#define PRELIST_AFTER_MAX (1u << 16)
#define PRELIST_GAP_NS 100000000ull /* 100 ms */
/* Replies a listing asks for at most: a reply holds up to the cap's worth
 * of records, so this bounds a device whose replies bring no nodes. */
#define PRELIST_REPLIES_MAX 8

/* The smallest and largest READDIRPLUS records.  A reply that left room
 * for the largest had no more entries to give (virtiofsd fills a reply
 * while the next fits); one sized to `cap` of the smallest brings no more
 * than cap nodes (each counted by the device until forgotten). */
#define PLUS_RECORD_MIN ((uint32_t)fuse_direntplus_size(1))
#define PLUS_RECORD_MAX ((uint32_t)fuse_direntplus_size(VFS_NAME_MAX))

/* READDIRPLUS replies of dir into the node table until the end of the
 * directory or half the node cache; a listing that fails leaves what it
 * took before. */
static void list_dir(struct vfs_mount *m, struct vnode *dir)
{
    uint32_t cap = m->cfg.node_cache / 2, taken = 0;
    uint32_t size = VS_MAX(VS_MIN(vfs_plus_buf_size(m), cap * PLUS_RECORD_MIN), PLUS_RECORD_MAX);
    uint8_t *buf = m->conn.port->alloc(m->conn.port->ctx, size);
    uint64_t fh;
    if (!buf || vfs_fuse_open(m, dir, FUSE_OPENDIR, 0, &fh)) {
        m->conn.port->free(m->conn.port->ctx, buf);
        return;
    }
    struct dir_cookies cookies;
    vs_memset(&cookies, 0, sizeof(cookies));
    bool plus = true;
    uint64_t off = 0;
    for (unsigned replies = 0; taken < cap && replies < PRELIST_REPLIES_MAX; replies++) {
        uint32_t got;
        if (vfs_fuse_readdir(m, dir->nodeid, fh, off, buf, size, &got, &cookies, &plus) || !plus || got == 0)
            break;
        uint64_t last = off;
        taken += vn_take_dirplus(m, dir, buf, got, &last, 0);
        if (last == off || size - got >= PLUS_RECORD_MAX)
            break;
        off = last;
    }
    vfs_release_detached(m, dir->nodeid, fh, FUSE_RELEASEDIR);
    m->conn.port->free(m->conn.port->ctx, buf);
}

struct vnode *vn_prelist(struct vfs_mount *m, struct vnode *dir, const char *name, uint32_t len)
{
    uint64_t now = vn_now(m);
    if (now - dir->miss_time > PRELIST_GAP_NS)
        dir->misses = 0;
    dir->miss_time = now;
    uint32_t after = dir->list_after ? dir->list_after : PRELIST_AFTER;
    if (++dir->misses < after || !vfs_plus_offered(m))
        return 0;
    dir->misses = 0;
    list_dir(m, dir);
    struct vnode *n = vn_dentry_peek(m, dir->nodeid, name, len);
    if (!n)
        dir->list_after = VS_MIN(after * 2, PRELIST_AFTER_MAX);
    return n;
}
