/* SPDX-License-Identifier: BSD-2-Clause */
/* `sha256 PATH...` (apps/cmd/hashfiles.c) against the simulated device: the
 * hashes of files of every size, in order, with a missing file or a failing
 * READ reported in its place; files whose size the cache may not trust; a
 * device that gives less than asked in the middle of a file; and small
 * files whose READs come back while the next file is opened, so that only
 * the OPENs are waited for. */
#include <string.h>

#include "commands.h"
#include "sha256.h"
#include "simenv.h"
#include "vs_errno.h"

static struct app app;
static char out[16384];
static size_t out_len;

static void capture(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    if (out_len + n < sizeof(out)) {
        memcpy(out + out_len, s, n);
        out_len += n;
        out[out_len] = 0;
    }
}

/* The app on the environment's port with the device mounted at /sim (the
 * app has its own namespace; env_down finds nothing mounted in e->v). */
static bool app_up(struct env *e)
{
    env_init(e);
    app_init(&app, &e->hp.port, (struct fmt_out){capture, 0});
    out_len = 0;
    out[0] = 0;
    int err = vfs_mount(&app.vfs, &e->d.tr, "/sim", &e->opts);
    REQUIRE(err == 0, "mount = %d (%s)", err, vs_errno_name(err));
    return true;
}

static void app_down(void)
{
    vfs_umount_all(&app.vfs);
}

/* Runs `sha256 /sim/NAME...` and returns its result. */
static int sha256_of(const char *const *names, unsigned n)
{
    static char paths[32][300];
    char *argv[33];
    argv[0] = "sha256";
    for (unsigned i = 0; i < n; i++) {
        snprintf(paths[i], sizeof paths[i], "/sim/%s", names[i]);
        argv[i + 1] = paths[i];
    }
    return cmd_sha256(&app, (int)n + 1, argv);
}

/* What the output must hold for names, NULL for one that fails with
 * `error: sha256: /sim/NAME: ` (the rest of its line unchecked). */
static bool output_right(struct env *e, const char *const *names, unsigned n, const char *failing)
{
    const char *p = out;
    for (unsigned i = 0; i < n; i++) {
        char want[400];
        if (failing && !strcmp(names[i], failing)) {
            snprintf(want, sizeof want, "error: sha256: /sim/%s: ", names[i]);
        } else {
            const struct simfs_node *nd = node(e, names[i]);
            struct sha256_ctx c;
            uint8_t d[SHA256_DIGEST_LEN], b[4096];
            char hex[65];
            sha256_init(&c);
            for (uint64_t off = 0; off < nd->size; off += sizeof b) {
                size_t k = (size_t)(nd->size - off < sizeof b ? nd->size - off : sizeof b);
                for (size_t j = 0; j < k; j++)
                    b[j] = simfs_byte(nd, off + j);
                sha256_update(&c, b, k);
            }
            sha256_final(&c, d);
            sha256_hex(d, hex);
            snprintf(want, sizeof want, "%s  /sim/%s\n", hex, names[i]);
        }
        REQUIRE(!strncmp(p, want, strlen(want)), "line %u: %.100s, want %.100s", i + 1, p, want);
        p = strchr(p, '\n');
        REQUIRE(p, "line %u has no end", i + 1);
        p++;
    }
    REQUIRE(!*p, "more output: %.100s", p);
    return true;
}

static const char *const every_size[] = {"hello.txt", "empty", "one.bin", "small.bin", "page.bin",
                                         "page1.bin", "big.bin", "huge.bin"};
#define EVERY_SIZE (sizeof every_size / sizeof every_size[0])

static bool t_every_size(struct env *e)
{
    static const char *const names[] = {"hello.txt", "empty", "one.bin", "small.bin", "nope",
                                        "page.bin", "page1.bin", "big.bin", "huge.bin"};
    CHECK(app_up(e));
    int err = sha256_of(names, 9);
    bool ok = output_right(e, names, 9, "nope");
    app_down();
    CHECK(ok);
    REQUIRE(err == -VS_ENOENT, "sha256 = %d, want ENOENT for the missing file", err);
    return true;
}

static bool t_no_trusted_size(struct env *e)
{
    CHECK(app_up(e));
    e->fs.attr_valid = 0;
    e->fs.entry_valid = 0;
    int err = sha256_of(every_size, EVERY_SIZE);
    bool ok = output_right(e, every_size, EVERY_SIZE, 0);
    app_down();
    CHECK(ok);
    REQUIRE(err == 0, "sha256 = %d", err);
    return true;
}

static bool t_short_in_the_middle(struct env *e)
{
    static const char *const names[] = {"huge.bin", "small.bin", "big.bin"};
    CHECK(app_up(e));
    /* The second READ of huge.bin's first 1 MiB ends 1000 bytes in. */
    simfs_fault(&e->fs, SIMFS_FAULT_SHORT, FUSE_READ, 2, 1000);
    int err = sha256_of(names, 3);
    bool fired = e->fs.fault.fired, ok = output_right(e, names, 3, 0);
    app_down();
    REQUIRE(fired, "the short READ never came");
    CHECK(ok);
    REQUIRE(err == 0, "sha256 = %d", err);
    return true;
}

static bool t_read_fails(struct env *e)
{
    static const char *const names[] = {"small.bin", "page.bin", "page1.bin"};
    CHECK(app_up(e));
    simfs_fault(&e->fs, SIMFS_FAULT_ERROR, FUSE_READ, 2, (uint32_t)-VS_EIO);
    int err = sha256_of(names, 3);
    bool ok = output_right(e, names, 3, "page.bin");
    app_down();
    CHECK(ok);
    REQUIRE(err == -VS_EIO, "sha256 = %d, want EIO", err);
    return true;
}

static bool t_reads_behind_opens(struct env *e)
{
    static const char *const names[] = {"many/f0100", "many/f0201", "many/f0302", "many/f0403", "many/f0504",
                                        "many/f0605", "many/f0706", "many/f0807", "many/f0908", "many/f1009",
                                        "many/f1110", "many/f1211"};
    CHECK(app_up(e));
    e->d.deferred = 1u << 1; /* the request queue is answered only while the core waits */
    vfs_mount_stats_reset(&app.vfs, 0);
    int err = sha256_of(names, 12);
    const struct vs_stats *s = vfs_mount_stats(&app.vfs, 0);
    uint64_t sent = 0;
    for (unsigned op = 0; op < VS_STATS_OPS; op++)
        sent += s->op[op].count;
    uint64_t reads = s->op[FUSE_READ].count, waits = s->waits, others = sent - s->unanswered - reads;
    bool ok = output_right(e, names, 12, 0);
    app_down();
    CHECK(ok);
    REQUIRE(err == 0, "sha256 = %d", err);
    REQUIRE(reads == 12, "%llu READs for 12 small files", (unsigned long long)reads);
    /* Every other request is waited for as it is made; of the READs, only
     * the last file's, which no OPEN follows. */
    REQUIRE(waits == others + 1, "%llu waits: %llu other requests and %llu READs", (unsigned long long)waits,
            (unsigned long long)others, (unsigned long long)reads);
    return true;
}

int main(void)
{
    run("sha256 of files of every size with a missing one among them: each hash right and in order, the "
        "missing one reported in its place, ENOENT", t_every_size);
    run("no size the cache may trust (validity 0): the same hashes, each file read until nothing comes",
        t_no_trusted_size);
    run("a READ that gives less than asked in the middle of a file: read on from there, every hash right",
        t_short_in_the_middle);
    run("a READ that fails: that file reported with EIO in its place, the others hashed", t_read_fails);
    run("12 small files: each READ comes back while the next file is opened, only the last is waited for",
        t_reads_behind_opens);
    printf("%d cases, %d failed\n", cases, failures);
    return failures ? 1 : 0;
}
