/* SPDX-License-Identifier: BSD-2-Clause */
/* The `nocase` mount option: when a name is not found exactly, its parent
 * directory is read for an entry equal to it ignoring ASCII case (as
 * virtio-win's -i does), and that entry is looked up. */
#include "vfs_internal.h"

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool same_ignoring_case(const char *a, const char *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (lower(a[i]) != lower(b[i]))
            return false;
    }
    return true;
}

/* Scans dir for a case-insensitive match of name; copies it into found. */
static int find_match(struct vfs_mount *m, struct vnode *dir, const char *name, uint32_t len,
                      char found[VFS_NAME_MAX + 1])
{
    uint64_t fh;
    int err = vfs_fuse_open(m, dir, FUSE_OPENDIR, 0, &fh);
    if (err)
        return err;
    uint8_t *buf = m->conn.port->alloc(m->conn.port->ctx, m->cfg.dir_buf);
    err = buf ? -VS_ENOENT : -VS_ENOMEM;
    uint64_t off = 0;
    struct dir_cookies cookies = {0};
    bool plus = false; /* names alone: the match is looked up after */
    while (err == -VS_ENOENT) {
        uint32_t got, pos = 0;
        int r = vfs_fuse_readdir(m, dir->nodeid, fh, off, buf, m->cfg.dir_buf, &got, &cookies, &plus);
        if (r || got == 0) {
            err = r ? r : -VS_ENOENT;
            break;
        }
        struct fuse_dirent_view d;
        while (err == -VS_ENOENT && (r = fuse_dirent_next(buf, got, &pos, false, &d)) == 1) {
            off = d.off;
            if (d.namelen == len && same_ignoring_case(d.name, name, len)) {
                vs_memcpy(found, d.name, len);
                found[len] = 0;
                err = 0;
            }
        }
        if (r < 0)
            err = r;
    }
    m->conn.port->free(m->conn.port->ctx, buf);
    vfs_fuse_release(m, dir->nodeid, fh, FUSE_RELEASEDIR);
    return err;
}

int vn_lookup_nocase(struct vfs_mount *m, struct vnode *dir, const char *name, uint32_t len,
                     struct vnode **out)
{
    char found[VFS_NAME_MAX + 1];
    if (len > VFS_NAME_MAX)
        return -VS_ENAMETOOLONG;
    int err = find_match(m, dir, name, len, found);
    if (err)
        return err;
    return vn_lookup_exact(m, dir, found, len, out);
}
