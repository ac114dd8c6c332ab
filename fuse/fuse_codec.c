/* SPDX-License-Identifier: BSD-2-Clause */
/* Encoding FUSE requests and validating FUSE replies (see fuse_codec.h).
 *
 * The device is not trusted: every validator checks a length before it reads
 * the bytes it covers, and copies the reply into a local before looking at
 * it, so a reply buffer of any alignment is read without undefined behaviour
 * and each field is read exactly once (a device rewriting the buffer while we
 * check it cannot make us check one value and use another inside one call).
 * Nothing here allocates, blocks or keeps state. */
#include "fuse_codec.h"

#define NSEC_PER_SEC 1000000000u

void fuse_encode_in_header(struct fuse_in_header *h, uint32_t opcode, uint64_t unique,
                           uint64_t nodeid, uint32_t total_len)
{
    vs_memset(h, 0, sizeof(*h));
    h->len = total_len;
    h->opcode = opcode;
    h->unique = unique;
    h->nodeid = nodeid;
}

void fuse_encode_init(struct fuse_init_in *in, uint32_t flags, uint32_t max_readahead)
{
    vs_memset(in, 0, sizeof(*in));
    in->major = FUSE_KERNEL_VERSION;
    in->minor = FUSE_CODEC_MINOR;
    in->max_readahead = max_readahead;
    in->flags = flags;
}

int fuse_check_out_header(const struct fuse_out_header *h, uint32_t used_len, uint64_t unique,
                          int32_t *error)
{
    struct fuse_out_header o;

    if (h == NULL || used_len < sizeof(o))
        return -VS_EPROTO;
    vs_memcpy(&o, h, sizeof(o));
    if (o.len != used_len || o.unique != unique)
        return -VS_EPROTO;
    if (o.error > 0 || o.error < -VS_ERRNO_MAX)
        return -VS_EPROTO;
    if (o.error != 0 && o.len != sizeof(o))
        return -VS_EPROTO;
    if (error != NULL)
        *error = o.error;
    return 0;
}

/* The INIT reply as far as the device sent it, the rest zero (how Linux reads
 * a short INIT reply). */
int fuse_check_init(const struct fuse_init_out *o, uint32_t len, uint32_t offered,
                    uint32_t limit_write, uint32_t limit_read, struct fuse_conn_params *p)
{
    struct fuse_init_out r;
    struct fuse_conn_params c;
    uint32_t page_limit;

    /* Our own limits must leave room for one page: a caller error, not the
     * device's. */
    if (limit_write < FUSE_MIN_MAX_WRITE || limit_read < FUSE_PAGE_SIZE || p == NULL)
        return -VS_EINVAL;
    if (o == NULL || len < FUSE_COMPAT_22_INIT_OUT_SIZE || len > sizeof(r))
        return -VS_EPROTO;
    vs_memset(&r, 0, sizeof(r));
    vs_memcpy(&r, o, len);

    if (r.major != FUSE_KERNEL_VERSION || r.minor < FUSE_CODEC_MIN_MINOR)
        return -VS_EPROTO;

    c.minor = VS_MIN(r.minor, (uint32_t)FUSE_CODEC_MINOR);
    c.flags = r.flags & offered;
    c.max_readahead = r.max_readahead;

    /* As tolerant as Linux: a max_pages of 0 means one page. */
    if (c.flags & FUSE_MAX_PAGES) {
        c.max_pages = VS_MAX(r.max_pages, (uint16_t)1);
    } else {
        c.max_pages = FUSE_DEFAULT_MAX_PAGES_PER_REQ;
    }
    /* At most 65535 pages: no overflow. */
    page_limit = c.max_pages * FUSE_PAGE_SIZE;

    /* The device's buffers hold max_pages pages of data (virtiofsd aborts on
     * a bigger request), so a WRITE is bounded by both max_write and
     * max_pages, as in Linux. */
    /* Linux raises a max_write below one page to one page. */
    c.max_write = VS_MIN(VS_MIN(VS_MAX(r.max_write, FUSE_MIN_MAX_WRITE), limit_write), page_limit);
    c.max_read = VS_MIN(limit_read, page_limit);

    *p = c;
    return 0;
}

int fuse_check_attr(const struct fuse_attr *a)
{
    struct fuse_attr r;

    if (a == NULL)
        return -VS_EPROTO;
    vs_memcpy(&r, a, sizeof(r));
    if (!fuse_mode_type_known(r.mode))
        return -VS_EPROTO;
    if (r.size > (uint64_t)INT64_MAX)
        return -VS_EPROTO;
    /* A Linux host always sends normalised timestamps. */
    if (r.atimensec >= NSEC_PER_SEC || r.mtimensec >= NSEC_PER_SEC || r.ctimensec >= NSEC_PER_SEC)
        return -VS_EPROTO;
    /* blksize is a hint: 0 (a device that does not fill it) means "use the
     * default"; any other value is passed on as the host reported it.  nlink,
     * uid, gid, rdev, blocks and flags carry no invariant we could check. */
    return 0;
}

/* An entry that names a node: any nodeid but the root's, a valid attr. */
static int check_entry_fields(const struct fuse_entry_out *e)
{
    if (e->nodeid == FUSE_ROOT_ID)
        return -VS_EPROTO;
    if (e->entry_valid_nsec >= NSEC_PER_SEC || e->attr_valid_nsec >= NSEC_PER_SEC)
        return -VS_EPROTO;
    return fuse_check_attr(&e->attr);
}

int fuse_check_entry(const struct fuse_entry_out *o, uint32_t len)
{
    struct fuse_entry_out e;

    if (o == NULL || len != sizeof(e))
        return -VS_EPROTO;
    vs_memcpy(&e, o, sizeof(e));
    if (e.nodeid == 0)
        return 0; /* negative entry: the caller reports ENOENT */
    return check_entry_fields(&e);
}

int fuse_check_attr_out(const struct fuse_attr_out *o, uint32_t len)
{
    struct fuse_attr_out r;

    if (o == NULL || len != sizeof(r))
        return -VS_EPROTO;
    vs_memcpy(&r, o, sizeof(r));
    if (r.attr_valid_nsec >= NSEC_PER_SEC)
        return -VS_EPROTO;
    return fuse_check_attr(&r.attr);
}

int fuse_check_open(const struct fuse_open_out *o, uint32_t len)
{
    if (o == NULL || len != sizeof(*o))
        return -VS_EPROTO;
    /* fh is the device's opaque handle and open_flags are hints: any value
     * is acceptable. */
    return 0;
}

int fuse_check_statfs(const struct fuse_statfs_out *o, uint32_t len)
{
    struct fuse_statfs_out r;

    if (o == NULL || len != sizeof(r))
        return -VS_EPROTO;
    vs_memcpy(&r, o, sizeof(r));
    if (r.st.bsize == 0 || r.st.frsize == 0)
        return -VS_EPROTO;
    if (r.st.bfree > r.st.blocks || r.st.bavail > r.st.blocks || r.st.ffree > r.st.files)
        return -VS_EPROTO;
    return 0;
}

int fuse_check_write(const struct fuse_write_out *o, uint32_t len, uint32_t sent)
{
    struct fuse_write_out r;

    if (o == NULL || len != sizeof(r))
        return -VS_EPROTO;
    vs_memcpy(&r, o, sizeof(r));
    if (r.size > sent)
        return -VS_EPROTO;
    return 0;
}

int fuse_check_read(uint32_t len, uint32_t asked)
{
    return len <= asked ? 0 : -VS_EPROTO;
}

int fuse_check_readlink(const char *target, uint32_t len, uint32_t asked)
{
    uint32_t i;

    if (len == 0 || len > asked || target == NULL)
        return -VS_EPROTO;
    for (i = 0; i < len; i++)
        if (target[i] == '\0')
            return -VS_EPROTO;
    return 0;
}

int fuse_check_create(const void *payload, uint32_t len)
{
    struct fuse_entry_out e;

    if (payload == NULL || len != sizeof(e) + sizeof(struct fuse_open_out))
        return -VS_EPROTO;
    vs_memcpy(&e, payload, sizeof(e));
    /* CREATE made a regular file: no negative entry here. */
    if (e.nodeid == 0 || (e.attr.mode & VS_S_IFMT) != VS_S_IFREG)
        return -VS_EPROTO;
    return check_entry_fields(&e);
}

static bool is_dot_or_dotdot(const char *name, uint32_t namelen)
{
    return (namelen == 1 && name[0] == '.') ||
           (namelen == 2 && name[0] == '.' && name[1] == '.');
}

int fuse_dirent_next(const void *buf, uint32_t len, uint32_t *pos, bool plus,
                     struct fuse_dirent_view *d)
{
    const unsigned char *base = buf;
    const uint32_t hdr = plus ? FUSE_NAME_OFFSET_DIRENTPLUS : FUSE_NAME_OFFSET;
    struct fuse_entry_out e;
    struct fuse_dirent de; /* the fixed part only: name[] is not copied */
    uint32_t at, left, i;
    uint64_t reclen;
    const char *name;

    if (pos == NULL || d == NULL)
        return -VS_EINVAL;
    at = *pos;
    if (at == len)
        return 0;
    if (buf == NULL || at > len || (at & 7u) != 0)
        return -VS_EPROTO;
    left = len - at;
    if (left < hdr)
        return -VS_EPROTO;

    if (plus)
        vs_memcpy(&e, base + at, sizeof(e));
    vs_memcpy(&de, base + at + hdr - FUSE_NAME_OFFSET, FUSE_NAME_OFFSET);

    if (de.namelen == 0 || de.namelen > FUSE_NAME_MAX)
        return -VS_EPROTO;
    reclen = plus ? fuse_direntplus_size(de.namelen) : fuse_dirent_size(de.namelen);
    /* The record, its padding included, lies inside the reply; the last one
     * may end exactly at len. */
    if (reclen > left)
        return -VS_EPROTO;

    name = (const char *)(base + at + hdr);
    for (i = 0; i < de.namelen; i++)
        if (name[i] == '/' || name[i] == '\0')
            return -VS_EPROTO;

    if (plus && e.nodeid != 0) {
        int err;
        /* A real entry: LOOKUP's rules, except that "." and ".." may name
         * the root (Linux ignores the entry of those two). */
        if (e.nodeid == FUSE_ROOT_ID && !is_dot_or_dotdot(name, de.namelen))
            return -VS_EPROTO;
        if (e.entry_valid_nsec >= NSEC_PER_SEC || e.attr_valid_nsec >= NSEC_PER_SEC)
            return -VS_EPROTO;
        err = fuse_check_attr(&e.attr);
        if (err)
            return err;
    }

    d->ino = de.ino;
    d->off = de.off;
    d->type = de.type;
    d->name = name;
    d->namelen = de.namelen;
    d->entry = plus ? (const struct fuse_entry_out *)(const void *)(base + at) : NULL;
    *pos = at + (uint32_t)reclen;
    return 1;
}

void fuse_dirent_accepted(const void *buf, uint32_t *pos, bool plus, struct fuse_dirent_view *d)
{
    const unsigned char *rec = (const unsigned char *)buf + *pos;
    const uint32_t hdr = plus ? FUSE_NAME_OFFSET_DIRENTPLUS : FUSE_NAME_OFFSET;
    struct fuse_dirent de;

    vs_memcpy(&de, rec + hdr - FUSE_NAME_OFFSET, FUSE_NAME_OFFSET);
    d->ino = de.ino;
    d->off = de.off;
    d->type = de.type;
    d->name = (const char *)(rec + hdr);
    d->namelen = de.namelen;
    d->entry = plus ? (const struct fuse_entry_out *)(const void *)rec : NULL;
    *pos += (uint32_t)(plus ? fuse_direntplus_size(de.namelen) : fuse_dirent_size(de.namelen));
}
