/* SPDX-License-Identifier: BSD-2-Clause */
/* The smallest useful embedding of vioshare: a board with one virtio-fs
 * device behind a virtio-mmio window, identity-mapped memory (the CPU's
 * addresses are the device's) and a C library with malloc.  It mounts the
 * share at /share with the small profile (at most 64 KiB of heap and 64 KiB
 * of DMA memory) and prints a file.  `make check-ports` builds it for
 * AArch64 (picolibc), 32-bit Arm (newlib) and the host, against the
 * installed headers (build/include/vioshare) alone.
 *
 * Replace the three BOARD_ items with your platform's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vfs.h"
#include "vmmio.h"

#define BOARD_VIRTIO_MMIO 0x0a000000u /* QEMU virt's first virtio-mmio slot */

static uint64_t board_now_ns(void) /* BOARD: a monotonic clock */
{
    static uint64_t fake;
    return fake += 1000; /* a stand-in that only keeps timeouts finite */
}

static volatile void *map_mmio(void *ctx, uint64_t phys, uint64_t len)
{
    (void)ctx, (void)len;
    return (volatile void *)(uintptr_t)phys; /* BOARD: identity-mapped, uncached */
}

/* DMA memory: 4 KiB-aligned and zeroed, out of malloc (the raw pointer is
 * kept just below the aligned block for dma_free). */
static void *dma_alloc(void *ctx, size_t size, uint64_t *dev_addr)
{
    (void)ctx;
    char *raw = malloc(size + 4096 + sizeof(void *));
    if (!raw)
        return NULL;
    char *p = (char *)(((uintptr_t)raw + sizeof(void *) + 4095) & ~(uintptr_t)4095);
    ((void **)p)[-1] = raw;
    memset(p, 0, size);
    *dev_addr = (uintptr_t)p; /* BOARD: the device's address of p */
    return p;
}

static void dma_free(void *ctx, void *p, size_t size) { (void)ctx, (void)size; free(((void **)p)[-1]); }
static void *alloc(void *ctx, size_t size) { (void)ctx; return malloc(size); }
static void release(void *ctx, void *p) { (void)ctx; free(p); }
static uint64_t now_ns(void *ctx) { (void)ctx; return board_now_ns(); }

static const struct vs_port port = {
    .pci_max_bus = -1, /* no PCI: the pci_* hooks stay NULL */
    .map_mmio = map_mmio,
    .dma_alloc = dma_alloc,
    .dma_free = dma_free,
    .alloc = alloc,
    .free = release,
    .now_ns = now_ns,
};

int main(void)
{
    static struct vmmio_dev dev; /* must outlive the mount */
    static struct vs_transport tr;
    static struct vfs vfs;
    static char buf[4096];
    struct vfs_config cfg = {0};
    vfs_config_small(&cfg); /* or leave it zero: the fast defaults */
    int err = vmmio_open(&dev, &port, BOARD_VIRTIO_MMIO, VMMIO_WINDOW, &tr);
    if (!err)
        err = vfs_init_cfg(&vfs, &port, &cfg);
    if (!err)
        err = vfs_mount(&vfs, &tr, "/share", NULL);
    if (err) {
        printf("no share: error %d\n", err);
        return 1;
    }
    int fd = vfs_open(&vfs, "/share/hello.txt", VFS_O_RDONLY, 0);
    int64_t n = fd >= 0 ? vfs_pread(&vfs, fd, buf, sizeof(buf) - 1, 0) : fd;
    if (n >= 0)
        printf("%.*s", (int)n, buf);
    if (fd >= 0)
        vfs_close(&vfs, fd);
    vfs_umount(&vfs, "/share"); /* FORGETs, DESTROY, device reset */
    return n < 0;
}
