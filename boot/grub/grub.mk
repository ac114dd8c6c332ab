# SPDX-License-Identifier: BSD-2-Clause
# `make grub`: GRUB's `virtiofs` module (boot/grub/ + the core) and, for each
# GRUB platform, an image that boots from the first share with no disk:
# build/grub/i386-pc/grub.img (`qemu -kernel`) and build/grub/x86_64-efi/
# grubx64.efi (OVMF).  GRUB itself (Debian's grub2 2.06) is built once per
# platform into a cache by tools/deps-grub; the module is compiled here with
# the flags GRUB compiles its own modules with, and turned into a .mod by
# GRUB's own genmod step.  One sub-make per platform (GRUB_PLATFORM), as
# each reads its platform's flags into the same variables.

GRUB_DIR       ?= $(or $(VIOSHARE_GRUB_DIR),/var/cache/vioshare/grub)
GRUB_PLATFORMS := i386-pc x86_64-efi arm64-efi
GRUB_PLATFORM  ?= i386-pc
GRUB_BUILD     := $(GRUB_DIR)/build-$(GRUB_PLATFORM)
GRUB_OUT       := $(BUILD)/grub/$(GRUB_PLATFORM)
GRUB_EFI       := $(filter %-efi,$(GRUB_PLATFORM))
# PCI through GRUB's pci module on the PC, through the firmware's PciIo on
# EFI; the core without its virtio-mmio transport (these machines have PCI).
GRUB_MOD_SRC   := $(filter-out boot/grub/pci_grub_%.c,$(wildcard boot/grub/*.c)) \
	boot/grub/pci_grub_$(if $(GRUB_EFI),efi,pc).c $(filter-out virtio/vmmio.c,$(CORE_SRC))
GRUB_MOD_OBJ   := $(call obj,$(GRUB_OUT)/obj,$(GRUB_MOD_SRC))
# What the image carries besides virtiofs: GRUB's shell, the commands the
# tests and a distribution's grub.cfg use, the Linux loader, a serial console
# (on the PC the Multiboot loader, on EFI the chainloader for EFI programs).
# gzio and all_video: grub-mkconfig's entries `insmod gzio` and `load_video`
# (insmod all_video), and the share has no /boot/grub/PLATFORM/*.mod to load
# them from; a failed insmod in an entry costs GRUB's 10 s "Press any key".
GRUB_IMG_MODS  := virtiofs normal ls cat echo test search search_label configfile loadenv linux serial \
	terminal minicmd halt reboot gzio all_video $(if $(GRUB_EFI),chain,multiboot)
# The EFI images under the removable-media names UEFI gives them.
GRUB_EFI_NAME_x86_64-efi := grubx64.efi
GRUB_EFI_NAME_arm64-efi := grubaa64.efi
GRUB_IMAGE     := $(GRUB_OUT)/$(or $(GRUB_EFI_NAME_$(GRUB_PLATFORM)),grub.img)
GRUB_EARLY_EFI := boot/grub/$(if $(filter arm64-efi,$(GRUB_PLATFORM)),early-arm64-efi.cfg,early-efi.cfg)

.PHONY: grub grub-image
## grub: GRUB with the virtiofs module: build/grub/i386-pc/grub.img, build/grub/x86_64-efi/grubx64.efi, build/grub/arm64-efi/grubaa64.efi (GRUB built into its cache once)
grub:
	$(foreach p,$(GRUB_PLATFORMS),tools/deps-grub $(p) &&) true
	$(foreach p,$(GRUB_PLATFORMS),$(MAKE) --no-print-directory grub-image GRUB_PLATFORM=$(p) &&) true
grub-image: $(GRUB_IMAGE)

# Written by tools/deps-grub (absent until `make grub` ran it: then only the
# grub-image targets, which `make grub` runs after it, need it).
-include $(GRUB_BUILD)/module-flags.mk

# GRUB's flags, then C11 for the core (GRUB's own code is gnu99).
GRUB_MOD_CFLAGS = $(GRUB_CPPFLAGS) -DHAVE_CONFIG_H -I$(GRUB_BUILD) $(GRUB_CFLAGS) -std=gnu11 -Werror \
	$(CORE_INCS) -Iboot/grub -MMD -MP

$(GRUB_OUT)/obj/%.o: %.c $(GRUB_BUILD)/module-flags.mk
	@mkdir -p $(dir $@)
	$(GRUB_TARGET_CC) $(GRUB_MOD_CFLAGS) -DGRUB_FILE=\"$<\" -c $< -o $@

-include $(GRUB_MOD_OBJ:.o=.d)

# The relocatable module, its symbols added to GRUB's list so that the
# dependencies (kernel, pci, boot) are computed as for GRUB's own modules.
$(GRUB_OUT)/mods/virtiofs.mod: $(GRUB_MOD_OBJ)
	@rm -rf $(GRUB_OUT)/mods && mkdir -p $(GRUB_OUT)/mods
	$(GRUB_TARGET_CC) $(GRUB_CFLAGS) $(GRUB_LDFLAGS) -o $(GRUB_OUT)/mods/virtiofs.module $(GRUB_MOD_OBJ)
	cd $(GRUB_OUT)/mods && for f in $(GRUB_BUILD)/grub-core/*.mod $(GRUB_BUILD)/grub-core/*.lst \
		$(GRUB_BUILD)/grub-core/*.img $(GRUB_BUILD)/grub-core/build-grub-module-verifier; do \
		test -e $$f && ln -sf $$f .; done; rm -f moddep.lst syminfo.lst && \
	sh $(GRUB_BUILD)/grub-core/gensyminfo.sh virtiofs.module >virtiofs.syminfo && \
	cat $(GRUB_BUILD)/grub-core/syminfo.lst virtiofs.syminfo | sort | \
		awk -f $(GRUB_DIR)/src/grub-core/genmoddep.awk >moddep.lst && \
	sh $(GRUB_BUILD)/grub-core/genmod.sh moddep.lst virtiofs.module build-grub-module-verifier virtiofs.mod && \
	test -f virtiofs.mod

# The config built into each image (early.cfg, early-efi.cfg): a serial
# console, root on the first share (the module sets virtiofs_first), then that
# share's grub.cfg.  GRUB's rescue parser runs it, before normal mode: one
# command a line, no `if`, and no comments (a `#` line is an unknown command
# there, and an apostrophe in it opens a quote).  On EFI the input is the
# firmware's console: its terminal driver polls the same serial port and would
# take keys from GRUB's serial terminal; the output stays on GRUB's serial
# terminal (the firmware's console would add its escape sequences).

# i386-pc: lnxboot.img in front of core.img, a bzImage that `qemu -kernel` starts.
$(GRUB_OUT)/grub.img: $(GRUB_OUT)/mods/virtiofs.mod boot/grub/early.cfg boot/grub/grub.mk
	$(GRUB_BUILD)/grub-mkimage -d $(GRUB_OUT)/mods -O i386-pc -c boot/grub/early.cfg -p /boot/grub \
		-o $(GRUB_OUT)/core.img $(GRUB_IMG_MODS)
	cat $(GRUB_OUT)/mods/lnxboot.img $(GRUB_OUT)/core.img >$@

# x86_64-efi, arm64-efi: a UEFI application, which OVMF (AAVMF) starts from
# `qemu -kernel` too.  arm64-efi has no PC serial port for GRUB: its early
# config keeps the firmware's console.
$(GRUB_OUT)/grubx64.efi $(GRUB_OUT)/grubaa64.efi: $(GRUB_OUT)/mods/virtiofs.mod $(GRUB_EARLY_EFI) boot/grub/grub.mk
	$(GRUB_BUILD)/grub-mkimage -d $(GRUB_OUT)/mods -O $(GRUB_PLATFORM) -c $(GRUB_EARLY_EFI) -p /boot/grub \
		-o $@ $(GRUB_IMG_MODS)
