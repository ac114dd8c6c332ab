/* SPDX-License-Identifier: BSD-2-Clause */
/* vioshare's version, for the whole project: the one place it is written.
 * The Makefile (the pkg-config file) and tools/vioshare-run read the three
 * numbers from these lines; VIOSHARE_VERSION is "MAJOR.MINOR.PATCH".  A
 * program tests the numbers with #if, e.g. VIOSHARE_VERSION_MINOR >= 9. */
#ifndef VIOSHARE_VERSION_H
#define VIOSHARE_VERSION_H

#define VIOSHARE_VERSION_MAJOR 0
#define VIOSHARE_VERSION_MINOR 9
#define VIOSHARE_VERSION_PATCH 0

#define VIOSHARE_VERSION_STR_(n) #n
#define VIOSHARE_VERSION_STR(n) VIOSHARE_VERSION_STR_(n)
#define VIOSHARE_VERSION VIOSHARE_VERSION_STR(VIOSHARE_VERSION_MAJOR) "." \
    VIOSHARE_VERSION_STR(VIOSHARE_VERSION_MINOR) "." VIOSHARE_VERSION_STR(VIOSHARE_VERSION_PATCH)

#endif
