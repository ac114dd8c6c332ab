/* SPDX-License-Identifier: BSD-2-Clause */
/* A tiny Multiboot v1 guest used only to test tools/vioshare-run without the
 * real image.  It prints "cmdline=[...]" on COM1, then acts on the command line:
 *   exit N   print "bye N" and leave through isa-debug-exit with status N
 *   crash    triple fault
 *   hang     stop forever (interrupts off)
 *   echo     copy serial input to output until the byte 'q', then exit 3
 *   (other)  exit 0
 * Build: as --32 fakeguest.S -o x.o && ld -m elf_i386 -Ttext=0x100000 -e start x.o -o fakeguest.elf
 */
	.text
	.code32
	.globl start
	.align 4
mbheader:
	.long 0x1BADB002
	.long 0
	.long -0x1BADB002

start:
	cli
	mov $0x90000, %esp
	xor %esi, %esi			/* esi = command line (0 if none) */
	cmp $0x2BADB002, %eax
	jne 1f
	testl $4, (%ebx)
	jz 1f
	mov 16(%ebx), %esi
1:
	mov $s_cmd, %edi
	call puts
	test %esi, %esi
	jz 2f
	mov %esi, %edi
	call puts
2:
	mov $s_close, %edi
	call puts
	test %esi, %esi
	jz exit0
	/* QEMU's Multiboot loader passes "KERNEL_PATH ARGS": skip the path. */
16:	movb (%esi), %al
	test %al, %al
	jz exit0
	inc %esi
	cmp $' ', %al
	jne 16b

	mov %esi, %edi
	mov $w_exit, %edx
	call prefix
	jnc do_exit
	mov $w_crash, %edx
	call prefix
	jnc do_crash
	mov $w_hang, %edx
	call prefix
	jnc do_hang
	mov $w_echo, %edx
	call prefix
	jnc do_echo
exit0:
	xor %eax, %eax
	jmp leave

do_exit:				/* edi points after "exit " */
	xor %eax, %eax
3:	movzbl (%edi), %ecx
	sub $'0', %ecx
	cmp $9, %ecx
	ja 4f
	imul $10, %eax
	add %ecx, %eax
	inc %edi
	jmp 3b
4:	push %eax
	mov $s_bye, %edi
	call puts
	pop %eax
	push %eax
	call putdec
	mov $s_nl, %edi
	call puts
	pop %eax
	jmp leave

do_crash:
	lidt zero_idt
	int3
	jmp do_crash

do_hang:
	cli
5:	hlt
	jmp 5b

do_echo:
6:	mov $0x3fd, %dx
	inb %dx, %al
	test $1, %al
	jz 6b
	mov $0x3f8, %dx
	inb %dx, %al
	cmp $'q', %al
	je 7f
	call putc
	jmp 6b
7:	mov $3, %eax
	jmp leave

leave:					/* eax = status */
	mov $0xf4, %dx
	outl %eax, %dx
	jmp do_hang

/* carry clear if the string at edi starts with the word at edx; then edi is
 * advanced past it.  Clobbers eax, ecx. */
prefix:
	push %edi
	push %edx
8:	movzbl (%edx), %eax
	test %al, %al
	jz 9f
	cmpb (%edi), %al
	jne 10f
	inc %edi
	inc %edx
	jmp 8b
9:	pop %edx
	add $4, %esp
	clc
	ret
10:	pop %edx
	pop %edi
	stc
	ret

puts:					/* edi = NUL-terminated string */
	push %eax
11:	movb (%edi), %al
	test %al, %al
	jz 12f
	call putc
	inc %edi
	jmp 11b
12:	pop %eax
	ret

putc:					/* al = byte */
	push %edx
	push %eax
13:	mov $0x3fd, %dx
	inb %dx, %al
	test $0x20, %al
	jz 13b
	pop %eax
	mov $0x3f8, %dx
	outb %al, %dx
	pop %edx
	ret

putdec:					/* eax = value */
	push %ebx
	push %edx
	mov $10, %ebx
	xor %ecx, %ecx
14:	xor %edx, %edx
	div %ebx
	push %edx
	inc %ecx
	test %eax, %eax
	jnz 14b
15:	pop %eax
	add $'0', %al
	call putc
	loop 15b
	pop %edx
	pop %ebx
	ret

	.data
	.align 8
zero_idt: .word 0
	.long 0
s_cmd:	.asciz "cmdline=["
s_close: .asciz "]\r\n"
s_bye:	.asciz "bye "
s_nl:	.asciz "\r\n"
w_exit:	.asciz "exit "
w_crash: .asciz "crash"
w_hang:	.asciz "hang"
w_echo:	.asciz "echo"
