// SPDX-License-Identifier: MIT
/* Command-line helpers; see include/hv/cmdline.h. */
#include <string.h>
#include <strings.h>

#include <hv/cmdline.h>

void cmdline_from_ucs2(const uint16_t *w, size_t bytes, char *out, size_t outsz)
{
	size_t n = 0, len = bytes / sizeof(uint16_t);
	char *sp;

	if (outsz == 0) {
		return;
	}
	out[0] = '\0';
	if (w == NULL || bytes < sizeof(uint16_t) || bytes % sizeof(uint16_t) != 0) {
		return;
	}
	for (size_t i = 0; i < len && w[i] != 0; i++) {
		if (w[i] > 0x7e || (w[i] < 0x20 && w[i] != '\t')) {
			out[0] = '\0';
			return;
		}
		if (n + 1 < outsz) {
			out[n++] = (char)w[i];
		}
	}
	out[n] = '\0';
	sp = strpbrk(out, " \t");
	if (sp == NULL) {
		if (n >= 4 && strcasecmp(out + n - 4, ".efi") == 0) {
			out[0] = '\0';
		}
		return;
	}
	if (sp - out >= 4 && strncasecmp(sp - 4, ".efi", 4) == 0) {
		sp += strspn(sp, " \t");
		memmove(out, sp, strlen(sp) + 1);
	}
}

bool cmdline_from_text(const char *t, size_t len, char *out, size_t outsz)
{
	size_t n = 0;

	if (outsz == 0) {
		return false;
	}
	out[0] = '\0';
	if (len >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0) {
		t += 3; /* UTF-8 byte-order mark (Windows editors write one) */
		len -= 3;
	}
	for (size_t i = 0; i < len && t[i] != '\n' && t[i] != '\r'; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c > 0x7e || (c < 0x20 && c != '\t')) {
			out[0] = '\0';
			return false;
		}
		if (n + 1 < outsz) {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	return true;
}

bool cmdline_get(const char *cmdline, const char *key, char *val, size_t valsz)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	if (val != NULL && valsz > 0) {
		val[0] = '\0';
	}
	while (*p != '\0') {
		size_t wlen;

		p += strspn(p, " \t");
		wlen = strcspn(p, " \t");
		if (wlen >= klen && strncmp(p, key, klen) == 0 && (wlen == klen || p[klen] == '=')) {
			if (wlen > klen && val != NULL && valsz > 0) {
				size_t vlen = wlen - klen - 1;

				if (vlen > valsz - 1) {
					vlen = valsz - 1;
				}
				memcpy(val, p + klen + 1, vlen);
				val[vlen] = '\0';
			}
			return true;
		}
		p += wlen;
	}
	return false;
}
