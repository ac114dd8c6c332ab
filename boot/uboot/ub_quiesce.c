// SPDX-License-Identifier: BSD-2-Clause
/* The shares' devices quiet before U-Boot hands the machine over: bootm
 * and the EFI loader's ExitBootServices remove every driver-model device
 * flagged DM_FLAG_ACTIVE_DMA; a device of this driver, bound while a share
 * is mounted, unmounts them all then (DESTROY, device reset), so that the
 * next OS finds no request in flight. */
#include <common.h>
#include <dm.h>
#include <dm/device-internal.h>
#include <dm/lists.h>
#include <dm/root.h>
#include <vioshare_fs.h>
#include "vsu.h"

static struct udevice *quiesce_dev;

static int quiesce_remove(struct udevice *dev)
{
	vsu_umount_all();
	return 0;
}

U_BOOT_DRIVER(vioshare_quiesce) = {
	.name = "vioshare_quiesce",
	.id = UCLASS_NOP,
	.remove = quiesce_remove,
	.flags = DM_FLAG_ACTIVE_DMA,
};

void virtiofs_quiesce_on_boot(void)
{
	if (!quiesce_dev &&
	    device_bind_driver(dm_root(), "vioshare_quiesce", "virtiofs", &quiesce_dev))
		return;
	if (!device_active(quiesce_dev))
		device_probe(quiesce_dev);
}
