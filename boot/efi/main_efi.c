/* SPDX-License-Identifier: BSD-2-Clause */
/* The EFI application: finds the virtio-fs devices through PciIo, mounts
 * each at /TAG, runs its load options as a command line (SPEC §4), and
 * reports the exit status through QEMU's isa-debug-exit port as the boot
 * image does (without one, on a last console line).  `boot` starts a Linux kernel's EFI stub with LoadImage and
 * StartImage, its initrd offered through LINUX_EFI_INITRD_MEDIA_GUID. */
#include "efi_port.h"

#include "commands.h"
#include "pcidevs.h"
#include "vs_errno.h"

#define DEBUG_EXIT_PORT 0xf4
/* The first line the application prints, so that a reader of the serial
 * console can tell its output from the firmware's. */
#define START_MARKER "vioshare.efi: start\n"

static struct efi_port the_port;
static struct app the_app;
static struct app_pci_devs pci_devs;
static EFI_HANDLE the_image;

/* A function is taken from the firmware's driver before it is opened, and
 * tracked so that ExitBootServices can reset it. */
static int claim_fn(void *ctx, vs_bdf_t bdf)
{
    return efi_port_claim(ctx, bdf);
}

static void track_fn(void *ctx, struct vs_transport *tr)
{
    efi_port_track(ctx, tr);
}

/* ---------------------------------------------------------------- console */

static void console_sink(void *ctx, const char *s, size_t n)
{
    efi_con_write(ctx, s, n);
}

/* Bytes of the last key not handed out yet (a UTF-8 sequence). */
static unsigned char key_pending[4];
static int key_npending, key_next;

static int console_input(void *ctx)
{
    EFI_SYSTEM_TABLE *st = ctx;
    if (key_next < key_npending)
        return key_pending[key_next++];
    EFI_INPUT_KEY key;
    if (st->ConIn->ReadKeyStroke(st->ConIn, &key) != EFI_SUCCESS)
        return -1;
    uint32_t c = key.UnicodeChar;
    key_next = key_npending = 0;
    if (c == 0) {
        /* A scan code: the escape sequence a serial terminal sends for it
         * (the firmware's terminal driver turned that into the scan code). */
        static const char *const seq[] = {[SCAN_UP] = "\x1b[A", [SCAN_DOWN] = "\x1b[B", [SCAN_RIGHT] = "\x1b[C",
                                          [SCAN_LEFT] = "\x1b[D", [SCAN_HOME] = "\x1b[H", [SCAN_END] = "\x1b[F",
                                          [SCAN_DELETE] = "\x1b[3~", [SCAN_ESC] = "\x1b"};
        if (key.ScanCode >= sizeof(seq) / sizeof(seq[0]) || !seq[key.ScanCode])
            return -1;
        for (const char *p = seq[key.ScanCode]; *p; p++)
            key_pending[key_npending++] = (unsigned char)*p;
        return key_pending[key_next++];
    }
    if (c < 0x80)
        return (int)c;
    if (c < 0x800) {
        key_pending[key_npending++] = (unsigned char)(0xc0 | c >> 6);
    } else {
        key_pending[key_npending++] = (unsigned char)(0xe0 | c >> 12);
        key_pending[key_npending++] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
    }
    key_pending[key_npending++] = (unsigned char)(0x80 | (c & 0x3f));
    return key_pending[key_next++];
}

static void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

/* ---------------------------------------------------------------- strings */

/* UTF-16 (n units, or up to a NUL) to UTF-8 in a pool buffer. */
static char *utf16_to_utf8(struct app *a, const CHAR16 *s, size_t n)
{
    char *out = a->port->alloc(a->port->ctx, 3 * n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n && s[i]; i++) {
        uint32_t c = s[i];
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < n && s[i + 1] >= 0xdc00 && s[i + 1] < 0xe000) {
            c = 0x10000 + ((c - 0xd800) << 10) + (s[i + 1] - 0xdc00);
            i++;
        }
        if (c < 0x80) {
            out[o++] = (char)c;
        } else if (c < 0x800) {
            out[o++] = (char)(0xc0 | c >> 6);
            out[o++] = (char)(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
            out[o++] = (char)(0xe0 | c >> 12);
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
            out[o++] = (char)(0x80 | (c & 0x3f));
        } else { /* 4 bytes fit: the pair took 2 units (6 bytes of room) */
            out[o++] = (char)(0xf0 | c >> 18);
            out[o++] = (char)(0x80 | ((c >> 12) & 0x3f));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
            out[o++] = (char)(0x80 | (c & 0x3f));
        }
    }
    out[o] = 0;
    return out;
}

/* UTF-8 (or any bytes: each invalid one maps to itself) to a NUL-terminated
 * UTF-16 pool buffer; *bytes gets its size with the NUL. */
static CHAR16 *utf8_to_utf16(struct app *a, const char *s, UINT32 *bytes)
{
    size_t n = strlen(s);
    CHAR16 *out = a->port->alloc(a->port->ctx, (n + 1) * sizeof(CHAR16));
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp = c;
        int len = 1;
        if (c >= 0xc2 && c < 0xe0 && i + 1 < n && ((unsigned char)s[i + 1] & 0xc0) == 0x80) {
            cp = (c & 0x1fu) << 6 | ((unsigned char)s[i + 1] & 0x3fu);
            len = 2;
        } else if (c >= 0xe0 && c < 0xf0 && i + 2 < n && ((unsigned char)s[i + 1] & 0xc0) == 0x80 &&
                   ((unsigned char)s[i + 2] & 0xc0) == 0x80) {
            cp = (c & 0x0fu) << 12 | ((unsigned char)s[i + 1] & 0x3fu) << 6 | ((unsigned char)s[i + 2] & 0x3fu);
            len = 3;
        }
        out[o++] = (CHAR16)cp;
        i += (size_t)len;
    }
    out[o] = 0;
    *bytes = (UINT32)((o + 1) * sizeof(CHAR16));
    return out;
}

/* The command line: the image's load options.  A UEFI shell puts the whole
 * command line there, the program's own name first (and installs its
 * shell-parameters protocol on our handle): that first word is skipped, and
 * the shell's `^` escapes are undone (so `^>`, `^|`, `^#`, `^%` are literal,
 * as in the shell's own argument parsing). */
static char *command_line(struct app *a, EFI_BOOT_SERVICES *bs)
{
    EFI_LOADED_IMAGE *li = NULL;
    char *empty = a->port->alloc(a->port->ctx, 1);
    if (empty)
        empty[0] = 0;
    if (EFI_ERROR(bs->HandleProtocol(the_image, &efi_guid_loaded_image, (void **)&li)) || !li->LoadOptions ||
        li->LoadOptionsSize < 2)
        return empty;
    char *line = utf16_to_utf8(a, li->LoadOptions, li->LoadOptionsSize / 2);
    if (!line)
        return empty;
    void *shell = NULL;
    if (!EFI_ERROR(bs->HandleProtocol(the_image, &efi_guid_shell_parameters, &shell))) {
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++)
                ;
            if (*p)
                p++;
        } else {
            while (*p && *p != ' ' && *p != '\t')
                p++;
        }
        while (*p == ' ' || *p == '\t')
            p++;
        /* The shell's escape: `^X` is X.  It removes the `^` itself only
         * before `#` and `%`, and leaves it in front of the others. */
        char *o = line;
        for (; *p; p++) {
            if (*p == '^' && p[1])
                p++;
            *o++ = *p;
        }
        *o = 0;
    }
    a->port->free(a->port->ctx, empty);
    return line;
}

/* ---------------------------------------------------------------- boot */

/* The initrd, served to the EFI stub through EFI_LOAD_FILE2_PROTOCOL on a
 * handle whose device path is the vendor media node Linux looks for. */
struct load_file2 {
    EFI_STATUS(EFIAPI *load_file)(struct load_file2 *self, EFI_DEVICE_PATH *path, BOOLEAN boot_policy,
                                  UINTN *size, VOID *buf);
};

static struct {
    VENDOR_DEVICE_PATH vendor;
    EFI_DEVICE_PATH end;
} __attribute__((packed)) initrd_path;

static struct {
    MEMMAP_DEVICE_PATH mem;
    EFI_DEVICE_PATH end;
} __attribute__((packed)) kernel_path;

static const void *initrd_data;
static size_t initrd_size;

static EFI_STATUS EFIAPI initrd_load(struct load_file2 *self, EFI_DEVICE_PATH *path, BOOLEAN boot_policy,
                                     UINTN *size, VOID *buf)
{
    (void)self;
    (void)path;
    if (boot_policy)
        return EFI_UNSUPPORTED;
    if (!size)
        return EFI_INVALID_PARAMETER;
    if (!buf || *size < initrd_size) {
        *size = initrd_size;
        return EFI_BUFFER_TOO_SMALL;
    }
    memcpy(buf, initrd_data, initrd_size);
    *size = initrd_size;
    return EFI_SUCCESS;
}

static struct load_file2 initrd_lf2 = {initrd_load};

static void set_node(EFI_DEVICE_PATH *h, uint8_t type, uint8_t sub, size_t len)
{
    h->Type = type;
    h->SubType = sub;
    h->Length[0] = (uint8_t)len;
    h->Length[1] = (uint8_t)(len >> 8);
}

/* Starts child with every share unmounted (the devices reset, for whatever
 * driver it brings); returns StartImage's status. */
static EFI_STATUS start_unmounted(struct app *a, EFI_HANDLE child)
{
    vfs_umount_all(&a->vfs);
    for (int i = 0; i < a->ndevs; i++)
        a->devs[i].mounted = false;
    UINTN exit_size = 0;
    CHAR16 *exit_data = NULL;
    EFI_STATUS s = the_port.st->BootServices->StartImage(child, &exit_size, &exit_data);
    if (exit_data)
        the_port.st->BootServices->FreePool(exit_data);
    return s;
}

static int efi_boot(struct app *a, struct app_boot *b, const char **why)
{
    EFI_BOOT_SERVICES *bs = the_port.st->BootServices;
    const struct vs_port *port = a->port;
    EFI_STATUS s;

    set_node(&kernel_path.mem.Header, HARDWARE_DEVICE_PATH, HW_MEMMAP_DP, sizeof(kernel_path.mem));
    kernel_path.mem.MemoryType = EfiLoaderData;
    kernel_path.mem.StartingAddress = (uintptr_t)b->kernel;
    kernel_path.mem.EndingAddress = (uintptr_t)b->kernel + b->kernel_size - 1;
    set_node(&kernel_path.end, END_DEVICE_PATH_TYPE, END_ENTIRE_DEVICE_PATH_SUBTYPE, sizeof(kernel_path.end));

    EFI_HANDLE child = NULL;
    s = bs->LoadImage(FALSE, the_image, (EFI_DEVICE_PATH *)&kernel_path, b->kernel, b->kernel_size, &child);
    port->free(port->ctx, b->kernel); /* LoadImage made its own copy */
    b->kernel = NULL;
    if (EFI_ERROR(s)) {
        *why = s == EFI_UNSUPPORTED || s == EFI_LOAD_ERROR ? "not an EFI image (a kernel without the EFI stub?)"
                                                           : "the firmware's LoadImage failed";
        return -VS_ENOEXEC;
    }
    app_boot_starting(a, b); /* the firmware took it as an EFI image */
    EFI_LOADED_IMAGE *li = NULL;
    UINT32 optsize = 0;
    CHAR16 *opts = utf8_to_utf16(a, b->cmdline ? b->cmdline : "", &optsize);
    if (!opts || EFI_ERROR(bs->HandleProtocol(child, &efi_guid_loaded_image, (void **)&li))) {
        bs->UnloadImage(child);
        *why = "cannot set the kernel's command line";
        return -VS_ENOMEM;
    }
    li->LoadOptions = opts;
    li->LoadOptionsSize = optsize;

    EFI_HANDLE initrd_handle = NULL;
    if (b->initrd) {
        initrd_data = b->initrd;
        initrd_size = b->initrd_size;
        set_node(&initrd_path.vendor.Header, MEDIA_DEVICE_PATH, MEDIA_VENDOR_DP, sizeof(initrd_path.vendor));
        initrd_path.vendor.Guid = efi_guid_initrd_media;
        set_node(&initrd_path.end, END_DEVICE_PATH_TYPE, END_ENTIRE_DEVICE_PATH_SUBTYPE, sizeof(initrd_path.end));
        s = bs->InstallProtocolInterface(&initrd_handle, &efi_guid_device_path, EFI_NATIVE_INTERFACE, &initrd_path);
        if (!EFI_ERROR(s))
            s = bs->InstallProtocolInterface(&initrd_handle, &efi_guid_load_file2, EFI_NATIVE_INTERFACE, &initrd_lf2);
        if (EFI_ERROR(s)) {
            if (initrd_handle)
                bs->UninstallProtocolInterface(initrd_handle, &efi_guid_device_path, &initrd_path);
            bs->UnloadImage(child);
            *why = s == EFI_ALREADY_STARTED ? "another initrd is already installed" : "cannot install the initrd";
            return -VS_EIO;
        }
    }

    /* The devices go back to reset for the kernel's own driver. */
    start_unmounted(a, child);
    /* Back here: the kernel failed before ExitBootServices. */
    if (initrd_handle) {
        bs->UninstallProtocolInterface(initrd_handle, &efi_guid_load_file2, &initrd_lf2);
        bs->UninstallProtocolInterface(initrd_handle, &efi_guid_device_path, &initrd_path);
    }
    bs->UnloadImage(child);
    *why = "the kernel's EFI stub returned";
    return -VS_EIO;
}

/* `chain`: any EFI program from memory, its load options set, with the
 * shares unmounted (it may drive the devices itself) while it runs. */
static int efi_chain(struct app *a, const void *image, size_t size, const char *path, const char *opts, int *status,
                     const char **why)
{
    (void)path;
    EFI_BOOT_SERVICES *bs = the_port.st->BootServices;
    set_node(&kernel_path.mem.Header, HARDWARE_DEVICE_PATH, HW_MEMMAP_DP, sizeof(kernel_path.mem));
    kernel_path.mem.MemoryType = EfiLoaderData;
    kernel_path.mem.StartingAddress = (uintptr_t)image;
    kernel_path.mem.EndingAddress = (uintptr_t)image + size - 1;
    set_node(&kernel_path.end, END_DEVICE_PATH_TYPE, END_ENTIRE_DEVICE_PATH_SUBTYPE, sizeof(kernel_path.end));
    EFI_HANDLE child = NULL;
    EFI_STATUS s = bs->LoadImage(FALSE, the_image, (EFI_DEVICE_PATH *)&kernel_path, (void *)image, size, &child);
    if (EFI_ERROR(s)) {
        *why = s == EFI_UNSUPPORTED || s == EFI_LOAD_ERROR ? "not an EFI image the firmware can load"
                                                           : "the firmware's LoadImage failed";
        return -VS_ENOEXEC;
    }
    EFI_LOADED_IMAGE *li = NULL;
    UINT32 optsize = 0;
    CHAR16 *o = utf8_to_utf16(a, opts, &optsize);
    if (!o || EFI_ERROR(bs->HandleProtocol(child, &efi_guid_loaded_image, (void **)&li))) {
        bs->UnloadImage(child);
        *why = "cannot set the load options";
        return -VS_ENOMEM;
    }
    li->LoadOptions = o;
    li->LoadOptionsSize = optsize;
    app_printf(a, "chain: starting ");
    app_write_escaped(a, path, vs_strlen(path));
    app_printf(a, " (%llu bytes) with load options \"%s\"\n", (unsigned long long)size, opts);
    s = start_unmounted(a, child);
    /* An application is unloaded by its Exit; a driver stays. */
    a->port->free(a->port->ctx, o);
    *status = (int)(s & 0xffff); /* EFI_ERROR's top bit left out: "returned (EFI status 0xe)" */
    return 0;
}

/* ---------------------------------------------------------------- main */

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
    EFI_BOOT_SERVICES *bs = st->BootServices;
    struct app *a = &the_app;
    the_image = image;
    /* No watchdog: a long job (bench) must not be reset after 5 minutes. */
    bs->SetWatchdogTimer(0, 0, 0, NULL);
    efi_con_write(st, "\n" START_MARKER, sizeof("\n" START_MARKER) - 1);

    EFI_STATUS s = efi_port_init(&the_port, image, st);
    if (!EFI_ERROR(s))
        s = efi_port_list_pci(&the_port);
    const struct vs_port *port = &the_port.port;
    app_init(a, port, (struct fmt_out){console_sink, st});
    a->read_char = console_input;
    a->read_ctx = st;
    a->build_name = "x86-64 UEFI application";
    app_print_version(a);
    a->boot = efi_boot;
    a->chain = efi_chain;
    if (EFI_ERROR(s))
        app_printf(a, "warning: cannot list PCI functions (EFI status %#lx)\n", (unsigned long)s);

    struct app_pci_hooks hooks = {claim_fn, track_fn, &the_port};
    app_add_pci_devs(a, &pci_devs, &hooks);
    app_mount_all(a);

    int status = 1;
    char *line = command_line(a, bs);
    if (line) {
        status = app_run(a, line);
        port->free(port->ctx, line);
    } else {
        app_printf(a, "error: out of memory for the command line\n");
    }
    vfs_umount_all(&a->vfs);
    efi_port_release(&the_port, true);

    /* Under QEMU with isa-debug-exit this ends the machine (status*2+1).
     * Still running means there is none (libvirt, other VMMs): the status
     * is the console's last line, as the boot image's, and goes back to the
     * caller, whose script may then power off (`reset -s`). */
    outl(DEBUG_EXIT_PORT, (uint32_t)status);
    app_printf(a, "vioshare: exit status %d\n", status);
    return status == 0 ? EFI_SUCCESS : EFI_ABORTED;
}
