// SPDX-License-Identifier: BSD-2-Clause
/* bootstd on a share: a bootdev per virtio-fs share, whose bootflows are
 * read through the virtiofs fstype.  A share has no block device, so the
 * bootflow says which file system the media fixes (bflow->fs_type, which
 * bootmeth-uclass.c's setup_fs already honours with CONFIG_BOOTSTD_FULL)
 * and the bootmeths that read files (extlinux, boot.scr) find them on the
 * share; the EFI bootmeth, which wants a partition, passes it by.
 * U-Boot 2023.01 binds bootdevs when their media device is bound and has
 * no hunters yet, and the shares are no driver-model devices: hooks.patch
 * calls virtiofs_bind_bootdevs before a scan orders the bootdevs, and
 * lets boot_targets name them: `virtiofs` (the first share found) or
 * `virtiofs-TAG`. */
#include <common.h>
#include <bootdev.h>
#include <bootflow.h>
#include <bootmeth.h>
#include <dm.h>
#include <efi_loader.h>
#include <env.h>
#include <fs.h>
#include <malloc.h>
#include <dm/device-internal.h>
#include <dm/lists.h>
#include <dm/root.h>
#include <linux/string.h>
#include <vioshare_fs.h>
#include "vsu.h"

#define DRIVER "virtiofs_bootdev"

struct share_plat {
	char tag[VSU_TAG_MAX + 1];
};

static const char *tag_of(const struct udevice *dev)
{
	return ((struct share_plat *)dev_get_plat(dev))->tag;
}

/* One bootflow per bootmeth: a share has no partitions (iter->part stays 0). */
static int share_get_bootflow(struct udevice *dev, struct bootflow_iter *iter, struct bootflow *bflow)
{
	int ret;

	if (iter->part)
		return -ESHUTDOWN;
	bflow->name = strdup(dev->name);
	if (!bflow->name)
		return -ENOMEM;
	bflow->fs_type = FS_TYPE_VIRTIOFS;
	ret = bootmeth_check(bflow->method, iter);
	if (ret)
		return ret;
	ret = virtiofs_use(tag_of(dev));
	if (ret)
		return ret;
	bflow->state = BOOTFLOWST_FS;
	return bootmeth_read_bootflow(bflow->method, bflow);
}

static int share_bootdev_bind(struct udevice *dev)
{
	struct bootdev_uc_plat *ucp = dev_get_uclass_plat(dev);

	/* After the built-in media (mmc), before USB and the network. */
	ucp->prio = BOOTDEVP_2_SCAN_FAST;
	return 0;
}

static struct bootdev_ops share_bootdev_ops = {
	.get_bootflow = share_get_bootflow,
};

U_BOOT_DRIVER(virtiofs_bootdev) = {
	.name = DRIVER,
	.id = UCLASS_BOOTDEV,
	.ops = &share_bootdev_ops,
	.bind = share_bootdev_bind,
	.plat_auto = sizeof(struct share_plat),
};

/* A bootdev of this driver, known by its ops: DM_DRIVER_GET here would
 * redeclare the driver's list entry without its alignment, and GCC's
 * x86_64 then aligns it to 32 bytes, a hole in the driver list. */
static bool is_share(const struct udevice *dev)
{
	return dev->driver->ops == &share_bootdev_ops;
}

static bool bound(const char *tag)
{
	struct udevice *dev;
	struct uclass *uc;

	uclass_id_foreach_dev(UCLASS_BOOTDEV, dev, uc) {
		if (is_share(dev) && !strcmp(tag_of(dev), tag))
			return true;
	}
	return false;
}

/* Named virtiofs-TAG.bootdev, as media's bootdevs are MEDIA.bootdev. */
void virtiofs_bind_bootdevs(void)
{
	char tag[VSU_TAG_MAX + 1];
	struct udevice *dev;
	char *name;

	for (int i = 0; vsu_device_tag(i, tag) == 0; i++) {
		if (bound(tag))
			continue;
		name = malloc(strlen("virtiofs-.bootdev") + strlen(tag) + 1);
		if (!name)
			return;
		sprintf(name, "virtiofs-%s.bootdev", tag);
		if (device_bind_driver(dm_root(), DRIVER, name, &dev)) {
			free(name);
			continue;
		}
		device_set_name_alloced(dev);
		strcpy(((struct share_plat *)dev_get_plat(dev))->tag, tag);
	}
}

int virtiofs_find_bootdev(const char *rest, struct udevice **devp)
{
	struct udevice *dev;
	struct uclass *uc;

	if (*rest && *rest != '-')
		return -EINVAL;
	virtiofs_bind_bootdevs();
	uclass_id_foreach_dev(UCLASS_BOOTDEV, dev, uc) {
		if (is_share(dev) &&
		    (!*rest || !strcmp(tag_of(dev), rest + 1))) {
			*devp = dev;
			return 0;
		}
	}
	return -ENOENT;
}

int virtiofs_use_bootflow(const struct bootflow *bflow)
{
	return virtiofs_use(tag_of(bflow->dev));
}

int virtiofs_script_env(const struct bootflow *bflow)
{
	int ret = env_set("devtype", "virtiofs");

	return ret ? ret : env_set("devnum", tag_of(bflow->dev));
}

/* The share's EFI handle becomes the image's device (ub_efi.c), its file
 * path absolute (the bootmeth's name has no leading '/'). */
int virtiofs_efi_set_bootdev(const struct bootflow *bflow)
{
	char path[256];

	if (snprintf(path, sizeof(path), "%s%s", *bflow->fname == '/' ? "" : "/", bflow->fname) >= sizeof(path))
		return -ENAMETOOLONG;
	efi_set_bootdev(VIRTIOFS_IFNAME, tag_of(bflow->dev), path, bflow->buf, bflow->size);
	return 0;
}
