/* SPDX-License-Identifier: BSD-2-Clause */
/* mounts, mount TAG PATH [-o OPTS], umount PATH. */
#include "commands.h"
#include "numparse.h"
#include "vs_errno.h"

int cmd_mounts(struct app *a, int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        app_usage(a, "mounts", -VS_EINVAL, "usage: mounts");
        return -VS_EINVAL;
    }
    struct vfs_mount_info mi;
    for (int i = 0; i < VFS_MAX_MOUNTS; i++) {
        if (!vfs_mount_info(&a->vfs, i, &mi))
            continue;
        char owner[32] = "", timeout[24] = "", dbg[16] = "";
        if (mi.opts.owner)
            vs_snprintf(owner, sizeof(owner), ",owner=%u:%u", (unsigned)mi.opts.uid, (unsigned)mi.opts.gid);
        if (mi.opts.timeout_s)
            vs_snprintf(timeout, sizeof(timeout), ",timeout=%u", (unsigned)mi.opts.timeout_s);
        if (mi.opts.debug)
            vs_snprintf(dbg, sizeof(dbg), ",debug=%u", (unsigned)mi.opts.debug);
        app_printf(a, "%s on %s type virtiofs (%s%s%s%s%s%s%s, nodes %u, max %u)\n", mi.tag, mi.path,
                   mi.opts.ro ? "ro" : "rw", mi.opts.nocase ? ",nocase" : "", mi.opts.chroot ? ",chroot" : "", owner,
                   mi.opts.irq_msix ? ",irq=msix" : "", timeout, dbg, mi.nodes, mi.nodes_max);
    }
    for (int i = 0; i < a->ndevs; i++) {
        if (!a->devs[i].mounted)
            app_printf(a, "%s not mounted\n", a->devs[i].tag);
    }
    return 0;
}

static bool word_is(const char *w, size_t n, const char *lit)
{
    return vs_strlen(lit) == n && !vs_memcmp(w, lit, n);
}

/* "UID:GID" into o->uid and o->gid. */
static int parse_owner(char *s, struct vfs_mount_opts *o)
{
    char *colon = s;
    while (*colon && *colon != ':')
        colon++;
    if (!*colon)
        return -VS_EINVAL;
    *colon = 0;
    uint64_t uid, gid;
    int err = parse_u64(s, &uid) || parse_u64(colon + 1, &gid) || uid > UINT32_MAX || gid > UINT32_MAX;
    *colon = ':';
    if (err)
        return -VS_EINVAL;
    o->uid = (uint32_t)uid;
    o->gid = (uint32_t)gid;
    return 0;
}

/* Parses "ro,timeout=N,..." into o; returns 0 or -EINVAL with *bad set to
 * the offending option.  profile=small fills *small and points o at it. */
static int parse_opts(char *s, struct vfs_mount_opts *o, struct vfs_config *small, const char **bad)
{
    while (*s) {
        char *end = s;
        while (*end && *end != ',')
            end++;
        char next = *end;
        *end = 0;
        size_t n = (size_t)(end - s);
        uint64_t v;
        *bad = s;
        if (word_is(s, n, "ro")) {
            o->ro = true;
        } else if (word_is(s, n, "rw")) {
            o->ro = false;
        } else if (word_is(s, n, "nocase")) {
            o->nocase = true;
        } else if (word_is(s, n, "chroot")) {
            o->chroot = true;
        } else if (n > 6 && !vs_memcmp(s, "owner=", 6) && !parse_owner(s + 6, o)) {
            o->owner = true;
        } else if (n == 7 && !vs_memcmp(s, "debug=", 6) && s[6] >= '0' && s[6] <= '3') {
            o->debug = (uint8_t)(s[6] - '0');
        } else if (word_is(s, n, "irq=poll")) {
            o->irq_msix = false;
        } else if (word_is(s, n, "irq=msix")) {
            o->irq_msix = true;
        } else if (n > 8 && !vs_memcmp(s, "timeout=", 8) && !parse_u64(s + 8, &v) && v >= 1 && v <= 86400) {
            o->timeout_s = (uint32_t)v;
        } else if (word_is(s, n, "profile=small")) {
            vfs_config_small(small);
            o->config = small;
            o->debug = 0; /* the small profile keeps no statistics to trace with */
        } else if (word_is(s, n, "profile=default")) {
            o->config = 0;
        } else {
            return -VS_EINVAL;
        }
        s = next ? end + 1 : end;
    }
    return 0;
}

void app_mount_failed(struct app *a, const char *path, int err, bool msix)
{
    const char *why = err == -VS_ENOTSUP && msix
                          ? "irq=msix: no MSI-X on this transport or port (only the PC boot image over virtio-pci)"
                      /* virtiofsd cannot reach virtqueues in unshared guest memory and
                       * never answers: the mount's first request is what times out.
                       * A daemon that stopped or died (QEMU never reconnects) looks the same. */
                      : err == -VS_ETIMEDOUT
                          ? "the device never answered its first request, INIT; usually guest memory "
                            "not shared with virtiofsd: QEMU needs -object memory-backend-memfd,id=mem,"
                            "size=...,share=on with -numa node,memdev=mem or -machine memory-backend=mem; "
                            "else virtiofsd stopped or exited"
                          : 0;
    if (!why) {
        app_error(a, "mount", path, err);
        return;
    }
    app_printf(a, "error: mount: ");
    app_write_escaped(a, path, vs_strlen(path));
    app_printf(a, ": %s (%s)\n", vs_errno_name(err), why);
}

int cmd_mount(struct app *a, int argc, char **argv)
{
    struct vfs_mount_opts o = {0};
    struct vfs_config small = {0};
    o.debug = (uint8_t)a->debug;
    const char *bad = "";
    if (!(argc == 3 || (argc == 5 && argv[3][0] == '-' && argv[3][1] == 'o' && !argv[3][2]))) {
        app_usage(a, "mount", -VS_EINVAL, "usage: mount TAG PATH [-o OPTS]");
        return -VS_EINVAL;
    }
    if (argc == 5 && parse_opts(argv[4], &o, &small, &bad)) {
        app_printf(a, "error: mount: %s: EINVAL (unknown or bad option: ", argv[2]);
        app_write_escaped(a, bad, vs_strlen(bad));
        app_printf(a, ")\n");
        return -VS_EINVAL;
    }
    struct app_dev *d = 0;
    for (int i = 0; i < a->ndevs; i++) {
        if (vs_streq(a->devs[i].tag, argv[1]))
            d = &a->devs[i];
    }
    if (!d || d->mounted) {
        int err = d ? -VS_EBUSY : -VS_ENODEV;
        app_printf(a, "error: mount: ");
        app_write_escaped(a, argv[2], vs_strlen(argv[2]));
        app_printf(a, ": %s (%s)\n", vs_errno_name(err),
                   d ? "the tag is mounted already (every share is, at /TAG): umount it first"
                     : "no virtio-fs device has this tag (`mounts` lists them)");
        return err;
    }
    int err = vfs_mount(&a->vfs, d->tr, argv[2], &o);
    if (err) {
        app_mount_failed(a, argv[2], err, o.irq_msix);
        return err;
    }
    d->mounted = true;
    return 0;
}

int cmd_umount(struct app *a, int argc, char **argv)
{
    if (argc != 2) {
        app_usage(a, "umount", -VS_EINVAL, "usage: umount PATH");
        return -VS_EINVAL;
    }
    struct vfs_mount_info mi;
    int slot = -1;
    for (int i = 0; i < VFS_MAX_MOUNTS && slot < 0; i++) {
        if (vfs_mount_info(&a->vfs, i, &mi) && vs_streq(mi.path, argv[1]))
            slot = i;
    }
    if (slot < 0) {
        app_error(a, "umount", argv[1], -VS_EINVAL);
        return -VS_EINVAL;
    }
    for (int i = 0; i < a->ndevs; i++) {
        if (vs_streq(a->devs[i].tag, mi.tag))
            a->devs[i].mounted = false;
    }
    int err = vfs_umount(&a->vfs, argv[1]);
    if (err)
        app_error(a, "umount", argv[1], err);
    return err;
}
