# SPDX-License-Identifier: MIT
# Partition configuration parser and validator (hv/config.c).
UNIT_TESTS += test_config
test_config_SRCS := tests/unit/test_config.c hv/config.c
test_config_SRCS += lib/cmdline.c

# The pre-flight (hv/config_check.c) against the real page allocator; PCI and the IOMMU lookup
# are stubs in the test.
UNIT_TESTS += test_config_check
test_config_check_SRCS := tests/unit/test_config_check.c hv/config_check.c hv/config.c lib/palloc.c lib/strerror.c arch/host/cpu.c
