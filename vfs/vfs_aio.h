/* SPDX-License-Identifier: BSD-2-Clause */
/* Several reads and writes in flight at once, in a namespace of vfs.h.
 *
 * The caller fills one struct vfs_aio per operation (an fd, a buffer, a
 * range) and submits it: the core sends its requests as far as the mount's
 * slots allow and returns at once.  vfs_aio_wait_any returns an operation
 * that is done, in whatever order the device answered; vfs_aio_wait_all
 * waits for all of them.  Each operation has its own result: what
 * vfs_pread/vfs_pwrite would have returned for it.
 *
 * Rules:
 * - From vfs_aio_submit until a wait hands it back (or vfs_aio_wait_all
 *   returns), the struct and its buffer are the core's.  The buffer follows
 *   vfs_read's rule (vfs.h): if the device stops answering, the parts it
 *   still holds are passed to port->dma_hold and must never be reused.
 * - Operations have no order among themselves: two writes to overlapping
 *   ranges in flight together land in either order.  Synchronous calls may
 *   be made meanwhile; each mount keeps slots free for them.
 * - A request that times out kills its connection as any other does:
 *   every operation on that mount then fails with the same error, those on
 *   other mounts go on.
 * - vfs_close of an fd first waits for its operations' requests in flight;
 *   what was not sent yet is not sent, and such an operation's result is
 *   what it moved before, or -EBADF.  An unmount closes its fds so. */
#ifndef VFS_AIO_H
#define VFS_AIO_H

#include "vfs.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vfs_aio {
    /* The caller's, before vfs_aio_submit. */
    int fd;
    bool write;                 /* false: a read */
    void *buf;
    size_t len;
    uint64_t off;
    /* Once done: the bytes moved (short only at end of file or when the
     * device took less), or a negative errno when nothing moved. */
    int64_t result;

    /* The core's. */
    struct vfs_aio *next;
    struct vfs_file *file;
    size_t sent;                /* bytes of the range given to requests */
    size_t end;                 /* the range's end, or where the first short or failed request ended */
    int err;                    /* the error of a request that failed at `end` */
    uint32_t inflight;          /* its requests in flight */
    bool done;
};

/* Checks op and queues it; its first requests go out at once if slots are
 * free.  Returns 0, -EBADF for an fd not open (for writing, for a write),
 * -EINVAL for a range beyond 2^63 (-EFBIG for a write), -ENOMEM. */
int vfs_aio_submit(struct vfs *v, struct vfs_aio *op);
/* Waits until op (submitted, not yet handed back) is done and returns its
 * result. */
int64_t vfs_aio_wait(struct vfs *v, struct vfs_aio *op);
/* Waits until a submitted operation is done and returns it (the one
 * submitted first among those done), or NULL when none is outstanding. */
struct vfs_aio *vfs_aio_wait_any(struct vfs *v);
/* Waits for every submitted operation and returns 0, or the first negative
 * result among them in submit order; every operation's result is set. */
int vfs_aio_wait_all(struct vfs *v);

#ifdef __cplusplus
}
#endif

#endif
