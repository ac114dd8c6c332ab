/* SPDX-License-Identifier: BSD-2-Clause */
/* Loading what `boot` starts (cmd_boot.c), shared with the boot entries
 * (entries.c): files read from the shares with progress lines, several
 * initrds concatenated, and the hand-over to the platform. */
#ifndef BOOTLOAD_H
#define BOOTLOAD_H

#include "app.h"

/* Reads all of path into a buffer from port->alloc (at least one byte).
 * Errors are reported as coming from `boot`. */
int boot_load(struct app *a, const char *path, void **buf, size_t *size);
/* boot_load without the progress lines (bench's W8). */
int boot_load_quiet(struct app *a, const char *path, void **buf, size_t *size);
/* Reads the n initrds one after another into one buffer, each starting at
 * a multiple of 4 bytes (Linux unpacks concatenated cpio archives; the
 * padding between them is zeros).  n 0: *buf NULL. */
int boot_load_initrds(struct app *a, const char *const *paths, unsigned n, void **buf, size_t *size);
/* Hands b to the platform (which owns its buffers from then on); returns
 * only on failure, after reporting it. */
int boot_start(struct app *a, struct app_boot *b);

#endif
