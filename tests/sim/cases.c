/* SPDX-License-Identifier: BSD-2-Clause */
/* The results of the C test programs (see cases.h). */
#include "cases.h"

#include <string.h>

char why[600];
int cases, failures;

void add_context(const char *ctx)
{
    char tmp[sizeof why];
    size_t c = strlen(ctx), w = strlen(why);
    if (c + 2 >= sizeof tmp)
        c = sizeof tmp - 3;
    memcpy(tmp, ctx, c);
    memcpy(tmp + c, ": ", 2);
    if (w > sizeof tmp - c - 3)
        w = sizeof tmp - c - 3;
    memcpy(tmp + c + 2, why, w);
    tmp[c + 2 + w] = 0;
    memcpy(why, tmp, sizeof why);
}

bool check(const char *name, bool ok, const char *reason)
{
    cases++;
    if (ok) {
        printf("PASS %s\n", name);
    } else {
        printf("FAIL %s: %s\n", name, reason ? reason : "(no reason)");
        failures++;
    }
    fflush(stdout);
    return ok;
}
