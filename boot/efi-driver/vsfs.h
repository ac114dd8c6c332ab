/* SPDX-License-Identifier: BSD-2-Clause */
/* The UEFI file-system driver: what its parts share.
 *
 * binding.c   the driver's entry, EFI_DRIVER_BINDING_PROTOCOL and the
 *             component names: one volume per virtio-fs PCI function
 * volume.c    a volume: the device brought up, the share mounted, the
 *             child handle with its device path and SIMPLE_FILE_SYSTEM
 * file.c      EFI_FILE_PROTOCOL on vioshare's VFS
 * readahead.c a regular file's Read: the staging buffer, chunks in flight
 * direct.c    a large Read straight into the caller's buffer, with a fence,
 *             and the volume's port that lets the device reach that buffer
 * info.c      EFI_FILE_INFO, EFI_FILE_SYSTEM_INFO and the volume label
 * names.c     UEFI paths (UCS-2, backslashes) to VFS paths (UTF-8) and back
 * status.c    the one errno -> EFI_STATUS table
 * pool.c      the system table, the GUIDs, pool memory
 * options.c   the driver's load options (`nocase`)
 *
 * Each volume is a namespace of its own (struct vfs) with the share mounted
 * at VSFS_MOUNT, on a port of its own (the DMA memory of a device comes from
 * that device's PciIo, wrapped by direct.c's window); a file handle holds
 * the VFS path of what it names. */
#ifndef VSFS_H
#define VSFS_H

#include "efi_port.h"
#include "vfs.h"
#include "vfs_aio.h"
#include "vpci.h"

#define VSFS_MOUNT "/s"
#define VSFS_MOUNT_LEN 2
#define VSFS_MAX_VOLUMES 8
#define VSFS_IS_DIR(mode) (((mode) & VS_S_IFMT) == VS_S_IFDIR)
/* A Read's staging buffer (readahead.c): VSFS_CHUNKS chunks of up to
 * VSFS_CHUNK bytes, each one operation in flight (the core's requests). */
#define VSFS_CHUNK (512u << 10)
#define VSFS_CHUNKS 4
#define VSFS_STAGE (VSFS_CHUNK * VSFS_CHUNKS)
/* A Read of at least this many bytes of what the file holds goes straight
 * into the caller's buffer (direct.c). */
#define VSFS_DIRECT_MIN (256u << 10)

/* The chunks of one file handle's data in flight or read, a ring in file
 * order from head; used bytes of the head chunk are delivered. */
struct vsfs_ahead {
    struct vfs_aio op[VSFS_CHUNKS];
    uint8_t state[VSFS_CHUNKS];
    unsigned head, count;
    size_t used;
    struct vsfs_file *owner;
};

/* The volume's port (direct.c): the EFI port's hooks, and while a direct
 * Read runs, the caller's buffer [host, host + len) mapped at dev; held: a
 * request into it outlived its call (dma_hold), so the Read must fence. */
struct vsfs_window {
    struct vs_port port;
    const struct vs_port *inner;
    const uint8_t *host;
    size_t len;                            /* 0: no window */
    uint64_t dev;
    bool held;
};

struct vsfs_volume {
    EFI_SIMPLE_FILE_SYSTEM_PROTOCOL sfs;   /* first: the protocol pointer is the volume */
    EFI_HANDLE controller;                 /* the PCI function */
    EFI_HANDLE child;                      /* holds sfs and path */
    EFI_PCI_IO_PROTOCOL *io;
    EFI_DEVICE_PATH *path;                 /* the function's path + our vendor node */
    struct efi_port port;
    struct vsfs_window window;             /* the port the VFS uses */
    struct vpci_dev dev;
    struct vs_transport tr;
    struct vfs vfs;
    CHAR16 *label;                         /* the tag */
    CHAR16 *name;                          /* "vioshare: TAG", the controller name */
    bool nocase;                           /* mounted with the library's nocase option */
    uint32_t open_files;
    /* Unmounted by Stop: the handles still open fail with EFI_NO_MEDIA, and
     * once the device is released too (orphaned), the last Close frees the
     * volume, as FAT does. */
    bool gone, orphaned;
    /* readahead.c: DMA memory (from the volume's port) that file data is
     * read into, VSFS_STAGE bytes, then copied to the caller; NULL until the
     * first Read.  ahead: what is in it. */
    void *stage;
    struct vsfs_ahead ahead;
};

struct vsfs_file {
    EFI_FILE_PROTOCOL proto;               /* first: the protocol pointer is the file */
    struct vsfs_volume *vol;
    char *path;                            /* VFS path, VSFS_MOUNT for the root */
    bool dir;
    bool writable;                         /* opened with EFI_FILE_MODE_WRITE */
    int fd;                                /* a file's, or -1 */
    int dd;                                /* a directory's stream once read, or -1 */
    uint64_t pos;                          /* a file's position */
    bool have_pending;                     /* a directory entry read but not returned */
    struct vfs_dirent pending;
};

extern EFI_SYSTEM_TABLE *vsfs_st;
extern EFI_GUID vsfs_guid_sfs, vsfs_guid_file_info, vsfs_guid_fs_info, vsfs_guid_fs_label;

/* volume.c: Start for vol->controller (image: the binding's handle); Stop
 * of the child alone (the share unmounted), and of everything. */
EFI_STATUS vsfs_volume_start(struct vsfs_volume *vol, EFI_HANDLE image);
EFI_STATUS vsfs_volume_stop_child(struct vsfs_volume *vol);
/* Frees vol, or leaves that to its last file handle's Close. */
EFI_STATUS vsfs_volume_stop(struct vsfs_volume *vol);

/* file.c: a new handle on path (taken over: freed with the handle). */
EFI_STATUS vsfs_file_new(struct vsfs_volume *vol, char *path, bool dir, bool writable, int fd,
                         EFI_FILE_PROTOCOL **out);
EFI_STATUS EFIAPI vsfs_open_volume(EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *sfs, EFI_FILE_PROTOCOL **root);
/* readahead.c: a regular file's Read of up to n bytes at off: the count (0
 * at the end) or a negative errno. */
int64_t vsfs_read_file(struct vsfs_file *f, int fd, uint8_t *buf, size_t n, uint64_t off);
/* Waits for the data read ahead and drops it: before anything that changes
 * a file, and before a handle that owns it goes. */
void vsfs_ahead_drop(struct vsfs_volume *vol);
/* Gives the staging buffer back (before the share is unmounted). */
void vsfs_stage_free(struct vsfs_volume *vol);

/* direct.c: the port for the volume's VFS: inner's hooks plus the window. */
const struct vs_port *vsfs_window_port(struct vsfs_window *w, const struct vs_port *inner);
/* A Read of up to n bytes of fd at off straight into buf (mapped through
 * vol->io), when it is large enough and the mapping covers it: true with
 * *result the count or a negative errno; false when the staging path must
 * serve it.  A request that outlives the call leaves the device reset (or
 * its bus mastering off) and the volume gone before the Read returns. */
bool vsfs_read_direct(struct vsfs_volume *vol, int fd, uint8_t *buf, size_t n, uint64_t off, int64_t *result);

/* info.c: each fills buf (*size bytes) or says how much it needs. */
EFI_STATUS vsfs_file_info(const char *name, const struct vfs_stat *st, UINTN *size, void *buf);
EFI_STATUS vsfs_fs_info(struct vsfs_volume *vol, UINTN *size, void *buf);
EFI_STATUS vsfs_fs_label(struct vsfs_volume *vol, UINTN *size, void *buf);
/* Applies an EFI_FILE_INFO to f: name (rename), size, times, read-only. */
EFI_STATUS vsfs_set_file_info(struct vsfs_file *f, UINTN size, const EFI_FILE_INFO *info);

/* names.c */
/* The VFS path of `name` (UCS-2, `\` or `/` between components, `\` first
 * for the share's root) seen from the directory `base`: `.` dropped, `..`
 * never above the root.  EFI_INVALID_PARAMETER for a name with a character
 * UTF-8 cannot hold (a lone surrogate) or too long a path. */
EFI_STATUS vsfs_resolve(const char *base, const CHAR16 *name, char **out);
/* The directory part of a VFS path, as a new string. */
char *vsfs_dirname(const char *path);
/* The last component (the root's is ""). */
const char *vsfs_basename(const char *path);
/* UTF-8 to UCS-2 into out (room for n units with the NUL); returns the
 * units written without the NUL, or -1 when s has a character outside the
 * BMP or is no valid UTF-8 (no UCS-2 name can name it), -2 when n is short. */
int vsfs_to_ucs2(const char *s, CHAR16 *out, size_t n);
/* The units vsfs_to_ucs2 would write, or -1. */
int vsfs_ucs2_len(const char *s);
/* s (UTF-8) + "/" + name as a new pool string. */
char *vsfs_join(const char *dir, const char *name);

/* options.c: the load options (size bytes).  EFI_INVALID_PARAMETER for a
 * word it does not know, copied into bad. */
#define VSFS_OPTION_MAX 31
struct vsfs_options {
    bool nocase;
};
EFI_STATUS vsfs_parse_options(const void *data, size_t size, struct vsfs_options *out, char bad[VSFS_OPTION_MAX + 1]);

/* status.c */
EFI_STATUS vsfs_status(int err);

/* pool.c: pool memory of the driver's type. */
void *vsfs_alloc(size_t n);
void vsfs_free(void *p);

#endif
