/* SPDX-License-Identifier: BSD-2-Clause */
/* Pool memory with freed blocks kept for reuse.  OVMF's pool serves 4 KiB
 * and more from pages, and gives a pool page back as soon as its last block
 * is free: a memory-map update each way, which under TCG dominated a cached
 * stat through the UEFI driver (a path walk takes an 8 KiB buffer, and an
 * Open + Close of a handle can empty a pool page every time).  Blocks up to
 * 256 << (EFI_KEPT_CLASSES - 1) bytes are rounded up to a power of two and up
 * to EFI_KEPT_DEPTH of each size are kept when freed. */
#ifndef EFI_KEPT_H
#define EFI_KEPT_H

#include <efi.h>
#include <stdbool.h>
#include <stddef.h>

#define EFI_KEPT_MIN 256u
#define EFI_KEPT_CLASSES 8
#define EFI_KEPT_DEPTH 4

struct efi_kept {
    struct {
        void *blocks[EFI_KEPT_DEPTH];
        unsigned n;
    } cls[EFI_KEPT_CLASSES];
    unsigned max_class;     /* classes kept: < max_class (0: EFI_KEPT_CLASSES) */
    bool off;               /* efi_kept_drop ran: every block goes straight back */
};

/* size bytes (8-byte aligned) of pool memory of type, or NULL. */
void *efi_kept_alloc(struct efi_kept *k, EFI_BOOT_SERVICES *bs, EFI_MEMORY_TYPE type, size_t size);
/* p from efi_kept_alloc of the same k, or NULL. */
void efi_kept_free(struct efi_kept *k, EFI_BOOT_SERVICES *bs, void *p);
/* Gives every kept block back; later frees go straight to the pool. */
void efi_kept_drop(struct efi_kept *k, EFI_BOOT_SERVICES *bs);

#endif
