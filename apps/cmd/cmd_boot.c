/* SPDX-License-Identifier: BSD-2-Clause */
/* `boot KERNEL [initrd=PATH[,PATH...]] [CMDLINE...]` (SPEC §4): reads the
 * kernel and the initrds (one after another, 4-byte aligned) from the shares
 * into memory, then hands them to the platform's boot hook, which starts the
 * kernel and does not come back on success.  `boot -e N` and `boot
 * --default` boot a discovered entry (entries.c). */
#include "commands.h"
#include "bootload.h"
#include "entries.h"
#include "fmt.h"
#include "vfs_aio.h"
#include "vs_errno.h"

#define BOOT_CHUNK (1u << 20)
/* Reads of BOOT_CHUNK in flight while loading a file. */
#define BOOT_AHEAD 3
/* Files at least this big get progress lines and a summary. */
#define BOOT_PROGRESS_MIN (1u << 20)
/* At most one progress line per this many nanoseconds. */
#define BOOT_PROGRESS_NS 500000000ull
#define INITRD_PREFIX "initrd="
#define BOOT_MAX_INITRDS 8

static const char usage[] = "usage: boot KERNEL [initrd=PATH[,PATH...]] [CMDLINE...] | boot -e N | boot --default";

static uint64_t now(struct app *a)
{
    return a->port->now_ns(a->port->ctx);
}

/* "N/TOTAL bytes, X.Y MB/s" with fixed-point arithmetic (no floating point). */
static void print_progress(struct app *a, const char *what, const char *path, uint64_t done, uint64_t total,
                           uint64_t ns)
{
    uint64_t us = ns / 1000 ? ns / 1000 : 1;
    uint64_t tenths = done * 10 / us; /* bytes/us = MB/s */
    uint64_t ms = ns / 1000000;
    app_printf(a, "boot: %s ", what);
    app_write_escaped(a, path, vs_strlen(path));
    app_printf(a, ": %llu/%llu bytes, %llu.%03llu s, %llu.%llu MB/s\n", (unsigned long long)done,
               (unsigned long long)total, (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000),
               (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10));
}

/* Opens path as a regular file to boot from; *size its size. */
static int open_regular(struct app *a, const char *path, uint64_t *size)
{
    struct vfs *v = &a->vfs;
    int fd = vfs_open(v, path, VFS_O_RDONLY, 0);
    if (fd < 0)
        return fd;
    struct vfs_stat st;
    int err = vfs_fstat(v, fd, &st);
    if (!err && (st.mode & VS_S_IFMT) == VS_S_IFDIR)
        err = -VS_EISDIR;
    else if (!err && (st.mode & VS_S_IFMT) != VS_S_IFREG)
        err = -VS_EINVAL;
    else if (!err && st.size > (uint64_t)SIZE_MAX / 2)
        err = -VS_EFBIG;
    if (err) {
        vfs_close(v, fd);
        return err;
    }
    *size = st.size;
    return fd;
}

/* Reads total bytes of fd into p, with progress lines for big files.  Up
 * to BOOT_AHEAD reads of BOOT_CHUNK are in flight (vfs_aio.h), each straight
 * into its place, so the device never waits for the next one. */
static int read_all(struct app *a, int fd, const char *path, uint8_t *p, uint64_t total)
{
    struct vfs_aio ops[BOOT_AHEAD];
    uint64_t t0 = now(a), last = t0, done = 0, sent = 0;
    unsigned head = 0, n = 0;
    int err = 0;
    for (;;) {
        while (!err && n < BOOT_AHEAD && sent < total) {
            struct vfs_aio *op = &ops[(head + n) % BOOT_AHEAD];
            size_t want = (size_t)VS_MIN(total - sent, (uint64_t)BOOT_CHUNK);
            *op = (struct vfs_aio){.fd = fd, .buf = p + sent, .len = want, .off = sent};
            err = app_interrupted(a) ? -VS_EINTR : vfs_aio_submit(&a->vfs, op);
            if (!err) {
                sent += want;
                n++;
            }
        }
        if (!n)
            break;
        /* Every read in flight is waited for, even after a failure: they
         * write into p. */
        struct vfs_aio *op = &ops[head];
        head = (head + 1) % BOOT_AHEAD;
        n--;
        int64_t got = vfs_aio_wait(&a->vfs, op);
        if (err || done != op->off)
            continue; /* failed, or read past a short read: dropped */
        if (got <= 0) {
            err = got ? (int)got : -VS_EIO; /* 0: the file shrank while we read it */
            continue;
        }
        done += (uint64_t)got;
        if (done < op->off + op->len)
            sent = done; /* short: what follows is read again from here */
        uint64_t t = now(a);
        if (total >= BOOT_PROGRESS_MIN && done < total && t - last >= BOOT_PROGRESS_NS) {
            print_progress(a, "loading", path, done, total, t - t0);
            last = t;
        }
    }
    if (err)
        return err;
    if (total >= BOOT_PROGRESS_MIN)
        print_progress(a, "loaded", path, done, total, now(a) - t0);
    return 0;
}

int boot_load(struct app *a, const char *path, void **buf, size_t *size)
{
    *buf = NULL;
    *size = 0;
    uint64_t total = 0;
    int fd = open_regular(a, path, &total), err = fd < 0 ? fd : 0;
    /* At least one byte: an empty file still gets a buffer. */
    uint8_t *p = err ? NULL : a->port->alloc(a->port->ctx, total ? (size_t)total : 1);
    if (!err && !p)
        err = -VS_ENOMEM;
    if (!err)
        err = read_all(a, fd, path, p, total);
    if (fd >= 0)
        vfs_close(&a->vfs, fd);
    if (err) {
        a->port->free(a->port->ctx, p);
        app_error(a, "boot", path, err);
        return err;
    }
    *buf = p;
    *size = (size_t)total;
    return 0;
}

int boot_load_initrds(struct app *a, const char *const *paths, unsigned n, void **buf, size_t *size)
{
    uint64_t sizes[BOOT_MAX_INITRDS], total = 0;
    *buf = NULL;
    *size = 0;
    if (n > BOOT_MAX_INITRDS) {
        app_usage(a, "boot", -VS_E2BIG, "more than 8 initrds");
        return -VS_E2BIG;
    }
    for (unsigned i = 0; i < n; i++) {
        int fd = open_regular(a, paths[i], &sizes[i]);
        if (fd < 0) {
            app_error(a, "boot", paths[i], fd);
            return fd;
        }
        vfs_close(&a->vfs, fd);
        total = VS_ALIGN_UP(total, 4) + sizes[i];
    }
    if (!n)
        return 0;
    if (total > SIZE_MAX / 2) {
        app_error(a, "boot", paths[0], -VS_EFBIG);
        return -VS_EFBIG;
    }
    uint8_t *p = a->port->alloc(a->port->ctx, total ? (size_t)total : 1);
    if (!p) {
        app_error(a, "boot", paths[0], -VS_ENOMEM);
        return -VS_ENOMEM;
    }
    uint64_t at = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t start = VS_ALIGN_UP(at, 4);
        vs_memset(p + at, 0, (size_t)(start - at));
        uint64_t got = 0;
        int fd = open_regular(a, paths[i], &got);
        /* The file must still have the size we made room for. */
        int err = fd < 0 ? fd : got != sizes[i] ? -VS_EIO : read_all(a, fd, paths[i], p + start, got);
        if (fd >= 0)
            vfs_close(&a->vfs, fd);
        if (err) {
            a->port->free(a->port->ctx, p);
            app_error(a, "boot", paths[i], err);
            return err;
        }
        at = start + got;
    }
    *buf = p;
    *size = (size_t)total;
    return 0;
}

int boot_start(struct app *a, struct app_boot *b)
{
    if (!a->boot) {
        a->port->free(a->port->ctx, b->kernel);
        a->port->free(a->port->ctx, b->initrd);
        app_usage(a, "boot", -VS_ENOTSUP, "this platform cannot boot kernels");
        return -VS_ENOTSUP;
    }
    /* Returns only on failure; the buffers are the platform's from here. */
    const char *why = NULL;
    int err = a->boot(a, b, &why);
    if (err >= 0)
        err = -VS_EIO;
    app_printf(a, "error: boot: ");
    app_write_escaped(a, b->kernel_path, vs_strlen(b->kernel_path));
    app_printf(a, ": %s (%s)\n", vs_errno_name(err), why && *why ? why : vs_errno_text(err));
    return err;
}

static bool starts_with(const char *s, const char *prefix)
{
    size_t n = vs_strlen(prefix);
    return vs_strlen(s) >= n && !vs_memcmp(s, prefix, n);
}

void app_boot_starting(struct app *a, const struct app_boot *b)
{
    app_printf(a, "boot: starting ");
    app_write_escaped(a, b->kernel_path, vs_strlen(b->kernel_path));
    app_printf(a, " (%llu bytes", (unsigned long long)b->kernel_size);
    if (b->initrd_path) {
        app_printf(a, ", initrd ");
        app_write_escaped(a, b->initrd_path, vs_strlen(b->initrd_path));
        app_printf(a, " %llu bytes", (unsigned long long)b->initrd_size);
    }
    app_printf(a, ") with command line \"%s\"\n", b->cmdline);
}

int app_boot_fail(const char **why, int err, const char *fmt, ...)
{
    static char reason[160];
    va_list ap;
    va_start(ap, fmt);
    vs_vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    *why = reason;
    return err;
}

/* initrd=A,B: the comma-separated paths, split in place. */
static unsigned split_initrds(char *list, const char **paths)
{
    unsigned n = 0;
    for (char *p = list; *p && n < BOOT_MAX_INITRDS + 1;) {
        char *c = p;
        while (*c && *c != ',')
            c++;
        bool last = !*c;
        *c = 0;
        if (*p)
            paths[n++] = p;
        p = last ? c : c + 1;
    }
    return n;
}

int cmd_boot(struct app *a, int argc, char **argv)
{
    if (argc >= 2 && argv[1][0] == '-')
        return entries_boot_cmd(a, argc, argv);
    if (argc < 2) {
        app_usage(a, "boot", -VS_EINVAL, usage);
        return -VS_EINVAL;
    }
    const char *kernel_path = argv[1], *initrd_arg = NULL;
    size_t cmdline_len = 0;
    for (int i = 2; i < argc; i++) {
        if (starts_with(argv[i], INITRD_PREFIX)) {
            const char *p = argv[i] + sizeof(INITRD_PREFIX) - 1;
            if (initrd_arg || !*p) {
                app_usage(a, "boot", -VS_EINVAL, initrd_arg ? "initrd= given twice" : "initrd= needs a path");
                return -VS_EINVAL;
            }
            initrd_arg = p;
        } else {
            cmdline_len += vs_strlen(argv[i]) + 1;
        }
    }
    if (!a->boot) {
        app_usage(a, "boot", -VS_ENOTSUP, "this platform cannot boot kernels");
        return -VS_ENOTSUP;
    }

    /* The words that are not initrd= form the command line, blank-separated;
     * after it, a copy of the initrd list to split. */
    size_t ilen = initrd_arg ? vs_strlen(initrd_arg) + 1 : 0;
    char *cmdline = a->port->alloc(a->port->ctx, cmdline_len + 1 + ilen);
    if (!cmdline) {
        app_usage(a, "boot", -VS_ENOMEM, "no memory for the command line");
        return -VS_ENOMEM;
    }
    size_t at = 0;
    for (int i = 2; i < argc; i++) {
        if (starts_with(argv[i], INITRD_PREFIX))
            continue;
        if (at)
            cmdline[at++] = ' ';
        size_t n = vs_strlen(argv[i]);
        vs_memcpy(cmdline + at, argv[i], n);
        at += n;
    }
    cmdline[at] = 0;
    const char *initrds[BOOT_MAX_INITRDS + 1];
    unsigned ninitrd = 0;
    if (initrd_arg) {
        char *list = cmdline + cmdline_len + 1;
        vs_memcpy(list, initrd_arg, ilen);
        ninitrd = split_initrds(list, initrds);
    }

    struct app_boot b = {.kernel_path = kernel_path, .initrd_path = initrd_arg, .cmdline = cmdline};
    int err = boot_load(a, kernel_path, &b.kernel, &b.kernel_size);
    if (!err)
        err = boot_load_initrds(a, initrds, ninitrd, &b.initrd, &b.initrd_size);
    if (err)
        a->port->free(a->port->ctx, b.kernel);
    else
        err = boot_start(a, &b);
    a->port->free(a->port->ctx, cmdline);
    return err;
}
