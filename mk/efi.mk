# SPDX-License-Identifier: MIT
#
# Generic rules for the target images: the release image build/<arch>[-clang]/ioasid-hv.efi and,
# with SELFTEST=y, the test image build/<arch>[-clang]-test/ioasid-hv-test.efi. Nothing here names
# an architecture: mk/$(ARCH).mk provides the toolchain and flags (see the list at the top of
# mk/x86_64.mk), and source directories contribute through build.mk fragments:
#
#   HV_SRCS += dir/file.c dir/file.S          built for every arch, into both images
#   HV_SRCS_x86_64 += ..., HV_SRCS_arm64 += ...  built for one arch (for drivers such as VT-d)
#   BOOT_SRCS += boot/file.c                   the only objects that see <efi.h>
#   HV_TEST_SRCS += ..., HV_TEST_SRCS_<arch> += ...   test image only: self-tests (HV_SELFTEST),
#                                              test hooks, *_debug_* hooks, DMA bypasses
#   HV_RELEASE_SRCS += ...                     release image only (the empty test-hook table)
#
# Test code is kept out of the release image by file selection at link time, not by #ifdef
# (docs/ARCHITECTURE.md "Build"): both images are linked from the same objects, compiled once
# with the same flags into $(RELEASE_BUILD)/obj/, so the code the tests exercise is the code
# that ships. A release file that calls a test-only function does not link (--no-undefined);
# tests/qemu/check_release_image.py fails `make test` if a test symbol reaches the release image.
#
# arch/$(ARCH)/build.mk adds the arch code. The linked ELF (with symbols, for gdb) is
# $(BUILD)/$(EFI_NAME).so and the PE/COFF application $(BUILD)/$(EFI_NAME).efi.

include mk/$(ARCH).mk
include mk/newlib.mk

ifeq ($(CC_KIND),clang)
TARGET_CC := clang
# clang targets the same ELF ABI as the cross gcc; the arch file says which triple.
TARGET_CC += $(CLANG_TARGET_FLAGS)
else
TARGET_CC := $(CROSS)gcc
endif
TARGET_LD := $(CROSS)ld
TARGET_OBJCOPY := $(CROSS)objcopy
# libgcc from the gcc toolchain for either compiler (64-bit division helpers on some arches).
LIBGCC := $(shell $(CROSS)gcc -print-libgcc-file-name)
CC_INC := $(shell $(TARGET_CC) -print-file-name=include)

HV_VERSION := $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)

TARGET_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	-Wno-missing-field-initializers -ffreestanding -fno-stack-protector -fno-strict-aliasing \
	-fno-builtin-printf -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-nostdinc -isystem $(NEWLIB_INC) -isystem $(CC_INC) -Iinclude -Iarch/$(ARCH)/include -I. \
	$(ARCH_CFLAGS) -DHV_ARCH_NAME=\"$(ARCH)\"
TARGET_ASFLAGS := $(filter-out -std=gnu11,$(TARGET_CFLAGS)) -D__ASSEMBLY__
# boot/ alone may include <efi.h>.
BOOT_CFLAGS := -isystem $(GNUEFI_INC) -isystem $(GNUEFI_INC)/$(GNUEFI_ARCH_DIR)

HV_SRCS :=
HV_SRCS_$(ARCH) :=
BOOT_SRCS :=
HV_TEST_SRCS :=
HV_TEST_SRCS_$(ARCH) :=
HV_RELEASE_SRCS :=
# Every directory's fragment, named (not found by wildcard): a missing one stops the build.
HV_BUILD_MKS := boot/build.mk hv/build.mk lib/build.mk ioasid/build.mk drivers/acpi/build.mk \
	drivers/pci/build.mk drivers/uart/build.mk drivers/misc/build.mk drivers/iommu/vtd/build.mk drivers/iommu/amdvi/build.mk \
	drivers/iommu/smmuv3/build.mk drivers/irqchip/build.mk arch/$(ARCH)/build.mk
include $(HV_BUILD_MKS)

ifeq ($(SELFTEST),y)
ALL_TARGET_SRCS := $(BOOT_SRCS) $(HV_SRCS) $(HV_SRCS_$(ARCH)) $(HV_TEST_SRCS) $(HV_TEST_SRCS_$(ARCH))
EFI_NAME := ioasid-hv-test
else
ALL_TARGET_SRCS := $(BOOT_SRCS) $(HV_SRCS) $(HV_SRCS_$(ARCH)) $(HV_RELEASE_SRCS)
EFI_NAME := ioasid-hv
endif
OBJ := $(RELEASE_BUILD)/obj
TARGET_OBJS := $(patsubst %,$(OBJ)/%.o,$(ALL_TARGET_SRCS))
TARGET_DEPS := $(TARGET_OBJS:.o=.d)

EFI_LDS_OUT := $(BUILD)/linker.lds
EFI_SO := $(BUILD)/$(EFI_NAME).so
EFI_IMAGE := $(BUILD)/$(EFI_NAME).efi

.PHONY: efi images newlib-check
efi: $(EFI_IMAGE)

# Both images of this ARCH and CC_KIND (the second link reuses the first one's objects).
images:
	$(Q)$(MAKE) --no-print-directory SELFTEST=n efi
	$(Q)$(MAKE) --no-print-directory SELFTEST=y efi

# The version string changes with every commit, so only hv/version.c sees it.
$(RELEASE_BUILD)/version.txt: FORCE
	@mkdir -p $(dir $@)
	@echo '$(HV_VERSION)' | cmp -s - $@ || echo '$(HV_VERSION)' > $@
FORCE:

$(OBJ)/boot/%.c.o: boot/%.c $(NEWLIB_LIBC) mk/efi.mk mk/$(ARCH).mk
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(TARGET_CC) $(TARGET_CFLAGS) $(BOOT_CFLAGS) -MMD -MP -c -o $@ $<

$(OBJ)/hv/version.c.o: hv/version.c $(RELEASE_BUILD)/version.txt $(NEWLIB_LIBC)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(TARGET_CC) $(TARGET_CFLAGS) -DHV_VERSION=\"$(HV_VERSION)\" -MMD -MP -c -o $@ $<

$(OBJ)/%.c.o: %.c $(NEWLIB_LIBC) mk/efi.mk mk/$(ARCH).mk
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(TARGET_CC) $(TARGET_CFLAGS) -MMD -MP -c -o $@ $<

$(OBJ)/%.S.o: %.S $(NEWLIB_LIBC) mk/efi.mk mk/$(ARCH).mk
	@mkdir -p $(dir $@)
	@echo "  AS      $@"
	$(Q)$(TARGET_CC) $(TARGET_ASFLAGS) -MMD -MP -c -o $@ $<

$(EFI_LDS_OUT): linker.ld mk/$(ARCH).mk
	@mkdir -p $(dir $@)
	$(Q)$(CROSS)cpp -P -undef $(LINKER_ARCH_DEFS) -o $@ $<

# -shared -Bsymbolic: GNU-EFI's crt0 applies the image's own R_*_RELATIVE relocations at load
# (its _relocate), so the image is a position-independent shared object with no external refs.
# The check after linking fails the build if any other relocation would need applying (those
# against symbol value 0 are newlib's unused weak references and resolve to 0 as linked).
$(EFI_SO): $(TARGET_OBJS) $(EFI_LDS_OUT) $(NEWLIB_LIBC)
	@echo "  LD      $@"
	$(Q)$(TARGET_LD) -nostdlib -znocombreloc -znoexecstack --no-undefined -shared -Bsymbolic \
		-T $(EFI_LDS_OUT) $(EFI_LDFLAGS) -o $@ $(EFI_CRT0) $(TARGET_OBJS) \
		--start-group $(NEWLIB_LIBC) $(GNUEFI_LIB)/libefi.a $(GNUEFI_LIB)/libgnuefi.a \
		$(LIBGCC) --end-group
	$(Q)if $(CROSS)readelf -rW $@ | grep -v -E 'R_[A-Z0-9_]*_(RELATIVE|NONE)' | \
		grep -v -E '^[0-9a-f]+ +[0-9a-f]+ +R_[A-Z0-9_]+ +0+ ' | grep -q '^0'; then \
		echo "error: $@ has relocations other than RELATIVE:"; $(CROSS)readelf -r $@ | head; \
		exit 1; fi

$(EFI_IMAGE): $(EFI_SO)
	@echo "  OBJCOPY $@"
	$(Q)$(TARGET_OBJCOPY) $(EFI_OBJCOPY_FLAGS) $< $@

-include $(TARGET_DEPS)
