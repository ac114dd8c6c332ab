/* SPDX-License-Identifier: BSD-2-Clause */
/* Directory listings and path building shared by ls, manifest and boot-entry
 * discovery. */
#ifndef DIRLIST_H
#define DIRLIST_H

#include "app.h"

/* The names of a directory. */
struct name_list {
    char **v;       /* each NUL-terminated, allocated through the port */
    size_t n, cap;
};

/* Reads every name in dir except "." and "..", sorted by raw bytes; with
 * `attrs`, for a caller that stats or opens them next (vfs_opendir_plus).
 * Returns 0 or a negative errno (then nothing stays allocated). */
int name_list_read(struct app *a, const char *dir, bool attrs, struct name_list *ns);
void name_list_free(struct app *a, struct name_list *ns);
/* The same for the rest of the stream dd, which stays open (the caller
 * may stat the names in it, vfs_lstat_in). */
int name_list_take(struct app *a, int dd, struct name_list *ns);

/* Calls fn(ctx, name) for every name in dir except "." and "..", in the
 * directory's own order, keeping no listing (fn may open other files: the
 * listing brings their attributes, vfs_opendir_plus).  Returns 0 or the
 * listing's negative errno. */
int dir_each(struct app *a, const char *dir, void (*fn)(void *ctx, const char *name), void *ctx);

/* Writes "DIR/NAME" into out (VFS_PATH_MAX + 1 bytes).  Returns 0 or
 * -ENAMETOOLONG. */
int path_join(char *out, const char *dir, const char *name);

#endif
