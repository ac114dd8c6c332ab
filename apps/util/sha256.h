/* SPDX-License-Identifier: BSD-2-Clause */
/* Streaming SHA-256 (FIPS 180-4). */
#ifndef VS_SHA256_H
#define VS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_BLOCK_LEN 64

struct sha256_ctx {
    uint32_t h[8];
    uint64_t nbytes;            /* message length so far */
    uint8_t buf[SHA256_BLOCK_LEN];
    size_t buflen;              /* bytes waiting in buf (< 64) */
};

/* Starts a new hash. */
void sha256_init(struct sha256_ctx *c);
/* Adds n bytes at p (any alignment; n may be 0). */
void sha256_update(struct sha256_ctx *c, const void *p, size_t n);
/* Writes the digest to out; c must be re-initialised before reuse. */
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN]);
/* Writes the digest as 64 lower-case hex digits and a NUL. */
void sha256_hex(const uint8_t d[SHA256_DIGEST_LEN], char out[65]);

#endif
