/* SPDX-License-Identifier: BSD-2-Clause */
/* UEFI names and VFS paths.  A UEFI path is UCS-2 with `\` between
 * components (`/` is taken as one too, as the shell and Linux's EFI stub
 * sometimes pass it); the VFS wants UTF-8 with `/`, absolute, under
 * VSFS_MOUNT.  `.` and `..` are resolved here, by name as the FAT driver
 * does, and never climb above the share's root. */
#include "vsfs.h"

static size_t ucs2_strlen(const CHAR16 *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static bool is_sep(CHAR16 c)
{
    return c == '\\' || c == '/';
}

/* Drops the last component of the VFS path in buf (length *len), never the
 * mount point itself. */
static void pop_component(char *buf, size_t *len)
{
    while (*len > VSFS_MOUNT_LEN && buf[*len - 1] != '/')
        (*len)--;
    if (*len > VSFS_MOUNT_LEN)
        (*len)--; /* the '/' */
}

EFI_STATUS vsfs_resolve(const char *base, const CHAR16 *name, char **out)
{
    size_t nlen = ucs2_strlen(name), blen = strlen(base);
    if (nlen > VFS_PATH_MAX)
        return EFI_INVALID_PARAMETER;
    /* Every unit is at most 3 UTF-8 bytes; one '/' per component. */
    size_t cap = blen + 4 * nlen + 2;
    char *buf = vsfs_alloc(cap);
    if (!buf)
        return EFI_OUT_OF_RESOURCES;
    size_t len;
    if (nlen && is_sep(name[0])) {
        memcpy(buf, VSFS_MOUNT, VSFS_MOUNT_LEN);
        len = VSFS_MOUNT_LEN;
    } else {
        memcpy(buf, base, blen);
        len = blen;
    }
    for (size_t i = 0; i < nlen;) {
        while (i < nlen && is_sep(name[i]))
            i++;
        size_t start = i;
        while (i < nlen && !is_sep(name[i]))
            i++;
        size_t clen = i - start;
        if (clen == 0 || (clen == 1 && name[start] == '.'))
            continue;
        if (clen == 2 && name[start] == '.' && name[start + 1] == '.') {
            pop_component(buf, &len);
            continue;
        }
        buf[len++] = '/';
        size_t cstart = len;
        for (size_t k = start; k < i; k++) {
            uint32_t c = name[k];
            if (c >= 0xd800 && c < 0xe000) { /* UCS-2 has no surrogates */
                vsfs_free(buf);
                return EFI_INVALID_PARAMETER;
            }
            if (c < 0x80) {
                buf[len++] = (char)c;
            } else if (c < 0x800) {
                buf[len++] = (char)(0xc0 | c >> 6);
                buf[len++] = (char)(0x80 | (c & 0x3f));
            } else {
                buf[len++] = (char)(0xe0 | c >> 12);
                buf[len++] = (char)(0x80 | ((c >> 6) & 0x3f));
                buf[len++] = (char)(0x80 | (c & 0x3f));
            }
        }
        if (len - cstart > VFS_NAME_MAX) {
            vsfs_free(buf);
            return EFI_INVALID_PARAMETER;
        }
    }
    if (len >= VFS_PATH_MAX) {
        vsfs_free(buf);
        return EFI_INVALID_PARAMETER;
    }
    buf[len] = 0;
    *out = buf;
    return EFI_SUCCESS;
}

char *vsfs_dirname(const char *path)
{
    size_t len = strlen(path);
    char *d = vsfs_alloc(len + 1);
    if (!d)
        return NULL;
    memcpy(d, path, len);
    pop_component(d, &len);
    d[len] = 0;
    return d;
}

const char *vsfs_basename(const char *path)
{
    size_t len = strlen(path);
    if (len <= VSFS_MOUNT_LEN)
        return "";
    while (path[len - 1] != '/')
        len--;
    return path + len;
}

char *vsfs_join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    char *p = vsfs_alloc(dl + nl + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, dl);
    p[dl] = '/';
    memcpy(p + dl + 1, name, nl + 1);
    return p;
}

/* One UTF-8 character of s at *i (advanced past it), or -1 for a byte
 * sequence that is not one (overlong, truncated, a surrogate, > U+10FFFF). */
static int32_t utf8_next(const char *s, size_t *i)
{
    const unsigned char *u = (const unsigned char *)s + *i;
    uint32_t c = u[0];
    int n;
    if (c < 0x80) {
        *i += 1;
        return (int32_t)c;
    }
    if (c >= 0xc2 && c < 0xe0) {
        n = 1;
        c &= 0x1f;
    } else if (c >= 0xe0 && c < 0xf0) {
        n = 2;
        c &= 0x0f;
    } else if (c >= 0xf0 && c < 0xf5) {
        n = 3;
        c &= 0x07;
    } else {
        return -1;
    }
    for (int k = 1; k <= n; k++) {
        if ((u[k] & 0xc0) != 0x80)
            return -1;
        c = c << 6 | (u[k] & 0x3f);
    }
    if ((n == 2 && c < 0x800) || (n == 3 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c < 0xe000))
        return -1;
    *i += (size_t)n + 1;
    return (int32_t)c;
}

int vsfs_to_ucs2(const char *s, CHAR16 *out, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; s[i];) {
        int32_t c = utf8_next(s, &i);
        if (c < 0 || c > 0xffff)
            return -1;
        if (out) {
            if (o + 1 >= n)
                return -2;
            out[o] = (CHAR16)c;
        }
        o++;
    }
    if (out)
        out[o] = 0;
    return (int)o;
}

int vsfs_ucs2_len(const char *s)
{
    return vsfs_to_ucs2(s, NULL, 0);
}
