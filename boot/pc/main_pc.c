/* SPDX-License-Identifier: BSD-2-Clause */
/* The boot image's program: find the virtio-fs devices on PCI and those
 * announced as virtio_mmio.device= words on the command line (QEMU's microvm),
 * mount each at /TAG, run the rest of the kernel command line. */
#include "commands.h"
#include "linux_x86_64.h"
#include "platform.h"
#include "mmiodevs.h"
#include "pcidevs.h"
#include "port_common.h"

static bool heap_stats(struct app *a, uint64_t *used, uint64_t *peak)
{
    (void)a;
    heap_usage(used, peak);
    return true;
}

static uint64_t msi_count(struct app *a)
{
    (void)a;
    return irq_msi_count();
}

/* The app's state is large (mount and fd tables): keep it off the stack. */
static struct app the_app;
static struct app_pci_devs pci_devs;
static struct app_mmio_devs mmio_devs;

/* What to say when no virtio-fs device was found: on a machine without PCI
 * (QEMU's microvm) the devices exist only if QEMU announced them, which it
 * does only for a PVH kernel with ACPI off. */
static const char *no_device_hint(const struct vs_port *port, int nwindows)
{
    if (nwindows > 0)
        return "none of the virtio-mmio devices on the command line is virtio-fs "
               "(QEMU needs -device vhost-user-fs-device,chardev=ID,tag=TAG)";
    if (port->pci_read(port->ctx, 0, 0, 2) != 0xffff)
        return 0; /* there is PCI: app.c names the PCI device */
    return "no PCI bus, and no virtio_mmio.device= on the command line: on QEMU's microvm boot "
           "build/vioshare-pvh.elf (PVH) with -machine microvm,acpi=off (QEMU announces its virtio-mmio "
           "devices only then), -device vhost-user-fs-device,chardev=ID,tag=TAG and "
           "-global virtio-mmio.force-legacy=false";
}

int app_main(void)
{
    struct app *a = &the_app;
    bport_app_init(a);
    a->build_name = "x86-64 boot image";
    app_print_version(a);
    a->heap_usage = heap_stats;
    a->interrupts = msi_count;
    a->boot = linux_boot;

    app_add_pci_devs(a, &pci_devs, 0);

    struct vmmio_window windows[APP_MAX_DEVS];
    int nw;
    char *line = app_take_cmdline_mmio_devs(a, &mmio_devs, platform_cmdline(), windows, &nw);
    if (!line)
        panic("out of memory for the command line");
    linux_set_mmio_devices(windows, nw < APP_MAX_DEVS ? nw : APP_MAX_DEVS);
    a->no_device_hint = no_device_hint(a->port, nw);
    app_mount_all(a);
    int status = app_run(a, line);
    a->port->free(a->port->ctx, line);
    vfs_umount_all(&a->vfs);
    return status;
}
