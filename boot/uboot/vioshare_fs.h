/* SPDX-License-Identifier: BSD-2-Clause */
/* The `virtiofs` file system type of U-Boot's fs layer (ub_fs.c), for the
 * two hooks in U-Boot's own files: the fstypes[] entry in fs/fs.c and the
 * pseudo interface in disk/part.c.  `ls virtiofs TAG /path`: the interface
 * is "virtiofs" and the device the share's tag; there is no block device
 * (the probe gets NULL, as for ubifs and semihosting). */
#ifndef VIOSHARE_FS_H
#define VIOSHARE_FS_H

#include <part.h>

#define VIRTIOFS_IFNAME "virtiofs"

/* blk_get_device_part_str() for the interface "virtiofs": remembers the
 * tag for virtiofs_probe and marks info as a share.  Returns 0 or -EINVAL. */
int virtiofs_part_info(const char *tag, struct disk_partition *info);

/* Makes the share `tag` the one the fstype's operations act on, mounting
 * it: for bootstd, which sets the type (FS_TYPE_VIRTIOFS) itself instead of
 * looking an interface up.  Returns 0 or a negative errno (said on the
 * console). */
int virtiofs_use(const char *tag);

/* bootstd (ub_bootdev.c): binds a bootdev for each share found that has
 * none yet, before the bootdevs are ordered for a scan; and, before the
 * bootmeths read a bootflow's files, makes its share the current one. */
struct bootflow;
struct udevice;
void virtiofs_bind_bootdevs(void);
int virtiofs_use_bootflow(const struct bootflow *bflow);
/* The bootdev of the label `virtiofs` + rest: rest "" is the first share,
 * "-TAG" the share TAG.  Returns 0, -ENOENT or -EINVAL. */
int virtiofs_find_bootdev(const char *rest, struct udevice **devp);
/* The `devtype` and `devnum` a boot script on a share gets: "virtiofs" and
 * the tag, so that `load ${devtype} ${devnum} ...` reads the share. */
int virtiofs_script_env(const struct bootflow *bflow);

/* The EFI loader's view of a share (ub_efi.c): *dp gets a copy of the
 * device path of the share `tag`'s handle, which carries
 * EFI_SIMPLE_FILE_SYSTEM_PROTOCOL and is made on the first call (`load
 * virtiofs TAG` -> efi_set_bootdev).  Returns 0 or -errno. */
struct efi_device_path;
int virtiofs_efi_device_path(const char *tag, struct efi_device_path **dp);
/* The EFI bootmeth's image on a share: efi_set_bootdev with the share. */
int virtiofs_efi_set_bootdev(const struct bootflow *bflow);

/* Makes sure the mounted shares are unmounted when U-Boot removes its
 * devices before starting an OS (ub_quiesce.c). */
void virtiofs_quiesce_on_boot(void);

int virtiofs_probe(struct blk_desc *desc, struct disk_partition *info);
int virtiofs_ls(const char *dirname);
int virtiofs_exists(const char *filename);
int virtiofs_size(const char *filename, loff_t *size);
int virtiofs_read(const char *filename, void *buf, loff_t offset, loff_t len, loff_t *actread);
int virtiofs_write(const char *filename, void *buf, loff_t offset, loff_t len, loff_t *actwrite);
void virtiofs_close(void);
int virtiofs_unlink(const char *filename);
int virtiofs_mkdir(const char *dirname);

#endif
