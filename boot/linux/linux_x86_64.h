/* SPDX-License-Identifier: BSD-2-Clause */
/* Booting a Linux kernel from the boot image (boot/linux/x86_64.c). */
#ifndef BOOT_LINUX_H
#define BOOT_LINUX_H

#include "app.h"
#include "vmmio.h"

/* The boot image's app->boot hook: checks the bzImage in b, places it, its
 * initrd and boot_params, unmounts every share and enters the kernel.
 * Returns only on failure (before anything was unmounted), with a negative
 * errno and a reason in *why; b's kernel and initrd buffers are freed. */
int linux_boot(struct app *a, struct app_boot *b, const char **why);

/* The virtio-mmio devices our command line announced (QEMU's microvm puts
 * virtio_mmio.device= words there; app_main takes them off): linux_boot
 * appends the same words to the kernel's command line, so that a kernel
 * built with VIRTIO_MMIO_CMDLINE_DEVICES finds the same devices. */
void linux_set_mmio_devices(const struct vmmio_window *w, int n);

/* x86_64_jump.S: loads a GDT with flat 64-bit __BOOT_CS (0x10) and __BOOT_DS
 * (0x18), switches to stack_top and jumps to entry with interrupts off and
 * %rsi = boot_params, on the current (identity) page tables. */
_Noreturn void linux_jump(uint64_t entry, void *boot_params, void *stack_top);

#endif
