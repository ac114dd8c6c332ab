/* SPDX-License-Identifier: BSD-2-Clause */
/* What a virtio device driver needs from a transport (PCI today, MMIO
 * later, a simulated device in the tests).  A transport fills one struct
 * vs_transport; `t` is its own state. */
#ifndef VTRANSPORT_H
#define VTRANSPORT_H

#include "vs_port.h"

struct vq; /* vq.h: the core's own */

#ifdef __cplusplus
extern "C" {
#endif

/* The device type of a file system device (virtio 1.x, 5). */
#define VIRTIO_ID_FS 26

/* Device status bits (virtio 1.x, 2.1). */
#define VS_STATUS_ACKNOWLEDGE 1
#define VS_STATUS_DRIVER 2
#define VS_STATUS_DRIVER_OK 4
#define VS_STATUS_FEATURES_OK 8
#define VS_STATUS_NEEDS_RESET 64
#define VS_STATUS_FAILED 128

#define VS_F_RING_EVENT_IDX (1ull << 29)
#define VS_F_VERSION_1 (1ull << 32)
/* The device reaches memory through the platform's IOMMU or protection
 * (confidential guests): it gets addresses of memory from dma_alloc only. */
#define VS_F_ACCESS_PLATFORM (1ull << 33)
/* Ring accesses need the platform's (not just the CPUs') ordering. */
#define VS_F_ORDER_PLATFORM (1ull << 36)

struct vs_transport {
    void *t;
    uint64_t (*get_features)(void *t);
    void (*set_features)(void *t, uint64_t features);
    uint8_t (*get_status)(void *t);
    /* Writing 0 asks for a reset, which is complete once get_status reads
     * 0 again (virtiofs.c waits for that, boundedly). */
    void (*set_status)(void *t, uint8_t status);
    /* Device-specific configuration space (virtio 1.x 2.5): one access of
     * `width` bytes (1, 2 or 4) at `off`, which must be a multiple of
     * width, as the field there is wide (a byte string byte by byte).
     * Stores the value (the space is little-endian, as every target) in
     * *val and returns 0; -EINVAL for a bad width or alignment, -EPROTO when
     * the field lies beyond the device's configuration space.  A snapshot
     * of several fields goes through vs_config_read (vconfig.h). */
    int (*config_read)(void *t, uint32_t off, unsigned width, uint32_t *val);
    /* The configuration generation: it changes whenever the device changes
     * its configuration (PCI config_generation, MMIO ConfigGeneration). */
    uint32_t (*config_generation)(void *t);
    /* Largest size the device allows for queue idx, 0 if there is none. */
    uint16_t (*queue_max)(void *t, uint16_t idx);
    /* Tells the device where vq's rings are, enables it, and sets
     * vq->notify.  Returns 0 or a negative errno. */
    int (*queue_enable)(void *t, struct vq *vq);
    /* Optional (PCI): makes the device signal used buffers of queues whose
     * vq->irq is set with a write of msg_data to msg_addr (MSI-X, one
     * vector for all of them).  Called after FEATURES_OK and before the
     * queues are enabled; queue_enable then assigns the vector and fails
     * with -ENOTSUP when the device does not take it.  Returns 0, or
     * -ENOTSUP when the device has no MSI-X (or it cannot be mapped).
     * Transports without it (MMIO, the simulated device) are polled. */
    int (*irq_setup)(void *t, uint64_t msg_addr, uint32_t msg_data);
};

#ifdef __cplusplus
}
#endif

#endif
