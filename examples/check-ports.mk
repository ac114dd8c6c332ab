# `make check-ports` (included by the Makefile): the core library (virtio/,
# fuse/, vfs/) built for other targets, warning-free (-Werror), and
# examples/embed_minimal.c linked against it where there is a C library.
# Prints each build's text/data/bss (size -t) and its largest stack frame
# (-fstack-usage).
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

$(PORTS)/aarch64-picolibc/embed_minimal.elf: examples/embed_minimal.c $(call port_lib,aarch64-picolibc)
	aarch64-linux-gnu-gcc $(P_A64_CFLAGS) --oslib=semihost $^ -o $@
$(PORTS)/arm-newlib/embed_minimal.elf: examples/embed_minimal.c $(call port_lib,arm-newlib)
	arm-none-eabi-gcc $(P_ARM_CFLAGS) --specs=rdimon.specs $^ -o $@
$(PORTS)/host/embed_minimal: examples/embed_minimal.c $(BUILD)/libvioshare.a
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 $(WARN) -Ivirtio -Ifuse -Ivfs -no-pie $^ -o $@


.PHONY: check-ports
check-ports: $(foreach p,$(PORT_NAMES),$(call port_lib,$(p))) \
		$(PORTS)/aarch64-picolibc/embed_minimal.elf $(PORTS)/arm-newlib/embed_minimal.elf \
		$(PORTS)/host/embed_minimal $(BUILD)/aarch64/vioshare.elf $(if $(filter efi,$(PORT_NAMES)),$(BUILD)/vioshare.efi)
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
	@echo "check-ports: ok (examples/embed_minimal.c linked for aarch64-picolibc, arm-newlib and the host)"
