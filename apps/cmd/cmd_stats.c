/* SPDX-License-Identifier: BSD-2-Clause */
/* Operator commands: `debug [LEVEL]`, `stats [-r] [PATH]`, `version`,
 * `help [COMMAND]`. */
#include "commands.h"
#include "numparse.h"
#include "vs_errno.h"

int cmd_debug(struct app *a, int argc, char **argv)
{
    uint64_t level = 0;
    if (argc > 2 || (argc == 2 && (parse_u64(argv[1], &level) || level > VS_TRACE_QUEUE))) {
        app_usage(a, "debug", -VS_EINVAL, "usage: debug [LEVEL], LEVEL 0 (off) to 3");
        return -VS_EINVAL;
    }
    if (argc == 1) {
        app_printf(a, "debug %d (new mounts)\n", a->debug);
        struct vfs_mount_info mi;
        for (int i = 0; i < VFS_MAX_MOUNTS; i++) {
            if (vfs_mount_info(&a->vfs, i, &mi))
                app_printf(a, "debug %u %s\n", (unsigned)mi.opts.debug, mi.path);
        }
        return 0;
    }
    a->debug = (int)level;
    vfs_set_debug(&a->vfs, -1, (int)level);
    return 0;
}

int app_mount_slot(struct app *a, const char *path)
{
    struct vfs_mount_info mi;
    for (int i = 0; i < VFS_MAX_MOUNTS; i++) {
        if (!vfs_mount_info(&a->vfs, i, &mi))
            continue;
        size_t n = vs_strlen(mi.path);
        if (!vs_memcmp(path, mi.path, n) && (path[n] == 0 || path[n] == '/'))
            return i;
    }
    return -1;
}

static void print_pct(struct app *a, const char *what, uint64_t hits, uint64_t misses)
{
    uint64_t all = hits + misses;
    app_printf(a, "  %s cache: %llu hits, %llu misses", what, (unsigned long long)hits, (unsigned long long)misses);
    if (all)
        app_printf(a, " (%llu.%llu%% hits)", (unsigned long long)(hits * 100 / all),
                   (unsigned long long)(hits * 1000 / all % 10));
    app_printf(a, "\n");
}

/* "S.mmm s" of ns. */
static void print_secs(struct app *a, uint64_t ns)
{
    uint64_t ms = ns / 1000000;
    app_printf(a, "%llu.%03llu s", (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000));
}

/* Where the time went: waiting for the device, and ringing its doorbell. */
static void print_time(struct app *a, const struct vs_stats *s)
{
    app_printf(a, "  time: ");
    print_secs(a, s->wait_ns);
    app_printf(a, " in %llu waits for a reply, ", (unsigned long long)s->waits);
    print_secs(a, s->doorbell_ns);
    app_printf(a, " in %llu doorbell writes", (unsigned long long)s->doorbells);
    if (s->doorbells) {
        uint64_t tenths = s->doorbell_ns / s->doorbells / 100;
        app_printf(a, " (%llu.%llu us each)", (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10));
    }
    app_printf(a, "\n");
}

static void print_mount(struct app *a, int slot)
{
    struct vfs_mount_info mi;
    const struct vs_stats *s = vfs_mount_stats(&a->vfs, slot);
    if (!s || !vfs_mount_info(&a->vfs, slot, &mi))
        return;
    uint64_t ms = (a->port->now_ns(a->port->ctx) - s->since_ns) / 1000000;
    app_printf(a, "%s (tag %s): %llu.%03llu s since mount or reset, in flight now %u, max %u, trace level %u\n",
               mi.path, mi.tag, (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000), s->inflight,
               s->inflight_max, (unsigned)mi.opts.debug);
    /* Between commands only requests sent without waiting can be in flight;
     * their replies are taken when the next request is made, not by `stats`
     * (waiting for them would hang it on a stalled device). */
    if (s->inflight)
        app_printf(a, "  %u in flight: sent without waiting (RELEASE, RELEASEDIR at a close); replies are taken with the "
                      "next request\n", s->inflight);
    app_printf(a, "  %-12s %8s %7s %14s %8s %8s %8s %8s\n", "OPCODE", "COUNT", "ERRORS", "BYTES", "MIN_us",
               "MED_us", "P99_us", "MAX_us");
    for (uint32_t op = 0; op < VS_STATS_OPS; op++) {
        const struct vs_opstat *o = &s->op[op];
        if (!o->count)
            continue;
        const char *name = op ? vs_fuse_opname(op) : "OTHER";
        if (op == FUSE_FORGET || op == FUSE_BATCH_FORGET) { /* no reply: nothing but the count */
            app_printf(a, "  %-12s %8llu %7s %14s %8s %8s %8s %8s\n", name, (unsigned long long)o->count, "-", "-",
                       "-", "-", "-", "-");
            continue;
        }
        if (!o->max_ns) { /* none answered yet (a RELEASE in flight) */
            app_printf(a, "  %-12s %8llu %7llu %14llu %8s %8s %8s %8s\n", name, (unsigned long long)o->count,
                       (unsigned long long)o->errors, (unsigned long long)o->bytes, "-", "-", "-", "-");
            continue;
        }
        app_printf(a, "  %-12s %8llu %7llu %14llu %8llu %8llu %8llu %8llu\n", name, (unsigned long long)o->count,
                   (unsigned long long)o->errors, (unsigned long long)o->bytes,
                   (unsigned long long)(o->min_ns / 1000), (unsigned long long)vs_opstat_quantile_us(o, 500),
                   (unsigned long long)vs_opstat_quantile_us(o, 990), (unsigned long long)(o->max_ns / 1000));
    }
    uint64_t sent = 0;
    for (uint32_t op = 0; op < VS_STATS_OPS; op++)
        sent += s->op[op].count;
    app_printf(a, "  requests: %llu sent, %llu waited for, %llu not (FORGET, BATCH_FORGET, RELEASE at a close)\n",
               (unsigned long long)sent, (unsigned long long)(sent - s->unanswered),
               (unsigned long long)s->unanswered);
    print_pct(a, "name", s->name_hits, s->name_misses);
    print_pct(a, "attr", s->attr_hits, s->attr_misses);
    print_time(a, s);
    app_printf(a, "  request queue: %llu kicks, %llu not needed (event index %s)\n", (unsigned long long)mi.kicks,
               (unsigned long long)mi.kicks_spared, mi.features & VS_F_RING_EVENT_IDX ? "on" : "off");
    if (mi.nudges)
        app_printf(a, "  kicks repeated after a second without an answer: %llu\n", (unsigned long long)mi.nudges);
}

int cmd_stats(struct app *a, int argc, char **argv)
{
    bool reset = argc >= 2 && vs_streq(argv[1], "-r");
    int first = 1 + reset;
    if (argc > first + 1) {
        app_usage(a, "stats", -VS_EINVAL, "usage: stats [-r] [PATH]");
        return -VS_EINVAL;
    }
    const char *path = argc > first ? argv[first] : 0;
    int only = -1;
    if (path && !vs_streq(path, "/")) {
        only = app_mount_slot(a, path);
        if (only < 0) {
            app_error(a, "stats", path, -VS_EINVAL);
            return -VS_EINVAL;
        }
    }
    for (int i = 0; i < VFS_MAX_MOUNTS; i++) {
        if (only >= 0 && i != only)
            continue;
        if (reset)
            vfs_mount_stats_reset(&a->vfs, i);
        else
            print_mount(a, i);
    }
    if (!reset && a->interrupts)
        app_printf(a, "interrupts: %llu MSI since boot\n", (unsigned long long)a->interrupts(a));
    uint64_t used, peak;
    if (!reset && a->heap_usage && a->heap_usage(a, &used, &peak))
        app_printf(a, "heap: %llu bytes in use, high-water %llu bytes\n", (unsigned long long)used,
                   (unsigned long long)peak);
    return 0;
}

int cmd_version(struct app *a, int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        app_usage(a, "version", -VS_EINVAL, "usage: version");
        return -VS_EINVAL;
    }
    app_print_version(a);
    return 0;
}

int cmd_help(struct app *a, int argc, char **argv)
{
    if (argc > 2) {
        app_usage(a, "help", -VS_EINVAL, "usage: help [COMMAND]");
        return -VS_EINVAL;
    }
    bool found = false;
    for (int i = 0; app_command_name(i); i++) {
        if (argc == 2 && !vs_streq(argv[1], app_command_name(i)))
            continue;
        app_printf(a, "  %s\n", app_command_usage(i));
        found = true;
    }
    if (!found) {
        app_printf(a, "error: help: ");
        app_write_escaped(a, argv[1], vs_strlen(argv[1]));
        app_printf(a, ": ENOENT (no such command; `help` lists them all)\n");
        return -VS_ENOENT;
    }
    if (argc == 1)
        app_printf(a, "Commands are separated by ';'; a leading '-' lets one fail without stopping.\n"
                      "In the shell: arrows, Home/End, Ctrl-A/E edit; Up/Down recall; Tab completes;\n"
                      "Ctrl-C abandons the line or the running command.\n");
    return 0;
}
