/* SPDX-License-Identifier: BSD-2-Clause */
/* Operations in flight together (vfs_aio.h): each is cut into requests as a
 * vfs_pread would be (io.c), and the requests of all of them share a table
 * of chunks; a wait polls every connection that has one in flight and
 * finishes whatever came back, in any order.  Nothing is given up before
 * the device handed it back or its connection died (fconn_wait orphans the
 * request then), so a late answer finds memory nobody reused. */
#include "vfs_internal.h"
#include "vfs_aio.h"

/* Requests in flight for all operations together. */
#define AIO_CHUNKS 16
/* Slots of a mount left to synchronous calls (a close's RELEASE, a stat)
 * made while operations are in flight. */
#define AIO_SPARE_SLOTS 2

struct aio_chunk {
    struct vfs_io_op io;
    struct vfs_aio *op;         /* NULL: free */
    struct vfs_mount *m;
    size_t at;                  /* where in op's range */
    uint64_t deadline;          /* the mount's timeout from its submission */
};

struct vfs_aio_state {
    struct vfs_aio *head, *tail; /* submitted and not handed back, in order */
    struct aio_chunk chunks[AIO_CHUNKS];
};

static struct vfs_aio_state *state(struct vfs *v)
{
    if (!v->aio) {
        v->aio = v->port->alloc(v->port->ctx, sizeof(*v->aio));
        if (v->aio)
            vs_memset(v->aio, 0, sizeof(*v->aio));
    }
    return v->aio;
}

/* Frees the state once nothing is outstanding (no chunk can be busy then). */
static void drop_state_if_idle(struct vfs *v)
{
    if (v->aio && !v->aio->head) {
        v->port->free(v->port->ctx, v->aio);
        v->aio = 0;
    }
}

/* Records that the request at `at` moved `got` bytes of `len` (or failed):
 * the operation's range ends at the first one that fell short. */
static void note_result(struct vfs_aio *op, size_t at, uint32_t len, int64_t got)
{
    if (got < 0 && at < op->end) {
        op->end = at;
        op->err = (int)got;
    } else if (got >= 0 && (uint64_t)got < len && at + (size_t)got < op->end) {
        op->end = at + (size_t)got;
        op->err = 0;
    }
}

static void mark_done_if_over(struct vfs_aio *op)
{
    if (op->done || op->inflight || op->sent < op->end)
        return;
    op->done = true;
    op->result = op->end ? (int64_t)op->end : op->err;
}

/* Waits for chunk k's request (at once when its reply is in or its
 * connection is dead) and accounts it to its operation. */
static void finish_chunk(struct aio_chunk *k)
{
    struct vfs_aio *op = k->op;
    int r = fconn_wait(&k->m->conn, k->io.slot);
    note_result(op, k->at, k->io.len, r ? r : vfs_io_moved(&k->io, op->write));
    if (op->write) {
        /* Size and times moved: ask the device next time (as vfs_pwrite). */
        op->file->node->attr_expire = 0;
        op->file->node->attr_time = 0;
    }
    k->op = 0;
    op->inflight--;
    mark_done_if_over(op);
}

static unsigned busy_on(const struct vfs_aio_state *st, const struct vfs_mount *m)
{
    unsigned n = 0;
    for (unsigned i = 0; i < AIO_CHUNKS; i++)
        n += st->chunks[i].op && st->chunks[i].m == m;
    return n;
}

static struct aio_chunk *free_chunk(struct vfs_aio_state *st)
{
    for (unsigned i = 0; i < AIO_CHUNKS; i++) {
        if (!st->chunks[i].op)
            return &st->chunks[i];
    }
    return 0;
}

/* Sends op's next requests while chunks and its mount's slots allow. */
static void send_some(struct vfs_aio_state *st, struct vfs_aio *op)
{
    struct vfs_file *f = op->file;
    struct vfs_mount *m = f->m;
    struct fconn *c = &m->conn;
    uint32_t budget = m->cfg.slots > AIO_SPARE_SLOTS ? m->cfg.slots - AIO_SPARE_SLOTS : 1;
    uint32_t chunk = vfs_io_chunk(op->end, m->cfg.inflight, op->write ? c->params.max_write : c->params.max_read);
    while (op->sent < op->end) {
        struct aio_chunk *k = free_chunk(st);
        unsigned busy = busy_on(st, m);
        if (!k || busy >= budget)
            return;
        uint32_t len = (uint32_t)VS_MIN((size_t)chunk, op->end - op->sent);
        vfs_io_prepare(f, &k->io, (uint8_t *)op->buf + op->sent, op->off + op->sent, len, op->write);
        int err = fconn_submit(c, &k->io.r, &k->io.slot);
        if (err == -VS_EAGAIN && busy)
            return; /* a slot or the bounce buffer comes back with one of ours */
        if (err) {
            note_result(op, op->sent, len, err);
            mark_done_if_over(op);
            return;
        }
        k->op = op;
        k->m = m;
        k->at = op->sent;
        k->deadline = fconn_wait_start(c).deadline;
        op->sent += len;
        op->inflight++;
    }
}

static void send_all(struct vfs_aio_state *st)
{
    for (struct vfs_aio *op = st->head; op; op = op->next) {
        if (!op->done)
            send_some(st, op);
    }
}

/* Waits until at least one chunk in flight is finished (none: returns at
 * once).  Every connection with a chunk in flight is polled in turn; one
 * whose oldest chunk has gone unanswered for its timeout dies (however
 * many others came back meanwhile), and its chunks finish with its
 * error. */
static void wait_some(struct vfs_aio_state *st)
{
    struct {
        struct fconn *c;
        struct fconn_waiting w;
    } conns[VFS_MAX_MOUNTS];
    unsigned n = 0;
    for (unsigned i = 0; i < AIO_CHUNKS; i++) {
        struct aio_chunk *k = &st->chunks[i];
        unsigned j = 0;
        while (k->op && j < n && conns[j].c != &k->m->conn)
            j++;
        if (k->op && j == n) {
            conns[n].c = &k->m->conn;
            conns[n++].w = fconn_wait_start(&k->m->conn);
        }
        if (k->op)
            conns[j].w.deadline = VS_MIN(conns[j].w.deadline, k->deadline);
    }
    while (n) {
        bool finished = false;
        for (unsigned j = 0; j < n; j++) {
            struct fconn *c = conns[j].c;
            /* An error leaves the connection dead: seen below.  Past the
             * deadline the turn kills it, even when others came back. */
            fconn_poll(c);
            if (!c->dead && c->port->now_ns(c->port->ctx) > conns[j].w.deadline)
                fconn_wait_turn(c, &conns[j].w);
        }
        for (unsigned i = 0; i < AIO_CHUNKS; i++) {
            struct aio_chunk *k = &st->chunks[i];
            if (k->op && (fconn_slot_done(k->io.slot) || k->m->conn.dead)) {
                finish_chunk(k);
                finished = true;
            }
        }
        if (finished)
            return;
        for (unsigned j = 0; j < n; j++)
            fconn_wait_turn(conns[j].c, &conns[j].w);
    }
}

static void unlink_op(struct vfs_aio_state *st, struct vfs_aio *op)
{
    struct vfs_aio **pp = &st->head, *prev = 0;
    while (*pp != op) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    *pp = op->next;
    if (st->tail == op)
        st->tail = prev;
    op->next = 0;
}

int vfs_aio_submit(struct vfs *v, struct vfs_aio *op)
{
    struct vfs_file *f = vfs_file_get(v, op->fd, false);
    uint32_t acc = f ? f->flags & VFS_O_ACCMODE : 0;
    if (!f || (op->write ? acc == VFS_O_RDONLY : acc == VFS_O_WRONLY))
        return -VS_EBADF;
    if (op->off > INT64_MAX || op->len > INT64_MAX - op->off)
        return op->write ? -VS_EFBIG : -VS_EINVAL;
    struct vfs_aio_state *st = state(v);
    if (!st)
        return -VS_ENOMEM;
    op->file = f;
    op->next = 0;
    op->sent = 0;
    op->end = op->len;
    op->err = 0;
    op->inflight = 0;
    op->done = false;
    op->result = 0;
    if (op->write) {
        f->written = true;
    } else if (vn_attr_fresh(f->m, f->node, UINT64_MAX)) {
        /* What lies past a size still valid is nothing (as vfs_pread). */
        uint64_t size = f->node->attr.size;
        op->end = op->off >= size ? 0 : (size_t)VS_MIN((uint64_t)op->len, size - op->off);
    }
    if (st->tail)
        st->tail->next = op;
    else
        st->head = op;
    st->tail = op;
    mark_done_if_over(op);
    send_some(st, op);
    return 0;
}

int64_t vfs_aio_wait(struct vfs *v, struct vfs_aio *op)
{
    struct vfs_aio_state *st = v->aio;
    while (!op->done) {
        send_all(st);
        if (!op->done)
            wait_some(st);
    }
    unlink_op(st, op);
    drop_state_if_idle(v);
    return op->result;
}

struct vfs_aio *vfs_aio_wait_any(struct vfs *v)
{
    struct vfs_aio_state *st = v->aio;
    while (st && st->head) {
        send_all(st);
        for (struct vfs_aio *op = st->head; op; op = op->next) {
            if (op->done) {
                unlink_op(st, op);
                drop_state_if_idle(v);
                return op;
            }
        }
        /* Not done and not sending: each has a chunk in flight (a send
         * that cannot go out with none of ours in flight fails the op). */
        wait_some(st);
    }
    return 0;
}

int vfs_aio_wait_all(struct vfs *v)
{
    struct vfs_aio_state *st = v->aio;
    struct vfs_aio *first = st ? st->head : 0;
    int err = 0;
    while (st && st->head) {
        send_all(st);
        bool pending = false;
        for (struct vfs_aio *op = st->head; op; op = op->next)
            pending |= !op->done;
        if (!pending)
            break;
        wait_some(st);
    }
    for (struct vfs_aio *op = first; op; op = op->next) {
        if (!err && op->result < 0)
            err = (int)op->result;
    }
    if (st) {
        while (st->head)
            unlink_op(st, st->head);
        drop_state_if_idle(v);
    }
    return err;
}

void vfs_aio_settle_file(struct vfs *v, struct vfs_file *f)
{
    struct vfs_aio_state *st = v->aio;
    if (!st)
        return;
    for (unsigned i = 0; i < AIO_CHUNKS; i++) {
        if (st->chunks[i].op && st->chunks[i].op->file == f)
            finish_chunk(&st->chunks[i]);
    }
    for (struct vfs_aio *op = st->head; op; op = op->next) {
        if (op->file != f || op->done)
            continue;
        if (op->sent < op->end) {
            op->end = op->sent;
            op->err = -VS_EBADF;
        }
        mark_done_if_over(op);
    }
}
