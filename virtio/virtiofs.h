/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtio-fs device (virtio 1.x, 5.11): the status handshake, feature
 * negotiation, its configuration (tag, number of request queues) and its
 * queues: 0 is hiprio (FORGET, INTERRUPT), 1 the first request queue. */
#ifndef VIRTIOFS_H
#define VIRTIOFS_H

#include "vtransport.h"
#include "vq.h"

#define VIOFS_TAG_MAX 36
/* The longest chain a request uses is 4 descriptors (header, data, reply
 * header, data); a queue must hold one. */
#define VIOFS_MIN_QUEUE 4

struct viofs {
    const struct vs_port *port;
    const struct vs_transport *tr;
    char tag[VIOFS_TAG_MAX + 1];   /* NUL-terminated, checked printable */
    uint32_t num_request_queues;
    uint64_t features;             /* what was negotiated */
    struct vq hiprio;
    struct vq req;
    bool live;                     /* DRIVER_OK set and not reset since */
    bool irq;                      /* both queues signal used buffers by interrupt */
};

/* Resets the device behind `tr`, negotiates VERSION_1, reads and checks the
 * configuration, sets up the hiprio and first request queue with at most
 * `queue_size` entries each, and sets DRIVER_OK.  With `irq` both queues
 * interrupt through one message from port->irq_alloc (tr->irq_setup), and
 * waits sleep in port->wait_irq: -ENOTSUP when the port or the transport
 * lacks these hooks or the device has no MSI-X vector for a queue (there
 * is no silent fallback to polling).  `port` and `tr` must
 * outlive fs.  Returns 0; -ENODEV when the device lacks VERSION_1 or a queue
 * (or offers fewer than VIOFS_MIN_QUEUE entries),
 * -EPROTO for a bad configuration (an empty or unprintable tag, no request
 * queue, a configuration space too small for them), -EIO when the device
 * refuses FEATURES_OK or its configuration never holds still long enough to
 * be read (vconfig.h), -ENOMEM.  On failure
 * the device is left in FAILED state and nothing stays allocated, except
 * rings the device may still write because it never finished its reset. */
int viofs_init(struct viofs *fs, const struct vs_port *port, const struct vs_transport *tr,
               uint16_t queue_size, bool irq);

/* Reads only the tag (for listing devices before initialising them), as
 * viofs_init does (a consistent snapshot of the configuration).  Returns 0,
 * or the error viofs_init would give, with tag empty. */
int viofs_read_tag(const struct vs_transport *tr, char tag[VIOFS_TAG_MAX + 1]);

/* True when the device asks to be reset (DEVICE_NEEDS_RESET) or was never
 * brought up. */
bool viofs_needs_reset(const struct viofs *fs);

/* Resets the device (no more DMA to our memory) and frees the queues.
 * Returns false when the device did not finish the reset within a second:
 * it may still write the rings, which are then kept (as viofs_abandon). */
bool viofs_reset(struct viofs *fs);
/* For a device that stopped answering: frees the queues' bookkeeping but
 * neither resets the device nor frees the ring memory, which it may still
 * write.  The device cannot be used again. */
void viofs_abandon(struct viofs *fs);

#endif
