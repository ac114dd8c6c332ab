/* SPDX-License-Identifier: BSD-2-Clause */
/* `boot` on the AArch64 image: the arm64 Linux boot protocol (Linux's
 * Documentation/arch/arm64/booting.rst).
 *
 * An Image.gz is unpacked first (gunzip.c).  The Image header is checked (magic "ARM\x64" at 56, little-endian, a page
 * size this CPU supports, image_size), then:
 *
 *   - the Image is copied text_offset bytes above a 2 MiB-aligned base, with
 *     image_size bytes of free RAM from there: the lowest such base, as the
 *     protocol asks of a kernel without the "anywhere" placement flag;
 *   - the initrd is copied page-aligned;
 *   - the DTB we were given, or the boot entry's devicetree file (which must
 *     describe this machine: the kernel is placed by our DTB's memory), is
 *     copied (grown) with /chosen's bootargs and linux,initrd-start/-end
 *     set (removed without an initrd).
 *
 * Every destination comes from the page allocator, so none overlaps the
 * running image, the DTB, the heap or the buffers we copy from.  Then every
 * share is unmounted (its device reset), the three regions are cleaned to
 * the point of coherency and aarch64_jump.S turns the MMU and data cache off
 * and enters the kernel with x0 = the DTB: at EL2 when we were entered at
 * EL2 (so KVM works in the kernel), else at EL1. */
#include <string.h>
#include "a64.h"
#include "app.h"
#include "fmt.h"
#include "vs_errno.h"

#define IMAGE_MAGIC 0x644d5241u /* "ARM\x64" */
#define HDR_TEXT_OFFSET 8
#define HDR_IMAGE_SIZE 16
#define HDR_FLAGS 24
#define HDR_MAGIC 56
#define HDR_SIZE 64
#define FLAG_BE (1u << 0)
#define FLAG_PAGE_SHIFT 1
#define FLAG_PAGE_MASK 3u
#define KERNEL_ALIGN (2ull << 20)
#define DTB_MAX (2u << 20) /* the protocol's limit */

static uint64_t get_le(const uint8_t *p, size_t off, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[off + i];
    return v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static size_t pages_of(uint64_t bytes)
{
    return (size_t)((bytes + PAGE_SIZE - 1) / PAGE_SIZE);
}

/* Whether this CPU's MMU has the translation granule the kernel was built
 * for (page code 1: 4 KiB, 2: 16 KiB, 3: 64 KiB; 0: unspecified). */
static bool granule_supported(unsigned code)
{
    uint64_t mmfr0;
    __asm__ volatile("mrs %0, id_aa64mmfr0_el1" : "=r"(mmfr0));
    unsigned tgran4 = (mmfr0 >> 28) & 15, tgran64 = (mmfr0 >> 24) & 15, tgran16 = (mmfr0 >> 20) & 15;
    switch (code) {
    case 1: return tgran4 != 15;
    case 2: return tgran16 != 0;
    case 3: return tgran64 != 15;
    default: return true;
    }
}

/* Replaces b's gzip-compressed kernel by the Image it holds. */
static int unpack(struct app *a, struct app_boot *b, const char **why)
{
    size_t n = gzip_size(b->kernel, b->kernel_size);
    if (n < HDR_SIZE)
        return app_boot_fail(why, -VS_ENOEXEC, "a gzip file whose content (%llu bytes) is too small for an Image",
                             (unsigned long long)n);
    uint8_t *img = a->port->alloc(a->port->ctx, n);
    if (!img)
        return app_boot_fail(why, -VS_ENOMEM, "no memory to unpack the gzip-compressed Image (%llu KiB)",
                             (unsigned long long)(n >> 10));
    uint64_t t0 = a->port->now_ns(a->port->ctx);
    const char *bad = gunzip(b->kernel, b->kernel_size, img, n);
    if (bad) {
        a->port->free(a->port->ctx, img);
        return app_boot_fail(why, -VS_ENOEXEC, "a gzip-compressed Image that does not unpack: %s", bad);
    }
    uint64_t ms = (a->port->now_ns(a->port->ctx) - t0) / 1000000;
    app_printf(a, "boot: unpacked the gzip-compressed Image: %llu -> %llu bytes, %llu.%03llu s\n",
               (unsigned long long)b->kernel_size, (unsigned long long)n, (unsigned long long)(ms / 1000),
               (unsigned long long)(ms % 1000));
    a->port->free(a->port->ctx, b->kernel);
    b->kernel = img;
    b->kernel_size = n;
    return 0;
}

/* What a file that is no Image is, when we can tell: compressed kernels. */
static int not_an_image(const uint8_t *f, size_t size, const char **why)
{
    if (size >= 56 && f[0] == 'M' && f[1] == 'Z' && !memcmp(f + 4, "zimg", 4)) {
        char comp[33] = {0};
        for (int i = 0; i < 32 && f[24 + i] >= 0x20 && f[24 + i] < 0x7f; i++)
            comp[i] = (char)f[24 + i];
        return app_boot_fail(why, -VS_ENOEXEC, "an EFI zboot image (%s-compressed, unpacked by its own EFI stub): "
                             "needs UEFI; give the uncompressed Image", comp[0] ? comp : "?");
    }
    return app_boot_fail(why, -VS_ENOEXEC, "not an arm64 Image: no magic \"ARM\\x64\" at offset 56");
}

int a64_linux_boot(struct app *a, struct app_boot *b, const char **why)
{
    uint8_t *base = NULL, *initrd_at = NULL, *dtb_at = NULL;
    size_t kernel_pages = 0, dtb_pages = 0;
    int err = 0;
    uint64_t text_offset = 0, image_size = 0, flags = 0;
    if (gzip_is(b->kernel, b->kernel_size) && (err = unpack(a, b, why)))
        goto out;
    const uint8_t *f = b->kernel;

    if (b->kernel_size < HDR_SIZE || get_le(f, HDR_MAGIC, 4) != IMAGE_MAGIC) {
        err = not_an_image(f, b->kernel_size, why);
        goto out;
    }
    text_offset = get_le(f, HDR_TEXT_OFFSET, 8);
    image_size = get_le(f, HDR_IMAGE_SIZE, 8);
    flags = get_le(f, HDR_FLAGS, 8);
    unsigned page_code = (unsigned)(flags >> FLAG_PAGE_SHIFT) & FLAG_PAGE_MASK;
    if (flags & FLAG_BE) {
        err = app_boot_fail(why, -VS_ENOEXEC, "a big-endian kernel: this loader runs little-endian");
        goto out;
    }
    if (image_size == 0) {
        err = app_boot_fail(why, -VS_ENOEXEC, "image_size 0: a kernel older than 3.17, whose size the header "
                            "does not give");
        goto out;
    }
    if (image_size < b->kernel_size || text_offset % PAGE_SIZE || text_offset >= KERNEL_ALIGN) {
        err = app_boot_fail(why, -VS_EINVAL, "bad Image header: image_size 0x%llx for a file of 0x%llx bytes, "
                            "text_offset 0x%llx", (unsigned long long)image_size, (unsigned long long)b->kernel_size,
                            (unsigned long long)text_offset);
        goto out;
    }
    if (!granule_supported(page_code)) {
        err = app_boot_fail(why, -VS_ENOEXEC, "a kernel with %s pages: this CPU's MMU lacks that granule",
                            page_code == 2 ? "16 KiB" : page_code == 3 ? "64 KiB" : "4 KiB");
        goto out;
    }

    kernel_pages = pages_of(text_offset + image_size);
    base = page_alloc_aligned(kernel_pages, KERNEL_ALIGN);
    if (!base) {
        err = app_boot_fail(why, -VS_ENOMEM, "no room for the kernel: %llu KiB from a 2 MiB boundary, %llu KiB of "
                            "RAM free", (unsigned long long)((text_offset + image_size) >> 10),
                            (unsigned long long)(page_free_bytes() >> 10));
        goto out;
    }
    if (b->initrd && b->initrd_size) {
        initrd_at = page_alloc_aligned(pages_of(b->initrd_size), PAGE_SIZE);
        if (!initrd_at) {
            err = app_boot_fail(why, -VS_ENOMEM, "no room for the initrd: %llu KiB",
                                (unsigned long long)(b->initrd_size >> 10));
            goto out;
        }
    }

    uint8_t start_be[8], end_be[8];
    put_be64(start_be, (uint64_t)(uintptr_t)initrd_at);
    put_be64(end_be, (uint64_t)(uintptr_t)initrd_at + b->initrd_size);
    const struct fdt_prop chosen[] = {
        {"bootargs", b->cmdline, (uint32_t)strlen(b->cmdline) + 1},
        {"linux,initrd-start", initrd_at ? start_be : NULL, 8},
        {"linux,initrd-end", initrd_at ? end_be : NULL, 8},
    };
    const void *fdt = b->dtb ? b->dtb : (const void *)(uintptr_t)a64_board.dtb;
    if (b->dtb && (!fdt_size(b->dtb) || fdt_size(b->dtb) > b->dtb_size)) {
        err = app_boot_fail(why, -VS_ENOEXEC, "the devicetree file is no flattened device tree (magic 0xd00dfeed, "
                            "its size in the header)");
        goto out;
    }
    size_t dtb_cap = fdt_chosen_size(fdt, chosen, 3);
    dtb_pages = pages_of(dtb_cap);
    dtb_at = page_alloc_aligned(dtb_pages, PAGE_SIZE);
    if (!dtb_at) {
        err = app_boot_fail(why, -VS_ENOMEM, "no room for the device tree (%llu KiB)",
                            (unsigned long long)(dtb_cap >> 10));
        goto out;
    }
    if (!fdt_with_chosen(fdt, chosen, 3, dtb_at, dtb_cap)) {
        err = app_boot_fail(why, -VS_EINVAL, "the device tree could not be copied with /chosen set");
        goto out;
    }
    uint32_t dtb_size = fdt_size(dtb_at);
    if (dtb_size > DTB_MAX) {
        err = app_boot_fail(why, -VS_E2BIG, "device tree of %lu KiB, the protocol allows 2048",
                            (unsigned long)(dtb_size >> 10));
        goto out;
    }

    /* Everything checked and placed: nothing can fail from here on. */
    app_boot_starting(a, b);
    uint8_t *image = base + text_offset;
    memcpy(image, f, b->kernel_size);
    memset(image + b->kernel_size, 0, image_size - b->kernel_size);
    if (initrd_at)
        memcpy(initrd_at, b->initrd, b->initrd_size);
    bool el2 = a64_entry_el == 2;
    app_printf(a, "boot: kernel at 0x%llx, initrd at 0x%llx, device tree at 0x%llx", (unsigned long long)(uintptr_t)image,
               (unsigned long long)(uintptr_t)initrd_at, (unsigned long long)(uintptr_t)dtb_at);
    if (b->dtb_path) {
        app_printf(a, " (from ");
        app_write_escaped(a, b->dtb_path, strlen(b->dtb_path));
        app_printf(a, ")");
    }
    app_printf(a, ", entering it at EL%d\n", el2 ? 2 : 1);
    /* Reset every virtio-fs device so the kernel's driver finds it clean. */
    vfs_umount_all(&a->vfs);
    a64_clean_to_poc(image, image_size);
    a64_clean_to_poc(dtb_at, dtb_size);
    if (initrd_at)
        a64_clean_to_poc(initrd_at, b->initrd_size);
    a64_linux_jump((uint64_t)(uintptr_t)image, (uint64_t)(uintptr_t)dtb_at, el2);

out:
    if (base)
        page_free(base, kernel_pages);
    if (initrd_at)
        page_free(initrd_at, pages_of(b->initrd_size));
    if (dtb_at)
        page_free(dtb_at, dtb_pages);
    a->port->free(a->port->ctx, b->kernel);
    a->port->free(a->port->ctx, b->initrd);
    a->port->free(a->port->ctx, b->dtb);
    b->kernel = b->initrd = b->dtb = NULL;
    return err;
}
