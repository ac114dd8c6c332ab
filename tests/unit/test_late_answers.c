/* SPDX-License-Identifier: BSD-2-Clause */
/* A device that answers after the guest gave up, and one that fails after
 * mount.  A stalled host (a paused daemon, a slow export) may still complete
 * a request that timed out: it writes the READ data, the READDIR page or the
 * reply into the buffers it was given, whenever it resumes.  These cases let
 * the simulated device answer late, while the guest goes on with another
 * share, and check under ASan that nothing lands in memory that was freed or
 * handed out again, that caller memory the device kept was reported through
 * dma_hold (and only that), and that the data read afterwards is right.
 * They also cover DEVICE_NEEDS_RESET mid-run and a node id that comes back
 * as another file. */
#include <stdlib.h>
#include <string.h>

#include "simenv.h"
#include "vfs_internal.h"
#include "vs_errno.h"

#define QREQ 1 /* the request queue */

/* A second share, /sim2, on its own device and server, answering at once. */
struct second {
    struct simdev d;
    struct simfs fs;
};

static bool second_up(struct env *e, struct second *s)
{
    simfs_init(&s->fs);
    simdev_init(&s->d, &e->hp);
    simdev_set_tag(&s->d, "sim2");
    simdev_set_handler(&s->d, simfs_handle, &s->fs);
    int err = vfs_mount(&e->v, &s->d.tr, "/sim2", NULL);
    REQUIRE(err == 0, "mount /sim2 = %d (%s)", err, vs_errno_name(err));
    return true;
}

static bool second_down(struct env *e, struct second *s)
{
    int err = vfs_umount(&e->v, "/sim2");
    const char *name = "";
    unsigned left = simfs_nonzero_lookups(&s->fs, &name);
    bool bugs = s->fs.bugs || s->d.driver_errors;
    simdev_fini(&s->d);
    simfs_fini(&s->fs);
    REQUIRE(err == 0, "umount /sim2 = %d", err);
    REQUIRE(!bugs, "/sim2's device or server saw a driver bug");
    REQUIRE(left == 0, "/sim2: %u nodes with lookups left (first \"%s\")", left, name);
    return true;
}

/* Reads /sim2/huge.bin whole into a fresh buffer and checks it. */
static bool read_other(struct env *e, struct second *s, uint8_t **out)
{
    const struct simfs_node *n = simfs_find(&s->fs, "huge.bin");
    uint8_t *buf = malloc(SIMFS_HUGE_SIZE);
    REQUIRE(n && buf, "huge.bin on /sim2");
    *out = buf;
    int fd = vfs_open(&e->v, "/sim2/huge.bin", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open /sim2/huge.bin = %d", fd);
    int64_t r = vfs_pread(&e->v, fd, buf, SIMFS_HUGE_SIZE, 0);
    vfs_close(&e->v, fd);
    REQUIRE(r == SIMFS_HUGE_SIZE, "pread /sim2/huge.bin = %lld", (long long)r);
    return same_content(n, buf, 0, SIMFS_HUGE_SIZE, "/sim2/huge.bin");
}

/* The guest going on with the other share: stats, a listing, a symlink and
 * a big read, into memory allocated after the first share failed. */
static bool busy_elsewhere(struct env *e, struct second *s, uint8_t **kept)
{
    struct vfs_stat st;
    int err = vfs_stat(&e->v, "/sim2/dir/up", &st);
    REQUIRE(err == 0 && st.size == 17, "stat /sim2/dir/up = %d, size %llu", err, (unsigned long long)st.size);
    int dd = vfs_opendir(&e->v, "/sim2/many");
    REQUIRE(dd >= 0, "opendir /sim2/many = %d", dd);
    struct vfs_dirent de;
    unsigned count = 0;
    while ((err = vfs_readdir(&e->v, dd, &de)) == 1)
        count++;
    vfs_closedir(&e->v, dd);
    REQUIRE(err == 0 && count >= SIMFS_MANY, "listing /sim2/many: %d after %u entries", err, count);
    return read_other(e, s, kept);
}

/* The late answer of the one stalled request on /sim. */
static bool answer_late(struct env *e)
{
    unsigned n = simdev_answer_held(&e->d, QREQ);
    REQUIRE(n == 1, "%u stalled requests answered late, want 1", n);
    return true;
}

/* What every case checks after the late answer: the other share's data,
 * read into memory allocated after the failure, is untouched, and it still
 * reads right. */
static bool other_intact(struct env *e, struct second *s, uint8_t *kept)
{
    bool ok = same_content(simfs_find(&s->fs, "huge.bin"), kept, 0, SIMFS_HUGE_SIZE, "kept /sim2 data");
    free(kept);
    CHECK(ok);
    uint8_t *again = 0;
    ok = read_other(e, s, &again);
    free(again);
    return ok;
}

static bool late_setup(struct env *e, struct second *s)
{
    env_init(e);
    e->opts.timeout_s = 1;
    CHECK(env_mount(e));
    return second_up(e, s);
}

/* The end of a case whose /sim stopped answering: unmounted (left as it
 * is), /sim2 checked and unmounted. */
static bool late_teardown(struct env *e, struct second *s)
{
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount /sim");
    e->abandoned = true;
    e->check_counts = false;
    return second_down(e, s);
}

/* A READ into the caller's buffer: the port is told to hold exactly what the
 * device kept, the caller keeps it, and the late data lands there. */
static bool t_late_read(struct env *e)
{
    static struct second s;
    CHECK(late_setup(e, &s));
    int fd = vfs_open(&e->v, "/sim/big.bin", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open");
    const size_t len = 256 << 10, first = len / 4; /* four READs in flight */
    uint8_t *buf = malloc(len);
    REQUIRE(buf, "malloc");
    memset(buf, 0xee, len);
    simfs_fault(&e->fs, SIMFS_FAULT_NO_REPLY, FUSE_READ, 1, 0);
    int64_t r = vfs_pread(&e->v, fd, buf, len, 0);
    REQUIRE(r == -VS_ETIMEDOUT, "pread on a stalled device = %lld", (long long)r);
    REQUIRE(e->hp.nholds == 1 && e->hp.holds[0].p == buf && e->hp.holds[0].len == first,
            "dma_hold got %u ranges (first %p+%zu), want exactly the first READ's %p+%zu", e->hp.nholds,
            e->hp.nholds ? e->hp.holds[0].p : NULL, e->hp.nholds ? e->hp.holds[0].len : 0, (void *)buf, first);
    /* What the call left past the stalled READ (the others' data). */
    static uint8_t after_call[256 << 10];
    memcpy(after_call, buf, len);
    uint8_t *kept = 0;
    CHECK(busy_elsewhere(e, &s, &kept));
    CHECK(answer_late(e));
    /* The device wrote where it was told, nowhere else. */
    bool ok = same_content(node(e, "big.bin"), buf, 0, first, "the late READ data");
    if (ok && memcmp(buf + first, after_call + first, len - first)) {
        snprintf(why, sizeof why, "bytes past the stalled READ changed after the call returned");
        ok = false;
    }
    free(buf); /* the device has handed it back */
    CHECK(ok);
    CHECK(other_intact(e, &s, kept));
    char small[16];
    int64_t again = vfs_pread(&e->v, fd, small, sizeof small, 0);
    REQUIRE(again == -VS_ETIMEDOUT, "a later pread on the dead mount = %lld", (long long)again);
    vfs_close(&e->v, fd);
    return late_teardown(e, &s);
}

/* Without dma_hold the core gives the device no caller memory: the caller
 * may free its buffer at once, and the late data lands in the core's own
 * DMA memory. */
static bool t_late_read_no_hold(struct env *e)
{
    static struct second s;
    env_init(e);
    e->hp.port.dma_hold = NULL;
    e->opts.timeout_s = 1;
    CHECK(env_mount(e));
    CHECK(second_up(e, &s));
    int fd = vfs_open(&e->v, "/sim/huge.bin", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open");
    uint8_t *buf = malloc(SIMFS_HUGE_SIZE);
    REQUIRE(buf, "malloc");
    simfs_fault(&e->fs, SIMFS_FAULT_NO_REPLY, FUSE_READ, 2, 0);
    int64_t r = vfs_pread(&e->v, fd, buf, SIMFS_HUGE_SIZE, 0);
    /* The first READ's data, or nothing. */
    REQUIRE(r == -VS_ETIMEDOUT || (r > 0 && r < SIMFS_HUGE_SIZE), "pread = %lld", (long long)r);
    if (r > 0)
        CHECK(same_content(node(e, "huge.bin"), buf, 0, (size_t)r, "data before the stall"));
    free(buf);
    uint8_t *kept = 0;
    CHECK(busy_elsewhere(e, &s, &kept));
    CHECK(answer_late(e));
    CHECK(other_intact(e, &s, kept));
    vfs_close(&e->v, fd);
    return late_teardown(e, &s);
}

/* A READDIR page: the stream's buffer is freed at closedir. */
static bool t_late_readdir(struct env *e)
{
    static struct second s;
    CHECK(late_setup(e, &s));
    int dd = vfs_opendir(&e->v, "/sim/many");
    REQUIRE(dd >= 0, "opendir");
    simfs_fault(&e->fs, SIMFS_FAULT_NO_REPLY, FUSE_READDIR, 1, 0);
    struct vfs_dirent de;
    int err = vfs_readdir(&e->v, dd, &de);
    REQUIRE(err == -VS_ETIMEDOUT, "readdir on a stalled device = %d", err);
    vfs_closedir(&e->v, dd);
    REQUIRE(e->hp.nholds == 0, "dma_hold called for the core's own buffer");
    uint8_t *kept = 0;
    CHECK(busy_elsewhere(e, &s, &kept));
    CHECK(answer_late(e));
    CHECK(other_intact(e, &s, kept));
    return late_teardown(e, &s);
}

/* A READLINK target: the path walk's buffer is freed when the walk fails;
 * vfs_readlink's own buffer likewise. */
static bool late_readlink(struct env *e, bool by_readlink)
{
    static struct second s;
    CHECK(late_setup(e, &s));
    simfs_fault(&e->fs, SIMFS_FAULT_NO_REPLY, FUSE_READLINK, 1, 0);
    int err;
    if (by_readlink) {
        char target[64];
        err = (int)vfs_readlink(&e->v, "/sim/link-abs", target, sizeof target);
    } else {
        struct vfs_stat st;
        err = vfs_stat(&e->v, "/sim/link-rel", &st);
    }
    REQUIRE(err == -VS_ETIMEDOUT, "on a stalled READLINK = %d", err);
    REQUIRE(e->hp.nholds == 0, "dma_hold called for the core's own buffer");
    uint8_t *kept = 0;
    CHECK(busy_elsewhere(e, &s, &kept));
    CHECK(answer_late(e));
    CHECK(other_intact(e, &s, kept));
    return late_teardown(e, &s);
}

static bool t_late_readlink_walk(struct env *e) { return late_readlink(e, false); }
static bool t_late_readlink_call(struct env *e) { return late_readlink(e, true); }

/* A LOOKUP reply, answered after the share was unmounted (and its device
 * left alone): it lands in the slots the core never gave back. */
static bool t_late_lookup_after_umount(struct env *e)
{
    static struct second s;
    CHECK(late_setup(e, &s));
    simfs_fault(&e->fs, SIMFS_FAULT_NO_REPLY, FUSE_LOOKUP, 1, 0);
    struct vfs_stat st;
    int err = vfs_stat(&e->v, "/sim/hello.txt", &st);
    REQUIRE(err == -VS_ETIMEDOUT, "stat on a stalled device = %d", err);
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount /sim");
    e->abandoned = true;
    e->check_counts = false;
    REQUIRE(e->d.status & VS_STATUS_DRIVER_OK, "a device that stopped answering was reset at umount");
    uint8_t *kept = 0;
    CHECK(busy_elsewhere(e, &s, &kept));
    CHECK(answer_late(e));
    CHECK(other_intact(e, &s, kept));
    return second_down(e, &s);
}

/* The root's GETATTR at mount never answered: the mount fails as an
 * unmount would end (the device left alone, its memory kept), the late
 * reply lands in that memory, and a new mount (which resets the device)
 * works. */
static bool t_late_mount_getattr(struct env *e)
{
    static struct second s;
    env_init(e);
    e->opts.timeout_s = 1;
    CHECK(second_up(e, &s));
    simfs_fault(&e->fs, SIMFS_FAULT_NO_REPLY, FUSE_GETATTR, 1, 0);
    uint64_t t0 = hostport_now_ns();
    int err = vfs_mount(&e->v, &e->d.tr, "/sim", &e->opts);
    double secs = secs_since(t0);
    REQUIRE(err == -VS_ETIMEDOUT && secs < 3.0, "mount = %d (%s) after %.2f s", err, vs_errno_name(err), secs);
    e->abandoned = true;
    REQUIRE(e->d.status & VS_STATUS_DRIVER_OK, "the device was reset after it stopped answering");
    uint8_t *kept = 0;
    CHECK(busy_elsewhere(e, &s, &kept));
    CHECK(answer_late(e));
    CHECK(other_intact(e, &s, kept));
    CHECK(second_down(e, &s));
    CHECK(env_mount(e));
    struct vfs_stat st;
    err = vfs_stat(&e->v, "/sim/hello.txt", &st);
    REQUIRE(err == 0 && st.size == node(e, "hello.txt")->size, "stat after a remount = %d", err);
    return true;
}

/* DEVICE_NEEDS_RESET while a request waits: -EIO at once, not after the
 * timeout; umount resets the device, which then mounts again. */
static bool t_needs_reset_mid_run(struct env *e)
{
    env_init(e);
    e->opts.timeout_s = 10;
    CHECK(env_mount(e));
    struct vfs_stat st;
    REQUIRE(vfs_stat(&e->v, "/sim/hello.txt", &st) == 0, "stat before the fault");
    simdev_fault(&e->d, SIMDEV_FAULT_NEEDS_RESET, QREQ, 1, 0);
    uint64_t t0 = hostport_now_ns();
    int err = vfs_stat(&e->v, "/sim/dir/inner.txt", &st);
    double secs = secs_since(t0);
    REQUIRE(e->d.fault.fired, "the fault never fired");
    REQUIRE(err == -VS_EIO && secs < 0.5, "stat = %d (%s) after %.3f s, want -EIO at once", err,
            vs_errno_name(err), secs);
    err = vfs_stat(&e->v, "/sim/dir/sub/leaf.txt", &st);
    REQUIRE(err == -VS_EIO, "a later request = %d, want -EIO (the connection is dead)", err);
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount");
    REQUIRE(e->d.status == 0, "the device was not reset at umount (status %#x)", e->d.status);
    e->check_counts = false;
    CHECK(env_mount(e));
    REQUIRE(vfs_stat(&e->v, "/sim/hello.txt", &st) == 0, "stat after a remount");
    return true;
}

/* ---- A node id that comes back as another file -------------------------- */

/* Wraps the server: LOOKUP and GETATTR replies get this generation, and
 * with `as_dir` a directory's file type. */
struct rebirth {
    struct simfs *fs;
    uint64_t generation;
    bool as_dir;
};

static uint32_t rebirth_handler(void *ctx, uint16_t q, const uint8_t *req, uint32_t req_len, uint8_t *reply,
                                uint32_t writable, uint32_t reply_max)
{
    struct rebirth *rb = ctx;
    uint32_t n = simfs_handle(rb->fs, q, req, req_len, reply, writable, reply_max);
    const struct fuse_in_header *in = (const struct fuse_in_header *)req;
    const struct fuse_out_header *out = (const struct fuse_out_header *)reply;
    if (q != QREQ || n == SIMDEV_NO_REPLY || n < sizeof(*out) || out->error)
        return n;
    struct fuse_attr *a = 0;
    if (in->opcode == FUSE_LOOKUP && n >= sizeof(*out) + sizeof(struct fuse_entry_out)) {
        struct fuse_entry_out *eo = (struct fuse_entry_out *)(reply + sizeof(*out));
        eo->generation = rb->generation;
        a = &eo->attr;
    } else if (in->opcode == FUSE_GETATTR && in->nodeid != FUSE_ROOT_ID &&
               n >= sizeof(*out) + sizeof(struct fuse_attr_out)) {
        a = &((struct fuse_attr_out *)(reply + sizeof(*out)))->attr;
    }
    if (a && rb->as_dir)
        a->mode = (a->mode & ~(uint32_t)VS_S_IFMT) | VS_S_IFDIR;
    return n;
}

/* The node the table holds for nodeid, or NULL. */
static struct vnode *table_node(struct vfs_mount *m, uint64_t nodeid)
{
    for (uint32_t i = 0; i < m->nbuckets; i++) {
        for (struct vnode *n = m->buckets[i]; n; n = n->hnext) {
            if (n->nodeid == nodeid)
                return n;
        }
    }
    return NULL;
}

static bool t_node_generation(struct env *e)
{
    static struct rebirth rb;
    env_init(e);
    rb = (struct rebirth){.fs = &e->fs};
    simdev_set_handler(&e->d, rebirth_handler, &rb);
    e->fs.entry_valid = e->fs.attr_valid = 0; /* every stat looks the name up again */
    CHECK(env_mount(e));
    struct vfs_mount *m = e->v.mounts[0];
    int fd = vfs_open(&e->v, "/sim/hello.txt", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open");
    struct vnode *old = e->v.files[fd]->node;
    uint64_t id = old->nodeid;

    rb.generation = 7;
    struct vfs_stat st;
    REQUIRE(vfs_stat(&e->v, "/sim/hello.txt", &st) == 0, "stat with a new generation");
    struct vnode *now = table_node(m, id);
    REQUIRE(now && now != old && now->generation == 7, "the same id with generation 7 was not a new node");
    REQUIRE(old->removed && table_node(m, id) != old, "the old node is still in the table");
    /* The open file keeps its node until it is closed. */
    char buf[32];
    REQUIRE(vfs_pread(&e->v, fd, buf, sizeof buf, 0) == (int64_t)node(e, "hello.txt")->size, "read the open file");
    REQUIRE(vfs_close(&e->v, fd) == 0, "close");

    rb.as_dir = true; /* the same id and generation, now a directory */
    REQUIRE(vfs_stat(&e->v, "/sim/hello.txt", &st) == 0 && (st.mode & VS_S_IFMT) == VS_S_IFDIR,
            "stat with a new file type = mode %#o", st.mode);
    struct vnode *dir = table_node(m, id);
    REQUIRE(dir && (dir->attr.mode & VS_S_IFMT) == VS_S_IFDIR, "the directory is not the table's node");
    return true; /* umount checks every lookup of both nodes went back */
}

/* GETATTR of an open file that says it is now another type: -ESTALE, and
 * the node is forgotten once closed. */
static bool t_getattr_type_change(struct env *e)
{
    static struct rebirth rb;
    env_init(e);
    rb = (struct rebirth){.fs = &e->fs};
    simdev_set_handler(&e->d, rebirth_handler, &rb);
    CHECK(env_mount(e));
    int fd = vfs_open(&e->v, "/sim/dir/inner.txt", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open");
    struct vnode *old = e->v.files[fd]->node;
    rb.as_dir = true;
    struct vfs_stat st;
    int err = vfs_fstat(&e->v, fd, &st);
    REQUIRE(err == -VS_ESTALE, "fstat of a file that became a directory = %d (%s)", err, vs_errno_name(err));
    REQUIRE(old->removed && table_node(e->v.mounts[0], old->nodeid) != old, "the stale node stays in the table");
    REQUIRE(vfs_close(&e->v, fd) == 0, "close");
    return true;
}

int main(void)
{
    run("a READ answered after its timeout lands in the caller's buffer, which dma_hold kept", t_late_read);
    run("without dma_hold a late READ lands in the core's DMA memory; the caller freed its buffer",
        t_late_read_no_hold);
    run("a READDIR answered after its timeout and closedir: no write into freed memory", t_late_readdir);
    run("a READLINK answered after a path walk gave up: no write into freed memory", t_late_readlink_walk);
    run("a READLINK answered after vfs_readlink gave up: no write into freed memory", t_late_readlink_call);
    run("a LOOKUP answered after umount left the device alone: lands in kept memory",
        t_late_lookup_after_umount);
    run("the root's GETATTR never answered at mount: device left alone, late reply harmless, remount works",
        t_late_mount_getattr);
    run("DEVICE_NEEDS_RESET mid-run gives -EIO at once; umount resets; remount works", t_needs_reset_mid_run);
    run("a node id coming back with another generation or file type is a new node", t_node_generation);
    run("GETATTR of an open file that changed type gives -ESTALE and drops the node", t_getattr_type_change);
    printf("%d cases, %d failed\n", cases, failures);
    return failures ? 1 : 0;
}
