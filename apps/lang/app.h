/* SPDX-License-Identifier: BSD-2-Clause */
/* The command language of SPEC §4, independent of the platform it runs on:
 * the boot image and the EFI application each fill a struct app with their
 * console, their devices and their porting layer, then hand it lines. */
#ifndef APP_H
#define APP_H

#include "vfs.h"
#include "virtiofs.h"
#include "fuse_proto.h"
#include "fmt.h"

#define APP_MAX_DEVS 8
#define APP_MAX_SCRIPT_DEPTH 8
#define APP_EXIT_NONE -1

/* What `boot` hands the platform: the kernel and initrd files as read from
 * the share (buffers from port->alloc; the platform owns them once called)
 * and the kernel command line. */
struct app_boot {
    const char *kernel_path; /* as given, for the messages */
    const char *initrd_path; /* NULL when none */
    void *kernel;
    size_t kernel_size;
    void *initrd;           /* NULL when none */
    size_t initrd_size;
    const char *cmdline;    /* "" when none */
    /* A boot entry's devicetree file, read on AArch64 only (entries.c), for
     * the platform to pass instead of the firmware's; NULL when none. */
    const char *dtb_path;
    void *dtb;
    size_t dtb_size;
};

/* A virtio-fs device the platform found, mounted or not. */
struct app_dev {
    const struct vs_transport *tr;
    char tag[VIOFS_TAG_MAX + 1];
    bool mounted;
};

struct app {
    const struct vs_port *port;
    struct vfs vfs;
    struct fmt_out out;
    struct app_dev devs[APP_MAX_DEVS];
    int ndevs;
    int exit_status;        /* APP_EXIT_NONE until a command ends the run */
    bool exit_requested;    /* by `exit`, not by a failure */
    /* Console input for `shell`: the next byte, or -1 when none is waiting.
     * NULL where the platform has none. */
    int (*read_char)(void *ctx);
    void *read_ctx;
    /* Starts the kernel in b: checks it, unmounts every share (so the device
     * is reset for the next OS), and jumps.  Returns only on failure, with a
     * negative errno and a one-line reason in *why.  NULL where the platform
     * cannot boot kernels. */
    int (*boot)(struct app *a, struct app_boot *b, const char **why);
    int script_depth;
    bool failure_located;   /* the innermost script named FILE:LINE already */
    /* Ctrl-C: set by app_interrupted when it sees 0x03, cleared by the shell
     * before each line.  Bytes read while polling for it wait in typeahead. */
    bool interrupted;
    uint8_t typeahead[64];
    unsigned ntypeahead;
    /* Said after "no virtio-fs device found" when there is none: what the
     * VMM must give this platform.  NULL: the PCI device QEMU needs. */
    const char *no_device_hint;
    /* Trace level for mounts made without a debug= option (`debug LEVEL`). */
    int debug;
    /* Optional: the guest heap's bytes in use and high-water mark; false
     * when the platform does not know them.  Set by the platform. */
    bool (*heap_usage)(struct app *a, uint64_t *used, uint64_t *peak);
    /* Optional: MSI interrupts taken since boot (irq=msix completions). */
    uint64_t (*interrupts)(struct app *a);
    /* Starts the EFI program image[0..size) (a copy is made) with opts as
     * its load options, the shares unmounted; returns when it exits (its
     * EFI status in *status) or fails to start (negative errno, *why).
     * NULL where the platform cannot (only the EFI app can). */
    int (*chain)(struct app *a, const void *image, size_t size, const char *path, const char *opts, int *status,
                 const char **why);
    /* `options WORDS...`: the command line of a bare distribution root's
     * entries (entries.c); NULL: root=TAG rootfstype=virtiofs rw. */
    char *entry_options;
    /* What this program is ("x86-64 boot image", ...), for the banner and
     * `version`; NULL: nothing said.  Set by the platform. */
    const char *build_name;
};

/* Prepares a; the caller then adds devices with app_add_dev. */
void app_init(struct app *a, const struct vs_port *port, struct fmt_out out);
/* Records a device (its tag read through tr); false when the table is full. */
bool app_add_dev(struct app *a, const struct vs_transport *tr);
/* Prints `vioshare VERSION (BUILD_NAME)`: the banner, and `version`. */
void app_print_version(struct app *a);
/* Mounts every device at /TAG (an error is reported and the device skipped);
 * with no device at all, says so on the console. */
void app_mount_all(struct app *a);
/* Reports a failed vfs_mount of path (mount option irq=msix: msix), saying
 * why where the errno name alone would leave the user stuck. */
void app_mount_failed(struct app *a, const char *path, int err, bool msix);
/* Runs the commands of one line (modified in place).  Returns 0 to go on,
 * or sets a->exit_status and returns 1 when the run must end. */
int app_exec_line(struct app *a, char *line);
/* Runs a script file (one command per line, '#' comments). */
int app_run_script(struct app *a, const char *path);

/* Whether the user pressed Ctrl-C (polls the console without waiting;
 * other bytes are kept for app_getc).  Long loops call it between chunks and
 * then fail with -EINTR after closing what they opened. */
bool app_interrupted(struct app *a);
/* The next console byte (typeahead first), or -1 when none is waiting. */
int app_getc(struct app *a);

/* Prints `boot: starting KERNEL (...) with command line "..."`.  The
 * platform's boot calls it once the kernel passed its checks, so that a file
 * it refuses is refused before anything says it starts. */
void app_boot_starting(struct app *a, const struct app_boot *b);
/* For the platform's boot when it fails: formats the one-line reason into
 * static storage (the caller only prints it, before the next boot), points
 * *why at it and returns err. */
int app_boot_fail(const char **why, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The command table: name and usage of command i, NULL past the end. */
const char *app_command_name(int i);
const char *app_command_usage(int i);

/* Output helpers. */
void app_printf(struct app *a, const char *fmt, ...);
void app_write(struct app *a, const void *s, size_t n);
/* Prints `error: CMD: PATH: ENAME (text)` (PATH may be NULL). */
void app_error(struct app *a, const char *cmd, const char *path, int err);
/* Prints `error: CMD: ENAME (message)` for a usage problem. */
void app_usage(struct app *a, const char *cmd, int err, const char *message);
/* Writes s escaped as the manifest does (bytes outside 0x21..0x7e and '\'). */
void app_write_escaped(struct app *a, const char *s, size_t n);

/* A command: returns 0 on success or a negative errno (already reported). */
typedef int (*app_cmd_fn)(struct app *a, int argc, char **argv);

/* One command of the program: its name, function and usage line (help). */
struct app_command {
    const char *name;
    app_cmd_fn fn;
    const char *usage;
};
/* The program's commands, in help's order (apps/cmd/commands.c). */
extern const struct app_command app_commands[];
extern const size_t app_ncommands;

#endif
