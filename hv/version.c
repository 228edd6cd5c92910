// SPDX-License-Identifier: MIT
/* The version string, from `git describe` at build time (mk/efi.mk passes HV_VERSION). */
#include <hv/version.h>

#ifndef HV_VERSION
#define HV_VERSION "unknown"
#endif

const char hv_version[] = HV_VERSION;
