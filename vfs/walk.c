/* SPDX-License-Identifier: BSD-2-Clause */
/* Path resolution: one LOOKUP per component, "." and ".." in the guest
 * (never above a share's root), symlinks followed with an absolute target
 * taken from the guest's root (from the share's own with the chroot mount
 * option), ELOOP after VFS_SYMLOOP_MAX of them. */
#include "vfs_internal.h"

/* The directories from the mount's root down to where the walk stands, each
 * holding a reference.  depth 0 means the virtual root. */
struct walk {
    struct vfs *v;
    struct vfs_mount *m;
    struct vnode **stack;
    uint32_t depth, cap;
    bool fresh;                 /* every name asked of the device (a retry) */
    bool cached;                /* some name came from the name cache */
};

static struct vnode *top(struct walk *w) { return w->stack[w->depth - 1]; }

static void pop_all(struct walk *w)
{
    while (w->depth)
        vn_put(w->m, w->stack[--w->depth]);
    w->m = 0;
}

static int push(struct walk *w, struct vnode *n)
{
    if (w->depth == w->cap) {
        vn_put(w->m, n);
        return -VS_ENAMETOOLONG;
    }
    w->stack[w->depth++] = n;
    return 0;
}

static struct vfs_mount *find_mount(struct vfs *v, const char *name, uint32_t len)
{
    for (int i = 0; i < VFS_MAX_MOUNTS; i++) {
        struct vfs_mount *m = v->mounts[i];
        if (m && vs_strlen(m->path + 1) == len && !vs_memcmp(m->path + 1, name, len))
            return m;
    }
    return 0;
}

/* Replaces the path left to walk, rest (len bytes at buf+pos), by
 * target + "/" + rest, in place in buf (path_max + 1 bytes). */
static int splice_link(char *buf, uint32_t path_max, uint32_t *pos, uint32_t *len, const char *target,
                       uint32_t tlen)
{
    uint32_t rest = *len - *pos;
    if ((uint64_t)tlen + 1 + rest > path_max)
        return -VS_ENAMETOOLONG;
    /* Move the rest to the end of the new string, then put the target before. */
    char *dst = buf + tlen + 1;
    char *src = buf + *pos;
    if (dst != src) {
        if (dst > src) {
            for (uint32_t i = rest; i-- > 0;)
                dst[i] = src[i];
        } else {
            for (uint32_t i = 0; i < rest; i++)
                dst[i] = src[i];
        }
    }
    vs_memcpy(buf, target, tlen);
    buf[tlen] = '/';
    *pos = 0;
    *len = tlen + 1 + rest;
    buf[*len] = 0;
    return 0;
}

/* A walk's buffers, in one block: the stack of path_max / 2 directories,
 * then the path and a symlink's target (path_max + 1 bytes each).  The
 * block is kept in v between walks, as allocating 24 KiB per walk cost
 * more than the walk itself; a walk that finds it taken (one inside
 * another) allocates its own. */
static struct vnode **scratch_take(struct vfs *v)
{
    struct vnode **s = v->walk_scratch;
    if (s) {
        v->walk_scratch = 0;
        return s;
    }
    size_t path_max = v->cfg.path_max;
    return v->port->alloc(v->port->ctx, sizeof(*s) * (path_max / 2) + 2 * (path_max + 1));
}

/* Kept only while something is mounted: unmounting frees it
 * (walk_scratch_drop), and nothing else would. */
static void scratch_give(struct vfs *v, struct vnode **s)
{
    if (v->nmounts && !v->walk_scratch)
        v->walk_scratch = s;
    else
        v->port->free(v->port->ctx, s);
}

void walk_scratch_drop(struct vfs *v)
{
    v->port->free(v->port->ctx, v->walk_scratch);
    v->walk_scratch = 0;
}

static int walk_path(struct vfs *v, const char *path, int flags, struct vfs_loc *loc, bool fresh, bool *cached)
{
    size_t plen = vs_strlen(path);
    if (plen == 0 || path[0] != '/')
        return -VS_EINVAL;
    uint32_t path_max = v->cfg.path_max;
    if (plen >= path_max)
        return -VS_ENAMETOOLONG;

    /* Each level takes at least a name and a slash. */
    struct walk w = {.v = v, .cap = path_max / 2, .fresh = fresh};
    loc->found = false;
    w.stack = scratch_take(v);
    if (!w.stack)
        return -VS_ENOMEM;
    char *buf = (char *)(w.stack + w.cap);
    char *target = buf + path_max + 1;
    vs_memcpy(buf, path, plen + 1);
    uint32_t pos = 0, len = (uint32_t)plen;
    /* A trailing slash asks for a directory, through any symlink. */
    bool want_dir = path[plen - 1] == '/';
    bool follow = flags & WALK_FOLLOW, parent = flags & WALK_PARENT, named = false;
    int links = 0, err = 0;

    for (;;) {
        while (pos < len && buf[pos] == '/')
            pos++;
        if (pos == len)
            break;
        uint32_t start = pos;
        while (pos < len && buf[pos] != '/')
            pos++;
        const char *name = buf + start;
        uint32_t nlen = pos - start;
        bool last = true;
        for (uint32_t i = pos; i < len; i++) {
            if (buf[i] != '/') {
                last = false;
                break;
            }
        }
        if (nlen > VFS_NAME_MAX) {
            err = -VS_ENAMETOOLONG;
            break;
        }
        bool dots = (nlen == 1 && name[0] == '.') || (nlen == 2 && name[0] == '.' && name[1] == '.');
        bool stop = parent && last;
        /* For open(O_CREAT): a last ".", ".." or mount name is no name to
         * create; the walk goes on to the directory it names. */
        if (stop && (flags & WALK_OPEN) && (dots || (w.depth == 0 && find_mount(v, name, nlen))))
            stop = false;
        if (stop) {
            if (dots)
                err = -VS_EINVAL;
            else if (w.depth == 0)
                err = find_mount(v, name, nlen) ? -VS_EBUSY : -VS_EROFS;
            if (err)
                break;
            vs_memcpy(loc->name, name, nlen);
            loc->name[nlen] = 0;
            loc->namelen = nlen;
            named = true;
            if (!(flags & WALK_CREATE))
                break;
        }
        /* "." and ".." name the directory they follow: after a file (as in
         * "file/.." or "file/.") the walk fails like a lookup in it would. */
        if (dots && w.depth && !vn_is_dir(top(&w))) {
            err = -VS_ENOTDIR;
            break;
        }
        if (nlen == 1 && name[0] == '.')
            continue;
        if (nlen == 2 && name[0] == '.' && name[1] == '.') {
            if (w.depth > 1)
                vn_put(w.m, w.stack[--w.depth]);
            continue;
        }
        if (w.depth == 0) {
            struct vfs_mount *m = find_mount(v, name, nlen);
            if (!m) {
                err = -VS_ENOENT;
                break;
            }
            w.m = m;
            vn_hold(&m->root);
            w.stack[w.depth++] = &m->root;
            continue;
        }
        struct vnode *dir = top(&w);
        if (!vn_is_dir(dir)) {
            err = -VS_ENOTDIR;
            break;
        }
        struct vnode *child;
        err = vn_lookup(w.m, dir, name, nlen, w.fresh, &w.cached, &child);
        if (stop && err == -VS_ENOENT) {
            err = 0; /* WALK_CREATE: the parent and the missing name */
            break;
        }
        if (err)
            break;
        if (vn_is_link(child) && (!last || follow || want_dir)) {
            named = false; /* the target's last name is the one to stop at */
            uint32_t tlen;
            err = ++links > VFS_SYMLOOP_MAX ? -VS_ELOOP : vn_readlink(w.m, child, target, &tlen);
            vn_put(w.m, child);
            if (err)
                break;
            if (target[0] == '/' && w.m->opts.chroot) {
                while (w.depth > 1) /* back to this share's root */
                    vn_put(w.m, w.stack[--w.depth]);
            } else if (target[0] == '/') {
                pop_all(&w);
            }
            err = splice_link(buf, path_max, &pos, &len, target, tlen);
            if (err)
                break;
            continue;
        }
        err = push(&w, child);
        if (err)
            break;
        if (stop) {
            loc->found = true;
            break;
        }
    }

    if (!err && parent && !named) {
        if (flags & WALK_OPEN)
            loc->found = true; /* a directory: "/", a mount's root, or reached by "." or ".." */
        else
            err = -VS_EBUSY; /* "/" or a mount point itself */
    }
    if (!err && !parent && w.depth && want_dir && !vn_is_dir(top(&w)))
        err = -VS_ENOTDIR;
    loc->trailing_slash = want_dir;
    if (err) {
        pop_all(&w);
    } else {
        loc->m = w.m;
        loc->node = w.depth ? top(&w) : 0;
        if (w.depth)
            w.depth--; /* the caller takes the last reference */
        while (w.depth)
            vn_put(w.m, w.stack[--w.depth]);
    }
    scratch_give(v, w.stack);
    *cached = w.cached;
    return err;
}

int vfs_resolve(struct vfs *v, const char *path, int flags, struct vfs_loc *loc)
{
    bool cached = false;
    int err = walk_path(v, path, flags, loc, false, &cached);
    /* A name from the cache may be stale within its validity: the host
     * removed, renamed or replaced it (a directory that is now a file, one
     * renamed away with a new one in its place).  A walk it failed is done
     * once more with every name looked up anew, as Linux retries with
     * LOOKUP_REVAL, so that it fails only as a fresh lookup would. */
    if (cached && (err == -VS_ENOENT || err == -VS_ENOTDIR || err == -VS_ESTALE))
        err = walk_path(v, path, flags, loc, true, &cached);
    return err;
}

void vfs_loc_put(struct vfs_loc *loc)
{
    if (loc->node)
        vn_put(loc->m, loc->node);
    loc->node = 0;
    loc->m = 0;
}
