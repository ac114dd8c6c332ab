// SPDX-License-Identifier: BSD-2-Clause
/* U-Boot's half of vioshare's port (vsu.h): PCI configuration access on
 * the buses U-Boot enumerated (which assigned the BARs), the device tree's
 * virtio-mmio windows, memory from its malloc, its microsecond timer and
 * its console. */
#include <common.h>
#include <malloc.h>
#include <dm/ofnode.h>
#include <pci.h>
#include <time.h>
#include <linux/string.h>
#include "vs_errno.h"
#include "vsu.h"

/* vioshare's bdf is bus << 8 | dev << 3 | fn; U-Boot's pci_dev_t is that << 8. */
unsigned int ubsys_pci_read(unsigned int bdf, unsigned int off, int width)
{
	pci_dev_t d = bdf << 8;
	u32 v32;
	u16 v16;
	u8 v8;

	switch (width) {
	case 1:
		return pci_read_config8(d, off, &v8) ? 0xff : v8;
	case 2:
		return pci_read_config16(d, off, &v16) ? 0xffff : v16;
	default:
		return pci_read_config32(d, off, &v32) ? ~0u : v32;
	}
}

void ubsys_pci_write(unsigned int bdf, unsigned int off, int width, unsigned int val)
{
	pci_dev_t d = bdf << 8;

	if (width == 1)
		pci_write_config8(d, off, val);
	else if (width == 2)
		pci_write_config16(d, off, val);
	else
		pci_write_config32(d, off, val);
}

int ubsys_pci_max_bus(void)
{
	return pci_last_busno();
}

int ubsys_mmio_windows(unsigned long long *base, unsigned long long *size, int max)
{
	ofnode node;
	int n = 0;

	ofnode_for_each_compatible_node(node, "virtio,mmio") {
		fdt_size_t len;
		phys_addr_t addr = ofnode_get_addr_size_index(node, 0, &len);

		if (addr == FDT_ADDR_T_NONE)
			continue;
		if (n < max) {
			base[n] = addr;
			size[n] = len;
		}
		n++;
	}
	return n;
}

void *ubsys_alloc(unsigned long size)
{
	return malloc(size);
}

void ubsys_free(void *p)
{
	free(p);
}

void *ubsys_dma_alloc(unsigned long size)
{
	void *p = memalign(4096, size);

	if (p)
		memset(p, 0, size);
	return p;
}

unsigned long long ubsys_now_us(void)
{
	return timer_get_us();
}

void ubsys_log(const char *msg)
{
	printf("%s\n", msg);
}

void ubsys_log_dev(const char *kind, unsigned long long addr, int err)
{
	printf("virtiofs: %s %#llx: %s (%s)\n", kind, addr, vs_errno_text(err), vs_errno_name(err));
}
