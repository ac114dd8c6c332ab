/* SPDX-License-Identifier: BSD-2-Clause */
/* `manifest [-n] PATH` (SPEC §5): every entry below PATH, sorted by the raw
 * bytes of its relative path, byte-identical to tools/manifest. */
#include "commands.h"
#include "dirlist.h"
#include "sort.h"
#include "vs_errno.h"

struct mf_entry {
    char *rel;          /* relative path, NUL-terminated */
    char *target;       /* symlink target or NULL */
    uint32_t tlen;
    struct vfs_stat st;
};

struct mf {
    struct app *a;
    const char *root;
    struct mf_entry *v;
    size_t n, cap;
    char *full;         /* scratch: VFS_PATH_MAX + 1 */
};

static int mf_cmp(const void *x, const void *y, void *arg)
{
    (void)arg;
    const struct mf_entry *p = x, *q = y;
    return bytes_cmp(p->rel, vs_strlen(p->rel), q->rel, vs_strlen(q->rel));
}

static int mf_push(struct mf *m, const char *rel, const struct vfs_stat *st)
{
    const struct vs_port *port = m->a->port;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        struct mf_entry *v = port->alloc(port->ctx, cap * sizeof(*v));
        if (!v)
            return -VS_ENOMEM;
        if (m->n)
            vs_memcpy(v, m->v, m->n * sizeof(*v));
        port->free(port->ctx, m->v);
        m->v = v;
        m->cap = cap;
    }
    size_t len = vs_strlen(rel);
    char *copy = port->alloc(port->ctx, len + 1);
    if (!copy)
        return -VS_ENOMEM;
    vs_memcpy(copy, rel, len + 1);
    struct mf_entry *e = &m->v[m->n++];
    e->rel = copy;
    e->target = 0;
    e->tlen = 0;
    e->st = *st;
    return 0;
}

/* rel + "/" + name, or name alone at the top. */
static int rel_join(char *out, const char *rel, const char *name)
{
    if (rel[0])
        return path_join(out, rel, name);
    size_t n = vs_strlen(name);
    if (n > VFS_PATH_MAX)
        return -VS_ENAMETOOLONG;
    vs_memcpy(out, name, n + 1);
    return 0;
}

/* Records a symlink's target in the entry just pushed. */
static int mf_target(struct mf *m, struct mf_entry *e)
{
    e->target = m->a->port->alloc(m->a->port->ctx, VFS_PATH_MAX);
    if (!e->target)
        return -VS_ENOMEM;
    int64_t t = vfs_readlink(&m->a->vfs, m->full, e->target, VFS_PATH_MAX);
    if (t < 0)
        return (int)t;
    e->tlen = (uint32_t)t;
    return 0;
}

/* Collects the entries below root/rel (rel "" for the root itself).  Reports
 * its own errors. */
static int mf_walk(struct mf *m, const char *rel)
{
    struct app *a = m->a;
    struct name_list ns;
    const char *dir = m->root;
    int err = 0;
    if (rel[0]) {
        err = path_join(m->full, m->root, rel);
        dir = m->full;
    }
    if (!err)
        err = name_list_read(a, dir, true, &ns);
    if (err) {
        app_error(a, "manifest", dir, err);
        return err;
    }
    char *child = a->port->alloc(a->port->ctx, VFS_PATH_MAX + 1);
    if (!child)
        err = -VS_ENOMEM;
    for (size_t i = 0; !err && i < ns.n; i++) {
        struct vfs_stat st;
        err = app_interrupted(a) ? -VS_EINTR : rel_join(child, rel, ns.v[i]);
        if (!err)
            err = path_join(m->full, m->root, child);
        if (!err)
            err = vfs_lstat(&a->vfs, m->full, &st);
        if (!err)
            err = mf_push(m, child, &st);
        if (!err && (st.mode & VS_S_IFMT) == VS_S_IFLNK)
            err = mf_target(m, &m->v[m->n - 1]);
        if (err) {
            app_error(a, "manifest", m->full, err);
            break;
        }
        if ((st.mode & VS_S_IFMT) == VS_S_IFDIR)
            err = mf_walk(m, child);
    }
    a->port->free(a->port->ctx, child);
    name_list_free(a, &ns);
    return err;
}

static char type_char(uint32_t mode)
{
    switch (mode & VS_S_IFMT) {
    case VS_S_IFREG: return 'f';
    case VS_S_IFDIR: return 'd';
    case VS_S_IFLNK: return 'l';
    default: return 'o';
    }
}

static int mf_print(struct mf *m, bool hashes)
{
    struct app *a = m->a;
    for (size_t i = 0; i < m->n; i++) {
        struct mf_entry *e = &m->v[i];
        char hex[65] = "-";
        if (hashes && (e->st.mode & VS_S_IFMT) == VS_S_IFREG) {
            int err = path_join(m->full, m->root, e->rel);
            if (!err)
                err = app_hash_file(a, "manifest", m->full, 0, UINT64_MAX, hex);
            if (err)
                return err;
        }
        app_printf(a, "%c %04o %u %llu %lld %s ", type_char(e->st.mode), e->st.mode & 07777, e->st.nlink,
                   (unsigned long long)e->st.size, (long long)e->st.mtime, hex);
        app_write_escaped(a, e->rel, vs_strlen(e->rel));
        if (e->target) {
            app_printf(a, " -> ");
            app_write_escaped(a, e->target, e->tlen);
        }
        app_printf(a, "\n");
    }
    return 0;
}

/* Gathers and sorts every entry below root; with print, prints them (with
 * their hashes when hashes); *count the number of entries.  Reports its own
 * errors. */
static int mf_run(struct app *a, const char *root, bool print, bool hashes, size_t *count)
{
    struct mf m = {.a = a, .root = root};
    struct vfs_stat st;
    int err = vfs_stat(&a->vfs, m.root, &st);
    if (!err && (st.mode & VS_S_IFMT) != VS_S_IFDIR)
        err = -VS_ENOTDIR;
    if (err) {
        app_error(a, "manifest", m.root, err);
        return err;
    }
    m.full = a->port->alloc(a->port->ctx, VFS_PATH_MAX + 1);
    if (!m.full) {
        app_error(a, "manifest", m.root, -VS_ENOMEM);
        return -VS_ENOMEM;
    }
    err = mf_walk(&m, "");
    if (!err) {
        vs_sort(m.v, m.n, sizeof(*m.v), mf_cmp, 0);
        *count = m.n;
        if (print)
            err = mf_print(&m, hashes);
    }
    for (size_t i = 0; i < m.n; i++) {
        a->port->free(a->port->ctx, m.v[i].rel);
        a->port->free(a->port->ctx, m.v[i].target);
    }
    a->port->free(a->port->ctx, m.v);
    a->port->free(a->port->ctx, m.full);
    return err;
}

int manifest_walk(struct app *a, const char *root, size_t *count)
{
    return mf_run(a, root, false, false, count);
}

int cmd_manifest(struct app *a, int argc, char **argv)
{
    bool no_hash = argc == 3 && argv[1][0] == '-' && argv[1][1] == 'n' && !argv[1][2];
    if (argc != 2 + no_hash) {
        app_usage(a, "manifest", -VS_EINVAL, "usage: manifest [-n] PATH");
        return -VS_EINVAL;
    }
    size_t count;
    return mf_run(a, argv[argc - 1], true, !no_hash, &count);
}
