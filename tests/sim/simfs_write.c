/* SPDX-License-Identifier: BSD-2-Clause */
/* The in-memory FUSE server's write side (see simfs.h): new entries,
 * removal, rename, WRITE, SETATTR, FSYNC, FLUSH, answered as a Linux
 * virtiofsd would (its errors are the host's system calls'). */
#include <stdlib.h>
#include <string.h>

#include "simfs_internal.h"
#include "vs_errno.h"

#define IS(n, type) (((n)->mode & VS_S_IFMT) == (type))

/* Reads a NUL-terminated name at *p (of *left bytes) for op; false after
 * setting the error (a malformed request, a name with '/', "." or "..", all
 * client bugs, or a name too long). */
static bool take_name(struct simfs *fs, const uint8_t **p, uint32_t *left, const char *op, const char **name,
                      size_t *len, struct out *o)
{
    const uint8_t *nul = *left ? memchr(*p, 0, *left) : NULL;
    if (!nul) {
        sfs_bug(fs, "%s without a NUL-terminated name", op);
        o->error = -VS_EINVAL;
        return false;
    }
    *name = (const char *)*p;
    *len = (size_t)(nul - *p);
    *left -= (uint32_t)(*len + 1);
    *p = nul + 1;
    if (*len == 0 || memchr(*name, '/', *len) || (*len == 1 && (*name)[0] == '.') ||
        (*len == 2 && (*name)[0] == '.' && (*name)[1] == '.')) {
        sfs_bug(fs, "%s of \"%.*s\"", op, (int)*len, *name);
        o->error = -VS_EINVAL;
        return false;
    }
    if (*len > 255) {
        o->error = -VS_ENAMETOOLONG;
        return false;
    }
    return true;
}

/* The fixed-size argument of op (size bytes) then one name. */
static bool take_arg_name(struct simfs *fs, const uint8_t *arg, uint32_t alen, void *in, uint32_t size,
                          const char *op, const char **name, size_t *len, struct out *o)
{
    if (alen < size) {
        sfs_bug(fs, "%s of %u bytes", op, alen);
        o->error = -VS_EINVAL;
        return false;
    }
    memcpy(in, arg, size);
    const uint8_t *p = arg + size;
    uint32_t left = alen - size;
    return take_name(fs, &p, &left, op, name, len, o);
}

static void stamp(struct simfs *fs, struct simfs_node *n, bool modified)
{
    fs->clock++;
    n->ctime = fs->clock;
    n->ctime_ns = 0;
    if (modified) {
        n->mtime = fs->clock;
        n->mtime_ns = 0;
    }
}

/* A directory that can take a new entry `name`: ENOTDIR, ENOENT (removed),
 * EEXIST. */
static bool can_add(struct simfs *fs, int dir, const char *name, size_t len, struct out *o)
{
    const struct simfs_node *d = &fs->nodes[dir];
    if (!IS(d, VS_S_IFDIR))
        o->error = -VS_ENOTDIR;
    else if (d->removed)
        o->error = -VS_ENOENT;
    else if (sfs_find_child(fs, dir, name, len) >= 0)
        o->error = -VS_EEXIST;
    return !o->error;
}

/* A new node `name` in dir (whose mtime moves). */
static int add_entry(struct simfs *fs, int dir, const char *name, size_t len, uint32_t mode)
{
    char buf[256];
    memcpy(buf, name, len);
    buf[len] = 0;
    int c = sfs_add_node(fs, dir, buf, mode, 0);
    stamp(fs, &fs->nodes[dir], true);
    struct simfs_node *n = &fs->nodes[c];
    n->atime = n->mtime = n->ctime = fs->clock;
    n->atime_ns = n->mtime_ns = n->ctime_ns = 0;
    return c;
}

/* Takes name node c out of its directory; its inode loses a link. */
static void detach(struct simfs *fs, int c)
{
    struct simfs_node *n = &fs->nodes[c];
    struct simfs_node *d = &fs->nodes[n->parent];
    int prev = -1;
    for (int k = d->first_child; k != c; k = fs->nodes[k].next_sibling)
        prev = k;
    if (prev < 0)
        d->first_child = n->next_sibling;
    else
        fs->nodes[prev].next_sibling = n->next_sibling;
    if (d->last_child == c)
        d->last_child = prev;
    d->nchildren--;
    n->next_sibling = -1;
    n->removed = true;
    struct simfs_node *ino = &fs->nodes[n->inode];
    if (ino->nlink)
        ino->nlink--;
    stamp(fs, d, true);
    stamp(fs, ino, false);
    sfs_drop_unreachable(fs, n->inode);
}

/* Puts name node c into dir as `name`. */
static void attach(struct simfs *fs, int c, int dir, const char *name, size_t len)
{
    struct simfs_node *n = &fs->nodes[c];
    struct simfs_node *d = &fs->nodes[dir];
    char *s = malloc(len + 1);
    if (!s)
        abort();
    memcpy(s, name, len);
    s[len] = 0;
    free(n->name);
    n->name = s;
    n->parent = dir;
    n->removed = false;
    n->next_sibling = -1;
    if (d->last_child >= 0)
        fs->nodes[d->last_child].next_sibling = c;
    else
        d->first_child = c;
    d->last_child = c;
    d->nchildren++;
    fs->nodes[n->inode].nlink++;
    stamp(fs, d, true);
}

void sfs_do_mknod(struct simfs *fs, int dir, const uint8_t *arg, uint32_t alen, enum simfs_fault_kind fk,
                  struct out *o)
{
    struct fuse_mknod_in in;
    const char *name;
    size_t len;
    if (!take_arg_name(fs, arg, alen, &in, sizeof(in), "MKNOD", &name, &len, o))
        return;
    /* Regular files only: what a client falls back to without CREATE. */
    if ((in.mode & VS_S_IFMT) != VS_S_IFREG) {
        o->error = -VS_EPERM;
        return;
    }
    if (!can_add(fs, dir, name, len, o))
        return;
    int c = add_entry(fs, dir, name, len, VS_S_IFREG | (in.mode & 07777 & ~in.umask));
    sfs_reply_entry(fs, c, fk, o);
}

void sfs_do_create(struct simfs *fs, int dir, const uint8_t *arg, uint32_t alen, enum simfs_fault_kind fk,
                   struct out *o)
{
    struct fuse_create_in in;
    const char *name;
    size_t len;
    if (!take_arg_name(fs, arg, alen, &in, sizeof(in), "CREATE", &name, &len, o))
        return;
    if ((in.mode & VS_S_IFMT) != VS_S_IFREG) {
        sfs_bug(fs, "CREATE with mode %#o", in.mode);
        o->error = -VS_EINVAL;
        return;
    }
    /* openat(dir, name, flags | O_CREAT | O_NOFOLLOW, mode) on the host. */
    int c = IS(&fs->nodes[dir], VS_S_IFDIR) ? sfs_find_child(fs, dir, name, len) : -1;
    if (c >= 0) {
        c = fs->nodes[c].inode;
        struct simfs_node *n = &fs->nodes[c];
        if (in.flags & SFS_O_EXCL) {
            o->error = -VS_EEXIST;
            return;
        }
        if (IS(n, VS_S_IFDIR)) {
            o->error = -VS_EISDIR;
            return;
        }
        if (IS(n, VS_S_IFLNK)) {
            o->error = -VS_ELOOP;
            return;
        }
        if ((in.flags & SFS_O_TRUNC) && (in.flags & SFS_O_ACCMODE)) {
            sfs_set_size(n, 0);
            stamp(fs, n, true);
        }
    } else {
        if (!can_add(fs, dir, name, len, o))
            return;
        c = add_entry(fs, dir, name, len, VS_S_IFREG | (in.mode & 07777 & ~in.umask));
    }
    sfs_reply_entry(fs, c, fk, o);
    struct fuse_open_out r;
    memset(&r, 0, sizeof(r));
    r.fh = sfs_new_handle(fs, c, false, in.flags);
    sfs_put(o, &r, sizeof(r));
}

void sfs_do_mkdir(struct simfs *fs, int dir, const uint8_t *arg, uint32_t alen, enum simfs_fault_kind fk,
                  struct out *o)
{
    struct fuse_mkdir_in in;
    const char *name;
    size_t len;
    if (!take_arg_name(fs, arg, alen, &in, sizeof(in), "MKDIR", &name, &len, o) || !can_add(fs, dir, name, len, o))
        return;
    int c = add_entry(fs, dir, name, len, VS_S_IFDIR | (in.mode & 07777 & ~in.umask));
    fs->nodes[c].size = 4096;
    sfs_reply_entry(fs, c, fk, o);
}

void sfs_do_symlink(struct simfs *fs, int dir, const uint8_t *arg, uint32_t alen, enum simfs_fault_kind fk,
                    struct out *o)
{
    const char *name;
    size_t len;
    const uint8_t *p = arg;
    uint32_t left = alen;
    if (!take_name(fs, &p, &left, "SYMLINK", &name, &len, o))
        return;
    const uint8_t *nul = left ? memchr(p, 0, left) : NULL;
    if (!nul || nul == p) {
        sfs_bug(fs, "SYMLINK without a NUL-terminated target");
        o->error = -VS_EINVAL;
        return;
    }
    if (!can_add(fs, dir, name, len, o))
        return;
    int c = add_entry(fs, dir, name, len, VS_S_IFLNK | 0777);
    fs->nodes[c].target = sfs_dupstr((const char *)p);
    fs->nodes[c].size = (uint64_t)(nul - p);
    sfs_reply_entry(fs, c, fk, o);
}

void sfs_do_link(struct simfs *fs, int dir, const uint8_t *arg, uint32_t alen, enum simfs_fault_kind fk,
                 struct out *o)
{
    struct fuse_link_in in;
    const char *name;
    size_t len;
    if (!take_arg_name(fs, arg, alen, &in, sizeof(in), "LINK", &name, &len, o))
        return;
    int old = sfs_node_index(fs, in.oldnodeid);
    if (old < 0 || (old > 0 && fs->nodes[old].lookups <= 0)) {
        sfs_bug(fs, "LINK of %s node %#llx", old < 0 ? "an unknown" : "a forgotten",
                (unsigned long long)in.oldnodeid);
        o->error = -VS_ENOENT;
        return;
    }
    struct simfs_node *src = &fs->nodes[old];
    if (IS(src, VS_S_IFDIR)) {
        o->error = -VS_EPERM;
        return;
    }
    if (src->removed && src->nlink == 0) {
        o->error = -VS_ENOENT;
        return;
    }
    if (!can_add(fs, dir, name, len, o))
        return;
    int c = add_entry(fs, dir, name, len, src->mode);
    fs->nodes[c].inode = old;
    fs->nodes[old].nlink++;
    stamp(fs, &fs->nodes[old], false);
    sfs_reply_entry(fs, old, fk, o);
}

static bool dir_of(struct simfs *fs, int dir, struct out *o)
{
    if (!IS(&fs->nodes[dir], VS_S_IFDIR))
        o->error = -VS_ENOTDIR;
    return !o->error;
}

void sfs_do_remove(struct simfs *fs, int dir, bool rmdir, const uint8_t *arg, uint32_t alen, struct out *o)
{
    const char *op = rmdir ? "RMDIR" : "UNLINK";
    const char *name;
    size_t len;
    const uint8_t *p = arg;
    uint32_t left = alen;
    if (!take_name(fs, &p, &left, op, &name, &len, o) || !dir_of(fs, dir, o))
        return;
    int c = sfs_find_child(fs, dir, name, len);
    if (c < 0) {
        o->error = -VS_ENOENT;
        return;
    }
    const struct simfs_node *n = &fs->nodes[fs->nodes[c].inode];
    bool is_dir = IS(n, VS_S_IFDIR);
    if (rmdir && !is_dir)
        o->error = -VS_ENOTDIR;
    else if (!rmdir && is_dir)
        o->error = -VS_EISDIR; /* Linux's unlink(2) of a directory */
    else if (rmdir && n->nchildren)
        o->error = -VS_ENOTEMPTY;
    else
        detach(fs, c);
}

/* Whether node a is dir d or lies under it. */
static bool under(const struct simfs *fs, int a, int d)
{
    for (; a >= 0; a = fs->nodes[a].parent) {
        if (a == d)
            return true;
    }
    return false;
}

void sfs_do_rename(struct simfs *fs, int dir, bool two, const uint8_t *arg, uint32_t alen, struct out *o)
{
    const char *op = two ? "RENAME2" : "RENAME";
    struct fuse_rename2_in in;
    memset(&in, 0, sizeof(in));
    uint32_t size = two ? (uint32_t)sizeof(struct fuse_rename2_in) : (uint32_t)sizeof(struct fuse_rename_in);
    const char *from, *to;
    size_t flen, tlen;
    if (!take_arg_name(fs, arg, alen, &in, size, op, &from, &flen, o))
        return;
    const uint8_t *p = arg + size + flen + 1;
    uint32_t left = alen - size - (uint32_t)flen - 1;
    if (!take_name(fs, &p, &left, op, &to, &tlen, o))
        return;
    int newdir = sfs_node_index(fs, in.newdir);
    if (newdir < 0 || (newdir > 0 && fs->nodes[newdir].lookups <= 0)) {
        sfs_bug(fs, "%s into %s node %#llx", op, newdir < 0 ? "an unknown" : "a forgotten",
                (unsigned long long)in.newdir);
        o->error = -VS_ENOENT;
        return;
    }
    uint32_t flags = in.flags;
    if ((flags & ~(uint32_t)(FUSE_RENAME_NOREPLACE | FUSE_RENAME_EXCHANGE)) ||
        flags == (FUSE_RENAME_NOREPLACE | FUSE_RENAME_EXCHANGE)) {
        o->error = -VS_EINVAL;
        return;
    }
    if (!dir_of(fs, dir, o) || !dir_of(fs, newdir, o))
        return;
    int a = sfs_find_child(fs, dir, from, flen);
    if (a < 0) {
        o->error = -VS_ENOENT;
        return;
    }
    int b = sfs_find_child(fs, newdir, to, tlen);
    int ai = fs->nodes[a].inode, bi = b >= 0 ? fs->nodes[b].inode : -1;
    bool a_dir = IS(&fs->nodes[ai], VS_S_IFDIR);
    if (flags & FUSE_RENAME_EXCHANGE) {
        if (b < 0) {
            o->error = -VS_ENOENT;
            return;
        }
        bool b_dir = IS(&fs->nodes[bi], VS_S_IFDIR);
        if ((a_dir && under(fs, newdir, ai)) || (b_dir && under(fs, dir, bi))) {
            o->error = -VS_EINVAL;
            return;
        }
        if (a == b)
            return;
        char *an = sfs_dupstr(fs->nodes[a].name), *bn = sfs_dupstr(fs->nodes[b].name);
        detach(fs, a);
        detach(fs, b);
        attach(fs, a, newdir, bn, strlen(bn));
        attach(fs, b, dir, an, strlen(an));
        free(an);
        free(bn);
        return;
    }
    if (b >= 0 && (flags & FUSE_RENAME_NOREPLACE)) {
        o->error = -VS_EEXIST;
        return;
    }
    /* Two names of one inode: rename(2) does nothing. */
    if (ai == bi)
        return;
    if (a_dir && under(fs, newdir, ai)) {
        o->error = -VS_EINVAL;
        return;
    }
    if (b >= 0) {
        const struct simfs_node *t = &fs->nodes[bi];
        bool b_dir = IS(t, VS_S_IFDIR);
        if (a_dir && !b_dir) {
            o->error = -VS_ENOTDIR;
            return;
        }
        if (!a_dir && b_dir) {
            o->error = -VS_EISDIR;
            return;
        }
        if (b_dir && t->nchildren) {
            o->error = -VS_ENOTEMPTY;
            return;
        }
        detach(fs, b);
    }
    detach(fs, a);
    attach(fs, a, newdir, to, tlen);
}

/* The handle fh of node, for op; NULL after an error (unknown: a bug). */
static struct simfs_handle *handle_of(struct simfs *fs, int node, uint64_t fh, const char *op, struct out *o)
{
    struct simfs_handle *h = sfs_find_handle(fs, fh, node, false);
    if (!h) {
        sfs_bug(fs, "%s with unknown handle %#llx", op, (unsigned long long)fh);
        o->error = -VS_EBADF;
    }
    return h;
}

void sfs_do_write(struct simfs *fs, int node, const uint8_t *arg, uint32_t alen, enum simfs_fault_kind fk,
                  struct out *o)
{
    struct fuse_write_in in;
    if (alen < sizeof(in)) {
        sfs_bug(fs, "WRITE of %u bytes", alen);
        o->error = -VS_EINVAL;
        return;
    }
    memcpy(&in, arg, sizeof(in));
    if (in.size != alen - sizeof(in))
        sfs_bug(fs, "WRITE says %u bytes and carries %u", in.size, alen - (uint32_t)sizeof(in));
    if (in.size > fs->init_max_write)
        sfs_bug(fs, "WRITE of %u bytes beyond max_write %u", in.size, fs->init_max_write);
    struct simfs_handle *h = handle_of(fs, node, in.fh, "WRITE", o);
    if (!h)
        return;
    if ((h->flags & SFS_O_ACCMODE) == 0) {
        sfs_bug(fs, "WRITE through a read-only handle");
        o->error = -VS_EBADF;
        return;
    }
    struct simfs_node *n = &fs->nodes[node];
    uint32_t len = in.size < alen - sizeof(in) ? in.size : alen - (uint32_t)sizeof(in);
    if (fk == SIMFS_FAULT_WRITE_LESS && len > fs->fault.arg)
        len = fs->fault.arg;
    /* pwrite(2) on Linux appends whatever the offset with O_APPEND. */
    uint64_t off = (h->flags & SFS_O_APPEND) ? n->size : in.offset;
    if (off + len > n->size)
        sfs_set_size(n, off + len);
    else if (!n->text)
        sfs_set_size(n, n->size);
    memcpy(n->text + off, arg + sizeof(in), len);
    stamp(fs, n, true);
    struct fuse_write_out w = {.size = len};
    if (fk == SIMFS_FAULT_WRITE_MORE)
        w.size = in.size + (fs->fault.arg ? fs->fault.arg : 1);
    sfs_put(o, &w, sizeof(w));
}

void sfs_do_setattr(struct simfs *fs, int node, const uint8_t *arg, uint32_t alen, enum simfs_fault_kind fk,
                    struct out *o)
{
    struct fuse_setattr_in in;
    if (alen < sizeof(in)) {
        sfs_bug(fs, "SETATTR of %u bytes", alen);
        o->error = -VS_EINVAL;
        return;
    }
    memcpy(&in, arg, sizeof(in));
    struct simfs_node *n = &fs->nodes[node];
    if ((in.valid & FATTR_FH) && !handle_of(fs, node, in.fh, "SETATTR", o))
        return;
    if (in.valid & FATTR_SIZE) {
        if (IS(n, VS_S_IFDIR)) {
            o->error = -VS_EISDIR;
            return;
        }
        if (!IS(n, VS_S_IFREG)) {
            o->error = -VS_EINVAL;
            return;
        }
        if (in.size != n->size)
            sfs_set_size(n, in.size);
        stamp(fs, n, true);
    }
    if (in.valid & FATTR_MODE)
        n->mode = (n->mode & VS_S_IFMT) | (in.mode & 07777);
    if (in.valid & FATTR_UID)
        n->uid = in.uid;
    if (in.valid & FATTR_GID)
        n->gid = in.gid;
    stamp(fs, n, false);
    if (in.valid & FATTR_ATIME) {
        n->atime = (in.valid & FATTR_ATIME_NOW) ? fs->clock : (int64_t)in.atime;
        n->atime_ns = (in.valid & FATTR_ATIME_NOW) ? 0 : in.atimensec;
    }
    if (in.valid & FATTR_MTIME) {
        n->mtime = (in.valid & FATTR_MTIME_NOW) ? fs->clock : (int64_t)in.mtime;
        n->mtime_ns = (in.valid & FATTR_MTIME_NOW) ? 0 : in.mtimensec;
    }
    struct fuse_attr_out a;
    memset(&a, 0, sizeof(a));
    a.attr_valid = fs->attr_valid;
    sfs_fill_attr(fs, n, &a.attr);
    if (fk == SIMFS_FAULT_ATTR_TYPE)
        a.attr.mode &= ~VS_S_IFMT;
    sfs_put(o, &a, sizeof(a));
}

void sfs_do_fsync(struct simfs *fs, int node, const uint8_t *arg, uint32_t alen, struct out *o)
{
    struct fuse_fsync_in in;
    if (alen < sizeof(in)) {
        sfs_bug(fs, "FSYNC of %u bytes", alen);
        o->error = -VS_EINVAL;
        return;
    }
    memcpy(&in, arg, sizeof(in));
    handle_of(fs, node, in.fh, "FSYNC", o);
}

void sfs_do_flush(struct simfs *fs, int node, const uint8_t *arg, uint32_t alen, struct out *o)
{
    struct fuse_flush_in in;
    if (alen < sizeof(in)) {
        sfs_bug(fs, "FLUSH of %u bytes", alen);
        o->error = -VS_EINVAL;
        return;
    }
    memcpy(&in, arg, sizeof(in));
    handle_of(fs, node, in.fh, "FLUSH", o);
}

/* Changes by the host, behind the client's back. */

int simfs_host_rename(struct simfs *fs, const char *from, const char *to_dir, const char *name)
{
    const struct simfs_node *n = simfs_find(fs, from), *d = simfs_find(fs, to_dir);
    if (!n || !d || n == fs->nodes || (d->mode & VS_S_IFMT) != VS_S_IFDIR ||
        sfs_find_child(fs, (int)(d - fs->nodes), name, strlen(name)) >= 0)
        return -1;
    int c = (int)(n - fs->nodes);
    detach(fs, c);
    attach(fs, c, (int)(d - fs->nodes), name, strlen(name));
    return 0;
}

int simfs_host_add(struct simfs *fs, const char *dir, const char *name, uint32_t mode, uint64_t size)
{
    const struct simfs_node *d = simfs_find(fs, dir);
    if (!d || (d->mode & VS_S_IFMT) != VS_S_IFDIR || sfs_find_child(fs, (int)(d - fs->nodes), name, strlen(name)) >= 0)
        return -1;
    int c = add_entry(fs, (int)(d - fs->nodes), name, strlen(name), mode);
    fs->nodes[c].size = (mode & VS_S_IFMT) == VS_S_IFDIR ? 4096 : size;
    return c;
}
