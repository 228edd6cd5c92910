# SPDX-License-Identifier: MIT
#
# libFuzzer targets (clang, ASan, UBSan), docs/CORE.md "Fuzzing":
#   fuzz_dispatch  the hypercall dispatcher (tests/fuzz/fuzz_dispatch.c) over the IOASID core
#                  and the mock IOMMU (CORE_TEST_LIBS, from tests/unit/core.mk)
#   fuzz_config    the partition configuration parser and validator (hv/config.c)
#   fuzz_acpi      the ACPI parsers (drivers/acpi) from a synthetic RSDP/XSDT
#   fuzz_decode    the VT-d fault / SMMUv3 event decoders and invalidation range splitters
#
#   make fuzz               run fuzz_dispatch for FUZZ_TIME seconds (default 600); corpus kept
#                           in build/host/fuzz/fuzz_dispatch-corpus; FUZZ_STATS=1 prints the
#                           outcome table at the end; FUZZ_RUNS=N stops after N executions
#   make fuzz-NAME          the same for one target (e.g. make fuzz-fuzz_acpi FUZZ_TIME=60)
#   make fuzz-smoke         every target briefly, one TAP line each with its execution count
#                           ("ok N - fuzz_acpi (12345 runs)"), for tests/run_all.py; a target
#                           under its minimum count fails (tests/fuzz/smoke.sh)
#
# Each target's libFuzzer options (-max_len, -dict) are in tests/fuzz/NAME.options, used by
# both. The dispatcher's invariant checkers (harness, mock walker, and the foreign walker they
# use to enumerate leaves) are built without comparison tracing: their comparisons are no guide
# to new states.

FUZZ_CC ?= clang
FUZZ_TIME ?= 600
FUZZ_RUNS ?= -1
FUZZ_DIR := $(HOSTBUILD)/fuzz
FUZZ_TARGETS := fuzz_dispatch fuzz_config fuzz_acpi fuzz_decode
# name:seconds:minimum executions. About 70 s in all (make test on a loaded machine); the
# minimums are far below what each target does in its time even on a loaded machine (a fraction
# of a core), and far above what a harness that hangs or exits early would.
FUZZ_SMOKE ?= fuzz_dispatch:40:2000 fuzz_config:10:5000 fuzz_acpi:10:5000 fuzz_decode:10:5000

fuzz_dispatch_SRCS := tests/fuzz/fuzz_dispatch.c tests/fuzz/fuzz_stats.c $(CORE_TEST_LIBS)
fuzz_config_SRCS := tests/fuzz/fuzz_config.c hv/config.c
fuzz_acpi_SRCS := tests/fuzz/fuzz_acpi.c $(wildcard drivers/acpi/*.c) drivers/pci/pci.c drivers/pci/groups.c arch/host/arch.c arch/host/cpu.c \
	lib/strerror.c
fuzz_decode_SRCS := tests/fuzz/fuzz_decode.c drivers/iommu/vtd/vtd_desc.c drivers/iommu/smmuv3/smmuv3_enc.c \
	drivers/iommu/amdvi/amdvi_desc.c

FUZZ_QUIET_SRCS := tests/host/harness.c tests/host/mock_iommu.c ioasid/pt_foreign.c
FUZZ_CFLAGS := $(HOST_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all

$(FUZZ_DIR)/obj/%.o: %.c $(ALL_HEADERS) mk/fuzz.mk
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) \
		$(if $(filter $<,$(FUZZ_QUIET_SRCS)),-fno-sanitize-coverage=trace-cmp) -c -o $@ $<

define fuzz_target
$(FUZZ_DIR)/$(1): $$(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$$($(1)_SRCS))
	@echo "  FUZZLD  $$@"
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $$@ $$^

$(FUZZ_DIR)/$(1)-seeds/.stamp: tests/fuzz/mkseeds.py $(wildcard tests/data/acpi/*/*.bin)
	$(Q)python3 tests/fuzz/mkseeds.py $(1) $(FUZZ_DIR)/$(1)-seeds && touch $$@

fuzz-$(1): $(FUZZ_DIR)/$(1) $(FUZZ_DIR)/$(1)-seeds/.stamp
	@mkdir -p $(FUZZ_DIR)/$(1)-corpus
	$(FUZZ_DIR)/$(1) $$$$(cat tests/fuzz/$(1).options) -max_total_time=$(FUZZ_TIME) -runs=$(FUZZ_RUNS) \
		-print_final_stats=1 -timeout=20 -artifact_prefix=$(FUZZ_DIR)/$(1)- \
		$(FUZZ_DIR)/$(1)-corpus $(FUZZ_DIR)/$(1)-seeds
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_target,$(t))))

.PHONY: fuzz-build $(addprefix fuzz-,$(FUZZ_TARGETS))
fuzz-build: $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS)) $(foreach t,$(FUZZ_TARGETS),$(FUZZ_DIR)/$(t)-seeds/.stamp)

fuzz: fuzz-fuzz_dispatch

fuzz-smoke: fuzz-build
	$(Q)sh tests/fuzz/smoke.sh $(FUZZ_DIR) $(FUZZ_SMOKE)
