/* SPDX-License-Identifier: BSD-2-Clause */
/* A split virtqueue (virtio 1.x, 2.6), driver side.
 *
 * The rings live in DMA memory from the port; per-chain bookkeeping lives in
 * ordinary memory.  Nothing the device writes is trusted: every used element
 * is checked against what was submitted, and a violation marks the queue
 * broken, after which every call fails with -EIO. */
#ifndef VQ_H
#define VQ_H

#include "vs_port.h"
#include "vs_util.h"

#define VQ_DESC_F_NEXT 1
#define VQ_DESC_F_WRITE 2
#define VQ_DESC_F_INDIRECT 4

struct vq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct vq_used_elem {
    uint32_t id;
    uint32_t len;
};

/* One buffer of a chain: its device address and length. */
struct vq_buf {
    uint64_t addr;
    uint32_t len;
};

/* What the queue remembers of a chain in flight, indexed by its head. */
struct vq_slot {
    void *token;        /* the submitter's, NULL when the head is free */
    uint32_t in_bytes;  /* device-writable bytes: the most used.len may say */
    uint16_t ndesc;     /* descriptors in the chain */
};

struct vq {
    const struct vs_port *port;
    uint16_t index;     /* queue number on the device */
    uint16_t size;      /* power of two */

    /* Ring memory (one DMA allocation) and its device addresses. */
    void *mem;
    size_t mem_size;
    struct vq_desc *desc;
    volatile uint16_t *avail; /* flags, idx, ring[size], used_event */
    volatile uint16_t *used;  /* flags, idx, then used elements */
    uint64_t desc_addr, avail_addr, used_addr;

    struct vq_slot *slots;
    /* Our own copy of each descriptor's next link: the free list and the
     * chains are walked through it, never through the shared table, which a
     * device could scribble on. */
    uint16_t *next;
    uint16_t free_head;
    uint16_t num_free;
    uint16_t avail_idx;  /* our copy of avail->idx */
    uint16_t chains;     /* chains in flight */
    uint16_t last_used;  /* next used index to consume */
    bool broken;
    /* The device is asked to interrupt on used buffers (vq_want_irq);
     * otherwise it is asked not to, and the queue is polled. */
    bool irq;
    /* VIRTIO_RING_F_EVENT_IDX negotiated (vq_use_event_idx): the device
     * says which avail index it wants a kick for, and we which used index
     * we want an interrupt for. */
    bool event_idx;
    uint16_t published;  /* avail->idx as of the last vq_kick */
    /* Doorbell writes, kicks the device said it did not need, and kicks
     * repeated because it left a request unanswered too long (vq_nudge). */
    uint64_t kicks, kicks_spared, nudges;

    /* Set by the transport when it enables the queue. */
    void (*notify)(void *notify_ctx, uint16_t index);
    void *notify_ctx;
};

/* Allocates rings for `size` entries (a power of two, 1..32768) and the slot
 * table.  The queue is polled, so the device is asked not to interrupt
 * (until vq_want_irq).
 * Returns 0, -EINVAL for a bad size or -ENOMEM. */
int vq_init(struct vq *vq, const struct vs_port *port, uint16_t index, uint16_t size);
/* Asks the device to interrupt (or, with on false, not to) when it adds
 * used buffers; before the queue is enabled. */
void vq_want_irq(struct vq *vq, bool on);
/* Before the queue is enabled, when VIRTIO_RING_F_EVENT_IDX was negotiated:
 * kicks follow the device's avail_event and interrupts are asked for through
 * used_event instead of the flags. */
void vq_use_event_idx(struct vq *vq);
/* Frees what vq_init allocated.  The device must be reset first. */
void vq_fini(struct vq *vq);
/* Frees the bookkeeping but not the rings, for a device that cannot be
 * reset and may still write them. */
void vq_abandon(struct vq *vq);

/* Submits a chain of n_out device-readable buffers followed by n_in
 * device-writable ones (bufs holds n_out + n_in entries, none empty) with
 * `token` (not NULL) to get back on completion.  Does not notify the device.
 * Returns 0, -ENOSPC when too few descriptors are free now, -EINVAL for a
 * bad chain (empty, an empty buffer, longer than the queue), -EIO when the
 * queue is broken. */
int vq_add(struct vq *vq, const struct vq_buf *bufs, unsigned n_out, unsigned n_in, void *token);
/* Publishes what vq_add queued and notifies the device. */
void vq_kick(struct vq *vq);
/* Notifies the device again, whatever it asked for, when chains are in
 * flight: a device that lost or never acted on a notification (a host bug)
 * looks at its ring once more; one that is merely busy sees nothing new. */
void vq_nudge(struct vq *vq);

/* Takes the next used element.  Returns 1 with *token and *len (the bytes
 * the device wrote, checked to fit the chain's writable buffers), 0 when
 * nothing is used, -EIO when the device broke the protocol (bad id, an id not
 * in flight, a length beyond the chain) or the queue was already broken. */
int vq_get_used(struct vq *vq, void **token, uint32_t *len);

/* Marks the queue broken: every later call fails with -EIO. */
void vq_mark_broken(struct vq *vq);

/* With EVENT_IDX, the avail index the device last asked to be kicked
 * after (for diagnostics). */
uint16_t vq_device_avail_event(const struct vq *vq);

/* Chains still in flight (submitted, not yet used). */
static inline unsigned vq_in_flight(const struct vq *vq)
{
    return vq->chains;
}

#endif
