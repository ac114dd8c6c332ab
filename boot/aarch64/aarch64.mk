# SPDX-License-Identifier: BSD-2-Clause
# The AArch64 boot image, build/aarch64/vioshare.elf (included by the
# Makefile): boot/aarch64/ + the command language + the core, linked with
# picolibc (Debian gcc-aarch64-linux-gnu, picolibc-aarch64-linux-gnu).
A64_CC     := aarch64-linux-gnu-gcc
A64_CFLAGS := -specs=picolibc.specs -std=c11 -O2 $(LOOP_ALIGN) -g $(WARN) $(INCS) -Iboot/aarch64 -Iboot/linux \
	-mcpu=cortex-a57 -fno-pie -fno-stack-protector -fno-strict-aliasing \
	-fno-asynchronous-unwind-tables -ffunction-sections -MMD -MP
A64_SRC    := $(CORE_SRC) $(APPS_SRC) $(wildcard boot/aarch64/*.c boot/aarch64/*.S boot/common/*.c) \
	boot/linux/aarch64.c boot/linux/aarch64_jump.S boot/linux/gunzip.c boot/linux/fdt_edit.c
A64_OBJ    := $(call obj,$(BUILD)/aarch64/obj,$(A64_SRC))

$(BUILD)/aarch64/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(A64_CC) $(A64_CFLAGS) -c $< -o $@
$(BUILD)/aarch64/obj/%.o: %.S
	@mkdir -p $(dir $@)
	$(A64_CC) $(A64_CFLAGS) -c $< -o $@

$(BUILD)/aarch64/vioshare.elf: $(A64_OBJ) linker/aarch64.ld
	$(A64_CC) $(A64_CFLAGS) -nostartfiles -static -no-pie -T linker/aarch64.ld -o $@ $(A64_OBJ)
