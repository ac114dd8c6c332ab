/* SPDX-License-Identifier: BSD-2-Clause */
/* Finding the virtio-fs functions on PCI for a platform's program. */
#ifndef PCIDEVS_H
#define PCIDEVS_H

#include "app.h"
#include "vpci.h"

/* Storage for the devices found: the platform keeps it for the program's life. */
struct app_pci_devs {
    struct vpci_dev dev[APP_MAX_DEVS];
    struct vs_transport tr[APP_MAX_DEVS];
    int used;
};

/* Platform steps around opening a function, both optional: `claim` before
 * (a negative errno refuses the function), `opened` after it opened. */
struct app_pci_hooks {
    int (*claim)(void *ctx, vs_bdf_t bdf);
    void (*opened)(void *ctx, struct vs_transport *tr);
    void *ctx;
};

/* Scans the buses of a's port for virtio-fs functions and adds each that
 * opens to a's devices; one that does not is reported and skipped. */
void app_add_pci_devs(struct app *a, struct app_pci_devs *s, const struct app_pci_hooks *hooks);

#endif
