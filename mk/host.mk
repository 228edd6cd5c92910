# SPDX-License-Identifier: MIT
#
# Host ("fake arch") builds: unit tests under ASan/UBSan, the ThreadSanitizer tests, the
# fuzzer, the benchmark. A test fragment tests/unit/<name>.mk adds itself like this:
#     UNIT_TESTS += test_pt
#     test_pt_SRCS := tests/unit/test_pt.c ioasid/pt.c arch/host/mm.c lib/strerror.c
#     test_pt_CFLAGS :=        (optional)
# and a ThreadSanitizer test (make tsan; tests/unit/tsan.mk) the same way with TSAN_TESTS.
#
#   make unit    every UNIT_TESTS binary (ASan + UBSan), one TAP stream
#   make tsan    every TSAN_TESTS binary (-fsanitize=thread; TSan and ASan cannot share a
#                binary), halting on the first report, so a data race fails the suite

HOST_CC ?= gcc
HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	-Wno-missing-field-initializers -fno-omit-frame-pointer -Iinclude -Iarch/host/include -I. -DHV_HOST=1
HOST_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all

UNIT_TESTS :=
TSAN_TESTS :=
include $(sort $(wildcard tests/unit/*.mk))

define unit_rule
$(HOSTBUILD)/tests/$(1): $$($(1)_SRCS) $$(ALL_HEADERS) mk/host.mk
	@mkdir -p $$(dir $$@)
	@echo "  HOSTCC  $$@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $(HOST_SAN) $$($(1)_CFLAGS) -o $$@ $$($(1)_SRCS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

UNIT_BINS := $(addprefix $(HOSTBUILD)/tests/,$(UNIT_TESTS))
unit-build: $(UNIT_BINS)
unit: unit-build
	$(Q)python3 tests/run_all.py $(UNIT_BINS)

# ThreadSanitizer: gcc's libtsan (libtsan2, which gcc-12 pulls in; clang works too). -O1 keeps the
# races in the code as written, and TSan's exit status (66) or a failing TAP line fails the suite.
HOST_TSAN := -fsanitize=thread
TSAN_ENV := TSAN_OPTIONS='halt_on_error=1 second_deadlock_stack=1'

define tsan_rule
$(HOSTBUILD)/tsan/$(1): $$($(1)_SRCS) $$(ALL_HEADERS) mk/host.mk
	@mkdir -p $$(dir $$@)
	@echo "  TSANCC  $$@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $(HOST_TSAN) $$($(1)_CFLAGS) -o $$@ $$($(1)_SRCS)
endef
$(foreach t,$(TSAN_TESTS),$(eval $(call tsan_rule,$(t))))

TSAN_BINS := $(addprefix $(HOSTBUILD)/tsan/,$(TSAN_TESTS))
TSAN_SUITES := $(foreach b,$(TSAN_BINS),"$(TSAN_ENV) $(b)")
.PHONY: tsan tsan-build unit-build
tsan-build: $(TSAN_BINS)
tsan: tsan-build
	$(Q)python3 tests/run_all.py $(TSAN_SUITES)
