/* SPDX-License-Identifier: BSD-2-Clause */
/* vioshare with no allocator at all: the port has no alloc/free and no
 * dma_alloc/dma_free, and the core takes everything from two static
 * regions given in struct vfs_config, sized for the small profile.  A
 * board with one virtio-mmio virtio-fs device and identity-mapped memory
 * the device can reach; it prints a file of the share.  `make check-ports`
 * builds it for AArch64 (picolibc), 32-bit Arm (newlib) and the host.
 *
 * Replace the BOARD_ items with your platform's. */
#include <stdio.h>
#include "vfs.h"
#include "vmmio.h"

#define BOARD_VIRTIO_MMIO 0x0a000000u /* QEMU virt's first virtio-mmio slot */

/* The core's tables and caches, and the memory it shares with the device
 * (rings, request slots, bounce buffer).  The DMA region is the device's for
 * good once given: never reuse it, even after the unmount. */
static unsigned char heap[64 * 1024] __attribute__((aligned(16)));
static unsigned char dma[64 * 1024] __attribute__((aligned(4096)));

static uint64_t now_ns(void *ctx) /* BOARD: a monotonic clock */
{
    static uint64_t fake;
    (void)ctx;
    return fake += 1000;
}

static volatile void *map_mmio(void *ctx, uint64_t phys, uint64_t len)
{
    (void)ctx, (void)len;
    return (volatile void *)(uintptr_t)phys; /* BOARD: identity-mapped, uncached */
}

int main(void)
{
    static const struct vs_port port = {.pci_max_bus = -1, .map_mmio = map_mmio, .now_ns = now_ns};
    static struct vmmio_dev dev; /* must outlive the mount */
    static struct vs_transport tr;
    static struct vfs vfs;
    static char buf[512];
    struct vfs_config cfg = {0};
    vfs_config_small(&cfg);
    cfg.heap = heap;
    cfg.heap_size = sizeof heap;
    cfg.dma = dma;
    cfg.dma_size = sizeof dma;
    cfg.dma_addr = (uintptr_t)dma; /* BOARD: the device's address of dma */

    int err = vmmio_open(&dev, &port, BOARD_VIRTIO_MMIO, VMMIO_WINDOW, &tr);
    if (!err)
        err = vfs_init_cfg(&vfs, &port, &cfg);
    if (!err)
        err = vfs_mount(&vfs, &tr, "/share", NULL);
    if (err) {
        printf("no share: %s\n", vs_errno_name(err));
        return 1;
    }
    int fd = vfs_open(&vfs, "/share/hello.txt", VFS_O_RDONLY, 0);
    int64_t n = fd >= 0 ? vfs_pread(&vfs, fd, buf, sizeof(buf) - 1, 0) : fd;
    if (n >= 0)
        printf("%.*s", (int)n, buf);
    if (fd >= 0)
        vfs_close(&vfs, fd);
    vfs_umount(&vfs, "/share");
    return n < 0;
}
