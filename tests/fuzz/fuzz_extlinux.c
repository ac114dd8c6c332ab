/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for the extlinux.conf parser (apps/entries/extlinux.c).
 *
 * The input, in a heap block of exactly its size, is parsed into one entry
 * placed between two guard entries the parser must not touch; the entries
 * are passed on one at a time.  Checked: the result is 0 or -EINVAL, and
 * -EINVAL exactly when something was reported; each entry passed on has a
 * kernel, a title and an id, its fields NUL-terminated, its line inside the
 * input; no more entries than LABEL lines; the timeout is a number of
 * seconds or unset.
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

static int reports;
static unsigned lines, emitted;

static void record(void *ctx, unsigned line, const char *msg)
{
    (void)ctx;
    (void)line;
    REQUIRE(msg && *msg);
    reports++;
}

static struct boot_entry table[3], guard;

static struct boot_entry *check_entry(void *ctx, struct boot_entry *e)
{
    (void)ctx;
    REQUIRE(e == &table[1]);
    REQUIRE(e->kind == BE_EXTLINUX && e->line >= 1 && e->line <= lines);
    REQUIRE(memchr(e->linux_path, 0, sizeof e->linux_path) && e->linux_path[0]);
    REQUIRE(memchr(e->id, 0, sizeof e->id) && memchr(e->title, 0, sizeof e->title) && e->title[0]);
    REQUIRE(memchr(e->options, 0, sizeof e->options) && memchr(e->devicetree, 0, sizeof e->devicetree));
    REQUIRE(e->ninitrd <= BE_INITRDS);
    for (unsigned k = 0; k < e->ninitrd; k++)
        REQUIRE(memchr(e->initrd[k], 0, BE_PATH));
    emitted++;
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *t = malloc(size ? size : 1);
    memcpy(t, data, size);
    lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += t[i] == '\n';

    memset(table, 0xa5, sizeof table);
    memset(&guard, 0xa5, sizeof guard);
    struct extlinux_conf c;
    struct be_diag d = {record, NULL};
    struct extlinux_sink sink = {&table[1], check_entry, NULL};
    reports = 0;
    emitted = 0;
    int r = extlinux_parse(t, size, &sink, &c, &d);
    REQUIRE(r == 0 || r == -VS_EINVAL);
    REQUIRE((r != 0) == (reports != 0));
    REQUIRE(emitted <= lines);
    REQUIRE(!memcmp(&table[0], &guard, sizeof guard) && !memcmp(&table[2], &guard, sizeof guard));
    REQUIRE(c.timeout >= 0 || c.timeout == BE_TIMEOUT_UNSET);
    REQUIRE(memchr(c.default_label, 0, sizeof c.default_label) && memchr(c.menu_title, 0, sizeof c.menu_title));
    free(t);
    return 0;
}
