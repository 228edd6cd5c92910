// SPDX-License-Identifier: MIT
/*
 * Isolation groups against the partition configuration (include/hv/guest_groups.h).
 *
 * Why: the IOMMU tells devices apart only by requester ID. Two functions behind one
 * PCIe-to-PCI bridge both reach it as (secondary bus, devfn 0), so whichever guest's table is
 * installed for that ID translates the DMA of both: given to two guests, one guest's device
 * writes into the other's memory. Functions of a multi-function device without ACS can also
 * reach each other peer-to-peer without the IOMMU seeing it. drivers/pci/groups.c puts such
 * functions in one group; here a group may have one owner only, checked for the whole file
 * before any guest runs so a refusal names the configuration line.
 */
#include <stdio.h>

#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/exit.h>
#include <hv/guest_groups.h>
#include <hv/log.h>

static const struct pci_dev *cfg_dev(const struct pci_info *pci, const struct cfg_pci *p)
{
	return pci_find(pci, p->segment, p->bus, p->devfn);
}

/* The first device of guests[0..gi) in the same group as d, or NULL; *owner is its guest. */
static const struct cfg_pci *group_owner(const struct hv_config *cfg, const struct pci_info *pci, unsigned gi,
					 const struct pci_dev *d, const struct cfg_guest **owner)
{
	for (unsigned g = 0; g < gi; g++) {
		for (unsigned k = 0; k < cfg->guests[g].nr_devs; k++) {
			const struct cfg_pci *q = &cfg->guests[g].devs[k];
			const struct pci_dev *e = cfg_dev(pci, q);

			if (e != NULL && e->segment == d->segment && e->group == d->group) {
				*owner = &cfg->guests[g];
				return q;
			}
		}
	}
	return NULL;
}

int guest_groups_check(const struct hv_config *cfg, const struct pci_info *pci, struct cfg_error *err)
{
	for (unsigned g = 0; g < cfg->nr_guests; g++) {
		const struct cfg_guest *c = &cfg->guests[g];

		for (unsigned k = 0; k < c->nr_devs; k++) {
			const struct cfg_pci *p = &c->devs[k];
			const struct pci_dev *d = cfg_dev(pci, p);
			const struct cfg_guest *owner = NULL;
			const struct cfg_pci *q;

			if (d == NULL) {
				continue;
			}
			err->line = p->line;
			if (d->group == 0) {
				snprintf(err->msg, sizeof(err->msg),
					 "%04x:%02x:%02x.%u cannot be isolated: more than %u requester-ID aliases",
					 p->segment, p->bus, p->devfn >> 3, p->devfn & 7, PCI_MAX_DMA_ALIASES - 1);
				return -EINVAL;
			}
			q = group_owner(cfg, pci, g, d, &owner);
			if (q != NULL) {
				snprintf(err->msg, sizeof(err->msg),
					 "%04x:%02x:%02x.%u is in isolation group %u with %04x:%02x:%02x.%u, which "
					 "guest "
					 "%s owns",
					 p->segment, p->bus, p->devfn >> 3, p->devfn & 7, d->group, q->segment, q->bus,
					 q->devfn >> 3, q->devfn & 7, owner->name);
				return -EBUSY;
			}
		}
	}
	err->line = 0;
	err->msg[0] = '\0';
	return 0;
}

void guest_groups_preflight(const struct hv_config *cfg)
{
	struct cfg_error err;

	if (guest_groups_check(cfg, &hv_pci, &err) != 0) {
		pr_err("config: line %u: %s", err.line, err.msg);
		arch_exit(HV_EXIT_BOOT);
	}
}
