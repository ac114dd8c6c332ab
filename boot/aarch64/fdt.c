/* SPDX-License-Identifier: BSD-2-Clause */
/* A reader for the flattened device tree (Devicetree Specification v0.4,
 * chapter 5): one pass over the structure block, keeping what the boot
 * image needs in a64_board.  Every offset and length is checked against
 * the blob's announced size before use. */
#include <string.h>
#include "a64.h"
#include "fdt.h"

#define MAX_DEPTH 16
#define MAX_FDT (64u << 20)

struct a64_board a64_board;

struct prop {
    const uint8_t *p;
    uint32_t len;
};

struct node {
    const char *name;
    uint32_t ac, sc;            /* #address-cells / #size-cells for children */
    struct prop reg, compatible, device_type, bus_range, ranges, bootargs, method, status;
};

/* A number of `cells` 32-bit cells (1 or 2 used; more keep the low 64 bits). */
static uint64_t cells(const uint8_t *p, uint32_t n)
{
    uint64_t v = 0;
    for (uint32_t i = 0; i < n; i++)
        v = v << 32 | be32(p + 4 * i);
    return v;
}

uint32_t fdt_size(const void *fdt)
{
    const uint8_t *h = fdt;
    if (!h || be32(h) != FDT_MAGIC)
        return 0;
    uint32_t total = be32(h + 4);
    return total >= FDT_HEADER_SIZE && total <= MAX_FDT ? total : 0;
}

/* strnlen (not in C11). */
static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

bool fdt_walk_start(struct fdt_walk *w, const void *fdt)
{
    const uint8_t *h = fdt;
    uint32_t total = fdt_size(fdt);
    if (!total)
        return false;
    uint32_t off_struct = be32(h + 8), off_strings = be32(h + 12), off_rsv = be32(h + 16);
    uint32_t version = be32(h + 20), size_strings = be32(h + 32), size_struct = be32(h + 36);
    if (version < 17 || off_struct > total || size_struct > total - off_struct ||
        off_strings > total || size_strings > total - off_strings || off_rsv > total || off_struct % 4)
        return false;
    *w = (struct fdt_walk){
        .fdt = h,
        .total = total,
        .off_rsv = off_rsv,
        .strings = (const char *)h + off_strings,
        .strings_size = size_strings,
        .p = h + off_struct,
        .end = h + off_struct + size_struct,
    };
    return true;
}

bool fdt_next(struct fdt_walk *w, struct fdt_token *t)
{
    /* Sizes, not pointers, are compared: nothing points past the block. */
    while ((size_t)(w->end - w->p) >= 4) {
        *t = (struct fdt_token){.tag = be32(w->p), .start = w->p, .depth = w->depth, .name = ""};
        const uint8_t *body = w->p + 4;
        size_t left = (size_t)(w->end - body), used = 0;
        if (t->tag == FDT_BEGIN_NODE) {
            t->name = (const char *)body;
            size_t l = bounded_len(t->name, left);
            if (l == left)
                return false;
            used = align4(l + 1);
            t->depth = ++w->depth;
        } else if (t->tag == FDT_END_NODE) {
            if (w->depth == 0)
                return false;
            w->depth--;
        } else if (t->tag == FDT_PROP) {
            if (left < 8 || w->depth == 0)
                return false;
            uint32_t nameoff = be32(body + 4);
            t->len = be32(body);
            t->val = body + 8;
            if (t->len > left - 8 || nameoff >= w->strings_size)
                return false;
            t->name = w->strings + nameoff;
            if (bounded_len(t->name, w->strings_size - nameoff) == w->strings_size - nameoff)
                return false;
            used = 8 + align4(t->len);
        } else if (t->tag == FDT_NOP) {
            w->p = body;
            continue;
        } else if (t->tag != FDT_END || w->depth != 0) {
            return false;
        }
        if (used > left)
            return false;
        w->p = t->end = body + used;
        return true;
    }
    return false;
}

static bool str_in_list(struct prop pr, const char *want)
{
    size_t wl = strlen(want);
    uint32_t i = 0;
    while (i < pr.len) {
        const char *s = (const char *)pr.p + i;
        size_t l = bounded_len(s, pr.len - i);
        if (l == wl && memcmp(s, want, wl) == 0)
            return true;
        i += (uint32_t)l + 1;
    }
    return false;
}

static bool disabled(const struct node *n)
{
    return n->status.p && !str_in_list(n->status, "okay") && !str_in_list(n->status, "ok");
}

/* The first (address, size) pair of a reg property. */
static bool first_reg(const struct node *n, const struct node *parent, struct a64_range *r)
{
    uint32_t ac = parent->ac, sc = parent->sc;
    uint32_t need = 4 * (ac + sc);
    if (!n->reg.p || need == 0 || n->reg.len < need || ac > 2 || sc > 2)
        return false;
    r->base = cells(n->reg.p, ac);
    r->size = cells(n->reg.p + 4 * ac, sc);
    return true;
}

static void take_memory(const struct node *n, const struct node *parent)
{
    uint32_t ac = parent->ac, sc = parent->sc, step = 4 * (ac + sc);
    if (!n->reg.p || ac > 2 || sc > 2 || step == 0)
        return;
    for (uint32_t off = 0; off + step <= n->reg.len && a64_board.nmem < A64_MAX_MEM; off += step) {
        uint64_t base = cells(n->reg.p + off, ac), size = cells(n->reg.p + off + 4 * ac, sc);
        if (size && base + size > base)
            a64_board.mem[a64_board.nmem++] = (struct a64_range){base, size};
    }
}

/* The host bridge: ECAM window, buses, and the memory windows of `ranges`
 * (child address: 3 cells, the first of which holds the space code). */
static void take_pci(const struct node *n, const struct node *parent)
{
    struct a64_range r;
    if (a64_board.ecam || !first_reg(n, parent, &r))
        return;
    a64_board.bus_start = 0;
    a64_board.bus_end = 255;
    if (n->bus_range.p && n->bus_range.len >= 8) {
        uint32_t s = be32(n->bus_range.p), e = be32(n->bus_range.p + 4);
        if (s <= e && e <= 255) {
            a64_board.bus_start = (int)s;
            a64_board.bus_end = (int)e;
        }
    }
    /* Each bus takes 1 MiB of the ECAM window. */
    uint64_t buses = r.size >> 20;
    if (buses == 0)
        return;
    if ((uint64_t)(a64_board.bus_end - a64_board.bus_start + 1) > buses)
        a64_board.bus_end = a64_board.bus_start + (int)buses - 1;
    a64_board.ecam = r.base;
    a64_board.ecam_size = r.size;

    uint32_t pac = parent->ac, csc = n->sc;
    if (n->ac != 3 || pac > 2 || csc > 2 || csc == 0)
        return;
    uint32_t step = 4 * (3 + pac + csc);
    for (uint32_t off = 0; n->ranges.p && off + step <= n->ranges.len; off += step) {
        const uint8_t *e = n->ranges.p + off;
        uint32_t hi = be32(e);
        uint32_t space = (hi >> 24) & 3;
        if (space != 2 && space != 3)
            continue; /* I/O or configuration space */
        if (a64_board.nwin >= A64_MAX_WINDOWS)
            break;
        struct a64_pci_window w = {
            .pci = cells(e + 4, 2),
            .cpu = cells(e + 12, pac),
            .size = cells(e + 12 + 4 * pac, csc),
            .mem64 = space == 3,
            .prefetch = (hi >> 30) & 1,
        };
        if (w.size && w.pci + w.size > w.pci && w.cpu + w.size > w.cpu)
            a64_board.win[a64_board.nwin++] = w;
    }
}

static void finish_node(const struct node *n, const struct node *parent, int depth)
{
    if (depth == 2 && strcmp(n->name, "chosen") == 0 && n->bootargs.p && n->bootargs.len) {
        a64_board.bootargs = (const char *)n->bootargs.p;
        a64_board.bootargs_len = bounded_len(a64_board.bootargs, n->bootargs.len);
        if (a64_board.bootargs_len == n->bootargs.len) /* not NUL-terminated: ignore */
            a64_board.bootargs = "";
    }
    if (disabled(n))
        return;
    if (n->device_type.p && str_in_list(n->device_type, "memory"))
        take_memory(n, parent);
    if (!n->compatible.p)
        return;
    struct a64_range r;
    if (str_in_list(n->compatible, "virtio,mmio") && a64_board.nmmio < A64_MAX_MMIO &&
        first_reg(n, parent, &r))
        a64_board.mmio[a64_board.nmmio++] = r;
    if (str_in_list(n->compatible, "arm,pl011") && !a64_board.uart && first_reg(n, parent, &r))
        a64_board.uart = r.base;
    if (str_in_list(n->compatible, "pci-host-ecam-generic"))
        take_pci(n, parent);
    if (str_in_list(n->compatible, "arm,psci-0.2") || str_in_list(n->compatible, "arm,psci-1.0") ||
        str_in_list(n->compatible, "arm,psci")) {
        a64_board.have_psci = true;
        a64_board.psci_hvc = n->method.p && str_in_list(n->method, "hvc");
    }
}

static void set_prop(struct node *n, const char *name, struct prop pr)
{
    if (strcmp(name, "reg") == 0) n->reg = pr;
    else if (strcmp(name, "compatible") == 0) n->compatible = pr;
    else if (strcmp(name, "device_type") == 0) n->device_type = pr;
    else if (strcmp(name, "bus-range") == 0) n->bus_range = pr;
    else if (strcmp(name, "ranges") == 0) n->ranges = pr;
    else if (strcmp(name, "bootargs") == 0) n->bootargs = pr;
    else if (strcmp(name, "method") == 0) n->method = pr;
    else if (strcmp(name, "status") == 0) n->status = pr;
    else if (strcmp(name, "#address-cells") == 0 && pr.len == 4) n->ac = be32(pr.p);
    else if (strcmp(name, "#size-cells") == 0 && pr.len == 4) n->sc = be32(pr.p);
}

bool fdt_parse(const void *fdt)
{
    struct fdt_walk w;
    if (!fdt_walk_start(&w, fdt))
        return false;

    a64_board.bootargs = "";
    for (uint32_t o = w.off_rsv; o + 16 <= w.total && a64_board.nrsv < A64_MAX_MEM; o += 16) {
        uint64_t base = cells(w.fdt + o, 2), size = cells(w.fdt + o + 8, 2);
        if (!base && !size)
            break;
        a64_board.rsv[a64_board.nrsv++] = (struct a64_range){base, size};
    }

    static struct node stack[MAX_DEPTH + 1];
    /* stack[0] stands for the root's parent: the root's reg uses 2/1 cells. */
    memset(&stack[0], 0, sizeof(stack[0]));
    stack[0].ac = 2;
    stack[0].sc = 1;
    stack[0].name = "";
    struct fdt_token t;
    while (fdt_next(&w, &t)) {
        if (t.tag == FDT_BEGIN_NODE) {
            if (t.depth > MAX_DEPTH)
                return false;
            struct node *n = &stack[t.depth];
            memset(n, 0, sizeof(*n));
            n->name = t.name;
            n->ac = 2;
            n->sc = 1;
        } else if (t.tag == FDT_END_NODE) {
            finish_node(&stack[t.depth], &stack[t.depth - 1], t.depth);
        } else if (t.tag == FDT_PROP) {
            set_prop(&stack[t.depth], t.name, (struct prop){t.val, t.len});
        } else {
            return true; /* FDT_END */
        }
    }
    return false;
}
