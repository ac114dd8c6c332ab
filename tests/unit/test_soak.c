/* SPDX-License-Identifier: BSD-2-Clause */
/* The soak: random operations through the real library against the
 * simulated device's FUSE server, for a given time, every result checked
 * against a reference model kept here.  Three shares are mounted at once in
 * one namespace: /s0 answered at once, /s1 answered only while the core
 * polls and newest first, with the small profile's sizes, and /s2 whose
 * names and attributes are valid for no time, where the "host" changes
 * files under the guest (rewrites, truncations, new files, straight in the
 * server's tree).  Faults are injected into single operations, each with the
 * outcome it must have:
 *   error    an error reply: that errno, nothing changed;
 *   garbled  a reply with a wrong header (the change made): the call fails,
 *            the connection is dead until the share is mounted again;
 *   stop     the daemon stops answering (SIGSTOP): ETIMEDOUT after the
 *            mount's 1 s timeout; then it resumes and answers late into
 *            the buffers it was given (SIGCONT); the share is mounted again;
 *   reset    the device sets DEVICE_NEEDS_RESET: EIO at once, nothing
 *            changed; the share is mounted again;
 *   notify   a lost notification: the call still succeeds.
 * The run starts by making every name on every share (the most the caches
 * can hold); the heap's high-water mark (the port's alloc hook) after the
 * first quarter of the run (at most five minutes) must be the run's.  The
 * first failure ends the run; its last line gives the figures.
 *
 * usage: test_soak [SECONDS [SEED]]   (default 100 s, a random seed; the
 * seed is printed, and the same SECONDS and SEED replay a run, with
 * SOAK_TRACE=1 naming each operation, fault and rise of the high-water
 * mark on stderr). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cases.h"
#include "fuse_proto.h"
#include "hostport.h"
#include "simdev.h"
#include "simfs.h"
#include "simfs_internal.h"
#include "vfs.h"
#include "vs_errno.h"

#define MOUNTS 3
#define HOST_MOUNT 2   /* the share the host changes */
#define DIRS 3         /* w/d0..d2 under each share's w/ */
#define FILES 6        /* f0..f5 in w/ and in each dN/ */
#define LINKS 3        /* w/l0..l2 -> fK */
#define MAX_SIZE (96u * 1024u)

/* ---- Randomness: splitmix64, replayable from the seed --------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint32_t below(uint32_t n) { return (uint32_t)(rnd() % n); }

/* ---- The reference model of each share's w/ ------------------------------- */

struct mfile {
    bool exists;
    uint32_t size;
    uint8_t *data; /* MAX_SIZE bytes */
};

struct model {
    bool dir[DIRS];
    struct mfile file[DIRS + 1][FILES]; /* [0]: w/, [1 + d]: w/dd/ */
    int link[LINKS];                     /* the target file of w/ (-1: no link) */
};

struct share {
    struct simdev d;
    struct simfs fs;
    struct vfs_mount_opts opts;
    struct vfs_config cfg;
    char path[16];
    struct model m;
};

static struct hostport hp;
static struct vfs v;
static struct share sh[MOUNTS];
static uint8_t buf[MAX_SIZE], buf2[MAX_SIZE];

/* Figures for the closing note. */
static unsigned long ops, faults_fired, faults_by[6], remounts, host_changes;
static const char *const fault_names[6] = {"", "error", "garbled", "stop", "reset", "notify"};
enum fault { F_NONE, F_ERROR, F_GARBLE, F_STOP, F_RESET, F_NOTIFY };

/* The first failure ends the run: what went wrong, at which operation. */
static char failure[600];
#define FAIL_IF(cond, ...)                                                                    \
    do {                                                                                      \
        if (cond) {                                                                           \
            int n_ = snprintf(failure, sizeof failure, "op %lu: ", ops);                      \
            snprintf(failure + n_, sizeof failure - (size_t)n_, __VA_ARGS__);                 \
            return false;                                                                     \
        }                                                                                     \
    } while (0)

static void relax_all(void *arg)
{
    (void)arg;
    for (int i = 0; i < MOUNTS; i++)
        simdev_step(&sh[i].d);
}

/* "w[/dD]/fF" in the share (d 0: w/ itself, else D = d - 1). */
static void rel_path(char *p, size_t n, int d, int f)
{
    if (d == 0)
        snprintf(p, n, "w/f%d", f);
    else
        snprintf(p, n, "w/d%d/f%d", d - 1, f);
}

/* The same from the namespace's root: "/sN/w[/dD]/fF". */
static void file_path(char *p, size_t n, int s, int d, int f)
{
    char rel[24];
    rel_path(rel, sizeof rel, d, f);
    snprintf(p, n, "%s/%s", sh[s].path, rel);
}

static void fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
}

static const char *ename(int err) { return vs_errno_name(err); }

/* ---- Faults --------------------------------------------------------------- */

/* Arms fault f on the next request of opcode (simdev faults: the next
 * request at all) on share s. */
static void arm(int s, enum fault f, uint32_t opcode)
{
    switch (f) {
    case F_ERROR:
        simfs_fault(&sh[s].fs, SIMFS_FAULT_ERROR, opcode, 1, (uint32_t)-VS_EIO);
        break;
    case F_GARBLE:
        /* The reply's length disagrees with its header: the chain is back,
         * so no caller buffer stays with the device. */
        simfs_fault(&sh[s].fs, SIMFS_FAULT_HDR_LEN, opcode, 1, 8);
        break;
    case F_STOP:
        simfs_fault(&sh[s].fs, SIMFS_FAULT_NO_REPLY, opcode, 1, 0);
        break;
    case F_RESET:
        simdev_fault(&sh[s].d, SIMDEV_FAULT_NEEDS_RESET, 1, 1, 0);
        break;
    case F_NOTIFY:
        sh[s].d.lose_notifies[1] = 1;
        break;
    case F_NONE:
        break;
    }
}

/* Disarms; whether the fault happened. */
static bool disarm(int s, enum fault f)
{
    bool fired = false;
    switch (f) {
    case F_ERROR:
    case F_GARBLE:
    case F_STOP:
        fired = sh[s].fs.fault.fired;
        simfs_fault(&sh[s].fs, SIMFS_FAULT_NONE, 0, 0, 0);
        break;
    case F_RESET:
        fired = sh[s].d.fault.fired;
        simdev_fault(&sh[s].d, SIMDEV_FAULT_NONE, 0, 0, 0);
        break;
    case F_NOTIFY:
        fired = sh[s].d.lose_notifies[1] == 0;
        sh[s].d.lose_notifies[1] = 0;
        break;
    case F_NONE:
        break;
    }
    if (fired) {
        faults_fired++;
        faults_by[f]++;
    }
    return fired;
}

/* A share mounted again whose tree is compared with the model after the
 * operation (-1: none). */
static int recheck = -1;

/* After a fault that killed the connection: the next call fails too, a stopped
 * daemon resumes and answers late, and the share is mounted again. */
static bool remount(int s, enum fault f, int err)
{
    struct vfs_statfs st; /* STATFS is always sent: nothing cached answers it */
    int again = vfs_statfs(&v, sh[s].path, &st);
    FAIL_IF(again != err, "%s fault on %s: the call after it gave %d (%s), want the same %s", fault_names[f],
            sh[s].path, again, ename(again), ename(err));
    if (f == F_STOP)
        FAIL_IF(simdev_answer_held(&sh[s].d, 1) != 1, "%s: the stopped request was not answered on resuming",
                sh[s].path);
    FAIL_IF(vfs_umount(&v, sh[s].path) != 0, "umount %s failed", sh[s].path);
    int r = vfs_mount(&v, &sh[s].d.tr, sh[s].path, &sh[s].opts);
    FAIL_IF(r != 0, "%s fault: mounting %s again gave %d (%s)", fault_names[f], sh[s].path, r, ename(r));
    remounts++;
    recheck = s; /* once the operation has put the change in the model */
    return true;
}

/* The outcome of a call that had fault f armed: ok (the call ran as if
 * nothing happened, *changed tells the caller to apply the change), or the
 * fault's error was checked and the share remounted (*changed: whether the
 * change was made all the same). */
static bool outcome(int s, enum fault f, int64_t got, bool partial_ok, bool *normal, bool *changed)
{
    bool fired = disarm(s, f);
    if (getenv("SOAK_TRACE") && f)
        fprintf(stderr, "  fault %s armed, fired %d, call gave %lld\n", fault_names[f], fired, (long long)got);
    *normal = !fired || f == F_NOTIFY;
    *changed = false;
    if (*normal)
        return true;
    switch (f) {
    case F_ERROR:
        /* A read or write cut into several requests in flight may have done
         * some before the failed one: a short count (partial_ok: the caller
         * checks it). */
        FAIL_IF(got != -VS_EIO && (got >= 0 ? !partial_ok : true), "error fault on %s: the call gave %d (%s), want EIO", sh[s].path,
                (int)got, ename((int)got));
        return true;
    case F_GARBLE:
        FAIL_IF(got >= 0 && !partial_ok, "garbled reply on %s: the call succeeded", sh[s].path);
        *changed = true; /* the daemon made the change, only its answer was spoiled */
        return remount(s, f, got >= 0 ? -VS_EPROTO : (int)got);
    case F_STOP:
        FAIL_IF(got != -VS_ETIMEDOUT, "stopped daemon on %s: the call gave %d (%s), want ETIMEDOUT", sh[s].path,
                (int)got, ename((int)got));
        *changed = true; /* it resumes and does what it was asked */
        return remount(s, f, (int)got);
    case F_RESET:
        FAIL_IF(got != -VS_EIO, "NEEDS_RESET on %s: the call gave %d (%s), want EIO", sh[s].path, (int)got,
                ename((int)got));
        return remount(s, f, (int)got);
    default:
        return true;
    }
}

/* A fault for the next operation: mostly none; stops and lost notifications
 * cost a second each, so they are rarer. */
static enum fault pick_fault(bool metadata_only)
{
    uint32_t r = below(20000);
    if (r < 300)
        return F_ERROR;
    if (r < 500)
        return F_GARBLE;
    if (r < 520)
        return metadata_only ? F_RESET : F_NONE; /* caller buffers would stay the device's */
    if (r < 526)
        return metadata_only ? F_STOP : F_NONE;
    if (r < 530)
        return F_NOTIFY;
    return F_NONE;
}

/* ---- The server's tree against the model ---------------------------------- */

static bool check_file_on_server(int s, int d, int f)
{
    char rel[24];
    rel_path(rel, sizeof rel, d, f);
    const struct mfile *mf = &sh[s].m.file[d][f];
    const struct simfs_node *n = (d == 0 || sh[s].m.dir[d - 1]) ? simfs_find(&sh[s].fs, rel) : NULL;
    FAIL_IF(mf->exists != (n != NULL), "%s/%s: %s on the server, the model says %s", sh[s].path, rel,
            n ? "present" : "absent", mf->exists ? "present" : "absent");
    if (!n)
        return true;
    FAIL_IF(n->size != mf->size, "%s/%s: %llu bytes on the server, the model says %u", sh[s].path, rel,
            (unsigned long long)n->size, mf->size);
    for (uint32_t i = 0; i < mf->size; i++)
        FAIL_IF(simfs_byte(n, i) != mf->data[i], "%s/%s: byte %u differs on the server", sh[s].path, rel, i);
    return true;
}

static bool check_tree(int s)
{
    for (int d = 0; d <= DIRS; d++) {
        if (d > 0) {
            char rel[24];
            snprintf(rel, sizeof rel, "w/d%d", d - 1);
            FAIL_IF(sh[s].m.dir[d - 1] != (simfs_find(&sh[s].fs, rel) != NULL), "%s/%s: presence differs",
                    sh[s].path, rel);
        }
        for (int f = 0; f < FILES; f++)
            if (!check_file_on_server(s, d, f))
                return false;
    }
    return true;
}

/* ---- The operations ------------------------------------------------------- */

/* Whether w/dD/ exists (D = d - 1; d 0 is w/ itself). */
static bool dir_exists(int s, int d) { return d == 0 || sh[s].m.dir[d - 1]; }

/* A write of len bytes of buf at off that failed part of the way (an error
 * or a garbled reply), n its result (negative: none reported written): the
 * bytes reported written are on
 * the server, nothing before off changed, and the server's state of the
 * file becomes the model's (the requests after the failed one may or may
 * not have landed). */
static bool partly_written(int s, int d, int f, uint32_t off, uint32_t len, int64_t n)
{
    struct mfile *mf = &sh[s].m.file[d][f];
    char rel[24];
    rel_path(rel, sizeof rel, d, f);
    const struct simfs_node *node = simfs_find(&sh[s].fs, rel);
    FAIL_IF(!node, "%s/%s: gone from the server after a failed write", sh[s].path, rel);
    uint32_t done = n > 0 ? (uint32_t)n : 0;
    FAIL_IF(n >= (int64_t)len, "pwrite with an error fault = %lld of %u", (long long)n, len);
    uint64_t least = done && off + done > mf->size ? off + done : mf->size;
    FAIL_IF(node->size < least || node->size > (off + len > mf->size ? off + len : mf->size),
            "%s/%s: %llu bytes on the server after a failed write of %u at %u (was %u)", sh[s].path, rel,
            (unsigned long long)node->size, len, off, mf->size);
    for (uint32_t i = 0; i < off && i < mf->size; i++)
        FAIL_IF(simfs_byte(node, i) != mf->data[i], "%s/%s: byte %u before a failed write changed", sh[s].path, rel, i);
    for (uint32_t i = 0; i < done; i++)
        FAIL_IF(simfs_byte(node, off + i) != buf[i], "%s/%s: byte %u reported written is not", sh[s].path, rel, off + i);
    for (uint32_t i = 0; i < node->size; i++)
        mf->data[i] = simfs_byte(node, i);
    mf->size = (uint32_t)node->size;
    return true;
}

static bool op_write(int s)
{
    int d = (int)below(DIRS + 1), f = (int)below(FILES);
    char p[64];
    file_path(p, sizeof p, s, d, f);
    struct mfile *mf = &sh[s].m.file[d][f];
    bool trunc = below(4) == 0;
    int fd = vfs_open(&v, p, VFS_O_WRONLY | VFS_O_CREAT | (trunc ? VFS_O_TRUNC : 0), 0644);
    if (!dir_exists(s, d)) {
        FAIL_IF(fd != -VS_ENOENT, "open(O_CREAT) %s in a missing directory = %d (%s), want ENOENT", p, fd,
                ename(fd));
        return true;
    }
    FAIL_IF(fd < 0, "open(O_CREAT) %s = %d (%s)", p, fd, ename(fd));
    if (!mf->exists || trunc)
        mf->size = 0;
    mf->exists = true;
    uint32_t off = below(MAX_SIZE / 2), len = 1 + below(MAX_SIZE / 2);
    fill(buf, len);
    enum fault f_ = pick_fault(false);
    arm(s, f_, FUSE_WRITE);
    int64_t n = vfs_pwrite(&v, fd, buf, len, off);
    bool normal, changed;
    if (!outcome(s, f_, n, true, &normal, &changed))
        return false;
    if (!normal && !partly_written(s, d, f, off, len, n))
        return false;
    if (normal) {
        FAIL_IF(n != (int64_t)len, "pwrite %s %u at %u = %lld", p, len, off, (long long)n);
        if (off > mf->size)
            memset(mf->data + mf->size, 0, off - mf->size);
        memcpy(mf->data + off, buf, len);
        if (off + len > mf->size)
            mf->size = off + len;
    }
    if (normal || f_ == F_ERROR) {
        int c = vfs_close(&v, fd);
        FAIL_IF(c != 0, "close %s = %d (%s)", p, c, ename(c));
    }
    return true; /* after a remount the fd went with the old mount */
}

static bool op_read(int s)
{
    int d = (int)below(DIRS + 1), f = (int)below(FILES);
    char p[64];
    file_path(p, sizeof p, s, d, f);
    const struct mfile *mf = &sh[s].m.file[d][f];
    int fd = vfs_open(&v, p, VFS_O_RDONLY, 0);
    if (!mf->exists) {
        FAIL_IF(fd != -VS_ENOENT, "open %s (absent) = %d (%s), want ENOENT", p, fd, ename(fd));
        return true;
    }
    FAIL_IF(fd < 0, "open %s = %d (%s)", p, fd, ename(fd));
    struct vfs_stat st;
    int r = vfs_fstat(&v, fd, &st);
    FAIL_IF(r != 0 || st.size != mf->size, "fstat %s = %d, size %llu, want %u", p, r,
            (unsigned long long)st.size, mf->size);
    uint32_t off = below(mf->size + 2), len = 1 + below(MAX_SIZE);
    enum fault f_ = pick_fault(false);
    if (f_ == F_GARBLE)
        f_ = F_NONE; /* a short READ is a correct answer; garbled data ops are the writes' */
    arm(s, f_, FUSE_READ);
    int64_t n = vfs_pread(&v, fd, buf, len, off);
    bool normal, changed;
    if (!outcome(s, f_, n, true, &normal, &changed))
        return false;
    uint32_t want = off >= mf->size ? 0 : (mf->size - off < len ? mf->size - off : len);
    if (!normal && n >= 0) { /* an error after the first part: a short read */
        FAIL_IF(n >= (int64_t)want, "pread %s with an error fault = %lld, want fewer than %u", p, (long long)n, want);
        FAIL_IF(memcmp(buf, mf->data + off, (size_t)n) != 0, "pread %s %u at %u: the bytes before the error differ",
                p, len, off);
    }
    if (normal) {
        FAIL_IF(n != (int64_t)want, "pread %s %u at %u = %lld, want %u", p, len, off, (long long)n, want);
        FAIL_IF(want && memcmp(buf, mf->data + off, want) != 0, "pread %s %u at %u: the bytes differ", p, len, off);
    }
    r = vfs_close(&v, fd);
    FAIL_IF(r != 0, "close %s = %d (%s)", p, r, ename(r));
    return true;
}

static bool op_truncate(int s)
{
    int d = (int)below(DIRS + 1), f = (int)below(FILES);
    char p[64];
    file_path(p, sizeof p, s, d, f);
    struct mfile *mf = &sh[s].m.file[d][f];
    uint32_t size = below(MAX_SIZE);
    int r = vfs_truncate(&v, p, size);
    if (!mf->exists) {
        FAIL_IF(r != -VS_ENOENT, "truncate %s (absent) = %d (%s)", p, r, ename(r));
        return true;
    }
    FAIL_IF(r != 0, "truncate %s %u = %d (%s)", p, size, r, ename(r));
    if (size > mf->size)
        memset(mf->data + mf->size, 0, size - mf->size);
    mf->size = size;
    return true;
}

static bool op_unlink(int s)
{
    int d = (int)below(DIRS + 1), f = (int)below(FILES);
    char p[64];
    file_path(p, sizeof p, s, d, f);
    struct mfile *mf = &sh[s].m.file[d][f];
    enum fault f_ = pick_fault(true);
    arm(s, f_, FUSE_UNLINK);
    int r = vfs_unlink(&v, p);
    bool normal, changed;
    if (!outcome(s, f_, r, false, &normal, &changed))
        return false;
    if (normal)
        FAIL_IF(r != (mf->exists ? 0 : -VS_ENOENT), "unlink %s = %d (%s), the model says it %s", p, r, ename(r),
                mf->exists ? "exists" : "does not exist");
    if (normal || changed)
        mf->exists = false;
    return true;
}

static bool op_rename(int s)
{
    int d1 = (int)below(DIRS + 1), f1 = (int)below(FILES), d2 = (int)below(DIRS + 1), f2 = (int)below(FILES);
    char a[64], b[64];
    file_path(a, sizeof a, s, d1, f1);
    file_path(b, sizeof b, s, d2, f2);
    struct mfile *from = &sh[s].m.file[d1][f1], *to = &sh[s].m.file[d2][f2];
    int want = !from->exists ? -VS_ENOENT : !dir_exists(s, d2) ? -VS_ENOENT : 0;
    enum fault f_ = pick_fault(true);
    arm(s, f_, FUSE_RENAME);
    int r = vfs_rename(&v, a, b, 0);
    bool normal, changed;
    if (!outcome(s, f_, r, false, &normal, &changed))
        return false;
    if (normal)
        FAIL_IF(r != want, "rename %s %s = %d (%s), want %d (%s)", a, b, r, ename(r), want, ename(want));
    if (want == 0 && (normal || changed) && from != to) {
        uint8_t *spare = to->data;
        *to = *from;
        from->data = spare;
        from->exists = false;
    }
    return true;
}

static bool op_mkdir(int s)
{
    int d = (int)below(DIRS);
    char p[64];
    snprintf(p, sizeof p, "%s/w/d%d", sh[s].path, d);
    enum fault f_ = pick_fault(true);
    arm(s, f_, FUSE_MKDIR);
    int r = vfs_mkdir(&v, p, 0755);
    bool normal, changed;
    if (!outcome(s, f_, r, false, &normal, &changed))
        return false;
    if (normal)
        FAIL_IF(r != (sh[s].m.dir[d] ? -VS_EEXIST : 0), "mkdir %s = %d (%s)", p, r, ename(r));
    if (normal || changed)
        sh[s].m.dir[d] = true;
    return true;
}

static bool op_rmdir(int s)
{
    int d = (int)below(DIRS);
    char p[64];
    snprintf(p, sizeof p, "%s/w/d%d", sh[s].path, d);
    bool empty = true;
    for (int f = 0; f < FILES; f++)
        empty &= !sh[s].m.file[1 + d][f].exists;
    int want = !sh[s].m.dir[d] ? -VS_ENOENT : !empty ? -VS_ENOTEMPTY : 0;
    int r = vfs_rmdir(&v, p);
    FAIL_IF(r != want, "rmdir %s = %d (%s), want %d (%s)", p, r, ename(r), want, ename(want));
    if (r == 0)
        sh[s].m.dir[d] = false;
    return true;
}

static bool op_symlink(int s)
{
    int l = (int)below(LINKS), f = (int)below(FILES);
    char p[64], target[16], got[16];
    snprintf(p, sizeof p, "%s/w/l%d", sh[s].path, l);
    snprintf(target, sizeof target, "f%d", f);
    int *ml = &sh[s].m.link[l];
    if (*ml >= 0 && below(2)) {
        int r = vfs_unlink(&v, p);
        FAIL_IF(r != 0, "unlink %s = %d (%s)", p, r, ename(r));
        *ml = -1;
        return true;
    }
    enum fault f_ = pick_fault(true);
    arm(s, f_, FUSE_SYMLINK);
    int r = vfs_symlink(&v, target, p);
    bool normal, changed;
    if (!outcome(s, f_, r, false, &normal, &changed))
        return false;
    if (normal)
        FAIL_IF(r != (*ml >= 0 ? -VS_EEXIST : 0), "symlink %s = %d (%s)", p, r, ename(r));
    if (*ml < 0 && (normal || changed)) /* else EEXIST: nothing made */
        *ml = f;
    /* Read the link back, and stat through it. */
    int64_t n = vfs_readlink(&v, p, got, sizeof got);
    if (*ml < 0) {
        FAIL_IF(n != -VS_ENOENT, "readlink %s (absent) = %lld", p, (long long)n);
        return true;
    }
    snprintf(target, sizeof target, "f%d", *ml);
    FAIL_IF(n != (int64_t)strlen(target) || memcmp(got, target, (size_t)n) != 0, "readlink %s = %lld", p,
            (long long)n);
    struct vfs_stat st;
    const struct mfile *mf = &sh[s].m.file[0][*ml];
    r = vfs_stat(&v, p, &st);
    FAIL_IF(r != (mf->exists ? 0 : -VS_ENOENT), "stat %s (-> %s) = %d (%s)", p, target, r, ename(r));
    FAIL_IF(r == 0 && st.size != mf->size, "stat %s: size %llu, want %u", p, (unsigned long long)st.size,
            mf->size);
    return true;
}

/* Lists w/ (d 0) or w/dD/ (d = D + 1), with READDIRPLUS or not. */
static bool list_dir(int s, int d, bool plus)
{
    char p[64];
    if (d == 0)
        snprintf(p, sizeof p, "%s/w", sh[s].path);
    else
        snprintf(p, sizeof p, "%s/w/d%d", sh[s].path, d - 1);
    int dd = plus ? vfs_opendir_plus(&v, p) : vfs_opendir(&v, p);
    if (!dir_exists(s, d)) {
        FAIL_IF(dd != -VS_ENOENT, "opendir %s (absent) = %d (%s)", p, dd, ename(dd));
        return true;
    }
    FAIL_IF(dd < 0, "opendir %s = %d (%s)", p, dd, ename(dd));
    /* Every name once: files f0.., dirs d0.. and links l0.. as bits. */
    uint32_t seen = 0, want = 0;
    for (int f = 0; f < FILES; f++)
        want |= sh[s].m.file[d][f].exists ? 1u << f : 0;
    for (int k = 0; d == 0 && k < DIRS; k++)
        want |= sh[s].m.dir[k] ? 1u << (8 + k) : 0;
    for (int k = 0; d == 0 && k < LINKS; k++)
        want |= sh[s].m.link[k] >= 0 ? 1u << (16 + k) : 0;
    struct vfs_dirent de;
    int r;
    while ((r = vfs_readdir(&v, dd, &de)) == 1) {
        if (!strcmp(de.name, ".") || !strcmp(de.name, ".."))
            continue;
        int base = de.name[0] == 'f' ? 0 : de.name[0] == 'd' ? 8 : de.name[0] == 'l' ? 16 : -1;
        int k = de.name[1] - '0';
        FAIL_IF(base < 0 || de.namelen != 2 || k < 0 || k > 7, "readdir %s: a name not made here: %s", p, de.name);
        uint32_t bit = 1u << (base + k);
        FAIL_IF(seen & bit, "readdir %s: %s twice", p, de.name);
        seen |= bit;
    }
    FAIL_IF(r != 0, "readdir %s = %d (%s)", p, r, ename(r));
    FAIL_IF(seen != want, "readdir %s: names %#x, the model has %#x", p, seen, want);
    r = vfs_closedir(&v, dd);
    FAIL_IF(r != 0, "closedir %s = %d", p, r);
    return true;
}

static bool op_list(int s)
{
    int d = (int)below(DIRS + 1);
    return list_dir(s, d, below(2));
}

/* A file of the share's own tree (its content simfs_pattern's) read at random. */
static bool op_read_big(int s)
{
    const struct simfs_node *n = simfs_find(&sh[s].fs, "big.bin");
    char p[64];
    snprintf(p, sizeof p, "%s/big.bin", sh[s].path);
    int fd = vfs_open(&v, p, VFS_O_RDONLY, 0);
    FAIL_IF(fd < 0, "open %s = %d", p, fd);
    uint32_t off = below(SIMFS_BIG_SIZE), len = 1 + below(MAX_SIZE);
    int64_t got = vfs_pread(&v, fd, buf2, len, off);
    uint32_t want = SIMFS_BIG_SIZE - off < len ? SIMFS_BIG_SIZE - off : len;
    FAIL_IF(got != (int64_t)want, "pread %s %u at %u = %lld", p, len, off, (long long)got);
    for (uint32_t i = 0; i < want; i++)
        FAIL_IF(buf2[i] != simfs_byte(n, off + i), "pread %s: byte %u differs", p, off + i);
    int r = vfs_close(&v, fd);
    FAIL_IF(r != 0, "close %s = %d", p, r);
    return true;
}

/* The host changes a file under the guest: rewrites part of it, truncates
 * or extends it, or creates it, straight in the server's tree. */
static bool op_host_change(int s)
{
    int d = (int)below(DIRS + 1), f = (int)below(FILES);
    struct simfs *fs = &sh[s].fs;
    struct mfile *mf = &sh[s].m.file[d][f];
    if (!dir_exists(s, d))
        return true;
    char rel[24], name[16];
    snprintf(name, sizeof name, "f%d", f);
    rel_path(rel, sizeof rel, d, f);
    const struct simfs_node *n = simfs_find(fs, rel);
    FAIL_IF((n != NULL) != mf->exists, "host: %s/%s presence differs from the model", sh[s].path, rel);
    int i;
    if (!n) {
        char dir[24];
        snprintf(dir, sizeof dir, d == 0 ? "w" : "w/d%d", d - 1);
        int parent = (int)(simfs_find(fs, dir) - fs->nodes);
        i = sfs_add_node(fs, parent, name, VS_S_IFREG | 0644, 0);
        sfs_set_size(&fs->nodes[i], 0);
        mf->exists = true;
        mf->size = 0;
    } else {
        i = (int)(n - fs->nodes);
    }
    struct simfs_node *node = &fs->nodes[i];
    uint32_t size = below(MAX_SIZE), off = below(size + 1), len = below(size - off + 1);
    sfs_set_size(node, size);
    fill((uint8_t *)node->text + off, len);
    node->mtime = node->ctime = ++fs->clock;
    if (size > mf->size)
        memset(mf->data + mf->size, 0, size - mf->size);
    mf->size = size;
    memcpy(mf->data + off, node->text + off, len);
    host_changes++;
    return true;
}

/* The operations, each with its share of the runs (in hundredths). */
static const struct {
    const char *name;
    unsigned weight;
    bool (*fn)(int s);
} op_table[] = {
    {"host", 8, op_host_change}, /* on the host's share only; elsewhere a write */
    {"write", 17, op_write},     {"read", 20, op_read},       {"truncate", 7, op_truncate},
    {"unlink", 8, op_unlink},    {"rename", 8, op_rename},    {"mkdir", 6, op_mkdir},
    {"rmdir", 6, op_rmdir},      {"symlink", 6, op_symlink}, {"list", 9, op_list},
    {"big", 5, op_read_big},
};
static const char *last_op = "";

static bool one_op(int s)
{
    uint32_t r = below(100);
    unsigned k = 0;
    while (r >= op_table[k].weight)
        r -= op_table[k++].weight;
    if (k == 0 && s != HOST_MOUNT)
        k = 1;
    last_op = op_table[k].name;
    if (getenv("SOAK_TRACE"))
        fprintf(stderr, "op %lu: %s on %s\n", ops, last_op, sh[s].path);
    return op_table[k].fn(s);
}

/* ---- The run -------------------------------------------------------------- */

/* Every name the operations can make, made at once on every share, each
 * directory listed and every file read: the most the caches can hold is
 * reached before the heap's high-water mark is taken, not by chance later. */
static bool fill_all(void)
{
    char p[64];
    for (int s = 0; s < MOUNTS; s++) {
        for (int d = 0; d < DIRS; d++) {
            snprintf(p, sizeof p, "%s/w/d%d", sh[s].path, d);
            FAIL_IF(vfs_mkdir(&v, p, 0755) != 0, "mkdir %s", p);
            sh[s].m.dir[d] = true;
        }
        for (int d = 0; d <= DIRS; d++)
            for (int f = 0; f < FILES; f++) {
                file_path(p, sizeof p, s, d, f);
                int fd = vfs_open(&v, p, VFS_O_WRONLY | VFS_O_CREAT, 0644);
                FAIL_IF(fd < 0 || vfs_write(&v, fd, "x", 1) != 1 || vfs_close(&v, fd) != 0, "create %s", p);
                sh[s].m.file[d][f].exists = true;
                sh[s].m.file[d][f].size = 1;
                sh[s].m.file[d][f].data[0] = 'x';
            }
        for (int l = 0; l < LINKS; l++) {
            snprintf(p, sizeof p, "%s/w/l%d", sh[s].path, l);
            FAIL_IF(vfs_symlink(&v, "f0", p) != 0, "symlink %s", p);
            sh[s].m.link[l] = 0;
        }
    }
    for (int s = 0; s < MOUNTS; s++)
        for (int d = 0; d <= DIRS; d++)
            if (!list_dir(s, d, false) || !list_dir(s, d, true) || !op_read(s) || !op_read_big(s))
                return false;
    return true;
}

static bool setup(void)
{
    hostport_init(&hp);
    hp.relax_hook = relax_all;
    vfs_init(&v, &hp.port);
    for (int s = 0; s < MOUNTS; s++) {
        struct share *x = &sh[s];
        simfs_init(&x->fs);
        simdev_init(&x->d, &hp);
        simdev_set_handler(&x->d, simfs_handle, &x->fs);
        snprintf(x->path, sizeof x->path, "/s%d", s);
        x->opts.timeout_s = 1;
        for (int d = 0; d <= DIRS; d++)
            for (int f = 0; f < FILES; f++)
                x->m.file[d][f].data = malloc(MAX_SIZE);
        for (int l = 0; l < LINKS; l++)
            x->m.link[l] = -1;
    }
    sh[1].d.deferred = 1u << 1;
    sh[1].d.lifo = true;
    vfs_config_small(&sh[1].cfg);
    sh[1].opts.config = &sh[1].cfg;
    sh[HOST_MOUNT].fs.entry_valid = sh[HOST_MOUNT].fs.attr_valid = 0;
    for (int s = 0; s < MOUNTS; s++) {
        int r = vfs_mount(&v, &sh[s].d.tr, sh[s].path, &sh[s].opts);
        FAIL_IF(r != 0, "mount %s = %d (%s)", sh[s].path, r, ename(r));
        char p[24];
        snprintf(p, sizeof p, "%s/w", sh[s].path);
        r = vfs_mkdir(&v, p, 0755);
        FAIL_IF(r != 0, "mkdir %s = %d (%s)", p, r, ename(r));
    }
    return fill_all();
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 100;
    uint64_t seed;
    if (argc > 2) {
        seed = strtoull(argv[2], NULL, 0);
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec;
    }
    if (secs <= 0 || argc > 3) {
        fprintf(stderr, "usage: test_soak [SECONDS [SEED]]\n");
        return 2;
    }
    rng_state = seed;
    printf("# soak: %.0f s, seed %llu (replay: test_soak %.0f %llu)\n", secs, (unsigned long long)seed, secs,
           (unsigned long long)seed);
    fflush(stdout);

    double warm = secs / 4 < 300 ? secs / 4 : 300;
    uint64_t t0 = hostport_now_ns();
    long alloc_start = hp.allocs;
    bool ok = setup();
    size_t heap_start = hp.heap_bytes, peak_warm = 0;
    bool warmed = false;
    while (ok) {
        double t = (double)(hostport_now_ns() - t0) / 1e9;
        if (!warmed && t >= warm) {
            peak_warm = hp.heap_peak;
            warmed = true;
        }
        if (t >= secs)
            break;
        ops++;
        size_t peak_before = hp.heap_peak;
        ok = one_op((int)below(MOUNTS));
        if (warmed && hp.heap_peak > peak_before && getenv("SOAK_TRACE"))
            fprintf(stderr, "peak +%zu at op %lu (%s)\n", hp.heap_peak - peak_before, ops, last_op);
        if (ok && recheck >= 0)
            ok = check_tree(recheck);
        recheck = -1;
    }
    size_t heap_end_mounted = hp.heap_bytes, peak_end = hp.heap_peak;
    if (ok)
        for (int s = 0; s < MOUNTS && ok; s++)
            ok = check_tree(s);
    check("soak: every operation's result as the reference model says, on three shares at once", ok,
          failure);
    check("soak: every injected fault gave its error, and each share came back mounted again",
          ok && faults_fired > 0 && remounts > 0,
          ok ? "no fault fired (the run was too short)" : "the run stopped at the failure above");

    vfs_umount_all(&v);
    bool clean = true;
    char why_[300] = "";
    for (int s = 0; s < MOUNTS; s++) {
        const char *name = "";
        unsigned n = simfs_nonzero_lookups(&sh[s].fs, &name);
        if (clean && (n || sh[s].fs.nhandles || sh[s].fs.bugs || sh[s].d.driver_errors)) {
            snprintf(why_, sizeof why_, "%s: %u nodes with lookups (%s), %u handles, FUSE rule broken: %s, "
                     "driver error: %s", sh[s].path, n, name, sh[s].fs.nhandles, sh[s].fs.bug, sh[s].d.driver_error);
            clean = false;
        }
    }
    if (clean && (hp.allocs != alloc_start || hp.errors)) {
        snprintf(why_, sizeof why_, "%ld heap blocks left after the last umount (was %ld); port misuse: %s",
                 hp.allocs, alloc_start, hp.errors ? hp.error : "none");
        clean = false;
    }
    check("soak: after the last umount every lookup and handle was given back, no heap block left, no FUSE or "
          "virtio rule broken",
          clean, why_);
    char hw[200];
    snprintf(hw, sizeof hw, "high-water %zu bytes after %.0f s, %zu at the end", peak_warm, warm, peak_end);
    check("soak: the heap's high-water mark did not grow after the first quarter of the run",
          warmed && peak_end == peak_warm, warmed ? hw : "the run ended before its first quarter");

    printf("# soak figures: %lu operations checked, %lu faults injected (", ops, faults_fired);
    for (int f = 1; f < 6; f++)
        printf("%s%lu %s", f > 1 ? ", " : "", faults_by[f], fault_names[f]);
    printf("), %lu remounts, %lu host changes; heap %zu bytes mounted at the start, %zu at the end, "
           "high-water %zu after %.0f s and %zu at the end; DMA %zu bytes still held at the end; "
           "%d failures; seed %llu\n",
           remounts, host_changes, heap_start, heap_end_mounted, peak_warm, warm, peak_end, hp.dma_bytes,
           failures, (unsigned long long)seed);
    for (int s = 0; s < MOUNTS; s++) {
        simdev_fini(&sh[s].d);
        simfs_fini(&sh[s].fs);
        for (int d = 0; d <= DIRS; d++)
            for (int f = 0; f < FILES; f++)
                free(sh[s].m.file[d][f].data);
    }
    hostport_fini(&hp);
    return failures ? 1 : 0;
}
