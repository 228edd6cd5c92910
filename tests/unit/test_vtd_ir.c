// SPDX-License-Identifier: MIT
/*
 * Host tests of VT-d interrupt remapping (drivers/iommu/vtd/vtd_ir.c and its encoders in
 * vtd_desc.c). Expected values are written out bit by bit from the VT-d spec rev 4.x (9.10
 * IRTE, 5.1.2.2 remappable MSI, 6.5.2.6 IEC descriptor, 11.4.11.1 IRTA, 11.4.14 fault records
 * of interrupt requests), not from the driver's macros. The take-over sequence runs against a
 * register block in ordinary memory: the test plays the hardware by pre-setting GSTS and the
 * invalidation-wait status word, and reads back what the driver wrote.
 */
#define TEST_MAIN
#include <hv/acpi.h>
#include <hv/errno.h>
#include <hv/mm.h>
#include <hv/pci.h>
#include <ioasid/abi.h>

#include "drivers/iommu/vtd/vtd.h"
#include "ioasid/core.h"
#include "test.h"

/* QEMU 10 reserved-bit mask of the IEC descriptor (intel_iommu_internal.h), as a fact. */
#define QEMU_IEC_RSVD 0xffff000007fff1e0ULL

TEST(irte_remapped_xapic_bits)
{
	struct vtd_irte e = vtd_irte_remapped(0x41, 3, false, 0x0008);

	/* P (0) | DLM fixed (7:5 = 0) | V (23:16) = 0x41 | xAPIC DST in 47:40 = 3 */
	EXPECT_EQ(e.lo, 0x0000030000410001ULL);
	/* SID 15:0 = 0x0008 | SQ 17:16 = 0 | SVT 19:18 = 01b */
	EXPECT_EQ(e.hi, 0x0000000000040008ULL);
	/* IM (15) = 0: remapped, not posted; FPD (1) = 0: faults are recorded */
	EXPECT_EQ(e.lo & (1ULL << 15), 0);
	EXPECT_EQ(e.lo & (1ULL << 1), 0);
}

TEST(irte_remapped_x2apic_bits)
{
	struct vtd_irte e = vtd_irte_remapped(0xfe, 0x12345678, true, 0xff00);

	EXPECT_EQ(e.lo, 0x1234567800fe0001ULL);
	EXPECT_EQ(e.hi, 0x000000000004ff00ULL);
}

TEST(msi_remappable_address)
{
	uint64_t addr;
	uint32_t data = 0xdead;

	/* handle 0x8005: bits 19:5 = 0x0005, bit 4 format, bit 3 SHV = 0, bit 2 = handle[15] */
	vtd_msi_remappable(0x8005, &addr, &data);
	EXPECT_EQ(addr, 0xfee000b4ULL);
	EXPECT_EQ(data, 0);
	vtd_msi_remappable(0x7fff, &addr, &data);
	EXPECT_EQ(addr, 0xfeeffff0ULL);
}

TEST(iec_descriptors)
{
	struct vtd_inv_desc g = vtd_desc_iec_global();
	struct vtd_inv_desc i = vtd_desc_iec_index(0x1234, 3);

	EXPECT_EQ(g.qw[0], 0x4ULL); /* type 4, G = 0: every entry */
	EXPECT_EQ(g.qw[1], 0);
	/* type 4 | G (bit 4) = 1 | IM 31:27 = 3 | IIDX 47:32 */
	EXPECT_EQ(i.qw[0], 0x0000123418000014ULL);
	EXPECT_EQ(g.qw[0] & QEMU_IEC_RSVD, 0);
	EXPECT_EQ(i.qw[0] & QEMU_IEC_RSVD, 0);
}

TEST(ir_fault_record_decode)
{
	struct vtd_fault f;
	/* FI 63:48 = interrupt index 0x7fff; hi: F (127), FR 0x21 (103:96), SID 0x0008 */
	uint64_t lo = 0x7fffULL << 48, hi = (1ULL << 63) | (0x21ULL << 32) | 0x0008;

	ASSERT_TRUE(vtd_fault_decode(lo, hi, &f));
	EXPECT_EQ(f.reason, 0x21);
	EXPECT_EQ(f.addr, 0x7fff);
	EXPECT_EQ(f.sid, 0x0008);
	EXPECT_TRUE(f.write);
	EXPECT_TRUE(vtd_fault_is_ir(0x20));
	EXPECT_TRUE(vtd_fault_is_ir(0x26));
	EXPECT_TRUE(!vtd_fault_is_ir(0x06));
	EXPECT_TRUE(!vtd_fault_is_ir(0x50));
	for (unsigned r = 0x20; r <= 0x26; r++) {
		EXPECT_EQ(vtd_fault_to_ioasid_reason((uint8_t)r, false), IOASID_FAULT_REASON_INTERRUPT);
	}
	/* a DMA fault keeps its page address */
	ASSERT_TRUE(vtd_fault_decode(0x900000, (1ULL << 63) | (0x06ULL << 32) | (1ULL << 62) | 0x20, &f));
	EXPECT_EQ(f.addr, 0x900000);
}

/* ---- the take-over sequence over a register block in memory ---- */

struct ir_fixture {
	struct vtd_unit u;
	uint8_t *regs;
};

static void ir_setup(struct ir_fixture *f, uint64_t ecap, uint32_t gsts)
{
	memset(f, 0, sizeof(*f));
	f->regs = page_alloc(0);
	f->u.regs = (uintptr_t)f->regs;
	f->u.iq = page_alloc(0);
	f->u.iq_dw = 16;
	f->u.iq_nr = (unsigned)(HV_PAGE_SIZE / f->u.iq_dw);
	f->u.wait_status = page_alloc(0);
	f->u.ecap = ecap;
	f->u.coherent = true;
	snprintf(f->u.name, sizeof(f->u.name), "test");
	memcpy(f->regs + VTD_GSTS_REG, &gsts, sizeof(gsts));
}

static uint64_t reg64(struct ir_fixture *f, unsigned off)
{
	uint64_t v;

	memcpy(&v, f->regs + off, sizeof(v));
	return v;
}

static uint32_t reg32(struct ir_fixture *f, unsigned off)
{
	uint32_t v;

	memcpy(&v, f->regs + off, sizeof(v));
	return v;
}

static const uint64_t *slot(struct ir_fixture *f, unsigned i)
{
	return (const uint64_t *)((const uint8_t *)f->u.iq + (size_t)i * f->u.iq_dw);
}

/* "Hardware" that acknowledges SIRTP and IRE at once (GSTS bits preset), CFIS clear. */
#define GSTS_READY (VTD_GSTS_IRTPS | VTD_GSTS_IRES | VTD_GSTS_TES | VTD_GSTS_QIES)

TEST(ir_enable_programs_table_flushes_and_never_sets_cfi)
{
	static struct ir_fixture f;
	uint64_t irta;

	ir_setup(&f, VTD_ECAP_QI | VTD_ECAP_IR, GSTS_READY);
	*f.u.wait_status = 1; /* the IEC flush's wait completes */
	ASSERT_EQ(vtd_ir_enable(&f.u), 0);
	EXPECT_TRUE(f.u.ir);
	EXPECT_TRUE(!f.u.eime);
	irta = reg64(&f, VTD_IRTA_REG);
	/* IRTA 63:12 = the table, EIME (11) = 0 without ECAP.EIM, S (3:0) = 7: 256 entries */
	EXPECT_EQ(irta & ~0xfffULL, hpa_val(ptr_to_hpa(f.u.irt)));
	EXPECT_EQ(irta & 0xfff, 7);
	/* the first queued descriptor is a global IEC invalidation, then the wait */
	EXPECT_EQ(slot(&f, 0)[0], 0x4ULL);
	EXPECT_EQ(slot(&f, 1)[0] & 0xf, 0x5ULL);
	/* GCMD (write-only) last got SIRTP with TE/QIE/IRE kept: never CFI (bit 23) */
	EXPECT_EQ(reg32(&f, VTD_GCMD_REG) & (1U << 23), 0);
	EXPECT_TRUE(reg32(&f, VTD_GCMD_REG) & (1U << 24));
	/* every entry not present */
	for (unsigned i = 0; i < VTD_IRT_ENTRIES; i++) {
		EXPECT_EQ(f.u.irt[i].lo & 1, 0);
	}
}

TEST(ir_enable_uses_x2apic_format_where_offered)
{
	static struct ir_fixture f;

	ir_setup(&f, VTD_ECAP_QI | VTD_ECAP_IR | VTD_ECAP_EIM, GSTS_READY);
	*f.u.wait_status = 1;
	ASSERT_EQ(vtd_ir_enable(&f.u), 0);
	EXPECT_TRUE(f.u.eime);
	EXPECT_TRUE(reg64(&f, VTD_IRTA_REG) & (1ULL << 11));
}

TEST(ir_enable_without_ecap_ir_leaves_the_unit_unusable_for_guests)
{
	static struct ir_fixture f;

	ir_setup(&f, VTD_ECAP_QI, GSTS_READY);
	EXPECT_EQ(vtd_ir_enable(&f.u), 0);
	EXPECT_TRUE(!vtd_ir_enabled(&f.u));
	EXPECT_EQ(reg64(&f, VTD_IRTA_REG), 0); /* nothing programmed */
}

TEST(ir_enable_refuses_a_unit_that_keeps_compatibility_format_on)
{
	static struct ir_fixture f;

	/* Firmware set CFI and this "hardware" never clears CFIS: bounded wait, then refused. */
	ir_setup(&f, VTD_ECAP_QI | VTD_ECAP_IR, GSTS_READY | VTD_GSTS_CFIS);
	*f.u.wait_status = 1;
	EXPECT_TRUE(vtd_ir_enable(&f.u) < 0);
	EXPECT_TRUE(!vtd_ir_enabled(&f.u));
}

TEST(ir_alloc_verifies_the_requester_and_flushes_the_entry)
{
	static struct ir_fixture f;
	uint16_t idx = 0, idx2 = 0;

	ir_setup(&f, VTD_ECAP_QI | VTD_ECAP_IR, GSTS_READY);
	*f.u.wait_status = 1;
	ASSERT_EQ(vtd_ir_enable(&f.u), 0);
	*f.u.wait_status = 2;
	ASSERT_EQ(vtd_ir_alloc(&f.u, 0x0008, 0x41, 0, &idx), 0);
	EXPECT_EQ(idx, 1); /* entry 0 is never handed out */
	EXPECT_EQ(f.u.irt[1].lo, 0x0000000000410001ULL);
	EXPECT_EQ(f.u.irt[1].hi, 0x0000000000040008ULL);
	/* an index-selective IEC invalidation of entry 1 (G=1, IM=0, IIDX=1) */
	EXPECT_EQ(slot(&f, 2)[0], 0x0000000100000014ULL);
	*f.u.wait_status = 3;
	ASSERT_EQ(vtd_ir_alloc(&f.u, 0x0010, 0x42, 0, &idx2), 0);
	EXPECT_EQ(idx2, 2);
	/* xAPIC destinations are 8 bits */
	EXPECT_EQ(vtd_ir_alloc(&f.u, 0x0010, 0x42, 0x100, &idx2), -EINVAL);
	*f.u.wait_status = 4;
	ASSERT_EQ(vtd_ir_free(&f.u, 1), 0);
	EXPECT_EQ(f.u.irt[1].lo, 0);
	EXPECT_EQ(f.u.irt[1].hi, 0);
	EXPECT_EQ(slot(&f, 6)[0], 0x0000000100000014ULL);
	*f.u.wait_status = 5;
	ASSERT_EQ(vtd_ir_alloc(&f.u, 0x0018, 0x43, 0, &idx), 0);
	EXPECT_EQ(idx, 1); /* freed and flushed: reusable */
}

TEST(ir_alloc_fails_cleanly)
{
	static struct ir_fixture f, g;
	uint16_t idx;
	unsigned n = 0;

	ir_setup(&f, VTD_ECAP_QI, GSTS_READY);
	ASSERT_EQ(vtd_ir_enable(&f.u), 0);
	EXPECT_EQ(vtd_ir_alloc(&f.u, 8, 0x41, 0, &idx), -EOPNOTSUPP);

	ir_setup(&g, VTD_ECAP_QI | VTD_ECAP_IR, GSTS_READY);
	*g.u.wait_status = 1;
	ASSERT_EQ(vtd_ir_enable(&g.u), 0);
	for (;;) {
		*g.u.wait_status = g.u.wait_seq + 1;
		if (vtd_ir_alloc(&g.u, 8, 0x41, 0, &idx) != 0) {
			break;
		}
		n++;
	}
	EXPECT_EQ(n, VTD_IRT_ENTRIES - 1);
	*g.u.wait_status = g.u.wait_seq + 1;
	EXPECT_EQ(vtd_ir_alloc(&g.u, 8, 0x41, 0, &idx), -ENOSPC);
	/* a failed flush takes the entry down again */
	ASSERT_EQ(vtd_ir_free(&g.u, 9), 0);
	g.u.qi_dead = true;
	EXPECT_EQ(vtd_ir_alloc(&g.u, 8, 0x41, 0, &idx), -EIO);
	EXPECT_EQ(g.u.irt[9].lo & 1, 0);
}

/* ---- guest MSI entries (arch/x86_64/irq_route.c): the source check, moving an entry ---- */

TEST(irte_bus_range_bits)
{
	struct vtd_irte e =
		vtd_irte_remapped_src(0x40, 2, false, (struct vtd_ir_source){ .svt = VTD_SVT_BUS, .sid = 0x0103 });

	/* SID 15:0 = start bus 1 << 8 | end bus 3 | SQ 17:16 = 0 | SVT 19:18 = 10b */
	EXPECT_EQ(e.hi, 0x0000000000080103ULL);
	EXPECT_EQ(e.lo, 0x0000020000400001ULL);
	/* an SVT other than 01b/10b is never written: 00b would let anybody raise the entry */
	e = vtd_irte_remapped_src(0x40, 2, false, (struct vtd_ir_source){ .svt = 0, .sid = 0x0103 });
	EXPECT_EQ(e.hi >> 18 & 3, 1);
}

TEST(ir_source_rule_from_the_aliases)
{
	struct vtd_ir_source s;

	/* no alias: the device's own ID, all 16 bits */
	s = vtd_ir_source_rule(0x0008, 1, 0x0008, false);
	EXPECT_EQ(s.svt, VTD_SVT_RID);
	EXPECT_EQ(s.sid, 0x0008);
	/* edu 01:01.0 behind a PCIe-to-PCI bridge whose secondary bus is 1: alias 01:00.0; buses 1..1 */
	s = vtd_ir_source_rule(0x0108, 2, 0x0100, true);
	EXPECT_EQ(s.svt, VTD_SVT_BUS);
	EXPECT_EQ(s.sid, 0x0101);
	/* a device two buses below the bridge (secondary bus 2, device on bus 4): buses 2..4 */
	s = vtd_ir_source_rule(0x0420, 3, 0x0200, true);
	EXPECT_EQ(s.svt, VTD_SVT_BUS);
	EXPECT_EQ(s.sid, 0x0204);
	/* a bridge that forwards with its own ID (00:05.0): exactly that ID */
	s = vtd_ir_source_rule(0x0108, 2, 0x0028, false);
	EXPECT_EQ(s.svt, VTD_SVT_RID);
	EXPECT_EQ(s.sid, 0x0028);
}

TEST(ir_alloc_src_modify_and_free_in_x2apic_format)
{
	static struct ir_fixture f;
	struct vtd_ir_source src = { .svt = VTD_SVT_BUS, .sid = 0x0101 };
	struct pci_dev p = { .bus = 0, .devfn = 0x08 };
	uint16_t idx = 0;

	ir_setup(&f, VTD_ECAP_QI | VTD_ECAP_IR | VTD_ECAP_EIM, GSTS_READY);
	*f.u.wait_status = 1;
	ASSERT_EQ(vtd_ir_enable(&f.u), 0);
	*f.u.wait_status = 2;
	ASSERT_EQ(vtd_ir_alloc_src(&f.u, src, 0x40, 0x100, &idx), 0);
	EXPECT_EQ(idx, 1);
	/* x2APIC destination 0x100 in 63:32 (needs EIME), vector 0x40, P */
	EXPECT_EQ(f.u.irt[1].lo, 0x0000010000400001ULL);
	EXPECT_EQ(f.u.irt[1].hi, 0x0000000000080101ULL);
	EXPECT_EQ(slot(&f, 2)[0], 0x0000000100000014ULL);
	/* moved to vector 0x41 on APIC ID 3: the low half only, the source check kept, flushed */
	*f.u.wait_status = 3;
	ASSERT_EQ(vtd_ir_modify(&f.u, 1, 0x41, 3), 0);
	EXPECT_EQ(f.u.irt[1].lo, 0x0000000300410001ULL);
	EXPECT_EQ(f.u.irt[1].hi, 0x0000000000080101ULL);
	EXPECT_EQ(slot(&f, 4)[0], 0x0000000100000014ULL);
	/* only entries handed out can be moved */
	EXPECT_EQ(vtd_ir_modify(&f.u, 2, 0x41, 3), -ENOENT);
	EXPECT_EQ(vtd_ir_modify(&f.u, 0, 0x41, 3), -ENOENT);
	/* an entry anybody could raise is refused */
	EXPECT_EQ(vtd_ir_alloc_src(&f.u, (struct vtd_ir_source){ .svt = 0 }, 0x40, 0, &idx), -EINVAL);
	/* the device source of a function without aliases: its own ID */
	ASSERT_EQ(vtd_ir_device_source(&p, &src), 0);
	EXPECT_EQ(src.svt, VTD_SVT_RID);
	EXPECT_EQ(src.sid, 0x0008);
	*f.u.wait_status = 4;
	ASSERT_EQ(vtd_ir_free(&f.u, 1), 0);
	EXPECT_EQ(f.u.irt[1].lo, 0);
	EXPECT_EQ(vtd_ir_modify(&f.u, 1, 0x41, 3), -ENOENT);
}
