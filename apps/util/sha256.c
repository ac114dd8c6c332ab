/* SPDX-License-Identifier: BSD-2-Clause */
/* SHA-256 as specified by FIPS 180-4, section 6.2.  Whole blocks are
 * compressed straight from the caller's memory; only a partial block at
 * either end is copied into the context. */
#include "sha256.h"

#include "vs_util.h"

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror32(uint32_t x, unsigned r)
{
    return (x >> r) | (x << (32 - r));
}

/* Big-endian load; compilers turn this into one load and a byte swap. */
static inline uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#define S0(x) (ror32((x), 2) ^ ror32((x), 13) ^ ror32((x), 22))
#define S1(x) (ror32((x), 6) ^ ror32((x), 11) ^ ror32((x), 25))
#define s0(x) (ror32((x), 7) ^ ror32((x), 18) ^ ((x) >> 3))
#define s1(x) (ror32((x), 17) ^ ror32((x), 19) ^ ((x) >> 10))
#define CH(x, y, z) (((x) & ((y) ^ (z))) ^ (z))
#define MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))

/* The message schedule is kept as a 16-word ring: W[t] for t >= 16 is
 * computed in place of W[t - 16]. */
#define WX(t) (W[(t) & 15] += s1(W[((t) - 2) & 15]) + W[((t) - 7) & 15] + s0(W[((t) - 15) & 15]))

/* One round with the working variables renamed instead of shifted. */
#define ROUND(a, b, c, d, e, f, g, h, t, w)                    \
    do {                                                       \
        uint32_t t1_ = (h) + S1(e) + CH((e), (f), (g)) + K[t] + (w); \
        (d) += t1_;                                            \
        (h) = t1_ + S0(a) + MAJ((a), (b), (c));                \
    } while (0)

#define ROUND8(t, w)                                   \
    ROUND(a, b, c, d, e, f, g, h, (t) + 0, w((t) + 0)); \
    ROUND(h, a, b, c, d, e, f, g, (t) + 1, w((t) + 1)); \
    ROUND(g, h, a, b, c, d, e, f, (t) + 2, w((t) + 2)); \
    ROUND(f, g, h, a, b, c, d, e, (t) + 3, w((t) + 3)); \
    ROUND(e, f, g, h, a, b, c, d, (t) + 4, w((t) + 4)); \
    ROUND(d, e, f, g, h, a, b, c, (t) + 5, w((t) + 5)); \
    ROUND(c, d, e, f, g, h, a, b, (t) + 6, w((t) + 6)); \
    ROUND(b, c, d, e, f, g, h, a, (t) + 7, w((t) + 7))

#define W0(t) (W[t] = load_be32(p + 4 * (t)))

static void compress(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
    uint32_t W[16];
    while (nblocks--) {
        uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
        uint32_t e = st[4], f = st[5], g = st[6], h = st[7];

        ROUND8(0, W0);
        ROUND8(8, W0);
        ROUND8(16, WX);
        ROUND8(24, WX);
        ROUND8(32, WX);
        ROUND8(40, WX);
        ROUND8(48, WX);
        ROUND8(56, WX);

        st[0] += a;
        st[1] += b;
        st[2] += c;
        st[3] += d;
        st[4] += e;
        st[5] += f;
        st[6] += g;
        st[7] += h;
        p += SHA256_BLOCK_LEN;
    }
}

void sha256_init(struct sha256_ctx *c)
{
    static const uint32_t iv[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };
    memcpy(c->h, iv, sizeof iv);
    c->nbytes = 0;
    c->buflen = 0;
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t n)
{
    const uint8_t *p = data;
    c->nbytes += n;
    if (c->buflen) {
        size_t k = VS_MIN(n, SHA256_BLOCK_LEN - c->buflen);
        memcpy(c->buf + c->buflen, p, k);
        c->buflen += k;
        p += k;
        n -= k;
        if (c->buflen < SHA256_BLOCK_LEN)
            return;
        compress(c->h, c->buf, 1);
        c->buflen = 0;
    }
    size_t whole = n / SHA256_BLOCK_LEN;
    if (whole) {
        compress(c->h, p, whole);
        p += whole * SHA256_BLOCK_LEN;
        n -= whole * SHA256_BLOCK_LEN;
    }
    if (n) {
        memcpy(c->buf, p, n);
        c->buflen = n;
    }
}

void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN])
{
    uint64_t bits = c->nbytes * 8;
    size_t n = c->buflen;
    c->buf[n++] = 0x80;
    if (n > SHA256_BLOCK_LEN - 8) {
        memset(c->buf + n, 0, SHA256_BLOCK_LEN - n);
        compress(c->h, c->buf, 1);
        n = 0;
    }
    memset(c->buf + n, 0, SHA256_BLOCK_LEN - 8 - n);
    store_be32(c->buf + 56, (uint32_t)(bits >> 32));
    store_be32(c->buf + 60, (uint32_t)bits);
    compress(c->h, c->buf, 1);
    for (int i = 0; i < 8; i++)
        store_be32(out + 4 * i, c->h[i]);
    memset(c, 0, sizeof *c);
}

void sha256_hex(const uint8_t d[SHA256_DIGEST_LEN], char out[65])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < SHA256_DIGEST_LEN; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}
