/* SPDX-License-Identifier: BSD-2-Clause */
/* Where a mount's time goes (stats.h): the doorbell writes of both queues
 * with the time each took, and the waits that found their reply not yet
 * there with the time until it came.  The port's clock here is the test's
 * own: it moves only when the device is notified (a doorbell's cost) and
 * when the core relaxes while it polls (a wait's), so every figure has one
 * right value. */
#include <string.h>

#include "simenv.h"
#include "vfs_internal.h"
#include "vs_errno.h"

#define QHIPRIO 0
#define QREQ 1
#define DOORBELL_NS 7000u
#define RELAX_NS 5000u

static uint64_t clock_ns = 1000000000ull;

static uint64_t test_now(void *ctx)
{
    (void)ctx;
    return clock_ns;
}

static void doorbell_costs(void *arg)
{
    (void)arg;
    clock_ns += DOORBELL_NS;
}

/* The device moves at every second relax of the core: a wait that finds
 * its reply missing turns twice. */
static unsigned long relaxes;

static void relax_costs(void *d)
{
    clock_ns += RELAX_NS;
    if (++relaxes % 2 == 0)
        simdev_relax(d);
}

/* An environment on the test's clock; with deferred, the request queue is
 * answered only while the core waits. */
static bool up_on_test_clock(struct env *e, bool deferred)
{
    env_init(e);
    e->hp.port.now_ns = test_now;
    e->hp.relax_hook = relax_costs;
    e->d.notify_hook = doorbell_costs;
    relaxes = 0;
    if (deferred)
        e->d.deferred = 1u << QREQ;
    return env_mount(e);
}

/* Reads all of path with 1 MiB calls (four requests in flight each). */
static bool read_all(struct env *e, const char *path)
{
    static uint8_t buf[1 << 20];
    int fd = vfs_open(&e->v, path, VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open %s = %d", path, fd);
    int64_t got;
    while ((got = vfs_read(&e->v, fd, buf, sizeof buf)) > 0) {
    }
    vfs_close(&e->v, fd);
    REQUIRE(got == 0, "read %s = %lld", path, (long long)got);
    return true;
}

/* Stats, reads, creates, writes and unlinks: requests of every kind on the
 * request queue, and a FORGET on the hiprio queue. */
static bool workload(struct env *e)
{
    struct vfs_stat st;
    REQUIRE(vfs_stat(&e->v, "/sim/hello.txt", &st) == 0, "stat hello.txt");
    CHECK(read_all(e, "/sim/huge.bin"));
    int fd = vfs_open(&e->v, "/sim/new.txt", VFS_O_WRONLY | VFS_O_CREAT | VFS_O_EXCL, 0644);
    REQUIRE(fd >= 0, "create new.txt = %d", fd);
    REQUIRE(vfs_write(&e->v, fd, "stats\n", 6) == 6, "write new.txt");
    REQUIRE(vfs_close(&e->v, fd) == 0, "close new.txt");
    int err = vfs_unlink(&e->v, "/sim/new.txt");
    REQUIRE(err == 0, "unlink new.txt = %d (%s)", err, vs_errno_name(err));
    return true;
}

static const struct vs_stats *stats_of(struct env *e)
{
    return vfs_mount_stats(&e->v, 0);
}

static unsigned long notifies(const struct env *e)
{
    return e->d.q[QHIPRIO].notifies + e->d.q[QREQ].notifies;
}

/* Every doorbell the device saw since the statistics' reset (when it had
 * seen `before`), on both queues, counted with its time. */
static bool doorbells_right(struct env *e, const struct vs_stats *s, unsigned long before)
{
    unsigned long seen = notifies(e) - before;
    REQUIRE(s->doorbells == seen, "%llu doorbells counted, the device saw %lu", (unsigned long long)s->doorbells,
            seen);
    REQUIRE(e->d.q[QHIPRIO].notifies > 0, "no FORGET rang the hiprio queue's doorbell");
    REQUIRE(s->doorbell_ns == (uint64_t)DOORBELL_NS * s->doorbells, "doorbell time %llu ns for %llu, want %u each",
            (unsigned long long)s->doorbell_ns, (unsigned long long)s->doorbells, DOORBELL_NS);
    return true;
}

static bool t_answered_at_the_doorbell(struct env *e)
{
    CHECK(up_on_test_clock(e, false));
    vfs_mount_stats_reset(&e->v, 0);
    unsigned long before = notifies(e);
    CHECK(workload(e));
    const struct vs_stats *s = stats_of(e);
    CHECK(doorbells_right(e, s, before));
    REQUIRE(e->hp.relax_calls == 0, "the core relaxed %lu times", e->hp.relax_calls);
    REQUIRE(s->waits == 0 && s->wait_ns == 0, "%llu waits of %llu ns counted, but every reply was in at once",
            (unsigned long long)s->waits, (unsigned long long)s->wait_ns);
    return true;
}

static bool t_answered_while_waiting(struct env *e)
{
    CHECK(up_on_test_clock(e, true));
    vfs_mount_stats_reset(&e->v, 0);
    unsigned long relaxed = e->hp.relax_calls, before = notifies(e);
    CHECK(workload(e));
    const struct vs_stats *s = stats_of(e);
    CHECK(doorbells_right(e, s, before));
    /* Each step of the device answers everything pending, so a wait that
     * found its reply missing relaxed twice; the waits after it in the same
     * read found theirs in. */
    uint64_t turns = e->hp.relax_calls - relaxed, waited = turns / 2, answered = 0;
    for (unsigned op = 0; op < VS_STATS_OPS; op++)
        answered += s->op[op].count;
    answered -= s->unanswered;
    REQUIRE(waited >= 4 && turns % 2 == 0, "%llu turns of waits", (unsigned long long)turns);
    REQUIRE(s->waits == waited, "%llu waits counted, the core relaxed %llu times, twice a wait",
            (unsigned long long)s->waits, (unsigned long long)turns);
    REQUIRE(answered > waited, "%llu requests answered in %llu waits: the read's four should share one",
            (unsigned long long)answered, (unsigned long long)waited);
    REQUIRE(s->wait_ns == (uint64_t)RELAX_NS * turns, "wait time %llu ns for %llu turns, want %u each",
            (unsigned long long)s->wait_ns, (unsigned long long)turns, RELAX_NS);
    vfs_mount_stats_reset(&e->v, 0);
    REQUIRE(s->waits == 0 && s->wait_ns == 0 && s->doorbells == 0 && s->doorbell_ns == 0,
            "a reset left waits %llu, doorbells %llu", (unsigned long long)s->waits,
            (unsigned long long)s->doorbells);
    return true;
}

static bool t_no_doorbell_wanted(struct env *e)
{
    env_init(e);
    e->hp.port.now_ns = test_now;
    e->hp.relax_hook = relax_costs;
    e->d.notify_hook = doorbell_costs;
    e->d.no_notify = true;
    relaxes = 0;
    CHECK(env_mount(e));
    vfs_mount_stats_reset(&e->v, 0);
    unsigned long before = notifies(e);
    CHECK(workload(e));
    const struct vs_stats *s = stats_of(e);
    REQUIRE(notifies(e) == before, "the device was notified %lu times", notifies(e) - before);
    REQUIRE(s->doorbells == 0 && s->doorbell_ns == 0, "%llu doorbells of %llu ns counted, none written",
            (unsigned long long)s->doorbells, (unsigned long long)s->doorbell_ns);
    REQUIRE(s->waits > 0 && s->wait_ns > 0, "no wait counted");
    return true;
}

int main(void)
{
    run("a device that answers at the doorbell: every doorbell of both queues timed, no wait counted",
        t_answered_at_the_doorbell);
    run("a device that answers at every second turn of a wait: one wait for each reply not yet in, with its time; "
        "a reset zeroes them", t_answered_while_waiting);
    run("a device that wants no doorbell: none written, none counted, the waits counted", t_no_doorbell_wanted);
    printf("%d cases, %d failed\n", cases, failures);
    return failures ? 1 : 0;
}
