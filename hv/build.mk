# SPDX-License-Identifier: MIT
# Generic hypervisor code: hv_main, the self-test dispatcher and the generic self-tests.
HV_SRCS += hv/config.c hv/main.c hv/platform.c hv/selftest.c hv/version.c
