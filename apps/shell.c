/* `shell`: commands read from the console, one line at a time, until `exit`.
 * A failing command is reported and the shell goes on. */
#include "app.h"
#include "vs_errno.h"

#define LINE_MAX 4096
#define PROMPT "vioshare> "

/* Waits for the next byte of input. */
static int next_char(struct app *a)
{
    for (;;) {
        int c = a->read_char(a->read_ctx);
        if (c >= 0)
            return c;
        if (a->port->relax)
            a->port->relax(a->port->ctx);
    }
}

/* Reads one line with echo and backspace into buf (NUL-terminated). */
static void read_line(struct app *a, char *buf)
{
    size_t len = 0;
    for (;;) {
        int c = next_char(a);
        if (c == '\r' || c == '\n') {
            app_printf(a, "\n");
            buf[len] = 0;
            return;
        }
        if ((c == 0x7f || c == 0x08) && len > 0) {
            len--;
            app_printf(a, "\b \b");
        } else if (c == 0x03) { /* Ctrl-C: abandon the line */
            app_printf(a, "^C\n" PROMPT);
            len = 0;
        } else if (c >= 0x20 && c < 0x7f && len + 1 < LINE_MAX) {
            buf[len++] = (char)c;
            char ch = (char)c;
            app_write(a, &ch, 1);
        }
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
    char *line = a->port->alloc(a->port->ctx, LINE_MAX);
    if (!line) {
        app_usage(a, "shell", -VS_ENOMEM, "out of memory");
        return -VS_ENOMEM;
    }
    for (;;) {
        app_printf(a, PROMPT);
        read_line(a, line);
        if (app_exec_line(a, line) && a->exit_requested)
            break;
        a->exit_status = APP_EXIT_NONE; /* a failure ends the command, not the shell */
    }
    a->port->free(a->port->ctx, line);
    return 0;
}
