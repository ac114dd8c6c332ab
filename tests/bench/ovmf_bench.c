/* SPDX-License-Identifier: BSD-2-Clause */
/* The OVMF peer of `make bench`: W1..W3 of SPEC §6 through the firmware's
 * own virtio-fs driver (VirtioFsDxe) and EFI_SIMPLE_FILE_SYSTEM_PROTOCOL,
 * printing the lines the vioshare guest prints.  "stat" is Open + GetInfo
 * + Close, the firmware's only way to ask for a file's attributes.  Run by
 * tools/bench from the UEFI shell after `connect -r` (and, for vioshare's
 * own driver, after loading build/vioshare-fs.efi); the share is the volume
 * that holds big.bin and small\, and the line "ovmf_bench: driver=NAME" says
 * whose volume it is.  The status leaves through isa-debug-exit. */
#include <efi.h>
#include <stdint.h>

#define MIB (1u << 20)
#define SMALL_FILES 1000
#define STAT_OPS 10000
#define DEBUG_EXIT_PORT 0xf4

static EFI_SYSTEM_TABLE *st;
static uint64_t tsc_hz;
static EFI_GUID sfs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static EFI_GUID info_guid = EFI_FILE_INFO_ID;

/* The compiler may emit calls to these for struct copies. */
void *memset(void *d, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);
void *memset(void *d, int c, unsigned long n)
{
    unsigned char *p = d;
    while (n--)
        *p++ = (unsigned char)c;
    return d;
}
void *memcpy(void *d, const void *s, unsigned long n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static uint64_t now_ns(void)
{
    return rdtsc() * 1000 / (tsc_hz / 1000000);
}

/* ASCII to the console. */
static void puts8(const char *s)
{
    CHAR16 buf[128];
    unsigned n = 0;
    for (; *s; s++) {
        if (*s == '\n')
            buf[n++] = '\r';
        buf[n++] = (CHAR16)*s;
        if (n >= 120) {
            buf[n] = 0;
            st->ConOut->OutputString(st->ConOut, buf);
            n = 0;
        }
    }
    buf[n] = 0;
    st->ConOut->OutputString(st->ConOut, buf);
}

static char *put_u64(char *p, uint64_t v, int width, int base)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n < width)
        tmp[n++] = '0';
    while (n)
        *p++ = tmp[--n];
    return p;
}

static char *put_str(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

/* " secs=S NAME=X" as the guest prints it. */
static char *put_rate(char *p, uint64_t ns, uint64_t count, uint64_t unit, const char *name)
{
    uint64_t ms = ns / 1000000, us = ns / 1000 ? ns / 1000 : 1;
    uint64_t tenths = count * 10000000ull / us / unit;
    p = put_str(p, " secs=");
    p = put_u64(p, ms / 1000, 1, 10);
    *p++ = '.';
    p = put_u64(p, ms % 1000, 3, 10);
    *p++ = ' ';
    p = put_str(p, name);
    *p++ = '=';
    p = put_u64(p, tenths / 10, 1, 10);
    *p++ = '.';
    return put_u64(p, tenths % 10, 1, 10);
}

static void fail(const char *what, int status)
{
    puts8("ovmf_bench: ");
    puts8(what);
    puts8("\n");
    __asm__ volatile("outl %0, %1" : : "a"((uint32_t)status), "Nd"((uint16_t)DEBUG_EXIT_PORT));
}

/* L"small\\f%05u" into name. */
static void small_name(CHAR16 *name, unsigned i)
{
    const char *pre = "small\\f";
    unsigned n = 0;
    while (*pre)
        name[n++] = (CHAR16)*pre++;
    for (int d = 4; d >= 0; d--) {
        unsigned div = 1;
        for (int k = 0; k < d; k++)
            div *= 10;
        name[n++] = (CHAR16)('0' + i / div % 10);
    }
    name[n] = 0;
}

static int w1(EFI_FILE_PROTOCOL *root, uint8_t *buf)
{
    EFI_FILE_PROTOCOL *f;
    uint64_t t0 = now_ns(), total = 0;
    if (root->Open(root, &f, L"big.bin", EFI_FILE_MODE_READ, 0) != EFI_SUCCESS)
        return -1;
    for (;;) {
        UINTN n = MIB;
        if (f->Read(f, &n, buf) != EFI_SUCCESS) {
            f->Close(f);
            return -1;
        }
        if (n == 0)
            break;
        total += n;
    }
    f->Close(f);
    char line[160], *p = put_str(line, "W1 seqread bytes=");
    p = put_u64(p, total, 1, 10);
    p = put_rate(p, now_ns() - t0, total, 1000000, "MBps");
    *p++ = '\n';
    *p = 0;
    puts8(line);
    return 0;
}

static int w2(EFI_FILE_PROTOCOL *root, uint8_t *buf)
{
    uint64_t hash = 0xcbf29ce484222325ull, bytes = 0, t0 = now_ns();
    CHAR16 name[32];
    for (unsigned i = 0; i < SMALL_FILES; i++) {
        EFI_FILE_PROTOCOL *f;
        small_name(name, i);
        if (root->Open(root, &f, name, EFI_FILE_MODE_READ, 0) != EFI_SUCCESS)
            return -1;
        for (;;) {
            UINTN n = MIB;
            if (f->Read(f, &n, buf) != EFI_SUCCESS) {
                f->Close(f);
                return -1;
            }
            if (n == 0)
                break;
            for (UINTN k = 0; k < n; k++)
                hash = (hash ^ buf[k]) * 0x100000001b3ull;
            bytes += n;
        }
        f->Close(f);
    }
    char line[200], *p = put_str(line, "W2 smallfiles files=1000 bytes=");
    p = put_u64(p, bytes, 1, 10);
    p = put_rate(p, now_ns() - t0, SMALL_FILES, 1, "files_per_s");
    p = put_str(p, " hash=");
    p = put_u64(p, hash, 16, 16);
    *p++ = '\n';
    *p = 0;
    puts8(line);
    return 0;
}

static int w3(EFI_FILE_PROTOCOL *root, uint8_t *buf)
{
    uint64_t t0 = now_ns();
    CHAR16 name[32];
    for (unsigned i = 0; i < STAT_OPS; i++) {
        EFI_FILE_PROTOCOL *f;
        small_name(name, i % SMALL_FILES);
        if (root->Open(root, &f, name, EFI_FILE_MODE_READ, 0) != EFI_SUCCESS)
            return -1;
        UINTN n = 4096;
        EFI_STATUS s = f->GetInfo(f, &info_guid, &n, buf);
        f->Close(f);
        if (s != EFI_SUCCESS)
            return -1;
    }
    char line[160], *p = put_str(line, "W3 stat ops=10000");
    p = put_rate(p, now_ns() - t0, STAT_OPS, 1, "ops_per_s");
    *p++ = '\n';
    *p = 0;
    puts8(line);
    return 0;
}

/* The vendor node vioshare-fs.efi ends its volumes' device paths with. */
static EFI_GUID vioshare_node = {0x7a3c1d52, 0x9b4e, 0x4f06, {0x8d, 0x21, 0x5e, 0x6f, 0x90, 0x3b, 0xa4, 0xc7}};
static EFI_GUID path_guid = EFI_DEVICE_PATH_PROTOCOL_GUID;

static int same_guid(const EFI_GUID *a, const EFI_GUID *b)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    for (unsigned i = 0; i < sizeof(*a); i++)
        if (p[i] != q[i])
            return 0;
    return 1;
}

/* Which driver gives the volume: its device path ends in vioshare's vendor
 * node, or it is the firmware's (VirtioFsDxe). */
static const char *driver_of(EFI_HANDLE h)
{
    EFI_DEVICE_PATH *n;
    if (st->BootServices->HandleProtocol(h, &path_guid, (void **)&n) != EFI_SUCCESS)
        return "unknown";
    while (!(n->Type == END_DEVICE_PATH_TYPE && n->SubType == END_ENTIRE_DEVICE_PATH_SUBTYPE)) {
        unsigned len = n->Length[0] | n->Length[1] << 8;
        if (len < sizeof(*n))
            return "unknown";
        if (n->Type == MEDIA_DEVICE_PATH && n->SubType == MEDIA_VENDOR_DP &&
            same_guid(&((VENDOR_DEVICE_PATH *)n)->Guid, &vioshare_node))
            return "vioshare-fs";
        n = (EFI_DEVICE_PATH *)((unsigned char *)n + len);
    }
    return "firmware";
}

/* Among the mapped file systems, the one holding big.bin; says whose it is. */
static EFI_FILE_PROTOCOL *find_share(void)
{
    UINTN count = 0;
    EFI_HANDLE *handles = 0;
    if (st->BootServices->LocateHandleBuffer(ByProtocol, &sfs_guid, 0, &count, &handles) != EFI_SUCCESS)
        return 0;
    EFI_FILE_PROTOCOL *found = 0;
    for (UINTN i = 0; i < count && !found; i++) {
        EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *sfs;
        EFI_FILE_PROTOCOL *root, *f;
        if (st->BootServices->HandleProtocol(handles[i], &sfs_guid, (void **)&sfs) != EFI_SUCCESS ||
            sfs->OpenVolume(sfs, &root) != EFI_SUCCESS)
            continue;
        if (root->Open(root, &f, L"big.bin", EFI_FILE_MODE_READ, 0) == EFI_SUCCESS) {
            f->Close(f);
            found = root;
            puts8("ovmf_bench: driver=");
            puts8(driver_of(handles[i]));
            puts8("\n");
        } else {
            root->Close(root);
        }
    }
    st->BootServices->FreePool(handles);
    return found;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
    (void)image;
    st = systab;
    st->BootServices->SetWatchdogTimer(0, 0, 0, 0);
    uint64_t t0 = rdtsc();
    st->BootServices->Stall(20000);
    tsc_hz = (rdtsc() - t0) * 50;
    uint8_t *buf;
    if (st->BootServices->AllocatePool(EfiLoaderData, MIB, (void **)&buf) != EFI_SUCCESS) {
        fail("out of memory", 1);
        return EFI_OUT_OF_RESOURCES;
    }
    EFI_FILE_PROTOCOL *root = find_share();
    if (!root) {
        fail("no file system with big.bin (did the shell run connect -r?)", 1);
        return EFI_NOT_FOUND;
    }
    if (w1(root, buf) || w2(root, buf) || w3(root, buf)) {
        fail("a file operation failed", 1);
        return EFI_DEVICE_ERROR;
    }
    root->Close(root);
    fail("done", 0);
    return EFI_SUCCESS;
}
