/* SPDX-License-Identifier: BSD-2-Clause */
/* Consistent reads of device configuration (virtio 1.x 2.5.1). */
#include "vconfig.h"
#include "vs_errno.h"

static int read_field(const struct vs_transport *tr, const struct vs_cfg_field *f)
{
    if (!f->bytes)
        return tr->config_read(tr->t, f->off, f->size, f->out);
    uint8_t *out = f->out;
    for (uint32_t i = 0; i < f->size; i++) {
        uint32_t v;
        int err = tr->config_read(tr->t, f->off + i, 1, &v);
        if (err)
            return err;
        out[i] = (uint8_t)v;
    }
    return 0;
}

static void clear(const struct vs_cfg_field *f, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        vs_memset(f[i].out, 0, f[i].bytes ? f[i].size : sizeof(uint32_t));
}

int vs_config_read(const struct vs_transport *tr, const struct vs_cfg_field *f, unsigned n)
{
    for (int pass = 0; pass < VS_CONFIG_TRIES; pass++) {
        uint32_t gen = tr->config_generation(tr->t);
        for (unsigned i = 0; i < n; i++) {
            int err = read_field(tr, &f[i]);
            if (err) {
                clear(f, n);
                return err;
            }
        }
        if (tr->config_generation(tr->t) == gen)
            return 0;
    }
    clear(f, n);
    return -VS_EIO;
}
