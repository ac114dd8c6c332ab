/* The AArch64 image's program: the virtio-fs devices on PCIe (ECAM) and the
 * virtio-mmio nodes of the device tree (plus any virtio_mmio.device= words
 * on the command line), each mounted at /TAG; then the command line. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include "a64.h"
#include "app.h"
#include "mmiodevs.h"
#include "pcidevs.h"

static int console_input(void *ctx)
{
    (void)ctx;
    return console_getc();
}

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

static void console_sink(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    console_write(s, n);
}

static struct app the_app;
static struct app_pci_devs pci_devs;
static struct app_mmio_devs mmio_devs;

int app_main(void)
{
    struct app *a = &the_app;
    const struct vs_port *port = platform_port();
    app_init(a, port, (struct fmt_out){console_sink, 0});
    a->read_char = console_input;
    a->heap_usage = heap_stats;
    a->boot = a64_linux_boot;

    app_add_pci_devs(a, &pci_devs, 0);
    for (int i = 0; i < a64_board.nmmio; i++)
        app_add_mmio_dev(a, &mmio_devs, a64_board.mmio[i].base, a64_board.mmio[i].size);

    const char *cmdline = platform_cmdline();
    size_t len = strlen(cmdline);
    char *line = malloc(len + 1);
    if (!line)
        panic("out of memory for the command line");
    memcpy(line, cmdline, len + 1);
    struct vmmio_window w[APP_MAX_DEVS];
    int nw = vmmio_take_cmdline(line, w, APP_MAX_DEVS);
    for (int i = 0; i < nw && i < APP_MAX_DEVS; i++)
        app_add_mmio_dev(a, &mmio_devs, w[i].base, w[i].size);
    app_mount_all(a);
    int status = app_run(a, line);
    free(line);
    vfs_umount_all(&a->vfs);
    return status;
}
