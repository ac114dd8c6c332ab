/* SPDX-License-Identifier: BSD-2-Clause */
/* The AArch64 image's program: the virtio-fs devices on PCIe (ECAM) and the
 * virtio-mmio nodes of the device tree (plus any virtio_mmio.device= words
 * on the command line), each mounted at /TAG; then the command line. */
#include <malloc.h>
#include "a64.h"
#include "commands.h"
#include "mmiodevs.h"
#include "pcidevs.h"
#include "port_common.h"

/* picolibc's malloc: what is allocated now; the arena it took from sbrk
 * (which never shrinks) bounds the high-water mark. */
static bool heap_stats(struct app *a, uint64_t *used, uint64_t *peak)
{
    (void)a;
    struct mallinfo mi = mallinfo();
    *used = mi.uordblks;
    *peak = mi.arena;
    return true;
}

static struct app the_app;
static struct app_pci_devs pci_devs;
static struct app_mmio_devs mmio_devs;

int app_main(void)
{
    struct app *a = &the_app;
    bport_app_init(a);
    a->build_name = "AArch64 boot image";
    app_print_version(a);
    a->heap_usage = heap_stats;
    a->boot = a64_linux_boot;

    app_add_pci_devs(a, &pci_devs, 0);
    for (int i = 0; i < a64_board.nmmio; i++)
        app_add_mmio_dev(a, &mmio_devs, a64_board.mmio[i].base, a64_board.mmio[i].size);

    struct vmmio_window w[APP_MAX_DEVS];
    int nw;
    char *line = app_take_cmdline_mmio_devs(a, &mmio_devs, platform_cmdline(), w, &nw);
    if (!line)
        panic("out of memory for the command line");
    app_mount_all(a);
    int status = app_run(a, line);
    a->port->free(a->port->ctx, line);
    vfs_umount_all(&a->vfs);
    return status;
}
