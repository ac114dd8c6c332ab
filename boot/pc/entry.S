/* SPDX-License-Identifier: BSD-2-Clause */
/* Boot entry: Multiboot v1 and PVH headers, the switch from 32-bit protected
 * mode to long mode, and the call into C (boot_main).
 *
 * Both protocols enter in 32-bit protected mode with paging off, interrupts
 * off and %ebx pointing at their boot information.  From there one path sets
 * up a GDT, a stack and identity page tables for the first 4 GiB (2 MiB
 * pages), enables PAE + long mode, and calls boot_main(magic, info). */

#define MB_MAGIC        0x1BADB002
#define MB_BOOT_MAGIC   0x2BADB002      /* %eax from a Multiboot loader */
/* Memory info (bit 1) + the a.out kludge (bit 16): QEMU's Multiboot loader
 * refuses 64-bit ELF files unless the header says where to load them. */
#define MB_FLAGS        0x00010002
#define PVH_MAGIC       0x336ec578      /* hvm_start_info.magic */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

#define SEL_CODE64      0x08
#define SEL_DATA        0x10
#define SEL_CODE32      0x18

#define CR0_PG          (1 << 31)
#define CR4_PAE         (1 << 5)
#define MSR_EFER        0xC0000080
#define EFER_LME        (1 << 8)
#define PTE_P_RW        0x003
#define PTE_PS          0x080

#define STACK_SIZE      (256 * 1024)

/* Within the first 8 KiB of the file, which the linker script ensures. */
        .section .multiboot, "a"
        .p2align 2
mb_header:
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)
        .long mb_header                 /* header_addr */
        .long __image_start             /* load_addr */
        .long __load_end                /* load_end_addr */
        .long __bss_end                 /* bss_end_addr */
        .long mb_entry                  /* entry_addr */

/* Name and type alignment 4: QEMU pads the name to the segment's alignment. */
        .section .note.Xen, "a", @note
        .p2align 2
        .long 4                         /* namesz */
        .long 4                         /* descsz */
        .long XEN_ELFNOTE_PHYS32_ENTRY
        .asciz "Xen"
        .long pvh_entry

        .section .boot.text, "ax"
        .code32
        .globl mb_entry
mb_entry:
        movl %eax, %ebp                 /* MB_BOOT_MAGIC; %ebx = info */
        jmp common32

pvh_entry:
        movl $PVH_MAGIC, %ebp           /* %ebx = struct hvm_start_info */

common32:
        cld
        lgdt gdt_ptr32
        ljmp $SEL_CODE32, $1f           /* the loader's GDT may be anywhere */
1:      movl $SEL_DATA, %eax
        movl %eax, %ds
        movl %eax, %es
        movl %eax, %ss
        movl %eax, %fs
        movl %eax, %gs

        /* Clear .bss (stack and page tables included). */
        movl $__bss_start, %edi
        movl $__bss_end, %ecx
        subl %edi, %ecx
        xorl %eax, %eax
        rep stosb
        movl $boot_stack_top, %esp

        /* PML4[0] -> PDPT, PDPT[0..3] -> the four PDs, each PD entry a
         * 2 MiB page: 2048 entries cover 0..4 GiB. */
        movl $boot_pdpt + PTE_P_RW, boot_pml4
        movl $boot_pd + PTE_P_RW, %eax
        xorl %ecx, %ecx
2:      movl %eax, boot_pdpt(, %ecx, 8)
        addl $4096, %eax
        incl %ecx
        cmpl $4, %ecx
        jne 2b
        movl $PTE_P_RW + PTE_PS, %eax
        xorl %ecx, %ecx
3:      movl %eax, boot_pd(, %ecx, 8)
        addl $0x200000, %eax
        incl %ecx
        cmpl $2048, %ecx
        jne 3b

        movl %cr4, %eax
        orl $CR4_PAE, %eax
        movl %eax, %cr4
        movl $boot_pml4, %eax
        movl %eax, %cr3
        movl $MSR_EFER, %ecx
        rdmsr
        orl $EFER_LME, %eax
        wrmsr
        movl %cr0, %eax
        orl $CR0_PG, %eax
        movl %eax, %cr0
        ljmp $SEL_CODE64, $long64

        .code64
long64:
        lgdt gdt_ptr64                  /* again, with a 64-bit base */
        movl $SEL_DATA, %eax
        movl %eax, %ds
        movl %eax, %es
        movl %eax, %ss
        movl %eax, %fs
        movl %eax, %gs
        movl $boot_stack_top, %esp      /* zero-extends into %rsp */
        movl %ebp, %edi
        movl %ebx, %esi
        call boot_main
4:      cli
        hlt
        jmp 4b

        .section .rodata
        .p2align 3
gdt:
        .quad 0
        .quad 0x00209a0000000000        /* 0x08: 64-bit code */
        .quad 0x00cf92000000ffff        /* 0x10: flat data */
        .quad 0x00cf9a000000ffff        /* 0x18: flat 32-bit code */
gdt_end:
gdt_ptr32:
        .word gdt_end - gdt - 1
        .long gdt
        .p2align 3
gdt_ptr64:
        .word gdt_end - gdt - 1
        .quad gdt

        .section .bss
        .p2align 12
        .globl boot_pml4
boot_pml4:      .space 4096
boot_pdpt:      .space 4096
boot_pd:        .space 4 * 4096
        .p2align 4
boot_stack:     .space STACK_SIZE
boot_stack_top:

        .section .note.GNU-stack, "", @progbits
