/* SPDX-License-Identifier: BSD-2-Clause */
/* Commands that change the file system: mkdir rmdir rm mv ln truncate write
 * append cp. */
#include "commands.h"
#include "dirlist.h"
#include "numparse.h"
#include "pattern.h"
#include "vfs_aio.h"
#include "vs_errno.h"

#define IO_CHUNK (1u << 20)
#define NEW_FILE_MODE 0644
#define NEW_DIR_MODE 0755

static int usage(struct app *a, const char *cmd, const char *text)
{
    app_usage(a, cmd, -VS_EINVAL, text);
    return -VS_EINVAL;
}

/* Reports err (if any) about path and returns it. */
static int report(struct app *a, const char *cmd, const char *path, int err)
{
    if (err)
        app_error(a, cmd, path, err);
    return err;
}

int cmd_mkdir(struct app *a, int argc, char **argv)
{
    if (argc != 2)
        return usage(a, "mkdir", "usage: mkdir PATH");
    return report(a, "mkdir", argv[1], vfs_mkdir(&a->vfs, argv[1], NEW_DIR_MODE));
}

int cmd_rmdir(struct app *a, int argc, char **argv)
{
    if (argc != 2)
        return usage(a, "rmdir", "usage: rmdir PATH");
    return report(a, "rmdir", argv[1], vfs_rmdir(&a->vfs, argv[1]));
}

int cmd_rm(struct app *a, int argc, char **argv)
{
    if (argc != 2)
        return usage(a, "rm", "usage: rm PATH");
    return report(a, "rm", argv[1], vfs_unlink(&a->vfs, argv[1]));
}

/* The last name of path (after the last '/'), ignoring trailing slashes. */
static const char *base_name(const char *path, size_t *len)
{
    size_t end = vs_strlen(path);
    while (end > 1 && path[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && path[start - 1] != '/')
        start--;
    *len = end - start;
    return path + start;
}

int app_target_path(struct app *a, const char *src, const char *dst, char *out)
{
    struct vfs_stat st;
    size_t n = vs_strlen(dst);
    if (vfs_stat(&a->vfs, dst, &st) || (st.mode & VS_S_IFMT) != VS_S_IFDIR) {
        if (n > VFS_PATH_MAX)
            return -VS_ENAMETOOLONG;
        vs_memcpy(out, dst, n + 1);
        return 0;
    }
    size_t bl;
    const char *b = base_name(src, &bl);
    char name[VFS_NAME_MAX + 1];
    if (bl > VFS_NAME_MAX)
        return -VS_ENAMETOOLONG;
    vs_memcpy(name, b, bl);
    name[bl] = 0;
    return path_join(out, dst, name);
}

int cmd_mv(struct app *a, int argc, char **argv)
{
    if (argc != 3)
        return usage(a, "mv", "usage: mv OLD NEW");
    char *to = a->port->alloc(a->port->ctx, VFS_PATH_MAX + 1);
    if (!to)
        return report(a, "mv", argv[1], -VS_ENOMEM);
    int err = app_target_path(a, argv[1], argv[2], to);
    if (!err)
        err = vfs_rename(&a->vfs, argv[1], to, 0);
    report(a, "mv", argv[1], err);
    a->port->free(a->port->ctx, to);
    return err;
}

int cmd_ln(struct app *a, int argc, char **argv)
{
    if (argc == 4 && argv[1][0] == '-' && argv[1][1] == 's' && !argv[1][2])
        return report(a, "ln", argv[3], vfs_symlink(&a->vfs, argv[2], argv[3]));
    if (argc != 3)
        return usage(a, "ln", "usage: ln OLD NEW | ln -s TARGET PATH");
    return report(a, "ln", argv[2], vfs_link(&a->vfs, argv[1], argv[2]));
}

int cmd_truncate(struct app *a, int argc, char **argv)
{
    uint64_t size;
    if (argc != 3 || parse_u64(argv[2], &size))
        return usage(a, "truncate", "usage: truncate PATH SIZE");
    /* Like `truncate -s`, a missing file is created. */
    int fd = vfs_open(&a->vfs, argv[1], VFS_O_WRONLY | VFS_O_CREAT, NEW_FILE_MODE);
    if (fd < 0)
        return report(a, "truncate", argv[1], fd);
    int err = vfs_ftruncate(&a->vfs, fd, size);
    int cerr = vfs_close(&a->vfs, fd);
    return report(a, "truncate", argv[1], err ? err : cerr);
}

/* Writes size bytes of the pattern of seed through fd, 1 MiB at a time. */
static int write_pattern(struct app *a, int fd, uint64_t size, uint64_t seed)
{
    uint8_t *buf = a->port->alloc(a->port->ctx, IO_CHUNK);
    if (!buf)
        return -VS_ENOMEM;
    int err = 0;
    for (uint64_t off = 0; off < size && !err;) {
        size_t n = (size_t)VS_MIN((uint64_t)IO_CHUNK, size - off);
        pattern_fill(seed, off, buf, n);
        int64_t put = vfs_write(&a->vfs, fd, buf, n);
        if (put < 0)
            err = (int)put;
        else if (put == 0)
            err = -VS_EIO; /* the device accepted nothing */
        else
            off += (uint64_t)put; /* short: the rest again, which gives the cause (ETIMEDOUT) if any */
    }
    a->port->free(a->port->ctx, buf);
    return err;
}

static int write_cmd(struct app *a, int argc, char **argv, const char *cmd, int flags)
{
    uint64_t size, seed;
    if (argc != 4 || parse_u64(argv[2], &size) || parse_u64(argv[3], &seed)) {
        app_printf(a, "error: %s: EINVAL (usage: %s PATH SIZE SEED)\n", cmd, cmd);
        return -VS_EINVAL;
    }
    int fd = vfs_open(&a->vfs, argv[1], VFS_O_WRONLY | VFS_O_CREAT | flags, NEW_FILE_MODE);
    if (fd < 0)
        return report(a, cmd, argv[1], fd);
    int err = write_pattern(a, fd, size, seed);
    int cerr = vfs_close(&a->vfs, fd);
    return report(a, cmd, argv[1], err ? err : cerr);
}

int cmd_write(struct app *a, int argc, char **argv)
{
    return write_cmd(a, argc, argv, "write", VFS_O_TRUNC);
}

int cmd_append(struct app *a, int argc, char **argv)
{
    return write_cmd(a, argc, argv, "append", VFS_O_APPEND);
}

/* What a finished write op says: 0, or why it fell short. */
static int write_result(const struct vfs_aio *w)
{
    return w->result < 0 ? (int)w->result : (uint64_t)w->result < w->len ? -VS_EIO : 0;
}

/* Copies everything from fd `in` to fd `out`, both at offset 0.  The next
 * chunk is read while this one is written (vfs_aio.h): two buffers, a read
 * and a write in flight. */
static int copy_data(struct app *a, int in, int out)
{
    uint8_t *buf = a->port->alloc(a->port->ctx, 2 * IO_CHUNK);
    if (!buf)
        return -VS_ENOMEM;
    struct vfs_aio rd = {.fd = in, .buf = buf, .len = IO_CHUNK}, wr;
    bool writing = false;
    uint64_t off = 0;
    int err = vfs_aio_submit(&a->vfs, &rd);
    while (!err) {
        int64_t got = vfs_aio_wait(&a->vfs, &rd);
        if (writing) {
            vfs_aio_wait(&a->vfs, &wr);
            writing = false;
            err = write_result(&wr);
        }
        if (err || got <= 0) {
            err = err ? err : (int)got;
            break;
        }
        wr = (struct vfs_aio){.fd = out, .write = true, .buf = rd.buf, .len = (size_t)got, .off = off};
        err = vfs_aio_submit(&a->vfs, &wr);
        if (err)
            break;
        writing = true;
        off += (uint64_t)got;
        uint8_t *next = rd.buf == buf ? buf + IO_CHUNK : buf;
        rd = (struct vfs_aio){.fd = in, .buf = next, .len = IO_CHUNK, .off = off};
        err = vfs_aio_submit(&a->vfs, &rd);
    }
    if (writing) {
        vfs_aio_wait(&a->vfs, &wr);
        if (!err)
            err = write_result(&wr);
    }
    a->port->free(a->port->ctx, buf);
    return err;
}

bool app_same_file(const struct vfs_stat *x, const struct vfs_stat *y)
{
    /* Without a device number: the same inode with the same change time,
     * size and link count is the same file. */
    return x->ino == y->ino && x->ctime == y->ctime && x->ctime_ns == y->ctime_ns && x->size == y->size &&
           x->nlink == y->nlink;
}

int app_copy_file(struct app *a, const char *from, const char *to)
{
    int in = vfs_open(&a->vfs, from, VFS_O_RDONLY, 0);
    if (in < 0)
        return report(a, "cp", from, in);
    /* Not truncated at once: SRC and DST may be one file (DST a symlink to
     * SRC, a hard link of it, the same path), which cp refuses (EINVAL)
     * instead of emptying it. */
    int out = vfs_open(&a->vfs, to, VFS_O_WRONLY | VFS_O_CREAT, NEW_FILE_MODE);
    if (out < 0) {
        vfs_close(&a->vfs, in);
        return report(a, "cp", to, out);
    }
    struct vfs_stat si, so;
    int err = vfs_fstat(&a->vfs, in, &si);
    if (!err)
        err = vfs_fstat(&a->vfs, out, &so);
    if (!err && app_same_file(&si, &so))
        err = -VS_EINVAL;
    if (!err && so.size)
        err = vfs_ftruncate(&a->vfs, out, 0);
    if (!err)
        err = copy_data(a, in, out);
    int cerr = vfs_close(&a->vfs, out);
    vfs_close(&a->vfs, in);
    return report(a, "cp", to, err ? err : cerr);
}

int cmd_cp(struct app *a, int argc, char **argv)
{
    bool tree = argc == 4 && vs_streq(argv[1], "-r");
    if (argc != 3 + tree)
        return usage(a, "cp", "usage: cp [-r] SRC DST");
    if (tree)
        return app_copy_tree(a, argv[2], argv[3]);
    char *to = a->port->alloc(a->port->ctx, VFS_PATH_MAX + 1);
    if (!to)
        return report(a, "cp", argv[1], -VS_ENOMEM);
    int err = app_target_path(a, argv[1], argv[2], to);
    if (err)
        report(a, "cp", argv[2], err);
    else
        err = app_copy_file(a, argv[1], to);
    a->port->free(a->port->ctx, to);
    return err;
}
