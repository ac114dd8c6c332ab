/* SPDX-License-Identifier: BSD-2-Clause */
/* A large Read straight into the caller's buffer, with a fence.
 *
 * The buffer is mapped for the device (PciIo->Map, BusMasterWrite; a bounce
 * mapping is fine: Unmap copies it back) and the volume's port answers
 * dma_addr for that window while the Read runs, so the core's requests
 * DMA into it: up to DIRECT_OPS operations of vfs_aio.h in flight over the
 * range.  The core gives the device caller memory only when the port
 * promises, through dma_hold, to keep memory a request outlived its call
 * with from reuse, which a firmware caller's buffer cannot be.  The window
 * keeps the promise another way: dma_hold only records that a request into
 * it outlived the Read, and the Read then does not return before the device
 * can no longer write the buffer.  It resets the device even though the
 * device stopped answering (vfs_umount_reset; virtio 1.2 section 2.4.1: no
 * access to the queues or buffers once the status reads 0), and when the
 * reset does not complete in its bound, disables the function's bus
 * mastering; only then does it unmap and fail.  The volume is then gone
 * until the driver's Stop and Start mount it afresh.
 *
 * Under QEMU that reset waits for a stopped vhost-user daemon and blocks the
 * whole machine until the daemon runs again or dies: the price of DMA into
 * the caller's buffer, paid only by Reads of at least VSFS_DIRECT_MIN bytes.
 * Smaller Reads, and Reads that find their data read ahead, go through the
 * staging buffer (readahead.c) and fail at the timeout without a reset. */
#include "vsfs.h"

#define DIRECT_OPS 4
#define DIRECT_OP_MAX (512u << 10)

/* ------------------------------------------------------------ the volume's port */

#define WINDOW(ctx) ((struct vsfs_window *)(ctx))
#define INNER(ctx) (WINDOW(ctx)->inner)

static bool in_window(const struct vsfs_window *w, const void *p, size_t len)
{
    uintptr_t a = (uintptr_t)p, base = (uintptr_t)w->host;
    return w->len && a >= base && a - base < w->len && len <= w->len - (a - base);
}

static bool overlaps_window(const struct vsfs_window *w, const void *p, size_t len)
{
    uintptr_t a = (uintptr_t)p, base = (uintptr_t)w->host;
    return w->len && (a >= base ? a - base < w->len : base - a < len);
}

/* The window's device address, else the EFI port's answer (which needs its
 * own dma_hold to stand behind it). */
static bool win_dma_addr(void *ctx, const void *p, size_t len, uint64_t *dev)
{
    struct vsfs_window *w = ctx;
    if (in_window(w, p, len)) {
        *dev = w->dev + ((uintptr_t)p - (uintptr_t)w->host);
        return true;
    }
    return INNER(ctx)->dma_addr && INNER(ctx)->dma_hold && INNER(ctx)->dma_addr(INNER(ctx)->ctx, p, len, dev);
}

/* A request into the window outlived its call: the Read fences. */
static void win_dma_hold(void *ctx, const void *p, size_t len)
{
    struct vsfs_window *w = ctx;
    if (overlaps_window(w, p, len))
        w->held = true;
    else
        INNER(ctx)->dma_hold(INNER(ctx)->ctx, p, len);
}

static void *win_dma_alloc(void *ctx, size_t n, uint64_t *dev)
{
    return INNER(ctx)->dma_alloc(INNER(ctx)->ctx, n, dev);
}
static void win_dma_free(void *ctx, void *p, size_t n) { INNER(ctx)->dma_free(INNER(ctx)->ctx, p, n); }
static void *win_alloc(void *ctx, size_t n) { return INNER(ctx)->alloc(INNER(ctx)->ctx, n); }
static void win_free(void *ctx, void *p) { INNER(ctx)->free(INNER(ctx)->ctx, p); }
static uint64_t win_now_ns(void *ctx) { return INNER(ctx)->now_ns(INNER(ctx)->ctx); }
static void win_relax(void *ctx) { INNER(ctx)->relax(INNER(ctx)->ctx); }
static void win_log(void *ctx, const char *msg) { INNER(ctx)->log(INNER(ctx)->ctx, msg); }

const struct vs_port *vsfs_window_port(struct vsfs_window *w, const struct vs_port *inner)
{
    memset(w, 0, sizeof(*w));
    w->inner = inner;
    w->port = (struct vs_port){
        .ctx = w,
        .pci_max_bus = -1, /* the transport uses the EFI port itself; it has no interrupt hooks */
        .dma_alloc = win_dma_alloc,
        .dma_free = win_dma_free,
        .dma_addr = win_dma_addr,
        .dma_hold = win_dma_hold,
        .alloc = win_alloc,
        .free = win_free,
        .now_ns = win_now_ns,
        .relax = inner->relax ? win_relax : NULL,
        .log = inner->log ? win_log : NULL,
    };
    return &w->port;
}

/* ------------------------------------------------------------ the Read */

/* [off, off + n) of fd into buf: up to DIRECT_OPS operations in flight,
 * handed back in file order; the bytes up to the first short one, or the
 * first error. */
static int64_t read_ops(struct vfs *v, int fd, uint8_t *buf, size_t n, uint64_t off)
{
    struct vfs_aio op[DIRECT_OPS];
    size_t len = VS_MIN(VS_ALIGN_UP((n + DIRECT_OPS - 1) / DIRECT_OPS, (size_t)4096), (size_t)DIRECT_OP_MAX);
    size_t sent = 0, got = 0;
    unsigned head = 0, count = 0;
    int64_t err = 0;
    bool end = false;
    for (;;) {
        while (count < DIRECT_OPS && sent < n && !err && !end) {
            struct vfs_aio *o = &op[(head + count) % DIRECT_OPS];
            memset(o, 0, sizeof(*o));
            o->fd = fd;
            o->buf = buf + sent;
            o->len = VS_MIN(len, n - sent);
            o->off = off + sent;
            err = vfs_aio_submit(v, o);
            if (!err) {
                sent += o->len;
                count++;
            }
        }
        if (!count)
            break;
        struct vfs_aio *o = &op[head];
        int64_t r = vfs_aio_wait(v, o);
        head = (head + 1) % DIRECT_OPS;
        count--;
        if (r < 0 && !err)
            err = r;
        if (r >= 0 && !end) {
            got += (size_t)r;
            end = (size_t)r < o->len; /* the end of the file: what follows reads nothing */
        }
    }
    return err ? err : (int64_t)got;
}

/* The device must never write the window again: reset it, else stop its
 * bus mastering.  The share is unmounted either way. */
static void fence(struct vsfs_volume *vol)
{
    if (vfs_umount_reset(&vol->vfs, VSFS_MOUNT) != 1)
        vol->io->Attributes(vol->io, EfiPciIoAttributeOperationDisable, EFI_PCI_IO_ATTRIBUTE_BUS_MASTER, NULL);
    vol->gone = true; /* until Stop and Start */
}

bool vsfs_read_direct(struct vsfs_volume *vol, int fd, uint8_t *buf, size_t n, uint64_t off, int64_t *result)
{
    struct vfs *v = &vol->vfs;
    EFI_PCI_IO_PROTOCOL *io = vol->io;
    /* Only what the file holds is mapped and read: a small file read with a
     * large buffer stays on the staging path (a GETATTR when its attributes
     * ran out; an error there is the staging path's to meet). */
    struct vfs_stat st;
    if (vfs_fstat_cached(v, fd, &st))
        return false;
    n = st.size > off ? (size_t)VS_MIN((uint64_t)n, st.size - off) : 0;
    if (n < VSFS_DIRECT_MIN)
        return false;
    UINTN mapped = n;
    EFI_PHYSICAL_ADDRESS dev = 0;
    VOID *mapping = NULL;
    if (EFI_ERROR(io->Map(io, EfiPciIoOperationBusMasterWrite, buf, &mapped, &dev, &mapping)))
        return false;
    if (mapped < n) {
        io->Unmap(io, mapping);
        return false;
    }
    struct vsfs_window *w = &vol->window;
    w->host = buf;
    w->dev = dev;
    w->held = false;
    w->len = n;
    int64_t r = read_ops(v, fd, buf, n, off);
    w->len = 0;
    if (w->held) {
        fence(vol);
        r = r < 0 ? r : -VS_EIO; /* a request outlived the Read: it failed */
    }
    io->Unmap(io, mapping);
    *result = r;
    return true;
}
