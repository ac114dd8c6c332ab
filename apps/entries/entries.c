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
 * the default: directories are read as a stream, never listed whole. */
#include "entries.h"
#include "commands.h"
#include "bootload.h"
#include "dirlist.h"
#include "entrypick.h"
#include "numparse.h"
#include "sharepath.h"
#include "sort.h"
#include "verscmp.h"
#include "vs_errno.h"

#define TEXT_MAX (1u << 20)
#define UKI_HEADERS (64u << 10)
#define UKI_OSREL_MAX 4096

#if defined(__aarch64__)
#define ARCH "aa64"
#define EFI_FALLBACK "/EFI/BOOT/BOOTAA64.EFI"
#define PE_MACHINE 0xaa64
/* Only the arm64 boot protocol takes a device tree from the loader. */
#define LOADS_DEVICETREE 1
#else
#define LOADS_DEVICETREE 0
#define ARCH "x64"
#define EFI_FALLBACK "/EFI/BOOT/BOOTX64.EFI"
#define PE_MACHINE 0x8664
#endif

/* What discovery needs on its way: the list, a path buffer, and the file
 * a diagnostic names. */
struct finder {
    struct app *a;
    struct entry_list *l;
    const char *file;
    char *path, *resolved;       /* VFS_PATH_MAX + 1 each */
    struct loader_conf conf;
    bool have_conf;
    int ext_timeout;
    struct entry_pick pick;
    unsigned share;              /* the index of the share being read */
};

static void diag(void *ctx, unsigned line, const char *msg)
{
    struct finder *f = ctx;
    app_printf(f->a, "error: entries: ");
    app_write_escaped(f->a, f->file, vs_strlen(f->file));
    if (line)
        app_printf(f->a, ":%u", line);
    app_printf(f->a, ": EINVAL (%s: skipped)\n", msg);
}

static void diag_err(struct finder *f, const char *file, unsigned line, int err, const char *what)
{
    app_printf(f->a, "error: entries: ");
    app_write_escaped(f->a, file, vs_strlen(file));
    if (line)
        app_printf(f->a, ":%u", line);
    app_printf(f->a, ": %s (%s: %s; entry skipped)\n", vs_errno_name(err), what, vs_errno_text(err));
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = vs_strlen(s), k = vs_strlen(suffix);
    return n >= k && !vs_memcmp(s + n - k, suffix, k);
}

static bool same(const char *a, const char *b)
{
    size_t n = vs_strlen(a);
    return n == vs_strlen(b) && !vs_memcmp(a, b, n);
}

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

static int in_share(struct finder *f, const char *root, const char *path, char *out)
{
    return share_resolve(&f->a->vfs, f->a->port, root, path, out);
}

/* "A" + "B" + "C" into out (VFS_PATH_MAX + 1). */
static int join3(char *out, const char *x, const char *y, const char *z)
{
    size_t a = vs_strlen(x), b = vs_strlen(y), c = vs_strlen(z);
    if (a + b + c > VFS_PATH_MAX)
        return -VS_ENAMETOOLONG;
    vs_memcpy(out, x, a);
    vs_memcpy(out + a, y, b);
    vs_memcpy(out + a + b, z, c + 1);
    return 0;
}

/* Reads a whole text file (at most TEXT_MAX bytes) into an allocation with
 * a NUL after it. */
static int read_text(struct app *a, const char *path, char **text, size_t *len)
{
    struct vfs_stat st;
    *text = NULL;
    int fd = vfs_open(&a->vfs, path, VFS_O_RDONLY, 0);
    int err = fd < 0 ? fd : vfs_fstat(&a->vfs, fd, &st);
    if (!err && st.size > TEXT_MAX)
        err = -VS_EFBIG;
    if (!err && !(*text = a->port->alloc(a->port->ctx, (size_t)st.size + 1)))
        err = -VS_ENOMEM;
    int64_t got = 0;
    if (!err && (got = vfs_pread(&a->vfs, fd, *text, (size_t)st.size, 0)) < 0)
        err = (int)got;
    if (fd >= 0)
        vfs_close(&a->vfs, fd);
    if (err) {
        a->port->free(a->port->ctx, *text);
        *text = NULL;
        return err;
    }
    (*text)[got] = 0;
    *len = (size_t)got;
    return 0;
}

static int read_at(struct app *a, const char *path, void *buf, size_t n, uint64_t off, size_t *got)
{
    int fd = vfs_open(&a->vfs, path, VFS_O_RDONLY, 0);
    if (fd < 0)
        return fd;
    int64_t r = vfs_pread(&a->vfs, fd, buf, n, off);
    vfs_close(&a->vfs, fd);
    if (r < 0)
        return (int)r;
    *got = (size_t)r;
    return 0;
}

static bool is_regular(struct app *a, const char *path)
{
    struct vfs_stat st;
    return !vfs_stat(&a->vfs, path, &st) && (st.mode & VS_S_IFMT) == VS_S_IFREG;
}

/* Where the next entry is read; add() offers it, else it is reused. */
static struct boot_entry *slot(struct finder *f)
{
    return f->pick.next;
}

/* Whether e is the default if it is the first such in menu order. */
static bool default_candidate(const struct finder *f, const struct boot_entry *e)
{
    const char *glob = f->have_conf ? f->conf.default_glob : "";
    if (!glob[0])
        return e->is_default;
    if (e->kind != BE_BLS && e->kind != BE_UKI)
        return false;
    char name[BE_TEXT + 8];
    vs_snprintf(name, sizeof(name), "%s%s", e->id, e->kind == BE_UKI ? ".efi" : ".conf");
    return be_glob(glob, e->id) || be_glob(glob, name);
}

static void add(struct finder *f, struct boot_entry *e, const char *root)
{
    vs_memcpy(e->root, root, vs_strlen(root) + 1);
    be_copy(e->source, sizeof(e->source), f->file, vs_strlen(f->file));
    if (!e->title[0])
        vs_memcpy(e->title, e->id, sizeof(e->title));
    e->share = f->share;
    e->seq = (uint32_t)f->pick.offered;
    entry_pick_offer(&f->pick, default_candidate(f, e));
}

/* Resolves path (as the entry wrote it) into the field dst (BE_PATH):
 * absolute paths from the share's root (then from its /boot when the entry
 * lives under /boot and the first is missing), relative ones from base. */
static int resolve(struct finder *f, const char *root, const char *base, bool under_boot, char *dst)
{
    char *p = f->path;
    int err = dst[0] == '/' ? join3(p, "", "", dst) : join3(p, base, "/", dst);
    if (!err)
        err = in_share(f, root, p, f->resolved);
    if (err == -VS_ENOENT && under_boot && dst[0] == '/' && !join3(p, "/boot", dst, ""))
        err = in_share(f, root, p, f->resolved);
    if (!err && !is_regular(f->a, f->resolved))
        err = -VS_EISDIR;
    if (!err && !be_copy(dst, BE_PATH, f->resolved, vs_strlen(f->resolved)))
        err = -VS_ENAMETOOLONG;
    return err;
}

/* extlinux FDTDIR (kept with a trailing '/') names no file: U-Boot picks
 * one by board names we do not have, so the firmware's device tree stays. */
static bool devicetree_file(const struct boot_entry *e)
{
    size_t n = vs_strlen(e->devicetree);
    return n && e->devicetree[n - 1] != '/';
}

/* The kernel, initrds (and devicetree, if a file) of e, resolved; false
 * after saying which one is missing. */
static bool resolve_files(struct finder *f, struct boot_entry *e, const char *root, const char *base, bool under_boot)
{
    int err;
    if (e->linux_path[0] && (err = resolve(f, root, base, under_boot, e->linux_path))) {
        diag_err(f, f->file, e->line, err, e->linux_path);
        return false;
    }
    if (!e->linux_path[0] && e->efi[0] && (err = resolve(f, root, base, under_boot, e->efi))) {
        diag_err(f, f->file, e->line, err, e->efi);
        return false;
    }
    for (unsigned i = 0; i < e->ninitrd; i++) {
        if ((err = resolve(f, root, base, under_boot, e->initrd[i]))) {
            diag_err(f, f->file, e->initrd_line[i], err, e->initrd[i]);
            return false;
        }
    }
    if (LOADS_DEVICETREE && devicetree_file(e) && (err = resolve(f, root, base, under_boot, e->devicetree))) {
        diag_err(f, f->file, e->line, err, e->devicetree);
        return false;
    }
    return true;
}

/* A directory of BLS entries or UKIs being read. */
struct dir_walk {
    struct finder *f;
    const char *root, *dir;
    char *file;                  /* VFS_PATH_MAX + 1 */
    bool under_boot;
};

static void bls_file(void *ctx, const char *name)
{
    struct dir_walk *w = ctx;
    struct finder *f = w->f;
    struct app *a = f->a;
    char *text;
    size_t len;
    struct boot_entry *e = slot(f);
    if (!ends_with(name, ".conf") || path_join(w->file, w->dir, name))
        return;
    f->file = w->file;
    int err = read_text(a, w->file, &text, &len);
    if (err) {
        diag_err(f, w->file, 0, err, "cannot read");
        return;
    }
    struct be_diag dg = {diag, f};
    err = bls_parse(text, len, name, e, &dg);
    a->port->free(a->port->ctx, text);
    if (err || (e->arch[0] && !same_nocase(e->arch, ARCH)))
        return; /* reported; or for another architecture, not ours to offer */
    if (resolve_files(f, e, w->root, w->root, w->under_boot))
        add(f, e, w->root);
}

static void bls_dir(struct finder *f, const char *root, const char *dir, bool under_boot)
{
    struct app *a = f->a;
    char *d = a->port->alloc(a->port->ctx, 2 * (VFS_PATH_MAX + 1));
    if (!d)
        return;
    struct dir_walk w = {f, root, d, d + VFS_PATH_MAX + 1, under_boot};
    if (!join3(d, root, dir, "") && !in_share(f, root, dir, d))
        dir_each(a, d, bls_file, &w);
    a->port->free(a->port->ctx, d);
}

/* One UKI: its headers, then .osrel, .uname and .cmdline for the menu. */
static void uki_file(struct finder *f, const char *root, const char *name, const char *file)
{
    struct app *a = f->a;
    struct boot_entry *e = slot(f);
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
        err = read_at(a, file, buf, UKI_HEADERS, 0, &got);
    if (err) {
        diag_err(f, file, 0, err, "cannot read");
    } else if (uki_parse(buf, got, st.size, &u, &why)) {
        diag(f, 0, why);
    } else if (u.machine != PE_MACHINE) {
        diag(f, 0, "a unified kernel image for another machine");
    } else {
        be_copy(e->id, sizeof(e->id), name, vs_strlen(name) - 4);
        be_copy(e->linux_path, sizeof(e->linux_path), file, vs_strlen(file));
        if (u.osrel.size && !read_at(a, file, buf, VS_MIN(u.osrel.size, UKI_OSREL_MAX), u.osrel.off, &got))
            osrel_parse((const char *)buf, got, e->title, sizeof(e->title), e->version, sizeof(e->version));
        if (u.uname.size && u.uname.size < sizeof(e->version) &&
            !read_at(a, file, e->version, (size_t)u.uname.size, u.uname.off, &got))
            e->version[got] = 0;
        /* The command line is the section's text, up to a NUL or newline. */
        if (u.cmdline.size && u.cmdline.size < sizeof(e->options) &&
            !read_at(a, file, e->options, (size_t)u.cmdline.size, u.cmdline.off, &got)) {
            e->options[got] = 0;
            for (char *c = e->options; *c; c++)
                if (*c == '\n' || *c == '\r')
                    *c = 0;
        }
        add(f, e, root);
    }
    a->port->free(a->port->ctx, buf);
}

static void uki_name(void *ctx, const char *name)
{
    struct dir_walk *w = ctx;
    if (!ends_with(name, ".efi") || vs_strlen(name) == 4 || path_join(w->file, w->dir, name))
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
    if (!in_share(f, root, "/EFI/Linux", d))
        dir_each(a, d, uki_name, &w);
    a->port->free(a->port->ctx, d);
}

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
    if (resolve_files(w->f, e, w->root, w->base, w->under_boot))
        add(w->f, e, w->root);
    return slot(w->f);
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
        if (in_share(f, root, where[w], file) || read_text(a, file, &text, &len))
            continue;
        found = true;
        f->file = file;
        /* Relative paths are relative to the configuration's directory. */
        size_t dl = vs_strlen(where[w]) - vs_strlen("/extlinux.conf");
        vs_memcpy(base, where[w], dl);
        base[dl] = 0;
        struct extlinux_conf c;
        struct be_diag dg = {diag, f};
        struct ext_walk ew = {f, root, base, w == 0};
        struct extlinux_sink sink = {slot(f), ext_entry, &ew};
        extlinux_parse(text, len, &sink, &c, &dg);
        a->port->free(a->port->ctx, text);
        if (f->ext_timeout == BE_TIMEOUT_UNSET)
            f->ext_timeout = c.timeout;
    }
    a->port->free(a->port->ctx, file);
    return found;
}

/* The os-release title of the root, "Linux" without one. */
static void root_title(struct finder *f, const char *root, char *title, size_t cap)
{
    static const char *const where[] = {"/etc/os-release", "/usr/lib/os-release"};
    char version[8];
    be_copy(title, cap, "Linux", 5);
    for (size_t w = 0; w < VS_ARRAY_SIZE(where); w++) {
        char *text;
        size_t len;
        if (in_share(f, root, where[w], f->resolved) || read_text(f->a, f->resolved, &text, &len))
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
    struct boot_entry *e = slot(f);
    if (in_share(f, root, kernel, f->resolved) || !is_regular(f->a, f->resolved))
        return;
    f->file = f->path;
    if (join3(f->path, root, source, ""))
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
    if (!in_share(f, root, initrd, f->resolved) && is_regular(f->a, f->resolved) &&
        be_copy(e->initrd[0], BE_PATH, f->resolved, vs_strlen(f->resolved)))
        e->ninitrd = 1;
    if (f->a->entry_options)
        be_copy(e->options, sizeof(e->options), f->a->entry_options, vs_strlen(f->a->entry_options));
    else
        vs_snprintf(e->options, sizeof(e->options), "root=%s rootfstype=virtiofs rw", tag);
    add(f, e, root);
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
    size_t before = f->l->n;
    root_title(f, root, title, sizeof(title));
    bare_entry(f, root, tag, title, "/vmlinuz", "/initrd.img", "/vmlinuz");
    bare_entry(f, root, tag, title, "/vmlinuz.old", "/initrd.img.old", "/vmlinuz.old");
    if (f->l->n > before)
        return;
    struct name_list ns = {0};
    char *kernel = a->port->alloc(a->port->ctx, 2 * (VFS_PATH_MAX + 1));
    if (kernel && !in_share(f, root, "/boot", f->resolved) && !name_list_read(a, f->resolved, &ns)) {
        char *initrd = kernel + VFS_PATH_MAX + 1;
        vs_sort(ns.v, ns.n, sizeof(ns.v[0]), kernels_first, NULL);
        for (size_t i = 0; i < ns.n && is_kernel(ns.v[i]); i++) {
            if (!join3(kernel, "/boot/", ns.v[i], "") && !join3(initrd, "/boot/initrd.img-", ns.v[i] + 8, ""))
                bare_entry(f, root, tag, title, kernel, initrd, kernel);
        }
    }
    name_list_free(a, &ns);
    a->port->free(a->port->ctx, kernel);
}

/* The removable-media loader (GRUB, shim, systemd-boot...): only where an
 * EFI program can be started. */
static void efi_fallback(struct finder *f, const char *root)
{
    struct boot_entry *e = slot(f);
    if (!f->a->chain || in_share(f, root, EFI_FALLBACK, f->resolved) || !is_regular(f->a, f->resolved))
        return;
    f->file = f->resolved;
    vs_memset(e, 0, sizeof(*e));
    e->kind = BE_EFI;
    be_copy(e->efi, sizeof(e->efi), f->resolved, vs_strlen(f->resolved));
    vs_snprintf(e->title, sizeof(e->title), "EFI loader %s", EFI_FALLBACK + 10);
    be_copy(e->id, sizeof(e->id), EFI_FALLBACK + 10, vs_strlen(EFI_FALLBACK + 10));
    add(f, e, root);
}

static void loader_conf(struct finder *f, const char *root)
{
    static const char *const where[] = {"/loader/loader.conf", "/boot/loader/loader.conf"};
    for (size_t w = 0; w < VS_ARRAY_SIZE(where) && !f->have_conf; w++) {
        char *text;
        size_t len;
        if (in_share(f, root, where[w], f->path) || read_text(f->a, f->path, &text, &len))
            continue;
        f->file = f->path;
        struct be_diag dg = {diag, f};
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
        if (default_candidate(f, l->v[i])) {
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
        size_t first = f.pick.offered;
        f.share = (unsigned)i;
        bls_dir(&f, mi.path, "/loader/entries", false);
        bls_dir(&f, mi.path, "/boot/loader/entries", true);
        uki_dir(&f, mi.path);
        bool ext = extlinux(&f, mi.path);
        if (f.pick.offered == first && !ext)
            bare_root(&f, mi.path, mi.tag);
        efi_fallback(&f, mi.path);
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
    if (!err && LOADS_DEVICETREE && devicetree_file(e)) {
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
    bool dflt = argc == 2 && same(argv[1], "--default");
    if (!dflt && !(argc == 3 && same(argv[1], "-e") && !parse_u64(argv[2], &n) && n >= 1)) {
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
