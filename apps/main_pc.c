/* The boot image's program: find the virtio-fs devices on PCI, mount each
 * at /TAG, run the kernel command line. */
#include "app.h"
#include "platform.h"
#include "vpci.h"
#include "vs_errno.h"

static int console_input(void *ctx)
{
    (void)ctx;
    return console_getc();
}

static void console_sink(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    console_write(s, n);
}

/* The app's state is large (mount and fd tables): keep it off the stack. */
static struct app the_app;
static struct vpci_dev pci_devs[APP_MAX_DEVS];
static struct vs_transport transports[APP_MAX_DEVS];

int app_main(void)
{
    struct app *a = &the_app;
    const struct vs_port *port = platform_port();
    app_init(a, port, (struct fmt_out){console_sink, 0});
    a->read_char = console_input;

    vs_bdf_t found[APP_MAX_DEVS];
    int n = vpci_find(port, VPCI_DEVICE_ID(VIRTIO_ID_FS), found, APP_MAX_DEVS);
    if (n > APP_MAX_DEVS) {
        app_printf(a, "warning: %d virtio-fs devices, using the first %d\n", n, APP_MAX_DEVS);
        n = APP_MAX_DEVS;
    }
    for (int i = 0; i < n; i++) {
        int err = vpci_open(&pci_devs[i], port, found[i], &transports[i]);
        if (err) {
            app_printf(a, "error: pci %02x:%02x.%x: %s (%s)\n", found[i] >> 8, (found[i] >> 3) & 31,
                       found[i] & 7, vs_errno_name(err), vs_errno_text(err));
            continue;
        }
        app_add_dev(a, &transports[i]);
    }
    app_mount_all(a);

    /* The command line is parsed in place: work on a copy. */
    const char *cmdline = platform_cmdline();
    size_t len = vs_strlen(cmdline);
    char *line = kmalloc(len + 1);
    if (!line)
        panic("out of memory for the command line");
    vs_memcpy(line, cmdline, len + 1);
    int status = app_run(a, line);
    kfree(line);
    vfs_umount_all(&a->vfs);
    return status;
}
