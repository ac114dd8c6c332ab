/* SPDX-License-Identifier: BSD-2-Clause */
#include "mmiodevs.h"
#include "vs_errno.h"
#include "vs_util.h"

void app_add_mmio_dev(struct app *a, struct app_mmio_devs *s, uint64_t base, uint64_t size)
{
    if (s->used == APP_MAX_DEVS)
        return;
    int id = vmmio_probe(a->port, base, size);
    if (id == 0 || (id > 0 && id != VIRTIO_ID_FS))
        return;
    int err = id < 0 ? id : vmmio_open(&s->dev[s->used], a->port, base, size, &s->tr[s->used]);
    if (err) {
        app_printf(a, "error: virtio-mmio at %#llx: %s (%s)\n", (unsigned long long)base, vs_errno_name(err),
                   vs_errno_text(err));
        return;
    }
    app_add_dev(a, &s->tr[s->used++]);
}

char *app_take_cmdline_mmio_devs(struct app *a, struct app_mmio_devs *s, const char *cmdline,
                                 struct vmmio_window w[APP_MAX_DEVS], int *nwords)
{
    /* The command line is parsed in place: work on a copy. */
    size_t len = vs_strlen(cmdline);
    char *line = a->port->alloc(a->port->ctx, len + 1);
    if (!line)
        return NULL;
    vs_memcpy(line, cmdline, len + 1);
    *nwords = vmmio_take_cmdline(line, w, APP_MAX_DEVS);
    for (int i = 0; i < *nwords && i < APP_MAX_DEVS; i++)
        app_add_mmio_dev(a, s, w[i].base, w[i].size);
    return line;
}
