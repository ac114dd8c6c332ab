/* SPDX-License-Identifier: BSD-2-Clause */
/* The simulated virtio-fs device (see simdev.h). */
#include "simdev.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostport.h"
#include "vs_errno.h"

#define RING_FLAGS 0
#define RING_IDX 1
#define RING_START 2
#define USED_F_NO_NOTIFY 1

static void driver_error(struct simdev *d, const char *fmt, ...)
{
    if (!d->driver_errors) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->driver_error, sizeof d->driver_error, fmt, ap);
        va_end(ap);
    }
    d->driver_errors++;
}

static void free_req(struct simdev_req *r)
{
    free(r->req);
    free(r->w);
    memset(r, 0, sizeof(*r));
}

static void queue_clear(struct simdev_queue *q)
{
    for (unsigned i = 0; i < q->npending; i++)
        free_req(&q->pending[i]);
    free(q->pending);
    memset(q, 0, sizeof(*q));
}

static void device_reset(struct simdev *d)
{
    for (int i = 0; i < SIMDEV_QUEUES; i++)
        queue_clear(&d->q[i]);
    d->status = 0;
    d->features_acked = 0;
    d->resets++;
}

/* ---- The transport ------------------------------------------------------ */

static uint64_t tr_get_features(void *t)
{
    struct simdev *d = t;
    return d->features_offered;
}

static void tr_set_features(void *t, uint64_t features)
{
    struct simdev *d = t;
    if (d->status & VS_STATUS_FEATURES_OK)
        driver_error(d, "features written after FEATURES_OK");
    if (!(d->status & VS_STATUS_DRIVER))
        driver_error(d, "features written before DRIVER");
    if (features & ~d->features_offered)
        driver_error(d, "driver acked features %#llx not offered", (unsigned long long)features);
    d->features_acked = features;
}

static uint8_t tr_get_status(void *t)
{
    struct simdev *d = t;
    return d->status;
}

static void tr_set_status(void *t, uint8_t status)
{
    struct simdev *d = t;
    if (status == 0) {
        if (!d->reset_stuck)
            device_reset(d);
        return;
    }
    uint8_t old = d->status;
    /* NEEDS_RESET is the device's; the driver only adds bits until a reset. */
    if (old & ~status & ~(VS_STATUS_NEEDS_RESET))
        driver_error(d, "status bits cleared without a reset: %#x -> %#x", old, status);
    uint8_t s = (uint8_t)(status | (old & VS_STATUS_NEEDS_RESET));
    if ((s & VS_STATUS_FEATURES_OK) && !(old & VS_STATUS_FEATURES_OK)) {
        bool ok = !d->refuse_features_ok && (d->features_acked & VS_F_VERSION_1) &&
                  !(d->features_acked & ~d->features_offered);
        if (!ok)
            s = (uint8_t)(s & ~VS_STATUS_FEATURES_OK);
    }
    if ((s & VS_STATUS_DRIVER_OK) && !(old & VS_STATUS_DRIVER_OK)) {
        if (!(s & VS_STATUS_FEATURES_OK))
            driver_error(d, "DRIVER_OK without FEATURES_OK");
        if (d->needs_reset_on_driver_ok)
            s |= VS_STATUS_NEEDS_RESET;
    }
    d->status = s;
}

static int tr_config_read(void *t, uint32_t off, unsigned width, uint32_t *val)
{
    struct simdev *d = t;
    if ((width != 1 && width != 2 && width != 4) || off % width || off > SIMDEV_CONFIG_SIZE ||
        width > SIMDEV_CONFIG_SIZE - off) {
        driver_error(d, "config read of %u bytes at %u: misaligned or beyond the %u-byte config space", width,
                     off, SIMDEV_CONFIG_SIZE);
        return -VS_EPROTO;
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < width; i++)
        v |= (uint32_t)d->config[off + i] << (8 * i);
    *val = v;
    return 0;
}

static uint32_t tr_config_generation(void *t)
{
    struct simdev *d = t;
    return d->config_generation;
}

static uint16_t tr_queue_max(void *t, uint16_t idx)
{
    struct simdev *d = t;
    return idx < SIMDEV_QUEUES ? d->queue_max[idx] : 0;
}

/* What the device asks of kicks: the NO_NOTIFY flag, or with EVENT_IDX the
 * avail index it wants a kick at (the next entry, or none for a long while
 * with no_notify). */
static void apply_used_flags(struct simdev *d, struct simdev_queue *q)
{
    if (!q->enabled)
        return;
    q->used[RING_FLAGS] = d->no_notify ? USED_F_NO_NOTIFY : 0;
    if (d->features_acked & VS_F_RING_EVENT_IDX)
        q->used[RING_START + 4 * (size_t)q->size] = (uint16_t)(q->last_avail + (d->no_notify ? 0x8000 : 0));
}

static void tr_notify(void *ctx, uint16_t index);

static int tr_queue_enable(void *t, struct vq *vq)
{
    struct simdev *d = t;
    uint16_t idx = vq->index;
    if (idx >= SIMDEV_QUEUES) {
        driver_error(d, "queue_enable of queue %u, which does not exist", idx);
        return -VS_EINVAL;
    }
    if (!(d->status & VS_STATUS_FEATURES_OK))
        driver_error(d, "queue %u set up before FEATURES_OK", idx);
    if (d->status & VS_STATUS_DRIVER_OK)
        driver_error(d, "queue %u set up after DRIVER_OK", idx);
    if (vq->size == 0 || (vq->size & (vq->size - 1)) || vq->size > d->queue_max[idx])
        driver_error(d, "queue %u size %u (max %u)", idx, vq->size, d->queue_max[idx]);
    if ((vq->desc_addr & 15) || (vq->avail_addr & 1) || (vq->used_addr & 3))
        driver_error(d, "queue %u rings misaligned", idx);
    if (d->strict_dma && d->hp &&
        (!hostport_is_dma(d->hp, vq->desc_addr, 16ull * vq->size) ||
         !hostport_is_dma(d->hp, vq->avail_addr, 6 + 2ull * vq->size) ||
         !hostport_is_dma(d->hp, vq->used_addr, 6 + 8ull * vq->size)))
        driver_error(d, "queue %u rings outside DMA memory", idx);
    if (d->fail_queue_enable == idx + 1)
        return -VS_EIO;

    struct simdev_queue *q = &d->q[idx];
    queue_clear(q);
    q->size = vq->size;
    q->desc_addr = vq->desc_addr;
    q->avail_addr = vq->avail_addr;
    q->used_addr = vq->used_addr;
    q->desc = (struct vq_desc *)(uintptr_t)vq->desc_addr;
    q->avail = (volatile uint16_t *)(uintptr_t)vq->avail_addr;
    q->used = (volatile uint16_t *)(uintptr_t)vq->used_addr;
    q->enabled = true;
    apply_used_flags(d, q);
    vq->notify = tr_notify;
    vq->notify_ctx = d;
    return 0;
}

/* ---- Processing --------------------------------------------------------- */

static bool push_pending(struct simdev_queue *q, const struct simdev_req *r)
{
    if (q->npending == q->cap) {
        unsigned cap = q->cap ? 2 * q->cap : 16;
        struct simdev_req *p = realloc(q->pending, cap * sizeof(*p));
        if (!p)
            return false;
        q->pending = p;
        q->cap = cap;
    }
    q->pending[q->npending++] = *r;
    return true;
}

/* Reads the chain at head the way a device does.  Returns false (and counts a
 * driver error) for a malformed chain. */
static bool read_chain(struct simdev *d, uint16_t qi, uint16_t head, struct simdev_req *r)
{
    struct simdev_queue *q = &d->q[qi];
    memset(r, 0, sizeof(*r));
    r->head = head;
    uint32_t cap_req = 0, cap_w = 0;
    uint16_t i = head;
    bool writing = false;
    for (;;) {
        if (i >= q->size) {
            driver_error(d, "queue %u: descriptor %u outside the table of %u", qi, i, q->size);
            goto bad;
        }
        if (++r->ndesc > q->size) {
            driver_error(d, "queue %u: chain at %u loops", qi, head);
            goto bad;
        }
        struct vq_desc desc;
        memcpy(&desc, (const void *)&q->desc[i], sizeof(desc));
        if (desc.flags & VQ_DESC_F_INDIRECT) {
            driver_error(d, "queue %u: indirect descriptor (not negotiated)", qi);
            goto bad;
        }
        if (desc.len == 0) {
            driver_error(d, "queue %u: empty descriptor %u", qi, i);
            goto bad;
        }
        if (desc.addr == 0) {
            driver_error(d, "queue %u: descriptor %u at address 0", qi, i);
            goto bad;
        }
        if (d->strict_dma && d->hp && !hostport_is_dma(d->hp, desc.addr, desc.len)) {
            driver_error(d, "queue %u: descriptor %u [%#llx, +%u) outside DMA memory", qi, i,
                         (unsigned long long)desc.addr, desc.len);
            goto bad;
        }
        if (desc.flags & VQ_DESC_F_WRITE) {
            writing = true;
            if (r->nw == cap_w) {
                cap_w = cap_w ? 2 * cap_w : 4;
                struct simdev_seg *w = realloc(r->w, cap_w * sizeof(*w));
                if (!w)
                    goto bad;
                r->w = w;
            }
            r->w[r->nw].addr = desc.addr;
            r->w[r->nw].len = desc.len;
            r->nw++;
            if (r->writable + (uint64_t)desc.len > UINT32_MAX) {
                driver_error(d, "queue %u: more than 4 GiB writable", qi);
                goto bad;
            }
            r->writable += desc.len;
        } else {
            if (writing) {
                driver_error(d, "queue %u: readable descriptor after a writable one", qi);
                goto bad;
            }
            if ((uint64_t)r->req_len + desc.len > (64u << 20)) {
                driver_error(d, "queue %u: more than 64 MiB readable", qi);
                goto bad;
            }
            if (r->req_len + desc.len > cap_req) {
                cap_req = r->req_len + desc.len;
                uint8_t *p = realloc(r->req, cap_req);
                if (!p)
                    goto bad;
                r->req = p;
            }
            memcpy(r->req + r->req_len, (const void *)(uintptr_t)desc.addr, desc.len);
            r->req_len += desc.len;
        }
        if (!(desc.flags & VQ_DESC_F_NEXT))
            break;
        i = desc.next;
    }
    return true;
bad:
    free_req(r);
    return false;
}

unsigned simdev_fetch(struct simdev *d, uint16_t qi)
{
    if (qi >= SIMDEV_QUEUES || !d->q[qi].enabled)
        return 0;
    if (d->bus_master_off) {
        d->dma_refused++;
        return 0;
    }
    struct simdev_queue *q = &d->q[qi];
    uint16_t avail_idx = q->avail[RING_IDX];
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* the index before the entries */
    uint16_t n = (uint16_t)(avail_idx - q->last_avail);
    if (n > q->size) {
        driver_error(d, "queue %u: avail idx %u runs %u ahead of %u", qi, avail_idx, n, q->last_avail);
        q->last_avail = avail_idx;
        d->status |= VS_STATUS_NEEDS_RESET;
        return 0;
    }
    unsigned got = 0;
    for (uint16_t k = 0; k < n; k++) {
        uint16_t head = q->avail[RING_START + (q->last_avail & (q->size - 1))];
        q->last_avail++;
        for (unsigned j = 0; j < q->npending; j++) {
            if (q->pending[j].head == head) {
                driver_error(d, "queue %u: head %u made available again while in flight", qi, head);
                goto next;
            }
        }
        struct simdev_req r;
        if (!read_chain(d, qi, head, &r))
            continue;
        if (!push_pending(q, &r)) {
            free_req(&r);
            continue;
        }
        q->fetched++;
        got++;
    next:;
    }
    apply_used_flags(d, q);
    return got;
}

unsigned simdev_pending(const struct simdev *d, uint16_t qi)
{
    return qi < SIMDEV_QUEUES ? d->q[qi].npending : 0;
}

static void publish(struct simdev_queue *q, uint32_t id, uint32_t len)
{
    volatile uint32_t *e = (volatile uint32_t *)(q->used + RING_START) + 2 * (q->used_idx & (q->size - 1));
    e[0] = id;
    e[1] = len;
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* the element before the index */
    q->used_idx++;
    q->used[RING_IDX] = q->used_idx;
}

void simdev_publish_raw(struct simdev *d, uint16_t qi, uint32_t id, uint32_t len)
{
    if (qi < SIMDEV_QUEUES && d->q[qi].enabled)
        publish(&d->q[qi], id, len);
}

void simdev_bump_used_idx(struct simdev *d, uint16_t qi, uint16_t n)
{
    if (qi >= SIMDEV_QUEUES || !d->q[qi].enabled)
        return;
    struct simdev_queue *q = &d->q[qi];
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    q->used_idx = (uint16_t)(q->used_idx + n);
    q->used[RING_IDX] = q->used_idx;
}

/* A descriptor index that heads no chain the device holds, other than head. */
static uint32_t id_not_in_flight(const struct simdev_queue *q, uint16_t head)
{
    for (uint32_t k = 1; k < q->size; k++) {
        uint16_t cand = (uint16_t)((head + k) & (q->size - 1));
        bool busy = false;
        for (unsigned j = 0; j < q->npending; j++)
            busy |= q->pending[j].head == cand;
        if (!busy)
            return cand;
    }
    return q->size; /* a queue of one: nothing but out of range */
}

static void remove_pending(struct simdev_queue *q, unsigned i)
{
    free_req(&q->pending[i]);
    memmove(&q->pending[i], &q->pending[i + 1], (q->npending - i - 1) * sizeof(q->pending[0]));
    q->npending--;
}

int simdev_complete(struct simdev *d, uint16_t qi, unsigned i)
{
    if (qi >= SIMDEV_QUEUES || !d->q[qi].enabled)
        return -1;
    struct simdev_queue *q = &d->q[qi];
    if (i >= q->npending || q->pending[i].held)
        return -1;
    if (d->bus_master_off) {
        d->dma_refused++;
        return -1;
    }
    struct simdev_req *r = &q->pending[i];

    enum simdev_fault_kind fire = SIMDEV_FAULT_NONE;
    if (d->fault.kind != SIMDEV_FAULT_NONE && d->fault.queue == qi && !d->fault.fired &&
        ++d->fault.seen == d->fault.nth) {
        fire = d->fault.kind;
        d->fault.fired = true;
    }
    if (fire == SIMDEV_FAULT_STALL || fire == SIMDEV_FAULT_NEEDS_RESET) {
        if (fire == SIMDEV_FAULT_NEEDS_RESET)
            d->status |= VS_STATUS_NEEDS_RESET;
        r->held = true;
        return 0;
    }

    uint32_t reply_max = r->writable + SIMDEV_REPLY_SLACK;
    uint8_t *reply = calloc(1, reply_max);
    if (!reply)
        return -1;
    uint32_t len = 0;
    if (d->handler)
        len = d->handler(d->handler_ctx, qi, r->req, r->req_len, reply, r->writable, reply_max);
    /* The handler may have reset the device (it cannot, but be safe). */
    if (!q->enabled || i >= q->npending) {
        free(reply);
        return -1;
    }
    r = &q->pending[i];
    if (len == SIMDEV_NO_REPLY) {
        r->held = true;
        free(reply);
        return 0;
    }
    if (len > reply_max)
        len = reply_max;

    /* Scatter: the device writes only what the chain's buffers hold. */
    uint32_t written = len < r->writable ? len : r->writable, off = 0;
    for (uint32_t s = 0; s < r->nw && off < written; s++) {
        uint32_t n = r->w[s].len < written - off ? r->w[s].len : written - off;
        memcpy((void *)(uintptr_t)r->w[s].addr, reply + off, n);
        off += n;
    }
    free(reply);

    uint32_t id = r->head, used_len = written;
    switch (fire) {
    case SIMDEV_FAULT_ID_RANGE:
        id = (uint32_t)q->size + d->fault.arg;
        break;
    case SIMDEV_FAULT_ID_NOT_IN_FLIGHT:
        id = id_not_in_flight(q, r->head);
        break;
    case SIMDEV_FAULT_LEN_LARGE:
        used_len = r->writable + (d->fault.arg ? d->fault.arg : 1);
        break;
    case SIMDEV_FAULT_LEN_SET:
        used_len = d->fault.arg;
        break;
    default:
        break;
    }
    publish(q, id, used_len);
    if (fire == SIMDEV_FAULT_ID_REPEAT)
        publish(q, id, used_len);
    if (fire == SIMDEV_FAULT_IDX_JUMP)
        simdev_bump_used_idx(d, qi, (uint16_t)(d->fault.arg ? d->fault.arg : 1));
    q->completed++;
    remove_pending(q, i);
    return 0;
}

/* Answers every chain of queue q that is not held. */
static void drain_queue(struct simdev *d, uint16_t qi, bool lifo)
{
    for (;;) {
        struct simdev_queue *q = &d->q[qi];
        if (!q->enabled)
            return;
        unsigned live = 0, pick = 0;
        for (unsigned j = 0; j < q->npending; j++) {
            if (!q->pending[j].held) {
                if (!live || lifo)
                    pick = j;
                live++;
            }
        }
        if (!live || simdev_complete(d, qi, pick))
            return;
    }
}

unsigned simdev_answer_held(struct simdev *d, uint16_t qi)
{
    if (qi >= SIMDEV_QUEUES || !d->q[qi].enabled)
        return 0;
    if (d->bus_master_off) {
        d->dma_refused++;
        return 0;
    }
    struct simdev_queue *q = &d->q[qi];
    unsigned n = 0;
    for (unsigned i = 0; i < q->npending;) {
        if (!q->pending[i].held) {
            i++;
            continue;
        }
        q->pending[i].held = false;
        unsigned before = q->npending;
        if (simdev_complete(d, qi, i))
            break;
        if (q->npending == before)
            i++; /* held again (a fault, or no reply once more) */
        else
            n++; /* answered: it left the list, and i names the next one */
    }
    return n;
}

static void tr_notify(void *ctx, uint16_t index)
{
    struct simdev *d = ctx;
    if (index >= SIMDEV_QUEUES || !d->q[index].enabled) {
        driver_error(d, "notify of queue %u, which is not enabled", index);
        return;
    }
    d->q[index].notifies++;
    if (d->notify_hook)
        d->notify_hook(d->notify_arg);
    if (d->lose_notifies[index]) {
        d->lose_notifies[index]--;
        d->q[index].lost_notifies++;
        d->q[index].asleep = true;
        return;
    }
    d->q[index].asleep = false;
    if (d->deferred & (1u << index))
        return;
    simdev_fetch(d, index);
    drain_queue(d, index, false);
}

void simdev_step(struct simdev *d)
{
    for (uint16_t qi = 0; qi < SIMDEV_QUEUES; qi++) {
        apply_used_flags(d, &d->q[qi]);
        if (d->q[qi].asleep)
            continue;
        simdev_fetch(d, qi);
        drain_queue(d, qi, d->lifo);
    }
}

void simdev_relax(void *d)
{
    simdev_step(d);
}

/* ---- Set-up ------------------------------------------------------------- */

void simdev_set_tag(struct simdev *d, const char *tag)
{
    size_t n = strlen(tag);
    memset(d->config, 0, 36);
    memcpy(d->config, tag, n < 36 ? n : 36);
}

void simdev_set_num_request_queues(struct simdev *d, uint32_t n)
{
    d->config[36] = (uint8_t)n;
    d->config[37] = (uint8_t)(n >> 8);
    d->config[38] = (uint8_t)(n >> 16);
    d->config[39] = (uint8_t)(n >> 24);
}

void simdev_set_handler(struct simdev *d, simdev_handler_fn fn, void *ctx)
{
    d->handler = fn;
    d->handler_ctx = ctx;
}

void simdev_set_needs_reset(struct simdev *d)
{
    d->status |= VS_STATUS_NEEDS_RESET;
}

void simdev_fault(struct simdev *d, enum simdev_fault_kind kind, uint16_t q, uint32_t nth, uint32_t arg)
{
    d->fault.kind = kind;
    d->fault.queue = q;
    d->fault.nth = nth ? nth : 1;
    d->fault.arg = arg;
    d->fault.seen = 0;
    d->fault.fired = false;
}

void simdev_init(struct simdev *d, struct hostport *hp)
{
    memset(d, 0, sizeof(*d));
    d->hp = hp;
    d->tr.t = d;
    d->tr.get_features = tr_get_features;
    d->tr.set_features = tr_set_features;
    d->tr.get_status = tr_get_status;
    d->tr.set_status = tr_set_status;
    d->tr.config_read = tr_config_read;
    d->tr.config_generation = tr_config_generation;
    d->tr.queue_max = tr_queue_max;
    d->tr.queue_enable = tr_queue_enable;
    d->features_offered = VS_F_VERSION_1;
    d->queue_max[0] = d->queue_max[1] = 256;
    simdev_set_tag(d, "sim");
    simdev_set_num_request_queues(d, 1);
}

void simdev_fini(struct simdev *d)
{
    for (int i = 0; i < SIMDEV_QUEUES; i++)
        queue_clear(&d->q[i]);
}

void simdev_quick_start(struct simdev *d)
{
    tr_set_status(d, 0);
    tr_set_status(d, VS_STATUS_ACKNOWLEDGE);
    tr_set_status(d, VS_STATUS_ACKNOWLEDGE | VS_STATUS_DRIVER);
    tr_set_features(d, VS_F_VERSION_1);
    tr_set_status(d, VS_STATUS_ACKNOWLEDGE | VS_STATUS_DRIVER | VS_STATUS_FEATURES_OK);
}
