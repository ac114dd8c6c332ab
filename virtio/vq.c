/* SPDX-License-Identifier: BSD-2-Clause */
/* Split virtqueue, driver side (virtio 1.x, 2.6). */
#include "vq.h"
#include "vs_errno.h"
#include "vs_mmio.h"

/* Offsets inside the avail and used rings, in 16-bit words. */
#define RING_FLAGS 0
#define RING_IDX 1
#define RING_START 2
#define USED_F_NO_NOTIFY 1
#define AVAIL_F_NO_INTERRUPT 1

/* With EVENT_IDX: the driver's used_event after the avail ring, the
 * device's avail_event after the used ring (2.7.10). */
static volatile uint16_t *used_event(struct vq *vq) { return vq->avail + RING_START + vq->size; }
static volatile uint16_t *avail_event(const struct vq *vq) { return vq->used + RING_START + 4 * (size_t)vq->size; }

uint16_t vq_device_avail_event(const struct vq *vq)
{
    return *avail_event(vq);
}

/* Whether moving an index from old to new passed event (vring_need_event). */
static bool passed(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

/* With EVENT_IDX, the used index we want an interrupt at: the next one when
 * interrupts are wanted (re-armed at every element taken); else one 32768
 * away, so a polled queue is interrupted once in 65536 completions at most,
 * to no vector. */
static void arm_used_event(struct vq *vq)
{
    *used_event(vq) = vq->irq ? vq->last_used : (uint16_t)(vq->last_used + 0x8000);
}

static size_t avail_bytes(uint16_t size) { return 6 + 2 * (size_t)size; }
static size_t used_bytes(uint16_t size) { return 6 + 8 * (size_t)size; }

int vq_init(struct vq *vq, const struct vs_port *port, uint16_t index, uint16_t size)
{
    vs_memset(vq, 0, sizeof(*vq));
    if (size == 0 || size > 32768 || (size & (size - 1)))
        return -VS_EINVAL;
    vq->port = port;
    vq->index = index;
    vq->size = size;

    size_t desc_sz = 16 * (size_t)size;
    size_t used_off = VS_ALIGN_UP(desc_sz + avail_bytes(size), (size_t)64);
    vq->mem_size = VS_ALIGN_UP(used_off + used_bytes(size), (size_t)4096);
    uint64_t base;
    vq->mem = port->dma_alloc(port->ctx, vq->mem_size, &base);
    vq->slots = port->alloc(port->ctx, sizeof(*vq->slots) * size);
    vq->next = port->alloc(port->ctx, sizeof(*vq->next) * size);
    if (!vq->mem || !vq->slots || !vq->next) {
        vq_fini(vq);
        return -VS_ENOMEM;
    }
    vs_memset(vq->mem, 0, vq->mem_size);
    vs_memset(vq->slots, 0, sizeof(*vq->slots) * size);
    vq->desc = vq->mem;
    vq->avail = (volatile uint16_t *)((char *)vq->mem + desc_sz);
    vq->used = (volatile uint16_t *)((char *)vq->mem + used_off);
    vq->desc_addr = base;
    vq->avail_addr = base + desc_sz;
    vq->used_addr = base + used_off;
    for (uint16_t i = 0; i < size; i++)
        vq->next[i] = (uint16_t)(i + 1 < size ? i + 1 : 0);
    /* The driver polls the used ring: spare the device its interrupts. */
    vq->avail[RING_FLAGS] = AVAIL_F_NO_INTERRUPT;
    vq->free_head = 0;
    vq->num_free = size;
    return 0;
}

void vq_want_irq(struct vq *vq, bool on)
{
    vq->irq = on;
    vq->avail[RING_FLAGS] = on ? 0 : AVAIL_F_NO_INTERRUPT;
    if (vq->event_idx)
        arm_used_event(vq);
}

void vq_use_event_idx(struct vq *vq)
{
    vq->event_idx = true;
    arm_used_event(vq);
}

void vq_fini(struct vq *vq)
{
    const struct vs_port *port = vq->port;
    if (!port)
        return;
    if (vq->mem)
        port->dma_free(port->ctx, vq->mem, vq->mem_size);
    port->free(port->ctx, vq->slots);
    port->free(port->ctx, vq->next);
    vs_memset(vq, 0, sizeof(*vq));
}

void vq_abandon(struct vq *vq)
{
    vq->mem = 0; /* left to the device */
    vq_fini(vq);
}

void vq_mark_broken(struct vq *vq)
{
    vq->broken = true;
}

int vq_add(struct vq *vq, const struct vq_buf *bufs, unsigned n_out, unsigned n_in, void *token)
{
    unsigned n = n_out + n_in;
    if (vq->broken)
        return -VS_EIO;
    if (n == 0 || n > vq->size || !token)
        return -VS_EINVAL;
    if (n > vq->num_free)
        return -VS_ENOSPC;

    uint16_t head = vq->free_head, d = head;
    uint32_t in_bytes = 0;
    for (unsigned i = 0; i < n; i++) {
        if (bufs[i].len == 0)
            return -VS_EINVAL; /* nothing taken yet: the free list is untouched */
    }
    for (unsigned i = 0; i < n; i++) {
        uint16_t flags = 0;
        if (i >= n_out) {
            flags |= VQ_DESC_F_WRITE;
            in_bytes += bufs[i].len;
        }
        if (i + 1 < n)
            flags |= VQ_DESC_F_NEXT;
        vq->desc[d].addr = bufs[i].addr;
        vq->desc[d].len = bufs[i].len;
        vq->desc[d].flags = flags;
        vq->desc[d].next = vq->next[d];
        d = vq->next[d];
    }
    vq->free_head = d;
    vq->num_free = (uint16_t)(vq->num_free - n);
    vq->chains++;
    vq->slots[head].token = token;
    vq->slots[head].in_bytes = in_bytes;
    vq->slots[head].ndesc = (uint16_t)n;

    vq->avail[RING_START + (vq->avail_idx & (vq->size - 1))] = head;
    vq->avail_idx++;
    return 0;
}

void vq_kick(struct vq *vq)
{
    vs_dma_wmb(); /* descriptors and ring entries before the index */
    uint16_t old = vq->published;
    vq->published = vq->avail_idx;
    vq->avail[RING_IDX] = vq->avail_idx;
    vs_dma_mb(); /* the index before reading what the device asks for */
    bool wanted = vq->event_idx ? passed(*avail_event(vq), vq->avail_idx, old)
                                : !(vq->used[RING_FLAGS] & USED_F_NO_NOTIFY);
    if (!wanted || !vq->notify) {
        vq->kicks_spared++;
        return;
    }
    vq->notify(vq->notify_ctx, vq->index);
    vq->kicks++;
}

void vq_nudge(struct vq *vq)
{
    if (vq->broken || !vq->chains || !vq->notify)
        return;
    vs_dma_mb(); /* the published index before the doorbell */
    vq->notify(vq->notify_ctx, vq->index);
    vq->nudges++;
}

/* Returns a used chain's descriptors to the free list. */
static void free_chain(struct vq *vq, uint16_t head)
{
    uint16_t d = head;
    for (uint16_t i = 1; i < vq->slots[head].ndesc; i++)
        d = vq->next[d];
    vq->next[d] = vq->free_head;
    vq->free_head = head;
    vq->num_free = (uint16_t)(vq->num_free + vq->slots[head].ndesc);
    vq->chains--;
    vq->slots[head].token = 0;
    vq->slots[head].ndesc = 0;
    vq->slots[head].in_bytes = 0;
}

int vq_get_used(struct vq *vq, void **token, uint32_t *len)
{
    if (vq->broken)
        return -VS_EIO;
    uint16_t used_idx = vq->used[RING_IDX];
    if (used_idx == vq->last_used)
        return 0;
    vs_dma_rmb(); /* the index before the element it covers */

    /* The device may not publish more elements than chains in flight. */
    uint16_t pending = (uint16_t)(used_idx - vq->last_used);
    if (pending > vq->chains) {
        vq->broken = true;
        return -VS_EIO;
    }
    const volatile uint32_t *elem =
        (const volatile uint32_t *)(vq->used + RING_START) + 2 * (vq->last_used & (vq->size - 1));
    uint32_t id = elem[0], used_len = elem[1];
    if (id >= vq->size || !vq->slots[id].token || used_len > vq->slots[id].in_bytes) {
        vq->broken = true;
        return -VS_EIO;
    }
    vq->last_used++;
    if (vq->event_idx && vq->irq) {
        arm_used_event(vq);
        vs_dma_mb(); /* used_event before the next look at used->idx */
    }
    *token = vq->slots[id].token;
    *len = used_len;
    free_chain(vq, (uint16_t)id);
    return 1;
}
