/* SPDX-License-Identifier: BSD-2-Clause */
/* The walk's listing ahead of its lookups (vfs/prelist.c) through the
 * simulated device: a program opening many names of one directory by path
 * waits for two requests a file (OPEN and READ) once a run of LOOKUPs has
 * had the directory listed with READDIRPLUS; listings that bring nothing
 * back off; nothing is listed for lookups far apart, without READDIRPLUS,
 * or past half the node cache; a failed or spoilt listing still answers
 * every lookup right.  Each case ends with simenv's checks (every lookup
 * and handle given back, no FUSE rule broken, nothing leaked). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "simenv.h"
#include "vfs_internal.h"
#include "vs_errno.h"

/* prelist.c's run length before the first listing of a directory. */
#define RUN 4

/* Requests the client waits for: all but FORGETs and the RELEASEs of a close. */
static unsigned long waited(const struct env *e)
{
    return e->fs.requests - e->fs.ops[FUSE_FORGET] - e->fs.ops[FUSE_BATCH_FORGET] - e->fs.ops[FUSE_RELEASE] -
           e->fs.ops[FUSE_RELEASEDIR];
}

/* lstat of /sim/many/f<k>, checked against the server's node. */
static bool lstat_many(struct env *e, unsigned k)
{
    char path[64], rel[32];
    snprintf(path, sizeof path, "/sim/many/f%04u", k);
    snprintf(rel, sizeof rel, "many/f%04u", k);
    struct vfs_stat st;
    int err = vfs_lstat(&e->v, path, &st);
    const struct simfs_node *nd = node(e, rel);
    REQUIRE(err == 0 && st.ino == nd->ino && st.size == nd->size, "lstat %s = %d (%s), ino %llu size %llu", path,
            err, vs_errno_name(err), (unsigned long long)st.ino, (unsigned long long)st.size);
    return true;
}

/* Opens /sim/many/f<k>, reads it whole (k bytes) and checks the bytes. */
static bool read_many(struct env *e, unsigned k)
{
    char path[64], rel[32];
    snprintf(path, sizeof path, "/sim/many/f%04u", k);
    snprintf(rel, sizeof rel, "many/f%04u", k);
    static uint8_t buf[4096];
    int fd = vfs_open(&e->v, path, VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open %s = %d", path, fd);
    int64_t got = vfs_read(&e->v, fd, buf, sizeof buf);
    int cerr = vfs_close(&e->v, fd);
    REQUIRE(got == (int64_t)k && cerr == 0, "read %s = %lld (want %u), close = %d", path, (long long)got, k, cerr);
    return same_content(node(e, rel), buf, 0, k, path);
}

static bool t_open_many(struct env *e)
{
    if (!env_up(e))
        return false;
    const unsigned files = 300;
    unsigned long w0 = waited(e);
    for (unsigned k = 0; k < files; k++)
        CHECK(read_many(e, k));
    unsigned long w = waited(e) - w0;
    /* "many" once, then the first RUN - 1 names: the run's last is found
     * by the listing. */
    REQUIRE(e->fs.ops[FUSE_LOOKUP] == RUN, "%lu LOOKUPs, want %u", e->fs.ops[FUSE_LOOKUP], RUN);
    REQUIRE(e->fs.ops[FUSE_OPENDIR] == 1 && e->fs.ops[FUSE_READDIRPLUS] >= 1 && e->fs.ops[FUSE_READDIR] == 0,
            "%lu OPENDIR, %lu READDIRPLUS, %lu READDIR: want one listing with attributes",
            e->fs.ops[FUSE_OPENDIR], e->fs.ops[FUSE_READDIRPLUS], e->fs.ops[FUSE_READDIR]);
    REQUIRE(e->fs.ops[FUSE_RELEASEDIR] == 1, "%lu RELEASEDIR", e->fs.ops[FUSE_RELEASEDIR]);
    /* OPEN and READ a file; f0000 is empty and needs no READ. */
    unsigned long most = 2ul * files + RUN + 1 + e->fs.ops[FUSE_READDIRPLUS];
    REQUIRE(w <= most, "%u files: %lu requests waited for, want at most %lu", files, w, most);
    return true;
}

static bool t_absent_names(struct env *e)
{
    if (!env_up(e))
        return false;
    /* Listings after 4, 8, 16 and 32 misses: 60 lookups in all. */
    for (unsigned k = 0; k < 60; k++) {
        char path[64];
        snprintf(path, sizeof path, "/sim/many/nope%02u", k);
        struct vfs_stat st;
        int err = vfs_lstat(&e->v, path, &st);
        REQUIRE(err == -VS_ENOENT, "lstat %s = %d, want -ENOENT", path, err);
    }
    REQUIRE(e->fs.ops[FUSE_OPENDIR] == 4, "60 absent names: %lu listings, want 4 (after 4, 8, 16, 32 misses)",
            e->fs.ops[FUSE_OPENDIR]);
    return true;
}

static bool t_far_apart(struct env *e)
{
    if (!env_up(e))
        return false;
    const struct timespec gap = {.tv_nsec = 110 * 1000 * 1000};
    for (unsigned k = 0; k < 2 * RUN; k++) {
        CHECK(lstat_many(e, k));
        nanosleep(&gap, 0);
    }
    REQUIRE(e->fs.ops[FUSE_OPENDIR] == 0, "lookups 110 ms apart: %lu listings", e->fs.ops[FUSE_OPENDIR]);
    REQUIRE(e->fs.ops[FUSE_LOOKUP] == 1 + 2 * RUN, "%lu LOOKUPs, want %u", e->fs.ops[FUSE_LOOKUP], 1 + 2 * RUN);
    return true;
}

static bool t_no_plus(struct env *e)
{
    env_init(e);
    e->fs.no_readdirplus_flag = true;
    if (!env_mount(e))
        return false;
    for (unsigned k = 0; k < 20; k++)
        CHECK(lstat_many(e, k));
    REQUIRE(e->fs.ops[FUSE_OPENDIR] == 0 && e->fs.ops[FUSE_LOOKUP] == 21,
            "no READDIRPLUS offered: %lu listings, %lu LOOKUPs (want 0, 21)", e->fs.ops[FUSE_OPENDIR],
            e->fs.ops[FUSE_LOOKUP]);
    return true;
}

/* The node cache bounds a listing: half of it, and the cache keeps to its
 * size (the rest forgotten in batches). */
static bool t_small_cache(struct env *e)
{
    env_init(e);
    struct vfs_config cfg = {.node_cache = 40};
    e->opts.config = &cfg;
    if (!env_mount(e))
        return false;
    for (unsigned k = 0; k < 100; k++)
        CHECK(lstat_many(e, k));
    REQUIRE(e->fs.ops[FUSE_OPENDIR] >= 1, "no listing");
    REQUIRE(e->fs.lookups_max <= 40 + 20 + 2 + (int64_t)FCONN_FORGET_BATCH,
            "a node cache of 40 held up to %lld lookups", (long long)e->fs.lookups_max);
    return true;
}

/* OPENDIR refused once: the lookup that asked for the listing is sent, and
 * the directory waits for twice the run before the next. */
static bool t_unreadable(struct env *e)
{
    if (!env_up(e))
        return false;
    simfs_fault(&e->fs, SIMFS_FAULT_ERROR, FUSE_OPENDIR, 1, (uint32_t)-VS_EACCES);
    for (unsigned k = 0; k < 3 * RUN; k++)
        CHECK(lstat_many(e, k));
    REQUIRE(e->fs.fault.fired, "the fault never fired");
    REQUIRE(e->fs.ops[FUSE_OPENDIR] == 2 && e->fs.ops[FUSE_READDIRPLUS] >= 1,
            "%lu OPENDIR, %lu READDIRPLUS: want the refused one, and one after %u more misses",
            e->fs.ops[FUSE_OPENDIR], e->fs.ops[FUSE_READDIRPLUS], 2 * RUN);
    REQUIRE(e->fs.ops[FUSE_LOOKUP] == 3 * RUN, "%lu LOOKUPs, want %u", e->fs.ops[FUSE_LOOKUP], 3 * RUN);
    return true;
}

/* A spoilt record in the listing's reply: the records before it are taken,
 * and the names are still answered right (simenv checks that every lookup
 * the server counted is given back once). */
static bool t_spoilt_reply(struct env *e)
{
    if (!env_up(e))
        return false;
    simfs_fault(&e->fs, SIMFS_FAULT_DIRENT_SLASH, FUSE_READDIRPLUS, 1, 0);
    for (unsigned k = 0; k < 50; k++)
        CHECK(lstat_many(e, k));
    REQUIRE(e->fs.fault.fired, "the fault never fired");
    return true;
}

/* Replies that bring no node (every record's nodeid 0): a listing stops
 * after PRELIST_REPLIES_MAX of them, however long the directory. */
static bool t_nodeless_replies(struct env *e)
{
    env_init(e);
    e->fs.readdirplus_no_entries = true;
    struct vfs_config cfg = {.node_cache = 16}; /* replies of 8 records: 1500 names take 188 */
    e->opts.config = &cfg;
    if (!env_mount(e))
        return false;
    for (unsigned k = 0; k < RUN; k++)
        CHECK(lstat_many(e, k));
    REQUIRE(e->fs.ops[FUSE_OPENDIR] == 1 && e->fs.ops[FUSE_READDIRPLUS] == 8,
            "%lu listings with %lu READDIRPLUS, want 1 with 8", e->fs.ops[FUSE_OPENDIR], e->fs.ops[FUSE_READDIRPLUS]);
    REQUIRE(e->fs.ops[FUSE_LOOKUP] == 1 + RUN, "%lu LOOKUPs, want %u", e->fs.ops[FUSE_LOOKUP], 1 + RUN);
    return true;
}

int main(void)
{
    run("open and read 300 files of one directory by path: one listing after 4 LOOKUPs, then 2 requests a file",
        t_open_many);
    run("60 absent names: -ENOENT each; listings that bring nothing back off (4 listings)", t_absent_names);
    run("lookups 110 ms apart: no listing", t_far_apart);
    run("no FUSE_DO_READDIRPLUS: a LOOKUP per name, no listing", t_no_plus);
    run("node cache of 40: a listing takes half, the cache keeps its size", t_small_cache);
    run("OPENDIR refused: the lookups answered; the next listing after twice the run", t_unreadable);
    run("a spoilt READDIRPLUS record in the listing: names still answered, lookups exact", t_spoilt_reply);
    run("READDIRPLUS replies without nodes: the listing stops after 8 replies; the lookup sent", t_nodeless_replies);
    printf("%d cases, %d failed\n", cases, failures);
    return failures ? 1 : 0;
}
