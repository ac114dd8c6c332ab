/* SPDX-License-Identifier: BSD-2-Clause */
/* The namespace: mounting and unmounting shares at "/NAME". */
#include "vfs_internal.h"

/* The node table's buckets for a cache of n nodes. */
static uint32_t bucket_count(uint32_t n)
{
    uint32_t b = VN_BUCKETS_MIN;
    while (b < VN_BUCKETS_MAX && b < n / 2)
        b *= 2;
    return b;
}

/* m with its node table for configuration cfg, or NULL. */
static struct vfs_mount *new_mount(const struct vfs *v, const struct vfs_config *cfg)
{
    const struct vs_port *port = v->port;
    struct vfs_mount *m = port->alloc(port->ctx, sizeof(*m));
    if (!m)
        return 0;
    vs_memset(m, 0, sizeof(*m));
    m->cfg = *cfg;
    m->nbuckets = bucket_count(cfg->node_cache);
    m->buckets = port->alloc(port->ctx, 2 * sizeof(*m->buckets) * m->nbuckets);
    if (!m->buckets) {
        port->free(port->ctx, m);
        return 0;
    }
    m->dbuckets = m->buckets + m->nbuckets;
    vn_table_init(m);
    return m;
}

static void free_mount(const struct vs_port *port, struct vfs_mount *m)
{
    port->free(port->ctx, m->buckets);
    port->free(port->ctx, m);
}

static int mount_slot(struct vfs *v, const char *path)
{
    size_t len = vs_strlen(path);
    if (len < 2 || path[0] != '/' || len > VFS_NAME_MAX + 1)
        return -VS_EINVAL;
    for (size_t i = 1; i < len; i++) {
        if (path[i] == '/')
            return -VS_EINVAL;
    }
    if ((len == 2 && path[1] == '.') || (len == 3 && path[1] == '.' && path[2] == '.'))
        return -VS_EINVAL;
    int free = -1;
    for (int i = 0; i < VFS_MAX_MOUNTS; i++) {
        struct vfs_mount *m = v->mounts[i];
        if (m && !vs_memcmp(m->path, path, len + 1))
            return -VS_EBUSY;
        if (!m && free < 0)
            free = i;
    }
    return free < 0 ? -VS_ENOSPC : free;
}

/* Stops the device of m and frees the memory it was given, unless it may
 * still write that memory: a device that stopped answering is not reset
 * unless `force` (a reset would make the hypervisor wait for the same
 * silent daemon: QEMU blocks on vhost-user), and one that does not finish
 * its reset keeps its rings, slots and bounce buffer for good.  Frees m;
 * returns whether the reset completed. */
static bool stop_device(const struct vs_port *port, struct vfs_mount *m, bool force)
{
    const char *how;
    bool silent = m->conn.dead == -VS_ETIMEDOUT, reset = (!silent || force) && viofs_reset(&m->dev);
    if (reset) {
        fconn_fini(&m->conn);
        how = "device reset";
    } else {
        viofs_abandon(&m->dev);
        fconn_abandon(&m->conn);
        how = silent && !force ? "device not answering, left as it is"
                               : "device did not finish its reset, left as it is";
    }
    if (m->conn.trace)
        fconn_log(&m->conn, how, 0, 0);
    free_mount(port, m);
    return reset;
}

int vfs_mount(struct vfs *v, const struct vs_transport *tr, const char *path,
              const struct vfs_mount_opts *opts)
{
    const struct vs_port *port = v->port;
    int slot = mount_slot(v, path);
    if (slot < 0)
        return slot;
    struct vfs_config cfg = v->cfg;
    if (opts && opts->config) {
        cfg = *opts->config;
        cfg.path_max = v->cfg.path_max; /* walks span mounts */
        cfg.heap = v->cfg.heap, cfg.heap_size = v->cfg.heap_size;
        cfg.dma = v->cfg.dma, cfg.dma_size = v->cfg.dma_size, cfg.dma_addr = v->cfg.dma_addr;
        const char *why;
        if (vfs_config_resolve(&cfg, &why)) {
            if (port->log)
                port->log(port->ctx, why);
            return -VS_EINVAL;
        }
    }
    if (opts && opts->debug && cfg.no_stats)
        return -VS_EINVAL; /* nothing to trace with */
    struct vfs_mount *m = new_mount(v, &cfg);
    if (!m)
        return -VS_ENOMEM;
    vs_memcpy(m->path, path, vs_strlen(path) + 1);
    if (opts)
        m->opts = *opts;
    m->opts.config = &m->cfg;
    if (!m->opts.timeout_s)
        m->opts.timeout_s = VFS_DEFAULT_TIMEOUT_S;

    int err = viofs_init(&m->dev, port, tr, (uint16_t)VS_MIN(cfg.queue_size, 32768u), m->opts.irq_msix);
    if (err)
        goto out_free;
    struct fconn_limits lim = {
        .slots = cfg.slots, .max_io = cfg.max_io, .name2_max = cfg.path_max, .stats = !cfg.no_stats,
    };
    err = fconn_init(&m->conn, port, &m->dev, &lim, (uint64_t)m->opts.timeout_s * 1000000000ull);
    if (err)
        goto reset;
    m->conn.name = m->path;
    m->conn.trace = m->opts.debug;
    if (m->conn.stats)
        vs_stats_reset(m->conn.stats, port->now_ns(port->ctx));

    err = fconn_handshake(&m->conn);
    if (!err)
        err = vn_getattr(m, &m->root);
    if (m->conn.trace)
        fconn_note_init(&m->conn, m->dev.tag, err);
    if (err) {
        stop_device(port, m, false);
        return err;
    }
    v->mounts[slot] = m;
    v->nmounts++;
    return 0;

reset:
    viofs_reset(&m->dev); /* nothing was sent: only the rings are the device's */
out_free:
    free_mount(port, m);
    return err;
}

/* Closes every handle on m (RELEASE/RELEASEDIR are sent by vfs_close). */
static void close_files_of(struct vfs *v, struct vfs_mount *m)
{
    for (int fd = 0; fd < VFS_MAX_FILES; fd++) {
        if (v->files[fd] && v->files[fd]->m == m)
            vfs_close(v, fd);
    }
}

static bool unmount(struct vfs *v, int slot, bool force_reset)
{
    struct vfs_mount *m = v->mounts[slot];
    close_files_of(v, m);
    vn_forget_all(m);
    fconn_drain_forgets(&m->conn);
    fconn_drain(&m->conn);
    if (m->conn.dead != -VS_ETIMEDOUT)
        fconn_destroy(&m->conn); /* the device is reset whatever it answers */
    if (m->conn.trace)
        fconn_log(&m->conn, "unmounting", 0, 0);
    v->mounts[slot] = 0;
    v->nmounts--;
    walk_scratch_drop(v);
    return stop_device(v->port, m, force_reset);
}

static int find_mount(const struct vfs *v, const char *path)
{
    for (int i = 0; i < VFS_MAX_MOUNTS; i++) {
        const struct vfs_mount *m = v->mounts[i];
        if (m && !vs_memcmp(m->path, path, vs_strlen(path) + 1))
            return i;
    }
    return -VS_EINVAL;
}

int vfs_umount(struct vfs *v, const char *path)
{
    int i = find_mount(v, path);
    if (i < 0)
        return i;
    unmount(v, i, false);
    return 0;
}

int vfs_umount_reset(struct vfs *v, const char *path)
{
    int i = find_mount(v, path);
    if (i < 0)
        return i;
    return unmount(v, i, true) ? 1 : 0;
}

void vfs_umount_all(struct vfs *v)
{
    for (int i = 0; i < VFS_MAX_MOUNTS; i++) {
        if (v->mounts[i])
            unmount(v, i, false);
    }
}

bool vfs_mount_info(const struct vfs *v, int i, struct vfs_mount_info *info)
{
    if (i < 0 || i >= VFS_MAX_MOUNTS || !v->mounts[i])
        return false;
    info->path = v->mounts[i]->path;
    info->tag = v->mounts[i]->dev.tag;
    info->opts = v->mounts[i]->opts;
    info->nodes = v->mounts[i]->nodes;
    info->nodes_max = v->mounts[i]->nodes_max;
    info->features = v->mounts[i]->dev.features;
    info->kicks = v->mounts[i]->dev.req.kicks;
    info->kicks_spared = v->mounts[i]->dev.req.kicks_spared;
    info->nudges = v->mounts[i]->dev.req.nudges + v->mounts[i]->dev.hiprio.nudges;
    return true;
}
