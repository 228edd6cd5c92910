// SPDX-License-Identifier: MIT
/*
 * tools/cfgcheck: what the pre-flight (hv/config_check.c config_preflight, linked unchanged)
 * asks of the hypervisor, stood in for on the build machine from a machine description
 * (docs/CONFIG.md "Checking a configuration"):
 *
 *   - the loaded files: the guest images cfgcheck read from the files the user named
 *     (bootinfo, built by tools/cfgcheck.c);
 *   - PCI: the functions of the description, without BARs (the BAR-inside-RAM check needs the
 *     firmware's BAR addresses, which only a boot shows);
 *   - the IOMMU: one unit that translates every function, with the input width and table format
 *     of the description (q35: VT-d second-level tables, 48 bits; virt: SMMUv3 stage 2, 44
 *     bits, as their boot logs say), no RMRRs;
 *   - the GPAs of the guests' virtual hardware (guest_arch_gpa_hole): the arm64 vGIC frames on
 *     virt (the description whose IOMMU builds PT_FMT_ARM_S2 tables), none on q35;
 *   - the page allocator: one contiguous range of the description's memory for guests, handing
 *     out naturally aligned blocks first-fit like lib/palloc.c. The real memory comes in several
 *     ranges with the hypervisor's own pages taken out of them, so the dry run here is
 *     approximate: a configuration it refuses is refused at boot, one it accepts may still fail
 *     the real dry run when it is close to the limit.
 */
#include <stdint.h>
#include <string.h>

#include <hv/config.h>
#include <hv/errno.h>
#include <hv/guest.h>
#include <hv/mm.h>
#include <hv/pci.h>

#include "ioasid/backend.h"
#include "tools/cfgcheck.h"

struct pci_info hv_pci;
static bool arm64_vgic;

void guest_arch_gpa_hole(uint64_t *base, uint64_t *end)
{
	*base = arm64_vgic ? GUEST_VGIC_BASE : 0;
	*end = arm64_vgic ? GUEST_VGIC_END : 0;
}

const struct pci_dev *pci_find(const struct pci_info *pci, uint16_t segment, uint8_t bus, uint8_t devfn)
{
	for (unsigned i = 0; i < pci->nr_devs; i++) {
		const struct pci_dev *p = &pci->devs[i];

		if (p->segment == segment && p->bus == bus && p->devfn == devfn) {
			return p;
		}
	}
	return NULL;
}

/* ---- the IOMMU: one unit for every device ---- */

static struct ioasid_dev_caps unit_caps;

static int unit_get_caps(struct hv_iommu *u, const struct hv_device *d, struct ioasid_dev_caps *caps)
{
	(void)u;
	(void)d;
	*caps = unit_caps;
	return 0;
}

static const struct ioasid_backend_ops unit_ops = { .get_caps = unit_get_caps };
static struct hv_iommu unit = { .ops = &unit_ops, .name = "iommu0" };

int guest_iommu_for(uint16_t segment, uint16_t bdf, struct hv_iommu **u, uint32_t *rid)
{
	(void)segment;
	*u = &unit;
	*rid = bdf;
	return 0;
}

/* ---- the page allocator: first-fit aligned blocks in [0, ram) ---- */

#define FAKE_BASE 0x100000000000ULL /* never dereferenced: the dry run only takes and gives back */

static uint64_t ram;
static struct {
	uint64_t off, size;
} taken[CFG_MAX_GUESTS * CFG_MAX_MEM];
static unsigned nr_taken;

void *page_alloc(unsigned order)
{
	uint64_t size = HV_PAGE_SIZE << order;

	if (nr_taken == sizeof(taken) / sizeof(taken[0])) {
		return NULL;
	}
	for (uint64_t off = 0; off + size <= ram && off + size > off; off += size) {
		bool busy = false;

		for (unsigned i = 0; i < nr_taken && !busy; i++) {
			busy = off < taken[i].off + taken[i].size && taken[i].off < off + size;
		}
		if (!busy) {
			taken[nr_taken].off = off;
			taken[nr_taken].size = size;
			nr_taken++;
			return (void *)(uintptr_t)(FAKE_BASE + off);
		}
	}
	return NULL;
}

void page_free(void *p, unsigned order)
{
	uint64_t off = (uint64_t)(uintptr_t)p - FAKE_BASE;

	(void)order;
	for (unsigned i = 0; i < nr_taken; i++) {
		if (taken[i].off == off) {
			taken[i] = taken[--nr_taken];
			return;
		}
	}
}

uint64_t page_free_count(void)
{
	uint64_t used = 0;

	for (unsigned i = 0; i < nr_taken; i++) {
		used += taken[i].size;
	}
	return (ram - used) >> HV_PAGE_SHIFT;
}

void cfgcheck_host_setup(const struct cfgcheck_platform *p)
{
	memset(&hv_pci, 0, sizeof(hv_pci));
	for (unsigned i = 0; i < p->nr_devs && i < PCI_MAX_DEVS; i++) {
		hv_pci.devs[i].segment = p->devs[i].segment;
		hv_pci.devs[i].bus = p->devs[i].bus;
		hv_pci.devs[i].devfn = p->devs[i].devfn;
		hv_pci.nr_devs = i + 1;
	}
	unit_caps = (struct ioasid_dev_caps){ .pgsize_bitmap = HV_PAGE_SIZE,
					      .ia_bits = p->iommu_bits,
					      .paging_fmt = p->iommu_fmt };
	ram = p->ram_bytes & ~(uint64_t)(HV_PAGE_SIZE - 1);
	nr_taken = 0;
	arm64_vgic = p->iommu_fmt == PT_FMT_ARM_S2;
}
