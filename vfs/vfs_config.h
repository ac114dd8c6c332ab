/* SPDX-License-Identifier: BSD-2-Clause */
/* What a namespace may use: the sizes of its tables and buffers, and
 * optionally the memory to take them from (littlefs's lfs_config).
 *
 * The caller fills a struct vfs_config, or leaves any field zero for its
 * default, and hands it to vfs_init_cfg (vfs.h), which copies it: the
 * struct itself need not outlive the call, the memory it points to must.
 * Every mount of the namespace uses these sizes.  The defaults are what
 * vfs_init gives: fast, about 1.1 MiB of DMA memory a mount and 140 KiB of
 * heap at most while walking, reading and listing names, plus the node
 * cache, which a READDIRPLUS listing can fill (docs/EMBEDDING.md).
 * vfs_config_small gives the small profile. */
#ifndef VFS_CONFIG_H
#define VFS_CONFIG_H

#include "vs_port.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vfs_config {
    /* Request slots per mount: the most requests in flight at once
     * (1..64; 0: 8).  Each costs slot_size() of DMA memory (about 5 KiB
     * with the default path_max, 1 KiB with 256). */
    uint32_t slots;
    /* Of those, how many one read or write keeps in flight (1..4, at most
     * slots; 0: min(4, slots)). */
    uint32_t inflight;
    /* The most data bytes one request carries (4096..1 MiB; 0: 1 MiB); the
     * device's INIT may lower it.  Without direct I/O (the port lacks
     * dma_addr or dma_hold) every byte moves through one bounce buffer of
     * this size in DMA memory, allocated at the first read, write,
     * READDIR or READLINK. */
    uint32_t max_io;
    /* Unreferenced nodes kept with their names and attributes before the
     * oldest is forgotten (1..65536; 0: 2048), about 300 bytes each. */
    uint32_t node_cache;
    /* Bytes one READDIR asks for, the buffer of each open directory stream
     * (1024..max_io; 0: min(64 KiB, max_io)).  A vfs_opendir_plus stream
     * (READDIRPLUS, where the device offers it) asks for and holds 4 times
     * as much, at most the device's max_pages. */
    uint32_t dir_buf;
    /* The longest path and symlink target (256..4096, at most max_io;
     * 0: 4096).  A walk takes 2 * (path_max + 1) bytes of scratch plus a
     * pointer per possible directory level (path_max / 2). */
    uint32_t path_max;
    /* Entries of each virtqueue (a power of two, 4..32768; 0: 256). */
    uint32_t queue_size;
    /* No request statistics and no tracing: vfs_mount_stats returns NULL,
     * vfs_set_debug does nothing, and a mount with opts.debug fails with
     * -EINVAL.  Saves about 23 KiB of heap a mount. */
    bool no_stats;

    /* Optional caller memory.  heap: every ordinary allocation of the
     * namespace comes from these heap_size bytes and port->alloc/free are
     * not used (they may be NULL); an allocation that does not fit fails
     * with -ENOMEM.  The memory is the namespace's until the last mount is
     * gone and nothing is open. */
    void *heap;
    size_t heap_size;
    /* dma: every DMA allocation comes from these dma_size bytes (4096-
     * aligned, a multiple of 4096, at most 4 MiB), whose device address is
     * dma_addr, and port->dma_alloc/dma_free are not used.  The device may
     * write any of it at any time, and a device that stopped answering
     * keeps its part for good: this memory must never be used for anything
     * else, not even after every umount. */
    void *dma;
    size_t dma_size;
    uint64_t dma_addr;
};

/* The small profile: read-only loading of a kernel and an initrd within
 * 64 KiB of heap and 64 KiB of DMA memory whatever the sizes of files and
 * directories (2 slots, 32 KiB requests, 16 nodes cached, 8 KiB READDIR,
 * 256-byte paths, 8-entry queues, no statistics).  Fills every size field
 * of cfg and leaves its memory fields alone. */
void vfs_config_small(struct vfs_config *cfg);

/* Fills in the defaults of cfg's zero fields and checks the combination.
 * Returns 0, or -EINVAL with *why (if why is not NULL) a sentence naming the
 * field and its rule ("dir_buf is above max_io"), a constant string. */
int vfs_config_resolve(struct vfs_config *cfg, const char **why);

/* The core's private view of caller memory (vfs/mem.c).  Not for callers. */
#define VFS_DMA_PAGES_MAX 1024
struct vfs_mem {
    const struct vs_port *outer;   /* the caller's port */
    uint8_t *heap;
    size_t heap_size;
    void *free_list;
    uint8_t *dma;
    uint64_t dma_addr;
    uint32_t dma_pages;
    uint8_t dma_used[VFS_DMA_PAGES_MAX / 8];
};

#ifdef __cplusplus
}
#endif

#endif
