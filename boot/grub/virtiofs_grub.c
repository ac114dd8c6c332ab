/* SPDX-License-Identifier: BSD-2-Clause */
/* GRUB's `virtiofs` module: each share is a GRUB device (virtiofs/TAG)
 * whose file system is vioshare's library.  The device is a dummy disk
 * with no sectors (as procfs's is); the file system answers only for it. */
#include <grub/dl.h>
#include <grub/disk.h>
#include <grub/env.h>
#include <grub/file.h>
#include <grub/fs.h>
#include <grub/loader.h>
#include <grub/misc.h>
#include <grub/mm.h>
#include "errors_grub.h"
#include "shares.h"
#include "virtiofs.h"
#ifdef GRUB_MACHINE_EFI
#include <grub/efi/disk.h>
#include "pci_grub_efi.h"
#endif

GRUB_MOD_LICENSE("GPLv3+");

#define PREFIX "virtiofs/"
#define PREFIX_LEN (sizeof(PREFIX) - 1)
/* No id of GRUB's own enum fits; with no sectors the disk cache, the only
 * user of the id, never holds anything of this disk. */
#define DISK_ID 0x7669

static int disk_iterate(grub_disk_dev_iterate_hook_t hook, void *hook_data, grub_disk_pull_t pull)
{
    if (pull != GRUB_DISK_PULL_NONE)
        return 0;
    grub_vs_scan();
    for (int i = 0; i < grub_vs_count(); i++) {
        char name[PREFIX_LEN + VIOFS_TAG_MAX + 1];
        grub_strcpy(name, PREFIX);
        grub_strcpy(name + PREFIX_LEN, grub_vs_tag(i));
        if (hook(name, hook_data))
            return 1;
    }
    return 0;
}

/* Opening the device mounts the share: a stopped daemon is reported here. */
static grub_err_t disk_open(const char *name, grub_disk_t disk)
{
    if (grub_strncmp(name, PREFIX, PREFIX_LEN) != 0)
        return grub_error(GRUB_ERR_UNKNOWN_DEVICE, "not a virtiofs share");
    grub_vs_scan();
    int i = grub_vs_find(name + PREFIX_LEN);
    if (i < 0)
        return grub_error(GRUB_ERR_UNKNOWN_DEVICE, "no virtiofs share tagged `%s'", name + PREFIX_LEN);
    int err = grub_vs_mount(i);
    if (err)
        return grub_vs_error(err, name);
    disk->total_sectors = 0;
    disk->id = DISK_ID;
    disk->data = (void *)(grub_addr_t)(i + 1);
    return GRUB_ERR_NONE;
}

static void disk_close(grub_disk_t disk)
{
    (void)disk;
}

static grub_err_t disk_read(grub_disk_t disk, grub_disk_addr_t sector, grub_size_t size, char *buf)
{
    (void)disk, (void)sector, (void)size, (void)buf;
    return GRUB_ERR_OUT_OF_RANGE;
}

static grub_err_t disk_write(grub_disk_t disk, grub_disk_addr_t sector, grub_size_t size, const char *buf)
{
    (void)disk, (void)sector, (void)size, (void)buf;
    return GRUB_ERR_OUT_OF_RANGE;
}

static struct grub_disk_dev virtiofs_disk = {
    .name = "virtiofs",
    .id = DISK_ID,
    .disk_iterate = disk_iterate,
    .disk_open = disk_open,
    .disk_close = disk_close,
    .disk_read = disk_read,
    .disk_write = disk_write,
};

/* The share behind a device, or -1 (with GRUB_ERR_BAD_FS set) when the
 * device is not one of ours. */
static int share_of(grub_device_t device)
{
    if (!device->disk || device->disk->dev != &virtiofs_disk) {
        grub_error(GRUB_ERR_BAD_FS, "not a virtiofs share");
        return -1;
    }
    return (int)(grub_addr_t)device->disk->data - 1;
}

/* "/TAG" + path, grub_malloc'ed; NULL with GRUB's error set. */
static char *share_path(int share, const char *path)
{
    const char *tag = grub_vs_tag(share);
    grub_size_t tl = grub_strlen(tag), pl = grub_strlen(path);
    char *p = grub_malloc(1 + tl + 1 + pl + 1);
    if (!p)
        return NULL;
    p[0] = '/';
    grub_memcpy(p + 1, tag, tl);
    p[1 + tl] = '/';
    grub_memcpy(p + 2 + tl, path, pl + 1);
    return p;
}

static grub_err_t fs_dir(grub_device_t device, const char *path, grub_fs_dir_hook_t hook, void *hook_data)
{
    int share = share_of(device);
    if (share < 0)
        return grub_errno;
    char *full = share_path(share, path);
    if (!full)
        return grub_errno;
    struct vfs *v = grub_vs_vfs();
    int dd = vfs_opendir(v, full);
    if (dd < 0) {
        grub_vs_error(dd, path);
        grub_free(full);
        return grub_errno;
    }
    struct vfs_dirent *de = grub_malloc(sizeof(*de));
    int r = de ? 1 : -VS_ENOMEM;
    while (r > 0 && (r = vfs_readdir(v, dd, de)) > 0) {
        if (grub_strcmp(de->name, ".") == 0 || grub_strcmp(de->name, "..") == 0)
            continue;
        struct grub_dirhook_info info = { .dir = de->type == VS_DT_DIR };
        if (hook(de->name, &info, hook_data))
            break;
    }
    if (r < 0)
        grub_vs_error(r, path);
    grub_free(de);
    vfs_closedir(v, dd);
    grub_free(full);
    return grub_errno;
}

/* What file->data points to: the open file, and its path for fs_overwrite. */
struct share_file {
    int fd;
    char *path;     /* "/TAG/..." */
};

static grub_err_t fs_open(grub_file_t file, const char *name)
{
    int share = share_of(file->device);
    if (share < 0)
        return grub_errno;
    struct share_file *sf = grub_malloc(sizeof(*sf));
    if (!sf)
        return grub_errno;
    sf->path = share_path(share, name);
    if (!sf->path) {
        grub_free(sf);
        return grub_errno;
    }
    struct vfs *v = grub_vs_vfs();
    struct vfs_stat st;
    sf->fd = vfs_open(v, sf->path, VFS_O_RDONLY, 0);
    int err = sf->fd < 0 ? sf->fd : vfs_fstat(v, sf->fd, &st);
    grub_err_t failed = GRUB_ERR_NONE;
    if (err)
        failed = grub_vs_error(err, name);
    else if ((st.mode & VS_S_IFMT) != VS_S_IFREG)
        failed = grub_error(GRUB_ERR_BAD_FILE_TYPE, N_("not a regular file"));
    if (failed) {
        if (sf->fd >= 0)
            vfs_close(v, sf->fd);
        grub_free(sf->path);
        grub_free(sf);
        return failed;
    }
    file->size = st.size;
    file->data = sf;
    return GRUB_ERR_NONE;
}

static grub_ssize_t fs_read(grub_file_t file, char *buf, grub_size_t len)
{
    struct vfs *v = grub_vs_vfs();
    struct share_file *sf = file->data;
    grub_size_t done = 0;
    while (done < len) {
        int64_t n = vfs_pread(v, sf->fd, buf + done, len - done, file->offset + done);
        if (n < 0) {
            grub_vs_error((int)n, file->name);
            return -1;
        }
        if (n == 0)
            break;
        done += (grub_size_t)n;
    }
    return (grub_ssize_t)done;
}

/* save_env's write (boot/grub/patches/fs-overwrite-saveenv.patch): the
 * bytes replace those at offset, inside the size GRUB read; the file is
 * never created, truncated or grown.  It is opened again for writing, as
 * every other open is read-only. */
static grub_err_t fs_overwrite(grub_file_t file, grub_off_t offset, const char *buf, grub_size_t len)
{
    struct share_file *sf = file->data;
    if (offset > file->size || len > file->size - offset)
        return grub_error(GRUB_ERR_OUT_OF_RANGE, N_("attempt to write past the end of file"));
    struct vfs *v = grub_vs_vfs();
    int fd = vfs_open(v, sf->path, VFS_O_WRONLY, 0);
    if (fd < 0)
        return grub_vs_error(fd, file->name);
    int64_t n = vfs_pwrite(v, fd, buf, len, offset);
    int err = vfs_close(v, fd);
    if (n < 0)
        return grub_vs_error((int)n, file->name);
    if (err)
        return grub_vs_error(err, file->name);
    if ((grub_size_t)n != len)
        return grub_error(GRUB_ERR_WRITE_ERROR, "%s: short write", file->name);
    return GRUB_ERR_NONE;
}

static grub_err_t fs_close(grub_file_t file)
{
    struct share_file *sf = file->data;
    vfs_close(grub_vs_vfs(), sf->fd);
    grub_free(sf->path);
    grub_free(sf);
    return GRUB_ERR_NONE;
}

/* The label is the tag, so `search --label TAG` finds the share. */
static grub_err_t fs_label(grub_device_t device, char **label)
{
    int share = share_of(device);
    if (share < 0)
        return grub_errno;
    *label = grub_strdup(grub_vs_tag(share));
    return *label ? GRUB_ERR_NONE : grub_errno;
}

static struct grub_fs virtiofs_fs = {
    .name = "virtiofs",
    .fs_dir = fs_dir,
    .fs_open = fs_open,
    .fs_read = fs_read,
    .fs_close = fs_close,
    .fs_label = fs_label,
    .fs_overwrite = fs_overwrite,
};

#ifdef GRUB_MACHINE_EFI
/* The EFI handle that stands for a share: its virtio-fs PCI function's.
 * GRUB's chainloader asks for the root disk's handle (through the hook of
 * boot/grub/patches/efidisk-foreign-handle.patch) to give the program it
 * starts a device path, without which it refuses to load anything. */
static grub_efi_handle_t efi_handle(grub_disk_t disk)
{
    if (disk->dev != &virtiofs_disk)
        return NULL;
    return grub_vs_pci_handle(grub_vs_bdf((int)(grub_addr_t)disk->data - 1));
}
#endif

/* Before the next OS runs: every device reset, as that OS's driver expects. */
static grub_err_t preboot(int noreturn)
{
    grub_vs_unmount_all();
#ifdef GRUB_MACHINE_EFI
    /* A program that may return (chainloader's) may read its device through
     * the firmware's own driver, OVMF's VirtioFsDxe, which still holds the
     * device we reset under it: restarted, it sets the device up anew. */
    if (!noreturn)
        for (int i = 0; i < grub_vs_count(); i++)
            grub_vs_pci_reconnect(grub_vs_bdf(i));
#else
    (void)noreturn;
#endif
    return GRUB_ERR_NONE;
}

static grub_err_t preboot_rest(void)
{
    return GRUB_ERR_NONE;
}

static struct grub_preboot *preboot_handle;

GRUB_MOD_INIT(virtiofs)
{
    virtiofs_fs.mod = mod;
    grub_disk_dev_register(&virtiofs_disk);
#ifdef GRUB_MACHINE_EFI
    grub_efidisk_foreign_handle = efi_handle;
#endif
    grub_fs_register(&virtiofs_fs);
    preboot_handle = grub_loader_register_preboot_hook(preboot, preboot_rest, GRUB_LOADER_PREBOOT_HOOK_PRIO_DISK);
    /* For an early config: `set root=virtiofs/$virtiofs_first`. */
    grub_vs_scan();
    if (grub_vs_count() > 0)
        grub_env_set("virtiofs_first", grub_vs_tag(0));
}

GRUB_MOD_FINI(virtiofs)
{
    grub_vs_unmount_all();
#ifdef GRUB_MACHINE_EFI
    grub_efidisk_foreign_handle = NULL;
#endif
    grub_loader_unregister_preboot_hook(preboot_handle);
    grub_fs_unregister(&virtiofs_fs);
    grub_disk_dev_unregister(&virtiofs_disk);
}
