/* SPDX-License-Identifier: BSD-2-Clause */
/* vioshare's half of the U-Boot port: the struct vs_port made of U-Boot's
 * services (ub_sys.c), the virtio-fs devices on PCI and in the device
 * tree's virtio-mmio windows, one namespace with each share mounted at /TAG on
 * first use and kept for U-Boot's life, and the file operations U-Boot's
 * fs layer needs (ub_fs.c), by tag and share path.  Only vioshare's
 * headers here (vsu.h says why). */
#include "vfs.h"
#include "vpci.h"
#include "vmmio.h"
#include "virtiofs.h"
#include "vsu.h"

#define VSU_MAX_DEVS 8

static uint32_t port_pci_read(void *ctx, vs_bdf_t bdf, uint16_t off, int width)
{
	(void)ctx;
	return ubsys_pci_read(bdf, off, width);
}

static void port_pci_write(void *ctx, vs_bdf_t bdf, uint16_t off, int width, uint32_t val)
{
	(void)ctx;
	ubsys_pci_write(bdf, off, width, val);
}

/* U-Boot maps RAM and the PCI windows 1:1, and the device sees physical
 * addresses: a pointer is its own address, for the CPU and the device. */
static volatile void *port_map_mmio(void *ctx, uint64_t phys, uint64_t len)
{
	(void)ctx;
	(void)len;
	return (volatile void *)(uintptr_t)phys;
}

static void *port_dma_alloc(void *ctx, size_t size, uint64_t *dev_addr)
{
	(void)ctx;
	void *p = ubsys_dma_alloc(size);
	*dev_addr = (uintptr_t)p;
	return p;
}

static void port_free(void *ctx, void *p)
{
	(void)ctx;
	ubsys_free(p);
}

static void port_dma_free(void *ctx, void *p, size_t size)
{
	(void)size;
	port_free(ctx, p);
}

static void *port_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return ubsys_alloc(size);
}

static uint64_t port_now_ns(void *ctx)
{
	(void)ctx;
	return ubsys_now_us() * 1000u;
}

static void port_log(void *ctx, const char *msg)
{
	(void)ctx;
	ubsys_log(msg);
}

/* No dma_addr/dma_hold: the device is never given U-Boot's load buffers,
 * which U-Boot hands out again as it likes, only the core's own DMA memory. */
static struct vs_port port = {
	.pci_read = port_pci_read,
	.pci_write = port_pci_write,
	.pci_max_bus = -1,
	.map_mmio = port_map_mmio,
	.dma_alloc = port_dma_alloc,
	.dma_free = port_dma_free,
	.alloc = port_alloc,
	.free = port_free,
	.now_ns = port_now_ns,
	.log = port_log,
};

/* The virtio-fs devices found, opened once (a device stays the share's). */
static struct {
	bool scanned;
	int used;
	struct vpci_dev pci[VSU_MAX_DEVS];
	struct vmmio_dev mmio[VSU_MAX_DEVS];
	struct vs_transport tr[VSU_MAX_DEVS];
	char tag[VSU_MAX_DEVS][VIOFS_TAG_MAX + 1];
} devs;

static struct vfs ns;
static bool ns_ready;

/* Keeps the device just opened into tr[used] (err: how opening went). */
static void add_device(int err, const char *kind, uint64_t addr)
{
	if (!err)
		err = viofs_read_tag(&devs.tr[devs.used], devs.tag[devs.used]);
	if (err)
		ubsys_log_dev(kind, addr, err);
	else
		devs.used++;
}

static void scan_devices(void)
{
	vs_bdf_t found[VSU_MAX_DEVS];
	unsigned long long base[32], size[32];
	devs.scanned = true;
	port.pci_max_bus = ubsys_pci_max_bus();
	int n = port.pci_max_bus < 0 ? 0 : vpci_find(&port, VPCI_DEVICE_ID(VIRTIO_ID_FS), found, VSU_MAX_DEVS);
	for (int i = 0; i < n && i < VSU_MAX_DEVS && devs.used < VSU_MAX_DEVS; i++)
		add_device(vpci_open(&devs.pci[devs.used], &port, found[i], &devs.tr[devs.used]), "pci", found[i]);
	n = ubsys_mmio_windows(base, size, VS_ARRAY_SIZE(base));
	for (int i = 0; i < n && i < (int)VS_ARRAY_SIZE(base) && devs.used < VSU_MAX_DEVS; i++) {
		int id = vmmio_probe(&port, base[i], size[i]);
		if (id == VIRTIO_ID_FS)
			id = vmmio_open(&devs.mmio[devs.used], &port, base[i], size[i], &devs.tr[devs.used]);
		else if (id >= 0)
			continue;       /* an empty slot or another kind of device */
		add_device(id, "virtio-mmio", base[i]);
	}
}

static bool mounted(const char *tag)
{
	struct vfs_mount_info info;
	for (int i = 0; i < VFS_MAX_MOUNTS; i++)
		if (vfs_mount_info(&ns, i, &info) && vs_streq(info.tag, tag))
			return true;
	return false;
}

int vsu_mount(const char *tag, unsigned int timeout_s)
{
	char at[VIOFS_TAG_MAX + 2];
	size_t len = vs_strlen(tag);
	if (len == 0 || len > VIOFS_TAG_MAX)
		return -VS_EINVAL;
	if (!ns_ready) {
		vfs_init(&ns, &port);
		ns_ready = true;
	}
	if (mounted(tag))
		return 0;
	if (!devs.scanned)
		scan_devices();
	for (int i = 0; i < devs.used; i++) {
		if (!vs_streq(devs.tag[i], tag))
			continue;
		struct vfs_mount_opts opts = { .timeout_s = timeout_s };
		at[0] = '/';
		vs_memcpy(at + 1, tag, len + 1);
		return vfs_mount(&ns, &devs.tr[i], at, &opts);
	}
	return -VS_ENODEV;
}

void vsu_umount_all(void)
{
	if (ns_ready)
		vfs_umount_all(&ns);
}

/* "/TAG" + the share path, in one buffer (U-Boot runs one command at a time). */
static char full[VFS_PATH_MAX];

static int ns_path(const char *tag, const char *path, const char **out)
{
	size_t tl = vs_strlen(tag), pl = vs_strlen(path);
	bool slash = path[0] != '/';
	if (!ns_ready || !mounted(tag))
		return -VS_ENODEV;
	if (1 + tl + slash + pl >= sizeof(full))
		return -VS_ENAMETOOLONG;
	full[0] = '/';
	vs_memcpy(full + 1, tag, tl);
	full[1 + tl] = '/';
	vs_memcpy(full + 1 + tl + slash, path, pl + 1);
	*out = full;
	return 0;
}

static enum vsu_type type_of(uint32_t mode)
{
	switch (mode & VS_S_IFMT) {
	case VS_S_IFREG:
		return VSU_REG;
	case VS_S_IFDIR:
		return VSU_DIR;
	case VS_S_IFLNK:
		return VSU_LNK;
	default:
		return VSU_OTHER;
	}
}

int vsu_stat(const char *tag, const char *path, int follow, struct vsu_stat *st)
{
	struct vfs_stat vs;
	const char *p;
	int perr = ns_path(tag, path, &p);
	if (perr)
		return perr;
	int err = follow ? vfs_stat(&ns, p, &vs) : vfs_lstat(&ns, p, &vs);
	if (err)
		return err;
	st->size = vs.size;
	st->type = type_of(vs.mode);
	return 0;
}

long long vsu_read(const char *tag, const char *path, void *buf, unsigned long long off,
		   unsigned long long len)
{
	const char *p;
	int perr = ns_path(tag, path, &p);
	if (perr)
		return perr;
	int fd = vfs_open(&ns, p, VFS_O_RDONLY, 0);
	if (fd < 0)
		return fd;
	unsigned long long done = 0;
	int64_t n = 0;
	while (done < len) {
		n = vfs_pread(&ns, fd, (char *)buf + done, len - done, off + done);
		if (n <= 0)
			break;
		done += (unsigned long long)n;
	}
	vfs_close(&ns, fd);
	return n < 0 ? n : (long long)done;
}

long long vsu_write(const char *tag, const char *path, const void *buf, unsigned long long off,
		    unsigned long long len, int trunc)
{
	const char *p;
	int perr = ns_path(tag, path, &p);
	if (perr)
		return perr;
	int fd = vfs_open(&ns, p, VFS_O_WRONLY | VFS_O_CREAT | (trunc ? VFS_O_TRUNC : 0), 0644);
	if (fd < 0)
		return fd;
	int64_t n = vfs_pwrite(&ns, fd, buf, len, off);
	int err = vfs_close(&ns, fd);
	if (n >= 0 && err)
		n = err;
	return n;
}

int vsu_opendir(const char *tag, const char *path)
{
	const char *p;
	int perr = ns_path(tag, path, &p);
	return perr ? perr : vfs_opendir(&ns, p);
}

int vsu_readdir(int dd, char name[256], enum vsu_type *type)
{
	struct vfs_dirent de;
	int r = vfs_readdir(&ns, dd, &de);
	if (r <= 0)
		return r;
	vs_memcpy(name, de.name, de.namelen + 1);
	switch (de.type) {
	case VS_DT_REG:
		*type = VSU_REG;
		break;
	case VS_DT_DIR:
		*type = VSU_DIR;
		break;
	case VS_DT_LNK:
		*type = VSU_LNK;
		break;
	default:
		*type = VSU_OTHER;
	}
	return 1;
}

void vsu_closedir(int dd)
{
	vfs_closedir(&ns, dd);
}

int vsu_unlink(const char *tag, const char *path)
{
	const char *p;
	int perr = ns_path(tag, path, &p);
	return perr ? perr : vfs_unlink(&ns, p);
}

int vsu_mkdir(const char *tag, const char *path)
{
	const char *p;
	int perr = ns_path(tag, path, &p);
	return perr ? perr : vfs_mkdir(&ns, p, 0755);
}
