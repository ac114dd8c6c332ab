/* SPDX-License-Identifier: BSD-2-Clause */
/* A test program for GRUB's chainloader (test_grub_efi.py): reads \proof.txt
 * from the device it was loaded from through the firmware's own
 * EFI_SIMPLE_FILE_SYSTEM_PROTOCOL (OVMF's VirtioFsDxe, on a share), prints
 * it, and ends the machine through isa-debug-exit: status 0 when it read the
 * file, 1 when it could not. */
#include <efi.h>

#define DEBUG_EXIT_PORT 0xf4

static void say(EFI_SYSTEM_TABLE *st, const char *s, UINTN len)
{
    CHAR16 buf[130];
    UINTN n = 0;
    for (UINTN i = 0; i < len; i++) {
        if (s[i] == '\n')
            buf[n++] = '\r';
        buf[n++] = (CHAR16)(unsigned char)s[i];
        if (n >= 126 || i + 1 == len) {
            buf[n] = 0;
            st->ConOut->OutputString(st->ConOut, buf);
            n = 0;
        }
    }
}

static int read_proof(EFI_HANDLE image, EFI_BOOT_SERVICES *bs, char *buf, UINTN *len)
{
    EFI_GUID li_guid = LOADED_IMAGE_PROTOCOL, fs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;
    EFI_LOADED_IMAGE *li = NULL;
    EFI_FILE_IO_INTERFACE *fs = NULL;
    EFI_FILE *root = NULL, *f = NULL;
    if (EFI_ERROR(bs->HandleProtocol(image, &li_guid, (void **)&li)) ||
        EFI_ERROR(bs->HandleProtocol(li->DeviceHandle, &fs_guid, (void **)&fs)) ||
        EFI_ERROR(fs->OpenVolume(fs, &root)))
        return 1;
    int bad = EFI_ERROR(root->Open(root, &f, L"\\proof.txt", EFI_FILE_MODE_READ, 0)) ||
              EFI_ERROR(f->Read(f, len, buf));
    if (f)
        f->Close(f);
    root->Close(root);
    return bad;
}

/* gnu-efi's crt0 calls it with the System V convention: no EFIAPI. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
    char buf[128];
    UINTN len = sizeof(buf);
    say(st, "readself: start\n", 16);
    int status = read_proof(image, st->BootServices, buf, &len);
    if (status == 0)
        say(st, buf, len);
    else
        say(st, "readself: cannot read \\proof.txt\n", 33);
    __asm__ volatile("outl %0, %1" : : "a"((uint32_t)status), "Nd"((uint16_t)DEBUG_EXIT_PORT));
    return EFI_SUCCESS;
}
