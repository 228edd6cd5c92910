// SPDX-License-Identifier: MIT
/*
 * Partition configuration parser and validator (include/hv/config.h, docs/CONFIG.md).
 *
 * The input is an untrusted text file: every line is bounded, every number is range-checked
 * before it is used, and the first problem stops the parse with its line number. Nothing here
 * allocates; the result is a plain struct the caller owns.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <hv/bits.h>
#include <hv/config.h>
#include <hv/errno.h>

#define CFG_LINE_MAX  255
#define CFG_ECHO_MAX  40 /* bytes of an unknown key echoed back */
#define CFG_MAX_GPA   (1ULL << 48)
#define CFG_MAX_QUOTA (1ULL << 30)

static int fail(struct cfg_error *err, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct cfg_error *err, unsigned line, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Trim [*s, *e) in place. */
static void trim(const char **s, const char **e)
{
	while (*s < *e && is_space(**s)) {
		(*s)++;
	}
	while (*e > *s && is_space((*e)[-1])) {
		(*e)--;
	}
}

static bool word_is(const char *s, const char *e, const char *w)
{
	size_t n = strlen(w);

	return (size_t)(e - s) == n && memcmp(s, w, n) == 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* An unsigned number: decimal, or hex with 0x. The whole of [s, e) must be consumed. */
static bool parse_u64(const char *s, const char *e, unsigned base_hint, uint64_t *out)
{
	unsigned base = base_hint;
	uint64_t v = 0;

	if (s >= e) {
		return false;
	}
	if (e - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; s < e; s++) {
		int d = hexval(*s);

		if (d < 0 || (unsigned)d >= base) {
			return false;
		}
		if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, (uint64_t)d, &v)) {
			return false;
		}
	}
	*out = v;
	return true;
}

/* A size: a number with an optional K, M or G suffix (binary units). */
static bool parse_size(const char *s, const char *e, uint64_t *out)
{
	unsigned shift = 0;
	uint64_t v;

	if (e > s) {
		switch (e[-1]) {
		case 'K':
		case 'k':
			shift = 10;
			break;
		case 'M':
		case 'm':
			shift = 20;
			break;
		case 'G':
		case 'g':
			shift = 30;
			break;
		default:
			break;
		}
	}
	if (shift != 0) {
		e--;
	}
	if (!parse_u64(s, e, 10, &v) || (shift != 0 && v > (~0ULL >> shift))) {
		return false;
	}
	*out = v << shift;
	return true;
}

/* [segment:]bus:device.function, all hex, e.g. 0000:00:03.0 or 00:03.0. */
static bool parse_pci(const char *s, const char *e, struct cfg_pci *p)
{
	const char *c1 = memchr(s, ':', (size_t)(e - s));
	const char *c2, *dot;
	uint64_t seg = 0, bus, dev, fn;

	if (c1 == NULL) {
		return false;
	}
	c2 = memchr(c1 + 1, ':', (size_t)(e - c1 - 1));
	if (c2 != NULL) {
		if (!parse_u64(s, c1, 16, &seg) || seg > 0xffff) {
			return false;
		}
		s = c1 + 1;
		c1 = c2;
	}
	dot = memchr(c1 + 1, '.', (size_t)(e - c1 - 1));
	if (dot == NULL || !parse_u64(s, c1, 16, &bus) || !parse_u64(c1 + 1, dot, 16, &dev) ||
	    !parse_u64(dot + 1, e, 16, &fn) || bus > 0xff || dev > 0x1f || fn > 7) {
		return false;
	}
	p->segment = (uint16_t)seg;
	p->bus = (uint8_t)bus;
	p->devfn = (uint8_t)(dev << 3 | fn);
	return true;
}

/*
 * Echo [s, e) into out for an error message: printable ASCII as is, a backslash doubled, any
 * other byte as \xNN, so a hostile file cannot put terminal control sequences into the boot
 * log. At most CFG_ECHO_MAX input bytes, then "...".
 */
static void escape(char *out, size_t outsz, const char *s, const char *e)
{
	size_t n = 0;

	for (const char *p = s; p < e && n + 5 < outsz; p++) {
		unsigned char c = (unsigned char)*p;

		if (p - s == CFG_ECHO_MAX) {
			n += (size_t)snprintf(out + n, outsz - n, "...");
			break;
		}
		if (c == '\\') {
			n += (size_t)snprintf(out + n, outsz - n, "\\\\");
		} else if (c >= 0x20 && c <= 0x7e) {
			out[n++] = (char)c;
		} else {
			n += (size_t)snprintf(out + n, outsz - n, "\\x%02x", c);
		}
	}
	out[n] = '\0';
}

static bool printable(const char *s, const char *e)
{
	for (; s < e; s++) {
		if (*s < 0x20 || *s > 0x7e) {
			return false;
		}
	}
	return true;
}

static bool copy_str(char *dst, size_t dstsz, const char *s, const char *e)
{
	size_t n = (size_t)(e - s);

	if (n == 0 || n >= dstsz) {
		return false;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

static bool valid_name(const char *s, const char *e)
{
	if (s >= e || e - s >= CFG_NAME_LEN) {
		return false;
	}
	for (; s < e; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '-')) {
			return false;
		}
	}
	return true;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int parse_header(struct hv_config *cfg, const char *s, const char *e, unsigned line,
			struct cfg_error *err)
{
	struct cfg_guest *g;

	/* s points after '[', e at ']' */
	trim(&s, &e);
	if (e - s < 5 || memcmp(s, "guest", 5) != 0 || (e - s > 5 && !is_space(s[5]))) {
		return fail(err, line, "unknown section (only [guest NAME] exists)");
	}
	s += 5;
	trim(&s, &e);
	if (!valid_name(s, e)) {
		return fail(err, line, "guest name must be 1-%d characters of A-Z a-z 0-9 _ -", CFG_NAME_LEN - 1);
	}
	for (unsigned i = 0; i < cfg->nr_guests; i++) {
		if (word_is(s, e, cfg->guests[i].name)) {
			return fail(err, line, "guest '%s' is already defined on line %u", cfg->guests[i].name,
				    cfg->guests[i].line);
		}
	}
	if (cfg->nr_guests == CFG_MAX_GUESTS) {
		return fail(err, line, "too many guests (at most %d)", CFG_MAX_GUESTS);
	}
	g = &cfg->guests[cfg->nr_guests++];
	memset(g, 0, sizeof(*g));
	copy_str(g->name, sizeof(g->name), s, e);
	g->line = line;
	g->pt_quota_pages = CFG_DEFAULT_QUOTA_PAGES;
	g->irq_routes = CFG_MAX_IRQ_ROUTES;
	return 0;
}

static int parse_memory(struct cfg_guest *g, const char *v, const char *ve, unsigned line, struct cfg_error *err)
{
	const char *at = memchr(v, '@', (size_t)(ve - v));
	const char *se = at ? at : ve, *bs;
	uint64_t size, base = 0;
	struct cfg_mem *m;

	trim(&v, &se);
	/* One allocator block per region (CFG_MAX_REGION); this also keeps every sum far from overflow. */
	if (!parse_size(v, se, &size) || size == 0 || size > CFG_MAX_REGION || !IS_ALIGNED(size, SZ_4K)) {
		return fail(err, line, "memory size must be a non-zero multiple of 4K, at most 1G per region");
	}
	if (at != NULL) {
		bs = at + 1;
		trim(&bs, &ve);
		if (!parse_u64(bs, ve, 10, &base) || !IS_ALIGNED(base, SZ_4K)) {
			return fail(err, line, "memory base must be a 4K-aligned address");
		}
	}
	if (base >= CFG_MAX_GPA || size > CFG_MAX_GPA - base) {
		return fail(err, line, "memory ends beyond the 48-bit guest-physical space");
	}
	for (unsigned i = 0; i < g->nr_mem; i++) {
		if (ranges_overlap(base, size, gpa_val(g->mem[i].base), g->mem[i].size)) {
			return fail(err, line, "memory overlaps the region on line %u", g->mem[i].line);
		}
	}
	if (g->nr_mem == CFG_MAX_MEM) {
		return fail(err, line, "too many memory regions (at most %d)", CFG_MAX_MEM);
	}
	m = &g->mem[g->nr_mem++];
	m->base = gpa(base);
	m->size = size;
	m->line = line;
	return 0;
}

static int parse_bool(const char *v, const char *ve, bool *out)
{
	if (word_is(v, ve, "yes") || word_is(v, ve, "true") || word_is(v, ve, "1")) {
		*out = true;
		return 0;
	}
	if (word_is(v, ve, "no") || word_is(v, ve, "false") || word_is(v, ve, "0")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

/*
 * cpus = LIST: comma-separated CPU numbers and ranges ("1-2", "1,3", "1,3-4"), decimal. CPU 0
 * is the boot CPU: the hypervisor keeps it (it runs guests without `cpus`, takes the IOMMUs'
 * fault interrupts and reports), so it cannot be listed.
 */
static int parse_cpus(struct cfg_guest *g, const char *v, const char *ve, unsigned line, struct cfg_error *err)
{
	uint64_t set = 0;

	if (g->cpus_line != 0) {
		return fail(err, line, "cpus is already set for guest '%s' (line %u)", g->name, g->cpus_line);
	}
	while (v < ve) {
		const char *comma = memchr(v, ',', (size_t)(ve - v));
		const char *ie = comma ? comma : ve, *dash, *a = v, *ae;
		uint64_t lo, hi;

		trim(&a, &ie);
		dash = memchr(a, '-', (size_t)(ie - a));
		ae = dash ? dash : ie;
		trim(&a, &ae);
		if (!parse_u64(a, ae, 10, &lo)) {
			return fail(err, line, "cpus must be a list of CPU numbers and ranges, e.g. 1-2 or 1,3");
		}
		hi = lo;
		if (dash != NULL) {
			const char *b = dash + 1, *be = ie;

			trim(&b, &be);
			if (!parse_u64(b, be, 10, &hi)) {
				return fail(err, line, "cpus must be a list of CPU numbers and ranges, e.g. 1-2 or 1,3");
			}
		}
		if (lo > hi) {
			return fail(err, line, "cpus range %llu-%llu is backwards", (unsigned long long)lo,
				    (unsigned long long)hi);
		}
		if (hi > CFG_MAX_CPU_NUM) {
			return fail(err, line, "CPU %llu is beyond the largest CPU number (%d)", (unsigned long long)hi,
				    CFG_MAX_CPU_NUM);
		}
		if (lo == 0) {
			return fail(err, line, "CPU 0 is the boot CPU: the hypervisor keeps it (docs/CONFIG.md)");
		}
		for (uint64_t c = lo; c <= hi; c++) {
			if (set & (1ULL << c)) {
				return fail(err, line, "CPU %llu is listed twice", (unsigned long long)c);
			}
			set |= 1ULL << c;
		}
		if (comma != NULL && comma + 1 >= ve) {
			return fail(err, line, "cpus must not end with ','");
		}
		v = comma ? comma + 1 : ve;
	}
	if (set == 0) {
		return fail(err, line, "cpus must name at least one CPU");
	}
	g->cpus = set;
	g->cpus_line = line;
	return 0;
}

static int parse_guest_key(struct cfg_guest *g, const char *k, const char *ke, const char *v, const char *ve,
			   unsigned line, struct cfg_error *err)
{
	if (word_is(k, ke, "image")) {
		if (g->image[0] != '\0') {
			return fail(err, line, "image is already set for guest '%s'", g->name);
		}
		if (!printable(v, ve) || !copy_str(g->image, sizeof(g->image), v, ve)) {
			return fail(err, line, "image path must be 1-%d printable ASCII characters", CFG_PATH_LEN - 1);
		}
		g->image_line = line;
		return 0;
	}
	if (word_is(k, ke, "memory")) {
		return parse_memory(g, v, ve, line, err);
	}
	if (word_is(k, ke, "device")) {
		struct cfg_pci p;

		if (!parse_pci(v, ve, &p)) {
			return fail(err, line, "device must be [segment:]bus:device.function in hex");
		}
		for (unsigned i = 0; i < g->nr_devs; i++) {
			if (g->devs[i].segment == p.segment && g->devs[i].bus == p.bus && g->devs[i].devfn == p.devfn) {
				return fail(err, line, "device is already listed on line %u", g->devs[i].line);
			}
		}
		if (g->nr_devs == CFG_MAX_DEVS) {
			return fail(err, line, "too many devices (at most %d)", CFG_MAX_DEVS);
		}
		p.line = line;
		g->devs[g->nr_devs++] = p;
		return 0;
	}
	if (word_is(k, ke, "pt_quota")) {
		uint64_t bytes;

		if (!parse_size(v, ve, &bytes) || bytes < SZ_4K * 4 || bytes > CFG_MAX_QUOTA) {
			return fail(err, line, "pt_quota must be between 16K and 1G");
		}
		g->pt_quota_pages = ALIGN_UP(bytes, SZ_4K) / SZ_4K;
		return 0;
	}
	if (word_is(k, ke, "irq_routes")) {
		uint64_t n;

		if (!parse_u64(v, ve, 10, &n) || n == 0 || n > CFG_MAX_IRQ_ROUTES) {
			return fail(err, line, "irq_routes must be between 1 and %d", CFG_MAX_IRQ_ROUTES);
		}
		g->irq_routes = (unsigned)n;
		return 0;
	}
	if (word_is(k, ke, "cpus")) {
		return parse_cpus(g, v, ve, line, err);
	}
	if (word_is(k, ke, "console")) {
		if (parse_bool(v, ve, &g->console) != 0) {
			return fail(err, line, "console must be yes or no");
		}
		g->console_line = line;
		return 0;
	}
	{
		char echo[4 * CFG_ECHO_MAX + 4];

		escape(echo, sizeof(echo), k, ke);
		return fail(err, line, "unknown key '%s' in guest '%s'", echo, g->name);
	}
}

static int parse_line(struct hv_config *cfg, const char *s, const char *e, unsigned line, struct cfg_error *err)
{
	const char *hash = memchr(s, '#', (size_t)(e - s));
	const char *eq, *k, *ke, *v, *ve;

	if (e - s > CFG_LINE_MAX) {
		return fail(err, line, "line longer than %d characters", CFG_LINE_MAX);
	}
	if (hash != NULL) {
		e = hash;
	}
	trim(&s, &e);
	if (s == e) {
		return 0;
	}
	if (*s == '[') {
		if (e[-1] != ']') {
			return fail(err, line, "section header must end with ']'");
		}
		return parse_header(cfg, s + 1, e - 1, line, err);
	}
	eq = memchr(s, '=', (size_t)(e - s));
	if (eq == NULL) {
		return fail(err, line, "expected 'key = value'");
	}
	k = s;
	ke = eq;
	v = eq + 1;
	ve = e;
	trim(&k, &ke);
	trim(&v, &ve);
	if (k == ke || v == ve) {
		return fail(err, line, "expected 'key = value'");
	}
	if (cfg->nr_guests > 0) {
		return parse_guest_key(&cfg->guests[cfg->nr_guests - 1], k, ke, v, ve, line, err);
	}
	if (word_is(k, ke, "cmdline")) {
		if (!printable(v, ve) || !copy_str(cfg->cmdline, sizeof(cfg->cmdline), v, ve)) {
			return fail(err, line, "cmdline must be 1-%d printable ASCII characters", CFG_CMDLINE_LEN - 1);
		}
		return 0;
	}
	{
		char echo[4 * CFG_ECHO_MAX + 4];

		escape(echo, sizeof(echo), k, ke);
		return fail(err, line, "unknown key '%s' (before any [guest NAME] only 'cmdline' is allowed)", echo);
	}
}

/* UTF-8 byte-order mark (EF BB BF), which Windows editors put at the start of text files. */
static size_t bom_len(const char *t, size_t len)
{
	return len >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

/* UTF-16 text starts with its byte-order mark, FF FE (little endian) or FE FF. */
static bool is_utf16(const char *t, size_t len)
{
	return len >= 2 && (memcmp(t, "\xff\xfe", 2) == 0 || memcmp(t, "\xfe\xff", 2) == 0);
}

bool config_is_partition(const char *t, size_t len)
{
	size_t i = bom_len(t, len);

	if (is_utf16(t, len)) {
		return true;
	}
	while (i < len) {
		size_t j = i;

		while (j < len && (t[j] == ' ' || t[j] == '\t')) {
			j++;
		}
		if ((len - j >= 6 && memcmp(t + j, "[guest", 6) == 0) ||
		    (len - j >= 7 && memcmp(t + j, "cmdline", 7) == 0)) {
			return true;
		}
		while (i < len && t[i] != '\n') {
			i++;
		}
		i++;
	}
	return false;
}

static bool has_ram_at_0(const struct cfg_guest *g)
{
	for (unsigned i = 0; i < g->nr_mem; i++) {
		if (gpa_val(g->mem[i].base) == 0) {
			return true;
		}
	}
	return false;
}

int config_parse(const char *text, size_t len, struct hv_config *cfg, struct cfg_error *err)
{
	const char *p = text, *end = text + len;
	unsigned line = 0;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	memset(err, 0, sizeof(*err));
	if (len > CFG_FILE_MAX) {
		return fail(err, 0, "the file is larger than %u bytes (64 KiB)", CFG_FILE_MAX);
	}
	if (is_utf16(text, len)) {
		return fail(err, 1, "the file is UTF-16 text; save it as UTF-8 or ASCII");
	}
	p += bom_len(text, len); /* line 1 still starts here */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		line++;
		if (memchr(p, '\0', (size_t)(le - p)) != NULL) {
			return fail(err, line, "NUL byte in configuration");
		}
		ret = parse_line(cfg, p, le, line, err);
		if (ret != 0) {
			return ret;
		}
		p = nl ? nl + 1 : end;
	}
	for (unsigned i = 0; i < cfg->nr_guests; i++) {
		const struct cfg_guest *g = &cfg->guests[i];

		if (g->image[0] == '\0') {
			return fail(err, g->line, "guest '%s' has no image", g->name);
		}
		if (g->nr_mem == 0) {
			return fail(err, g->line, "guest '%s' has no memory", g->name);
		}
		if (!has_ram_at_0(g)) {
			return fail(err, g->mem[0].line,
				    "guest '%s' has no memory at guest-physical 0 (its boot tables and image go there)",
				    g->name);
		}
	}
	return 0;
}

unsigned config_region_order(uint64_t size)
{
	unsigned order = 0;

	while ((SZ_4K << order) < size) {
		order++;
	}
	return order;
}

unsigned config_guest_vcpus(const struct cfg_guest *g)
{
	unsigned n = 0;

	/* Not __builtin_popcountll: on arm64 it calls libgcc's __popcountdi2, which uses SIMD. */
	for (uint64_t set = g->cpus; set != 0; set &= set - 1) {
		n++;
	}
	return g->cpus != 0 ? n : 1;
}

unsigned config_vcpu_cpu(const struct cfg_guest *g, unsigned k)
{
	uint64_t set = g->cpus;

	if (set == 0) {
		return 0;
	}
	for (; k > 0 && set != 0; k--) {
		set &= set - 1; /* drop the lowest CPU */
	}
	return set != 0 ? (unsigned)__builtin_ctzll(set) : 0;
}

uint64_t config_guest_mem(const struct cfg_guest *g)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < g->nr_mem; i++) {
		total += g->mem[i].size;
	}
	return total;
}

int config_validate(const struct hv_config *cfg, const struct cfg_machine *m, struct cfg_error *err)
{
	const struct cfg_guest *owner = NULL;
	uint64_t total = 0;

	memset(err, 0, sizeof(*err));
	for (unsigned i = 0; i < cfg->nr_guests; i++) {
		const struct cfg_guest *g = &cfg->guests[i];

		if (g->console) {
			if (owner != NULL) {
				return fail(err, g->console_line, "guest '%s' and guest '%s' (line %u) both own the console",
					    g->name, owner->name, owner->console_line);
			}
			owner = g;
		}
		for (unsigned d = 0; d < g->nr_devs; d++) {
			const struct cfg_pci *p = &g->devs[d];

			if (m->device_exists && !m->device_exists(m->ctx, p->segment, p->bus, p->devfn)) {
				return fail(err, p->line, "device %04x:%02x:%02x.%x does not exist", p->segment, p->bus,
					    p->devfn >> 3, p->devfn & 7);
			}
			for (unsigned j = 0; j < i; j++) {
				const struct cfg_guest *o = &cfg->guests[j];

				for (unsigned od = 0; od < o->nr_devs; od++) {
					const struct cfg_pci *q = &o->devs[od];

					if (q->segment == p->segment && q->bus == p->bus && q->devfn == p->devfn) {
						return fail(err, p->line,
							    "device %04x:%02x:%02x.%x is also assigned to guest '%s' (line %u)",
							    p->segment, p->bus, p->devfn >> 3, p->devfn & 7, o->name,
							    q->line);
					}
				}
			}
		}
		for (unsigned c = 0; c <= CFG_MAX_CPU_NUM; c++) {
			if (!(g->cpus & (1ULL << c))) {
				continue;
			}
			if (c >= m->nr_cpus) {
				return fail(err, g->cpus_line, "CPU %u does not exist (the machine lists %u CPU(s))", c,
					    m->nr_cpus);
			}
			if (m->cpu_online != NULL && !m->cpu_online(m->ctx, c)) {
				return fail(err, g->cpus_line, "CPU %u did not come up (see the smp: lines above)", c);
			}
			for (unsigned j = 0; j < i; j++) {
				if (cfg->guests[j].cpus & (1ULL << c)) {
					return fail(err, g->cpus_line, "CPU %u is also given to guest '%s' (line %u)", c,
						    cfg->guests[j].name, cfg->guests[j].cpus_line);
				}
			}
		}
		/* Each guest's memory is at most CFG_MAX_MEM * CFG_MAX_REGION: the sum cannot wrap. */
		total += config_guest_mem(g);
		if (total > m->ram_bytes) {
			return fail(err, g->line, "guests need %llu MiB of memory, the machine has %llu MiB for guests",
				    (unsigned long long)(total >> 20), (unsigned long long)(m->ram_bytes >> 20));
		}
	}
	return 0;
}
