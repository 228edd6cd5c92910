// SPDX-License-Identifier: MIT
/*
 * DMA requester-ID aliases and isolation groups (include/hv/pci.h, docs/DISCOVERY.md).
 *
 * Rules (PCIe 6.0 2.2.6.2 requester IDs; PCI Express to PCI/PCI-X Bridge 1.0 2.3 and 8.2 for
 * bridges taking ownership; PCIe 6.0 7.7.8 ACS), the same as Linux's pci_for_each_dma_alias()
 * and iommu groups:
 *  - Each function's upstream bridge is the type 1 function whose secondary bus is the
 *    function's bus. Only a bridge whose secondary bus is above its own bus number counts
 *    (bus numbers grow away from the root; firmware assigns them so), which makes every
 *    upstream chain strictly descending: no walk can loop, whatever the bridge registers say.
 *  - Walking up: Root Ports and switch ports keep the ID; a PCIe-to-PCI/PCI-X bridge (type 7)
 *    replaces it by (secondary bus, devfn 0); a PCI-to-PCIe bridge (type 8) and a conventional
 *    PCI-to-PCI bridge (no PCIe capability) by their own ID. Every ID on the way may reach the
 *    IOMMU (PCI-X bridges may or may not take ownership), so all are kept.
 *  - Group: union of functions whose ID sets intersect, plus the functions of one
 *    multi-function device when one of them cannot redirect peer-to-peer requests and
 *    completions upstream (no ACS RR/CR enabled; a conventional function has no ACS). Linux
 *    groups only the functions that lack ACS; we group the whole slot, which is stricter.
 *  - A function whose alias chain does not fit PCI_MAX_DMA_ALIASES gets group 0: it cannot be
 *    routed completely, so it is never assigned (fail closed).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <hv/errno.h>
#include <hv/log.h>
#include <hv/pci.h>

static bool pci_is_bridge_above(const struct pci_dev *b, const struct pci_dev *d)
{
	return b != d && b->header_type == 1 && b->segment == d->segment && b->sec_bus == d->bus && b->sec_bus > b->bus;
}

static void pci_link_upstream(struct pci_info *pci)
{
	for (unsigned i = 0; i < pci->nr_devs; i++) {
		struct pci_dev *d = &pci->devs[i];

		d->upstream = NULL;
		for (unsigned j = 0; j < pci->nr_devs; j++) {
			if (pci_is_bridge_above(&pci->devs[j], d)) {
				d->upstream = &pci->devs[j];
				break;
			}
		}
	}
}

/* The ID transactions from below bridge b carry once b forwards them, or -1: unchanged. */
static int pci_bridge_alias(const struct pci_dev *b)
{
	if (b->cap_exp == 0) {
		return PCI_RID(b->bus, b->devfn); /* conventional PCI-to-PCI bridge */
	}
	switch (b->pcie_type) {
	case PCI_EXP_TYPE_PCI_BRIDGE:
		return PCI_RID(b->sec_bus, 0);
	case PCI_EXP_TYPE_PCIE_BRIDGE:
		return PCI_RID(b->bus, b->devfn);
	default:
		return -1; /* Root Port, switch ports: the requester ID passes unchanged */
	}
}

int pci_dma_aliases_via(const struct pci_dev *d, uint16_t *rids, const struct pci_dev **via, unsigned max)
{
	unsigned n = 0;

	if (max == 0) {
		return -EINVAL;
	}
	rids[n] = PCI_RID(d->bus, d->devfn);
	if (via != NULL) {
		via[n] = NULL;
	}
	n++;
	/* Strictly descending bus numbers (pci_is_bridge_above): at most 255 steps. */
	for (const struct pci_dev *b = d->upstream; b != NULL; b = b->upstream) {
		int a = pci_bridge_alias(b);
		bool dup = false;

		if (a < 0) {
			continue;
		}
		for (unsigned i = 0; i < n; i++) {
			dup |= rids[i] == (uint16_t)a;
		}
		if (dup) {
			continue;
		}
		if (n == max) {
			return -E2BIG;
		}
		rids[n] = (uint16_t)a;
		if (via != NULL) {
			via[n] = b;
		}
		n++;
	}
	return (int)n;
}

int pci_dma_aliases(const struct pci_dev *d, uint16_t *rids, unsigned max)
{
	return pci_dma_aliases_via(d, rids, NULL, max);
}

/* The function redirects peer-to-peer requests and completions to the root (PCIe 7.7.8). */
static bool pci_acs_isolated(const struct pci_dev *d)
{
	uint16_t need = (uint16_t)((PCI_ACS_RR | PCI_ACS_CR) & d->acs_cap);

	/*
	 * A multi-function device's function that can send peer-to-peer to its siblings must
	 * implement RR and CR (7.7.8.2); one that implements neither has no such path.
	 */
	return d->cap_exp != 0 && d->ecap_acs != 0 && (d->acs_ctrl & need) == need;
}

static bool pci_same_slot(const struct pci_dev *a, const struct pci_dev *b)
{
	return a->segment == b->segment && a->bus == b->bus && (a->devfn >> 3) == (b->devfn >> 3);
}

/* Scratch for pci_group_all (boot, one CPU): each function's IDs and union-find parent. */
static uint16_t grp_rids[PCI_MAX_DEVS][PCI_MAX_DMA_ALIASES];
static int grp_nr[PCI_MAX_DEVS];
static unsigned grp_parent[PCI_MAX_DEVS];

static unsigned grp_find(unsigned i)
{
	while (grp_parent[i] != i) {
		grp_parent[i] = grp_parent[grp_parent[i]];
		i = grp_parent[i];
	}
	return i;
}

static void grp_union(unsigned a, unsigned b)
{
	a = grp_find(a);
	b = grp_find(b);
	/* The lower index is the root, so group numbers follow enumeration order. */
	if (a < b) {
		grp_parent[b] = a;
	} else if (b < a) {
		grp_parent[a] = b;
	}
}

static bool grp_share_rid(unsigned i, unsigned j)
{
	for (int x = 0; x < grp_nr[i]; x++) {
		for (int y = 0; y < grp_nr[j]; y++) {
			if (grp_rids[i][x] == grp_rids[j][y]) {
				return true;
			}
		}
	}
	return false;
}

unsigned pci_group_all(struct pci_info *pci)
{
	unsigned nr_groups = 0;

	pci_link_upstream(pci);
	for (unsigned i = 0; i < pci->nr_devs; i++) {
		grp_parent[i] = i;
		grp_nr[i] = pci_dma_aliases(&pci->devs[i], grp_rids[i], PCI_MAX_DMA_ALIASES);
	}
	for (unsigned i = 0; i < pci->nr_devs; i++) {
		const struct pci_dev *a = &pci->devs[i];

		for (unsigned j = i + 1; j < pci->nr_devs && grp_nr[i] > 0; j++) {
			const struct pci_dev *b = &pci->devs[j];

			if (grp_nr[j] <= 0 || a->segment != b->segment) {
				continue;
			}
			if (grp_share_rid(i, j) ||
			    (pci_same_slot(a, b) && (!pci_acs_isolated(a) || !pci_acs_isolated(b)))) {
				grp_union(i, j);
			}
		}
	}
	for (unsigned i = 0; i < pci->nr_devs; i++) {
		struct pci_dev *d = &pci->devs[i];

		if (grp_nr[i] <= 0) {
			d->group = 0;
			pr_warn("pci: %04x:%02x:%02x.%u: more than %u requester-ID aliases; it cannot be assigned",
				d->segment, d->bus, d->devfn >> 3, d->devfn & 7, PCI_MAX_DMA_ALIASES - 1);
		} else if (grp_find(i) == i) {
			d->group = (uint16_t)++nr_groups;
		} else {
			d->group = pci->devs[grp_find(i)].group; /* roots come first: already numbered */
		}
	}
	return nr_groups;
}

/* Append to line[size] at *n; a line that does not fit ends in "..." (pci_log_groups). */
static void __attribute__((format(printf, 4, 5))) grp_append(char *line, size_t size, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*n >= size) {
		return;
	}
	va_start(ap, fmt);
	r = vsnprintf(line + *n, size - *n, fmt, ap);
	va_end(ap);
	*n = r < 0 ? size : *n + (size_t)r;
	if (*n >= size) {
		memcpy(line + size - 5, " ...", 5);
	}
}

void pci_log_groups(const struct pci_info *pci)
{
	for (uint16_t g = 1;; g++) {
		uint16_t seen[PCI_MAX_DMA_ALIASES * 4];
		unsigned nr_seen = 0;
		char line[200];
		size_t n = 0;
		bool found = false, mf = false;

		line[0] = '\0';
		for (unsigned i = 0; i < pci->nr_devs; i++) {
			const struct pci_dev *d = &pci->devs[i];

			if (d->group != g) {
				continue;
			}
			found = true;
			grp_append(line, sizeof(line), &n, " %04x:%02x:%02x.%u", d->segment, d->bus, d->devfn >> 3,
				   d->devfn & 7);
			for (unsigned j = 0; j < pci->nr_devs; j++) {
				const struct pci_dev *o = &pci->devs[j];

				mf |= o != d && o->group == g && pci_same_slot(d, o) &&
				      (!pci_acs_isolated(d) || !pci_acs_isolated(o));
			}
		}
		if (!found) {
			break;
		}
		for (unsigned i = 0; i < pci->nr_devs; i++) {
			const struct pci_dev *d = &pci->devs[i];
			const struct pci_dev *via[PCI_MAX_DMA_ALIASES];
			uint16_t rids[PCI_MAX_DMA_ALIASES];
			int k = d->group == g ? pci_dma_aliases_via(d, rids, via, PCI_MAX_DMA_ALIASES) : 0;

			for (int x = 1; x < k; x++) {
				bool dup = false;

				for (unsigned y = 0; y < nr_seen; y++) {
					dup |= seen[y] == rids[x];
				}
				if (dup || nr_seen == sizeof(seen) / sizeof(seen[0])) {
					continue;
				}
				seen[nr_seen++] = rids[x];
				grp_append(line, sizeof(line), &n, " (alias %02x:%02x.%u via bridge %02x:%02x.%u)",
					   rids[x] >> 8, (rids[x] >> 3) & 0x1f, rids[x] & 7, via[x]->bus,
					   via[x]->devfn >> 3, via[x]->devfn & 7);
			}
		}
		if (mf) {
			grp_append(line, sizeof(line), &n, " (multi-function without ACS isolation)");
		}
		pr_info("pci: group %u:%s", g, line);
	}
}
