/* SPDX-License-Identifier: BSD-2-Clause */
/* The VFS through the simulated virtio-fs device and its in-memory FUSE
 * server: mounting, path walks, reads, directories, symlinks, limits, and
 * every kind of device misbehaviour.  Each case runs on a fresh port, device
 * and server, and also fails if it leaked memory after umount, if the device
 * saw the driver break the virtio protocol, or if the server saw the client
 * break FUSE's rules (a lookup count going negative, a forgotten node used, a
 * READ beyond max_pages...). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simenv.h"
#include "vfs_internal.h"
#include "vs_errno.h"

/* Opens path, reads it whole with vfs_read in `chunk`-byte calls, checks the
 * content against the tree node rel, closes. */
static bool read_whole(struct env *e, const char *path, const char *rel, size_t chunk)
{
    const struct simfs_node *n = node(e, rel);
    int fd = vfs_open(&e->v, path, VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open %s = %d", path, fd);
    uint8_t *buf = malloc(n->size + chunk + 1);
    REQUIRE(buf, "malloc");
    uint64_t got = 0;
    for (;;) {
        int64_t r = vfs_read(&e->v, fd, buf + got, chunk);
        if (r <= 0) {
            if (r < 0) {
                free(buf);
                vfs_close(&e->v, fd);
                REQUIRE(false, "read %s at %llu = %lld", path, (unsigned long long)got, (long long)r);
            }
            break;
        }
        got += (uint64_t)r;
        if (got > n->size)
            break;
    }
    bool ok = got == n->size;
    if (ok)
        ok = same_content(n, buf, 0, n->size, path);
    else
        snprintf(why, sizeof why, "%s: read %llu bytes, want %llu", path, (unsigned long long)got,
                 (unsigned long long)n->size);
    free(buf);
    int cerr = vfs_close(&e->v, fd);
    CHECK(ok);
    REQUIRE(cerr == 0, "close %s = %d", path, cerr);
    return true;
}

/* pread of [off, off + n) of path, checked against node rel (which may end
 * earlier: then the count must stop at its end). */
static bool pread_check(struct env *e, int fd, const char *rel, uint64_t off, size_t n)
{
    const struct simfs_node *nd = node(e, rel);
    uint8_t *buf = malloc(n + 1);
    REQUIRE(buf, "malloc");
    int64_t r = vfs_pread(&e->v, fd, buf, n, off);
    uint64_t want = off >= nd->size ? 0 : (nd->size - off < n ? nd->size - off : n);
    bool ok = r == (int64_t)want;
    if (!ok)
        snprintf(why, sizeof why, "pread(%s, off %llu, %zu) = %lld, want %llu", rel, (unsigned long long)off, n,
                 (long long)r, (unsigned long long)want);
    else
        ok = same_content(nd, buf, off, (size_t)want, rel);
    free(buf);
    return ok;
}

static int do_stat(struct env *e, const char *path, struct vfs_stat *st)
{
    memset(st, 0xa5, sizeof(*st));
    return vfs_stat(&e->v, path, st);
}

/* stat(path) names tree node rel. */
static bool stat_is(struct env *e, const char *path, const char *rel)
{
    struct vfs_stat st;
    const struct simfs_node *n = node(e, rel);
    int err = do_stat(e, path, &st);
    REQUIRE(err == 0, "stat %s = %d (%s)", path, err, vs_errno_name(err));
    REQUIRE(st.ino == n->ino && st.size == n->size && st.mode == n->mode,
            "stat %s: ino %llu size %llu mode %o, want %s: ino %llu size %llu mode %o", path,
            (unsigned long long)st.ino, (unsigned long long)st.size, st.mode, rel, (unsigned long long)n->ino,
            (unsigned long long)n->size, n->mode);
    return true;
}

static bool stat_err(struct env *e, const char *path, int want)
{
    struct vfs_stat st;
    int err = do_stat(e, path, &st);
    REQUIRE(err == want, "stat %s = %d (%s), want %s", path, err, vs_errno_name(err), vs_errno_name(want));
    return true;
}

/* ---- Mounting ----------------------------------------------------------- */

static bool t_mount_umount(struct env *e)
{
    if (!env_up(e))
        return false;
    struct vfs_mount_info info;
    REQUIRE(vfs_mount_info(&e->v, 0, &info) && !strcmp(info.path, "/sim") && !strcmp(info.tag, "sim"),
            "mount info");
    REQUIRE(e->fs.inits == 1 && (e->d.status & VS_STATUS_DRIVER_OK) && e->d.q[0].enabled && e->d.q[1].enabled,
            "device not live: %lu INIT, status %#x", e->fs.inits, e->d.status);
    CHECK(stat_is(e, "/sim/hello.txt", "hello.txt"));
    int err = vfs_umount(&e->v, "/sim");
    REQUIRE(err == 0, "vfs_umount = %d", err);
    REQUIRE(e->fs.destroys == 1 && e->fs.lookups_at_destroy == 0 && e->fs.handles_at_destroy == 0,
            "DESTROY %lu, with %lld lookups and %u handles left", e->fs.destroys,
            (long long)e->fs.lookups_at_destroy, e->fs.handles_at_destroy);
    REQUIRE(e->d.status == 0 && !e->d.q[1].enabled, "device not reset after umount: status %#x", e->d.status);
    REQUIRE(!vfs_mount_info(&e->v, 0, &info), "still listed after umount");
    CHECK(stat_err(e, "/sim/hello.txt", -VS_ENOENT));
    err = vfs_umount(&e->v, "/sim");
    REQUIRE(err == -VS_EINVAL, "second umount = %d, want -EINVAL", err);
    return true;
}

static bool t_mount_paths(struct env *e)
{
    if (!env_up(e))
        return false;
    static const char *bad[] = {"sim", "/", "", "/a/b", "/.", "/..", "/x/"};
    struct simdev d2;
    simdev_init(&d2, &e->hp);
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int err = vfs_mount(&e->v, &d2.tr, bad[i], &e->opts);
        if (err != -VS_EINVAL) {
            if (!err)
                vfs_umount(&e->v, bad[i]);
            simdev_fini(&d2);
            REQUIRE(false, "mount at \"%s\" = %d, want -EINVAL", bad[i], err);
        }
    }
    int err = vfs_mount(&e->v, &d2.tr, "/sim", &e->opts);
    simdev_fini(&d2);
    REQUIRE(err == -VS_EBUSY, "second mount at /sim = %d, want -EBUSY", err);
    REQUIRE(d2.resets == 0 && d2.status == 0, "a refused mount touched the device");
    REQUIRE(vfs_umount(&e->v, "/nothing") == -VS_EINVAL, "umount of /nothing");
    CHECKC(stat_is(e, "/sim/hello.txt", "hello.txt"), "the first mount broke");
    return true;
}

static bool t_remount(struct env *e)
{
    if (!env_up(e))
        return false;
    CHECK(read_whole(e, "/sim/hello.txt", "hello.txt", 100));
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount");
    REQUIRE(simfs_nonzero_lookups(&e->fs, NULL) == 0, "lookups left after the first umount");
    char leak[300];
    REQUIRE(hostport_same(&e->hp, e->mark, leak, sizeof leak), "after the first umount: %s", leak);
    if (!env_mount(e))
        return false;
    REQUIRE(e->fs.inits == 2, "INIT %lu", e->fs.inits);
    CHECKC(read_whole(e, "/sim/big.bin", "big.bin", 65536), "second mount");
    return true;
}

/* A walk (stat of /sim/hello.txt) keeps its scratch while something is
 * mounted, and keeps nothing once nothing is: no memory left behind. */
static bool walk_keeps(struct env *e, bool mounted, const char *when)
{
    if (mounted)
        CHECKC(stat_is(e, "/sim/hello.txt", "hello.txt"), when);
    else
        CHECKC(stat_err(e, "/sim/hello.txt", -VS_ENOENT), when);
    REQUIRE((e->v.walk_scratch != NULL) == mounted, "%s: the walk's scratch %s", when,
            mounted ? "was freed" : "was kept");
    char leak[300];
    if (!mounted)
        REQUIRE(hostport_same(&e->hp, e->mark, leak, sizeof leak), "%s: %s", when, leak);
    return true;
}

static bool t_walk_scratch(struct env *e)
{
    if (!env_up(e))
        return false;
    CHECK(walk_keeps(e, true, "mounted"));
    struct simdev d2;
    simdev_init(&d2, &e->hp);
    int busy = vfs_mount(&e->v, &d2.tr, "/sim", &e->opts);
    e->hp.fail_alloc_in = 1;
    int nomem = vfs_mount(&e->v, &d2.tr, "/two", &e->opts);
    e->hp.fail_alloc_in = 0;
    simdev_fini(&d2);
    REQUIRE(busy == -VS_EBUSY && nomem == -VS_ENOMEM, "mounts = %d and %d, want -EBUSY and -ENOMEM", busy, nomem);
    CHECK(walk_keeps(e, true, "after two failed mounts"));
    int reset = vfs_umount_reset(&e->v, "/sim");
    REQUIRE(reset == 1, "umount_reset = %d, want 1", reset);
    CHECK(walk_keeps(e, false, "after umount_reset"));
    CHECK(env_mount(e));
    CHECK(walk_keeps(e, true, "mounted again"));
    vfs_umount_all(&e->v);
    CHECK(walk_keeps(e, false, "after umount_all"));
    CHECK(env_mount(e));
    CHECK(walk_keeps(e, true, "mounted a third time"));
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount");
    CHECK(walk_keeps(e, false, "after umount"));
    return true;
}

static bool t_two_devices(struct env *e)
{
    env_init(e);
    struct simdev d2;
    struct simfs fs2;
    simfs_init(&fs2);
    simdev_init(&d2, &e->hp);
    simdev_set_handler(&d2, simfs_handle, &fs2);
    simdev_set_tag(&d2, "other");
    bool ok = false;
    int e1 = vfs_mount(&e->v, &e->d.tr, "/a", &e->opts);
    int e2 = vfs_mount(&e->v, &d2.tr, "/b", &e->opts);
    if (e1 || e2) {
        snprintf(why, sizeof why, "mounts = %d, %d", e1, e2);
        goto out;
    }
    if (!stat_is(e, "/a/dir/inner.txt", "dir/inner.txt") || !stat_is(e, "/b/big.bin", "big.bin"))
        goto out;
    /* The root lists both. */
    int dd = vfs_opendir(&e->v, "/");
    struct vfs_dirent de;
    int seen = 0, r;
    while ((r = vfs_readdir(&e->v, dd, &de)) == 1)
        seen |= !strcmp(de.name, "a") ? 1 : !strcmp(de.name, "b") ? 2 : 4;
    vfs_closedir(&e->v, dd);
    if (r != 0 || seen != 3) {
        snprintf(why, sizeof why, "readdir / = %d, seen mask %d", r, seen);
        goto out;
    }
    if (e->fs.ops[FUSE_LOOKUP] == 0 || fs2.ops[FUSE_LOOKUP] == 0) {
        snprintf(why, sizeof why, "the requests did not reach both devices");
        goto out;
    }
    vfs_umount_all(&e->v);
    if (simfs_nonzero_lookups(&fs2, NULL) || fs2.destroys != 1 || d2.status != 0 || fs2.bugs) {
        snprintf(why, sizeof why, "the second device after umount_all: %u lookups, %lu DESTROY, status %#x, %s",
                 simfs_nonzero_lookups(&fs2, NULL), fs2.destroys, d2.status, fs2.bug);
        goto out;
    }
    ok = true;
out:
    vfs_umount_all(&e->v);
    e->check_counts = false; /* checked above (the first device by env_down's memory check) */
    if (ok && (simfs_nonzero_lookups(&e->fs, NULL) || e->fs.destroys != 1)) {
        snprintf(why, sizeof why, "the first device after umount_all");
        ok = false;
    }
    simdev_fini(&d2);
    simfs_fini(&fs2);
    return ok;
}

/* ---- Stat and read ------------------------------------------------------ */

static bool t_stat(struct env *e)
{
    if (!env_up(e))
        return false;
    struct vfs_stat st;
    CHECK(stat_is(e, "/sim/hello.txt", "hello.txt") && stat_is(e, "/sim/dir", "dir") &&
                stat_is(e, "/sim/dir/sub/leaf.txt", "dir/sub/leaf.txt") && stat_is(e, "/sim/big.bin", "big.bin"));
    REQUIRE(do_stat(e, "/sim/hello.txt", &st) == 0 && st.nlink == 1 && st.uid == 1000 && st.blksize == 4096 &&
                st.mtime == 1700000000 && st.mtime_ns == 2 && st.blocks == 1,
            "hello.txt attributes: nlink %u uid %u blksize %u mtime %lld.%u blocks %llu", st.nlink, st.uid,
            st.blksize, (long long)st.mtime, st.mtime_ns, (unsigned long long)st.blocks);
    REQUIRE(do_stat(e, "/sim", &st) == 0 && (st.mode & VS_S_IFMT) == VS_S_IFDIR && st.ino == 1,
            "stat /sim: mode %o ino %llu", st.mode, (unsigned long long)st.ino);
    REQUIRE(do_stat(e, "/", &st) == 0 && (st.mode & VS_S_IFMT) == VS_S_IFDIR, "stat /: mode %o", st.mode);
    REQUIRE(vfs_lstat(&e->v, "/sim/link-rel", &st) == 0 && (st.mode & VS_S_IFMT) == VS_S_IFLNK && st.size == 9,
            "lstat link-rel: mode %o size %llu", st.mode, (unsigned long long)st.size);
    CHECK(stat_is(e, "/sim/link-rel", "hello.txt"));
    REQUIRE(vfs_lstat(&e->v, "/sim/hello.txt", &st) == 0 && st.ino == node(e, "hello.txt")->ino,
            "lstat of a file");
    return true;
}

static bool t_read_sizes(struct env *e)
{
    if (!env_up(e))
        return false;
    static const char *files[] = {"hello.txt", "empty", "one.bin", "small.bin", "page.bin", "page1.bin",
                                  "big.bin", "huge.bin", "dir/sub/leaf.txt"};
    for (unsigned i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[64];
        snprintf(path, sizeof path, "/sim/%s", files[i]);
        CHECK(read_whole(e, path, files[i], 4u << 20));
    }
    /* Odd chunk sizes through the file position. */
    CHECK(read_whole(e, "/sim/big.bin", "big.bin", 7777));
    CHECK(read_whole(e, "/sim/page1.bin", "page1.bin", 1));
    return true;
}

static bool t_pread_ranges(struct env *e)
{
    if (!env_up(e))
        return false;
    int fd = vfs_open(&e->v, "/sim/big.bin", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open = %d", fd);
    const uint64_t mr = 1u << 20; /* max_read with max_pages 256 */
    bool ok = pread_check(e, fd, "big.bin", mr - 100, 300) && pread_check(e, fd, "big.bin", mr - 1, 2) &&
              pread_check(e, fd, "big.bin", 0, mr + 1) && pread_check(e, fd, "big.bin", 1, mr) &&
              pread_check(e, fd, "big.bin", mr, 4096) && pread_check(e, fd, "big.bin", SIMFS_BIG_SIZE - 1, 10) &&
              pread_check(e, fd, "big.bin", SIMFS_BIG_SIZE, 10) &&
              pread_check(e, fd, "big.bin", SIMFS_BIG_SIZE + 5000, 10) && pread_check(e, fd, "big.bin", 12345, 0);
    vfs_close(&e->v, fd);
    return ok;
}

static bool t_small_max_pages(struct env *e)
{
    env_init(e);
    e->fs.init_max_pages = 4; /* 16 KiB per READ */
    if (!env_mount(e))
        return false;
    unsigned long before = e->fs.ops[FUSE_READ];
    CHECK(read_whole(e, "/sim/big.bin", "big.bin", 4u << 20));
    unsigned long reads = e->fs.ops[FUSE_READ] - before, want = (SIMFS_BIG_SIZE + 16383) / 16384;
    /* At least one READ per 16 KiB (the server checks none is larger);
     * pipelining may send a few past the end, but not many. */
    REQUIRE(reads >= want && reads <= want + 16, "%lu READs for %u bytes at 16 KiB each, want %lu (+ a window)",
            reads, SIMFS_BIG_SIZE, want);
    int fd = vfs_open(&e->v, "/sim/huge.bin", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open");
    bool ok = pread_check(e, fd, "huge.bin", 16384 - 3, 7) && pread_check(e, fd, "huge.bin", 3 * 16384 - 1, 16386);
    vfs_close(&e->v, fd);
    /* READDIR too stays within max_pages (the server checks). */
    int dd = vfs_opendir(&e->v, "/sim/many");
    struct vfs_dirent de;
    int n = 0, r;
    while ((r = vfs_readdir(&e->v, dd, &de)) == 1)
        n++;
    vfs_closedir(&e->v, dd);
    CHECK(ok);
    REQUIRE(r == 0 && n == SIMFS_MANY + 2, "readdir many: %d after %d entries", r, n);
    return true;
}

static bool t_bounce(struct env *e)
{
    env_init(e);
    e->hp.dma_reachable = false; /* caller memory is not DMA-able */
    e->d.strict_dma = true;      /* the device checks every buffer is DMA memory */
    if (!env_mount(e))
        return false;
    CHECK(read_whole(e, "/sim/big.bin", "big.bin", 4u << 20) && read_whole(e, "/sim/huge.bin", "huge.bin", 300000));
    int fd = vfs_open(&e->v, "/sim/big.bin", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open");
    bool ok = pread_check(e, fd, "big.bin", (1u << 20) - 5, 10);
    vfs_close(&e->v, fd);
    CHECK(ok);
    char target[64];
    int64_t n = vfs_readlink(&e->v, "/sim/link-abs", target, sizeof target);
    REQUIRE(n == 8 && !memcmp(target, "/sim/dir", 8), "readlink = %lld", (long long)n);
    CHECK(stat_is(e, "/sim/link-abs/inner.txt", "dir/inner.txt"));
    int dd = vfs_opendir(&e->v, "/sim/many");
    struct vfs_dirent de;
    int k = 0, r;
    while ((r = vfs_readdir(&e->v, dd, &de)) == 1)
        k++;
    vfs_closedir(&e->v, dd);
    REQUIRE(r == 0 && k == SIMFS_MANY + 2, "readdir: %d after %d", r, k);
    REQUIRE(e->hp.dma_addr_calls > 0, "dma_addr was never asked");
    return true;
}

/* Without dma_addr every byte moves through one bounce buffer, as large as
 * the biggest request INIT allows: 16 KiB with max_pages 4, not 1 MiB. */
static bool t_bounce_sized(struct env *e)
{
    env_init(e);
    e->hp.port.dma_addr = NULL;
    e->d.strict_dma = true;
    e->fs.init_max_pages = 4;
    if (!env_mount(e))
        return false;
    size_t before = e->hp.dma_bytes;
    CHECK(read_whole(e, "/sim/huge.bin", "huge.bin", 1u << 20));
    REQUIRE(e->hp.dma_bytes - before == 16384, "reading took %zu bytes of DMA memory, want a 16 KiB bounce buffer",
            e->hp.dma_bytes - before);
    CHECK(stat_is(e, "/sim/link-abs/inner.txt", "dir/inner.txt"));
    REQUIRE(e->hp.dma_bytes - before == 16384, "READLINK took more DMA memory");
    return true;
}

static bool t_lseek_fstat(struct env *e)
{
    if (!env_up(e))
        return false;
    int fd = vfs_open(&e->v, "/sim/page1.bin", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open");
    struct vfs_stat st;
    int64_t end = vfs_lseek(&e->v, fd, 0, VFS_SEEK_END);
    int64_t cur = vfs_lseek(&e->v, fd, -10, VFS_SEEK_CUR);
    uint8_t buf[32];
    int64_t r = vfs_read(&e->v, fd, buf, sizeof buf);
    int64_t neg = vfs_lseek(&e->v, fd, -5000, VFS_SEEK_SET);
    int64_t bad = vfs_lseek(&e->v, fd, 0, 7);
    int64_t set = vfs_lseek(&e->v, fd, 100, VFS_SEEK_SET);
    uint8_t buf2[8];
    int64_t r2 = vfs_read(&e->v, fd, buf2, 4);
    int ferr = vfs_fstat(&e->v, fd, &st);
    vfs_close(&e->v, fd);
    REQUIRE(end == 4097 && cur == 4087, "SEEK_END %lld, SEEK_CUR -10 %lld", (long long)end, (long long)cur);
    REQUIRE(r == 10, "read after seek = %lld, want 10", (long long)r);
    CHECK(same_content(node(e, "page1.bin"), buf, 4087, 10, "read after seek"));
    REQUIRE(neg == -VS_EINVAL && bad == -VS_EINVAL && set == 100, "seek -5000 %lld, whence 7 %lld, SET 100 %lld",
            (long long)neg, (long long)bad, (long long)set);
    CHECK(r2 == 4 && same_content(node(e, "page1.bin"), buf2, 100, 4, "read at 100"));
    REQUIRE(ferr == 0 && st.size == 4097 && (st.mode & VS_S_IFMT) == VS_S_IFREG, "fstat = %d size %llu", ferr,
            (unsigned long long)st.size);
    return true;
}

static bool t_statfs(struct env *e)
{
    if (!env_up(e))
        return false;
    struct vfs_statfs s;
    int err = vfs_statfs(&e->v, "/sim/dir", &s);
    REQUIRE(err == 0 && s.blocks == 1000000 && s.bfree == 500000 && s.bavail == 400000 && s.bsize == 4096 &&
                s.namelen == 255 && s.files == 10000,
            "statfs = %d blocks %llu", err, (unsigned long long)s.blocks);
    err = vfs_statfs(&e->v, "/", &s);
    REQUIRE(err == 0 && s.bsize != 0, "statfs / = %d", err);
    return true;
}

/* ---- Directories -------------------------------------------------------- */

/* Lists path and checks it against tree directory rel: every child exactly
 * once with its ino and type, plus "." and "..". */
static bool list_equals_tree(struct env *e, const char *path, const char *rel)
{
    const struct simfs_node *dir = node(e, rel);
    unsigned nseen = 0, dots = 0;
    static unsigned char seen[8192];
    memset(seen, 0, sizeof seen);
    int dd = vfs_opendir(&e->v, path);
    REQUIRE(dd >= 0, "opendir %s = %d", path, dd);
    struct vfs_dirent de;
    int r;
    int last_index = -1;
    bool in_order = true;
    while ((r = vfs_readdir(&e->v, dd, &de)) == 1) {
        if (!strcmp(de.name, ".") || !strcmp(de.name, "..")) {
            dots++;
            continue;
        }
        int found = -1;
        for (int c = dir->first_child; c >= 0; c = e->fs.nodes[c].next_sibling) {
            if (!strcmp(e->fs.nodes[c].name, de.name)) {
                found = c;
                break;
            }
        }
        if (found < 0 || seen[found]) {
            vfs_closedir(&e->v, dd);
            REQUIRE(false, "readdir %s: %s \"%.60s\"", path, found < 0 ? "unknown name" : "repeated name", de.name);
        }
        seen[found] = 1;
        nseen++;
        in_order &= found > last_index;
        last_index = found;
        const struct simfs_node *c = &e->fs.nodes[found];
        if (de.ino != c->ino || de.type != fuse_mode_to_dt(c->mode) || de.namelen != strlen(c->name)) {
            vfs_closedir(&e->v, dd);
            REQUIRE(false, "readdir %s: %s has ino %llu type %u", path, de.name, (unsigned long long)de.ino,
                    de.type);
        }
    }
    int cerr = vfs_closedir(&e->v, dd);
    REQUIRE(r == 0, "readdir %s ended with %d (%s)", path, r, vs_errno_name(r));
    REQUIRE(nseen == dir->nchildren && dots == 2 && in_order, "readdir %s: %u of %u names, %u dot entries%s", path,
            nseen, dir->nchildren, dots, in_order ? "" : ", out of order");
    REQUIRE(cerr == 0, "closedir = %d", cerr);
    return true;
}

static bool t_readdir(struct env *e)
{
    if (!env_up(e))
        return false;
    CHECK(list_equals_tree(e, "/sim", "") && list_equals_tree(e, "/sim/dir", "dir") &&
                list_equals_tree(e, "/sim/dir/sub", "dir/sub") && list_equals_tree(e, "/sim/link-dir", "dir"));
    unsigned long before = e->fs.ops[FUSE_READDIR];
    CHECK(list_equals_tree(e, "/sim/many", "many"));
    REQUIRE(e->fs.ops[FUSE_READDIR] - before >= 2, "1500 entries came in %lu READDIR replies",
            e->fs.ops[FUSE_READDIR] - before);
    /* The virtual root lists the mount. */
    int dd = vfs_opendir(&e->v, "/");
    struct vfs_dirent de;
    int r = vfs_readdir(&e->v, dd, &de);
    int r2 = vfs_readdir(&e->v, dd, &de);
    vfs_closedir(&e->v, dd);
    REQUIRE(r == 1 && r2 == 0, "readdir / = %d then %d", r, r2);
    return true;
}

/* ---- Path walks --------------------------------------------------------- */

static bool t_symlinks(struct env *e)
{
    if (!env_up(e))
        return false;
    CHECK(stat_is(e, "/sim/link-rel", "hello.txt") && stat_is(e, "/sim/link-dir", "dir") &&
                stat_is(e, "/sim/link-dir/inner.txt", "dir/inner.txt") && stat_is(e, "/sim/link-abs", "dir") &&
                stat_is(e, "/sim/link-abs/sub/leaf.txt", "dir/sub/leaf.txt") &&
                stat_is(e, "/sim/link-abs-file", "dir/inner.txt") && stat_is(e, "/sim/dir/up", "hello.txt") &&
                stat_is(e, "/sim/link-dir/up", "hello.txt") && stat_is(e, "/sim/link-dir/", "dir"));
    CHECK(read_whole(e, "/sim/link-abs-file", "dir/inner.txt", 100));
    CHECK(stat_err(e, "/sim/link-none", -VS_ENOENT) && stat_err(e, "/sim/link-dangling", -VS_ENOENT) &&
                stat_err(e, "/sim/link-rel/", -VS_ENOTDIR));
    struct vfs_stat st;
    REQUIRE(vfs_lstat(&e->v, "/sim/link-dangling", &st) == 0 && (st.mode & VS_S_IFMT) == VS_S_IFLNK,
            "lstat of a dangling link");
    char buf[64];
    int64_t n = vfs_readlink(&e->v, "/sim/link-abs", buf, sizeof buf);
    REQUIRE(n == 8 && !memcmp(buf, "/sim/dir", 8), "readlink link-abs = %lld", (long long)n);
    n = vfs_readlink(&e->v, "/sim/link-abs", buf, 3);
    REQUIRE(n == 3 && !memcmp(buf, "/si", 3), "readlink into 3 bytes = %lld", (long long)n);
    n = vfs_readlink(&e->v, "/sim/link-dir/up", buf, sizeof buf);
    REQUIRE(n == 12 && !memcmp(buf, "../hello.txt", 12), "readlink dir/up = %lld", (long long)n);
    n = vfs_readlink(&e->v, "/sim/hello.txt", buf, sizeof buf);
    REQUIRE(n == -VS_EINVAL, "readlink of a file = %lld", (long long)n);
    int fd = vfs_open(&e->v, "/sim/link-rel", VFS_O_RDONLY | VFS_O_NOFOLLOW, 0);
    REQUIRE(fd == -VS_ELOOP, "open(link, O_NOFOLLOW) = %d", fd);
    return true;
}

/* The chroot mount option: absolute targets start at the share's root, and
 * never leave it (".." stops there). */
static bool t_chroot_links(struct env *e)
{
    env_init(e);
    e->opts.chroot = true;
    CHECK(env_mount(e));
    REQUIRE(vfs_symlink(&e->v, "/dir/inner.txt", "/sim/rl") == 0, "symlink /sim/rl");
    REQUIRE(vfs_symlink(&e->v, "/../../hello.txt", "/sim/up") == 0, "symlink /sim/up");
    CHECK(stat_is(e, "/sim/rl", "dir/inner.txt"));
    CHECK(stat_is(e, "/sim/up", "hello.txt"));
    CHECK(stat_is(e, "/sim/dir/sub/../../rl", "dir/inner.txt"));
    CHECK(stat_is(e, "/sim/link-rel", "hello.txt"));
    /* A target written for the guest's root names nothing in the share. */
    CHECK(stat_err(e, "/sim/link-abs-file", -VS_ENOENT));
    return true;
}

static bool t_eloop(struct env *e)
{
    if (!env_up(e))
        return false;
    CHECK(stat_err(e, "/sim/loop-a", -VS_ELOOP) && stat_err(e, "/sim/self", -VS_ELOOP) &&
                stat_err(e, "/sim/loop-b/x", -VS_ELOOP));
    struct vfs_stat st;
    REQUIRE(vfs_lstat(&e->v, "/sim/loop-a", &st) == 0 && (st.mode & VS_S_IFMT) == VS_S_IFLNK, "lstat loop-a");
    CHECKC(stat_is(e, "/sim/chain01", "hello.txt"), "40 links");
    CHECKC(stat_err(e, "/sim/chain00", -VS_ELOOP), "41 links");
    int fd = vfs_open(&e->v, "/sim/self", VFS_O_RDONLY, 0);
    REQUIRE(fd == -VS_ELOOP, "open self = %d", fd);
    return true;
}

static bool t_dotdot(struct env *e)
{
    if (!env_up(e))
        return false;
    struct vfs_stat st;
    CHECK(stat_is(e, "/sim/dir/..", "") && stat_is(e, "/sim/dir/sub/../../hello.txt", "hello.txt") &&
                stat_is(e, "/sim/dir/sub/../inner.txt", "dir/inner.txt") && stat_is(e, "/sim/./dir/./inner.txt", "dir/inner.txt") &&
                stat_is(e, "//sim///dir//inner.txt", "dir/inner.txt"));
    /* Never above the share's root. */
    CHECK(stat_is(e, "/sim/..", "") && stat_is(e, "/sim/../hello.txt", "hello.txt") &&
                stat_is(e, "/sim/dir/../../../../hello.txt", "hello.txt") && stat_is(e, "/sim/escape", "hello.txt"));
    REQUIRE(do_stat(e, "/sim/../sim", &st) == -VS_ENOENT, "/sim/../sim must not reach the virtual root");
    return true;
}

static bool t_errors(struct env *e)
{
    if (!env_up(e))
        return false;
    CHECK(stat_err(e, "/sim/nope", -VS_ENOENT) && stat_err(e, "/nomount", -VS_ENOENT) &&
                stat_err(e, "/nomount/x", -VS_ENOENT) && stat_err(e, "/sim/dir/nope", -VS_ENOENT) &&
                stat_err(e, "/sim/hello.txt/x", -VS_ENOTDIR) && stat_err(e, "/sim/hello.txt/", -VS_ENOTDIR) &&
                stat_err(e, "sim/hello.txt", -VS_EINVAL) && stat_err(e, "", -VS_EINVAL));
    int r1 = vfs_open(&e->v, "/sim/dir", VFS_O_RDONLY, 0);
    int r2 = vfs_open(&e->v, "/sim", VFS_O_RDONLY, 0);
    int r3 = vfs_open(&e->v, "/", VFS_O_RDONLY, 0);
    int r4 = vfs_opendir(&e->v, "/sim/hello.txt");
    int r5 = vfs_opendir(&e->v, "/sim/nope");
    int r6 = vfs_open(&e->v, "/sim/hello.txt", VFS_O_RDONLY | VFS_O_DIRECTORY, 0);
    REQUIRE(r1 == -VS_EISDIR && r2 == -VS_EISDIR && r3 == -VS_EISDIR && r4 == -VS_ENOTDIR && r5 == -VS_ENOENT &&
                r6 == -VS_ENOTDIR,
            "open dir %d, open /sim %d, open / %d, opendir file %d, opendir missing %d, O_DIRECTORY file %d", r1, r2,
            r3, r4, r5, r6);
    /* The server's negative-entry style gives the same answer. */
    e->fs.negative_entries = true;
    CHECKC(stat_err(e, "/sim/also-nope", -VS_ENOENT), "negative entry");
    return true;
}

/* Names the host changed while the client still trusts its cached ones
 * (entry validity 1 s): a walk through a stale name is retried once with
 * fresh LOOKUPs, and fails only as a fresh walk would. */
static bool t_stale_names(struct env *e)
{
    if (!env_up(e) || !stat_is(e, "/sim/dir/inner.txt", "dir/inner.txt") || !stat_is(e, "/sim/hello.txt", "hello.txt"))
        return false;
    /* A directory renamed away and made anew; a file replaced by a directory. */
    REQUIRE(simfs_host_rename(&e->fs, "dir", "", "dir.old") == 0 && simfs_host_add(&e->fs, "", "dir", VS_S_IFDIR | 0755, 0) >= 0 &&
                simfs_host_add(&e->fs, "dir", "fresh.txt", VS_S_IFREG | 0644, 10) >= 0 &&
                simfs_host_rename(&e->fs, "hello.txt", "", "hello.old") == 0 &&
                simfs_host_add(&e->fs, "", "hello.txt", VS_S_IFDIR | 0755, 0) >= 0 &&
                simfs_host_add(&e->fs, "hello.txt", "z", VS_S_IFREG | 0644, 3) >= 0,
            "host changes");
    unsigned long before = e->fs.ops[FUSE_LOOKUP];
    if (!stat_is(e, "/sim/dir/fresh.txt", "dir/fresh.txt"))
        return false;
    /* LOOKUP fresh.txt in the old directory (ENOENT), then dir and fresh.txt anew. */
    REQUIRE(e->fs.ops[FUSE_LOOKUP] - before == 3, "%lu LOOKUPs for the retried walk, want 3",
            e->fs.ops[FUSE_LOOKUP] - before);
    if (!stat_is(e, "/sim/hello.txt/z", "hello.txt/z") || !stat_is(e, "/sim/dir.old/inner.txt", "dir.old/inner.txt"))
        return false;
    /* What a fresh walk fails on still fails, after one retry: nothing in
     * the cached dir, then dir and nothing anew; dir.old and inner.txt anew. */
    before = e->fs.ops[FUSE_LOOKUP];
    if (!stat_err(e, "/sim/dir/nothing", -VS_ENOENT))
        return false;
    REQUIRE(e->fs.ops[FUSE_LOOKUP] - before == 3, "%lu LOOKUPs for a missing name, want 3",
            e->fs.ops[FUSE_LOOKUP] - before);
    before = e->fs.ops[FUSE_LOOKUP];
    if (!stat_err(e, "/sim/dir.old/inner.txt/x", -VS_ENOTDIR))
        return false;
    REQUIRE(e->fs.ops[FUSE_LOOKUP] - before == 2, "%lu LOOKUPs for a name under a file, want 2",
            e->fs.ops[FUSE_LOOKUP] - before);
    return true;
}

static bool t_name_limits(struct env *e)
{
    if (!env_up(e))
        return false;
    char path[12000];
    char l255[256];
    memset(l255, 'L', 255);
    l255[255] = 0;
    snprintf(path, sizeof path, "/sim/%s", l255);
    CHECKC(stat_is(e, path, l255), "a 255-byte name");
    unsigned long lookups = e->fs.ops[FUSE_LOOKUP];
    snprintf(path, sizeof path, "/sim/%sL", l255);
    CHECKC(stat_err(e, path, -VS_ENAMETOOLONG), "a 256-byte name");
    REQUIRE(e->fs.ops[FUSE_LOOKUP] == lookups, "a 256-byte name was sent to the device");
    /* 4095 bytes is a valid path; 4096 is not. */
    strcpy(path, "/sim/");
    while (strlen(path) < 4095 - strlen("hello.txt"))
        strcat(path, "/");
    strcat(path, "hello.txt");
    REQUIRE(strlen(path) == 4095, "test bug: path of %zu bytes", strlen(path));
    CHECKC(stat_is(e, path, "hello.txt"), "a 4095-byte path");
    memmove(path + 1, path, strlen(path) + 1);
    CHECKC(stat_err(e, path, -VS_ENAMETOOLONG), "a 4096-byte path");
    memset(path, 'a', sizeof path - 1);
    path[0] = '/';
    path[sizeof path - 1] = 0;
    CHECKC(stat_err(e, path, -VS_ENAMETOOLONG), "an 12000-byte path");
    /* The deep path. */
    strcpy(path, "/sim/deep");
    for (int k = 1; k <= SIMFS_DEEP; k++) {
        char c[16];
        snprintf(c, sizeof c, "/d%02d", k);
        strcat(path, c);
    }
    strcat(path, "/bottom.txt");
    CHECKC(read_whole(e, path, path + 5, 64), "deep path");
    return true;
}

static bool t_emfile(struct env *e)
{
    if (!env_up(e))
        return false;
    int fds[VFS_MAX_FILES];
    for (int i = 0; i < VFS_MAX_FILES; i++) {
        fds[i] = i % 5 == 4 ? vfs_opendir(&e->v, "/sim/dir") : vfs_open(&e->v, "/sim/hello.txt", VFS_O_RDONLY, 0);
        REQUIRE(fds[i] >= 0 && fds[i] < VFS_MAX_FILES, "open %d = %d", i, fds[i]);
        for (int j = 0; j < i; j++)
            REQUIRE(fds[j] != fds[i], "fd %d given twice", fds[i]);
    }
    int r1 = vfs_open(&e->v, "/sim/hello.txt", VFS_O_RDONLY, 0);
    int r2 = vfs_opendir(&e->v, "/sim");
    REQUIRE(r1 == -VS_EMFILE && r2 == -VS_EMFILE, "open %d, opendir %d with a full table, want -EMFILE", r1, r2);
    REQUIRE(e->fs.nhandles == VFS_MAX_FILES, "server has %u handles", e->fs.nhandles);
    REQUIRE(vfs_close(&e->v, fds[10]) == 0, "close");
    fds[10] = vfs_open(&e->v, "/sim/big.bin", VFS_O_RDONLY, 0);
    REQUIRE(fds[10] >= 0, "open after a close = %d", fds[10]);
    for (int i = 0; i < VFS_MAX_FILES; i++) {
        int err = i % 5 == 4 ? vfs_closedir(&e->v, fds[i]) : vfs_close(&e->v, fds[i]);
        REQUIRE(err == 0, "close %d = %d", fds[i], err);
    }
    REQUIRE(e->fs.nhandles == 0, "%u handles left", e->fs.nhandles);
    return true;
}

static bool t_ebadf(struct env *e)
{
    if (!env_up(e))
        return false;
    uint8_t b[8];
    struct vfs_dirent de;
    int fd = vfs_open(&e->v, "/sim/hello.txt", VFS_O_RDONLY, 0);
    int dd = vfs_opendir(&e->v, "/sim/dir");
    REQUIRE(fd >= 0 && dd >= 0, "open");
    int64_t r1 = vfs_read(&e->v, -1, b, 1), r2 = vfs_read(&e->v, VFS_MAX_FILES, b, 1);
    int64_t r3 = vfs_read(&e->v, dd, b, 1);
    int r4 = vfs_readdir(&e->v, fd, &de);
    REQUIRE(vfs_close(&e->v, fd) == 0, "close");
    int64_t r5 = vfs_read(&e->v, fd, b, 1);
    int r6 = vfs_close(&e->v, fd);
    REQUIRE(vfs_closedir(&e->v, dd) == 0, "closedir");
    int r7 = vfs_closedir(&e->v, dd);
    REQUIRE(r1 == -VS_EBADF && r2 == -VS_EBADF && r3 == -VS_EBADF && r4 == -VS_EBADF && r5 == -VS_EBADF &&
                r6 == -VS_EBADF && r7 == -VS_EBADF,
            "%lld %lld %lld %d %lld %d %d, want -EBADF", (long long)r1, (long long)r2, (long long)r3, r4,
            (long long)r5, r6, r7);
    return true;
}

static bool t_umount_returns_everything(struct env *e)
{
    if (!env_up(e))
        return false;
    char path[64];
    /* Every file of many/ twice, and the tree's other nodes. */
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < SIMFS_MANY; k++) {
            snprintf(path, sizeof path, "/sim/many/f%04d", k);
            struct vfs_stat st;
            int err = do_stat(e, path, &st);
            REQUIRE(err == 0 && st.size == (uint64_t)k, "stat %s = %d", path, err);
        }
    }
    REQUIRE(e->fs.lookups_now > 0, "the server counts no lookups");
    /* Open files and directories are closed by umount. */
    int fd = vfs_open(&e->v, "/sim/dir/sub/leaf.txt", VFS_O_RDONLY, 0);
    int dd = vfs_opendir(&e->v, "/sim/deep/d01");
    REQUIRE(fd >= 0 && dd >= 0, "open");
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount");
    REQUIRE(e->fs.lookups_at_destroy == 0 && e->fs.handles_at_destroy == 0,
            "at DESTROY: %lld lookups, %u handles", (long long)e->fs.lookups_at_destroy, e->fs.handles_at_destroy);
    uint8_t b;
    REQUIRE(vfs_read(&e->v, fd, &b, 1) == -VS_EBADF && vfs_closedir(&e->v, dd) == -VS_EBADF,
            "descriptors survive umount");
    return true;
}

static bool t_deferred(struct env *e)
{
    env_init(e);
    e->d.deferred = 3; /* both queues move only when the driver polls */
    if (!env_mount(e))
        return false;
    CHECK(read_whole(e, "/sim/big.bin", "big.bin", 4u << 20) && list_equals_tree(e, "/sim", "") &&
                stat_is(e, "/sim/link-abs/sub/leaf.txt", "dir/sub/leaf.txt"));
    REQUIRE(e->hp.relax_calls > 0, "the driver never polled");
    return true;
}

/* Everything a device answering newest first exercises: pipelined READs,
 * detached RELEASEs, FORGETs, completed out of order. */
static bool out_of_order_suite(struct env *e)
{
    CHECK(read_whole(e, "/sim/huge.bin", "huge.bin", 4u << 20) && read_whole(e, "/sim/big.bin", "big.bin", 100000) &&
          list_equals_tree(e, "/sim/many", "many") && stat_is(e, "/sim/link-abs/sub/leaf.txt", "dir/sub/leaf.txt"));
    int fd = vfs_open(&e->v, "/sim/huge.bin", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open = %d", fd);
    bool ok = pread_check(e, fd, "huge.bin", (1u << 20) - 3, (2u << 20) + 7) &&
              pread_check(e, fd, "huge.bin", 5, SIMFS_HUGE_SIZE);
    vfs_close(&e->v, fd);
    CHECK(ok);
    /* Opens and closes back to back: RELEASEs may still be in flight. */
    for (int k = 0; k < 3 * VFS_MAX_FILES; k++) {
        int f = k % 2 ? vfs_opendir(&e->v, "/sim/dir") : vfs_open(&e->v, "/sim/hello.txt", VFS_O_RDONLY, 0);
        REQUIRE(f >= 0, "open %d = %d", k, f);
        int err = k % 2 ? vfs_closedir(&e->v, f) : vfs_close(&e->v, f);
        REQUIRE(err == 0, "close %d = %d", k, err);
    }
    return true;
}

static bool t_out_of_order(struct env *e)
{
    env_init(e);
    e->d.deferred = 3;
    e->d.lifo = true;
    if (!env_mount(e))
        return false;
    return out_of_order_suite(e);
}

static bool t_out_of_order_bounce(struct env *e)
{
    env_init(e);
    e->d.deferred = 3;
    e->d.lifo = true;
    e->hp.dma_reachable = false;
    e->d.strict_dma = true;
    if (!env_mount(e))
        return false;
    return out_of_order_suite(e);
}

static bool t_lazy_hiprio(struct env *e)
{
    env_init(e);
    e->d.deferred = 1; /* FORGETs pile up until the driver polls */
    e->d.lifo = true;
    if (!env_mount(e))
        return false;
    char path[64];
    for (int k = 0; k < 300; k++) {
        snprintf(path, sizeof path, "/sim/many/f%04d", k);
        struct vfs_stat st;
        REQUIRE(do_stat(e, path, &st) == 0, "stat %s", path);
    }
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount");
    REQUIRE(e->fs.forgets >= 300 && e->fs.lookups_at_destroy == 0, "%lu FORGETs, %lld lookups at DESTROY",
            e->fs.forgets, (long long)e->fs.lookups_at_destroy);
    return true;
}

static bool t_enomem(struct env *e)
{
    env_init(e);
    /* Fail each allocation of a mount in turn: the mount fails cleanly. */
    int k;
    for (k = 1; k < 200; k++) {
        e->hp.fail_alloc_in = k;
        int err = vfs_mount(&e->v, &e->d.tr, "/sim", &e->opts);
        e->hp.fail_alloc_in = 0;
        if (err == 0)
            break;
        char leak[300];
        REQUIRE(err == -VS_ENOMEM, "allocation %d failing: mount = %d", k, err);
        REQUIRE(hostport_same(&e->hp, e->mark, leak, sizeof leak), "allocation %d failing: %s", k, leak);
    }
    REQUIRE(k > 1 && k < 200, "mount never succeeded");
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount");
    for (k = 1; k < 50; k++) {
        e->hp.fail_dma_in = k;
        int err = vfs_mount(&e->v, &e->d.tr, "/sim", &e->opts);
        e->hp.fail_dma_in = 0;
        if (err == 0)
            break;
        char leak[300];
        REQUIRE(err == -VS_ENOMEM, "DMA allocation %d failing: mount = %d", k, err);
        REQUIRE(hostport_same(&e->hp, e->mark, leak, sizeof leak), "DMA allocation %d failing: %s", k, leak);
    }
    REQUIRE(k > 1 && k < 50, "mount never succeeded");
    /* And during operations. */
    for (k = 1; k < 20; k++) {
        e->hp.fail_alloc_in = k;
        struct vfs_stat st;
        int err = do_stat(e, "/sim/dir/sub/leaf.txt", &st);
        e->hp.fail_alloc_in = 0;
        REQUIRE(err == 0 || err == -VS_ENOMEM, "allocation %d failing: stat = %d", k, err);
    }
    CHECKC(stat_is(e, "/sim/dir/sub/leaf.txt", "dir/sub/leaf.txt"), "after ENOMEM");
    e->hp.fail_dma_in = 1; /* the bounce buffer */
    e->hp.dma_reachable = false;
    int fd = vfs_open(&e->v, "/sim/hello.txt", VFS_O_RDONLY, 0);
    uint8_t b[4];
    int64_t r = fd >= 0 ? vfs_read(&e->v, fd, b, 4) : fd;
    e->hp.fail_dma_in = 0;
    int64_t r2 = fd >= 0 ? vfs_read(&e->v, fd, b, 4) : fd;
    if (fd >= 0)
        vfs_close(&e->v, fd);
    REQUIRE(r == -VS_ENOMEM && r2 == 4, "read without a bounce buffer = %lld, then %lld", (long long)r, (long long)r2);
    return true;
}

/* ---- Device faults ------------------------------------------------------ */

/* Mounts, arms a FUSE-level fault, stats path and expects `want`; then the
 * connection is dead (dead = true: a later stat fails too) or alive. */
static bool fuse_fault_stat(struct env *e, enum simfs_fault_kind kind, uint32_t opcode, uint32_t arg,
                            const char *path, int want, bool dead)
{
    if (!e->hp.port.alloc)
        env_init(e);
    if (!env_mount(e))
        return false;
    simfs_fault(&e->fs, kind, opcode, 1, arg);
    struct vfs_stat st;
    int err = do_stat(e, path, &st);
    REQUIRE(e->fs.fault.fired, "the fault never fired");
    REQUIRE(err == want, "stat %s = %d (%s), want %d (%s)", path, err, vs_errno_name(err), want, vs_errno_name(want));
    int later = do_stat(e, "/sim/dir/inner.txt", &st);
    if (dead) {
        REQUIRE(later == want, "a later stat = %d, want the connection dead with %d", later, want);
        e->check_counts = false;
    } else {
        REQUIRE(later == 0, "a later stat = %d: one bad reply killed the connection", later);
    }
    return true;
}

static bool t_f_hdr_len(struct env *e)
{
    return fuse_fault_stat(e, SIMFS_FAULT_HDR_LEN, FUSE_LOOKUP, 8, "/sim/hello.txt", -VS_EPROTO, true);
}
static bool t_f_hdr_len_short(struct env *e)
{
    /* The header claims less than the device wrote. */
    return fuse_fault_stat(e, SIMFS_FAULT_HDR_LEN, FUSE_LOOKUP, (uint32_t)-8, "/sim/hello.txt", -VS_EPROTO, true);
}
static bool t_f_unique(struct env *e)
{
    return fuse_fault_stat(e, SIMFS_FAULT_UNIQUE, FUSE_LOOKUP, 0, "/sim/hello.txt", -VS_EPROTO, true);
}
static bool t_f_err_positive(struct env *e)
{
    return fuse_fault_stat(e, SIMFS_FAULT_ERROR, FUSE_LOOKUP, 5, "/sim/hello.txt", -VS_EPROTO, true);
}
static bool t_f_err_range(struct env *e)
{
    return fuse_fault_stat(e, SIMFS_FAULT_ERROR, FUSE_LOOKUP, (uint32_t)-4096, "/sim/hello.txt", -VS_EPROTO, true);
}
static bool t_f_err_min(struct env *e)
{
    return fuse_fault_stat(e, SIMFS_FAULT_ERROR, FUSE_LOOKUP, (uint32_t)-4095, "/sim/hello.txt", -4095, false);
}
static bool t_f_err_passed_on(struct env *e)
{
    return fuse_fault_stat(e, SIMFS_FAULT_ERROR, FUSE_LOOKUP, (uint32_t)-VS_EACCES, "/sim/hello.txt", -VS_EACCES,
                           false);
}
static bool t_f_err_payload(struct env *e)
{
    return fuse_fault_stat(e, SIMFS_FAULT_ERROR_PAYLOAD, FUSE_LOOKUP, 0, "/sim/hello.txt", -VS_EPROTO, true);
}
static bool t_f_attr_type(struct env *e)
{
    /* Alive afterwards, and the lookup the server counted is given back. */
    return fuse_fault_stat(e, SIMFS_FAULT_ATTR_TYPE, FUSE_LOOKUP, 0, "/sim/hello.txt", -VS_EPROTO, false);
}
static bool t_f_attr_type_getattr(struct env *e)
{
    env_init(e);
    e->fs.attr_valid = 0; /* so stat asks */
    return fuse_fault_stat(e, SIMFS_FAULT_ATTR_TYPE, FUSE_GETATTR, 0, "/sim", -VS_EPROTO, false);
}
static bool t_f_entry_root(struct env *e)
{
    return fuse_fault_stat(e, SIMFS_FAULT_ENTRY_ROOT, FUSE_LOOKUP, 0, "/sim/hello.txt", -VS_EPROTO, false);
}
static bool t_f_short_entry(struct env *e)
{
    /* The client cannot give back a lookup it could not read. */
    if (!fuse_fault_stat(e, SIMFS_FAULT_SHORT, FUSE_LOOKUP, 100, "/sim/hello.txt", -VS_EPROTO, false))
        return false;
    e->check_counts = false;
    return true;
}
static bool t_f_short_attr(struct env *e)
{
    env_init(e);
    e->fs.attr_valid = 0;
    return fuse_fault_stat(e, SIMFS_FAULT_SHORT, FUSE_GETATTR, 0, "/sim", -VS_EPROTO, false);
}

/* Ring-level faults on the request queue during a stat. */
static bool ring_fault_stat(struct env *e, enum simdev_fault_kind kind, uint32_t arg, int want)
{
    if (!env_up(e))
        return false;
    simdev_fault(&e->d, kind, 1, 1, arg);
    struct vfs_stat st;
    int err = do_stat(e, "/sim/dir/inner.txt", &st);
    REQUIRE(e->d.fault.fired, "the fault never fired");
    REQUIRE(err == want, "stat = %d (%s), want %d (%s)", err, vs_errno_name(err), want, vs_errno_name(want));
    int later = do_stat(e, "/sim/hello.txt", &st);
    REQUIRE(later == want, "a later stat = %d, want the connection dead with %d", later, want);
    e->check_counts = false;
    return true;
}

static bool t_r_len_short(struct env *e)
{
    return ring_fault_stat(e, SIMDEV_FAULT_LEN_SET, 8, -VS_EPROTO);
}
static bool t_r_len_zero(struct env *e)
{
    return ring_fault_stat(e, SIMDEV_FAULT_LEN_SET, 0, -VS_EPROTO);
}
static bool t_r_len_large(struct env *e)
{
    return ring_fault_stat(e, SIMDEV_FAULT_LEN_LARGE, 1, -VS_EIO);
}
static bool t_r_id_range(struct env *e)
{
    return ring_fault_stat(e, SIMDEV_FAULT_ID_RANGE, 0, -VS_EIO);
}
static bool t_r_id_repeat(struct env *e)
{
    return ring_fault_stat(e, SIMDEV_FAULT_ID_REPEAT, 0, -VS_EIO);
}
static bool t_r_id_not_in_flight(struct env *e)
{
    return ring_fault_stat(e, SIMDEV_FAULT_ID_NOT_IN_FLIGHT, 0, -VS_EIO);
}
static bool t_r_idx_jump(struct env *e)
{
    return ring_fault_stat(e, SIMDEV_FAULT_IDX_JUMP, 1, -VS_EIO);
}

static bool t_r_hiprio_len(struct env *e)
{
    /* A FORGET's descriptor coming back with a length: the umount still
     * finishes and frees everything. */
    if (!env_up(e))
        return false;
    CHECK(stat_is(e, "/sim/hello.txt", "hello.txt"));
    simdev_fault(&e->d, SIMDEV_FAULT_LEN_LARGE, 0, 1, 0);
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount");
    REQUIRE(e->d.fault.fired, "the fault never fired");
    e->check_counts = false;
    return true;
}

/* Directory faults: the stream returns only real names, then -EPROTO. */
static bool dirent_fault(struct env *e, enum simfs_fault_kind kind)
{
    if (!env_up(e))
        return false;
    simfs_fault(&e->fs, kind, FUSE_READDIR, 1, 0);
    int dd = vfs_opendir(&e->v, "/sim/dir");
    REQUIRE(dd >= 0, "opendir = %d", dd);
    struct vfs_dirent de;
    int r, n = 0;
    bool clean = true;
    while ((r = vfs_readdir(&e->v, dd, &de)) == 1 && n < 100) {
        n++;
        clean &= de.namelen > 0 && de.namelen == strlen(de.name) && !strchr(de.name, '/') &&
                 (!strcmp(de.name, ".") || !strcmp(de.name, "..") || simfs_find(&e->fs, "dir") != NULL);
        bool known = !strcmp(de.name, ".") || !strcmp(de.name, "..");
        for (int c = node(e, "dir")->first_child; c >= 0; c = e->fs.nodes[c].next_sibling)
            known |= !strcmp(e->fs.nodes[c].name, de.name);
        clean &= known;
    }
    int cerr = vfs_closedir(&e->v, dd);
    REQUIRE(e->fs.fault.fired, "the fault never fired");
    REQUIRE(r == -VS_EPROTO, "readdir ended with %d after %d entries, want -EPROTO", r, n);
    REQUIRE(clean, "readdir returned a name the directory does not have");
    REQUIRE(cerr == 0, "closedir = %d", cerr);
    return true;
}

static bool t_d_overflow(struct env *e) { return dirent_fault(e, SIMFS_FAULT_DIRENT_OVERFLOW); }
static bool t_d_namelen0(struct env *e) { return dirent_fault(e, SIMFS_FAULT_DIRENT_NAMELEN0); }
static bool t_d_slash(struct env *e) { return dirent_fault(e, SIMFS_FAULT_DIRENT_SLASH); }
static bool t_d_nul(struct env *e) { return dirent_fault(e, SIMFS_FAULT_DIRENT_NUL); }

static bool t_read_more(struct env *e)
{
    if (!env_up(e))
        return false;
    int fd = vfs_open(&e->v, "/sim/big.bin", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open");
    simfs_fault(&e->fs, SIMFS_FAULT_READ_MORE, FUSE_READ, 1, 100);
    uint8_t buf[1000];
    int64_t r = vfs_pread(&e->v, fd, buf, sizeof buf, 0);
    vfs_close(&e->v, fd);
    REQUIRE(e->fs.fault.fired, "the fault never fired");
    REQUIRE(r == -VS_EPROTO || r == -VS_EIO, "READ answering 1100 bytes for 1000: %lld", (long long)r);
    e->check_counts = false;
    return true;
}

static bool readlink_fault(struct env *e, enum simfs_fault_kind kind)
{
    if (!env_up(e))
        return false;
    simfs_fault(&e->fs, kind, FUSE_READLINK, 1, 10);
    char buf[64];
    int64_t r = vfs_readlink(&e->v, "/sim/link-rel", buf, sizeof buf);
    REQUIRE(e->fs.fault.fired, "the fault never fired");
    REQUIRE(r == -VS_EPROTO, "readlink = %lld, want -EPROTO", (long long)r);
    simfs_fault(&e->fs, kind, FUSE_READLINK, 1, 10);
    struct vfs_stat st;
    int err = do_stat(e, "/sim/link-dir/inner.txt", &st);
    REQUIRE(err == -VS_EPROTO, "stat through the link = %d, want -EPROTO", err);
    e->check_counts = kind != SIMFS_FAULT_READLINK_LONG;
    return true;
}

static bool t_readlink_long(struct env *e) { return readlink_fault(e, SIMFS_FAULT_READLINK_LONG); }
static bool t_readlink_nul(struct env *e) { return readlink_fault(e, SIMFS_FAULT_READLINK_NUL); }
static bool t_readlink_empty(struct env *e) { return readlink_fault(e, SIMFS_FAULT_READLINK_EMPTY); }

static bool t_statfs_bad(struct env *e)
{
    if (!env_up(e))
        return false;
    simfs_fault(&e->fs, SIMFS_FAULT_STATFS_BAD, FUSE_STATFS, 1, 0);
    struct vfs_statfs s;
    int err = vfs_statfs(&e->v, "/sim", &s);
    REQUIRE(err == -VS_EPROTO, "statfs = %d", err);
    return true;
}

static bool t_open_short(struct env *e)
{
    if (!env_up(e))
        return false;
    simfs_fault(&e->fs, SIMFS_FAULT_SHORT, FUSE_OPEN, 1, 8);
    int fd = vfs_open(&e->v, "/sim/hello.txt", VFS_O_RDONLY, 0);
    REQUIRE(fd == -VS_EPROTO, "open with an 8-byte fuse_open_out = %d", fd);
    e->check_counts = false; /* the server's handle cannot be released */
    return true;
}

/* A fault in the middle of a pipelined read: READs of 16 KiB, several in
 * flight, answered newest first.  The read returns the good data before the
 * fault or the error; the connection is dead afterwards; nothing leaks. */
static bool pipelined_fault(struct env *e, enum simfs_fault_kind fk, enum simdev_fault_kind rk, int want)
{
    env_init(e);
    e->fs.init_max_pages = 4;
    e->d.deferred = 3;
    e->d.lifo = true;
    if (!env_mount(e))
        return false;
    int fd = vfs_open(&e->v, "/sim/big.bin", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open");
    if (fk != SIMFS_FAULT_NONE)
        simfs_fault(&e->fs, fk, FUSE_READ, 2, 0);
    else
        simdev_fault(&e->d, rk, 1, 2, 1);
    static uint8_t buf[200000];
    int64_t r = vfs_pread(&e->v, fd, buf, sizeof buf, 0);
    REQUIRE(fk != SIMFS_FAULT_NONE ? e->fs.fault.fired : e->d.fault.fired, "the fault never fired");
    REQUIRE(r == want || (r > 0 && r < (int64_t)sizeof buf && r % 16384 == 0), "pread = %lld, want %d or a part",
            (long long)r, want);
    if (r > 0)
        CHECK(same_content(node(e, "big.bin"), buf, 0, (size_t)r, "data before the fault"));
    int64_t r2 = vfs_pread(&e->v, fd, buf, 10, 0);
    REQUIRE(r2 == want, "a later pread = %lld, want %d", (long long)r2, want);
    e->check_counts = false;
    return true;
}

static bool t_pipe_hdr(struct env *e)
{
    return pipelined_fault(e, SIMFS_FAULT_HDR_LEN, SIMDEV_FAULT_NONE, -VS_EPROTO);
}
static bool t_pipe_unique(struct env *e)
{
    return pipelined_fault(e, SIMFS_FAULT_UNIQUE, SIMDEV_FAULT_NONE, -VS_EPROTO);
}
static bool t_pipe_more(struct env *e)
{
    return pipelined_fault(e, SIMFS_FAULT_READ_MORE, SIMDEV_FAULT_NONE, -VS_EPROTO);
}
static bool t_pipe_repeat(struct env *e)
{
    return pipelined_fault(e, SIMFS_FAULT_NONE, SIMDEV_FAULT_ID_REPEAT, -VS_EIO);
}
static bool t_pipe_idx(struct env *e)
{
    return pipelined_fault(e, SIMFS_FAULT_NONE, SIMDEV_FAULT_IDX_JUMP, -VS_EIO);
}
static bool t_pipe_len(struct env *e)
{
    return pipelined_fault(e, SIMFS_FAULT_NONE, SIMDEV_FAULT_LEN_LARGE, -VS_EIO);
}

static bool t_release_bad(struct env *e)
{
    /* A RELEASE nobody waits for, answered with a bad header: the
     * connection still notices. */
    if (!env_up(e))
        return false;
    int fd = vfs_open(&e->v, "/sim/hello.txt", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open");
    simfs_fault(&e->fs, SIMFS_FAULT_HDR_LEN, FUSE_RELEASE, 1, 0);
    int cerr = vfs_close(&e->v, fd);
    struct vfs_stat st;
    int err = do_stat(e, "/sim/dir/inner.txt", &st);
    int err2 = do_stat(e, "/sim/dir/sub", &st);
    REQUIRE(e->fs.fault.fired, "the fault never fired");
    REQUIRE(cerr == 0 || cerr == -VS_EPROTO, "close = %d", cerr);
    REQUIRE(err == -VS_EPROTO || err2 == -VS_EPROTO, "after a bad RELEASE reply: stat %d, %d; want -EPROTO", err, err2);
    e->check_counts = false;
    return true;
}

/* ---- Stalls and resets -------------------------------------------------- */

static bool t_stall(struct env *e)
{
    env_init(e);
    e->opts.timeout_s = 1;
    if (!env_mount(e))
        return false;
    simdev_fault(&e->d, SIMDEV_FAULT_STALL, 1, 1, 0);
    struct vfs_stat st;
    uint64_t t0 = hostport_now_ns();
    int err = do_stat(e, "/sim/hello.txt", &st);
    double s = secs_since(t0);
    REQUIRE(err == -VS_ETIMEDOUT, "stat on a stalled device = %d (%s)", err, vs_errno_name(err));
    REQUIRE(s >= 1.0 && s < 3.0, "timed out after %.2f s, want [1, 3)", s);
    /* At once: the dead connection adds no request and polls not once
     * (counted, not timed: a loaded machine stretches any time bound). */
    uint16_t added = e->d.q[1].avail[1];
    unsigned long relaxed = e->hp.relax_calls;
    err = do_stat(e, "/sim/dir", &st);
    REQUIRE(err == -VS_ETIMEDOUT && e->d.q[1].avail[1] == added && e->hp.relax_calls == relaxed,
            "a later stat = %d after %u more requests and %lu polling turns, want -ETIMEDOUT at once", err,
            (unsigned)(uint16_t)(e->d.q[1].avail[1] - added), e->hp.relax_calls - relaxed);
    t0 = hostport_now_ns();
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount");
    REQUIRE(secs_since(t0) < 3.0, "umount of a dead mount took %.2f s", secs_since(t0));
    /* Abandoned, not reset: its DMA memory stays, ordinary memory is back. */
    REQUIRE(e->d.status != 0, "a device that stopped answering was reset at umount");
    REQUIRE(e->hp.allocs == e->mark.allocs, "after umount: %ld allocations live (was %ld)", e->hp.allocs,
            e->mark.allocs);
    e->abandoned = true;
    /* The device works again after a new mount resets it. */
    if (!env_mount(e))
        return false;
    CHECKC(stat_is(e, "/sim/hello.txt", "hello.txt"), "after a remount");
    /* The server started a new session at INIT: the second mount's counts
     * are checked at teardown. */
    return true;
}

static bool t_stall_read(struct env *e)
{
    env_init(e);
    e->opts.timeout_s = 1;
    e->d.deferred = 3;
    if (!env_mount(e))
        return false;
    int fd = vfs_open(&e->v, "/sim/big.bin", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open");
    simfs_fault(&e->fs, SIMFS_FAULT_NO_REPLY, FUSE_READ, 2, 0);
    static uint8_t buf[SIMFS_BIG_SIZE];
    uint64_t t0 = hostport_now_ns();
    int64_t r = vfs_pread(&e->v, fd, buf, sizeof buf, 0);
    double s = secs_since(t0);
    /* What came before the READ that never answered, or the error. */
    REQUIRE((r == -VS_ETIMEDOUT || (r > 0 && r < SIMFS_BIG_SIZE)) && s >= 1.0 && s < 3.0,
            "pread = %lld after %.2f s", (long long)r, s);
    if (r > 0)
        CHECK(same_content(node(e, "big.bin"), buf, 0, (size_t)r, "data before the stall"));
    int64_t r2 = vfs_pread(&e->v, fd, buf, 10, 0);
    REQUIRE(r2 == -VS_ETIMEDOUT, "a later pread = %lld", (long long)r2);
    e->check_counts = false;
    return true;
}

/* Mounts with a timeout of timeout_s, loses the request queue's next
 * notification and stats a file, which must succeed: *secs is how long. */
static bool stat_after_lost_notify(struct env *e, unsigned timeout_s, double *secs)
{
    env_init(e);
    e->opts.timeout_s = timeout_s;
    if (!env_mount(e))
        return false;
    struct vfs_mount_info mi;
    REQUIRE(vfs_mount_info(&e->v, 0, &mi) && mi.nudges == 0, "nudges before any loss: %llu",
            (unsigned long long)mi.nudges);
    e->d.lose_notifies[1] = 1;
    struct vfs_stat st;
    uint64_t t0 = hostport_now_ns();
    int err = do_stat(e, "/sim/dir/inner.txt", &st);
    *secs = secs_since(t0);
    REQUIRE(e->d.q[1].lost_notifies == 1, "the notify was not lost (%lu)", e->d.q[1].lost_notifies);
    REQUIRE(err == 0, "stat after a lost notify with timeout=%u = %d (%s) after %.2f s", timeout_s, err,
            vs_errno_name(err), *secs);
    return true;
}

/* A host that loses a notification (the request sits in the avail ring,
 * the device never looks): the driver tells it again after a second
 * without an answer, and the request completes instead of timing out. */
static bool t_lost_notify(struct env *e)
{
    double s;
    CHECK(stat_after_lost_notify(e, 5, &s));
    REQUIRE(s >= 0.9 && s < 3.0, "answered after %.2f s, want about 1 s", s);
    struct vfs_mount_info mi;
    REQUIRE(vfs_mount_info(&e->v, 0, &mi) && mi.nudges >= 1 && mi.nudges <= 3, "nudges %llu, want 1-3",
            (unsigned long long)mi.nudges);
    /* The queue works at full speed again: a later request is answered at
     * its notify, found at the first look (not one polling turn) and never
     * told again (counted, not timed: a loaded machine stretches any time
     * bound). */
    uint64_t before = mi.nudges;
    unsigned long relaxed = e->hp.relax_calls;
    CHECKC(stat_is(e, "/sim/hello.txt", "hello.txt"), "after the lost notify");
    REQUIRE(vfs_mount_info(&e->v, 0, &mi) && mi.nudges == before && e->hp.relax_calls == relaxed,
            "a later stat: nudges %llu -> %llu, %lu polling turns", (unsigned long long)before,
            (unsigned long long)mi.nudges, e->hp.relax_calls - relaxed);
    return true;
}

/* With timeout=1 the repeat comes at half the timeout, not at the deadline
 * (where it came too late: the soak lost such requests). */
static bool t_lost_notify_short_timeout(struct env *e)
{
    double s;
    CHECK(stat_after_lost_notify(e, 1, &s));
    REQUIRE(s >= 0.45 && s < 0.95, "answered after %.2f s, want about 0.5 s", s);
    return true;
}

static bool t_needs_reset(struct env *e)
{
    env_init(e);
    e->opts.timeout_s = 1;
    if (!env_mount(e))
        return false;
    simdev_fault(&e->d, SIMDEV_FAULT_NEEDS_RESET, 1, 1, 0);
    struct vfs_stat st;
    uint64_t t0 = hostport_now_ns();
    int err = do_stat(e, "/sim/hello.txt", &st);
    double s = secs_since(t0);
    REQUIRE(e->d.status & VS_STATUS_NEEDS_RESET, "fault not injected");
    REQUIRE((err == -VS_EIO || err == -VS_ETIMEDOUT) && s < 3.0, "stat = %d (%s) after %.2f s", err,
            vs_errno_name(err), s);
    e->check_counts = false;
    return true;
}

static bool t_forget_stall(struct env *e)
{
    env_init(e);
    e->opts.timeout_s = 1;
    if (!env_mount(e))
        return false;
    char path[64];
    for (int k = 0; k < 100; k++) {
        snprintf(path, sizeof path, "/sim/many/f%04d", k);
        struct vfs_stat st;
        REQUIRE(do_stat(e, path, &st) == 0, "stat %s", path);
    }
    /* The hiprio queue stops answering: umount must not hang. */
    simdev_fault(&e->d, SIMDEV_FAULT_STALL, 0, 1, 0);
    uint64_t t0 = hostport_now_ns();
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount");
    double s = secs_since(t0);
    REQUIRE(s < 3.0, "umount with a stalled hiprio queue took %.2f s", s);
    e->check_counts = false;
    e->abandoned = true;
    return true;
}

static bool t_release_stall(struct env *e)
{
    /* A RELEASE nobody waits for is never answered: the FORGET of its node
     * waits for it, but umount still ends within the timeout. */
    env_init(e);
    e->opts.timeout_s = 1;
    if (!env_mount(e))
        return false;
    int fd = vfs_open(&e->v, "/sim/dir/inner.txt", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open");
    simfs_fault(&e->fs, SIMFS_FAULT_NO_REPLY, FUSE_RELEASE, 1, 0);
    int cerr = vfs_close(&e->v, fd);
    REQUIRE(e->fs.fault.fired, "the fault never fired");
    REQUIRE(cerr == 0 || cerr == -VS_ETIMEDOUT, "close = %d", cerr);
    uint64_t t0 = hostport_now_ns();
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount");
    double s = secs_since(t0);
    REQUIRE(s < 3.0, "umount behind a RELEASE never answered took %.2f s", s);
    e->check_counts = false;
    e->abandoned = true;
    return true;
}

/* ---- Bring-up and INIT failures ----------------------------------------- */

/* The mount must fail with want, leave nothing allocated and the device not
 * live. */
static bool mount_fails(struct env *e, int want, const char *what)
{
    uint64_t t0 = hostport_now_ns();
    int err = vfs_mount(&e->v, &e->d.tr, "/sim", &e->opts);
    double s = secs_since(t0);
    char leak[300];
    if (!err)
        vfs_umount(&e->v, "/sim");
    REQUIRE(err == want, "%s: mount = %d (%s), want %s", what, err, vs_errno_name(err), vs_errno_name(want));
    REQUIRE(hostport_same(&e->hp, e->mark, leak, sizeof leak), "%s: %s", what, leak);
    REQUIRE(!(e->d.status & VS_STATUS_DRIVER_OK) && !e->d.q[0].enabled && !e->d.q[1].enabled,
            "%s: device left live, status %#x", what, e->d.status);
    REQUIRE(s < 3.0, "%s: took %.2f s", what, s);
    struct vfs_mount_info info;
    REQUIRE(!vfs_mount_info(&e->v, 0, &info), "%s: a failed mount is listed", what);
    e->check_counts = false;
    return true;
}

static bool t_init_minor30(struct env *e)
{
    env_init(e);
    e->fs.init_minor = 30;
    return mount_fails(e, -VS_EPROTO, "INIT minor 30");
}
static bool t_init_major8(struct env *e)
{
    env_init(e);
    e->fs.init_major = 8;
    return mount_fails(e, -VS_EPROTO, "INIT major 8");
}
/* INIT limits below one page are raised to one page, as Linux does. */
static bool t_init_max_write0(struct env *e)
{
    env_init(e);
    e->fs.init_max_write = 0;
    CHECK(env_mount(e));
    REQUIRE(e->v.mounts[0]->conn.params.max_write == 4096, "max_write %u, want 4096",
            e->v.mounts[0]->conn.params.max_write);
    return read_whole(e, "/sim/big.bin", "big.bin", 1u << 20);
}
static bool t_init_max_pages0(struct env *e)
{
    env_init(e);
    e->fs.init_max_pages = 0;
    CHECK(env_mount(e));
    REQUIRE(e->v.mounts[0]->conn.params.max_read == 4096, "max_read %u, want 4096",
            e->v.mounts[0]->conn.params.max_read);
    /* The server checks that no READ or READDIR is larger than a page. */
    CHECK(read_whole(e, "/sim/page1.bin", "page1.bin", 65536));
    return list_equals_tree(e, "/sim/dir", "dir");
}
static bool t_init_short(struct env *e)
{
    env_init(e);
    e->fs.init_len = 16;
    return mount_fails(e, -VS_EPROTO, "INIT reply of 16 bytes");
}
static bool t_init_unique(struct env *e)
{
    env_init(e);
    simfs_fault(&e->fs, SIMFS_FAULT_UNIQUE, FUSE_INIT, 1, 0);
    return mount_fails(e, -VS_EPROTO, "INIT with a wrong unique");
}
static bool t_init_enosys(struct env *e)
{
    env_init(e);
    simfs_fault(&e->fs, SIMFS_FAULT_ERROR, FUSE_INIT, 1, (uint32_t)-VS_ENOSYS);
    return mount_fails(e, -VS_ENOSYS, "INIT answered -ENOSYS");
}
static bool t_init_stall(struct env *e)
{
    /* As an unmount after a timeout ends: the device is not reset (QEMU
     * would wait for the same silent daemon) and keeps the DMA memory it
     * may still write; ordinary memory is back; a new mount resets it. */
    env_init(e);
    e->opts.timeout_s = 1;
    simfs_fault(&e->fs, SIMFS_FAULT_NO_REPLY, FUSE_INIT, 1, 0);
    uint64_t t0 = hostport_now_ns();
    int err = vfs_mount(&e->v, &e->d.tr, "/sim", &e->opts);
    double s = secs_since(t0);
    REQUIRE(err == -VS_ETIMEDOUT && s >= 1.0 && s < 3.0, "mount = %d (%s) after %.2f s", err,
            vs_errno_name(err), s);
    REQUIRE(e->hp.allocs == e->mark.allocs, "%ld allocations live (was %ld)", e->hp.allocs, e->mark.allocs);
    REQUIRE(e->d.status & VS_STATUS_DRIVER_OK, "the device was reset after it stopped answering");
    e->abandoned = true;
    CHECK(env_mount(e));
    CHECKC(stat_is(e, "/sim/hello.txt", "hello.txt"), "after a remount");
    return true;
}
static bool t_init_ring_fault(struct env *e)
{
    env_init(e);
    simdev_fault(&e->d, SIMDEV_FAULT_ID_RANGE, 1, 1, 0);
    return mount_fails(e, -VS_EIO, "INIT completed with a bad id");
}
static bool t_root_not_dir(struct env *e)
{
    env_init(e);
    simfs_fault(&e->fs, SIMFS_FAULT_ATTR_TYPE, FUSE_GETATTR, 1, 0);
    return mount_fails(e, -VS_EPROTO, "root GETATTR without a file type");
}
static bool t_no_version1(struct env *e)
{
    env_init(e);
    e->d.features_offered = 0;
    return mount_fails(e, -VS_ENODEV, "no VERSION_1");
}
static bool t_features_refused(struct env *e)
{
    env_init(e);
    e->d.refuse_features_ok = true;
    return mount_fails(e, -VS_EIO, "FEATURES_OK refused");
}
static bool t_needs_reset_at_start(struct env *e)
{
    env_init(e);
    e->d.needs_reset_on_driver_ok = true;
    return mount_fails(e, -VS_EIO, "NEEDS_RESET at DRIVER_OK");
}
static bool t_bad_config(struct env *e)
{
    env_init(e);
    simdev_set_tag(&e->d, "");
    if (!mount_fails(e, -VS_EPROTO, "empty tag"))
        return false;
    simdev_set_tag(&e->d, "a/b");
    if (!mount_fails(e, -VS_EPROTO, "tag with '/'"))
        return false;
    simdev_set_tag(&e->d, "tab\there");
    if (!mount_fails(e, -VS_EPROTO, "tag with a control character"))
        return false;
    simdev_set_tag(&e->d, "sim");
    simdev_set_num_request_queues(&e->d, 0);
    if (!mount_fails(e, -VS_EPROTO, "no request queue"))
        return false;
    simdev_set_num_request_queues(&e->d, 1);
    e->d.queue_max[1] = 0;
    if (!mount_fails(e, -VS_ENODEV, "request queue absent"))
        return false;
    e->d.queue_max[1] = 256;
    e->d.queue_max[0] = 0;
    if (!mount_fails(e, -VS_ENODEV, "hiprio queue absent"))
        return false;
    e->d.queue_max[0] = 256;
    e->d.fail_queue_enable = 2;
    if (!mount_fails(e, -VS_EIO, "queue_enable failing"))
        return false;
    e->d.fail_queue_enable = 0;
    /* The simulated transport has no irq_setup (nor the host port the
     * interrupt hooks): irq=msix is refused, not silently polled. */
    e->opts.irq_msix = true;
    if (!mount_fails(e, -VS_ENOTSUP, "irq=msix without MSI-X"))
        return false;
    e->opts.irq_msix = false;
    return env_mount(e) && stat_is(e, "/sim/hello.txt", "hello.txt");
}

static bool t_tag36(struct env *e)
{
    env_init(e);
    simdev_set_tag(&e->d, "abcdefghijklmnopqrstuvwxyz0123456789"); /* 36 bytes, no NUL */
    if (!env_mount(e))
        return false;
    struct vfs_mount_info info;
    REQUIRE(vfs_mount_info(&e->v, 0, &info) && strlen(info.tag) == 36 && !strcmp(info.tag, "abcdefghijklmnopqrstuvwxyz0123456789"),
            "tag \"%s\"", info.tag);
    return true;
}

static bool t_small_queue(struct env *e)
{
    /* A device whose queues hold only 2 descriptors: a READ needs 3.  The
     * mount must either refuse it or every operation must work. */
    env_init(e);
    e->d.queue_max[0] = e->d.queue_max[1] = 2;
    int err = vfs_mount(&e->v, &e->d.tr, "/sim", &e->opts);
    if (err) {
        REQUIRE(err == -VS_ENODEV || err == -VS_EIO, "mount = %d", err);
        return true;
    }
    CHECKC(read_whole(e, "/sim/hello.txt", "hello.txt", 100), "queue of 2 descriptors");
    return true;
}

static bool t_queue_size_capped(struct env *e)
{
    /* queue_max 100 (not a power of two): the driver must pick <= 100. */
    env_init(e);
    e->d.queue_max[0] = e->d.queue_max[1] = 100;
    if (!env_mount(e))
        return false;
    REQUIRE(e->d.q[1].size <= 100 && e->d.q[1].size >= 4, "queue size %u", e->d.q[1].size);
    CHECK(read_whole(e, "/sim/big.bin", "big.bin", 4u << 20));
    return true;
}

static bool t_small_hiprio(struct env *e)
{
    /* A hiprio queue of 4 entries (fewer than the FORGET buffers) that the
     * device serves only when the driver polls: FORGETs must wait for room,
     * not kill the connection. */
    env_init(e);
    e->d.queue_max[0] = 4;
    e->d.deferred = 1;
    if (!env_mount(e))
        return false;
    char path[64];
    for (int k = 0; k < 40; k++) {
        snprintf(path, sizeof path, "/sim/many/f%04d", k);
        struct vfs_stat st;
        int err = do_stat(e, path, &st);
        REQUIRE(err == 0, "stat %s = %d", path, err);
    }
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount");
    REQUIRE(e->fs.destroys == 1 && e->fs.lookups_at_destroy == 0,
            "umount with a 4-entry hiprio queue: %lu DESTROY, %lld lookups left at DESTROY, %lu FORGETs",
            e->fs.destroys, (long long)e->fs.lookups_at_destroy, e->fs.forgets);
    return true;
}

static bool t_small_request_queue(struct env *e)
{
    /* A request queue of 4 entries served when the driver polls: two
     * RELEASEs nobody waits for fill it; the next request must wait for
     * room, not fail. */
    env_init(e);
    e->d.queue_max[1] = 4;
    e->d.deferred = 2;
    if (!env_mount(e))
        return false;
    for (int k = 0; k < 10; k++) {
        int a = vfs_open(&e->v, "/sim/hello.txt", VFS_O_RDONLY, 0);
        int b = vfs_open(&e->v, "/sim/dir/inner.txt", VFS_O_RDONLY, 0);
        REQUIRE(a >= 0 && b >= 0, "round %d: open = %d (%s), %d (%s) with RELEASEs in flight", k, a,
                vs_errno_name(a), b, vs_errno_name(b));
        int ea = vfs_close(&e->v, a), eb = vfs_close(&e->v, b);
        REQUIRE(ea == 0 && eb == 0, "round %d: close = %d, %d", k, ea, eb);
    }
    CHECK(read_whole(e, "/sim/big.bin", "big.bin", 4u << 20));
    struct vfs_stat st;
    REQUIRE(do_stat(e, "/sim/hello.txt", &st) == 0, "stat"); /* lets the last RELEASE through */
    return true;
}

static bool t_release_before_forget(struct env *e)
{
    /* RELEASE is not waited for; the FORGET of the same node must still not
     * overtake it (Linux holds the inode until the RELEASE is answered): a
     * server may drop the node at its last FORGET.  The device here serves
     * hiprio at once and requests only when the driver polls. */
    env_init(e);
    e->d.deferred = 2;
    if (!env_mount(e))
        return false;
    int fd = vfs_open(&e->v, "/sim/dir/sub/leaf.txt", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open");
    REQUIRE(vfs_close(&e->v, fd) == 0, "close");
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount");
    return true; /* env_down reports the server's view */
}

/* ---- nocase against a device whose READDIR never ends ------------------- */

/* 1: every cookie is 1 (a reply leads back to where it started);
 * 2: a reply from offset 0 leads to 7, one from 7 back to 0 (a cycle of two). */
static int stuck_mode;

static uint32_t stuck_readdir_handler(void *ctx, uint16_t queue, const uint8_t *req, uint32_t req_len,
                                      uint8_t *reply, uint32_t writable, uint32_t reply_max)
{
    struct simfs *fs = ctx;
    struct fuse_in_header h;
    memcpy(&h, req, sizeof(h));
    if (h.opcode == FUSE_READDIR && fs->ops[FUSE_READDIR] >= 20000)
        return SIMDEV_NO_REPLY; /* give up: the client would loop forever */
    uint32_t len = simfs_handle(ctx, queue, req, req_len, reply, writable, reply_max);
    if (h.opcode == FUSE_READDIR && len != SIMDEV_NO_REPLY && len > 16) {
        struct fuse_read_in in;
        memcpy(&in, req + sizeof(h), sizeof(in));
        uint64_t off = stuck_mode == 1 ? 1 : in.offset == 0 ? 7 : 0;
        uint32_t pos = 16;
        while (pos + 24 <= len) {
            uint32_t namelen;
            memcpy(reply + pos + 8, &off, 8);
            memcpy(&namelen, reply + pos + 16, 4);
            pos += (uint32_t)fuse_dirent_size(namelen);
        }
    }
    return len;
}

static bool nocase_stuck(struct env *e, int mode)
{
    stuck_mode = mode;
    env_init(e);
    e->opts.timeout_s = 1;
    e->opts.nocase = true;
    simdev_set_handler(&e->d, stuck_readdir_handler, &e->fs);
    if (!env_mount(e))
        return false;
    CHECKC(stat_is(e, "/sim/DIR/INNER.TXT", "dir/inner.txt"), "nocase lookup");
    unsigned long before = e->fs.ops[FUSE_READDIR];
    struct vfs_stat st;
    uint64_t t0 = hostport_now_ns();
    int err = do_stat(e, "/sim/no-such-name", &st);
    double s = secs_since(t0);
    unsigned long n = e->fs.ops[FUSE_READDIR] - before;
    if (getenv("VIOSHARE_TEST_DEBUG"))
        fprintf(stderr, "nocase: %lu READDIRs, %.2f s, stat = %d\n", n, s, err);
    REQUIRE(n < 1000 && e->fs.ops[FUSE_READDIR] < 20000, "a missing name with READDIR cookies leading nowhere: %lu READDIRs in %.2f s (stat = %d)",
            n, s, err);
    REQUIRE(err < 0, "stat = %d", err);
    if (err == -VS_ETIMEDOUT)
        e->check_counts = false;
    return true;
}

static bool t_nocase_stuck_readdir(struct env *e)
{
    return nocase_stuck(e, 1);
}

static bool t_nocase_cycling_readdir(struct env *e)
{
    return nocase_stuck(e, 2);
}

int main(void)
{
    run("mount brings the device up; umount sends DESTROY, resets the device, frees everything", t_mount_umount);
    run("mount paths: -EINVAL for bad ones, -EBUSY for a taken one; umount of nothing -EINVAL", t_mount_paths);
    run("a device mounts again after umount", t_remount);
    run("the walks' scratch is kept while mounted, across failed mounts; no walk keeps it after umount, "
        "umount_reset or umount_all", t_walk_scratch);
    run("two devices mounted side by side, both clean after vfs_umount_all", t_two_devices);
    run("stat and lstat of files, dirs, the share root, the virtual root and symlinks", t_stat);
    run("read whole files of 0, 1, 4095, 4096, 4097, 1 MiB+12345 and 3 MiB+7 bytes", t_read_sizes);
    run("pread ranges across the 1 MiB max_read boundary and past the end", t_pread_ranges);
    run("max_pages 4: READs and READDIRs of at most 16 KiB, contents right", t_small_max_pages);
    run("dma_addr refusing caller memory: reads, readlink, readdir bounce through DMA memory", t_bounce);
    run("no dma_addr: every byte through one bounce buffer the size INIT allows (16 KiB)", t_bounce_sized);
    run("lseek (SET/CUR/END, negative, bad whence) and fstat", t_lseek_fstat);
    run("statfs of the share and of the virtual root", t_statfs);
    run("readdir lists exactly the tree, in order, across several READDIR replies", t_readdir);
    run("symlinks: relative, absolute from the guest root, through dirs, dangling, readlink", t_symlinks);
    run("chroot mount option: absolute symlinks resolve from the share's root and stay in it", t_chroot_links);
    run("symlink loops give -ELOOP; 40 links resolve, 41 do not", t_eloop);
    run("\".\" and \"..\" resolve in the guest and never climb above the share root", t_dotdot);
    run("ENOENT, ENOTDIR, EISDIR, EINVAL for the paths that deserve them", t_errors);
    run("a name the host renamed, removed or replaced behind a cached one: one retry with fresh LOOKUPs", t_stale_names);
    run("a 256-byte name and a 4096-byte path give -ENAMETOOLONG; 255 and 4095 work; a deep path", t_name_limits);
    run("EMFILE after VFS_MAX_FILES opens; a close frees a slot; every handle released", t_emfile);
    run("EBADF for bad, closed and wrong-kind descriptors", t_ebadf);
    run("umount returns every lookup and releases every open handle", t_umount_returns_everything);
    run("a device answering only when the driver polls (deferred queues)", t_deferred);
    run("a deferred device answering newest first: reads, readdir, open/close", t_out_of_order);
    run("the same with every buffer bounced through DMA memory", t_out_of_order_bounce);
    run("FORGETs in flight on a lazy hiprio queue answered newest first", t_lazy_hiprio);
    run("ENOMEM at every allocation of a mount, a stat and a bounce buffer fails cleanly", t_enomem);
    run("reply header len longer than the used length gives -EPROTO", t_f_hdr_len);
    run("reply header len shorter than the used length gives -EPROTO", t_f_hdr_len_short);
    run("reply with the wrong unique gives -EPROTO", t_f_unique);
    run("reply error +5 gives -EPROTO", t_f_err_positive);
    run("reply error -4096 gives -EPROTO", t_f_err_range);
    run("reply error -4095 is passed on", t_f_err_min);
    run("reply error -EACCES is passed on, the connection lives", t_f_err_passed_on);
    run("an error reply with a payload gives -EPROTO", t_f_err_payload);
    run("LOOKUP attr without a file type gives -EPROTO and the lookup is given back", t_f_attr_type);
    run("GETATTR attr without a file type gives -EPROTO", t_f_attr_type_getattr);
    run("LOOKUP naming the root gives -EPROTO", t_f_entry_root);
    run("LOOKUP reply shorter than fuse_entry_out gives -EPROTO", t_f_short_entry);
    run("GETATTR reply of 0 payload bytes gives -EPROTO", t_f_short_attr);
    run("used len shorter than a reply header gives -EPROTO", t_r_len_short);
    run("used len 0 for a request gives -EPROTO", t_r_len_zero);
    run("used len larger than the writable buffers gives -EIO", t_r_len_large);
    run("used id out of range gives -EIO", t_r_id_range);
    run("used id repeated gives -EIO", t_r_id_repeat);
    run("used id not in flight gives -EIO", t_r_id_not_in_flight);
    run("used idx jumping past what is in flight gives -EIO", t_r_idx_jump);
    run("a FORGET coming back with a length: umount still frees everything", t_r_hiprio_len);
    run("dirent namelen running past the reply gives -EPROTO", t_d_overflow);
    run("dirent namelen 0 gives -EPROTO", t_d_namelen0);
    run("dirent name with '/' gives -EPROTO", t_d_slash);
    run("dirent name with NUL gives -EPROTO", t_d_nul);
    run("READ returning more than asked gives -EPROTO", t_read_more);
    run("READLINK longer than asked gives -EPROTO", t_readlink_long);
    run("READLINK with a NUL byte gives -EPROTO", t_readlink_nul);
    run("READLINK empty gives -EPROTO", t_readlink_empty);
    run("STATFS with bfree > blocks gives -EPROTO", t_statfs_bad);
    run("OPEN reply shorter than fuse_open_out gives -EPROTO", t_open_short);
    run("pipelined read, 2nd READ's header len wrong: the data before it or -EPROTO", t_pipe_hdr);
    run("pipelined read, 2nd READ's unique wrong: the data before it or -EPROTO", t_pipe_unique);
    run("pipelined read, 2nd READ answering more than asked: the data before it or -EPROTO", t_pipe_more);
    run("pipelined read, a used id repeated: the data before it or -EIO", t_pipe_repeat);
    run("pipelined read, used idx jumping: the data before it or -EIO", t_pipe_idx);
    run("pipelined read, used len too large: the data before it or -EIO", t_pipe_len);
    run("a detached RELEASE answered with a bad header kills the connection", t_release_bad);
    run("a stalled device gives -ETIMEDOUT within the 1 s timeout; the device works after remount", t_stall);
    run("a READ never answered mid-file gives -ETIMEDOUT within the timeout", t_stall_read);
    run("a notification the host loses is repeated after a second: the request completes", t_lost_notify);
    run("with timeout=1 a lost notification is repeated after half a second: the request completes",
        t_lost_notify_short_timeout);
    run("DEVICE_NEEDS_RESET mid-request gives -EIO or -ETIMEDOUT within the timeout", t_needs_reset);
    run("umount with a stalled hiprio queue finishes within the timeout", t_forget_stall);
    run("a RELEASE never answered: umount still ends within the timeout", t_release_stall);
    run("INIT minor 30: mount fails with -EPROTO, nothing leaked", t_init_minor30);
    run("INIT major 8: mount fails with -EPROTO", t_init_major8);
    run("INIT max_write 0: raised to one page as Linux does; reads work", t_init_max_write0);
    run("INIT max_pages 0 with FUSE_MAX_PAGES: one page as Linux reads it; READ/READDIR within it",
        t_init_max_pages0);
    run("INIT reply of 16 bytes: mount fails with -EPROTO", t_init_short);
    run("INIT reply with a wrong unique: mount fails with -EPROTO", t_init_unique);
    run("INIT answered -ENOSYS: mount fails with -ENOSYS", t_init_enosys);
    run("INIT never answered: mount fails with -ETIMEDOUT after the timeout, the device left alone", t_init_stall);
    run("INIT completed with a bad used id: mount fails with -EIO", t_init_ring_fault);
    run("a share root that is not a directory: mount fails with -EPROTO", t_root_not_dir);
    run("a device without VERSION_1: mount fails with -ENODEV", t_no_version1);
    run("a device refusing FEATURES_OK: mount fails with -EIO", t_features_refused);
    run("DEVICE_NEEDS_RESET at DRIVER_OK: mount fails with -EIO", t_needs_reset_at_start);
    run("bad config (tags, no request queue, absent queues, queue_enable failing) fails cleanly", t_bad_config);
    run("a 36-byte tag without NUL is read whole", t_tag36);
    run("queue_max 2: mount refuses the device or reads work", t_small_queue);
    run("queue_max 100: the queue size is capped and reads work", t_queue_size_capped);
    run("a 4-entry hiprio queue served lazily: FORGETs wait for room", t_small_hiprio);
    run("a 4-entry request queue served lazily: requests wait for room behind detached RELEASEs",
        t_small_request_queue);
    run("the RELEASE of a closed file reaches the device before its node's FORGET", t_release_before_forget);
    run("nocase lookup of a missing name ends when READDIR cookies never advance", t_nocase_stuck_readdir);
    run("nocase lookup of a missing name ends when READDIR cookies cycle (0 -> 7 -> 0)", t_nocase_cycling_readdir);
    printf("%d cases, %d failed\n", cases, failures);
    return failures ? 1 : 0;
}
