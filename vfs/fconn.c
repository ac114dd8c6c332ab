/* The FUSE request engine over a virtio-fs device. */
#include "fconn.h"
#include "vs_errno.h"

#define SLOT_BYTES (FCONN_OUT_SIZE + FCONN_IN_SIZE)
#define FORGET_CELL 64
#define NAME_MAX_BYTES 1024

/* INIT flags we offer: big requests and the features the VFS relies on. */
#define OFFERED_FLAGS (FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_MAX_PAGES | FUSE_PARALLEL_DIROPS)

int fconn_init(struct fconn *c, const struct vs_port *port, struct viofs *dev, uint64_t timeout_ns)
{
    vs_memset(c, 0, sizeof(*c));
    c->port = port;
    c->dev = dev;
    c->timeout_ns = timeout_ns;
    c->next_unique = 1;
    uint64_t base;
    c->slot_mem = port->dma_alloc(port->ctx, (size_t)SLOT_BYTES * FCONN_SLOTS, &base);
    c->forget_mem = port->dma_alloc(port->ctx, FORGET_CELL * FCONN_FORGET_CELLS, &c->forget_addr);
    if (!c->slot_mem || !c->forget_mem) {
        fconn_fini(c);
        return -VS_ENOMEM;
    }
    for (int i = 0; i < FCONN_SLOTS; i++) {
        struct fconn_slot *s = &c->slots[i];
        s->out = (uint8_t *)c->slot_mem + (size_t)i * SLOT_BYTES;
        s->in = s->out + FCONN_OUT_SIZE;
        s->out_addr = base + (uint64_t)i * SLOT_BYTES;
        s->in_addr = s->out_addr + FCONN_OUT_SIZE;
    }
    return 0;
}

void fconn_fini(struct fconn *c)
{
    const struct vs_port *p = c->port;
    if (c->slot_mem)
        p->dma_free(p->ctx, c->slot_mem, (size_t)SLOT_BYTES * FCONN_SLOTS);
    if (c->forget_mem)
        p->dma_free(p->ctx, c->forget_mem, FORGET_CELL * FCONN_FORGET_CELLS);
    if (c->bounce)
        p->dma_free(p->ctx, c->bounce, FCONN_MAX_IO);
    c->slot_mem = c->forget_mem = 0;
    c->bounce = 0;
}

/* Kills the connection: every later request fails with err. */
static int fail(struct fconn *c, int err)
{
    if (!c->dead)
        c->dead = err;
    vq_mark_broken(&c->dev->req);
    vq_mark_broken(&c->dev->hiprio);
    return c->dead;
}

/* The device address of caller memory, or of the bounce buffer when the
 * device cannot reach it (then *bounced is set). */
static int data_addr(struct fconn *c, const void *p, uint32_t len, uint64_t *addr, bool *bounced)
{
    const struct vs_port *port = c->port;
    *bounced = false;
    if (port->dma_addr && port->dma_addr(port->ctx, p, len, addr))
        return 0;
    if (len > FCONN_MAX_IO)
        return -VS_EINVAL;
    if (!c->bounce) {
        c->bounce = port->dma_alloc(port->ctx, FCONN_MAX_IO, &c->bounce_addr);
        if (!c->bounce)
            return -VS_ENOMEM;
    }
    *addr = c->bounce_addr;
    *bounced = true;
    return 0;
}

static struct fconn_slot *free_slot(struct fconn *c)
{
    for (int i = 0; i < FCONN_SLOTS; i++) {
        if (!c->slots[i].busy)
            return &c->slots[i];
    }
    return 0;
}

static void relax(struct fconn *c)
{
    if (c->port->relax)
        c->port->relax(c->port->ctx);
}

/* Takes every used element of the request queue, marking its slot done. */
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
    }
}

/* Waits for slot s with the connection's deadline. */
static int wait_slot(struct fconn *c, struct fconn_slot *s)
{
    uint64_t deadline = c->port->now_ns(c->port->ctx) + c->timeout_ns;
    for (;;) {
        int err = reap_requests(c);
        if (err)
            return err;
        if (s->done)
            return 0;
        if (c->port->now_ns(c->port->ctx) > deadline)
            return fail(c, -VS_ETIMEDOUT);
        relax(c);
    }
}

int fconn_call(struct fconn *c, struct fconn_req *r)
{
    if (c->dead)
        return c->dead;
    if (r->name_len > NAME_MAX_BYTES || r->name2_len > FCONN_OUT_SIZE / 2)
        return -VS_ENAMETOOLONG;
    uint32_t names = (r->name ? r->name_len + 1 : 0) + (r->name2 ? r->name2_len + 1 : 0);
    uint32_t out_fixed = (uint32_t)sizeof(struct fuse_in_header) + r->arg_len + names;
    uint32_t in_fixed = (uint32_t)sizeof(struct fuse_out_header) + r->reply_len;
    if (out_fixed > FCONN_OUT_SIZE || in_fixed > FCONN_IN_SIZE)
        return -VS_EINVAL;
    if (r->wdata_len > c->params.max_write && r->opcode != FUSE_INIT)
        return -VS_EINVAL;

    struct fconn_slot *s = free_slot(c);
    if (!s)
        return -VS_EAGAIN;

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

    struct vq_buf bufs[4];
    unsigned n_out = 0, n_in = 0;
    bufs[n_out++] = (struct vq_buf){s->out_addr, out_fixed};
    bool wbounce = false, rbounce = false;
    int err;
    if (r->wdata_len) {
        err = data_addr(c, r->wdata, r->wdata_len, &bufs[n_out].addr, &wbounce);
        if (err)
            return err;
        if (wbounce)
            vs_memcpy(c->bounce, r->wdata, r->wdata_len);
        bufs[n_out++].len = r->wdata_len;
    }
    bufs[n_out + n_in++] = (struct vq_buf){s->in_addr, in_fixed};
    if (r->rdata_len) {
        if (wbounce)
            return -VS_EINVAL; /* one bounce buffer: never both directions */
        err = data_addr(c, r->rdata, r->rdata_len, &bufs[n_out + n_in].addr, &rbounce);
        if (err)
            return err;
        bufs[n_out + n_in++].len = r->rdata_len;
    }

    s->busy = true;
    s->done = false;
    s->unique = unique;
    err = vq_add(&c->dev->req, bufs, n_out, n_in, s);
    if (err == -VS_ENOSPC) {
        s->busy = false;
        return -VS_EAGAIN;
    }
    if (err) {
        s->busy = false;
        return fail(c, -VS_EIO);
    }
    vq_kick(&c->dev->req);

    err = wait_slot(c, s);
    if (err)
        return err; /* the slot stays busy: the device may still write it */
    s->busy = false;

    int32_t dev_err;
    const struct fuse_out_header *h = (const struct fuse_out_header *)s->in;
    uint32_t used = s->used_len;
    if (fuse_check_out_header(h, used, unique, &dev_err))
        return fail(c, -VS_EPROTO);
    if (dev_err)
        return dev_err;

    uint32_t payload = used - (uint32_t)sizeof(*h);
    r->reply_got = VS_MIN(payload, r->reply_len);
    r->rdata_got = payload - r->reply_got;
    if (r->reply_got)
        vs_memcpy(r->reply, s->in + sizeof(*h), r->reply_got);
    if (rbounce && r->rdata_got)
        vs_memcpy(r->rdata, c->bounce, r->rdata_got);
    return 0;
}

int fconn_handshake(struct fconn *c)
{
    struct fuse_init_in in;
    struct fuse_init_out out;
    vs_memset(&out, 0, sizeof(out));
    fuse_encode_init(&in, OFFERED_FLAGS, FCONN_MAX_IO);
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
    err = fuse_check_init(&out, r.reply_got, OFFERED_FLAGS, FCONN_MAX_IO, FCONN_MAX_IO, &c->params);
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

static int free_forget_cell(struct fconn *c)
{
    for (int i = 0; i < FCONN_FORGET_CELLS; i++) {
        if (!c->forget_busy[i])
            return i;
    }
    return -1;
}

int fconn_forget(struct fconn *c, uint64_t nodeid, uint64_t nlookup)
{
    if (c->dead)
        return c->dead;
    uint64_t deadline = c->port->now_ns(c->port->ctx) + c->timeout_ns;
    int cell;
    for (;;) {
        int err = reap_forgets(c);
        if (err)
            return err;
        cell = free_forget_cell(c);
        if (cell >= 0)
            break;
        if (c->port->now_ns(c->port->ctx) > deadline)
            return fail(c, -VS_ETIMEDOUT);
        relax(c);
    }
    uint8_t *buf = c->forget_mem + cell * FORGET_CELL;
    struct fuse_forget_in *f = (struct fuse_forget_in *)(buf + sizeof(struct fuse_in_header));
    uint32_t len = (uint32_t)(sizeof(struct fuse_in_header) + sizeof(*f));
    vs_memset(buf, 0, FORGET_CELL);
    f->nlookup = nlookup;
    fuse_encode_in_header((struct fuse_in_header *)buf, FUSE_FORGET, c->next_unique++, nodeid, len);
    struct vq_buf b = {c->forget_addr + (uint64_t)cell * FORGET_CELL, len};
    /* The cell's index is recovered from the token's offset in forget_mem. */
    if (vq_add(&c->dev->hiprio, &b, 1, 0, c->forget_mem + cell))
        return fail(c, -VS_EIO);
    c->forget_busy[cell] = true;
    vq_kick(&c->dev->hiprio);
    return 0;
}

void fconn_drain_forgets(struct fconn *c)
{
    uint64_t deadline = c->port->now_ns(c->port->ctx) + c->timeout_ns;
    while (!c->dead && vq_in_flight(&c->dev->hiprio)) {
        if (reap_forgets(c))
            return;
        if (c->port->now_ns(c->port->ctx) > deadline) {
            fail(c, -VS_ETIMEDOUT);
            return;
        }
        relax(c);
    }
}
