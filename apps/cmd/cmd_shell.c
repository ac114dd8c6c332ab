/* SPDX-License-Identifier: BSD-2-Clause */
/* `shell`: commands read from the console, one line at a time, until `exit`.
 * A failing command is reported and the shell goes on; Ctrl-C abandons the
 * line being typed, or the running command (commands that read a lot poll
 * for it with app_interrupted).  Line editing and history: lineedit.c.
 * Tab completes the word before the cursor: a command name in the first
 * word of a command, else a path on the shares (the directory is listed
 * through the VFS; names are written back escaped as the command language
 * reads them). */
#include "commands.h"
#include "dirlist.h"
#include "lineedit.h"
#include "numparse.h"
#include "vs_errno.h"

#define PROMPT "vioshare> "
#define LIST_MAX 512 /* matches shown at most */

/* What the candidates for a completion have in common. */
struct matches {
    unsigned n;
    char common[VFS_NAME_MAX + 1];
    size_t clen;
    const char *shown[LIST_MAX];
    unsigned nshown;
};

static void match_add(struct matches *m, const char *name)
{
    size_t len = vs_strlen(name);
    if (m->n == 0) {
        m->clen = VS_MIN(len, (size_t)VFS_NAME_MAX);
        vs_memcpy(m->common, name, m->clen);
    } else {
        size_t i = 0;
        while (i < m->clen && i < len && m->common[i] == name[i])
            i++;
        m->clen = i;
    }
    m->common[m->clen] = 0;
    if (m->nshown < LIST_MAX)
        m->shown[m->nshown++] = name;
    m->n++;
}

/* Appends the bytes as the command language reads them back. */
static void insert_escaped(struct lineedit *e, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        uint8_t b = (uint8_t)s[i];
        if (b < 0x21 || b > 0x7e || b == '\\' || b == ';' || b == '"') {
            char esc[4] = {'\\', 'x', hex[b >> 4], hex[b & 15]};
            le_insert(e, esc, 4);
        } else {
            le_insert(e, (const char *)&b, 1);
        }
    }
}

/* Decodes a word as typed (quotes, \xHH, \\) into out (VFS_PATH_MAX + 1). */
static size_t decode_word(const char *w, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o < VFS_PATH_MAX; i++) {
        if (w[i] == '"')
            continue;
        if (w[i] == '\\' && i + 1 < n && w[i + 1] == '\\') {
            out[o++] = '\\';
            i++;
        } else if (w[i] == '\\' && i + 3 < n && w[i + 1] == 'x' && hex_digit_value(w[i + 2]) >= 0 &&
                   hex_digit_value(w[i + 3]) >= 0) {
            out[o++] = (char)(hex_digit_value(w[i + 2]) << 4 | hex_digit_value(w[i + 3]));
            i += 3;
        } else {
            out[o++] = w[i];
        }
    }
    out[o] = 0;
    return o;
}

/* Shows the candidates under the line, then the line again. */
static void show(struct lineedit *e, const struct matches *m)
{
    struct app *a = e->a;
    size_t col = 0;
    app_printf(a, "\n");
    for (unsigned i = 0; i < m->nshown; i++) {
        size_t len = vs_strlen(m->shown[i]);
        if (col && col + len + 2 > 78) {
            app_printf(a, "\n");
            col = 0;
        }
        app_write_escaped(a, m->shown[i], len);
        app_printf(a, "  ");
        col += len + 2;
    }
    if (m->n > m->nshown)
        app_printf(a, "... (%u more)", m->n - m->nshown);
    le_redraw(e);
}

/* Completes what is typed (prefix, plen bytes) to the candidates' common
 * part; a single candidate also gets `tail` ("/" or " ").  Several with
 * nothing more in common are listed. */
static void apply(struct lineedit *e, const struct matches *m, size_t plen, const char *tail)
{
    if (m->n == 0) {
        app_printf(e->a, "\a");
        return;
    }
    if (m->clen > plen)
        insert_escaped(e, m->common + plen, m->clen - plen);
    if (m->n == 1)
        le_insert(e, tail, vs_strlen(tail));
    else if (m->clen == plen)
        show(e, m);
}

static void complete_command(struct lineedit *e, const char *word, size_t n)
{
    struct matches *m = e->a->port->alloc(e->a->port->ctx, sizeof(*m));
    if (!m)
        return;
    m->n = m->nshown = 0;
    m->clen = 0;
    for (int i = 0; app_command_name(i); i++) {
        const char *name = app_command_name(i);
        if (vs_strlen(name) >= n && !vs_memcmp(name, word, n))
            match_add(m, name);
    }
    apply(e, m, n, " ");
    e->a->port->free(e->a->port->ctx, m);
}

static void complete_path(struct lineedit *e, const char *word, size_t n)
{
    struct app *a = e->a;
    char *raw = a->port->alloc(a->port->ctx, 2 * (VFS_PATH_MAX + 1));
    struct matches *m = a->port->alloc(a->port->ctx, sizeof(*m));
    if (!raw || !m)
        goto out;
    char *full = raw + VFS_PATH_MAX + 1;
    size_t rlen = decode_word(word, n, raw);
    size_t slash = rlen;
    while (slash > 0 && raw[slash - 1] != '/')
        slash--;
    if (slash == 0) { /* paths are absolute: nothing to complete */
        app_printf(a, "\a");
        goto out;
    }
    const char *prefix = raw + slash;
    size_t plen = rlen - slash;
    /* The directory: what comes before the last '/' ("/" for the root). */
    vs_memcpy(full, raw, slash);
    full[slash > 1 ? slash - 1 : 1] = 0;
    struct name_list ns;
    if (name_list_read(a, full, false, &ns)) {
        app_printf(a, "\a");
        goto out;
    }
    m->n = m->nshown = 0;
    m->clen = 0;
    for (size_t i = 0; i < ns.n; i++) {
        if (vs_strlen(ns.v[i]) >= plen && !vs_memcmp(ns.v[i], prefix, plen))
            match_add(m, ns.v[i]);
    }
    const char *tail = " ";
    if (m->n == 1) { /* a directory (or a link to one) gets a '/' */
        struct vfs_stat st;
        size_t dl = slash - 1; /* DIR without its '/': "" for the root */
        vs_memcpy(full, raw, dl);
        full[dl] = '/';
        size_t cl = VS_MIN(m->clen, (size_t)VFS_PATH_MAX - dl - 1);
        vs_memcpy(full + dl + 1, m->common, cl);
        full[dl + 1 + cl] = 0;
        if (!vfs_stat(&a->vfs, full, &st) && (st.mode & VS_S_IFMT) == VS_S_IFDIR)
            tail = "/";
    }
    apply(e, m, plen, tail);
    name_list_free(a, &ns);
out:
    a->port->free(a->port->ctx, m);
    a->port->free(a->port->ctx, raw);
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

static void complete(struct lineedit *e)
{
    /* The word before the cursor: from the last blank or ';' (or from an
     * unclosed double quote). */
    size_t start = e->cur, quotes = 0, lastq = 0;
    for (size_t i = 0; i < e->cur; i++) {
        if (e->buf[i] == '"') {
            quotes++;
            lastq = i;
        }
    }
    if (quotes % 2) {
        start = lastq;
    } else {
        while (start > 0 && !blank(e->buf[start - 1]) && e->buf[start - 1] != ';')
            start--;
    }
    size_t p = start;
    while (p > 0 && blank(e->buf[p - 1]))
        p--;
    const char *word = e->buf + start;
    size_t n = e->cur - start;
    if (p == 0 || e->buf[p - 1] == ';') {
        if (n && word[0] == '-') { /* "-cmd": may fail */
            word++;
            n--;
        }
        complete_command(e, word, n);
    } else {
        complete_path(e, word, n);
    }
}

int cmd_shell(struct app *a, int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        app_usage(a, "shell", -VS_EINVAL, "usage: shell");
        return -VS_EINVAL;
    }
    if (!a->read_char) {
        app_usage(a, "shell", -VS_ENOTSUP, "no console input on this platform");
        return -VS_ENOTSUP;
    }
    struct lineedit *e = a->port->alloc(a->port->ctx, sizeof(*e));
    char *line = a->port->alloc(a->port->ctx, LE_LINE_MAX);
    if (!e || !line) {
        a->port->free(a->port->ctx, e);
        a->port->free(a->port->ctx, line);
        app_usage(a, "shell", -VS_ENOMEM, "out of memory");
        return -VS_ENOMEM;
    }
    le_init(e, a, PROMPT);
    e->complete = complete;
    for (;;) {
        a->interrupted = false;
        if (le_read(e))
            continue; /* Ctrl-C at the prompt */
        /* The command line is parsed in place: the editor keeps its text. */
        vs_memcpy(line, e->buf, e->len + 1);
        int ended = app_exec_line(a, line);
        if (ended && a->exit_requested)
            break;
        a->exit_status = APP_EXIT_NONE; /* a failure ends the command, not the shell */
    }
    a->interrupted = false;
    le_fini(e);
    a->port->free(a->port->ctx, e);
    a->port->free(a->port->ctx, line);
    return 0;
}
