/* SPDX-License-Identifier: BSD-2-Clause */
/* What every C test program of tests/unit shares: a case fails with a reason
 * in why (REQUIRE, CHECK, CHECKC), and its result is one line, `PASS name`
 * or `FAIL name: reason`, counted in cases and failures (check). */
#ifndef CASES_H
#define CASES_H

#include <stdbool.h>
#include <stdio.h>

/* Why the running case failed; cases and failures so far. */
extern char why[600];
extern int cases, failures;

#define REQUIRE(cond, ...)                               \
    do {                                                 \
        if (!(cond)) {                                   \
            snprintf(why, sizeof why, __VA_ARGS__);      \
            return false;                                \
        }                                                \
    } while (0)

/* For a helper that explains its own failure in why: CHECK passes it on,
 * CHECKC puts some context in front. */
void add_context(const char *ctx);
#define CHECK(cond)        \
    do {                   \
        if (!(cond))       \
            return false;  \
    } while (0)
#define CHECKC(cond, ctx)      \
    do {                       \
        if (!(cond)) {         \
            add_context(ctx);  \
            return false;      \
        }                      \
    } while (0)

/* Prints `PASS name` or `FAIL name: reason` (a NULL reason: "(no reason)")
 * and counts the case, and the failure; returns ok. */
bool check(const char *name, bool ok, const char *reason);

#endif
