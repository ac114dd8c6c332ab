/* SPDX-License-Identifier: BSD-2-Clause */
/* Commands that read the file system: ls, stat, cat, sha256, df. */
#include "commands.h"
#include "escape.h"
#include "numparse.h"
#include "sha256.h"
#include "vfs_aio.h"
#include "dirlist.h"
#include "vs_errno.h"

#define IO_CHUNK (1u << 20)

/* "drwxr-xr-x"-style type and permission string, as POSIX ls -l writes it:
 * set-user-ID, set-group-ID and sticky bits show in the execute columns as
 * s/s/t (with execute permission) or S/S/T (without). */
static void mode_string(uint32_t mode, char out[11])
{
    static const char types[] = "?pc?d?b?-?l?s???";
    static const char rwx[] = "rwxrwxrwx";
    out[0] = types[(mode >> 12) & 15];
    for (int i = 0; i < 9; i++)
        out[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
    static const uint32_t special[3] = {04000u, 02000u, 01000u};
    for (int i = 0; i < 3; i++) {
        if (mode & special[i]) {
            bool x = out[3 + 3 * i] == 'x';
            out[3 + 3 * i] = i < 2 ? (x ? 's' : 'S') : (x ? 't' : 'T');
        }
    }
    out[10] = 0;
}

/* Seconds since 1970 as "YYYY-MM-DD HH:MM:SS" (UTC, proleptic Gregorian). */
static void time_string(int64_t t, char out[32])
{
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    /* Civil date from a day count, by 400-year eras. */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    vs_snprintf(out, 32, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld", (long long)y, (long long)m,
                (long long)d, (long long)(secs / 3600), (long long)(secs / 60 % 60), (long long)(secs % 60));
}

static void print_long(struct app *a, const char *full, const char *name, const struct vfs_stat *st)
{
    char mode[11], when[32];
    mode_string(st->mode, mode);
    time_string(st->mtime, when);
    app_printf(a, "%s %3u %5u %5u %12llu %s ", mode, st->nlink, st->uid, st->gid,
               (unsigned long long)st->size, when);
    app_write_escaped(a, name, vs_strlen(name));
    if ((st->mode & VS_S_IFMT) == VS_S_IFLNK) {
        char target[256];
        int64_t n = vfs_readlink(&a->vfs, full, target, sizeof(target));
        if (n >= 0) {
            app_printf(a, " -> ");
            app_write_escaped(a, target, (size_t)n);
            if (n == sizeof(target))
                app_printf(a, "...");
        }
    }
    app_printf(a, "\n");
}

int cmd_ls(struct app *a, int argc, char **argv)
{
    bool lng = argc == 3 && argv[1][0] == '-' && argv[1][1] == 'l' && !argv[1][2];
    if (argc != 2 + lng) {
        app_usage(a, "ls", -VS_EINVAL, "usage: ls [-l] PATH");
        return -VS_EINVAL;
    }
    const char *path = argv[argc - 1];
    struct vfs_stat st;
    /* Like POSIX ls -l, a symlink named on the line is shown, not followed. */
    int err = lng ? vfs_lstat(&a->vfs, path, &st) : vfs_stat(&a->vfs, path, &st);
    if (err) {
        app_error(a, "ls", path, err);
        return err;
    }
    if ((st.mode & VS_S_IFMT) != VS_S_IFDIR) {
        if (lng)
            print_long(a, path, path, &st);
        else
            app_write_escaped(a, path, vs_strlen(path)), app_printf(a, "\n");
        return 0;
    }
    struct name_list ns;
    err = name_list_read(a, path, lng, &ns);
    if (err) {
        app_error(a, "ls", path, err);
        return err;
    }
    char *full = a->port->alloc(a->port->ctx, VFS_PATH_MAX + 1);
    if (!full)
        err = -VS_ENOMEM;
    for (size_t i = 0; !err && i < ns.n; i++) {
        if (!lng) {
            app_write_escaped(a, ns.v[i], vs_strlen(ns.v[i]));
            app_printf(a, "\n");
            continue;
        }
        err = path_join(full, path, ns.v[i]);
        if (!err)
            err = vfs_lstat(&a->vfs, full, &st);
        if (err)
            app_error(a, "ls", err == -VS_ENAMETOOLONG ? path : full, err);
        else
            print_long(a, full, ns.v[i], &st);
    }
    a->port->free(a->port->ctx, full);
    name_list_free(a, &ns);
    return err;
}

static const char *type_name(uint32_t mode)
{
    switch (mode & VS_S_IFMT) {
    case VS_S_IFREG: return "regular file";
    case VS_S_IFDIR: return "directory";
    case VS_S_IFLNK: return "symbolic link";
    case VS_S_IFIFO: return "fifo";
    case VS_S_IFSOCK: return "socket";
    case VS_S_IFCHR: return "character device";
    case VS_S_IFBLK: return "block device";
    default: return "unknown";
    }
}

int cmd_stat(struct app *a, int argc, char **argv)
{
    if (argc != 2) {
        app_usage(a, "stat", -VS_EINVAL, "usage: stat PATH");
        return -VS_EINVAL;
    }
    struct vfs_stat st;
    int err = vfs_lstat(&a->vfs, argv[1], &st);
    if (err) {
        app_error(a, "stat", argv[1], err);
        return err;
    }
    char when[32];
    app_printf(a, "  File: ");
    app_write_escaped(a, argv[1], vs_strlen(argv[1]));
    app_printf(a, "\n  Type: %s\n  Size: %llu  Blocks: %llu  IO Block: %u\n", type_name(st.mode),
               (unsigned long long)st.size, (unsigned long long)st.blocks, st.blksize);
    app_printf(a, " Inode: %llu  Links: %u  Mode: %04o  Uid: %u  Gid: %u\n", (unsigned long long)st.ino,
               st.nlink, st.mode & 07777, st.uid, st.gid);
    time_string(st.atime, when);
    app_printf(a, "Access: %s.%09u (%lld)\n", when, st.atime_ns, (long long)st.atime);
    time_string(st.mtime, when);
    app_printf(a, "Modify: %s.%09u (%lld)\n", when, st.mtime_ns, (long long)st.mtime);
    time_string(st.ctime, when);
    app_printf(a, "Change: %s.%09u (%lld)\n", when, st.ctime_ns, (long long)st.ctime);
    return 0;
}

/* Reads [off, off + len) of path (len UINT64_MAX: to the end) in chunks and
 * hands each to fn, then calls end (if not NULL) once the bytes stop, even
 * when an error cut them short.  Reports errors as `cmd`, after end.  Two
 * chunks are read at once (vfs_aio.h): the device fills the next while fn
 * takes this one. */
static int read_range(struct app *a, const char *cmd, const char *path, uint64_t off, uint64_t len,
                      void (*fn)(void *ctx, const void *p, size_t n), void (*end)(void *ctx), void *ctx)
{
    int fd = vfs_open(&a->vfs, path, VFS_O_RDONLY, 0);
    if (fd < 0) {
        app_error(a, cmd, path, fd);
        return fd;
    }
    uint8_t *buf = a->port->alloc(a->port->ctx, 2 * IO_CHUNK);
    int err = buf ? 0 : -VS_ENOMEM;
    struct vfs_aio ops[2];
    unsigned head = 0, inflight = 0;
    bool stop = err != 0;
    for (;;) {
        while (!stop && inflight < 2 && len) {
            struct vfs_aio *op = &ops[(head + inflight) % 2];
            size_t want = (size_t)VS_MIN((uint64_t)IO_CHUNK, len);
            *op = (struct vfs_aio){.fd = fd, .buf = buf + ((head + inflight) % 2) * IO_CHUNK, .len = want, .off = off};
            int serr = vfs_aio_submit(&a->vfs, op);
            if (serr) {
                err = serr;
                stop = true;
                break;
            }
            off += want;
            len -= want;
            inflight++;
        }
        if (!inflight)
            break;
        /* Every read in flight is waited for, even after a failure: its
         * buffer is ours to free. */
        struct vfs_aio *op = &ops[head];
        int64_t got = vfs_aio_wait(&a->vfs, op);
        head = (head + 1) % 2;
        inflight--;
        if (stop)
            continue;
        if (got < 0 || app_interrupted(a)) {
            err = got < 0 ? (int)got : -VS_EINTR;
            stop = true;
            continue;
        }
        if (got == 0) {
            stop = true;
            continue;
        }
        fn(ctx, op->buf, (size_t)got);
        if ((size_t)got < op->len && inflight) {
            /* Less than asked: the read after it started too far on.  It
             * found nothing (the end of the file), or it is dropped and
             * the reading goes on from here. */
            int64_t next = vfs_aio_wait(&a->vfs, &ops[head]);
            head = (head + 1) % 2;
            inflight--;
            stop = next == 0;
            len += off - (op->off + (uint64_t)got);
            off = op->off + (uint64_t)got;
        }
    }
    a->port->free(a->port->ctx, buf);
    int cerr = vfs_close(&a->vfs, fd);
    if (!err)
        err = cerr;
    if (end)
        end(ctx);
    if (err)
        app_error(a, cmd, path, err);
    return err;
}

struct cat_out {
    struct app *a;
    bool open_line;     /* the last byte written was not a newline */
};

static void cat_chunk(void *ctx, const void *p, size_t n)
{
    struct cat_out *c = ctx;
    app_write(c->a, p, n);
    c->open_line = ((const char *)p)[n - 1] != '\n';
}

/* The console is a terminal: a file without a final newline would run into
 * the next line (the prompt, an error, the next command's output). */
static void cat_end(void *ctx)
{
    struct cat_out *c = ctx;
    if (c->open_line)
        app_write(c->a, "\n", 1);
}

int cmd_cat(struct app *a, int argc, char **argv)
{
    if (argc != 2) {
        app_usage(a, "cat", -VS_EINVAL, "usage: cat PATH");
        return -VS_EINVAL;
    }
    struct cat_out c = { a, false };
    return read_range(a, "cat", argv[1], 0, UINT64_MAX, cat_chunk, cat_end, &c);
}

static void hash_chunk(void *ctx, const void *p, size_t n)
{
    sha256_update(ctx, p, n);
}

/* The hex SHA-256 of a byte range of path (len UINT64_MAX: to its end):
 * `sha256 PATH OFFSET [LEN]`; whole files go through app_hash_files. */
static int hash_range(struct app *a, const char *cmd, const char *path, uint64_t off, uint64_t len, char hex[65])
{
    struct sha256_ctx c;
    uint8_t d[SHA256_DIGEST_LEN];
    sha256_init(&c);
    int err = read_range(a, cmd, path, off, len, hash_chunk, NULL, &c);
    if (err)
        return err;
    sha256_final(&c, d);
    sha256_hex(d, hex);
    return 0;
}

static void print_hash(struct app *a, const char *hex, const char *path)
{
    app_printf(a, "%s  ", hex);
    app_write_escaped(a, path, vs_strlen(path));
    app_printf(a, "\n");
}

/* `sha256 PATH...`: the paths in turn, as sha256sum; a file that fails is
 * reported and the others are still hashed. */
struct sha256_list {
    struct app *a;
    char **paths;
    size_t n;
    int err;            /* the first file's error */
};

static int sha256_next(void *ctx, size_t i, const char **path)
{
    struct sha256_list *l = ctx;
    if (i >= l->n)
        return 0;
    *path = l->paths[i];
    return 1;
}

static int sha256_done(void *ctx, size_t i, const char *hex, int err)
{
    struct sha256_list *l = ctx;
    if (hex)
        print_hash(l->a, hex, l->paths[i]);
    else if (!l->err)
        l->err = err;
    return 0;
}

int cmd_sha256(struct app *a, int argc, char **argv)
{
    /* Paths begin with '/', numbers never: a second word that is no path
     * is the OFFSET of the one-file form. */
    bool range = argc > 2 && argv[2][0] != '/';
    uint64_t off = 0, len = UINT64_MAX;
    if (argc < 2 || (range && (argc > 4 || parse_u64(argv[2], &off) || (argc > 3 && parse_u64(argv[3], &len))))) {
        app_usage(a, "sha256", -VS_EINVAL, "usage: sha256 PATH... | sha256 PATH OFFSET [LEN]");
        return -VS_EINVAL;
    }
    if (range) {
        char hex[65];
        int err = hash_range(a, "sha256", argv[1], off, len, hex);
        if (!err)
            print_hash(a, hex, argv[1]);
        return err;
    }
    struct sha256_list l = {a, argv + 1, (size_t)argc - 1, 0};
    struct hash_run run = {sha256_next, sha256_done, &l};
    int err = app_hash_files(a, "sha256", &run);
    return err ? err : l.err;
}

int cmd_df(struct app *a, int argc, char **argv)
{
    if (argc != 2) {
        app_usage(a, "df", -VS_EINVAL, "usage: df PATH");
        return -VS_EINVAL;
    }
    struct vfs_statfs s;
    int err = vfs_statfs(&a->vfs, argv[1], &s);
    if (err) {
        app_error(a, "df", argv[1], err);
        return err;
    }
    uint64_t unit = s.frsize ? s.frsize : s.bsize;
    app_printf(a, "%-20s %14s %14s %14s %5s\n", "Path", "Size", "Used", "Avail", "Use%");
    uint64_t size = s.blocks * unit, avail = s.bavail * unit;
    uint64_t used = (s.blocks - s.bfree) * unit;
    uint64_t pct = used + avail ? (used * 100 + used + avail - 1) / (used + avail) : 0;
    /* The path padded to the header's 20 columns (longer ones push the rest right). */
    size_t n = vs_strlen(argv[1]);
    app_write_escaped(a, argv[1], n);
    for (size_t w = escape_len(argv[1], n); w < 20; w++)
        app_write(a, " ", 1);
    app_printf(a, " %14llu %14llu %14llu %4llu%%\n", (unsigned long long)size, (unsigned long long)used,
               (unsigned long long)avail, (unsigned long long)pct);
    app_printf(a, "bsize=%u frsize=%u blocks=%llu bfree=%llu bavail=%llu files=%llu ffree=%llu namelen=%u\n",
               s.bsize, s.frsize, (unsigned long long)s.blocks, (unsigned long long)s.bfree,
               (unsigned long long)s.bavail, (unsigned long long)s.files, (unsigned long long)s.ffree,
               s.namelen);
    return 0;
}
