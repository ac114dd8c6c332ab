/* SPDX-License-Identifier: BSD-2-Clause */
/* The one place a negative errno from the library becomes a GRUB error. */
#ifndef ERRORS_GRUB_H
#define ERRORS_GRUB_H

#include <grub/err.h>

/* Sets GRUB's error for err (a negative errno) with "what: text" as its
 * message (a missing file: GRUB's own "file `what' not found"), and
 * returns it. */
grub_err_t grub_vs_error(int err, const char *what);

#endif
