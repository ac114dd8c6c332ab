/* SPDX-License-Identifier: BSD-2-Clause */
/* The benchmark of SPEC §6 for a Linux guest: the same eight workloads the
 * vioshare guest's `bench DIR` runs, through Linux's own virtiofs driver,
 * printing the same lines.  Built static and run from a busybox initramfs
 * by tools/bench. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MIB (1u << 20)
#define SMALL_FILES 1000
#define STAT_OPS 10000
#define READDIR_ROUNDS 20
#define WRITE_MIBS 256
#define CREATE_FILES 1000

static const char *dir;
static unsigned char *buf;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *path(const char *fmt, unsigned i)
{
    static char p[4096], name[64];
    snprintf(name, sizeof(name), fmt, i);
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    return p;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* secs=S NAME=X, the guest's format (milliseconds, one decimal). */
static void rate(uint64_t ns, uint64_t count, uint64_t unit, const char *name)
{
    uint64_t ms = ns / 1000000, us = ns / 1000 ? ns / 1000 : 1;
    uint64_t tenths = count * 10000000ull / us / unit;
    printf(" secs=%llu.%03llu %s=%llu.%llu", (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000),
           name, (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10));
}

static void w1(void)
{
    uint64_t t0 = now_ns(), total = 0;
    int fd = open(path("big.bin", 0), O_RDONLY);
    if (fd < 0)
        die("big.bin");
    ssize_t got;
    while ((got = read(fd, buf, MIB)) > 0)
        total += (uint64_t)got;
    if (got < 0)
        die("read big.bin");
    close(fd);
    printf("W1 seqread bytes=%llu", (unsigned long long)total);
    rate(now_ns() - t0, total, 1000000, "MBps");
    printf("\n");
}

static void w2(void)
{
    uint64_t hash = 0xcbf29ce484222325ull, bytes = 0, t0 = now_ns();
    for (unsigned i = 0; i < SMALL_FILES; i++) {
        int fd = open(path("small/f%05u", i), O_RDONLY);
        if (fd < 0)
            die("small file");
        ssize_t got;
        while ((got = read(fd, buf, MIB)) > 0) {
            for (ssize_t k = 0; k < got; k++)
                hash = (hash ^ buf[k]) * 0x100000001b3ull;
            bytes += (uint64_t)got;
        }
        close(fd);
    }
    printf("W2 smallfiles files=%u bytes=%llu", SMALL_FILES, (unsigned long long)bytes);
    rate(now_ns() - t0, SMALL_FILES, 1, "files_per_s");
    printf(" hash=%016llx\n", (unsigned long long)hash);
}

static void w3(void)
{
    struct stat st;
    uint64_t t0 = now_ns();
    for (unsigned i = 0; i < STAT_OPS; i++) {
        if (stat(path("small/f%05u", i % SMALL_FILES), &st))
            die("stat");
    }
    printf("W3 stat ops=%u", STAT_OPS);
    rate(now_ns() - t0, STAT_OPS, 1, "ops_per_s");
    printf("\n");
}

static void w4(void)
{
    uint64_t entries = 0, t0 = now_ns();
    for (unsigned r = 0; r < READDIR_ROUNDS; r++) {
        DIR *d = opendir(path("small", 0));
        if (!d)
            die("opendir");
        while (readdir(d))
            entries++;
        closedir(d);
    }
    printf("W4 readdir entries=%llu", (unsigned long long)entries);
    rate(now_ns() - t0, entries, 1, "entries_per_s");
    printf("\n");
}

static void w5(void)
{
    for (unsigned i = 0; i < MIB; i++)
        buf[i] = (unsigned char)(i * 131 + 7);
    const char *p = path("out.bin", 0);
    uint64_t t0 = now_ns();
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        die("out.bin");
    for (unsigned i = 0; i < WRITE_MIBS; i++) {
        if (write(fd, buf, MIB) != MIB)
            die("write");
    }
    if (fsync(fd) || close(fd))
        die("fsync");
    uint64_t ns = now_ns() - t0;
    if (unlink(p))
        die("unlink");
    printf("W5 seqwrite bytes=%llu", (unsigned long long)WRITE_MIBS * MIB);
    rate(ns, (uint64_t)WRITE_MIBS * MIB, 1000000, "MBps");
    printf("\n");
}

static void w6(void)
{
    uint64_t t0 = now_ns();
    for (unsigned i = 0; i < CREATE_FILES; i++) {
        int fd = open(path("c%05u", i), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || close(fd))
            die("create");
    }
    for (unsigned i = 0; i < CREATE_FILES; i++) {
        if (unlink(path("c%05u", i)))
            die("unlink");
    }
    printf("W6 create_unlink files=%u", CREATE_FILES);
    rate(now_ns() - t0, 2 * CREATE_FILES, 1, "ops_per_s");
    printf("\n");
}

/* Counts every entry below the directory fd (which it closes), each with
 * an lstat, as `find DIR -ls` does. */
static uint64_t walk(int fd)
{
    DIR *d = fdopendir(fd);
    if (!d)
        die("fdopendir");
    uint64_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        struct stat st;
        if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW))
            die("fstatat");
        n++;
        if (S_ISDIR(st.st_mode)) {
            int sub = openat(fd, e->d_name, O_RDONLY | O_DIRECTORY);
            if (sub < 0)
                die("openat");
            n += walk(sub);
        }
    }
    closedir(d);
    return n;
}

static void w7(void)
{
    uint64_t t0 = now_ns();
    int fd = open(path("tree", 0), O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        die("tree");
    uint64_t entries = walk(fd);
    printf("W7 walk entries=%llu", (unsigned long long)entries);
    rate(now_ns() - t0, entries, 1, "entries_per_s");
    printf("\n");
}

/* Reads the file whole into a buffer of its size, as a boot loader does. */
static uint64_t load(const char *p)
{
    int fd = open(p, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st))
        die(p);
    unsigned char *mem = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!mem)
        die("malloc");
    uint64_t done = 0;
    while (done < (uint64_t)st.st_size) {
        ssize_t got = read(fd, mem + done, (size_t)st.st_size - done);
        if (got <= 0)
            die("read");
        done += (uint64_t)got;
    }
    close(fd);
    free(mem);
    return done;
}

static void w8(void)
{
    uint64_t t0 = now_ns(), total = load(path("boot/vmlinuz", 0));
    total += load(path("boot/initrd.img", 0));
    printf("W8 bootload bytes=%llu", (unsigned long long)total);
    rate(now_ns() - t0, total, 1000000, "MBps");
    printf("\n");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: linux_bench DIR\n");
        return 2;
    }
    dir = argv[1];
    buf = malloc(MIB);
    if (!buf)
        die("malloc");
    setvbuf(stdout, NULL, _IOLBF, 0);
    w1();
    w2();
    w3();
    w4();
    w5();
    w6();
    w7();
    w8();
    return 0;
}
