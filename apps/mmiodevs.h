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

#endif
