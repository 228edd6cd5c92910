# SPDX-License-Identifier: MIT
#
# QEMU targets. Every QEMU command line lives in tests/qemu/run.py.
#   make run   [ARCH=..] [CMDLINE=...]               build, boot, serial on this terminal (no
#                                                    CMDLINE: the demo guest); the release image,
#                                                    or with SELFTEST=y the test image (needed
#                                                    for CMDLINE="selftest=boot")
#   make run   CONFIG=my.cfg [GUESTS="a.bin b"] [QEMU_EXTRA="-smp 4"]   your partitions
#   make esp   [CONFIG=my.cfg GUESTS=...]            build/<arch>/esp.img, a bootable disk image
#   make run   ESP=build/<arch>/esp.img              boot that image
#   make debug [ARCH=..] [SELFTEST=y] [CMDLINE=...]  boot halted (-s -S), print the gdb command
#   make qemu-test [ARCH=..]                         the QEMU boot cases for one arch (TAP), each
#                                                    on its image (run.py: self-tests on the test
#                                                    image, everything else on the release image)
#   make test                                        everything: unit tests, the TSan tests
#                                                    (make tsan), both arches' images
#                                                    and boot cases, clang builds + boots, the
#                                                    no-FP/SIMD disassembly check and the
#                                                    no-test-code check of the release images,
#                                                    the users' commands (tests/qemu/test_tools.py:
#                                                    cfgcheck, make run CONFIG=, make esp, make sdk),
#                                                    fuzz smoke when mk/fuzz.mk exists

# QEMU_JOBS: boot cases run side by side per arch (make test QEMU_JOBS=2 on a machine with cores
# to spare; 1 by default so that timing-sensitive device tests never compete for a CPU).
QEMU_JOBS ?= 1
QEMU_RUNNER := python3 tests/qemu/run.py -j $(QEMU_JOBS)
CMDLINE ?=

.PHONY: qemu-test test-build qemu-prereqs
qemu-prereqs: $(QEMU_FW_FILES)
# QEMU_FW_FILES: firmware images an arch file builds (mk/arm64.mk pads AAVMF); empty on x86_64.
# run.py finds the test image next to the release one (RELEASE_BUILD-test = TEST_BUILD) and the
# guests with the release image; --image picks the one SELFTEST built.
QEMU_IMAGE := --build-dir $(RELEASE_BUILD) --image $(if $(filter y,$(SELFTEST)),test,release)
# Your own partitions (README "Your own partitions"): CONFIG= a configuration file, GUESTS= the
# guest images for its ESP (.bin files anywhere, or names of built test guests), QEMU_EXTRA=
# appended to the QEMU command line (passed through the environment: no shell quoting to break),
# ESP= a disk image from `make esp`, booted instead of an ESP directory. `make esp` writes
# ESP_IMG (build/<arch>/esp.img) with the same CONFIG and GUESTS (or the demo).
CONFIG ?=
GUESTS ?=
QEMU_EXTRA ?=
ESP ?=
ESP_IMG ?= $(RELEASE_BUILD)/esp.img
export QEMU_EXTRA
USER_ESP_ARGS = $(if $(CONFIG),--config $(CONFIG),$(if $(CMDLINE),--cmdline "$(CMDLINE)",--demo)) \
	$(foreach g,$(GUESTS),--guest $(g))
.PHONY: esp
run: $(if $(ESP),,efi) $(QEMU_FW_FILES)
	$(QEMU_RUNNER) --arch $(ARCH) $(QEMU_IMAGE) --run --qemu-extra "$$QEMU_EXTRA" \
		$(if $(ESP),--esp $(ESP),$(USER_ESP_ARGS))

esp: efi
	$(QEMU_RUNNER) --arch $(ARCH) $(QEMU_IMAGE) --make-esp $(ESP_IMG) $(USER_ESP_ARGS)

debug: efi $(QEMU_FW_FILES)
	$(QEMU_RUNNER) --arch $(ARCH) $(QEMU_IMAGE) --debug --cmdline "$(CMDLINE)"

qemu-test: images $(QEMU_FW_FILES)
	$(QEMU_RUNNER) --arch $(ARCH) --build-dir $(RELEASE_BUILD)

# arm64 joins once its build files exist; fuzzing once mk/fuzz.mk exists.
TEST_ARCHES := x86_64 $(if $(wildcard mk/arm64.mk),$(if $(wildcard arch/arm64/build.mk),arm64))
HAVE_FUZZ := $(wildcard mk/fuzz.mk)

# The clang images boot the test image's selftest=boot and the release image's plain boot (which
# takes every IOMMU over).
TEST_SUITES := $(UNIT_BINS) $(TSAN_SUITES) "python3 tests/qemu/test_runner.py" \
	$(foreach a,$(TEST_ARCHES),"$(QEMU_RUNNER) --arch $(a)") \
	$(foreach a,$(TEST_ARCHES),"$(QEMU_RUNNER) --arch $(a) --build-dir build/$(a)-clang \
		--case $(a)-boot --case $(a)-boot-plain --name-suffix=-clang") \
	"python3 tests/qemu/debug_check.py --arch x86_64" \
	"python3 tests/qemu/test_tools.py $(foreach a,$(TEST_ARCHES),--arch $(a))" \
	"python3 tests/qemu/check_no_fp.py $(foreach a,$(TEST_ARCHES),$(a) build/$(a)/ioasid-hv.so \
		$(a) build/$(a)-test/ioasid-hv-test.so $(a) build/$(a)-clang/ioasid-hv.so \
		$(a) build/$(a)-clang-test/ioasid-hv-test.so)" \
	"python3 tests/qemu/check_release_image.py $(foreach a,$(TEST_ARCHES),\
		$(a) build/$(a)/ioasid-hv.so build/$(a)-test/ioasid-hv-test.so \
		$(a) build/$(a)-clang/ioasid-hv.so build/$(a)-clang-test/ioasid-hv-test.so)" \
	$(if $(HAVE_FUZZ),"$(MAKE) --no-print-directory fuzz-smoke")

# Building is not a test: a build failure stops `make test` before any suite runs. `images`
# builds the release and the test image (mk/efi.mk).
test-build: unit-build tsan-build
	$(foreach a,$(TEST_ARCHES),$(MAKE) --no-print-directory ARCH=$(a) images qemu-prereqs &&) true
	$(foreach a,$(TEST_ARCHES),$(MAKE) --no-print-directory ARCH=$(a) CC_KIND=clang images &&) true

test: test-build
	python3 tests/run_all.py $(TEST_SUITES)

# In-guest call costs (issue 15, docs/PERFORMANCE.md "In the guest"): the bench guest under
# -icount shift=0 on both arches, then the table (tests/qemu/bench_guest.py). BENCH_UPDATE=1
# records the figures as the reference the <arch>-bench-guest cases of `make test` hold.
.PHONY: bench-guest
bench-guest:
	$(Q)for a in $(TEST_ARCHES); do $(MAKE) --no-print-directory ARCH=$$a images guests >/dev/null || exit 1; done
	$(Q)for a in $(TEST_ARCHES); do python3 tests/qemu/run.py --arch $$a --case $$a-bench-guest || true; done
	$(Q)python3 tests/qemu/bench_guest.py $(if $(BENCH_UPDATE),--update) $(TEST_ARCHES)
