// SPDX-License-Identifier: MIT
/*
 * PCI enumeration over ECAM (see include/hv/pci.h).
 *
 * Assumptions:
 *  - The firmware has assigned bus numbers and BAR addresses (UEFI PCI bus driver); we read
 *    them, never reprogram them. The walk covers every bus of every MCFG window, so devices
 *    behind bridges are found whatever the bridge programming, and it is bounded by the
 *    windows' bus ranges (at most 256 x 32 x 8 probes per window).
 *  - ECAM (PCIe 6.0 7.2.2): function (bus, dev, fn) has 4 KiB at base + (bus << 20 | dev << 15 |
 *    fn << 12). An absent function reads Vendor ID 0xffff (7.5.1.1.1).
 *  - BAR sizing (7.5.1.2.1) writes all-ones to a BAR and reads back the size mask, which would
 *    make the device decode a bogus range if Memory/IO Space were enabled, so decode is turned
 *    off in the Command register (a 16-bit write: a 32-bit one would also write Status, whose
 *    RW1C bits we must not clear) for the duration and restored after.
 *  - Capability lists are walked with a bound (48 standard entries fit in 192 bytes; at most
 *    960 extended ones in 3840 bytes), so a looping list cannot hang the boot.
 */
#include <stdio.h>
#include <string.h>

#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/mmio.h>
#include <hv/pci.h>

struct pci_info hv_pci;

#define PCI_MAX_STD_CAPS 48
#define PCI_MAX_EXT_CAPS ((PCI_CFG_SIZE - PCI_EXT_CAP_START) / 4)
#define PCI_CAP_MIN_OFF	 0x40 /* capabilities live after the 64-byte header */

static uint32_t ecam_mmio_read(void *ctx, uint64_t addr, unsigned width)
{
	(void)ctx;
	switch (width) {
	case 1:
		return mmio_read8((uintptr_t)addr);
	case 2:
		return mmio_read16((uintptr_t)addr);
	default:
		return mmio_read32((uintptr_t)addr);
	}
}

static void ecam_mmio_write(void *ctx, uint64_t addr, unsigned width, uint32_t val)
{
	(void)ctx;
	switch (width) {
	case 1:
		mmio_write8((uintptr_t)addr, (uint8_t)val);
		break;
	case 2:
		mmio_write16((uintptr_t)addr, (uint16_t)val);
		break;
	default:
		mmio_write32((uintptr_t)addr, val);
		break;
	}
}

static const struct pci_cfg_ops ecam_mmio_ops = { ecam_mmio_read, ecam_mmio_write, NULL };
static const struct pci_cfg_ops *cfg = &ecam_mmio_ops;

void pci_set_cfg_ops(const struct pci_cfg_ops *ops)
{
	cfg = ops != NULL ? ops : &ecam_mmio_ops;
}

/* One function's configuration space, located once. */
struct pci_fn {
	uint64_t base; /* ECAM address of offset 0 */
};

static uint64_t ecam_fn_base(const struct acpi_mcfg_seg *s, uint8_t bus, uint8_t devfn)
{
	return hpa_val(s->base) + ((uint64_t)bus << 20) + ((uint64_t)devfn << 12);
}

static uint32_t rd(const struct pci_fn *f, uint16_t off, unsigned width)
{
	return cfg->read(cfg->ctx, f->base + off, width);
}

static void wr(const struct pci_fn *f, uint16_t off, unsigned width, uint32_t v)
{
	cfg->write(cfg->ctx, f->base + off, width, v);
}

/* Size BAR i (7.5.1.2.1); returns how many BAR slots it used (2 for a 64-bit BAR). */
static unsigned pci_size_bar(const struct pci_fn *f, struct pci_bar *b, unsigned i, unsigned nr_bars)
{
	uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
	uint32_t lo = rd(f, off, 4), lo_mask, hi = 0, hi_mask = 0;
	uint64_t mask;

	memset(b, 0, sizeof(*b));
	if (lo & PCI_BAR_IO) {
		wr(f, off, 4, 0xffffffff);
		lo_mask = rd(f, off, 4) & ~3u;
		wr(f, off, 4, lo);
		if (lo_mask == 0) {
			return 1;
		}
		/* 16-bit I/O decoders return zeros in the upper half (7.5.1.2.1). */
		if ((lo_mask & 0xffff0000u) == 0) {
			lo_mask |= 0xffff0000u;
		}
		b->flags = PCI_BAR_F_IO;
		b->base = lo & ~3u;
		b->size = (uint32_t)(~lo_mask + 1);
		return 1;
	}
	if ((lo & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_64 && i + 1 < nr_bars) {
		hi = rd(f, off + 4, 4);
		wr(f, off, 4, 0xffffffff);
		wr(f, off + 4, 4, 0xffffffff);
		lo_mask = rd(f, off, 4);
		hi_mask = rd(f, off + 4, 4);
		wr(f, off, 4, lo);
		wr(f, off + 4, 4, hi);
		mask = ((uint64_t)hi_mask << 32 | lo_mask) & ~0xfull;
		/*
		 * Address bits the device does not implement read back as zero; if the upper half
		 * has none, the BAR cannot move above 4 GiB and its size is in the lower half.
		 */
		if (hi_mask == 0 && mask != 0) {
			mask |= 0xffffffff00000000ull;
		}
		b->flags = PCI_BAR_F_64;
		b->base = ((uint64_t)hi << 32 | lo) & ~0xfull;
		b->size = mask ? ~mask + 1 : 0;
	} else {
		wr(f, off, 4, 0xffffffff);
		lo_mask = rd(f, off, 4) & ~0xfu;
		wr(f, off, 4, lo);
		b->base = lo & ~0xfu;
		b->size = lo_mask ? (uint32_t)(~lo_mask + 1) : 0;
	}
	if (lo & PCI_BAR_PREFETCH) {
		b->flags |= PCI_BAR_F_PREFETCH;
	}
	if (b->size == 0) {
		b->flags = 0;
		b->base = 0;
	}
	return (b->flags & PCI_BAR_F_64) || (lo & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_64 ? 2 : 1;
}

static void pci_size_bars(const struct pci_fn *f, struct pci_dev *d)
{
	unsigned nr = d->header_type == 0 ? 6 : 2;
	uint16_t cmd = (uint16_t)rd(f, PCI_COMMAND, 2);

	if (cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEM)) {
		wr(f, PCI_COMMAND, 2, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEM));
	}
	for (unsigned i = 0; i < nr;) {
		i += pci_size_bar(f, &d->bars[i], i, nr);
	}
	if (cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEM)) {
		wr(f, PCI_COMMAND, 2, cmd);
	}
}

static void pci_walk_caps(const struct pci_fn *f, struct pci_dev *d)
{
	unsigned n;
	uint16_t off;

	if (!(rd(f, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST)) {
		return;
	}
	off = rd(f, PCI_CAP_PTR, 1) & 0xfc;
	for (n = 0; off != 0 && n < PCI_MAX_STD_CAPS; n++) {
		uint8_t id;

		if (off < PCI_CAP_MIN_OFF) {
			d->cap_list_bad = true;
			break;
		}
		id = (uint8_t)rd(f, off, 1);
		switch (id) {
		case PCI_CAP_ID_MSI:
			d->cap_msi = (uint8_t)off;
			break;
		case PCI_CAP_ID_MSIX:
			d->cap_msix = (uint8_t)off;
			/* Message Control bits 10:0: table size minus one. */
			d->msix_table_size = (uint16_t)((rd(f, off + 2, 2) & 0x7ff) + 1);
			break;
		case PCI_CAP_ID_EXP:
			d->cap_exp = (uint8_t)off;
			d->pcie_type = (uint8_t)((rd(f, off + 2, 2) >> 4) & 0xf);
			break;
		default:
			break;
		}
		off = rd(f, off + 1, 1) & 0xfc;
	}
	if (off != 0 && n == PCI_MAX_STD_CAPS) {
		d->cap_list_bad = true;
	}
	if (d->cap_exp == 0) {
		return; /* conventional PCI: no extended configuration space */
	}
	/* 7.6.3 extended capability header: ID 15:0, version 19:16, next offset 31:20. */
	off = PCI_EXT_CAP_START;
	for (n = 0; n < PCI_MAX_EXT_CAPS; n++) {
		uint32_t hdr = rd(f, off, 4);
		uint16_t next;

		if (hdr == 0 || hdr == 0xffffffff) {
			break;
		}
		switch (hdr & 0xffff) {
		case PCI_EXT_CAP_ID_ATS:
			d->ecap_ats = off;
			break;
		case PCI_EXT_CAP_ID_PASID:
			d->ecap_pasid = off;
			break;
		case PCI_EXT_CAP_ID_PRI:
			d->ecap_pri = off;
			break;
		case PCI_EXT_CAP_ID_ACS:
			d->ecap_acs = off;
			d->acs_cap = (uint16_t)rd(f, off + PCI_ACS_CAP, 2);
			d->acs_ctrl = (uint16_t)rd(f, off + PCI_ACS_CTRL, 2);
			break;
		default:
			break;
		}
		next = (uint16_t)((hdr >> 20) & 0xffc);
		if (next == 0) {
			break;
		}
		if (next < PCI_EXT_CAP_START) {
			d->cap_list_bad = true;
			break;
		}
		off = next;
	}
	if (n == PCI_MAX_EXT_CAPS) {
		d->cap_list_bad = true;
	}
}

static void pci_probe_fn(struct pci_info *pci, const struct acpi_mcfg_seg *s, uint8_t bus, uint8_t devfn, uint32_t id)
{
	struct pci_fn f = { ecam_fn_base(s, bus, devfn) };
	struct pci_dev *d;
	uint32_t cr;
	uint8_t ht;

	if (pci->nr_devs == PCI_MAX_DEVS) {
		pci->nr_dropped++;
		return;
	}
	d = &pci->devs[pci->nr_devs++];
	memset(d, 0, sizeof(*d));
	d->segment = s->segment;
	d->bus = bus;
	d->devfn = devfn;
	d->vendor = (uint16_t)id;
	d->device = (uint16_t)(id >> 16);
	cr = rd(&f, PCI_CLASS_REV, 4);
	d->revision = (uint8_t)cr;
	d->class_code = cr >> 8;
	ht = (uint8_t)rd(&f, PCI_HEADER_TYPE, 1);
	d->header_type = ht & PCI_HEADER_MASK;
	d->multifunction = (ht & PCI_HEADER_MULTI) != 0;
	if (d->header_type == 1) {
		d->sec_bus = (uint8_t)rd(&f, PCI_SECONDARY_BUS, 1);
		d->sub_bus = (uint8_t)rd(&f, PCI_SUBORDINATE_BUS, 1);
	}
	if (d->header_type <= 1) {
		pci_size_bars(&f, d);
		pci_walk_caps(&f, d);
	}
}

static void pci_scan_bus(struct pci_info *pci, const struct acpi_mcfg_seg *s, uint8_t bus)
{
	for (uint8_t dev = 0; dev < 32; dev++) {
		unsigned nfn = 1;

		for (uint8_t fn = 0; fn < nfn; fn++) {
			uint8_t devfn = (uint8_t)(dev << 3 | fn);
			struct pci_fn f = { ecam_fn_base(s, bus, devfn) };
			uint32_t id = rd(&f, PCI_VENDOR_ID, 4);

			if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0) {
				continue; /* absent (7.5.1.1.1); 0 is not a valid vendor either */
			}
			if (fn == 0 && (rd(&f, PCI_HEADER_TYPE, 1) & PCI_HEADER_MULTI)) {
				nfn = 8;
			}
			pci_probe_fn(pci, s, bus, devfn, id);
		}
	}
}

int pci_enumerate(struct pci_info *pci, const struct acpi_info *acpi)
{
	int ret = 0;

	memset(pci, 0, sizeof(*pci));
	if (acpi->nr_mcfg == 0) {
		ret = -ENODEV;
		goto out;
	}
	for (unsigned i = 0; i < acpi->nr_mcfg; i++) {
		const struct acpi_mcfg_seg *s = &acpi->mcfg[i];
		unsigned nbus = (unsigned)s->end_bus - s->start_bus + 1;

		ret = arch_map_mmio(hpa(ecam_fn_base(s, s->start_bus, 0)), (uint64_t)nbus << 20);
		if (ret != 0) {
			pr_err("pci: cannot map ECAM seg %u at 0x%llx (%s)", s->segment,
			       (unsigned long long)hpa_val(s->base), hv_strerror(ret));
			goto out;
		}
		pci->nr_segments++;
		for (unsigned bus = s->start_bus; bus <= s->end_bus; bus++) {
			pci_scan_bus(pci, s, (uint8_t)bus);
		}
	}
	if (pci->nr_dropped != 0) {
		pr_warn("pci: %u functions beyond the first %u ignored", pci->nr_dropped, PCI_MAX_DEVS);
	}
	/* Upstream bridges, requester-ID aliases and isolation groups (drivers/pci/groups.c). */
	(void)pci_group_all(pci);
out:
	return ret;
}

const struct pci_dev *pci_find(const struct pci_info *pci, uint16_t segment, uint8_t bus, uint8_t devfn)
{
	for (unsigned i = 0; i < pci->nr_devs; i++) {
		const struct pci_dev *d = &pci->devs[i];

		if (d->segment == segment && d->bus == bus && d->devfn == devfn) {
			return d;
		}
	}
	return NULL;
}

const struct pci_dev *pci_find_id(const struct pci_info *pci, uint16_t vendor, uint16_t device)
{
	for (unsigned i = 0; i < pci->nr_devs; i++) {
		if (pci->devs[i].vendor == vendor && pci->devs[i].device == device) {
			return &pci->devs[i];
		}
	}
	return NULL;
}

uint32_t pci_cfg_read(const struct acpi_info *acpi, uint16_t segment, uint8_t bus, uint8_t devfn, uint16_t off,
		      unsigned width)
{
	const struct acpi_mcfg_seg *s = acpi_mcfg_find(acpi, segment, bus);
	struct pci_fn f;

	if (s == NULL || (width != 1 && width != 2 && width != 4) || off % width != 0 || off >= PCI_CFG_SIZE) {
		return 0xffffffffu; /* what an absent function reads */
	}
	f.base = ecam_fn_base(s, bus, devfn);
	return rd(&f, off, width);
}

int pci_cfg_write(const struct acpi_info *acpi, uint16_t segment, uint8_t bus, uint8_t devfn, uint16_t off,
		  unsigned width, uint32_t val)
{
	const struct acpi_mcfg_seg *s = acpi_mcfg_find(acpi, segment, bus);
	struct pci_fn f;

	if (s == NULL) {
		return -ENODEV;
	}
	if ((width != 1 && width != 2 && width != 4) || off % width != 0 || off >= PCI_CFG_SIZE) {
		return -EINVAL;
	}
	f.base = ecam_fn_base(s, bus, devfn);
	wr(&f, off, width, val);
	return 0;
}

/* Resolve one scope on segment seg (VT-d 8.3.2). */
static bool pci_resolve_scope(struct acpi_dmar_scope *sc, uint16_t seg, const struct pci_info *pci)
{
	uint8_t bus = sc->start_bus;
	const struct pci_dev *d;

	if (sc->type != ACPI_SCOPE_PCI_ENDPOINT && sc->type != ACPI_SCOPE_PCI_BRIDGE) {
		return sc->resolved;
	}
	for (unsigned i = 0; i + 1 < sc->path_len; i++) {
		d = pci_find(pci, seg, bus, (uint8_t)(sc->path[i][0] << 3 | sc->path[i][1]));
		if (d == NULL || d->header_type != 1 || d->sec_bus == 0) {
			return false;
		}
		bus = d->sec_bus;
	}
	sc->bus = bus;
	sc->devfn = (uint8_t)(sc->path[sc->path_len - 1][0] << 3 | sc->path[sc->path_len - 1][1]);
	if (sc->type == ACPI_SCOPE_PCI_BRIDGE) {
		d = pci_find(pci, seg, sc->bus, sc->devfn);
		if (d != NULL && d->header_type == 1) {
			sc->sec_bus = d->sec_bus;
			sc->sub_bus = d->sub_bus;
		}
	}
	/* An endpoint that is absent (hot-pluggable slot) still names a valid source-id. */
	sc->resolved = true;
	return true;
}

static unsigned pci_resolve_range(struct acpi_dmar *d, uint16_t seg, uint16_t first, uint16_t nr,
				  const struct pci_info *pci)
{
	unsigned ok = 0;

	for (unsigned j = first; j < (unsigned)first + nr && j < d->nr_scopes; j++) {
		struct acpi_dmar_scope *sc = &d->scopes[j];

		if (pci_resolve_scope(sc, seg, pci)) {
			ok++;
		} else {
			pr_warn("dmar: scope bus %02x path %02x.%u (%u hops) does not resolve", sc->start_bus,
				sc->path[0][0], sc->path[0][1], sc->path_len);
		}
	}
	return ok;
}

unsigned pci_resolve_dmar_scopes(struct acpi_info *acpi, const struct pci_info *pci)
{
	struct acpi_dmar *d = &acpi->dmar;
	unsigned ok = 0;

	for (unsigned i = 0; i < d->nr_drhd; i++) {
		ok += pci_resolve_range(d, d->drhd[i].segment, d->drhd[i].first_scope, d->drhd[i].nr_scopes, pci);
	}
	for (unsigned i = 0; i < d->nr_rmrr; i++) {
		ok += pci_resolve_range(d, d->rmrr[i].segment, d->rmrr[i].first_scope, d->rmrr[i].nr_scopes, pci);
	}
	for (unsigned i = 0; i < d->nr_atsr; i++) {
		ok += pci_resolve_range(d, d->atsr[i].segment, d->atsr[i].first_scope, d->atsr[i].nr_scopes, pci);
	}
	return ok;
}

void pci_log(const struct pci_info *pci)
{
	pr_info("pci: %u functions on %u segment(s)", pci->nr_devs, pci->nr_segments);
	for (unsigned i = 0; i < pci->nr_devs; i++) {
		const struct pci_dev *d = &pci->devs[i];
		char extra[96];
		int n = 0;

		extra[0] = '\0';
		if (d->header_type == 1) {
			n += snprintf(extra + n, sizeof(extra) - (size_t)n, " bridge [%02x-%02x]", d->sec_bus,
				      d->sub_bus);
		}
		if (d->cap_msi || d->cap_msix || d->cap_exp || d->ecap_ats || d->ecap_pasid || d->ecap_pri) {
			n += snprintf(extra + n, sizeof(extra) - (size_t)n, " caps%s%s%s%s%s%s",
				      d->cap_msi ? " msi" : "", d->cap_msix ? " msix" : "", d->cap_exp ? " pcie" : "",
				      d->ecap_ats ? " ats" : "", d->ecap_pasid ? " pasid" : "",
				      d->ecap_pri ? " pri" : "");
		}
		if (d->cap_list_bad && n >= 0 && (size_t)n < sizeof(extra)) {
			snprintf(extra + n, sizeof(extra) - (size_t)n, " (bad cap list)");
		}
		pr_info("pci %04x:%02x:%02x.%u %04x:%04x class %06x rev %02x%s", d->segment, d->bus, d->devfn >> 3,
			d->devfn & 7, d->vendor, d->device, d->class_code, d->revision, extra);
		for (unsigned b = 0; b < PCI_NR_BARS; b++) {
			const struct pci_bar *bar = &d->bars[b];

			if (bar->size != 0) {
				pr_info("pci %04x:%02x:%02x.%u   bar%u %s%s 0x%llx size 0x%llx", d->segment, d->bus,
					d->devfn >> 3, d->devfn & 7, b, (bar->flags & PCI_BAR_F_IO) ? "io" : "mem",
					(bar->flags & PCI_BAR_F_64) ? "64" : "", (unsigned long long)bar->base,
					(unsigned long long)bar->size);
			}
		}
	}
}
