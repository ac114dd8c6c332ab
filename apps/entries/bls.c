/* SPDX-License-Identifier: BSD-2-Clause */
/* Boot Loader Specification Type #1 entries (uapi-group's
 * specs/boot_loader_specification.md): one `KEY VALUE` per line, '#'
 * comments, unknown keys ignored; `initrd` and `options` repeat. */
#include "bootentry.h"
#include "verscmp.h"
#include "vs_errno.h"
#include "vs_util.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool key_is(const char *k, size_t n, const char *want)
{
    return vs_strlen(want) == n && !vs_memcmp(k, want, n);
}

/* The file name without its ".conf". */
static bool set_id(struct boot_entry *e, const char *name)
{
    size_t n = vs_strlen(name);
    if (n > 5 && !vs_memcmp(name + n - 5, ".conf", 5))
        n -= 5;
    return be_copy(e->id, sizeof(e->id), name, n);
}

int bls_parse(const char *text, size_t len, const char *name, struct boot_entry *e, const struct be_diag *d)
{
    vs_memset(e, 0, sizeof(*e));
    e->kind = BE_BLS;
    if (!set_id(e, name)) {
        be_report(d, 0, "file name too long");
        return -VS_EINVAL;
    }
    struct be_lines l = {text, text + len, 0, d};
    const char *s;
    size_t n;
    bool bad;
    while (be_next_line(&l, &s, &n, &bad)) {
        if (bad)
            return -VS_EINVAL;
        size_t i = 0;
        while (i < n && is_blank(s[i]))
            i++;
        if (i == n || s[i] == '#')
            continue;
        const char *key = s + i;
        while (i < n && !is_blank(s[i]))
            i++;
        size_t klen = (size_t)(s + i - key);
        while (i < n && is_blank(s[i]))
            i++;
        size_t vend = n;
        while (vend > i && is_blank(s[vend - 1]))
            vend--;
        const char *v = s + i;
        size_t vlen = vend - i;
        char *dst = NULL;
        size_t cap = 0;
        if (key_is(key, klen, "title"))
            dst = e->title, cap = sizeof(e->title);
        else if (key_is(key, klen, "version"))
            dst = e->version, cap = sizeof(e->version);
        else if (key_is(key, klen, "machine-id"))
            dst = e->machine_id, cap = sizeof(e->machine_id);
        else if (key_is(key, klen, "sort-key"))
            dst = e->sort_key, cap = sizeof(e->sort_key);
        else if (key_is(key, klen, "linux"))
            dst = e->linux_path, cap = sizeof(e->linux_path), e->line = l.lineno;
        else if (key_is(key, klen, "devicetree"))
            dst = e->devicetree, cap = sizeof(e->devicetree);
        else if (key_is(key, klen, "efi"))
            dst = e->efi, cap = sizeof(e->efi);
        else if (key_is(key, klen, "architecture"))
            dst = e->arch, cap = sizeof(e->arch);
        else if (key_is(key, klen, "initrd")) {
            if (e->ninitrd == BE_INITRDS) {
                be_report(d, l.lineno, "more than 8 initrd lines");
                return -VS_EINVAL;
            }
            e->initrd_line[e->ninitrd] = l.lineno;
            dst = e->initrd[e->ninitrd++], cap = BE_PATH;
        } else if (key_is(key, klen, "options")) {
            /* Repeated options lines are joined by a blank. */
            size_t at = vs_strlen(e->options);
            if (at && vlen) {
                if (at + 1 >= sizeof(e->options)) {
                    be_report(d, l.lineno, "options longer than 2047 bytes");
                    return -VS_EINVAL;
                }
                e->options[at++] = ' ';
            }
            dst = e->options + at, cap = sizeof(e->options) - at;
        } else {
            continue;
        }
        if (!be_copy(dst, cap, v, vlen)) {
            be_report(d, l.lineno, "value too long");
            return -VS_EINVAL;
        }
    }
    if (!e->linux_path[0] && !e->efi[0]) {
        be_report(d, l.lineno, "no 'linux' (nor 'efi') key");
        return -VS_EINVAL;
    }
    return 0;
}

static int bytes_order(const char *a, const char *b)
{
    size_t i = 0;
    while (a[i] && a[i] == b[i])
        i++;
    return (unsigned char)a[i] - (unsigned char)b[i];
}

int bls_order(const struct boot_entry *a, const struct boot_entry *b)
{
    bool ka = a->sort_key[0] != 0, kb = b->sort_key[0] != 0;
    if (ka != kb)
        return ka ? -1 : 1;
    int r;
    if (ka) {
        if ((r = bytes_order(a->sort_key, b->sort_key)) || (r = bytes_order(a->machine_id, b->machine_id)) ||
            (r = -verscmp(a->version, b->version)))
            return r;
    }
    /* Newest first: the id compared as a version, in decreasing order. */
    if ((r = -verscmp(a->id, b->id)))
        return r;
    return bytes_order(a->id, b->id);
}
