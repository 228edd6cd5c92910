# SPDX-License-Identifier: MIT
#
# Host benchmark of the page-table engine: -O2, no sanitizers (docs/PERFORMANCE.md).
#   make bench              wall-clock ns per call and ratios to a plain store loop
#   make bench-callgrind    instruction counts under valgrind --tool=callgrind (--quick rounds)

BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	-Wno-missing-field-initializers -Iinclude -Iarch/host/include -I. -DHV_HOST=1
BENCH_PT_SRCS := tests/bench/bench_pt.c ioasid/pt.c ioasid/pt_foreign.c arch/host/mm.c \
	arch/host/arch.c arch/host/cpu.c lib/strerror.c
BENCH_PT := $(HOSTBUILD)/bench/bench_pt

$(BENCH_PT): $(BENCH_PT_SRCS) $(ALL_HEADERS) mk/bench.mk
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) $(BENCH_CFLAGS) -o $@ $(BENCH_PT_SRCS)

.PHONY: bench bench-callgrind
bench: $(BENCH_PT)
	$(Q)$(BENCH_PT)

bench-callgrind: $(BENCH_PT)
	$(Q)python3 tests/bench/callgrind.py $(BENCH_PT)
