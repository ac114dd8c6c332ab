/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the FUSE codec: encoders, every reply validator and the
 * dirent iterator, with valid replies and each malformed variant.
 *
 * Every reply a validator sees is first copied into a heap block of exactly
 * the length the validator is told, so a read past that length is caught by
 * AddressSanitizer rather than passing silently.
 *
 * Prints one line per case, "PASS name" or "FAIL name: reason", and exits 1
 * if any case failed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuse_codec.h"

/* ---- A tiny harness ----------------------------------------------------- */

static char fail_msg[256];
static void *allocs[64];
static int nallocs;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            snprintf(fail_msg, sizeof(fail_msg), "line %d: %s", __LINE__, #cond);    \
            return fail_msg;                                                         \
        }                                                                            \
    } while (0)

/* expr must return exactly want. */
#define CHECK_RC(expr, want)                                                         \
    do {                                                                             \
        long long got_ = (long long)(expr);                                          \
        if (got_ != (long long)(want)) {                                             \
            snprintf(fail_msg, sizeof(fail_msg), "line %d: %s returned %lld, want %lld", \
                     __LINE__, #expr, got_, (long long)(want));                      \
            return fail_msg;                                                         \
        }                                                                            \
    } while (0)

#define EPROTO_RC (-VS_EPROTO)

/* A heap copy of exactly n bytes (freed after the case). */
static void *exact(const void *p, size_t n)
{
    void *q = malloc(n ? n : 1);
    if (q == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    if (n)
        memcpy(q, p, n);
    if (nallocs < (int)(sizeof(allocs) / sizeof(allocs[0])))
        allocs[nallocs++] = q;
    return q;
}

static void free_allocs(void)
{
    while (nallocs > 0)
        free(allocs[--nallocs]);
}

/* ---- Builders of valid replies ------------------------------------------ */

static struct fuse_attr good_attr(uint32_t type)
{
    struct fuse_attr a;
    memset(&a, 0, sizeof(a));
    a.ino = 1234;
    a.size = 4096;
    a.blocks = 8;
    a.atime = a.mtime = a.ctime = 1700000000;
    a.atimensec = 999999999;
    a.mode = type | 0644;
    a.nlink = 1;
    a.uid = 1000;
    a.gid = 1000;
    a.blksize = 4096;
    return a;
}

static struct fuse_entry_out good_entry(uint64_t nodeid, uint32_t type)
{
    struct fuse_entry_out e;
    memset(&e, 0, sizeof(e));
    e.nodeid = nodeid;
    e.generation = 7;
    e.entry_valid = 1;
    e.attr_valid = 1;
    e.attr = good_attr(type);
    return e;
}

static struct fuse_init_out good_init(void)
{
    struct fuse_init_out o;
    memset(&o, 0, sizeof(o));
    o.major = 7;
    o.minor = 31;
    o.max_readahead = 65536;
    o.flags = FUSE_ASYNC_READ | FUSE_MAX_PAGES | FUSE_DO_READDIRPLUS | FUSE_BIG_WRITES;
    o.max_background = 12;
    o.congestion_threshold = 9;
    o.max_write = 1u << 20;
    o.time_gran = 1;
    o.max_pages = 256;
    return o;
}

static struct fuse_statfs_out good_statfs(void)
{
    struct fuse_statfs_out s;
    memset(&s, 0, sizeof(s));
    s.st.blocks = 1000;
    s.st.bfree = 500;
    s.st.bavail = 400;
    s.st.files = 100;
    s.st.ffree = 50;
    s.st.bsize = 4096;
    s.st.namelen = 255;
    s.st.frsize = 4096;
    return s;
}

/* Appends a READDIR record (padded with `pad` bytes of zero; -1 for the
 * standard padding) and returns the new length. */
static size_t put_dirent(unsigned char *buf, size_t at, uint64_t ino, uint64_t off, uint32_t type,
                         uint32_t namelen, const char *name, size_t name_bytes, int pad)
{
    struct fuse_dirent d;
    memset(&d, 0, sizeof(d));
    d.ino = ino;
    d.off = off;
    d.namelen = namelen;
    d.type = type;
    memcpy(buf + at, &d, FUSE_NAME_OFFSET);
    at += FUSE_NAME_OFFSET;
    memcpy(buf + at, name, name_bytes);
    at += name_bytes;
    size_t padding = pad < 0 ? (8 - at % 8) % 8 : (size_t)pad;
    memset(buf + at, 0, padding);
    return at + padding;
}

static size_t put_direntplus(unsigned char *buf, size_t at, const struct fuse_entry_out *e,
                             uint64_t off, uint32_t type, const char *name)
{
    uint32_t namelen = (uint32_t)strlen(name);
    memcpy(buf + at, e, sizeof(*e));
    return put_dirent(buf, at + sizeof(*e), e->attr.ino, off, type, namelen, name, namelen, -1);
}

/* ---- Encoders ------------------------------------------------------------ */

static const char *t_encode_in_header(void)
{
    struct fuse_in_header h;
    memset(&h, 0xa5, sizeof(h));
    fuse_encode_in_header(&h, FUSE_LOOKUP, 0x1122334455667788ull, 42, 45);
    CHECK(h.len == 45);
    CHECK(h.opcode == FUSE_LOOKUP);
    CHECK(h.unique == 0x1122334455667788ull);
    CHECK(h.nodeid == 42);
    CHECK(h.uid == 0 && h.gid == 0 && h.pid == 0 && h.padding == 0);
    return NULL;
}

static const char *t_encode_init(void)
{
    struct fuse_init_in in;
    memset(&in, 0xa5, sizeof(in));
    fuse_encode_init(&in, FUSE_MAX_PAGES | FUSE_ASYNC_READ, 131072);
    CHECK(in.major == FUSE_KERNEL_VERSION && in.major == 7);
    CHECK(in.minor == FUSE_CODEC_MINOR && in.minor >= 31);
    CHECK(in.max_readahead == 131072);
    CHECK(in.flags == (FUSE_MAX_PAGES | FUSE_ASYNC_READ));
    return NULL;
}

static const char *t_proto_constants(void)
{
    /* Spot checks against Linux's numbers (the layout is checked at compile
     * time in fuse_proto.h). */
    CHECK(FUSE_LOOKUP == 1 && FUSE_FORGET == 2 && FUSE_INIT == 26 && FUSE_READDIRPLUS == 44);
    CHECK(FUSE_LSEEK == 46 && FUSE_COPY_FILE_RANGE == 47 && FUSE_SETUPMAPPING == 48);
    CHECK(FUSE_REMOVEMAPPING == 49 && FUSE_SYNCFS == 50 && FUSE_BATCH_FORGET == 42);
    CHECK(FUSE_MAX_PAGES == 0x400000u && FUSE_DO_READDIRPLUS == 0x2000u);
    CHECK(FUSE_EXPLICIT_INVAL_DATA == 0x2000000u && FUSE_NO_OPEN_SUPPORT == 0x20000u);
    CHECK(FATTR_CTIME == 0x400u && FOPEN_KEEP_CACHE == 2u);
    CHECK(VS_S_IFDIR == 040000u && VS_S_IFLNK == 0120000u && VS_DT_LNK == 10u);
    CHECK(fuse_mode_to_dt(VS_S_IFREG | 0755) == VS_DT_REG);
    CHECK(fuse_mode_to_dt(VS_S_IFSOCK) == VS_DT_SOCK);
    CHECK(fuse_mode_to_dt(0) == VS_DT_UNKNOWN);
    CHECK(fuse_dirent_size(1) == 32 && fuse_dirent_size(8) == 32 && fuse_dirent_size(9) == 40);
    CHECK(fuse_direntplus_size(1) == 160 && fuse_direntplus_size(8) == 160);
    CHECK(fuse_dirent_size(UINT32_MAX) == ((uint64_t)UINT32_MAX + 24 + 7) / 8 * 8);
    return NULL;
}

/* ---- fuse_check_out_header ------------------------------------------------ */

static const char *check_hdr(uint32_t hlen, int32_t herr, uint64_t hunique, uint32_t used,
                             uint64_t unique, int want, int32_t want_err)
{
    struct fuse_out_header h = { .len = hlen, .error = herr, .unique = hunique };
    size_t n = used < sizeof(h) ? used : sizeof(h);
    const struct fuse_out_header *p = exact(&h, n);
    int32_t err = 12345;
    CHECK_RC(fuse_check_out_header(p, used, unique, &err), want);
    if (want == 0)
        CHECK(err == want_err);
    else
        CHECK(err == 12345); /* untouched on failure */
    return NULL;
}

static const char *t_hdr_ok_no_payload(void) { return check_hdr(16, 0, 9, 16, 9, 0, 0); }
static const char *t_hdr_ok_payload(void) { return check_hdr(144, 0, 9, 144, 9, 0, 0); }
static const char *t_hdr_ok_error(void) { return check_hdr(16, -VS_ENOENT, 9, 16, 9, 0, -VS_ENOENT); }
static const char *t_hdr_ok_error_max(void) { return check_hdr(16, -4095, 9, 16, 9, 0, -4095); }
static const char *t_hdr_truncated(void)
{
    const char *r;
    if ((r = check_hdr(16, 0, 9, 15, 9, EPROTO_RC, 0)))
        return r;
    if ((r = check_hdr(16, 0, 9, 8, 9, EPROTO_RC, 0)))
        return r;
    CHECK_RC(fuse_check_out_header(NULL, 0, 9, NULL), EPROTO_RC);
    return NULL;
}
static const char *t_hdr_len_short(void) { return check_hdr(32, 0, 9, 40, 9, EPROTO_RC, 0); }
static const char *t_hdr_len_long(void) { return check_hdr(40, 0, 9, 32, 9, EPROTO_RC, 0); }
static const char *t_hdr_len_below_header(void) { return check_hdr(8, 0, 9, 16, 9, EPROTO_RC, 0); }
static const char *t_hdr_wrong_unique(void) { return check_hdr(16, 0, 10, 16, 9, EPROTO_RC, 0); }
static const char *t_hdr_positive_error(void) { return check_hdr(16, 5, 9, 16, 9, EPROTO_RC, 0); }
static const char *t_hdr_error_out_of_range(void)
{
    const char *r;
    if ((r = check_hdr(16, -4096, 9, 16, 9, EPROTO_RC, 0)))
        return r;
    return check_hdr(16, INT32_MIN, 9, 16, 9, EPROTO_RC, 0);
}
static const char *t_hdr_error_with_payload(void)
{
    return check_hdr(24, -VS_EIO, 9, 24, 9, EPROTO_RC, 0);
}
static const char *t_hdr_null_error_ptr(void)
{
    struct fuse_out_header h = { .len = 16, .error = -2, .unique = 3 };
    CHECK_RC(fuse_check_out_header(exact(&h, sizeof(h)), 16, 3, NULL), 0);
    return NULL;
}

/* ---- fuse_check_init ---------------------------------------------------- */

#define ALL_OFFERED (FUSE_ASYNC_READ | FUSE_MAX_PAGES | FUSE_DO_READDIRPLUS)
#define MiB (1u << 20)

static int init(const struct fuse_init_out *o, uint32_t len, uint32_t offered, uint32_t lw,
                uint32_t lr, struct fuse_conn_params *p)
{
    return fuse_check_init(exact(o, len), len, offered, lw, lr, p);
}

static const char *t_init_ok(void)
{
    struct fuse_init_out o = good_init();
    struct fuse_conn_params p;
    memset(&p, 0xa5, sizeof(p));
    CHECK_RC(init(&o, sizeof(o), ALL_OFFERED, MiB, MiB, &p), 0);
    CHECK(p.minor == 31);
    /* FUSE_BIG_WRITES was not offered: masked off. */
    CHECK(p.flags == ALL_OFFERED);
    CHECK(p.max_pages == 256);
    CHECK(p.max_write == MiB);
    CHECK(p.max_read == MiB);
    CHECK(p.max_readahead == 65536);
    return NULL;
}

static const char *t_init_limits_clamp(void)
{
    struct fuse_init_out o = good_init();
    struct fuse_conn_params p;
    CHECK_RC(init(&o, sizeof(o), ALL_OFFERED, 65536, 131072, &p), 0);
    CHECK(p.max_write == 65536);
    CHECK(p.max_read == 131072);
    return NULL;
}

static const char *t_init_huge_max_write(void)
{
    struct fuse_init_out o = good_init();
    struct fuse_conn_params p;
    o.max_write = UINT32_MAX;
    o.max_pages = UINT16_MAX;
    CHECK_RC(init(&o, sizeof(o), ALL_OFFERED, 4 * MiB, UINT32_MAX, &p), 0);
    CHECK(p.max_write == 4 * MiB);
    CHECK(p.max_read == 65535u * 4096u);
    CHECK(p.max_pages == 65535);
    /* Bounded by max_pages too: the device's buffers hold that much. */
    o.max_pages = 16;
    CHECK_RC(init(&o, sizeof(o), ALL_OFFERED, 4 * MiB, 4 * MiB, &p), 0);
    CHECK(p.max_write == 16 * 4096);
    CHECK(p.max_read == 16 * 4096);
    return NULL;
}

static const char *t_init_newer_minor(void)
{
    struct fuse_init_out o = good_init();
    struct fuse_conn_params p;
    o.minor = 38;
    CHECK_RC(init(&o, sizeof(o), ALL_OFFERED, MiB, MiB, &p), 0);
    CHECK(p.minor == FUSE_CODEC_MINOR);
    return NULL;
}

static const char *t_init_minor_30(void)
{
    struct fuse_init_out o = good_init();
    struct fuse_conn_params p;
    o.minor = 30;
    CHECK_RC(init(&o, sizeof(o), ALL_OFFERED, MiB, MiB, &p), EPROTO_RC);
    return NULL;
}

static const char *t_init_major(void)
{
    struct fuse_init_out o = good_init();
    struct fuse_conn_params p;
    o.major = 6;
    CHECK_RC(init(&o, sizeof(o), ALL_OFFERED, MiB, MiB, &p), EPROTO_RC);
    o.major = 8;
    CHECK_RC(init(&o, sizeof(o), ALL_OFFERED, MiB, MiB, &p), EPROTO_RC);
    return NULL;
}

static const char *t_init_max_write_0(void)
{
    struct fuse_init_out o = good_init();
    struct fuse_conn_params p;
    /* Raised to one page, as Linux does. */
    o.max_write = 0;
    CHECK_RC(init(&o, sizeof(o), ALL_OFFERED, MiB, MiB, &p), 0);
    CHECK(p.max_write == 4096);
    o.max_write = 4095;
    CHECK_RC(init(&o, sizeof(o), ALL_OFFERED, MiB, MiB, &p), 0);
    CHECK(p.max_write == 4096);
    o.max_write = 4096;
    CHECK_RC(init(&o, sizeof(o), ALL_OFFERED, MiB, MiB, &p), 0);
    CHECK(p.max_write == 4096);
    return NULL;
}

static const char *t_init_max_pages_0(void)
{
    struct fuse_init_out o = good_init();
    struct fuse_conn_params p;
    /* One page, as Linux reads it. */
    o.max_pages = 0;
    CHECK_RC(init(&o, sizeof(o), ALL_OFFERED, MiB, MiB, &p), 0);
    CHECK(p.max_pages == 1 && p.max_read == 4096 && p.max_write == 4096);
    return NULL;
}

static const char *t_init_no_max_pages(void)
{
    struct fuse_init_out o = good_init();
    struct fuse_conn_params p;
    /* The device did not accept FUSE_MAX_PAGES: 32 pages, whatever
     * max_pages says. */
    o.flags &= ~FUSE_MAX_PAGES;
    o.max_pages = 0;
    CHECK_RC(init(&o, sizeof(o), ALL_OFFERED, MiB, MiB, &p), 0);
    CHECK(!(p.flags & FUSE_MAX_PAGES));
    CHECK(p.max_pages == 32);
    CHECK(p.max_read == 32 * 4096);
    CHECK(p.max_write == 32 * 4096);
    /* We did not offer it: same, even though the device says it. */
    o = good_init();
    CHECK_RC(init(&o, sizeof(o), FUSE_ASYNC_READ, MiB, MiB, &p), 0);
    CHECK(p.flags == FUSE_ASYNC_READ);
    CHECK(p.max_pages == 32);
    CHECK(p.max_read == 32 * 4096);
    return NULL;
}

static const char *t_init_short_layouts(void)
{
    struct fuse_init_out o = good_init();
    struct fuse_conn_params p;
    /* 24 bytes (7.22 layout): max_pages is missing, reads as 0: one page,
     * as Linux reads it. */
    CHECK_RC(init(&o, 24, ALL_OFFERED, MiB, MiB, &p), 0);
    CHECK(p.max_pages == 1 && p.max_read == 4096);
    CHECK_RC(init(&o, 24, FUSE_ASYNC_READ, MiB, MiB, &p), 0);
    CHECK(p.max_pages == 32 && p.max_write == 32 * 4096);
    /* 30 bytes: max_pages present. */
    CHECK_RC(init(&o, 30, ALL_OFFERED, MiB, MiB, &p), 0);
    CHECK(p.max_pages == 256);
    /* 29 bytes: max_pages cut in half: its low byte (0 of 256) only, so
     * one page. */
    CHECK_RC(init(&o, 29, ALL_OFFERED, MiB, MiB, &p), 0);
    CHECK(p.max_pages == 1);
    return NULL;
}

static const char *t_init_truncated(void)
{
    struct fuse_init_out o = good_init();
    struct fuse_conn_params p;
    CHECK_RC(init(&o, 23, ALL_OFFERED, MiB, MiB, &p), EPROTO_RC);
    /* 23 bytes hold all of max_write's non-zero bytes (1 MiB): still short. */
    CHECK_RC(init(&o, 23, FUSE_ASYNC_READ, MiB, MiB, &p), EPROTO_RC);
    CHECK_RC(init(&o, 16, FUSE_ASYNC_READ, MiB, MiB, &p), EPROTO_RC);
    CHECK_RC(init(&o, 8, ALL_OFFERED, MiB, MiB, &p), EPROTO_RC);
    CHECK_RC(init(&o, 0, ALL_OFFERED, MiB, MiB, &p), EPROTO_RC);
    return NULL;
}

static const char *t_init_too_long(void)
{
    unsigned char big[80];
    struct fuse_init_out o = good_init();
    struct fuse_conn_params p;
    memset(big, 0, sizeof(big));
    memcpy(big, &o, sizeof(o));
    CHECK_RC(fuse_check_init(exact(big, 65), 65, ALL_OFFERED, MiB, MiB, &p), EPROTO_RC);
    return NULL;
}

static const char *t_init_params_untouched_on_failure(void)
{
    struct fuse_init_out o = good_init();
    struct fuse_conn_params p, before;
    memset(&p, 0x5a, sizeof(p));
    before = p;
    o.major = 8;
    CHECK_RC(init(&o, sizeof(o), ALL_OFFERED, MiB, MiB, &p), EPROTO_RC);
    CHECK(memcmp(&p, &before, sizeof(p)) == 0);
    return NULL;
}

static const char *t_init_bad_caller_limits(void)
{
    struct fuse_init_out o = good_init();
    struct fuse_conn_params p;
    CHECK_RC(init(&o, sizeof(o), ALL_OFFERED, 4095, MiB, &p), -VS_EINVAL);
    CHECK_RC(init(&o, sizeof(o), ALL_OFFERED, MiB, 0, &p), -VS_EINVAL);
    return NULL;
}

/* ---- fuse_check_attr ---------------------------------------------------- */

static const char *t_attr_all_types(void)
{
    static const uint32_t known[] = { VS_S_IFSOCK, VS_S_IFLNK, VS_S_IFREG, VS_S_IFBLK,
                                      VS_S_IFDIR, VS_S_IFCHR, VS_S_IFIFO };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        struct fuse_attr a = good_attr(known[i]);
        CHECK_RC(fuse_check_attr(exact(&a, sizeof(a))), 0);
    }
    return NULL;
}

static const char *t_attr_unknown_type(void)
{
    int bad = 0;
    for (uint32_t t = 0; t < 16; t++) {
        struct fuse_attr a = good_attr(t << 12);
        bool is_known = t == 1 || t == 2 || t == 4 || t == 6 || t == 8 || t == 10 || t == 12;
        CHECK_RC(fuse_check_attr(exact(&a, sizeof(a))), is_known ? 0 : EPROTO_RC);
        bad += !is_known;
    }
    CHECK(bad == 9);
    return NULL;
}

static const char *t_attr_size_limit(void)
{
    struct fuse_attr a = good_attr(VS_S_IFREG);
    a.size = (uint64_t)INT64_MAX;
    CHECK_RC(fuse_check_attr(exact(&a, sizeof(a))), 0);
    a.size = (uint64_t)INT64_MAX + 1;
    CHECK_RC(fuse_check_attr(exact(&a, sizeof(a))), EPROTO_RC);
    a.size = UINT64_MAX;
    CHECK_RC(fuse_check_attr(exact(&a, sizeof(a))), EPROTO_RC);
    return NULL;
}

static const char *t_attr_nsec(void)
{
    struct fuse_attr a = good_attr(VS_S_IFREG);
    a.mtimensec = 1000000000;
    CHECK_RC(fuse_check_attr(exact(&a, sizeof(a))), EPROTO_RC);
    a = good_attr(VS_S_IFREG);
    a.ctimensec = UINT32_MAX;
    CHECK_RC(fuse_check_attr(exact(&a, sizeof(a))), EPROTO_RC);
    return NULL;
}

static const char *t_attr_any_nlink_blksize(void)
{
    struct fuse_attr a = good_attr(VS_S_IFDIR);
    a.nlink = 0;
    a.blksize = 0;
    CHECK_RC(fuse_check_attr(exact(&a, sizeof(a))), 0);
    a.nlink = UINT32_MAX;
    a.blocks = UINT64_MAX;
    CHECK_RC(fuse_check_attr(exact(&a, sizeof(a))), 0);
    CHECK_RC(fuse_check_attr(NULL), EPROTO_RC);
    return NULL;
}

/* ---- fuse_check_entry / attr_out / open / create ------------------------- */

static const char *t_entry_ok(void)
{
    struct fuse_entry_out e = good_entry(5, VS_S_IFDIR);
    CHECK_RC(fuse_check_entry(exact(&e, sizeof(e)), sizeof(e)), 0);
    return NULL;
}

static const char *t_entry_negative(void)
{
    struct fuse_entry_out e = good_entry(0, 0); /* nodeid 0, attr garbage */
    e.attr.size = UINT64_MAX;
    CHECK_RC(fuse_check_entry(exact(&e, sizeof(e)), sizeof(e)), 0);
    return NULL;
}

static const char *t_entry_root(void)
{
    struct fuse_entry_out e = good_entry(FUSE_ROOT_ID, VS_S_IFDIR);
    CHECK_RC(fuse_check_entry(exact(&e, sizeof(e)), sizeof(e)), EPROTO_RC);
    return NULL;
}

static const char *t_entry_bad_attr(void)
{
    struct fuse_entry_out e = good_entry(5, 0);
    CHECK_RC(fuse_check_entry(exact(&e, sizeof(e)), sizeof(e)), EPROTO_RC);
    e = good_entry(5, VS_S_IFREG);
    e.attr.size = (uint64_t)INT64_MAX + 1;
    CHECK_RC(fuse_check_entry(exact(&e, sizeof(e)), sizeof(e)), EPROTO_RC);
    e = good_entry(5, VS_S_IFREG);
    e.entry_valid_nsec = 1000000000;
    CHECK_RC(fuse_check_entry(exact(&e, sizeof(e)), sizeof(e)), EPROTO_RC);
    return NULL;
}

static const char *t_entry_len(void)
{
    struct fuse_entry_out e = good_entry(5, VS_S_IFREG);
    unsigned char big[sizeof(e) + 8];
    CHECK_RC(fuse_check_entry(exact(&e, FUSE_COMPAT_ENTRY_OUT_SIZE), FUSE_COMPAT_ENTRY_OUT_SIZE),
             EPROTO_RC);
    CHECK_RC(fuse_check_entry(exact(&e, 0), 0), EPROTO_RC);
    memset(big, 0, sizeof(big));
    memcpy(big, &e, sizeof(e));
    CHECK_RC(fuse_check_entry(exact(big, sizeof(big)), sizeof(big)), EPROTO_RC);
    return NULL;
}

static const char *t_attr_out(void)
{
    struct fuse_attr_out o;
    memset(&o, 0, sizeof(o));
    o.attr_valid = 1;
    o.attr = good_attr(VS_S_IFLNK);
    CHECK_RC(fuse_check_attr_out(exact(&o, sizeof(o)), sizeof(o)), 0);
    CHECK_RC(fuse_check_attr_out(exact(&o, FUSE_COMPAT_ATTR_OUT_SIZE), FUSE_COMPAT_ATTR_OUT_SIZE),
             EPROTO_RC);
    o.attr.mode = 0644; /* no type */
    CHECK_RC(fuse_check_attr_out(exact(&o, sizeof(o)), sizeof(o)), EPROTO_RC);
    o.attr = good_attr(VS_S_IFREG);
    o.attr.size = UINT64_MAX;
    CHECK_RC(fuse_check_attr_out(exact(&o, sizeof(o)), sizeof(o)), EPROTO_RC);
    return NULL;
}

static const char *t_open(void)
{
    struct fuse_open_out o = { .fh = 77, .open_flags = FOPEN_KEEP_CACHE };
    unsigned char big[sizeof(o) + 1];
    CHECK_RC(fuse_check_open(exact(&o, sizeof(o)), sizeof(o)), 0);
    CHECK_RC(fuse_check_open(exact(&o, 15), 15), EPROTO_RC);
    CHECK_RC(fuse_check_open(exact(&o, 0), 0), EPROTO_RC);
    memset(big, 0, sizeof(big));
    CHECK_RC(fuse_check_open(exact(big, sizeof(big)), sizeof(big)), EPROTO_RC);
    return NULL;
}

static const char *check_create(const struct fuse_entry_out *e, uint32_t len, int want)
{
    unsigned char buf[sizeof(*e) + sizeof(struct fuse_open_out) + 8];
    struct fuse_open_out o = { .fh = 3 };
    memset(buf, 0, sizeof(buf));
    memcpy(buf, e, sizeof(*e));
    memcpy(buf + sizeof(*e), &o, sizeof(o));
    CHECK_RC(fuse_check_create(exact(buf, len), len), want);
    return NULL;
}

static const char *t_create(void)
{
    const char *r;
    struct fuse_entry_out e = good_entry(9, VS_S_IFREG);
    if ((r = check_create(&e, 144, 0)))
        return r;
    if ((r = check_create(&e, 143, EPROTO_RC)) || (r = check_create(&e, 128, EPROTO_RC)) ||
        (r = check_create(&e, 152, EPROTO_RC)))
        return r;
    e.nodeid = 0; /* no negative entry for CREATE */
    if ((r = check_create(&e, 144, EPROTO_RC)))
        return r;
    e = good_entry(FUSE_ROOT_ID, VS_S_IFREG);
    if ((r = check_create(&e, 144, EPROTO_RC)))
        return r;
    e = good_entry(9, VS_S_IFDIR); /* created something else than a file */
    if ((r = check_create(&e, 144, EPROTO_RC)))
        return r;
    e = good_entry(9, VS_S_IFREG);
    e.attr.size = UINT64_MAX;
    return check_create(&e, 144, EPROTO_RC);
}

/* ---- statfs / write / read / readlink ------------------------------------ */

static const char *t_statfs(void)
{
    struct fuse_statfs_out s = good_statfs();
    CHECK_RC(fuse_check_statfs(exact(&s, sizeof(s)), sizeof(s)), 0);
    CHECK_RC(fuse_check_statfs(exact(&s, FUSE_COMPAT_STATFS_SIZE), FUSE_COMPAT_STATFS_SIZE),
             EPROTO_RC);
    s.st.files = s.st.ffree = 0; /* btrfs-style: no inode counts */
    CHECK_RC(fuse_check_statfs(exact(&s, sizeof(s)), sizeof(s)), 0);
    return NULL;
}

static const char *t_statfs_bsize_0(void)
{
    struct fuse_statfs_out s = good_statfs();
    s.st.bsize = 0;
    CHECK_RC(fuse_check_statfs(exact(&s, sizeof(s)), sizeof(s)), EPROTO_RC);
    s = good_statfs();
    s.st.frsize = 0;
    CHECK_RC(fuse_check_statfs(exact(&s, sizeof(s)), sizeof(s)), EPROTO_RC);
    return NULL;
}

static const char *t_statfs_free_gt_total(void)
{
    struct fuse_statfs_out s = good_statfs();
    s.st.bfree = s.st.blocks + 1;
    CHECK_RC(fuse_check_statfs(exact(&s, sizeof(s)), sizeof(s)), EPROTO_RC);
    s = good_statfs();
    s.st.bavail = s.st.blocks + 1;
    CHECK_RC(fuse_check_statfs(exact(&s, sizeof(s)), sizeof(s)), EPROTO_RC);
    s = good_statfs();
    s.st.ffree = s.st.files + 1;
    CHECK_RC(fuse_check_statfs(exact(&s, sizeof(s)), sizeof(s)), EPROTO_RC);
    return NULL;
}

static const char *t_write(void)
{
    struct fuse_write_out o = { .size = 4096 };
    CHECK_RC(fuse_check_write(exact(&o, sizeof(o)), sizeof(o), 4096), 0);
    o.size = 100; /* short write */
    CHECK_RC(fuse_check_write(exact(&o, sizeof(o)), sizeof(o), 4096), 0);
    o.size = 4097;
    CHECK_RC(fuse_check_write(exact(&o, sizeof(o)), sizeof(o), 4096), EPROTO_RC);
    o.size = 0;
    CHECK_RC(fuse_check_write(exact(&o, 4), 4, 4096), EPROTO_RC);
    CHECK_RC(fuse_check_write(exact(&o, 0), 0, 4096), EPROTO_RC);
    return NULL;
}

static const char *t_read(void)
{
    CHECK_RC(fuse_check_read(4096, 4096), 0);
    CHECK_RC(fuse_check_read(0, 4096), 0); /* end of file */
    CHECK_RC(fuse_check_read(10, 4096), 0);
    CHECK_RC(fuse_check_read(4097, 4096), EPROTO_RC);
    CHECK_RC(fuse_check_read(UINT32_MAX, 0), EPROTO_RC);
    return NULL;
}

static const char *t_readlink(void)
{
    CHECK_RC(fuse_check_readlink(exact("target", 6), 6, 4096), 0);
    CHECK_RC(fuse_check_readlink(exact("../a/b", 6), 6, 6), 0); /* exactly asked */
    return NULL;
}

static const char *t_readlink_nul(void)
{
    CHECK_RC(fuse_check_readlink(exact("ab\0cd", 5), 5, 4096), EPROTO_RC);
    CHECK_RC(fuse_check_readlink(exact("abc\0", 4), 4, 4096), EPROTO_RC);
    return NULL;
}

static const char *t_readlink_empty(void)
{
    CHECK_RC(fuse_check_readlink(exact("", 0), 0, 4096), EPROTO_RC);
    return NULL;
}

static const char *t_readlink_too_long(void)
{
    CHECK_RC(fuse_check_readlink(exact("abcdefg", 7), 7, 6), EPROTO_RC);
    return NULL;
}

/* ---- fuse_dirent_next: READDIR ------------------------------------------- */

static const char *t_dirent_ok(void)
{
    unsigned char b[256];
    size_t n = 0;
    n = put_dirent(b, n, 1, 1, VS_DT_DIR, 1, ".", 1, -1);
    n = put_dirent(b, n, 2, 2, VS_DT_DIR, 2, "..", 2, -1);
    n = put_dirent(b, n, 77, 3, VS_DT_REG, 8, "file.txt", 8, -1); /* no padding needed */
    n = put_dirent(b, n, 78, 4, VS_DT_LNK, 9, "link-name", 9, -1);
    CHECK(n == 32 + 32 + 32 + 40);
    const void *buf = exact(b, n);
    uint32_t pos = 0;
    struct fuse_dirent_view d;
    CHECK_RC(fuse_dirent_next(buf, (uint32_t)n, &pos, false, &d), 1);
    CHECK(d.ino == 1 && d.off == 1 && d.type == VS_DT_DIR && d.namelen == 1 && d.name[0] == '.');
    CHECK(d.entry == NULL && pos == 32);
    CHECK_RC(fuse_dirent_next(buf, (uint32_t)n, &pos, false, &d), 1);
    CHECK(d.namelen == 2 && memcmp(d.name, "..", 2) == 0 && pos == 64);
    CHECK_RC(fuse_dirent_next(buf, (uint32_t)n, &pos, false, &d), 1);
    CHECK(d.ino == 77 && d.off == 3 && d.type == VS_DT_REG && d.namelen == 8);
    CHECK(memcmp(d.name, "file.txt", 8) == 0 && pos == 96);
    CHECK(d.name == (const char *)buf + 64 + FUSE_NAME_OFFSET);
    CHECK_RC(fuse_dirent_next(buf, (uint32_t)n, &pos, false, &d), 1);
    CHECK(d.ino == 78 && memcmp(d.name, "link-name", 9) == 0 && pos == n);
    CHECK_RC(fuse_dirent_next(buf, (uint32_t)n, &pos, false, &d), 0);
    CHECK(pos == n);
    return NULL;
}

static const char *t_dirent_empty(void)
{
    struct fuse_dirent_view d;
    uint32_t pos = 0;
    CHECK_RC(fuse_dirent_next(exact("", 0), 0, &pos, false, &d), 0);
    CHECK_RC(fuse_dirent_next(exact("", 0), 0, &pos, true, &d), 0);
    CHECK(pos == 0);
    return NULL;
}

static const char *t_dirent_max_name(void)
{
    static unsigned char b[2048];
    char name[FUSE_NAME_MAX];
    memset(name, 'n', sizeof(name));
    size_t n = put_dirent(b, 0, 5, 1, VS_DT_REG, FUSE_NAME_MAX, name, FUSE_NAME_MAX, -1);
    struct fuse_dirent_view d;
    uint32_t pos = 0;
    CHECK_RC(fuse_dirent_next(exact(b, n), (uint32_t)n, &pos, false, &d), 1);
    CHECK(d.namelen == FUSE_NAME_MAX && pos == n);
    return NULL;
}

/* One record whose parse must fail with EPROTO, leaving pos and d alone. */
static const char *expect_bad(const unsigned char *b, size_t n, uint32_t start, bool plus)
{
    struct fuse_dirent_view d, before;
    uint32_t pos = start;
    memset(&d, 0x5a, sizeof(d));
    before = d;
    CHECK_RC(fuse_dirent_next(exact(b, n), (uint32_t)n, &pos, plus, &d), EPROTO_RC);
    CHECK(pos == start);
    CHECK(memcmp(&d, &before, sizeof(d)) == 0);
    return NULL;
}

static const char *t_dirent_namelen_0(void)
{
    unsigned char b[64];
    size_t n = put_dirent(b, 0, 5, 1, VS_DT_REG, 0, "", 0, 8);
    return expect_bad(b, n, 0, false);
}

static const char *t_dirent_namelen_huge(void)
{
    const char *r;
    static unsigned char b[4096];
    char name[FUSE_NAME_MAX + 1];
    memset(name, 'x', sizeof(name));
    /* 1025 bytes, all present and padded: still too long a name. */
    size_t n = put_dirent(b, 0, 5, 1, VS_DT_REG, FUSE_NAME_MAX + 1, name, sizeof(name), -1);
    if ((r = expect_bad(b, n, 0, false)))
        return r;
    /* A namelen whose record size would wrap a 32-bit sum. */
    n = put_dirent(b, 0, 5, 1, VS_DT_REG, UINT32_MAX, "abc", 3, -1);
    if ((r = expect_bad(b, n, 0, false)))
        return r;
    n = put_dirent(b, 0, 5, 1, VS_DT_REG, UINT32_MAX - 20, "abc", 3, -1);
    return expect_bad(b, n, 0, false);
}

static const char *t_dirent_overflowing(void)
{
    unsigned char b[64];
    /* namelen 10 but only 5 name bytes (and 3 of padding) in the reply. */
    size_t n = put_dirent(b, 0, 5, 1, VS_DT_REG, 10, "abcde", 5, 3);
    return expect_bad(b, n, 0, false);
}

static const char *t_dirent_missing_padding(void)
{
    unsigned char b[64];
    /* 24 + 5 = 29 bytes: the name fits but the padded record (32) does not. */
    size_t n = put_dirent(b, 0, 5, 1, VS_DT_REG, 5, "abcde", 5, 0);
    CHECK(n == 29);
    return expect_bad(b, n, 0, false);
}

static const char *t_dirent_misaligned(void)
{
    const char *r;
    unsigned char b[128];
    size_t n = put_dirent(b, 0, 5, 1, VS_DT_REG, 3, "abc", 3, -1);
    n = put_dirent(b, n, 6, 2, VS_DT_REG, 3, "def", 3, -1);
    /* Starting inside a record, off the 8-byte grid. */
    if ((r = expect_bad(b, n, 4, false)) || (r = expect_bad(b, n, 33, false)))
        return r;
    /* A well-formed record that starts off the grid. */
    memset(b, 0, 4);
    n = put_dirent(b, 4, 5, 1, VS_DT_REG, 4, "abcd", 4, 4);
    CHECK(n == 36);
    if ((r = expect_bad(b, n, 4, false)))
        return r;
    /* Past the end, on the grid. */
    return expect_bad(b, n, 48, false);
}

static const char *t_dirent_slash(void)
{
    const char *r;
    unsigned char b[64];
    size_t n = put_dirent(b, 0, 5, 1, VS_DT_REG, 3, "a/b", 3, -1);
    if ((r = expect_bad(b, n, 0, false)))
        return r;
    n = put_dirent(b, 0, 5, 1, VS_DT_REG, 1, "/", 1, -1);
    return expect_bad(b, n, 0, false);
}

static const char *t_dirent_nul(void)
{
    const char *r;
    unsigned char b[64];
    size_t n = put_dirent(b, 0, 5, 1, VS_DT_REG, 3, "a\0b", 3, -1);
    if ((r = expect_bad(b, n, 0, false)))
        return r;
    n = put_dirent(b, 0, 5, 1, VS_DT_REG, 4, "abc\0", 4, -1);
    return expect_bad(b, n, 0, false);
}

static const char *t_dirent_ends_mid_record(void)
{
    const char *r;
    unsigned char b[128];
    size_t n = put_dirent(b, 0, 5, 1, VS_DT_REG, 3, "abc", 3, -1);
    size_t full = put_dirent(b, n, 6, 2, VS_DT_REG, 3, "def", 3, -1);
    struct fuse_dirent_view d;
    uint32_t pos = 0;
    /* Cut the second record in its header (n + 10) and in its name (n + 26). */
    size_t cuts[] = { n + 10, n + 26, full - 1 };
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        const void *buf = exact(b, cuts[i]);
        pos = 0;
        CHECK_RC(fuse_dirent_next(buf, (uint32_t)cuts[i], &pos, false, &d), 1);
        CHECK(pos == n && d.ino == 5);
        if ((r = expect_bad(b, cuts[i], (uint32_t)n, false)))
            return r;
    }
    /* A header cut short on its own. */
    return expect_bad(b, 20, 0, false);
}

static const char *t_dirent_bad_args(void)
{
    struct fuse_dirent_view d;
    uint32_t pos = 0;
    CHECK_RC(fuse_dirent_next(NULL, 32, &pos, false, &d), EPROTO_RC);
    CHECK_RC(fuse_dirent_next(exact("", 0), 0, NULL, false, &d), -VS_EINVAL);
    return NULL;
}

/* ---- fuse_dirent_next: READDIRPLUS --------------------------------------- */

static const char *t_direntplus_ok(void)
{
    static unsigned char b[1024];
    struct fuse_entry_out dot = good_entry(0, 0); /* virtiofsd: no entry for "." */
    dot.attr.mode = VS_S_IFDIR;
    struct fuse_entry_out dotdot = good_entry(FUSE_ROOT_ID, VS_S_IFDIR);
    struct fuse_entry_out f = good_entry(42, VS_S_IFREG);
    f.attr.ino = 4242;
    size_t n = put_direntplus(b, 0, &dot, 1, VS_DT_DIR, ".");
    n = put_direntplus(b, n, &dotdot, 2, VS_DT_DIR, "..");
    size_t third = n;
    n = put_direntplus(b, n, &f, 3, VS_DT_REG, "hello");
    CHECK(n == 3 * 160);
    const unsigned char *buf = exact(b, n);
    struct fuse_dirent_view d;
    uint32_t pos = 0;
    CHECK_RC(fuse_dirent_next(buf, (uint32_t)n, &pos, true, &d), 1);
    CHECK(d.entry == (const void *)buf && d.entry->nodeid == 0 && d.namelen == 1);
    CHECK_RC(fuse_dirent_next(buf, (uint32_t)n, &pos, true, &d), 1);
    CHECK(d.entry->nodeid == FUSE_ROOT_ID && d.namelen == 2 && pos == 320);
    CHECK_RC(fuse_dirent_next(buf, (uint32_t)n, &pos, true, &d), 1);
    CHECK(d.entry == (const void *)(buf + third) && d.entry->nodeid == 42);
    CHECK(d.ino == 4242 && d.off == 3 && d.type == VS_DT_REG && d.namelen == 5);
    CHECK(memcmp(d.name, "hello", 5) == 0 && d.name == (const char *)buf + third + 152);
    CHECK(pos == n);
    CHECK_RC(fuse_dirent_next(buf, (uint32_t)n, &pos, true, &d), 0);
    return NULL;
}

/* fuse_dirent_accepted over records fuse_dirent_next accepted: the same
 * view and the same next position, READDIR and READDIRPLUS alike. */
static const char *same_views(const unsigned char *buf, uint32_t n, bool plus)
{
    uint32_t pos = 0, again = 0;
    struct fuse_dirent_view d, a;
    while (pos < n) {
        CHECK_RC(fuse_dirent_next(buf, n, &pos, plus, &d), 1);
        fuse_dirent_accepted(buf, &again, plus, &a);
        CHECK(again == pos && a.ino == d.ino && a.off == d.off && a.type == d.type);
        CHECK(a.name == d.name && a.namelen == d.namelen && a.entry == d.entry);
    }
    return NULL;
}

static const char *t_dirent_accepted(void)
{
    static unsigned char b[1024];
    size_t n = put_dirent(b, 0, 1, 1, VS_DT_DIR, 1, ".", 1, -1);
    n = put_dirent(b, n, 77, 3, VS_DT_REG, 8, "file.txt", 8, -1);
    n = put_dirent(b, n, 78, 4, VS_DT_LNK, 9, "link-name", 9, -1);
    const char *why = same_views(exact(b, n), (uint32_t)n, false);
    if (why)
        return why;
    struct fuse_entry_out f = good_entry(42, VS_S_IFREG), g = good_entry(43, VS_S_IFLNK);
    n = put_direntplus(b, 0, &f, 5, VS_DT_REG, "hello");
    n = put_direntplus(b, n, &g, 6, VS_DT_LNK, "a-longer-name");
    return same_views(exact(b, n), (uint32_t)n, true);
}

static const char *t_direntplus_bad_attr(void)
{
    const char *r;
    unsigned char b[256];
    struct fuse_entry_out e = good_entry(42, 0); /* no file type */
    size_t n = put_direntplus(b, 0, &e, 1, VS_DT_REG, "x");
    if ((r = expect_bad(b, n, 0, true)))
        return r;
    e = good_entry(42, VS_S_IFREG);
    e.attr.size = (uint64_t)INT64_MAX + 1;
    n = put_direntplus(b, 0, &e, 1, VS_DT_REG, "x");
    if ((r = expect_bad(b, n, 0, true)))
        return r;
    /* The same garbage with nodeid 0 is not looked at. */
    e.nodeid = 0;
    n = put_direntplus(b, 0, &e, 1, VS_DT_REG, "x");
    struct fuse_dirent_view d;
    uint32_t pos = 0;
    CHECK_RC(fuse_dirent_next(exact(b, n), (uint32_t)n, &pos, true, &d), 1);
    return NULL;
}

static const char *t_direntplus_root_alias(void)
{
    unsigned char b[256];
    struct fuse_entry_out e = good_entry(FUSE_ROOT_ID, VS_S_IFDIR);
    size_t n = put_direntplus(b, 0, &e, 1, VS_DT_DIR, "sub");
    return expect_bad(b, n, 0, true);
}

static const char *t_direntplus_truncated(void)
{
    const char *r;
    unsigned char b[256];
    struct fuse_entry_out e = good_entry(42, VS_S_IFREG);
    size_t n = put_direntplus(b, 0, &e, 1, VS_DT_REG, "abc");
    CHECK(n == 160);
    /* In the entry, in the dirent header, in the name, in the padding. */
    if ((r = expect_bad(b, 100, 0, true)) || (r = expect_bad(b, 140, 0, true)) ||
        (r = expect_bad(b, 153, 0, true)) || (r = expect_bad(b, 159, 0, true)))
        return r;
    /* A READDIR-sized record read as READDIRPLUS. */
    n = put_dirent(b, 0, 5, 1, VS_DT_REG, 3, "abc", 3, -1);
    return expect_bad(b, n, 0, true);
}

static const char *t_direntplus_name_checks(void)
{
    const char *r;
    unsigned char b[256];
    struct fuse_entry_out e = good_entry(42, VS_S_IFREG);
    size_t n = put_direntplus(b, 0, &e, 1, VS_DT_REG, "a/b");
    if ((r = expect_bad(b, n, 0, true)))
        return r;
    /* namelen 0 */
    memcpy(b, &e, sizeof(e));
    n = put_dirent(b, sizeof(e), 42, 1, VS_DT_REG, 0, "", 0, 8);
    return expect_bad(b, n, 0, true);
}

/* ---- Main --------------------------------------------------------------- */

struct test_case {
    const char *name;
    const char *(*fn)(void);
};

#define T(f) { #f + 2, f }
static const struct test_case cases[] = {
    T(t_encode_in_header),
    T(t_encode_init),
    T(t_proto_constants),
    T(t_hdr_ok_no_payload),
    T(t_hdr_ok_payload),
    T(t_hdr_ok_error),
    T(t_hdr_ok_error_max),
    T(t_hdr_truncated),
    T(t_hdr_len_short),
    T(t_hdr_len_long),
    T(t_hdr_len_below_header),
    T(t_hdr_wrong_unique),
    T(t_hdr_positive_error),
    T(t_hdr_error_out_of_range),
    T(t_hdr_error_with_payload),
    T(t_hdr_null_error_ptr),
    T(t_init_ok),
    T(t_init_limits_clamp),
    T(t_init_huge_max_write),
    T(t_init_newer_minor),
    T(t_init_minor_30),
    T(t_init_major),
    T(t_init_max_write_0),
    T(t_init_max_pages_0),
    T(t_init_no_max_pages),
    T(t_init_short_layouts),
    T(t_init_truncated),
    T(t_init_too_long),
    T(t_init_params_untouched_on_failure),
    T(t_init_bad_caller_limits),
    T(t_attr_all_types),
    T(t_attr_unknown_type),
    T(t_attr_size_limit),
    T(t_attr_nsec),
    T(t_attr_any_nlink_blksize),
    T(t_entry_ok),
    T(t_entry_negative),
    T(t_entry_root),
    T(t_entry_bad_attr),
    T(t_entry_len),
    T(t_attr_out),
    T(t_open),
    T(t_create),
    T(t_statfs),
    T(t_statfs_bsize_0),
    T(t_statfs_free_gt_total),
    T(t_write),
    T(t_read),
    T(t_readlink),
    T(t_readlink_nul),
    T(t_readlink_empty),
    T(t_readlink_too_long),
    T(t_dirent_ok),
    T(t_dirent_empty),
    T(t_dirent_max_name),
    T(t_dirent_namelen_0),
    T(t_dirent_namelen_huge),
    T(t_dirent_overflowing),
    T(t_dirent_missing_padding),
    T(t_dirent_misaligned),
    T(t_dirent_slash),
    T(t_dirent_nul),
    T(t_dirent_ends_mid_record),
    T(t_dirent_bad_args),
    T(t_direntplus_ok),
    T(t_direntplus_bad_attr),
    T(t_direntplus_root_alias),
    T(t_direntplus_truncated),
    T(t_direntplus_name_checks),
    T(t_dirent_accepted),
};

int main(void)
{
    int failed = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *why = cases[i].fn();
        free_allocs();
        if (why) {
            printf("FAIL %s: %s\n", cases[i].name, why);
            failed++;
        } else {
            printf("PASS %s\n", cases[i].name);
        }
    }
    fprintf(stderr, "test_fuse_codec: %zu cases, %d failed\n", sizeof(cases) / sizeof(cases[0]),
            failed);
    return failed ? 1 : 0;
}
