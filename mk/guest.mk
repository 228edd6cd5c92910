# SPDX-License-Identifier: MIT
#
# The guest SDK (guest/) and the test guests (tests/guests/*.c), x86_64 only for now: each
# tests/guests/NAME.c becomes $(BUILD)/guests/NAME.elf (with symbols) and NAME.bin, the flat
# image the hypervisor loads at guest-physical 0x100000 (docs/GUEST.md). Built with the same
# newlib as the hypervisor (mk/newlib.mk) and the same FP/SIMD-free flags. `make guests`;
# `make efi` builds them too, so `make test` has them.

ifeq ($(ARCH),x86_64)
GUEST_BUILD := $(BUILD)/guests
GUEST_SDK_SRCS := guest/start.S guest/guest.c guest/test.c guest/syscalls.c
GUEST_SDK_OBJS := $(patsubst %,$(GUEST_BUILD)/sdk/%.o,$(GUEST_SDK_SRCS))
GUEST_NAMES := $(basename $(notdir $(wildcard tests/guests/*.c)))
GUEST_BINS := $(patsubst %,$(GUEST_BUILD)/%.bin,$(GUEST_NAMES))
GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	-Wno-missing-field-initializers -ffreestanding -fno-stack-protector -fno-strict-aliasing \
	-fno-builtin-printf -fno-pic -fno-pie -mcmodel=small -m64 -mgeneral-regs-only -mno-red-zone \
	-fno-asynchronous-unwind-tables -nostdinc -isystem $(NEWLIB_INC) -isystem $(CC_INC) -Iinclude -I.

.PHONY: guests
.SECONDARY: $(patsubst %,$(GUEST_BUILD)/%.elf,$(GUEST_NAMES)) $(patsubst %,$(GUEST_BUILD)/obj/tests/guests/%.c.o,$(GUEST_NAMES))
guests: $(GUEST_BINS)
efi: guests

$(GUEST_BUILD)/sdk/%.c.o $(GUEST_BUILD)/obj/%.c.o: %.c $(NEWLIB_LIBC) mk/guest.mk guest/guest.h guest/test.h include/ioasid/abi.h
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(TARGET_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_BUILD)/sdk/%.S.o: %.S mk/guest.mk
	@mkdir -p $(dir $@)
	@echo "  AS      $@"
	$(Q)$(TARGET_CC) $(filter-out -std=gnu11,$(GUEST_CFLAGS)) -D__ASSEMBLY__ -c -o $@ $<

$(GUEST_BUILD)/%.elf: $(GUEST_BUILD)/obj/tests/guests/%.c.o $(GUEST_SDK_OBJS) guest/guest.lds $(NEWLIB_LIBC)
	@echo "  LD      $@"
	$(Q)$(TARGET_LD) -static -nostdlib -znoexecstack --no-warn-rwx-segments -T guest/guest.lds -o $@ \
		$(GUEST_SDK_OBJS) $< --start-group $(NEWLIB_LIBC) $(LIBGCC) --end-group

$(GUEST_BUILD)/%.bin: $(GUEST_BUILD)/%.elf
	@echo "  OBJCOPY $@"
	$(Q)$(TARGET_OBJCOPY) -O binary -R .bss $< $@
endif
