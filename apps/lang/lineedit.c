/* SPDX-License-Identifier: BSD-2-Clause */
/* The console line editor (lineedit.h). */
#include "lineedit.h"
#include "vs_errno.h"

#define ESC 0x1b

void le_init(struct lineedit *e, struct app *a, const char *prompt)
{
    vs_memset(e, 0, sizeof(*e));
    e->a = a;
    e->prompt = prompt;
    e->browse = -1;
}

void le_fini(struct lineedit *e)
{
    for (unsigned i = 0; i < LE_HISTORY; i++) {
        e->a->port->free(e->a->port->ctx, e->hist[i]);
        e->hist[i] = 0;
    }
    e->nhist = 0;
}

static int next_char(struct lineedit *e)
{
    for (;;) {
        int c = app_getc(e->a);
        if (c >= 0)
            return c;
        if (e->a->port->relax)
            e->a->port->relax(e->a->port->ctx);
    }
}

static void out(struct lineedit *e, const char *s, size_t n)
{
    app_write(e->a, s, n);
}

static void outs(struct lineedit *e, const char *s)
{
    out(e, s, vs_strlen(s));
}

/* Rewrites the current screen line: prompt, text, clear the rest, and puts
 * the cursor back where it belongs. */
static void refresh(struct lineedit *e)
{
    outs(e, "\r");
    outs(e, e->prompt);
    out(e, e->buf, e->len);
    outs(e, "\x1b[K");
    if (e->cur < e->len)
        app_printf(e->a, "\x1b[%zuD", e->len - e->cur);
}

void le_redraw(struct lineedit *e)
{
    outs(e, "\n");
    refresh(e);
}

void le_insert(struct lineedit *e, const char *s, size_t n)
{
    if (n > LE_LINE_MAX - 1 - e->len)
        n = LE_LINE_MAX - 1 - e->len;
    if (!n)
        return;
    for (size_t i = e->len; i > e->cur; i--)
        e->buf[i - 1 + n] = e->buf[i - 1];
    vs_memcpy(e->buf + e->cur, s, n);
    e->len += n;
    e->cur += n;
    e->buf[e->len] = 0;
    if (e->cur == e->len)
        out(e, s, n); /* at the end: just echo */
    else
        refresh(e);
}

static void erase(struct lineedit *e, size_t from, size_t to)
{
    if (from >= to)
        return;
    for (size_t i = to; i < e->len; i++)
        e->buf[from + i - to] = e->buf[i];
    e->len -= to - from;
    e->buf[e->len] = 0;
    e->cur = from;
    refresh(e);
}

static void set_line(struct lineedit *e, const char *s)
{
    size_t n = vs_strlen(s);
    vs_memcpy(e->buf, s, n + 1);
    e->len = e->cur = n;
    refresh(e);
}

static const char *hist_at(struct lineedit *e, unsigned age)
{
    return e->hist[(e->newest + LE_HISTORY - age) % LE_HISTORY];
}

static void history_move(struct lineedit *e, int dir)
{
    int to = e->browse + dir;
    if (to < -1 || to >= (int)e->nhist)
        return;
    if (e->browse == -1)
        vs_memcpy(e->saved, e->buf, e->len + 1);
    e->browse = to;
    set_line(e, to == -1 ? e->saved : hist_at(e, (unsigned)to));
}

static void history_add(struct lineedit *e)
{
    bool blank = true;
    for (size_t i = 0; i < e->len; i++)
        blank = blank && (e->buf[i] == ' ' || e->buf[i] == '\t');
    if (blank)
        return;
    if (e->nhist) {
        const char *last = hist_at(e, 0);
        if (vs_strlen(last) == e->len && !vs_memcmp(last, e->buf, e->len))
            return;
    }
    char *copy = e->a->port->alloc(e->a->port->ctx, e->len + 1);
    if (!copy)
        return;
    vs_memcpy(copy, e->buf, e->len + 1);
    unsigned slot = e->nhist ? (e->newest + 1) % LE_HISTORY : e->newest;
    e->a->port->free(e->a->port->ctx, e->hist[slot]);
    e->hist[slot] = copy;
    e->newest = slot;
    if (e->nhist < LE_HISTORY)
        e->nhist++;
}

enum key { K_NONE, K_LEFT, K_RIGHT, K_UP, K_DOWN, K_HOME, K_END, K_DELETE };

/* After ESC: CSI (ESC [ params final) or SS3 (ESC O final). */
static enum key escape(struct lineedit *e)
{
    int c = next_char(e);
    if (c != '[' && c != 'O')
        return K_NONE;
    unsigned param = 0;
    int f;
    for (int i = 0; i < 16; i++) {
        f = next_char(e);
        if (f >= '0' && f <= '9') {
            param = param * 10 + (unsigned)(f - '0');
            continue;
        }
        if (f == ';')
            continue;
        break;
    }
    switch (f) {
    case 'A': return K_UP;
    case 'B': return K_DOWN;
    case 'C': return K_RIGHT;
    case 'D': return K_LEFT;
    case 'H': return K_HOME;
    case 'F': return K_END;
    case '~':
        switch (param) {
        case 1: case 7: return K_HOME;
        case 4: case 8: return K_END;
        case 3: return K_DELETE;
        default: return K_NONE;
        }
    default: return K_NONE;
    }
}

static void move_to(struct lineedit *e, size_t pos)
{
    if (pos == e->cur)
        return;
    if (pos < e->cur)
        app_printf(e->a, "\x1b[%zuD", e->cur - pos);
    else
        app_printf(e->a, "\x1b[%zuC", pos - e->cur);
    e->cur = pos;
}

static void key(struct lineedit *e, enum key k)
{
    switch (k) {
    case K_LEFT:
        if (e->cur)
            move_to(e, e->cur - 1);
        break;
    case K_RIGHT:
        if (e->cur < e->len)
            move_to(e, e->cur + 1);
        break;
    case K_HOME:
        move_to(e, 0);
        break;
    case K_END:
        move_to(e, e->len);
        break;
    case K_UP:
        history_move(e, 1);
        break;
    case K_DOWN:
        history_move(e, -1);
        break;
    case K_DELETE:
        if (e->cur < e->len)
            erase(e, e->cur, e->cur + 1);
        break;
    case K_NONE:
        break;
    }
}

int le_read(struct lineedit *e)
{
    return le_edit(e, "");
}

int le_edit(struct lineedit *e, const char *text)
{
    e->len = e->cur = 0;
    e->buf[0] = 0;
    e->browse = -1;
    outs(e, e->prompt);
    le_insert(e, text, VS_MIN(vs_strlen(text), (size_t)LE_LINE_MAX - 1));
    for (;;) {
        int c = next_char(e);
        bool after_cr = e->after_cr;
        e->after_cr = c == '\r';
        switch (c) {
        case '\n':
            if (after_cr)
                break; /* the LF of CR LF */
            /* fall through */
        case '\r':
            outs(e, "\n");
            history_add(e);
            return 0;
        case 0x03: /* Ctrl-C */
            outs(e, "^C\n");
            e->len = e->cur = 0;
            e->buf[0] = 0;
            return -VS_EINTR;
        case 0x7f:
        case 0x08:
            if (e->cur) {
                if (e->cur == e->len) { /* at the end: rub out in place */
                    e->buf[--e->len] = 0;
                    e->cur--;
                    outs(e, "\b \b");
                } else {
                    erase(e, e->cur - 1, e->cur);
                }
            }
            break;
        case 0x04: key(e, K_DELETE); break;   /* Ctrl-D */
        case 0x01: key(e, K_HOME); break;     /* Ctrl-A */
        case 0x05: key(e, K_END); break;      /* Ctrl-E */
        case 0x02: key(e, K_LEFT); break;     /* Ctrl-B */
        case 0x06: key(e, K_RIGHT); break;    /* Ctrl-F */
        case 0x10: key(e, K_UP); break;       /* Ctrl-P */
        case 0x0e: key(e, K_DOWN); break;     /* Ctrl-N */
        case 0x0b: erase(e, e->cur, e->len); break; /* Ctrl-K */
        case 0x15: erase(e, 0, e->cur); break;      /* Ctrl-U */
        case 0x0c: refresh(e); break;               /* Ctrl-L */
        case '\t':
            if (e->complete)
                e->complete(e);
            break;
        case ESC:
            key(e, escape(e));
            break;
        default:
            if (c >= 0x20 && c < 0x7f) {
                char ch = (char)c;
                le_insert(e, &ch, 1);
            }
            break;
        }
    }
}
