/* SPDX-License-Identifier: MIT */
/*
 * The partition configuration: which guests exist, their memory, images, devices, page-table
 * quota and who owns the console. Read from \ioasid-hv.cfg on the ESP (docs/CONFIG.md).
 *
 * Two steps, both before any guest runs:
 *   config_parse()    syntax and per-line checks (unknown key, bad number, bad PCI address,
 *                     overlapping memory inside a guest, a device listed twice);
 *   config_validate() checks against the machine (a device given to two guests, a device that
 *                     does not exist, more memory than exists, two console owners).
 * Either one stops at the first problem and reports its line number and what is wrong, so the
 * boot log can say "config: line 12: device 0000:00:05.0 is also assigned to guest 'a' (line 4)".
 */
#ifndef HV_CONFIG_H
#define HV_CONFIG_H

#include <hv/types.h>

#define CFG_MAX_GUESTS 8
#define CFG_MAX_MEM 4
#define CFG_MAX_DEVS 8
#define CFG_NAME_LEN 32
#define CFG_PATH_LEN 96
#define CFG_CMDLINE_LEN 256
#define CFG_DEFAULT_QUOTA_PAGES 256 /* 1 MiB of page tables */

struct cfg_pci {
	uint16_t segment;
	uint8_t bus;
	uint8_t devfn; /* device << 3 | function */
	unsigned line;
};

struct cfg_mem {
	gpa_t base;
	uint64_t size;
	unsigned line;
};

struct cfg_guest {
	char name[CFG_NAME_LEN];
	char image[CFG_PATH_LEN];
	struct cfg_mem mem[CFG_MAX_MEM];
	unsigned nr_mem;
	struct cfg_pci devs[CFG_MAX_DEVS];
	unsigned nr_devs;
	uint64_t pt_quota_pages;
	bool console;
	unsigned line;         /* the [guest ...] header */
	unsigned console_line;
};

struct hv_config {
	char cmdline[CFG_CMDLINE_LEN];
	struct cfg_guest guests[CFG_MAX_GUESTS];
	unsigned nr_guests;
};

struct cfg_error {
	unsigned line; /* 0: not tied to a line */
	char msg[160];
};

/* Parse text[0..len) (need not be NUL-terminated). 0, or -EINVAL with err filled in. */
int config_parse(const char *text, size_t len, struct hv_config *cfg, struct cfg_error *err);

/* What the machine offers, for config_validate(). */
struct cfg_machine {
	bool (*device_exists)(void *ctx, uint16_t segment, uint8_t bus, uint8_t devfn);
	void *ctx;
	uint64_t ram_bytes; /* memory the hypervisor can give to guests */
};

int config_validate(const struct hv_config *cfg, const struct cfg_machine *m, struct cfg_error *err);

/* Total configured memory of a guest (no overflow: config_parse bounds every size). */
uint64_t config_guest_mem(const struct cfg_guest *g);

#endif /* HV_CONFIG_H */
