/* SPDX-License-Identifier: BSD-2-Clause */
#include "pcidevs.h"
#include "vs_errno.h"

void app_add_pci_devs(struct app *a, struct app_pci_devs *s, const struct app_pci_hooks *hooks)
{
    vs_bdf_t found[APP_MAX_DEVS];
    int n = vpci_find(a->port, VPCI_DEVICE_ID(VIRTIO_ID_FS), found, APP_MAX_DEVS);
    if (n > APP_MAX_DEVS) {
        app_printf(a, "warning: %d virtio-fs devices, using the first %d\n", n, APP_MAX_DEVS);
        n = APP_MAX_DEVS;
    }
    for (int i = 0; i < n && s->used < APP_MAX_DEVS; i++) {
        struct vs_transport *tr = &s->tr[s->used];
        int err = hooks && hooks->claim ? hooks->claim(hooks->ctx, found[i]) : 0;
        if (!err)
            err = vpci_open(&s->dev[s->used], a->port, found[i], tr);
        if (err) {
            app_printf(a, "error: pci %02x:%02x.%x: %s (%s)\n", found[i] >> 8, (found[i] >> 3) & 31,
                       found[i] & 7, vs_errno_name(err), vs_errno_text(err));
            continue;
        }
        if (hooks && hooks->opened)
            hooks->opened(hooks->ctx, tr);
        s->used++;
        app_add_dev(a, tr);
    }
}
