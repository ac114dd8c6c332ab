/* SPDX-License-Identifier: BSD-2-Clause */
/* The UEFI driver's EFI_FILE_PROTOCOL (boot/efi-driver: file.c, info.c,
 * names.c, status.c, pool.c) on the host, over the simulated device and its
 * in-memory FUSE server: Open in each mode, relative to a directory and to a
 * file (from the file's directory, as FAT does), `..` never above the root,
 * symlinks, Read of files and of directories as EFI_FILE_INFO records (a
 * record that does not fit stays for the next call), Write, positions,
 * Delete, Flush, GetInfo and SetInfo (rename, size, read-only), UCS-2 names,
 * cached attributes at the end of a file.
 * The firmware's boot services are three host functions (pool memory and
 * SignalEvent).  Each case ends with simenv's checks (no leak, every lookup
 * and handle given back). */
#include <stdlib.h>
#include <string.h>

#include "simenv.h"
#include "vsfs.h"

static EFI_STATUS EFIAPI host_allocate_pool(EFI_MEMORY_TYPE type, UINTN size, VOID **p)
{
    (void)type;
    *p = malloc(size);
    return *p ? EFI_SUCCESS : EFI_OUT_OF_RESOURCES;
}

static EFI_STATUS EFIAPI host_free_pool(VOID *p)
{
    free(p);
    return EFI_SUCCESS;
}

static unsigned signalled;
static EFI_STATUS EFIAPI host_signal_event(EFI_EVENT ev)
{
    (void)ev;
    signalled++;
    return EFI_SUCCESS;
}

static EFI_BOOT_SERVICES boot_services;
static EFI_SYSTEM_TABLE system_table;
static CHAR16 label[] = L"simtag";

/* The volume the driver would make: the sim device mounted at VSFS_MOUNT. */
static struct vsfs_volume vol;

/* The function's PciIo as a direct Read uses it.  Map: the buffer itself
 * (the default), a bounce buffer the device is told to write instead
 * (Unmap copies it back, so the caller sees only what the device wrote
 * there), a mapping shorter than asked, or a failure.  Attributes: turning
 * bus mastering off stops the simulated device's memory accesses. */
enum map_mode { MAP_IDENTITY, MAP_BOUNCE, MAP_SHORT, MAP_FAIL };
#define BOUNCE_FILL 0xa5
static struct {
    EFI_PCI_IO_PROTOCOL io;
    struct simdev *d;
    enum map_mode mode;
    unsigned maps, unmaps, bus_master_offs;
    uint8_t *bounce, *host;
    size_t len;
    unsigned long resets_at_unmap;   /* the device's resets when the buffer went back */
    bool bus_master_off_at_unmap;
} pci;

static EFI_STATUS EFIAPI pci_map(EFI_PCI_IO_PROTOCOL *io, EFI_PCI_IO_PROTOCOL_OPERATION op, VOID *host, UINTN *n,
                                 EFI_PHYSICAL_ADDRESS *dev, VOID **mapping)
{
    (void)io;
    if (op != EfiPciIoOperationBusMasterWrite || pci.mode == MAP_FAIL)
        return EFI_UNSUPPORTED;
    pci.maps++;
    pci.host = host;
    pci.len = *n;
    *mapping = &pci;
    *dev = (EFI_PHYSICAL_ADDRESS)(uintptr_t)host;
    if (pci.mode == MAP_SHORT)
        *n /= 2;
    if (pci.mode == MAP_BOUNCE) {
        pci.bounce = malloc(*n);
        if (!pci.bounce)
            return EFI_OUT_OF_RESOURCES;
        memset(pci.bounce, BOUNCE_FILL, *n);
        *dev = (EFI_PHYSICAL_ADDRESS)(uintptr_t)pci.bounce;
    }
    return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI pci_unmap(EFI_PCI_IO_PROTOCOL *io, VOID *mapping)
{
    (void)io;
    (void)mapping;
    pci.unmaps++;
    pci.resets_at_unmap = pci.d->resets;
    pci.bus_master_off_at_unmap = pci.d->bus_master_off;
    if (pci.bounce)
        memcpy(pci.host, pci.bounce, pci.len);
    free(pci.bounce);
    pci.bounce = NULL;
    return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI pci_attributes(EFI_PCI_IO_PROTOCOL *io, EFI_PCI_IO_PROTOCOL_ATTRIBUTE_OPERATION op,
                                        UINT64 attrs, UINT64 *result)
{
    (void)io;
    (void)result;
    if (op == EfiPciIoAttributeOperationDisable && (attrs & EFI_PCI_IO_ATTRIBUTE_BUS_MASTER)) {
        pci.bus_master_offs++;
        pci.d->bus_master_off = true;
    }
    return EFI_SUCCESS;
}

static bool up_timeout(struct env *e, EFI_FILE_PROTOCOL **root, unsigned timeout_s)
{
    env_init(e);
    boot_services.AllocatePool = host_allocate_pool;
    boot_services.FreePool = host_free_pool;
    boot_services.SignalEvent = host_signal_event;
    system_table.BootServices = &boot_services;
    vsfs_st = &system_table;
    memset(&vol, 0, sizeof(vol));
    vol.label = label;
    vol.sfs.OpenVolume = vsfs_open_volume;
    memset(&pci, 0, sizeof(pci));
    pci.io.Map = pci_map;
    pci.io.Unmap = pci_unmap;
    pci.io.Attributes = pci_attributes;
    pci.d = &e->d;
    vol.io = &pci.io;
    vfs_init(&vol.vfs, vsfs_window_port(&vol.window, &e->hp.port));
    struct vfs_mount_opts opts = {.chroot = true, .timeout_s = timeout_s};
    int err = vfs_mount(&vol.vfs, &e->d.tr, VSFS_MOUNT, &opts);
    REQUIRE(err == 0, "vfs_mount = %d", err);
    EFI_STATUS s = vol.sfs.OpenVolume(&vol.sfs, root);
    REQUIRE(s == EFI_SUCCESS, "OpenVolume = %#lx", (unsigned long)s);
    return true;
}

static bool up(struct env *e, EFI_FILE_PROTOCOL **root)
{
    return up_timeout(e, root, 5);
}

static bool down(struct env *e, EFI_FILE_PROTOCOL *root, bool ok)
{
    if (root)
        root->Close(root);
    if (vol.open_files) {
        printf("# %u file handles still open\n", vol.open_files);
        ok = false;
    }
    vsfs_stage_free(&vol);
    vfs_umount_all(&vol.vfs);
    return env_down(e, ok);
}

#define ST_IS(got, want, what)                                                                                  \
    REQUIRE((got) == (want), "%s = %#lx, want %#lx", what, (unsigned long)(got), (unsigned long)(want))

static EFI_STATUS open_at(EFI_FILE_PROTOCOL *at, const CHAR16 *name, UINT64 mode, UINT64 attrs,
                          EFI_FILE_PROTOCOL **out)
{
    *out = NULL;
    return at->Open(at, out, (CHAR16 *)name, mode, attrs);
}

/* Opens name read-only from at and compares the whole content with want. */
static bool reads(EFI_FILE_PROTOCOL *at, const CHAR16 *name, const char *want)
{
    EFI_FILE_PROTOCOL *f;
    ST_IS(open_at(at, name, EFI_FILE_MODE_READ, 0, &f), EFI_SUCCESS, "Open");
    char buf[256];
    UINTN n = sizeof(buf);
    EFI_STATUS s = f->Read(f, &n, buf);
    f->Close(f);
    ST_IS(s, EFI_SUCCESS, "Read");
    REQUIRE(n == strlen(want) && memcmp(buf, want, n) == 0, "read %.*s, want %s", (int)n, buf, want);
    return true;
}

static const char *HELLO = "Hello, vioshare!\n";

/* ---- files ---------------------------------------------------------------- */

static bool t_read_positions(struct env *e)
{
    EFI_FILE_PROTOCOL *root, *f;
    if (!up(e, &root))
        return false;
    /* Open + GetInfo + Close of a reader: no OPEN, no RELEASE (its fd waits for a Read). */
    ST_IS(open_at(root, L"page.bin", EFI_FILE_MODE_READ, 0, &f), EFI_SUCCESS, "Open page.bin");
    union {
        EFI_FILE_INFO fi;
        char raw[256];
    } u;
    UINTN size = sizeof(u);
    ST_IS(f->GetInfo(f, &vsfs_guid_file_info, &size, &u), EFI_SUCCESS, "GetInfo");
    f->Close(f);
    REQUIRE(u.fi.FileSize == 4096 && e->fs.ops[FUSE_OPEN] == 0 && e->fs.ops[FUSE_RELEASE] == 0,
            "size %llu, %lu OPEN, %lu RELEASE", (unsigned long long)u.fi.FileSize, e->fs.ops[FUSE_OPEN],
            e->fs.ops[FUSE_RELEASE]);
    ST_IS(open_at(root, L"hello.txt", EFI_FILE_MODE_READ, 0, &f), EFI_SUCCESS, "Open");
    char buf[8];
    UINTN n = 5;
    ST_IS(f->Read(f, &n, buf), EFI_SUCCESS, "Read 5");
    REQUIRE(n == 5 && memcmp(buf, "Hello", 5) == 0, "first 5 bytes %.*s", (int)n, buf);
    UINT64 pos;
    ST_IS(f->GetPosition(f, &pos), EFI_SUCCESS, "GetPosition");
    REQUIRE(pos == 5, "position %llu", (unsigned long long)pos);
    ST_IS(f->SetPosition(f, ~(UINT64)0), EFI_SUCCESS, "SetPosition(end)");
    f->GetPosition(f, &pos);
    REQUIRE(pos == strlen(HELLO), "end position %llu", (unsigned long long)pos);
    n = sizeof(buf);
    ST_IS(f->Read(f, &n, buf), EFI_SUCCESS, "Read at the end");
    REQUIRE(n == 0, "%lu bytes at the end", (unsigned long)n);
    f->SetPosition(f, 1000);
    n = sizeof(buf);
    ST_IS(f->Read(f, &n, buf), EFI_DEVICE_ERROR, "Read past the end");
    n = 1;
    ST_IS(f->Write(f, &n, buf), EFI_ACCESS_DENIED, "Write to a read-only handle");
    ST_IS(f->Flush(f), EFI_ACCESS_DENIED, "Flush of a read-only handle");
    f->Close(f);
    /* Larger than the staging buffer, whole and from an odd position. */
    const struct simfs_node *huge = simfs_find(&e->fs, "huge.bin");
    uint8_t *big = malloc(4u << 20);
    REQUIRE(huge && big, "huge.bin or memory");
    ST_IS(open_at(root, L"huge.bin", EFI_FILE_MODE_READ, 0, &f), EFI_SUCCESS, "Open huge.bin");
    bool same = true;
    for (UINT64 at = 0; at < 2 && same; at++) {
        UINT64 from = at ? (1u << 20) - 3 : 0;
        f->SetPosition(f, from);
        n = 4u << 20;
        if (f->Read(f, &n, big) != EFI_SUCCESS || n != SIMFS_HUGE_SIZE - from)
            same = false;
        for (UINTN k = 0; same && k < n; k++)
            same = big[k] == simfs_byte(huge, from + k);
    }
    f->Close(f);
    free(big);
    REQUIRE(same, "huge.bin read wrong (%lu bytes)", (unsigned long)n);
    ST_IS(open_at(root, L"hello.txt", EFI_FILE_MODE_WRITE, 0, &f), EFI_INVALID_PARAMETER, "Open(WRITE alone)");
    ST_IS(open_at(root, L"nothing", EFI_FILE_MODE_READ, 0, &f), EFI_NOT_FOUND, "Open of a missing name");
    return down(e, root, true);
}

/* Attributes still valid answer a Read at the end and SetPosition(end)
 * without a GETATTR; after a Write they are asked for again. */
static bool t_cached_attrs(struct env *e)
{
    EFI_FILE_PROTOCOL *root, *f;
    if (!up(e, &root))
        return false;
    ST_IS(open_at(root, L"hello.txt", EFI_FILE_MODE_READ, 0, &f), EFI_SUCCESS, "Open");
    char buf[64];
    UINTN n = sizeof(buf);
    ST_IS(f->Read(f, &n, buf), EFI_SUCCESS, "Read");
    REQUIRE(n == strlen(HELLO), "%lu bytes read", (unsigned long)n);
    unsigned long getattrs = e->fs.ops[FUSE_GETATTR];
    n = sizeof(buf);
    ST_IS(f->Read(f, &n, buf), EFI_SUCCESS, "Read at the end");
    UINT64 pos = 0;
    ST_IS(f->SetPosition(f, ~(UINT64)0), EFI_SUCCESS, "SetPosition(end)");
    f->GetPosition(f, &pos);
    REQUIRE(n == 0 && pos == strlen(HELLO) && e->fs.ops[FUSE_GETATTR] == getattrs,
            "%lu bytes at the end, end position %llu, %lu GETATTR", (unsigned long)n, (unsigned long long)pos,
            e->fs.ops[FUSE_GETATTR] - getattrs);
    f->Close(f);
    ST_IS(open_at(root, L"hello.txt", EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE, 0, &f), EFI_SUCCESS,
          "Open read-write");
    f->SetPosition(f, strlen(HELLO));
    n = 3;
    ST_IS(f->Write(f, &n, "abc"), EFI_SUCCESS, "Write at the end");
    getattrs = e->fs.ops[FUSE_GETATTR];
    ST_IS(f->SetPosition(f, ~(UINT64)0), EFI_SUCCESS, "SetPosition(end) after the Write");
    f->GetPosition(f, &pos);
    REQUIRE(pos == strlen(HELLO) + 3 && e->fs.ops[FUSE_GETATTR] > getattrs,
            "end position %llu after the Write, %lu GETATTR", (unsigned long long)pos,
            e->fs.ops[FUSE_GETATTR] - getattrs);
    f->Close(f);
    return down(e, root, true);
}

/* From a file handle a relative name starts in the file's directory (FAT's
 * way, which shim's fallback relies on); `..` stops at the root. */
static bool t_relative_names(struct env *e)
{
    EFI_FILE_PROTOCOL *root, *f, *d;
    if (!up(e, &root))
        return false;
    ST_IS(open_at(root, L"dir\\inner.txt", EFI_FILE_MODE_READ, 0, &f), EFI_SUCCESS, "Open dir\\inner.txt");
    bool ok = reads(f, L"sub\\..\\inner.txt", "inner\n") && reads(f, L"..\\hello.txt", HELLO) &&
              reads(f, L"\\hello.txt", HELLO) && reads(f, L"/dir/./inner.txt", "inner\n");
    f->Close(f);
    CHECK(ok);
    ST_IS(open_at(root, L"dir", EFI_FILE_MODE_READ, 0, &d), EFI_SUCCESS, "Open dir");
    ok = reads(d, L"inner.txt", "inner\n") && reads(root, L"..\\..\\hello.txt", HELLO) &&
         reads(root, L"\\..\\dir\\..\\..\\dir\\inner.txt", "inner\n") && reads(d, L"..\\..\\..\\hello.txt", HELLO);
    d->Close(d);
    CHECK(ok);
    return down(e, root, true);
}

static bool t_symlinks(struct env *e)
{
    EFI_FILE_PROTOCOL *root, *f;
    if (!up(e, &root))
        return false;
    CHECK(reads(root, L"link-rel", HELLO));
    CHECK(reads(root, L"dir\\up", HELLO));
    CHECK(reads(root, L"link-dir\\inner.txt", "inner\n"));
    CHECK(reads(root, L"escape", HELLO)); /* ../../../../hello.txt: never above the root */
    ST_IS(open_at(root, L"link-dangling", EFI_FILE_MODE_READ, 0, &f), EFI_NOT_FOUND, "a dangling symlink");
    ST_IS(open_at(root, L"loop-a", EFI_FILE_MODE_READ, 0, &f), EFI_NOT_FOUND, "a symlink loop (ELOOP)");
    return down(e, root, true);
}

/* ---- directories ------------------------------------------------------------ */

/* Reads every entry of dir into names (one UTF-8-free ASCII name each). */
static int list(EFI_FILE_PROTOCOL *dir, char names[][32], int max)
{
    int n = 0;
    for (;;) {
        union {
            EFI_FILE_INFO fi;
            char raw[1024]; /* room for a 255-unit name */
        } u;
        UINTN size = sizeof(u);
        if (dir->Read(dir, &size, &u) != EFI_SUCCESS)
            return -1;
        if (size == 0)
            return n;
        if (n == max)
            return -1;
        const CHAR16 *name = u.fi.FileName; /* FileName[1]: the record's variable tail */
        int k = 0;
        for (; name[k] && k < 31; k++)
            names[n][k] = (char)name[k];
        names[n][k] = 0;
        n++;
    }
}

static bool has(char names[][32], int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return true;
    return false;
}

static bool t_read_dir(struct env *e)
{
    EFI_FILE_PROTOCOL *root, *d;
    if (!up(e, &root))
        return false;
    ST_IS(open_at(root, L"dir", EFI_FILE_MODE_READ, 0, &d), EFI_SUCCESS, "Open dir");
    /* A record that does not fit: its size, and the same entry next time. */
    UINTN size = SIZE_OF_EFI_FILE_INFO;
    char raw[512];
    ST_IS(d->Read(d, &size, raw), EFI_BUFFER_TOO_SMALL, "Read into too small a buffer");
    REQUIRE(size > SIZE_OF_EFI_FILE_INFO, "needed %lu", (unsigned long)size);
    UINTN need = size;
    ST_IS(d->Read(d, &size, raw), EFI_SUCCESS, "Read with the size asked for");
    REQUIRE(size == need && ((EFI_FILE_INFO *)raw)->Size == need, "record %lu, want %lu", (unsigned long)size,
            (unsigned long)need);
    ST_IS(d->SetPosition(d, 0), EFI_SUCCESS, "SetPosition(0) on a directory");
    ST_IS(d->SetPosition(d, 3), EFI_UNSUPPORTED, "SetPosition(3) on a directory");
    UINT64 pos;
    ST_IS(d->GetPosition(d, &pos), EFI_UNSUPPORTED, "GetPosition on a directory");
    char names[16][32];
    int n = list(d, names, 16);
    d->Close(d);
    REQUIRE(n == 5 && has(names, n, ".") && has(names, n, "..") && has(names, n, "inner.txt") &&
                has(names, n, "up") && has(names, n, "sub"),
            "dir lists %d entries", n);
    static char many[SIMFS_MANY + 2][32];
    ST_IS(open_at(root, L"many", EFI_FILE_MODE_READ, 0, &d), EFI_SUCCESS, "Open many");
    unsigned long lookups = e->fs.ops[FUSE_LOOKUP];
    n = list(d, many, SIMFS_MANY + 2);
    d->Close(d);
    /* READDIRPLUS brings each entry's attributes: its record needs no LOOKUP. */
    REQUIRE(n == SIMFS_MANY + 2 && e->fs.ops[FUSE_LOOKUP] == lookups, "many lists %d entries, want %d; %lu LOOKUPs",
            n, SIMFS_MANY + 2, e->fs.ops[FUSE_LOOKUP] - lookups);
    n = list(root, many, SIMFS_MANY + 2);
    REQUIRE(n > 10 && !has(many, n, ".") && !has(many, n, "..") && has(many, n, "hello.txt"),
            "the root lists %d entries, . or .. among them, or no hello.txt", n);
    return down(e, root, true);
}

/* ---- changes ------------------------------------------------------------------ */

static bool t_create_write_delete(struct env *e)
{
    EFI_FILE_PROTOCOL *root, *f, *d;
    if (!up(e, &root))
        return false;
    UINT64 rwc = EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE | EFI_FILE_MODE_CREATE;
    ST_IS(open_at(root, L"dir\\new.txt", rwc, 0, &f), EFI_SUCCESS, "Open(CREATE)");
    UINTN n = 3;
    ST_IS(f->Write(f, &n, "abc"), EFI_SUCCESS, "Write");
    n = 2;
    f->SetPosition(f, 1);
    ST_IS(f->Write(f, &n, "XY"), EFI_SUCCESS, "Write at 1");
    ST_IS(f->Flush(f), EFI_SUCCESS, "Flush");
    f->Close(f);
    const struct simfs_node *node = simfs_find(&e->fs, "dir/new.txt");
    REQUIRE(node && node->size == 3 && simfs_byte(node, 0) == 'a' && simfs_byte(node, 1) == 'X' &&
                simfs_byte(node, 2) == 'Y',
            "dir/new.txt on the server");
    ST_IS(open_at(root, L"newdir", rwc, EFI_FILE_DIRECTORY, &d), EFI_SUCCESS, "Open(CREATE, DIRECTORY)");
    node = simfs_find(&e->fs, "newdir");
    REQUIRE(node && (node->mode & VS_S_IFMT) == VS_S_IFDIR, "newdir on the server");
    n = 1;
    ST_IS(d->Write(d, &n, "x"), EFI_UNSUPPORTED, "Write to a directory");
    ST_IS(d->Delete(d), EFI_SUCCESS, "Delete of an empty directory");
    REQUIRE(!simfs_find(&e->fs, "newdir"), "newdir still on the server");
    ST_IS(open_at(root, L"dir\\new.txt", EFI_FILE_MODE_READ, 0, &f), EFI_SUCCESS, "Open read-only");
    ST_IS(f->Delete(f), EFI_WARN_DELETE_FAILURE, "Delete through a read-only handle");
    REQUIRE(simfs_find(&e->fs, "dir/new.txt"), "deleted through a read-only handle");
    ST_IS(open_at(root, L"dir\\new.txt", EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE, 0, &f), EFI_SUCCESS,
          "Open read-write");
    ST_IS(f->Delete(f), EFI_SUCCESS, "Delete");
    REQUIRE(!simfs_find(&e->fs, "dir/new.txt"), "dir/new.txt still on the server");
    ST_IS(open_at(root, L"dir", EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE, 0, &d), EFI_SUCCESS, "Open dir");
    ST_IS(d->Delete(d), EFI_WARN_DELETE_FAILURE, "Delete of a directory that is not empty");
    return down(e, root, true);
}

static bool t_info(struct env *e)
{
    EFI_FILE_PROTOCOL *root, *f;
    if (!up(e, &root))
        return false;
    union {
        EFI_FILE_INFO fi;
        EFI_FILE_SYSTEM_INFO fs;
        char raw[512];
    } u;
    UINTN size = 0;
    ST_IS(root->GetInfo(root, &vsfs_guid_fs_info, &size, NULL), EFI_BUFFER_TOO_SMALL, "GetInfo(fs) size");
    REQUIRE(size == SIZE_OF_EFI_FILE_SYSTEM_INFO + sizeof(label), "fs info needs %lu", (unsigned long)size);
    size = sizeof(u);
    ST_IS(root->GetInfo(root, &vsfs_guid_fs_info, &size, &u), EFI_SUCCESS, "GetInfo(fs)");
    REQUIRE(!memcmp(u.fs.VolumeLabel, label, sizeof(label)) && u.fs.BlockSize > 0, "fs info label or block size");
    size = sizeof(u);
    ST_IS(root->GetInfo(root, &vsfs_guid_fs_label, &size, &u), EFI_SUCCESS, "GetInfo(label)");
    REQUIRE(size == sizeof(label) && !memcmp(u.raw, label, sizeof(label)), "volume label");
    ST_IS(root->SetInfo(root, &vsfs_guid_fs_label, size, &u), EFI_WRITE_PROTECTED, "SetInfo(label)");

    UINT64 rw = EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE;
    ST_IS(open_at(root, L"page.bin", rw, 0, &f), EFI_SUCCESS, "Open page.bin");
    size = sizeof(u);
    ST_IS(f->GetInfo(f, &vsfs_guid_file_info, &size, &u), EFI_SUCCESS, "GetInfo(file)");
    REQUIRE(u.fi.FileSize == 4096 && !(u.fi.Attribute & EFI_FILE_DIRECTORY) && u.fi.FileName[0] == 'p' &&
                u.fi.ModificationTime.Year >= 1970,
            "file info: size %llu, attr %#llx", (unsigned long long)u.fi.FileSize,
            (unsigned long long)u.fi.Attribute);
    /* Size, read-only and name in one SetInfo; the name relative to the
     * file's directory. */
    u.fi.FileSize = 10;
    u.fi.Attribute |= EFI_FILE_READ_ONLY;
    memcpy(u.fi.FileName, L"dir\\moved.bin", sizeof(L"dir\\moved.bin"));
    u.fi.Size = SIZE_OF_EFI_FILE_INFO + sizeof(L"dir\\moved.bin");
    ST_IS(f->SetInfo(f, &vsfs_guid_file_info, u.fi.Size, &u), EFI_SUCCESS, "SetInfo(size, read-only, name)");
    const struct simfs_node *node = simfs_find(&e->fs, "dir/moved.bin");
    REQUIRE(node && node->size == 10 && (node->mode & 0222) == 0 && !simfs_find(&e->fs, "page.bin"),
            "dir/moved.bin on the server: %s", node ? "size or mode" : "missing");
    size = sizeof(u);
    ST_IS(f->GetInfo(f, &vsfs_guid_file_info, &size, &u), EFI_SUCCESS, "GetInfo after the rename");
    REQUIRE(u.fi.FileName[0] == 'm' && (u.fi.Attribute & EFI_FILE_READ_ONLY), "the handle follows the rename");
    u.fi.Attribute |= EFI_FILE_DIRECTORY;
    ST_IS(f->SetInfo(f, &vsfs_guid_file_info, u.fi.Size, &u), EFI_ACCESS_DENIED, "SetInfo making a file a directory");
    f->Close(f);
    ST_IS(open_at(root, L"dir\\moved.bin", rw, 0, &f), EFI_ACCESS_DENIED, "Open(WRITE) of a read-only file");
    memcpy(u.fi.FileName, L"hello.txt", sizeof(L"hello.txt"));
    u.fi.Size = SIZE_OF_EFI_FILE_INFO + sizeof(L"hello.txt");
    u.fi.Attribute &= ~(UINT64)(EFI_FILE_DIRECTORY | EFI_FILE_READ_ONLY);
    ST_IS(open_at(root, L"one.bin", rw, 0, &f), EFI_SUCCESS, "Open one.bin");
    u.fi.FileSize = 1;
    ST_IS(f->SetInfo(f, &vsfs_guid_file_info, u.fi.Size, &u), EFI_ACCESS_DENIED, "a rename over a file");
    f->Close(f);
    return down(e, root, true);
}

/* ---- names ---------------------------------------------------------------------- */

static bool t_ucs2_names(struct env *e)
{
    EFI_FILE_PROTOCOL *root, *f;
    if (!up(e, &root))
        return false;
    CHAR16 lone[] = {'a', 0xd800, 0};
    ST_IS(open_at(root, lone, EFI_FILE_MODE_READ, 0, &f), EFI_INVALID_PARAMETER, "a lone surrogate");
    CHAR16 cafe[] = {'c', 'a', 'f', 0xe9, 0x20ac, 0};
    UINT64 rwc = EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE | EFI_FILE_MODE_CREATE;
    ST_IS(open_at(root, cafe, rwc, 0, &f), EFI_SUCCESS, "create caf\\u00e9\\u20ac");
    union {
        EFI_FILE_INFO fi;
        char raw[512];
    } u;
    UINTN size = sizeof(u);
    ST_IS(f->GetInfo(f, &vsfs_guid_file_info, &size, &u), EFI_SUCCESS, "GetInfo");
    f->Close(f);
    REQUIRE(!memcmp(u.fi.FileName, cafe, sizeof(cafe)), "the name comes back as given");
    REQUIRE(simfs_find(&e->fs, "caf\xc3\xa9\xe2\x82\xac"), "the server has no UTF-8 name caf\\u00e9\\u20ac");
    return down(e, root, true);
}

/* The Ex calls finish at once and signal their event. */
static bool t_ex_calls(struct env *e)
{
    EFI_FILE_PROTOCOL *root, *f = NULL;
    if (!up(e, &root))
        return false;
    EFI_FILE_IO_TOKEN token = {.Event = (EFI_EVENT)1};
    signalled = 0;
    ST_IS(root->OpenEx(root, &f, L"hello.txt", EFI_FILE_MODE_READ, 0, &token), EFI_SUCCESS, "OpenEx");
    ST_IS(token.Status, EFI_SUCCESS, "OpenEx's token");
    char buf[64];
    token = (EFI_FILE_IO_TOKEN){.Event = (EFI_EVENT)1, .BufferSize = sizeof(buf), .Buffer = buf};
    ST_IS(f->ReadEx(f, &token), EFI_SUCCESS, "ReadEx");
    f->Close(f);
    REQUIRE(token.Status == EFI_SUCCESS && token.BufferSize == strlen(HELLO) && signalled == 2,
            "ReadEx: status %#lx, %lu bytes, %u events", (unsigned long)token.Status, (unsigned long)token.BufferSize,
            signalled);
    return down(e, root, true);
}

/* What Stop leaves (the share unmounted, vol->gone): open handles fail with
 * EFI_NO_MEDIA, Delete closes, Close works. */
static bool t_stopped_volume(struct env *e)
{
    EFI_FILE_PROTOCOL *root, *f, *g, *x;
    if (!up(e, &root))
        return false;
    ST_IS(open_at(root, L"hello.txt", EFI_FILE_MODE_READ, 0, &f), EFI_SUCCESS, "Open hello.txt");
    ST_IS(open_at(root, L"dir", EFI_FILE_MODE_READ, 0, &g), EFI_SUCCESS, "Open dir");
    vfs_umount_all(&vol.vfs);
    vol.gone = true;
    char buf[8];
    UINTN n = sizeof(buf);
    ST_IS(f->Read(f, &n, buf), EFI_NO_MEDIA, "Read after Stop");
    ST_IS(root->Open(root, &x, L"hello.txt", EFI_FILE_MODE_READ, 0), EFI_NO_MEDIA, "Open after Stop");
    ST_IS(vol.sfs.OpenVolume(&vol.sfs, &x), EFI_NO_MEDIA, "OpenVolume after Stop");
    ST_IS(g->Delete(g), EFI_WARN_DELETE_FAILURE, "Delete after Stop");
    ST_IS(f->Close(f), EFI_SUCCESS, "Close after Stop");
    ST_IS(root->Close(root), EFI_SUCCESS, "Close of the root after Stop");
    REQUIRE(vol.open_files == 0, "%u handles counted", vol.open_files);
    return down(e, NULL, true);
}

/* The driver's load options (options.c): UCS-2 with and without its
 * byte-order mark, ASCII, none, unknown words. */
static bool t_load_options(struct env *e)
{
    (void)e;
    struct vsfs_options o;
    char bad[VSFS_OPTION_MAX + 1];
    static const CHAR16 wide[] = L"nocase";
    static const CHAR16 bom[] = L"\xfeff, nocase\r\n";
    ST_IS(vsfs_parse_options(wide, sizeof(wide), &o, bad), EFI_SUCCESS, "UCS-2");
    REQUIRE(o.nocase, "UCS-2 nocase not seen");
    ST_IS(vsfs_parse_options(bom, sizeof(bom), &o, bad), EFI_SUCCESS, "UCS-2 with its BOM");
    REQUIRE(o.nocase, "nocase after a BOM not seen");
    ST_IS(vsfs_parse_options("nocase", 6, &o, bad), EFI_SUCCESS, "ASCII");
    REQUIRE(o.nocase, "ASCII nocase not seen");
    ST_IS(vsfs_parse_options("", 0, &o, bad), EFI_SUCCESS, "no options");
    REQUIRE(!o.nocase, "nocase without options");
    ST_IS(vsfs_parse_options("nocase nocasex", 14, &o, bad), EFI_INVALID_PARAMETER, "an unknown word");
    REQUIRE(!strcmp(bad, "nocasex"), "unknown word named %s", bad);
    ST_IS(vsfs_parse_options("NOCASE", 6, &o, bad), EFI_INVALID_PARAMETER, "NOCASE");
    return true;
}

/* Reads ahead: a sequential Read finds its data already read during the
 * handle's previous Read (a host change made in between shows only after
 * a Read elsewhere); a Read at another position, and a Write through any
 * handle, drop what was read ahead, so the Write's bytes are read back. */
#define RA_PART (64u << 10)
static uint8_t ra_byte(unsigned version, uint64_t off)
{
    return (uint8_t)(off * 7 + version * 0x35 + (off >> 9));
}

static bool ra_reads(EFI_FILE_PROTOCOL *f, uint64_t at, unsigned version, const char *what)
{
    static uint8_t buf[RA_PART];
    UINTN n = RA_PART;
    ST_IS(f->Read(f, &n, buf), EFI_SUCCESS, what);
    REQUIRE(n == RA_PART, "%s: %lu bytes", what, (unsigned long)n);
    for (UINTN k = 0; k < n; k++)
        REQUIRE(buf[k] == ra_byte(version, at + k), "%s: byte %lu is %#x, want version %u's %#x", what,
                (unsigned long)(at + k), buf[k], version, ra_byte(version, at + k));
    return true;
}

static bool t_read_ahead(struct env *e)
{
    EFI_FILE_PROTOCOL *root, *w, *r;
    if (!up(e, &root))
        return false;
    static uint8_t data[4 * RA_PART];
    for (unsigned k = 0; k < sizeof(data); k++)
        data[k] = ra_byte(1, k);
    UINT64 rwc = EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE | EFI_FILE_MODE_CREATE;
    ST_IS(open_at(root, L"ahead.bin", rwc, 0, &w), EFI_SUCCESS, "Open(CREATE)");
    UINTN n = sizeof(data);
    ST_IS(w->Write(w, &n, data), EFI_SUCCESS, "Write version 1");
    ST_IS(open_at(root, L"ahead.bin", EFI_FILE_MODE_READ, 0, &r), EFI_SUCCESS, "Open to read");
    CHECK(ra_reads(r, 0, 1, "Read 0"));
    /* The host rewrites the second part behind the driver's back. */
    struct simfs_node *node = (struct simfs_node *)simfs_find(&e->fs, "ahead.bin");
    REQUIRE(node && node->text && node->size == sizeof(data), "ahead.bin on the server");
    for (uint64_t k = RA_PART; k < 2 * RA_PART; k++)
        node->text[k] = (char)ra_byte(2, k);
    unsigned long reads = e->fs.ops[FUSE_READ];
    CHECK(ra_reads(r, RA_PART, 1, "Read 1, sequential: read ahead before the host's change"));
    REQUIRE(e->fs.ops[FUSE_READ] > reads, "no READ sent for what comes after Read 1");
    r->SetPosition(r, RA_PART);
    CHECK(ra_reads(r, RA_PART, 2, "Read 1 again after SetPosition: the host's change"));
    /* A Write through the other handle to what Read 2 will ask for. */
    for (unsigned k = 0; k < RA_PART; k++)
        data[k] = ra_byte(3, 2 * RA_PART + k);
    w->SetPosition(w, 2 * RA_PART);
    n = RA_PART;
    ST_IS(w->Write(w, &n, data), EFI_SUCCESS, "Write version 3 over part 2");
    CHECK(ra_reads(r, 2 * RA_PART, 3, "Read 2 after the Write: the written bytes"));
    /* A caller that says its buffer has no end gets the rest of the file. */
    r->SetPosition(r, 3 * RA_PART);
    n = ~(UINTN)0;
    ST_IS(r->Read(r, &n, data), EFI_SUCCESS, "Read 3 with a size of 2^64 - 1");
    REQUIRE(n == RA_PART && data[0] == ra_byte(1, 3 * RA_PART) && data[RA_PART - 1] == ra_byte(1, 4 * RA_PART - 1),
            "Read 3: %lu bytes", (unsigned long)n);
    n = RA_PART;
    ST_IS(r->Read(r, &n, data), EFI_SUCCESS, "Read at the end");
    REQUIRE(n == 0, "%lu bytes at the end", (unsigned long)n);
    r->Close(r);
    ST_IS(w->Delete(w), EFI_SUCCESS, "Delete");
    return down(e, root, true);
}

/* ---- large Reads straight into the caller's buffer (direct.c) ----------- */

/* n bytes of huge.bin at `at` into buf: the status, and the count in *n. */
static EFI_STATUS read_huge_at(EFI_FILE_PROTOCOL *f, uint64_t at, UINTN *n, uint8_t *buf)
{
    f->SetPosition(f, at);
    return f->Read(f, n, buf);
}

/* A mounted volume with huge.bin open for reading and a buffer of size
 * bytes for it. */
static bool open_huge(struct env *e, EFI_FILE_PROTOCOL **root, EFI_FILE_PROTOCOL **f, uint8_t **buf, size_t size)
{
    if (!up(e, root))
        return false;
    *buf = malloc(size);
    REQUIRE(*buf, "memory");
    ST_IS(open_at(*root, L"huge.bin", EFI_FILE_MODE_READ, 0, f), EFI_SUCCESS, "Open huge.bin");
    return true;
}

/* The end of a case that open_huge began. */
static bool close_huge(struct env *e, EFI_FILE_PROTOCOL *root, EFI_FILE_PROTOCOL *f, uint8_t *buf)
{
    f->Close(f);
    free(buf);
    return down(e, root, true);
}

/* A large Read is DMAed into the caller's mapping: through a bounce mapping
 * the caller sees only what the device wrote there, and the staging buffer
 * is never taken.  A Read across the end of the file, and one at the end. */
static bool t_direct_read(struct env *e)
{
    EFI_FILE_PROTOCOL *root, *f;
    uint8_t *buf;
    if (!open_huge(e, &root, &f, &buf, 4u << 20))
        return false;
    const struct simfs_node *huge = node(e, "huge.bin");
    pci.mode = MAP_BOUNCE; /* Open maps nothing: only the Reads below see it */
    UINTN n = 1u << 20;
    ST_IS(read_huge_at(f, 4096, &n, buf), EFI_SUCCESS, "Read 1 MiB");
    CHECK(n == 1u << 20 && same_content(huge, buf, 4096, n, "1 MiB through the bounce mapping"));
    REQUIRE(pci.maps == 1 && pci.unmaps == 1 && vol.stage == NULL, "%u maps, %u unmaps, staging buffer %s",
            pci.maps, pci.unmaps, vol.stage ? "taken" : "untouched");
    uint64_t from = SIMFS_HUGE_SIZE - (1u << 20) - 5;
    n = 4u << 20;
    ST_IS(read_huge_at(f, from, &n, buf), EFI_SUCCESS, "Read across the end");
    CHECK(n == SIMFS_HUGE_SIZE - from && same_content(huge, buf, from, n, "the file's last bytes"));
    REQUIRE(pci.maps == 2 && pci.len == n, "%u maps, the last of %lu bytes (the file holds %lu)", pci.maps,
            (unsigned long)pci.len, (unsigned long)n);
    UINT64 pos = 0;
    f->GetPosition(f, &pos);
    n = 4u << 20;
    ST_IS(f->Read(f, &n, buf), EFI_SUCCESS, "Read at the end");
    REQUIRE(pos == SIMFS_HUGE_SIZE && n == 0 && pci.maps == 2, "position %llu, %lu bytes, %u maps",
            (unsigned long long)pos, (unsigned long)n, pci.maps);
    return close_huge(e, root, f, buf);
}

/* Map failing, or mapping less than asked (given back unused): the staging
 * path serves the Read, past the staging buffer's size too. */
static bool t_direct_fallback(struct env *e)
{
    EFI_FILE_PROTOCOL *root, *f;
    uint8_t *buf;
    if (!open_huge(e, &root, &f, &buf, 4u << 20))
        return false;
    const struct simfs_node *huge = node(e, "huge.bin");
    static const enum map_mode modes[] = {MAP_FAIL, MAP_SHORT};
    for (unsigned i = 0; i < 2; i++) {
        pci.mode = modes[i];
        vsfs_stage_free(&vol); /* taken again only by a staged Read */
        memset(buf, 0, 4u << 20);
        UINTN n = 4u << 20;
        ST_IS(read_huge_at(f, i ? (1u << 20) - 3 : 0, &n, buf), EFI_SUCCESS, i ? "Read, mapped short" : "Read, no Map");
        CHECK(n == SIMFS_HUGE_SIZE - (i ? (1u << 20) - 3 : 0) &&
              same_content(huge, buf, i ? (1u << 20) - 3 : 0, n, "through the staging buffer"));
        REQUIRE(vol.stage && pci.unmaps == pci.maps && pci.maps == i, "staging buffer %s, %u maps, %u unmaps",
                vol.stage ? "used" : "unused", pci.maps, pci.unmaps);
    }
    return close_huge(e, root, f, buf);
}

/* Read ahead at the position serves a large Read through the staging
 * buffer; a large Read elsewhere drops it and goes direct. */
static bool t_direct_ahead(struct env *e)
{
    EFI_FILE_PROTOCOL *root, *f;
    uint8_t *buf;
    if (!open_huge(e, &root, &f, &buf, 1u << 20))
        return false;
    const struct simfs_node *huge = node(e, "huge.bin");
    UINTN n = 192u << 10;
    ST_IS(f->Read(f, &n, buf), EFI_SUCCESS, "Read 192 KiB");
    REQUIRE(vol.ahead.count && pci.maps == 0, "%u chunks read ahead, %u maps", vol.ahead.count, pci.maps);
    n = 1u << 20;
    ST_IS(f->Read(f, &n, buf), EFI_SUCCESS, "Read 1 MiB after it");
    CHECK(n == 1u << 20 && same_content(huge, buf, 192u << 10, n, "the sequential Read"));
    REQUIRE(pci.maps == 0, "%u maps for a Read read ahead", pci.maps);
    n = 1u << 20;
    ST_IS(read_huge_at(f, 5, &n, buf), EFI_SUCCESS, "Read 1 MiB elsewhere");
    CHECK(n == 1u << 20 && same_content(huge, buf, 5, n, "the Read elsewhere"));
    REQUIRE(pci.maps == 1 && vol.ahead.count == 0 && vol.ahead.owner == NULL,
            "%u maps, %u chunks read ahead, owner %p", pci.maps, vol.ahead.count, (void *)vol.ahead.owner);
    return close_huge(e, root, f, buf);
}

/* The device never answers a request of a direct Read.  The Read fails at
 * the timeout, but only once the device was reset (before the buffer was
 * unmapped); the daemon answering late then finds no request to answer,
 * and the caller's buffer stays as the caller left it.  With `stuck`, the
 * device does not finish its reset: bus mastering goes off before the
 * unmap, and the late answer cannot reach memory. */
static bool direct_stall(struct env *e, bool stuck)
{
    EFI_FILE_PROTOCOL *root, *f;
    if (!up_timeout(e, &root, 1))
        return false;
    e->check_counts = false; /* the connection dies: no DESTROY, lookups left */
    e->abandoned = stuck;    /* the device not reset keeps its DMA memory */
    uint8_t *buf = malloc(2u << 20);
    REQUIRE(buf, "memory");
    ST_IS(open_at(root, L"huge.bin", EFI_FILE_MODE_READ, 0, &f), EFI_SUCCESS, "Open huge.bin");
    UINTN n = 4096;
    ST_IS(f->Read(f, &n, buf), EFI_SUCCESS, "Read 4 KiB (OPEN sent)");
    unsigned long resets = e->d.resets;
    e->d.reset_stuck = stuck;
    simdev_fault(&e->d, SIMDEV_FAULT_STALL, 1, 1, 0);
    n = 2u << 20;
    EFI_STATUS s = read_huge_at(f, 1u << 20, &n, buf);
    ST_IS(s, EFI_TIMEOUT, "Read with a request never answered");
    REQUIRE(e->d.fault.fired && pci.maps == 1 && pci.unmaps == 1 && vol.gone, "fault %s, %u maps, %u unmaps, %s",
            e->d.fault.fired ? "fired" : "not fired", pci.maps, pci.unmaps, vol.gone ? "gone" : "still there");
    if (stuck)
        REQUIRE(pci.bus_master_offs == 1 && pci.bus_master_off_at_unmap && e->d.status != 0,
                "bus mastering turned off %u times, %s at the unmap; status %#x", pci.bus_master_offs,
                pci.bus_master_off_at_unmap ? "off" : "on", e->d.status);
    else
        REQUIRE(pci.resets_at_unmap > resets && pci.bus_master_offs == 0, "%lu resets at the unmap (%lu before)",
                pci.resets_at_unmap, resets);
    memset(buf, 0x3c, 2u << 20);
    unsigned late = simdev_answer_held(&e->d, 1);
    bool untouched = true;
    for (size_t k = 0; k < 2u << 20 && untouched; k++)
        untouched = buf[k] == 0x3c;
    REQUIRE(late == 0 && untouched && (!stuck || e->d.dma_refused), "%u late answers, buffer %s, %lu refused", late,
            untouched ? "untouched" : "written", e->d.dma_refused);
    n = 16;
    ST_IS(f->Read(f, &n, buf), EFI_NO_MEDIA, "Read after the fence");
    f->Close(f);
    free(buf);
    return down(e, root, true);
}

static bool t_direct_stall(struct env *e)
{
    return direct_stall(e, false);
}

static bool t_direct_stall_stuck(struct env *e)
{
    return direct_stall(e, true);
}

int main(void)
{
    run("efi file: Read, positions, modes; a reader opens its file at its first Read", t_read_positions);
    run("efi file: attributes still valid serve a Read at the end and SetPosition(end); a Write asks again",
        t_cached_attrs);
    run("efi file: names relative to a directory, to a file, .. at the root", t_relative_names);
    run("efi file: symlinks followed inside the share, dangling and loops not found", t_symlinks);
    run("efi file: directories read as EFI_FILE_INFO records", t_read_dir);
    run("efi file: create, write, flush, delete", t_create_write_delete);
    run("efi file: sequential Reads read ahead; another position or a Write drops it", t_read_ahead);
    run("efi file: GetInfo and SetInfo (label, size, read-only, rename)", t_info);
    run("efi file: UCS-2 names to UTF-8 and back, a lone surrogate refused", t_ucs2_names);
    run("efi file: the Ex calls", t_ex_calls);
    run("efi file: handles of a stopped volume fail with EFI_NO_MEDIA and still close", t_stopped_volume);
    run("efi driver: load options (UCS-2, its BOM, ASCII, none, unknown words)", t_load_options);
    run("efi direct: a large Read is DMAed into the caller's mapping, not staged; the end of the file",
        t_direct_read);
    run("efi direct: Map failing or mapping short falls back to the staging buffer", t_direct_fallback);
    run("efi direct: data read ahead at the position is staged; a Read elsewhere drops it and goes direct",
        t_direct_ahead);
    run("efi direct: a request never answered fails the Read only after the device reset; no late write",
        t_direct_stall);
    run("efi direct: a reset that does not complete turns bus mastering off before the unmap", t_direct_stall_stuck);
    printf("%d cases, %d failed\n", cases, failures);
    return failures ? 1 : 0;
}
