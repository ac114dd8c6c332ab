/* SPDX-License-Identifier: BSD-2-Clause */
/* What the x86-64 boot runtime offers the rest of the boot image.
 * Everything is identity-mapped: a pointer is its physical address. */
#ifndef BOOT_PLATFORM_H
#define BOOT_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* Entered once, in long mode with the runtime initialised (console, memory,
 * clock, exception handlers).  Its return value is the exit status. */
int app_main(void);

/* Serial console (COM1 16550, 115200 8N1).  console_write translates "\n"
 * to "\r\n".  console_getc returns the next received byte or -1 if none. */
void console_write(const char *s, size_t n);
int console_getc(void);

/* Leaves QEMU with `status` (0..127) through isa-debug-exit (port 0xf4,
 * QEMU then exits with status * 2 + 1); where there is none, prints
 * "vioshare: exit status N" and powers off through ACPI, or says why it
 * cannot and halts. */
_Noreturn void platform_exit(int status);

/* Prints "panic: MSG at RIP=..." on the console and exits with status 70. */
_Noreturn void panic(const char *msg);

/* The kernel command line from the boot protocol, "" when none. */
const char *platform_cmdline(void);
/* "multiboot" or "pvh". */
const char *platform_boot_protocol(void);
/* The ACPI RSDP's physical address if the boot protocol gave one, else 0. */
uint64_t platform_acpi_rsdp(void);

/* The physical memory map from the boot protocol, E820 types (1 = usable). */
struct mem_region {
    uint64_t base;
    uint64_t len;
    uint32_t type;
};
size_t platform_memmap(const struct mem_region **regions);
/* Steps through the usable regions of the memory map: start with *i = 0;
 * each call gives the next one as [*base, *end), its end lowered to limit,
 * and false after the last. */
bool platform_usable_ram(size_t *i, uint64_t limit, uint64_t *base, uint64_t *end);

/* Nanoseconds since boot: the TSC calibrated against the PIT. */
uint64_t clock_ns(void);
/* TSC ticks per second as calibrated. */
uint64_t clock_tsc_hz(void);

/* Physical pages of usable RAM not used by the image: zeroed, 4 KiB
 * aligned.  NULL when exhausted.  page_free takes what page_alloc gave. */
void *page_alloc(size_t npages);
/* The same, not zeroed (the heap's big blocks: zeroing a 256 KiB listing
 * buffer costs a hundred microseconds under TCG). */
void *page_alloc_uninit(size_t npages);
void page_free(void *p, size_t npages);
/* Bytes of RAM still free to page_alloc. */
uint64_t page_free_bytes(void);

/* General-purpose heap: 16-byte aligned, NULL when exhausted. */
void *kmalloc(size_t n);
void kfree(void *p);
/* Bytes of heap blocks in use now and the most ever (headers and size-class
 * rounding included; DMA memory from page_alloc is not heap). */
void heap_usage(uint64_t *used, uint64_t *peak);
/* MSI interrupts taken since boot (irq.c). */
uint64_t irq_msi_count(void);

/* Map [phys, phys + len) uncached (for device BARs above what the boot page
 * tables cover) and return it; NULL if it cannot be mapped. */
volatile void *mmio_map(uint64_t phys, uint64_t len);

/* The porting layer of the core (virtio/vs_port.h) for this machine: PCI
 * configuration mechanism #1, identity-mapped DMA memory, the heap, the
 * clock and the console.  Valid for the life of the image. */
struct vs_port;
const struct vs_port *platform_port(void);

/* Port I/O. */
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void cpu_relax(void) { __asm__ volatile("pause"); }

#endif
