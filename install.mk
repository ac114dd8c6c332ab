# SPDX-License-Identifier: BSD-2-Clause
# `make install [PREFIX=/usr/local] [DESTDIR=] [TARGET=]` and `make uninstall`
# (included by the Makefile):
#   PREFIX/lib/libvioshare.a           the library
#   PREFIX/include/vioshare/*.h        its public headers
#   PREFIX/lib/pkgconfig/vioshare.pc   so that `cc $(pkg-config --cflags --libs vioshare)` builds an embedder
#   PREFIX/share/vioshare/             the images tools/vioshare-run boots (aarch64/vioshare-fs.efi
#                                      needs tools/deps-arm64's gnu-efi, as `make test` does)
#   PREFIX/bin/vioshare-run            the launcher, which finds the images there
# The library is build/libvioshare.a (x86-64, freestanding, built like the
# boot image without PIC: the .pc's Libs ask for -no-pie), or with TARGET=
# aarch64-picolibc or arm-newlib the port library `make check-ports` builds
# for that target and C library.  Install each target into a PREFIX of its own.
PREFIX     ?= /usr/local
BINDIR     := $(PREFIX)/bin
LIBDIR     := $(PREFIX)/lib
INCLUDEDIR := $(PREFIX)/include
DATADIR    := $(PREFIX)/share/vioshare
IMAGES     := vioshare.elf vioshare-pvh.elf vioshare.efi vioshare-fs.efi aarch64/vioshare.elf aarch64/vioshare-fs.efi

INSTALL_TARGETS := aarch64-picolibc arm-newlib
ifneq ($(filter install,$(MAKECMDGOALS)),)
ifneq ($(filter-out $(INSTALL_TARGETS),$(TARGET)),)
$(error TARGET=$(TARGET): make install takes TARGET=aarch64-picolibc, TARGET=arm-newlib or no TARGET (x86-64))
endif
endif
INSTALL_LIB := $(if $(TARGET),$(call port_lib,$(TARGET)),$(BUILD)/libvioshare.a)
PC_WHAT_   := x86-64, freestanding, position-dependent
PC_WHAT_aarch64-picolibc := AArch64, picolibc
PC_WHAT_arm-newlib := 32-bit Arm Cortex-M4 Thumb-2 soft-float, newlib
PC_LIBS_   := -no-pie

# The PVH-only copy comes out of vioshare.elf's recipe.
$(BUILD)/vioshare-pvh.elf: $(BUILD)/vioshare.elf ;

.PHONY: install uninstall
install: $(INSTALL_LIB) $(PUBLIC_HEADERS) $(addprefix $(BUILD)/,$(IMAGES))
	install -d '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(LIBDIR)/pkgconfig' '$(DESTDIR)$(INCLUDEDIR)/vioshare' \
		'$(DESTDIR)$(DATADIR)/aarch64'
	install -m 644 $(INSTALL_LIB) '$(DESTDIR)$(LIBDIR)/libvioshare.a'
	install -m 644 $(PUBLIC_HEADERS) '$(DESTDIR)$(INCLUDEDIR)/vioshare/'
	for i in $(IMAGES); do install -m 644 $(BUILD)/$$i '$(DESTDIR)$(DATADIR)/'$$i || exit 1; done
	install -m 755 tools/vioshare-run '$(DESTDIR)$(BINDIR)/vioshare-run'
	printf '%s\n' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' 'Name: vioshare' \
		'Description: virtio-fs client library ($(PC_WHAT_$(TARGET)))' 'Version: $(VERSION)' \
		'Cflags: -I$${includedir}/vioshare' 'Libs: $(strip -L$${libdir} -lvioshare $(PC_LIBS_$(TARGET)))' \
		> '$(DESTDIR)$(LIBDIR)/pkgconfig/vioshare.pc'

uninstall:
	rm -f '$(DESTDIR)$(BINDIR)/vioshare-run' '$(DESTDIR)$(LIBDIR)/libvioshare.a' \
		'$(DESTDIR)$(LIBDIR)/pkgconfig/vioshare.pc' \
		$(foreach h,$(notdir $(PUBLIC_HEADERS)),'$(DESTDIR)$(INCLUDEDIR)/vioshare/$(h)') \
		$(foreach i,$(IMAGES),'$(DESTDIR)$(DATADIR)/$(i)')
	rmdir '$(DESTDIR)$(INCLUDEDIR)/vioshare' '$(DESTDIR)$(DATADIR)/aarch64' '$(DESTDIR)$(DATADIR)' 2>/dev/null || true
