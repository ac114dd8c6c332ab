/* SPDX-License-Identifier: BSD-2-Clause */
/* SHA-256: FIPS 180-4 example vectors, every padding boundary, streaming. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "sha256.h"

static void hash_hex(const void *p, size_t n, char hex[65])
{
    struct sha256_ctx c;
    uint8_t d[32];
    sha256_init(&c);
    sha256_update(&c, p, n);
    sha256_final(&c, d);
    sha256_hex(d, hex);
}

static void vector(const char *name, const char *msg, const char *want)
{
    char hex[65], why[200];
    hash_hex(msg, strlen(msg), hex);
    snprintf(why, sizeof why, "got %s want %s", hex, want);
    check(name, strcmp(hex, want) == 0, why);
}

static void test_million_a(void)
{
    /* Fed as 1000 updates of 1000 bytes (not block multiples). */
    char chunk[1000];
    memset(chunk, 'a', sizeof chunk);
    struct sha256_ctx c;
    uint8_t d[32];
    char hex[65], why[200];
    sha256_init(&c);
    for (int i = 0; i < 1000; i++)
        sha256_update(&c, chunk, sizeof chunk);
    sha256_final(&c, d);
    sha256_hex(d, hex);
    const char *want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    snprintf(why, sizeof why, "got %s", hex);
    check("one million 'a' (FIPS)", strcmp(hex, want) == 0, why);

    char *big = malloc(1000000);
    memset(big, 'a', 1000000);
    hash_hex(big, 1000000, hex);
    snprintf(why, sizeof why, "got %s", hex);
    check("one million 'a' in one update", strcmp(hex, want) == 0, why);
    free(big);
}

/* Hashes messages of every length 0..299 (all padding cases: 55, 56, 63,
 * 64, 119, 120 ...) and checks the hash of all their hex digests against
 * a value computed independently (Python hashlib). */
static void test_all_lengths(void)
{
    uint8_t data[300];
    char *acc = malloc(300 * 64 + 1);
    for (size_t n = 0; n < 300; n++) {
        for (size_t i = 0; i < n; i++)
            data[i] = (uint8_t)(i * 31 + n * 7 + 3);
        char hex[65];
        hash_hex(data, n, hex);
        memcpy(acc + 64 * n, hex, 64);
    }
    char hex[65], why[200];
    hash_hex(acc, 300 * 64, hex);
    const char *want = "e17afeda906b64ef8d08dcadb0a2b1de3d67d18d498260bf6acdef417fec6501";
    snprintf(why, sizeof why, "got %s", hex);
    check("lengths 0..299 (padding boundaries)", strcmp(hex, want) == 0, why);
    free(acc);
}

static void test_streaming(void)
{
    const size_t n = 100003;
    /* One spare byte in front so the data can start unaligned. */
    uint8_t *mem = malloc(n + 1);
    uint8_t *data = mem + 1;
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data[i] = (uint8_t)x;
    }
    char ref[65];
    hash_hex(data, n, ref);

    static const size_t chunks[] = { 1, 2, 3, 7, 31, 63, 64, 65, 100, 127, 128, 129, 1000, 4096, 65537 };
    char why[300] = "";
    int ok = 1;
    for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
        struct sha256_ctx c;
        uint8_t d[32];
        char hex[65];
        sha256_init(&c);
        for (size_t off = 0; off < n; off += chunks[k])
            sha256_update(&c, data + off, off + chunks[k] <= n ? chunks[k] : n - off);
        sha256_final(&c, d);
        sha256_hex(d, hex);
        if (strcmp(hex, ref) != 0 && ok) {
            ok = 0;
            snprintf(why, sizeof why, "chunk %zu: got %s, one-shot %s", chunks[k], hex, ref);
        }
    }
    check("streaming in odd-sized chunks equals one-shot", ok, why);

    /* Varying chunk sizes, zero-length updates mixed in. */
    struct sha256_ctx c;
    uint8_t d[32];
    char hex[65];
    sha256_init(&c);
    size_t off = 0, step = 0;
    while (off < n) {
        size_t len = (step * 37 + 11) % 211;
        if (len > n - off)
            len = n - off;
        sha256_update(&c, data + off, len);
        sha256_update(&c, data + off, 0);
        off += len;
        step++;
    }
    sha256_final(&c, d);
    sha256_hex(d, hex);
    snprintf(why, sizeof why, "got %s, one-shot %s", hex, ref);
    check("streaming in varying chunks with empty updates", strcmp(hex, ref) == 0, why);

    /* Same bytes at a different alignment give the same digest. */
    memmove(mem, data, n);
    hash_hex(mem, n, hex);
    snprintf(why, sizeof why, "aligned %s, unaligned %s", hex, ref);
    check("alignment of the input does not matter", strcmp(hex, ref) == 0, why);
    free(mem);
}

static void test_hex(void)
{
    uint8_t d[32];
    char hex[66];
    for (int i = 0; i < 32; i++)
        d[i] = (uint8_t)(i * 8 + 7);
    memset(hex, 'Z', sizeof hex);
    sha256_hex(d, hex);
    const char *want = "070f171f272f373f474f575f676f777f878f979fa7afb7bfc7cfd7dfe7eff7ff";
    check("sha256_hex lower-case and NUL-terminated", strcmp(hex, want) == 0 && hex[65] == 'Z', hex);
}

int main(void)
{
    vector("empty string (FIPS)", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    vector("\"abc\" (FIPS)", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    vector("448-bit message (FIPS)", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    vector("896-bit message (FIPS)",
           "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
           "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    test_million_a();
    test_all_lengths();
    test_streaming();
    test_hex();
    return failures ? 1 : 0;
}
