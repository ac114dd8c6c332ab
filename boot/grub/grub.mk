# SPDX-License-Identifier: BSD-2-Clause
# `make grub`: GRUB's `virtiofs` module (boot/grub/ + the core) and an i386-pc
# image that boots from the first share with `qemu -kernel`.  GRUB itself
# (Debian's grub2 2.06) is built once into a cache by tools/deps-grub; the
# module is compiled here with the flags GRUB compiles its own modules with,
# and turned into a .mod by GRUB's own genmod step.

GRUB_DIR      ?= $(or $(VIOSHARE_GRUB_DIR),/var/cache/vioshare/grub)
GRUB_PC       := $(GRUB_DIR)/build-i386-pc
GRUB_OUT      := $(BUILD)/grub/i386-pc
# The core without its virtio-mmio transport: GRUB's PCs have PCI only.
GRUB_MOD_SRC  := $(wildcard boot/grub/*.c) $(filter-out virtio/vmmio.c,$(CORE_SRC))
GRUB_MOD_OBJ  := $(call obj,$(GRUB_OUT)/obj,$(GRUB_MOD_SRC))
# What the image carries besides virtiofs: GRUB's shell, the commands the
# tests and a distribution's grub.cfg use, the Linux loader, a serial console.
GRUB_IMG_MODS := virtiofs normal ls cat echo test search search_label configfile linux serial \
	terminal minicmd halt reboot

.PHONY: grub grub-image
## grub: GRUB with the virtiofs module, build/grub/i386-pc/grub.img (builds GRUB into its cache once)
grub:
	tools/deps-grub i386-pc
	$(MAKE) --no-print-directory grub-image
grub-image: $(GRUB_OUT)/grub.img

# Written by tools/deps-grub (absent until `make grub` ran it: then only the
# grub-image targets, which `make grub` runs after it, need it).
-include $(GRUB_PC)/module-flags.mk

# GRUB's flags, then C11 for the core (GRUB's own code is gnu99).
GRUB_MOD_CFLAGS = $(GRUB_CPPFLAGS) -DHAVE_CONFIG_H -I$(GRUB_PC) $(GRUB_CFLAGS) -std=gnu11 -Werror \
	$(CORE_INCS) -Iboot/grub -MMD -MP

$(GRUB_OUT)/obj/%.o: %.c $(GRUB_PC)/module-flags.mk
	@mkdir -p $(dir $@)
	$(GRUB_TARGET_CC) $(GRUB_MOD_CFLAGS) -DGRUB_FILE=\"$<\" -c $< -o $@

# The relocatable module, its symbols added to GRUB's list so that the
# dependencies (kernel, pci, boot) are computed as for GRUB's own modules.
$(GRUB_OUT)/mods/virtiofs.mod: $(GRUB_MOD_OBJ)
	@rm -rf $(GRUB_OUT)/mods && mkdir -p $(GRUB_OUT)/mods
	$(GRUB_TARGET_CC) $(GRUB_CFLAGS) $(GRUB_LDFLAGS) -o $(GRUB_OUT)/mods/virtiofs.module $(GRUB_MOD_OBJ)
	cd $(GRUB_OUT)/mods && for f in $(GRUB_PC)/grub-core/*.mod $(GRUB_PC)/grub-core/*.lst \
		$(GRUB_PC)/grub-core/*.img $(GRUB_PC)/grub-core/build-grub-module-verifier; do \
		ln -sf $$f .; done && rm -f moddep.lst syminfo.lst && \
	sh $(GRUB_PC)/grub-core/gensyminfo.sh virtiofs.module >virtiofs.syminfo && \
	cat $(GRUB_PC)/grub-core/syminfo.lst virtiofs.syminfo | sort | \
		awk -f $(GRUB_DIR)/src/grub-core/genmoddep.awk >moddep.lst && \
	sh $(GRUB_PC)/grub-core/genmod.sh moddep.lst virtiofs.module build-grub-module-verifier virtiofs.mod && \
	test -f virtiofs.mod

# lnxboot.img in front of core.img: a bzImage that `qemu -kernel` starts.
$(GRUB_OUT)/grub.img: $(GRUB_OUT)/mods/virtiofs.mod boot/grub/early.cfg
	$(GRUB_PC)/grub-mkimage -d $(GRUB_OUT)/mods -O i386-pc -c boot/grub/early.cfg -p /boot/grub \
		-o $(GRUB_OUT)/core.img $(GRUB_IMG_MODS)
	cat $(GRUB_OUT)/mods/lnxboot.img $(GRUB_OUT)/core.img >$@
