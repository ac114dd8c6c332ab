/* SPDX-License-Identifier: BSD-2-Clause */
/* The first of /boot/extlinux/extlinux.conf and /extlinux/extlinux.conf
 * (U-Boot's and syslinux's menu), its entries offered one by one. */
#include "finder.h"
#include "vs_errno.h"

/* An extlinux.conf being read: its entries are resolved and offered one
 * by one. */
struct ext_walk {
    struct finder *f;
    const char *root, *base;
    bool under_boot;
};

static struct boot_entry *ext_entry(void *ctx, struct boot_entry *e)
{
    struct ext_walk *w = ctx;
    if (finder_resolve_files(w->f, e, w->root, w->base, w->under_boot))
        finder_add(w->f, e, w->root);
    return finder_slot(w->f);
}

static bool extlinux(struct finder *f, const char *root)
{
    static const char *const where[] = {"/boot/extlinux/extlinux.conf", "/extlinux/extlinux.conf"};
    struct app *a = f->a;
    char *file = a->port->alloc(a->port->ctx, 2 * (VFS_PATH_MAX + 1));
    if (!file)
        return false;
    char *base = file + VFS_PATH_MAX + 1;
    bool found = false;
    for (size_t w = 0; w < VS_ARRAY_SIZE(where) && !found; w++) {
        char *text;
        size_t len;
        if (finder_in_share(f, root, where[w], file) || finder_read_text(a, file, &text, &len))
            continue;
        found = true;
        f->file = file;
        /* Relative paths are relative to the configuration's directory. */
        size_t dl = vs_strlen(where[w]) - vs_strlen("/extlinux.conf");
        vs_memcpy(base, where[w], dl);
        base[dl] = 0;
        struct extlinux_conf c;
        struct be_diag dg = {finder_diag, f};
        struct ext_walk ew = {f, root, base, w == 0};
        struct extlinux_sink sink = {finder_slot(f), ext_entry, &ew};
        extlinux_parse(text, len, &sink, &c, &dg);
        a->port->free(a->port->ctx, text);
        if (f->ext_timeout == BE_TIMEOUT_UNSET)
            f->ext_timeout = c.timeout;
    }
    a->port->free(a->port->ctx, file);
    return found;
}

static bool find(struct finder *f, const struct vfs_mount_info *mi)
{
    return extlinux(f, mi->path);
}

const struct entry_method entry_method_extlinux = {find, false};
