/* SPDX-License-Identifier: BSD-2-Clause */
/* SHA-256 of files one after another, the next file opened and its reads
 * in flight (vfs_aio.h) while this one's last are still coming: a run of
 * small files then waits for each OPEN, while each READ comes back as the
 * next file is opened.  Used by `sha256 PATH...` and `manifest`.
 *
 * A file's reads stop at the size the attribute cache holds at its open
 * (its end), and the next file is opened once all of them are sent.  The
 * end is trusted only as vfs_pread trusts it: while it is still fresh when
 * the last read comes back.  Otherwise (no fresh size, a device that gave
 * less than asked before it) the file is read on until a read finds
 * nothing, as a lone reader would. */
#include "commands.h"
#include "sha256.h"
#include "vfs_aio.h"
#include "vs_errno.h"

#define CHUNK (1u << 20)
#define AHEAD 2 /* files open at once, and reads in flight */

struct hf_file {
    size_t index;
    bool hashed_entry;  /* it has a file to hash (path) */
    int fd;             /* < 0: not open */
    int err;
    bool eof;
    uint64_t next_off;  /* where its next read starts */
    uint64_t hashed;    /* the bytes hashed so far */
    uint64_t end;       /* where its reads stop: the size at open, or UINT64_MAX */
    unsigned inflight;
    struct sha256_ctx sha;
    char path[VFS_PATH_MAX + 1];
};

struct hf_op {
    struct vfs_aio aio;
    struct hf_file *f;
    bool busy;
    uint64_t seq;       /* submit order: the oldest is waited for first */
};

struct hf {
    struct app *a;
    const char *cmd;
    const struct hash_run *run;
    size_t next_index;
    bool entries_left;
    int stop;           /* the run's end: next's error, done's result, -EINTR */
    uint64_t seq;
    struct hf_file files[AHEAD];
    unsigned first, nfiles; /* the live files, oldest first */
    struct hf_op ops[AHEAD];
    uint8_t *buf;       /* AHEAD chunks, one per op */
};

static struct hf_file *nth_file(struct hf *h, unsigned k)
{
    return &h->files[(h->first + k) % AHEAD];
}

static bool fully_sent(const struct hf_file *f)
{
    return f->fd < 0 || f->err || f->eof || f->next_off >= f->end;
}

static bool wants_read(const struct hf_file *f)
{
    return !fully_sent(f) && (f->end != UINT64_MAX || f->inflight < AHEAD);
}

/* Takes the next entry into a free file: opens its path, notes the size the
 * cache holds.  Returns false when there are no more entries (next's error
 * in h->stop). */
static bool open_next(struct hf *h)
{
    const char *path = 0;
    int more = h->entries_left ? h->run->next(h->run->ctx, h->next_index, &path) : 0;
    if (more <= 0) {
        h->entries_left = false;
        if (more < 0)
            h->stop = more;
        return false;
    }
    struct hf_file *f = nth_file(h, h->nfiles++);
    vs_memset(f, 0, sizeof(*f));
    f->index = h->next_index++;
    f->fd = -1;
    f->end = UINT64_MAX;
    if (!path)
        return true;
    f->hashed_entry = true;
    vs_snprintf(f->path, sizeof(f->path), "%s", path); /* for the messages: cut if too long */
    sha256_init(&f->sha);
    f->fd = vs_strlen(path) > VFS_PATH_MAX ? -VS_ENAMETOOLONG : vfs_open(&h->a->vfs, path, VFS_O_RDONLY, 0);
    if (f->fd < 0) {
        f->err = f->fd;
        return true;
    }
    uint64_t size;
    if (vfs_fsize_fresh(&h->a->vfs, f->fd, &size)) {
        f->end = size;
        f->eof = size == 0;
    }
    return true;
}

static struct hf_op *free_op(struct hf *h)
{
    for (unsigned i = 0; i < AHEAD; i++) {
        if (!h->ops[i].busy)
            return &h->ops[i];
    }
    return 0;
}

static int submit(struct hf *h, struct hf_file *f, struct hf_op *op)
{
    size_t len = (size_t)VS_MIN((uint64_t)CHUNK, f->end - f->next_off);
    op->aio = (struct vfs_aio){.fd = f->fd, .buf = h->buf + (size_t)(op - h->ops) * CHUNK, .len = len,
                               .off = f->next_off};
    int err = vfs_aio_submit(&h->a->vfs, &op->aio);
    if (err)
        return err;
    op->f = f;
    op->busy = true;
    op->seq = h->seq++;
    f->next_off += len;
    f->inflight++;
    return 0;
}

/* Sends what can be sent: reads of the live files, oldest first, and once
 * every live file's reads are all out, the next entry's open. */
static void fill(struct hf *h)
{
    for (;;) {
        struct hf_file *f = 0;
        bool all_sent = true;
        for (unsigned k = 0; k < h->nfiles; k++) {
            struct hf_file *g = nth_file(h, k);
            all_sent &= fully_sent(g);
            if (!f && wants_read(g))
                f = g;
        }
        struct hf_op *op = free_op(h);
        if (f && op) {
            int err = submit(h, f, op);
            if (err)
                f->err = err;
            continue;
        }
        if (f || !all_sent || h->nfiles == AHEAD || !open_next(h))
            return;
    }
}

static struct hf_op *oldest_op(struct hf *h)
{
    struct hf_op *o = 0;
    for (unsigned i = 0; i < AHEAD; i++) {
        if (h->ops[i].busy && (!o || h->ops[i].seq < o->seq))
            o = &h->ops[i];
    }
    return o;
}

/* A read of f came back with got. */
static void take(struct hf *h, struct hf_file *f, const struct vfs_aio *r, int64_t got)
{
    f->inflight--;
    if (f->err || f->eof)
        return; /* decided before it came */
    if (got < 0) {
        f->err = (int)got;
        return;
    }
    if (r->off != f->hashed) {
        /* It started past a read that gave less than asked: nothing here
         * says that was the end; anything means the reading goes on from
         * there. */
        if (got == 0) {
            f->eof = true;
        } else {
            f->next_off = f->hashed;
            f->end = UINT64_MAX;
        }
        return;
    }
    if (got == 0) {
        f->eof = true;
        return;
    }
    sha256_update(&f->sha, r->buf, (size_t)got);
    f->hashed += (uint64_t)got;
    if ((size_t)got == r->len && f->hashed < f->end)
        return;
    if (f->inflight)
        return; /* the read after it says whether this was the end */
    uint64_t size;
    if (vfs_fsize_fresh(&h->a->vfs, f->fd, &size) && size == f->hashed) {
        f->eof = true;
    } else {
        f->next_off = f->hashed; /* one more read: nothing there is the end */
        f->end = UINT64_MAX;
    }
}

/* Reports the oldest file once it is finished (done's result in h->stop);
 * false when it is not. */
static bool report_oldest(struct hf *h)
{
    if (!h->nfiles)
        return false;
    struct hf_file *f = nth_file(h, 0);
    if (f->inflight || (f->hashed_entry && !f->err && !f->eof))
        return false;
    char hex[65];
    int err = f->err;
    if (f->fd >= 0) {
        int cerr = vfs_close(&h->a->vfs, f->fd);
        if (!err)
            err = cerr;
    }
    if (f->hashed_entry && err) {
        app_error(h->a, h->cmd, f->path, err);
    } else if (f->hashed_entry) {
        uint8_t d[SHA256_DIGEST_LEN];
        sha256_final(&f->sha, d);
        sha256_hex(d, hex);
    }
    h->first = (h->first + 1) % AHEAD;
    h->nfiles--;
    h->stop = h->run->done(h->run->ctx, f->index, f->hashed_entry && !err ? hex : 0, err);
    return true;
}

/* Waits for every read in flight and closes every file still open: the
 * buffers are freed next. */
static void settle(struct hf *h)
{
    struct hf_op *op;
    while ((op = oldest_op(h))) {
        vfs_aio_wait(&h->a->vfs, &op->aio);
        op->busy = false;
    }
    for (unsigned k = 0; k < h->nfiles; k++) {
        struct hf_file *f = nth_file(h, k);
        if (f->fd >= 0)
            vfs_close(&h->a->vfs, f->fd);
    }
}

int app_hash_files(struct app *a, const char *cmd, const struct hash_run *run)
{
    struct hf *h = a->port->alloc(a->port->ctx, sizeof(*h));
    uint8_t *buf = a->port->alloc(a->port->ctx, (size_t)AHEAD * CHUNK);
    if (!h || !buf) {
        a->port->free(a->port->ctx, h);
        a->port->free(a->port->ctx, buf);
        app_error(a, cmd, 0, -VS_ENOMEM);
        return -VS_ENOMEM;
    }
    vs_memset(h, 0, sizeof(*h));
    h->a = a;
    h->cmd = cmd;
    h->run = run;
    h->entries_left = true;
    h->buf = buf;
    while (!h->stop) {
        fill(h);
        if (h->stop || report_oldest(h))
            continue;
        struct hf_op *op = oldest_op(h);
        if (!op)
            break; /* nothing live, nothing left */
        int64_t got = vfs_aio_wait(&a->vfs, &op->aio);
        op->busy = false;
        take(h, op->f, &op->aio, got);
        if (app_interrupted(a)) {
            h->stop = -VS_EINTR;
            app_error(a, cmd, op->f->path, h->stop);
        }
    }
    int stop = h->stop;
    settle(h);
    a->port->free(a->port->ctx, buf);
    a->port->free(a->port->ctx, h);
    return stop;
}
