/* SPDX-License-Identifier: BSD-2-Clause */
/* Reads and writes of file data: a range is cut into chunks of at most what
 * INIT allows, and up to cfg->inflight of them are in flight at once, straight
 * into or out of the caller's buffer where the port allows it (dma_addr and
 * dma_hold), else through the connection's bounce buffer. */
#include "vfs_internal.h"

#define IO_MIN_CHUNK (64u << 10)

uint32_t vfs_io_chunk(size_t n, uint32_t window, uint32_t max)
{
    size_t c = VS_ALIGN_UP((n + window - 1) / window, (size_t)4096);
    c = VS_MAX(c, (size_t)IO_MIN_CHUNK);
    return (uint32_t)VS_MIN(c, (size_t)max);
}

void vfs_io_prepare(struct vfs_file *f, struct vfs_io_op *op, uint8_t *p, uint64_t off, uint32_t len, bool write)
{
    vs_memset(op, 0, sizeof(*op));
    op->len = len;
    op->r.nodeid = f->node->nodeid;
    op->r.arg = &op->in;
    op->r.direct = true; /* the caller's buffer: see vfs_read */
    if (write) {
        op->in.wr.fh = f->fh;
        op->in.wr.offset = off;
        op->in.wr.size = len;
        op->in.wr.flags = f->flags;
        op->r.opcode = FUSE_WRITE;
        op->r.arg_len = sizeof(op->in.wr);
        op->r.wdata = p;
        op->r.wdata_len = len;
        op->r.reply = &op->wo;
        op->r.reply_len = sizeof(op->wo);
    } else {
        op->in.rd.fh = f->fh;
        op->in.rd.offset = off;
        op->in.rd.size = len;
        op->r.opcode = FUSE_READ;
        op->r.arg_len = sizeof(op->in.rd);
        op->r.rdata = p;
        op->r.rdata_len = len;
    }
}

int64_t vfs_io_moved(const struct vfs_io_op *op, bool write)
{
    if (write)
        return op->r.rdata_got || fuse_check_write(&op->wo, op->r.reply_got, op->len) ? -VS_EPROTO
                                                                                       : (int64_t)op->wo.size;
    return op->r.reply_got || fuse_check_read(op->r.rdata_got, op->len) ? -VS_EPROTO : (int64_t)op->r.rdata_got;
}

int64_t vfs_file_io(struct vfs_file *f, void *buf, size_t n, uint64_t off, bool write)
{
    struct fconn *c = &f->m->conn;
    const uint32_t window = f->m->cfg.inflight;
    uint32_t chunk = vfs_io_chunk(n, window, write ? c->params.max_write : c->params.max_read);
    struct vfs_io_op ops[FCONN_WINDOW_MAX];
    uint8_t *p = buf;
    size_t submitted = 0, done = 0;
    unsigned head = 0, count = 0;
    bool stop = false;
    int err = 0;

    for (;;) {
        while (!stop && count < window && submitted < n) {
            struct vfs_io_op *op = &ops[(head + count) % window];
            uint32_t len = (uint32_t)VS_MIN((size_t)chunk, n - submitted);
            vfs_io_prepare(f, op, p + submitted, off + submitted, len, write);
            int r = fconn_submit(c, &op->r, &op->slot);
            if (r == -VS_EAGAIN && count)
                break; /* wait for one, then go on */
            if (r) {
                err = r;
                stop = true;
                break;
            }
            submitted += len;
            count++;
        }
        if (count == 0)
            break;
        /* Every op in flight is waited for, even after a failure: their
         * request structures live here. */
        struct vfs_io_op *op = &ops[head];
        head = (head + 1) % window;
        count--;
        int r = fconn_wait(c, op->slot);
        int64_t got = r ? r : vfs_io_moved(op, write);
        if (stop)
            continue;
        if (got < 0) {
            err = (int)got;
            stop = true;
            continue;
        }
        done += (size_t)got;
        if ((uint32_t)got < op->len)
            stop = true; /* end of file, or the device took less */
    }
    return done ? (int64_t)done : err;
}
