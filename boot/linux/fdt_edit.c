/* SPDX-License-Identifier: BSD-2-Clause */
/* A copy of a flattened device tree with properties of /chosen set or
 * removed (Devicetree Specification v0.4, chapter 5), for the kernel `boot`
 * starts.  The copy is written in one pass into a new buffer: header,
 * memory reservation block, structure block, strings block.  /chosen is
 * added when the tree has none; property names the strings block lacks are
 * appended to it.  Every offset of the source is checked before use. */
#include <string.h>
#include "a64.h"
#include "fdt.h"

#define RSV_ENTRY 16
#define CHOSEN "chosen"

struct out {
    uint8_t *p;
    size_t len, cap;
    bool full;
};

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void emit(struct out *o, const void *src, size_t n)
{
    if (o->full || n > o->cap - o->len) {
        o->full = true;
        return;
    }
    memcpy(o->p + o->len, src, n);
    o->len += n;
}

static void emit32(struct out *o, uint32_t v)
{
    uint8_t b[4];
    put_be32(b, v);
    emit(o, b, 4);
}

static void pad4(struct out *o)
{
    static const uint8_t zero[3];
    emit(o, zero, (4 - o->len % 4) % 4);
}

/* The source's strings and, after them, the names we append. */
struct strings {
    const char *old;
    uint32_t old_len;
    char added[256];
    uint32_t added_len;
};

/* The offset of name in the strings block (a suffix of an existing string
 * will do), appending it when absent; false when there is no room. */
static bool string_off(struct strings *s, const char *name, uint32_t *off)
{
    size_t n = strlen(name) + 1;
    for (uint32_t i = 0; i + n <= s->old_len; i++) {
        if (memcmp(s->old + i, name, n) == 0) {
            *off = i;
            return true;
        }
    }
    for (uint32_t i = 0; i + n <= s->added_len; i++) {
        if (memcmp(s->added + i, name, n) == 0) {
            *off = s->old_len + i;
            return true;
        }
    }
    if (n > sizeof(s->added) - s->added_len)
        return false;
    memcpy(s->added + s->added_len, name, n);
    *off = s->old_len + s->added_len;
    s->added_len += (uint32_t)n;
    return true;
}

static const struct fdt_prop *find_set(const char *name, const struct fdt_prop *set, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(set[i].name, name) == 0)
            return &set[i];
    return NULL;
}

static bool emit_set(struct out *o, struct strings *s, const struct fdt_prop *set, int n)
{
    for (int i = 0; i < n; i++) {
        uint32_t off;
        if (!set[i].val)
            continue; /* to be removed */
        if (!string_off(s, set[i].name, &off))
            return false;
        emit32(o, FDT_PROP);
        emit32(o, set[i].len);
        emit32(o, off);
        emit(o, set[i].val, set[i].len);
        pad4(o);
    }
    return true;
}

size_t fdt_chosen_size(const void *fdt, const struct fdt_prop *set, int n)
{
    size_t size = fdt_size(fdt) + 4 + align4(sizeof(CHOSEN)) + 4 + 8;
    for (int i = 0; i < n; i++)
        size += 12 + align4(set[i].len) + strlen(set[i].name) + 1;
    return size;
}

bool fdt_with_chosen(const void *fdt, const struct fdt_prop *set, int n, void *buf, size_t cap)
{
    struct fdt_walk w;
    if (!fdt_walk_start(&w, fdt) || cap < FDT_HEADER_SIZE || w.off_rsv % 8)
        return false;

    struct out o = {.p = buf, .len = FDT_HEADER_SIZE, .cap = cap};
    memset(buf, 0, FDT_HEADER_SIZE);
    /* The reservation block up to and including its terminating entry. */
    for (uint32_t r = w.off_rsv;; r += RSV_ENTRY) {
        if (r + RSV_ENTRY > w.total)
            return false;
        emit(&o, w.fdt + r, RSV_ENTRY);
        static const uint8_t zero[RSV_ENTRY];
        if (memcmp(w.fdt + r, zero, RSV_ENTRY) == 0)
            break;
    }

    struct strings s = {.old = w.strings, .old_len = w.strings_size};
    size_t new_struct = o.len;
    bool in_chosen = false, chosen_done = false;
    struct fdt_token t;
    do {
        if (!fdt_next(&w, &t))
            return false;
        if (t.tag == FDT_BEGIN_NODE) {
            if (t.depth == 2 && strcmp(t.name, CHOSEN) == 0 && !chosen_done)
                in_chosen = true;
            emit(&o, t.start, (size_t)(t.end - t.start));
        } else if (t.tag == FDT_END_NODE) {
            if (t.depth == 2 && in_chosen) {
                if (!emit_set(&o, &s, set, n))
                    return false;
                in_chosen = false;
                chosen_done = true;
            } else if (t.depth == 1 && !chosen_done) {
                emit32(&o, FDT_BEGIN_NODE);
                emit(&o, CHOSEN, sizeof(CHOSEN));
                pad4(&o);
                if (!emit_set(&o, &s, set, n))
                    return false;
                emit32(&o, FDT_END_NODE);
                chosen_done = true;
            }
            emit32(&o, FDT_END_NODE);
        } else if (t.tag == FDT_PROP) {
            if (!(t.depth == 2 && in_chosen && find_set(t.name, set, n)))
                emit(&o, t.start, (size_t)(t.end - t.start));
        } else {
            emit32(&o, FDT_END);
        }
    } while (t.tag != FDT_END);
    size_t struct_len = o.len - new_struct, strings_at = o.len;
    emit(&o, s.old, s.old_len);
    emit(&o, s.added, s.added_len);
    if (o.full)
        return false;

    uint8_t *nh = buf;
    put_be32(nh + 0, FDT_MAGIC);
    put_be32(nh + 4, (uint32_t)o.len);
    put_be32(nh + 8, (uint32_t)new_struct);
    put_be32(nh + 12, (uint32_t)strings_at);
    put_be32(nh + 16, FDT_HEADER_SIZE);
    put_be32(nh + 20, 17);
    put_be32(nh + 24, 16);
    put_be32(nh + 28, be32(w.fdt + 28)); /* boot_cpuid_phys */
    put_be32(nh + 32, s.old_len + s.added_len);
    put_be32(nh + 36, (uint32_t)struct_len);
    return true;
}
