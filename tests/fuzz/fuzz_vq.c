/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for the used-ring path of the split virtqueue
 * (virtio/vq.c): the fuzzer plays a hostile device.
 *
 * A struct vq is set up with a minimal hosted port (DMA memory from
 * aligned_alloc, its device address the pointer value).  The input is a
 * program of small operations: the driver submits chains (n_out readable and
 * n_in writable buffers of fuzzed lengths), the "device" writes used elements
 * (id, len), moves used->idx anywhere, scribbles over the descriptor table
 * and the avail ring, and the driver calls vq_get_used repeatedly.  A model
 * of what is in flight checks every promise of vq.h:
 *   - vq_get_used returns 1, 0 or -EIO, nothing else;
 *   - a returned token is one in flight (never one already returned, never
 *     invented), and its length fits the chain's writable bytes;
 *   - after the first -EIO every vq_get_used and vq_add fails with -EIO;
 *   - vq_in_flight() and the free descriptor count match the model, and the
 *     driver's own free list stays a permutation (checked by allocating every
 *     free descriptor through vq_add and seeing them all distinct).
 * Any read or write outside the rings is an AddressSanitizer report.
 *
 *   make fuzz   (or: build/fuzz/fuzz_vq tests/fuzz/corpus/vq -max_total_time=60)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vq.h"
#include "vs_errno.h"

#define REQUIRE(c)       \
    do {                 \
        if (!(c))        \
            abort();     \
    } while (0)

/* ---- A minimal port -------------------------------------------------- */

static void *p_dma_alloc(void *ctx, size_t size, uint64_t *dev)
{
    (void)ctx;
    void *p = aligned_alloc(4096, (size + 4095) & ~(size_t)4095);
    if (p) {
        memset(p, 0, size);
        *dev = (uint64_t)(uintptr_t)p;
    }
    return p;
}
static void p_dma_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    (void)size;
    free(p);
}
static void *p_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size);
}
static void p_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}
static uint64_t p_now(void *ctx)
{
    (void)ctx;
    return 0;
}
static unsigned notifies;
static void p_notify(void *ctx, uint16_t index)
{
    (void)ctx;
    (void)index;
    notifies++;
}

static const struct vs_port port = {
    .dma_alloc = p_dma_alloc,
    .dma_free = p_dma_free,
    .alloc = p_alloc,
    .free = p_free,
    .now_ns = p_now,
};

/* ---- The model --------------------------------------------------------- */

#define MAX_SUBMITS 512

struct req {
    int in_flight;        /* submitted, not yet returned */
    uint32_t in_bytes;    /* writable bytes of its chain */
    unsigned ndesc;
    uint16_t head;        /* the head vq_add took (free_head before) */
    uint64_t descs;       /* its descriptors (qsize <= 64), read from the
                             table right after vq_add, before any scribble */
};

struct input {
    const uint8_t *p;
    size_t left;
};

static uint8_t take8(struct input *in)
{
    if (!in->left)
        return 0;
    in->left--;
    return *in->p++;
}
static uint16_t take16(struct input *in)
{
    return (uint16_t)(take8(in) | take8(in) << 8);
}
static uint32_t take32(struct input *in)
{
    return (uint32_t)take16(in) | (uint32_t)take16(in) << 16;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    if (size < 1 || size > 4096)
        return 0;
    uint16_t qsize = (uint16_t)(1u << (take8(&in) % 7)); /* 1..64 */

    struct vq vq;
    if (vq_init(&vq, &port, 1, qsize) != 0)
        return 0;
    vq.notify = p_notify;

    static struct req reqs[MAX_SUBMITS];
    memset(reqs, 0, sizeof reqs);
    unsigned nreqs = 0, in_flight = 0, used_desc = 0;
    bool broken = false;
    /* A DMA block the chains point at (never touched by the queue). */
    static uint8_t arena[1 << 16];

    volatile uint16_t *used_idx = vq.used + 1;
    volatile uint32_t *used_ring = (volatile uint32_t *)(vq.used + 2);
    uint16_t dev_idx = 0; /* the device's idea of its next used index */

    while (in.left) {
        uint8_t op = take8(&in);
        switch (op % 8) {
        case 0:
        case 1: { /* driver: submit a chain */
            /* bits 3-4: n_out - 1 (mod 3), 5-6: n_in, 7: allow an empty buffer */
            unsigned n_out = 1 + ((op >> 3) & 3) % 3, n_in = (op >> 5) & 3;
            struct vq_buf bufs[8];
            uint32_t in_bytes = 0;
            for (unsigned i = 0; i < n_out + n_in; i++) {
                uint32_t l = take16(&in);
                if (l == 0 && (op & 0x80) == 0)
                    l = 1; /* mostly valid; sometimes an empty buffer */
                bufs[i].addr = (uint64_t)(uintptr_t)arena + (l & 0xff);
                bufs[i].len = l;
                if (i >= n_out)
                    in_bytes += l;
            }
            if (nreqs == MAX_SUBMITS)
                break;
            struct req *r = &reqs[nreqs];
            uint16_t head = vq.free_head;
            unsigned free_before = vq.num_free;
            int rc = vq_add(&vq, bufs, n_out, n_in, r);
            if (broken) {
                REQUIRE(rc == -VS_EIO);
                break;
            }
            bool has_empty = false;
            for (unsigned i = 0; i < n_out + n_in; i++)
                has_empty |= bufs[i].len == 0;
            if (n_out + n_in > qsize) {
                REQUIRE(rc == -VS_EINVAL);
            } else if (has_empty) {
                /* Both answers are right when it would not fit either. */
                REQUIRE(rc == -VS_EINVAL ||
                        (rc == -VS_ENOSPC && n_out + n_in > free_before));
            } else if (n_out + n_in > free_before) {
                REQUIRE(rc == -VS_ENOSPC);
            } else {
                REQUIRE(rc == 0);
            }
            if (rc != 0) {
                REQUIRE(vq.num_free == free_before);
                break;
            }
            REQUIRE(head < qsize);
            /* The chain, as the device sees it: exactly n descriptors linked
             * by NEXT, the last n_in writable, with our lengths; none owned
             * by a chain in flight. */
            uint64_t mask = 0;
            uint16_t d = head;
            for (unsigned i = 0; i < n_out + n_in; i++) {
                REQUIRE(d < qsize && !(mask & (1ull << d)));
                mask |= 1ull << d;
                REQUIRE(vq.desc[d].len == bufs[i].len && vq.desc[d].addr == bufs[i].addr);
                REQUIRE(!!(vq.desc[d].flags & VQ_DESC_F_WRITE) == (i >= n_out));
                REQUIRE(!!(vq.desc[d].flags & VQ_DESC_F_NEXT) == (i + 1 < n_out + n_in));
                d = vq.desc[d].next;
            }
            for (unsigned k = 0; k < nreqs; k++)
                REQUIRE(!reqs[k].in_flight || (reqs[k].descs & mask) == 0);
            r->descs = mask;
            r->in_flight = 1;
            r->in_bytes = in_bytes;
            r->ndesc = n_out + n_in;
            r->head = head;
            nreqs++;
            in_flight++;
            used_desc += n_out + n_in;
            vq_kick(&vq);
            break;
        }
        case 2:
        case 3: { /* device: write a used element and usually publish it */
            uint8_t how = take8(&in);
            uint32_t id, len;
            if ((how & 3) != 0 && nreqs) {
                /* A plausible element: the head of a request (in flight or
                 * not), with a length near its writable bytes. */
                struct req *r = &reqs[take16(&in) % nreqs];
                id = r->head;
                len = r->in_bytes + (uint32_t)(int8_t)take8(&in);
            } else {
                id = take32(&in);
                len = take32(&in);
            }
            used_ring[2 * (dev_idx & (qsize - 1))] = id;
            used_ring[2 * (dev_idx & (qsize - 1)) + 1] = len;
            if ((how & 0x10) == 0) {
                dev_idx++;
                *used_idx = dev_idx;
            }
            break;
        }
        case 4: /* device: move used->idx anywhere */
            dev_idx = take16(&in);
            *used_idx = dev_idx;
            break;
        case 5: { /* device: scribble on the descriptor table or avail ring */
            uint16_t off = take16(&in);
            uint8_t val = take8(&in);
            size_t span = (size_t)16 * qsize + 6 + 2 * (size_t)qsize;
            ((volatile uint8_t *)vq.mem)[off % span] = val;
            break;
        }
        default: { /* driver: take used elements */
            unsigned times = 1 + (op >> 3) % 8;
            for (unsigned t = 0; t < times; t++) {
                void *tok = (void *)1;
                uint32_t len = 0xdeadbeef;
                int rc = vq_get_used(&vq, &tok, &len);
                REQUIRE(rc == 1 || rc == 0 || rc == -VS_EIO);
                if (broken)
                    REQUIRE(rc == -VS_EIO);
                if (rc == -VS_EIO) {
                    broken = true;
                    continue;
                }
                if (rc == 0)
                    break;
                struct req *r = tok;
                REQUIRE(r >= reqs && r < reqs + nreqs);
                REQUIRE(r->in_flight);
                REQUIRE(len <= r->in_bytes);
                r->in_flight = 0;
                in_flight--;
                used_desc -= r->ndesc;
            }
            break;
        }
        }
        REQUIRE(vq_in_flight(&vq) == in_flight);
        if (!broken) {
            REQUIRE(vq.num_free + used_desc == qsize);
            REQUIRE(vq.free_head < qsize);
        }
    }

    /* The free list is still a list of distinct descriptors: take them all
     * one by one and check no head comes twice or collides with a chain in
     * flight. */
    if (!broken) {
        static uint8_t seen[64];
        memset(seen, 0, sizeof seen);
        for (unsigned k = 0; k < nreqs; k++)
            if (reqs[k].in_flight)
                for (unsigned i = 0; i < 64; i++)
                    if (reqs[k].descs & (1ull << i))
                        seen[i] = 1;
        static int dummy;
        unsigned nfree = vq.num_free;
        for (unsigned i = 0; i < nfree; i++) {
            uint16_t head = vq.free_head;
            struct vq_buf b = {(uint64_t)(uintptr_t)arena, 1};
            REQUIRE(vq_add(&vq, &b, 1, 0, &dummy) == 0);
            REQUIRE(head < qsize && !seen[head]);
            seen[head] = 1;
        }
        struct vq_buf b = {(uint64_t)(uintptr_t)arena, 1};
        REQUIRE(vq_add(&vq, &b, 1, 0, &dummy) == -VS_ENOSPC);
    } else {
        struct vq_buf b = {(uint64_t)(uintptr_t)arena, 1};
        static int dummy;
        REQUIRE(vq_add(&vq, &b, 1, 0, &dummy) == -VS_EIO);
        void *tok;
        uint32_t len;
        REQUIRE(vq_get_used(&vq, &tok, &len) == -VS_EIO);
    }
    vq_fini(&vq);
    return 0;
}
