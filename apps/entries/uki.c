/* SPDX-License-Identifier: BSD-2-Clause */
/* Unified kernel images (BLS Type #2): a PE/COFF EFI stub carrying the
 * kernel (.linux), the initrd (.initrd), the command line (.cmdline), the
 * os-release of the system (.osrel) and the kernel release (.uname) as
 * sections.  Only the headers are read here: the DOS header's e_lfanew,
 * the "PE\0\0" signature, the COFF header and the section table. */
#include "bootentry.h"
#include "vs_errno.h"
#include "vs_util.h"

#define DOS_LFANEW 0x3c
#define COFF_SIZE 20
#define SECTION_SIZE 40
#define MAX_SECTIONS 96 /* the PE format allows more; no UKI has them */

static uint32_t get16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t get32(const uint8_t *p)
{
    return get16(p) | get16(p + 2) << 16;
}

static bool name_is(const uint8_t *name, const char *want)
{
    size_t n = vs_strlen(want);
    return !vs_memcmp(name, want, n) && (n == 8 || name[n] == 0);
}

int uki_parse(const uint8_t *hdr, size_t hdrlen, uint64_t file_size, struct uki *u, const char **why)
{
    vs_memset(u, 0, sizeof(*u));
    if (hdrlen > file_size)
        hdrlen = (size_t)file_size;
    if (hdrlen < DOS_LFANEW + 4 || hdr[0] != 'M' || hdr[1] != 'Z') {
        *why = "not a PE image: no MZ header";
        return -VS_ENOEXEC;
    }
    uint64_t pe = get32(hdr + DOS_LFANEW);
    if (pe > hdrlen || hdrlen - pe < 4 + COFF_SIZE) {
        *why = "PE header outside the file's first bytes";
        return -VS_ENOEXEC;
    }
    const uint8_t *coff = hdr + pe + 4;
    if (vs_memcmp(hdr + pe, "PE\0\0", 4)) {
        *why = "not a PE image: no PE signature";
        return -VS_ENOEXEC;
    }
    u->machine = (uint16_t)get16(coff);
    uint32_t nsec = get16(coff + 2);
    uint64_t table = pe + 4 + COFF_SIZE + get16(coff + 16);
    if (nsec > MAX_SECTIONS) {
        *why = "more than 96 PE sections";
        return -VS_EINVAL;
    }
    if (table > hdrlen || (hdrlen - table) / SECTION_SIZE < nsec) {
        *why = "PE section table truncated";
        return -VS_EINVAL;
    }
    for (uint32_t i = 0; i < nsec; i++) {
        const uint8_t *s = hdr + table + (uint64_t)i * SECTION_SIZE;
        struct uki_section *dst = name_is(s, ".linux")    ? &u->linux_
                                  : name_is(s, ".initrd")  ? &u->initrd
                                  : name_is(s, ".cmdline") ? &u->cmdline
                                  : name_is(s, ".osrel")   ? &u->osrel
                                  : name_is(s, ".uname")   ? &u->uname
                                                           : NULL;
        if (!dst)
            continue;
        /* VirtualSize is the data's size; SizeOfRawData is that rounded up
         * to the file alignment (or less: the rest is zeros we do not have). */
        uint64_t vsize = get32(s + 8), raw = get32(s + 16), off = get32(s + 20);
        uint64_t size = vsize && vsize < raw ? vsize : raw;
        if (off > file_size || file_size - off < size) {
            *why = "a PE section lies past the end of the file (truncated?)";
            return -VS_EINVAL;
        }
        dst->off = off;
        dst->size = size;
    }
    if (!u->linux_.size) {
        *why = "no .linux section: a PE image but not a unified kernel image";
        return -VS_ENOEXEC;
    }
    return 0;
}

/* The value of KEY= in an os-release line, quotes removed. */
static bool osrel_value(const char *s, size_t n, const char *key, char *out, size_t cap)
{
    size_t k = vs_strlen(key);
    if (n <= k || vs_memcmp(s, key, k) || s[k] != '=')
        return false;
    s += k + 1;
    n -= k + 1;
    if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0])
        s++, n -= 2;
    return be_copy(out, cap, s, n);
}

void osrel_parse(const char *text, size_t len, char *title, size_t tcap, char *version, size_t vcap)
{
    char pretty[BE_TEXT] = "", name[BE_TEXT] = "", ver[BE_TEXT] = "", id[BE_TEXT] = "", image[BE_TEXT] = "";
    struct be_lines l = {text, text + len, 0, NULL};
    const char *s;
    size_t n;
    bool bad;
    while (be_next_line(&l, &s, &n, &bad)) {
        if (!osrel_value(s, n, "PRETTY_NAME", pretty, sizeof(pretty)) &&
            !osrel_value(s, n, "NAME", name, sizeof(name)) && !osrel_value(s, n, "VERSION", ver, sizeof(ver)) &&
            !osrel_value(s, n, "VERSION_ID", id, sizeof(id)))
            osrel_value(s, n, "IMAGE_VERSION", image, sizeof(image));
    }
    if (pretty[0] || name[0]) {
        size_t at = 0;
        const char *parts[2] = {pretty[0] ? pretty : name, pretty[0] ? "" : ver};
        for (int p = 0; p < 2; p++) {
            size_t pl = vs_strlen(parts[p]);
            if (!pl || at + pl + 2 > tcap)
                continue;
            if (at)
                title[at++] = ' ';
            vs_memcpy(title + at, parts[p], pl);
            at += pl;
            title[at] = 0;
        }
    }
    const char *v = id[0] ? id : image;
    if (v[0])
        be_copy(version, vcap, v, vs_strlen(v));
}
