/* SPDX-License-Identifier: BSD-2-Clause */
/* A regular file's Read: the device writes the volume's staging buffer (DMA
 * memory of its own) in chunks, several in flight, and the bytes are copied
 * out to the caller.  A firmware caller's buffer cannot be kept from reuse
 * should a request outlive the call, which the core requires of memory the
 * device is given; the staging buffer can (the port's dma_hold keeps it).
 * A large Read goes to the caller's buffer with a fence instead (direct.c).
 *
 * The copy is most of a large Read's time under TCG, so it runs while the
 * next chunks are in flight, and a Read leaves the chunks after its range
 * in flight too (as much again as it asked for, within the size the file
 * had): the next sequential Read of the same handle finds them there.  Any
 * other Read, a Write or SetInfo on the volume, a Close or Delete of the
 * handle waits for what is in flight and drops it, so data read ahead is
 * never older than the handle's previous Read.  A large Read that finds
 * nothing read ahead at its position goes straight into the caller's
 * buffer instead (direct.c); what it found elsewhere was dropped first. */
#include "vsfs.h"

enum { CHUNK_FREE, CHUNK_BUSY, CHUNK_READY };

static uint8_t *chunk_buf(struct vsfs_volume *vol, unsigned i)
{
    return (uint8_t *)vol->stage + (size_t)i * VSFS_CHUNK;
}

static bool fatal(int64_t err)
{
    return err == -VS_ETIMEDOUT || err == -VS_EIO || err == -VS_EPROTO;
}

/* Waits for every chunk still in flight and forgets them all.  A chunk that
 * failed so that the device may still write it leaves the staging buffer
 * to the port for good (held): the next Read takes a new one. */
void vsfs_ahead_drop(struct vsfs_volume *vol)
{
    struct vsfs_ahead *a = &vol->ahead;
    bool lost = false;
    for (unsigned k = 0; k < a->count; k++) {
        unsigned i = (a->head + k) % VSFS_CHUNKS;
        if (a->state[i] == CHUNK_BUSY)
            vfs_aio_wait(&vol->vfs, &a->op[i]);
        lost |= fatal(a->op[i].result);
        a->state[i] = CHUNK_FREE;
    }
    a->head = a->count = 0;
    a->used = 0;
    a->owner = NULL;
    if (lost)
        vol->stage = NULL;
}

void vsfs_stage_free(struct vsfs_volume *vol)
{
    const struct vs_port *port = vol->vfs.port;
    vsfs_ahead_drop(vol);
    if (vol->stage)
        port->dma_free(port->ctx, vol->stage, VSFS_STAGE);
    vol->stage = NULL;
}

/* Sends the chunk after the last one in the ring: len bytes at off. */
static int submit(struct vsfs_volume *vol, int fd, uint64_t off, size_t len)
{
    struct vsfs_ahead *a = &vol->ahead;
    unsigned i = (a->head + a->count) % VSFS_CHUNKS;
    struct vfs_aio *op = &a->op[i];
    memset(op, 0, sizeof(*op));
    op->fd = fd;
    op->buf = chunk_buf(vol, i);
    op->len = len;
    op->off = off;
    int err = vfs_aio_submit(&vol->vfs, op);
    if (err)
        return err;
    a->state[i] = CHUNK_BUSY;
    a->count++;
    return 0;
}

/* Keeps chunks in flight from the ring's end up to ahead_end (at least one
 * when the ring is empty). */
static int top_up(struct vsfs_volume *vol, int fd, uint64_t pos, uint64_t ahead_end, size_t chunk)
{
    struct vsfs_ahead *a = &vol->ahead;
    while (a->count < VSFS_CHUNKS) {
        uint64_t next = pos;
        if (a->count) {
            const struct vfs_aio *last = &a->op[(a->head + a->count - 1) % VSFS_CHUNKS];
            next = last->off + last->len;
        }
        if (a->count && next >= ahead_end)
            return 0;
        int err = submit(vol, fd, next, chunk);
        if (err)
            return err;
    }
    return 0;
}

/* Up to n bytes of fd at off into buf: the count (0 at the end of the
 * file) or a negative errno. */
int64_t vsfs_read_file(struct vsfs_file *f, int fd, uint8_t *buf, size_t n, uint64_t off)
{
    struct vsfs_volume *vol = f->vol;
    struct vfs *v = &vol->vfs;
    struct vsfs_ahead *a = &vol->ahead;
    if (off > INT64_MAX)
        return -VS_EINVAL;
    n = (size_t)VS_MIN((uint64_t)n, INT64_MAX - off); /* whatever the caller says its buffer holds */
    if (a->owner != f || (a->count && a->op[a->head].off + a->used != off))
        vsfs_ahead_drop(vol);
    int64_t direct;
    if (!a->count && vsfs_read_direct(vol, fd, buf, n, off, &direct))
        return direct; /* nothing read ahead here: a large Read goes straight to buf */
    if (!vol->stage) {
        uint64_t dev;
        vol->stage = v->port->dma_alloc(v->port->ctx, VSFS_STAGE, &dev);
        if (!vol->stage)
            return vfs_pread(v, fd, buf, n, off); /* the core bounces, one request at a time */
    }
    a->owner = f;
    /* Chunks as large as the Read (in pages, at most VSFS_CHUNK), over its
     * range and, while the file's size is known without asking, as much
     * again ahead of it up to that size. */
    size_t chunk = n >= VSFS_CHUNK ? VSFS_CHUNK : (n + 4095) & ~(size_t)4095;
    uint64_t size, ahead_end = off + n;
    if (vfs_fsize_fresh(v, fd, &size))
        ahead_end = VS_MAX(ahead_end, VS_MIN(off + 2 * (uint64_t)n, size));
    size_t got = 0;
    int64_t err = 0;
    while (got < n) {
        err = top_up(vol, fd, off + got, ahead_end, chunk);
        if (err || a->count == 0)
            break;
        unsigned i = a->head;
        struct vfs_aio *op = &a->op[i];
        if (a->state[i] == CHUNK_BUSY) {
            vfs_aio_wait(v, op);
            a->state[i] = CHUNK_READY;
        }
        if (op->result < 0) {
            err = op->result;
            break;
        }
        size_t have = (size_t)op->result - a->used, take = VS_MIN(have, n - got);
        memcpy(buf + got, chunk_buf(vol, i) + a->used, take);
        got += take;
        a->used += take;
        if (a->used < (size_t)op->result)
            break; /* the Read is served; the rest of this chunk waits for the next */
        bool end = (size_t)op->result < op->len;
        a->state[i] = CHUNK_FREE;
        a->head = (a->head + 1) % VSFS_CHUNKS;
        a->count--;
        a->used = 0;
        if (end) { /* the end of the file: what is in flight lies past it */
            vsfs_ahead_drop(vol);
            break;
        }
    }
    if (err) {
        vsfs_ahead_drop(vol);
        return err;
    }
    return (int64_t)got;
}
