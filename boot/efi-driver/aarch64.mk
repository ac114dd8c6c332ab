# SPDX-License-Identifier: BSD-2-Clause
# The UEFI file-system driver for AArch64, build/aarch64/vioshare-fs.efi (included by the
# Makefile): the x86-64 driver's sources built with aarch64-linux-gnu-gcc against Debian 12's
# arm64 gnu-efi, which tools/deps-arm64 unpacks into $VIOSHARE_ARM64_DIR (the system's gnu-efi
# is amd64 only).  gnu-efi 3.0.15's AArch64 crt0 carries its own PE header (its subsystem from
# EFI_SUBSYSTEM: 11, a boot-service driver) and relocates the image itself, so the shared
# object is copied out as a flat binary, padded to the 512-byte end (_edata) that header gives
# its .data section: the firmware refuses an image whose last section runs past the file.
A64_EFI_USR := $(or $(VIOSHARE_ARM64_DIR),/var/cache/vioshare/arm64)/root/usr
A64_EFI_CFLAGS := -std=c11 -O2 $(LOOP_ALIGN) -g $(WARN) $(INCS) -Iboot/efi -I$(A64_EFI_USR)/include/efi \
	-I$(A64_EFI_USR)/include/efi/aarch64 -ffreestanding -fno-stack-protector -fpic -fvisibility=hidden \
	-fshort-wchar -mgeneral-regs-only -fno-strict-aliasing -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns -MMD -MP
A64_EFI_LDFLAGS := -nostdlib -znocombreloc -shared -Bsymbolic -z defs --defsym=EFI_SUBSYSTEM=0xb \
	-T $(A64_EFI_USR)/lib/elf_aarch64_efi.lds
A64_EFIDRV_OBJ := $(call obj,$(BUILD)/aarch64/efi/obj,$(EFIDRV_SRC))

$(A64_EFI_USR)/lib/crt0-efi-aarch64.o:
	@echo "$@ not found: the arm64 gnu-efi comes from tools/deps-arm64 (make deps, as root)" >&2; exit 1

$(BUILD)/aarch64/efi/obj/%.o: %.c | $(A64_EFI_USR)/lib/crt0-efi-aarch64.o
	@mkdir -p $(dir $@)
	$(A64_CC) $(A64_EFI_CFLAGS) -c $< -o $@

$(BUILD)/aarch64/vioshare-fs.efi: $(A64_EFIDRV_OBJ)
	aarch64-linux-gnu-ld $(A64_EFI_LDFLAGS) -o $(BUILD)/aarch64/efi/vioshare-fs.so \
		$(A64_EFI_USR)/lib/crt0-efi-aarch64.o $(A64_EFIDRV_OBJ) $(A64_EFI_USR)/lib/libgnuefi.a
	aarch64-linux-gnu-objcopy -j .text -j .sdata -j .data -j .dynamic -j .rodata -j .rel -j .rela \
		-j .rel.* -j .rela.* -j .reloc -O binary $(BUILD)/aarch64/efi/vioshare-fs.so $@.tmp
	truncate -s %512 $@.tmp
	mv $@.tmp $@
