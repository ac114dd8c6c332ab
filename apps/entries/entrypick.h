/* SPDX-License-Identifier: BSD-2-Clause */
/* The boot entries a menu offers out of any number found: the first BE_MAX
 * in menu order, and the default even when it is not among them (it then
 * takes the last place).  Entries are offered one at a time, so memory is
 * BE_MAX + 2 entries however many files there are. */
#ifndef ENTRYPICK_H
#define ENTRYPICK_H

#include "bootentry.h"

#define PICK_SLOTS (BE_MAX + 2)

struct entry_pick {
    struct boot_entry *slots;        /* PICK_SLOTS, the caller's */
    struct boot_entry *kept[BE_MAX]; /* a heap: kept[0] the last in menu order */
    size_t n;
    struct boot_entry *next;         /* the caller fills it, then offers it */
    struct boot_entry *def;          /* a copy of the first default so far, or NULL */
    size_t offered;
};

/* Menu order: by share, then BLS entries and UKIs (bls_order), extlinux,
 * the bare root's kernels, the EFI loader; ties by seq.  <0: a first. */
int entry_menu_order(const struct boot_entry *a, const struct boot_entry *b);

void entry_pick_init(struct entry_pick *p, struct boot_entry *slots);
/* Offers *p->next (which then points at a free slot); is_default: it may
 * be the default, the first such in menu order is kept. */
void entry_pick_offer(struct entry_pick *p, bool is_default);
/* The kept entries into v[0..BE_MAX) in menu order; returns how many. */
size_t entry_pick_finish(struct entry_pick *p, struct boot_entry **v);

#endif
