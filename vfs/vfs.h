/* SPDX-License-Identifier: BSD-2-Clause */
/* vioshare's POSIX-like file system client.
 *
 * A struct vfs is one namespace: a virtual root directory "/" holding one
 * mount point per share ("/TAG"), an fd table, and the mounts themselves.
 * The caller allocates it and keeps it alive; there is no global state.
 * Paths are absolute.  Every function returns a negative Linux errno
 * (VS_E*) on failure.  Not thread-safe: one caller at a time.
 *
 * Ownership: strings and buffers passed in are only read or written during
 * the call (except vfs_read/vfs_write buffers given to the device, below);
 * pointers handed out (mount info, statistics) stay valid until that mount
 * is unmounted. */
#ifndef VFS_H
#define VFS_H

#include "vs_port.h"
#include "vs_errno.h"
#include "vs_mode.h"
#include "vtransport.h"
#include "stats.h"
#include "vfs_config.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VFS_MAX_MOUNTS 8
#define VFS_MAX_FILES 64
#define VFS_NAME_MAX 255
#define VFS_PATH_MAX 4096
#define VFS_SYMLOOP_MAX 40

/* open() flags (Linux values). */
#define VFS_O_RDONLY 0
#define VFS_O_WRONLY 1
#define VFS_O_RDWR 2
#define VFS_O_ACCMODE 3
#define VFS_O_CREAT 0100
#define VFS_O_EXCL 0200
#define VFS_O_TRUNC 01000
#define VFS_O_APPEND 02000
#define VFS_O_DIRECTORY 0200000
#define VFS_O_NOFOLLOW 0400000

#define VFS_SEEK_SET 0
#define VFS_SEEK_CUR 1
#define VFS_SEEK_END 2

struct vfs_stat {
    uint64_t ino;
    uint64_t size;
    uint64_t blocks;      /* 512-byte units */
    uint32_t mode;        /* VS_S_IF* type | permission bits */
    uint32_t nlink;
    uint32_t uid, gid;
    uint32_t rdev;
    uint32_t blksize;
    int64_t atime, mtime, ctime;
    uint32_t atime_ns, mtime_ns, ctime_ns;
};

struct vfs_statfs {
    uint64_t blocks, bfree, bavail; /* in units of frsize */
    uint64_t files, ffree;
    uint32_t bsize, frsize, namelen;
};

struct vfs_dirent {
    uint64_t ino;
    uint32_t type;                  /* VS_DT_* */
    uint32_t namelen;
    char name[VFS_NAME_MAX + 1];    /* NUL-terminated */
};

struct vfs_mount_opts {
    bool ro;                        /* every change fails with EROFS */
    bool nocase;                    /* a name not found exactly is looked up ignoring ASCII case */
    /* An absolute symlink target is resolved from this share's root, not
     * the guest's (a distribution's root: /vmlinuz -> /boot/vmlinuz-...). */
    bool chroot;
    bool owner;                     /* new files and directories get uid:gid below */
    uint32_t uid, gid;
    uint32_t timeout_s;             /* per request; 0 means the default, 30 */
    uint8_t debug;                  /* trace level, VS_TRACE_* (stats.h); 0 off */
    /* irq=msix: completions are signalled by MSI-X interrupts and waits
     * sleep in port->wait_irq; the mount fails with -ENOTSUP where that is
     * not available (no MSI-X, not PCI, a port without the hooks).  Off:
     * irq=poll, the used rings are polled. */
    bool irq_msix;
    /* Sizes for this mount instead of the namespace's (vfs_config.h; read
     * during vfs_mount only).  Its path_max and memory fields are ignored:
     * those of the namespace apply.  NULL: the namespace's sizes. */
    const struct vfs_config *config;
};

/* RENAME2 flags (Linux values). */
#define VFS_RENAME_NOREPLACE 1
#define VFS_RENAME_EXCHANGE 2

/* For vfs_utimens: a time, or one of the two special nanosecond values. */
#define VFS_UTIME_NOW ((1u << 30) - 1)
#define VFS_UTIME_OMIT ((1u << 30) - 2)
struct vfs_timespec {
    int64_t sec;
    uint32_t nsec;
};

struct vfs_mount;
struct vfs_file;
struct vfs_aio_state;

/* The caller allocates it (about 1 KiB) and keeps it, and the port, alive
 * until everything is unmounted; its members are the core's, and it must
 * not be moved or copied once initialised (it may point into itself). */
struct vfs {
    const struct vs_port *port;     /* the caller's, or own_port below */
    struct vfs_config cfg;          /* resolved: no zero sizes */
    struct vfs_mount *mounts[VFS_MAX_MOUNTS];
    struct vfs_file *files[VFS_MAX_FILES];
    struct vs_port own_port;        /* the caller's hooks, memory from cfg */
    struct vfs_mem mem;
    struct vfs_aio_state *aio;      /* operations in flight (vfs_aio.h), NULL when none */
    void *walk_scratch;             /* path walks' buffers, kept while mounted (walk.c) */
    unsigned nmounts;               /* mounts[] slots in use */
};

/* Prepares an empty namespace with the default configuration. */
void vfs_init(struct vfs *v, const struct vs_port *port);
/* The same with the sizes and memory of cfg (copied; NULL: the defaults).
 * Returns 0, or -EINVAL for a configuration vfs_config_resolve refuses, or
 * for a port without alloc/free (dma_alloc/dma_free) when cfg gives no heap
 * (dma) memory; the reason goes to port->log. */
int vfs_init_cfg(struct vfs *v, const struct vs_port *port, const struct vfs_config *cfg);

/* Brings up the virtio-fs device behind tr, speaks INIT, and mounts it at
 * `path` ("/" followed by one name).  tr must stay valid until umount.
 * Returns 0, -EBUSY if path is taken, -EINVAL for a bad path, -ENOMEM, or the
 * device's error (-ENODEV, -EIO, -EPROTO, -ETIMEDOUT). */
int vfs_mount(struct vfs *v, const struct vs_transport *tr, const char *path,
              const struct vfs_mount_opts *opts);
/* Closes every handle on the mount, returns every lookup (FORGET), sends
 * DESTROY and resets the device.  Returns 0 or -EINVAL if nothing is mounted
 * there.  The mount is gone even if the device failed meanwhile. */
int vfs_umount(struct vfs *v, const char *path);
/* vfs_umount, but the device is reset even when it stopped answering (a
 * request timed out), which vfs_umount leaves alone: for an embedder that
 * gave the device memory it cannot keep from reuse (port->dma_hold) and
 * must know the device can no longer write it.  Under QEMU the reset of a
 * vhost-user device whose daemon is stopped blocks the whole machine until
 * the daemon runs again or dies.  Returns 1 when the reset completed (the
 * device status read 0: virtio 1.2 section 2.4.1, the device touches
 * neither its queues nor any buffer after that), 0 when it did not within
 * its bound (the device keeps its rings and buffers for good, as with
 * vfs_umount), -EINVAL when nothing is mounted at path. */
int vfs_umount_reset(struct vfs *v, const char *path);
/* Unmounts everything (before handing the machine to another OS). */
void vfs_umount_all(struct vfs *v);

/* What is mounted in slot i (0 <= i < VFS_MAX_MOUNTS); false when nothing.
 * The strings live as long as the mount. */
struct vfs_mount_info {
    const char *path;
    const char *tag;
    struct vfs_mount_opts opts;
    uint32_t nodes;                 /* nodes in the table now */
    uint32_t nodes_max;             /* the most there ever were */
    uint64_t features;              /* virtio features negotiated (VS_F_*) */
    /* Request queue doorbell writes since mount, kicks the device said it
     * did not need (NO_NOTIFY, or EVENT_IDX's avail_event), and kicks
     * repeated after a second without an answer (both queues). */
    uint64_t kicks, kicks_spared, nudges;
};
bool vfs_mount_info(const struct vfs *v, int i, struct vfs_mount_info *info);

/* The request statistics of mount slot i (stats.h), NULL when nothing is
 * mounted there or the configuration has no_stats; they live as long as
 * the mount.  _reset restarts them. */
const struct vs_stats *vfs_mount_stats(const struct vfs *v, int i);
void vfs_mount_stats_reset(struct vfs *v, int i);
/* Sets the trace level (VS_TRACE_*) of mount slot i, or of every mount when
 * i < 0.  Trace lines go to the port's log hook. */
void vfs_set_debug(struct vfs *v, int i, int level);

int vfs_stat(struct vfs *v, const char *path, struct vfs_stat *st);   /* follows symlinks */
int vfs_lstat(struct vfs *v, const char *path, struct vfs_stat *st);  /* does not follow the last */
int vfs_statfs(struct vfs *v, const char *path, struct vfs_statfs *st);
/* Copies up to n bytes of the symlink's target (not NUL-terminated) and
 * returns their count; -EINVAL if path is not a symlink. */
int64_t vfs_readlink(struct vfs *v, const char *path, char *buf, size_t n);

/* Opens a file and returns an fd >= 0.  flags are VFS_O_*; with O_CREAT a
 * new file gets `mode` (no umask).  -EMFILE when the table is full, -EISDIR
 * for a directory, -ELOOP for a symlink with O_NOFOLLOW, -EEXIST with
 * O_CREAT|O_EXCL, -EROFS for a change on a read-only mount. */
int vfs_open(struct vfs *v, const char *path, int flags, uint32_t mode);
/* Flushes and releases; after it returns the data is on the host. */
int vfs_close(struct vfs *v, int fd);
/* Reads up to n bytes at the file position / at off.  Returns the count
 * (0 at end of file).
 * Buffers of vfs_read/vfs_pread/vfs_write/vfs_pwrite: when the port has
 * dma_addr and dma_hold, the device is given buf itself.  If a call fails
 * because the device stopped answering, parts of buf it still holds are
 * passed to port->dma_hold and must never be freed or reused (the device
 * may write them at any later time).  Without those hooks buf is only ever
 * touched by the core, never by the device, and is free after the call. */
int64_t vfs_read(struct vfs *v, int fd, void *buf, size_t n);
int64_t vfs_pread(struct vfs *v, int fd, void *buf, size_t n, uint64_t off);
int64_t vfs_lseek(struct vfs *v, int fd, int64_t off, int whence);
int vfs_fstat(struct vfs *v, int fd, struct vfs_stat *st);
/* As vfs_fstat, but a file's attributes that are still within the validity
 * the device gave them serve without a GETATTR, as vfs_stat's do. */
int vfs_fstat_cached(struct vfs *v, int fd, struct vfs_stat *st);
/* The file's size while the device lets us trust it (its attributes within
 * their validity), with no request: true and *size; false otherwise. */
bool vfs_fsize_fresh(struct vfs *v, int fd, uint64_t *size);
/* Writes n bytes at the file position (at the end with O_APPEND) / at off,
 * split into requests of the device's max_write.  Returns the count written
 * (short only if the device wrote less) or an error such as -ENOSPC. */
int64_t vfs_write(struct vfs *v, int fd, const void *buf, size_t n);
int64_t vfs_pwrite(struct vfs *v, int fd, const void *buf, size_t n, uint64_t off);
int vfs_ftruncate(struct vfs *v, int fd, uint64_t size);
/* After it returns the data and metadata are on the host's disk. */
int vfs_fsync(struct vfs *v, int fd);

/* Changes by path.  Mount roots and the virtual root cannot be removed or
 * renamed (-EBUSY); a change across mounts is -EXDEV. */
int vfs_mkdir(struct vfs *v, const char *path, uint32_t mode);
int vfs_rmdir(struct vfs *v, const char *path);
int vfs_unlink(struct vfs *v, const char *path);
int vfs_rename(struct vfs *v, const char *from, const char *to, uint32_t flags);
/* Creates path as a symlink holding target (stored as given). */
int vfs_symlink(struct vfs *v, const char *target, const char *path);
int vfs_link(struct vfs *v, const char *from, const char *to);
int vfs_truncate(struct vfs *v, const char *path, uint64_t size);
int vfs_chmod(struct vfs *v, const char *path, uint32_t mode);
/* Sets access and modification times (ts[0], ts[1]); follows symlinks. */
int vfs_utimens(struct vfs *v, const char *path, const struct vfs_timespec ts[2]);

/* Directory streams share the fd table. readdir returns 1 with *de filled,
 * 0 at the end.  "." and ".." are returned as the device gives them. */
int vfs_opendir(struct vfs *v, const char *path);
/* The same for a caller that will stat (or open) most of the names: where the
 * device offers READDIRPLUS, the listing brings each name's node and
 * attributes into the caches with the device's validity, so those calls
 * send nothing while it lasts.  A listing of names alone is cheaper with
 * vfs_opendir (the device need not look every name up). */
int vfs_opendir_plus(struct vfs *v, const char *path);
int vfs_readdir(struct vfs *v, int dd, struct vfs_dirent *de);
/* vfs_readdir without "." and "..", and with each entry its attributes:
 * *st_err is what vfs_lstat_in(v, dd, de->name, st) returns, and *st what
 * it gives.  While the caches may answer for the entry, they are taken
 * straight from the node its READDIRPLUS record named (no request, no
 * second look-up of the name); else it is vfs_lstat_in.  Streams of
 * vfs_opendir_plus get the most from it. */
int vfs_readdir_stat(struct vfs *v, int dd, struct vfs_dirent *de, struct vfs_stat *st, int *st_err);
int vfs_closedir(struct vfs *v, int dd);
/* vfs_lstat of one name (not ".", ".." and without '/') in the directory open
 * as dd, looked up from the directory's node rather than walked from the
 * root: the same caches, validity and requests as vfs_lstat of its path. */
int vfs_lstat_in(struct vfs *v, int dd, const char *name, struct vfs_stat *st);

#ifdef __cplusplus
}
#endif

#endif
