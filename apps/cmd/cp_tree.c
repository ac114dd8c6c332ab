/* SPDX-License-Identifier: BSD-2-Clause */
/* `cp -r SRC DST`: a directory tree copied.  Its files go with cp's own copy
 * (the next 1 MiB read while this one is written), its symlinks are made
 * anew with the same targets, its directories are made, or merged into
 * directories already there.  Anything else (a FIFO, a socket, a device)
 * is reported and left out.  Every error is reported and the copy goes on;
 * the command then fails with the first. */
#include "commands.h"
#include "dirlist.h"
#include "vs_errno.h"

#define NEW_DIR_MODE 0755

struct tree_copy {
    struct app *a;
    char *from, *to;    /* the paths at hand, VFS_PATH_MAX + 1 bytes each */
    char *target, *there; /* a symlink's target, and the one at its copy's place: VFS_PATH_MAX + 1 bytes */
    int err;            /* the first error */
};

static void note(struct tree_copy *t, const char *path, int err)
{
    app_error(t->a, "cp", path, err);
    if (!t->err)
        t->err = err;
}

static void copy_dir(struct tree_copy *t);

static void copy_link(struct tree_copy *t)
{
    int64_t n = vfs_readlink(&t->a->vfs, t->from, t->target, VFS_PATH_MAX);
    if (n < 0) {
        note(t, t->from, (int)n);
        return;
    }
    t->target[n] = 0;
    int err = vfs_symlink(&t->a->vfs, t->target, t->to);
    if (err == -VS_EEXIST) {
        /* A copy made before, as a second cp -r into the same place finds
         * it: the same link is no error. */
        int64_t m = vfs_readlink(&t->a->vfs, t->to, t->there, VFS_PATH_MAX);
        if (m == n && !vs_memcmp(t->there, t->target, (size_t)n))
            err = 0;
    }
    if (err)
        note(t, t->to, err);
}

/* Copies what t->from names (not following a symlink) to t->to. */
static void copy_entry(struct tree_copy *t)
{
    struct vfs_stat st;
    int err = vfs_lstat(&t->a->vfs, t->from, &st);
    if (err) {
        note(t, t->from, err);
        return;
    }
    switch (st.mode & VS_S_IFMT) {
    case VS_S_IFDIR:
        copy_dir(t);
        break;
    case VS_S_IFREG:
        err = app_copy_file(t->a, t->from, t->to); /* reported */
        if (err && !t->err)
            t->err = err;
        break;
    case VS_S_IFLNK:
        copy_link(t);
        break;
    default:
        note(t, t->from, -VS_ENOTSUP);
    }
}

/* Appends "/name" to path (its length len); false when it would not fit. */
static bool append(char *path, size_t len, const char *name)
{
    size_t n = vs_strlen(name);
    if (len + 1 + n > VFS_PATH_MAX)
        return false;
    path[len] = '/';
    vs_memcpy(path + len + 1, name, n + 1);
    return true;
}

static void copy_dir(struct tree_copy *t)
{
    struct vfs_stat st;
    int err = vfs_mkdir(&t->a->vfs, t->to, NEW_DIR_MODE);
    if (err == -VS_EEXIST)
        err = vfs_stat(&t->a->vfs, t->to, &st) || (st.mode & VS_S_IFMT) != VS_S_IFDIR ? -VS_ENOTDIR : 0;
    if (err) {
        note(t, t->to, err);
        return;
    }
    struct name_list ns;
    err = name_list_read(t->a, t->from, true, &ns);
    if (err) {
        note(t, t->from, err);
        return;
    }
    size_t fl = vs_strlen(t->from), tl = vs_strlen(t->to);
    for (size_t i = 0; i < ns.n && !app_interrupted(t->a); i++) {
        if (!append(t->from, fl, ns.v[i]) || !append(t->to, tl, ns.v[i]))
            note(t, t->from, -VS_ENAMETOOLONG);
        else
            copy_entry(t);
        t->from[fl] = 0;
        t->to[tl] = 0;
    }
    name_list_free(t->a, &ns);
    if (t->a->interrupted && !t->err)
        note(t, t->from, -VS_EINTR);
}

/* Whether a directory of the path to (itself included) is from: a copy
 * into it would go on for ever. */
static bool inside(struct app *a, const char *to, const struct vfs_stat *from, char *prefix)
{
    size_t n = vs_strlen(to);
    vs_memcpy(prefix, to, n + 1);
    while (n > 1) {
        struct vfs_stat st;
        if (!vfs_stat(&a->vfs, prefix, &st) && app_same_file(&st, from))
            return true;
        while (n > 1 && prefix[n - 1] != '/')
            n--;
        while (n > 1 && prefix[n - 1] == '/')
            n--;
        prefix[n] = 0;
    }
    return false;
}

int app_copy_tree(struct app *a, const char *from, const char *to)
{
    struct vfs_stat st;
    int err = vfs_stat(&a->vfs, from, &st);
    if (err) {
        app_error(a, "cp", from, err);
        return err;
    }
    struct tree_copy t = {a, 0, 0, 0, 0, 0};
    t.from = a->port->alloc(a->port->ctx, 4 * (VFS_PATH_MAX + 1));
    if (!t.from) {
        app_error(a, "cp", from, -VS_ENOMEM);
        return -VS_ENOMEM;
    }
    t.to = t.from + VFS_PATH_MAX + 1;
    t.target = t.to + VFS_PATH_MAX + 1;
    t.there = t.target + VFS_PATH_MAX + 1;
    size_t n = vs_strlen(from);
    while (n > 1 && from[n - 1] == '/')
        n--; /* "dir/" names dir: its names are appended after one slash */
    if (n > VFS_PATH_MAX) {
        err = -VS_ENAMETOOLONG;
        app_error(a, "cp", from, err);
    } else {
        vs_memcpy(t.from, from, n);
        t.from[n] = 0;
        err = app_target_path(a, t.from, to, t.to);
        if (err)
            app_error(a, "cp", to, err);
    }
    if (!err && (st.mode & VS_S_IFMT) != VS_S_IFDIR) {
        err = app_copy_file(a, from, t.to);
    } else if (!err && inside(a, t.to, &st, t.target)) {
        err = -VS_EINVAL;
        app_error(a, "cp", t.to, err);
    } else if (!err) {
        copy_dir(&t);
        err = t.err;
    }
    a->port->free(a->port->ctx, t.from);
    return err;
}
