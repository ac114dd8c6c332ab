/* SPDX-License-Identifier: BSD-2-Clause */
/* The AArch64 image's device tree editor (boot/linux/fdt_edit.c): copies
 * of hand-built trees with /chosen's properties set, replaced, added (with
 * /chosen itself) and removed, read back with the image's own reader
 * (fdt.c) and a property lookup here; everything else kept; broken trees
 * and short buffers refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "../../boot/aarch64/fdt.c"
#include "../../boot/linux/fdt_edit.c"

/* ---- a small FDT builder ---- */
struct builder {
    uint8_t st[4096], str[1024];
    size_t nst, nstr;
};

static void b32(struct builder *b, uint32_t v)
{
    put_be32(b->st + b->nst, v);
    b->nst += 4;
}

static void b_node(struct builder *b, const char *name)
{
    b32(b, FDT_BEGIN_NODE);
    size_t n = strlen(name) + 1;
    memcpy(b->st + b->nst, name, n);
    b->nst += (n + 3) & ~(size_t)3;
}

static void b_prop(struct builder *b, const char *name, const void *val, uint32_t len)
{
    b32(b, FDT_PROP);
    b32(b, len);
    b32(b, (uint32_t)b->nstr);
    memcpy(b->str + b->nstr, name, strlen(name) + 1);
    b->nstr += strlen(name) + 1;
    memcpy(b->st + b->nst, val, len);
    b->nst += (len + 3) & ~(uint32_t)3;
}

static void b_u32s(struct builder *b, const char *name, const uint32_t *v, int n)
{
    uint8_t buf[64];
    for (int i = 0; i < n; i++)
        put_be32(buf + 4 * i, v[i]);
    b_prop(b, name, buf, (uint32_t)(4 * n));
}

/* The blob: header, one reservation (0x48000000, 0x1000), structure, strings. */
static uint8_t *b_finish(struct builder *b, size_t *size)
{
    b32(b, FDT_END);
    size_t rsv = 40, st = rsv + 32, str = st + b->nst, total = str + b->nstr;
    uint8_t *p = calloc(1, total);
    put_be32(p, FDT_MAGIC);
    put_be32(p + 4, (uint32_t)total);
    put_be32(p + 8, (uint32_t)st);
    put_be32(p + 12, (uint32_t)str);
    put_be32(p + 16, (uint32_t)rsv);
    put_be32(p + 20, 17);
    put_be32(p + 24, 16);
    put_be32(p + 32, (uint32_t)b->nstr);
    put_be32(p + 36, (uint32_t)b->nst);
    put_be32(p + rsv + 4, 0x48000000);
    put_be32(p + rsv + 12, 0x1000);
    memcpy(p + st, b->st, b->nst);
    memcpy(p + str, b->str, b->nstr);
    *size = total;
    return p;
}

/* / { #address-cells = 2; #size-cells = 2; memory@40000000 { device_type =
 * "memory"; reg = <0 0x40000000 0 0x40000000>; }; [chosen { bootargs = "old
 * words"; linux,initrd-start = <0 0x1000>; stdout-path = "/pl011"; };] } */
static uint8_t *sample(bool with_chosen, size_t *size)
{
    static struct builder b;
    memset(&b, 0, sizeof(b));
    b_node(&b, "");
    uint32_t two = 2;
    b_u32s(&b, "#address-cells", &two, 1);
    b_u32s(&b, "#size-cells", &two, 1);
    b_node(&b, "memory@40000000");
    b_prop(&b, "device_type", "memory", 7);
    const uint32_t reg[] = {0, 0x40000000, 0, 0x40000000};
    b_u32s(&b, "reg", reg, 4);
    b32(&b, FDT_END_NODE);
    if (with_chosen) {
        b_node(&b, "chosen");
        b_prop(&b, "bootargs", "old words", 10);
        const uint32_t start[] = {0, 0x1000};
        b_u32s(&b, "linux,initrd-start", start, 2);
        b_prop(&b, "stdout-path", "/pl011", 7);
        b32(&b, FDT_END_NODE);
    }
    b32(&b, FDT_END_NODE);
    return b_finish(&b, size);
}

/* A property of a child of the root (node name exact); NULL if absent. */
static const uint8_t *find_prop(const uint8_t *fdt, const char *node, const char *name, uint32_t *len)
{
    const uint8_t *p = fdt + be32(fdt + 8);
    const char *strings = (const char *)fdt + be32(fdt + 12);
    int depth = 0;
    bool in = false;
    for (;;) {
        uint32_t tok = be32(p);
        p += 4;
        if (tok == FDT_BEGIN_NODE) {
            depth++;
            in = depth == 2 && strcmp((const char *)p, node) == 0;
            p += align4(strlen((const char *)p) + 1);
        } else if (tok == FDT_END_NODE) {
            depth--;
            in = false;
        } else if (tok == FDT_PROP) {
            uint32_t l = be32(p), off = be32(p + 4);
            if (in && strcmp(strings + off, name) == 0) {
                *len = l;
                return p + 8;
            }
            p += 8 + align4(l);
        } else if (tok != FDT_NOP) {
            return NULL;
        }
    }
}

static uint8_t start_be[8], end_be[8];

static uint8_t *edited(const uint8_t *src, const struct fdt_prop *set, int n, bool *ok)
{
    size_t cap = fdt_chosen_size(src, set, n);
    uint8_t *out = malloc(cap);
    *ok = fdt_with_chosen(src, set, n, out, cap);
    memset(&a64_board, 0, sizeof(a64_board));
    *ok = *ok && fdt_parse(out) && fdt_size(out) <= cap;
    return out;
}

static bool is_u64(const uint8_t *p, uint32_t len, uint64_t v)
{
    return p && len == 8 && be32(p) == (uint32_t)(v >> 32) && be32(p + 4) == (uint32_t)v;
}

int main(void)
{
    char why[256];
    size_t size;
    bool ok;
    uint32_t len = 0;
    for (int i = 0; i < 8; i++) {
        start_be[i] = (uint8_t)(0x4a000000ull >> (56 - 8 * i));
        end_be[i] = (uint8_t)(0x4a123456ull >> (56 - 8 * i));
    }
    const struct fdt_prop set[] = {
        {"bootargs", "console=ttyAMA0 root=myfs", 26},
        {"linux,initrd-start", start_be, 8},
        {"linux,initrd-end", end_be, 8},
    };

    /* 1. /chosen present: bootargs and initrd-start replaced, initrd-end added. */
    uint8_t *src = sample(true, &size);
    uint8_t *out = edited(src, set, 3, &ok);
    snprintf(why, sizeof why, "bootargs %s", ok ? a64_board.bootargs : "(copy or parse failed)");
    check("replaced: bootargs is the new command line", ok && strcmp(a64_board.bootargs, set[0].val) == 0, why);
    uint32_t slen = 0;
    const uint8_t *s = find_prop(out, "chosen", "linux,initrd-start", &slen);
    const uint8_t *e = find_prop(out, "chosen", "linux,initrd-end", &len);
    check("replaced: linux,initrd-start replaced, linux,initrd-end added",
          ok && is_u64(s, slen, 0x4a000000) && is_u64(e, len, 0x4a123456), "values differ");
    const uint8_t *sp = find_prop(out, "chosen", "stdout-path", &len);
    check("replaced: the other /chosen properties are kept", sp && len == 7 && !memcmp(sp, "/pl011", 7), "lost");
    check("replaced: memory and the reservation block are kept",
          ok && a64_board.nmem == 1 && a64_board.mem[0].base == 0x40000000 && a64_board.mem[0].size == 0x40000000 &&
              a64_board.nrsv == 1 && a64_board.rsv[0].base == 0x48000000 && a64_board.rsv[0].size == 0x1000,
          "memory or /memreserve/ differ");
    int count = 0;
    for (const uint8_t *p = out; p + 8 <= out + fdt_size(out); p++)
        count += memcmp(p, "bootargs", 8) == 0;
    check("replaced: one bootargs property, no name appended twice", count == 1, "bootargs seen more than once");
    free(out);

    /* 2. Removal: initrd properties with a NULL value go. */
    const struct fdt_prop rm[] = {{"bootargs", "x", 2}, {"linux,initrd-start", NULL, 8}, {"linux,initrd-end", NULL, 8}};
    out = edited(src, rm, 3, &ok);
    check("removed: linux,initrd-start/-end gone, bootargs set",
          ok && !find_prop(out, "chosen", "linux,initrd-start", &len) &&
              !find_prop(out, "chosen", "linux,initrd-end", &len) && strcmp(a64_board.bootargs, "x") == 0,
          "a property survived");
    free(out);

    /* 3. No /chosen: one is added with the properties. */
    uint8_t *bare = sample(false, &size);
    out = edited(bare, set, 3, &ok);
    e = find_prop(out, "chosen", "linux,initrd-end", &len);
    check("added: /chosen created with bootargs and the initrd",
          ok && strcmp(a64_board.bootargs, set[0].val) == 0 && is_u64(e, len, 0x4a123456),
          "no /chosen or wrong values");
    free(out);

    /* 4. Buffers and broken trees. */
    size_t cap = fdt_chosen_size(src, set, 3);
    out = malloc(cap);
    check("a buffer of fdt_chosen_size bytes is enough; 64 bytes is refused",
          fdt_with_chosen(src, set, 3, out, cap) && !fdt_with_chosen(src, set, 3, out, 64), "size handling");
    uint8_t *bad = malloc(size + 64);
    memcpy(bad, bare, size);
    put_be32(bad, 0xd00dfeee);
    ok = !fdt_with_chosen(bad, set, 3, out, cap);
    memcpy(bad, bare, size);
    put_be32(bad + 36, (uint32_t)size); /* structure block past the end */
    ok = ok && !fdt_with_chosen(bad, set, 3, out, cap);
    memcpy(bad, bare, size);
    put_be32(bad + be32(bad + 8) + be32(bad + 36) - 4, FDT_NOP); /* FDT_END gone */
    ok = ok && !fdt_with_chosen(bad, set, 3, out, cap);
    memcpy(bad, bare, size);
    put_be32(bad + be32(bad + 8) + 12, 0xffff); /* a property longer than the block */
    ok = ok && !fdt_with_chosen(bad, set, 3, out, cap);
    check("broken trees (magic, block size, no FDT_END, property length) are refused", ok, "one was copied");
    free(bad);
    free(out);
    free(src);
    free(bare);
    return failures ? 1 : 0;
}
