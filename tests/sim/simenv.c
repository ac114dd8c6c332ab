/* SPDX-License-Identifier: BSD-2-Clause */
/* The fixture of the VFS tests (see simenv.h). */
#include "simenv.h"

#include <stdlib.h>
#include <string.h>

#include "vfs_internal.h"
#include "vs_errno.h"

void env_init(struct env *e)
{
    memset(e, 0, sizeof(*e));
    hostport_init(&e->hp);
    e->mark = hostport_mark(&e->hp);
    simfs_init(&e->fs);
    simdev_init(&e->d, &e->hp);
    simdev_set_handler(&e->d, simfs_handle, &e->fs);
    e->hp.relax_hook = simdev_relax;
    e->hp.relax_arg = &e->d;
    vfs_init(&e->v, &e->hp.port);
    e->opts.timeout_s = 5;
    e->check_counts = true;
}

bool env_mount(struct env *e)
{
    int err = vfs_mount(&e->v, &e->d.tr, "/sim", &e->opts);
    REQUIRE(err == 0, "vfs_mount = %d (%s)", err, vs_errno_name(err));
    return true;
}

bool env_up(struct env *e)
{
    env_init(e);
    return env_mount(e);
}

bool env_down(struct env *e, bool ok)
{
    char leak[300];
    bool mounted = false, timed_out = false;
    for (int i = 0; i < VFS_MAX_MOUNTS; i++) {
        mounted |= e->v.mounts[i] != NULL;
        timed_out |= e->v.mounts[i] && e->v.mounts[i]->conn.dead == -VS_ETIMEDOUT;
    }
    if (mounted)
        vfs_umount_all(&e->v);
    /* A device that stopped answering is neither reset nor given back the
     * DMA memory it may still write: only ordinary memory must be back. */
    if (ok && timed_out && e->d.status == 0) {
        snprintf(why, sizeof why, "a device that stopped answering was reset at umount");
        ok = false;
    }
    struct hostport_mark want = e->mark;
    if (timed_out || e->abandoned) {
        want.dma_blocks = e->hp.dma_blocks;
        want.dma_bytes = e->hp.dma_bytes;
    }
    bool same = hostport_same(&e->hp, want, leak, sizeof leak);
    if (ok && !same) {
        snprintf(why, sizeof why, "after umount: %s", leak);
        ok = false;
    }
    if (ok && e->d.driver_errors) {
        snprintf(why, sizeof why, "the device saw a driver error: %s", e->d.driver_error);
        ok = false;
    }
    if (ok && e->fs.bugs) {
        snprintf(why, sizeof why, "the FUSE server saw a client bug: %s", e->fs.bug);
        ok = false;
    }
    if (ok && e->check_counts && e->fs.inits) {
        const char *name = "";
        unsigned n = simfs_nonzero_lookups(&e->fs, &name);
        if (n || e->fs.nhandles || e->fs.destroys == 0) {
            snprintf(why, sizeof why,
                     "after umount: %u nodes with lookups left (first \"%.40s\"), %u handles open, %lu DESTROY",
                     n, name, e->fs.nhandles, e->fs.destroys);
            ok = false;
        }
    }
    simdev_fini(&e->d);
    simfs_fini(&e->fs);
    hostport_fini(&e->hp);
    return ok;
}

void run(const char *name, bool (*fn)(struct env *))
{
    static struct env e;
    why[0] = 0;
    memset(&e, 0, sizeof(e));
    bool ok = fn(&e);
    if (e.hp.port.alloc) /* the case set the environment up */
        ok = env_down(&e, ok);
    check(name, ok, why);
}

double secs_since(uint64_t t0)
{
    return (double)(hostport_now_ns() - t0) / 1e9;
}

const struct simfs_node *node(struct env *e, const char *rel)
{
    const struct simfs_node *n = simfs_find(&e->fs, rel);
    if (!n) {
        fprintf(stderr, "test bug: no %s in the tree\n", rel);
        abort();
    }
    return n;
}

/* Compares buf with bytes [off, off + len) of node n. */
bool same_content(const struct simfs_node *n, const uint8_t *buf, uint64_t off, size_t len, const char *what)
{
    for (size_t i = 0; i < len; i++)
        REQUIRE(buf[i] == simfs_byte(n, off + i), "%s: byte %llu is %#x, want %#x", what,
                (unsigned long long)(off + i), buf[i], simfs_byte(n, off + i));
    return true;
}
