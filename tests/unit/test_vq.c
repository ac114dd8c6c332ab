/* SPDX-License-Identifier: BSD-2-Clause */
/* The split virtqueue (virtio/vq.c) against the simulated device, at ring
 * level: no FUSE.  The device reads the rings from memory as hardware would;
 * an "echo" handler answers each chain with its request bytes XOR 0x5a. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "hostport.h"
#include "simdev.h"
#include "vq.h"
#include "vs_errno.h"

/* ---- Fixture ------------------------------------------------------------ */

struct echo {
    unsigned calls;
    uint32_t last_req_len, last_writable;
    uint8_t last_req[256];
};

static uint32_t echo_handler(void *ctx, uint16_t queue, const uint8_t *req, uint32_t req_len, uint8_t *reply,
                             uint32_t writable, uint32_t reply_max)
{
    struct echo *e = ctx;
    (void)queue;
    (void)reply_max;
    e->calls++;
    e->last_req_len = req_len;
    e->last_writable = writable;
    memcpy(e->last_req, req, req_len < sizeof e->last_req ? req_len : sizeof e->last_req);
    uint32_t n = req_len < writable ? req_len : writable;
    for (uint32_t i = 0; i < n; i++)
        reply[i] = req[i] ^ 0x5a;
    return n;
}

struct fx {
    struct hostport hp;
    struct hostport_mark mark;
    struct simdev d;
    struct echo echo;
    struct vq vq;
    uint8_t *arena;     /* buffers the chains point at */
    bool ready;
};

#define ARENA 65536

static bool fx_setup(struct fx *f, uint16_t size, unsigned deferred)
{
    memset(f, 0, sizeof(*f));
    hostport_init(&f->hp);
    f->mark = hostport_mark(&f->hp);
    simdev_init(&f->d, &f->hp);
    simdev_set_handler(&f->d, echo_handler, &f->echo);
    f->d.deferred = deferred;
    simdev_quick_start(&f->d);
    f->arena = calloc(1, ARENA);
    int err = vq_init(&f->vq, &f->hp.port, 1, size);
    REQUIRE(err == 0 && f->arena, "vq_init(%u) = %d", size, err);
    err = f->d.tr.queue_enable(f->d.tr.t, &f->vq);
    REQUIRE(err == 0 && f->vq.notify, "queue_enable = %d", err);
    f->ready = true;
    return true;
}

/* Tears down; a case that passed still fails if memory leaked or the driver
 * broke the ring protocol. */
static bool fx_teardown(struct fx *f, bool ok)
{
    char leak[200];
    f->d.tr.set_status(f->d.tr.t, 0);
    vq_fini(&f->vq);
    unsigned long derr = f->d.driver_errors;
    char dmsg[200];
    snprintf(dmsg, sizeof dmsg, "%s", f->d.driver_error);
    simdev_fini(&f->d);
    free(f->arena);
    bool same = hostport_same(&f->hp, f->mark, leak, sizeof leak);
    hostport_fini(&f->hp);
    if (ok && derr) {
        snprintf(why, sizeof why, "the device saw a driver error: %s", dmsg);
        return false;
    }
    if (ok && !same) {
        snprintf(why, sizeof why, "after vq_fini: %s", leak);
        return false;
    }
    return ok;
}

static struct vq_buf abuf(struct fx *f, uint32_t off, uint32_t len)
{
    struct vq_buf b = {(uint64_t)(uintptr_t)(f->arena + off), len};
    return b;
}

static void *tok(uintptr_t n)
{
    return (void *)(n + 0x1000);
}

static void run(const char *name, bool (*fn)(struct fx *))
{
    struct fx f;
    why[0] = 0;
    bool ok = fn(&f);
    ok = fx_teardown(&f, ok);
    check(name, ok, why);
}

/* A small deterministic generator. */
static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Fills the queue with single-descriptor chains: exactly vq->size must go in,
 * then -ENOSPC.  Leaves them in flight. */
static bool fill_exactly(struct fx *f, uintptr_t base_tok)
{
    for (unsigned i = 0; i < f->vq.size; i++) {
        struct vq_buf b = abuf(f, i, 1);
        int err = vq_add(&f->vq, &b, 1, 0, tok(base_tok + i));
        REQUIRE(err == 0, "fill: add %u of %u = %d", i, f->vq.size, err);
    }
    struct vq_buf b = abuf(f, 0, 1);
    int err = vq_add(&f->vq, &b, 1, 0, tok(999999));
    REQUIRE(err == -VS_ENOSPC, "fill: add beyond %u = %d, want -ENOSPC", f->vq.size, err);
    return true;
}

/* ---- Set-up ------------------------------------------------------------- */

static bool t_init_sizes(struct fx *f)
{
    if (!fx_setup(f, 8, 0))
        return false;
    static const uint16_t bad[] = {0, 3, 6, 100, 32767, 40000, 65535};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct vq q;
        struct hostport_mark m = hostport_mark(&f->hp);
        int err = vq_init(&q, &f->hp.port, 1, bad[i]);
        REQUIRE(err == -VS_EINVAL, "vq_init(size %u) = %d, want -EINVAL", bad[i], err);
        REQUIRE(hostport_same(&f->hp, m, why, sizeof why), "vq_init(size %u) failed but allocated", bad[i]);
        vq_fini(&q); /* harmless after a failed init */
    }
    static const uint16_t good[] = {1, 2, 4, 256, 32768};
    for (unsigned i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct vq q;
        struct hostport_mark m = hostport_mark(&f->hp);
        int err = vq_init(&q, &f->hp.port, 0, good[i]);
        REQUIRE(err == 0, "vq_init(size %u) = %d", good[i], err);
        REQUIRE(q.size == good[i] && q.num_free == good[i] && vq_in_flight(&q) == 0 && !q.broken,
                "size %u: size %u num_free %u", good[i], q.size, q.num_free);
        vq_fini(&q);
        vq_fini(&q); /* twice is harmless */
        REQUIRE(hostport_same(&f->hp, m, why, sizeof why), "vq_fini(size %u) left memory", good[i]);
    }
    return true;
}

static bool t_layout(struct fx *f)
{
    if (!fx_setup(f, 8, 0))
        return false;
    static const uint16_t sizes[] = {1, 2, 8, 256, 1024, 32768};
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct vq q;
        uint16_t n = sizes[i];
        REQUIRE(vq_init(&q, &f->hp.port, 1, n) == 0, "vq_init(%u)", n);
        uint64_t base = (uint64_t)(uintptr_t)q.mem;
        bool ok = q.desc_addr % 16 == 0 && q.avail_addr % 2 == 0 && q.used_addr % 4 == 0 &&
                  q.desc_addr >= base && q.desc_addr + 16ull * n <= q.avail_addr &&
                  q.avail_addr + 6 + 2ull * n <= q.used_addr &&
                  q.used_addr + 6 + 8ull * n <= base + q.mem_size &&
                  hostport_is_dma(&f->hp, q.desc_addr, 16ull * n) &&
                  hostport_is_dma(&f->hp, q.used_addr, 6 + 8ull * n) &&
                  (void *)q.desc == q.mem && (uint64_t)(uintptr_t)q.avail == q.avail_addr &&
                  (uint64_t)(uintptr_t)q.used == q.used_addr;
        uint64_t d = q.desc_addr, a = q.avail_addr, u = q.used_addr;
        size_t ms = q.mem_size;
        vq_fini(&q);
        REQUIRE(ok, "size %u: desc %#llx avail %#llx used %#llx mem %zu", n, (unsigned long long)d,
                (unsigned long long)a, (unsigned long long)u, ms);
    }
    return true;
}

static bool t_init_nomem(struct fx *f)
{
    if (!fx_setup(f, 8, 0))
        return false;
    for (int which = 0; which < 3; which++) {
        struct vq q;
        struct hostport_mark m = hostport_mark(&f->hp);
        if (which == 0)
            f->hp.fail_dma_in = 1;
        else
            f->hp.fail_alloc_in = which; /* the slot table, then the next links */
        int err = vq_init(&q, &f->hp.port, 1, 64);
        f->hp.fail_dma_in = f->hp.fail_alloc_in = 0;
        REQUIRE(err == -VS_ENOMEM, "allocation %d failing: vq_init = %d, want -ENOMEM", which, err);
        REQUIRE(hostport_same(&f->hp, m, why, sizeof why), "allocation %d failing leaked", which);
    }
    return true;
}

/* ---- Round trips -------------------------------------------------------- */

static bool t_round_trip(struct fx *f)
{
    if (!fx_setup(f, 8, 0))
        return false;
    memcpy(f->arena, "hello, device", 13);
    struct vq_buf b[2] = {abuf(f, 0, 13), abuf(f, 1024, 64)};
    REQUIRE(vq_add(&f->vq, b, 1, 1, tok(7)) == 0, "vq_add");
    REQUIRE(f->vq.num_free == 6 && vq_in_flight(&f->vq) == 1, "num_free %u in flight %u", f->vq.num_free,
            vq_in_flight(&f->vq));
    vq_kick(&f->vq);
    REQUIRE(f->d.q[1].notifies == 1 && f->echo.calls == 1, "notifies %lu calls %u", f->d.q[1].notifies,
            f->echo.calls);
    REQUIRE(f->echo.last_req_len == 13 && f->echo.last_writable == 64 &&
                !memcmp(f->echo.last_req, "hello, device", 13),
            "device saw %u readable, %u writable", f->echo.last_req_len, f->echo.last_writable);
    void *t = NULL;
    uint32_t len = 0;
    int r = vq_get_used(&f->vq, &t, &len);
    REQUIRE(r == 1 && t == tok(7) && len == 13, "get_used = %d tok %p len %u", r, t, len);
    for (int i = 0; i < 13; i++)
        REQUIRE(f->arena[1024 + i] == ("hello, device"[i] ^ 0x5a), "reply byte %d", i);
    t = tok(1);
    len = 77;
    r = vq_get_used(&f->vq, &t, &len);
    REQUIRE(r == 0 && t == tok(1) && len == 77, "second get_used = %d (or touched its outputs)", r);
    REQUIRE(f->vq.num_free == 8 && vq_in_flight(&f->vq) == 0, "num_free %u after completion", f->vq.num_free);
    return true;
}

static bool t_kick_publishes(struct fx *f)
{
    if (!fx_setup(f, 8, 1u << 1))
        return false;
    struct vq_buf b[2] = {abuf(f, 0, 4), abuf(f, 64, 4)};
    REQUIRE(vq_add(&f->vq, b, 1, 1, tok(1)) == 0, "vq_add");
    unsigned before = simdev_fetch(&f->d, 1);
    vq_kick(&f->vq);
    unsigned after = simdev_fetch(&f->d, 1);
    REQUIRE(before == 0 && after == 1, "the device saw %u chains before the kick, %u after", before, after);
    REQUIRE(f->d.q[1].notifies == 1, "notifies %lu", f->d.q[1].notifies);
    simdev_step(&f->d);
    void *t;
    uint32_t len;
    REQUIRE(vq_get_used(&f->vq, &t, &len) == 1 && t == tok(1) && len == 4, "completion");
    return true;
}

static bool t_gather_scatter(struct fx *f)
{
    if (!fx_setup(f, 8, 0))
        return false;
    static const uint32_t olen[3] = {5, 1, 7}, ilen[3] = {2, 9, 4};
    struct vq_buf b[6];
    uint8_t want[13];
    uint32_t k = 0;
    for (int i = 0; i < 3; i++) {
        b[i] = abuf(f, 100u * (uint32_t)i, olen[i]);
        for (uint32_t j = 0; j < olen[i]; j++) {
            f->arena[100 * i + j] = want[k] = (uint8_t)(0x30 + k);
            k++;
        }
    }
    for (int i = 0; i < 3; i++)
        b[3 + i] = abuf(f, 1000u + 100u * (uint32_t)i, ilen[i]);
    REQUIRE(vq_add(&f->vq, b, 3, 3, tok(3)) == 0, "vq_add 3+3");
    vq_kick(&f->vq);
    REQUIRE(f->echo.last_req_len == 13 && !memcmp(f->echo.last_req, want, 13) && f->echo.last_writable == 15,
            "device gathered %u bytes, %u writable", f->echo.last_req_len, f->echo.last_writable);
    void *t;
    uint32_t len;
    REQUIRE(vq_get_used(&f->vq, &t, &len) == 1 && t == tok(3) && len == 13, "get_used len %u", len);
    k = 0;
    for (int i = 0; i < 3; i++)
        for (uint32_t j = 0; j < ilen[i] && k < 13; j++, k++)
            REQUIRE(f->arena[1000 + 100 * i + j] == (want[k] ^ 0x5a), "reply byte %u in buffer %d", k, i);
    REQUIRE(f->vq.num_free == 8, "num_free %u", f->vq.num_free);
    return true;
}

static bool t_wrap(struct fx *f)
{
    if (!fx_setup(f, 4, 0))
        return false;
    const unsigned iters = 70000; /* the 16-bit ring indexes wrap once */
    for (unsigned it = 0; it < iters; it++) {
        unsigned n = 1 + rnd() % 4, n_out = 1 + rnd() % n, n_in = n - n_out;
        struct vq_buf b[4];
        uint32_t out_bytes = 0, in_bytes = 0;
        for (unsigned i = 0; i < n; i++) {
            uint32_t l = 1 + rnd() % 32;
            b[i] = abuf(f, 64u * i, l);
            if (i < n_out) {
                for (uint32_t j = 0; j < l; j++)
                    f->arena[64 * i + j] = (uint8_t)(it + j);
                out_bytes += l;
            } else {
                in_bytes += l;
            }
        }
        int err = vq_add(&f->vq, b, n_out, n_in, tok(it));
        REQUIRE(err == 0, "iteration %u: vq_add(%u+%u) = %d", it, n_out, n_in, err);
        vq_kick(&f->vq);
        void *t;
        uint32_t len;
        int r = vq_get_used(&f->vq, &t, &len);
        uint32_t want = out_bytes < in_bytes ? out_bytes : in_bytes;
        REQUIRE(r == 1 && t == tok(it) && len == want, "iteration %u: get_used %d tok %p len %u want %u", it, r,
                t, len, want);
        if (n_in)
            REQUIRE(f->arena[64 * n_out] == (f->arena[0] ^ 0x5a), "iteration %u: reply", it);
        REQUIRE(f->vq.num_free == 4, "iteration %u: num_free %u", it, f->vq.num_free);
    }
    REQUIRE(f->vq.avail_idx == (uint16_t)iters && f->vq.last_used == (uint16_t)iters &&
                f->d.q[1].completed == iters,
            "avail_idx %u last_used %u completed %lu", f->vq.avail_idx, f->vq.last_used, f->d.q[1].completed);
    return fill_exactly(f, 0);
}

static bool t_full(struct fx *f)
{
    if (!fx_setup(f, 8, 1u << 1))
        return false;
    if (!fill_exactly(f, 0))
        return false;
    vq_kick(&f->vq);
    REQUIRE(simdev_fetch(&f->d, 1) == 8, "device took %u chains", simdev_pending(&f->d, 1));
    REQUIRE(simdev_complete(&f->d, 1, 0) == 0, "complete");
    void *t;
    uint32_t len;
    REQUIRE(vq_get_used(&f->vq, &t, &len) == 1 && t == tok(0), "first completion");
    struct vq_buf two[2] = {abuf(f, 0, 1), abuf(f, 1, 1)};
    int err = vq_add(&f->vq, two, 2, 0, tok(50));
    REQUIRE(err == -VS_ENOSPC, "2 descriptors with 1 free = %d, want -ENOSPC", err);
    REQUIRE(f->vq.num_free == 1, "a failed add changed num_free to %u", f->vq.num_free);
    REQUIRE(vq_add(&f->vq, two, 1, 0, tok(51)) == 0, "1 descriptor with 1 free");
    REQUIRE(vq_add(&f->vq, two, 1, 0, tok(52)) == -VS_ENOSPC, "full again");
    vq_kick(&f->vq);
    simdev_step(&f->d);
    unsigned got = 0;
    while (vq_get_used(&f->vq, &t, &len) == 1)
        got++;
    REQUIRE(got == 8 && f->vq.num_free == 8 && vq_in_flight(&f->vq) == 0, "got %u, num_free %u", got,
            f->vq.num_free);
    /* Now chains of 2: four fit, a fifth of 1 does not. */
    for (int i = 0; i < 4; i++)
        REQUIRE(vq_add(&f->vq, two, 1, 1, tok(60 + (uintptr_t)i)) == 0, "pair %d", i);
    REQUIRE(vq_add(&f->vq, two, 1, 0, tok(70)) == -VS_ENOSPC, "ninth descriptor");
    REQUIRE(vq_in_flight(&f->vq) == 4, "in flight %u, want 4 chains", vq_in_flight(&f->vq));
    return true;
}

/* Index of the pending chain whose first request byte is k. */
static int pending_with(struct fx *f, uint8_t k)
{
    for (unsigned i = 0; i < f->d.q[1].npending; i++) {
        if (f->d.q[1].pending[i].req_len && f->d.q[1].pending[i].req[0] == k)
            return (int)i;
    }
    return -1;
}

static bool t_out_of_order(struct fx *f)
{
    if (!fx_setup(f, 16, 1u << 1))
        return false;
    /* Five chains of 1..3 descriptors; chain k's request starts with byte k. */
    uint32_t want_len[5];
    for (unsigned k = 0; k < 5; k++) {
        unsigned n_in = k % 3;
        struct vq_buf b[3];
        uint32_t out_len = 3 + k;
        b[0] = abuf(f, 256 * k, out_len);
        f->arena[256 * k] = (uint8_t)k;
        for (unsigned i = 0; i < n_in; i++)
            b[1 + i] = abuf(f, 4096 + 512 * k + 128 * i, 2);
        want_len[k] = out_len < 2 * n_in ? out_len : 2 * n_in;
        REQUIRE(vq_add(&f->vq, b, 1, n_in, tok(k)) == 0, "add %u", k);
    }
    vq_kick(&f->vq);
    REQUIRE(simdev_fetch(&f->d, 1) == 5, "fetch");
    static const uint8_t order[5] = {3, 0, 4, 1, 2};
    for (int i = 0; i < 5; i++) {
        int p = pending_with(f, order[i]);
        REQUIRE(p >= 0 && simdev_complete(&f->d, 1, (unsigned)p) == 0, "complete chain %u", order[i]);
    }
    for (int i = 0; i < 5; i++) {
        void *t;
        uint32_t len;
        int r = vq_get_used(&f->vq, &t, &len);
        REQUIRE(r == 1 && t == tok(order[i]) && len == want_len[order[i]],
                "completion %d: %d tok %p len %u, want chain %u len %u", i, r, t, len, order[i],
                want_len[order[i]]);
    }
    REQUIRE(f->vq.num_free == 16 && vq_in_flight(&f->vq) == 0, "num_free %u", f->vq.num_free);
    return fill_exactly(f, 100);
}

static bool t_random_in_flight(struct fx *f)
{
    if (!fx_setup(f, 16, 1u << 1))
        return false;
    /* Up to 16 descriptors in flight; the device answers a random chain. */
    static uint32_t want_len[20000];
    static bool done[20000];
    memset(done, 0, sizeof done);
    unsigned submitted = 0, completed = 0;
    while (completed < 20000) {
        if (submitted < 20000 && rnd() % 3) {
            unsigned n = 1 + rnd() % 4, n_in = rnd() % n;
            struct vq_buf b[4];
            for (unsigned i = 0; i < n; i++)
                b[i] = abuf(f, 8192u + 16u * (submitted % 256) + 4096u * (i >= n - n_in), 4);
            int err = vq_add(&f->vq, b, n - n_in, n_in, tok(submitted));
            if (err == -VS_ENOSPC) {
                REQUIRE(f->vq.num_free < n, "-ENOSPC with %u free for %u", f->vq.num_free, n);
            } else {
                REQUIRE(err == 0, "add %u = %d", submitted, err);
                want_len[submitted] = 4 * (n - n_in < n_in ? n - n_in : n_in);
                submitted++;
                vq_kick(&f->vq);
            }
        }
        simdev_fetch(&f->d, 1);
        if (f->d.q[1].npending && rnd() % 2)
            REQUIRE(simdev_complete(&f->d, 1, rnd() % f->d.q[1].npending) == 0, "complete");
        void *t;
        uint32_t len;
        int r;
        while ((r = vq_get_used(&f->vq, &t, &len)) == 1) {
            uintptr_t k = (uintptr_t)t - 0x1000;
            REQUIRE(k < submitted && !done[k], "token %zu returned twice or never submitted", (size_t)k);
            REQUIRE(len == want_len[k], "chain %zu len %u want %u", (size_t)k, len, want_len[k]);
            done[k] = true;
            completed++;
        }
        REQUIRE(r == 0, "get_used = %d", r);
        REQUIRE(vq_in_flight(&f->vq) == submitted - completed, "in flight %u, want %u", vq_in_flight(&f->vq),
                submitted - completed);
    }
    REQUIRE(f->vq.num_free == 16, "num_free %u at the end", f->vq.num_free);
    return fill_exactly(f, 30000);
}

static bool t_scribbled_table(struct fx *f)
{
    if (!fx_setup(f, 8, 1u << 1))
        return false;
    struct vq_buf b[3] = {abuf(f, 0, 4), abuf(f, 8, 4), abuf(f, 16, 4)};
    REQUIRE(vq_add(&f->vq, b, 1, 2, tok(1)) == 0 && vq_add(&f->vq, b, 2, 1, tok(2)) == 0, "adds");
    vq_kick(&f->vq);
    REQUIRE(simdev_fetch(&f->d, 1) == 2, "fetch");
    /* A device may write anything into the descriptor table. */
    for (unsigned i = 0; i < 8; i++) {
        f->d.q[1].desc[i].next = (uint16_t)(0xfff0 + i);
        f->d.q[1].desc[i].flags = 0xffff;
        f->d.q[1].desc[i].len = 0xffffffffu;
    }
    simdev_step(&f->d);
    void *t;
    uint32_t len;
    REQUIRE(vq_get_used(&f->vq, &t, &len) == 1 && vq_get_used(&f->vq, &t, &len) == 1, "completions");
    REQUIRE(f->vq.num_free == 8, "num_free %u", f->vq.num_free);
    return fill_exactly(f, 10);
}

static bool t_no_notify(struct fx *f)
{
    if (!fx_setup(f, 8, 0))
        return false;
    f->d.no_notify = true;
    simdev_step(&f->d); /* the device publishes the flag */
    struct vq_buf b[2] = {abuf(f, 0, 4), abuf(f, 64, 4)};
    REQUIRE(vq_add(&f->vq, b, 1, 1, tok(1)) == 0, "add");
    vq_kick(&f->vq);
    REQUIRE(f->d.q[1].notifies == 0, "notified despite VIRTQ_USED_F_NO_NOTIFY");
    void *t;
    uint32_t len;
    REQUIRE(vq_get_used(&f->vq, &t, &len) == 0, "completion before the device ran");
    simdev_step(&f->d); /* the device polls */
    REQUIRE(vq_get_used(&f->vq, &t, &len) == 1 && t == tok(1), "completion after polling");
    f->d.no_notify = false;
    simdev_step(&f->d);
    REQUIRE(vq_add(&f->vq, b, 1, 1, tok(2)) == 0, "add");
    vq_kick(&f->vq);
    REQUIRE(f->d.q[1].notifies == 1, "no notify once the flag is clear");
    REQUIRE(vq_get_used(&f->vq, &t, &len) == 1 && t == tok(2), "second completion");
    return true;
}

/* VIRTIO_RING_F_EVENT_IDX: kicks follow the device's avail_event, and the
 * driver's used_event asks for an interrupt at the next used element only
 * while interrupts are wanted. */
static bool t_event_idx(struct fx *f)
{
    if (!fx_setup(f, 8, 0))
        return false;
    f->d.features_offered |= VS_F_RING_EVENT_IDX;
    f->d.features_acked |= VS_F_RING_EVENT_IDX;
    vq_use_event_idx(&f->vq);
    simdev_step(&f->d); /* the device publishes avail_event */
    volatile uint16_t *used_event = f->vq.avail + 2 + f->vq.size;
    REQUIRE(*used_event == 0x8000, "polled queue: used_event %u, want 32768 (far away)", *used_event);
    struct vq_buf b[2] = {abuf(f, 0, 4), abuf(f, 64, 4)};
    void *t;
    uint32_t len;
    REQUIRE(vq_add(&f->vq, b, 1, 1, tok(1)) == 0, "add");
    vq_kick(&f->vq);
    REQUIRE(f->d.q[1].notifies == 1 && f->vq.kicks == 1, "avail_event at the next entry: %lu notifies",
            f->d.q[1].notifies);
    REQUIRE(vq_get_used(&f->vq, &t, &len) == 1 && *used_event == 0x8000, "polled: used_event moved to %u",
            *used_event);
    /* The device polls: avail_event far ahead, no kick for two requests. */
    f->d.no_notify = true;
    simdev_step(&f->d);
    for (uintptr_t k = 2; k < 4; k++) {
        REQUIRE(vq_add(&f->vq, b, 1, 1, tok(k)) == 0, "add");
        vq_kick(&f->vq);
    }
    REQUIRE(f->d.q[1].notifies == 1 && f->vq.kicks_spared == 2, "%lu notifies, %llu spared, want 1 and 2",
            f->d.q[1].notifies, (unsigned long long)f->vq.kicks_spared);
    simdev_step(&f->d);
    /* Interrupts wanted: used_event names the next used element, and moves
     * with every one taken. */
    vq_want_irq(&f->vq, true);
    REQUIRE(*used_event == f->vq.last_used, "used_event %u, want %u", *used_event, f->vq.last_used);
    for (int k = 0; k < 2; k++) {
        REQUIRE(vq_get_used(&f->vq, &t, &len) == 1, "completion %d", k);
        REQUIRE(*used_event == f->vq.last_used, "after a completion: used_event %u, want %u", *used_event,
                f->vq.last_used);
    }
    return true;
}

/* ---- The device breaking the protocol ----------------------------------- */

/* Everything fails with -EIO once the queue is broken. */
static bool all_eio(struct fx *f, const char *what)
{
    void *t;
    uint32_t len;
    struct vq_buf b = abuf(f, 0, 4);
    int r1 = vq_get_used(&f->vq, &t, &len);
    int r2 = vq_add(&f->vq, &b, 1, 0, tok(77));
    /* Even a valid element now: the queue stays broken. */
    int r3 = vq_get_used(&f->vq, &t, &len);
    REQUIRE(r1 == -VS_EIO && r2 == -VS_EIO && r3 == -VS_EIO && f->vq.broken,
            "%s: later get_used %d, add %d, get_used %d (want -EIO)", what, r1, r2, r3);
    return true;
}

/* Submits one chain of n_out 4-byte readable and n_in 4-byte writable
 * buffers and lets the deferred device take it (not answer). */
static bool submit(struct fx *f, unsigned n_out, unsigned n_in, uintptr_t t)
{
    struct vq_buf b[8];
    for (unsigned i = 0; i < n_out + n_in; i++)
        b[i] = abuf(f, 64 * i, 4);
    int err = vq_add(&f->vq, b, n_out, n_in, tok(t));
    REQUIRE(err == 0, "vq_add(%u+%u) = %d", n_out, n_in, err);
    vq_kick(&f->vq);
    simdev_fetch(&f->d, 1);
    return true;
}

static bool expect_eio(struct fx *f, const char *what)
{
    void *t = NULL;
    uint32_t len = 0;
    int r = vq_get_used(&f->vq, &t, &len);
    REQUIRE(r == -VS_EIO, "%s: get_used = %d (tok %p len %u), want -EIO", what, r, t, len);
    return all_eio(f, what);
}

static bool t_id_range(struct fx *f)
{
    if (!fx_setup(f, 8, 1u << 1) || !submit(f, 1, 1, 1))
        return false;
    simdev_publish_raw(&f->d, 1, 8, 4);
    return expect_eio(f, "id == size");
}

static bool t_id_huge(struct fx *f)
{
    if (!fx_setup(f, 8, 1u << 1) || !submit(f, 1, 1, 1))
        return false;
    simdev_publish_raw(&f->d, 1, 0xffffffffu, 4);
    return expect_eio(f, "id 0xffffffff");
}

static bool t_id_repeat(struct fx *f)
{
    if (!fx_setup(f, 8, 1u << 1) || !submit(f, 1, 1, 1) || !submit(f, 1, 1, 2))
        return false;
    simdev_fault(&f->d, SIMDEV_FAULT_ID_REPEAT, 1, 1, 0);
    REQUIRE(simdev_complete(&f->d, 1, 0) == 0 && f->d.fault.fired, "fault did not fire");
    void *t;
    uint32_t len;
    int r = vq_get_used(&f->vq, &t, &len);
    REQUIRE(r == 1 && t == tok(1), "the first copy: %d", r);
    return expect_eio(f, "the same id again");
}

static bool t_id_free(struct fx *f)
{
    if (!fx_setup(f, 8, 1u << 1) || !submit(f, 1, 1, 1))
        return false;
    /* Descriptors 0 and 1 hold the chain; 5 was never used. */
    simdev_publish_raw(&f->d, 1, 5, 0);
    return expect_eio(f, "id never submitted");
}

static bool t_id_not_head(struct fx *f)
{
    if (!fx_setup(f, 8, 1u << 1) || !submit(f, 1, 2, 1))
        return false;
    /* The chain is 0 -> 1 -> 2: 1 is in flight but heads nothing. */
    simdev_publish_raw(&f->d, 1, 1, 0);
    return expect_eio(f, "id of a chain's second descriptor");
}

static bool t_id_not_in_flight_fault(struct fx *f)
{
    if (!fx_setup(f, 8, 1u << 1) || !submit(f, 1, 1, 1) || !submit(f, 1, 1, 2))
        return false;
    simdev_fault(&f->d, SIMDEV_FAULT_ID_NOT_IN_FLIGHT, 1, 1, 0);
    simdev_step(&f->d);
    REQUIRE(f->d.fault.fired, "fault did not fire");
    return expect_eio(f, "id not in flight");
}

static bool t_len_large(struct fx *f)
{
    if (!fx_setup(f, 8, 1u << 1) || !submit(f, 1, 2, 1) || !submit(f, 1, 2, 2))
        return false;
    /* Chain 1 (head 0) has 8 writable bytes: reporting exactly that is fine. */
    simdev_publish_raw(&f->d, 1, 0, 8);
    void *t;
    uint32_t len;
    int r = vq_get_used(&f->vq, &t, &len);
    REQUIRE(r == 1 && t == tok(1) && len == 8, "len == writable bytes: %d len %u", r, len);
    /* Chain 2 (head 3) has 8 too. */
    simdev_publish_raw(&f->d, 1, 3, 9);
    return expect_eio(f, "len = writable + 1");
}

static bool t_len_large_fault(struct fx *f)
{
    if (!fx_setup(f, 8, 1u << 1) || !submit(f, 1, 1, 1))
        return false;
    simdev_fault(&f->d, SIMDEV_FAULT_LEN_LARGE, 1, 1, 4096);
    simdev_step(&f->d);
    REQUIRE(f->d.fault.fired, "fault did not fire");
    return expect_eio(f, "len = writable + 4096");
}

static bool t_len_no_writable(struct fx *f)
{
    if (!fx_setup(f, 8, 1u << 1) || !submit(f, 2, 0, 1) || !submit(f, 1, 0, 2))
        return false;
    /* A chain without writable buffers (a FORGET): len 0 only. */
    simdev_publish_raw(&f->d, 1, 0, 0);
    void *t;
    uint32_t len;
    REQUIRE(vq_get_used(&f->vq, &t, &len) == 1 && t == tok(1) && len == 0, "len 0");
    simdev_publish_raw(&f->d, 1, 2, 1);
    return expect_eio(f, "len 1 with nothing writable");
}

static bool t_idx_jump_single(struct fx *f)
{
    if (!fx_setup(f, 8, 1u << 1) || !submit(f, 1, 0, 1))
        return false;
    simdev_fault(&f->d, SIMDEV_FAULT_IDX_JUMP, 1, 1, 1);
    simdev_step(&f->d);
    return expect_eio(f, "2 used elements for 1 chain in flight");
}

static bool t_idx_jump_multi(struct fx *f)
{
    /* One chain of 3 descriptors: still only one used element may come. */
    if (!fx_setup(f, 8, 1u << 1) || !submit(f, 1, 2, 1))
        return false;
    simdev_fault(&f->d, SIMDEV_FAULT_IDX_JUMP, 1, 1, 1);
    simdev_step(&f->d);
    return expect_eio(f, "2 used elements for 1 chain (of 3 descriptors) in flight");
}

static bool t_idx_jump_far(struct fx *f)
{
    if (!fx_setup(f, 8, 1u << 1) || !submit(f, 1, 1, 1))
        return false;
    simdev_bump_used_idx(&f->d, 1, 0x8000);
    return expect_eio(f, "used idx 0x8000 ahead");
}

static bool t_mark_broken(struct fx *f)
{
    if (!fx_setup(f, 8, 0))
        return false;
    vq_mark_broken(&f->vq);
    return all_eio(f, "vq_mark_broken");
}

/* ---- Bad arguments ------------------------------------------------------ */

static bool t_bad_args(struct fx *f)
{
    if (!fx_setup(f, 8, 0))
        return false;
    struct vq_buf b[3] = {abuf(f, 0, 4), abuf(f, 64, 0), abuf(f, 128, 4)};
    int e1 = vq_add(&f->vq, b, 0, 0, tok(1));
    int e2 = vq_add(&f->vq, b, 1, 0, NULL);
    int e3 = vq_add(&f->vq, b, 2, 1, tok(1)); /* an empty buffer in the middle */
    int e4 = vq_add(&f->vq, b + 1, 1, 0, tok(1));
    REQUIRE(e1 == -VS_EINVAL && e2 == -VS_EINVAL && e3 == -VS_EINVAL && e4 == -VS_EINVAL,
            "no buffers %d, NULL token %d, empty buffer %d / %d (want -EINVAL)", e1, e2, e3, e4);
    REQUIRE(f->vq.num_free == 8 && f->vq.free_head == 0 && f->vq.avail_idx == 0 && !f->vq.broken,
            "a rejected add changed the queue: num_free %u free_head %u avail_idx %u", f->vq.num_free,
            f->vq.free_head, f->vq.avail_idx);
    REQUIRE(f->echo.calls == 0, "the device saw a rejected chain");
    /* The queue still works. */
    struct vq_buf ok[2] = {abuf(f, 0, 4), abuf(f, 128, 4)};
    REQUIRE(vq_add(&f->vq, ok, 1, 1, tok(2)) == 0, "add after rejections");
    vq_kick(&f->vq);
    void *t;
    uint32_t len;
    REQUIRE(vq_get_used(&f->vq, &t, &len) == 1 && t == tok(2) && len == 4, "completion");
    return fill_exactly(f, 200);
}

static bool t_chain_longer_than_queue(struct fx *f)
{
    if (!fx_setup(f, 4, 0))
        return false;
    struct vq_buf b[5];
    for (int i = 0; i < 5; i++)
        b[i] = abuf(f, 64u * (uint32_t)i, 4);
    /* It can never fit: waiting for descriptors (-ENOSPC) would wait forever. */
    int err = vq_add(&f->vq, b, 3, 2, tok(1));
    REQUIRE(err == -VS_EINVAL, "a chain of 5 on a queue of 4 = %d, want -EINVAL", err);
    REQUIRE(f->vq.num_free == 4, "num_free %u", f->vq.num_free);
    return true;
}

static bool t_in_flight_counts_chains(struct fx *f)
{
    if (!fx_setup(f, 8, 1u << 1) || !submit(f, 1, 2, 1) || !submit(f, 2, 1, 2))
        return false;
    REQUIRE(vq_in_flight(&f->vq) == 2 && f->vq.num_free == 2, "in flight %u num_free %u", vq_in_flight(&f->vq),
            f->vq.num_free);
    simdev_step(&f->d);
    void *t;
    uint32_t len;
    REQUIRE(vq_get_used(&f->vq, &t, &len) == 1 && vq_in_flight(&f->vq) == 1, "after one completion");
    REQUIRE(vq_get_used(&f->vq, &t, &len) == 1 && vq_in_flight(&f->vq) == 0, "after two");
    return true;
}

int main(void)
{
    run("vq_init accepts powers of two 1..32768 and rejects other sizes with -EINVAL", t_init_sizes);
    run("vq_init lays the rings out aligned, in order, inside DMA memory", t_layout);
    run("vq_init fails with -ENOMEM and leaks nothing when any allocation fails", t_init_nomem);
    run("round trip: add, kick, the device answers, get_used returns token and length", t_round_trip);
    run("the device sees nothing until vq_kick publishes the avail index", t_kick_publishes);
    run("a chain of 3 readable + 3 writable buffers is gathered and scattered in order", t_gather_scatter);
    run("70000 round trips on a queue of 4: ring and 16-bit index wrap-around", t_wrap);
    run("a full queue gives -ENOSPC; completing a chain frees its descriptors", t_full);
    run("five chains in flight completed out of order come back in completion order", t_out_of_order);
    run("20000 random chains, up to 16 descriptors in flight, random completion order", t_random_in_flight);
    run("the free list survives the device scribbling on the descriptor table", t_scribbled_table);
    run("vq_kick does not notify while the device sets VIRTQ_USED_F_NO_NOTIFY", t_no_notify);
    run("EVENT_IDX: kicks as avail_event asks; used_event far away while polled, next element with irq",
        t_event_idx);
    run("used id == queue size gives -EIO and a broken queue", t_id_range);
    run("used id 0xffffffff gives -EIO and a broken queue", t_id_huge);
    run("a used id repeated after its completion gives -EIO", t_id_repeat);
    run("a used id that was never submitted gives -EIO", t_id_free);
    run("a used id naming a non-head descriptor of a chain in flight gives -EIO", t_id_not_head);
    run("a used id not in flight (device fault) gives -EIO", t_id_not_in_flight_fault);
    run("used len == writable bytes is fine, writable + 1 gives -EIO", t_len_large);
    run("used len far beyond the writable buffers (device fault) gives -EIO", t_len_large_fault);
    run("used len > 0 for a chain without writable buffers gives -EIO", t_len_no_writable);
    run("used idx 2 ahead with 1 single-descriptor chain in flight gives -EIO", t_idx_jump_single);
    run("used idx 2 ahead with 1 chain of 3 descriptors in flight gives -EIO at once", t_idx_jump_multi);
    run("used idx 0x8000 ahead gives -EIO", t_idx_jump_far);
    run("vq_mark_broken makes every later call fail with -EIO", t_mark_broken);
    run("bad arguments give -EINVAL and leave the queue untouched", t_bad_args);
    run("a chain longer than the whole queue gives -EINVAL, not -ENOSPC", t_chain_longer_than_queue);
    run("vq_in_flight counts chains, not descriptors", t_in_flight_counts_chains);
    printf("%d cases, %d failed\n", cases, failures);
    return failures ? 1 : 0;
}
