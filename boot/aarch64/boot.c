/* SPDX-License-Identifier: BSD-2-Clause */
/* From start.S to the program: MMU, device tree, console, memory, TLS,
 * clock, PCI; then app_main and exit with its status. */
#include <string.h>
#include "a64.h"

/* Where QEMU puts the DTB for a bare ELF (the start of virt's RAM), used
 * when x0 does not hold one (only the Linux boot protocol passes it). */
#define VIRT_DTB 0x40000000ull

extern char __tls_base[];

_Noreturn void boot_main(uint64_t x0);
_Noreturn void boot_main(uint64_t x0)
{
    exceptions_init();
    uint64_t dtb = x0 ? x0 : VIRT_DTB;
    mmu_init(dtb);
    clock_init();
    /* The only thread's TLS block (picolibc's errno); AArch64 puts a
     * 16-byte control block before it (variant 1). */
    __asm__ volatile("msr tpidr_el0, %0" ::"r"((uintptr_t)__tls_base - 16));
    if (!fdt_size((const void *)(uintptr_t)dtb) && x0) {
        dtb = VIRT_DTB;
        mmu_init(dtb);
    }
    if (!fdt_parse((const void *)(uintptr_t)dtb))
        panic("no valid device tree (in x0 or at the start of RAM)");
    a64_board.dtb = dtb;
    console_init(a64_board.uart);
    for (int i = 0; i < a64_board.nmem; i++)
        a64_map_ram(a64_board.mem[i].base, a64_board.mem[i].size);
    pages_init(dtb, fdt_size((const void *)(uintptr_t)dtb));
    pci_assign_bars();
    platform_exit(app_main());
}
