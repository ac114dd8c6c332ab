/* SPDX-License-Identifier: BSD-2-Clause */
/* A FUSE connection over a virtio-fs device: the request engine.
 *
 * A request is encoded into a slot's DMA memory, submitted on the request
 * queue, and its reply validated before anyone sees it: the header against
 * the used length and the request's unique, the payload against what was
 * asked.  Several requests may be in flight; fconn_call waits for one.  A
 * device that breaks the protocol or stops answering kills the connection:
 * every later request fails with the same error until the mount is reset. */
#ifndef FCONN_H
#define FCONN_H

#include "virtiofs.h"
#include "fuse_codec.h"
#include "stats.h"

#define FCONN_SLOTS_MAX 64
/* Requests one read or write keeps in flight, at most. */
#define FCONN_WINDOW_MAX 4
/* Per slot, after the request's header, fixed arguments and names: the
 * reply's header and fixed part. */
#define FCONN_IN_SIZE 512
/* The largest fixed arguments of any request we send (SETATTR's 88). */
#define FCONN_ARG_MAX 128
/* The limit on data per request (the configuration's may be lower, and the
 * device's). */
#define FCONN_MAX_IO (1u << 20)
/* Hiprio buffers of FORGET / BATCH_FORGET requests, and the lookups one
 * BATCH_FORGET returns: as many as fit a cell of FCONN_FORGET_CELL bytes. */
#define FCONN_FORGET_CELLS 4
#define FCONN_FORGET_CELL 2048
#define FCONN_FORGET_BATCH ((FCONN_FORGET_CELL - sizeof(struct fuse_in_header) - \
                             sizeof(struct fuse_batch_forget_in)) / sizeof(struct fuse_forget_one))

/* What a connection may use (from struct vfs_config). */
struct fconn_limits {
    uint32_t slots;
    uint32_t max_io;
    uint32_t name2_max;         /* longest second name (a symlink's target) */
    bool stats;                 /* keep statistics and allow tracing */
};

struct fconn_req;

/* A request in flight: from fconn_submit until fconn_wait (or, detached,
 * until its reply arrives). */
struct fconn_slot {
    uint8_t *out, *in;          /* DMA memory */
    uint64_t out_addr, in_addr;
    uint64_t unique;
    uint64_t nodeid;
    struct fconn_req *req;      /* NULL when detached */
    bool busy, done, bounced;
    /* The call returned before the device handed the request back (the
     * connection is dead): the slot and whatever its chain points at stay
     * the device's for good. */
    bool orphan;
    /* Caller memory given to the device straight (not bounced), if any. */
    const void *direct;
    uint32_t direct_len;
    uint32_t used_len;
    /* For statistics and tracing (trace.c). */
    uint32_t opcode, out_len, in_len, wlen;
    uint16_t head;              /* first descriptor of the chain */
    uint64_t t_submit;
};

struct fconn {
    const struct vs_port *port;
    struct viofs *dev;
    struct fuse_conn_params params;
    uint64_t next_unique;
    uint64_t timeout_ns;
    int dead;                   /* 0, or the error every request now gets */
    uint32_t orphans;           /* requests the device kept after their call gave up */
    struct fconn_limits lim;
    void *slot_mem;             /* DMA memory of all slots */
    uint32_t out_size;          /* request bytes per slot */
    struct fconn_slot *slots;   /* lim.slots of them */
    /* Bounce buffer for data not given to the device straight (allocated
     * on first need, as large as the biggest READ or WRITE that INIT
     * allows), and the request using it. */
    uint8_t *bounce;
    uint64_t bounce_addr;
    uint32_t bounce_size;
    struct fconn_slot *bounce_owner;
    /* Request buffers of FORGETs on the hiprio queue. */
    uint8_t *forget_mem;
    uint64_t forget_addr;
    uint32_t forget_cells;      /* at most FCONN_FORGET_CELLS, one per hiprio entry */
    bool forget_busy[FCONN_FORGET_CELLS];
    /* Lookups to return, sent together when the batch is full or flushed. */
    struct fuse_forget_one forget_batch[FCONN_FORGET_BATCH];
    uint32_t forget_pending;
    /* Tracing and statistics (trace.c): the level (VS_TRACE_*), the name
     * trace lines start with (the mount point; may be NULL), the counters
     * (NULL without lim.stats: then nothing is counted or traced). */
    int trace;
    const char *name;
    struct vs_stats *stats;
};

/* One request.  The caller fills the inputs; fconn_call fills the results. */
struct fconn_req {
    uint32_t opcode;
    uint64_t nodeid;
    const void *arg;            /* fixed arguments, copied */
    uint32_t arg_len;
    const char *name, *name2;   /* names sent NUL-terminated after arg (copied) */
    uint32_t name_len, name2_len;
    const void *wdata;          /* WRITE payload, caller memory */
    uint32_t wdata_len;
    void *reply;                /* fixed part of the reply, copied out */
    uint32_t reply_len;
    void *rdata;                /* variable part of the reply, caller memory */
    uint32_t rdata_len;
    /* wdata/rdata may be given to the device straight when the port can
     * reach it and has dma_hold: set only for memory whose owner follows
     * dma_hold's rule (vfs_read/vfs_write buffers).  Otherwise the data
     * moves through the bounce buffer, so no memory of the core's own heap
     * is ever written by the device. */
    bool direct;
    /* results */
    uint32_t reply_got;         /* bytes of the fixed part received */
    uint32_t rdata_got;         /* bytes of the variable part received */
};

/* Prepares c for the live device dev within lim; nothing is sent.  Returns
 * 0 or -ENOMEM. */
int fconn_init(struct fconn *c, const struct vs_port *port, struct viofs *dev, const struct fconn_limits *lim,
               uint64_t timeout_ns);
/* Frees what fconn_init allocated.  The device must be reset first. */
void fconn_fini(struct fconn *c);
/* For a device that stopped answering and was not reset: frees nothing
 * the device may still write (the slots, the bounce buffer, the FORGET
 * cells): they stay the device's. */
void fconn_abandon(struct fconn *c);  /* (frees only what is ours alone) */

/* Sends INIT and stores the settled parameters in c->params.  Returns 0 or
 * a negative errno. */
int fconn_handshake(struct fconn *c);

/* Sends r and waits for its reply.  Returns the device's answer (0 or a
 * negative errno), or -EIO/-EPROTO/-ETIMEDOUT when the device failed (the
 * connection is then dead), -ENAMETOOLONG/-EINVAL for bad arguments. */
int fconn_call(struct fconn *c, struct fconn_req *r);

/* Sends r without waiting and stores its slot in *slot; r and its buffers
 * must stay valid until fconn_wait(slot).  Waits (boundedly) for a slot when
 * all are taken by detached requests.  Returns 0, -EAGAIN when every slot
 * (or the bounce buffer r needs) is held by requests nobody has waited for
 * yet, or an error as fconn_call. */
int fconn_submit(struct fconn *c, struct fconn_req *r, struct fconn_slot **slot);
/* Waits for the reply of a submitted request; returns as fconn_call.  When
 * it returns an error before the device handed the request back, the
 * request is orphaned: its slot is never reused, and caller memory it was
 * given straight is passed to the port's dma_hold. */
int fconn_wait(struct fconn *c, struct fconn_slot *slot);

/* For a caller waiting on several requests at once (vfs/aio.c): a wait's
 * deadline (the connection's timeout from its start), when it next looks at
 * the device status, and when it next notifies the device again, and how
 * often. */
struct fconn_waiting {
    uint64_t deadline, look, nudge, nudge_every;
    uint64_t since;     /* the wait's start or its last idle turn: counted in stats up to there */
    bool idle;          /* it has had an idle turn (counted in stats' waits) */
};
struct fconn_waiting fconn_wait_start(struct fconn *c);
/* Takes every reply that has arrived, without waiting: a submitted
 * request's slot is then done (fconn_wait returns at once).  Returns 0 or
 * the connection's error. */
int fconn_poll(struct fconn *c);
/* Whether the reply of a submitted request is in. */
static inline bool fconn_slot_done(const struct fconn_slot *s) { return s->done; }
/* One idle turn of a wait that found nothing: as fconn_wait's, it fails
 * the connection with -ETIMEDOUT past w's deadline (or -EIO when the device
 * needs a reset) and returns that error; else 0 to look again. */
int fconn_wait_turn(struct fconn *c, struct fconn_waiting *w);

/* Sends r, whose reply carries nothing but its header (RELEASE), without
 * waiting for it: the reply is checked when it comes and then dropped.
 * Returns 0 or an error as fconn_submit. */
int fconn_send(struct fconn *c, struct fconn_req *r);
/* Waits until every detached request has been answered (before DESTROY). */
void fconn_drain(struct fconn *c);
/* Sends DESTROY and waits a moment for it.  Some daemons hand it back with
 * nothing written (the Rust virtiofsd) or never: neither is an error, as the
 * device is reset next.  Returns 0, or the error of a device that failed. */
int fconn_destroy(struct fconn *c);

/* Queues `nlookup` lookups of nodeid for the device to drop.  They go with
 * the others queued when FCONN_FORGET_BATCH are waiting or at
 * fconn_forget_flush: late is safe, the device merely keeps the node a
 * little longer.  Returns 0 or the connection's error. */
int fconn_forget(struct fconn *c, uint64_t nodeid, uint64_t nlookup);
/* Sends what fconn_forget queued: one FORGET, or one BATCH_FORGET for
 * several, on the hiprio queue (there is no reply), after every detached
 * request has been answered: the hiprio queue would overtake one about a
 * node forgotten.  Returns 0 or the connection's error. */
int fconn_forget_flush(struct fconn *c);

/* Sends the queued lookups and waits until every FORGET submitted has come
 * back (before a reset). */
void fconn_drain_forgets(struct fconn *c);

/* trace.c: the engine's statistics and trace hooks.  note_submit after a
 * request is queued, note_done when its reply has been checked (err is what
 * the request returns), note_forget after a FORGET or a BATCH_FORGET of
 * `count` nodes is queued (nodeid and nlookup: the first's), note_fail when
 * the connection dies (only called with c->trace set).  fconn_log prints a
 * line through the port's log hook, prefixed with c->name. */
void fconn_note_submit(struct fconn *c, struct fconn_slot *s, const struct fconn_req *r, uint32_t out_len,
                       uint32_t in_len);
void fconn_note_done(struct fconn *c, struct fconn_slot *s, int err);
void fconn_note_forget(struct fconn *c, uint32_t opcode, uint64_t nodeid, uint64_t nlookup, uint32_t count);
void fconn_note_fail(struct fconn *c, int err);
/* A line (whether tracing or not) with both queues' indices when a request
 * times out: which side stopped, and whether the last kick was sent. */
void fconn_note_stall(struct fconn *c);
/* The result of mounting (INIT and the root's GETATTR), tag the device's. */
void fconn_note_init(struct fconn *c, const char *tag, int err);
void fconn_log(struct fconn *c, const char *what, const char *detail, int err);

#endif
