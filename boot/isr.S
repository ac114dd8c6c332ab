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
