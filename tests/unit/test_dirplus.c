/* SPDX-License-Identifier: BSD-2-Clause */
/* Listings with READDIRPLUS (vfs_opendir_plus) through the simulated device: the requests an
 * `ls -l` sends, the nodes and attributes a reply leaves in the caches and
 * their validity, every lookup the server counted given back exactly once
 * (in BATCH_FORGETs), the fallbacks to READDIR + LOOKUP, hostile records,
 * and the per-opcode statistics against what the server saw.  Each case
 * also ends with simenv's checks (every lookup and handle returned, no
 * FUSE or virtio rule broken, nothing leaked). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simenv.h"
#include "vfs_internal.h"
#include "vs_errno.h"

/* Lists path whole with vfs_opendir_plus: the names (dots excluded) in
 * *names; -errno on failure. */
static int list_all(struct env *e, const char *path, unsigned *names)
{
    int dd = vfs_opendir_plus(&e->v, path);
    if (dd < 0)
        return dd;
    struct vfs_dirent de;
    int r;
    *names = 0;
    while ((r = vfs_readdir(&e->v, dd, &de)) == 1)
        *names += strcmp(de.name, ".") && strcmp(de.name, "..");
    int cerr = vfs_closedir(&e->v, dd);
    return r ? r : cerr;
}

/* lstat of /sim/many/f0000 .. f(n-1), each checked against the tree. */
static bool stat_many(struct env *e, unsigned n)
{
    for (unsigned k = 0; k < n; k++) {
        char path[64], rel[32];
        snprintf(path, sizeof path, "/sim/many/f%04u", k);
        snprintf(rel, sizeof rel, "many/f%04u", k);
        struct vfs_stat st;
        int err = vfs_lstat(&e->v, path, &st);
        REQUIRE(err == 0, "lstat %s = %d (%s)", path, err, vs_errno_name(err));
        const struct simfs_node *nd = node(e, rel);
        REQUIRE(st.ino == nd->ino && st.size == nd->size && st.mode == nd->mode,
                "lstat %s: ino %llu size %llu mode %o, the server has %llu, %llu, %o", path,
                (unsigned long long)st.ino, (unsigned long long)st.size, st.mode, (unsigned long long)nd->ino,
                (unsigned long long)nd->size, nd->mode);
    }
    return true;
}

/* Every opcode's count in the mount's statistics is what the server saw
 * (both count from the mount on; FORGET and BATCH_FORGET included). */
static bool stats_match_server(struct env *e)
{
    const struct vs_stats *s = vfs_mount_stats(&e->v, 0);
    REQUIRE(s, "no statistics");
    for (uint32_t op = 1; op < VS_STATS_OPS; op++) {
        REQUIRE(s->op[op].count == e->fs.ops[op], "stats count %llu %s, the server saw %lu",
                (unsigned long long)s->op[op].count, vs_fuse_opname(op), e->fs.ops[op]);
    }
    uint64_t unanswered = e->fs.ops[FUSE_FORGET] + e->fs.ops[FUSE_BATCH_FORGET] + e->fs.ops[FUSE_RELEASE] +
                          e->fs.ops[FUSE_RELEASEDIR];
    REQUIRE(s->unanswered == unanswered, "stats: %llu requests not waited for, want %llu",
            (unsigned long long)s->unanswered, (unsigned long long)unanswered);
    return true;
}

static unsigned long all_forget_requests(const struct env *e)
{
    return e->fs.ops[FUSE_FORGET] + e->fs.ops[FUSE_BATCH_FORGET];
}

static bool t_ls_l(struct env *e)
{
    if (!env_up(e))
        return false;
    unsigned long before = e->fs.requests, lookups = e->fs.ops[FUSE_LOOKUP], getattrs = e->fs.ops[FUSE_GETATTR];
    unsigned names;
    int err = list_all(e, "/sim/many", &names);
    REQUIRE(err == 0 && names == SIMFS_MANY, "listing /sim/many = %d, %u names", err, names);
    REQUIRE(e->fs.ops[FUSE_READDIRPLUS] >= 2 && e->fs.ops[FUSE_READDIR] == 0, "%lu READDIRPLUS, %lu READDIR",
            e->fs.ops[FUSE_READDIRPLUS], e->fs.ops[FUSE_READDIR]);
    CHECK(stat_many(e, SIMFS_MANY));
    unsigned long sent = e->fs.requests - before;
    REQUIRE(e->fs.ops[FUSE_LOOKUP] - lookups == 1 && e->fs.ops[FUSE_GETATTR] == getattrs,
            "%lu LOOKUPs (want 1: the directory), %lu GETATTRs", e->fs.ops[FUSE_LOOKUP] - lookups,
            e->fs.ops[FUSE_GETATTR] - getattrs);
    REQUIRE(sent <= 6, "ls -l of %u names: %lu requests", SIMFS_MANY, sent);
    CHECK(stats_match_server(e));
    REQUIRE(vfs_umount(&e->v, "/sim") == 0, "umount");
    unsigned long batches = (SIMFS_MANY + 1 + FCONN_FORGET_BATCH - 1) / FCONN_FORGET_BATCH;
    REQUIRE(e->fs.forgets == SIMFS_MANY + 1 && all_forget_requests(e) == batches,
            "%lu nodes forgotten in %lu FORGETs and %lu BATCH_FORGETs, want %u in %lu", e->fs.forgets,
            e->fs.ops[FUSE_FORGET], e->fs.ops[FUSE_BATCH_FORGET], SIMFS_MANY + 1, batches);
    return true;
}

static bool t_small_cache(struct env *e)
{
    env_init(e);
    struct vfs_config cfg = {.node_cache = 100};
    e->opts.config = &cfg;
    if (!env_mount(e))
        return false;
    unsigned names;
    int err = list_all(e, "/sim/many", &names);
    REQUIRE(err == 0 && names == SIMFS_MANY, "listing = %d, %u names", err, names);
    int64_t held = e->fs.lookups_now;
    REQUIRE(held <= 100 + 1 + (int64_t)FCONN_FORGET_BATCH, "%lld lookups held with a node cache of 100",
            (long long)held);
    REQUIRE(e->fs.ops[FUSE_BATCH_FORGET] >= (SIMFS_MANY - 100 - FCONN_FORGET_BATCH) / FCONN_FORGET_BATCH &&
                e->fs.ops[FUSE_FORGET] <= 1,
            "%lu BATCH_FORGETs, %lu FORGETs while listing", e->fs.ops[FUSE_BATCH_FORGET], e->fs.ops[FUSE_FORGET]);
    REQUIRE(e->fs.ops[FUSE_READDIRPLUS] == 1 && e->fs.ops[FUSE_READDIR] == 1,
            "%lu READDIRPLUS, %lu READDIR (want 1 and 1: the end asked without attributes)",
            e->fs.ops[FUSE_READDIRPLUS], e->fs.ops[FUSE_READDIR]);
    /* The newest names are still cached; the oldest were forgotten. */
    unsigned long lookups = e->fs.ops[FUSE_LOOKUP];
    struct vfs_stat st;
    REQUIRE(vfs_lstat(&e->v, "/sim/many/f1499", &st) == 0 && e->fs.ops[FUSE_LOOKUP] == lookups,
            "lstat of the last name listed sent a LOOKUP");
    REQUIRE(vfs_lstat(&e->v, "/sim/many/f0000", &st) == 0 && e->fs.ops[FUSE_LOOKUP] == lookups + 1,
            "lstat of the first name listed: %lu LOOKUPs", e->fs.ops[FUSE_LOOKUP] - lookups);
    return true;
}

static bool t_switch_to_readdir(struct env *e)
{
    env_init(e);
    /* 16 KiB READDIRPLUS replies: about 100 names each. */
    struct vfs_config cfg = {.node_cache = 100, .dir_buf = 4096};
    e->opts.config = &cfg;
    if (!env_mount(e))
        return false;
    unsigned names;
    int err = list_all(e, "/sim/many", &names);
    REQUIRE(err == 0 && names == SIMFS_MANY, "listing = %d, %u names", err, names);
    unsigned long plus = e->fs.ops[FUSE_READDIRPLUS];
    REQUIRE(plus >= 1 && plus <= 2 && e->fs.ops[FUSE_READDIR] >= 2,
            "%lu READDIRPLUS (want 1 or 2: until 100 nodes came), %lu READDIR", plus, e->fs.ops[FUSE_READDIR]);
    REQUIRE(e->fs.ops[FUSE_BATCH_FORGET] + e->fs.ops[FUSE_FORGET] <= 1, "%lu FORGET requests while listing",
            e->fs.ops[FUSE_BATCH_FORGET] + e->fs.ops[FUSE_FORGET]);
    unsigned long lookups = e->fs.ops[FUSE_LOOKUP];
    struct vfs_stat st;
    /* (f0000 made room for the directory's own node at closedir.) */
    REQUIRE(vfs_lstat(&e->v, "/sim/many/f0050", &st) == 0 && e->fs.ops[FUSE_LOOKUP] == lookups,
            "a name of the first reply was not cached");
    REQUIRE(vfs_lstat(&e->v, "/sim/many/f1499", &st) == 0 && e->fs.ops[FUSE_LOOKUP] == lookups + 1,
            "lstat of a name listed by READDIR: %lu LOOKUPs", e->fs.ops[FUSE_LOOKUP] - lookups);
    return true;
}

static bool t_unread_entries(struct env *e)
{
    if (!env_up(e))
        return false;
    int dd = vfs_opendir_plus(&e->v, "/sim/many");
    REQUIRE(dd >= 0, "opendir = %d", dd);
    struct vfs_dirent de;
    REQUIRE(vfs_readdir(&e->v, dd, &de) == 1, "readdir");
    REQUIRE(vfs_closedir(&e->v, dd) == 0, "closedir");
    unsigned long lookups = e->fs.ops[FUSE_LOOKUP];
    struct vfs_stat st;
    REQUIRE(vfs_lstat(&e->v, "/sim/many/f0700", &st) == 0 && e->fs.ops[FUSE_LOOKUP] == lookups,
            "a name of the reply not read yet was not cached");
    REQUIRE(e->fs.lookups_now == (int64_t)e->v.mounts[0]->nodes, "server holds %lld lookups, the table %u nodes",
            (long long)e->fs.lookups_now, e->v.mounts[0]->nodes);
    return true;
}

static bool t_no_flag(struct env *e)
{
    env_init(e);
    e->fs.no_readdirplus_flag = true;
    if (!env_mount(e))
        return false;
    unsigned names;
    int err = list_all(e, "/sim/many", &names);
    REQUIRE(err == 0 && names == SIMFS_MANY, "listing = %d, %u names", err, names);
    unsigned long lookups = e->fs.ops[FUSE_LOOKUP];
    CHECK(stat_many(e, 50));
    REQUIRE(e->fs.ops[FUSE_READDIRPLUS] == 0 && e->fs.ops[FUSE_READDIR] >= 2, "%lu READDIRPLUS, %lu READDIR",
            e->fs.ops[FUSE_READDIRPLUS], e->fs.ops[FUSE_READDIR]);
    REQUIRE(e->fs.ops[FUSE_LOOKUP] - lookups == 50, "50 lstats after a READDIR listing: %lu LOOKUPs",
            e->fs.ops[FUSE_LOOKUP] - lookups);
    return true;
}

static bool t_enosys(struct env *e)
{
    env_init(e);
    e->fs.readdirplus_enosys = true;
    if (!env_mount(e))
        return false;
    for (int round = 0; round < 2; round++) {
        unsigned names;
        int err = list_all(e, "/sim/many", &names);
        REQUIRE(err == 0 && names == SIMFS_MANY, "listing %d = %d, %u names", round, err, names);
    }
    REQUIRE(e->fs.ops[FUSE_READDIRPLUS] == 1 && e->fs.ops[FUSE_READDIR] >= 4,
            "two listings: %lu READDIRPLUS (want 1: ENOSYS remembered), %lu READDIR", e->fs.ops[FUSE_READDIRPLUS],
            e->fs.ops[FUSE_READDIR]);
    unsigned long lookups = e->fs.ops[FUSE_LOOKUP];
    CHECK(stat_many(e, 20));
    REQUIRE(e->fs.ops[FUSE_LOOKUP] - lookups == 20, "20 lstats: %lu LOOKUPs", e->fs.ops[FUSE_LOOKUP] - lookups);
    return true;
}

static bool t_names_alone(struct env *e)
{
    if (!env_up(e))
        return false;
    int dd = vfs_opendir(&e->v, "/sim/many");
    REQUIRE(dd >= 0, "opendir = %d", dd);
    struct vfs_dirent de;
    unsigned n = 0;
    int r;
    while ((r = vfs_readdir(&e->v, dd, &de)) == 1)
        n++;
    REQUIRE(vfs_closedir(&e->v, dd) == 0 && r == 0 && n == SIMFS_MANY + 2, "listing = %d, %u entries", r, n);
    REQUIRE(e->fs.ops[FUSE_READDIRPLUS] == 0 && e->fs.ops[FUSE_READDIR] >= 2, "%lu READDIRPLUS, %lu READDIR",
            e->fs.ops[FUSE_READDIRPLUS], e->fs.ops[FUSE_READDIR]);
    REQUIRE(e->v.mounts[0]->nodes == 1, "a listing of names left %u nodes (want 1: the directory)",
            e->v.mounts[0]->nodes);
    return true;
}

static bool t_zero_validity(struct env *e)
{
    env_init(e);
    e->fs.entry_valid = e->fs.attr_valid = 0;
    if (!env_mount(e))
        return false;
    unsigned names;
    int err = list_all(e, "/sim/many", &names);
    REQUIRE(err == 0 && names == SIMFS_MANY, "listing = %d, %u names", err, names);
    REQUIRE(e->fs.ops[FUSE_READDIRPLUS] >= 1, "no READDIRPLUS");
    unsigned long lookups = e->fs.ops[FUSE_LOOKUP];
    CHECK(stat_many(e, 20));
    /* Each walk looks up "many" and the name again. */
    REQUIRE(e->fs.ops[FUSE_LOOKUP] - lookups == 40, "names valid for 0 s: 20 lstats sent %lu LOOKUPs, want 40",
            e->fs.ops[FUSE_LOOKUP] - lookups);
    return true;
}

/* vfs_lstat_in of every name of /sim/dir after its listing: what vfs_lstat
 * of the path gives, no request sent; the errors of names that are not one
 * component, of a name missing, of a descriptor that is no directory
 * stream; the virtual root's names are the mounts. */
static bool t_lstat_in(struct env *e)
{
    if (!env_up(e))
        return false;
    int dd = vfs_opendir_plus(&e->v, "/sim/dir");
    REQUIRE(dd >= 0, "opendir = %d", dd);
    char names[16][VFS_NAME_MAX + 1];
    int n = 0, r;
    struct vfs_dirent de;
    while ((r = vfs_readdir(&e->v, dd, &de)) == 1 && n < 16) {
        if (strcmp(de.name, ".") && strcmp(de.name, ".."))
            strcpy(names[n++], de.name);
    }
    REQUIRE(r == 0 && n == (int)node(e, "dir")->nchildren, "listing: %d, %d names", r, n);
    unsigned long before = e->fs.requests;
    bool link_seen = false;
    for (int i = 0; i < n; i++) {
        struct vfs_stat in, by_path;
        memset(&in, 0, sizeof in); /* the padding, for memcmp */
        memset(&by_path, 0, sizeof by_path);
        char path[300];
        snprintf(path, sizeof path, "/sim/dir/%s", names[i]);
        int err = vfs_lstat_in(&e->v, dd, names[i], &in);
        REQUIRE(err == 0, "vfs_lstat_in %s = %d (%s)", names[i], err, vs_errno_name(err));
        REQUIRE(e->fs.requests == before, "vfs_lstat_in %s sent %lu requests after the listing", names[i],
                e->fs.requests - before);
        err = vfs_lstat(&e->v, path, &by_path);
        REQUIRE(err == 0 && !memcmp(&in, &by_path, sizeof in), "vfs_lstat_in %s differs from vfs_lstat (%d)",
                names[i], err);
        link_seen |= (in.mode & VS_S_IFMT) == VS_S_IFLNK;
    }
    REQUIRE(link_seen, "the symlink dir/up was followed");
    struct vfs_stat st;
    static const char *const bad[] = {"", ".", "..", "sub/leaf.txt", "/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int err = vfs_lstat_in(&e->v, dd, bad[i], &st);
        REQUIRE(err == -VS_EINVAL, "vfs_lstat_in \"%s\" = %d, want -EINVAL", bad[i], err);
    }
    char longname[VFS_NAME_MAX + 2];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    int err = vfs_lstat_in(&e->v, dd, longname, &st);
    REQUIRE(err == -VS_ENAMETOOLONG, "a 256-byte name = %d, want -ENAMETOOLONG", err);
    unsigned long lookups = e->fs.ops[FUSE_LOOKUP];
    err = vfs_lstat_in(&e->v, dd, "nothing-here", &st);
    REQUIRE(err == -VS_ENOENT && e->fs.ops[FUSE_LOOKUP] == lookups + 1, "a missing name = %d after %lu LOOKUPs",
            err, e->fs.ops[FUSE_LOOKUP] - lookups);
    int fd = vfs_open(&e->v, "/sim/hello.txt", VFS_O_RDONLY, 0);
    REQUIRE(fd >= 0, "open = %d", fd);
    err = vfs_lstat_in(&e->v, fd, "x", &st);
    REQUIRE(err == -VS_EBADF, "a file's fd = %d, want -EBADF", err);
    REQUIRE(vfs_close(&e->v, fd) == 0 && vfs_closedir(&e->v, dd) == 0, "close");
    err = vfs_lstat_in(&e->v, dd, "sub", &st);
    REQUIRE(err == -VS_EBADF, "a closed stream = %d, want -EBADF", err);
    int root = vfs_opendir(&e->v, "/");
    REQUIRE(root >= 0, "opendir / = %d", root);
    err = vfs_lstat_in(&e->v, root, "sim", &st);
    REQUIRE(err == 0 && (st.mode & VS_S_IFMT) == VS_S_IFDIR, "the mount sim in / = %d, mode %o", err, st.mode);
    err = vfs_lstat_in(&e->v, root, "nomount", &st);
    REQUIRE(err == -VS_ENOENT, "no mount nomount in / = %d", err);
    REQUIRE(vfs_closedir(&e->v, root) == 0, "closedir /");
    return true;
}

/* Mounts with names and attributes valid 0 s and opens /sim/many with
 * vfs_opendir_plus as *dd. */
static bool open_many_zero_validity(struct env *e, int *dd)
{
    env_init(e);
    e->fs.entry_valid = e->fs.attr_valid = 0;
    if (!env_mount(e))
        return false;
    *dd = vfs_opendir_plus(&e->v, "/sim/many");
    REQUIRE(*dd >= 0, "opendir = %d", *dd);
    return true;
}

/* Names and attributes valid 0 s: vfs_lstat_in asks the device again as
 * vfs_lstat does, but looks up the name alone (the stream holds its
 * directory). */
static bool t_lstat_in_zero_validity(struct env *e)
{
    int dd;
    if (!open_many_zero_validity(e, &dd))
        return false;
    struct vfs_dirent de;
    int r;
    while ((r = vfs_readdir(&e->v, dd, &de)) == 1)
        ;
    REQUIRE(r == 0, "listing = %d", r);
    unsigned long lookups = e->fs.ops[FUSE_LOOKUP];
    for (unsigned k = 0; k < 20; k++) {
        char name[32], rel[40];
        snprintf(name, sizeof name, "f%04u", k);
        snprintf(rel, sizeof rel, "many/%s", name);
        struct vfs_stat st;
        int err = vfs_lstat_in(&e->v, dd, name, &st);
        const struct simfs_node *nd = node(e, rel);
        REQUIRE(err == 0 && st.ino == nd->ino && st.size == nd->size, "vfs_lstat_in %s = %d, ino %llu size %llu",
                name, err, (unsigned long long)st.ino, (unsigned long long)st.size);
    }
    REQUIRE(e->fs.ops[FUSE_LOOKUP] - lookups == 20, "names valid for 0 s: 20 vfs_lstat_in sent %lu LOOKUPs, want 20",
            e->fs.ops[FUSE_LOOKUP] - lookups);
    REQUIRE(vfs_closedir(&e->v, dd) == 0, "closedir");
    return true;
}

/* The server's node for name in the directory rel ("" for the root). */
static const struct simfs_node *child(struct env *e, const char *rel, const char *name)
{
    char path[400];
    snprintf(path, sizeof path, "%s%s%s", rel, *rel ? "/" : "", name);
    return node(e, path);
}

/* vfs_readdir_stat of the whole stream dd over the directory rel: every
 * name but "." and "..", each with the server's attributes (ino, size,
 * mode) and *st_err 0; the count in *names. */
static bool readdir_stat_all(struct env *e, int dd, const char *rel, unsigned *names)
{
    struct vfs_dirent de;
    struct vfs_stat st;
    int r, st_err;
    *names = 0;
    while ((r = vfs_readdir_stat(&e->v, dd, &de, &st, &st_err)) == 1) {
        REQUIRE(strcmp(de.name, ".") && strcmp(de.name, ".."), "vfs_readdir_stat returned \"%s\"", de.name);
        const struct simfs_node *nd = child(e, rel, de.name);
        REQUIRE(st_err == 0 && st.ino == nd->ino && st.size == nd->size && st.mode == nd->mode,
                "%s: stat %d, ino %llu size %llu mode %o; the server has %llu, %llu, %o", de.name, st_err,
                (unsigned long long)st.ino, (unsigned long long)st.size, st.mode, (unsigned long long)nd->ino,
                (unsigned long long)nd->size, nd->mode);
        ++*names;
    }
    REQUIRE(r == 0, "vfs_readdir_stat ended with %d (%s)", r, vs_errno_name(r));
    return true;
}

/* After a READDIRPLUS listing every name's attributes come with it: no
 * LOOKUP or GETATTR, a name and an attribute hit counted for each. */
static bool t_readdir_stat(struct env *e)
{
    if (!env_up(e))
        return false;
    struct vfs_stat dir_st;
    REQUIRE(vfs_stat(&e->v, "/sim/many", &dir_st) == 0, "stat /sim/many");
    unsigned long before = e->fs.requests, lookups = e->fs.ops[FUSE_LOOKUP], getattrs = e->fs.ops[FUSE_GETATTR];
    int dd = vfs_opendir_plus(&e->v, "/sim/many");
    REQUIRE(dd >= 0, "opendir = %d", dd);
    const struct vs_stats *s = vfs_mount_stats(&e->v, 0);
    uint64_t name_hits = s->name_hits, attr_hits = s->attr_hits;
    unsigned names;
    CHECK(readdir_stat_all(e, dd, "many", &names));
    REQUIRE(vfs_closedir(&e->v, dd) == 0, "closedir");
    REQUIRE(names == SIMFS_MANY, "%u names, want %u", names, SIMFS_MANY);
    REQUIRE(e->fs.ops[FUSE_LOOKUP] == lookups && e->fs.ops[FUSE_GETATTR] == getattrs && e->fs.requests - before <= 5,
            "%lu requests after the stat of the directory, %lu LOOKUPs, %lu GETATTRs", e->fs.requests - before,
            e->fs.ops[FUSE_LOOKUP] - lookups, e->fs.ops[FUSE_GETATTR] - getattrs);
    REQUIRE(s->name_hits - name_hits == SIMFS_MANY && s->attr_hits - attr_hits == SIMFS_MANY,
            "stats: %llu name hits, %llu attribute hits, want %u each",
            (unsigned long long)(s->name_hits - name_hits), (unsigned long long)(s->attr_hits - attr_hits),
            SIMFS_MANY);
    CHECK(stats_match_server(e));
    return true;
}

/* Files the client truncated after the listing arrived: their new size,
 * as vfs_lstat_in gives it, not the listing's. */
static bool t_readdir_stat_after_change(struct env *e)
{
    if (!env_up(e))
        return false;
    int dd = vfs_opendir_plus(&e->v, "/sim");
    REQUIRE(dd >= 0, "opendir = %d", dd);
    struct vfs_dirent de;
    struct vfs_stat st;
    int st_err;
    REQUIRE(vfs_readdir_stat(&e->v, dd, &de, &st, &st_err) == 1 && st_err == 0, "first entry");
    char first[VFS_NAME_MAX + 1];
    strcpy(first, de.name);
    static const char *const files[] = {"hello.txt", "one.bin", "small.bin", "page1.bin", "big.bin"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[64];
        snprintf(path, sizeof path, "/sim/%s", files[i]);
        REQUIRE(vfs_truncate(&e->v, path, 2) == 0, "truncate %s", path);
    }
    unsigned names, changed = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        changed += strcmp(first, files[i]) != 0;
    CHECK(readdir_stat_all(e, dd, "", &names));
    REQUIRE(vfs_closedir(&e->v, dd) == 0, "closedir");
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        REQUIRE(child(e, "", files[i])->size == 2, "%s was not truncated", files[i]);
    REQUIRE(names + 1 == node(e, "")->nchildren && changed >= 4, "%u names after %s", names, first);
    return true;
}

/* Validity 0, and a name the host moved away after the listing: one
 * LOOKUP a name as vfs_lstat_in sends, the moved name's -ENOENT in
 * *st_err, and the stream goes on past it. */
static bool t_readdir_stat_zero_validity(struct env *e)
{
    int dd;
    if (!open_many_zero_validity(e, &dd))
        return false;
    struct vfs_dirent de;
    struct vfs_stat st;
    int r, st_err;
    REQUIRE(vfs_readdir_stat(&e->v, dd, &de, &st, &st_err) == 1 && st_err == 0, "first entry");
    const char *moved = strcmp(de.name, "f0700") ? "f0700" : "f0701";
    REQUIRE(simfs_host_rename(&e->fs, moved[4] == '0' ? "many/f0700" : "many/f0701", "", "moved") >= 0,
            "host rename");
    unsigned long lookups = e->fs.ops[FUSE_LOOKUP];
    unsigned names = 1, missing = 0;
    while ((r = vfs_readdir_stat(&e->v, dd, &de, &st, &st_err)) == 1) {
        names++;
        if (!strcmp(de.name, moved)) {
            missing++;
            REQUIRE(st_err == -VS_ENOENT, "%s moved away: stat %d, want -ENOENT", moved, st_err);
            continue;
        }
        const struct simfs_node *nd = child(e, "many", de.name);
        REQUIRE(st_err == 0 && st.ino == nd->ino && st.size == nd->size, "%s: stat %d", de.name, st_err);
    }
    REQUIRE(r == 0 && vfs_closedir(&e->v, dd) == 0, "listing = %d", r);
    REQUIRE(names == SIMFS_MANY && missing == 1, "%u names, %u missing", names, missing);
    REQUIRE(e->fs.ops[FUSE_LOOKUP] - lookups == SIMFS_MANY - 1, "%lu LOOKUPs for %u names valid 0 s",
            e->fs.ops[FUSE_LOOKUP] - lookups, SIMFS_MANY - 1);
    return true;
}

/* Names valid 1 s but attributes 0 s: a GETATTR a name, as vfs_lstat_in
 * sends after its name cache answered. */
static bool t_readdir_stat_attrs_expired(struct env *e)
{
    env_init(e);
    e->fs.attr_valid = 0;
    if (!env_mount(e))
        return false;
    int dd = vfs_opendir_plus(&e->v, "/sim/many");
    REQUIRE(dd >= 0, "opendir = %d", dd);
    unsigned long lookups = e->fs.ops[FUSE_LOOKUP], getattrs = e->fs.ops[FUSE_GETATTR];
    unsigned names;
    CHECK(readdir_stat_all(e, dd, "many", &names));
    REQUIRE(vfs_closedir(&e->v, dd) == 0, "closedir");
    REQUIRE(names == SIMFS_MANY && e->fs.ops[FUSE_GETATTR] - getattrs == SIMFS_MANY &&
                e->fs.ops[FUSE_LOOKUP] == lookups,
            "%u names: %lu GETATTRs, %lu LOOKUPs", names, e->fs.ops[FUSE_GETATTR] - getattrs,
            e->fs.ops[FUSE_LOOKUP] - lookups);
    return true;
}

/* A stream of names alone (vfs_opendir: READDIR) and the virtual root:
 * the attributes come as vfs_lstat_in gets them. */
static bool t_readdir_stat_names_alone(struct env *e)
{
    if (!env_up(e))
        return false;
    int dd = vfs_opendir(&e->v, "/sim/dir");
    REQUIRE(dd >= 0, "opendir = %d", dd);
    unsigned long lookups = e->fs.ops[FUSE_LOOKUP];
    unsigned names;
    CHECK(readdir_stat_all(e, dd, "dir", &names));
    REQUIRE(vfs_closedir(&e->v, dd) == 0, "closedir");
    REQUIRE(names == node(e, "dir")->nchildren && e->fs.ops[FUSE_LOOKUP] - lookups == names,
            "%u names, %lu LOOKUPs", names, e->fs.ops[FUSE_LOOKUP] - lookups);
    REQUIRE(e->fs.ops[FUSE_READDIRPLUS] == 0, "READDIRPLUS for names alone");
    int root = vfs_opendir(&e->v, "/");
    REQUIRE(root >= 0, "opendir / = %d", root);
    struct vfs_dirent de;
    struct vfs_stat st;
    int r, st_err, mounts = 0;
    while ((r = vfs_readdir_stat(&e->v, root, &de, &st, &st_err)) == 1) {
        REQUIRE(!strcmp(de.name, "sim") && st_err == 0 && (st.mode & VS_S_IFMT) == VS_S_IFDIR,
                "/ lists %s, stat %d, mode %o", de.name, st_err, st.mode);
        mounts++;
    }
    REQUIRE(r == 0 && mounts == 1 && vfs_closedir(&e->v, root) == 0, "/: %d, %d mounts", r, mounts);
    REQUIRE(vfs_readdir_stat(&e->v, root, &de, &st, &st_err) == -VS_EBADF, "a closed stream");
    return true;
}

/* A spoilt last record: the stream returns only the directory's names,
 * then -EPROTO; the nodes of the records before it are taken and given back
 * (the server does not count the spoilt one: simenv checks the rest). */
static bool plus_fault(struct env *e, enum simfs_fault_kind kind)
{
    if (!env_up(e))
        return false;
    simfs_fault(&e->fs, kind, FUSE_READDIRPLUS, 1, 0);
    int dd = vfs_opendir_plus(&e->v, "/sim/dir");
    REQUIRE(dd >= 0, "opendir = %d", dd);
    struct vfs_dirent de;
    int r, n = 0;
    bool known_only = true;
    while ((r = vfs_readdir(&e->v, dd, &de)) == 1 && n < 100) {
        n++;
        bool known = !strcmp(de.name, ".") || !strcmp(de.name, "..");
        for (int c = node(e, "dir")->first_child; c >= 0; c = e->fs.nodes[c].next_sibling)
            known |= !strcmp(e->fs.nodes[c].name, de.name);
        known_only &= known;
    }
    int cerr = vfs_closedir(&e->v, dd);
    REQUIRE(e->fs.fault.fired, "the fault never fired");
    REQUIRE(r == -VS_EPROTO, "readdir ended with %d after %d entries, want -EPROTO", r, n);
    REQUIRE(known_only, "readdir returned a name the directory does not have");
    REQUIRE(cerr == 0, "closedir = %d", cerr);
    unsigned long lookups = e->fs.ops[FUSE_LOOKUP];
    struct vfs_stat st;
    REQUIRE(vfs_lstat(&e->v, "/sim/dir/inner.txt", &st) == 0 && e->fs.ops[FUSE_LOOKUP] == lookups,
            "a good record before the spoilt one was not cached");
    return true;
}

static bool t_f_overflow(struct env *e) { return plus_fault(e, SIMFS_FAULT_DIRENT_OVERFLOW); }
static bool t_f_namelen0(struct env *e) { return plus_fault(e, SIMFS_FAULT_DIRENT_NAMELEN0); }
static bool t_f_slash(struct env *e) { return plus_fault(e, SIMFS_FAULT_DIRENT_SLASH); }
static bool t_f_nul(struct env *e) { return plus_fault(e, SIMFS_FAULT_DIRENT_NUL); }
static bool t_f_root(struct env *e) { return plus_fault(e, SIMFS_FAULT_DIRENTPLUS_ROOT); }
static bool t_f_attr(struct env *e) { return plus_fault(e, SIMFS_FAULT_DIRENTPLUS_ATTR); }
static bool t_f_nsec(struct env *e) { return plus_fault(e, SIMFS_FAULT_DIRENTPLUS_NSEC); }

int main(void)
{
    run("ls -l of 1500 names: at most 6 requests, no LOOKUP or GETATTR per name; stats agree with the server; "
        "umount forgets every node in BATCH_FORGETs",
        t_ls_l);
    run("node cache of 100: a 1500-name listing forgets the oldest in BATCH_FORGETs; every lookup given back once",
        t_small_cache);
    run("READDIR for the rest of a stream once it brought node_cache nodes; the first names stay cached",
        t_switch_to_readdir);
    run("closedir after one entry: every node of the reply taken (and given back at umount)", t_unread_entries);
    run("no FUSE_DO_READDIRPLUS at INIT: READDIR, and a LOOKUP per name stat'ed", t_no_flag);
    run("READDIRPLUS answered ENOSYS: READDIR from then on, remembered; listings complete", t_enosys);
    run("vfs_opendir (names alone): READDIR even where READDIRPLUS is offered, no node taken", t_names_alone);
    run("entry and attribute validity 0: names listed are looked up again", t_zero_validity);
    run("vfs_lstat_in after a listing: vfs_lstat's attributes, no request; -EINVAL, -ENAMETOOLONG, -ENOENT, "
        "-EBADF; the virtual root's mounts",
        t_lstat_in);
    run("vfs_lstat_in with validity 0: one LOOKUP of the name alone", t_lstat_in_zero_validity);
    run("vfs_readdir_stat after a READDIRPLUS listing: 1500 names with the server's attributes, no dots, no LOOKUP "
        "or GETATTR, a name and an attribute hit each",
        t_readdir_stat);
    run("vfs_readdir_stat of files truncated after the listing arrived: their new size", t_readdir_stat_after_change);
    run("vfs_readdir_stat with validity 0: a LOOKUP a name; a name the host moved away gives -ENOENT in st_err and "
        "the stream goes on",
        t_readdir_stat_zero_validity);
    run("vfs_readdir_stat with names valid 1 s, attributes 0 s: a GETATTR a name", t_readdir_stat_attrs_expired);
    run("vfs_readdir_stat of names alone (READDIR) and of the virtual root: attributes as vfs_lstat_in gets them",
        t_readdir_stat_names_alone);
    run("READDIRPLUS record's namelen running past the reply: -EPROTO, lookups exact", t_f_overflow);
    run("READDIRPLUS record's namelen 0: -EPROTO, lookups exact", t_f_namelen0);
    run("READDIRPLUS record's name with '/': -EPROTO, lookups exact", t_f_slash);
    run("READDIRPLUS record's name with NUL: -EPROTO, lookups exact", t_f_nul);
    run("READDIRPLUS record naming the root: -EPROTO, lookups exact", t_f_root);
    run("READDIRPLUS record without a file type: -EPROTO, lookups exact", t_f_attr);
    run("READDIRPLUS record with entry_valid_nsec of a second: -EPROTO, lookups exact", t_f_nsec);
    printf("%d cases, %d failed\n", cases, failures);
    return failures ? 1 : 0;
}
