/* SPDX-License-Identifier: BSD-2-Clause */
/* The flattened device tree's layout (Devicetree Specification v0.4,
 * chapter 5) and a checked reader of its structure block (fdt.c), which
 * the board's reader (fdt.c) and the /chosen editor (fdt_edit.c) share. */
#ifndef FDT_H
#define FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDT_MAGIC 0xd00dfeedu
#define FDT_HEADER_SIZE 40
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Tokens, names and values are padded to a multiple of 4 bytes. */
static inline size_t align4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

/* A valid FDT's blocks, and how far its structure block has been read. */
struct fdt_walk {
    const uint8_t *fdt;
    uint32_t total;          /* the size its header announces */
    uint32_t off_rsv;        /* the memory reservation block */
    const char *strings;     /* the strings block */
    uint32_t strings_size;
    const uint8_t *p, *end;  /* the structure block not yet read */
    int depth;               /* nodes begun and not ended */
};

/* A token of the structure block. */
struct fdt_token {
    uint32_t tag;                /* FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP or FDT_END */
    const uint8_t *start, *end;  /* its bytes, padding included */
    int depth;                   /* its node's: 1 for the root, 0 for FDT_END */
    const char *name;            /* BEGIN_NODE: the node's; PROP: the property's (in the strings block); else "" */
    const uint8_t *val;          /* PROP: its value, len bytes */
    uint32_t len;
};

/* Starts w at the beginning of the structure block of the FDT at fdt.
 * False when it is no FDT of version 17 or later whose blocks lie within
 * its announced size. */
bool fdt_walk_start(struct fdt_walk *w, const void *fdt);
/* Reads the next token into *t, passing over FDT_NOPs.  False when the
 * structure block is broken: a token or its padding past the block's end,
 * a node name or property name without its NUL, a property outside every
 * node, an FDT_END_NODE with no node open or an FDT_END with one, an
 * unknown token.  Not to be called again after FDT_END. */
bool fdt_next(struct fdt_walk *w, struct fdt_token *t);

#endif
