/* SPDX-License-Identifier: BSD-2-Clause */
/* The removable-media path of an EFI loader, /EFI/BOOT/BOOTX64.EFI
 * (BOOTAA64.EFI on AArch64), where the program can start EFI programs. */
#include "finder.h"
#include "vs_errno.h"

#if defined(__aarch64__)
#define EFI_FALLBACK "/EFI/BOOT/BOOTAA64.EFI"
#else
#define EFI_FALLBACK "/EFI/BOOT/BOOTX64.EFI"
#endif

/* The removable-media loader (GRUB, shim, systemd-boot...): only where an
 * EFI program can be started. */
static void efi_fallback(struct finder *f, const char *root)
{
    struct boot_entry *e = finder_slot(f);
    if (!f->a->chain || finder_in_share(f, root, EFI_FALLBACK, f->resolved) || !finder_is_regular(f->a, f->resolved))
        return;
    f->file = f->resolved;
    vs_memset(e, 0, sizeof(*e));
    e->kind = BE_EFI;
    be_copy(e->efi, sizeof(e->efi), f->resolved, vs_strlen(f->resolved));
    vs_snprintf(e->title, sizeof(e->title), "EFI loader %s", EFI_FALLBACK + 10);
    be_copy(e->id, sizeof(e->id), EFI_FALLBACK + 10, vs_strlen(EFI_FALLBACK + 10));
    finder_add(f, e, root);
}

static bool find(struct finder *f, const struct vfs_mount_info *mi)
{
    size_t before = f->pick.offered;
    efi_fallback(f, mi->path);
    return f->pick.offered > before;
}

const struct entry_method entry_method_efi = {find, false};
