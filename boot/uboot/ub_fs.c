// SPDX-License-Identifier: BSD-2-Clause
/* The `virtiofs` fstype of U-Boot's fs layer: `ls`, `load`, `size`,
 * `save`, `fstype`, `mkdir`, `rm` and `test -e` on a share, named by its
 * tag where other file systems name a block device.  The share is mounted
 * on first use and stays mounted; every request is bounded by the
 * environment's virtiofs_timeout (seconds, default 10). */
#include <common.h>
#include <env.h>
#include <errno.h>
#include <fs.h>
#include <linux/string.h>
#include <vioshare_fs.h>
#include "vs_errno.h"
#include "vsu.h"

#define FSTYPE_MARK "virtiofs"
#define DEFAULT_TIMEOUT_S 10

static char cur_tag[VSU_TAG_MAX + 1];

/* vioshare's errors (Linux numbers, fixed by FUSE) as U-Boot's; anything
 * not listed is an I/O error. */
static const struct {
	int vs, ub;
} errors[] = {
	{ VS_EPERM, EPERM },		{ VS_ENOENT, ENOENT },		{ VS_EIO, EIO },
	{ VS_ENXIO, ENXIO },		{ VS_E2BIG, E2BIG },		{ VS_EBADF, EBADF },
	{ VS_EAGAIN, EAGAIN },		{ VS_ENOMEM, ENOMEM },		{ VS_EACCES, EACCES },
	{ VS_EFAULT, EFAULT },		{ VS_EBUSY, EBUSY },		{ VS_EEXIST, EEXIST },
	{ VS_EXDEV, EXDEV },		{ VS_ENODEV, ENODEV },		{ VS_ENOTDIR, ENOTDIR },
	{ VS_EISDIR, EISDIR },		{ VS_EINVAL, EINVAL },		{ VS_ENFILE, ENFILE },
	{ VS_EMFILE, EMFILE },		{ VS_EFBIG, EFBIG },		{ VS_ENOSPC, ENOSPC },
	{ VS_ESPIPE, ESPIPE },		{ VS_EROFS, EROFS },		{ VS_EMLINK, EMLINK },
	{ VS_ERANGE, ERANGE },		{ VS_ENAMETOOLONG, ENAMETOOLONG }, { VS_ENOSYS, ENOSYS },
	{ VS_ENOTEMPTY, ENOTEMPTY },	{ VS_ELOOP, ELOOP },		{ VS_ENODATA, ENODATA },
	{ VS_EPROTO, EPROTO },		{ VS_EOVERFLOW, EOVERFLOW },	{ VS_ENOTSUP, EOPNOTSUPP },
	{ VS_ETIMEDOUT, ETIMEDOUT },	{ VS_ESTALE, ESTALE },		{ VS_EDQUOT, EDQUOT },
};

static int ub_err(int vs)
{
	for (int i = 0; i < ARRAY_SIZE(errors); i++)
		if (errors[i].vs == -vs)
			return -errors[i].ub;
	return -EIO;
}

/* Says what failed, then gives U-Boot's error. */
static int fail(const char *what, int vs)
{
	printf("virtiofs: %s %s: %s (%s)\n", cur_tag, what, vs_errno_text(vs), vs_errno_name(vs));
	return ub_err(vs);
}

int virtiofs_part_info(const char *tag, struct disk_partition *info)
{
	if (!tag || !*tag || strlen(tag) >= sizeof(info->name)) {
		printf("virtiofs: give a share's tag (up to %d characters)\n", PART_NAME_LEN - 1);
		return -EINVAL;
	}
	strcpy(cur_tag, tag);
	strcpy((char *)info->type, FSTYPE_MARK);
	strcpy((char *)info->name, tag);
	return 0;
}

/* Mounts the share cur_tag names (unless it is mounted). */
static int mount_current(void)
{
	int err = vsu_mount(cur_tag, env_get_ulong("virtiofs_timeout", 10, DEFAULT_TIMEOUT_S));

	if (err)
		return fail("mount", err);
	virtiofs_quiesce_on_boot();
	return 0;
}

int virtiofs_probe(struct blk_desc *desc, struct disk_partition *info)
{
	if (desc || strcmp((const char *)info->type, FSTYPE_MARK))
		return -1;
	return mount_current() ? -1 : 0;
}

int virtiofs_use(const char *tag)
{
	if (strlen(tag) >= sizeof(cur_tag))
		return -EINVAL;
	strcpy(cur_tag, tag);
	return mount_current();
}

/* Listed as U-Boot lists other file systems (fs_ls_generic's layout),
 * without "." and "..". */
int virtiofs_ls(const char *dirname)
{
	char name[256];
	char path[1024];
	enum vsu_type type;
	struct vsu_stat st;
	int nfiles = 0, ndirs = 0;
	int dd = vsu_opendir(cur_tag, dirname);
	int r;

	if (dd < 0)
		return fail(dirname, dd);
	while ((r = vsu_readdir(dd, name, &type)) > 0) {
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (type == VSU_DIR) {
			printf("            %s/\n", name);
			ndirs++;
			continue;
		}
		nfiles++;
		if (type == VSU_LNK) {
			printf("    <SYM>   %s\n", name);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dirname, name);
		if (vsu_stat(cur_tag, path, 0, &st))
			st.size = 0;
		printf(" %8llu   %s\n", st.size, name);
	}
	vsu_closedir(dd);
	if (r < 0)
		return fail(dirname, r);
	printf("\n%d file(s), %d dir(s)\n\n", nfiles, ndirs);
	return 0;
}

int virtiofs_exists(const char *filename)
{
	struct vsu_stat st;

	return vsu_stat(cur_tag, filename, 1, &st) == 0;
}

/* A missing file is said by the status alone, as other file systems do:
 * bootstd asks for the size of every name it tries. */
int virtiofs_size(const char *filename, loff_t *size)
{
	struct vsu_stat st;
	int err = vsu_stat(cur_tag, filename, 1, &st);

	if (err == -VS_ENOENT)
		return -ENOENT;
	if (err)
		return fail(filename, err);
	*size = st.size;
	return 0;
}

/* len 0: to the end of the file. */
int virtiofs_read(const char *filename, void *buf, loff_t offset, loff_t len, loff_t *actread)
{
	struct vsu_stat st;
	long long n;
	int err = vsu_stat(cur_tag, filename, 1, &st);

	if (err)
		return fail(filename, err);
	if (st.type == VSU_DIR)
		return fail(filename, -VS_EISDIR);
	if (!len)
		len = offset < st.size ? st.size - offset : 0;
	n = vsu_read(cur_tag, filename, buf, offset, len);
	if (n < 0)
		return fail(filename, n);
	*actread = n;
	return 0;
}

/* As `save` replaces a file on FAT and ext4, a write at offset 0 truncates it. */
int virtiofs_write(const char *filename, void *buf, loff_t offset, loff_t len, loff_t *actwrite)
{
	long long n = vsu_write(cur_tag, filename, buf, offset, len, offset == 0);

	if (n < 0)
		return fail(filename, n);
	*actwrite = n;
	return 0;
}

/* The share stays mounted between commands. */
void virtiofs_close(void)
{
}

int virtiofs_unlink(const char *filename)
{
	int err = vsu_unlink(cur_tag, filename);

	return err ? fail(filename, err) : 0;
}

int virtiofs_mkdir(const char *dirname)
{
	int err = vsu_mkdir(cur_tag, dirname);

	return err ? fail(dirname, err) : 0;
}
