/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared between the VFS's files; not part of the public API. */
#ifndef VFS_INTERNAL_H
#define VFS_INTERNAL_H

#include "vfs.h"
#include "virtiofs.h"
#include "fuse_proto.h"
#include "fconn.h"
#include "vs_errno.h"

/* Hash buckets of the node table: a power of two near half the node cache
 * (config node_cache bounds the unreferenced nodes kept). */
#define VN_BUCKETS_MIN 16
#define VN_BUCKETS_MAX 1024
#define VFS_DEFAULT_TIMEOUT_S 30

/* A node the device told us about.  Each LOOKUP that returned it added one to
 * nlookup; FORGET gives them back when the node leaves the table. */
struct vnode {
    uint64_t nodeid;
    uint64_t generation;        /* with nodeid, names one file for good */
    uint64_t nlookup;
    uint32_t refs;              /* walkers and open files holding it */
    bool removed;               /* unlinked or replaced: forget at the last put */
    struct fuse_attr attr;
    uint64_t attr_time;         /* when attr arrived (port clock, ns) */
    uint64_t attr_expire;       /* attr may be used without asking until then */
    /* The name the node was last found by (its dentry): parent's node id,
     * 0 when it has none, and how long the device lets us trust it. */
    uint64_t d_parent;
    char *d_name;
    uint32_t d_len;
    uint64_t entry_expire;
    /* A directory's run of LOOKUPs, each within PRELIST_GAP_NS of the last,
     * and the run's length at which it is listed instead (prelist.c). */
    uint64_t miss_time;
    uint32_t misses, list_after;
    struct vnode *hnext;        /* by node id */
    struct vnode *dnext;        /* by (parent, name) */
    struct vnode *lru_prev, *lru_next;
};

struct vfs_mount {
    char path[VFS_NAME_MAX + 2];
    struct vfs_config cfg;      /* the namespace's, or the mount's own sizes */
    struct vfs_mount_opts opts;
    struct viofs dev;
    struct fconn conn;
    struct vnode root;          /* nodeid 1: never forgotten, never freed */
    uint32_t nbuckets;
    struct vnode **buckets;     /* by node id, then by (parent, name): */
    struct vnode **dbuckets;    /* one allocation, nbuckets each */
    struct vnode *lru_head, *lru_tail;
    uint32_t lru_count;
    uint32_t nodes, nodes_max;  /* in the table (root excluded), and the most ever */
    uint32_t unsupported;       /* VFS_NOSYS_*: requests the device answered ENOSYS */
};

/* Requests a device may not implement, remembered once it says ENOSYS;
 * each falls back as Linux does. */
#define VFS_NOSYS_CREATE 1u     /* MKNOD and OPEN instead */
#define VFS_NOSYS_FLUSH 2u      /* nothing to flush: success */
#define VFS_NOSYS_FSYNC 4u      /* success */
#define VFS_NOSYS_READDIRPLUS 8u /* READDIR, and LOOKUP for the attributes */

/* The cookies a directory stream has asked READDIR for lately: a device whose
 * cookies go round in a circle would have us list forever. */
#define DIR_COOKIES 16
#define VFS_DIR_MAX_REPLIES (1u << 20)
struct dir_cookies {
    uint64_t recent[DIR_COOKIES];
    uint32_t count;             /* READDIRs asked so far */
};

struct vfs_file {
    struct vfs_mount *m;        /* NULL: the virtual root directory */
    struct vnode *node;
    uint64_t fh;
    uint64_t pos;
    uint32_t flags;             /* VFS_O_* it was opened with */
    bool is_dir;
    bool written;               /* a WRITE or truncate since open: FLUSH at close */
    /* Directory stream: one READDIR or READDIRPLUS reply (dplus) and where
     * we are in it; dbuf holds dsize bytes. */
    uint8_t *dbuf;
    uint32_t dsize, dlen, dpos;
    bool dplus;
    uint32_t dtaken;            /* nodes READDIRPLUS brought so far */
    uint32_t dchecked;          /* bytes of dbuf taking its nodes checked */
    uint64_t doff;
    bool deof;
    struct dir_cookies cookies;
};

static inline bool vn_is_dir(const struct vnode *n) { return (n->attr.mode & VS_S_IFMT) == VS_S_IFDIR; }
static inline bool vn_is_link(const struct vnode *n) { return (n->attr.mode & VS_S_IFMT) == VS_S_IFLNK; }

/* vnode.c */
void vn_table_init(struct vfs_mount *m);
/* LOOKUP name in dir, or its name cache entry; returns the child with a
 * reference in *out.  vn_lookup: with `nocase`, a name not found exactly is
 * looked up ignoring ASCII case; with fresh, the device is asked whatever the
 * name cache holds; *hit (if given) is set when the name cache answered. */
int vn_lookup_exact(struct vfs_mount *m, struct vnode *dir, const char *name, uint32_t len, struct vnode **out);
/* The node of (nodeid, generation) in the table, else NULL; no reference. */
struct vnode *vn_by_id(struct vfs_mount *m, uint64_t nodeid, uint64_t generation);
int vn_lookup(struct vfs_mount *m, struct vnode *dir, const char *name, uint32_t len, bool fresh, bool *hit,
              struct vnode **out);
/* SETATTR; refreshes n->attr from the reply. */
int vn_setattr(struct vfs_mount *m, struct vnode *n, const struct fuse_setattr_in *in);
/* With the owner= option, gives a node just created to its owner. */
int vn_set_owner(struct vfs_mount *m, struct vnode *n);
/* Refreshes n->attr with GETATTR. */
int vn_getattr(struct vfs_mount *m, struct vnode *n);
/* READLINK: the target (cfg->path_max bytes at out, not NUL-terminated). */
int vn_readlink(struct vfs_mount *m, struct vnode *n, char *out, uint32_t *len);
void vn_hold(struct vnode *n);
void vn_put(struct vfs_mount *m, struct vnode *n);
/* Forgets and frees every node (all references must be gone). */
void vn_forget_all(struct vfs_mount *m);

/* walk.c: where a path leads.  m == NULL and node == NULL is the virtual
 * root.  node carries a reference the caller drops with vfs_loc_put. */
struct vfs_loc {
    struct vfs_mount *m;
    struct vnode *node;
    /* WALK_PARENT: node is the parent directory and this its last name. */
    char name[VFS_NAME_MAX + 1];
    uint32_t namelen;
    /* WALK_CREATE: the last name exists and node is its own (else node is
     * its parent); WALK_OPEN: node is the directory the path names. */
    bool found;
    bool trailing_slash;
};
#define WALK_FOLLOW 1   /* follow a symlink in the last component */
#define WALK_PARENT 2   /* stop before the last component (which must be a
                           plain name inside a mount: else -EBUSY/-EINVAL) */
#define WALK_CREATE 4   /* with WALK_PARENT: look the last name up, follow it
                           if a symlink (with WALK_FOLLOW) and stop at the
                           name it leads to: its node if it exists, else
                           its parent (to create it) */
#define WALK_OPEN 8     /* with WALK_PARENT, for open(O_CREAT): a path that
                           names a directory rather than an entry in one
                           ("/", a mount's root, a last "." or "..", through
                           symlinks too) ends at that directory, found set */
int vfs_resolve(struct vfs *v, const char *path, int flags, struct vfs_loc *loc);
void walk_scratch_drop(struct vfs *v);  /* frees the walks' kept buffers */
void vfs_loc_put(struct vfs_loc *loc);

/* file.c: the fd table and the open/release requests dir.c shares. */
struct vfs_file *vfs_file_get(struct vfs *v, int fd, bool dir);
bool vfs_files_full(const struct vfs *v);
int vfs_file_install(struct vfs *v, struct vfs_file *f);
int vfs_fuse_open(struct vfs_mount *m, struct vnode *n, uint32_t opcode, uint32_t flags, uint64_t *fh);
int vfs_fuse_release(struct vfs_mount *m, uint64_t nodeid, uint64_t fh, uint32_t opcode);
/* The same without waiting for the reply (it is checked when it comes). */
int vfs_release_detached(struct vfs_mount *m, uint64_t nodeid, uint64_t fh, uint32_t opcode);
/* READDIR of `size` bytes at cookie off into buf; the bytes received in *got.
 * With *plus, READDIRPLUS instead, or READDIR (and *plus cleared) when the
 * device answers ENOSYS.  -EPROTO when off was asked for recently in this
 * stream (g) or the stream has gone on for VFS_DIR_MAX_REPLIES replies. */
int vfs_fuse_readdir(struct vfs_mount *m, uint64_t nodeid, uint64_t fh, uint64_t off, void *buf,
                     uint32_t size, uint32_t *got, struct dir_cookies *g, bool *plus);

/* dir.c: whether READDIRPLUS may be asked of m, and its buffer size. */
bool vfs_plus_offered(const struct vfs_mount *m);
uint32_t vfs_plus_buf_size(const struct vfs_mount *m);
/* Takes the nodes of a READDIRPLUS reply of dir (buf, len) into the table;
 * returns how many, the cookie of the last record in *last_off (left as it
 * was if there is none) and, unless checked is NULL, in *checked the bytes
 * of the records that passed fuse_dirent_next. */
uint32_t vn_take_dirplus(struct vfs_mount *m, struct vnode *dir, const uint8_t *buf, uint32_t len,
                         uint64_t *last_off, uint32_t *checked);

/* prelist.c: after the name cache missed `name` in dir: when the walk has
 * been looking names up one by one in dir, lists dir with READDIRPLUS and
 * returns the node the listing brought for name (as the name cache would,
 * without a reference), else NULL: the caller sends its LOOKUP. */
struct vnode *vn_prelist(struct vfs_mount *m, struct vnode *dir, const char *name, uint32_t len);

/* nocase.c: after an exact LOOKUP of name in dir found nothing, the entry of
 * dir whose name matches ignoring ASCII case, looked up (-ENOENT if none). */
int vn_lookup_nocase(struct vfs_mount *m, struct vnode *dir, const char *name, uint32_t len,
                     struct vnode **out);
/* Takes the node an entry reply (LOOKUP, CREATE, MKDIR, SYMLINK, LINK) names
 * as `name` in directory `parent`: counts the lookup, records attributes and
 * the name with their validity, returns it with a reference. */
int vn_from_entry(struct vfs_mount *m, uint64_t parent, const char *name, uint32_t len,
                  const struct fuse_entry_out *e, struct vnode **out);
/* The same for an entry of a READDIRPLUS reply of dir: the node goes to the
 * table unreferenced (the oldest unreferenced may be forgotten to make room). */
int vn_from_dirplus(struct vfs_mount *m, struct vnode *dir, const char *name, uint32_t len,
                    const struct fuse_entry_out *e);

/* dcache.c: names and attributes within their validity. */
uint64_t vn_now(const struct vfs_mount *m);
/* now + sec.nsec, saturating; 0 (already expired) for a zero validity.
 * _at: from the time `now` given (vn_now read once for several). */
uint64_t vn_expiry(const struct vfs_mount *m, uint64_t sec, uint32_t nsec);
uint64_t vn_expiry_at(uint64_t now, uint64_t sec, uint32_t nsec);
/* The node `name` in parent names, while the device's validity lasts;
 * counted in the stats' name hits and misses.  _peek: not counted. */
struct vnode *vn_dentry_find(struct vfs_mount *m, uint64_t parent, const char *name, uint32_t len);
struct vnode *vn_dentry_peek(struct vfs_mount *m, uint64_t parent, const char *name, uint32_t len);
/* Whether n is what vn_dentry_find(m, parent, name, len) gives, counted as
 * it counts a hit; without hashing the name. */
bool vn_dentry_is(struct vfs_mount *m, const struct vnode *n, uint64_t parent, const char *name, uint32_t len);
/* Records (parent, name) as n's name until `expire`; false if out of memory
 * (the node then simply has no cached name). */
bool vn_dentry_set(struct vfs_mount *m, struct vnode *n, uint64_t parent, const char *name, uint32_t len,
                   uint64_t expire);
void vn_dentry_drop(struct vfs_mount *m, struct vnode *n);
/* Forgets whatever node (parent, name) names in the cache: the device says
 * the name is gone. */
void vn_dentry_forget(struct vfs_mount *m, uint64_t parent, const char *name, uint32_t len);
/* After a change to `name` in dir: forgets the name and the attributes of
 * what it named, and dir's own attributes (its times and link count moved). */
void vn_name_changed(struct vfs_mount *m, struct vnode *dir, const char *name, uint32_t len);
/* Whether n->attr may be used: within its validity, or received at or after
 * `since` (during the current operation; UINT64_MAX: validity only). */
static inline bool vn_attr_fresh(const struct vfs_mount *m, const struct vnode *n, uint64_t since)
{
    return n->attr_time >= since || vn_now(m) < n->attr_expire;
}
/* The error for a change on m: -EROFS when mounted read-only, else 0. */
static inline int vfs_check_rw(const struct vfs_mount *m) { return m && m->opts.ro ? -VS_EROFS : 0; }

/* io.c: READ (write false) or WRITE of [off, off + n) of f with several
 * requests in flight.  Returns the bytes moved (short at end of file or when
 * the device took less) or, if none, a negative errno. */
int64_t vfs_file_io(struct vfs_file *f, void *buf, size_t n, uint64_t off, bool write);
/* One READ or WRITE of a range: the request, its arguments and results. */
struct vfs_io_op {
    struct fconn_req r;
    struct fconn_slot *slot;
    union {
        struct fuse_read_in rd;
        struct fuse_write_in wr;
    } in;
    struct fuse_write_out wo;
    uint32_t len;
};
/* The chunk size for n bytes spread over `window` requests, within
 * [64 KiB, max]. */
uint32_t vfs_io_chunk(size_t n, uint32_t window, uint32_t max);
/* Fills op for len bytes of f at off, to or from caller memory p. */
void vfs_io_prepare(struct vfs_file *f, struct vfs_io_op *op, uint8_t *p, uint64_t off, uint32_t len, bool write);
/* The bytes a finished op moved, or -EPROTO for a reply that breaks the rules. */
int64_t vfs_io_moved(const struct vfs_io_op *op, bool write);

/* aio.c: before f is closed, waits for its operations' requests in flight
 * and ends them (vfs_aio.h). */
void vfs_aio_settle_file(struct vfs *v, struct vfs_file *f);

/* mem.c: a port that takes memory from cfg's heap/dma (where given) and
 * calls outer's hooks for everything else; stored in *own, state in *mm. */
const struct vs_port *vfs_mem_init(struct vfs_mem *mm, struct vs_port *own, const struct vs_port *outer,
                                   const struct vfs_config *cfg);

/* Converts the device's attributes. */
void vfs_attr_to_stat(const struct fuse_attr *a, struct vfs_stat *st);

#endif
