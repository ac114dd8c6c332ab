# SPDX-License-Identifier: BSD-2-Clause
# Developer habits (included by the Makefile): `make help`, `make lint`,
# `make compile_commands.json`.  A line "## TARGET: what it does" above a
# target in any of the project's makefiles is what `make help` lists.

## help: list the targets with what each does
.PHONY: help lint
help:
	@sed -n 's/^## \([^:]*\): */\1\t/p' $(MAKEFILE_LIST) | awk -F'\t' '{ printf "  make %-22s %s\n", $$1, $$2 }'

# The compiler's static analyzer over all C code, each part with its own
# target's headers and defines; any warning fails.
LINT      := $(BUILD)/lint
LINT_CC   := clang --analyze -Xanalyzer -analyzer-output=text -std=c11 -ffreestanding -Wno-unused-command-line-argument
LINT_PC   := $(INCS) -Iboot/pc -Iboot/linux
LINT_EFI  := $(INCS) -Iboot/efi -I$(EFI_INC) -I$(EFI_INC)/x86_64 -DGNU_EFI_USE_MS_ABI -fshort-wchar
LINT_A64  := --target=aarch64-linux-gnu -nostdinc -isystem /usr/lib/picolibc/aarch64-linux-gnu/include \
	-isystem $(shell clang -print-resource-dir 2>/dev/null)/include $(INCS) -Iboot/aarch64 -Iboot/linux
LINT_SETS := pc efi a64
LINT_SRC_pc  := $(CORE_SRC) $(APPS_SRC) $(filter %.c,$(BOOT_SRC))
LINT_SRC_efi := $(wildcard boot/efi/*.c boot/efi-driver/*.c)
LINT_SRC_a64 := $(filter-out $(CORE_SRC) $(APPS_SRC) boot/common/%,$(filter %.c,$(A64_SRC)))
LINT_FLAGS_pc  := $(LINT_PC)
LINT_FLAGS_efi := $(LINT_EFI)
LINT_FLAGS_a64 := $(LINT_A64)

## lint: clang's static analyzer over the PC, EFI (application and driver) and AArch64 code; any warning fails (part of make test)
lint:
	@command -v clang >/dev/null || { echo "lint: clang not found (package clang; tools/deps installs it)" >&2; exit 1; }
	@rm -rf $(LINT) && mkdir -p $(LINT)
	@set -e; for s in $(LINT_SETS); do \
		case $$s in pc) src="$(LINT_SRC_pc)"; fl="$(LINT_FLAGS_pc)";; efi) src="$(LINT_SRC_efi)"; fl="$(LINT_FLAGS_efi)";; \
			a64) src="$(LINT_SRC_a64)"; fl="$(LINT_FLAGS_a64)";; esac; \
		printf '%s\n' $$src | xargs -P2 -I{} sh -c '$(LINT_CC) '"$$fl"' {} -o /dev/null' >>$(LINT)/report.txt 2>&1; \
	done
	@n=$$(grep -c 'warning:\|error:' $(LINT)/report.txt || true); \
	if [ "$$n" != 0 ]; then grep -v '^ *[0-9]* |\|^ *|' $(LINT)/report.txt >&2; \
		echo "lint: $$n finding(s), listed above (the whole report: $(LINT)/report.txt)" >&2; exit 1; fi
	@echo "lint: clang --analyze, $(words $(LINT_SRC_pc) $(LINT_SRC_efi) $(LINT_SRC_a64)) files, clean"

## compile_commands.json: the compile commands of the PC image, the EFI application and the host tests, for editors
compile_commands.json: Makefile tools/dev.mk
	@$(PYTHON) tools/compile-commands $(CURDIR) $@ \
		"$(CC) $(GUEST_CFLAGS)" "$(CORE_SRC) $(APPS_SRC) $(filter %.c,$(BOOT_SRC))" \
		"$(CC) $(EFI_CFLAGS)" "$(wildcard boot/efi/*.c)" \
		"$(A64_CC) $(A64_CFLAGS)" "$(LINT_SRC_a64)" \
		"$(HOSTCC) $(HOST_CFLAGS)" "$(SIM_SRC) $(UNIT_SRC)"
