/* SPDX-License-Identifier: BSD-2-Clause */
/* The information records of EFI_FILE_PROTOCOL: EFI_FILE_INFO from a
 * vfs_stat (and back: SetInfo's rename, size, times and read-only
 * attribute), EFI_FILE_SYSTEM_INFO from vfs_statfs with the share's tag as
 * the volume label, EFI_FILE_SYSTEM_VOLUME_LABEL. */
#include "vsfs.h"

/* ------------------------------------------------------------ times */

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    uint64_t doe = (uint64_t)(z - era * 146097);
    uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    uint64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    uint64_t yoe = (uint64_t)(y - era * 400);
    uint64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* UTC, as the share's times are; EFI_TIME's range is years 1900..9999. */
static void to_efi_time(int64_t sec, uint32_t nsec, EFI_TIME *t)
{
    memset(t, 0, sizeof(*t));
    int64_t days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
    int64_t rem = sec - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 1900 || y > 9999) {
        t->Year = y < 1900 ? 1900 : 9999;
        t->Month = t->Day = 1;
        t->TimeZone = EFI_UNSPECIFIED_TIMEZONE;
        return;
    }
    t->Year = (UINT16)y;
    t->Month = (UINT8)m;
    t->Day = (UINT8)d;
    t->Hour = (UINT8)(rem / 3600);
    t->Minute = (UINT8)(rem / 60 % 60);
    t->Second = (UINT8)(rem % 60);
    t->Nanosecond = nsec;
    t->TimeZone = 0; /* UTC */
}

static bool valid_time(const EFI_TIME *t)
{
    return t->Year >= 1900 && t->Year <= 9999 && t->Month >= 1 && t->Month <= 12 && t->Day >= 1 && t->Day <= 31 &&
           t->Hour < 24 && t->Minute < 60 && t->Second < 60 && t->Nanosecond < 1000000000u &&
           (t->TimeZone == EFI_UNSPECIFIED_TIMEZONE || (t->TimeZone >= -1440 && t->TimeZone <= 1440));
}

static int64_t from_efi_time(const EFI_TIME *t)
{
    int64_t s = days_from_civil(t->Year, t->Month, t->Day) * 86400 + t->Hour * 3600 + t->Minute * 60 + t->Second;
    if (t->TimeZone != EFI_UNSPECIFIED_TIMEZONE)
        s += (int64_t)t->TimeZone * 60; /* local = UTC - TimeZone minutes */
    return s;
}

/* ------------------------------------------------------------ records */

EFI_STATUS vsfs_file_info(const char *name, const struct vfs_stat *st, UINTN *size, void *buf)
{
    int units = vsfs_ucs2_len(name);
    if (units < 0)
        return EFI_NOT_FOUND; /* no UCS-2 name can name it */
    UINTN need = SIZE_OF_EFI_FILE_INFO + ((UINTN)units + 1) * sizeof(CHAR16);
    if (*size < need || !buf) {
        *size = need;
        return EFI_BUFFER_TOO_SMALL;
    }
    EFI_FILE_INFO *fi = buf;
    memset(fi, 0, SIZE_OF_EFI_FILE_INFO);
    fi->Size = need;
    bool dir = VSFS_IS_DIR(st->mode);
    fi->FileSize = dir ? 0 : st->size;
    fi->PhysicalSize = dir ? 0 : st->blocks * 512;
    to_efi_time(st->ctime, st->ctime_ns, &fi->CreateTime); /* no birth time: the change time */
    to_efi_time(st->atime, st->atime_ns, &fi->LastAccessTime);
    to_efi_time(st->mtime, st->mtime_ns, &fi->ModificationTime);
    fi->Attribute = (dir ? EFI_FILE_DIRECTORY : EFI_FILE_ARCHIVE) | ((st->mode & 0222) ? 0 : EFI_FILE_READ_ONLY);
    vsfs_to_ucs2(name, fi->FileName, (size_t)units + 1);
    *size = need;
    return EFI_SUCCESS;
}

static UINTN label_units(struct vsfs_volume *vol)
{
    UINTN n = 0;
    while (vol->label[n])
        n++;
    return n;
}

EFI_STATUS vsfs_fs_info(struct vsfs_volume *vol, UINTN *size, void *buf)
{
    UINTN need = SIZE_OF_EFI_FILE_SYSTEM_INFO + (label_units(vol) + 1) * sizeof(CHAR16);
    if (*size < need || !buf) {
        *size = need;
        return EFI_BUFFER_TOO_SMALL;
    }
    struct vfs_statfs sf;
    int err = vfs_statfs(&vol->vfs, VSFS_MOUNT, &sf);
    if (err)
        return vsfs_status(err);
    EFI_FILE_SYSTEM_INFO *fs = buf;
    memset(fs, 0, SIZE_OF_EFI_FILE_SYSTEM_INFO);
    fs->Size = need;
    fs->ReadOnly = FALSE;
    fs->VolumeSize = sf.blocks * sf.frsize;
    fs->FreeSpace = sf.bavail * sf.frsize;
    fs->BlockSize = sf.bsize;
    memcpy(fs->VolumeLabel, vol->label, (label_units(vol) + 1) * sizeof(CHAR16));
    *size = need;
    return EFI_SUCCESS;
}

EFI_STATUS vsfs_fs_label(struct vsfs_volume *vol, UINTN *size, void *buf)
{
    UINTN need = (label_units(vol) + 1) * sizeof(CHAR16);
    if (*size < need || !buf) {
        *size = need;
        return EFI_BUFFER_TOO_SMALL;
    }
    memcpy(buf, vol->label, need);
    *size = need;
    return EFI_SUCCESS;
}

/* ------------------------------------------------------------ SetInfo */

static bool same_time(const EFI_TIME *a, int64_t sec)
{
    return from_efi_time(a) == sec;
}

EFI_STATUS vsfs_set_file_info(struct vsfs_file *f, UINTN size, const EFI_FILE_INFO *info)
{
    struct vfs *v = &f->vol->vfs;
    if (size < SIZE_OF_EFI_FILE_INFO + sizeof(CHAR16) || info->Size > size || info->Size < SIZE_OF_EFI_FILE_INFO + 2 ||
        (info->Attribute & ~(UINT64)EFI_FILE_VALID_ATTR))
        return EFI_INVALID_PARAMETER;
    /* The name must end inside the record. */
    const CHAR16 *name = info->FileName; /* FileName[1]: the record's variable tail */
    UINTN units = (info->Size - SIZE_OF_EFI_FILE_INFO) / sizeof(CHAR16), n = 0;
    while (n < units && name[n])
        n++;
    if (n == units)
        return EFI_INVALID_PARAMETER;
    struct vfs_stat st;
    int err = vfs_stat(v, f->path, &st);
    if (err)
        return vsfs_status(err);
    bool dir = VSFS_IS_DIR(st.mode);
    if (!!(info->Attribute & EFI_FILE_DIRECTORY) != dir)
        return EFI_ACCESS_DENIED;
    /* Only what changes needs a handle opened for writing. */
    if (!dir && info->FileSize != st.size) {
        if (!f->writable)
            return EFI_ACCESS_DENIED;
        err = f->fd >= 0 ? vfs_ftruncate(v, f->fd, info->FileSize) : vfs_truncate(v, f->path, info->FileSize);
        if (err)
            return vsfs_status(err);
    }
    const EFI_TIME *zero = &(EFI_TIME){0};
    struct vfs_timespec ts[2] = {{0, VFS_UTIME_OMIT}, {0, VFS_UTIME_OMIT}};
    const EFI_TIME *at = &info->LastAccessTime, *mt = &info->ModificationTime;
    if (memcmp(at, zero, sizeof(*at)) && !same_time(at, st.atime)) {
        if (!valid_time(at))
            return EFI_INVALID_PARAMETER;
        ts[0] = (struct vfs_timespec){from_efi_time(at), at->Nanosecond};
    }
    if (memcmp(mt, zero, sizeof(*mt)) && !same_time(mt, st.mtime)) {
        if (!valid_time(mt))
            return EFI_INVALID_PARAMETER;
        ts[1] = (struct vfs_timespec){from_efi_time(mt), mt->Nanosecond};
    }
    if (ts[0].nsec != VFS_UTIME_OMIT || ts[1].nsec != VFS_UTIME_OMIT) {
        if (!f->writable)
            return EFI_ACCESS_DENIED;
        err = vfs_utimens(v, f->path, ts);
        if (err)
            return vsfs_status(err);
    }
    bool ro = (st.mode & 0222) == 0, want_ro = info->Attribute & EFI_FILE_READ_ONLY;
    if (ro != want_ro) {
        if (!f->writable)
            return EFI_ACCESS_DENIED;
        err = vfs_chmod(v, f->path, want_ro ? st.mode & 07555 : (st.mode & 07777) | 0200);
        if (err)
            return vsfs_status(err);
    }
    /* The name last: a relative one is taken from the file's directory. */
    char *dir_of = vsfs_dirname(f->path), *to = NULL;
    if (!dir_of)
        return EFI_OUT_OF_RESOURCES;
    EFI_STATUS s = vsfs_resolve(dir_of, name, &to);
    vsfs_free(dir_of);
    if (EFI_ERROR(s))
        return s;
    if (strlen(to) == strlen(f->path) && !memcmp(to, f->path, strlen(to))) {
        vsfs_free(to);
        return EFI_SUCCESS;
    }
    struct vfs_stat there;
    if (!f->writable || strlen(f->path) <= VSFS_MOUNT_LEN || strlen(to) <= VSFS_MOUNT_LEN ||
        vfs_lstat(v, to, &there) != -VS_ENOENT) {
        vsfs_free(to);
        return EFI_ACCESS_DENIED; /* the root has no name; no rename over a file (FAT's rule) */
    }
    err = vfs_rename(v, f->path, to, 0);
    if (err) {
        vsfs_free(to);
        return vsfs_status(err);
    }
    vsfs_free(f->path);
    f->path = to;
    return EFI_SUCCESS;
}
