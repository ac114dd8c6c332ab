# SPDX-License-Identifier: BSD-2-Clause
# vioshare: see README.md.  `make` builds everything into build/,
# `make test` runs the whole suite, `make run` boots the image.

BUILD   := build
HOSTB   := $(BUILD)/host
CC      ?= gcc
HOSTCC  ?= gcc
LD      := ld
PYTHON  := python3

WARN    := -Wall -Wextra -Werror
# The core (virtio/, fuse/, vfs/), the programs' parts (apps/: the command
# language, the commands, boot-entry discovery, helpers) and what the
# platforms share (boot/common/); each platform adds its own folder.
CORE_INCS := -Ivirtio -Ifuse -Ivfs
INCS      := $(CORE_INCS) -Iapps/lang -Iapps/cmd -Iapps/entries -Iapps/util -Iboot/common

# Every loop of guest code starts on 32 bytes, so that no loop of up to 32
# bytes spans two 4 KiB pages: under TCG such a loop cannot chain its
# translated blocks and runs about three times slower (W2's hash loop did,
# once a struct's fields moved; DESIGN.md, "Where the time goes").
LOOP_ALIGN := -falign-loops=32

# Guest code: freestanding, no red zone, no SSE (nothing saves vector state).
GUEST_CFLAGS := -std=c11 -O2 $(LOOP_ALIGN) -g $(WARN) $(INCS) -Iboot/pc -Iboot/linux -ffreestanding -fno-stack-protector \
	-fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only -fno-strict-aliasing \
	-fno-asynchronous-unwind-tables -mcmodel=small -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=4096 -T linker/x86_64.ld

# Host code (unit tests, simulated device): the same core, hosted, sanitized,
# its device-register accesses logged (tests/sim/simmmio.h).
SIM_MMIO    := -DVS_MMIO_OVERRIDE='"simmmio.h"'
HOST_CFLAGS := -std=c11 -O1 -g $(WARN) $(INCS) -Iboot/pc -Iboot/aarch64 -Itests/sim -fno-strict-aliasing $(SIM_MMIO) \
	-fsanitize=address,undefined -fno-sanitize-recover=all -D_DEFAULT_SOURCE -MMD -MP
HOST_TOOL_CFLAGS := -std=c11 -O2 $(WARN) -D_DEFAULT_SOURCE

# The UEFI application (GNU-EFI, x86-64): the core and the command language
# built position-independent with the MS calling convention for firmware
# calls, linked as a shared object and converted to PE32+.
EFI_INC    := /usr/include/efi
EFI_LIB    := /usr/lib
EFI_CFLAGS := -std=c11 -O2 $(LOOP_ALIGN) -g $(WARN) $(INCS) -Iboot/efi -I$(EFI_INC) -I$(EFI_INC)/x86_64 \
	-DGNU_EFI_USE_MS_ABI -ffreestanding -fno-stack-protector -fpic -fvisibility=hidden -fshort-wchar \
	-mno-red-zone -maccumulate-outgoing-args -mgeneral-regs-only -fno-strict-aliasing \
	-fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns -MMD -MP
EFI_LDFLAGS := -nostdlib -znocombreloc -shared -Bsymbolic -z defs -T $(EFI_LIB)/elf_x86_64_efi.lds

CORE_SRC := $(wildcard virtio/*.c fuse/*.c vfs/*.c)
APPS_SRC := $(wildcard apps/*/*.c)
# The PC image's platform: boot/pc/, what the platforms share and the x86 Linux loader.
BOOT_SRC := $(wildcard boot/pc/*.c boot/pc/*.S boot/common/*.c) boot/linux/x86_64.c boot/linux/x86_64_jump.S
SIM_SRC  := $(wildcard tests/sim/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
TOOL_SRC := $(wildcard tools/*.c)
# What an embedder includes: the VFS API and everything it names, nothing of
# the wire protocol or the core's internals (fuse_proto.h, vq.h, virtiofs.h).
PUBLIC_HEADERS := vfs/vfs.h vfs/vfs_aio.h vfs/vfs_config.h vfs/stats.h vfs/vioshare_version.h virtio/vs_port.h virtio/vs_util.h virtio/vs_errno.h \
	virtio/vtransport.h virtio/vpci.h virtio/vmmio.h fuse/vs_mode.h

obj = $(patsubst %,$(1)/%.o,$(basename $(2)))
CORE_OBJ      := $(call obj,$(BUILD)/obj,$(CORE_SRC))
APPS_OBJ      := $(call obj,$(BUILD)/obj,$(APPS_SRC))
BOOT_OBJ      := $(call obj,$(BUILD)/obj,$(BOOT_SRC))
HOST_CORE_OBJ := $(call obj,$(HOSTB)/obj,$(CORE_SRC))
HOST_APPS_OBJ := $(call obj,$(HOSTB)/obj,$(APPS_SRC))
SIM_OBJ       := $(call obj,$(HOSTB)/obj,$(SIM_SRC))
UNIT_BIN      := $(patsubst tests/unit/%.c,$(HOSTB)/tests/%,$(UNIT_SRC))
TOOL_BIN      := $(patsubst tools/%.c,$(HOSTB)/%,$(TOOL_SRC))
EFI_SRC       := $(CORE_SRC) $(APPS_SRC) $(wildcard boot/efi/*.c) boot/common/pcidevs.c boot/common/mmiodevs.c
EFI_OBJ       := $(call obj,$(BUILD)/efi/obj,$(EFI_SRC))
# The UEFI file-system driver: the core, the EFI port and boot/efi-driver/.
EFIDRV_SRC    := $(CORE_SRC) boot/efi/port_efi.c boot/efi/efi_kept.c boot/efi/libc_efi.c $(wildcard boot/efi-driver/*.c)
EFIDRV_OBJ    := $(call obj,$(BUILD)/efi/obj,$(EFIDRV_SRC))

# The project's version, read from the one place it is written.
VERSION := $(shell awk '$$2 ~ /^VIOSHARE_VERSION_(MAJOR|MINOR|PATCH)$$/ { v[$$2] = $$3 } END { \
	print v["VIOSHARE_VERSION_MAJOR"] "." v["VIOSHARE_VERSION_MINOR"] "." v["VIOSHARE_VERSION_PATCH"] }' \
	vfs/vioshare_version.h)

.PHONY: all run test bench deps clean headers
## all: build everything into build/ (the images, the library, the tools, the host tests)
all: $(BUILD)/vioshare.elf $(BUILD)/vioshare.efi $(BUILD)/vioshare-fs.efi $(BUILD)/tests/readself.efi $(BUILD)/tests/bigread.efi $(BUILD)/aarch64/vioshare.elf $(BUILD)/libvioshare.a headers $(TOOL_BIN) $(UNIT_BIN) $(BUILD)/demo-share.stamp

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@
$(BUILD)/obj/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -D__ASSEMBLY__ -c $< -o $@
$(HOSTB)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -c $< -o $@

$(BUILD)/libvioshare.a: $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(HOSTB)/libvioshare.a: $(HOST_CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(HOSTB)/libapps.a: $(HOST_APPS_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Copied one by one and only when changed, so that `make run` copies nothing
# twice; when the list changes (the Makefile does), a header no longer
# public is removed.
HEADER_DIR    := $(BUILD)/include/vioshare
HEADER_COPIES := $(addprefix $(HEADER_DIR)/,$(notdir $(PUBLIC_HEADERS)))
headers: $(HEADER_COPIES) $(HEADER_DIR)/.public
$(HEADER_DIR)/.public: Makefile
	@mkdir -p $(HEADER_DIR)
	@for f in $(HEADER_DIR)/*.h; do case " $(HEADER_COPIES) " in *" $$f "*) ;; *) rm -f $$f;; esac; done
	@echo $(HEADER_COPIES) > $@
$(HEADER_DIR)/%.h: vfs/%.h
	@mkdir -p $(dir $@)
	cp $< $@
$(HEADER_DIR)/%.h: virtio/%.h
	@mkdir -p $(dir $@)
	cp $< $@
$(HEADER_DIR)/%.h: fuse/%.h
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/efi/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/vioshare.efi: $(EFI_OBJ)
	$(LD) $(EFI_LDFLAGS) -o $(BUILD)/efi/vioshare.so $(EFI_LIB)/crt0-efi-x86_64.o $(EFI_OBJ) $(EFI_LIB)/libgnuefi.a
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .rel.* -j .rela.* \
		-j .reloc --target efi-app-x86_64 --subsystem=10 $(BUILD)/efi/vioshare.so $@

# test_grub_efi.py's program for GRUB's chainloader (tests/efi/readself.c).
$(BUILD)/tests/readself.efi: $(BUILD)/efi/obj/tests/efi/readself.o
	@mkdir -p $(dir $@)
	$(LD) $(EFI_LDFLAGS) -o $(BUILD)/efi/readself.so $(EFI_LIB)/crt0-efi-x86_64.o $< $(EFI_LIB)/libgnuefi.a
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .rel.* -j .rela.* \
		-j .reloc --target efi-app-x86_64 --subsystem=10 $(BUILD)/efi/readself.so $@

# test_efi_driver.py's program for a large Read while the daemon is stopped (tests/efi/bigread.c).
$(BUILD)/tests/bigread.efi: $(BUILD)/efi/obj/tests/efi/bigread.o
	@mkdir -p $(dir $@)
	$(LD) $(EFI_LDFLAGS) -o $(BUILD)/efi/bigread.so $(EFI_LIB)/crt0-efi-x86_64.o $< $(EFI_LIB)/libgnuefi.a
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .rel.* -j .rela.* \
		-j .reloc --target efi-app-x86_64 --subsystem=10 $(BUILD)/efi/bigread.so $@

# A boot-service driver (PE subsystem 11): it stays resident after its entry returns.
$(BUILD)/vioshare-fs.efi: $(EFIDRV_OBJ)
	$(LD) $(EFI_LDFLAGS) -o $(BUILD)/efi/vioshare-fs.so $(EFI_LIB)/crt0-efi-x86_64.o $(EFIDRV_OBJ) $(EFI_LIB)/libgnuefi.a
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .rel.* -j .rela.* \
		-j .reloc --target efi-bsdrv-x86_64 --subsystem=11 $(BUILD)/efi/vioshare-fs.so $@

$(BUILD)/vioshare.elf: $(BOOT_OBJ) $(APPS_OBJ) $(BUILD)/libvioshare.a linker/x86_64.ld
	$(LD) $(GUEST_LDFLAGS) -o $@ $(BOOT_OBJ) $(APPS_OBJ) $(BUILD)/libvioshare.a
	$(PYTHON) tools/pvh-only.py $@ $(BUILD)/vioshare-pvh.elf

$(HOSTB)/tests/%: tests/unit/%.c $(SIM_OBJ) $(HOSTB)/libvioshare.a $(HOSTB)/libapps.a
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) $< $(SIM_OBJ) $(HOSTB)/libapps.a $(HOSTB)/libvioshare.a -o $@

# The UEFI driver's file protocol on the host (gnu-efi's headers, the firmware's pool as malloc).
EFIDRV_HOST_SRC := $(filter-out boot/efi-driver/binding.c boot/efi-driver/volume.c,$(wildcard boot/efi-driver/*.c)) \
                   boot/efi/efi_kept.c
$(HOSTB)/tests/test_efi_file: tests/unit/test_efi_file.c $(EFIDRV_HOST_SRC) $(SIM_OBJ) $(HOSTB)/libvioshare.a
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -Iboot/efi -Iboot/efi-driver -I$(EFI_INC) -I$(EFI_INC)/x86_64 -DGNU_EFI_USE_MS_ABI \
		-fshort-wchar $< $(EFIDRV_HOST_SRC) $(SIM_OBJ) $(HOSTB)/libvioshare.a -o $@

$(HOSTB)/%: tools/%.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_TOOL_CFLAGS) $< -o $@

# The share `make run` shows when no SHARE is given.
$(BUILD)/demo-share.stamp: tools/mkdemoshare
	rm -rf $(BUILD)/demo-share
	tools/mkdemoshare $(BUILD)/demo-share
	touch $@

# libFuzzer harnesses (tests/fuzz/fuzz_NAME.c, seeds in tests/fuzz/corpus/NAME/).
# `make fuzz` builds them into build/fuzz/ and runs each for FUZZ_SECONDS, growing
# a working corpus in build/fuzz/corpus/NAME/; crashes land in build/fuzz/artifacts/.
# `make test` runs each for a short smoke time (tests/integration/test_fuzz_smoke.py).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 300
FUZZ_CFLAGS  := -std=c11 -g -O1 $(WARN) $(INCS) -fno-strict-aliasing -D_DEFAULT_SOURCE \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_NAMES   := fuse_codec dirent vq cmdparse pcicaps bls extlinux uki vfs
FUZZ_SRC_fuse_codec := fuse/fuse_codec.c
FUZZ_SRC_dirent     := fuse/fuse_codec.c
FUZZ_SRC_vq         := virtio/vq.c
FUZZ_SRC_cmdparse   := apps/lang/cmdparse.c apps/lang/numparse.c
FUZZ_SRC_pcicaps    := virtio/vpci.c virtio/vconfig.c virtio/virtiofs.c virtio/vq.c tests/sim/simmmio.c
FUZZ_SRC_bls        := apps/entries/bls.c apps/entries/loaderconf.c apps/entries/verscmp.c apps/entries/belines.c \
	apps/lang/numparse.c
FUZZ_SRC_extlinux   := apps/entries/extlinux.c apps/entries/belines.c apps/lang/numparse.c
FUZZ_SRC_uki        := apps/entries/uki.c apps/entries/belines.c
# The whole engine against the simulated device and FUSE server.
FUZZ_SRC_vfs        := $(CORE_SRC) tests/sim/hostport.c tests/sim/simdev.c tests/sim/simfs.c \
	tests/sim/simfs_write.c tests/sim/simmmio.c
# Device registers as plain memory the sanitizer watches (FUZZ_FLAGS_NAME: a
# harness's own flags).
FUZZ_FLAGS_pcicaps  := -Itests/sim $(SIM_MMIO)
FUZZ_FLAGS_vfs      := -Itests/sim $(SIM_MMIO)
FUZZ_BIN     := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))

.PHONY: fuzz fuzz-build
## fuzz-build: build the libFuzzer harnesses into build/fuzz/
fuzz-build: $(FUZZ_BIN)
.SECONDEXPANSION:
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_SRC_$$*) $$(wildcard virtio/*.h fuse/*.h vfs/*.h apps/*/*.h tests/sim/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_FLAGS_$*) $< $(FUZZ_SRC_$*) -o $@
## fuzz: run each harness for FUZZ_SECONDS (default 300), growing build/fuzz/corpus/
fuzz: fuzz-build
	@mkdir -p $(BUILD)/fuzz/artifacts
	@set -e; for n in $(FUZZ_NAMES); do \
		mkdir -p $(BUILD)/fuzz/corpus/$$n; \
		echo "fuzz_$$n: $(FUZZ_SECONDS) s"; \
		$(BUILD)/fuzz/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/artifacts/$$n- \
			$(BUILD)/fuzz/corpus/$$n tests/fuzz/corpus/$$n >$(BUILD)/fuzz/fuzz_$$n.log 2>&1 || \
			{ tail -40 $(BUILD)/fuzz/fuzz_$$n.log; echo "fuzz_$$n FAILED (see $(BUILD)/fuzz/artifacts/)"; exit 1; }; \
		grep -E '^(Done|stat::number_of_executed_units)' $(BUILD)/fuzz/fuzz_$$n.log || true; \
	done

# Silent: tools/deps says nothing when nothing is missing.  `make deps`
# installs everything; `make run` only what it needs (tools/deps run).
## deps: install the Debian packages and the caches the builds and tests need
deps:
	@tools/deps

# run, test, bench and test-distro install their packages first, then build
# in a make of their own (the built-GOAL targets): as prerequisites, under -j,
# a compiler could start before tools/deps had installed it.
.PHONY: built-run built-test built-bench
SHARE ?= $(BUILD)/demo-share
ARGS  ?=
## run: boot the image under QEMU with SHARE (default: a demo share) as myfs; ARGS: the guest's command line
run:
	@tools/deps run
	@$(MAKE) --no-print-directory built-run
	tools/vioshare-run --share '$(SHARE):myfs' -- '$(subst ','\'',$(ARGS))'
# Only what `make run` boots: the PC image and the demo share.
built-run: $(BUILD)/vioshare.elf $(BUILD)/demo-share.stamp
	@:

# The Linux peer of `make bench`: a static program run from an initramfs.
$(HOSTB)/linux_bench: tests/bench/linux_bench.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_TOOL_CFLAGS) $(LOOP_ALIGN) -static $< -o $@

# The OVMF peer: a GNU-EFI program over the firmware's own virtio-fs driver.
$(BUILD)/bench/ovmf_bench.o: tests/bench/ovmf_bench.c
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -c $< -o $@
$(BUILD)/ovmf_bench.efi: $(BUILD)/bench/ovmf_bench.o
	$(LD) $(EFI_LDFLAGS) -o $(BUILD)/bench/ovmf_bench.so $(EFI_LIB)/crt0-efi-x86_64.o $< $(EFI_LIB)/libgnuefi.a
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .rel.* -j .rela.* \
		-j .reloc --target efi-app-x86_64 --subsystem=10 $(BUILD)/bench/ovmf_bench.so $@

BIG ?= 1024
ROUNDS ?= 3
## bench: the workloads against the Linux guest, OVMF and the host (BIG, ROUNDS, HOST, POOL, SHARE)
bench:
	@tools/deps
	@$(MAKE) --no-print-directory built-bench
	$(PYTHON) tools/bench --big $(BIG) --rounds $(ROUNDS) $(if $(filter command line,$(origin HOST)),--host $(HOST)) \
		$(if $(filter command line,$(origin POOL)),--pool $(POOL)) $(if $(filter command line,$(origin SHARE)),$(SHARE))

built-bench: all $(HOSTB)/linux_bench $(BUILD)/ovmf_bench.efi
	@:

## test: the whole suite (and make lint); ends with 'N passed, N failed'
test:
	@tools/deps
	@$(MAKE) --no-print-directory built-test
	$(PYTHON) tests/run.py
built-test: all lint grub uboot uboot-x86_64 $(HOSTB)/linux_bench $(BUILD)/aarch64/vioshare-fs.efi
	@:

# Not part of `make test` (minutes): test_rw.py's randomized differential over
# SEEDS seeds from SEED_FROM (random unless given), each under the cache mode
# seed % 3 (auto, none, always); a failing seed is named with its replay.
SEEDS ?= 300
.PHONY: test-seeds
## test-seeds: test_rw's randomized differential over SEEDS seeds (default 300) from SEED_FROM; not part of make test
test-seeds:
	@tools/deps
	@$(MAKE) --no-print-directory all
	from=$(if $(SEED_FROM),$(SEED_FROM),$$(od -An -N3 -tu4 /dev/urandom | tr -d ' ')); \
	VIOSHARE_RW_SEEDS=$$from-$$((from + $(SEEDS) - 1)) $(PYTHON) tests/integration/test_rw.py

# Not part of `make test` (minutes): test_soak for MINUTES minutes instead of
# the 100 s of make test's; its seed is printed (replay: test_soak SECONDS SEED).
MINUTES ?= 30
.PHONY: soak
## soak: random operations, host changes, faults and remounts on three simulated shares for MINUTES (default 30); not part of make test
soak: $(HOSTB)/tests/test_soak
	$(HOSTB)/tests/test_soak $$(( $(MINUTES) * 60 ))

# Not part of `make test` (it downloads): a debootstrapped Debian 12 booted
# from the share as its own root, by the boot image and by GRUB's images
# (tests/distro/test_distro.py).
.PHONY: test-distro
## test-distro: boot a debootstrapped Debian 12 from the share, by the boot image and by GRUB (downloads; not part of make test)
test-distro:
	@tools/deps
	@$(MAKE) --no-print-directory all grub
	$(PYTHON) tests/distro/test_distro.py

## clean: remove build/
clean:
	rm -rf $(BUILD)

# The AArch64 image (build/aarch64/vioshare.elf) and UEFI driver (build/aarch64/vioshare-fs.efi,
# built by `make test`: it needs tools/deps-arm64's gnu-efi), `make check-ports`,
# `make install`, the developers' targets (help, lint), `make grub` and `make uboot`.
include boot/aarch64/aarch64.mk boot/efi-driver/aarch64.mk examples/check-ports.mk install.mk tools/dev.mk boot/grub/grub.mk boot/uboot/uboot.mk

# (build/distro holds a debootstrapped root, whose etc/rc2.d and invoke-rc.d are no dependency files.)
-include $(shell find $(BUILD) -path $(BUILD)/distro -prune -o -name '*.d' -type f -print 2>/dev/null)
