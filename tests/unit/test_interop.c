/* SPDX-License-Identifier: BSD-2-Clause */
/* Daemons that do less than QEMU 7.2's virtiofsd: one that hands DESTROY
 * back with nothing written or never answers it (the Rust virtiofsd does
 * not reply to DESTROY), and one without CREATE or FSYNC (ENOSYS): each is
 * met as Linux meets it, and the fallback is remembered. */
#include <string.h>

#include "simenv.h"
#include "vfs_internal.h"
#include "vs_errno.h"

/* How the wrapped server treats DESTROY. */
enum destroy_mode { DESTROY_EMPTY, DESTROY_NEVER };

struct quiet {
    struct simfs *fs;
    enum destroy_mode mode;
    unsigned long destroys;
};

static uint32_t quiet_handler(void *ctx, uint16_t q, const uint8_t *req, uint32_t req_len, uint8_t *reply,
                              uint32_t writable, uint32_t reply_max)
{
    struct quiet *qt = ctx;
    const struct fuse_in_header *in = (const struct fuse_in_header *)req;
    if (q == 1 && req_len >= sizeof(*in) && in->opcode == FUSE_DESTROY) {
        qt->destroys++;
        return qt->mode == DESTROY_EMPTY ? 0 : SIMDEV_NO_REPLY;
    }
    return simfs_handle(qt->fs, q, req, req_len, reply, writable, reply_max);
}

static bool destroy_case(struct env *e, enum destroy_mode mode)
{
    static struct quiet qt;
    env_init(e);
    qt = (struct quiet){.fs = &e->fs, .mode = mode};
    simdev_set_handler(&e->d, quiet_handler, &qt);
    for (int round = 0; round < 3; round++) {
        CHECK(env_mount(e));
        struct vfs_stat st;
        REQUIRE(vfs_stat(&e->v, "/sim/dir/inner.txt", &st) == 0, "stat, round %d", round);
        uint64_t t0 = hostport_now_ns();
        REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount, round %d", round);
        double secs = secs_since(t0);
        REQUIRE(qt.destroys == (unsigned long)round + 1, "%lu DESTROYs after %d umounts", qt.destroys, round + 1);
        /* Never answered: a moment's wait, not the 5 s timeout; either way
         * the device is reset, not left alone as a silent one would be. */
        REQUIRE(secs < (mode == DESTROY_EMPTY ? 0.5 : 2.0), "umount took %.2f s", secs);
        REQUIRE(e->d.status == 0, "the device was not reset at umount (status %#x)", e->d.status);
    }
    e->check_counts = false; /* the server never saw DESTROY: it counts on */
    return true;
}

static bool t_destroy_empty(struct env *e) { return destroy_case(e, DESTROY_EMPTY); }
static bool t_destroy_never(struct env *e) { return destroy_case(e, DESTROY_NEVER); }

/* CREATE answered ENOSYS (a server without it): MKNOD and OPEN make the
 * file, and later creations go straight to MKNOD. */
static bool t_create_enosys(struct env *e)
{
    env_init(e);
    e->fs.no_create = true;
    CHECK(env_mount(e));
    for (int i = 0; i < 3; i++) {
        char path[32];
        snprintf(path, sizeof path, "/sim/dir/new%d", i);
        int fd = vfs_open(&e->v, path, VFS_O_RDONLY | VFS_O_CREAT | VFS_O_EXCL, 0640);
        REQUIRE(fd >= 0, "open(%s, O_CREAT) = %d (%s)", path, fd, vs_errno_name(fd));
        struct vfs_stat st;
        REQUIRE(vfs_fstat(&e->v, fd, &st) == 0 && st.mode == (VS_S_IFREG | 0640) && st.size == 0,
                "fstat %s: mode %#o size %llu", path, st.mode, (unsigned long long)st.size);
        REQUIRE(vfs_close(&e->v, fd) == 0, "close %s", path);
        REQUIRE(vfs_stat(&e->v, path, &st) == 0, "stat %s after close", path);
    }
    REQUIRE(e->fs.ops[FUSE_CREATE] == 1 && e->fs.ops[FUSE_MKNOD] == 3,
            "%lu CREATEs and %lu MKNODs for 3 files, want 1 and 3 (ENOSYS remembered)", e->fs.ops[FUSE_CREATE],
            e->fs.ops[FUSE_MKNOD]);
    int fd = vfs_open(&e->v, "/sim/dir/new0", VFS_O_RDONLY | VFS_O_CREAT | VFS_O_EXCL, 0640);
    REQUIRE(fd == -VS_EEXIST, "O_EXCL on an existing name = %d", fd);
    fd = vfs_open(&e->v, "/sim/dir/new0", VFS_O_RDONLY | VFS_O_CREAT, 0640);
    REQUIRE(fd >= 0, "O_CREAT without O_EXCL on an existing name = %d", fd);
    return vfs_close(&e->v, fd) == 0;
}

/* FSYNC answered ENOSYS: success, and it is not asked again. */
static bool t_fsync_enosys(struct env *e)
{
    env_init(e);
    e->fs.no_fsync = true;
    CHECK(env_mount(e));
    int fd = vfs_open(&e->v, "/sim/hello.txt", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open");
    for (int i = 0; i < 3; i++)
        REQUIRE(vfs_fsync(&e->v, fd) == 0, "fsync #%d on a device without FSYNC", i + 1);
    REQUIRE(e->fs.ops[FUSE_FSYNC] == 1, "%lu FSYNCs sent, want 1 (ENOSYS remembered)", e->fs.ops[FUSE_FSYNC]);
    return vfs_close(&e->v, fd) == 0;
}

/* Reads path whole in 1 MiB calls and checks it against the tree. */
static bool read_check(struct env *e, const char *path, const char *rel)
{
    const struct simfs_node *n = node(e, rel);
    static uint8_t buf[4u << 20];
    int fd = vfs_open(&e->v, path, VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open %s = %d", path, fd);
    int64_t got = vfs_pread(&e->v, fd, buf, sizeof buf, 0);
    vfs_close(&e->v, fd);
    REQUIRE(got == (int64_t)n->size, "pread %s = %lld, want %llu", path, (long long)got,
            (unsigned long long)n->size);
    return same_content(n, buf, 0, n->size, path);
}

static struct vfs_mount_info info_of(struct env *e)
{
    struct vfs_mount_info mi;
    memset(&mi, 0, sizeof(mi));
    vfs_mount_info(&e->v, 0, &mi);
    return mi;
}

/* VIRTIO_RING_F_EVENT_IDX: negotiated when offered; the driver kicks when
 * the device's avail_event asks for it, and not when it points elsewhere. */
static bool t_event_idx(struct env *e)
{
    env_init(e);
    e->d.features_offered |= VS_F_RING_EVENT_IDX;
    CHECK(env_mount(e));
    struct vfs_mount_info mi = info_of(e);
    REQUIRE(mi.features & VS_F_RING_EVENT_IDX, "EVENT_IDX offered but not negotiated (%#llx)",
            (unsigned long long)mi.features);
    /* A device that wants every kick (avail_event at its next entry). */
    unsigned long notified = e->d.q[1].notifies;
    uint64_t kicks = mi.kicks;
    CHECK(read_check(e, "/sim/huge.bin", "huge.bin"));
    mi = info_of(e);
    REQUIRE(mi.kicks > kicks && mi.kicks - kicks == e->d.q[1].notifies - notified,
            "%llu kicks counted, the device saw %lu", (unsigned long long)(mi.kicks - kicks),
            e->d.q[1].notifies - notified);
    /* A device that polls (avail_event far ahead): no kick at all. */
    e->d.no_notify = true;
    e->d.deferred = 3;
    simdev_step(&e->d);
    notified = e->d.q[1].notifies;
    kicks = mi.kicks;
    uint64_t spared = mi.kicks_spared;
    CHECK(read_check(e, "/sim/huge.bin", "huge.bin"));
    mi = info_of(e);
    REQUIRE(mi.kicks == kicks && e->d.q[1].notifies == notified && mi.kicks_spared > spared,
            "a polling device got %llu kicks (%llu spared)", (unsigned long long)(mi.kicks - kicks),
            (unsigned long long)(mi.kicks_spared - spared));
    return true;
}

/* VIRTIO_F_ACCESS_PLATFORM (a device behind an IOMMU, a confidential
 * guest): negotiated, and the device is given dma_alloc memory only, even
 * where dma_addr would reach the caller's buffer; ORDER_PLATFORM too. */
static bool t_access_platform(struct env *e)
{
    env_init(e);
    e->d.features_offered |= VS_F_ACCESS_PLATFORM | VS_F_ORDER_PLATFORM;
    e->d.strict_dma = true; /* every buffer the device is given must be DMA memory */
    CHECK(env_mount(e));
    struct vfs_mount_info mi = info_of(e);
    REQUIRE((mi.features & (VS_F_ACCESS_PLATFORM | VS_F_ORDER_PLATFORM)) ==
                (VS_F_ACCESS_PLATFORM | VS_F_ORDER_PLATFORM),
            "features %#llx", (unsigned long long)mi.features);
    CHECK(read_check(e, "/sim/big.bin", "big.bin"));
    CHECK(read_check(e, "/sim/page1.bin", "page1.bin"));
    REQUIRE(e->d.driver_errors == 0, "the device was given other memory: %s", e->d.driver_error);
    return true;
}

int main(void)
{
    run("DESTROY handed back with nothing written: umount at once, device reset, remount works", t_destroy_empty);
    run("DESTROY never answered: umount within a moment, device reset, remount works", t_destroy_never);
    run("CREATE answered ENOSYS: MKNOD + OPEN make the file; remembered", t_create_enosys);
    run("FSYNC answered ENOSYS: success; remembered", t_fsync_enosys);
    run("EVENT_IDX: negotiated; kicks only where the device's avail_event asks", t_event_idx);
    run("ACCESS_PLATFORM and ORDER_PLATFORM: negotiated; only DMA memory given to the device", t_access_platform);
    printf("%d cases, %d failed\n", cases, failures);
    return failures ? 1 : 0;
}
