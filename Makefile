# SPDX-License-Identifier: MIT
#
# ioasid-hv top-level Makefile.
#   make [ARCH=x86_64|arm64]      build the release image build/<arch>/ioasid-hv.efi
#   make SELFTEST=y [ARCH=...]    build the test image build/<arch>-test/ioasid-hv-test.efi
#                                 (the release image plus self-tests and test hooks)
#   make images [ARCH=...]        build both
#   make run [ARCH=...]           boot the release image in QEMU (demo); SELFTEST=y: the test image
#   make run CONFIG=my.cfg [GUESTS="a.bin b"] [QEMU_EXTRA=...]   boot your own partitions
#   make esp [CONFIG=.. GUESTS=..]  build/<arch>/esp.img, a bootable disk image; make run ESP=IMG
#   make sdk [ARCH=...]           the guest SDK in build/<arch>/sdk (guests built out of tree)
#   make cfgcheck                 build/host/cfgcheck (tools/cfgcheck: check a configuration)
#   make debug [ARCH=...]         QEMU halted with a gdb stub; prints the gdb command
#   make test                     every test: host unit tests, fuzz smoke, QEMU boots, both arches
#                                 (self-tests on the test image, everything else on the release
#                                 image, and a check that the release image has no test code)
#   make unit | tsan | fuzz | bench   host-only parts (tsan: the ThreadSanitizer tests)
#   make CC_KIND=clang            build the hypervisor with clang instead of gcc
#
# Each directory contributes sources through its own build.mk; host unit tests through
# tests/unit/*.mk. The target (EFI) rules live in mk/efi.mk, QEMU rules in mk/qemu.mk.
#
# Two images per arch (README "Images"; like Hafnium's testonly targets): the release image, the
# one to ship, has no self-test, no test hook and no debug hook; the test image links the same
# objects plus the test-only files the build.mk fragments list in HV_TEST_SRCS. `make test`
# runs the self-tests on the test image and every other case on the release image.

ARCH ?= x86_64
ifeq ($(filter $(ARCH),x86_64 arm64),)
$(error ARCH must be x86_64 or arm64, not '$(ARCH)')
endif
CC_KIND ?= gcc
SELFTEST ?= n
ifeq ($(filter $(SELFTEST),y n),)
$(error SELFTEST must be y (test image) or n (release image), not '$(SELFTEST)')
endif
# RELEASE_BUILD holds the release image and the objects both images link; TEST_BUILD the test
# image. BUILD is the one SELFTEST selects (efi, run, debug work on it).
RELEASE_BUILD := build/$(ARCH)$(if $(filter clang,$(CC_KIND)),-clang)
TEST_BUILD := $(RELEASE_BUILD)-test
BUILD := $(if $(filter y,$(SELFTEST)),$(TEST_BUILD),$(RELEASE_BUILD))
HOSTBUILD := build/host
Q := $(if $(V),,@)

.PHONY: all run debug test unit tsan fuzz fuzz-smoke bench clean format format-check
all: efi

# Every header, as a coarse dependency for the host and target builds.
ALL_HEADERS := $(shell find include ioasid lib drivers arch boot tests -name '*.h' 2>/dev/null)

include mk/host.mk
-include mk/efi.mk
-include mk/guest.mk
-include mk/qemu.mk
-include mk/bench.mk
-include mk/fuzz.mk
-include mk/tools.mk

clean:
	rm -rf build

FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_SRCS)
format-check:
	clang-format --dry-run -Werror $(FORMAT_SRCS)
