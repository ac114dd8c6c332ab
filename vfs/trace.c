/* SPDX-License-Identifier: BSD-2-Clause */
/* Request statistics and trace lines (stats.h): the hooks the request
 * engine calls, the latency histogram, and the VFS calls that expose them.
 * Trace lines go to the port's log hook, one line each, starting "trace ". */
#include "vfs_internal.h"
#include "stats.h"

static const char *const opnames[VS_STATS_OPS] = {
    [FUSE_LOOKUP] = "LOOKUP",       [FUSE_FORGET] = "FORGET",         [FUSE_GETATTR] = "GETATTR",
    [FUSE_SETATTR] = "SETATTR",     [FUSE_READLINK] = "READLINK",     [FUSE_SYMLINK] = "SYMLINK",
    [FUSE_MKNOD] = "MKNOD",         [FUSE_MKDIR] = "MKDIR",           [FUSE_UNLINK] = "UNLINK",
    [FUSE_RMDIR] = "RMDIR",         [FUSE_RENAME] = "RENAME",         [FUSE_LINK] = "LINK",
    [FUSE_OPEN] = "OPEN",           [FUSE_READ] = "READ",             [FUSE_WRITE] = "WRITE",
    [FUSE_STATFS] = "STATFS",       [FUSE_RELEASE] = "RELEASE",       [FUSE_FSYNC] = "FSYNC",
    [FUSE_SETXATTR] = "SETXATTR",   [FUSE_GETXATTR] = "GETXATTR",     [FUSE_LISTXATTR] = "LISTXATTR",
    [FUSE_REMOVEXATTR] = "REMOVEXATTR", [FUSE_FLUSH] = "FLUSH",       [FUSE_INIT] = "INIT",
    [FUSE_OPENDIR] = "OPENDIR",     [FUSE_READDIR] = "READDIR",       [FUSE_RELEASEDIR] = "RELEASEDIR",
    [FUSE_FSYNCDIR] = "FSYNCDIR",   [FUSE_GETLK] = "GETLK",           [FUSE_SETLK] = "SETLK",
    [FUSE_SETLKW] = "SETLKW",       [FUSE_ACCESS] = "ACCESS",         [FUSE_CREATE] = "CREATE",
    [FUSE_INTERRUPT] = "INTERRUPT", [FUSE_BMAP] = "BMAP",             [FUSE_DESTROY] = "DESTROY",
    [FUSE_IOCTL] = "IOCTL",         [FUSE_POLL] = "POLL",             [FUSE_NOTIFY_REPLY] = "NOTIFY_REPLY",
    [FUSE_BATCH_FORGET] = "BATCH_FORGET", [FUSE_FALLOCATE] = "FALLOCATE", [FUSE_READDIRPLUS] = "READDIRPLUS",
    [FUSE_RENAME2] = "RENAME2",               [FUSE_LSEEK] = "LSEEK",           [FUSE_COPY_FILE_RANGE] = "COPY_FILE_RANGE",
    [FUSE_SETUPMAPPING] = "SETUPMAPPING", [FUSE_REMOVEMAPPING] = "REMOVEMAPPING", [FUSE_SYNCFS] = "SYNCFS",
    [FUSE_TMPFILE] = "TMPFILE",     [FUSE_STATX] = "STATX",
};

const char *vs_fuse_opname(uint32_t opcode)
{
    const char *n = opcode < VS_STATS_OPS ? opnames[opcode] : 0;
    return n ? n : "?";
}

/* ------------------------------------------------------------ histogram */

unsigned vs_stats_bucket(uint64_t us)
{
    if (us < 4)
        return (unsigned)us;
    unsigned e = 63u - (unsigned)__builtin_clzll(us);
    unsigned b = 4 * (e - 1) + (unsigned)((us >> (e - 2)) & 3);
    return b < VS_STATS_BUCKETS ? b : VS_STATS_BUCKETS - 1;
}

uint64_t vs_stats_bucket_low(unsigned b)
{
    if (b < 4)
        return b;
    unsigned e = b / 4 + 1;
    return (uint64_t)(4 + b % 4) << (e - 2);
}

uint64_t vs_opstat_quantile_us(const struct vs_opstat *o, uint32_t permille)
{
    uint64_t total = 0;
    for (unsigned b = 0; b < VS_STATS_BUCKETS; b++)
        total += o->hist[b];
    if (!total)
        return 0;
    uint64_t rank = (total * permille + 999) / 1000; /* 1-based */
    if (rank == 0)
        rank = 1;
    uint64_t min_us = o->min_ns / 1000, max_us = o->max_ns / 1000;
    uint64_t before = 0;
    for (unsigned b = 0; b < VS_STATS_BUCKETS; b++) {
        uint64_t n = o->hist[b];
        if (before + n < rank) {
            before += n;
            continue;
        }
        uint64_t lo = vs_stats_bucket_low(b);
        uint64_t hi = b + 1 < VS_STATS_BUCKETS ? vs_stats_bucket_low(b + 1) : max_us + 1;
        if (hi <= lo)
            hi = lo + 1;
        /* The k-th of n values spread evenly over [lo, hi): its middle. */
        uint64_t k = rank - before;
        uint64_t v = lo + (hi - lo) * (2 * k - 1) / (2 * n);
        if (b < 4)
            v = lo; /* exact microseconds */
        if (v < min_us)
            v = min_us;
        if (v > max_us)
            v = max_us;
        return v;
    }
    return max_us;
}

void vs_stats_reset(struct vs_stats *s, uint64_t now_ns)
{
    uint32_t inflight = s->inflight;
    vs_memset(s, 0, sizeof(*s));
    s->inflight = inflight;
    s->inflight_max = inflight;
    s->since_ns = now_ns;
}

/* ------------------------------------------------------------ lines */

struct line {
    char b[200];
    size_t n;
};

static void put_s(struct line *l, const char *s)
{
    while (*s && l->n + 1 < sizeof(l->b))
        l->b[l->n++] = *s++;
    l->b[l->n] = 0;
}

static void put_u(struct line *l, uint64_t v)
{
    char t[24];
    int i = 0;
    do {
        t[i++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (i && l->n + 1 < sizeof(l->b))
        l->b[l->n++] = t[--i];
    l->b[l->n] = 0;
}

static void put_kv(struct line *l, const char *key, uint64_t v)
{
    put_s(l, " ");
    put_s(l, key);
    put_s(l, "=");
    put_u(l, v);
}

static void start(struct fconn *c, struct line *l)
{
    l->n = 0;
    l->b[0] = 0;
    put_s(l, "trace ");
    put_s(l, c->name ? c->name : "-");
    put_s(l, " ");
}

static void emit(struct fconn *c, struct line *l)
{
    if (c->port->log)
        c->port->log(c->port->ctx, l->b);
}

void fconn_log(struct fconn *c, const char *what, const char *detail, int err)
{
    struct line l;
    start(c, &l);
    put_s(&l, what);
    if (detail) {
        put_s(&l, " ");
        put_s(&l, detail);
    }
    if (err) {
        put_s(&l, ": ");
        put_s(&l, vs_errno_name(err));
        put_s(&l, " (");
        put_s(&l, vs_errno_text(err));
        put_s(&l, ")");
    }
    emit(c, &l);
}

/* ------------------------------------------------------------ hooks */

void fconn_note_submit(struct fconn *c, struct fconn_slot *s, const struct fconn_req *r, uint32_t out_len,
                       uint32_t in_len)
{
    s->opcode = r->opcode;
    s->out_len = out_len;
    s->in_len = in_len;
    s->wlen = r->wdata_len;
    struct vs_stats *st = c->stats;
    if (!st)
        return;
    s->t_submit = c->port->now_ns(c->port->ctx);
    st->op[vs_stats_slot(r->opcode)].count++;
    if (++st->inflight > st->inflight_max)
        st->inflight_max = st->inflight;
    if (c->trace >= VS_TRACE_QUEUE) {
        struct line l;
        start(c, &l);
        put_s(&l, "vq req add");
        put_kv(&l, "head", s->head);
        put_kv(&l, "out", out_len);
        put_kv(&l, "in", in_len);
        put_kv(&l, "unique", s->unique);
        emit(c, &l);
        start(c, &l);
        put_s(&l, "vq req kick");
        put_kv(&l, "avail", c->dev->req.avail_idx);
        emit(c, &l);
    }
}

void fconn_note_done(struct fconn *c, struct fconn_slot *s, int err)
{
    struct vs_stats *st = c->stats;
    if (!st)
        return;
    uint64_t ns = c->port->now_ns(c->port->ctx) - s->t_submit;
    struct vs_opstat *o = &st->op[vs_stats_slot(s->opcode)];
    if (st->inflight)
        st->inflight--;
    uint32_t rdata = !err && s->req ? s->req->rdata_got : 0;
    if (err) {
        o->errors++;
    } else {
        o->bytes += s->wlen + rdata;
    }
    if (!o->min_ns || ns < o->min_ns)
        o->min_ns = ns ? ns : 1;
    if (ns > o->max_ns)
        o->max_ns = ns;
    o->sum_ns += ns;
    o->hist[vs_stats_bucket(ns / 1000)]++;
    if (c->trace >= VS_TRACE_REQUESTS) {
        struct line l;
        if (c->trace >= VS_TRACE_QUEUE) {
            start(c, &l);
            put_s(&l, "vq req used");
            put_kv(&l, "head", s->head);
            put_kv(&l, "len", s->used_len);
            emit(c, &l);
        }
        start(c, &l);
        put_s(&l, vs_fuse_opname(s->opcode));
        put_kv(&l, "node", s->nodeid);
        put_kv(&l, "unique", s->unique);
        put_kv(&l, "len", s->out_len);
        put_kv(&l, "reply", s->used_len);
        put_s(&l, " error=");
        put_s(&l, err ? vs_errno_name(err) : "0");
        put_kv(&l, "us", ns / 1000);
        emit(c, &l);
    }
}

void fconn_note_forget(struct fconn *c, uint32_t opcode, uint64_t nodeid, uint64_t nlookup, uint32_t count)
{
    if (!c->stats)
        return;
    c->stats->op[vs_stats_slot(opcode)].count++;
    c->stats->unanswered++;
    if (c->trace >= VS_TRACE_REQUESTS) {
        struct line l;
        start(c, &l);
        put_s(&l, vs_fuse_opname(opcode));
        put_kv(&l, "node", nodeid);
        put_kv(&l, "unique", c->next_unique - 1);
        put_kv(&l, "nlookup", nlookup);
        if (opcode == FUSE_BATCH_FORGET)
            put_kv(&l, "nodes", count);
        put_s(&l, " (hiprio, no reply)");
        emit(c, &l);
    }
}

/* One queue's indices, as both sides last left them. */
static void put_queue(struct line *l, const char *name, const struct vq *q)
{
    put_s(l, " ");
    put_s(l, name);
    put_s(l, ":");
    put_kv(l, "inflight", vq_in_flight(q));
    put_kv(l, "avail", q->avail_idx);
    put_kv(l, "used", q->used[1]);
    put_kv(l, "taken", q->last_used);
    if (q->event_idx)
        put_kv(l, "kick_at", vq_device_avail_event(q));
    put_kv(l, "kicks", q->kicks);
    put_kv(l, "repeated", q->nudges);
}

void fconn_note_stall(struct fconn *c)
{
    struct line l;
    l.n = 0;
    put_s(&l, "vioshare: ");
    put_s(&l, c->name ? c->name : "-");
    put_s(&l, ": no answer from the device in time;");
    put_queue(&l, "request queue", &c->dev->req);
    put_queue(&l, "hiprio", &c->dev->hiprio);
    emit(c, &l);
}

void fconn_note_fail(struct fconn *c, int err)
{
    fconn_log(c, "connection failed", err == -VS_ETIMEDOUT ? "(request timed out)"
                                      : err == -VS_EPROTO  ? "(protocol error in a reply)"
                                                           : "(virtqueue error)", err);
}

/* ------------------------------------------------------------ VFS calls */

const struct vs_stats *vfs_mount_stats(const struct vfs *v, int i)
{
    if (i < 0 || i >= VFS_MAX_MOUNTS || !v->mounts[i])
        return 0;
    return v->mounts[i]->conn.stats;
}

void vfs_mount_stats_reset(struct vfs *v, int i)
{
    if (i < 0 || i >= VFS_MAX_MOUNTS || !v->mounts[i] || !v->mounts[i]->conn.stats)
        return;
    vs_stats_reset(v->mounts[i]->conn.stats, v->port->now_ns(v->port->ctx));
}

void vfs_set_debug(struct vfs *v, int i, int level)
{
    for (int k = 0; k < VFS_MAX_MOUNTS; k++) {
        struct vfs_mount *m = v->mounts[k];
        if (!m || (i >= 0 && k != i) || !m->conn.stats)
            continue;
        m->opts.debug = (uint8_t)level;
        m->conn.trace = level;
    }
}

void fconn_note_init(struct fconn *c, const char *tag, int err)
{
    struct line l;
    start(c, &l);
    if (err) {
        put_s(&l, "mount of tag ");
        put_s(&l, tag);
        put_s(&l, " failed: ");
        put_s(&l, vs_errno_name(err));
        put_s(&l, " (");
        put_s(&l, vs_errno_text(err));
        put_s(&l, ")");
    } else {
        const struct fuse_conn_params *p = &c->params;
        put_s(&l, "mounted tag ");
        put_s(&l, tag);
        put_s(&l, ": INIT 7.");
        put_u(&l, p->minor);
        put_kv(&l, "max_write", p->max_write);
        put_kv(&l, "max_read", p->max_read);
        put_kv(&l, "max_pages", p->max_pages);
        put_s(&l, " flags=0x");
        for (int sh = 28; sh >= 0; sh -= 4)
            l.n < sizeof(l.b) - 1 ? (void)(l.b[l.n++] = "0123456789abcdef"[(p->flags >> sh) & 15]) : (void)0;
        l.b[l.n] = 0;
        put_kv(&l, "queue", c->dev->req.size);
    }
    emit(c, &l);
}
