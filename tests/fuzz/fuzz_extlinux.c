/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for the extlinux.conf parser (apps/entries/extlinux.c).
 *
 * The input, in a heap block of exactly its size, is parsed into a table of
 * 3 entries placed between two guard entries the parser must not touch.
 * Checked: the result is 0 or -EINVAL, and -EINVAL exactly when something
 * was reported; at most 3 entries, each with a kernel, a title and an id,
 * its fields NUL-terminated, its line inside the input; the timeout is a
 * number of seconds or unset.
 *
 *   make fuzz   (or: build/fuzz/fuzz_extlinux tests/fuzz/corpus/extlinux)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bootentry.h"
#include "vs_errno.h"

#define REQUIRE(c)       \
    do {                 \
        if (!(c))        \
            abort();     \
    } while (0)
#define MAX 3

static int reports;

static void record(void *ctx, unsigned line, const char *msg)
{
    (void)ctx;
    (void)line;
    REQUIRE(msg && *msg);
    reports++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *t = malloc(size ? size : 1);
    memcpy(t, data, size);
    unsigned lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += t[i] == '\n';

    static struct boot_entry table[MAX + 2], guard;
    memset(table, 0xa5, sizeof table);
    memset(&guard, 0xa5, sizeof guard);
    struct extlinux_conf c;
    struct be_diag d = {record, NULL};
    size_t n = 99;
    reports = 0;
    int r = extlinux_parse(t, size, table + 1, MAX, &n, &c, &d);
    REQUIRE(r == 0 || r == -VS_EINVAL);
    REQUIRE((r != 0) == (reports != 0));
    REQUIRE(n <= MAX);
    REQUIRE(!memcmp(&table[0], &guard, sizeof guard) && !memcmp(&table[MAX + 1], &guard, sizeof guard));
    REQUIRE(c.timeout >= 0 || c.timeout == BE_TIMEOUT_UNSET);
    REQUIRE(memchr(c.default_label, 0, sizeof c.default_label) && memchr(c.menu_title, 0, sizeof c.menu_title));
    for (size_t i = 1; i <= n; i++) {
        struct boot_entry *e = &table[i];
        REQUIRE(e->kind == BE_EXTLINUX && e->line >= 1 && e->line <= lines);
        REQUIRE(memchr(e->linux_path, 0, sizeof e->linux_path) && e->linux_path[0]);
        REQUIRE(memchr(e->id, 0, sizeof e->id) && memchr(e->title, 0, sizeof e->title) && e->title[0]);
        REQUIRE(memchr(e->options, 0, sizeof e->options) && memchr(e->devicetree, 0, sizeof e->devicetree));
        REQUIRE(e->ninitrd <= BE_INITRDS);
        for (unsigned k = 0; k < e->ninitrd; k++)
            REQUIRE(memchr(e->initrd[k], 0, BE_PATH));
    }
    free(t);
    return 0;
}
