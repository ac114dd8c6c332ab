/* SPDX-License-Identifier: BSD-2-Clause */
/* The hand-over to a Linux kernel (linux.c), as booting.rst asks: MMU off,
 * data cache off, the kernel, DTB and initrd cleaned to the point of
 * coherency (a64_clean_to_poc, while the MMU is still on), no stale
 * instruction cache entries, interrupts masked, x0 = the DTB, x1-x3 = 0.
 * Our identity map makes turning the MMU off in place safe: the next
 * instruction's address means the same thing without it.  Nothing here
 * touches the stack once the data cache is off. */

#define SCTLR_M (1 << 0)
#define SCTLR_C (1 << 2)

        .text
/* void a64_clean_to_poc(const void *p, size_t len) */
        .global a64_clean_to_poc
a64_clean_to_poc:
        cbz     x1, 2f
        mrs     x3, ctr_el0
        ubfx    x3, x3, #16, #4         /* DminLine: log2 of the line in words */
        mov     x2, #4
        lsl     x2, x2, x3
        add     x1, x0, x1
        sub     x3, x2, #1
        bic     x0, x0, x3
1:      dc      cvac, x0
        add     x0, x0, x2
        cmp     x0, x1
        b.lo    1b
        dsb     sy
2:      ret

/* void a64_linux_jump(uint64_t entry, uint64_t dtb, bool el2) */
        .global a64_linux_jump
a64_linux_jump:
        msr     daifset, #0xf
        mov     x19, x0
        mov     x20, x1
        mov     x21, x2
        mrs     x9, sctlr_el1
        bic     x9, x9, #SCTLR_M
        bic     x9, x9, #SCTLR_C
        msr     sctlr_el1, x9
        isb
        ic      iallu
        tlbi    vmalle1
        dsb     sy
        isb
        cbnz    w21, 1f
        mov     x0, x20
        mov     x1, xzr
        mov     x2, xzr
        mov     x3, xzr
        br      x19
1:      mov     x0, x19                 /* start.S's EL2 stub enters it at EL2 */
        mov     x1, x20
        hvc     #0
        b       .
