/* SPDX-License-Identifier: BSD-2-Clause */
/* Unified kernel images in /EFI/Linux/ (the UAPI Group's UKI): their PE
 * headers, .osrel, .uname and .cmdline for the menu. */
#include "finder.h"
#include "dirlist.h"
#include "vs_errno.h"

#define UKI_HEADERS (64u << 10)
#define UKI_OSREL_MAX 4096
#if defined(__aarch64__)
#define PE_MACHINE 0xaa64
#else
#define PE_MACHINE 0x8664
#endif

/* One UKI: its headers, then .osrel, .uname and .cmdline for the menu. */
static void uki_file(struct finder *f, const char *root, const char *name, const char *file)
{
    struct app *a = f->a;
    struct boot_entry *e = finder_slot(f);
    struct vfs_stat st;
    uint8_t *buf = a->port->alloc(a->port->ctx, UKI_HEADERS);
    if (!buf)
        return;
    vs_memset(e, 0, sizeof(*e));
    e->kind = BE_UKI;
    size_t got = 0;
    struct uki u;
    const char *why = "";
    int err = vfs_stat(&a->vfs, file, &st);
    if (!err)
        err = finder_read_at(a, file, buf, UKI_HEADERS, 0, &got);
    if (err) {
        finder_diag_err(f, file, 0, err, "cannot read");
    } else if (uki_parse(buf, got, st.size, &u, &why)) {
        finder_diag(f, 0, why);
    } else if (u.machine != PE_MACHINE) {
        finder_diag(f, 0, "a unified kernel image for another machine");
    } else {
        be_copy(e->id, sizeof(e->id), name, vs_strlen(name) - 4);
        be_copy(e->linux_path, sizeof(e->linux_path), file, vs_strlen(file));
        if (u.osrel.size && !finder_read_at(a, file, buf, VS_MIN(u.osrel.size, UKI_OSREL_MAX), u.osrel.off, &got))
            osrel_parse((const char *)buf, got, e->title, sizeof(e->title), e->version, sizeof(e->version));
        if (u.uname.size && u.uname.size < sizeof(e->version) &&
            !finder_read_at(a, file, e->version, (size_t)u.uname.size, u.uname.off, &got))
            e->version[got] = 0;
        /* The command line is the section's text, up to a NUL or newline. */
        if (u.cmdline.size && u.cmdline.size < sizeof(e->options) &&
            !finder_read_at(a, file, e->options, (size_t)u.cmdline.size, u.cmdline.off, &got)) {
            e->options[got] = 0;
            for (char *c = e->options; *c; c++)
                if (*c == '\n' || *c == '\r')
                    *c = 0;
        }
        finder_add(f, e, root);
    }
    a->port->free(a->port->ctx, buf);
}

static void uki_name(void *ctx, const char *name)
{
    struct dir_walk *w = ctx;
    if (!finder_ends_with(name, ".efi") || vs_strlen(name) == 4 || path_join(w->file, w->dir, name))
        return;
    w->f->file = w->file;
    uki_file(w->f, w->root, name, w->file);
}

static void uki_dir(struct finder *f, const char *root)
{
    struct app *a = f->a;
    char *d = a->port->alloc(a->port->ctx, 2 * (VFS_PATH_MAX + 1));
    if (!d)
        return;
    struct dir_walk w = {f, root, d, d + VFS_PATH_MAX + 1, false};
    if (!finder_in_share(f, root, "/EFI/Linux", d))
        dir_each(a, d, uki_name, &w);
    a->port->free(a->port->ctx, d);
}

static bool find(struct finder *f, const struct vfs_mount_info *mi)
{
    size_t before = f->pick.offered;
    uki_dir(f, mi->path);
    return f->pick.offered > before;
}

const struct entry_method entry_method_uki = {find, false};
