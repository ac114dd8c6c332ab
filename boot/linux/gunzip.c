/* SPDX-License-Identifier: BSD-2-Clause */
/* gzip (RFC 1952) around DEFLATE (RFC 1951), for `boot` of an Image.gz
 * (Ubuntu's arm64 vmlinuz is one).  Canonical Huffman codes decoded a bit
 * at a time: slow next to zlib's tables, but small, and a kernel is
 * unpacked once; a 9-bit table answers the short codes (most of them) in
 * one look, 3-4 times faster under TCG.  Every read is checked against the input's end, every
 * write and back-reference against the output; the CRC-32 and the size in
 * the trailer must match. */
#include <string.h>
#include "a64.h"

#define MAX_BITS 15
#define FAST_BITS 9
#define FAST_LEN_SHIFT 12
#define FHCRC 0x02
#define FEXTRA 0x04
#define FNAME 0x08
#define FCOMMENT 0x10

struct bits {
    const uint8_t *p, *end;
    uint32_t buf;
    unsigned n;
    bool over; /* read past the end */
};

struct huff {
    uint16_t count[MAX_BITS + 1]; /* codes of each length */
    uint16_t sym[288];            /* symbols ordered by code */
    /* By the next FAST_BITS input bits: symbol | code length << 12 for
     * codes of up to FAST_BITS bits, 0 for longer ones. */
    uint16_t fast[1u << FAST_BITS];
};

struct out {
    uint8_t *p;
    size_t len, cap;
};

static unsigned get(struct bits *b, unsigned n)
{
    while (b->n < n) {
        if (b->p == b->end) {
            b->over = true;
            return 0;
        }
        b->buf |= (uint32_t)*b->p++ << b->n;
        b->n += 8;
    }
    unsigned v = b->buf & ((1u << n) - 1);
    b->buf >>= n;
    b->n -= n;
    return v;
}

/* The canonical code of lens[0..n); false when over-subscribed, or
 * incomplete with more than one code (RFC 1951 allows one distance code). */
static bool build(struct huff *h, const uint8_t *lens, unsigned n)
{
    uint16_t offs[MAX_BITS + 1];
    memset(h->count, 0, sizeof(h->count));
    for (unsigned i = 0; i < n; i++)
        h->count[lens[i]]++;
    int left = 1;
    unsigned codes = n - h->count[0];
    for (int len = 1; len <= MAX_BITS; len++) {
        left = left * 2 - h->count[len];
        if (left < 0)
            return false;
    }
    if (left > 0 && codes > 1)
        return false;
    offs[1] = 0;
    for (int len = 1; len < MAX_BITS; len++)
        offs[len + 1] = (uint16_t)(offs[len] + h->count[len]);
    for (unsigned i = 0; i < n; i++)
        if (lens[i])
            h->sym[offs[lens[i]]++] = (uint16_t)i;
    /* Codes arrive first bit first, so the table is indexed by the code
     * reversed; every index that starts with it maps to the symbol. */
    memset(h->fast, 0, sizeof(h->fast));
    unsigned code = 0, idx = 0;
    for (unsigned len = 1; len <= FAST_BITS; len++) {
        for (unsigned k = 0; k < h->count[len]; k++, code++, idx++) {
            unsigned rev = 0;
            for (unsigned bit = 0; bit < len; bit++)
                rev |= ((code >> bit) & 1) << (len - 1 - bit);
            for (unsigned j = rev; j < (1u << FAST_BITS); j += 1u << len)
                h->fast[j] = (uint16_t)(h->sym[idx] | len << FAST_LEN_SHIFT);
        }
        code <<= 1;
    }
    return true;
}

/* The next symbol, or -1 for a code that is not in h. */
static int decode(struct bits *b, const struct huff *h)
{
    while (b->n < FAST_BITS && b->p != b->end) {
        b->buf |= (uint32_t)*b->p++ << b->n;
        b->n += 8;
    }
    unsigned e = h->fast[b->buf & ((1u << FAST_BITS) - 1)], len = e >> FAST_LEN_SHIFT;
    if (len && len <= b->n) {
        b->buf >>= len;
        b->n -= len;
        return (int)(e & ((1u << FAST_LEN_SHIFT) - 1));
    }
    int code = 0, first = 0, index = 0;
    for (int len = 1; len <= MAX_BITS; len++) {
        code |= (int)get(b, 1);
        int count = h->count[len];
        if (code - first < count)
            return h->sym[index + code - first];
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return -1;
}

static const uint16_t len_base[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                      35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                                       257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                                       7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* One block's symbols up to end-of-block; NULL or why not. */
static const char *codes(struct bits *b, struct out *o, const struct huff *lit, const struct huff *dist)
{
    for (;;) {
        int s = decode(b, lit);
        if (b->over)
            return "the data ends inside a block";
        if (s < 0 || s > 285)
            return "a literal/length code that is not in the table";
        if (s < 256) {
            if (o->len == o->cap)
                return "more data than the trailer's size";
            o->p[o->len++] = (uint8_t)s;
            continue;
        }
        if (s == 256)
            return NULL;
        s -= 257;
        size_t len = len_base[s] + get(b, len_extra[s]);
        int d = decode(b, dist);
        if (d < 0 || d > 29)
            return "a distance code that is not in the table";
        size_t back = dist_base[d] + get(b, dist_extra[d]);
        if (b->over)
            return "the data ends inside a block";
        if (back > o->len)
            return "a distance back past the start";
        if (len > o->cap - o->len)
            return "more data than the trailer's size";
        for (size_t i = 0; i < len; i++, o->len++)
            o->p[o->len] = o->p[o->len - back];
    }
}

static const char *stored(struct bits *b, struct out *o)
{
    /* To the byte boundary: the bits left of the current byte go; whole
     * bytes the table lookup read ahead are given back. */
    b->p -= b->n / 8;
    b->buf = 0;
    b->n = 0;
    if (b->end - b->p < 4)
        return "the data ends inside a stored block";
    unsigned len = b->p[0] | b->p[1] << 8, nlen = b->p[2] | b->p[3] << 8;
    b->p += 4;
    if (len != (~nlen & 0xffff))
        return "a stored block's length check fails";
    if ((size_t)(b->end - b->p) < len)
        return "the data ends inside a stored block";
    if (len > o->cap - o->len)
        return "more data than the trailer's size";
    memcpy(o->p + o->len, b->p, len);
    b->p += len;
    o->len += len;
    return NULL;
}

static const char *fixed(struct bits *b, struct out *o)
{
    static struct huff lit, dist;
    static bool built;
    if (!built) {
        uint8_t lens[288];
        memset(lens, 8, 144);
        memset(lens + 144, 9, 112);
        memset(lens + 256, 7, 24);
        memset(lens + 280, 8, 8);
        build(&lit, lens, 288);
        /* 32 distance codes make the code complete; 30 and 31 never occur. */
        memset(lens, 5, 32);
        build(&dist, lens, 32);
        built = true;
    }
    return codes(b, o, &lit, &dist);
}

static const char *dynamic(struct bits *b, struct out *o)
{
    static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    static struct huff lit, dist, clen;
    uint8_t lens[320];
    unsigned nlit = get(b, 5) + 257, ndist = get(b, 5) + 1, nclen = get(b, 4) + 4;
    if (nlit > 286 || ndist > 30)
        return "a dynamic block with too many codes";
    memset(lens, 0, 19);
    for (unsigned i = 0; i < nclen; i++)
        lens[order[i]] = (uint8_t)get(b, 3);
    if (b->over || !build(&clen, lens, 19))
        return "a dynamic block's code length code is bad";
    for (unsigned i = 0; i < nlit + ndist;) {
        int s = decode(b, &clen);
        unsigned rep = 0;
        uint8_t val = 0;
        if (s < 0 || b->over)
            return "a dynamic block's code lengths are bad";
        if (s < 16) {
            lens[i++] = (uint8_t)s;
            continue;
        }
        if (s == 16) {
            if (i == 0)
                return "a dynamic block repeats a length before the first";
            val = lens[i - 1];
            rep = 3 + get(b, 2);
        } else {
            rep = s == 17 ? 3 + get(b, 3) : 11 + get(b, 7);
        }
        if (i + rep > nlit + ndist)
            return "a dynamic block's code lengths run past the end";
        while (rep--)
            lens[i++] = val;
    }
    if (lens[256] == 0)
        return "a dynamic block without an end-of-block code";
    if (!build(&lit, lens, nlit) || !build(&dist, lens + nlit, ndist))
        return "a dynamic block's Huffman code is bad";
    return codes(b, o, &lit, &dist);
}

static uint32_t crc32(const uint8_t *p, size_t n)
{
    static uint32_t table[256];
    if (!table[1]) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
    }
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++)
        c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return ~c;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool gzip_is(const uint8_t *in, size_t n)
{
    return n >= 2 && in[0] == 0x1f && in[1] == 0x8b;
}

size_t gzip_size(const uint8_t *in, size_t n)
{
    return n >= 18 ? le32(in + n - 4) : 0;
}

const char *gunzip(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    if (n < 18 || !gzip_is(in, n) || in[2] != 8)
        return "no gzip header with DEFLATE (method 8)";
    unsigned flags = in[3];
    size_t at = 10;
    if (flags & FEXTRA) {
        if (at + 2 > n - 8)
            return "a truncated gzip header";
        at += 2 + (in[at] | in[at + 1] << 8);
    }
    for (unsigned f = FNAME; f <= FCOMMENT; f <<= 1) {
        if (!(flags & f))
            continue;
        while (at < n - 8 && in[at])
            at++;
        at++;
    }
    if (flags & FHCRC)
        at += 2;
    if (at > n - 8)
        return "a truncated gzip header";

    struct bits b = {.p = in + at, .end = in + n - 8};
    struct out o = {.p = out, .cap = cap};
    unsigned last;
    do {
        last = get(&b, 1);
        unsigned type = get(&b, 2);
        const char *why = b.over ? "the data ends before a block"
                          : type == 0 ? stored(&b, &o)
                          : type == 1 ? fixed(&b, &o)
                          : type == 2 ? dynamic(&b, &o)
                                      : "a block of the reserved type 3";
        if (why)
            return why;
    } while (!last);
    if (o.len != cap || (uint32_t)o.len != le32(in + n - 4))
        return "the size in the trailer does not match the data";
    if (crc32(out, o.len) != le32(in + n - 8))
        return "the CRC-32 in the trailer does not match the data";
    return NULL;
}
