/* SPDX-License-Identifier: BSD-2-Clause */
/* extlinux.conf / syslinux.conf as U-Boot's distro boot reads it
 * (boot/pxe_utils.c): keywords are case-insensitive; DEFAULT, LABEL,
 * MENU LABEL, MENU TITLE, MENU DEFAULT, KERNEL/LINUX, INITRD (a comma
 * list), APPEND, FDT/DEVICETREE, FDTDIR and TIMEOUT (tenths of a second)
 * are read, everything else is ignored. */
#include "bootentry.h"
#include "numparse.h"
#include "vs_errno.h"
#include "vs_util.h"

struct xparse {
    const struct be_diag *d;
    const struct extlinux_sink *sink;   /* NULL: the first pass, entries not passed on */
    struct boot_entry *e;
    const char *default_label;          /* the first pass's DEFAULT */
    bool open;          /* *e is the entry being read */
    bool broken;        /* it had a bad line: dropped at its end */
    int err;
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* The next word of s[*i..n) matches want (case-insensitive); *i past it and
 * the blanks after it. */
static bool take_word(const char *s, size_t n, size_t *i, const char *want)
{
    size_t k = *i, w = 0;
    while (k < n && !is_blank(s[k]) && want[w] && lower(s[k]) == want[w])
        k++, w++;
    if (want[w] || (k < n && !is_blank(s[k])))
        return false;
    while (k < n && is_blank(s[k]))
        k++;
    *i = k;
    return true;
}

static void problem(struct xparse *x, unsigned line, const char *msg)
{
    be_report(x->d, line, msg);
    x->err = -VS_EINVAL;
    if (x->open)
        x->broken = true;
}

/* Ends the entry being read: passed on if it can be booted. */
static void finish(struct xparse *x)
{
    if (!x->open)
        return;
    struct boot_entry *e = x->e;
    x->open = false;
    if (x->broken)
        return;
    if (!e->linux_path[0]) {
        problem(x, e->line, "LABEL without KERNEL or LINUX");
        return;
    }
    if (!e->title[0])
        vs_memcpy(e->title, e->id, sizeof(e->title));
    /* DEFAULT names a LABEL; MENU DEFAULT marks one directly. */
    if (x->default_label[0] && vs_streq(e->id, x->default_label))
        e->is_default = true;
    if (x->sink)
        x->e = x->sink->emit(x->sink->ctx, e);
}

static void set(struct xparse *x, unsigned line, char *dst, size_t cap, const char *v, size_t vlen)
{
    if (!x->open)
        return; /* outside a LABEL: ignored, as U-Boot does */
    if (!be_copy(dst, cap, v, vlen))
        problem(x, line, "value too long");
}

/* INITRD a,b,c: one initrd each. */
static void set_initrds(struct xparse *x, unsigned line, struct boot_entry *e, const char *v, size_t vlen)
{
    if (!x->open)
        return;
    e->ninitrd = 0;
    size_t i = 0;
    while (i < vlen) {
        size_t j = i;
        while (j < vlen && v[j] != ',')
            j++;
        if (j > i) {
            if (e->ninitrd == BE_INITRDS) {
                problem(x, line, "more than 8 initrds");
                return;
            }
            e->initrd_line[e->ninitrd] = line;
            set(x, line, e->initrd[e->ninitrd++], BE_PATH, v + i, j - i);
        }
        i = j + 1;
    }
}

static void label(struct xparse *x, unsigned line, const char *v, size_t vlen)
{
    finish(x);
    struct boot_entry *e = x->e;
    vs_memset(e, 0, sizeof(*e));
    e->kind = BE_EXTLINUX;
    e->line = line;
    x->open = true;
    x->broken = false;
    if (!vlen)
        problem(x, line, "LABEL without a name");
    else
        set(x, line, e->id, sizeof(e->id), v, vlen);
}

/* One pass over the text. */
static int parse(struct xparse x, const char *text, size_t len, struct extlinux_conf *c)
{
    const struct be_diag *d = x.d;
    c->default_label[0] = c->menu_title[0] = 0;
    c->timeout = BE_TIMEOUT_UNSET;
    struct be_lines l = {text, text + len, 0, d};
    const char *s;
    size_t len_;
    bool bad;
    while (be_next_line(&l, &s, &len_, &bad)) {
        if (bad) {
            x.err = -VS_EINVAL;
            if (x.open)
                x.broken = true;
            continue;
        }
        size_t i = 0, end = len_;
        while (i < end && is_blank(s[i]))
            i++;
        while (end > i && is_blank(s[end - 1]))
            end--;
        if (i == end || s[i] == '#')
            continue;
        struct boot_entry *e = x.e;
        unsigned ln = l.lineno;
        size_t k = i;
#define VALUE s + k, end - k
        if (take_word(s, end, &k, "label")) {
            label(&x, ln, VALUE);
        } else if (take_word(s, end, &k, "menu")) {
            size_t m = k;
            if (take_word(s, end, &m, "label"))
                k = m, set(&x, ln, e->title, sizeof(e->title), VALUE);
            else if (take_word(s, end, &m, "title")) {
                if (!be_copy(c->menu_title, sizeof(c->menu_title), s + m, end - m))
                    problem(&x, ln, "MENU TITLE too long");
            } else if (take_word(s, end, &m, "default") && x.open)
                e->is_default = true;
        } else if (take_word(s, end, &k, "default")) {
            if (!be_copy(c->default_label, sizeof(c->default_label), VALUE))
                problem(&x, ln, "DEFAULT too long");
        } else if (take_word(s, end, &k, "timeout")) {
            char num[24];
            uint64_t t;
            if (be_copy(num, sizeof(num), VALUE) && !parse_u64(num, &t) && t <= 864000)
                c->timeout = (int)((t + 9) / 10);
            else
                problem(&x, ln, "TIMEOUT is not a number of tenths of a second");
        } else if (take_word(s, end, &k, "kernel") || take_word(s, end, &k, "linux")) {
            if (x.open)
                e->line = ln;
            set(&x, ln, e->linux_path, sizeof(e->linux_path), VALUE);
        } else if (take_word(s, end, &k, "initrd")) {
            set_initrds(&x, ln, e, VALUE);
        } else if (take_word(s, end, &k, "append")) {
            set(&x, ln, e->options, sizeof(e->options), VALUE);
        } else if (take_word(s, end, &k, "fdt") || take_word(s, end, &k, "devicetree")) {
            set(&x, ln, e->devicetree, sizeof(e->devicetree), VALUE);
        } else if (take_word(s, end, &k, "fdtdir")) {
            /* The directory the devicetree is chosen from: kept with a
             * trailing '/' to tell it from FDT. */
            if (x.open && !e->devicetree[0] && end - k + 1 < sizeof(e->devicetree)) {
                set(&x, ln, e->devicetree, sizeof(e->devicetree), VALUE);
                if (e->devicetree[0] && e->devicetree[end - k - 1] != '/')
                    e->devicetree[end - k] = '/', e->devicetree[end - k + 1] = 0;
            }
        }
#undef VALUE
    }
    finish(&x);
    return x.err;
}

int extlinux_parse(const char *text, size_t len, const struct extlinux_sink *sink, struct extlinux_conf *c,
                   const struct be_diag *d)
{
    /* DEFAULT may come after its LABEL: a first, silent pass finds it. */
    struct extlinux_conf again;
    parse((struct xparse){.e = sink->e, .default_label = ""}, text, len, c);
    return parse((struct xparse){.d = d, .sink = sink, .e = sink->e, .default_label = c->default_label}, text, len,
                 &again);
}
