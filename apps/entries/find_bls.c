/* SPDX-License-Identifier: BSD-2-Clause */
/* BLS Type #1 entries: the .conf files of /loader/entries/ and
 * /boot/loader/entries/ (the Boot Loader Specification), read as a stream. */
#include "finder.h"
#include "dirlist.h"
#include "vs_errno.h"

#if defined(__aarch64__)
#define ARCH "aa64"
#else
#define ARCH "x64"
#endif

static bool same_nocase(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a, y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
        if (x != y)
            return false;
        if (!x)
            return true;
    }
}

static void bls_file(void *ctx, const char *name)
{
    struct dir_walk *w = ctx;
    struct finder *f = w->f;
    struct app *a = f->a;
    char *text;
    size_t len;
    struct boot_entry *e = finder_slot(f);
    if (!finder_ends_with(name, ".conf") || path_join(w->file, w->dir, name))
        return;
    f->file = w->file;
    int err = finder_read_text(a, w->file, &text, &len);
    if (err) {
        finder_diag_err(f, w->file, 0, err, "cannot read");
        return;
    }
    struct be_diag dg = {finder_diag, f};
    err = bls_parse(text, len, name, e, &dg);
    a->port->free(a->port->ctx, text);
    if (err || (e->arch[0] && !same_nocase(e->arch, ARCH)))
        return; /* reported; or for another architecture, not ours to offer */
    if (finder_resolve_files(f, e, w->root, w->root, w->under_boot))
        finder_add(f, e, w->root);
}

static void bls_dir(struct finder *f, const char *root, const char *dir, bool under_boot)
{
    struct app *a = f->a;
    char *d = a->port->alloc(a->port->ctx, 2 * (VFS_PATH_MAX + 1));
    if (!d)
        return;
    struct dir_walk w = {f, root, d, d + VFS_PATH_MAX + 1, under_boot};
    if (!finder_join3(d, root, dir, "") && !finder_in_share(f, root, dir, d))
        dir_each(a, d, bls_file, &w);
    a->port->free(a->port->ctx, d);
}

static bool find(struct finder *f, const struct vfs_mount_info *mi)
{
    size_t before = f->pick.offered;
    bls_dir(f, mi->path, "/loader/entries", false);
    bls_dir(f, mi->path, "/boot/loader/entries", true);
    return f->pick.offered > before;
}

const struct entry_method entry_method_bls = {find, false};
