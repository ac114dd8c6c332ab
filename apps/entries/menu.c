/* SPDX-License-Identifier: BSD-2-Clause */
/* `menu [SECONDS]` (SPEC §4): the boot entries on the console, a countdown
 * to the default that any key stops, then: digits (1-9) or Up/Down choose,
 * Enter boots, `e` edits the chosen entry's command line with the shell's
 * line editor (Enter boots with it, Ctrl-C comes back), Esc returns to
 * whoever ran `menu`.  A boot that fails after the countdown ends the
 * command with its error; one the user chose returns to the menu. */
#include "entries.h"
#include "commands.h"
#include "lineedit.h"
#include "numparse.h"
#include "vs_errno.h"

#define ESC 0x1b
/* A lone Esc: no '[' or 'O' within this time after it. */
#define ESC_WAIT_NS 100000000ull
#define DEFAULT_TIMEOUT 5
#define SECOND_NS 1000000000ull

enum { M_NONE = -1, M_UP = -2, M_DOWN = -3, M_ESC = -4 };

static uint64_t now(struct app *a)
{
    return a->port->now_ns(a->port->ctx);
}

/* The next byte before the deadline (0: none), or -1. */
static int getc_until(struct app *a, uint64_t deadline)
{
    for (;;) {
        int c = app_getc(a);
        if (c >= 0 || (deadline && now(a) >= deadline))
            return c;
        if (a->port->relax)
            a->port->relax(a->port->ctx);
    }
}

/* A key: a byte, or M_UP/M_DOWN for the arrows, M_ESC for a lone Esc
 * (other escape sequences are M_NONE). */
static int read_key(struct app *a, uint64_t deadline)
{
    int c = getc_until(a, deadline);
    if (c != ESC)
        return c < 0 ? M_NONE : c;
    int b = getc_until(a, now(a) + ESC_WAIT_NS);
    if (b != '[' && b != 'O')
        return M_ESC;
    int f;
    do
        f = getc_until(a, now(a) + ESC_WAIT_NS);
    while ((f >= '0' && f <= '9') || f == ';');
    return f == 'A' ? M_UP : f == 'B' ? M_DOWN : M_NONE;
}

static void draw(struct app *a, const struct entry_list *l, size_t sel)
{
    app_printf(a, "\nBoot entries (digit or arrows: choose, Enter: boot, e: edit the command line, "
                  "Esc: shell):\n");
    for (size_t i = 0; i < l->n; i++) {
        const struct boot_entry *e = l->v[i];
        app_printf(a, "%s%2u%c %s%s%s  [%s]\n", i == sel ? " > " : "   ", (unsigned)(i + 1), i == l->def ? '*' : ' ',
                   e->title, e->version[0] ? "  " : "", e->version, e->root);
    }
}

/* Edits the command line of e; true with the text in e's editor buffer. */
static bool edit(struct app *a, struct lineedit *le, const struct boot_entry *e)
{
    app_printf(a, "Edit the command line (Enter boots, Ctrl-C goes back):\n");
    return le_edit(le, e->options) == 0;
}

static int run_menu(struct app *a, struct entry_list *l, int timeout, struct lineedit *le)
{
    size_t sel = l->def;
    draw(a, l, sel);
    /* The countdown: a line rewritten every second until a key, which
     * then counts as the first key of the menu. */
    uint64_t start = now(a);
    int k = M_NONE;
    for (int left = timeout; left >= 0 && timeout != BE_TIMEOUT_FOREVER; left--) {
        app_printf(a, "\rbooting entry %u in %d s (any key stops the countdown)\x1b[K", (unsigned)(sel + 1), left);
        if (!left) {
            app_printf(a, "\n");
            return entries_boot(a, l->v[sel], NULL);
        }
        k = read_key(a, start + (uint64_t)(timeout - left + 1) * SECOND_NS);
        if (k != M_NONE) {
            app_printf(a, "\rcountdown stopped\x1b[K\n");
            break;
        }
    }
    for (;; k = M_NONE) {
        if (k == M_NONE)
            k = read_key(a, 0);
        size_t was = sel;
        if (k == M_ESC)
            return 0;
        if (k == M_UP && sel > 0)
            sel--;
        else if (k == M_DOWN && sel + 1 < l->n)
            sel++;
        else if (k >= '1' && k <= '9' && (size_t)(k - '1') < l->n)
            sel = (size_t)(k - '1');
        else if (k == '\r' || k == '\n' || k == 'e') {
            if (k == 'e' && !edit(a, le, l->v[sel])) {
                draw(a, l, sel);
                continue;
            }
            entries_boot(a, l->v[sel], k == 'e' ? le->buf : NULL);
            draw(a, l, sel); /* it failed, and said why */
            continue;
        }
        if (sel != was)
            draw(a, l, sel);
    }
}

/* The menu over l with timeout; frees l. */
static int menu_over(struct app *a, struct entry_list *l, int timeout)
{
    struct lineedit *le = a->port->alloc(a->port->ctx, sizeof(*le));
    int err = -VS_ENOMEM;
    if (!le) {
        app_usage(a, "menu", err, "out of memory");
    } else {
        le_init(le, a, "cmdline> ");
        err = run_menu(a, l, timeout, le);
        le_fini(le);
        a->port->free(a->port->ctx, le);
    }
    entries_free(a, l);
    return err;
}

static int configured(const struct entry_list *l)
{
    return l->timeout == BE_TIMEOUT_UNSET ? DEFAULT_TIMEOUT : l->timeout;
}

int cmd_menu(struct app *a, int argc, char **argv)
{
    uint64_t secs = 0;
    if (argc > 2 || (argc == 2 && (parse_u64(argv[1], &secs) || secs > 86400))) {
        app_usage(a, "menu", -VS_EINVAL, "usage: menu [SECONDS], SECONDS from 0 to 86400");
        return -VS_EINVAL;
    }
    if (!a->read_char) {
        app_usage(a, "menu", -VS_ENOTSUP, "no console input on this platform");
        return -VS_ENOTSUP;
    }
    struct entry_list l;
    int err = entries_find(a, &l);
    if (err)
        return err;
    if (!l.n) {
        app_printf(a, "menu: no boot entries on the mounted shares\n");
        entries_free(a, &l);
        return 0;
    }
    return menu_over(a, &l, argc == 2 ? (int)secs : configured(&l));
}

bool app_menu_if_entries(struct app *a)
{
    struct entry_list l;
    if (!a->read_char || entries_find(a, &l))
        return false;
    if (!l.n) {
        entries_free(a, &l);
        return false;
    }
    if (menu_over(a, &l, configured(&l)) == 0) {
        char *argv[] = {"shell", 0};
        cmd_shell(a, 1, argv); /* Esc: to the shell, as `menu` from it would */
    } else if (a->exit_status == APP_EXIT_NONE) {
        a->exit_status = 1;
    }
    return true;
}
