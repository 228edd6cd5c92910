# SPDX-License-Identifier: MIT
#
# Users' tools (README "Your own partitions").
#   make cfgcheck    build/host/cfgcheck: the hypervisor's configuration parser and validator
#                    (hv/config.c, unchanged) built for the build machine; tools/cfgcheck runs it
#                    (docs/CONFIG.md "Checking a configuration"). No sanitizers: a user's tool;
#                    tests/qemu/test_tools.py runs it on good and bad files.

CFGCHECK := $(HOSTBUILD)/cfgcheck
CFGCHECK_SRCS := tools/cfgcheck.c hv/config.c lib/cmdline.c
.PHONY: cfgcheck
cfgcheck: $(CFGCHECK)
$(CFGCHECK): $(CFGCHECK_SRCS) $(ALL_HEADERS) mk/tools.mk
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -O2 -o $@ $(CFGCHECK_SRCS)
