// SPDX-License-Identifier: MIT
/*
 * Pre-flight checks of the partition configuration (include/hv/config.h config_preflight,
 * docs/CONFIG.md "Errors").
 *
 * Why a separate step: config_parse() sees only the text and config_validate() only the PCI
 * bus and the amount of RAM, but guest creation (hv/guest.c guest_create) can still refuse a
 * guest for reasons known long before it runs: its image is missing, its RAM at GPA 0 is too
 * small for the image, its memory lies beyond the address width of the IOMMU that translates
 * its devices, a device has no IOMMU unit, or the allocator has no block left once sizes are
 * rounded up to powers of two. Guests run one after the other, so such a refusal used to come
 * after earlier guests had already run, and without a line number. Here every one of them is
 * checked for every guest before the first guest is created; guest_create keeps its own checks
 * as defence in depth.
 *
 * The memory dry run takes every region's block from the real allocator (the same order and
 * sizes guest_create uses, all guests together, as config_validate counts them) and gives them
 * back at once: the allocator's bitmaps are the only exact answer to "is there a naturally
 * aligned free block for each of these", and page_alloc() is the only code that reads them.
 * Its cost is zeroing those blocks once more.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <hv/bits.h>
#include <hv/bootinfo.h>
#include <hv/config.h>
#include <hv/errno.h>
#include <hv/guest.h>
#include <hv/mm.h>
#include <hv/pci.h>

#include "ioasid/core.h"

static int refuse(struct cfg_error *err, int ret, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int refuse(struct cfg_error *err, int ret, unsigned line, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return ret;
}

static const struct boot_file *loaded_file(const struct bootinfo *bi, const char *name)
{
	for (uint32_t i = 0; i < bi->nr_files; i++) {
		if (strcmp(bi->files[i].name, name) == 0) {
			return &bi->files[i];
		}
	}
	return NULL;
}

static const struct cfg_mem *ram_at_0(const struct cfg_guest *g)
{
	for (unsigned i = 0; i < g->nr_mem; i++) {
		if (gpa_val(g->mem[i].base) == 0) {
			return &g->mem[i];
		}
	}
	return NULL;
}

/* An image path config_parse accepts always fits the name boot/ records the file under. */
_Static_assert(CFG_PATH_LEN <= sizeof(((struct boot_file *)0)->name), "image paths fit struct boot_file");

static const uint8_t elf_magic[4] = { 0x7f, 'E', 'L', 'F' };

/* The image: loaded, not ELF, and inside the RAM at GPA 0 with a page of stack (guest.h). */
static int check_image(const struct cfg_guest *g, const struct bootinfo *bi, struct cfg_error *err)
{
	const struct boot_file *f = loaded_file(bi, g->image);
	const struct cfg_mem *r0 = ram_at_0(g);
	uint64_t need;

	if (f == NULL) {
		return refuse(
			err, -ENOENT, g->image_line,
			"guest '%s': image %s was not loaded from the ESP (missing, empty, unreadable or over 256 MiB)",
			g->name, g->image);
	}
	if (f->size >= sizeof(elf_magic) && memcmp(hpa_to_ptr(f->base), elf_magic, sizeof(elf_magic)) == 0) {
		return refuse(err, -EINVAL, g->image_line,
			      "guest '%s': image %s is an ELF file; images are flat binaries (objcopy -O binary)",
			      g->name, g->image);
	}
	/* The same bound guest_create checks: image at GUEST_IMAGE_GPA, then at least a page of stack. */
	need = GUEST_IMAGE_GPA + f->size + HV_PAGE_SIZE;
	if (r0 == NULL) { /* config_parse refuses this already */
		return refuse(err, -EINVAL, g->line, "guest '%s' has no memory at guest-physical 0", g->name);
	}
	if (r0->size < need) {
		return refuse(err, -EINVAL, r0->line,
			      "guest '%s': memory at guest-physical 0 is %llu KiB; its %llu-byte image at 0x%llx and a "
			      "page of stack need %llu KiB",
			      g->name, (unsigned long long)(r0->size >> 10), (unsigned long long)f->size,
			      (unsigned long long)GUEST_IMAGE_GPA, (unsigned long long)(ALIGN_UP(need, SZ_4K) >> 10));
	}
	return 0;
}

static const char *iommu_refusal(int ret)
{
	switch (ret) {
	case -ENODEV:
		return "no IOMMU unit translates it";
	case -EBUSY:
		return "firmware keeps using it for DMA (a VT-d RMRR or an IORT RMR)";
	case -EPERM:
		return "its IOMMU unit cannot remap interrupts, so its DMA could send any interrupt message";
	default:
		return "the IOMMU units are not up";
	}
}

/*
 * Each device: an IOMMU unit that will take it, a table format the core builds, every memory
 * region inside that unit's input range (hv_guest_add_device maps all of the guest's RAM into
 * it), the same width for every unit of one format (one GPA table per format and guest), and no
 * memory BAR inside the guest's RAM (guest_map_bars maps BARs at their host address).
 */
static int check_devices(const struct cfg_guest *g, struct cfg_error *err)
{
	unsigned fmt_bits[HV_NR_FMT] = { 0 }, fmt_line[HV_NR_FMT] = { 0 };

	for (unsigned d = 0; d < g->nr_devs; d++) {
		const struct cfg_pci *p = &g->devs[d];
		const struct pci_dev *pd = pci_find(&hv_pci, p->segment, p->bus, p->devfn);
		uint16_t bdf = (uint16_t)(p->bus << 8 | p->devfn);
		static struct hv_device probe; /* only what get_caps may look at */
		struct ioasid_dev_caps caps;
		struct hv_iommu *u;
		uint32_t rid;
		int ret;

		ret = guest_iommu_for(p->segment, bdf, &u, &rid);
		if (ret) {
			return refuse(err, ret, p->line, "device %04x:%02x:%02x.%x cannot be assigned: %s (%d %s)",
				      p->segment, p->bus, p->devfn >> 3, p->devfn & 7, iommu_refusal(ret), ret,
				      hv_strerror(ret));
		}
		memset(&probe, 0, sizeof(probe));
		probe.segment = p->segment;
		probe.bdf = bdf;
		probe.rid = rid;
		probe.iommu = u;
		ret = u->ops->get_caps(u, &probe, &caps);
		if (ret == 0 && (caps.paging_fmt == 0 || caps.paging_fmt >= HV_NR_FMT || caps.pasid_bits > 20)) {
			ret = -EOPNOTSUPP; /* what hv_guest_add_device would say */
		}
		if (ret) {
			return refuse(err, ret, p->line,
				      "device %04x:%02x:%02x.%x: IOMMU %s offers no usable table format (%d %s)",
				      p->segment, p->bus, p->devfn >> 3, p->devfn & 7, u->name, ret, hv_strerror(ret));
		}
		if (fmt_bits[caps.paging_fmt] != 0 && fmt_bits[caps.paging_fmt] != caps.ia_bits) {
			return refuse(err, -EOPNOTSUPP, p->line,
				      "device %04x:%02x:%02x.%x: IOMMU %s builds %u-bit tables, the one of the device "
				      "on line %u %u-bit tables of the same format; one guest cannot have both",
				      p->segment, p->bus, p->devfn >> 3, p->devfn & 7, u->name, caps.ia_bits,
				      fmt_line[caps.paging_fmt], fmt_bits[caps.paging_fmt]);
		}
		fmt_bits[caps.paging_fmt] = caps.ia_bits;
		fmt_line[caps.paging_fmt] = p->line;
		for (unsigned i = 0; i < g->nr_mem && caps.ia_bits < 64; i++) {
			const struct cfg_mem *m = &g->mem[i];

			/* No overflow: config_parse keeps base + size within 48 bits. */
			if (gpa_val(m->base) + m->size > (1ULL << caps.ia_bits)) {
				return refuse(err, -ERANGE, m->line,
					      "memory ends at 0x%llx, beyond the %u-bit input range of IOMMU %s, which "
					      "translates device %04x:%02x:%02x.%x (line %u)",
					      (unsigned long long)(gpa_val(m->base) + m->size), caps.ia_bits, u->name,
					      p->segment, p->bus, p->devfn >> 3, p->devfn & 7, p->line);
			}
		}
		for (unsigned b = 0; pd != NULL && b < PCI_NR_BARS && b < GUEST_BOOT_BARS; b++) {
			const struct pci_bar *bar = &pd->bars[b];
			uint64_t lo = ALIGN_DOWN(bar->base, HV_PAGE_SIZE), hi, hole_lo, hole_hi;

			if (bar->size == 0 || (bar->flags & PCI_BAR_F_IO) || ADD_OVERFLOWS(bar->base, bar->size, &hi)) {
				continue;
			}
			hi = ALIGN_UP(hi, HV_PAGE_SIZE);
			guest_arch_gpa_hole(&hole_lo, &hole_hi);
			if (lo < hole_hi && hole_lo < hi) {
				return refuse(err, -EINVAL, p->line,
					      "device %04x:%02x:%02x.%x: BAR%u [0x%llx-0x%llx] overlaps the guest's "
					      "virtual interrupt controller [0x%llx-0x%llx] (include/hv/guest.h)",
					      p->segment, p->bus, p->devfn >> 3, p->devfn & 7, b,
					      (unsigned long long)lo, (unsigned long long)hi - 1,
					      (unsigned long long)hole_lo, (unsigned long long)hole_hi - 1);
			}
			for (unsigned i = 0; i < g->nr_mem; i++) {
				const struct cfg_mem *m = &g->mem[i];

				if (lo < gpa_val(m->base) + m->size && gpa_val(m->base) < hi) {
					return refuse(err, -EINVAL, p->line,
						      "device %04x:%02x:%02x.%x: BAR%u [0x%llx-0x%llx] lies inside the "
						      "guest's memory on line %u (BARs appear at their host address)",
						      p->segment, p->bus, p->devfn >> 3, p->devfn & 7, b,
						      (unsigned long long)lo, (unsigned long long)hi - 1, m->line);
				}
			}
		}
	}
	return 0;
}

/*
 * The dry run: every region's block, all guests together, console owner first and then file
 * order (guests_run_all's order), regions in file order (guest_create's). First-fit gives each
 * block the first free aligned slot, so what fits here fits when guests are created one after
 * the other, each after the previous one's blocks came back.
 */
static int check_allocation(const struct hv_config *cfg, struct cfg_error *err)
{
	struct {
		void *p;
		unsigned order;
	} taken[CFG_MAX_GUESTS * CFG_MAX_MEM];
	unsigned n = 0;
	bool failed = false;
	uint64_t before = 0;

	for (unsigned pass = 0; pass < 2 && !failed; pass++) {
		for (unsigned k = 0; k < cfg->nr_guests && !failed; k++) {
			const struct cfg_guest *g = &cfg->guests[k];

			if (g->console != (pass == 0)) {
				continue;
			}
			for (unsigned i = 0; i < g->nr_mem; i++) {
				const struct cfg_mem *m = &g->mem[i];
				unsigned order = config_region_order(m->size);
				void *p = page_alloc(order);

				if (p == NULL) {
					failed = true;
					refuse(err, -ENOMEM, m->line,
					       "guest '%s': no free %llu KiB block for this memory (sizes are rounded "
					       "up to a power of two) after %llu KiB for the %u region(s) before it; "
					       "%llu KiB free in all",
					       g->name, (unsigned long long)(HV_PAGE_SIZE << order >> 10),
					       (unsigned long long)(before >> 10), n,
					       (unsigned long long)((page_free_count() << HV_PAGE_SHIFT) >> 10));
					break;
				}
				taken[n].p = p;
				taken[n].order = order;
				n++;
				before += HV_PAGE_SIZE << order;
			}
		}
	}
	while (n > 0) {
		n--;
		page_free(taken[n].p, taken[n].order);
	}
	return failed ? -ENOMEM : 0;
}

/*
 * No memory region over the GPAs the arch's virtual hardware takes (arm64: the vGIC frames, which
 * the stage-2 table must leave unmapped so every access traps; guest_arch_gpa_hole).
 */
static int check_gpa_hole(const struct cfg_guest *g, struct cfg_error *err)
{
	uint64_t lo, hi;

	guest_arch_gpa_hole(&lo, &hi);
	for (unsigned i = 0; i < g->nr_mem && lo < hi; i++) {
		const struct cfg_mem *m = &g->mem[i];

		/* No overflow: config_parse keeps base + size within 48 bits. */
		if (gpa_val(m->base) < hi && lo < gpa_val(m->base) + m->size) {
			return refuse(err, -EINVAL, m->line,
				      "guest '%s': memory [0x%llx-0x%llx] overlaps the virtual interrupt controller "
				      "[0x%llx-0x%llx] every guest has there (include/hv/guest.h)",
				      g->name, (unsigned long long)gpa_val(m->base),
				      (unsigned long long)(gpa_val(m->base) + m->size - 1), (unsigned long long)lo,
				      (unsigned long long)hi - 1);
		}
	}
	return 0;
}

int config_preflight(const struct hv_config *cfg, const struct bootinfo *bi, struct cfg_error *err)
{
	int ret;

	memset(err, 0, sizeof(*err));
	for (unsigned k = 0; k < cfg->nr_guests; k++) {
		const struct cfg_guest *g = &cfg->guests[k];

		ret = check_image(g, bi, err);
		if (ret) {
			return ret;
		}
		ret = check_gpa_hole(g, err);
		if (ret) {
			return ret;
		}
		ret = check_devices(g, err);
		if (ret) {
			return ret;
		}
	}
	return check_allocation(cfg, err);
}
