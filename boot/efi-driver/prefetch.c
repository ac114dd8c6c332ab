/* SPDX-License-Identifier: BSD-2-Clause */
/* Directory prefetch.  Loaders open file after file of one directory (a
 * kernel and its initrd, a directory of drivers or of boot entries), and each
 * name not in the library's cache costs a LOOKUP.  When a second name in a row
 * had to be looked up in the same directory, the directory is listed once
 * with READDIRPLUS, whose replies bring every name's node and attributes into
 * the cache with the device's validity, so the names that follow need no
 * request.  Where a listing does not help (the device gives names no
 * validity, or the directory holds more than the cache keeps: a name of it
 * looked up again within PREFETCH_USEFUL_NS of the listing), the volume stops
 * listing. */
#include "vsfs.h"

/* As many entries as the library's node cache keeps by default. */
#define PREFETCH_MAX_ENTRIES 2048
#define PREFETCH_USEFUL_NS 1000000000ull

uint64_t vsfs_name_misses(struct vsfs_volume *vol)
{
    const struct vs_stats *s = vfs_mount_stats(&vol->vfs, 0);
    return s ? s->name_misses : 0;
}

static void list_dir(struct vsfs_volume *vol)
{
    struct vfs *v = &vol->vfs;
    int dd = vfs_opendir_plus(v, vol->pf_dir);
    if (dd < 0)
        return;
    struct vfs_dirent de;
    for (unsigned n = 0; n < PREFETCH_MAX_ENTRIES && vfs_readdir(v, dd, &de) > 0; n++)
        ;
    vfs_closedir(v, dd);
}

void vsfs_prefetch(struct vsfs_volume *vol, const char *path, uint64_t misses_before)
{
    if (vol->pf_off || vsfs_name_misses(vol) == misses_before || strlen(path) <= VSFS_MOUNT_LEN)
        return;
    size_t dlen = (size_t)(vsfs_basename(path) - path) - 1; /* without the '/' */
    const struct vs_port *port = vol->vfs.port;
    uint64_t now = port->now_ns(port->ctx);
    if (strlen(vol->pf_dir) != dlen || memcmp(vol->pf_dir, path, dlen) != 0) {
        memcpy(vol->pf_dir, path, dlen); /* a first miss here */
        vol->pf_dir[dlen] = 0;
        vol->pf_listed_ns = 0;
        return;
    }
    if (vol->pf_listed_ns && now - vol->pf_listed_ns < PREFETCH_USEFUL_NS) {
        vol->pf_off = true;
        return;
    }
    list_dir(vol);
    vol->pf_listed_ns = port->now_ns(port->ctx);
}
