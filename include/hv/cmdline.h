/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor command line (lib/cmdline.c): space-separated words, "key" or "key=value".
 */
#ifndef HV_CMDLINE_H
#define HV_CMDLINE_H

#include <hv/types.h>

/*
 * UEFI load options -> ASCII command line. Options are UCS-2 text when set by the shell or a
 * boot entry with a string, but may be opaque binary data: anything but printable ASCII (and
 * tab) gives an empty line. The shell passes argv[0] first; a first word ending in ".efi" is
 * dropped. out always ends up NUL-terminated (truncated to outsz - 1 characters).
 */
void cmdline_from_ucs2(const uint16_t *w, size_t bytes, char *out, size_t outsz);

/*
 * The command line from a text file (\ioasid-hv.cfg when it is not a partition configuration):
 * its first line, without the line ending and without a leading UTF-8 byte-order mark. As for
 * load options, anything but printable ASCII (and tab) in that line gives an empty line; the
 * return value says whether the line was taken (false: out is empty because of such a byte).
 * out always ends up NUL-terminated (truncated to outsz - 1 characters).
 */
bool cmdline_from_text(const char *t, size_t len, char *out, size_t outsz);

/*
 * Look up a word: "key" alone gives an empty value, "key=value" gives value (truncated to
 * valsz - 1). Returns true if the key is present as a whole word. val may be NULL.
 */
bool cmdline_get(const char *cmdline, const char *key, char *val, size_t valsz);

#endif /* HV_CMDLINE_H */
