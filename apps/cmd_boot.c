/* `boot KERNEL [initrd=PATH] [CMDLINE...]` (SPEC §4): reads the kernel and
 * the initrd from the share into memory, then hands them to the platform's
 * boot hook, which starts the kernel and does not come back on success. */
#include "app.h"
#include "fmt.h"
#include "vs_errno.h"

#define BOOT_CHUNK (1u << 20)
/* Files at least this big get progress lines and a summary. */
#define BOOT_PROGRESS_MIN (1u << 20)
/* At most one progress line per this many nanoseconds. */
#define BOOT_PROGRESS_NS 500000000ull
#define INITRD_PREFIX "initrd="

static const char usage[] = "usage: boot KERNEL [initrd=PATH] [CMDLINE...]";

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

/* Reads all of path into a buffer from port->alloc; *buf is NULL on error
 * (reported as coming from boot). */
static int load_file(struct app *a, const char *path, void **buf, size_t *size)
{
    struct vfs *v = &a->vfs;
    *buf = NULL;
    *size = 0;
    int fd = vfs_open(v, path, VFS_O_RDONLY, 0);
    if (fd < 0) {
        app_error(a, "boot", path, fd);
        return fd;
    }
    struct vfs_stat st;
    int err = vfs_fstat(v, fd, &st);
    if (!err && (st.mode & VS_S_IFMT) == VS_S_IFDIR)
        err = -VS_EISDIR;
    else if (!err && (st.mode & VS_S_IFMT) != VS_S_IFREG)
        err = -VS_EINVAL;
    else if (!err && st.size > (uint64_t)SIZE_MAX - 1)
        err = -VS_EFBIG;
    uint8_t *p = NULL;
    uint64_t total = err ? 0 : st.size;
    if (!err) {
        /* At least one byte: an empty file still gets a buffer. */
        p = a->port->alloc(a->port->ctx, total ? (size_t)total : 1);
        if (!p)
            err = -VS_ENOMEM;
    }
    uint64_t t0 = now(a), last = t0, done = 0;
    while (!err && done < total) {
        size_t want = (size_t)VS_MIN(total - done, (uint64_t)BOOT_CHUNK);
        int64_t got = app_interrupted(a) ? -VS_EINTR : vfs_pread(v, fd, p + done, want, done);
        if (got < 0) {
            err = (int)got;
            break;
        }
        if (got == 0) {
            err = -VS_EIO; /* the file shrank while we read it */
            break;
        }
        done += (uint64_t)got;
        uint64_t t = now(a);
        if (total >= BOOT_PROGRESS_MIN && done < total && t - last >= BOOT_PROGRESS_NS) {
            print_progress(a, "loading", path, done, total, t - t0);
            last = t;
        }
    }
    vfs_close(v, fd);
    if (err) {
        a->port->free(a->port->ctx, p);
        app_error(a, "boot", path, err);
        return err;
    }
    if (total >= BOOT_PROGRESS_MIN)
        print_progress(a, "loaded", path, done, total, now(a) - t0);
    *buf = p;
    *size = (size_t)total;
    return 0;
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

int cmd_boot(struct app *a, int argc, char **argv)
{
    if (argc < 2) {
        app_usage(a, "boot", -VS_EINVAL, usage);
        return -VS_EINVAL;
    }
    const char *kernel_path = argv[1], *initrd_path = NULL;
    size_t cmdline_len = 0;
    for (int i = 2; i < argc; i++) {
        if (starts_with(argv[i], INITRD_PREFIX)) {
            const char *p = argv[i] + sizeof(INITRD_PREFIX) - 1;
            if (initrd_path || !*p) {
                app_usage(a, "boot", -VS_EINVAL, initrd_path ? "initrd= given twice" : "initrd= needs a path");
                return -VS_EINVAL;
            }
            initrd_path = p;
        } else {
            cmdline_len += vs_strlen(argv[i]) + 1;
        }
    }
    if (!a->boot) {
        app_usage(a, "boot", -VS_ENOTSUP, "this platform cannot boot kernels");
        return -VS_ENOTSUP;
    }

    /* The words that are not initrd= form the command line, blank-separated. */
    char *cmdline = a->port->alloc(a->port->ctx, cmdline_len + 1);
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

    struct app_boot b = {.kernel_path = kernel_path, .initrd_path = initrd_path, .cmdline = cmdline};
    int err = load_file(a, kernel_path, &b.kernel, &b.kernel_size);
    if (!err && initrd_path) {
        err = load_file(a, initrd_path, &b.initrd, &b.initrd_size);
        if (err)
            a->port->free(a->port->ctx, b.kernel);
    }
    if (err) {
        a->port->free(a->port->ctx, cmdline);
        return err;
    }

    /* Returns only on failure; the buffers are the platform's from here. */
    const char *why = NULL;
    err = a->boot(a, &b, &why);
    if (err >= 0)
        err = -VS_EIO;
    app_printf(a, "error: boot: ");
    app_write_escaped(a, kernel_path, vs_strlen(kernel_path));
    app_printf(a, ": %s (%s)\n", vs_errno_name(err), why && *why ? why : vs_errno_text(err));
    a->port->free(a->port->ctx, cmdline);
    return err;
}
