/* SPDX-License-Identifier: BSD-2-Clause */
/* A share that is a distribution's root without boot entries: /vmlinuz +
 * /initrd.img, /vmlinuz.old + /initrd.img.old, else every
 * /boot/vmlinuz-VERSION with its /boot/initrd.img-VERSION, newest first. */
#include "finder.h"
#include "dirlist.h"
#include "sort.h"
#include "verscmp.h"
#include "vs_errno.h"

/* The os-release title of the root, "Linux" without one. */
static void root_title(struct finder *f, const char *root, char *title, size_t cap)
{
    static const char *const where[] = {"/etc/os-release", "/usr/lib/os-release"};
    char version[8];
    be_copy(title, cap, "Linux", 5);
    for (size_t w = 0; w < VS_ARRAY_SIZE(where); w++) {
        char *text;
        size_t len;
        if (finder_in_share(f, root, where[w], f->resolved) || finder_read_text(f->a, f->resolved, &text, &len))
            continue;
        osrel_parse(text, len, title, cap, version, sizeof(version));
        f->a->port->free(f->a->port->ctx, text);
        return;
    }
}

/* An entry of the bare root: kernel and initrd guest paths (the initrd
 * may be missing), version from the kernel's resolved name. */
static void bare_entry(struct finder *f, const char *root, const char *tag, const char *title, const char *kernel,
                       const char *initrd, const char *source)
{
    struct boot_entry *e = finder_slot(f);
    if (finder_in_share(f, root, kernel, f->resolved) || !finder_is_regular(f->a, f->resolved))
        return;
    f->file = f->path;
    if (finder_join3(f->path, root, source, ""))
        return;
    vs_memset(e, 0, sizeof(*e));
    e->kind = BE_BARE;
    be_copy(e->linux_path, sizeof(e->linux_path), f->resolved, vs_strlen(f->resolved));
    const char *base = f->resolved + vs_strlen(f->resolved);
    while (base > f->resolved && base[-1] != '/')
        base--;
    if (!vs_memcmp(base, "vmlinuz-", 8))
        be_copy(e->version, sizeof(e->version), base + 8, vs_strlen(base + 8));
    be_copy(e->id, sizeof(e->id), base, vs_strlen(base));
    vs_snprintf(e->title, sizeof(e->title), "%s%s%s", title, e->version[0] ? ", Linux " : "", e->version);
    if (!finder_in_share(f, root, initrd, f->resolved) && finder_is_regular(f->a, f->resolved) &&
        be_copy(e->initrd[0], BE_PATH, f->resolved, vs_strlen(f->resolved)))
        e->ninitrd = 1;
    if (f->a->entry_options)
        be_copy(e->options, sizeof(e->options), f->a->entry_options, vs_strlen(f->a->entry_options));
    else
        vs_snprintf(e->options, sizeof(e->options), "root=%s rootfstype=virtiofs rw", tag);
    finder_add(f, e, root);
}

static bool is_kernel(const char *name)
{
    return !vs_memcmp(name, "vmlinuz-", 8) && vs_strlen(name) > 8;
}

/* The vmlinuz-VERSION names first, newest first; the others after. */
static int kernels_first(const void *x, const void *y, void *arg)
{
    (void)arg;
    const char *a = *(char *const *)x, *b = *(char *const *)y;
    if (is_kernel(a) != is_kernel(b))
        return is_kernel(a) ? -1 : 1;
    return is_kernel(a) ? verscmp(b + 8, a + 8) : 0;
}

static void bare_root(struct finder *f, const char *root, const char *tag)
{
    struct app *a = f->a;
    char title[BE_TEXT];
    size_t before = f->pick.offered;
    root_title(f, root, title, sizeof(title));
    bare_entry(f, root, tag, title, "/vmlinuz", "/initrd.img", "/vmlinuz");
    bare_entry(f, root, tag, title, "/vmlinuz.old", "/initrd.img.old", "/vmlinuz.old");
    if (f->pick.offered > before)
        return;
    struct name_list ns = {0};
    char *kernel = a->port->alloc(a->port->ctx, 2 * (VFS_PATH_MAX + 1));
    if (kernel && !finder_in_share(f, root, "/boot", f->resolved) && !name_list_read(a, f->resolved, true, &ns)) {
        char *initrd = kernel + VFS_PATH_MAX + 1;
        vs_sort(ns.v, ns.n, sizeof(ns.v[0]), kernels_first, NULL);
        for (size_t i = 0; i < ns.n && is_kernel(ns.v[i]); i++) {
            if (!finder_join3(kernel, "/boot/", ns.v[i], "") && !finder_join3(initrd, "/boot/initrd.img-", ns.v[i] + 8, ""))
                bare_entry(f, root, tag, title, kernel, initrd, kernel);
        }
    }
    name_list_free(a, &ns);
    a->port->free(a->port->ctx, kernel);
}

static bool find(struct finder *f, const struct vfs_mount_info *mi)
{
    size_t before = f->pick.offered;
    bare_root(f, mi->path, mi->tag);
    return f->pick.offered > before;
}

const struct entry_method entry_method_bare = {find, true};
