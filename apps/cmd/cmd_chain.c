/* SPDX-License-Identifier: BSD-2-Clause */
/* `chain PATH [ARGS...]` (SPEC §4, EFI app): reads an EFI binary from a
 * share and hands it to the platform's chain hook, which starts it with
 * LoadImage/StartImage and the ARGS, blank-separated, as its load options.
 * When the program returns, the shares are mounted again; a non-zero status
 * it returns fails the command. */
#include "commands.h"
#include "bootload.h"
#include "vs_errno.h"

int cmd_chain(struct app *a, int argc, char **argv)
{
    if (argc < 2) {
        app_usage(a, "chain", -VS_EINVAL, "usage: chain PATH [ARGS...]");
        return -VS_EINVAL;
    }
    if (!a->chain) {
        app_usage(a, "chain", -VS_ENOTSUP, "only the EFI app starts EFI programs");
        return -VS_ENOTSUP;
    }
    size_t len = 0;
    for (int i = 2; i < argc; i++)
        len += vs_strlen(argv[i]) + 1;
    char *opts = a->port->alloc(a->port->ctx, len + 1);
    if (!opts) {
        app_usage(a, "chain", -VS_ENOMEM, "out of memory");
        return -VS_ENOMEM;
    }
    size_t at = 0;
    for (int i = 2; i < argc; i++) {
        size_t n = vs_strlen(argv[i]);
        if (at)
            opts[at++] = ' ';
        vs_memcpy(opts + at, argv[i], n);
        at += n;
    }
    opts[at] = 0;
    int err = app_chain(a, argv[1], opts);
    a->port->free(a->port->ctx, opts);
    return err;
}

int app_chain(struct app *a, const char *path, const char *opts)
{
    void *image;
    size_t size;
    int err = boot_load(a, path, &image, &size);
    if (err)
        return err;
    const char *why = NULL;
    int status = 0;
    err = a->chain(a, image, size, path, opts, &status, &why);
    a->port->free(a->port->ctx, image);
    app_mount_all(a);
    if (err) {
        app_printf(a, "error: chain: ");
        app_write_escaped(a, path, vs_strlen(path));
        app_printf(a, ": %s (%s)\n", vs_errno_name(err), why && *why ? why : vs_errno_text(err));
        return err;
    }
    /* A program that returns an error fails the command (and so a script or
     * the run); its status is said either way. */
    app_printf(a, status ? "error: chain: " : "chain: ");
    app_write_escaped(a, path, vs_strlen(path));
    app_printf(a, " returned (EFI status %#x)\n", (unsigned)status);
    return status ? -VS_EIO : 0;
}
