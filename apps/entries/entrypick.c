/* SPDX-License-Identifier: BSD-2-Clause */
/* A bounded selection: a max-heap of the BE_MAX first entries in menu
 * order, whose top (the last of them) a better entry replaces. */
#include "entrypick.h"
#include "sort.h"
#include "vs_util.h"

static int group(const struct boot_entry *e)
{
    switch (e->kind) {
    case BE_BLS:
    case BE_UKI:
        return 0;
    case BE_EXTLINUX:
        return 1;
    case BE_BARE:
        return 2;
    default:
        return 3;
    }
}

static int cmp_uint(uint64_t a, uint64_t b)
{
    return (a > b) - (a < b);
}

int entry_menu_order(const struct boot_entry *a, const struct boot_entry *b)
{
    int r = cmp_uint(a->share, b->share);
    if (!r)
        r = cmp_uint((uint64_t)group(a), (uint64_t)group(b));
    if (!r && group(a) == 0)
        r = bls_order(a, b);
    return r ? r : cmp_uint(a->seq, b->seq);
}

void entry_pick_init(struct entry_pick *p, struct boot_entry *slots)
{
    vs_memset(p, 0, sizeof(*p));
    p->slots = slots;
    p->next = &slots[0];
}

static bool later(struct entry_pick *p, size_t i, size_t j)
{
    return entry_menu_order(p->kept[i], p->kept[j]) > 0;
}

static void swap(struct entry_pick *p, size_t i, size_t j)
{
    struct boot_entry *t = p->kept[i];
    p->kept[i] = p->kept[j];
    p->kept[j] = t;
}

void entry_pick_offer(struct entry_pick *p, bool is_default)
{
    struct boot_entry *e = p->next;
    p->offered++;
    if (is_default && (!p->def || entry_menu_order(e, p->def) < 0)) {
        p->def = &p->slots[BE_MAX + 1];
        vs_memcpy(p->def, e, sizeof(*e));
    }
    if (p->n < BE_MAX) {
        /* Filling up: slots[0..n) are in the heap, slots[n] is next. */
        size_t i = p->n++;
        p->kept[i] = e;
        p->next = &p->slots[p->n];
        for (; i > 0 && later(p, i, (i - 1) / 2); i = (i - 1) / 2)
            swap(p, i, (i - 1) / 2);
        return;
    }
    if (entry_menu_order(e, p->kept[0]) > 0)
        return; /* after all the kept ones: its slot is reused */
    p->next = p->kept[0];
    p->kept[0] = e;
    for (size_t i = 0;;) {
        size_t c = 2 * i + 1;
        if (c >= BE_MAX)
            break;
        if (c + 1 < BE_MAX && later(p, c + 1, c))
            c++;
        if (!later(p, c, i))
            break;
        swap(p, i, c);
        i = c;
    }
}

static int by_menu_order(const void *x, const void *y, void *arg)
{
    (void)arg;
    return entry_menu_order(*(struct boot_entry *const *)x, *(struct boot_entry *const *)y);
}

size_t entry_pick_finish(struct entry_pick *p, struct boot_entry **v)
{
    size_t n = p->n;
    vs_memcpy(v, p->kept, n * sizeof(*v));
    vs_sort(v, n, sizeof(*v), by_menu_order, NULL);
    /* A default after every kept entry means BE_MAX were kept before it. */
    if (p->def && entry_menu_order(p->def, v[n - 1]) > 0)
        v[n - 1] = p->def;
    return n;
}
