# SPDX-License-Identifier: MIT
# Partition configuration parser and validator (hv/config.c).
UNIT_TESTS += test_config
test_config_SRCS := tests/unit/test_config.c hv/config.c
