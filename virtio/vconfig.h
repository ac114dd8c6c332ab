/* SPDX-License-Identifier: BSD-2-Clause */
/* Reading a device's configuration space by the rules of virtio 1.x 2.5:
 * every field with accesses of its own width, and several fields as one
 * consistent snapshot, retried while the configuration generation moves. */
#ifndef VCONFIG_H
#define VCONFIG_H

#include "vs_errno.h"
#include "vtransport.h"
#include "vs_util.h"

/* Passes before a device whose configuration never holds still is given
 * up on. */
#define VS_CONFIG_TRIES 8

/* One field: an integer of `size` 1, 2 or 4 bytes (stored in *(uint32_t *)
 * out), or, with `bytes`, a byte string of `size` bytes (read a byte at a
 * time into out). */
struct vs_cfg_field {
    uint32_t off;
    uint32_t size;
    bool bytes;
    void *out;
};

/* For a transport's config_read: 0 when a `width`-byte access at `off` is
 * well formed and lies within the `room` bytes of configuration space. */
static inline int vs_config_check(uint32_t off, unsigned width, uint32_t room)
{
    if ((width != 1 && width != 2 && width != 4) || off % width)
        return -VS_EINVAL;
    if (off > room || width > room - off)
        return -VS_EPROTO;
    return 0;
}

/* Reads the n fields between two equal readings of the configuration
 * generation.  Returns 0; the transport's error for a field it cannot read
 * (-EINVAL, -EPROTO), or -EIO when the generation still changed on the
 * VS_CONFIG_TRIES-th pass.  On failure the outputs are zeroed. */
int vs_config_read(const struct vs_transport *tr, const struct vs_cfg_field *f, unsigned n);

#endif
