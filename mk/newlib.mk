# SPDX-License-Identifier: MIT
#
# newlib for the target, built once per arch from Debian's newlib-source tarball and cached in
# build/newlib-$(ARCH)/ (delete that directory to rebuild). Only the FP-free parts are built:
#
#   string, ctype, errno, reent, locale, misc   whole directories
#   stdio                                       formatted I/O with long long and C99 sizes (%llx,
#                                               %zu, %jd) but without floating point
#                                               (--disable-newlib-io-float). Not the nano printf:
#                                               it ignores "ll"/"z" and prints garbage for them.
#   stdlib                                      the integer subset below (strto*, abs/div, malloc)
#   search                                      qsort, bsearch
#
# Why a subset: everything is compiled with $(NEWLIB_CFLAGS), which forbid FP/SIMD registers
# (-mgeneral-regs-only), so hypervisor code can never clobber a guest's FP/SIMD state. The
# double-returning parts of libc (strtod, atof, dtoa, difftime, ...) cannot be compiled that way
# at all, and we have no use for them. Configuring takes ~20 s, building ~15 s on two cores.
#
# Inputs (from mk/$(ARCH).mk): CROSS, NEWLIB_HOST, NEWLIB_CFLAGS.
# Outputs: $(NEWLIB_INC) (headers) and $(NEWLIB_LIBC) (libc.a).

NEWLIB_TARBALL ?= /usr/src/newlib/newlib-3.3.0.tar.xz
NEWLIB_DIR := build/newlib-$(ARCH)
NEWLIB_INC := $(NEWLIB_DIR)/include
NEWLIB_LIBC := $(NEWLIB_DIR)/lib/libc.a

NEWLIB_WHOLE_DIRS := string ctype errno reent locale misc stdio
NEWLIB_STDLIB_OBJS := strtol strtoul strtoll strtoull strtoll_r strtoull_r strtoimax strtoumax \
	atoi atol atoll abs labs llabs imaxabs div ldiv lldiv imaxdiv itoa utoa \
	malloc calloc realloc mlock nano-mallocr nano-freer nano-reallocr nano-callocr \
	nano-malignr nano-msizer nano-mallinfor nano-mallstatsr nano-malloptr nano-vallocr \
	nano-pvallocr nano-cfreer aligned_alloc reallocarray \
	mbtowc_r wctomb_r btowc mbrtowc wcrtomb sb_charsets environ
NEWLIB_SEARCH_OBJS := qsort bsearch

NEWLIB_CONFIGURE_FLAGS := --host=$(NEWLIB_HOST) --target=$(NEWLIB_HOST) \
	--build=$(shell uname -m)-linux-gnu --disable-multilib \
	--disable-newlib-nano-formatted-io --enable-newlib-io-long-long --enable-newlib-io-c99-formats \
	--enable-newlib-nano-malloc --disable-newlib-io-float \
	--disable-newlib-supplied-syscalls --disable-newlib-fvwrite-in-streamio \
	--disable-newlib-wide-orient --enable-newlib-global-atexit --enable-lite-exit \
	--disable-newlib-multithread --enable-newlib-reent-small

# The recipe runs in one shell so the wrapper directory stays on PATH. newlib's configure looks
# for $(NEWLIB_HOST)-gcc, -ar, ...; the wrappers point those at $(CROSS)gcc and friends.
$(NEWLIB_LIBC): | $(NEWLIB_TARBALL)
	@echo "  NEWLIB  $(NEWLIB_DIR) (once per arch; cached)"
	$(Q)set -e; top=$$(pwd)/$(NEWLIB_DIR); rm -rf $$top; mkdir -p $$top/bin $$top/obj $$top/lib; \
	for t in gcc cc ar as ld nm ranlib objcopy objdump readelf strip; do \
		real=$(CROSS)$$t; [ $$t = cc ] && real=$(CROSS)gcc; \
		printf '#!/bin/sh\nexec %s "$$@"\n' "$$real" > $$top/bin/$(NEWLIB_HOST)-$$t; \
		chmod +x $$top/bin/$(NEWLIB_HOST)-$$t; \
	done; \
	tar -C $$top -xf $(NEWLIB_TARBALL); src=$$(ls -d $$top/newlib-*); \
	export PATH=$$top/bin:$$PATH; \
	cd $$top/obj; \
	$$src/newlib/configure $(NEWLIB_CONFIGURE_FLAGS) CFLAGS="$(NEWLIB_CFLAGS)" \
		> $$top/configure.log 2>&1 || { tail -30 $$top/configure.log; exit 1; }; \
	$(MAKE) --no-print-directory stmp-targ-include > $$top/build.log 2>&1; \
	nlcc="$(CROSS)gcc -I$$top/obj/targ-include -I$$src/newlib/libc/include"; \
	for d in $(NEWLIB_WHOLE_DIRS); do \
		$(MAKE) --no-print-directory -C libc/$$d lib.a CC="$$nlcc" >> $$top/build.log 2>&1 \
			|| { tail -30 $$top/build.log; exit 1; }; \
	done; \
	$(MAKE) --no-print-directory -C libc/stdlib CC="$$nlcc" \
		$(addprefix lib_a-,$(addsuffix .o,$(NEWLIB_STDLIB_OBJS))) >> $$top/build.log 2>&1 \
		|| { tail -30 $$top/build.log; exit 1; }; \
	$(MAKE) --no-print-directory -C libc/search CC="$$nlcc" \
		$(addprefix lib_a-,$(addsuffix .o,$(NEWLIB_SEARCH_OBJS))) >> $$top/build.log 2>&1 \
		|| { tail -30 $$top/build.log; exit 1; }; \
	rm -f $$top/lib/libc.a; \
	for d in $(NEWLIB_WHOLE_DIRS); do $(CROSS)ar qc $$top/lib/libc.a libc/$$d/*.o; done; \
	$(CROSS)ar qc $$top/lib/libc.a $(addprefix libc/stdlib/lib_a-,$(addsuffix .o,$(NEWLIB_STDLIB_OBJS))) \
		$(addprefix libc/search/lib_a-,$(addsuffix .o,$(NEWLIB_SEARCH_OBJS))); \
	$(CROSS)ranlib $$top/lib/libc.a; \
	mkdir -p $$top/include; cp -r $$src/newlib/libc/include/. $$top/include/; \
	cp -r targ-include/. $$top/include/; \
	rm -rf $$src

newlib: $(NEWLIB_LIBC)
.PHONY: newlib
