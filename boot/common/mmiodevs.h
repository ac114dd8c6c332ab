/* SPDX-License-Identifier: BSD-2-Clause */
/* Adding the virtio-fs devices of virtio-mmio windows for a platform's program. */
#ifndef MMIODEVS_H
#define MMIODEVS_H

#include "app.h"
#include "vmmio.h"

/* Storage for the devices found: the platform keeps it for the program's life. */
struct app_mmio_devs {
    struct vmmio_dev dev[APP_MAX_DEVS];
    struct vs_transport tr[APP_MAX_DEVS];
    int used;
};

/* Probes the window at base (size bytes) and adds it to a's devices when it
 * holds a virtio-fs device; an empty slot or another kind of device is
 * passed over, one that does not open is reported and skipped. */
void app_add_mmio_dev(struct app *a, struct app_mmio_devs *s, uint64_t base, uint64_t size);

/* The command line to run: a copy of cmdline (from a's port's heap, for the
 * caller to free with port->free) without the virtio_mmio.device= words
 * QEMU's microvm appends (vmmio_take_cmdline); the first APP_MAX_DEVS of
 * their windows are left in w and added with app_add_mmio_dev.  *nwords:
 * how many words were taken (may exceed APP_MAX_DEVS).  NULL when out of
 * memory. */
char *app_take_cmdline_mmio_devs(struct app *a, struct app_mmio_devs *s, const char *cmdline,
                                 struct vmmio_window w[APP_MAX_DEVS], int *nwords);

#endif
