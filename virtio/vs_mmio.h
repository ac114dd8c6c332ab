/* SPDX-License-Identifier: BSD-2-Clause */
/* Device register accessors: every load and store the transports make to
 * device memory (PCI BAR regions, virtio-mmio windows) goes through these.
 *
 * Each is exactly one access of its width at a naturally aligned address.
 * A plain volatile access only promises that much by convention; the
 * inline assembly below guarantees the compiler neither splits, merges,
 * widens nor reorders it against other accesses (the "memory" clobber).
 * Values are as the CPU sees them: every target is little-endian, as
 * virtio's registers are.
 *
 * vs_io_wmb() orders the CPU's earlier stores to ordinary memory (the
 * virtqueue) before a later store to a device register (the doorbell).
 *
 * An embedder (or the host tests, which log every access) may define
 * VS_MMIO_OVERRIDE to the name of a header that provides all eight. */
#ifndef VS_MMIO_H
#define VS_MMIO_H

#include "vs_util.h"

#ifdef VS_MMIO_OVERRIDE
#include VS_MMIO_OVERRIDE
#elif defined(__aarch64__)

/* As Linux's __raw_readl & co.: single ldr/str of the width, no pair or
 * writeback forms a hypervisor could not emulate. */
static inline uint8_t vs_mmio_read8(const volatile void *a)
{
    uint32_t v;
    __asm__ volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
    return (uint8_t)v;
}
static inline uint16_t vs_mmio_read16(const volatile void *a)
{
    uint32_t v;
    __asm__ volatile("ldrh %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
    return (uint16_t)v;
}
static inline uint32_t vs_mmio_read32(const volatile void *a)
{
    uint32_t v;
    __asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
    return v;
}
static inline void vs_mmio_write8(volatile void *a, uint8_t v)
{
    __asm__ volatile("strb %w0, [%1]" : : "r"((uint32_t)v), "r"(a) : "memory");
}
static inline void vs_mmio_write16(volatile void *a, uint16_t v)
{
    __asm__ volatile("strh %w0, [%1]" : : "r"((uint32_t)v), "r"(a) : "memory");
}
static inline void vs_mmio_write32(volatile void *a, uint32_t v)
{
    __asm__ volatile("str %w0, [%1]" : : "r"(v), "r"(a) : "memory");
}
/* Stores to memory before a store to a device, for observers in the outer
 * shareable domain (a device): what Linux's writel puts before its store.
 * vs_wmb's `dmb ish` only orders within the inner shareable domain. */
#define vs_io_wmb() __asm__ volatile("dmb oshst" : : : "memory")

#elif defined(__x86_64__)

static inline uint8_t vs_mmio_read8(const volatile void *a)
{
    uint8_t v;
    __asm__ volatile("movb %1, %0" : "=q"(v) : "m"(*(const volatile uint8_t *)a) : "memory");
    return v;
}
static inline uint16_t vs_mmio_read16(const volatile void *a)
{
    uint16_t v;
    __asm__ volatile("movw %1, %0" : "=r"(v) : "m"(*(const volatile uint16_t *)a) : "memory");
    return v;
}
static inline uint32_t vs_mmio_read32(const volatile void *a)
{
    uint32_t v;
    __asm__ volatile("movl %1, %0" : "=r"(v) : "m"(*(const volatile uint32_t *)a) : "memory");
    return v;
}
static inline void vs_mmio_write8(volatile void *a, uint8_t v)
{
    __asm__ volatile("movb %1, %0" : "=m"(*(volatile uint8_t *)a) : "q"(v) : "memory");
}
static inline void vs_mmio_write16(volatile void *a, uint16_t v)
{
    __asm__ volatile("movw %1, %0" : "=m"(*(volatile uint16_t *)a) : "r"(v) : "memory");
}
static inline void vs_mmio_write32(volatile void *a, uint32_t v)
{
    __asm__ volatile("movl %1, %0" : "=m"(*(volatile uint32_t *)a) : "r"(v) : "memory");
}
/* x86 keeps stores in order, uncached ones included: only the compiler
 * must be stopped. */
#define vs_io_wmb() __asm__ volatile("" : : : "memory")

#else

/* Elsewhere (32-bit Arm microcontrollers, ...): aligned volatile accesses of
 * a register's width, which GCC and Clang emit as single loads and stores. */
static inline uint8_t vs_mmio_read8(const volatile void *a) { return *(const volatile uint8_t *)a; }
static inline uint16_t vs_mmio_read16(const volatile void *a) { return *(const volatile uint16_t *)a; }
static inline uint32_t vs_mmio_read32(const volatile void *a) { return *(const volatile uint32_t *)a; }
static inline void vs_mmio_write8(volatile void *a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline void vs_mmio_write16(volatile void *a, uint16_t v) { *(volatile uint16_t *)a = v; }
static inline void vs_mmio_write32(volatile void *a, uint32_t v) { *(volatile uint32_t *)a = v; }
#if defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7
#define vs_io_wmb() __asm__ volatile("dmb" : : : "memory")
#else
#define vs_io_wmb() vs_wmb()
#endif

#endif

/* One access of `width` bytes (1, 2 or 4; a device-configuration field). */
static inline uint32_t vs_mmio_read(const volatile void *a, unsigned width)
{
    if (width == 1)
        return vs_mmio_read8(a);
    if (width == 2)
        return vs_mmio_read16(a);
    return vs_mmio_read32(a);
}

/* Barriers for the memory the device shares (the rings): ordered for any
 * observer on the platform, a device that is not a CPU included, as
 * VIRTIO_F_ORDER_PLATFORM asks (Linux's dma_mb & co.).  On x86 the CPU
 * fences already are. */
#if defined(__aarch64__) && !defined(VS_MMIO_OVERRIDE)
#define vs_dma_mb() __asm__ volatile("dmb osh" : : : "memory")
#define vs_dma_rmb() __asm__ volatile("dmb oshld" : : : "memory")
#define vs_dma_wmb() __asm__ volatile("dmb oshst" : : : "memory")
#elif defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7 && !defined(VS_MMIO_OVERRIDE)
#define vs_dma_mb() __asm__ volatile("dmb" : : : "memory")
#define vs_dma_rmb() vs_dma_mb()
#define vs_dma_wmb() vs_dma_mb()
#else
#define vs_dma_mb() vs_mb()
#define vs_dma_rmb() vs_rmb()
#define vs_dma_wmb() vs_wmb()
#endif

#endif
