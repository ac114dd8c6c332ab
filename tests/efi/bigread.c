/* SPDX-License-Identifier: BSD-2-Clause */
/* A test program for the UEFI driver's large Read with a stalled daemon
 * (test_efi_driver.py): on the volume it was loaded from it opens \big.bin
 * and reads 4 KiB (the file's handle now open on the host), says
 * "bigread: ready", waits 3 s (the test stops the daemon meanwhile), then
 * reads 4 MiB from 1 MiB on (a direct Read: nothing read ahead there) and
 * says "bigread: status 0x..." with the Read's EFI status. */
#include <efi.h>

#define MIB (1024u * 1024u)

static void say(EFI_SYSTEM_TABLE *st, const char *s)
{
    CHAR16 buf[80];
    UINTN n = 0;
    for (; *s && n < 77; s++) {
        if (*s == '\n')
            buf[n++] = '\r';
        buf[n++] = (CHAR16)(unsigned char)*s;
    }
    buf[n] = 0;
    st->ConOut->OutputString(st->ConOut, buf);
}

static void say_status(EFI_SYSTEM_TABLE *st, EFI_STATUS s)
{
    char line[40] = "bigread: status 0x";
    char *p = line + 18;
    for (int shift = 60; shift >= 0; shift -= 4)
        *p++ = "0123456789abcdef"[(s >> shift) & 15];
    *p++ = '\n';
    *p = 0;
    say(st, line);
}

/* gnu-efi's crt0 calls it with the System V convention: no EFIAPI. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
    EFI_BOOT_SERVICES *bs = st->BootServices;
    EFI_GUID li_guid = LOADED_IMAGE_PROTOCOL, fs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;
    EFI_LOADED_IMAGE *li = NULL;
    EFI_FILE_IO_INTERFACE *fs = NULL;
    EFI_FILE *root = NULL, *f = NULL;
    void *buf = NULL;
    UINTN n = 4096;
    if (EFI_ERROR(bs->HandleProtocol(image, &li_guid, (void **)&li)) ||
        EFI_ERROR(bs->HandleProtocol(li->DeviceHandle, &fs_guid, (void **)&fs)) ||
        EFI_ERROR(fs->OpenVolume(fs, &root)) ||
        EFI_ERROR(root->Open(root, &f, L"\\big.bin", EFI_FILE_MODE_READ, 0)) ||
        EFI_ERROR(bs->AllocatePool(EfiLoaderData, 4 * MIB, &buf)) || EFI_ERROR(f->Read(f, &n, buf))) {
        say(st, "bigread: cannot open and read \\big.bin\n");
        return EFI_LOAD_ERROR;
    }
    say(st, "bigread: ready\n");
    bs->Stall(3000000);
    n = 4 * MIB;
    f->SetPosition(f, MIB);
    say_status(st, f->Read(f, &n, buf));
    f->Close(f); /* a handle of a volume gone still closes */
    root->Close(root);
    bs->FreePool(buf);
    return EFI_SUCCESS;
}
