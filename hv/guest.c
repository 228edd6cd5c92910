// SPDX-License-Identifier: MIT
/*
 * Guests from the partition configuration (include/hv/guest.h, docs/GUEST.md): RAM from the
 * page allocator, the IOASID core's guest object with its GPA IOASID, the CPU's nested table
 * taken from that GPA IOASID, the image and boot page tables copied into guest RAM, one vCPU
 * (include/hv/vcpu.h) per CPU of its `cpus` list. Running them, and the hypercall routing, is
 * in hv/guest_run.c.
 *
 * One owner for the guest-physical space: the CPU's nested table is the GPA IOASID's table in
 * the x86-64 paging format (PT_FMT_VTD_FL, the same format a VT-d unit in first-level mode
 * uses). It is built by the page-table engine from the same memory regions the core uses for
 * every IOMMU format of that IOASID, after the guest's devices were added, so if an IOMMU
 * already uses that format the CPU shares its very table. GPA IOASIDs never change after
 * creation, so the CPU and the IOMMUs see the same mappings for the guest's whole life.
 */
#include <stdlib.h>
#include <string.h>

#include <hv/acpi.h>
#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/guest.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pci.h>
#include <hv/vcpu.h>

#include "hv/guest_internal.h"
#include "ioasid/core.h"

/*
 * Guests whose teardown failed (a device could not be blocked, or a flush did not complete):
 * their RAM may still be reachable by a device, so it is never freed. They stay listed here (the
 * list holds them all: at most one per configured guest) so the memory stays accounted for.
 */
static hv_spinlock_t guests_kept_lock; /* guests may end on several CPUs at once; a leaf */
static struct guest *guests_kept[CFG_MAX_GUESTS];
static unsigned nr_guests_kept;
static uint64_t guest_kept_bytes;

static unsigned order_for(uint64_t size)
{
	unsigned order = 0;

	while ((HV_PAGE_SIZE << order) < size) {
		order++;
	}
	return order;
}

static const struct boot_file *find_file(const struct bootinfo *bi, const char *name)
{
	for (uint32_t i = 0; i < bi->nr_files; i++) {
		if (strcmp(bi->files[i].name, name) == 0) {
			return &bi->files[i];
		}
	}
	return NULL;
}

/* The CPU's nested table: the GPA IOASID's table in x86-64 paging format (see the top). */
static int guest_build_npt(struct guest *gu, hpa_t *root)
{
	struct hv_guest *g = &gu->g;
	struct ioasid_hwt *h;
	unsigned fmt, ia_bits;
	int ret;

	vcpu_arch_nested_format(&fmt, &ia_bits);
	if (fmt == 0 || fmt >= HV_NR_FMT) {
		return -EINVAL;
	}
	if (g->gpa_io == NULL) {
		ret = ioasid_create_gpa(g, &g->gpa_io);
		if (ret) {
			return ret;
		}
	}
	h = &g->gpa_io->hw[fmt];
	if (!h->valid) {
		/* x86: 48-bit, 4 levels, the host's paging mode NPT walks use (APM 15.25.3). */
		ret = pt_init(&h->pt, (enum pt_format)fmt, ia_bits, SZ_4K | SZ_2M | SZ_1G, true, NULL);
		if (ret) {
			return ret;
		}
		for (unsigned i = 0; i < g->nr_mem; i++) {
			ret = pt_map(&h->pt, gpa_val(g->mem[i].gpa), g->mem[i].hpa, g->mem[i].size,
				     PT_PROT_READ | PT_PROT_WRITE);
			if (ret) {
				pt_destroy(&h->pt);
				return ret;
			}
		}
		h->domain = ioasid_new_domain();
		if (h->domain == 0) {
			pt_destroy(&h->pt);
			return -ENOSPC;
		}
		h->valid = true;
	}
	*root = h->pt.root;
	return 0;
}

/* The RAM region holding guest-physical address a, or NULL. */
static const struct hv_mem_region *region_of(const struct guest *gu, uint64_t a)
{
	for (unsigned i = 0; i < gu->g.nr_mem; i++) {
		if (a >= gpa_val(gu->g.mem[i].gpa) && a - gpa_val(gu->g.mem[i].gpa) < gu->g.mem[i].size) {
			return &gu->g.mem[i];
		}
	}
	return NULL;
}

/*
 * Assign the configured PCI functions: each goes to the core (hv_guest_add_device routes its
 * RID through the guest's GPA IOASID on its IOMMU) and gets memory decoding and bus mastering
 * enabled, since the guest has no access to configuration space.
 */
static int guest_add_devices(struct guest *gu)
{
	const struct cfg_guest *c = gu->cfg;

	for (unsigned i = 0; i < c->nr_devs; i++) {
		const struct cfg_pci *p = &c->devs[i];
		const struct pci_dev *pd = pci_find(&hv_pci, p->segment, p->bus, p->devfn);
		uint16_t bdf = (uint16_t)(p->bus << 8 | p->devfn);
		struct guest_boot_dev *bd = &gu->boot.devs[gu->boot.nr_devs];
		struct hv_iommu *u;
		uint32_t rid, cmd;
		int ret;

		if (pd == NULL || gu->boot.nr_devs >= GUEST_BOOT_MAX_DEVS) {
			return -ENODEV;
		}
		ret = guest_iommu_for(p->segment, bdf, &u, &rid);
		if (ret) {
			pr_err("guest %s: %04x:%02x:%02x.%x cannot be assigned: no IOMMU unit for it, or not ours to "
			       "give (%d %s)",
			       c->name, p->segment, p->bus, p->devfn >> 3, p->devfn & 7, ret, hv_strerror(ret));
			return ret;
		}
		ret = hv_guest_add_device(&gu->g, u, p->segment, bdf, rid, &bd->dev_id);
		if (ret) {
			return ret;
		}
		gu->nr_assigned = i + 1; /* from here on teardown quiesces it */
		cmd = pci_cfg_read(&hv_acpi, p->segment, p->bus, p->devfn, PCI_COMMAND, 2);
		ret = pci_cfg_write(&hv_acpi, p->segment, p->bus, p->devfn, PCI_COMMAND, 2,
				    cmd | PCI_COMMAND_MEM | PCI_COMMAND_MASTER);
		if (ret) {
			return ret;
		}
		bd->segment = p->segment;
		bd->bdf = bdf;
		for (unsigned b = 0; b < PCI_NR_BARS && b < GUEST_BOOT_BARS; b++) {
			if (pd->bars[b].size != 0 && !(pd->bars[b].flags & PCI_BAR_F_IO)) {
				bd->bar_gpa[b] = pd->bars[b].base;
				bd->bar_size[b] = pd->bars[b].size;
			}
		}
		gu->boot.nr_devs++;
		pr_info("guest %s: device %04x:%02x:%02x.%x (%04x:%04x) assigned as dev_id 0x%x", c->name, p->segment,
			p->bus, p->devfn >> 3, p->devfn & 7, pd->vendor, pd->device, bd->dev_id);
	}
	return 0;
}

/*
 * Memory BARs of the guest's devices, identity-mapped (GPA = HPA) into the CPU's nested table
 * only. If an IOMMU shares that table (VT-d first-level mode, SMMUv3 stage 2) it sees them too: peer-to-peer
 * to the guest's own BARs. Pages are rounded out to 4 KiB. The entries are device memory
 * (PT_PROT_DEVICE: UC in the NPT, Device-nGnRE in stage 2), so the guest's MMIO accesses are
 * uncached whatever its own attributes say (docs/GUEST.md).
 */
static int guest_map_bars(struct guest *gu)
{
	struct ioasid_hwt *h;
	unsigned fmt, ia_bits;

	vcpu_arch_nested_format(&fmt, &ia_bits); /* guest_build_npt checked fmt */
	h = &gu->g.gpa_io->hw[fmt];

	for (unsigned i = 0; i < gu->boot.nr_devs; i++) {
		const struct guest_boot_dev *bd = &gu->boot.devs[i];

		for (unsigned b = 0; b < GUEST_BOOT_BARS; b++) {
			uint64_t base = ALIGN_DOWN(bd->bar_gpa[b], HV_PAGE_SIZE);
			uint64_t end = ALIGN_UP(bd->bar_gpa[b] + bd->bar_size[b], HV_PAGE_SIZE);
			int ret;

			if (bd->bar_size[b] == 0) {
				continue;
			}
			if (region_of(gu, base) != NULL || region_of(gu, end - 1) != NULL) {
				return -EINVAL; /* a BAR inside configured RAM: the config is contradictory */
			}
			ret = pt_map(&h->pt, base, hpa(base), end - base,
				     PT_PROT_READ | PT_PROT_WRITE | PT_PROT_DEVICE);
			if (ret) {
				return ret;
			}
			pr_info("guest %s: BAR%u [%#llx-%#llx] mapped as device memory", gu->cfg->name, b,
				(unsigned long long)base, (unsigned long long)end - 1);
		}
	}
	return 0;
}

static void guest_free_ram(struct guest *gu)
{
	for (unsigned i = 0; i < CFG_MAX_MEM; i++) {
		if (gu->ram[i] != NULL) {
			page_free(gu->ram[i], gu->ram_order[i]);
			gu->ram[i] = NULL;
		}
	}
}

/*
 * Stop every device the guest was given (pci_quiesce: bus mastering off, bounded wait for what
 * is outstanding, FLR where there is one) while it is still attached: what it had in flight then
 * lands in, or faults against, this guest's own space, never the next owner's.
 */
static void guest_quiesce_devices(struct guest *gu)
{
	for (unsigned i = 0; i < gu->nr_assigned; i++) {
		const struct cfg_pci *p = &gu->cfg->devs[i];
		const struct pci_dev *pd = pci_find(&hv_pci, p->segment, p->bus, p->devfn);
		int ret = pd != NULL ? pci_quiesce(&hv_acpi, pd) : -ENODEV;

		if (ret) {
			/* Still blocked by the IOMMU below; it may issue DMA, which then faults. */
			pr_err("guest %s: %04x:%02x:%02x.%x could not be quiesced (%d %s); the IOMMU keeps it blocked",
			       gu->cfg->name, p->segment, p->bus, p->devfn >> 3, p->devfn & 7, ret, hv_strerror(ret));
		}
	}
}

/*
 * Collect what the IOMMUs recorded for the guest's devices into its fault queue, which goes away
 * with the guest: nothing is delivered anywhere, and the fault-recording registers (VT-d has
 * one on QEMU) are free again for the next guest's own faults.
 */
static void guest_discard_faults(struct guest *gu)
{
	uint32_t n;
	uint64_t lost;

	guest_iommu_poll();
	hv_spin_lock(&gu->g.fq.lock);
	n = gu->g.fq.count;
	lost = gu->g.fq.lost;
	hv_spin_unlock(&gu->g.fq.lock);
	pr_info("guest %s: teardown: %u IOMMU fault record(s) of its devices discarded (%llu lost)", gu->cfg->name, n,
		(unsigned long long)lost);
}

/*
 * Teardown (docs/GUEST.md "Teardown"): the interrupt routes, the vCPUs, then the devices are quiesced, their recorded
 * faults discarded, then hv_guest_destroy() blocks them and frees every IOASID and table (faults
 * recorded while blocking are collected once more; their devices are no longer registered, so
 * the core drops them, counted and logged). The RAM is freed only if that succeeded: if a device
 * could not be blocked or a flush did not complete, a route may still reach the RAM, so it is
 * kept for good (logged, counted in guests_kept).
 */
void guest_destroy(struct guest *gu)
{
	int ret = 0;

	guest_irq_teardown(gu); /* no device message reaches a vCPU from here on */
	for (unsigned k = 0; k < gu->nr_vcpus; k++) {
		if (gu->vcpus[k].created) {
			vcpu_arch_destroy(&gu->vcpus[k].v);
			gu->vcpus[k].created = false;
		}
	}
	if (gu->group_created) {
		vcpu_arch_group_destroy(&gu->group);
		gu->group_created = false;
	}
	if (gu->g.live) {
		guest_quiesce_devices(gu);
		guest_discard_faults(gu);
		ret = hv_guest_destroy(&gu->g);
		guest_iommu_poll();
	}
	if (ret) {
		uint64_t bytes = 0;

		for (unsigned i = 0; i < CFG_MAX_MEM; i++) {
			bytes += gu->ram[i] != NULL ? HV_PAGE_SIZE << gu->ram_order[i] : 0;
		}
		hv_spin_lock(&guests_kept_lock);
		guest_kept_bytes += bytes;
		if (nr_guests_kept < CFG_MAX_GUESTS) {
			guests_kept[nr_guests_kept] = gu;
		}
		nr_guests_kept++;
		hv_spin_unlock(&guests_kept_lock);
		pr_err("guest %s: teardown failed (%d %s): a device may still reach its RAM; keeping those %llu KiB "
		       "for good (%u guest(s), %llu KiB kept so far)",
		       gu->cfg->name, ret, hv_strerror(ret), (unsigned long long)(bytes >> 10), nr_guests_kept,
		       (unsigned long long)(guest_kept_bytes >> 10));
		return;
	}
	guest_free_ram(gu);
	free(gu);
}

int guest_create(const struct cfg_guest *c, const struct bootinfo *bi, unsigned cfg_index, struct guest **out)
{
	struct hv_guest_config hc;
	struct vcpu_setup setup = { 0 };
	uint32_t id = cfg_index + 1; /* the guest's ASID / VMID, and the core's guest id */
	const struct boot_file *img;
	const struct hv_mem_region *r0;
	struct guest *gu;
	void *tables = NULL;
	long tlen;
	int ret;

	img = find_file(bi, c->image);
	if (img == NULL) {
		pr_err("guest %s: image %s was not loaded from the ESP", c->name, c->image);
		return -ENOENT;
	}
	gu = calloc(1, sizeof(*gu));
	if (gu == NULL) {
		return -ENOMEM;
	}
	gu->cfg = c;
	gu->cfg_index = cfg_index;
	gu->outcome = GUEST_NOT_STARTED;
	gu->nr_vcpus = config_guest_vcpus(c);
	if (gu->nr_vcpus > GUEST_MAX_VCPUS) {
		ret = -E2BIG; /* config_validate keeps cpus within the CPUs that exist (HV_MAX_CPUS) */
		goto fail;
	}
	for (unsigned i = 0; i < c->nr_mem; i++) {
		/* One naturally aligned block per region: contiguous, 2 MiB/1 GiB leaves where aligned. */
		gu->ram_order[i] = order_for(c->mem[i].size);
		gu->ram[i] = page_alloc(gu->ram_order[i]);
		if (gu->ram[i] == NULL) {
			pr_err("guest %s: no contiguous %llu KiB for memory line %u", c->name,
			       (unsigned long long)(c->mem[i].size >> 10), c->mem[i].line);
			ret = -ENOMEM;
			goto fail;
		}
		gu->mem[i] = (struct hv_mem_region){ .gpa = c->mem[i].base,
						     .hpa = ptr_to_hpa(gu->ram[i]),
						     .size = c->mem[i].size };
	}
	hc = (struct hv_guest_config){
		.id = id, .mem = gu->mem, .nr_mem = c->nr_mem, .quota_pages = c->pt_quota_pages
	};
	ret = hv_guest_init(&gu->g, &hc);
	if (ret) {
		goto fail;
	}
	ret = guest_add_devices(gu);
	if (ret) {
		goto fail;
	}
	ret = guest_build_npt(gu, &setup.nested_root);
	if (ret) {
		goto fail;
	}
	ret = guest_map_bars(gu);
	if (ret) {
		goto fail;
	}
	r0 = region_of(gu, GUEST_IMAGE_GPA);
	if (r0 == NULL || region_of(gu, GUEST_BOOT_TABLES) != r0 || region_of(gu, GUEST_BOOT_INFO) != r0 ||
	    !guest_range_in_ram(&gu->g, gpa(GUEST_IMAGE_GPA), img->size + HV_PAGE_SIZE)) {
		pr_err("guest %s: needs RAM from GPA 0 covering its %llu-byte image at 0x%llx and a stack", c->name,
		       (unsigned long long)img->size, GUEST_IMAGE_GPA);
		ret = -EINVAL;
		goto fail;
	}
	ret = guest_copy_to(&gu->g, gpa(GUEST_IMAGE_GPA), hpa_to_ptr(img->base), img->size);
	if (ret) {
		goto fail;
	}
	/*
	 * The guest will fetch these bytes as instructions: push the copy out of the data cache
	 * (arm64 needs it for instruction fetch; vcpu_arch_create invalidates the I-cache). The
	 * image lies in one region (checked above), so it is contiguous on the host.
	 */
	{
		hpa_t h;
		uint64_t contig;

		if (guest_gpa_to_hpa(&gu->g, gpa(GUEST_IMAGE_GPA), &h, &contig) == 0) {
			arch_dcache_clean(hpa_to_ptr(h), (size_t)MIN(contig, img->size));
		}
	}
	tables = page_alloc(1);
	if (tables == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	tlen = vcpu_arch_boot_tables(gpa(GUEST_BOOT_TABLES), tables, 2 * HV_PAGE_SIZE);
	ret = tlen < 0 ? (int)tlen : guest_copy_to(&gu->g, gpa(GUEST_BOOT_TABLES), tables, (uint64_t)tlen);
	page_free(tables, 1);
	if (ret) {
		goto fail;
	}
	setup.entry = gpa(GUEST_IMAGE_GPA);
	setup.stack_top = gpa_add(r0->gpa, r0->size);
	setup.arg0 = r0->size;
	setup.arg1 = GUEST_BOOT_INFO;
	gu->boot.magic = GUEST_BOOT_MAGIC;
	gu->boot.nr_vcpus = gu->nr_vcpus;
	ret = guest_copy_to(&gu->g, gpa(GUEST_BOOT_INFO), &gu->boot, sizeof(gu->boot));
	if (ret) {
		goto fail;
	}
	setup.page_tables = gpa(GUEST_BOOT_TABLES);
	gu->setup = setup;
	/*
	 * Every vCPU exists from the start, all on the same nested table and ASID; vCPU 0 enters
	 * the image, the others wait (off) until the guest starts them with their own entry.
	 * The group (their shared interrupt state) exists before any of them.
	 */
	gu->group.nr = gu->nr_vcpus;
	for (unsigned k = 0; k < gu->nr_vcpus; k++) {
		gu->group.vcpu[k] = &gu->vcpus[k].v;
		gu->vcpus[k].v.group = &gu->group;
		gu->vcpus[k].v.index = k;
		gu->vcpus[k].v.cpu = config_vcpu_cpu(c, k);
	}
	ret = vcpu_arch_group_create(&gu->group);
	if (ret) {
		goto fail;
	}
	gu->group_created = true;
	for (unsigned k = 0; k < gu->nr_vcpus; k++) {
		struct guest_vcpu *gv = &gu->vcpus[k];

		gv->gu = gu;
		gv->v.name = c->name;
		gv->v.asid = id;
		gv->state = k == 0 ? GVCPU_ON : GVCPU_OFF;
		ret = vcpu_arch_create(&gv->v, &setup);
		if (ret) {
			goto fail;
		}
		gv->created = true;
	}
	pr_info("guest %s: %llu KiB RAM, image %s (%llu bytes) at GPA 0x%llx, nested table 0x%llx, GPA IOASID 0x%x",
		c->name, (unsigned long long)(config_guest_mem(c) >> 10), c->image, (unsigned long long)img->size,
		GUEST_IMAGE_GPA, (unsigned long long)hpa_val(setup.nested_root), gu->g.gpa_io->id);
	*out = gu;
	return 0;
fail:
	guest_destroy(gu);
	return ret;
}
