/* SPDX-License-Identifier: BSD-2-Clause */
/* AArch64 entry.  QEMU starts a bare ELF at its entry point at EL1 (or at
 * EL2 with virtualization=on, EL3 with secure=on); a Linux-style loader
 * passes the DTB's address in x0.  Drop to EL1h with interrupts masked,
 * enable FP/SIMD, set the stack, clear .bss and call boot_main(x0).
 * Entered at EL2, leave a stub in VBAR_EL2 first: `boot` calls it (hvc)
 * to start a Linux kernel at EL2, where KVM needs it to be. */

#define SPSR_EL1H_MASKED 0x3c5      /* D, A, I, F masked; EL1 with SP_EL1 */
#define HCR_RW (1 << 31)            /* EL1 runs AArch64 */
#define SCR_RW (1 << 10)
#define SCR_NS (1 << 0)
#define SCTLR_EL1_RES1 0x30d00800   /* MMU and caches off, little-endian */

        .section .text.boot, "ax"
        .global _start
_start:
        mov     x19, x0
        mrs     x1, CurrentEL
        ubfx    x1, x1, #2, #2
        ldr     x2, =a64_entry_el
        str     x1, [x2]
        cmp     x1, #3
        b.eq    from_el3
        cmp     x1, #2
        b.eq    from_el2
        b       at_el1

from_el3:
        ldr     x1, =SCTLR_EL1_RES1
        msr     sctlr_el1, x1
        mov     x1, #(SCR_RW | SCR_NS)
        msr     scr_el3, x1
        mov     x1, #HCR_RW
        msr     hcr_el2, x1
        mov     x1, #SPSR_EL1H_MASKED
        msr     spsr_el3, x1
        adr     x1, at_el1
        msr     elr_el3, x1
        eret

from_el2:
        adr     x1, el2_stub_vectors
        msr     vbar_el2, x1
        ldr     x1, =SCTLR_EL1_RES1
        msr     sctlr_el1, x1
        mov     x1, #HCR_RW
        msr     hcr_el2, x1
        mrs     x1, cnthctl_el2
        orr     x1, x1, #3              /* EL1 may use the physical counter and timer */
        msr     cnthctl_el2, x1
        msr     cntvoff_el2, xzr
        mov     x1, #SPSR_EL1H_MASKED
        msr     spsr_el2, x1
        adr     x1, at_el1
        msr     elr_el2, x1
        eret

at_el1:
        msr     daifset, #0xf
        mov     x1, #(3 << 20)          /* CPACR_EL1.FPEN: no FP/SIMD traps */
        msr     cpacr_el1, x1
        isb
        ldr     x1, =__stack_top
        mov     sp, x1
        ldr     x1, =__bss_start
        ldr     x2, =__bss_end
1:      cmp     x1, x2
        b.hs    2f
        stp     xzr, xzr, [x1], #16
        b       1b
2:      mov     x0, x19
        bl      boot_main
3:      wfi
        b       3b

/* Exception vectors: every entry reports and stops (exceptions.c). */
        .macro  vector kind
        .balign 0x80
        mov     x0, #\kind
        mrs     x1, esr_el1
        mrs     x2, elr_el1
        mrs     x3, far_el1
        b       a64_exception
        .endm

        .section .text.vectors, "ax"
        .balign 0x800
        .global a64_vectors
a64_vectors:
        vector 0
        vector 1
        vector 2
        vector 3
        vector 4
        vector 5
        vector 6
        vector 7
        vector 8
        vector 9
        vector 10
        vector 11
        vector 12
        vector 13
        vector 14
        vector 15

/* The EL2 stub: `hvc #0` from EL1 with x0 = a kernel's entry and x1 = its
 * DTB enters the kernel at EL2 (EL2's MMU was never turned on; the
 * exception masked interrupts).  Anything else taken to EL2 stops here. */
#define EC_HVC64 0x16

        .balign 0x800
el2_stub_vectors:
        .rept   8
        .balign 0x80
        b       .
        .endr
        .balign 0x80                    /* synchronous, from AArch64 EL1 */
        mrs     x9, esr_el2
        ubfx    x9, x9, #26, #6
        cmp     x9, #EC_HVC64
        b.ne    .
        mov     x9, x0
        mov     x0, x1
        mov     x1, xzr
        mov     x2, xzr
        mov     x3, xzr
        ic      iallu
        dsb     sy
        isb
        br      x9
        .rept   7
        .balign 0x80
        b       .
        .endr

        .data
        .balign 8
        .global a64_entry_el
a64_entry_el:
        .quad   0
