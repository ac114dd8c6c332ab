/* SPDX-License-Identifier: BSD-2-Clause */
/* The FUSE wire protocol, as a virtio-fs device speaks it: request and reply
 * structures, opcodes and flag bits.
 *
 * Written for vioshare from the facts of Linux's include/uapi/linux/fuse.h
 * (struct layouts, opcode numbers, flag bits), keeping Linux's names so code
 * and documentation written against that header read the same here.  We
 * speak protocol 7.31, the oldest QEMU 7.2's C virtiofsd accepts:
 *
 *   - fuse_init_in is the 16-byte layout (major, minor, max_readahead,
 *     flags); virtiofsd accepts it.  Flag bits above 31 (FUSE_INIT_EXT,
 *     flags2) are never sent.
 *   - fuse_init_out is the full 64-byte layout (max_pages, map_alignment,
 *     flags2, unused[7]); virtiofsd always sends all of it.  A shorter
 *     reply is valid and its missing fields read as zero.
 *   - Fields that were padding at 7.31 and got a name later carry the later
 *     name (fuse_attr.flags, fuse_open_in.open_flags...); we send them as 0.
 *
 * Byte order: little endian, the only one virtio-fs defines.  Every structure
 * has its size and key offsets checked at compile time below.  All of this is
 * plain data: no functions other than small inline helpers. */
#ifndef FUSE_PROTO_H
#define FUSE_PROTO_H

#include "vs_util.h"
#include "vs_errno.h"
#include "vs_mode.h"

/* ---- Versions and fixed numbers ---------------------------------------- */

#define FUSE_KERNEL_VERSION 7
#define FUSE_KERNEL_MINOR_VERSION 31

/* The node ID of the share's root directory; it needs no LOOKUP. */
#define FUSE_ROOT_ID 1

/* Longest name a dirent may carry (Linux's FUSE_NAME_MAX). */
#define FUSE_NAME_MAX 1024

/* Pages per request when the device did not settle FUSE_MAX_PAGES, and the
 * page size max_pages counts in. */
#define FUSE_DEFAULT_MAX_PAGES_PER_REQ 32
#define FUSE_PAGE_SIZE 4096u

/* Smallest max_write a device may announce. */
#define FUSE_MIN_MAX_WRITE 4096u

/* Reply sizes of older protocol minors (a reply may be this short). */
#define FUSE_COMPAT_INIT_OUT_SIZE 8
#define FUSE_COMPAT_22_INIT_OUT_SIZE 24
#define FUSE_COMPAT_ENTRY_OUT_SIZE 120
#define FUSE_COMPAT_ATTR_OUT_SIZE 96
#define FUSE_COMPAT_STATFS_SIZE 48
#define FUSE_COMPAT_WRITE_IN_SIZE 24
#define FUSE_COMPAT_MKNOD_IN_SIZE 8

/* ---- Opcodes ------------------------------------------------------------ */

enum fuse_opcode {
    FUSE_LOOKUP = 1,
    FUSE_FORGET = 2, /* no reply */
    FUSE_GETATTR = 3,
    FUSE_SETATTR = 4,
    FUSE_READLINK = 5,
    FUSE_SYMLINK = 6,
    FUSE_MKNOD = 8,
    FUSE_MKDIR = 9,
    FUSE_UNLINK = 10,
    FUSE_RMDIR = 11,
    FUSE_RENAME = 12,
    FUSE_LINK = 13,
    FUSE_OPEN = 14,
    FUSE_READ = 15,
    FUSE_WRITE = 16,
    FUSE_STATFS = 17,
    FUSE_RELEASE = 18,
    FUSE_FSYNC = 20,
    FUSE_SETXATTR = 21,
    FUSE_GETXATTR = 22,
    FUSE_LISTXATTR = 23,
    FUSE_REMOVEXATTR = 24,
    FUSE_FLUSH = 25,
    FUSE_INIT = 26,
    FUSE_OPENDIR = 27,
    FUSE_READDIR = 28,
    FUSE_RELEASEDIR = 29,
    FUSE_FSYNCDIR = 30,
    FUSE_GETLK = 31,
    FUSE_SETLK = 32,
    FUSE_SETLKW = 33,
    FUSE_ACCESS = 34,
    FUSE_CREATE = 35,
    FUSE_INTERRUPT = 36,
    FUSE_BMAP = 37,
    FUSE_DESTROY = 38,
    FUSE_IOCTL = 39,
    FUSE_POLL = 40,
    FUSE_NOTIFY_REPLY = 41,
    FUSE_BATCH_FORGET = 42, /* no reply */
    FUSE_FALLOCATE = 43,
    FUSE_READDIRPLUS = 44,
    FUSE_RENAME2 = 45,
    FUSE_LSEEK = 46,
    FUSE_COPY_FILE_RANGE = 47,
    FUSE_SETUPMAPPING = 48, /* 7.31, DAX window */
    FUSE_REMOVEMAPPING = 49,
    FUSE_SYNCFS = 50,       /* 7.34: a 7.31 device may answer ENOSYS */
    FUSE_TMPFILE = 51,      /* 7.37 */
    FUSE_STATX = 52,        /* 7.39 */

    CUSE_INIT = 4096,
    /* An opcode read with the wrong byte order. */
    CUSE_INIT_BSWAP_RESERVED = 1048576,  /* CUSE_INIT << 8 */
    FUSE_INIT_BSWAP_RESERVED = 436207616 /* FUSE_INIT << 24 */
};

enum fuse_notify_code {
    FUSE_NOTIFY_POLL = 1,
    FUSE_NOTIFY_INVAL_INODE = 2,
    FUSE_NOTIFY_INVAL_ENTRY = 3,
    FUSE_NOTIFY_STORE = 4,
    FUSE_NOTIFY_RETRIEVE = 5,
    FUSE_NOTIFY_DELETE = 6,
    FUSE_NOTIFY_CODE_MAX
};

/* ---- INIT flags (fuse_init_in.flags / fuse_init_out.flags) -------------- */

#define FUSE_ASYNC_READ (1u << 0)
#define FUSE_POSIX_LOCKS (1u << 1)
#define FUSE_FILE_OPS (1u << 2)
#define FUSE_ATOMIC_O_TRUNC (1u << 3)
#define FUSE_EXPORT_SUPPORT (1u << 4)
#define FUSE_BIG_WRITES (1u << 5)
#define FUSE_DONT_MASK (1u << 6)
#define FUSE_SPLICE_WRITE (1u << 7)
#define FUSE_SPLICE_MOVE (1u << 8)
#define FUSE_SPLICE_READ (1u << 9)
#define FUSE_FLOCK_LOCKS (1u << 10)
#define FUSE_HAS_IOCTL_DIR (1u << 11)
#define FUSE_AUTO_INVAL_DATA (1u << 12)
#define FUSE_DO_READDIRPLUS (1u << 13)
#define FUSE_READDIRPLUS_AUTO (1u << 14)
#define FUSE_ASYNC_DIO (1u << 15)
#define FUSE_WRITEBACK_CACHE (1u << 16)
#define FUSE_NO_OPEN_SUPPORT (1u << 17)
#define FUSE_PARALLEL_DIROPS (1u << 18)
#define FUSE_HANDLE_KILLPRIV (1u << 19)
#define FUSE_POSIX_ACL (1u << 20)
#define FUSE_ABORT_ERROR (1u << 21)
#define FUSE_MAX_PAGES (1u << 22)       /* init_out.max_pages is valid */
#define FUSE_CACHE_SYMLINKS (1u << 23)
#define FUSE_NO_OPENDIR_SUPPORT (1u << 24)
#define FUSE_EXPLICIT_INVAL_DATA (1u << 25)
#define FUSE_MAP_ALIGNMENT (1u << 26)   /* init_out.map_alignment is valid */
#define FUSE_SUBMOUNTS (1u << 27)       /* 7.32: fuse_attr.flags may say SUBMOUNT */
#define FUSE_HANDLE_KILLPRIV_V2 (1u << 28)
#define FUSE_SETXATTR_EXT (1u << 29)
#define FUSE_INIT_EXT (1u << 30)        /* needs the 64-byte fuse_init_in: never sent */
#define FUSE_INIT_RESERVED (1u << 31)
/* Bits 32 and up travel in flags2 (only with FUSE_INIT_EXT).  Listed so
 * nobody offers them by accident: FUSE_SECURITY_CTX requires a security
 * context on every create, which we never send. */
#define FUSE_SECURITY_CTX (1ull << 32)
#define FUSE_HAS_INODE_DAX (1ull << 33)

/* ---- Other flag words --------------------------------------------------- */

/* fuse_setattr_in.valid */
#define FATTR_MODE (1u << 0)
#define FATTR_UID (1u << 1)
#define FATTR_GID (1u << 2)
#define FATTR_SIZE (1u << 3)
#define FATTR_ATIME (1u << 4)
#define FATTR_MTIME (1u << 5)
#define FATTR_FH (1u << 6)
#define FATTR_ATIME_NOW (1u << 7)
#define FATTR_MTIME_NOW (1u << 8)
#define FATTR_LOCKOWNER (1u << 9)
#define FATTR_CTIME (1u << 10)
#define FATTR_KILL_SUIDGID (1u << 11) /* 7.33 */

/* fuse_open_out.open_flags */
#define FOPEN_DIRECT_IO (1u << 0)
#define FOPEN_KEEP_CACHE (1u << 1)
#define FOPEN_NONSEEKABLE (1u << 2)
#define FOPEN_CACHE_DIR (1u << 3)
#define FOPEN_STREAM (1u << 4)
#define FOPEN_NOFLUSH (1u << 5) /* 7.35 */

/* fuse_release_in.release_flags */
#define FUSE_RELEASE_FLUSH (1u << 0)
#define FUSE_RELEASE_FLOCK_UNLOCK (1u << 1)

/* fuse_getattr_in.getattr_flags */
#define FUSE_GETATTR_FH (1u << 0)

/* fuse_lk_in.lk_flags */
#define FUSE_LK_FLOCK (1u << 0)

/* fuse_write_in.write_flags */
#define FUSE_WRITE_CACHE (1u << 0)
#define FUSE_WRITE_LOCKOWNER (1u << 1)
#define FUSE_WRITE_KILL_PRIV (1u << 2)

/* fuse_read_in.read_flags */
#define FUSE_READ_LOCKOWNER (1u << 1)

/* fuse_fsync_in.fsync_flags */
#define FUSE_FSYNC_FDATASYNC (1u << 0)

/* fuse_attr.flags (7.32; zero from a device that speaks 7.31) */
#define FUSE_ATTR_SUBMOUNT (1u << 0)

/* fuse_setupmapping_in.flags */
#define FUSE_SETUPMAPPING_FLAG_WRITE (1ull << 0)
#define FUSE_SETUPMAPPING_FLAG_READ (1ull << 1)

/* fuse_rename2_in.flags: Linux's renameat2 flags */
#define FUSE_RENAME_NOREPLACE (1u << 0)
#define FUSE_RENAME_EXCHANGE (1u << 1)
#define FUSE_RENAME_WHITEOUT (1u << 2)

/* True when mode's type bits are one of the seven file types. */
static inline bool fuse_mode_type_known(uint32_t mode)
{
    switch (mode & VS_S_IFMT) {
    case VS_S_IFSOCK:
    case VS_S_IFLNK:
    case VS_S_IFREG:
    case VS_S_IFBLK:
    case VS_S_IFDIR:
    case VS_S_IFCHR:
    case VS_S_IFIFO:
        return true;
    default:
        return false;
    }
}

/* The dirent type of a mode (Linux: d_type == (mode >> 12) & 15). */
static inline uint32_t fuse_mode_to_dt(uint32_t mode)
{
    return fuse_mode_type_known(mode) ? (mode & VS_S_IFMT) >> 12 : VS_DT_UNKNOWN;
}

/* ---- Headers ------------------------------------------------------------ */

struct fuse_in_header {
    uint32_t len;    /* whole request, header included */
    uint32_t opcode;
    uint64_t unique;
    uint64_t nodeid;
    uint32_t uid;
    uint32_t gid;
    uint32_t pid;
    uint32_t padding;
};

struct fuse_out_header {
    uint32_t len;    /* whole reply, header included */
    int32_t error;   /* 0 or a negative Linux errno */
    uint64_t unique;
};

/* ---- Attributes and entries --------------------------------------------- */

struct fuse_attr {
    uint64_t ino;
    uint64_t size;
    uint64_t blocks;
    uint64_t atime;
    uint64_t mtime;
    uint64_t ctime;
    uint32_t atimensec;
    uint32_t mtimensec;
    uint32_t ctimensec;
    uint32_t mode;
    uint32_t nlink;
    uint32_t uid;
    uint32_t gid;
    uint32_t rdev;
    uint32_t blksize;
    uint32_t flags; /* padding at 7.31; FUSE_ATTR_* from 7.32 */
};

struct fuse_entry_out {
    uint64_t nodeid;      /* 0: negative entry (LOOKUP) */
    uint64_t generation;
    uint64_t entry_valid; /* cache timeout of the name, seconds */
    uint64_t attr_valid;  /* cache timeout of the attributes, seconds */
    uint32_t entry_valid_nsec;
    uint32_t attr_valid_nsec;
    struct fuse_attr attr;
};

struct fuse_attr_out {
    uint64_t attr_valid;
    uint32_t attr_valid_nsec;
    uint32_t dummy;
    struct fuse_attr attr;
};

struct fuse_getattr_in {
    uint32_t getattr_flags;
    uint32_t dummy;
    uint64_t fh;
};

struct fuse_setattr_in {
    uint32_t valid; /* FATTR_* */
    uint32_t padding;
    uint64_t fh;
    uint64_t size;
    uint64_t lock_owner;
    uint64_t atime;
    uint64_t mtime;
    uint64_t ctime;
    uint32_t atimensec;
    uint32_t mtimensec;
    uint32_t ctimensec;
    uint32_t mode;
    uint32_t unused4;
    uint32_t uid;
    uint32_t gid;
    uint32_t unused5;
};

/* ---- INIT --------------------------------------------------------------- */

/* The 7.31 request (16 bytes). */
struct fuse_init_in {
    uint32_t major;
    uint32_t minor;
    uint32_t max_readahead;
    uint32_t flags;
};

/* The full reply (64 bytes). */
struct fuse_init_out {
    uint32_t major;
    uint32_t minor;
    uint32_t max_readahead;
    uint32_t flags;
    uint16_t max_background;
    uint16_t congestion_threshold;
    uint32_t max_write;
    uint32_t time_gran;
    uint16_t max_pages;     /* with FUSE_MAX_PAGES */
    uint16_t map_alignment; /* with FUSE_MAP_ALIGNMENT: log2 of DAX mapping alignment */
    uint32_t flags2;        /* flag bits 32..63 (7.36) */
    uint32_t unused[7];
};

/* ---- Files -------------------------------------------------------------- */

struct fuse_open_in {
    uint32_t flags;      /* O_* open flags, Linux values */
    uint32_t open_flags; /* unused at 7.31; FUSE_OPEN_KILL_SUIDGID from 7.33 */
};

struct fuse_open_out {
    uint64_t fh;
    uint32_t open_flags; /* FOPEN_* */
    uint32_t padding;
};

struct fuse_create_in {
    uint32_t flags;
    uint32_t mode;
    uint32_t umask;
    uint32_t open_flags; /* padding at 7.31 */
};

struct fuse_read_in {
    uint64_t fh;
    uint64_t offset;
    uint32_t size;
    uint32_t read_flags;
    uint64_t lock_owner;
    uint32_t flags;
    uint32_t padding;
};

struct fuse_write_in {
    uint64_t fh;
    uint64_t offset;
    uint32_t size;
    uint32_t write_flags;
    uint64_t lock_owner;
    uint32_t flags;
    uint32_t padding;
};

struct fuse_write_out {
    uint32_t size;
    uint32_t padding;
};

struct fuse_release_in {
    uint64_t fh;
    uint32_t flags;
    uint32_t release_flags;
    uint64_t lock_owner;
};

struct fuse_flush_in {
    uint64_t fh;
    uint32_t unused;
    uint32_t padding;
    uint64_t lock_owner;
};

struct fuse_fsync_in {
    uint64_t fh;
    uint32_t fsync_flags;
    uint32_t padding;
};

struct fuse_lseek_in {
    uint64_t fh;
    uint64_t offset;
    uint32_t whence;
    uint32_t padding;
};

struct fuse_lseek_out {
    uint64_t offset;
};

struct fuse_fallocate_in {
    uint64_t fh;
    uint64_t offset;
    uint64_t length;
    uint32_t mode;
    uint32_t padding;
};

struct fuse_copy_file_range_in {
    uint64_t fh_in;
    uint64_t off_in;
    uint64_t nodeid_out;
    uint64_t fh_out;
    uint64_t off_out;
    uint64_t len;
    uint64_t flags;
};

struct fuse_access_in {
    uint32_t mask;
    uint32_t padding;
};

/* ---- Names: create, link, rename ---------------------------------------- */

struct fuse_mknod_in {
    uint32_t mode;
    uint32_t rdev;
    uint32_t umask;
    uint32_t padding;
};

struct fuse_mkdir_in {
    uint32_t mode;
    uint32_t umask;
};

struct fuse_rename_in {
    uint64_t newdir;
};

struct fuse_rename2_in {
    uint64_t newdir;
    uint32_t flags; /* FUSE_RENAME_* */
    uint32_t padding;
};

struct fuse_link_in {
    uint64_t oldnodeid;
};

/* ---- Forgetting and interrupting (hiprio queue) ------------------------- */

struct fuse_forget_in {
    uint64_t nlookup;
};

struct fuse_forget_one {
    uint64_t nodeid;
    uint64_t nlookup;
};

/* Followed by `count` struct fuse_forget_one. */
struct fuse_batch_forget_in {
    uint32_t count;
    uint32_t dummy;
};

struct fuse_interrupt_in {
    uint64_t unique;
};

/* ---- Extended attributes ------------------------------------------------ */

/* The 7.31 layout (8 bytes; the 16-byte one needs FUSE_SETXATTR_EXT). */
struct fuse_setxattr_in {
    uint32_t size;
    uint32_t flags;
};

struct fuse_getxattr_in {
    uint32_t size;
    uint32_t padding;
};

struct fuse_getxattr_out {
    uint32_t size;
    uint32_t padding;
};

/* ---- STATFS ------------------------------------------------------------- */

struct fuse_kstatfs {
    uint64_t blocks;
    uint64_t bfree;
    uint64_t bavail;
    uint64_t files;
    uint64_t ffree;
    uint32_t bsize;
    uint32_t namelen;
    uint32_t frsize;
    uint32_t padding;
    uint32_t spare[6];
};

struct fuse_statfs_out {
    struct fuse_kstatfs st;
};

/* ---- Locks -------------------------------------------------------------- */

struct fuse_file_lock {
    uint64_t start;
    uint64_t end;
    uint32_t type;
    uint32_t pid;
};

struct fuse_lk_in {
    uint64_t fh;
    uint64_t owner;
    struct fuse_file_lock lk;
    uint32_t lk_flags;
    uint32_t padding;
};

struct fuse_lk_out {
    struct fuse_file_lock lk;
};

/* ---- DAX window (7.31) -------------------------------------------------- */

struct fuse_setupmapping_in {
    uint64_t fh;
    uint64_t foffset;
    uint64_t len;
    uint64_t flags; /* FUSE_SETUPMAPPING_FLAG_* */
    uint64_t moffset;
};

/* Followed by `count` struct fuse_removemapping_one. */
struct fuse_removemapping_in {
    uint32_t count;
};

struct fuse_removemapping_one {
    uint64_t moffset;
    uint64_t len;
};

/* ---- Directory entries -------------------------------------------------- */

/* A READDIR reply is a run of these, each followed by namelen name bytes
 * (no NUL) and zero padding up to the next multiple of 8. */
struct fuse_dirent {
    uint64_t ino;
    uint64_t off;     /* cookie: READDIR at this offset continues after the entry */
    uint32_t namelen;
    uint32_t type;    /* VS_DT_* */
    char name[];
};

/* A READDIRPLUS reply is a run of these, padded the same way.  Linux nests
 * `struct fuse_dirent dirent` here, which ISO C forbids (a structure with a
 * flexible array member inside another); this header repeats the dirent's
 * fixed fields as `dirent` and puts the name at the end as `name`, at the
 * same offset (FUSE_NAME_OFFSET_DIRENTPLUS). */
struct fuse_direntplus {
    struct fuse_entry_out entry_out; /* nodeid 0: the device gave no entry */
    struct {
        uint64_t ino;
        uint64_t off;
        uint32_t namelen;
        uint32_t type;
    } dirent;
    char name[];
};

/* Where the name starts in a READDIR / READDIRPLUS record. */
#define FUSE_NAME_OFFSET 24u
#define FUSE_NAME_OFFSET_DIRENTPLUS 152u

/* x rounded up to the dirent alignment (8).  64-bit, so it cannot wrap for
 * any 32-bit length. */
static inline uint64_t fuse_dirent_align(uint64_t x)
{
    return (x + 7u) & ~(uint64_t)7u;
}

/* Bytes a READDIR record with a name of namelen bytes takes, padding included. */
static inline uint64_t fuse_dirent_size(uint32_t namelen)
{
    return fuse_dirent_align((uint64_t)FUSE_NAME_OFFSET + namelen);
}

/* Bytes a READDIRPLUS record with a name of namelen bytes takes. */
static inline uint64_t fuse_direntplus_size(uint32_t namelen)
{
    return fuse_dirent_align((uint64_t)FUSE_NAME_OFFSET_DIRENTPLUS + namelen);
}

/* ---- Compile-time layout checks ----------------------------------------- */

#define FUSE_PROTO_CHECK_SIZE(type, size) \
    _Static_assert(sizeof(struct type) == (size), "struct " #type " is not " #size " bytes")
#define FUSE_PROTO_CHECK_OFF(type, field, off) \
    _Static_assert(offsetof(struct type, field) == (off), #type "." #field " is not at " #off)

FUSE_PROTO_CHECK_SIZE(fuse_in_header, 40);
FUSE_PROTO_CHECK_OFF(fuse_in_header, opcode, 4);
FUSE_PROTO_CHECK_OFF(fuse_in_header, unique, 8);
FUSE_PROTO_CHECK_OFF(fuse_in_header, nodeid, 16);
FUSE_PROTO_CHECK_OFF(fuse_in_header, uid, 24);
FUSE_PROTO_CHECK_OFF(fuse_in_header, pid, 32);
FUSE_PROTO_CHECK_SIZE(fuse_out_header, 16);
FUSE_PROTO_CHECK_OFF(fuse_out_header, error, 4);
FUSE_PROTO_CHECK_OFF(fuse_out_header, unique, 8);

FUSE_PROTO_CHECK_SIZE(fuse_attr, 88);
FUSE_PROTO_CHECK_OFF(fuse_attr, size, 8);
FUSE_PROTO_CHECK_OFF(fuse_attr, ctime, 40);
FUSE_PROTO_CHECK_OFF(fuse_attr, atimensec, 48);
FUSE_PROTO_CHECK_OFF(fuse_attr, mode, 60);
FUSE_PROTO_CHECK_OFF(fuse_attr, nlink, 64);
FUSE_PROTO_CHECK_OFF(fuse_attr, rdev, 76);
FUSE_PROTO_CHECK_OFF(fuse_attr, blksize, 80);
FUSE_PROTO_CHECK_OFF(fuse_attr, flags, 84);
FUSE_PROTO_CHECK_SIZE(fuse_entry_out, 128);
FUSE_PROTO_CHECK_OFF(fuse_entry_out, generation, 8);
FUSE_PROTO_CHECK_OFF(fuse_entry_out, entry_valid_nsec, 32);
FUSE_PROTO_CHECK_OFF(fuse_entry_out, attr, 40);
FUSE_PROTO_CHECK_SIZE(fuse_attr_out, 104);
FUSE_PROTO_CHECK_OFF(fuse_attr_out, attr, 16);
FUSE_PROTO_CHECK_SIZE(fuse_getattr_in, 16);
FUSE_PROTO_CHECK_OFF(fuse_getattr_in, fh, 8);
FUSE_PROTO_CHECK_SIZE(fuse_setattr_in, 88);
FUSE_PROTO_CHECK_OFF(fuse_setattr_in, fh, 8);
FUSE_PROTO_CHECK_OFF(fuse_setattr_in, size, 16);
FUSE_PROTO_CHECK_OFF(fuse_setattr_in, atime, 32);
FUSE_PROTO_CHECK_OFF(fuse_setattr_in, atimensec, 56);
FUSE_PROTO_CHECK_OFF(fuse_setattr_in, mode, 68);
FUSE_PROTO_CHECK_OFF(fuse_setattr_in, uid, 76);
FUSE_PROTO_CHECK_OFF(fuse_setattr_in, gid, 80);

FUSE_PROTO_CHECK_SIZE(fuse_init_in, 16);
FUSE_PROTO_CHECK_OFF(fuse_init_in, flags, 12);
FUSE_PROTO_CHECK_SIZE(fuse_init_out, 64);
FUSE_PROTO_CHECK_OFF(fuse_init_out, flags, 12);
FUSE_PROTO_CHECK_OFF(fuse_init_out, max_background, 16);
FUSE_PROTO_CHECK_OFF(fuse_init_out, max_write, 20);
FUSE_PROTO_CHECK_OFF(fuse_init_out, time_gran, 24);
FUSE_PROTO_CHECK_OFF(fuse_init_out, max_pages, 28);
FUSE_PROTO_CHECK_OFF(fuse_init_out, map_alignment, 30);
FUSE_PROTO_CHECK_OFF(fuse_init_out, flags2, 32);
FUSE_PROTO_CHECK_OFF(fuse_init_out, unused, 36);

FUSE_PROTO_CHECK_SIZE(fuse_open_in, 8);
FUSE_PROTO_CHECK_SIZE(fuse_open_out, 16);
FUSE_PROTO_CHECK_OFF(fuse_open_out, open_flags, 8);
FUSE_PROTO_CHECK_SIZE(fuse_create_in, 16);
FUSE_PROTO_CHECK_OFF(fuse_create_in, umask, 8);
FUSE_PROTO_CHECK_SIZE(fuse_read_in, 40);
FUSE_PROTO_CHECK_OFF(fuse_read_in, size, 16);
FUSE_PROTO_CHECK_OFF(fuse_read_in, lock_owner, 24);
FUSE_PROTO_CHECK_OFF(fuse_read_in, flags, 32);
FUSE_PROTO_CHECK_SIZE(fuse_write_in, 40);
FUSE_PROTO_CHECK_OFF(fuse_write_in, size, 16);
FUSE_PROTO_CHECK_OFF(fuse_write_in, lock_owner, 24);
FUSE_PROTO_CHECK_OFF(fuse_write_in, flags, 32);
FUSE_PROTO_CHECK_SIZE(fuse_write_out, 8);
FUSE_PROTO_CHECK_SIZE(fuse_release_in, 24);
FUSE_PROTO_CHECK_OFF(fuse_release_in, release_flags, 12);
FUSE_PROTO_CHECK_OFF(fuse_release_in, lock_owner, 16);
FUSE_PROTO_CHECK_SIZE(fuse_flush_in, 24);
FUSE_PROTO_CHECK_OFF(fuse_flush_in, lock_owner, 16);
FUSE_PROTO_CHECK_SIZE(fuse_fsync_in, 16);
FUSE_PROTO_CHECK_OFF(fuse_fsync_in, fsync_flags, 8);
FUSE_PROTO_CHECK_SIZE(fuse_lseek_in, 24);
FUSE_PROTO_CHECK_OFF(fuse_lseek_in, whence, 16);
FUSE_PROTO_CHECK_SIZE(fuse_lseek_out, 8);
FUSE_PROTO_CHECK_SIZE(fuse_fallocate_in, 32);
FUSE_PROTO_CHECK_OFF(fuse_fallocate_in, mode, 24);
FUSE_PROTO_CHECK_SIZE(fuse_copy_file_range_in, 56);
FUSE_PROTO_CHECK_OFF(fuse_copy_file_range_in, nodeid_out, 16);
FUSE_PROTO_CHECK_OFF(fuse_copy_file_range_in, flags, 48);
FUSE_PROTO_CHECK_SIZE(fuse_access_in, 8);

FUSE_PROTO_CHECK_SIZE(fuse_mknod_in, 16);
FUSE_PROTO_CHECK_OFF(fuse_mknod_in, rdev, 4);
FUSE_PROTO_CHECK_OFF(fuse_mknod_in, umask, 8);
FUSE_PROTO_CHECK_SIZE(fuse_mkdir_in, 8);
FUSE_PROTO_CHECK_OFF(fuse_mkdir_in, umask, 4);
FUSE_PROTO_CHECK_SIZE(fuse_rename_in, 8);
FUSE_PROTO_CHECK_SIZE(fuse_rename2_in, 16);
FUSE_PROTO_CHECK_OFF(fuse_rename2_in, flags, 8);
FUSE_PROTO_CHECK_SIZE(fuse_link_in, 8);

FUSE_PROTO_CHECK_SIZE(fuse_forget_in, 8);
FUSE_PROTO_CHECK_SIZE(fuse_forget_one, 16);
FUSE_PROTO_CHECK_OFF(fuse_forget_one, nlookup, 8);
FUSE_PROTO_CHECK_SIZE(fuse_batch_forget_in, 8);
FUSE_PROTO_CHECK_SIZE(fuse_interrupt_in, 8);

FUSE_PROTO_CHECK_SIZE(fuse_setxattr_in, 8);
FUSE_PROTO_CHECK_SIZE(fuse_getxattr_in, 8);
FUSE_PROTO_CHECK_SIZE(fuse_getxattr_out, 8);

FUSE_PROTO_CHECK_SIZE(fuse_kstatfs, 80);
FUSE_PROTO_CHECK_OFF(fuse_kstatfs, ffree, 32);
FUSE_PROTO_CHECK_OFF(fuse_kstatfs, bsize, 40);
FUSE_PROTO_CHECK_OFF(fuse_kstatfs, namelen, 44);
FUSE_PROTO_CHECK_OFF(fuse_kstatfs, frsize, 48);
FUSE_PROTO_CHECK_OFF(fuse_kstatfs, spare, 56);
FUSE_PROTO_CHECK_SIZE(fuse_statfs_out, 80);

FUSE_PROTO_CHECK_SIZE(fuse_file_lock, 24);
FUSE_PROTO_CHECK_OFF(fuse_file_lock, pid, 20);
FUSE_PROTO_CHECK_SIZE(fuse_lk_in, 48);
FUSE_PROTO_CHECK_OFF(fuse_lk_in, lk, 16);
FUSE_PROTO_CHECK_OFF(fuse_lk_in, lk_flags, 40);
FUSE_PROTO_CHECK_SIZE(fuse_lk_out, 24);

FUSE_PROTO_CHECK_SIZE(fuse_setupmapping_in, 40);
FUSE_PROTO_CHECK_OFF(fuse_setupmapping_in, moffset, 32);
FUSE_PROTO_CHECK_SIZE(fuse_removemapping_in, 4);
FUSE_PROTO_CHECK_SIZE(fuse_removemapping_one, 16);

FUSE_PROTO_CHECK_SIZE(fuse_dirent, 24);
FUSE_PROTO_CHECK_OFF(fuse_dirent, off, 8);
FUSE_PROTO_CHECK_OFF(fuse_dirent, namelen, 16);
FUSE_PROTO_CHECK_OFF(fuse_dirent, type, 20);
FUSE_PROTO_CHECK_OFF(fuse_dirent, name, FUSE_NAME_OFFSET);
FUSE_PROTO_CHECK_SIZE(fuse_direntplus, 152);
FUSE_PROTO_CHECK_OFF(fuse_direntplus, dirent, 128);
FUSE_PROTO_CHECK_OFF(fuse_direntplus, dirent.namelen, 144);
FUSE_PROTO_CHECK_OFF(fuse_direntplus, dirent.type, 148);
FUSE_PROTO_CHECK_OFF(fuse_direntplus, name, FUSE_NAME_OFFSET_DIRENTPLUS);

#undef FUSE_PROTO_CHECK_SIZE
#undef FUSE_PROTO_CHECK_OFF

#endif
