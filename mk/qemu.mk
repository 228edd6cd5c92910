# SPDX-License-Identifier: MIT
#
# QEMU targets. Every QEMU command line lives in tests/qemu/run.py.
#   make run   [ARCH=..] [CMDLINE="selftest=boot"]   build, boot, serial on this terminal (no
#                                                    CMDLINE on x86_64: the demo guest)
#   make debug [ARCH=..] [CMDLINE=...]               boot halted (-s -S), print the gdb command
#   make qemu-test [ARCH=..]                         the QEMU boot cases for one arch (TAP)
#   make test                                        everything: unit tests, both arches'
#                                                    images and boot cases, clang build + boot,
#                                                    the no-FP/SIMD disassembly check of every
#                                                    image, fuzz smoke when mk/fuzz.mk exists

# QEMU_JOBS: boot cases run side by side per arch (make test QEMU_JOBS=2 on a machine with cores
# to spare; 1 by default so that timing-sensitive device tests never compete for a CPU).
QEMU_JOBS ?= 1
QEMU_RUNNER := python3 tests/qemu/run.py -j $(QEMU_JOBS)
CMDLINE ?=

.PHONY: qemu-test test-build qemu-prereqs
qemu-prereqs: $(QEMU_FW_FILES)
# QEMU_FW_FILES: firmware images an arch file builds (mk/arm64.mk pads AAVMF); empty on x86_64.
run: efi $(QEMU_FW_FILES)
	$(QEMU_RUNNER) --arch $(ARCH) --build-dir $(BUILD) --run $(if $(CMDLINE),--cmdline "$(CMDLINE)",--demo)

debug: efi $(QEMU_FW_FILES)
	$(QEMU_RUNNER) --arch $(ARCH) --build-dir $(BUILD) --debug --cmdline "$(CMDLINE)"

qemu-test: efi $(QEMU_FW_FILES)
	$(QEMU_RUNNER) --arch $(ARCH) --build-dir $(BUILD)

# arm64 joins once its build files exist; fuzzing once mk/fuzz.mk exists.
TEST_ARCHES := x86_64 $(if $(wildcard mk/arm64.mk),$(if $(wildcard arch/arm64/build.mk),arm64))
HAVE_FUZZ := $(wildcard mk/fuzz.mk)

TEST_SUITES := $(UNIT_BINS) "python3 tests/qemu/test_runner.py" \
	$(foreach a,$(TEST_ARCHES),"$(QEMU_RUNNER) --arch $(a)") \
	"$(QEMU_RUNNER) --arch x86_64 --build-dir build/x86_64-clang --case x86_64-boot --name-suffix=-clang" \
	$(if $(filter arm64,$(TEST_ARCHES)),"$(QEMU_RUNNER) --arch arm64 --build-dir build/arm64-clang --case arm64-boot --name-suffix=-clang") \
	"python3 tests/qemu/debug_check.py --arch x86_64" \
	"python3 tests/qemu/check_no_fp.py $(foreach a,$(TEST_ARCHES),$(a) build/$(a)/ioasid-hv.so \
		$(a) build/$(a)-clang/ioasid-hv.so)" \
	$(if $(HAVE_FUZZ),"$(MAKE) --no-print-directory fuzz-smoke")

# Building is not a test: a build failure stops `make test` before any suite runs.
test-build: unit-build
	$(foreach a,$(TEST_ARCHES),$(MAKE) --no-print-directory ARCH=$(a) efi qemu-prereqs &&) true
	$(MAKE) --no-print-directory ARCH=x86_64 CC_KIND=clang efi
	$(if $(filter arm64,$(TEST_ARCHES)),$(MAKE) --no-print-directory ARCH=arm64 CC_KIND=clang efi)

test: test-build
	python3 tests/run_all.py $(TEST_SUITES)
