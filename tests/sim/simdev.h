/* SPDX-License-Identifier: BSD-2-Clause */
/* A simulated virtio-fs device behind a struct vs_transport.
 *
 * It plays the device's side of virtio 1.x: feature negotiation (VERSION_1,
 * FEATURES_OK acceptance or refusal), a status register (with
 * DEVICE_NEEDS_RESET injection), the virtio-fs configuration space (tag,
 * num_request_queues), and two split virtqueues (0 hiprio, 1 requests) read
 * from memory exactly as a device would: device addresses are host pointers.
 * For each chain it gathers the device-readable buffers into one request,
 * hands it to a handler (the FUSE server, simfs.c, or a test's own), scatters
 * the reply into the device-writable buffers and publishes a used element.
 *
 * Processing is immediate (inside the driver's notify) or deferred, per
 * queue: a deferred queue only moves in simdev_step(), which the hosted
 * port's relax hook calls, so several chains can be in flight and can be
 * completed in any order (simdev_complete).
 *
 * What the driver does wrong (a malformed chain, a descriptor outside the
 * table, a chain loop, writable before readable, an avail index running
 * ahead, a queue set up before FEATURES_OK, a buffer outside DMA memory when
 * strict_dma is on) is counted in driver_errors; tests assert it stays 0.
 *
 * Faults the device can be told to commit (one armed at a time, on the Nth
 * completion of a queue from the time it is armed) are the ring-level ones;
 * FUSE-level faults live in simfs.c. */
#ifndef SIMDEV_H
#define SIMDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "vtransport.h"
#include "vq.h"

struct hostport;

#define SIMDEV_QUEUES 2
#define SIMDEV_CONFIG_SIZE 40
/* A handler's answer for "do not answer this chain, ever". */
#define SIMDEV_NO_REPLY UINT32_MAX
/* Bytes a handler may produce beyond the chain's writable space (the device
 * writes only what fits; the rest is lost, as on real hardware). */
#define SIMDEV_REPLY_SLACK 65536u

/* Handles one chain: req holds the req_len bytes of its readable buffers.
 * Writes the reply to `reply` (reply_max bytes available; the chain has
 * `writable` bytes) and returns the reply's length, or SIMDEV_NO_REPLY. */
typedef uint32_t (*simdev_handler_fn)(void *ctx, uint16_t queue, const uint8_t *req, uint32_t req_len,
                                      uint8_t *reply, uint32_t writable, uint32_t reply_max);

enum simdev_fault_kind {
    SIMDEV_FAULT_NONE,
    SIMDEV_FAULT_ID_RANGE,       /* used id = queue size + arg */
    SIMDEV_FAULT_ID_REPEAT,      /* the used element is published twice */
    SIMDEV_FAULT_ID_NOT_IN_FLIGHT, /* used id = a descriptor heading no chain in flight */
    SIMDEV_FAULT_LEN_LARGE,      /* used len = the chain's writable bytes + max(arg, 1) */
    SIMDEV_FAULT_LEN_SET,        /* used len = arg (e.g. shorter than a header) */
    SIMDEV_FAULT_IDX_JUMP,       /* used idx moves max(arg, 1) past the element written */
    SIMDEV_FAULT_STALL,          /* the chain is never answered */
    SIMDEV_FAULT_NEEDS_RESET,    /* DEVICE_NEEDS_RESET is set, the chain never answered */
};

/* A chain the device has taken from the avail ring and not yet answered. */
struct simdev_req {
    uint16_t head;
    uint16_t ndesc;
    bool held;                   /* stalled: never answered */
    uint8_t *req;
    uint32_t req_len;
    uint32_t writable;
    uint32_t nw;
    struct simdev_seg {
        uint64_t addr;
        uint32_t len;
    } *w;
};

struct simdev_queue {
    bool enabled;
    uint16_t size;
    struct vq_desc *desc;
    volatile uint16_t *avail, *used;
    uint64_t desc_addr, avail_addr, used_addr;
    uint16_t last_avail;         /* next avail entry to take */
    uint16_t used_idx;           /* our used->idx */
    struct simdev_req *pending;
    unsigned npending, cap;
    unsigned long notifies, lost_notifies, fetched, completed;
    bool asleep;                 /* a notify was lost: nothing moves until the next one */
};

struct simdev {
    struct vs_transport tr;      /* hand &d->tr to the driver */
    struct hostport *hp;         /* for strict_dma; may be NULL */

    /* Settings. */
    uint64_t features_offered;   /* default VS_F_VERSION_1 */
    bool refuse_features_ok;     /* keeps FEATURES_OK clear */
    bool needs_reset_on_driver_ok;
    int fail_queue_enable;       /* queue index + 1 whose queue_enable fails, or 0 */
    uint16_t queue_max[SIMDEV_QUEUES];
    unsigned deferred;           /* bit q: queue q moves only in simdev_step */
    bool lifo;                   /* simdev_step answers the newest chain first */
    bool no_notify;              /* sets VIRTQ_USED_F_NO_NOTIFY in the used rings (with
                                    EVENT_IDX: an avail_event far ahead) */
    bool strict_dma;             /* every buffer must lie in hostport DMA memory */
    unsigned lose_notifies[SIMDEV_QUEUES]; /* the next N notifies of queue q are lost (a host bug) */
    bool reset_stuck;            /* a status write of 0 is ignored: no reset ever completes */
    bool bus_master_off;         /* PCI bus mastering disabled: the device touches no memory,
                                    nothing is fetched or answered (counted in dma_refused) */
    uint8_t config[SIMDEV_CONFIG_SIZE];
    uint32_t config_generation;  /* what config_generation reads */
    simdev_handler_fn handler;   /* NULL: every chain is answered with 0 bytes */
    void *handler_ctx;
    void (*notify_hook)(void *arg); /* called at every notify (a test's clock), or NULL */
    void *notify_arg;

    /* State. */
    uint64_t features_acked;
    uint8_t status;
    struct simdev_queue q[SIMDEV_QUEUES];
    unsigned long resets;
    unsigned long dma_refused;   /* memory accesses bus_master_off kept from happening */

    struct {
        enum simdev_fault_kind kind;
        uint16_t queue;
        uint32_t nth, arg, seen;
        bool fired;
    } fault;

    unsigned long driver_errors;
    char driver_error[200];
};

/* Defaults: VERSION_1 offered, tag "sim", one request queue, queue_max 256,
 * immediate processing, no handler. */
void simdev_init(struct simdev *d, struct hostport *hp);
/* Frees what the device holds (pending chains). */
void simdev_fini(struct simdev *d);

void simdev_set_tag(struct simdev *d, const char *tag); /* up to 36 bytes, the rest zero */
void simdev_set_num_request_queues(struct simdev *d, uint32_t n);
void simdev_set_handler(struct simdev *d, simdev_handler_fn fn, void *ctx);
/* Sets DEVICE_NEEDS_RESET now. */
void simdev_set_needs_reset(struct simdev *d);

/* Arms one ring-level fault on the nth (1-based) completion of queue q from
 * now.  SIMDEV_FAULT_NONE disarms.  fault.fired tells whether it happened. */
void simdev_fault(struct simdev *d, enum simdev_fault_kind kind, uint16_t q, uint32_t nth, uint32_t arg);

/* Takes the chains the driver made available on queue q.  Returns how many. */
unsigned simdev_fetch(struct simdev *d, uint16_t q);
/* Answers pending chain i (0 = oldest) of queue q.  Returns 0, -1 if none. */
int simdev_complete(struct simdev *d, uint16_t q, unsigned i);
/* Answers the held (stalled) chains of queue q now, late: the handler is
 * asked again and its reply written into the buffers the driver gave, as a
 * daemon that resumes would.  Returns how many were answered. */
unsigned simdev_answer_held(struct simdev *d, uint16_t q);
/* Fetches and answers everything on every queue (held chains stay). */
void simdev_step(struct simdev *d);
/* simdev_step with a void * (the hostport relax hook). */
void simdev_relax(void *d);
/* Chains taken and not answered on queue q. */
unsigned simdev_pending(const struct simdev *d, uint16_t q);

/* Writes a used element (id, len) and publishes it, whatever is in flight:
 * for ring-level tests. */
void simdev_publish_raw(struct simdev *d, uint16_t q, uint32_t id, uint32_t len);
/* Moves used->idx by n without writing elements. */
void simdev_bump_used_idx(struct simdev *d, uint16_t q, uint16_t n);

/* Brings the device to FEATURES_OK the way a driver would (for tests that
 * use queues without viofs_init). */
void simdev_quick_start(struct simdev *d);

#endif
