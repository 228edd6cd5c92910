# SPDX-License-Identifier: MIT
#
# Host ("fake arch") builds: unit tests under ASan/UBSan, the fuzzer, the benchmark.
# A test fragment tests/unit/<name>.mk adds itself like this:
#     UNIT_TESTS += test_pt
#     test_pt_SRCS := tests/unit/test_pt.c ioasid/pt.c arch/host/mm.c lib/strerror.c
#     test_pt_CFLAGS :=        (optional)

HOST_CC ?= gcc
HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	-Wno-missing-field-initializers -fno-omit-frame-pointer -Iinclude -Iarch/host/include -I. -DHV_HOST=1
HOST_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all

UNIT_TESTS :=
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
