/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness for the VFS engine: sequences of VFS operations on a
 * share served by the simulated virtio-fs device and its in-memory FUSE
 * server (tests/sim), whose replies the input spoils.
 *
 * The input is read as a stream of bytes: each operation is one byte for
 * what (open, close, read, write, truncate, mkdir, rename, readdir...) and
 * a few more for its paths, flags, sizes and file descriptor; two of the
 * "operations" arm a FUSE-level fault of the server (simfs_fault: an error,
 * a short or malformed reply, no reply, a bad entry...) or flip bytes of a
 * later reply (any field of any reply, header included).  The clock is
 * simulated, so a request that is never answered times out at once.
 *
 * Promises checked (abort() otherwise, besides every ASan/UBSan report):
 *   - every call returns 0, a count no larger than asked, an fd, or -errno
 *     with 0 < errno < 4096;
 *   - while no reply was spoiled, every byte read is the server's;
 *   - while no fault was armed, after each operation lstat of a few names
 *     agrees with the server's tree (the client's caches are not stale
 *     after its own changes): ENOENT for a name it does not have, else the
 *     same inode, type, mode and size;
 *   - after umount: no memory leaked (DMA memory the device may still use
 *     kept only when it stopped answering: then it is not reset), no virtio rule broken as the
 *     device sees it, no misuse of the port; while no reply was spoiled, no
 *     FUSE rule broken as the server sees it (a lookup count going negative,
 *     a forgotten node used, an unknown handle, a WRITE beyond max_write...);
 *     with no fault at all, every lookup and handle given back by DESTROY.
 *
 *   make fuzz   (or: build/fuzz/fuzz_vfs tests/fuzz/corpus/vfs -max_total_time=60)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostport.h"
#include "simdev.h"
#include "simfs.h"
#include "simfs_internal.h"
#include "vfs.h"
#include "vfs_internal.h"
#include "vs_errno.h"

#define REQUIRE(c)       \
    do {                 \
        if (!(c))        \
            abort();     \
    } while (0)

#define MAX_OPS 48
#define NFDS 6
#define BIG_WRITE ((1u << 20) + 3u)

struct in {
    const uint8_t *p;
    size_t n;
};

static uint8_t take(struct in *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

static uint32_t take16(struct in *in)
{
    uint32_t v = take(in);
    return v | (uint32_t)take(in) << 8;
}

struct fz {
    struct hostport hp;
    struct simdev d;
    struct simfs fs;
    struct vfs v;
    bool faulted;         /* a simfs fault was armed */
    bool spoiled;         /* a reply's bytes were flipped */
    /* Flip bytes of the reply to the corrupt_in-th request from now. */
    uint32_t corrupt_in;
    uint8_t cpos[3], cval[3];
};

static uint64_t fake_clock;

/* Every look at the clock moves it 1 ms: a request never answered runs
 * into its timeout after a thousand polls, not a second. */
static uint64_t fake_now(void *ctx)
{
    (void)ctx;
    return fake_clock += 1000000;
}

static uint32_t handler(void *ctx, uint16_t q, const uint8_t *req, uint32_t req_len, uint8_t *reply,
                        uint32_t writable, uint32_t reply_max)
{
    struct fz *f = ctx;
    uint32_t len = simfs_handle(&f->fs, q, req, req_len, reply, writable, reply_max);
    if (q == 1 && len != SIMDEV_NO_REPLY && len && f->corrupt_in && --f->corrupt_in == 0) {
        for (int k = 0; k < 3; k++)
            reply[f->cpos[k] % len] ^= f->cval[k];
        f->spoiled = true;
    }
    return len;
}

static const char *const paths[] = {
    "/sim/hello.txt", "/sim/empty", "/sim/one.bin", "/sim/page1.bin", "/sim/big.bin", "/sim/dir",
    "/sim/dir/inner.txt", "/sim/dir/sub", "/sim/dir/sub/leaf.txt", "/sim/dir/up", "/sim/link-rel",
    "/sim/link-dir", "/sim/link-dir/inner.txt", "/sim/link-dangling", "/sim/loop-a", "/sim/n0", "/sim/n1",
    "/sim/dir/n2", "/sim/dir/sub/n3", "/sim/link-dir/n4", "/sim/n0/n5", "/sim/many/f0007", "/sim", "/",
    "/sim/dir/", "/sim/./dir/../n1", "/other/x", "/sim/hello.txt/x", "/sim/n1/", "/sim/link-abs/n6",
    "/sim/dir/sub/..", "/sim/many",
};
#define NPATHS (sizeof paths / sizeof paths[0])

static const char *path(struct in *in)
{
    return paths[take(in) % NPATHS];
}

static const uint32_t opcodes[] = {
    0, FUSE_LOOKUP, FUSE_GETATTR, FUSE_SETATTR, FUSE_OPEN, FUSE_READ, FUSE_WRITE, FUSE_CREATE, FUSE_MKDIR,
    FUSE_MKNOD, FUSE_SYMLINK, FUSE_LINK, FUSE_UNLINK, FUSE_RMDIR, FUSE_RENAME, FUSE_RENAME2, FUSE_FSYNC,
    FUSE_FLUSH, FUSE_RELEASE, FUSE_OPENDIR, FUSE_READDIR, FUSE_RELEASEDIR, FUSE_READLINK, FUSE_STATFS,
    FUSE_READDIRPLUS,
};

static void ok_err(int64_t r)
{
    REQUIRE(r >= 0 || (r < 0 && r > -4096));
}

static uint8_t wbuf[BIG_WRITE];
static uint8_t rbuf[BIG_WRITE];

/* A read's bytes against the server's file behind fd (while no reply was
 * spoiled, they must be its). */
static void check_read(struct fz *f, int fd, uint64_t off, int64_t got)
{
    if (got <= 0 || f->spoiled)
        return;
    struct vfs_file *file = f->v.files[fd];
    int i = sfs_node_index(&f->fs, file->node->nodeid);
    REQUIRE(i >= 0);
    const struct simfs_node *n = &f->fs.nodes[i];
    REQUIRE(off + (uint64_t)got <= n->size);
    for (int64_t k = 0; k < got; k++)
        REQUIRE(rbuf[k] == simfs_byte(n, off + (uint64_t)k));
}

/* Names without symlinks on the way, by their path on the share. */
static const char *const probes[] = {
    "hello.txt", "empty", "dir", "dir/inner.txt", "dir/sub", "dir/sub/leaf.txt", "n0", "n1", "dir/n2",
    "dir/sub/n3", "n0/n5",
};

/* Whether a directory on the way to rel is now a symlink (the probe would
 * follow it: not a plain name any more). */
static bool through_link(const struct fz *f, const char *rel)
{
    char pre[64];
    for (const char *s = strchr(rel, '/'); s; s = strchr(s + 1, '/')) {
        snprintf(pre, sizeof pre, "%.*s", (int)(s - rel), rel);
        const struct simfs_node *n = simfs_find(&f->fs, pre);
        if (n && (n->mode & VS_S_IFMT) == VS_S_IFLNK)
            return true;
    }
    return false;
}

static void check_tree(struct fz *f)
{
    for (unsigned i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        if (through_link(f, probes[i]))
            continue;
        char p[64];
        snprintf(p, sizeof p, "/sim/%s", probes[i]);
        struct vfs_stat st;
        int err = vfs_lstat(&f->v, p, &st);
        const struct simfs_node *n = simfs_find(&f->fs, probes[i]);
        if (!n) {
            REQUIRE(err == -VS_ENOENT || err == -VS_ENOTDIR);
            continue;
        }
        REQUIRE(err == 0);
        REQUIRE(st.ino == n->ino && st.mode == n->mode);
        if ((n->mode & VS_S_IFMT) == VS_S_IFREG)
            REQUIRE(st.size == n->size);
    }
}

static uint32_t size_of(struct in *in)
{
    uint8_t b = take(in);
    return b == 255 ? BIG_WRITE : (uint32_t)b * 37u % 9001u;
}

static void one_op(struct fz *f, struct in *in, int *fds)
{
    struct vfs *v = &f->v;
    uint8_t op = take(in);
    int *slot = &fds[take(in) % NFDS];
    int fd = *slot;
    int64_t r = 0;
    switch (op % 26) {
    case 0: {
        uint8_t b = take(in);
        int flags = (b & 3) == 3 ? VFS_O_RDWR : (b & 3);
        flags |= (b & 4 ? VFS_O_CREAT : 0) | (b & 8 ? VFS_O_EXCL : 0) | (b & 16 ? VFS_O_TRUNC : 0) |
                 (b & 32 ? VFS_O_APPEND : 0) | (b & 64 ? VFS_O_DIRECTORY : 0) | (b & 128 ? VFS_O_NOFOLLOW : 0);
        const char *p = path(in);
        r = vfs_open(v, p, flags, take16(in) & 07777);
        if (r >= 0) {
            if (fd >= 0)
                ok_err(vfs_close(v, fd));
            *slot = (int)r;
        }
        break;
    }
    case 1:
        r = vfs_close(v, fd);
        *slot = -1;
        break;
    case 2:
    case 3: {
        uint32_t n = size_of(in);
        uint64_t off = take16(in) * 97u;
        r = op % 26 == 2 ? vfs_write(v, fd, wbuf, n) : vfs_pwrite(v, fd, wbuf, n, off);
        REQUIRE(r <= (int64_t)n);
        break;
    }
    case 4:
    case 5: {
        uint32_t n = size_of(in);
        uint64_t off = take16(in) * 97u;
        if (op % 26 == 4) {
            int64_t pos = fd >= 0 && v->files[fd] ? vfs_lseek(v, fd, 0, VFS_SEEK_CUR) : 0;
            r = vfs_read(v, fd, rbuf, n);
            if (pos >= 0 && r > 0)
                check_read(f, fd, (uint64_t)pos, r);
        } else {
            r = vfs_pread(v, fd, rbuf, n, off);
            if (r > 0)
                check_read(f, fd, off, r);
        }
        REQUIRE(r <= (int64_t)n);
        break;
    }
    case 6: {
        int64_t off = (int64_t)take16(in) - 1000;
        r = vfs_lseek(v, fd, off, take(in) % 4);
        break;
    }
    case 7:
        r = vfs_ftruncate(v, fd, take16(in) * 13u);
        break;
    case 8:
        r = vfs_fsync(v, fd);
        break;
    case 9: {
        struct vfs_stat st;
        r = vfs_fstat(v, fd, &st);
        break;
    }
    case 10: {
        const char *p = path(in);
        r = vfs_truncate(v, p, take16(in) * 13u);
        break;
    }
    case 11: {
        const char *p = path(in);
        r = vfs_mkdir(v, p, take16(in) & 07777);
        break;
    }
    case 12:
        r = vfs_rmdir(v, path(in));
        break;
    case 13:
        r = vfs_unlink(v, path(in));
        break;
    case 14: {
        const char *a = path(in), *b = path(in);
        uint8_t fl = take(in) % 5;
        r = vfs_rename(v, a, b, fl == 4 ? 8u : fl);
        break;
    }
    case 15: {
        const char *t = path(in), *p = path(in);
        /* A relative target: the path without its "/sim/". */
        if ((take(in) & 1) && !strncmp(t, "/sim/", 5))
            t += 5;
        r = vfs_symlink(v, t, p);
        break;
    }
    case 16: {
        const char *a = path(in), *b = path(in);
        r = vfs_link(v, a, b);
        break;
    }
    case 17: {
        const char *p = path(in);
        r = vfs_chmod(v, p, take16(in) & 07777);
        break;
    }
    case 18: {
        const char *p = path(in);
        uint8_t b = take(in);
        struct vfs_timespec ts[2];
        for (int k = 0; k < 2; k++) {
            ts[k].sec = take16(in);
            ts[k].nsec = b >> 2 * k & 1 ? VFS_UTIME_NOW : b >> 2 * k & 2 ? VFS_UTIME_OMIT : take16(in) * 16411u;
        }
        r = vfs_utimens(v, p, ts);
        break;
    }
    case 19: {
        struct vfs_stat st;
        const char *p = path(in);
        r = take(in) & 1 ? vfs_stat(v, p, &st) : vfs_lstat(v, p, &st);
        break;
    }
    case 20: {
        const char *p = path(in);
        uint8_t how = take(in);
        int dd = how & 1 ? vfs_opendir_plus(v, p) : vfs_opendir(v, p);
        ok_err(dd);
        if (dd >= 0) {
            struct vfs_dirent de;
            struct vfs_stat st;
            int k = 0, st_err = 0;
            while ((r = how & 2 ? vfs_readdir_stat(v, dd, &de, &st, &st_err) : vfs_readdir(v, dd, &de)) == 1 &&
                   ++k < 3000) {
                REQUIRE(de.namelen == strlen(de.name) && de.namelen > 0 && !strchr(de.name, '/'));
                ok_err(st_err);
            }
            ok_err(r);
            REQUIRE(r <= 1);
            r = vfs_closedir(v, dd);
        }
        break;
    }
    case 21: {
        char buf[64];
        r = vfs_readlink(v, path(in), buf, sizeof buf);
        REQUIRE(r <= (int64_t)sizeof buf);
        break;
    }
    case 22: {
        struct vfs_statfs st;
        r = vfs_statfs(v, path(in), &st);
        break;
    }
    case 23: {
        enum simfs_fault_kind kind = (enum simfs_fault_kind)(1 + take(in) % SIMFS_FAULT_STATFS_BAD);
        uint32_t opcode = opcodes[take(in) % (sizeof opcodes / sizeof opcodes[0])];
        uint32_t nth = 1 + take(in) % 3;
        uint32_t arg = take(in);
        /* Error replies with a real errno, or anything. */
        if (kind == SIMFS_FAULT_ERROR && !(arg & 0x80))
            arg = (uint32_t)-(int32_t)(1 + arg % 133);
        simfs_fault(&f->fs, kind, opcode, nth, arg);
        f->faulted = true;
        break;
    }
    case 24:
        f->corrupt_in = 1 + take(in) % 4;
        for (int k = 0; k < 3; k++) {
            f->cpos[k] = take(in);
            f->cval[k] = take(in);
        }
        break;
    default:
        /* Several descriptors on one file. */
        r = vfs_open(v, paths[take(in) % 5], VFS_O_RDWR, 0);
        if (r >= 0) {
            if (fd >= 0)
                ok_err(vfs_close(v, fd));
            *slot = (int)r;
        }
        break;
    }
    ok_err(r);
    /* FUZZ_VFS_TRACE=1: what each operation returned, to read a crash. */
    if (getenv("FUZZ_VFS_TRACE"))
        fprintf(stderr, "fuzz_vfs: op %u (fd slot %ld) = %lld\n", op % 26, (long)(slot - fds), (long long)r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fz f;
    struct in in = {data, size};
    memset(&f, 0, sizeof(f));
    if (!wbuf[1]) {
        for (size_t i = 0; i < sizeof wbuf; i++)
            wbuf[i] = (uint8_t)(i * 131u + (i >> 11));
    }
    hostport_init(&f.hp);
    f.hp.port.now_ns = fake_now;
    struct hostport_mark mark = hostport_mark(&f.hp);
    simfs_init(&f.fs);
    uint8_t setup = take(&in);
    if (setup & 1)
        f.fs.init_max_write = 4096u << (setup >> 1 & 7);
    f.fs.entry_valid = f.fs.attr_valid = setup & 0x10 ? 0 : 1;
    /* Listings by READDIR + LOOKUP (no flag, or ENOSYS) or READDIRPLUS. */
    f.fs.no_readdirplus_flag = (setup & 0xc0) == 0x40;
    f.fs.readdirplus_enosys = (setup & 0xc0) == 0x80;
    simdev_init(&f.d, &f.hp);
    simdev_set_handler(&f.d, handler, &f);
    f.hp.relax_hook = simdev_relax;
    f.hp.relax_arg = &f.d;
    vfs_init(&f.v, &f.hp.port);
    struct vfs_mount_opts opts = {.timeout_s = 1, .nocase = (setup & 0x20) != 0};
    int err = vfs_mount(&f.v, &f.d.tr, "/sim", &opts);
    REQUIRE(err == 0);
    int fds[NFDS];
    for (int i = 0; i < NFDS; i++)
        fds[i] = -1;
    for (int k = 0; k < MAX_OPS && in.n; k++) {
        one_op(&f, &in, fds);
        if (!f.faulted && !f.spoiled && !f.corrupt_in)
            check_tree(&f);
    }
    bool timed_out = f.v.mounts[0] && f.v.mounts[0]->conn.dead == -VS_ETIMEDOUT;
    vfs_umount_all(&f.v);
    /* A device with requests it never answered is left as it is (not
     * reset), with the DMA memory it may still write. */
    bool abandoned = f.d.status != 0;
    struct hostport_mark want = mark;
    if (timed_out || abandoned) {
        want.dma_blocks = f.hp.dma_blocks;
        want.dma_bytes = f.hp.dma_bytes;
    }
    char why[200];
    if (!hostport_same(&f.hp, want, why, sizeof why)) {
        fprintf(stderr, "fuzz_vfs: after umount: %s\n", why);
        abort();
    }
    REQUIRE(f.hp.errors == 0);
    REQUIRE(f.d.driver_errors == 0);
    if (!f.spoiled && f.fs.bugs) {
        fprintf(stderr, "fuzz_vfs: the FUSE server saw a client bug: %s\n", f.fs.bug);
        abort();
    }
    if (!f.spoiled && !f.faulted)
        REQUIRE(f.fs.destroys == 1 && f.fs.lookups_at_destroy == 0 && f.fs.handles_at_destroy == 0);
    simdev_fini(&f.d);
    simfs_fini(&f.fs);
    hostport_fini(&f.hp);
    return 0;
}
