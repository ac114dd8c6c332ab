/* SPDX-License-Identifier: BSD-2-Clause */
/* Boot-entry discovery on the mounted shares (docs/BOOTING.md, "Booting a
 * distribution from a host directory"), in menu order, for `entries`,
 * `boot -e N`, `boot --default` and `menu`. */
#ifndef ENTRIES_H
#define ENTRIES_H

#include "app.h"
#include "bootentry.h"

struct entry_list {
    struct boot_entry *store;   /* PICK_SLOTS entries (entrypick.h), port->alloc */
    struct boot_entry **v;      /* v[0..n): menu order */
    size_t n, def;              /* def: the default entry's index */
    int timeout;                /* seconds, or BE_TIMEOUT_UNSET / _FOREVER */
};

/* Finds the entries of every mounted share; a file that cannot be used is
 * reported (`error: entries: FILE:LINE: ...`) and skipped.  Returns 0 or
 * -ENOMEM (reported). */
int entries_find(struct app *a, struct entry_list *l);
void entries_free(struct app *a, struct entry_list *l);
/* One line per entry: `N FLAG TITLE (SOURCE)` (SPEC §4). */
void entries_print(struct app *a, const struct entry_list *l);
/* Boots e with cmdline (NULL: the entry's own).  Returns only on failure,
 * reported. */
int entries_boot(struct app *a, const struct boot_entry *e, const char *cmdline);
/* `boot -e N` and `boot --default` (cmd_boot.c passes them on). */
int entries_boot_cmd(struct app *a, int argc, char **argv);

#endif
