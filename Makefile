# SPDX-License-Identifier: MIT
#
# ioasid-hv top-level Makefile.
#   make [ARCH=x86_64|arm64]      build build/<arch>/ioasid-hv.efi
#   make run [ARCH=...]           boot it in QEMU (demo)
#   make debug [ARCH=...]         QEMU halted with a gdb stub; prints the gdb command
#   make test                     every test: host unit tests, fuzz smoke, QEMU boots, both arches
#   make unit | fuzz | bench      host-only parts
#   make CC_KIND=clang            build the hypervisor with clang instead of gcc
#
# Each directory contributes sources through its own build.mk; host unit tests through
# tests/unit/*.mk. The target (EFI) rules live in mk/efi.mk, QEMU rules in mk/qemu.mk.

ARCH ?= x86_64
ifeq ($(filter $(ARCH),x86_64 arm64),)
$(error ARCH must be x86_64 or arm64, not '$(ARCH)')
endif
CC_KIND ?= gcc
BUILD := build/$(ARCH)$(if $(filter clang,$(CC_KIND)),-clang)
HOSTBUILD := build/host
Q := $(if $(V),,@)

.PHONY: all run debug test unit fuzz fuzz-smoke bench clean format format-check
all: efi

# Every header, as a coarse dependency for the host and target builds.
ALL_HEADERS := $(shell find include ioasid lib drivers arch boot tests -name '*.h' 2>/dev/null)

include mk/host.mk
-include mk/efi.mk
-include mk/guest.mk
-include mk/qemu.mk
-include mk/bench.mk
-include mk/fuzz.mk

clean:
	rm -rf build

FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_SRCS)
format-check:
	clang-format --dry-run -Werror $(FORMAT_SRCS)
