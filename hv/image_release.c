// SPDX-License-Identifier: MIT
/*
 * The release image's hv_image (include/hv/image.h): no self-tests, no test hooks. Linked only
 * into the release image (hv/build.mk HV_RELEASE_SRCS); the test image links hv/selftest.c's.
 */
#include <hv/image.h>

const struct hv_image hv_image = {
	.kind = "release",
	.build_suffix = "",
	.elf = "ioasid-hv.so",
};
