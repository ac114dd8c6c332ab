/* SPDX-License-Identifier: BSD-2-Clause */
/* Running command lines and scripts: dispatch through the program's command
 * table (app_commands), error reporting, the `-` prefix.  No command lives
 * here: the table and the commands are apps/cmd/'s. */
#include "app.h"
#include "cmdparse.h"
#include "escape.h"
#include "vioshare_version.h"
#include "vs_errno.h"

#define SCRIPT_MAX (1u << 20)

void app_init(struct app *a, const struct vs_port *port, struct fmt_out out)
{
    vs_memset(a, 0, sizeof(*a));
    a->port = port;
    a->out = out;
    a->exit_status = APP_EXIT_NONE;
    vfs_init(&a->vfs, port);
}

bool app_add_dev(struct app *a, const struct vs_transport *tr)
{
    if (a->ndevs == APP_MAX_DEVS)
        return false;
    struct app_dev *d = &a->devs[a->ndevs++];
    d->tr = tr;
    viofs_read_tag(tr, d->tag);
    d->mounted = false;
    return true;
}

void app_print_version(struct app *a)
{
    app_printf(a, "vioshare " VIOSHARE_VERSION);
    if (a->build_name)
        app_printf(a, " (%s)", a->build_name);
    app_printf(a, "\n");
}

void app_printf(struct app *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fmt_vprintf(&a->out, fmt, ap);
    va_end(ap);
}

void app_write(struct app *a, const void *s, size_t n)
{
    a->out.write(a->out.ctx, s, n);
}

void app_write_escaped(struct app *a, const char *s, size_t n)
{
    char buf[256];
    while (n) {
        /* Each input byte takes at most 4 output bytes. */
        size_t take = VS_MIN(n, (sizeof(buf) - 1) / 4);
        size_t len = escape_bytes(s, take, buf, sizeof(buf));
        app_write(a, buf, len);
        s += take;
        n -= take;
    }
}

void app_error(struct app *a, const char *cmd, const char *path, int err)
{
    app_printf(a, "error: %s: ", cmd);
    if (path) {
        app_write_escaped(a, path, vs_strlen(path));
        app_printf(a, ": ");
    }
    app_printf(a, "%s (%s)\n", vs_errno_name(err), vs_errno_text(err));
}

void app_usage(struct app *a, const char *cmd, int err, const char *message)
{
    app_printf(a, "error: %s: %s (%s)\n", cmd, vs_errno_name(err), message);
}

const char *app_command_name(int i)
{
    return i >= 0 && (size_t)i < app_ncommands ? app_commands[i].name : 0;
}

const char *app_command_usage(int i)
{
    return i >= 0 && (size_t)i < app_ncommands ? app_commands[i].usage : 0;
}

int app_getc(struct app *a)
{
    if (a->ntypeahead) {
        int c = a->typeahead[0];
        a->ntypeahead--;
        for (unsigned i = 0; i < a->ntypeahead; i++)
            a->typeahead[i] = a->typeahead[i + 1];
        return c;
    }
    return a->read_char ? a->read_char(a->read_ctx) : -1;
}

bool app_interrupted(struct app *a)
{
    if (a->interrupted)
        return true;
    if (!a->read_char)
        return false;
    for (int i = 0; i < 64; i++) {
        int c = a->read_char(a->read_ctx);
        if (c < 0)
            break;
        if (c == 0x03) {
            a->interrupted = true;
            a->ntypeahead = 0; /* what was typed ahead goes with the command */
            return true;
        }
        if (a->ntypeahead < sizeof(a->typeahead))
            a->typeahead[a->ntypeahead++] = (uint8_t)c;
    }
    return false;
}

/* Runs one parsed command; returns 0 or a negative errno. */
static int dispatch(struct app *a, struct cmd *c)
{
    for (size_t i = 0; i < app_ncommands; i++) {
        if (vs_streq(c->argv[0], app_commands[i].name))
            return app_commands[i].fn(a, c->argc, c->argv);
    }
    app_usage(a, c->argv[0], -VS_ENOSYS, "unknown command");
    return -VS_ENOSYS;
}

int app_exec_line(struct app *a, char *line)
{
    char *pos = line;
    for (;;) {
        struct cmd c;
        const char *why = "";
        int r = cmd_next(&pos, &c, &why);
        if (r == 0)
            return 0;
        if (r < 0) {
            app_usage(a, "parse", r, why);
            a->exit_status = 1;
            return 1;
        }
        int err = dispatch(a, &c);
        if (a->exit_status != APP_EXIT_NONE)
            return 1;
        if (err && (!c.may_fail || a->interrupted)) {
            a->exit_status = 1;
            return 1;
        }
    }
}

/* Cuts a script line at its comment: a '#' that starts a word, outside
 * double quotes (a literal '#' there is written \x23). */
static void strip_comment(char *p)
{
    bool quoted = false;
    for (char *c = p; *c; c++) {
        if (*c == '"')
            quoted = !quoted;
        else if (*c == '#' && !quoted && (c == p || c[-1] == ' ' || c[-1] == '\t' || c[-1] == ';')) {
            *c = 0;
            return;
        }
    }
}

int app_run_script(struct app *a, const char *path)
{
    if (a->script_depth >= APP_MAX_SCRIPT_DEPTH) {
        app_printf(a, "error: run: ");
        app_write_escaped(a, path, vs_strlen(path));
        app_printf(a, ": ELOOP (scripts nested %d deep: does a script run itself?)\n", APP_MAX_SCRIPT_DEPTH);
        return -VS_ELOOP;
    }
    struct vfs_stat st;
    int fd = vfs_open(&a->vfs, path, VFS_O_RDONLY, 0);
    int err = fd < 0 ? fd : vfs_fstat(&a->vfs, fd, &st);
    if (!err && st.size > SCRIPT_MAX)
        err = -VS_EFBIG;
    char *text = 0;
    if (!err) {
        text = a->port->alloc(a->port->ctx, (size_t)st.size + 1);
        if (!text)
            err = -VS_ENOMEM;
    }
    int64_t got = 0;
    if (!err) {
        got = vfs_pread(&a->vfs, fd, text, (size_t)st.size, 0);
        if (got < 0)
            err = (int)got;
    }
    if (fd >= 0)
        vfs_close(&a->vfs, fd);
    if (err) {
        app_error(a, "run", path, err);
        a->port->free(a->port->ctx, text);
        return err;
    }
    text[got] = 0;

    /* One command line per line, '#' comments; a failure names FILE:LINE. */
    if (a->script_depth++ == 0)
        a->failure_located = false;
    int ended = 0;
    unsigned lineno = 0;
    for (char *line = text; !ended && *line;) {
        char *end = line;
        while (*end && *end != '\n')
            end++;
        char next = *end;
        *end = 0;
        lineno++;
        char *p = line;
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        strip_comment(p);
        ended = app_exec_line(a, p);
        if (ended && a->exit_status != 0 && !a->exit_requested && !a->failure_located) {
            app_printf(a, "  (at ");
            app_write_escaped(a, path, vs_strlen(path));
            app_printf(a, ":%u)\n", lineno);
            a->failure_located = true;
        }
        line = next ? end + 1 : end;
    }
    a->script_depth--;
    a->port->free(a->port->ctx, text);
    /* A failure inside has been reported and set the status; stop the caller too. */
    return ended && a->exit_status != 0 ? -VS_EINTR : 0;
}

void app_mount_all(struct app *a)
{
    if (!a->ndevs)
        app_printf(a, "no virtio-fs device found: %s\n",
                   a->no_device_hint ? a->no_device_hint
                                     : "QEMU needs -device vhost-user-fs-pci,chardev=ID,tag=TAG and "
                                       "-chardev socket,id=ID,path=SOCKET of a running virtiofsd");
    for (int i = 0; i < a->ndevs; i++) {
        struct app_dev *d = &a->devs[i];
        if (d->mounted) /* again after `chain`: only what it unmounted */
            continue;
        char path[VIOFS_TAG_MAX + 2];
        path[0] = '/';
        vs_memcpy(path + 1, d->tag, vs_strlen(d->tag) + 1);
        int err = vfs_mount(&a->vfs, d->tr, path, 0);
        if (err)
            app_mount_failed(a, path, err, false);
        else
            d->mounted = true;
    }
}
