/* SPDX-License-Identifier: BSD-2-Clause */
/* Pool memory with freed blocks kept for reuse (efi_kept.h). */
#include <stdint.h>

#include "efi_kept.h"

/* Each block starts with its size class (16 bytes, keeping the pool's
 * 8-byte alignment); a class >= the kept ones: not kept. */
struct block_head {
    uint64_t cls;
    uint64_t pad;
};

static unsigned classes(const struct efi_kept *k)
{
    return k->max_class ? k->max_class : EFI_KEPT_CLASSES;
}

void *efi_kept_alloc(struct efi_kept *k, EFI_BOOT_SERVICES *bs, EFI_MEMORY_TYPE type, size_t size)
{
    struct block_head *h = NULL;
    if (size > SIZE_MAX - sizeof(*h))
        return NULL;
    unsigned c = 0, top = classes(k);
    while (c < top && (EFI_KEPT_MIN << c) < size + sizeof(*h))
        c++;
    if (c < top && k->cls[c].n)
        h = k->cls[c].blocks[--k->cls[c].n];
    else if (EFI_ERROR(bs->AllocatePool(type, c < top ? EFI_KEPT_MIN << c : size + sizeof(*h), (void **)&h)))
        return NULL;
    h->cls = c;
    return h + 1;
}

void efi_kept_free(struct efi_kept *k, EFI_BOOT_SERVICES *bs, void *p)
{
    if (!p)
        return;
    struct block_head *h = (struct block_head *)p - 1;
    if (h->cls < classes(k) && !k->off && k->cls[h->cls].n < EFI_KEPT_DEPTH)
        k->cls[h->cls].blocks[k->cls[h->cls].n++] = h;
    else
        bs->FreePool(h);
}

void efi_kept_drop(struct efi_kept *k, EFI_BOOT_SERVICES *bs)
{
    k->off = true;
    for (unsigned c = 0; c < EFI_KEPT_CLASSES; c++)
        while (k->cls[c].n)
            bs->FreePool(k->cls[c].blocks[--k->cls[c].n]);
}
