/* SPDX-License-Identifier: BSD-2-Clause */
/* What boot-entry discovery (entries.c) shares with the kinds of entry it
 * finds, one file each (find_bls.c, find_uki.c, find_extlinux.c,
 * find_bare.c, find_efi.c), all behind one interface: struct entry_method. */
#ifndef FINDER_H
#define FINDER_H

#include "entries.h"
#include "entrypick.h"

/* What discovery needs on its way: the list, a path buffer, and the file
 * a diagnostic names. */
struct finder {
    struct app *a;
    struct entry_list *l;
    const char *file;
    char *path, *resolved;       /* VFS_PATH_MAX + 1 each */
    struct loader_conf conf;
    bool have_conf;
    int ext_timeout;
    struct entry_pick pick;
    unsigned share;              /* the index of the share being read */
};

/* A directory of BLS entries or UKIs being read. */
struct dir_walk {
    struct finder *f;
    const char *root, *dir;
    char *file;                  /* VFS_PATH_MAX + 1 */
    bool under_boot;
};

/* One kind of boot entry, as U-Boot's bootmeths: find() offers the entries
 * of its kind on the share mounted at mi->path (finder_add) and says whether
 * the share has any, or the file that would hold them.  A fallback method
 * runs only when no method before it found anything on the share. */
struct entry_method {
    bool (*find)(struct finder *f, const struct vfs_mount_info *mi);
    bool fallback;
};
/* In the order entries.c runs them on each share. */
extern const struct entry_method entry_method_bls, entry_method_uki, entry_method_extlinux, entry_method_bare,
    entry_method_efi;

/* Diagnostics: `error: entries: FILE[:LINE]: EINVAL (msg: skipped)` for a
 * be_diag (ctx is the finder, f->file the file), and the same with an errno. */
void finder_diag(void *ctx, unsigned line, const char *msg);
void finder_diag_err(struct finder *f, const char *file, unsigned line, int err, const char *what);

bool finder_ends_with(const char *s, const char *suffix);
/* path (from the share's root) resolved inside the share mounted at root. */
int finder_in_share(struct finder *f, const char *root, const char *path, char *out);
/* "A" + "B" + "C" into out (VFS_PATH_MAX + 1). */
int finder_join3(char *out, const char *x, const char *y, const char *z);
/* Reads a whole text file (at most 1 MiB) into an allocation with a NUL
 * after it. */
int finder_read_text(struct app *a, const char *path, char **text, size_t *len);
/* Reads up to n bytes at off. */
int finder_read_at(struct app *a, const char *path, void *buf, size_t n, uint64_t off, size_t *got);
bool finder_is_regular(struct app *a, const char *path);

/* Where the next entry is read; finder_add offers it, else it is reused. */
struct boot_entry *finder_slot(struct finder *f);
/* Offers e, found on the share mounted at root, to the picker. */
void finder_add(struct finder *f, struct boot_entry *e, const char *root);
/* Whether e is the default if it is the first such in menu order. */
bool finder_default_candidate(const struct finder *f, const struct boot_entry *e);
/* Whether e's devicetree is a file that the kernel is given: only on arm64,
 * whose boot protocol takes it from the loader; an extlinux FDTDIR (kept
 * with a trailing '/') names no file, U-Boot picking one by board names we
 * do not have, so the firmware's device tree stays. */
bool finder_loads_devicetree(const struct boot_entry *e);
/* The kernel, initrds (and devicetree, if a file) of e, resolved; false
 * after saying which one is missing. */
bool finder_resolve_files(struct finder *f, struct boot_entry *e, const char *root, const char *base, bool under_boot);

#endif
