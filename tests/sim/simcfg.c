/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtio-fs device configuration of the transport tests (see simcfg.h). */
#include "simcfg.h"

#include <string.h>

void simcfg_set(const struct simcfg *w, const char *tag, uint32_t nrq)
{
    for (int i = 0; i < 36; i++)
        w->cfg[i] = 0;
    for (size_t i = 0; i < strlen(tag) && i < 36; i++)
        w->cfg[i] = (uint8_t)tag[i];
    for (int i = 0; i < 4; i++)
        w->cfg[36 + i] = (uint8_t)(nrq >> (8 * i));
}

static void bump_gen(const struct simcfg *w)
{
    if (w->gen_width == 4)
        (*(volatile uint32_t *)w->gen)++;
    else
        (*(volatile uint8_t *)w->gen)++;
}

void simcfg_on_access(void *arg, const struct simmmio_access *a)
{
    struct simcfg_change *c = arg;
    if (a->kind != 'r')
        return;
    if (a->addr == (uintptr_t)c->w.gen) {
        c->gen_reads++;
        if (c->times < 0)
            bump_gen(&c->w);
    }
    if (a->addr == c->trigger && c->times > 0) {
        c->times--;
        simcfg_set(&c->w, c->tag, c->nrq);
        bump_gen(&c->w);
    }
}

struct simcfg_reads simcfg_reads(const struct simcfg *w)
{
    struct simcfg_reads r = {0, 0, 0, 0};
    uintptr_t cfg = (uintptr_t)w->cfg;
    for (unsigned long i = 0; i < simmmio_count(); i++) {
        const struct simmmio_access *a = simmmio_get(i);
        if (a->addr == (uintptr_t)w->gen && a->width == w->gen_width)
            r.gens++;
        else if (a->addr >= cfg && a->addr < cfg + 36 && a->width == 1)
            r.bytes++;
        else if (a->addr == cfg + 36 && a->width == 4)
            r.nrq32++;
        else
            r.other++;
    }
    return r;
}
