/* SPDX-License-Identifier: BSD-2-Clause */
/* `manifest [-n] PATH` (SPEC §5): every entry below PATH, sorted by the raw
 * bytes of its relative path, byte-identical to tools/manifest. */
#include "commands.h"
#include "dirlist.h"
#include "sort.h"
#include "vs_errno.h"

#define MF_POLL_EVERY 64

struct mf_entry {
    size_t rel, target;  /* offsets in mf.text of the relative path and a symlink's target */
    uint32_t rel_len, tlen;
    bool link;
    struct vfs_stat st;
};

struct mf {
    struct app *a;
    const char *root;
    struct mf_entry *v;
    size_t n, cap;
    char *text;         /* every relative path and target, back to back */
    size_t text_len, text_cap;
    /* The path at hand: root, a slash unless root is "/", then the
     * relative path from base on.  VFS_PATH_MAX + 1 bytes. */
    char *full;
    size_t base;
    char *target;       /* scratch: VFS_PATH_MAX */
};

/* Entries are sorted as pointers: an entry is a hundred bytes. */
static int mf_cmp(const void *x, const void *y, void *arg)
{
    const struct mf *m = arg;
    const struct mf_entry *p = x, *q = y;
    return bytes_cmp(m->text + p->rel, p->rel_len, m->text + q->rel, q->rel_len);
}

/* Appends s[0..len) to m->text; *off where it went. */
static int mf_text(struct mf *m, const char *s, size_t len, size_t *off)
{
    const struct vs_port *port = m->a->port;
    if (m->text_len + len > m->text_cap) {
        size_t cap = m->text_cap ? m->text_cap * 2 : 4096;
        while (cap < m->text_len + len)
            cap *= 2;
        char *t = port->alloc(port->ctx, cap);
        if (!t)
            return -VS_ENOMEM;
        if (m->text_len)
            vs_memcpy(t, m->text, m->text_len);
        port->free(port->ctx, m->text);
        m->text = t;
        m->text_cap = cap;
    }
    vs_memcpy(m->text + m->text_len, s, len);
    *off = m->text_len;
    m->text_len += len;
    return 0;
}

static struct mf_entry *mf_push(struct mf *m)
{
    const struct vs_port *port = m->a->port;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        struct mf_entry *v = port->alloc(port->ctx, cap * sizeof(*v));
        if (!v)
            return 0;
        if (m->n)
            vs_memcpy(v, m->v, m->n * sizeof(*v));
        port->free(port->ctx, m->v);
        m->v = v;
        m->cap = cap;
    }
    struct mf_entry *e = &m->v[m->n++];
    vs_memset(e, 0, sizeof(*e));
    return e;
}

/* Puts rel[0..len) at offset `at` of the relative path in m->full.
 * -ENAMETOOLONG when the whole path would not fit (as path_join's). */
static int mf_set_rel(struct mf *m, size_t at, const char *rel, size_t len)
{
    if (m->base + at + len > VFS_PATH_MAX)
        return -VS_ENAMETOOLONG;
    vs_memcpy(m->full + m->base + at, rel, len);
    m->full[m->base + at + len] = 0;
    return 0;
}

/* Records the entry de of the directory whose relative path (rel_len
 * bytes) is in m->full, with its attributes (st, or the error st_err of
 * getting them); leaves the entry's path there.  Reports its own errors. */
static int mf_add(struct mf *m, size_t rel_len, const struct vfs_dirent *de, const struct vfs_stat *st, int st_err)
{
    struct app *a = m->a;
    size_t nlen = de->namelen;
    int err = 0;
    if (rel_len)
        err = mf_set_rel(m, rel_len, "/", 1);
    size_t at = rel_len + (rel_len != 0);
    if (!err)
        err = mf_set_rel(m, at, de->name, nlen);
    /* vfs_lstat of the path would refuse it: the name is looked up from
     * its directory, but the answer stays the same. */
    if (!err && m->base + at + nlen >= a->vfs.cfg.path_max)
        err = -VS_ENAMETOOLONG;
    /* Polling the console is a port read, an exit to the emulator: once
     * every MF_POLL_EVERY entries is soon enough for Ctrl-C. */
    if (!err && m->n % MF_POLL_EVERY == 0 && app_interrupted(a))
        err = -VS_EINTR;
    if (!err)
        err = st_err;
    size_t rel;
    if (!err)
        err = mf_text(m, m->full + m->base, at + nlen, &rel);
    struct mf_entry *e = err ? 0 : mf_push(m);
    if (!err && !e)
        err = -VS_ENOMEM;
    if (!err) {
        e->rel = rel;
        e->rel_len = (uint32_t)(at + nlen);
        e->st = *st;
        e->link = (st->mode & VS_S_IFMT) == VS_S_IFLNK;
    }
    if (!err && e->link) {
        int64_t t = vfs_readlink(&a->vfs, m->full, m->target, VFS_PATH_MAX);
        err = t < 0 ? (int)t : mf_text(m, m->target, (size_t)t, &e->target);
        e->tlen = t < 0 ? 0 : (uint32_t)t;
    }
    if (err)
        app_error(a, "manifest", m->full, err);
    return err;
}

/* Collects the entries below the directory whose relative path (rel_len
 * bytes, 0 for root itself) is in m->full: every name of its listing with
 * the attributes the listing brought, in the host's order (mf_sorted
 * orders them all), then each subdirectory in turn.  Reports its own
 * errors. */
static int mf_walk(struct mf *m, size_t rel_len)
{
    struct app *a = m->a;
    const char *dir = rel_len ? m->full : m->root;
    int dd = vfs_opendir_plus(&a->vfs, dir);
    if (dd < 0) {
        app_error(a, "manifest", dir, dd);
        return dd;
    }
    size_t first = m->n;
    struct vfs_dirent de;
    struct vfs_stat st;
    int r = 0, st_err, err = 0;
    while (!err && (r = vfs_readdir_stat(&a->vfs, dd, &de, &st, &st_err)) == 1)
        err = mf_add(m, rel_len, &de, &st, st_err);
    m->full[m->base + rel_len] = 0;
    if (!err && r < 0) {
        app_error(a, "manifest", dir, r);
        err = r;
    }
    int cerr = vfs_closedir(&a->vfs, dd);
    if (!err && cerr) {
        app_error(a, "manifest", dir, cerr);
        err = cerr;
    }
    for (size_t i = first, end = m->n; !err && i < end; i++) {
        const struct mf_entry *e = &m->v[i];
        if ((e->st.mode & VS_S_IFMT) != VS_S_IFDIR)
            continue;
        err = mf_set_rel(m, 0, m->text + e->rel, e->rel_len);
        if (!err)
            err = mf_walk(m, e->rel_len);
    }
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

/* Printing the sorted entries, each regular file's hash (with hashes)
 * read as the entries before it are printed (app_hash_files). */
struct mf_out {
    struct mf *m;
    const struct mf_entry **order;
    bool hashes;
};

static int mf_next(void *ctx, size_t i, const char **path)
{
    struct mf_out *o = ctx;
    if (i >= o->m->n)
        return 0;
    const struct mf_entry *e = o->order[i];
    *path = 0;
    if (o->hashes && (e->st.mode & VS_S_IFMT) == VS_S_IFREG) {
        int err = mf_set_rel(o->m, 0, o->m->text + e->rel, e->rel_len);
        if (err)
            return err;
        *path = o->m->full;
    }
    return 1;
}

static int mf_line(void *ctx, size_t i, const char *hex, int err)
{
    struct mf_out *o = ctx;
    if (err)
        return err; /* reported */
    const struct mf_entry *e = o->order[i];
    struct app *a = o->m->a;
    app_printf(a, "%c %04o %u %llu %lld %s ", type_char(e->st.mode), e->st.mode & 07777, e->st.nlink,
               (unsigned long long)e->st.size, (long long)e->st.mtime, hex ? hex : "-");
    app_write_escaped(a, o->m->text + e->rel, e->rel_len);
    if (e->link) {
        app_printf(a, " -> ");
        app_write_escaped(a, o->m->text + e->target, e->tlen);
    }
    app_printf(a, "\n");
    return 0;
}

static int mf_print(struct mf *m, const struct mf_entry **order, bool hashes)
{
    struct mf_out o = {m, order, hashes};
    struct hash_run run = {mf_next, mf_line, &o};
    return app_hash_files(m->a, "manifest", &run);
}

/* Sorts the entries by path and prints them (with print). */
static int mf_sorted(struct mf *m, bool print, bool hashes)
{
    const struct vs_port *port = m->a->port;
    const void **order = port->alloc(port->ctx, (2 * m->n + 1) * sizeof(*order));
    if (!order)
        return -VS_ENOMEM;
    for (size_t i = 0; i < m->n; i++)
        order[i] = &m->v[i];
    /* Each directory's entries come in the host's order, often sorted or
     * reversed, and a directory's subtree follows its own entries: the
     * merge sort takes such runs whole. */
    vs_sort_ptrs(order, m->n, mf_cmp, m, order + m->n);
    int err = print ? mf_print(m, (const struct mf_entry **)order, hashes) : 0;
    port->free(port->ctx, order);
    return err;
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
    m.target = a->port->alloc(a->port->ctx, VFS_PATH_MAX);
    err = m.full && m.target ? path_join(m.full, m.root, "") : -VS_ENOMEM;
    if (err) {
        app_error(a, "manifest", m.root, err);
    } else {
        m.base = vs_strlen(m.full);
        err = mf_walk(&m, 0);
    }
    if (!err) {
        *count = m.n;
        err = mf_sorted(&m, print, hashes);
        if (err == -VS_ENOMEM)
            app_error(a, "manifest", m.root, err);
    }
    a->port->free(a->port->ctx, m.v);
    a->port->free(a->port->ctx, m.text);
    a->port->free(a->port->ctx, m.full);
    a->port->free(a->port->ctx, m.target);
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
