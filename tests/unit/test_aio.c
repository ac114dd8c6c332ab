/* SPDX-License-Identifier: BSD-2-Clause */
/* Several operations in flight (vfs_aio.h) against the simulated device:
 * requests of several operations out at once, completion in the device's
 * order, an error or a stall in one request that stays that operation's,
 * late answers landing only where dma_hold was told, a queue and a slot
 * table too small for everything at once, writes, and a close or an
 * unmount with operations still in flight. */
#include <stdlib.h>
#include <string.h>

#include "simenv.h"
#include "vfs_aio.h"
#include "vfs_internal.h"
#include "vs_errno.h"

#define QREQ 1 /* the request queue */

static bool open_all(struct env *e, const char *const *names, unsigned n, int *fds)
{
    char path[128];
    for (unsigned i = 0; i < n; i++) {
        snprintf(path, sizeof path, "/sim/%s", names[i]);
        fds[i] = vfs_open(&e->v, path, VFS_O_RDONLY, 0);
        REQUIRE(fds[i] >= 0, "open %s = %d", path, fds[i]);
    }
    return true;
}

static void close_all(struct env *e, const int *fds, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        vfs_close(&e->v, fds[i]);
}

/* A read of the whole file names[i] (len bytes of room) on fds[i]. */
static bool submit_read(struct env *e, struct vfs_aio *op, int fd, size_t len)
{
    memset(op, 0, sizeof(*op));
    op->fd = fd;
    op->len = len;
    op->buf = malloc(len ? len : 1);
    REQUIRE(op->buf, "malloc");
    memset(op->buf, 0xee, len);
    int err = vfs_aio_submit(&e->v, op);
    REQUIRE(err == 0, "vfs_aio_submit(fd %d, %zu bytes) = %d (%s)", fd, len, err, vs_errno_name(err));
    return true;
}

/* op read all of names' file into its buffer, rightly. */
static bool read_right(struct env *e, const struct vfs_aio *op, const char *name)
{
    const struct simfs_node *n = node(e, name);
    REQUIRE(op->done && op->result == (int64_t)n->size, "%s: result %lld (done %d), want %llu", name,
            (long long)op->result, op->done, (unsigned long long)n->size);
    return same_content(n, op->buf, 0, n->size, name);
}

static void free_bufs(struct vfs_aio *ops, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        free(ops[i].buf);
}

/* Mounts with cfg, then opens n of many/'s files, many/f%04u for first,
 * first + step, ...: their names into names, their fds into fds. */
#define MANY_MAX 64
static bool mount_open_many(struct env *e, struct vfs_config *cfg, unsigned n, unsigned first, unsigned step,
                            char (*names)[32], int *fds)
{
    REQUIRE(n <= MANY_MAX, "%u files, at most %d", n, MANY_MAX);
    env_init(e);
    e->opts.config = cfg;
    CHECK(env_mount(e));
    const char *ptrs[MANY_MAX];
    for (unsigned i = 0; i < n; i++) {
        snprintf(names[i], 32, "many/f%04u", first + i * step);
        ptrs[i] = names[i];
    }
    return open_all(e, ptrs, n, fds);
}

/* Five reads of four files, one of them several requests long, are all out
 * before the device answers any; each gets its own data. */
static bool t_several_in_flight(struct env *e)
{
    static const char *const names[] = {"hello.txt", "big.bin", "small.bin", "page1.bin", "huge.bin"};
    enum { N = 5 };
    CHECK(env_up(e));
    int fds[N];
    CHECK(open_all(e, names, N, fds));
    e->d.deferred = 1u << QREQ;
    static struct vfs_aio ops[N];
    bool ok = true;
    for (unsigned i = 0; i < N && ok; i++)
        ok = submit_read(e, &ops[i], fds[i], node(e, names[i])->size + 100);
    unsigned out = ok ? simdev_fetch(&e->d, QREQ) : 0;
    int err = vfs_aio_wait_all(&e->v);
    for (unsigned i = 0; i < N && ok; i++)
        ok = read_right(e, &ops[i], names[i]);
    free_bufs(ops, N);
    close_all(e, fds, N);
    CHECK(ok);
    /* 6 of the 8 slots: hello.txt's request, big.bin's four and
     * small.bin's; page1.bin and huge.bin wait for room. */
    REQUIRE(out == 6, "%u requests out before the first answer, want 6", out);
    REQUIRE(err == 0, "vfs_aio_wait_all = %d", err);
    REQUIRE(vfs_aio_wait_any(&e->v) == NULL, "wait_any with nothing outstanding returned an op");
    REQUIRE(e->v.aio == NULL, "the state outlived the last operation");
    return true;
}

/* The device answers the third request first, then the first: wait_any
 * hands the operations back in that order, each as soon as it is done. */
static bool t_out_of_order(struct env *e)
{
    static const char *const names[] = {"hello.txt", "small.bin", "page.bin"};
    enum { N = 3 };
    CHECK(env_up(e));
    int fds[N];
    CHECK(open_all(e, names, N, fds));
    e->d.deferred = 1u << QREQ;
    e->hp.relax_hook = NULL; /* nothing moves but what the test completes */
    static struct vfs_aio ops[N];
    bool ok = true;
    for (unsigned i = 0; i < N && ok; i++)
        ok = submit_read(e, &ops[i], fds[i], 8192);
    unsigned out = ok ? simdev_fetch(&e->d, QREQ) : 0;
    struct vfs_aio *first = 0, *second = 0;
    if (ok && out == N) {
        simdev_complete(&e->d, QREQ, 2);
        first = vfs_aio_wait_any(&e->v);
        ok = first == &ops[2] && !ops[0].done && !ops[1].done;
        simdev_complete(&e->d, QREQ, 0); /* the oldest, now pending 0 of 2 */
        second = vfs_aio_wait_any(&e->v);
        ok = ok && second == &ops[0] && !ops[1].done;
    }
    e->hp.relax_hook = simdev_relax;
    vfs_aio_wait_all(&e->v);
    bool right = out == N && read_right(e, &ops[0], names[0]) && read_right(e, &ops[1], names[1]) &&
                 read_right(e, &ops[2], names[2]);
    free_bufs(ops, N);
    close_all(e, fds, N);
    REQUIRE(out == N, "%u requests out, want %d", out, N);
    REQUIRE(ok, "wait_any gave op %d then op %d, want 2 then 0 with the others not done",
            first ? (int)(first - ops) : -1, second ? (int)(second - ops) : -1);
    return right;
}

/* Error replies to two requests fail those two operations only, each with
 * its own error; a bad fd, access mode or range fails the submit. */
static bool t_errors_per_request(struct env *e)
{
    static const char *const names[] = {"hello.txt", "small.bin", "page.bin", "page1.bin"};
    enum { N = 4 };
    CHECK(env_up(e));
    int fds[N];
    CHECK(open_all(e, names, N, fds));
    e->d.deferred = 1u << QREQ;
    static struct vfs_aio ops[N];
    simfs_fault(&e->fs, SIMFS_FAULT_ERROR, FUSE_READ, 2, (uint32_t)-VS_EACCES);
    bool ok = submit_read(e, &ops[0], fds[0], 4096) && submit_read(e, &ops[1], fds[1], 8192);
    if (ok) {
        simdev_step(&e->d); /* the fault is spent; arm the next */
        simfs_fault(&e->fs, SIMFS_FAULT_ERROR, FUSE_READ, 2, (uint32_t)-VS_EIO);
        ok = submit_read(e, &ops[2], fds[2], 8192) && submit_read(e, &ops[3], fds[3], 8192);
    }
    int all = vfs_aio_wait_all(&e->v);
    bool right = ok && read_right(e, &ops[0], names[0]) && read_right(e, &ops[2], names[2]);
    int64_t r1 = ops[1].result, r3 = ops[3].result;
    free_bufs(ops, N);

    struct vfs_aio bad = {.fd = 63, .len = 10, .buf = &bad};
    int ebadf = vfs_aio_submit(&e->v, &bad);
    struct vfs_aio wr = {.fd = fds[0], .write = true, .len = 10, .buf = &bad};
    int erd = vfs_aio_submit(&e->v, &wr);
    struct vfs_aio far = {.fd = fds[0], .len = 10, .off = (uint64_t)INT64_MAX, .buf = &bad};
    int einval = vfs_aio_submit(&e->v, &far);
    close_all(e, fds, N);
    CHECK(right);
    REQUIRE(r1 == -VS_EACCES, "the read whose reply was EACCES = %lld", (long long)r1);
    REQUIRE(r3 == -VS_EIO, "the read whose reply was EIO = %lld", (long long)r3);
    REQUIRE(all == -VS_EACCES, "wait_all = %d, want the first error in submit order (EACCES)", all);
    REQUIRE(ebadf == -VS_EBADF && erd == -VS_EBADF && einval == -VS_EINVAL,
            "submit: fd not open %d, write on a read-only fd %d, offset 2^63-1 + 10 %d", ebadf, erd, einval);
    return true;
}

/* One request never answered: the others' operations come back at once;
 * the stalled one gives ETIMEDOUT after the mount's timeout, its buffer
 * (only its) goes to dma_hold, and its late answer lands there alone. */
static bool t_timeout_of_one(struct env *e)
{
    static const char *const names[] = {"hello.txt", "small.bin", "page.bin"};
    enum { N = 3 };
    env_init(e);
    e->opts.timeout_s = 1;
    CHECK(env_mount(e));
    int fds[N];
    CHECK(open_all(e, names, N, fds));
    static struct vfs_aio ops[N];
    simfs_fault(&e->fs, SIMFS_FAULT_NO_REPLY, FUSE_READ, 2, 0);
    e->d.deferred = 1u << QREQ;
    bool ok = true;
    for (unsigned i = 0; i < N && ok; i++)
        ok = submit_read(e, &ops[i], fds[i], 8192);
    uint64_t t0 = hostport_now_ns();
    struct vfs_aio *a = ok ? vfs_aio_wait_any(&e->v) : 0;
    struct vfs_aio *b = ok ? vfs_aio_wait_any(&e->v) : 0;
    double quick = secs_since(t0);
    struct vfs_aio *c = ok ? vfs_aio_wait_any(&e->v) : 0;
    double slow = secs_since(t0);
    CHECK(ok);
    bool right = read_right(e, &ops[0], names[0]) && read_right(e, &ops[2], names[2]);
    static uint8_t before[3][8192];
    for (unsigned i = 0; i < N; i++)
        memcpy(before[i], ops[i].buf, 8192);
    unsigned late = simdev_answer_held(&e->d, QREQ);
    bool others_same = !memcmp(before[0], ops[0].buf, 8192) && !memcmp(before[2], ops[2].buf, 8192);
    const struct simfs_node *n1 = node(e, names[1]);
    bool late_right = late == 1 && same_content(n1, ops[1].buf, 0, n1->size, "the late READ");
    bool held = e->hp.nholds == 1 && e->hp.holds[0].p == ops[1].buf && e->hp.holds[0].len == n1->size;
    free_bufs(ops, N); /* every buffer is back: the late one was answered */
    close_all(e, fds, N);
    e->check_counts = false;
    CHECK(right);
    REQUIRE(a == &ops[0] && b == &ops[2] && quick < 0.5, "first two back: op %d, op %d after %.2f s",
            a ? (int)(a - ops) : -1, b ? (int)(b - ops) : -1, quick);
    REQUIRE(c == &ops[1] && ops[1].result == -VS_ETIMEDOUT && slow >= 0.9 && slow < 3,
            "the stalled op: op %d, result %lld after %.2f s", c ? (int)(c - ops) : -1, (long long)ops[1].result,
            slow);
    REQUIRE(held, "dma_hold got %u ranges (first %p+%zu), want exactly the stalled read's buffer", e->hp.nholds,
            e->hp.nholds ? e->hp.holds[0].p : NULL, e->hp.nholds ? e->hp.holds[0].len : 0);
    REQUIRE(others_same, "the late answer changed the buffers of the operations already done");
    CHECK(late_right);
    return true;
}

/* A request that stalls while others keep coming back on the same mount
 * times out one timeout after it was sent, not after the others stop. */
static bool t_timeout_while_busy(struct env *e)
{
    env_init(e);
    e->opts.timeout_s = 1;
    CHECK(env_mount(e));
    int fds[2];
    static const char *const names[] = {"hello.txt", "small.bin"};
    CHECK(open_all(e, names, 2, fds));
    simfs_fault(&e->fs, SIMFS_FAULT_NO_REPLY, FUSE_READ, 1, 0);
    static struct vfs_aio stalled, busy;
    CHECK(submit_read(e, &stalled, fds[0], 64));
    uint64_t t0 = hostport_now_ns();
    double at = -1;
    unsigned rounds = 0;
    bool ok = true, busy_out = false;
    while (ok && secs_since(t0) < 3) {
        if (!busy_out) {
            free(busy.buf);
            ok = submit_read(e, &busy, fds[1], 8192);
            busy_out = ok;
        }
        struct vfs_aio *op = ok ? vfs_aio_wait_any(&e->v) : 0;
        if (op == &stalled) {
            at = secs_since(t0);
            break;
        }
        busy_out = false;
        ok = op == &busy && read_right(e, &busy, names[1]);
        rounds++;
    }
    if (busy_out)
        vfs_aio_wait_all(&e->v);
    free(busy.buf);
    busy.buf = 0;
    unsigned late = simdev_answer_held(&e->d, QREQ);
    free(stalled.buf);
    close_all(e, fds, 2);
    e->check_counts = false;
    CHECK(ok);
    REQUIRE(at >= 0.9 && at < 2.0 && stalled.result == -VS_ETIMEDOUT && rounds > 10 && late == 1,
            "the stalled read came back after %.2f s (-1: not within 3 s) with %lld, %u reads done meanwhile",
            at, (long long)stalled.result, rounds);
    return true;
}

/* Without dma_hold everything moves through the one bounce buffer: the
 * reads go out one at a time and are all right; a stalled one's caller
 * frees its buffer at once and the late answer lands in the core's DMA
 * memory (ASan watches the freed buffer). */
static bool t_bounce_and_late(struct env *e)
{
    static const char *const names[] = {"big.bin", "small.bin", "huge.bin"};
    enum { N = 3 };
    env_init(e);
    e->hp.port.dma_hold = NULL;
    e->opts.timeout_s = 1;
    CHECK(env_mount(e));
    int fds[N];
    CHECK(open_all(e, names, N, fds));
    static struct vfs_aio ops[N];
    e->d.deferred = 1u << QREQ;
    bool ok = true;
    for (unsigned i = 0; i < N && ok; i++)
        ok = submit_read(e, &ops[i], fds[i], node(e, names[i])->size);
    unsigned out = ok ? simdev_fetch(&e->d, QREQ) : 0;
    int err = vfs_aio_wait_all(&e->v);
    for (unsigned i = 0; i < N && ok; i++)
        ok = read_right(e, &ops[i], names[i]);
    free_bufs(ops, N);
    CHECK(ok);
    REQUIRE(out == 1 && err == 0, "%u requests out at once through the bounce buffer (want 1), wait_all = %d",
            out, err);

    simfs_fault(&e->fs, SIMFS_FAULT_NO_REPLY, FUSE_READ, 1, 0);
    ok = submit_read(e, &ops[0], fds[1], 8192);
    struct vfs_aio *got = ok ? vfs_aio_wait_any(&e->v) : 0;
    int64_t r = ops[0].result;
    free(ops[0].buf);
    uint8_t *fresh = malloc(8192); /* likely the same memory */
    REQUIRE(fresh, "malloc");
    memset(fresh, 0x5a, 8192);
    unsigned late = simdev_answer_held(&e->d, QREQ);
    bool untouched = true;
    for (unsigned i = 0; i < 8192; i++)
        untouched &= fresh[i] == 0x5a;
    free(fresh);
    close_all(e, fds, N);
    e->check_counts = false;
    CHECK(ok);
    REQUIRE(got == &ops[0] && r == -VS_ETIMEDOUT, "the stalled read = %lld", (long long)r);
    REQUIRE(e->hp.nholds == 0, "dma_hold called without the hook");
    REQUIRE(late == 1 && untouched, "late answers %u; memory allocated after the timeout touched: %d", late,
            !untouched);
    return true;
}

/* More operations than chunks and slots, on a queue of 8 entries (two
 * chains of four descriptors): each mount keeps two slots for others, a
 * stat in between still works, and every read comes out right. */
static bool t_queue_full(struct env *e)
{
    enum { N = 40 };
    struct vfs_config cfg = {.queue_size = 8};
    static int fds[N];
    static char names[N][32];
    CHECK(mount_open_many(e, &cfg, N, 37, 37, names, fds));
    vfs_mount_stats_reset(&e->v, 0);
    e->d.deferred = 1u << QREQ;
    static struct vfs_aio ops[N];
    bool ok = true;
    for (unsigned i = 0; i < N && ok; i++)
        ok = submit_read(e, &ops[i], fds[i], 8192);
    unsigned out = ok ? simdev_fetch(&e->d, QREQ) : 0;
    struct vfs_stat st;
    int serr = ok ? vfs_stat(&e->v, "/sim/dir/inner.txt", &st) : 0;
    unsigned back = 0;
    struct vfs_aio *op;
    while ((op = vfs_aio_wait_any(&e->v)) != NULL && ok) {
        back++;
        ok = read_right(e, op, names[op - ops]);
    }
    uint64_t reads = vfs_mount_stats(&e->v, 0)->op[FUSE_READ].count;
    free_bufs(ops, N);
    close_all(e, fds, N);
    CHECK(ok);
    REQUIRE(out == 2, "%u chains out on a queue of 8 entries, want 2", out);
    REQUIRE(serr == 0, "stat while operations wait for room = %d", serr);
    REQUIRE(back == N, "%u operations handed back, want %d", back, N);
    REQUIRE(reads == N, "%llu READs for %d reads of small files, want one each", (unsigned long long)reads, N);
    return true;
}

/* The slot table limits in its turn: with 4 slots, two at most go to the
 * operations and two stay free for synchronous calls. */
static bool t_slots_full(struct env *e)
{
    enum { N = 12 };
    struct vfs_config cfg = {.slots = 4};
    static int fds[N];
    static char names[N][32];
    CHECK(mount_open_many(e, &cfg, N, 1000, 1, names, fds));
    e->d.deferred = 1u << QREQ;
    static struct vfs_aio ops[N];
    bool ok = true;
    for (unsigned i = 0; i < N && ok; i++)
        ok = submit_read(e, &ops[i], fds[i], 4096);
    unsigned out = ok ? simdev_fetch(&e->d, QREQ) : 0;
    int err = vfs_aio_wait_all(&e->v);
    for (unsigned i = 0; i < N && ok; i++)
        ok = read_right(e, &ops[i], names[i]);
    free_bufs(ops, N);
    close_all(e, fds, N);
    CHECK(ok);
    REQUIRE(out == 2 && err == 0, "%u requests out with 4 slots (want 2), wait_all = %d", out, err);
    return true;
}

/* Four writes of 300 KiB side by side in one file, several requests each,
 * answered in reverse order: the file holds every byte; a WRITE the
 * device took only part of makes its operation short, the others whole. */
static bool t_writes(struct env *e)
{
    enum { N = 4, PART = 300 << 10 };
    CHECK(env_up(e));
    int fd = vfs_open(&e->v, "/sim/out.bin", VFS_O_RDWR | VFS_O_CREAT | VFS_O_EXCL, 0644);
    REQUIRE(fd >= 0, "create = %d", fd);
    static uint8_t data[N * PART];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + i / 4093);
    e->d.deferred = 1u << QREQ;
    e->d.lifo = true;
    static struct vfs_aio ops[N];
    for (unsigned i = 0; i < N; i++) {
        ops[i] = (struct vfs_aio){.fd = fd, .write = true, .buf = data + i * PART, .len = PART, .off = i * PART};
        int err = vfs_aio_submit(&e->v, &ops[i]);
        REQUIRE(err == 0, "submit write %u = %d", i, err);
    }
    int err = vfs_aio_wait_all(&e->v);
    REQUIRE(err == 0, "wait_all = %d", err);
    for (unsigned i = 0; i < N; i++)
        REQUIRE(ops[i].result == PART, "write %u = %lld", i, (long long)ops[i].result);
    struct vfs_stat st;
    REQUIRE(vfs_fstat(&e->v, fd, &st) == 0 && st.size == sizeof data, "size after the writes: %llu",
            (unsigned long long)st.size);
    const struct simfs_node *n = node(e, "out.bin");
    for (size_t i = 0; i < sizeof data; i++)
        REQUIRE(simfs_byte(n, i) == data[i], "byte %zu on the server is %#x, want %#x", i, simfs_byte(n, i),
                data[i]);

    e->d.lifo = false; /* the first WRITE sent is the first the server sees */
    simfs_fault(&e->fs, SIMFS_FAULT_WRITE_LESS, FUSE_WRITE, 1, 1000);
    ops[0] = (struct vfs_aio){.fd = fd, .write = true, .buf = data, .len = 4096, .off = 0};
    ops[1] = (struct vfs_aio){.fd = fd, .write = true, .buf = data, .len = 4096, .off = 8192};
    REQUIRE(vfs_aio_submit(&e->v, &ops[0]) == 0 && vfs_aio_submit(&e->v, &ops[1]) == 0, "submit");
    vfs_aio_wait_all(&e->v);
    REQUIRE(ops[0].result == 1000 && ops[1].result == 4096, "a write the device took 1000 bytes of = %lld, the "
            "other = %lld", (long long)ops[0].result, (long long)ops[1].result);
    REQUIRE(vfs_close(&e->v, fd) == 0, "close");
    return true;
}

/* A close while operations on the fd are in flight: their requests are
 * waited for, nothing more is sent, each says how far it got; an unmount
 * with operations in flight does the same, and nothing leaks. */
static bool t_close_in_flight(struct env *e)
{
    CHECK(env_up(e));
    int fd = vfs_open(&e->v, "/sim/huge.bin", VFS_O_RDONLY, 0);
    int other = vfs_open(&e->v, "/sim/hello.txt", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0 && other >= 0, "open");
    e->d.deferred = 1u << QREQ;
    static struct vfs_aio ops[3];
    const struct simfs_node *huge = node(e, "huge.bin");
    bool ok = submit_read(e, &ops[0], fd, huge->size) && submit_read(e, &ops[1], fd, huge->size) &&
              submit_read(e, &ops[2], other, 100);
    int cerr = vfs_close(&e->v, fd);
    bool first_whole = ok && ops[0].done && read_right(e, &ops[0], "huge.bin");
    int64_t r1 = ops[1].result;
    bool r1_right = ops[1].done && (r1 == -VS_EBADF || (r1 > 0 && r1 < (int64_t)huge->size &&
                                                        same_content(huge, ops[1].buf, 0, (size_t)r1, "op 1")));
    struct vfs_aio *a = vfs_aio_wait_any(&e->v), *b = vfs_aio_wait_any(&e->v), *c = vfs_aio_wait_any(&e->v);
    bool hello = read_right(e, &ops[2], "hello.txt");
    free_bufs(ops, 3);
    vfs_close(&e->v, other);
    CHECK(ok);
    REQUIRE(cerr == 0, "close with operations in flight = %d", cerr);
    CHECK(first_whole);
    REQUIRE(r1_right, "the operation cut by close: result %lld (done %d)", (long long)r1, ops[1].done);
    REQUIRE(a == &ops[0] && b == &ops[1] && c == &ops[2], "handed back out of submit order");
    CHECK(hello);

    fd = vfs_open(&e->v, "/sim/huge.bin", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open again");
    ok = submit_read(e, &ops[0], fd, huge->size);
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount");
    int err = vfs_aio_wait_all(&e->v);
    int64_t r0 = ops[0].result;
    free_bufs(ops, 1);
    CHECK(ok);
    REQUIRE(err == 0 && r0 > 0, "after an unmount with a read in flight: wait_all %d, result %lld", err,
            (long long)r0);
    REQUIRE(e->v.aio == NULL, "the state outlived the operations");
    return true;
}

int main(void)
{
    run("five reads of four files: six requests out before the first answer, each its own data",
        t_several_in_flight);
    run("the device answers out of order: wait_any hands back each as it is done", t_out_of_order);
    run("error replies fail their own operations only, each with its error; bad submits refused",
        t_errors_per_request);
    run("one request stalls: the others come back at once, it times out, its late answer lands in its held "
        "buffer alone", t_timeout_of_one);
    run("a stalled request times out one timeout after it was sent while others keep coming back",
        t_timeout_while_busy);
    run("without dma_hold: one at a time through the bounce buffer; a late answer never reaches freed memory",
        t_bounce_and_late);
    run("40 reads on a queue of 8 entries: two chains at once, a stat in between, all right", t_queue_full);
    run("12 reads with 4 slots: two out at once, two slots left for others", t_slots_full);
    run("four writes side by side answered in reverse order; a short WRITE makes its operation short",
        t_writes);
    run("close and unmount with operations in flight: waited for, cut, handed back, nothing leaks",
        t_close_in_flight);
    printf("%d cases, %d failed\n", cases, failures);
    return failures ? 1 : 0;
}
