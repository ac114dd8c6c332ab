/* SPDX-License-Identifier: BSD-2-Clause */
/* The VFS write path through the simulated device and the in-memory FUSE
 * server's write side: creating, writing, truncating, renaming, linking,
 * removing, changing attributes, fsync and close, each step checked in the
 * server's tree; then each FUSE fault on a write operation, giving its
 * errno.  Each case also fails if it leaked memory after umount, if the
 * server saw the client break FUSE's rules, or if a lookup or handle was not
 * given back (simenv.h). */
#include <stdlib.h>
#include <string.h>

#include "simenv.h"
#include "vs_errno.h"

/* The server's node at rel has exactly these len bytes. */
static bool content_is(struct env *e, const char *rel, const void *data, size_t len)
{
    const struct simfs_node *n = simfs_find(&e->fs, rel);
    REQUIRE(n, "%s: not on the server", rel);
    REQUIRE((n->mode & VS_S_IFMT) == VS_S_IFREG, "%s: mode %#o", rel, n->mode);
    REQUIRE(n->size == len, "%s: %llu bytes on the server, want %zu", rel, (unsigned long long)n->size, len);
    for (size_t i = 0; i < len; i++)
        REQUIRE(simfs_byte(n, i) == ((const uint8_t *)data)[i], "%s: byte %zu is %#x, want %#x", rel, i,
                simfs_byte(n, i), ((const uint8_t *)data)[i]);
    return true;
}

static bool absent(struct env *e, const char *rel)
{
    REQUIRE(!simfs_find(&e->fs, rel), "%s: still on the server", rel);
    return true;
}

static bool is_type(struct env *e, const char *rel, uint32_t mode)
{
    const struct simfs_node *n = simfs_find(&e->fs, rel);
    REQUIRE(n, "%s: not on the server", rel);
    REQUIRE(n->mode == mode, "%s: mode %#o on the server, want %#o", rel, n->mode, mode);
    return true;
}

#define ERR_IS(got, want, what)                                                                               \
    REQUIRE((got) == (want), "%s = %d (%s), want %d (%s)", what, (int)(got), vs_errno_name((int)(got)), (int)(want), \
            vs_errno_name(want))

static int stat_err(struct env *e, const char *path)
{
    struct vfs_stat st;
    return vfs_stat(&e->v, path, &st);
}

/* ---- Files ---------------------------------------------------------------- */

static bool t_create(struct env *e)
{
    if (!env_up(e))
        return false;
    int fd = vfs_open(&e->v, "/sim/dir/new", VFS_O_WRONLY | VFS_O_CREAT | VFS_O_EXCL, 0640);
    REQUIRE(fd >= 0, "open(O_CREAT|O_EXCL) = %d", fd);
    CHECK(is_type(e, "dir/new", VS_S_IFREG | 0640));
    REQUIRE(e->fs.ops[FUSE_CREATE] == 1 && e->fs.ops[FUSE_MKNOD] == 0 && e->fs.nhandles == 1,
            "%lu CREATE, %lu MKNOD, %u handles", e->fs.ops[FUSE_CREATE], e->fs.ops[FUSE_MKNOD], e->fs.nhandles);
    /* Nothing written: no error the host could report at close (no FLUSH). */
    ERR_IS(vfs_close(&e->v, fd), 0, "close");
    REQUIRE(e->fs.ops[FUSE_FLUSH] == 0 && e->fs.ops[FUSE_RELEASE] == 1 && e->fs.nhandles == 0,
            "close of an unwritten file: %lu FLUSH, %lu RELEASE, %u handles left", e->fs.ops[FUSE_FLUSH], e->fs.ops[FUSE_RELEASE],
            e->fs.nhandles);
    ERR_IS(vfs_open(&e->v, "/sim/dir/new", VFS_O_RDWR | VFS_O_CREAT | VFS_O_EXCL, 0600), -VS_EEXIST,
           "O_EXCL on an existing file");
    ERR_IS(vfs_open(&e->v, "/sim/dir", VFS_O_WRONLY | VFS_O_CREAT, 0600), -VS_EISDIR, "O_CREAT of a directory");
    ERR_IS(vfs_open(&e->v, "/sim/nodir/x", VFS_O_WRONLY | VFS_O_CREAT, 0600), -VS_ENOENT, "O_CREAT under no dir");
    ERR_IS(vfs_open(&e->v, "/sim/hello.txt/x", VFS_O_WRONLY | VFS_O_CREAT, 0600), -VS_ENOTDIR,
           "O_CREAT under a file");
    fd = vfs_open(&e->v, "/sim/dir/new", VFS_O_RDONLY | VFS_O_CREAT, 0600);
    REQUIRE(fd >= 0, "O_CREAT of an existing file = %d", fd);
    CHECK(is_type(e, "dir/new", VS_S_IFREG | 0640));
    return vfs_close(&e->v, fd) == 0;
}

/* open(path, flags|O_CREAT) succeeds; the file is closed again. */
static bool creates(struct env *e, const char *path, int flags)
{
    int fd = vfs_open(&e->v, path, VFS_O_WRONLY | VFS_O_CREAT | flags, 0600);
    REQUIRE(fd >= 0, "open(%s, O_CREAT) = %d (%s)", path, fd, vs_errno_name(fd));
    ERR_IS(vfs_close(&e->v, fd), 0, "close");
    return true;
}

static bool t_create_through_links(struct env *e)
{
    if (!env_up(e))
        return false;
    const char *links[][2] = {
        {"dir/made", "/sim/rel"},   {"../top", "/sim/dir/uplink"}, {"/sim/absmade", "/sim/dir/abs"},
        {"c2", "/sim/c1"},          {"dir/chained", "/sim/c2"}, {"x", "/sim/excl"},
        {"hello.txt", "/sim/old"},  {"lp", "/sim/lp"},          {"nodir/x", "/sim/intonodir"},
        {"dir/", "/sim/todir"},
    };
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
        ERR_IS(vfs_symlink(&e->v, links[i][0], links[i][1]), 0, links[i][1]);
    /* A dangling link's target is created: relative to the link's directory,
     * absolute from the guest's root, through a chain of links. */
    CHECK(creates(e, "/sim/rel", 0) && is_type(e, "dir/made", VS_S_IFREG | 0600) && is_type(e, "rel", VS_S_IFLNK | 0777));
    CHECK(creates(e, "/sim/dir/uplink", 0) && is_type(e, "top", VS_S_IFREG | 0600));
    CHECK(creates(e, "/sim/dir/abs", 0) && is_type(e, "absmade", VS_S_IFREG | 0600));
    CHECK(creates(e, "/sim/c1", 0) && is_type(e, "dir/chained", VS_S_IFREG | 0600));
    /* O_EXCL and O_NOFOLLOW do not follow a link in the last name. */
    ERR_IS(vfs_open(&e->v, "/sim/excl", VFS_O_WRONLY | VFS_O_CREAT | VFS_O_EXCL, 0600), -VS_EEXIST, "O_EXCL on a link");
    ERR_IS(vfs_open(&e->v, "/sim/excl", VFS_O_WRONLY | VFS_O_CREAT | VFS_O_NOFOLLOW, 0600), -VS_ELOOP,
           "O_NOFOLLOW on a link");
    CHECK(absent(e, "x"));
    /* A link to an existing file opens it; nothing is created. */
    unsigned long creates_before = e->fs.ops[FUSE_CREATE] + e->fs.ops[FUSE_MKNOD];
    CHECK(creates(e, "/sim/old", 0));
    REQUIRE(e->fs.ops[FUSE_CREATE] + e->fs.ops[FUSE_MKNOD] == creates_before, "a link to an existing file: CREATE or MKNOD sent");
    CHECK(content_is(e, "hello.txt", "Hello, vioshare!\n", 17));
    ERR_IS(vfs_open(&e->v, "/sim/lp", VFS_O_WRONLY | VFS_O_CREAT, 0600), -VS_ELOOP, "a link to itself");
    ERR_IS(vfs_open(&e->v, "/sim/intonodir", VFS_O_WRONLY | VFS_O_CREAT, 0600), -VS_ENOENT, "a link into no directory");
    ERR_IS(vfs_open(&e->v, "/sim/todir", VFS_O_WRONLY | VFS_O_CREAT, 0600), -VS_EISDIR, "a link to a directory");
    return true;
}

/* O_CREAT of a path that names a directory itself, not a name in one: the
 * directory ("/", the mount's root, a last "." or "..", directly or as a
 * symlink's target) is not created but refused as Linux does, EISDIR
 * (EEXIST with O_EXCL).  The randomized differential (test_rw.py) found
 * `write dir/self/self` with self -> "." giving EINVAL. */
static bool t_create_dir_itself(struct env *e)
{
    if (!env_up(e))
        return false;
    const char *links[][2] = {
        {".", "/sim/dir/self"}, {"..", "/sim/dir/dotdot"}, {"/sim", "/sim/dir/root"}, {"/", "/sim/dir/top"},
        {"self/.", "/sim/dir/selfdot"},
    };
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
        ERR_IS(vfs_symlink(&e->v, links[i][0], links[i][1]), 0, links[i][1]);
    const char *paths[] = {
        "/sim/dir/self/self", "/sim/dir/self", "/sim/dir/dotdot", "/sim/dir/root", "/sim/dir/top",
        "/sim/dir/selfdot",   "/sim/dir/self/dotdot", "/sim/dir/.", "/sim/dir/..", "/sim", "/sim/.", "/",
    };
    unsigned long before = e->fs.ops[FUSE_CREATE] + e->fs.ops[FUSE_MKNOD];
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        ERR_IS(vfs_open(&e->v, paths[i], VFS_O_WRONLY | VFS_O_CREAT | VFS_O_TRUNC, 0644), -VS_EISDIR, paths[i]);
        ERR_IS(vfs_open(&e->v, paths[i], VFS_O_RDONLY | VFS_O_CREAT, 0644), -VS_EISDIR, paths[i]);
    }
    ERR_IS(vfs_open(&e->v, "/sim/dir/.", VFS_O_WRONLY | VFS_O_CREAT | VFS_O_EXCL, 0644), -VS_EEXIST, "dir/. O_EXCL");
    ERR_IS(vfs_open(&e->v, "/sim", VFS_O_WRONLY | VFS_O_CREAT | VFS_O_EXCL, 0644), -VS_EEXIST, "/sim O_EXCL");
    REQUIRE(e->fs.ops[FUSE_CREATE] + e->fs.ops[FUSE_MKNOD] == before, "%lu CREATE or MKNOD sent",
            e->fs.ops[FUSE_CREATE] + e->fs.ops[FUSE_MKNOD] - before);
    CHECK(is_type(e, "dir/self", VS_S_IFLNK | 0777) && is_type(e, "dir", VS_S_IFDIR | 0755));
    /* A plain name still is created, through the same links. */
    CHECK(creates(e, "/sim/dir/self/made", 0) && is_type(e, "dir/made", VS_S_IFREG | 0600));
    return true;
}

static bool t_write_pwrite(struct env *e)
{
    if (!env_up(e))
        return false;
    int fd = vfs_open(&e->v, "/sim/w", VFS_O_RDWR | VFS_O_CREAT, 0644);
    REQUIRE(fd >= 0, "open = %d", fd);
    REQUIRE(vfs_write(&e->v, fd, "hello", 5) == 5, "write");
    REQUIRE(vfs_write(&e->v, fd, " world", 6) == 6, "second write");
    CHECK(content_is(e, "w", "hello world", 11));
    REQUIRE(vfs_pwrite(&e->v, fd, "XY", 2, 14) == 2, "pwrite past the end");
    CHECK(content_is(e, "w", "hello world\0\0\0XY", 16));
    REQUIRE(vfs_pwrite(&e->v, fd, "J", 1, 0) == 1, "pwrite at 0");
    REQUIRE(vfs_lseek(&e->v, fd, 0, VFS_SEEK_CUR) == 11, "pwrite moved the position");
    char buf[32];
    REQUIRE(vfs_pread(&e->v, fd, buf, sizeof buf, 0) == 16 && !memcmp(buf, "Jello world\0\0\0XY", 16),
            "read back");
    struct vfs_stat st;
    REQUIRE(vfs_fstat(&e->v, fd, &st) == 0 && st.size == 16, "fstat size %llu after writes",
            (unsigned long long)st.size);
    ERR_IS(vfs_close(&e->v, fd), 0, "close");
    fd = vfs_open(&e->v, "/sim/hello.txt", VFS_O_RDONLY, 0);
    ERR_IS(vfs_write(&e->v, fd, "x", 1), -VS_EBADF, "write to a read-only fd");
    return vfs_close(&e->v, fd) == 0;
}

/* A write larger than max_write goes as several WRITEs, none too large. */
static bool t_write_split(struct env *e)
{
    env_init(e);
    e->fs.init_max_write = 64 * 1024;
    CHECK(env_mount(e));
    size_t n = (1u << 20) + 5;
    uint8_t *buf = malloc(n);
    REQUIRE(buf, "malloc");
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(i * 7 + (i >> 12));
    int fd = vfs_open(&e->v, "/sim/dir/big", VFS_O_WRONLY | VFS_O_CREAT | VFS_O_TRUNC, 0644);
    int64_t w = fd >= 0 ? vfs_write(&e->v, fd, buf, n) : fd;
    int cerr = fd >= 0 ? vfs_close(&e->v, fd) : 0;
    bool ok = w == (int64_t)n && cerr == 0 && e->fs.ops[FUSE_WRITE] == 17 && content_is(e, "dir/big", buf, n);
    if (!ok && !why[0])
        snprintf(why, sizeof why, "write = %lld, close %d, %lu WRITEs (want 17 of 64 KiB)", (long long)w, cerr,
                 e->fs.ops[FUSE_WRITE]);
    free(buf);
    return ok;
}

static bool t_trunc_append(struct env *e)
{
    if (!env_up(e))
        return false;
    int fd = vfs_open(&e->v, "/sim/big.bin", VFS_O_WRONLY | VFS_O_TRUNC, 0);
    REQUIRE(fd >= 0, "open(O_TRUNC) = %d", fd);
    CHECK(content_is(e, "big.bin", "", 0));
    ERR_IS(vfs_close(&e->v, fd), 0, "close");
    /* Linux truncates with O_RDONLY|O_TRUNC as well. */
    fd = vfs_open(&e->v, "/sim/small.bin", VFS_O_RDONLY | VFS_O_TRUNC, 0);
    REQUIRE(fd >= 0, "open(O_RDONLY|O_TRUNC) = %d (%s)", fd, vs_errno_name(fd));
    CHECK(content_is(e, "small.bin", "", 0));
    char c;
    ERR_IS(vfs_read(&e->v, fd, &c, 1), 0, "read after O_RDONLY|O_TRUNC");
    ERR_IS(vfs_close(&e->v, fd), 0, "close");
    fd = vfs_open(&e->v, "/sim/hello.txt", VFS_O_WRONLY | VFS_O_APPEND, 0);
    REQUIRE(fd >= 0, "open(O_APPEND) = %d", fd);
    REQUIRE(vfs_write(&e->v, fd, "more\n", 5) == 5, "append");
    REQUIRE(vfs_write(&e->v, fd, "end\n", 4) == 4, "append again");
    CHECK(content_is(e, "hello.txt", "Hello, vioshare!\nmore\nend\n", 26));
    ERR_IS(vfs_ftruncate(&e->v, fd, 5), 0, "ftruncate");
    CHECK(content_is(e, "hello.txt", "Hello", 5));
    ERR_IS(vfs_close(&e->v, fd), 0, "close");
    ERR_IS(vfs_truncate(&e->v, "/sim/dir/inner.txt", 3), 0, "truncate shorter");
    CHECK(content_is(e, "dir/inner.txt", "inn", 3));
    ERR_IS(vfs_truncate(&e->v, "/sim/dir/inner.txt", 6), 0, "truncate longer");
    CHECK(content_is(e, "dir/inner.txt", "inn\0\0\0", 6));
    struct vfs_stat st;
    REQUIRE(vfs_stat(&e->v, "/sim/dir/inner.txt", &st) == 0 && st.size == 6, "stat size %llu after truncate",
            (unsigned long long)st.size);
    ERR_IS(vfs_truncate(&e->v, "/sim/dir", 0), -VS_EISDIR, "truncate of a directory");
    ERR_IS(vfs_truncate(&e->v, "/sim/link-rel", 1), 0, "truncate through a symlink");
    return content_is(e, "hello.txt", "H", 1);
}

/* ---- Directories and names ------------------------------------------------- */

static bool t_mkdir_rmdir(struct env *e)
{
    if (!env_up(e))
        return false;
    ERR_IS(vfs_mkdir(&e->v, "/sim/dir/nd", 0750), 0, "mkdir");
    CHECK(is_type(e, "dir/nd", VS_S_IFDIR | 0750));
    ERR_IS(vfs_mkdir(&e->v, "/sim/dir/nd/deeper", 0700), 0, "mkdir inside");
    ERR_IS(vfs_mkdir(&e->v, "/sim/dir/nd", 0750), -VS_EEXIST, "mkdir of an existing dir");
    ERR_IS(vfs_mkdir(&e->v, "/sim/hello.txt", 0750), -VS_EEXIST, "mkdir over a file");
    ERR_IS(vfs_mkdir(&e->v, "/sim/none/x", 0750), -VS_ENOENT, "mkdir under no dir");
    ERR_IS(vfs_mkdir(&e->v, "/sim/hello.txt/x", 0750), -VS_ENOTDIR, "mkdir under a file");
    struct vfs_stat st;
    REQUIRE(vfs_stat(&e->v, "/sim/dir/nd", &st) == 0 && st.nlink == 3, "nlink of a dir with a subdir: %u",
            st.nlink);
    ERR_IS(vfs_rmdir(&e->v, "/sim/dir/nd"), -VS_ENOTEMPTY, "rmdir of a non-empty dir");
    ERR_IS(vfs_rmdir(&e->v, "/sim/hello.txt"), -VS_ENOTDIR, "rmdir of a file");
    ERR_IS(vfs_rmdir(&e->v, "/sim/dir/gone"), -VS_ENOENT, "rmdir of nothing");
    ERR_IS(vfs_rmdir(&e->v, "/sim/dir/nd/deeper"), 0, "rmdir");
    CHECK(absent(e, "dir/nd/deeper"));
    ERR_IS(stat_err(e, "/sim/dir/nd/deeper"), -VS_ENOENT, "stat of the removed dir");
    ERR_IS(vfs_rmdir(&e->v, "/sim/dir/nd"), 0, "rmdir of the emptied dir");
    CHECK(absent(e, "dir/nd"));
    ERR_IS(vfs_rmdir(&e->v, "/sim"), -VS_EBUSY, "rmdir of the mount root");
    return true;
}

static bool t_unlink(struct env *e)
{
    if (!env_up(e))
        return false;
    ERR_IS(vfs_unlink(&e->v, "/sim/dir/inner.txt"), 0, "unlink");
    CHECK(absent(e, "dir/inner.txt"));
    ERR_IS(stat_err(e, "/sim/dir/inner.txt"), -VS_ENOENT, "stat after unlink");
    ERR_IS(vfs_unlink(&e->v, "/sim/dir/inner.txt"), -VS_ENOENT, "second unlink");
    ERR_IS(vfs_unlink(&e->v, "/sim/dir/sub"), -VS_EISDIR, "unlink of a directory");
    ERR_IS(vfs_unlink(&e->v, "/sim/link-dir"), 0, "unlink of a symlink to a dir");
    CHECK(absent(e, "link-dir"));
    CHECK(is_type(e, "dir", VS_S_IFDIR | 0755));
    int dd = vfs_opendir(&e->v, "/sim/dir");
    REQUIRE(dd >= 0, "opendir");
    struct vfs_dirent de;
    int r;
    while ((r = vfs_readdir(&e->v, dd, &de)) == 1)
        REQUIRE(strcmp(de.name, "inner.txt"), "readdir still lists inner.txt");
    vfs_closedir(&e->v, dd);
    ERR_IS(r, 0, "readdir");
    /* An open file outlives its name. */
    int fd = vfs_open(&e->v, "/sim/hello.txt", VFS_O_RDWR, 0);
    REQUIRE(fd >= 0, "open");
    ERR_IS(vfs_unlink(&e->v, "/sim/hello.txt"), 0, "unlink of an open file");
    REQUIRE(vfs_pwrite(&e->v, fd, "J", 1, 0) == 1, "write after unlink");
    char buf[4];
    REQUIRE(vfs_pread(&e->v, fd, buf, 4, 0) == 4 && !memcmp(buf, "Jell", 4), "read after unlink");
    return vfs_close(&e->v, fd) == 0;
}

static bool t_rename_files(struct env *e)
{
    if (!env_up(e))
        return false;
    ERR_IS(vfs_rename(&e->v, "/sim/dir/inner.txt", "/sim/dir/renamed", 0), 0, "rename");
    CHECK(absent(e, "dir/inner.txt"));
    CHECK(content_is(e, "dir/renamed", "inner\n", 6));
    ERR_IS(stat_err(e, "/sim/dir/inner.txt"), -VS_ENOENT, "stat of the old name");
    ERR_IS(vfs_rename(&e->v, "/sim/dir/renamed", "/sim/hello.txt", 0), 0, "rename over a file");
    CHECK(content_is(e, "hello.txt", "inner\n", 6));
    CHECK(absent(e, "dir/renamed"));
    struct vfs_stat st;
    REQUIRE(vfs_stat(&e->v, "/sim/hello.txt", &st) == 0 && st.size == 6, "stat of the replaced name: size %llu",
            (unsigned long long)st.size);
    ERR_IS(vfs_rename(&e->v, "/sim/hello.txt", "/sim/dir/sub/moved", 0), 0, "rename across directories");
    CHECK(content_is(e, "dir/sub/moved", "inner\n", 6));
    ERR_IS(vfs_rename(&e->v, "/sim/nothing", "/sim/x", 0), -VS_ENOENT, "rename of nothing");
    ERR_IS(vfs_rename(&e->v, "/sim/one.bin", "/sim/none/x", 0), -VS_ENOENT, "rename into no dir");
    ERR_IS(vfs_rename(&e->v, "/sim/one.bin", "/sim/one.bin", 0), 0, "rename onto itself");
    CHECK(is_type(e, "one.bin", VS_S_IFREG | 0644));
    ERR_IS(vfs_rename(&e->v, "/sim/link-rel", "/sim/dir/link", 0), 0, "rename of a symlink");
    CHECK(is_type(e, "dir/link", VS_S_IFLNK | 0777));
    ERR_IS(vfs_rename(&e->v, "/sim/one.bin", "/sim/link-dir", 0), 0, "rename over a symlink to a dir");
    return is_type(e, "link-dir", VS_S_IFREG | 0644) && is_type(e, "dir", VS_S_IFDIR | 0755);
}

static bool t_rename_dirs(struct env *e)
{
    if (!env_up(e))
        return false;
    ERR_IS(vfs_mkdir(&e->v, "/sim/empty-dir", 0755), 0, "mkdir");
    ERR_IS(vfs_rename(&e->v, "/sim/dir", "/sim/many", 0), -VS_ENOTEMPTY, "dir over a non-empty dir");
    ERR_IS(vfs_rename(&e->v, "/sim/dir", "/sim/hello.txt", 0), -VS_ENOTDIR, "dir over a file");
    ERR_IS(vfs_rename(&e->v, "/sim/hello.txt", "/sim/empty-dir", 0), -VS_EISDIR, "file over a dir");
    ERR_IS(vfs_rename(&e->v, "/sim/dir", "/sim/dir/sub/in", 0), -VS_EINVAL, "dir into itself");
    CHECK(is_type(e, "dir/sub", VS_S_IFDIR | 0755));
    ERR_IS(vfs_rename(&e->v, "/sim/dir", "/sim/empty-dir", 0), 0, "dir over an empty dir");
    CHECK(absent(e, "dir"));
    CHECK(content_is(e, "empty-dir/inner.txt", "inner\n", 6));
    ERR_IS(stat_err(e, "/sim/dir/sub/leaf.txt"), -VS_ENOENT, "stat under the old name");
    struct vfs_stat st;
    REQUIRE(vfs_stat(&e->v, "/sim/empty-dir/sub/leaf.txt", &st) == 0 && st.size == 100, "stat under the new name");
    ERR_IS(vfs_rename(&e->v, "/sim/empty-dir/sub", "/sim/sub2", 0), 0, "a subdir up");
    return is_type(e, "sub2/leaf.txt", VS_S_IFREG | 0644) && absent(e, "empty-dir/sub");
}

static bool t_rename2(struct env *e)
{
    if (!env_up(e))
        return false;
    ERR_IS(vfs_rename(&e->v, "/sim/hello.txt", "/sim/empty", VFS_RENAME_NOREPLACE), -VS_EEXIST,
           "NOREPLACE over a file");
    CHECK(content_is(e, "hello.txt", "Hello, vioshare!\n", 17));
    ERR_IS(vfs_rename(&e->v, "/sim/hello.txt", "/sim/fresh", VFS_RENAME_NOREPLACE), 0, "NOREPLACE to a new name");
    CHECK(absent(e, "hello.txt"));
    CHECK(content_is(e, "fresh", "Hello, vioshare!\n", 17));
    ERR_IS(vfs_rename(&e->v, "/sim/fresh", "/sim/dir/sub", VFS_RENAME_EXCHANGE), 0, "EXCHANGE of a file and a dir");
    CHECK(content_is(e, "dir/sub", "Hello, vioshare!\n", 17));
    CHECK(is_type(e, "fresh/leaf.txt", VS_S_IFREG | 0644));
    struct vfs_stat st;
    REQUIRE(vfs_stat(&e->v, "/sim/fresh", &st) == 0 && (st.mode & VS_S_IFMT) == VS_S_IFDIR, "stat after EXCHANGE");
    REQUIRE(vfs_stat(&e->v, "/sim/dir/sub", &st) == 0 && st.size == 17, "stat of the other side");
    ERR_IS(vfs_rename(&e->v, "/sim/fresh", "/sim/nothing", VFS_RENAME_EXCHANGE), -VS_ENOENT,
           "EXCHANGE with nothing");
    ERR_IS(vfs_rename(&e->v, "/sim/fresh", "/sim/x", VFS_RENAME_EXCHANGE | VFS_RENAME_NOREPLACE), -VS_EINVAL,
           "both flags");
    ERR_IS(vfs_rename(&e->v, "/sim/fresh", "/sim/x", 8), -VS_EINVAL, "an unknown flag");
    return true;
}

static bool t_symlink_link(struct env *e)
{
    if (!env_up(e))
        return false;
    ERR_IS(vfs_symlink(&e->v, "../hello.txt", "/sim/dir/sl"), 0, "symlink");
    const struct simfs_node *n = simfs_find(&e->fs, "dir/sl");
    REQUIRE(n && n->target && !strcmp(n->target, "../hello.txt") && n->mode == (VS_S_IFLNK | 0777),
            "the server's symlink");
    char buf[64];
    REQUIRE(vfs_readlink(&e->v, "/sim/dir/sl", buf, sizeof buf) == 12 && !memcmp(buf, "../hello.txt", 12),
            "readlink");
    struct vfs_stat st;
    REQUIRE(vfs_stat(&e->v, "/sim/dir/sl", &st) == 0 && st.size == 17, "stat through the new symlink");
    ERR_IS(vfs_symlink(&e->v, "x", "/sim/dir/sl"), -VS_EEXIST, "symlink over a symlink");
    ERR_IS(vfs_symlink(&e->v, "x", "/sim/dir"), -VS_EEXIST, "symlink over a dir");
    ERR_IS(vfs_link(&e->v, "/sim/hello.txt", "/sim/dir/hard"), 0, "link");
    const struct simfs_node *a = simfs_find(&e->fs, "hello.txt"), *b = simfs_find(&e->fs, "dir/hard");
    REQUIRE(a && a == b && a->nlink == 2, "the server's hard link: %p %p", (const void *)a, (const void *)b);
    struct vfs_stat st2;
    REQUIRE(vfs_stat(&e->v, "/sim/dir/hard", &st) == 0 && vfs_stat(&e->v, "/sim/hello.txt", &st2) == 0 &&
                st.ino == st2.ino && st.nlink == 2 && st2.nlink == 2,
            "stat of both names: ino %llu/%llu nlink %u/%u", (unsigned long long)st.ino,
            (unsigned long long)st2.ino, st.nlink, st2.nlink);
    int fd = vfs_open(&e->v, "/sim/dir/hard", VFS_O_WRONLY, 0);
    REQUIRE(fd >= 0 && vfs_pwrite(&e->v, fd, "J", 1, 0) == 1 && vfs_close(&e->v, fd) == 0, "write to the link");
    CHECK(content_is(e, "hello.txt", "Jello, vioshare!\n", 17));
    ERR_IS(vfs_unlink(&e->v, "/sim/hello.txt"), 0, "unlink of the first name");
    CHECK(content_is(e, "dir/hard", "Jello, vioshare!\n", 17));
    REQUIRE(vfs_stat(&e->v, "/sim/dir/hard", &st) == 0 && st.nlink == 1, "nlink after unlink: %u", st.nlink);
    ERR_IS(vfs_link(&e->v, "/sim/dir", "/sim/dir2"), -VS_EPERM, "link of a directory");
    ERR_IS(vfs_link(&e->v, "/sim/one.bin", "/sim/empty"), -VS_EEXIST, "link over a file");
    ERR_IS(vfs_link(&e->v, "/sim/nothing", "/sim/x"), -VS_ENOENT, "link of nothing");
    return true;
}

/* ---- Attributes, fsync ------------------------------------------------------- */

static bool t_chmod_utimens(struct env *e)
{
    if (!env_up(e))
        return false;
    ERR_IS(vfs_chmod(&e->v, "/sim/hello.txt", 0600), 0, "chmod");
    CHECK(is_type(e, "hello.txt", VS_S_IFREG | 0600));
    ERR_IS(vfs_chmod(&e->v, "/sim/link-dir", 04711), 0, "chmod through a symlink");
    CHECK(is_type(e, "dir", VS_S_IFDIR | 04711));
    CHECK(is_type(e, "link-dir", VS_S_IFLNK | 0777));
    struct vfs_stat st;
    REQUIRE(vfs_stat(&e->v, "/sim/hello.txt", &st) == 0 && st.mode == (VS_S_IFREG | 0600), "stat mode %#o",
            st.mode);
    struct vfs_timespec ts[2] = {{1000, 5}, {2000, 6}};
    ERR_IS(vfs_utimens(&e->v, "/sim/hello.txt", ts), 0, "utimens");
    const struct simfs_node *n = node(e, "hello.txt");
    REQUIRE(n->atime == 1000 && n->atime_ns == 5 && n->mtime == 2000 && n->mtime_ns == 6,
            "times on the server: %lld.%u %lld.%u", (long long)n->atime, n->atime_ns, (long long)n->mtime,
            n->mtime_ns);
    REQUIRE(vfs_stat(&e->v, "/sim/hello.txt", &st) == 0 && st.atime == 1000 && st.mtime == 2000 &&
                st.mtime_ns == 6,
            "stat times %lld %lld", (long long)st.atime, (long long)st.mtime);
    struct vfs_timespec now[2] = {{0, VFS_UTIME_OMIT}, {0, VFS_UTIME_NOW}};
    ERR_IS(vfs_utimens(&e->v, "/sim/hello.txt", now), 0, "utimens OMIT, NOW");
    REQUIRE(n->atime == 1000 && n->mtime == e->fs.clock, "OMIT/NOW: atime %lld, mtime %lld (clock %lld)",
            (long long)n->atime, (long long)n->mtime, (long long)e->fs.clock);
    struct vfs_timespec bad[2] = {{0, 1000000000u}, {0, 0}};
    ERR_IS(vfs_utimens(&e->v, "/sim/hello.txt", bad), -VS_EINVAL, "utimens with 1e9 ns");
    return true;
}

static bool t_owner(struct env *e)
{
    env_init(e);
    e->opts.owner = true;
    e->opts.uid = 42;
    e->opts.gid = 43;
    CHECK(env_mount(e));
    ERR_IS(vfs_mkdir(&e->v, "/sim/od", 0755), 0, "mkdir");
    int fd = vfs_open(&e->v, "/sim/od/f", VFS_O_WRONLY | VFS_O_CREAT, 0644);
    REQUIRE(fd >= 0, "open(O_CREAT) = %d", fd);
    ERR_IS(vfs_close(&e->v, fd), 0, "close");
    ERR_IS(vfs_symlink(&e->v, "f", "/sim/od/l"), 0, "symlink");
    const char *names[] = {"od", "od/f", "od/l"};
    for (int i = 0; i < 3; i++) {
        const struct simfs_node *n = node(e, names[i]);
        REQUIRE(n->uid == 42 && n->gid == 43, "%s: owner %u:%u on the server, want 42:43", names[i], n->uid, n->gid);
    }
    struct vfs_stat st;
    REQUIRE(vfs_lstat(&e->v, "/sim/od/l", &st) == 0 && st.uid == 42 && st.gid == 43, "lstat owner %u:%u", st.uid,
            st.gid);
    return true;
}

static bool t_fsync_flush(struct env *e)
{
    if (!env_up(e))
        return false;
    int fd = vfs_open(&e->v, "/sim/page.bin", VFS_O_RDWR, 0);
    REQUIRE(fd >= 0, "open");
    REQUIRE(vfs_pwrite(&e->v, fd, "abc", 3, 4094) == 3, "pwrite");
    ERR_IS(vfs_fsync(&e->v, fd), 0, "fsync");
    ERR_IS(vfs_fsync(&e->v, fd), 0, "fsync again");
    REQUIRE(e->fs.ops[FUSE_FSYNC] == 2, "%lu FSYNCs for 2 calls", e->fs.ops[FUSE_FSYNC]);
    const struct simfs_node *n = node(e, "page.bin");
    REQUIRE(n->size == 4097 && simfs_byte(n, 4094) == 'a' && simfs_byte(n, 4096) == 'c', "size %llu",
            (unsigned long long)n->size);
    ERR_IS(vfs_close(&e->v, fd), 0, "close");
    REQUIRE(e->fs.ops[FUSE_FLUSH] == 1, "%lu FLUSHes for one close", e->fs.ops[FUSE_FLUSH]);
    ERR_IS(vfs_fsync(&e->v, fd), -VS_EBADF, "fsync of a closed fd");
    return true;
}

/* ---- Faults ---------------------------------------------------------------------
 * Each write operation with its FUSE request answered by an error (nothing
 * changes on the server, the errno comes back) or spoiled. */

struct wop {
    const char *what;
    uint32_t opcode;
    int (*act)(struct env *e);
    const char *unchanged; /* a name the failed operation must not have made */
};

static int act_create(struct env *e)
{
    int fd = vfs_open(&e->v, "/sim/dir/c", VFS_O_WRONLY | VFS_O_CREAT | VFS_O_EXCL, 0644);
    return fd >= 0 ? vfs_close(&e->v, fd) : fd;
}
static int act_write(struct env *e)
{
    int fd = vfs_open(&e->v, "/sim/dir/inner.txt", VFS_O_WRONLY, 0);
    if (fd < 0)
        return 1000;
    int64_t r = vfs_pwrite(&e->v, fd, "0123456789", 10, 6);
    vfs_close(&e->v, fd);
    return r < 0 ? (int)r : (int)r + 10000; /* a count, told from errors */
}
static int act_setattr(struct env *e) { return vfs_truncate(&e->v, "/sim/dir/inner.txt", 1); }
static int act_mkdir(struct env *e) { return vfs_mkdir(&e->v, "/sim/dir/c", 0755); }
static int act_symlink(struct env *e) { return vfs_symlink(&e->v, "t", "/sim/dir/c"); }
static int act_link(struct env *e) { return vfs_link(&e->v, "/sim/hello.txt", "/sim/dir/c"); }
static int act_unlink(struct env *e) { return vfs_unlink(&e->v, "/sim/dir/inner.txt"); }
static int act_rmdir(struct env *e)
{
    int err = vfs_unlink(&e->v, "/sim/dir/sub/leaf.txt");
    return err ? 1000 : vfs_rmdir(&e->v, "/sim/dir/sub");
}
static int act_rename(struct env *e) { return vfs_rename(&e->v, "/sim/dir/inner.txt", "/sim/dir/c", 0); }
static int act_rename2(struct env *e)
{
    return vfs_rename(&e->v, "/sim/dir/inner.txt", "/sim/dir/c", VFS_RENAME_NOREPLACE);
}
static int act_fsync(struct env *e)
{
    int fd = vfs_open(&e->v, "/sim/dir/inner.txt", VFS_O_WRONLY, 0);
    if (fd < 0)
        return 1000;
    int err = vfs_fsync(&e->v, fd);
    vfs_close(&e->v, fd);
    return err;
}
static int act_flush(struct env *e)
{
    int fd = vfs_open(&e->v, "/sim/dir/inner.txt", VFS_O_WRONLY, 0);
    if (fd < 0 || vfs_pwrite(&e->v, fd, "inner\n", 6, 0) != 6)
        return 1000;
    return vfs_close(&e->v, fd);
}

static const struct wop wops[] = {
    {"CREATE", FUSE_CREATE, act_create, "dir/c"},
    {"WRITE", FUSE_WRITE, act_write, NULL},
    {"SETATTR", FUSE_SETATTR, act_setattr, NULL},
    {"MKDIR", FUSE_MKDIR, act_mkdir, "dir/c"},
    {"SYMLINK", FUSE_SYMLINK, act_symlink, "dir/c"},
    {"LINK", FUSE_LINK, act_link, "dir/c"},
    {"UNLINK", FUSE_UNLINK, act_unlink, NULL},
    {"RMDIR", FUSE_RMDIR, act_rmdir, NULL},
    {"RENAME", FUSE_RENAME, act_rename, "dir/c"},
    {"RENAME2", FUSE_RENAME2, act_rename2, "dir/c"},
    {"FSYNC", FUSE_FSYNC, act_fsync, NULL},
    {"FLUSH", FUSE_FLUSH, act_flush, NULL},
};
#define NWOPS (sizeof wops / sizeof wops[0])

/* Every operation answered -EDQUOT: that errno, and no change. */
static bool t_fault_errors(struct env *e)
{
    for (unsigned i = 0; i < NWOPS; i++) {
        const struct wop *w = &wops[i];
        if (!env_up(e))
            return false;
        simfs_fault(&e->fs, SIMFS_FAULT_ERROR, w->opcode, 1, (uint32_t)-VS_EDQUOT);
        int r = w->act(e);
        bool ok = e->fs.fault.fired && r == -VS_EDQUOT;
        if (!ok)
            snprintf(why, sizeof why, "%s answered -EDQUOT: %d (%s)%s", w->what, r, vs_errno_name(r),
                     e->fs.fault.fired ? "" : ", the fault never fired");
        if (ok && w->unchanged)
            ok = absent(e, w->unchanged);
        if (ok && w->opcode != FUSE_CREATE && w->opcode != FUSE_MKDIR && w->opcode != FUSE_SYMLINK &&
            w->opcode != FUSE_LINK)
            ok = content_is(e, "dir/inner.txt", "inner\n", 6) && is_type(e, "dir/sub", VS_S_IFDIR | 0755);
        if (!env_down(e, ok)) {
            add_context(w->what);
            memset(e, 0, sizeof(*e));
            return false;
        }
        memset(e, 0, sizeof(*e));
    }
    return true;
}

/* A reply cut to 4 bytes (a CREATE, MKDIR, SYMLINK or LINK entry, a
 * SETATTR attr, a WRITE count): EPROTO; replies that carry nothing (UNLINK,
 * RMDIR, RENAME, FSYNC, FLUSH) are whole at 0 bytes.  What the server made
 * stays made, and a lookup or handle the client never saw cannot be given
 * back. */
static bool t_fault_short(struct env *e)
{
    for (unsigned i = 0; i < NWOPS; i++) {
        const struct wop *w = &wops[i];
        if (!env_up(e))
            return false;
        simfs_fault(&e->fs, SIMFS_FAULT_SHORT, w->opcode, 1, 4);
        int r = w->act(e);
        bool payload = w->opcode == FUSE_CREATE || w->opcode == FUSE_MKDIR || w->opcode == FUSE_SYMLINK ||
                       w->opcode == FUSE_LINK || w->opcode == FUSE_SETATTR || w->opcode == FUSE_WRITE;
        int want = payload ? -VS_EPROTO : 0;
        bool ok = e->fs.fault.fired && r == want;
        if (!ok)
            snprintf(why, sizeof why, "%s reply cut to 4 bytes: %d (%s), want %d", w->what, r, vs_errno_name(r), want);
        if (payload)
            e->check_counts = false;
        if (!env_down(e, ok)) {
            add_context(w->what);
            memset(e, 0, sizeof(*e));
            return false;
        }
        memset(e, 0, sizeof(*e));
    }
    return true;
}

/* The new entry of CREATE, MKDIR, SYMLINK, LINK and a SETATTR reply with no
 * valid file type: EPROTO. */
static bool t_fault_attr_type(struct env *e)
{
    static const unsigned pick[] = {0, 2, 3, 4, 5};
    for (unsigned k = 0; k < sizeof pick / sizeof pick[0]; k++) {
        const struct wop *w = &wops[pick[k]];
        if (!env_up(e))
            return false;
        simfs_fault(&e->fs, SIMFS_FAULT_ATTR_TYPE, w->opcode, 1, 0);
        int r = w->act(e);
        bool ok = e->fs.fault.fired && r == -VS_EPROTO;
        if (!ok)
            snprintf(why, sizeof why, "%s with a typeless attr: %d (%s)", w->what, r, vs_errno_name(r));
        /* Like Linux, the client does not FORGET an entry it refused. */
        e->check_counts = false;
        if (!env_down(e, ok)) {
            add_context(w->what);
            memset(e, 0, sizeof(*e));
            return false;
        }
        memset(e, 0, sizeof(*e));
    }
    return true;
}

/* WRITE answered for fewer bytes: a short count, the rest not written; for
 * more bytes than were sent: EPROTO. */
static bool t_fault_write_count(struct env *e)
{
    if (!env_up(e))
        return false;
    simfs_fault(&e->fs, SIMFS_FAULT_WRITE_LESS, FUSE_WRITE, 1, 4);
    int r = act_write(e);
    REQUIRE(r == 10004, "a WRITE of 10 answered 4: %d", r - 10000);
    CHECK(content_is(e, "dir/inner.txt", "inner\n0123", 10));
    simfs_fault(&e->fs, SIMFS_FAULT_WRITE_MORE, FUSE_WRITE, 1, 1);
    r = act_write(e);
    ERR_IS(r, -VS_EPROTO, "a WRITE of 10 answered 11");
    return true;
}

/* Replies with a bad header or another request's unique, an error with a
 * payload, and no reply at all. */
static bool t_fault_broken(struct env *e)
{
    static const struct {
        enum simfs_fault_kind kind;
        unsigned op;
        int want;
        const char *what;
    } cases[] = {
        {SIMFS_FAULT_HDR_LEN, 3, -VS_EPROTO, "MKDIR reply header longer than the reply"},
        {SIMFS_FAULT_HDR_LEN, 1, -VS_EPROTO, "WRITE reply header longer than the reply"},
        {SIMFS_FAULT_ERROR_PAYLOAD, 8, -VS_EPROTO, "RENAME error reply with a payload"},
        {SIMFS_FAULT_ERROR_PAYLOAD, 6, -VS_EPROTO, "UNLINK error reply with a payload"},
        {SIMFS_FAULT_NO_REPLY, 10, -VS_ETIMEDOUT, "FSYNC never answered"},
        {SIMFS_FAULT_NO_REPLY, 0, -VS_ETIMEDOUT, "CREATE never answered"},
        {SIMFS_FAULT_UNIQUE, 7, -VS_EPROTO, "RMDIR answered with another unique"},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct wop *w = &wops[cases[i].op];
        env_init(e);
        e->opts.timeout_s = 1;
        if (!env_mount(e))
            return false;
        simfs_fault(&e->fs, cases[i].kind, w->opcode, 1, 0);
        int r = w->act(e);
        bool ok = e->fs.fault.fired && r == cases[i].want;
        if (!ok)
            snprintf(why, sizeof why, "%s: %d (%s), want %s", cases[i].what, r, vs_errno_name(r),
                     vs_errno_name(cases[i].want));
        e->check_counts = false; /* the connection is dead */
        if (!env_down(e, ok)) {
            add_context(cases[i].what);
            memset(e, 0, sizeof(*e));
            return false;
        }
        memset(e, 0, sizeof(*e));
    }
    return true;
}

/* A WRITE answered after its timeout: the call fails, the caller's buffer
 * is held for the device (which may still read it), and the late answer
 * writes exactly those bytes. */
static bool t_late_write(struct env *e)
{
    env_init(e);
    e->opts.timeout_s = 1;
    e->fs.init_max_write = 64 * 1024;
    CHECK(env_mount(e));
    int fd = vfs_open(&e->v, "/sim/dir/late", VFS_O_WRONLY | VFS_O_CREAT, 0644);
    REQUIRE(fd >= 0, "open = %d", fd);
    const size_t len = 256 << 10, piece = 64 << 10; /* four WRITEs */
    uint8_t *buf = malloc(len);
    REQUIRE(buf, "malloc");
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(i * 13 + (i >> 9));
    simfs_fault(&e->fs, SIMFS_FAULT_NO_REPLY, FUSE_WRITE, 2, 0);
    int64_t r = vfs_pwrite(&e->v, fd, buf, len, 0);
    bool ok = (r == -VS_ETIMEDOUT || r == (int64_t)piece) && e->hp.nholds == 1 &&
              e->hp.holds[0].p == buf + piece && e->hp.holds[0].len == piece;
    if (!ok)
        snprintf(why, sizeof why, "pwrite = %lld (%s), %u ranges held (first %p+%zu), want the second WRITE's %p+%zu",
                 (long long)r, vs_errno_name((int)r), e->hp.nholds, e->hp.nholds ? e->hp.holds[0].p : NULL,
                 e->hp.nholds ? e->hp.holds[0].len : 0, (void *)(buf + piece), piece);
    if (ok && simdev_answer_held(&e->d, 1) != 1) {
        snprintf(why, sizeof why, "no stalled WRITE to answer late");
        ok = false;
    }
    if (ok)
        ok = content_is(e, "dir/late", buf, len);
    free(buf); /* the device has read it */
    CHECK(ok);
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount");
    e->abandoned = true;
    e->check_counts = false;
    return true;
}

/* A read-only mount refuses every change without a request. */
static bool t_ro(struct env *e)
{
    env_init(e);
    e->opts.ro = true;
    CHECK(env_mount(e));
    unsigned long before = e->fs.requests;
    ERR_IS(vfs_open(&e->v, "/sim/dir/c", VFS_O_WRONLY | VFS_O_CREAT, 0644), -VS_EROFS, "O_CREAT");
    ERR_IS(vfs_mkdir(&e->v, "/sim/dir/c", 0755), -VS_EROFS, "mkdir");
    ERR_IS(vfs_unlink(&e->v, "/sim/dir/inner.txt"), -VS_EROFS, "unlink");
    ERR_IS(vfs_rename(&e->v, "/sim/dir/inner.txt", "/sim/dir/c", 0), -VS_EROFS, "rename");
    ERR_IS(vfs_chmod(&e->v, "/sim/dir/inner.txt", 0), -VS_EROFS, "chmod");
    REQUIRE(e->fs.ops[FUSE_CREATE] + e->fs.ops[FUSE_MKDIR] + e->fs.ops[FUSE_UNLINK] + e->fs.ops[FUSE_RENAME] +
                    e->fs.ops[FUSE_SETATTR] == 0,
            "a change reached the server (%lu requests)", e->fs.requests - before);
    return content_is(e, "dir/inner.txt", "inner\n", 6);
}

int main(void)
{
    run("O_CREAT: one CREATE makes the file (mode); O_EXCL EEXIST; EISDIR, ENOENT, ENOTDIR; close RELEASE",
        t_create);
    run("O_CREAT through symlinks: a dangling one's target made (relative, absolute, chained); O_EXCL EEXIST, "
        "O_NOFOLLOW ELOOP; an existing target opened; ELOOP, ENOENT, EISDIR",
        t_create_through_links);
    run("O_CREAT of a directory itself (\"/\", the mount's root, \".\", \"..\", as symlink targets too): EISDIR, "
        "EEXIST with O_EXCL; nothing created",
        t_create_dir_itself);
    run("write and pwrite: the bytes on the server, holes of zeros, the position moved by write only",
        t_write_pwrite);
    run("a write of 1 MiB + 5 with max_write 64 KiB: 17 WRITEs, every byte on the server", t_write_split);
    run("O_TRUNC empties (O_RDONLY too); O_APPEND writes at the end; ftruncate and truncate shrink and grow with zeros",
        t_trunc_append);
    run("mkdir and rmdir: modes, EEXIST, ENOENT, ENOTDIR, ENOTEMPTY, EBUSY; nlink; stat after removal",
        t_mkdir_rmdir);
    run("unlink: the name gone from stat and readdir; EISDIR, ENOENT; an open file outlives its name", t_unlink);
    run("rename of files: new name, over a file, across dirs, onto itself, over a symlink", t_rename_files);
    run("rename of directories: ENOTEMPTY, ENOTDIR, EISDIR, EINVAL into itself; over an empty dir",
        t_rename_dirs);
    run("rename2: NOREPLACE (EEXIST), EXCHANGE of a file and a dir (ENOENT without a target), bad flags",
        t_rename2);
    run("symlink and link: the target as given, EEXIST; one inode under two names, nlink, EPERM on a dir",
        t_symlink_link);
    run("chmod and utimens: bits on the server (through a symlink), times set, OMIT and NOW", t_chmod_utimens);
    run("mount option owner: new directories, files and symlinks get uid:gid", t_owner);
    run("fsync: one FSYNC per call; close: one FLUSH; EBADF after close", t_fsync_flush);
    run("an error reply to each write operation: that errno, nothing changed", t_fault_errors);
    run("each write operation's reply cut short: EPROTO where a payload is due", t_fault_short);
    run("entries and attributes without a file type: EPROTO", t_fault_attr_type);
    run("WRITE answered for fewer bytes: a short count; for more: EPROTO", t_fault_write_count);
    run("bad header, error with payload, wrong unique, no reply: EPROTO or ETIMEDOUT", t_fault_broken);
    run("a WRITE answered after its timeout: the caller's buffer held, the late bytes where they belong",
        t_late_write);
    run("ro: every change EROFS without a request", t_ro);
    printf("%d cases, %d failed\n", cases, failures);
    return failures ? 1 : 0;
}
