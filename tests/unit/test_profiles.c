/* SPDX-License-Identifier: BSD-2-Clause */
/* The configuration (vfs_config.h): defaults, validation, the small profile
 * within its memory bounds, and a mount on caller memory with no allocator,
 * each running the fixed workload of `make check-ports` against the
 * simulated device: mount, walk, read 64 MiB, list 3000 entries, unmount.
 *
 * `test_profiles --report` prints each profile's heap and DMA high-water
 * marks of that workload instead (make check-ports). */
#include <stdlib.h>
#include <string.h>

#include "simenv.h"
#include "simfs_internal.h"

#define W_BIG (64u << 20)
#define W_LIST 3000
#define W_DEPTH 100             /* /sim/w/z/z/.../z: within the small profile's 256-byte paths */
#define KiB 1024u

/* The workload's tree, added to the standard one before mounting. */
static void add_workload_tree(struct simfs *fs)
{
    int w = sfs_add_node(fs, 0, "w", VS_S_IFDIR | 0755, 4096);
    sfs_add_node(fs, w, "big", VS_S_IFREG | 0644, W_BIG);
    int list = sfs_add_node(fs, w, "list", VS_S_IFDIR | 0755, 4096);
    char name[24];
    for (int k = 0; k < W_LIST; k++) {
        snprintf(name, sizeof name, "entry%04d", k);
        sfs_add_node(fs, list, name, VS_S_IFREG | 0644, (uint64_t)k);
    }
    int d = w;
    for (int k = 0; k < W_DEPTH; k++)
        d = sfs_add_node(fs, d, "z", VS_S_IFDIR | 0755, 4096);
    sfs_add_node(fs, d, "k", VS_S_IFREG | 0644, 7);
}

/* Walks, reads W_BIG bytes in 1 MiB calls (spot-checking each), lists
 * W_LIST entries; the mount is up. */
static bool workload(struct env *e)
{
    char path[300] = "/sim/w";
    for (int k = 0; k < W_DEPTH; k++)
        strcat(path, "/z");
    strcat(path, "/k");
    struct vfs_stat st;
    int err = vfs_stat(&e->v, path, &st);
    REQUIRE(err == 0 && st.size == 7, "stat of a %d-level path = %d (%s)", W_DEPTH, err, vs_errno_name(err));
    err = vfs_stat(&e->v, "/sim/deep/d01/d02/d03/d04/d05/d06/d07/d08/d09/d10/d11/d12/d13/d14/d15/d16/d17/d18/"
                          "d19/d20/d21/d22/d23/d24/d25/d26/d27/d28/d29/d30/bottom.txt", &st);
    REQUIRE(err == 0, "stat deep/.../bottom.txt = %d", err);

    static uint8_t buf[1u << 20];
    const struct simfs_node *n = node(e, "w/big");
    int fd = vfs_open(&e->v, "/sim/w/big", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open w/big = %d", fd);
    uint64_t off = 0;
    for (;;) {
        int64_t got = vfs_read(&e->v, fd, buf, sizeof buf);
        REQUIRE(got >= 0, "read at %llu = %lld", (unsigned long long)off, (long long)got);
        if (got == 0)
            break;
        for (int64_t i = 0; i < got; i += 4093) {
            REQUIRE(buf[i] == simfs_byte(n, off + (uint64_t)i), "byte %llu differs",
                    (unsigned long long)(off + (uint64_t)i));
        }
        REQUIRE(buf[got - 1] == simfs_byte(n, off + (uint64_t)got - 1), "last byte of a read differs");
        off += (uint64_t)got;
    }
    REQUIRE(vfs_close(&e->v, fd) == 0, "close w/big");
    REQUIRE(off == W_BIG, "read %llu bytes of %u", (unsigned long long)off, W_BIG);

    int dd = vfs_opendir(&e->v, "/sim/w/list");
    REQUIRE(dd >= 0, "opendir w/list = %d", dd);
    struct vfs_dirent de;
    unsigned listed = 0;
    while ((err = vfs_readdir(&e->v, dd, &de)) == 1)
        listed += strncmp(de.name, "entry", 5) == 0;
    REQUIRE(vfs_closedir(&e->v, dd) == 0 && err == 0, "readdir = %d", err);
    REQUIRE(listed == W_LIST, "listed %u entries of %u", listed, W_LIST);
    return true;
}

/* A fresh environment whose namespace has cfg (on port, or the hostport's
 * own when NULL); the high-water marks count from here. */
static bool env_cfg(struct env *e, const struct vfs_config *cfg, const struct vs_port *port)
{
    env_init(e);
    add_workload_tree(&e->fs);
    int err = vfs_init_cfg(&e->v, port ? port : &e->hp.port, cfg);
    REQUIRE(err == 0, "vfs_init_cfg = %d", err);
    hostport_reset_peaks(&e->hp);
    return true;
}

static bool run_workload(struct env *e)
{
    CHECK(env_mount(e));
    CHECK(workload(e));
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount");
    return true;
}

/* ------------------------------------------------------------ cases */

static bool t_defaults(struct env *e)
{
    (void)e;
    struct vfs_config c;
    memset(&c, 0, sizeof c);
    const char *why_not = "x";
    REQUIRE(vfs_config_resolve(&c, &why_not) == 0 && why_not == NULL, "zero config refused: %s", why_not);
    REQUIRE(c.slots == 8 && c.inflight == 4 && c.max_io == (1u << 20) && c.node_cache == 2048 &&
                c.dir_buf == 64 * KiB && c.path_max == 4096 && c.queue_size == 256 && !c.no_stats,
            "defaults %u slots, %u in flight, max_io %u, %u nodes, dir_buf %u, path_max %u, queue %u", c.slots,
            c.inflight, c.max_io, c.node_cache, c.dir_buf, c.path_max, c.queue_size);
    memset(&c, 0, sizeof c);
    c.slots = 2;
    c.max_io = 16 * KiB;
    REQUIRE(vfs_config_resolve(&c, NULL) == 0 && c.inflight == 2 && c.dir_buf == 16 * KiB,
            "inflight %u and dir_buf %u follow slots and max_io", c.inflight, c.dir_buf);
    return true;
}

static bool refused(struct vfs_config c, const char *field)
{
    const char *reason = NULL;
    int err = vfs_config_resolve(&c, &reason);
    REQUIRE(err == -VS_EINVAL && reason && strstr(reason, field), "%s: %d, reason \"%s\"", field, err,
            reason ? reason : "(none)");
    return true;
}

static bool t_validation(struct env *e)
{
    (void)e;
    struct vfs_config c;
    memset(&c, 0, sizeof c);
    static uint8_t mem[8192] __attribute__((aligned(4096)));
    struct vfs_config b = c;
    b.slots = 65;
    CHECK(refused(b, "slots"));
    b = c, b.slots = 2, b.inflight = 3;
    CHECK(refused(b, "inflight"));
    b = c, b.max_io = 2048;
    CHECK(refused(b, "max_io"));
    b = c, b.max_io = (1u << 20) + 4096;
    CHECK(refused(b, "max_io"));
    b = c, b.max_io = 32 * KiB, b.dir_buf = 64 * KiB;
    CHECK(refused(b, "dir_buf"));
    b = c, b.path_max = 100;
    CHECK(refused(b, "path_max"));
    b = c, b.max_io = 4096, b.dir_buf = 4096, b.path_max = 4096 + 1;
    CHECK(refused(b, "path_max"));
    b = c, b.queue_size = 48;
    CHECK(refused(b, "queue_size"));
    b = c, b.node_cache = 100000;
    CHECK(refused(b, "node_cache"));
    b = c, b.heap = mem;
    CHECK(refused(b, "heap"));
    b = c, b.dma = mem + 100, b.dma_size = 4096;
    CHECK(refused(b, "dma"));
    b = c, b.dma = mem, b.dma_size = 8192, b.dma_addr = 12;
    CHECK(refused(b, "dma"));

    /* A port without an allocator needs the configuration's memory. */
    struct hostport hp;
    hostport_init(&hp);
    struct vs_port bare = hp.port;
    bare.alloc = NULL, bare.free = NULL;
    struct vfs v;
    REQUIRE(vfs_init_cfg(&v, &bare, NULL) == -VS_EINVAL, "no alloc and no heap accepted");
    bare = hp.port;
    bare.dma_alloc = NULL, bare.dma_free = NULL;
    REQUIRE(vfs_init_cfg(&v, &bare, NULL) == -VS_EINVAL, "no dma_alloc and no dma accepted");
    b = c, b.dma = mem, b.dma_size = sizeof mem, b.dma_addr = (uintptr_t)mem;
    REQUIRE(vfs_init_cfg(&v, &bare, &b) == 0, "no dma_alloc with dma refused");
    hostport_fini(&hp);
    return true;
}

/* Marks of the last workload run, for the report. */
static size_t last_heap, last_dma;

static bool t_default_profile(struct env *e)
{
    CHECK(env_cfg(e, NULL, NULL));
    CHECK(run_workload(e));
    last_heap = e->hp.heap_peak, last_dma = e->hp.dma_peak;
    /* Statistics are on; reads went straight to the caller's buffer. */
    REQUIRE(e->hp.dma_peak < 1200 * KiB, "DMA high-water %zu bytes", e->hp.dma_peak);
    return true;
}

static bool small_profile(struct env *e, bool direct)
{
    struct vfs_config c;
    memset(&c, 0, sizeof c);
    vfs_config_small(&c);
    CHECK(env_cfg(e, &c, NULL));
    e->hp.dma_reachable = direct;
    CHECK(env_mount(e));
    REQUIRE(vfs_mount_stats(&e->v, 0) == NULL, "statistics kept with no_stats");
    CHECK(workload(e));
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount");
    last_heap = e->hp.heap_peak, last_dma = e->hp.dma_peak;
    REQUIRE(e->hp.heap_peak <= 64 * KiB, "heap high-water %zu bytes", e->hp.heap_peak);
    REQUIRE(e->hp.dma_peak <= 64 * KiB, "DMA high-water %zu bytes", e->hp.dma_peak);
    /* Requests of at most 32 KiB, two in flight. */
    REQUIRE(e->fs.ops[FUSE_READ] >= W_BIG / (32 * KiB), "%lu READs for %u bytes", e->fs.ops[FUSE_READ], W_BIG);
    return true;
}

static bool t_small_bounced(struct env *e) { return small_profile(e, false); }
static bool t_small_direct(struct env *e) { return small_profile(e, true); }

static bool t_small_no_trace(struct env *e)
{
    struct vfs_config c;
    memset(&c, 0, sizeof c);
    vfs_config_small(&c);
    CHECK(env_cfg(e, &c, NULL));
    e->opts.debug = VS_TRACE_EVENTS;
    int err = vfs_mount(&e->v, &e->d.tr, "/sim", &e->opts);
    REQUIRE(err == -VS_EINVAL, "a traced mount without statistics = %d", err);
    e->opts.debug = 0;
    CHECK(env_mount(e));
    vfs_set_debug(&e->v, -1, VS_TRACE_REQUESTS);
    struct vfs_stat st;
    REQUIRE(vfs_stat(&e->v, "/sim/hello.txt", &st) == 0, "stat");
    REQUIRE(vfs_mount_stats(&e->v, 0) == NULL, "statistics appeared");
    return true;
}

/* Caller memory: the workload with no allocator in the port at all. */
static uint8_t static_heap[64 * KiB] __attribute__((aligned(16)));
static uint8_t static_dma[64 * KiB] __attribute__((aligned(4096)));
static struct vs_port bare_port;

static bool static_env(struct env *e, size_t heap_size)
{
    struct vfs_config c;
    memset(&c, 0, sizeof c);
    vfs_config_small(&c);
    c.heap = static_heap, c.heap_size = heap_size;
    c.dma = static_dma, c.dma_size = sizeof static_dma, c.dma_addr = (uintptr_t)static_dma;
    env_init(e); /* the hostport for the simulated device; the core gets bare_port */
    bare_port = e->hp.port;
    bare_port.alloc = NULL, bare_port.free = NULL, bare_port.dma_alloc = NULL, bare_port.dma_free = NULL;
    add_workload_tree(&e->fs);
    int err = vfs_init_cfg(&e->v, &bare_port, &c);
    REQUIRE(err == 0, "vfs_init_cfg = %d", err);
    return true;
}

static bool t_static(struct env *e)
{
    CHECK(static_env(e, sizeof static_heap));
    CHECK(run_workload(e));
    REQUIRE(e->hp.alloc_calls == 0 && e->hp.dma_calls == 0, "the port was asked for memory: %lu alloc, %lu dma",
            e->hp.alloc_calls, e->hp.dma_calls);
    /* Everything came back: a second mount fits again. */
    CHECK(env_mount(e));
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount");
    return true;
}

static bool t_static_too_small(struct env *e)
{
    CHECK(static_env(e, 512));
    int err = vfs_mount(&e->v, &e->d.tr, "/sim", &e->opts);
    REQUIRE(err == -VS_ENOMEM, "mount in 512 bytes of heap = %d", err);
    e->check_counts = false; /* nothing was mounted */
    return true;
}

/* One slot: a detached RELEASE holds it until its answer. */
static bool t_one_slot(struct env *e)
{
    struct vfs_config c;
    memset(&c, 0, sizeof c);
    c.slots = 1;
    CHECK(env_cfg(e, &c, NULL));
    CHECK(env_mount(e));
    for (int i = 0; i < 3; i++) {
        int fd = vfs_open(&e->v, "/sim/big.bin", VFS_O_RDONLY, 0);
        static uint8_t buf[SIMFS_BIG_SIZE];
        REQUIRE(fd >= 0 && vfs_read(&e->v, fd, buf, sizeof buf) == SIMFS_BIG_SIZE, "read big.bin");
        CHECK(same_content(node(e, "big.bin"), buf, 0, sizeof buf, "big.bin"));
        REQUIRE(vfs_close(&e->v, fd) == 0, "close");
    }
    return true;
}

/* A mount's own sizes: the small profile on a default namespace. */
static bool t_mount_config(struct env *e)
{
    CHECK(env_cfg(e, NULL, NULL));
    struct vfs_config c;
    memset(&c, 0, sizeof c);
    c.max_io = 2048;
    e->opts.config = &c;
    int err = vfs_mount(&e->v, &e->d.tr, "/sim", &e->opts);
    REQUIRE(err == -VS_EINVAL, "a mount with max_io 2048 = %d", err);
    vfs_config_small(&c);
    CHECK(env_mount(e));
    e->opts.config = NULL;
    REQUIRE(vfs_mount_stats(&e->v, 0) == NULL, "the mount kept statistics");
    CHECK(workload(e));
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount");
    REQUIRE(e->hp.heap_peak <= 64 * KiB && e->hp.dma_peak <= 64 * KiB, "heap %zu, DMA %zu bytes",
            e->hp.heap_peak, e->hp.dma_peak);
    REQUIRE(e->fs.ops[FUSE_READ] >= W_BIG / (32 * KiB), "%lu READs", e->fs.ops[FUSE_READ]);
    return true;
}

static void report(const char *name, bool (*fn)(struct env *))
{
    static struct env e;
    memset(&e, 0, sizeof e);
    last_heap = last_dma = 0;
    bool ok = fn(&e);
    if (e.hp.port.alloc)
        ok = env_down(&e, ok);
    if (ok)
        printf("profile %-15s heap %7zu B  DMA %8zu B\n", name, last_heap, last_dma);
    else
        printf("profile %-15s failed: %s\n", name, why);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--report")) {
        report("default", t_default_profile);
        report("small", t_small_bounced);
        return 0;
    }
    run("config: zero fields are the defaults (8 slots, 4 in flight, 1 MiB, 2048 nodes, 64 KiB, 4096, 256)",
        t_defaults);
    run("config: impossible combinations are -EINVAL with a reason naming the field", t_validation);
    run("default profile: mount, walk, read 64 MiB, list 3000 entries, umount", t_default_profile);
    run("small profile, bounced: the workload within 64 KiB of heap and 64 KiB of DMA memory", t_small_bounced);
    run("small profile, direct I/O: the workload within 64 KiB of heap and 64 KiB of DMA memory", t_small_direct);
    run("small profile: no statistics, no tracing", t_small_no_trace);
    run("caller memory: the workload on static heap and DMA memory, no allocator in the port", t_static);
    run("caller memory: a heap too small for a mount gives ENOMEM", t_static_too_small);
    run("one slot: reads and detached RELEASEs share it", t_one_slot);
    run("a mount's own sizes (vfs_mount_opts.config): the small profile beside the defaults", t_mount_config);
    printf("%d cases, %d failed\n", cases, failures);
    return failures ? 1 : 0;
}
