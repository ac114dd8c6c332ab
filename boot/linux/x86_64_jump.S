/* SPDX-License-Identifier: BSD-2-Clause */
/* The jump into a Linux kernel's 64-bit entry point (boot/linux/x86_64.c):
 * void linux_jump(uint64_t entry, void *boot_params, void *stack_top).
 *
 * The 64-bit boot protocol asks for long mode on identity-mapped page
 * tables (ours map all RAM), interrupts off, a GDT where __BOOT_CS (0x10) is
 * flat 64-bit code and __BOOT_DS (0x18) flat data, CS = __BOOT_CS, DS, ES,
 * SS = __BOOT_DS, and %rsi = the struct boot_params. */

#define BOOT_CS 0x10
#define BOOT_DS 0x18

        .text
        .code64
        .globl linux_jump
linux_jump:
        cli
        cld
        movq %rdx, %rsp
        lgdt linux_gdt_ptr(%rip)
        pushq $BOOT_CS                  /* reload CS through a far return */
        leaq 1f(%rip), %rax
        pushq %rax
        lretq
1:      movl $BOOT_DS, %eax
        movl %eax, %ds
        movl %eax, %es
        movl %eax, %ss
        movl %eax, %fs
        movl %eax, %gs
        movq %rdi, %rax                 /* entry; %rsi = boot_params already */
        xorl %ebp, %ebp
        xorl %ebx, %ebx
        xorl %edi, %edi
        jmp *%rax

        .section .rodata
        .p2align 3
linux_gdt:
        .quad 0
        .quad 0
        .quad 0x00af9b000000ffff        /* 0x10: 64-bit code, accessed */
        .quad 0x00cf93000000ffff        /* 0x18: flat data, accessed */
linux_gdt_end:
        .p2align 3
linux_gdt_ptr:
        .word linux_gdt_end - linux_gdt - 1
        .quad linux_gdt

        .section .note.GNU-stack, "", @progbits
