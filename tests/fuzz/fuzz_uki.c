/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for the unified-kernel-image reader (apps/entries/uki.c).
 *
 * The input is a file's start; it is parsed as the headers of a file of its
 * own size and of a bigger one (the first 4 bytes of the input, read as a
 * size, extend it).  Checked: the result is 0, -ENOEXEC or -EINVAL with a
 * reason; on success .linux is there and every section found lies inside
 * the file (offset + size without wrapping).  The .osrel reader then takes
 * the input as os-release text: title and version stay NUL-terminated.
 *
 *   make fuzz   (or: build/fuzz/fuzz_uki tests/fuzz/corpus/uki)
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

static void inside(const struct uki_section *s, uint64_t file_size)
{
    REQUIRE(s->off <= file_size && s->size <= file_size - s->off);
}

static void parse(const uint8_t *hdr, size_t n, uint64_t file_size)
{
    struct uki u;
    const char *why = NULL;
    int r = uki_parse(hdr, n, file_size, &u, &why);
    REQUIRE(r == 0 || r == -VS_ENOEXEC || r == -VS_EINVAL);
    if (r) {
        REQUIRE(why && *why);
        return;
    }
    REQUIRE(u.linux_.size > 0);
    inside(&u.linux_, file_size);
    inside(&u.initrd, file_size);
    inside(&u.cmdline, file_size);
    inside(&u.osrel, file_size);
    inside(&u.uname, file_size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *h = malloc(size ? size : 1);
    memcpy(h, data, size);
    parse(h, size, size);
    uint32_t extra = 0;
    memcpy(&extra, data, size < 4 ? size : 4);
    parse(h, size, (uint64_t)size + extra);

    char title[BE_TEXT] = "t", version[16] = "v";
    osrel_parse((const char *)h, size, title, sizeof title, version, sizeof version);
    REQUIRE(memchr(title, 0, sizeof title) && memchr(version, 0, sizeof version));
    free(h);
    return 0;
}
