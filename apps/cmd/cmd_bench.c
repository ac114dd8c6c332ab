/* SPDX-License-Identifier: BSD-2-Clause */
/* `bench DIR` (SPEC §6): the eight workloads over a tree made by
 * tools/mkbenchshare, each timed with the port's clock. */
#include "commands.h"
#include "bootload.h"
#include "fmt.h"
#include "vs_errno.h"

#define MIB (1u << 20)
#define SMALL_FILES 1000
#define STAT_OPS 10000
#define READDIR_ROUNDS 20
#define WRITE_MIBS 256
#define CREATE_FILES 1000

/* What the mount's statistics had counted at a workload's start. */
struct mark {
    uint64_t waits, wait_ns, doorbells, doorbell_ns, requests;
};

struct bench {
    struct app *a;
    const char *dir;
    const struct vs_stats *stats; /* of dir's mount; NULL without them */
    struct mark start;
    char path[VFS_PATH_MAX + 1];
    uint8_t *buf;       /* 1 MiB */
};

static uint64_t now(struct app *a)
{
    return a->port->now_ns(a->port->ctx);
}

static struct mark mark(const struct vs_stats *s)
{
    struct mark m = {s->waits, s->wait_ns, s->doorbells, s->doorbell_ns, 0};
    for (unsigned op = 0; op < VS_STATS_OPS; op++)
        m.requests += s->op[op].count;
    return m;
}

/* A workload's start: its clock, and what the statistics say so far. */
static uint64_t begin(struct bench *b)
{
    if (b->stats)
        b->start = mark(b->stats);
    return now(b->a);
}

/* " NAME=X.YY" of v / per, to a hundredth. */
static void put_ratio(struct app *a, const char *name, uint64_t v, uint64_t per)
{
    uint64_t t = v * 100 / (per ? per : 1);
    app_printf(a, " %s=%llu.%02llu", name, (unsigned long long)(t / 100), (unsigned long long)(t % 100));
}

/* Where a workload's ns went, per unit (count of them), from its start to
 * e: the time waiting for replies, writing doorbells, and the rest (the
 * guest's own work), with the requests, waits and doorbells a unit took. */
static void print_where_upto(struct bench *b, const char *w, uint64_t ns, uint64_t count, const char *unit,
                             struct mark e)
{
    if (!b->stats)
        return;
    struct mark s = b->start;
    uint64_t wait = e.wait_ns - s.wait_ns, bell = e.doorbell_ns - s.doorbell_ns;
    uint64_t rest = ns > wait + bell ? ns - wait - bell : 0;
    app_printf(b->a, "  %s per %s:", w, unit);
    put_ratio(b->a, "us", ns, count * 1000);
    put_ratio(b->a, "waiting_us", wait, count * 1000);
    put_ratio(b->a, "doorbells_us", bell, count * 1000);
    put_ratio(b->a, "rest_us", rest, count * 1000);
    put_ratio(b->a, "requests", e.requests - s.requests, count);
    put_ratio(b->a, "waits", e.waits - s.waits, count);
    put_ratio(b->a, "doorbells", e.doorbells - s.doorbells, count);
    app_printf(b->a, "\n");
}

/* print_where_upto, to the workload's end: now. */
static void print_where(struct bench *b, const char *w, uint64_t ns, uint64_t count, const char *unit)
{
    if (b->stats)
        print_where_upto(b, w, ns, count, unit, mark(b->stats));
}

/* "DIR/<fmt>" into b->path. */
static const char *bpath(struct bench *b, const char *fmt, unsigned i)
{
    char name[64];
    vs_snprintf(name, sizeof(name), fmt, i);
    vs_snprintf(b->path, sizeof(b->path), "%s/%s", b->dir, name);
    return b->path;
}

/* Prints secs=S and a rate "NAME=X" of count per second, from ns, with
 * fixed-point arithmetic (no floating point in the guest). */
static void print_rate_only(struct app *a, uint64_t ns, uint64_t count, uint64_t unit, const char *name)
{
    uint64_t ms = ns / 1000000, us = ns / 1000 ? ns / 1000 : 1;
    /* count * 1e6 / us / unit, to one decimal: exact enough, and no overflow
     * for any count below 1.8e12. */
    uint64_t tenths = count * 10000000ull / us / unit;
    app_printf(a, " secs=%llu.%03llu %s=%llu.%llu", (unsigned long long)(ms / 1000),
               (unsigned long long)(ms % 1000), name, (unsigned long long)(tenths / 10),
               (unsigned long long)(tenths % 10));
}

static void print_rate(struct app *a, uint64_t ns, uint64_t count, uint64_t unit, const char *name)
{
    print_rate_only(a, ns, count, unit, name);
    app_printf(a, "\n");
}

static int fail(struct bench *b, const char *what, const char *path, int err)
{
    app_error(b->a, what, path, err);
    return err;
}

static int w1_seqread(struct bench *b)
{
    struct vfs *v = &b->a->vfs;
    const char *p = bpath(b, "big.bin", 0);
    uint64_t t0 = begin(b), total = 0;
    int fd = vfs_open(v, p, VFS_O_RDONLY, 0);
    if (fd < 0)
        return fail(b, "bench", p, fd);
    for (;;) {
        int64_t got = vfs_read(v, fd, b->buf, MIB);
        if (got < 0) {
            vfs_close(v, fd);
            return fail(b, "bench", p, (int)got);
        }
        if (got == 0)
            break;
        total += (uint64_t)got;
    }
    vfs_close(v, fd);
    uint64_t ns = now(b->a) - t0;
    app_printf(b->a, "W1 seqread bytes=%llu", (unsigned long long)total);
    print_rate(b->a, ns, total, 1000000, "MBps");
    print_where(b, "W1", ns, total / MIB, "MiB");
    return 0;
}

static int w2_smallfiles(struct bench *b)
{
    struct vfs *v = &b->a->vfs;
    uint64_t hash = 0xcbf29ce484222325ull, bytes = 0, t0 = begin(b);
    for (unsigned i = 0; i < SMALL_FILES; i++) {
        const char *p = bpath(b, "small/f%05u", i);
        int fd = vfs_open(v, p, VFS_O_RDONLY, 0);
        if (fd < 0)
            return fail(b, "bench", p, fd);
        int64_t got;
        while ((got = vfs_read(v, fd, b->buf, MIB)) > 0) {
            for (int64_t k = 0; k < got; k++)
                hash = (hash ^ b->buf[k]) * 0x100000001b3ull;
            bytes += (uint64_t)got;
        }
        vfs_close(v, fd);
        if (got < 0)
            return fail(b, "bench", p, (int)got);
    }
    uint64_t ns = now(b->a) - t0;
    app_printf(b->a, "W2 smallfiles files=%u bytes=%llu", SMALL_FILES, (unsigned long long)bytes);
    print_rate_only(b->a, ns, SMALL_FILES, 1, "files_per_s");
    app_printf(b->a, " hash=%016llx\n", (unsigned long long)hash);
    print_where(b, "W2", ns, SMALL_FILES, "file");
    return 0;
}

static int w3_stat(struct bench *b)
{
    struct vfs_stat st;
    uint64_t t0 = begin(b);
    for (unsigned i = 0; i < STAT_OPS; i++) {
        const char *p = bpath(b, "small/f%05u", i % SMALL_FILES);
        int err = vfs_stat(&b->a->vfs, p, &st);
        if (err)
            return fail(b, "bench", p, err);
    }
    uint64_t ns = now(b->a) - t0;
    app_printf(b->a, "W3 stat ops=%u", STAT_OPS);
    print_rate(b->a, ns, STAT_OPS, 1, "ops_per_s");
    print_where(b, "W3", ns, STAT_OPS, "stat");
    return 0;
}

static int w4_readdir(struct bench *b)
{
    struct vfs *v = &b->a->vfs;
    struct vfs_dirent de;
    uint64_t entries = 0, t0 = begin(b);
    const char *p = bpath(b, "small", 0);
    for (unsigned round = 0; round < READDIR_ROUNDS; round++) {
        int dd = vfs_opendir(v, p);
        if (dd < 0)
            return fail(b, "bench", p, dd);
        int r;
        while ((r = vfs_readdir(v, dd, &de)) == 1)
            entries++;
        vfs_closedir(v, dd);
        if (r < 0)
            return fail(b, "bench", p, r);
    }
    uint64_t ns = now(b->a) - t0;
    app_printf(b->a, "W4 readdir entries=%llu", (unsigned long long)entries);
    print_rate(b->a, ns, entries, 1, "entries_per_s");
    print_where(b, "W4", ns, entries, "entry");
    return 0;
}

static int w5_seqwrite(struct bench *b)
{
    struct vfs *v = &b->a->vfs;
    const char *p = bpath(b, "out.bin", 0);
    for (unsigned i = 0; i < MIB; i++)
        b->buf[i] = (uint8_t)(i * 131 + 7);
    uint64_t t0 = begin(b);
    int fd = vfs_open(v, p, VFS_O_WRONLY | VFS_O_CREAT | VFS_O_TRUNC, 0644);
    if (fd < 0)
        return fail(b, "bench", p, fd);
    int err = 0;
    for (unsigned i = 0; i < WRITE_MIBS && !err; i++) {
        int64_t put = vfs_write(v, fd, b->buf, MIB);
        err = put < 0 ? (int)put : put != MIB ? -VS_EIO : 0;
    }
    if (!err)
        err = vfs_fsync(v, fd);
    int cerr = vfs_close(v, fd);
    uint64_t ns = now(b->a) - t0;
    struct mark written = b->stats ? mark(b->stats) : (struct mark){0};
    if (!err)
        err = cerr;
    int uerr = vfs_unlink(v, p);
    if (err || uerr)
        return fail(b, "bench", p, err ? err : uerr);
    app_printf(b->a, "W5 seqwrite bytes=%llu", (unsigned long long)WRITE_MIBS * MIB);
    print_rate(b->a, ns, (uint64_t)WRITE_MIBS * MIB, 1000000, "MBps");
    print_where_upto(b, "W5", ns, WRITE_MIBS, "MiB", written);
    return 0;
}

static int w6_create_unlink(struct bench *b)
{
    struct vfs *v = &b->a->vfs;
    uint64_t t0 = begin(b);
    for (unsigned i = 0; i < CREATE_FILES; i++) {
        const char *p = bpath(b, "c%05u", i);
        int fd = vfs_open(v, p, VFS_O_WRONLY | VFS_O_CREAT | VFS_O_TRUNC, 0644);
        if (fd < 0)
            return fail(b, "bench", p, fd);
        int err = vfs_close(v, fd);
        if (err)
            return fail(b, "bench", p, err);
    }
    for (unsigned i = 0; i < CREATE_FILES; i++) {
        const char *p = bpath(b, "c%05u", i);
        int err = vfs_unlink(v, p);
        if (err)
            return fail(b, "bench", p, err);
    }
    uint64_t ns = now(b->a) - t0;
    app_printf(b->a, "W6 create_unlink files=%u", CREATE_FILES);
    print_rate(b->a, ns, 2 * CREATE_FILES, 1, "ops_per_s");
    print_where(b, "W6", ns, 2 * CREATE_FILES, "op");
    return 0;
}

/* W7: what `manifest -n DIR/tree` gathers, without printing it. */
static int w7_walk(struct bench *b)
{
    size_t entries = 0;
    uint64_t t0 = begin(b);
    int err = manifest_walk(b->a, bpath(b, "tree", 0), &entries);
    if (err)
        return err; /* reported by manifest_walk */
    uint64_t ns = now(b->a) - t0;
    app_printf(b->a, "W7 walk entries=%llu", (unsigned long long)entries);
    print_rate(b->a, ns, entries, 1, "entries_per_s");
    print_where(b, "W7", ns, entries, "entry");
    return 0;
}

/* W8: the kernel and the initrd read whole into memory by boot's own
 * loading, each buffer freed once read. */
static int w8_bootload(struct bench *b)
{
    static const char *const files[] = {"boot/vmlinuz", "boot/initrd.img"};
    uint64_t total = 0, t0 = begin(b);
    for (size_t i = 0; i < VS_ARRAY_SIZE(files); i++) {
        void *p;
        size_t size;
        int err = boot_load_quiet(b->a, bpath(b, files[i], 0), &p, &size);
        if (err)
            return err; /* reported by boot_load_quiet */
        b->a->port->free(b->a->port->ctx, p);
        total += size;
    }
    uint64_t ns = now(b->a) - t0;
    app_printf(b->a, "W8 bootload bytes=%llu", (unsigned long long)total);
    print_rate(b->a, ns, total, 1000000, "MBps");
    print_where(b, "W8", ns, (total + MIB / 2) / MIB, "MiB");
    return 0;
}

int cmd_bench(struct app *a, int argc, char **argv)
{
    if (argc != 2) {
        app_usage(a, "bench", -VS_EINVAL, "usage: bench DIR");
        return -VS_EINVAL;
    }
    struct bench *b = a->port->alloc(a->port->ctx, sizeof(*b));
    uint8_t *buf = a->port->alloc(a->port->ctx, MIB);
    int err = b && buf ? 0 : -VS_ENOMEM;
    if (!err) {
        b->a = a;
        b->dir = argv[1];
        b->stats = vfs_mount_stats(&a->vfs, app_mount_slot(a, argv[1]));
        b->buf = buf;
        int (*const steps[])(struct bench *) = {w1_seqread, w2_smallfiles, w3_stat, w4_readdir, w5_seqwrite,
                                                w6_create_unlink, w7_walk, w8_bootload};
        for (size_t i = 0; i < VS_ARRAY_SIZE(steps) && !err; i++)
            err = steps[i](b);
    } else {
        app_error(a, "bench", argv[1], err);
    }
    a->port->free(a->port->ctx, buf);
    a->port->free(a->port->ctx, b);
    return err;
}
