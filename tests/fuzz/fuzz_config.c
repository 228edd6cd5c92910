/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the partition configuration parser and validator (hv/config.c,
 * docs/CONFIG.md). Input: one byte choosing the machine (which PCI functions exist, how much
 * RAM), then the configuration text. Either config_parse() fails with -EINVAL and a message
 * (a line number within the text), or it gives a structure whose invariants hold:
 *   - counts within their arrays; names 1-31 of [A-Za-z0-9_-], unique; image paths and the
 *     cmdline NUL-terminated inside their fields; every guest has an image and memory;
 *   - every memory region non-empty, 4 KiB aligned, at most 64 GiB, below 2^48, and the
 *     regions of one guest disjoint; a guest lists a device at most once; quota within 1G;
 *   - every line number recorded is a line of the text.
 * config_validate() then either fails with a line of the text, or accepts only what the
 * machine has: every device exists, no device in two guests, one console owner at most, the
 * memory sum within the machine's. Any violation abort()s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/config.h>
#include <hv/errno.h>

#define FAIL(...)                                                                                                      \
	do {                                                                                                           \
		fprintf(stderr, "fuzz_config: " __VA_ARGS__);                                                          \
		fputc('\n', stderr);                                                                                   \
		abort();                                                                                               \
	} while (0)

static uint8_t machine_sel;

/* A machine with functions on bus 0 only, devices 0..(sel & 31), function 0 (and 1 if bit 5). */
static bool device_exists(void *ctx, uint16_t segment, uint8_t bus, uint8_t devfn)
{
	(void)ctx;
	return segment == 0 && bus == 0 && (devfn >> 3) <= (machine_sel & 31) &&
	       ((devfn & 7) == 0 || ((machine_sel & 32) && (devfn & 7) == 1));
}

static unsigned count_lines(const char *t, size_t n)
{
	unsigned lines = 0;

	for (size_t i = 0; i < n; i++) {
		lines += t[i] == '\n';
	}
	return lines + (n > 0 && t[n - 1] != '\n');
}

static bool terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CFG_NAME_LEN) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '-')) {
			return false;
		}
	}
	return true;
}

static void check_line(const char *what, unsigned line, unsigned lines)
{
	if (line == 0 || line > lines) {
		FAIL("%s line %u, the text has %u lines", what, line, lines);
	}
}

static void check_config(const struct hv_config *c, unsigned lines)
{
	if (c->nr_guests > CFG_MAX_GUESTS || !terminated(c->cmdline, sizeof(c->cmdline))) {
		FAIL("guest count %u or cmdline", c->nr_guests);
	}
	for (unsigned i = 0; i < c->nr_guests; i++) {
		const struct cfg_guest *g = &c->guests[i];

		check_line("guest", g->line, lines);
		if (!terminated(g->name, sizeof(g->name)) || !valid_name(g->name) ||
		    !terminated(g->image, sizeof(g->image)) || g->image[0] == '\0' || g->nr_mem == 0 ||
		    g->nr_mem > CFG_MAX_MEM || g->nr_devs > CFG_MAX_DEVS || g->pt_quota_pages == 0 ||
		    g->pt_quota_pages > (1ULL << 30) / 4096) {
			FAIL("guest %u fields", i);
		}
		if (g->console) {
			check_line("console", g->console_line, lines);
		}
		for (unsigned j = 0; j < i; j++) {
			if (strcmp(c->guests[j].name, g->name) == 0) {
				FAIL("guest '%s' twice", g->name);
			}
		}
		for (unsigned m = 0; m < g->nr_mem; m++) {
			const struct cfg_mem *r = &g->mem[m];
			uint64_t b = gpa_val(r->base);

			check_line("memory", r->line, lines);
			if (r->size == 0 || (r->size | b) & 0xfff || r->size > (64ULL << 30) || b >= (1ULL << 48) ||
			    b + r->size > (1ULL << 48)) {
				FAIL("guest '%s' memory %u: %#llx + %#llx", g->name, m, (unsigned long long)b,
				     (unsigned long long)r->size);
			}
			for (unsigned o = 0; o < m; o++) {
				uint64_t ob = gpa_val(g->mem[o].base);

				if (b < ob + g->mem[o].size && ob < b + r->size) {
					FAIL("guest '%s' memory %u overlaps %u", g->name, m, o);
				}
			}
		}
		for (unsigned d = 0; d < g->nr_devs; d++) {
			check_line("device", g->devs[d].line, lines);
			for (unsigned o = 0; o < d; o++) {
				if (g->devs[o].segment == g->devs[d].segment && g->devs[o].bus == g->devs[d].bus &&
				    g->devs[o].devfn == g->devs[d].devfn) {
					FAIL("guest '%s' lists a device twice", g->name);
				}
			}
		}
	}
}

static void check_validated(const struct hv_config *c, const struct cfg_machine *m)
{
	unsigned owners = 0;
	uint64_t total = 0;

	for (unsigned i = 0; i < c->nr_guests; i++) {
		const struct cfg_guest *g = &c->guests[i];

		owners += g->console;
		total += config_guest_mem(g);
		for (unsigned d = 0; d < g->nr_devs; d++) {
			const struct cfg_pci *p = &g->devs[d];

			if (!device_exists(NULL, p->segment, p->bus, p->devfn)) {
				FAIL("validated a device the machine does not have");
			}
			for (unsigned j = 0; j < i; j++) {
				for (unsigned od = 0; od < c->guests[j].nr_devs; od++) {
					const struct cfg_pci *q = &c->guests[j].devs[od];

					if (q->segment == p->segment && q->bus == p->bus && q->devfn == p->devfn) {
						FAIL("validated a device in two guests");
					}
				}
			}
		}
	}
	if (owners > 1 || total > m->ram_bytes) {
		FAIL("validated %u console owners, %llu bytes of memory", owners, (unsigned long long)total);
	}
}

static struct hv_config cfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_machine m = { .device_exists = device_exists };
	struct cfg_error err;
	unsigned lines;
	char *text;
	int ret;

	if (size == 0) {
		return 0;
	}
	machine_sel = data[0];
	m.ram_bytes = (uint64_t)(data[0] >> 6) << 30; /* 0..3 GiB */
	data++;
	size--;
	text = malloc(size ? size : 1); /* exact size: ASan sees a read past the end */
	memcpy(text, data, size);
	lines = count_lines(text, size);

	ret = config_parse(text, size, &cfg, &err);
	if (ret != 0) {
		if (ret != -EINVAL || err.msg[0] == '\0' || !terminated(err.msg, sizeof(err.msg)) ||
		    err.line > lines + 1) {
			FAIL("config_parse: %d, line %u of %u, '%.160s'", ret, err.line, lines, err.msg);
		}
		free(text);
		return 0;
	}
	check_config(&cfg, lines);
	ret = config_validate(&cfg, &m, &err);
	if (ret != 0) {
		if (ret != -EINVAL || err.msg[0] == '\0' || !terminated(err.msg, sizeof(err.msg)) || err.line > lines) {
			FAIL("config_validate: %d, line %u of %u", ret, err.line, lines);
		}
	} else {
		check_validated(&cfg, &m);
	}
	free(text);
	return 0;
}
