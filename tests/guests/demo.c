// SPDX-License-Identifier: MIT
/*
 * The `make run` demo guest: narrates one walk through the IOASID interface with the edu
 * device it was given (allocate, map, attach, DMA, unmap, fault, detach), so a newcomer sees
 * what each hypercall does. Exits 0 when every step behaved as described.
 */
#define GUEST_SDK
#include <hv/guest.h>
#include <string.h>

#include "guest/guest.h"

#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_CNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_BUF	    0x40000ULL
#define XFER	    64U
#define IOVA_IN	    0x40000000ULL
#define IOVA_OUT    0x40001000ULL

static char src[4096] __attribute__((aligned(4096))) = "Hello from guest memory, carried by the edu DMA engine!";
static char dst[4096] __attribute__((aligned(4096)));
static volatile uint8_t *edu;
static int problems;

static void say(const char *what, long ret, long want)
{
	guest_printf("%-58s -> %s%s\n", what, ioasid_errname(ret), ret == want ? "" : "   <-- unexpected!");
	problems += ret != want;
}

static void dma(uint64_t from, uint64_t to)
{
	*(volatile uint64_t *)(edu + EDU_DMA_SRC) = from;
	*(volatile uint64_t *)(edu + EDU_DMA_DST) = to;
	*(volatile uint64_t *)(edu + EDU_DMA_CNT) = XFER;
	*(volatile uint64_t *)(edu + EDU_DMA_CMD) = 1 | (from == EDU_BUF ? 2 : 0);
	for (unsigned long i = 0; i < 200000000UL && (*(volatile uint64_t *)(edu + EDU_DMA_CMD) & 1); i++) {
	}
}

static void show_faults(void)
{
	struct ioasid_fault_record rec[4];
	struct ioasid_fault_read fr = { .num_records = 4, .records_gpa = gpa_of(rec) };
	static const char *const reasons[] = { "?", "not present", "permission", "blocked", "bad table", "other" };

	say("FAULT_READ: what did the IOMMU report?", ioasid_fault_read(&fr), 0);
	for (unsigned i = 0; i < fr.out_num_records && i < 4; i++) {
		guest_printf("    fault #%llu: device 0x%x %s IOVA 0x%llx: %s\n", (unsigned long long)rec[i].seq,
			     rec[i].dev_id, (rec[i].access & IOASID_FAULT_ACCESS_WRITE) ? "write to" : "read of",
			     (unsigned long long)rec[i].addr, reasons[rec[i].reason < 6 ? rec[i].reason : 0]);
	}
	if (fr.out_num_records == 0 && fr.out_lost != 0) {
		/*
		 * Another partition's device faulted on the same IOMMU at the same moment and filled its
		 * fault-recording registers (QEMU's VT-d has one): the record was dropped, and the
		 * hypervisor says so instead of hiding it (docs/ABI.md FAULT_READ out_lost).
		 */
		guest_printf("    %llu fault record(s) lost: the IOMMU's recording registers were full (reported, not hidden)\n",
			     (unsigned long long)fr.out_lost);
		return;
	}
	problems += fr.out_num_records == 0;
}

int guest_main(void)
{
	const struct guest_boot_info *bi = (const void *)(uintptr_t)GUEST_BOOT_INFO;
	struct ioasid_device_info di[2];
	struct ioasid_device_list dl = { .num_devices = 2, .devices_gpa = gpa_of(di) };
	struct ioasid_get_info gi = { 0 };
	struct ioasid_alloc al = { .kind = IOASID_KIND_PAGING };
	struct ioasid_map_entry me[2] = {
		{ .iova = IOVA_IN, .gpa = gpa_of(src), .length = 4096, .prot = IOASID_PROT_READ },
		{ .iova = IOVA_OUT, .gpa = gpa_of(dst), .length = 4096, .prot = IOASID_PROT_READ | IOASID_PROT_WRITE },
	};
	struct ioasid_map mp = { .num_entries = 2, .entries_gpa = gpa_of(me) };
	struct ioasid_unmap_entry ue = { .iova = IOVA_OUT, .length = 4096 };
	struct ioasid_unmap um = { .num_entries = 1, .entries_gpa = gpa_of(&ue) };
	struct ioasid_attach at = { 0 };
	struct ioasid_detach de = { 0 };

	guest_printf("I am a guest with %llu MiB of RAM. My code runs at guest-physical %p.\n",
		     (unsigned long long)(guest_ram_size >> 20), (void *)guest_main);
	say("DEVICE_LIST: which devices are mine?", ioasid_device_list(&dl), 0);
	if (dl.out_num_devices == 0 || bi->nr_devs == 0) {
		guest_printf("No devices: give me one with 'device = 00:01.0' in ioasid-hv.cfg.\n");
		return 1;
	}
	edu = (volatile uint8_t *)(uintptr_t)bi->devs[0].bar_gpa[0];
	guest_printf("    device 0x%x at PCI %02x:%02x.%x, its registers at %p\n", di[0].dev_id, di[0].bdf >> 8,
		     (di[0].bdf >> 3) & 0x1f, di[0].bdf & 7, (void *)edu);
	gi.dev_id = di[0].dev_id;
	say("GET_INFO: what can its IOMMU do?", ioasid_get_info(&gi), 0);
	guest_printf("    ABI %u.%u, %u-bit IOVAs, page sizes 0x%llx, my GPA IOASID is 0x%x\n",
		     gi.out_abi_version >> 16, gi.out_abi_version & 0xffff, gi.out_ia_bits,
		     (unsigned long long)gi.out_pgsize_bitmap, gi.out_gpa_ioasid);
	guest_printf("Right now the device sees my guest-physical space (the default attachment).\n");

	al.parent = gi.out_gpa_ioasid;
	al.dev_id = di[0].dev_id;
	say("ALLOC: a PAGING IOASID, an I/O page table I fill myself", ioasid_alloc(&al), 0);
	mp.ioasid = um.ioasid = at.ioasid = al.out_ioasid;
	guest_printf("    IOASID 0x%x\n", al.out_ioasid);
	say("MAP: IOVA 0x40000000 -> my 'src' (read), 0x40001000 -> 'dst'", ioasid_map(&mp), 0);
	at.dev_id = de.dev_id = di[0].dev_id;
	say("ATTACH: the device now translates through that IOASID", ioasid_attach(&at), 0);

	dma(IOVA_IN, EDU_BUF);
	dma(EDU_BUF, IOVA_OUT);
	guest_printf("DMA: device read IOVA 0x40000000, wrote IOVA 0x40001000. 'dst' now says:\n");
	guest_printf("    \"%s\"\n", dst);
	problems += strcmp(src, dst) != 0;

	say("UNMAP: take IOVA 0x40001000 away again", ioasid_unmap(&um), 0);
	memset(dst, 0, sizeof(dst));
	dma(EDU_BUF, IOVA_OUT);
	guest_printf("DMA to the unmapped IOVA: 'dst' is %s\n", dst[0] ? "CHANGED (bad!)" : "untouched");
	problems += dst[0] != 0;
	show_faults();

	say("DETACH: the device may now reach nothing at all", ioasid_detach(&de), 0);
	dma(IOVA_IN, EDU_BUF);
	show_faults();
	say("FREE: the IOASID is no longer attached, so it can go", ioasid_free(al.out_ioasid), 0);
	say("FREE again: it is gone", ioasid_free(al.out_ioasid), -IOASID_ENOENT);
	guest_printf("Done: %s\n",
		     problems ? "something did not behave as described" : "everything behaved as described");
	return problems;
}
