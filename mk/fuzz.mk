# SPDX-License-Identifier: MIT
#
# The hypercall dispatcher fuzzer (tests/fuzz/fuzz_dispatch.c): libFuzzer with clang,
# ASan and UBSan, linked with the IOASID core and the mock IOMMU (CORE_TEST_LIBS, from
# tests/unit/core.mk).
#   make fuzz          run for FUZZ_TIME seconds (default 600), corpus kept in build/host/fuzz
#   make fuzz-smoke    run for FUZZ_SMOKE_TIME seconds (default 60) and print one TAP line
#                      ("ok 1 - fuzz_dispatch (N runs: ...)") for tests/run_all.py; it fails
#                      unless at least FUZZ_SMOKE_MIN_RUNS inputs were fuzzed after the corpus
#                      was loaded (tests/fuzz/smoke.sh)
#
# The invariant checkers (harness, mock walker, and the foreign walker they use to enumerate
# every leaf after every operation) are built without comparison tracing: they run far more
# often than the code under test and their comparisons are no guide to new states.

FUZZ_CC ?= clang
FUZZ_TIME ?= 600
FUZZ_SMOKE_TIME ?= 60
# 10 executions/s over the default 60 s: a third of what this 2-core build machine did with six
# QEMU/compile jobs beside it (1,859 in 60 s, the fuzzer getting a third of a core), a thirtieth
# of an idle machine's ~300/s, far above a fuzzer that stopped early, replayed only its corpus
# or slowed down by an order of magnitude. Scale it with FUZZ_SMOKE_TIME.
FUZZ_SMOKE_MIN_RUNS ?= 600
FUZZ_DIR := $(HOSTBUILD)/fuzz
FUZZ_BIN := $(FUZZ_DIR)/fuzz_dispatch
FUZZ_CORPUS := $(FUZZ_DIR)/corpus
FUZZ_SEEDS := $(FUZZ_DIR)/seeds
FUZZ_SRCS := tests/fuzz/fuzz_dispatch.c $(CORE_TEST_LIBS)
FUZZ_QUIET_SRCS := tests/host/harness.c tests/host/mock_iommu.c ioasid/pt_foreign.c
FUZZ_CFLAGS := $(HOST_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_OBJS := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_SRCS))

$(FUZZ_DIR)/obj/%.o: %.c $(ALL_HEADERS) mk/fuzz.mk
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) \
		$(if $(filter $<,$(FUZZ_QUIET_SRCS)),-fno-sanitize-coverage=trace-cmp) -c -o $@ $<

$(FUZZ_BIN): $(FUZZ_OBJS)
	@echo "  FUZZLD  $@"
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $(FUZZ_OBJS)

# Seed programs (tests/fuzz/mkseeds.py) that start the fuzzer in deep states.
$(FUZZ_SEEDS)/.stamp: tests/fuzz/mkseeds.py
	$(Q)python3 tests/fuzz/mkseeds.py $(FUZZ_SEEDS) && touch $@

fuzz: $(FUZZ_BIN) $(FUZZ_SEEDS)/.stamp
	@mkdir -p $(FUZZ_CORPUS)
	$(FUZZ_BIN) -max_total_time=$(FUZZ_TIME) -print_final_stats=1 -timeout=20 \
		-artifact_prefix=$(FUZZ_DIR)/ $(FUZZ_CORPUS) $(FUZZ_SEEDS)

fuzz-smoke: $(FUZZ_BIN) $(FUZZ_SEEDS)/.stamp
	$(Q)sh tests/fuzz/smoke.sh $(FUZZ_BIN) $(FUZZ_SMOKE_TIME) $(FUZZ_SMOKE_MIN_RUNS) $(FUZZ_CORPUS) $(FUZZ_SEEDS)
