/* SPDX-License-Identifier: MIT */
/*
 * Which image this is, and the few places where generic code calls into test code.
 *
 * There are two images per arch (README "Images", docs/ARCHITECTURE.md "Build"), linked from
 * the same objects: the release image, the one to ship, and the test image, which adds the
 * self-tests (include/hv/selftest.h), the test hooks and the drivers' *_debug_* hooks (Hafnium's
 * "testonly" targets). The choice is made by file selection at link time, not by #ifdef: exactly
 * one definition of hv_image is linked, hv/selftest.c in the test image, hv/image_release.c (every
 * hook NULL) in the release image. Generic code asks hv_image and never names a test function,
 * so a release image cannot reach test code even by a stray call (it would not link).
 */
#ifndef HV_IMAGE_H
#define HV_IMAGE_H

#include <hv/bootinfo.h>
#include <hv/compiler.h>

struct hv_image {
	const char *kind; /* "release" or "test"; hv_main logs "boot: <kind> image" */
	/*
	 * The linked ELF with symbols, build/<arch>[-clang]<build_suffix>/<elf>: what exception
	 * dumps name for addr2line and gdb (mk/efi.mk).
	 */
	const char *build_suffix;
	const char *elf;
	/*
	 * hv_main, for "selftest=<name>": run that self-test and exit with its verdict (never
	 * returns). NULL in the release image: hv_main then refuses the request (HV_EXIT_FAIL).
	 */
	__noreturn void (*run_test)(const char *name, const struct bootinfo *bi);
	/*
	 * boot/, before ExitBootServices: true if the command line asks for a deliberately stale
	 * map key on the first attempt ("boot.stale_key"), so the retry path runs. NULL in the
	 * release image, which always passes the right key.
	 */
	bool (*stale_map_key)(const char *cmdline);
};

extern const struct hv_image hv_image;

#endif /* HV_IMAGE_H */
