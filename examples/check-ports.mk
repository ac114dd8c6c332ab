# SPDX-License-Identifier: BSD-2-Clause
# `make check-ports` (included by the Makefile): the core library (virtio/,
# fuse/, vfs/) built for other targets, warning-free (-Werror), and the
# examples (embed_minimal.c: the small profile on malloc; embed_static.c:
# static memory, no allocator) linked against it where there is a C
# library, compiled with the installed headers alone.  Prints each build's
# text/data/bss (size -t) and its largest stack frame (-fstack-usage), then
# each profile's heap and DMA high-water marks over a fixed workload (mount,
# walk, read 64 MiB, list 3000 entries, unmount) run hosted against the
# simulated device (tests/unit/test_profiles.c --report).  check-headers:
# every installed header compiles on its own as C11 and as C++17.
#   x86_64-nolibc    freestanding x86-64, GCC's own headers only, no C library
#                    (the four libc functions from examples/vs_util_nolibc.h)
#   aarch64-picolibc AArch64 with picolibc (example: semihosting crt0)
#   arm-newlib       32-bit Arm Cortex-M4 Thumb-2 with newlib (example: rdimon)
#   efi              x86-64 with the UEFI application's flags (when the
#                    Makefile builds build/vioshare.efi)
PORTS      := $(BUILD)/ports
PORT_FLAGS := -std=c11 -O2 $(WARN) -Ivirtio -Ifuse -Ivfs -fno-strict-aliasing -fstack-usage \
	-ffunction-sections -fdata-sections -MMD -MP
P_X86_CFLAGS := $(PORT_FLAGS) -ffreestanding -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-fno-stack-protector -fno-pic -mno-red-zone -mgeneral-regs-only -fno-tree-loop-distribute-patterns \
	-Iexamples -DVS_UTIL_OVERRIDE='"vs_util_nolibc.h"'
P_A64_CFLAGS := $(PORT_FLAGS) -specs=picolibc.specs -mcpu=cortex-a57
P_ARM_CFLAGS := $(PORT_FLAGS) -mcpu=cortex-m4 -mthumb -mfloat-abi=soft

PORT_NAMES := x86_64-nolibc aarch64-picolibc arm-newlib
ifdef EFI_CFLAGS
PORT_NAMES += efi
endif

port_lib = $(PORTS)/$(1)/libvioshare.a
port_obj = $(call obj,$(PORTS)/$(1),$(CORE_SRC))

$(PORTS)/x86_64-nolibc/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(P_X86_CFLAGS) -c $< -o $@
$(PORTS)/aarch64-picolibc/%.o: %.c
	@mkdir -p $(dir $@)
	aarch64-linux-gnu-gcc $(P_A64_CFLAGS) -c $< -o $@
$(PORTS)/arm-newlib/%.o: %.c
	@mkdir -p $(dir $@)
	arm-none-eabi-gcc $(P_ARM_CFLAGS) -c $< -o $@
$(PORTS)/efi/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -fstack-usage -c $< -o $@

$(call port_lib,x86_64-nolibc): $(call port_obj,x86_64-nolibc)
	@rm -f $@
	ar rcs $@ $^
$(call port_lib,aarch64-picolibc): $(call port_obj,aarch64-picolibc)
	@rm -f $@
	aarch64-linux-gnu-ar rcs $@ $^
$(call port_lib,arm-newlib): $(call port_obj,arm-newlib)
	@rm -f $@
	arm-none-eabi-ar rcs $@ $^
$(call port_lib,efi): $(call port_obj,efi)
	@rm -f $@
	ar rcs $@ $^

EXAMPLES   := embed_minimal embed_static
EX_FLAGS   := -I$(HEADER_DIR)
EX_ELVES   := $(foreach e,$(EXAMPLES),$(PORTS)/aarch64-picolibc/$(e).elf $(PORTS)/arm-newlib/$(e).elf $(PORTS)/host/$(e))

# picolibc's default RAM (32 KiB) is too small for embed_static's regions: 512 KiB.
$(PORTS)/aarch64-picolibc/%.elf: examples/%.c $(call port_lib,aarch64-picolibc) | $(HEADER_COPIES)
	aarch64-linux-gnu-gcc $(filter-out -Ivirtio -Ifuse -Ivfs,$(P_A64_CFLAGS)) $(EX_FLAGS) --oslib=semihost \
		-Wl,--defsym=__ram_size=0x80000 $^ -o $@
$(PORTS)/arm-newlib/%.elf: examples/%.c $(call port_lib,arm-newlib) | $(HEADER_COPIES)
	arm-none-eabi-gcc $(filter-out -Ivirtio -Ifuse -Ivfs,$(P_ARM_CFLAGS)) $(EX_FLAGS) --specs=rdimon.specs $^ -o $@
$(PORTS)/host/%: examples/%.c $(BUILD)/libvioshare.a | $(HEADER_COPIES)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 $(WARN) $(EX_FLAGS) -no-pie $^ -o $@

# Each installed header on its own, then all of them, as C11 and C++17
# (clang++: the clang package tools/deps installs).
HDR_CXX   ?= clang++
HDR_CHECK := $(BUILD)/headers-check
.PHONY: check-headers
## check-headers: every public header compiles alone as C11 and C++17
check-headers: $(HEADER_COPIES)
	@rm -rf $(HDR_CHECK) && mkdir -p $(HDR_CHECK)
	@set -e; for h in $(notdir $(PUBLIC_HEADERS)) all; do \
		if [ $$h = all ]; then printf '#include "%s"\n' $(notdir $(PUBLIC_HEADERS)); else printf '#include "%s"\n' $$h; fi \
			> $(HDR_CHECK)/$$h.c; \
		echo 'int vioshare_header_check(void) { return 0; }' >> $(HDR_CHECK)/$$h.c; \
		cp $(HDR_CHECK)/$$h.c $(HDR_CHECK)/$$h.cc; \
		$(CC) -std=c11 -pedantic $(WARN) -I$(HEADER_DIR) -c $(HDR_CHECK)/$$h.c -o $(HDR_CHECK)/$$h.c.o; \
		$(HDR_CXX) -std=c++17 -pedantic $(WARN) -I$(HEADER_DIR) -c $(HDR_CHECK)/$$h.cc -o $(HDR_CHECK)/$$h.cc.o; \
	done
	@echo "check-headers: $(words $(PUBLIC_HEADERS)) installed headers compile alone and together as C11 and C++17"


.PHONY: check-ports
## check-ports: the library built for other targets (nolibc, picolibc, newlib, EFI), with sizes
check-ports: $(foreach p,$(PORT_NAMES),$(call port_lib,$(p))) check-headers $(EX_ELVES) $(HOSTB)/tests/test_profiles \
		$(BUILD)/aarch64/vioshare.elf $(if $(filter efi,$(PORT_NAMES)),$(BUILD)/vioshare.efi)
	@undef=$$(nm -A $(call port_lib,x86_64-nolibc) 2>/dev/null | \
		awk '$$2 == "U" { u[$$3] = 1 } $$2 ~ /^[TDBRC]$$/ { d[$$3] = 1 } \
		     END { for (s in u) if (!(s in d) && s !~ /^(memcpy|memset|memmove|memcmp)$$/) printf "%s ", s }'); \
	if [ -n "$$undef" ]; then echo "check-ports: x86_64-nolibc needs undefined symbols: $$undef" >&2; exit 1; fi
	@ext=$$(nm -A $(call port_lib,x86_64-nolibc) | awk '$$2 == "U" { u[$$3] = 1 } $$2 ~ /^[TDBRC]$$/ { d[$$3] = 1 } \
		END { for (s in u) if (!(s in d)) printf "%s ", s }'); \
	echo "x86_64-nolibc: symbols needed from outside the library: $${ext:-none}"
	@printf '%-17s %9s %7s %7s  %s\n' port text data bss "largest stack frame"
	@for p in $(PORT_NAMES); do \
		case $$p in aarch64-picolibc) sz=aarch64-linux-gnu-size;; arm-newlib) sz=arm-none-eabi-size;; *) sz=size;; esac; \
		set -- $$($$sz -t $(PORTS)/$$p/libvioshare.a | tail -1); \
		st=$$(find $(PORTS)/$$p -name '*.su' -exec cat {} + | \
			awk -F'\t' '$$2 + 0 > m { m = $$2 + 0; f = $$1 } END { sub(/.*:/, "", f); printf "%d bytes (%s)", m, f }'); \
		printf '%-17s %9s %7s %7s  %s\n' "$$p" "$$1" "$$2" "$$3" "$$st"; \
	done
	@set -- $$(aarch64-linux-gnu-size $(BUILD)/aarch64/vioshare.elf | tail -1); \
		printf '%-17s %9s %7s %7s  %s\n' "aarch64 image" "$$1" "$$2" "$$3" "build/aarch64/vioshare.elf (picolibc)"
	@if [ -f $(BUILD)/efi/vioshare.so ]; then set -- $$(size $(BUILD)/efi/vioshare.so | tail -1); \
		printf '%-17s %9s %7s %7s  %s\n' "efi app" "$$1" "$$2" "$$3" "build/vioshare.efi"; fi
	@echo "text/data/bss and stack are the same for every profile (sizes are chosen at run time)."
	@echo "Heap and DMA high-water, workload: mount, walk, read 64 MiB, list 3000 entries, unmount"
	@echo "(hosted x86-64 against the simulated device; 32-bit ports take less heap):"
	@$(HOSTB)/tests/test_profiles --report
	@echo "check-ports: ok (examples/embed_minimal.c, embed_static.c linked for aarch64-picolibc, arm-newlib and the host)"
