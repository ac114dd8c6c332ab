/* SPDX-License-Identifier: BSD-2-Clause */
/* Boot-entry discovery.  On every mounted share, in mount order:
 *   1. BLS Type #1 entries in /loader/entries/ and /boot/loader/entries/
 *      and unified kernel images in /EFI/Linux/, sorted together as the
 *      Boot Loader Specification sorts them;
 *   2. the first of /boot/extlinux/extlinux.conf, /extlinux/extlinux.conf;
 *   3. when neither gave an entry, the share as a bare distribution root:
 *      /vmlinuz + /initrd.img, /vmlinuz.old + /initrd.img.old, else every
 *      /boot/vmlinuz-VERSION with its /boot/initrd.img-VERSION, newest first;
 *   4. in the EFI app, /EFI/BOOT/BOOTX64.EFI (BOOTAA64.EFI on AArch64).
 * Every path is resolved inside its share (sharepath.h).  The default is
 * loader.conf's `default` glob (the first share that has a loader.conf),
 * else extlinux's DEFAULT, else the first entry.  Every entry found is
 * offered to an entry_pick, which keeps the first BE_MAX in menu order and
 * the default: directories are read as a stream, never listed whole.
 * Each kind of entry is one entry_method in a file of its own (finder.h). */
#include "finder.h"
#include "commands.h"
#include "bootload.h"
#include "numparse.h"
#include "vs_errno.h"

/* The kinds of entry, in the order they are looked for on each share. */
static const struct entry_method *const methods[] = {
    &entry_method_bls, &entry_method_uki, &entry_method_extlinux, &entry_method_bare, &entry_method_efi,
};

static void loader_conf(struct finder *f, const char *root)
{
    static const char *const where[] = {"/loader/loader.conf", "/boot/loader/loader.conf"};
    for (size_t w = 0; w < VS_ARRAY_SIZE(where) && !f->have_conf; w++) {
        char *text;
        size_t len;
        if (finder_in_share(f, root, where[w], f->path) || finder_read_text(f->a, f->path, &text, &len))
            continue;
        f->file = f->path;
        struct be_diag dg = {finder_diag, f};
        loader_conf_parse(text, len, &f->conf, &dg);
        f->a->port->free(f->a->port->ctx, text);
        f->have_conf = true;
    }
}

static void choose_default(struct finder *f)
{
    struct entry_list *l = f->l;
    l->def = 0;
    l->timeout = f->have_conf && f->conf.timeout != BE_TIMEOUT_UNSET ? f->conf.timeout : f->ext_timeout;
    for (size_t i = 0; i < l->n; i++) {
        if (finder_default_candidate(f, l->v[i])) {
            l->def = i;
            return;
        }
    }
    if (f->have_conf && f->conf.default_glob[0] && l->n)
        app_printf(f->a, "entries: loader.conf's default \"%s\" matches no entry: the first entry is the default\n",
                   f->conf.default_glob);
}

int entries_find(struct app *a, struct entry_list *l)
{
    vs_memset(l, 0, sizeof(*l));
    struct finder f = {.a = a, .l = l, .ext_timeout = BE_TIMEOUT_UNSET};
    l->store = a->port->alloc(a->port->ctx, PICK_SLOTS * sizeof(*l->store));
    l->v = a->port->alloc(a->port->ctx, BE_MAX * sizeof(*l->v));
    f.path = a->port->alloc(a->port->ctx, 2 * (VFS_PATH_MAX + 1));
    if (!l->store || !l->v || !f.path) {
        a->port->free(a->port->ctx, f.path);
        entries_free(a, l);
        app_usage(a, "entries", -VS_ENOMEM, "no memory for the boot entries");
        return -VS_ENOMEM;
    }
    f.resolved = f.path + VFS_PATH_MAX + 1;
    entry_pick_init(&f.pick, l->store);
    struct vfs_mount_info mi;
    /* The default glob first: the picker keeps the default wherever it is. */
    for (int i = 0; i < VFS_MAX_MOUNTS; i++)
        if (vfs_mount_info(&a->vfs, i, &mi))
            loader_conf(&f, mi.path);
    for (int i = 0; i < VFS_MAX_MOUNTS; i++) {
        if (!vfs_mount_info(&a->vfs, i, &mi))
            continue;
        f.share = (unsigned)i;
        bool found = false;
        for (size_t k = 0; k < VS_ARRAY_SIZE(methods); k++)
            if (!(methods[k]->fallback && found))
                found |= methods[k]->find(&f, &mi);
    }
    l->n = entry_pick_finish(&f.pick, l->v);
    if (f.pick.offered > l->n)
        app_printf(a, "error: entries: E2BIG (%lu boot entries, more than %d: the first in menu order offered, "
                      "and the default)\n",
                   (unsigned long)f.pick.offered, BE_MAX);
    choose_default(&f);
    a->port->free(a->port->ctx, f.path);
    return 0;
}

void entries_free(struct app *a, struct entry_list *l)
{
    a->port->free(a->port->ctx, l->store);
    a->port->free(a->port->ctx, l->v);
    l->store = NULL;
    l->v = NULL;
    l->n = 0;
}

void entries_print(struct app *a, const struct entry_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct boot_entry *e = l->v[i];
        app_printf(a, "%u %c %s (", (unsigned)(i + 1), i == l->def ? '*' : '-', e->title);
        app_write_escaped(a, e->source, vs_strlen(e->source));
        app_printf(a, ")\n");
    }
}

/* A UKI's .linux and .initrd, copied out of the file read whole. */
static int load_uki(struct app *a, const struct boot_entry *e, struct app_boot *b)
{
    void *file;
    size_t size;
    int err = boot_load(a, e->linux_path, &file, &size);
    if (err)
        return err;
    struct uki u;
    const char *why = "";
    err = uki_parse(file, size, size, &u, &why);
    if (!err && !(b->kernel = a->port->alloc(a->port->ctx, (size_t)u.linux_.size)))
        err = -VS_ENOMEM, why = "no memory for the kernel";
    if (!err && u.initrd.size && !(b->initrd = a->port->alloc(a->port->ctx, (size_t)u.initrd.size)))
        err = -VS_ENOMEM, why = "no memory for the initrd";
    if (err) {
        a->port->free(a->port->ctx, b->kernel);
        b->kernel = NULL;
        app_printf(a, "error: boot: ");
        app_write_escaped(a, e->linux_path, vs_strlen(e->linux_path));
        app_printf(a, ": %s (%s)\n", vs_errno_name(err), why);
    } else {
        vs_memcpy(b->kernel, (uint8_t *)file + u.linux_.off, (size_t)u.linux_.size);
        b->kernel_size = (size_t)u.linux_.size;
        if (b->initrd)
            vs_memcpy(b->initrd, (uint8_t *)file + u.initrd.off, (size_t)u.initrd.size);
        b->initrd_size = (size_t)u.initrd.size;
    }
    a->port->free(a->port->ctx, file);
    return err;
}

int entries_boot(struct app *a, const struct boot_entry *e, const char *cmdline)
{
    struct app_boot b = {.kernel_path = e->linux_path, .cmdline = cmdline ? cmdline : e->options};
    /* The EFI app starts EFI programs, UKIs too (their stub then loads
     * their sections), with LoadImage. */
    if (a->chain && (e->kind == BE_UKI || !e->linux_path[0]))
        return app_chain(a, e->kind == BE_UKI ? e->linux_path : e->efi, cmdline ? cmdline : e->options);
    if (!e->linux_path[0]) {
        app_printf(a, "error: boot: ");
        app_write_escaped(a, e->source, vs_strlen(e->source));
        app_printf(a, ": ENOEXEC (an EFI program entry, not a Linux kernel: the EFI app's chain starts it)\n");
        return -VS_ENOEXEC;
    }
    int err;
    char initrds[BE_INITRDS * (BE_PATH + 1)];
    if (e->kind == BE_UKI) {
        b.initrd_path = ".initrd";
        err = load_uki(a, e, &b);
    } else {
        const char *paths[BE_INITRDS];
        size_t at = 0;
        for (unsigned i = 0; i < e->ninitrd; i++) {
            size_t n = vs_strlen(e->initrd[i]);
            if (at)
                initrds[at++] = ',';
            vs_memcpy(initrds + at, e->initrd[i], n);
            at += n;
            paths[i] = e->initrd[i];
        }
        initrds[at] = 0;
        b.initrd_path = e->ninitrd ? initrds : NULL;
        err = boot_load(a, e->linux_path, &b.kernel, &b.kernel_size);
        if (!err && (err = boot_load_initrds(a, paths, e->ninitrd, &b.initrd, &b.initrd_size)))
            a->port->free(a->port->ctx, b.kernel);
    }
    if (!err && finder_loads_devicetree(e)) {
        b.dtb_path = e->devicetree;
        if ((err = boot_load(a, e->devicetree, &b.dtb, &b.dtb_size))) {
            a->port->free(a->port->ctx, b.kernel);
            a->port->free(a->port->ctx, b.initrd);
        }
    }
    return err ? err : boot_start(a, &b);
}

int entries_boot_cmd(struct app *a, int argc, char **argv)
{
    uint64_t n = 0;
    bool dflt = argc == 2 && vs_streq(argv[1], "--default");
    if (!dflt && !(argc == 3 && vs_streq(argv[1], "-e") && !parse_u64(argv[2], &n) && n >= 1)) {
        app_usage(a, "boot", -VS_EINVAL, "usage: boot -e N | boot --default (N counts from 1, as `entries` lists)");
        return -VS_EINVAL;
    }
    struct entry_list l;
    int err = entries_find(a, &l);
    if (err)
        return err;
    size_t i = dflt ? l.def : (size_t)(n - 1);
    if (i >= l.n) {
        entries_free(a, &l);
        app_printf(a, "error: boot: %s: ENOENT (no such boot entry: %u found)\n", dflt ? "--default" : argv[2],
                   (unsigned)l.n);
        return -VS_ENOENT;
    }
    app_printf(a, "boot: entry %u: %s (", (unsigned)(i + 1), l.v[i]->title);
    app_write_escaped(a, l.v[i]->source, vs_strlen(l.v[i]->source));
    app_printf(a, ")\n");
    err = entries_boot(a, l.v[i], NULL);
    entries_free(a, &l);
    return err;
}

int cmd_entries(struct app *a, int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        app_usage(a, "entries", -VS_EINVAL, "usage: entries");
        return -VS_EINVAL;
    }
    struct entry_list l;
    int err = entries_find(a, &l);
    if (!err)
        entries_print(a, &l);
    entries_free(a, &l);
    return err;
}

int cmd_options(struct app *a, int argc, char **argv)
{
    size_t len = 0;
    for (int i = 1; i < argc; i++)
        len += vs_strlen(argv[i]) + 1;
    if (len > BE_CMDLINE - 1) {
        app_usage(a, "options", -VS_E2BIG, "longer than 2047 bytes");
        return -VS_E2BIG;
    }
    char *s = a->port->alloc(a->port->ctx, len + 1);
    if (!s) {
        app_usage(a, "options", -VS_ENOMEM, "out of memory");
        return -VS_ENOMEM;
    }
    size_t at = 0;
    for (int i = 1; i < argc; i++) {
        size_t n = vs_strlen(argv[i]);
        if (at)
            s[at++] = ' ';
        vs_memcpy(s + at, argv[i], n);
        at += n;
    }
    s[at] = 0;
    a->port->free(a->port->ctx, a->entry_options);
    a->entry_options = argc > 1 ? s : NULL;
    if (argc == 1)
        a->port->free(a->port->ctx, s);
    return 0;
}
