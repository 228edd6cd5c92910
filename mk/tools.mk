# SPDX-License-Identifier: MIT
#
# Users' tools (README "Your own partitions").
#   make cfgcheck    build/host/cfgcheck: the hypervisor's configuration parser, validator and
#                    pre-flight (hv/config.c, hv/config_check.c, unchanged; stand-ins in
#                    tools/cfgcheck_host.c) built for the build machine; tools/cfgcheck runs it
#                    (docs/CONFIG.md "Checking a configuration"). No sanitizers: a user's tool;
#                    tests/qemu/test_tools.py runs it on good and bad files.

CFGCHECK := $(HOSTBUILD)/cfgcheck
CFGCHECK_SRCS := tools/cfgcheck.c tools/cfgcheck_host.c hv/config.c hv/config_check.c lib/cmdline.c lib/strerror.c
CFGCHECK_HDRS := tools/cfgcheck.h
.PHONY: cfgcheck
cfgcheck: $(CFGCHECK)
$(CFGCHECK): $(CFGCHECK_SRCS) $(CFGCHECK_HDRS) $(ALL_HEADERS) mk/tools.mk
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -O2 -o $@ $(CFGCHECK_SRCS)
