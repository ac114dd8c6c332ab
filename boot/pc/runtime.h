/* SPDX-License-Identifier: BSD-2-Clause */
/* Internal to boot/pc/: how the runtime's parts are brought up, in the order
 * boot_main calls them. */
#ifndef BOOT_RUNTIME_H
#define BOOT_RUNTIME_H

#include "platform.h"

#define PAGE_SIZE 4096u
#define LARGE_PAGE (2u << 20)
#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))

/* Linker script symbols: the loaded image and its zero-filled tail. */
extern char __image_start[], __image_end[];

/* Called from entry.S with the loader's magic (%eax for Multiboot, the
 * hvm_start_info magic for PVH) and its boot information pointer. */
_Noreturn void boot_main(uint32_t magic, uint32_t info);

void console_init(void);
void exceptions_init(void);

/* Reads the protocol's boot information: memory map and RSDP are copied;
 * the command line stays where the loader put it, and bootinfo_cmdline_range
 * tells the page allocator which bytes to leave alone. */
void bootinfo_init(uint32_t magic, uint32_t info);
void bootinfo_cmdline_range(uint64_t *base, uint64_t *len);

/* Page allocator over the usable RAM of the memory map (needs bootinfo). */
void pages_init(void);
/* Like page_alloc, with constraints: npages at an address that is a
 * multiple of align (a power of two >= PAGE_SIZE), within [lo, hi); the
 * lowest such run, or with top_down the highest.  NULL when none is free. */
void *page_alloc_range(size_t npages, uint64_t align, uint64_t lo, uint64_t hi, bool top_down);
/* Maps the usable RAM above the boot page tables' 4 GiB and marks the
 * device holes below 4 GiB uncached (needs pages). */
void paging_init(void);
void clock_init(void);

/* Points IDT entry `vector` at an interrupt entry stub (isr.S). */
void idt_set_handler(uint8_t vector, void (*entry)(void));

/* irq.c: MSI-X completions through the local APIC.  irq_msi_alloc
 * sets the LAPIC up on first use and gives the message every device is
 * programmed with (0 or -ENOTSUP); irq_wait sleeps until an interrupt or
 * deadline_ns (clock_ns), capped by the LAPIC timer. */
int irq_msi_alloc(uint64_t *msg_addr, uint32_t *msg_data);
void irq_wait(uint64_t deadline_ns);

/* acpi.c: enters ACPI S5 (soft off) through the FADT's PM1 control
 * blocks, or its sleep control register on hardware-reduced ACPI.  NULL
 * once the request is written (the VMM may take a moment to act), else why
 * it could not be made. */
const char *acpi_power_off(void);

/* Prints "panic: exception N (error E) at RIP=... CR2=..." and exits 70. */
_Noreturn void panic_exception(uint64_t vector, uint64_t error, uint64_t rip, uint64_t cr2);

#endif
