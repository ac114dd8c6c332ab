/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtio-fs device: bring-up and reset (virtio 1.x 3.1 and 5.11). */
#include "virtiofs.h"
#include "vconfig.h"
#include "vs_errno.h"

#define CFG_TAG 0
#define CFG_NUM_REQUEST_QUEUES 36
#define HIPRIO_QUEUE 0
#define REQUEST_QUEUE 1

/* The whole configuration (5.11.4) as one snapshot: the tag a byte at a
 * time, num_request_queues with one 32-bit access. */
static int read_config(const struct vs_transport *tr, char tag[VIOFS_TAG_MAX + 1], uint32_t *nrq)
{
    const struct vs_cfg_field f[] = {
        {CFG_TAG, VIOFS_TAG_MAX, true, tag},
        {CFG_NUM_REQUEST_QUEUES, 4, false, nrq},
    };
    int err = vs_config_read(tr, f, VS_ARRAY_SIZE(f));
    tag[VIOFS_TAG_MAX] = 0;
    return err;
}

int viofs_read_tag(const struct vs_transport *tr, char tag[VIOFS_TAG_MAX + 1])
{
    uint32_t nrq;
    return read_config(tr, tag, &nrq);
}

/* Resets the device: a reset is complete when the status reads back 0
 * (virtio 1.x 4.1.4.3.2, 4.2.2.1); a device that never gets there is
 * given a second, not forever.  Returns whether it got there. */
static bool reset_device(const struct vs_port *port, const struct vs_transport *tr)
{
    tr->set_status(tr->t, 0);
    uint64_t deadline = port->now_ns(port->ctx) + 1000000000ull;
    for (;;) {
        if (tr->get_status(tr->t) == 0)
            return true;
        if (port->now_ns(port->ctx) >= deadline)
            return false;
        if (port->relax)
            port->relax(port->ctx);
    }
}

/* The queues after a reset: freed, or kept (never freed) for a device that
 * did not finish it and so may still write them. */
static void drop_queues(struct viofs *fs, bool reset_done)
{
    if (reset_done) {
        vq_fini(&fs->hiprio);
        vq_fini(&fs->req);
    } else {
        vq_abandon(&fs->hiprio);
        vq_abandon(&fs->req);
    }
}

/* A tag names a mount point: printable ASCII, no '/', not empty. */
static bool tag_ok(const char *tag)
{
    if (!tag[0])
        return false;
    for (const char *c = tag; *c; c++) {
        if (*c <= 0x20 || *c >= 0x7f || *c == '/')
            return false;
    }
    return true;
}

/* The largest power of two not above n (n > 0). */
static uint16_t pow2_floor(uint16_t n)
{
    uint16_t p = 1;
    while ((uint32_t)p * 2 <= n)
        p = (uint16_t)(p * 2);
    return p;
}

static int setup_queue(struct viofs *fs, struct vq *vq, uint16_t idx, uint16_t want, bool irq)
{
    uint16_t max = fs->tr->queue_max(fs->tr->t, idx);
    if (max < VIOFS_MIN_QUEUE)
        return -VS_ENODEV; /* absent, or too small for one request's chain */
    int err = vq_init(vq, fs->port, idx, pow2_floor(VS_MIN(max, want)));
    if (err)
        return err;
    if (fs->features & VS_F_RING_EVENT_IDX)
        vq_use_event_idx(vq);
    if (irq)
        vq_want_irq(vq, true);
    err = fs->tr->queue_enable(fs->tr->t, vq);
    if (err)
        vq_fini(vq);
    return err;
}

int viofs_init(struct viofs *fs, const struct vs_port *port, const struct vs_transport *tr,
               uint16_t queue_size, bool irq)
{
    vs_memset(fs, 0, sizeof(*fs));
    fs->port = port;
    fs->tr = tr;
    int err;

    reset_device(port, tr);
    uint8_t status = VS_STATUS_ACKNOWLEDGE;
    tr->set_status(tr->t, status);
    status |= VS_STATUS_DRIVER;
    tr->set_status(tr->t, status);

    uint64_t offered = tr->get_features(tr->t);
    if (!(offered & VS_F_VERSION_1)) {
        err = -VS_ENODEV;
        goto fail;
    }
    /* EVENT_IDX spares kicks and interrupts; ACCESS_PLATFORM is honoured by
     * giving the device only dma_alloc memory (fconn bounces everything);
     * ORDER_PLATFORM by the ring's barriers (vq.c), which are the
     * platform's. */
    fs->features = VS_F_VERSION_1 |
                   (offered & (VS_F_RING_EVENT_IDX | VS_F_ACCESS_PLATFORM | VS_F_ORDER_PLATFORM));
    tr->set_features(tr->t, fs->features);
    status |= VS_STATUS_FEATURES_OK;
    tr->set_status(tr->t, status);
    if (!(tr->get_status(tr->t) & VS_STATUS_FEATURES_OK)) {
        err = -VS_EIO;
        goto fail;
    }

    err = read_config(tr, fs->tag, &fs->num_request_queues);
    if (err)
        goto fail;
    if (!tag_ok(fs->tag) || fs->num_request_queues == 0) {
        err = -VS_EPROTO;
        goto fail;
    }

    if (irq) {
        uint64_t msg_addr;
        uint32_t msg_data;
        if (!port->irq_alloc || !port->wait_irq || !tr->irq_setup) {
            err = -VS_ENOTSUP;
            goto fail;
        }
        err = port->irq_alloc(port->ctx, &msg_addr, &msg_data);
        if (!err)
            err = tr->irq_setup(tr->t, msg_addr, msg_data);
        if (err)
            goto fail;
    }
    err = setup_queue(fs, &fs->hiprio, HIPRIO_QUEUE, queue_size, irq);
    if (err)
        goto fail;
    err = setup_queue(fs, &fs->req, REQUEST_QUEUE, queue_size, irq);
    if (err)
        goto fail;

    status |= VS_STATUS_DRIVER_OK;
    tr->set_status(tr->t, status);
    if (tr->get_status(tr->t) & (VS_STATUS_NEEDS_RESET | VS_STATUS_FAILED)) {
        err = -VS_EIO;
        goto fail;
    }
    fs->live = true;
    fs->irq = irq;
    return 0;

fail:
    drop_queues(fs, reset_device(port, tr)); /* no DMA after a reset: the rings may go */
    tr->set_status(tr->t, VS_STATUS_FAILED);
    return err;
}

bool viofs_needs_reset(const struct viofs *fs)
{
    return !fs->live || (fs->tr->get_status(fs->tr->t) & VS_STATUS_NEEDS_RESET);
}

bool viofs_reset(struct viofs *fs)
{
    bool done = reset_device(fs->port, fs->tr);
    drop_queues(fs, done);
    fs->live = false;
    return done;
}

void viofs_abandon(struct viofs *fs)
{
    drop_queues(fs, false);
    fs->live = false;
}
