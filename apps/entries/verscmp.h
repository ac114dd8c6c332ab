/* SPDX-License-Identifier: BSD-2-Clause */
/* Version comparison of the UAPI Version Format Specification, which the
 * Boot Loader Specification orders entries by (systemd's strverscmp_improved
 * rules): "6.1.0-10" is newer than "6.1.0-9", "1.0~rc1" older than "1.0",
 * "1.0^p1" newer than "1.0". */
#ifndef VERSCMP_H
#define VERSCMP_H

/* <0 when a is older than b, 0 when equal, >0 when newer. */
int verscmp(const char *a, const char *b);

#endif
