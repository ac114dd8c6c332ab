# SPDX-License-Identifier: BSD-2-Clause
# `make uboot`: U-Boot for QEMU's arm64 `virt` with the virtiofs file system
# (boot/uboot/README.md), built into build/uboot/ from Debian's source.
.PHONY: uboot
## uboot: U-Boot (Debian's 2023.01 source, qemu_arm64) with vioshare's virtiofs into build/uboot/u-boot.bin
uboot:
	nice -n 10 boot/uboot/build-uboot $(BUILD)/uboot
