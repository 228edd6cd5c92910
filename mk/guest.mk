# SPDX-License-Identifier: MIT
#
# The guest SDK (guest/) and the test guests (tests/guests/*.c), for x86_64 and arm64: each
# tests/guests/NAME.c becomes $(RELEASE_BUILD)/guests/NAME.elf (with symbols) and NAME.bin, the
# flat image the hypervisor loads at guest-physical 0x100000 (docs/GUEST.md). Built with the same
# newlib as the hypervisor (mk/newlib.mk) and the same FP/SIMD-free flags. `make guests`;
# `make efi` builds them too, so `make test` has them. One set serves both images (they live next
# to the release image; tests/qemu/run.py takes them from there for test-image cases as well).

# Per-arch parts of the SDK live in guest/$(ARCH)/ (start-up code, guest_arch.h); the rest and
# every test guest are shared. A test guest that only makes sense on one arch is listed in
# GUEST_EXCLUDE_<other arch>.
GUEST_ARCH_CFLAGS_x86_64 := -m64 -mno-red-zone
GUEST_START_x86_64 := guest/start.S
# arm64: -mgeneral-regs-only like the hypervisor (the vCPU switches FP/SIMD anyway); no
# -mstrict-align needed: HCR_EL2.DC makes guest memory Normal (docs/ARM64.md, "Guests").
# -mno-outline-atomics: the guests' atomics (guest_spin_lock, multi-vCPU tests) are inline LSE or
# LL/SC instructions, not libgcc's helpers that probe the CPU through getauxval().
GUEST_ARCH_CFLAGS_arm64 := -mbranch-protection=none -mno-outline-atomics
GUEST_START_arm64 := guest/arm64/start.S
# The EL1 vector table with an IRQ entry (guest/irq.h, installed by guest_irq_init).
GUEST_IRQ_SRCS_arm64 := guest/arm64/vectors.S
# The arch's interrupt entry stubs (the x86_64 IDT's, guest/x86_64/irq_entry.S).
GUEST_IRQ_SRCS_x86_64 := guest/x86_64/irq_entry.S
GUEST_EXCLUDE_arm64 := misbehave_io msi_attack apic_misuse
GUEST_EXCLUDE_x86_64 := its_attack vgic

ifneq ($(GUEST_START_$(ARCH)),)
GUEST_BUILD := $(RELEASE_BUILD)/guests
GUEST_SDK_SRCS := $(GUEST_START_$(ARCH)) guest/guest.c guest/test.c guest/syscalls.c guest/irq_route.c guest/s1.c \
	guest/$(ARCH)/irq.c $(GUEST_IRQ_SRCS_$(ARCH))
GUEST_SDK_OBJS := $(patsubst %,$(GUEST_BUILD)/sdk/%.o,$(GUEST_SDK_SRCS))
GUEST_NAMES := $(filter-out $(GUEST_EXCLUDE_$(ARCH)),$(basename $(notdir $(wildcard tests/guests/*.c))))
GUEST_BINS := $(patsubst %,$(GUEST_BUILD)/%.bin,$(GUEST_NAMES))
GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	-Wno-missing-field-initializers -ffreestanding -fno-stack-protector -fno-strict-aliasing \
	-fno-builtin-printf -fno-pic -fno-pie -mcmodel=small -mgeneral-regs-only $(GUEST_ARCH_CFLAGS_$(ARCH)) \
	-fno-asynchronous-unwind-tables -nostdinc -isystem $(NEWLIB_INC) -isystem $(CC_INC) -Iguest/$(ARCH) -Iinclude -I.

.PHONY: guests
.SECONDARY: $(patsubst %,$(GUEST_BUILD)/%.elf,$(GUEST_NAMES)) $(patsubst %,$(GUEST_BUILD)/obj/tests/guests/%.c.o,$(GUEST_NAMES))
guests: $(GUEST_BINS)
efi: guests

$(GUEST_BUILD)/sdk/%.c.o $(GUEST_BUILD)/obj/%.c.o: %.c $(NEWLIB_LIBC) mk/guest.mk guest/guest.h guest/$(ARCH)/guest_arch.h guest/test.h guest/irq.h include/ioasid/abi.h
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

# `make sdk [ARCH=..] [SDK_DIR=..]`: the guest SDK for guests built outside this repository
# (docs/GUEST.md "Building a guest outside this repository"), installed into SDK_DIR
# (build/<arch>/sdk): headers, crt0.o (start-up code), libioasid-guest.a (the rest of guest/),
# the newlib it uses, the linker script and sdk.mk (from tools/sdk.mk.in), the Makefile fragment
# a guest's three-line Makefile includes. The SDK's flags are the test guests' (gcc; -Werror
# and the tree's include paths left to the user).
SDK_DIR ?= $(RELEASE_BUILD)/sdk
SDK_CFLAGS := $(filter-out -Werror -nostdinc -isystem $(NEWLIB_INC) $(CC_INC) -Iguest/$(ARCH) -Iinclude -I.,$(GUEST_CFLAGS))
SDK_HEADERS := include/ioasid/abi.h include/hv/guest.h guest/guest.h guest/test.h guest/edu.h guest/irq.h guest/s1.h \
	guest/$(ARCH)/guest_arch.h
.PHONY: sdk
.SECONDARY: $(GUEST_SDK_OBJS)
sdk: $(GUEST_SDK_OBJS) $(SDK_HEADERS) guest/guest.lds tools/sdk.mk.in $(NEWLIB_LIBC)
	@echo "  SDK     $(SDK_DIR)"
	$(Q)rm -rf $(SDK_DIR) && mkdir -p $(SDK_DIR)/include/ioasid $(SDK_DIR)/include/hv \
		$(SDK_DIR)/include/guest $(SDK_DIR)/lib $(SDK_DIR)/newlib/lib
	$(Q)cp include/ioasid/abi.h $(SDK_DIR)/include/ioasid/ && cp include/hv/guest.h $(SDK_DIR)/include/hv/ \
		&& cp guest/guest.h guest/test.h guest/edu.h guest/irq.h guest/s1.h $(SDK_DIR)/include/guest/ \
		&& cp guest/$(ARCH)/guest_arch.h $(SDK_DIR)/include/
	$(Q)cp -r $(NEWLIB_INC) $(SDK_DIR)/newlib/include && cp $(NEWLIB_LIBC) $(SDK_DIR)/newlib/lib/
	$(Q)cp $(filter %start.S.o,$(GUEST_SDK_OBJS)) $(SDK_DIR)/lib/crt0.o
	$(Q)$(CROSS)ar rcs $(SDK_DIR)/lib/libioasid-guest.a $(filter-out %start.S.o,$(GUEST_SDK_OBJS))
	$(Q)cp guest/guest.lds $(SDK_DIR)/
	$(Q)sed -e 's|@ARCH@|$(ARCH)|g' -e 's|@CROSS@|$(CROSS)|' -e 's|@CFLAGS@|$(SDK_CFLAGS)|' \
		tools/sdk.mk.in > $(SDK_DIR)/sdk.mk
endif
