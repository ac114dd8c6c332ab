/* SPDX-License-Identifier: BSD-2-Clause */
/* `boot` on the boot image: the x86-64 Linux boot protocol (Linux's
 * Documentation/arch/x86/boot.rst, "64-bit boot protocol").
 *
 * The bzImage is checked (boot flag, "HdrS", protocol >= 2.12, a 64-bit
 * entry point, relocatable or placeable at its preferred address), then:
 *
 *   - its protected-mode part (everything after the (setup_sects + 1) * 512
 *     bytes of real-mode setup) is copied to an address aligned to
 *     kernel_alignment, with init_size bytes of free RAM from there
 *     (pref_address when that is free);
 *   - the initrd is copied page-aligned, as high as possible below
 *     initrd_addr_max;
 *   - a zeroed boot_params ("zero page") gets the setup header, the E820
 *     map, the command line (with our virtio_mmio.device= words after it),
 *     the initrd and the ACPI RSDP.
 *
 * Every destination comes from the page allocator, so none overlaps the
 * running image, its stack, its page tables or the buffers we copy from.
 * Then every share is unmounted (its device reset) and x86_64_jump.S enters
 * the kernel at load address + 0x200 with %rsi = &boot_params. */
#include "app.h"
#include "fmt.h"
#include "libc.h"
#include "linux_x86_64.h"
#include "runtime.h"
#include "vs_errno.h"

/* Setup header fields: offsets in the bzImage and in boot_params alike. */
#define HDR_START 0x1f1
#define HDR_SETUP_SECTS 0x1f1
#define HDR_SYSSIZE 0x1f4
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP_LEN 0x201 /* the header ends at 0x202 + this byte */
#define HDR_HEADER 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_CODE32_START 0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE 0x234
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238
#define HDR_PREF_ADDRESS 0x258
#define HDR_INIT_SIZE 0x260

/* Fields of boot_params outside the setup header. */
#define BP_ACPI_RSDP_ADDR 0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE 0x2d0
#define BP_SIZE 4096
#define E820_MAX_ZEROPAGE 128
#define E820_ENTRY_SIZE 20

#define BOOT_FLAG 0xaa55
#define HDRS_MAGIC 0x53726448 /* "HdrS" */
#define MIN_VERSION 0x020c    /* 2.12: xloadflags */
#define XLF_KERNEL_64 (1u << 0)
#define XLF_CAN_BE_LOADED_ABOVE_4G (1u << 1)
#define LOADED_HIGH (1u << 0)
#define LOADER_UNDEFINED 0xff
#define ENTRY_64 0x200
#define SECTOR 512

#define FOUR_GIB (4ull << 30)
#define ONE_MIB (1ull << 20)
#define STACK_PAGES 4

/* What the checks found out about the bzImage. */
struct bzimage {
    const uint8_t *file;
    size_t setup_size;     /* real-mode part: (setup_sects + 1) * 512 */
    size_t hdr_end;        /* setup header: [HDR_START, hdr_end) */
    size_t payload_size;   /* protected-mode part, syssize * 16 */
    uint64_t init_size;    /* room the kernel needs from its load address */
    uint64_t align;        /* kernel_alignment */
    uint64_t pref_address;
    uint64_t initrd_max;   /* highest byte the initrd may occupy, + 1 */
    uint32_t cmdline_max;  /* longest command line, without the NUL */
    bool relocatable;
};

/* " virtio_mmio.device=SIZE@BASE:IRQ" for each device handed on. */
static char mmio_words[APP_MAX_DEVS * 64];
static size_t mmio_words_len;

void linux_set_mmio_devices(const struct vmmio_window *w, int n)
{
    mmio_words_len = 0;
    for (int i = 0; i < n && i < APP_MAX_DEVS; i++)
        mmio_words_len += (size_t)vs_snprintf(mmio_words + mmio_words_len, sizeof(mmio_words) - mmio_words_len,
                                              " virtio_mmio.device=%llu@0x%llx:%u", (unsigned long long)w[i].size,
                                              (unsigned long long)w[i].base, (unsigned)w[i].irq);
}

static uint32_t get16(const uint8_t *p, size_t off)
{
    return (uint32_t)p[off] | (uint32_t)p[off + 1] << 8;
}

static uint32_t get32(const uint8_t *p, size_t off)
{
    return get16(p, off) | get16(p, off + 2) << 16;
}

static uint64_t get64(const uint8_t *p, size_t off)
{
    return get32(p, off) | (uint64_t)get32(p, off + 4) << 32;
}

static void put32(uint8_t *p, size_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[off + i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, size_t off, uint64_t v)
{
    put32(p, off, (uint32_t)v);
    put32(p, off + 4, (uint32_t)(v >> 32));
}

static int check_bzimage(const uint8_t *f, size_t size, struct bzimage *k, const char **why)
{
    if (size < HDR_VERSION + 2)
        return app_boot_fail(why, -VS_ENOEXEC, "not a bzImage: %llu bytes is too short for a setup header",
                             (unsigned long long)size);
    if (get16(f, HDR_BOOT_FLAG) != BOOT_FLAG)
        return app_boot_fail(why, -VS_ENOEXEC, "not a bzImage: no boot flag 0xAA55 at offset 0x1fe");
    if (get32(f, HDR_HEADER) != HDRS_MAGIC)
        return app_boot_fail(why, -VS_ENOEXEC, "not a bzImage: no \"HdrS\" signature at offset 0x202");
    uint32_t version = get16(f, HDR_VERSION);
    if (version < MIN_VERSION)
        return app_boot_fail(why, -VS_EINVAL, "boot protocol %u.%02u is older than 2.12", version >> 8, version & 0xff);

    unsigned sects = f[HDR_SETUP_SECTS] ? f[HDR_SETUP_SECTS] : 4;
    k->file = f;
    k->setup_size = (size_t)(sects + 1) * SECTOR;
    k->hdr_end = 0x202 + (size_t)f[HDR_JUMP_LEN];
    if (k->hdr_end < HDR_INIT_SIZE + 4 || k->hdr_end > k->setup_size)
        return app_boot_fail(why, -VS_EINVAL, "setup header of %llu bytes does not fit the protocol",
                             (unsigned long long)(k->hdr_end - HDR_START));
    if (size < k->setup_size)
        return app_boot_fail(why, -VS_EINVAL, "truncated bzImage: %llu bytes, the setup alone is %llu",
                             (unsigned long long)size, (unsigned long long)k->setup_size);
    k->payload_size = (size_t)get32(f, HDR_SYSSIZE) * 16;
    if (k->payload_size == 0 || size - k->setup_size < k->payload_size)
        return app_boot_fail(why, -VS_EINVAL, "truncated bzImage: %llu bytes, the header says %llu",
                             (unsigned long long)size, (unsigned long long)(k->setup_size + k->payload_size));

    uint32_t xlf = get16(f, HDR_XLOADFLAGS);
    if (!(xlf & XLF_KERNEL_64))
        return app_boot_fail(why, -VS_ENOEXEC, "not an x86-64 kernel: no 64-bit entry point (XLF_KERNEL_64)");
    k->relocatable = f[HDR_RELOCATABLE] != 0;
    k->align = get32(f, HDR_KERNEL_ALIGNMENT);
    if (k->align < PAGE_SIZE || (k->align & (k->align - 1)))
        return app_boot_fail(why, -VS_EINVAL, "bad kernel_alignment 0x%llx", (unsigned long long)k->align);
    k->pref_address = get64(f, HDR_PREF_ADDRESS);
    if (!k->relocatable && (k->pref_address < ONE_MIB || k->pref_address % PAGE_SIZE))
        return app_boot_fail(why, -VS_EINVAL, "kernel is not relocatable and its pref_address 0x%llx is unusable",
                             (unsigned long long)k->pref_address);
    k->init_size = get32(f, HDR_INIT_SIZE);
    if (k->init_size < k->payload_size)
        return app_boot_fail(why, -VS_EINVAL, "init_size 0x%llx is smaller than the kernel (0x%llx)",
                             (unsigned long long)k->init_size, (unsigned long long)k->payload_size);
    /* initrd_addr_max is the highest address the initrd may occupy. */
    k->initrd_max = (uint64_t)get32(f, HDR_INITRD_ADDR_MAX) + 1;
    k->cmdline_max = get32(f, HDR_CMDLINE_SIZE);
    return 0;
}

static size_t pages_of(uint64_t bytes)
{
    return (size_t)(ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE);
}

/* Where the kernel goes: pref_address if that is free; else, relocatable,
 * the lowest aligned spot at or above it (a relocatable x86-64 kernel loaded
 * below its LOAD_PHYSICAL_ADDR, which is pref_address, decompresses at that
 * address anyway, over whatever is there) and below 4 GiB. */
static uint8_t *place_kernel(const struct bzimage *k)
{
    size_t n = pages_of(k->init_size);
    uint64_t pref = k->pref_address;
    uint8_t *at = NULL;
    /* A kernel that cannot relocate runs at pref_address, aligned or not. */
    uint64_t need = k->relocatable ? k->align : PAGE_SIZE;
    if (pref >= ONE_MIB && pref % need == 0)
        at = page_alloc_range(n, need, pref, pref + (uint64_t)n * PAGE_SIZE, false);
    if (!at && k->relocatable)
        at = page_alloc_range(n, k->align, VS_MAX(pref, ONE_MIB), FOUR_GIB, false);
    return at;
}

/* The memory map as E820 entries, sorted by address.  It is passed on as the
 * boot protocol gave it: what we leave behind for the kernel (boot_params,
 * the command line, the initrd) is named in boot_params, and the kernel
 * reserves or copies it before it allocates anything; the image, its page
 * tables, GDT and stack are only needed until the kernel's first
 * instructions load its own, and its decompressor never writes outside
 * [load address, + init_size) before that.  So nothing else needs marking:
 * reserved and ACPI ranges keep their types. */
static void fill_e820(uint8_t *bp)
{
    const struct mem_region *m;
    size_t n = platform_memmap(&m);
    struct mem_region sorted[E820_MAX_ZEROPAGE];
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!m[i].len)
            continue;
        if (count == E820_MAX_ZEROPAGE)
            break; /* the zero page holds no more; what is left stays unused */
        size_t j = count++;
        while (j > 0 && sorted[j - 1].base > m[i].base) {
            sorted[j] = sorted[j - 1];
            j--;
        }
        sorted[j] = m[i];
    }
    for (size_t i = 0; i < count; i++) {
        uint8_t *e = bp + BP_E820_TABLE + i * E820_ENTRY_SIZE;
        put64(e, 0, sorted[i].base);
        put64(e, 8, sorted[i].len);
        put32(e, 16, sorted[i].type);
    }
    bp[BP_E820_ENTRIES] = (uint8_t)count;
}

int linux_boot(struct app *a, struct app_boot *b, const char **why)
{
    struct bzimage k = {0};
    uint8_t *kernel_at = NULL, *initrd_at = NULL, *low = NULL;
    size_t low_pages = 0;
    int err = check_bzimage(b->kernel, b->kernel_size, &k, why);
    if (err)
        goto out;

    size_t given_len = strlen(b->cmdline), cmdline_len = given_len + mmio_words_len;
    if (cmdline_len > k.cmdline_max) {
        err = app_boot_fail(why, -VS_E2BIG, "command line of %llu bytes, the kernel takes at most %llu",
                            (unsigned long long)cmdline_len, (unsigned long long)k.cmdline_max);
        goto out;
    }

    kernel_at = place_kernel(&k);
    if (!kernel_at) {
        err = app_boot_fail(why, -VS_ENOMEM, "no room for the kernel: %llu KiB aligned to 0x%llx %s 0x%llx below 4 GiB",
                            (unsigned long long)(k.init_size >> 10), (unsigned long long)k.align,
                            k.relocatable ? "from" : "at", (unsigned long long)k.pref_address);
        goto out;
    }
    if (b->initrd && b->initrd_size) {
        uint64_t max = VS_MIN(k.initrd_max, FOUR_GIB);
        initrd_at = page_alloc_range(pages_of(b->initrd_size), PAGE_SIZE, ONE_MIB, max, true);
        if (!initrd_at) {
            err = app_boot_fail(why, -VS_ENOMEM, "no room for the initrd: %llu KiB below 0x%llx",
                                (unsigned long long)(b->initrd_size >> 10), (unsigned long long)max);
            goto out;
        }
    }
    /* boot_params, then the command line, then a stack; below 4 GiB, where
     * cmd_line_ptr reaches. */
    low_pages = 1 + pages_of(cmdline_len + 1) + STACK_PAGES;
    low = page_alloc_range(low_pages, PAGE_SIZE, ONE_MIB, FOUR_GIB, true);
    if (!low) {
        err = app_boot_fail(why, -VS_ENOMEM, "no room for boot_params");
        goto out;
    }

    /* Everything checked and placed: nothing can fail from here on. */
    app_boot_starting(a, b);
    uint8_t *bp = low;
    char *cmdline = (char *)(low + BP_SIZE);
    uint8_t *stack_top = low + low_pages * PAGE_SIZE;
    memcpy(bp + HDR_START, k.file + HDR_START, k.hdr_end - HDR_START);
    bp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
    bp[HDR_LOADFLAGS] |= LOADED_HIGH;
    put32(bp, HDR_CODE32_START, (uint32_t)(uintptr_t)kernel_at);
    memcpy(cmdline, b->cmdline, given_len);
    memcpy(cmdline + given_len, mmio_words, mmio_words_len + 1);
    put32(bp, HDR_CMD_LINE_PTR, (uint32_t)(uintptr_t)cmdline);
    put32(bp, BP_EXT_CMD_LINE_PTR, (uint32_t)((uint64_t)(uintptr_t)cmdline >> 32));
    if (initrd_at) {
        memcpy(initrd_at, b->initrd, b->initrd_size);
        put32(bp, HDR_RAMDISK_IMAGE, (uint32_t)(uintptr_t)initrd_at);
        put32(bp, BP_EXT_RAMDISK_IMAGE, (uint32_t)((uint64_t)(uintptr_t)initrd_at >> 32));
        put32(bp, HDR_RAMDISK_SIZE, (uint32_t)b->initrd_size);
        put32(bp, BP_EXT_RAMDISK_SIZE, (uint32_t)((uint64_t)b->initrd_size >> 32));
    }
    uint64_t rsdp = platform_acpi_rsdp();
    if (rsdp)
        put64(bp, BP_ACPI_RSDP_ADDR, rsdp);
    fill_e820(bp);
    memcpy(kernel_at, k.file + k.setup_size, k.payload_size);

    app_printf(a, "boot: kernel at 0x%llx, initrd at 0x%llx, entering it\n", (unsigned long long)(uintptr_t)kernel_at,
               (unsigned long long)(uintptr_t)initrd_at);
    /* Reset every virtio-fs device so the kernel's driver finds it clean. */
    vfs_umount_all(&a->vfs);
    linux_jump((uint64_t)(uintptr_t)kernel_at + ENTRY_64, bp, stack_top);

out:
    if (kernel_at)
        page_free(kernel_at, pages_of(k.init_size));
    if (initrd_at)
        page_free(initrd_at, pages_of(b->initrd_size));
    if (low)
        page_free(low, low_pages);
    a->port->free(a->port->ctx, b->kernel);
    a->port->free(a->port->ctx, b->initrd);
    b->kernel = b->initrd = NULL;
    return err;
}
