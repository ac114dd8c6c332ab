/* SPDX-License-Identifier: BSD-2-Clause */
/* The namespace's configuration: defaults, the small profile, validation. */
#include "vfs_internal.h"

#define DEF_SLOTS 8
#define DEF_MAX_IO (1u << 20)
#define DEF_NODE_CACHE 2048
#define DEF_DIR_BUF (64u << 10)
#define DEF_QUEUE 256

void vfs_config_small(struct vfs_config *cfg)
{
    cfg->slots = 2;
    cfg->inflight = 2;
    cfg->max_io = 32u << 10;
    cfg->node_cache = 16;
    cfg->dir_buf = 8u << 10;
    cfg->path_max = 256;
    cfg->queue_size = 8;
    cfg->no_stats = true;
}

static uint32_t or_default(uint32_t v, uint32_t def)
{
    return v ? v : def;
}

static const char *check(const struct vfs_config *c)
{
    if (c->slots > FCONN_SLOTS_MAX)
        return "slots is above 64";
    if (c->inflight > VS_MIN(c->slots, (uint32_t)FCONN_WINDOW_MAX))
        return "inflight is above 4 or above slots";
    if (c->max_io < 4096 || c->max_io > FCONN_MAX_IO)
        return "max_io is not within 4096..1 MiB";
    if (c->node_cache > 65536)
        return "node_cache is above 65536";
    if (c->dir_buf < 1024 || c->dir_buf > c->max_io)
        return "dir_buf is not within 1024..max_io";
    if (c->path_max < 256 || c->path_max > VFS_PATH_MAX || c->path_max > c->max_io)
        return "path_max is not within 256..4096 and at most max_io";
    if (c->queue_size < VIOFS_MIN_QUEUE || c->queue_size > 32768 || (c->queue_size & (c->queue_size - 1)))
        return "queue_size is not a power of two within 4..32768";
    if (!c->heap != !c->heap_size)
        return "heap and heap_size go together";
    if (!c->dma != !c->dma_size)
        return "dma and dma_size go together";
    if (((uintptr_t)c->dma | c->dma_size | c->dma_addr) & 4095)
        return "dma, dma_size and dma_addr must be multiples of 4096";
    if (c->dma_size > (size_t)VFS_DMA_PAGES_MAX * 4096)
        return "dma_size is above 4 MiB";
    return 0;
}

int vfs_config_resolve(struct vfs_config *c, const char **why)
{
    c->slots = or_default(c->slots, DEF_SLOTS);
    c->inflight = or_default(c->inflight, VS_MIN(c->slots, (uint32_t)FCONN_WINDOW_MAX));
    c->max_io = or_default(c->max_io, DEF_MAX_IO);
    c->node_cache = or_default(c->node_cache, DEF_NODE_CACHE);
    c->dir_buf = or_default(c->dir_buf, VS_MIN(c->max_io, DEF_DIR_BUF));
    c->path_max = or_default(c->path_max, VFS_PATH_MAX);
    c->queue_size = or_default(c->queue_size, DEF_QUEUE);
    const char *bad = check(c);
    if (why)
        *why = bad;
    return bad ? -VS_EINVAL : 0;
}

int vfs_init_cfg(struct vfs *v, const struct vs_port *port, const struct vfs_config *cfg)
{
    vs_memset(v, 0, sizeof(*v));
    v->port = port;
    if (cfg)
        v->cfg = *cfg;
    const char *why;
    int err = vfs_config_resolve(&v->cfg, &why);
    if (!err && !v->cfg.heap && (!port->alloc || !port->free))
        why = "the port has no alloc/free and the configuration no heap", err = -VS_EINVAL;
    if (!err && !v->cfg.dma && (!port->dma_alloc || !port->dma_free))
        why = "the port has no dma_alloc/dma_free and the configuration no dma", err = -VS_EINVAL;
    if (err) {
        if (port->log)
            port->log(port->ctx, why);
        return err;
    }
    if (v->cfg.heap || v->cfg.dma)
        v->port = vfs_mem_init(&v->mem, &v->own_port, port, &v->cfg);
    return 0;
}

void vfs_init(struct vfs *v, const struct vs_port *port)
{
    vfs_init_cfg(v, port, 0); /* the defaults cannot fail */
}
