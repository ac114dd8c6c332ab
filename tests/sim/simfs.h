/* SPDX-License-Identifier: BSD-2-Clause */
/* An in-memory FUSE server for the simulated virtio-fs device.
 *
 * simfs_handle is a simdev handler: it parses one FUSE request and writes
 * the reply a Linux virtiofsd would: the read side, and the write side
 * (CREATE, MKNOD of regular files, WRITE, SETATTR, MKDIR, SYMLINK, LINK,
 * UNLINK, RMDIR, RENAME, RENAME2, FSYNC, FLUSH; simfs_write.c) with the
 * errors a Linux host gives (EEXIST, ENOTEMPTY, ENOTDIR, EISDIR, EINVAL for
 * a directory moved under itself...); ENOSYS for what it does not serve.  It
 * serves a tree that starts as simfs_init builds it and keeps the books a
 * test needs: each node's lookup count (+1 per successful LOOKUP, new
 * entry or READDIRPLUS entry but "." and "..", -nlookup per FORGET or per
 * node of a BATCH_FORGET), open handles, INIT and DESTROY.  What the
 * client does wrong (a count going negative, a node used after it was
 * forgotten, a READ larger than max_pages allows, a WRITE larger than
 * max_write, an unknown handle, a WRITE through a read-only handle, a
 * request before INIT or after DESTROY, a name with '/', "." or "..", a
 * request whose header length disagrees with the chain) is counted in `bugs`.
 *
 * One FUSE-level fault can be armed at a time: on the nth request with a
 * given opcode (0: any but FORGET) from the time it is armed.  A fault that
 * spoils the reply (short, malformed, no reply) leaves the change made, as a
 * daemon whose answer got lost would; an error fault makes no change. */
#ifndef SIMFS_H
#define SIMFS_H

#include <stdbool.h>
#include <stdint.h>

#include "fuse_proto.h"

enum simfs_fault_kind {
    SIMFS_FAULT_NONE,
    /* Any opcode. */
    SIMFS_FAULT_HDR_LEN,        /* out_header.len = reply length + max(arg, 8) */
    SIMFS_FAULT_UNIQUE,         /* out_header.unique of another request */
    SIMFS_FAULT_ERROR,          /* an error reply with error = (int32_t)arg */
    SIMFS_FAULT_ERROR_PAYLOAD,  /* error -EIO, but the payload is kept */
    SIMFS_FAULT_SHORT,          /* payload cut to arg bytes (header consistent) */
    SIMFS_FAULT_NO_REPLY,       /* never answered */
    /* LOOKUP, GETATTR, SETATTR and the new entry of CREATE, MKNOD, MKDIR,
     * SYMLINK, LINK. */
    SIMFS_FAULT_ATTR_TYPE,      /* attr.mode without a valid file type */
    SIMFS_FAULT_ENTRY_ROOT,     /* LOOKUP names the root (nodeid 1) */
    /* READ. */
    SIMFS_FAULT_READ_MORE,      /* max(arg, 1) bytes more than asked */
    /* WRITE. */
    SIMFS_FAULT_WRITE_LESS,     /* only the first arg bytes written, and said so */
    SIMFS_FAULT_WRITE_MORE,     /* max(arg, 1) bytes more said written than were sent */
    /* READLINK. */
    SIMFS_FAULT_READLINK_LONG,  /* a target longer than the buffer given */
    SIMFS_FAULT_READLINK_NUL,   /* a target with a NUL byte */
    SIMFS_FAULT_READLINK_EMPTY, /* an empty target */
    /* READDIR: applied to the last entry of the reply. */
    SIMFS_FAULT_DIRENT_OVERFLOW, /* namelen running past the end of the reply */
    SIMFS_FAULT_DIRENT_NAMELEN0,
    SIMFS_FAULT_DIRENT_SLASH,   /* a '/' in the name */
    SIMFS_FAULT_DIRENT_NUL,     /* a NUL in the name */
    /* READDIRPLUS: applied to the last entry of the reply, whose lookup is
     * then not counted (the four READDIR faults above apply too). */
    SIMFS_FAULT_DIRENTPLUS_ROOT, /* the entry names the root (nodeid 1) */
    SIMFS_FAULT_DIRENTPLUS_ATTR, /* attr.mode without a valid file type */
    SIMFS_FAULT_DIRENTPLUS_NSEC, /* entry_valid_nsec of a whole second */
    /* STATFS. */
    SIMFS_FAULT_STATFS_BAD,     /* bfree > blocks */
};

/* A name in the tree.  Most are also the inode they name (inode == their
 * own index); a hard link (LINK) is a name whose inode is another node's,
 * and the attributes, content and lookup count are the inode's.  A removed
 * name leaves the tree, not the table: an inode still linked elsewhere or
 * still open keeps its index, node id and content. */
struct simfs_node {
    uint64_t nodeid, ino;
    uint32_t mode;
    uint64_t size;
    char *name;
    int parent;                 /* index; -1 for the root */
    int first_child, last_child, next_sibling;
    unsigned nchildren;
    char *target;               /* symlinks */
    char *text;                 /* explicit content (size bytes), else simfs_pattern */
    int64_t lookups;
    int inode;                  /* the node holding this name's inode */
    bool removed;               /* no longer in the tree */
    uint32_t nlink;             /* of a non-directory inode; directories count their subdirectories */
    uint32_t uid, gid;
    int64_t atime, mtime, ctime;
    uint32_t atime_ns, mtime_ns, ctime_ns;
};

struct simfs_handle {
    uint64_t fh;
    int node;
    bool dir;
    uint32_t flags;             /* the open flags (O_ACCMODE, O_APPEND...) */
};

struct simfs {
    struct simfs_node *nodes;
    unsigned nnodes, cap;

    /* INIT reply settings. */
    uint32_t init_major, init_minor, init_max_write;
    uint16_t init_max_pages;
    bool init_no_max_pages;     /* do not accept FUSE_MAX_PAGES */
    uint32_t init_len;          /* bytes of fuse_init_out sent (64) */
    /* LOOKUP of a missing name answers with nodeid 0 instead of -ENOENT. */
    bool negative_entries;
    /* Validity of names and attributes sent (seconds; default 1). */
    uint32_t entry_valid, attr_valid;
    /* CREATE / FSYNC answered ENOSYS, as by daemons without them. */
    bool no_create, no_fsync;
    /* INIT does not grant FUSE_DO_READDIRPLUS / READDIRPLUS answered ENOSYS. */
    bool no_readdirplus_flag, readdirplus_enosys;
    /* READDIRPLUS records name no node (nodeid 0), as for entries a daemon
     * could not look up. */
    bool readdirplus_no_entries;

    /* State. */
    bool initialized, destroyed;
    uint32_t max_pages;         /* settled by INIT */
    unsigned long requests, inits, destroys;
    unsigned long forgets;      /* nodes given back, by FORGET or in a BATCH_FORGET */
    unsigned long batch_forgets; /* BATCH_FORGET requests */
    unsigned long ops[64];      /* per opcode (< 64) */
    struct simfs_handle *handles;
    unsigned nhandles, hcap;
    uint64_t next_fh;
    int64_t clock;              /* seconds: each change's time, one more each time */
    int64_t lookups_now, lookups_max; /* over all nodes */
    int64_t lookups_at_destroy;       /* lookups_now when DESTROY came */
    unsigned handles_at_destroy;

    struct {
        enum simfs_fault_kind kind;
        uint32_t opcode, nth, arg, seen;
        bool fired;
    } fault;

    unsigned long bugs;
    char bug[240];
};

/* Builds the tree:
 *   hello.txt ("Hello, vioshare!\n"), empty, one.bin (1), small.bin (4095),
 *   page.bin (4096), page1.bin (4097), big.bin (1 MiB + 12345),
 *   huge.bin (3 MiB + 7): contents simfs_pattern(nodeid, offset)
 *   dir/ { inner.txt ("inner\n"), up -> ../hello.txt, sub/ { leaf.txt (100) } }
 *   link-rel -> hello.txt, link-dir -> dir, link-abs -> /sim/dir,
 *   link-abs-file -> /sim/dir/inner.txt, link-none -> /nomount/x,
 *   link-dangling -> nothing-here, escape -> ../../../../hello.txt,
 *   loop-a -> loop-b, loop-b -> loop-a, self -> self,
 *   chain00 -> chain01 -> ... -> chain40 -> hello.txt (41 links),
 *   deep/d01/.../d30/bottom.txt ("bottom\n"),
 *   a 255-byte name of 'L's ("long name\n"),
 *   many/ { f0000 .. f1499, f#### of # bytes }
 * INIT answers minor 31, max_write 1 MiB, max_pages 256, 64 bytes; a new
 * INIT starts a new session (no lookups, no open handles). */
void simfs_init(struct simfs *fs);
void simfs_fini(struct simfs *fs);

/* The simdev handler (ctx is the struct simfs). */
uint32_t simfs_handle(void *ctx, uint16_t queue, const uint8_t *req, uint32_t req_len, uint8_t *reply,
                      uint32_t writable, uint32_t reply_max);

/* Arms a fault on the nth request of opcode (0: any but FORGET). */
void simfs_fault(struct simfs *fs, enum simfs_fault_kind kind, uint32_t opcode, uint32_t nth, uint32_t arg);

/* The inode at a path relative to the share root ("" is the root), without
 * following symlinks; NULL if there is none. */
const struct simfs_node *simfs_find(const struct simfs *fs, const char *path);
/* Byte `off` of a patterned file. */
uint8_t simfs_pattern(uint64_t nodeid, uint64_t off);
/* Byte `off` of node n's content. */
uint8_t simfs_byte(const struct simfs_node *n, uint64_t off);
/* Nodes whose lookup count is not 0; the first one's path-less name in *name. */
unsigned simfs_nonzero_lookups(const struct simfs *fs, const char **name);

/* The host changes the tree behind the client's back: renames the name at
 * path `from` to to_dir/name (which must not exist), or adds name (a file of
 * size bytes of the pattern, or a directory) in dir.  -1 when a path is
 * wrong; simfs_host_add returns the new node's index. */
int simfs_host_rename(struct simfs *fs, const char *from, const char *to_dir, const char *name);
int simfs_host_add(struct simfs *fs, const char *dir, const char *name, uint32_t mode, uint64_t size);

/* The standard file sizes. */
#define SIMFS_BIG_SIZE ((1u << 20) + 12345u)
#define SIMFS_HUGE_SIZE ((3u << 20) + 7u)
#define SIMFS_MANY 1500
#define SIMFS_DEEP 30

#endif
