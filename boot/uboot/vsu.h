/* SPDX-License-Identifier: BSD-2-Clause */
/* The two halves of the U-Boot port and what they call of each other.
 *
 * U-Boot's headers and vioshare's cannot meet in one file: U-Boot's
 * <stdint.h> is an empty stand-in and its linux/types.h gives uint64_t
 * another C type than the compiler's.  So the files that include U-Boot's
 * headers (ub_*.c) and the one that includes vioshare's (vsu_core.c) talk
 * only through this header, in plain C types both sides read alike.
 * Errors are negative Linux errno values (vioshare's VS_E*, from
 * vs_errno.h, which names no type and so serves both sides); ub_fs.c turns
 * them into U-Boot's in its one table. */
#ifndef VSU_H
#define VSU_H

/* -- vioshare's side (vsu_core.c): the shares, by tag. -- */

enum vsu_type { VSU_REG, VSU_DIR, VSU_LNK, VSU_OTHER };

/* A share's tag is at most this long (virtio-fs: 36 bytes). */
#define VSU_TAG_MAX 36

struct vsu_stat {
	unsigned long long size;
	enum vsu_type type;
};

/* Mounts the share `tag` unless it is mounted: finds the virtio-fs device
 * with that tag on PCI or in a virtio-mmio window, brings it up and speaks INIT; every request then
 * fails after timeout_s seconds without an answer.  Returns 0 or -errno
 * (-ENODEV: no device has that tag). */
int vsu_mount(const char *tag, unsigned int timeout_s);
/* The tag of the i-th virtio-fs device found (the devices are scanned on
 * the first use, as for vsu_mount).  Returns 0, or -ENODEV past the last. */
int vsu_device_tag(int i, char tag[VSU_TAG_MAX + 1]);
/* Unmounts every share (DESTROY, device reset); the next use mounts again. */
void vsu_umount_all(void);
/* Paths are the share's: "/" is its root (a missing leading '/' is added). */
int vsu_stat(const char *tag, const char *path, int follow, struct vsu_stat *st);
/* Reads up to len bytes at off into buf; returns the count or -errno. */
long long vsu_read(const char *tag, const char *path, void *buf, unsigned long long off,
		   unsigned long long len);
/* Writes len bytes at off (creating the file; truncated first when trunc),
 * then closes it, which flushes; returns the count or -errno. */
long long vsu_write(const char *tag, const char *path, const void *buf, unsigned long long off,
		    unsigned long long len, int trunc);
/* Directory listing: opendir returns a handle >= 0; readdir returns 1 with
 * name (NUL-terminated, size 256) and *type filled, 0 at the end. */
int vsu_opendir(const char *tag, const char *path);
int vsu_readdir(int dd, char name[256], enum vsu_type *type);
void vsu_closedir(int dd);
int vsu_unlink(const char *tag, const char *path);
int vsu_mkdir(const char *tag, const char *path);

/* -- U-Boot's side (ub_sys.c): what vioshare's port is made of. -- */

/* PCI configuration space of the function bus << 8 | dev << 3 | fn; all
 * ones for a function that is absent. */
unsigned int ubsys_pci_read(unsigned int bdf, unsigned int off, int width);
void ubsys_pci_write(unsigned int bdf, unsigned int off, int width, unsigned int val);
/* The highest PCI bus number U-Boot enumerated, -1 without PCI. */
int ubsys_pci_max_bus(void);
/* The device tree's `virtio,mmio` windows: stores up to max, returns how
 * many there are. */
int ubsys_mmio_windows(unsigned long long *base, unsigned long long *size, int max);
void *ubsys_alloc(unsigned long size);
void ubsys_free(void *p);
/* size bytes, zeroed, aligned to 4096; NULL when out of memory. */
void *ubsys_dma_alloc(unsigned long size);
unsigned long long ubsys_now_us(void);
void ubsys_log(const char *msg);
/* A device that did not open: kind ("pci": addr is its bdf; "virtio-mmio":
 * its window) and the error. */
void ubsys_log_dev(const char *kind, unsigned long long addr, int err);

#endif
