/* SPDX-License-Identifier: BSD-2-Clause */
/* The FUSE request engine over a virtio-fs device. */
#include "fconn.h"
#include "vs_errno.h"

#define FORGET_CELL FCONN_FORGET_CELL
/* A LOOKUP's name or a rename's first name, with its NUL. */
#define NAME_MAX_BYTES 256
/* How often a wait looks at the device status for DEVICE_NEEDS_RESET. */
#define STATUS_LOOK_NS 1000000ull
/* How long unmount waits for DESTROY's answer, which some daemons never
 * send. */
#define DESTROY_WAIT_NS 1000000000ull
/* How long a wait goes without an answer before it notifies the device
 * again (vq_nudge): a lost notification costs a second, not the request;
 * at most half the request's timeout, so that a 1 s timeout is nudged too. */
#define NUDGE_NS 1000000000ull

/* INIT flags we offer: big requests and the features the VFS relies on. */
#define OFFERED_FLAGS (FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_MAX_PAGES | FUSE_PARALLEL_DIROPS | FUSE_DO_READDIRPLUS)

static size_t slot_bytes(const struct fconn *c)
{
    return (size_t)c->out_size + FCONN_IN_SIZE;
}

int fconn_init(struct fconn *c, const struct vs_port *port, struct viofs *dev, const struct fconn_limits *lim,
               uint64_t timeout_ns)
{
    vs_memset(c, 0, sizeof(*c));
    c->port = port;
    c->dev = dev;
    c->lim = *lim;
    c->timeout_ns = timeout_ns;
    c->next_unique = 1;
    /* Header, arguments and two names, kept 8-aligned for the reply after. */
    c->out_size = VS_ALIGN_UP((uint32_t)sizeof(struct fuse_in_header) + FCONN_ARG_MAX + NAME_MAX_BYTES +
                                  lim->name2_max + 1, 64u);
    c->forget_cells = VS_MIN((uint32_t)FCONN_FORGET_CELLS, (uint32_t)dev->hiprio.size);
    uint64_t base;
    c->slot_mem = port->dma_alloc(port->ctx, slot_bytes(c) * lim->slots, &base);
    c->forget_mem = port->dma_alloc(port->ctx, FORGET_CELL * c->forget_cells, &c->forget_addr);
    c->slots = port->alloc(port->ctx, sizeof(*c->slots) * lim->slots);
    c->stats = lim->stats ? port->alloc(port->ctx, sizeof(*c->stats)) : 0;
    if (!c->slot_mem || !c->forget_mem || !c->slots || (lim->stats && !c->stats)) {
        fconn_fini(c);
        return -VS_ENOMEM;
    }
    vs_memset(c->slots, 0, sizeof(*c->slots) * lim->slots);
    if (c->stats)
        vs_memset(c->stats, 0, sizeof(*c->stats));
    for (uint32_t i = 0; i < lim->slots; i++) {
        struct fconn_slot *s = &c->slots[i];
        s->out = (uint8_t *)c->slot_mem + i * slot_bytes(c);
        s->in = s->out + c->out_size;
        s->out_addr = base + i * slot_bytes(c);
        s->in_addr = s->out_addr + c->out_size;
    }
    return 0;
}

/* Frees the connection's ordinary memory, which the device never sees. */
static void free_tables(struct fconn *c)
{
    c->port->free(c->port->ctx, c->slots);
    c->port->free(c->port->ctx, c->stats);
    c->slots = 0;
    c->stats = 0;
}

void fconn_fini(struct fconn *c)
{
    const struct vs_port *p = c->port;
    if (c->slot_mem)
        p->dma_free(p->ctx, c->slot_mem, slot_bytes(c) * c->lim.slots);
    if (c->forget_mem)
        p->dma_free(p->ctx, c->forget_mem, FORGET_CELL * c->forget_cells);
    if (c->bounce)
        p->dma_free(p->ctx, c->bounce, c->bounce_size);
    c->slot_mem = c->forget_mem = 0;
    c->bounce = 0;
    free_tables(c);
}

void fconn_abandon(struct fconn *c)
{
    c->slot_mem = 0;
    c->bounce = 0;
    c->forget_mem = 0;
    free_tables(c);
}

/* Kills the connection: every later request fails with err. */
static int fail(struct fconn *c, int err)
{
    if (!c->dead && err == -VS_ETIMEDOUT)
        fconn_note_stall(c);
    if (!c->dead && c->trace)
        fconn_note_fail(c, err);
    if (!c->dead)
        c->dead = err;
    vq_mark_broken(&c->dev->req);
    vq_mark_broken(&c->dev->hiprio);
    return c->dead;
}

/* The device address of r's data: the caller's memory itself when r allows
 * it and the port can both reach it and hold it should the request outlive
 * the call (vs_port.dma_hold), else the bounce buffer (then *bounced).  A
 * device behind the platform's IOMMU (ACCESS_PLATFORM) gets dma_alloc
 * memory only. */
static int data_addr(struct fconn *c, const struct fconn_req *r, const void *p, uint32_t len, uint64_t *addr,
                     bool *bounced)
{
    const struct vs_port *port = c->port;
    *bounced = false;
    if (r->direct && !(c->dev->features & VS_F_ACCESS_PLATFORM) && port->dma_hold && port->dma_addr &&
        port->dma_addr(port->ctx, p, len, addr))
        return 0;
    uint32_t size = VS_MAX(c->params.max_read, c->params.max_write);
    if (len > size)
        return -VS_EINVAL;
    if (!c->bounce) {
        c->bounce = port->dma_alloc(port->ctx, size, &c->bounce_addr);
        if (!c->bounce)
            return -VS_ENOMEM;
        c->bounce_size = size;
    }
    *addr = c->bounce_addr;
    *bounced = true;
    return 0;
}

static uint64_t now(struct fconn *c)
{
    return c->port->now_ns(c->port->ctx);
}

static struct fconn_waiting wait_start(struct fconn *c, uint64_t timeout_ns)
{
    uint64_t t = now(c), every = VS_MIN(NUDGE_NS, timeout_ns / 2);
    return (struct fconn_waiting){t + timeout_ns, t + STATUS_LOOK_NS, t + every, every, t, false};
}

struct fconn_waiting fconn_wait_start(struct fconn *c)
{
    return wait_start(c, c->timeout_ns);
}

/* Counts the wait's time up to now: all but the last look, which finds
 * the reply, and costs no more than any other. */
static void note_idle(struct fconn *c, struct fconn_waiting *w)
{
    uint64_t t = now(c);
    c->stats->wait_ns += t - w->since;
    w->since = t;
    if (!w->idle) {
        w->idle = true;
        c->stats->waits++;
    }
}

/* Notifies the device of what q holds, timing a doorbell write when one is
 * made. */
static void ring(struct fconn *c, struct vq *q)
{
    if (!c->stats) {
        vq_kick(q);
        return;
    }
    uint64_t kicks = q->kicks, t = now(c);
    vq_kick(q);
    if (q->kicks != kicks) {
        c->stats->doorbells++;
        c->stats->doorbell_ns += now(c) - t;
    }
}

/* One turn of a wait that found nothing to take, before its deadline:
 * fails at once with -EIO when the device says it needs a reset (looked at
 * every STATUS_LOOK_NS, so a quick answer costs no status read); else
 * sleeps until the next interrupt (irq=msix) or spins once.  Returns 0 to
 * look again. */
static int wait_idle(struct fconn *c, struct fconn_waiting *w)
{
    uint64_t t = now(c);
    if (t >= w->look) {
        if (viofs_needs_reset(c->dev))
            return fail(c, -VS_EIO);
        w->look = t + STATUS_LOOK_NS;
    }
    if (t >= w->nudge) {
        vq_nudge(&c->dev->req);
        vq_nudge(&c->dev->hiprio);
        w->nudge = t + w->nudge_every;
    }
    const struct vs_port *p = c->port;
    if (c->dev->irq)
        p->wait_irq(p->ctx, VS_MIN(w->deadline, w->look));
    else if (p->relax)
        p->relax(p->ctx);
    if (c->stats)
        note_idle(c, w);
    return 0;
}

/* wait_idle, or -ETIMEDOUT (the connection dies) past the deadline. */
static int wait_turn(struct fconn *c, struct fconn_waiting *w)
{
    return now(c) > w->deadline ? fail(c, -VS_ETIMEDOUT) : wait_idle(c, w);
}

int fconn_wait_turn(struct fconn *c, struct fconn_waiting *w)
{
    return wait_turn(c, w);
}

/* Frees a slot whose reply has been dealt with. */
static void slot_done(struct fconn *c, struct fconn_slot *s)
{
    if (c->bounce_owner == s)
        c->bounce_owner = 0;
    s->busy = false;
    s->req = 0;
}

/* Checks the reply in s against its request; returns the device's answer. */
static int check_reply(struct fconn *c, struct fconn_slot *s)
{
    int32_t dev_err;
    const struct fuse_out_header *h = (const struct fuse_out_header *)s->in;
    if (fuse_check_out_header(h, s->used_len, s->unique, &dev_err))
        return fail(c, -VS_EPROTO);
    struct fconn_req *r = s->req;
    uint32_t payload = s->used_len - (uint32_t)sizeof(*h);
    if (dev_err || !r)
        return payload && !r ? fail(c, -VS_EPROTO) : dev_err;
    r->reply_got = VS_MIN(payload, r->reply_len);
    r->rdata_got = payload - r->reply_got;
    if (r->reply_got)
        vs_memcpy(r->reply, s->in + sizeof(*h), r->reply_got);
    if (s->bounced && r->rdata_got)
        vs_memcpy(r->rdata, c->bounce, r->rdata_got);
    return 0;
}

static int finish(struct fconn *c, struct fconn_slot *s)
{
    int err = check_reply(c, s);
    fconn_note_done(c, s, err);
    return err;
}

/* Takes every used element of the request queue, marking its slot done;
 * a detached request's reply is checked and its slot freed at once. */
static int reap_requests(struct fconn *c)
{
    for (;;) {
        void *tok;
        uint32_t len;
        int r = vq_get_used(&c->dev->req, &tok, &len);
        if (r < 0)
            return fail(c, -VS_EIO);
        if (r == 0)
            return 0;
        struct fconn_slot *s = tok;
        s->done = true;
        s->used_len = len;
        if (!s->req) {
            int err = finish(c, s);
            slot_done(c, s);
            if (c->dead)
                return err;
        }
    }
}

int fconn_poll(struct fconn *c)
{
    return c->dead ? c->dead : reap_requests(c);
}

/* Whether a detached request is in flight (about nodeid, or any if 0). */
static bool detached_pending(const struct fconn *c, uint64_t nodeid)
{
    for (uint32_t i = 0; i < c->lim.slots; i++) {
        const struct fconn_slot *s = &c->slots[i];
        if (s->busy && !s->req && !s->orphan && (!nodeid || s->nodeid == nodeid))
            return true;
    }
    return false;
}

static struct fconn_slot *idle_slot(struct fconn *c)
{
    for (uint32_t i = 0; i < c->lim.slots; i++) {
        if (!c->slots[i].busy)
            return &c->slots[i];
    }
    return 0;
}

/* A free slot and room for `ndesc` descriptors, waiting for detached
 * requests to come back if they hold them.  -EAGAIN when only requests
 * someone has yet to wait for hold them. */
static int get_slot(struct fconn *c, unsigned ndesc, struct fconn_slot **out)
{
    struct fconn_waiting w = wait_start(c, c->timeout_ns);
    for (;;) {
        struct fconn_slot *s = idle_slot(c);
        if (s && c->dev->req.num_free >= ndesc) {
            *out = s;
            return 0;
        }
        if (!detached_pending(c, 0))
            return -VS_EAGAIN;
        int err = reap_requests(c);
        if (!err)
            err = wait_turn(c, &w);
        if (err)
            return err;
    }
}

/* Waits until no detached request about nodeid (any, if 0) is in flight. */
static int wait_detached(struct fconn *c, uint64_t nodeid)
{
    struct fconn_waiting w = wait_start(c, c->timeout_ns);
    while (detached_pending(c, nodeid)) {
        int err = reap_requests(c);
        if (err)
            return err;
        if (!detached_pending(c, nodeid))
            break;
        err = wait_turn(c, &w);
        if (err)
            return err;
    }
    return c->dead;
}

int fconn_submit(struct fconn *c, struct fconn_req *r, struct fconn_slot **slot)
{
    if (c->dead)
        return c->dead;
    if (r->name_len >= NAME_MAX_BYTES || r->name2_len > c->lim.name2_max)
        return -VS_ENAMETOOLONG;
    uint32_t names = (r->name ? r->name_len + 1 : 0) + (r->name2 ? r->name2_len + 1 : 0);
    uint32_t out_fixed = (uint32_t)sizeof(struct fuse_in_header) + r->arg_len + names;
    uint32_t in_fixed = (uint32_t)sizeof(struct fuse_out_header) + r->reply_len;
    if (r->arg_len > FCONN_ARG_MAX || in_fixed > FCONN_IN_SIZE)
        return -VS_EINVAL;
    if (r->wdata_len > c->params.max_write && r->opcode != FUSE_INIT)
        return -VS_EINVAL;
    if (r->wdata_len && r->rdata_len)
        return -VS_EINVAL;

    unsigned ndesc = 2 + (r->wdata_len != 0) + (r->rdata_len != 0);
    struct fconn_slot *s = 0;
    int err = get_slot(c, ndesc, &s);
    if (err)
        return err;

    struct vq_buf bufs[4];
    unsigned n_out = 0, n_in = 0;
    bool bounced = false;
    const void *data = r->wdata_len ? r->wdata : r->rdata;
    uint32_t data_len = r->wdata_len ? r->wdata_len : r->rdata_len;
    uint64_t data_dev = 0;
    if (data_len) {
        err = data_addr(c, r, data, data_len, &data_dev, &bounced);
        if (err)
            return err;
        if (bounced && c->bounce_owner)
            return -VS_EAGAIN;
        if (bounced && r->wdata_len)
            vs_memcpy(c->bounce, r->wdata, r->wdata_len);
    }

    /* Encode header, arguments and names into the slot. */
    uint64_t unique = c->next_unique++;
    uint8_t *o = s->out + sizeof(struct fuse_in_header);
    if (r->arg_len)
        vs_memcpy(o, r->arg, r->arg_len);
    o += r->arg_len;
    if (r->name) {
        vs_memcpy(o, r->name, r->name_len);
        o[r->name_len] = 0;
        o += r->name_len + 1;
    }
    if (r->name2) {
        vs_memcpy(o, r->name2, r->name2_len);
        o[r->name2_len] = 0;
    }
    fuse_encode_in_header((struct fuse_in_header *)s->out, r->opcode, unique, r->nodeid,
                          out_fixed + r->wdata_len);

    bufs[n_out++] = (struct vq_buf){s->out_addr, out_fixed};
    if (r->wdata_len)
        bufs[n_out++] = (struct vq_buf){data_dev, r->wdata_len};
    bufs[n_out + n_in++] = (struct vq_buf){s->in_addr, in_fixed};
    if (r->rdata_len)
        bufs[n_out + n_in++] = (struct vq_buf){data_dev, r->rdata_len};

    s->head = c->dev->req.free_head;
    err = vq_add(&c->dev->req, bufs, n_out, n_in, s);
    if (err == -VS_ENOSPC)
        return -VS_EAGAIN;
    if (err)
        return fail(c, -VS_EIO);
    s->busy = true;
    s->done = false;
    s->unique = unique;
    s->nodeid = r->nodeid;
    s->req = r;
    s->bounced = bounced;
    s->orphan = false;
    s->direct = bounced ? 0 : data;
    s->direct_len = bounced ? 0 : data_len;
    if (bounced)
        c->bounce_owner = s;
    fconn_note_submit(c, s, r, out_fixed + r->wdata_len, in_fixed + r->rdata_len);
    ring(c, &c->dev->req);
    *slot = s;
    return 0;
}

/* The call waiting for s returns while the device still has it: the slot
 * stays busy for good, and caller memory the device was given straight is
 * the port's to keep from reuse. */
static int orphan(struct fconn *c, struct fconn_slot *s, int err)
{
    s->orphan = true;
    s->req = 0;
    if (s->direct_len)
        c->port->dma_hold(c->port->ctx, s->direct, s->direct_len);
    c->orphans++;
    return err;
}

int fconn_wait(struct fconn *c, struct fconn_slot *s)
{
    struct fconn_waiting w = wait_start(c, c->timeout_ns);
    while (!s->done) {
        int err = reap_requests(c);
        if (!err && !s->done)
            err = wait_turn(c, &w);
        if (err)
            return orphan(c, s, err);
    }
    int err = finish(c, s);
    slot_done(c, s);
    return err;
}

int fconn_call(struct fconn *c, struct fconn_req *r)
{
    struct fconn_slot *s = 0;
    int err = fconn_submit(c, r, &s);
    return err ? err : fconn_wait(c, s);
}

int fconn_send(struct fconn *c, struct fconn_req *r)
{
    if (r->reply_len || r->rdata_len || r->wdata_len)
        return -VS_EINVAL;
    struct fconn_slot *s = 0;
    int err = fconn_submit(c, r, &s);
    if (err)
        return err;
    s->req = 0; /* nobody waits: reap_requests checks and frees it */
    if (c->stats)
        c->stats->unanswered++;
    return 0;
}

void fconn_drain(struct fconn *c)
{
    wait_detached(c, 0);
}

int fconn_destroy(struct fconn *c)
{
    struct fconn_req r = {.opcode = FUSE_DESTROY};
    struct fconn_slot *s = 0;
    int err = fconn_submit(c, &r, &s);
    if (err)
        return err;
    struct fconn_waiting w = wait_start(c, VS_MIN(c->timeout_ns, DESTROY_WAIT_NS));
    while (!s->done) {
        err = reap_requests(c);
        if (!err && !s->done && now(c) > w.deadline)
            return orphan(c, s, 0); /* never answered: fine, the reset follows */
        if (!err && !s->done)
            err = wait_idle(c, &w);
        if (err)
            return orphan(c, s, err);
    }
    /* Handed back with nothing written (the Rust virtiofsd does so): done. */
    err = s->used_len ? finish(c, s) : 0;
    slot_done(c, s);
    return err;
}

int fconn_handshake(struct fconn *c)
{
    struct fuse_init_in in;
    struct fuse_init_out out;
    vs_memset(&out, 0, sizeof(out));
    fuse_encode_init(&in, OFFERED_FLAGS, c->lim.max_io);
    /* Until INIT settles, allow nothing but INIT itself. */
    c->params.max_write = 0;
    struct fconn_req r = {
        .opcode = FUSE_INIT, .arg = &in, .arg_len = sizeof(in),
        .reply = &out, .reply_len = sizeof(out),
    };
    int err = fconn_call(c, &r);
    if (err)
        return err;
    if (r.rdata_got)
        return fail(c, -VS_EPROTO);
    err = fuse_check_init(&out, r.reply_got, OFFERED_FLAGS, c->lim.max_io, c->lim.max_io, &c->params);
    if (err)
        return fail(c, err);
    return 0;
}

/* Takes back the buffers of FORGETs the device has consumed. */
static int reap_forgets(struct fconn *c)
{
    for (;;) {
        void *tok;
        uint32_t len;
        int r = vq_get_used(&c->dev->hiprio, &tok, &len);
        if (r < 0)
            return fail(c, -VS_EIO);
        if (r == 0)
            return 0;
        c->forget_busy[(uint8_t *)tok - c->forget_mem] = false;
    }
}

static int free_forget_cell(const struct fconn *c)
{
    for (uint32_t i = 0; i < c->forget_cells; i++) {
        if (!c->forget_busy[i])
            return (int)i;
    }
    return -1;
}

int fconn_forget(struct fconn *c, uint64_t nodeid, uint64_t nlookup)
{
    /* Still full when the last flush failed: room first. */
    if (c->forget_pending == FCONN_FORGET_BATCH) {
        int err = fconn_forget_flush(c);
        if (err)
            return err;
    }
    c->forget_batch[c->forget_pending].nodeid = nodeid;
    c->forget_batch[c->forget_pending].nlookup = nlookup;
    if (++c->forget_pending < FCONN_FORGET_BATCH)
        return 0;
    return fconn_forget_flush(c);
}

int fconn_forget_flush(struct fconn *c)
{
    if (!c->forget_pending)
        return 0;
    int err = wait_detached(c, 0);
    if (err)
        return err;
    struct fconn_waiting w = wait_start(c, c->timeout_ns);
    int cell;
    for (;;) {
        err = reap_forgets(c);
        if (err)
            return err;
        cell = free_forget_cell(c);
        if (cell >= 0 && c->dev->hiprio.num_free)
            break;
        err = wait_turn(c, &w);
        if (err)
            return err;
    }
    uint32_t n = c->forget_pending;
    const struct fuse_forget_one *first = &c->forget_batch[0];
    uint8_t *buf = c->forget_mem + cell * FORGET_CELL;
    uint8_t *arg = buf + sizeof(struct fuse_in_header);
    uint32_t opcode, len;
    /* No clearing of the 2 KiB cell: the header is encoded whole and the
     * arguments are copied whole; the device reads len bytes. */
    if (n == 1) {
        struct fuse_forget_in f = {.nlookup = first->nlookup};
        vs_memcpy(arg, &f, sizeof(f));
        opcode = FUSE_FORGET;
        len = (uint32_t)(sizeof(struct fuse_in_header) + sizeof(f));
    } else {
        struct fuse_batch_forget_in b = {.count = n};
        vs_memcpy(arg, &b, sizeof(b));
        vs_memcpy(arg + sizeof(b), c->forget_batch, n * sizeof(*first));
        opcode = FUSE_BATCH_FORGET;
        len = (uint32_t)(sizeof(struct fuse_in_header) + sizeof(b) + n * sizeof(*first));
    }
    /* A BATCH_FORGET names no node: its header's is 0, as Linux sends it. */
    fuse_encode_in_header((struct fuse_in_header *)buf, opcode, c->next_unique++, n == 1 ? first->nodeid : 0, len);
    struct vq_buf b = {c->forget_addr + (uint64_t)cell * FORGET_CELL, len};
    /* The cell's index is recovered from the token's offset in forget_mem. */
    if (vq_add(&c->dev->hiprio, &b, 1, 0, c->forget_mem + cell))
        return fail(c, -VS_EIO);
    c->forget_busy[cell] = true;
    c->forget_pending = 0;
    fconn_note_forget(c, opcode, first->nodeid, first->nlookup, n);
    ring(c, &c->dev->hiprio);
    return 0;
}

void fconn_drain_forgets(struct fconn *c)
{
    fconn_forget_flush(c);
    struct fconn_waiting w = wait_start(c, c->timeout_ns);
    while (!c->dead && vq_in_flight(&c->dev->hiprio)) {
        if (reap_forgets(c) || wait_turn(c, &w))
            return;
    }
}
