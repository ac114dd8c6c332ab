/* SPDX-License-Identifier: BSD-2-Clause */
/* One stub per interrupt vector: each pushes a dummy error code where the
 * CPU pushes none, then the vector number, and jumps to isr_common, which
 * hands vector, error code, RIP and CR2 to panic_exception.  Nothing
 * returns, so no register is saved. */

        .altmacro
        .macro stub n
isr_\n:
        .if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
        .else
        pushq $0
        .endif
        pushq $\n
        jmp isr_common
        .endm

        .macro address n
        .quad isr_\n
        .endm

        .text
        .set i, 0
        .rept 256
        stub %i
        .set i, i + 1
        .endr

isr_common:
        movq (%rsp), %rdi               /* vector */
        movq 8(%rsp), %rsi              /* error code */
        movq 16(%rsp), %rdx             /* RIP */
        movq %cr2, %rcx
        andq $-16, %rsp                 /* the C calling convention */
        call panic_exception

/* Interrupts that return (irq.c): the vector number is pushed, the
 * caller-saved registers are saved around irq_dispatch(vector), and iretq
 * resumes.  They are only ever taken in irq_sleep's hlt, but save what the
 * C calling convention may clobber all the same. */
        .macro irqstub n
        .globl irq_entry_\n
irq_entry_\n:
        pushq $\n
        jmp irq_common
        .endm

        irqstub 64
        irqstub 65
        irqstub 255

irq_common:
        pushq %rax
        pushq %rcx
        pushq %rdx
        pushq %rsi
        pushq %rdi
        pushq %r8
        pushq %r9
        pushq %r10
        pushq %r11
        movq 72(%rsp), %rdi             /* vector */
        pushq %rbp
        movq %rsp, %rbp
        andq $-16, %rsp
        cld
        call irq_dispatch
        movq %rbp, %rsp
        popq %rbp
        popq %r11
        popq %r10
        popq %r9
        popq %r8
        popq %rdi
        popq %rsi
        popq %rdx
        popq %rcx
        popq %rax
        addq $8, %rsp                   /* the vector */
        iretq

/* Sleeps until the next interrupt with interrupts enabled only for the
 * halt: one that became pending while they were disabled is taken at the
 * hlt (sti's one-instruction shadow), so it cannot be lost. */
        .globl irq_sleep
irq_sleep:
        sti
        hlt
        cli
        ret

        .section .rodata
        .p2align 3
        .globl isr_table
isr_table:
        .set i, 0
        .rept 256
        address %i
        .set i, i + 1
        .endr

        .section .note.GNU-stack, "", @progbits
