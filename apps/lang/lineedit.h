/* SPDX-License-Identifier: BSD-2-Clause */
/* A line editor for the console: the shell's prompt, editing keys,
 * history and a Tab hook.  Output goes through the app's console; input
 * comes from app_getc (polled, with the port's relax in between).
 *
 * Keys: printable bytes insert; Backspace (0x7f, 0x08) and Delete (ESC [3~,
 * Ctrl-D) erase; Left/Right (ESC [D / [C, also ESC O D/C, Ctrl-B/F) move;
 * Home/End (ESC [H / [F, ESC [1~ / [4~, ESC [7~ / [8~, ESC O H/F, Ctrl-A/E);
 * Up/Down (ESC [A / [B, Ctrl-P/N) walk the history; Ctrl-K/Ctrl-U cut to the
 * end/start; Ctrl-L redraws; Tab calls the completion hook; Ctrl-C abandons
 * the line; Enter (CR or LF; CR LF counts once) ends it. */
#ifndef VS_LINEEDIT_H
#define VS_LINEEDIT_H

#include "app.h"

#define LE_LINE_MAX 4096
#define LE_HISTORY 32

struct lineedit {
    struct app *a;
    const char *prompt;
    char buf[LE_LINE_MAX];      /* NUL-terminated, printable bytes only */
    size_t len, cur;
    /* History: a ring of copies (port->alloc), hist[(newest - age) % N]. */
    char *hist[LE_HISTORY];
    unsigned nhist, newest;
    int browse;                 /* -1: editing a new line; else the age shown */
    char saved[LE_LINE_MAX];    /* the new line while browsing */
    bool after_cr;
    /* Called on Tab with the editor; may insert text or print and redraw. */
    void (*complete)(struct lineedit *e);
};

void le_init(struct lineedit *e, struct app *a, const char *prompt);
/* Frees the history. */
void le_fini(struct lineedit *e);
/* Prints the prompt and reads a line into e->buf.  Returns 0, or -EINTR
 * when Ctrl-C abandoned it. */
int le_read(struct lineedit *e);
/* The same, starting from text (as if typed, cursor at its end). */
int le_edit(struct lineedit *e, const char *text);
/* Inserts n bytes at the cursor (and shows them). */
void le_insert(struct lineedit *e, const char *s, size_t n);
/* Prints the prompt and the line again on a fresh line (after a listing). */
void le_redraw(struct lineedit *e);

#endif
