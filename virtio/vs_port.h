/* SPDX-License-Identifier: BSD-2-Clause */
/* The porting layer: everything the core needs from the platform.
 *
 * The embedder fills one struct vs_port and hands it to the core; every hook
 * gets port->ctx as its first argument.  The core keeps a pointer to the
 * struct, so it must outlive every device and mount that uses it.  Hooks
 * marked optional may be NULL.
 *
 * General rules:
 * - The core is single-threaded and never calls a hook from an interrupt
 *   handler: hooks need no locking unless the embedder shares a vs_port (or
 *   a device) between threads, which it must then serialise itself.
 * - Hooks are called with the core's own objects in a consistent state, and
 *   may not call back into the core.
 * - Besides these hooks the core needs memcpy, memset, memcmp and strlen
 *   (vs_util.h; or VS_UTIL_OVERRIDE), and the compiler may emit calls to
 *   memcpy/memset/memmove/memcmp itself.  Nothing else: no malloc, no stdio,
 *   no errno, no global variables.
 * - Memory shared with the device must be coherent with the CPU's caches
 *   (as on x86 and on Arm with a coherent interconnect or in QEMU); the core
 *   orders its accesses with vs_mb/vs_rmb/vs_wmb (vs_util.h) but never
 *   cleans or invalidates caches. */
#ifndef VS_PORT_H
#define VS_PORT_H

#include "vs_util.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A PCI function's address: bus << 8 | device << 3 | function. */
typedef uint32_t vs_bdf_t;
#define VS_BDF(bus, dev, fn) (((uint32_t)(bus) << 8) | ((uint32_t)(dev) << 3) | (uint32_t)(fn))

struct vs_port {
    void *ctx;

    /* PCI configuration space of function bdf: read or write `width` bytes
     * (1, 2 or 4) at offset `off` (naturally aligned).  A read of an absent
     * function returns all ones.  Needed by the PCI transport. */
    uint32_t (*pci_read)(void *ctx, vs_bdf_t bdf, uint16_t off, int width);
    void (*pci_write)(void *ctx, vs_bdf_t bdf, uint16_t off, int width, uint32_t val);
    /* Highest PCI bus number to scan (0..255); -1 when the platform has no
     * PCI (pci_read and pci_write may then be NULL: only the MMIO transport,
     * virtio/vmmio.h, is used). */
    int pci_max_bus;

    /* Make device memory [phys, phys + len) accessible, uncached (on Arm:
     * Device-nGnRE), and return its address, or NULL if it cannot be mapped.
     * Called for PCI BAR regions (with the address the BAR holds) and for
     * virtio-mmio windows, possibly several times for the same range; the
     * mapping must stay valid as long as the device is used.  The core
     * accesses it only with naturally aligned 8-, 16- and 32-bit loads and
     * stores through vs_mmio.h (single instructions the compiler cannot
     * split or merge; a write barrier before every doorbell store). */
    volatile void *(*map_mmio)(void *ctx, uint64_t phys, uint64_t len);

    /* Memory both the CPU and the device can access: `size` bytes, zeroed,
     * aligned to 4096.  Stores the device's address of it in *dev_addr.
     * Returns NULL when out of memory.  dma_free takes what dma_alloc gave. */
    void *(*dma_alloc)(void *ctx, size_t size, uint64_t *dev_addr);
    void (*dma_free)(void *ctx, void *p, size_t size);
    /* Optional: the device address of caller memory [p, p + len), so reads and
     * writes can go straight to and from the caller's buffer.  Returns false
     * when that memory is not reachable by the device (the core then bounces
     * through its own DMA memory). */
    bool (*dma_addr)(void *ctx, const void *p, size_t len, uint64_t *dev_addr);
    /* Optional: called when a request that was given caller memory
     * [p, p + len) straight (through dma_addr) outlived the call that gave
     * it: the device stopped answering or broke the protocol before handing
     * the request back, so it may still write (READ) or read (WRITE) that
     * memory at any later time.  The platform must never hand any byte of
     * it out again: not free it to an allocator, not reuse it.  The core
     * calls it at most once per request; the memory stays the device's
     * for good (a connection that failed is never revived).
     * Without this hook the core gives the device no caller memory at all:
     * every byte moves through its own DMA memory, which it keeps from any
     * allocator for as long as the device may write it. */
    void (*dma_hold)(void *ctx, const void *p, size_t len);

    /* Ordinary memory for the core's tables and caches (not shared with the
     * device).  alloc returns NULL when out of memory; free accepts NULL. */
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *p);

    /* A monotonic clock in nanoseconds (any origin).  It bounds every wait
     * (request timeouts, device reset), so it must advance while the core
     * polls. */
    uint64_t (*now_ns)(void *ctx);
    /* Optional: called in every polling loop iteration (cpu_relax, or a
     * sleep until the next interrupt). */
    void (*relax)(void *ctx);
    /* Optional, both or neither: completion by interrupts (mount option
     * irq=msix; without them such a mount fails with -ENOTSUP).
     *
     * irq_alloc reserves an interrupt a device can raise with a message
     * write (PCI MSI/MSI-X): it stores the message address and data to
     * program into the device.  It may hand every caller the same message
     * (the core rechecks its queues on every wake-up, so sharing only costs
     * spurious wake-ups).  Returns 0, or -ENOTSUP when the platform cannot
     * take such interrupts.
     *
     * wait_irq sleeps until an interrupt from irq_alloc's message has been
     * delivered, or until the clock (now_ns) reaches deadline_ns, whichever
     * comes first; it may return earlier (any interrupt, or a cap of its
     * own), never much later.  The core calls it only after finding its
     * queues empty, so it must not lose an interrupt raised between that
     * check and the sleep: one raised since the previous wait_irq returned
     * must make this one return at once (on x86: keep interrupts disabled
     * outside wait_irq, and sleep with `sti; hlt`).  An interrupt may also be
     * lost or never come: the core bounds every wait by its deadline. */
    int (*irq_alloc)(void *ctx, uint64_t *msg_addr, uint32_t *msg_data);
    void (*wait_irq)(void *ctx, uint64_t deadline_ns);

    /* Optional: a diagnostic line (no newline) from the core. */
    void (*log)(void *ctx, const char *msg);
};

#ifdef __cplusplus
}
#endif

#endif
