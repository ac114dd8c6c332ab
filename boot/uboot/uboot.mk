# SPDX-License-Identifier: BSD-2-Clause
# `make uboot`: U-Boot for QEMU's arm64 `virt` with the virtiofs file system
# (boot/uboot/README.md), built into build/uboot/ from Debian's source;
# `make uboot-x86_64`: the same for QEMU's x86_64 `pc`, into build/uboot-x86_64/.
.PHONY: uboot uboot-x86_64
## uboot: U-Boot (Debian's 2023.01 source, qemu_arm64) with vioshare's virtiofs into build/uboot/u-boot.bin
uboot:
	nice -n 10 boot/uboot/build-uboot $(BUILD)/uboot
## uboot-x86_64: the same for qemu-x86_64 into build/uboot-x86_64/u-boot.rom
uboot-x86_64:
	nice -n 10 boot/uboot/build-uboot $(BUILD)/uboot-x86_64 x86_64
