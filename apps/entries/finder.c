/* SPDX-License-Identifier: BSD-2-Clause */
/* The helpers every kind of boot entry uses (finder.h). */
#include "finder.h"
#include "sharepath.h"
#include "vs_errno.h"

#define TEXT_MAX (1u << 20)

void finder_diag(void *ctx, unsigned line, const char *msg)
{
    struct finder *f = ctx;
    app_printf(f->a, "error: entries: ");
    app_write_escaped(f->a, f->file, vs_strlen(f->file));
    if (line)
        app_printf(f->a, ":%u", line);
    app_printf(f->a, ": EINVAL (%s: skipped)\n", msg);
}

void finder_diag_err(struct finder *f, const char *file, unsigned line, int err, const char *what)
{
    app_printf(f->a, "error: entries: ");
    app_write_escaped(f->a, file, vs_strlen(file));
    if (line)
        app_printf(f->a, ":%u", line);
    app_printf(f->a, ": %s (%s: %s; entry skipped)\n", vs_errno_name(err), what, vs_errno_text(err));
}

bool finder_ends_with(const char *s, const char *suffix)
{
    size_t n = vs_strlen(s), k = vs_strlen(suffix);
    return n >= k && !vs_memcmp(s + n - k, suffix, k);
}

int finder_in_share(struct finder *f, const char *root, const char *path, char *out)
{
    return share_resolve(&f->a->vfs, f->a->port, root, path, out);
}

int finder_join3(char *out, const char *x, const char *y, const char *z)
{
    size_t a = vs_strlen(x), b = vs_strlen(y), c = vs_strlen(z);
    if (a + b + c > VFS_PATH_MAX)
        return -VS_ENAMETOOLONG;
    vs_memcpy(out, x, a);
    vs_memcpy(out + a, y, b);
    vs_memcpy(out + a + b, z, c + 1);
    return 0;
}

int finder_read_text(struct app *a, const char *path, char **text, size_t *len)
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

int finder_read_at(struct app *a, const char *path, void *buf, size_t n, uint64_t off, size_t *got)
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

bool finder_is_regular(struct app *a, const char *path)
{
    struct vfs_stat st;
    return !vfs_stat(&a->vfs, path, &st) && (st.mode & VS_S_IFMT) == VS_S_IFREG;
}

/* Where the next entry is read; finder_add() offers it, else it is reused. */
struct boot_entry *finder_slot(struct finder *f)
{
    return f->pick.next;
}

bool finder_default_candidate(const struct finder *f, const struct boot_entry *e)
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

void finder_add(struct finder *f, struct boot_entry *e, const char *root)
{
    vs_memcpy(e->root, root, vs_strlen(root) + 1);
    be_copy(e->source, sizeof(e->source), f->file, vs_strlen(f->file));
    if (!e->title[0])
        vs_memcpy(e->title, e->id, sizeof(e->title));
    e->share = f->share;
    e->seq = (uint32_t)f->pick.offered;
    entry_pick_offer(&f->pick, finder_default_candidate(f, e));
}

/* Resolves path (as the entry wrote it) into the field dst (BE_PATH):
 * absolute paths from the share's root (then from its /boot when the entry
 * lives under /boot and the first is missing), relative ones from base. */
static int resolve(struct finder *f, const char *root, const char *base, bool under_boot, char *dst)
{
    char *p = f->path;
    int err = dst[0] == '/' ? finder_join3(p, "", "", dst) : finder_join3(p, base, "/", dst);
    if (!err)
        err = finder_in_share(f, root, p, f->resolved);
    if (err == -VS_ENOENT && under_boot && dst[0] == '/' && !finder_join3(p, "/boot", dst, ""))
        err = finder_in_share(f, root, p, f->resolved);
    if (!err && !finder_is_regular(f->a, f->resolved))
        err = -VS_EISDIR;
    if (!err && !be_copy(dst, BE_PATH, f->resolved, vs_strlen(f->resolved)))
        err = -VS_ENAMETOOLONG;
    return err;
}

bool finder_loads_devicetree(const struct boot_entry *e)
{
    /* Only the arm64 boot protocol takes a device tree from the loader. */
#if defined(__aarch64__)
    size_t n = vs_strlen(e->devicetree);
    return n && e->devicetree[n - 1] != '/';
#else
    (void)e;
    return false;
#endif
}

bool finder_resolve_files(struct finder *f, struct boot_entry *e, const char *root, const char *base, bool under_boot)
{
    int err;
    if (e->linux_path[0] && (err = resolve(f, root, base, under_boot, e->linux_path))) {
        finder_diag_err(f, f->file, e->line, err, e->linux_path);
        return false;
    }
    if (!e->linux_path[0] && e->efi[0] && (err = resolve(f, root, base, under_boot, e->efi))) {
        finder_diag_err(f, f->file, e->line, err, e->efi);
        return false;
    }
    for (unsigned i = 0; i < e->ninitrd; i++) {
        if ((err = resolve(f, root, base, under_boot, e->initrd[i]))) {
            finder_diag_err(f, f->file, e->initrd_line[i], err, e->initrd[i]);
            return false;
        }
    }
    if (finder_loads_devicetree(e) && (err = resolve(f, root, base, under_boot, e->devicetree))) {
        finder_diag_err(f, f->file, e->line, err, e->devicetree);
        return false;
    }
    return true;
}
