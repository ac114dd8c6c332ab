#include "mmiodevs.h"
#include "vs_errno.h"

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
