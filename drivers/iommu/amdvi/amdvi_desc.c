// SPDX-License-Identifier: MIT
/*
 * AMD-Vi formats as pure functions (amdvi_desc.h): device table entries (48882 2.2.2), commands
 * (2.4) and event-log entries (2.5). The hardware reads what these build; the host tests check
 * them bit by bit against the spec's layouts and decode them back (tests/unit/test_amdvi.c).
 */
#include <hv/bits.h>
#include <hv/errno.h>

#include <ioasid/abi.h>

#include "drivers/iommu/amdvi/amdvi_desc.h"
#include "drivers/iommu/amdvi/amdvi_regs.h"

static struct amdvi_dte amdvi_dte_common(hpa_t root, unsigned levels, uint16_t domain)
{
	struct amdvi_dte e = { { 0 } };

	/* HAD = 0: the IOMMU never writes A/D bits into our tables (pt_fmt.h keeps counts there). */
	e.qw[0] = AMDVI_DTE_V | AMDVI_DTE_TV | FIELD_PREP(AMDVI_DTE_MODE, levels) | (hpa_val(root) & AMDVI_DTE_ROOT);
	e.qw[1] = FIELD_PREP(AMDVI_DTE1_DOMAIN, domain);
	/* IV = 0, IntCtl = 0: fixed/arbitrated interrupts target-aborted; see amdvi_desc.h. */
	return e;
}

struct amdvi_dte amdvi_dte_blocked(hpa_t empty_root, unsigned levels, uint16_t domain)
{
	return amdvi_dte_common(empty_root, levels, domain);
}

struct amdvi_dte amdvi_dte_table(hpa_t root, unsigned levels, uint16_t domain)
{
	struct amdvi_dte e = amdvi_dte_common(root, levels, domain);

	e.qw[0] |= AMDVI_DTE_IR | AMDVI_DTE_IW;
	return e;
}

static struct amdvi_cmd amdvi_cmd_op(unsigned op)
{
	return (struct amdvi_cmd){ { FIELD_PREP(AMDVI_CMD_OP, op), 0 } };
}

struct amdvi_cmd amdvi_cmd_completion_wait(uint64_t store_addr, uint64_t data)
{
	struct amdvi_cmd c = amdvi_cmd_op(AMDVI_CMD_COMPLETION_WAIT);

	/* 2.4.1: S=1 stores data (qw1) at the 8-byte aligned address once all earlier commands finished. */
	c.qw[0] |= AMDVI_CW_STORE | (store_addr & AMDVI_CW_ADDR);
	c.qw[1] = data;
	return c;
}

struct amdvi_cmd amdvi_cmd_inv_devtab_entry(uint16_t devid)
{
	struct amdvi_cmd c = amdvi_cmd_op(AMDVI_CMD_INV_DEVTAB_ENTRY);

	c.qw[0] |= devid;
	return c;
}

struct amdvi_cmd amdvi_cmd_inv_intr_table(uint16_t devid)
{
	struct amdvi_cmd c = amdvi_cmd_op(AMDVI_CMD_INV_INTR_TABLE);

	c.qw[0] |= devid;
	return c;
}

struct amdvi_cmd amdvi_cmd_inv_all(void)
{
	return amdvi_cmd_op(AMDVI_CMD_INV_IOMMU_ALL);
}

struct amdvi_cmd amdvi_cmd_inv_domain(uint16_t domain)
{
	struct amdvi_cmd c = amdvi_cmd_op(AMDVI_CMD_INV_IOMMU_PAGES);

	c.qw[0] |= (uint64_t)domain << 32;
	c.qw[1] = AMDVI_INV_ALL_ADDR | AMDVI_INV_PDE | AMDVI_INV_S;
	return c;
}

/* Index of the highest set bit of v (v != 0), without builtins (STYLE: no SIMD libgcc helpers). */
static unsigned amdvi_msb(uint64_t v)
{
	unsigned n = 0;

	while (v >>= 1) {
		n++;
	}
	return n;
}

struct amdvi_cmd amdvi_cmd_inv_pages(uint16_t domain, uint64_t start, uint64_t end, bool pde)
{
	struct amdvi_cmd c = amdvi_cmd_op(AMDVI_CMD_INV_IOMMU_PAGES);
	uint64_t last = end - 1, addr;

	if (end <= start) {
		last = start; /* callers never do this; one page is the safe reading */
	}
	if ((start >> HV_PAGE_SHIFT) == (last >> HV_PAGE_SHIFT)) {
		addr = start & AMDVI_INV_ADDR; /* S=0: exactly this page */
	} else {
		/* The aligned block of 2^k bytes holding both ends: k - 1 is their highest differing bit. */
		unsigned k = amdvi_msb(start ^ last) + 1;

		if (k > 51) {
			return amdvi_cmd_inv_domain(domain);
		}
		/* 2.4.3: with S=1 the lowest clear address bit (at or above 12) is bit k - 1. */
		addr = ((start & ~((1ULL << k) - 1)) | ((1ULL << (k - 1)) - 1)) & AMDVI_INV_ADDR;
		addr |= AMDVI_INV_S;
	}
	c.qw[0] |= (uint64_t)domain << 32;
	c.qw[1] = addr | (pde ? AMDVI_INV_PDE : 0);
	return c;
}

int amdvi_cmd_inv_range(const struct amdvi_cmd *c, uint16_t *domain, uint64_t *start, uint64_t *end)
{
	uint64_t addr = c->qw[1] & AMDVI_INV_ADDR;
	unsigned n = HV_PAGE_SHIFT;

	if (FIELD_GET(AMDVI_CMD_OP, c->qw[0]) != AMDVI_CMD_INV_IOMMU_PAGES) {
		return -EINVAL;
	}
	*domain = (uint16_t)(c->qw[0] >> 32);
	if (!(c->qw[1] & AMDVI_INV_S)) {
		*start = addr;
		*end = addr + HV_PAGE_SIZE;
		return 0;
	}
	while (n < 63 && (addr & (1ULL << n))) {
		n++;
	}
	if (n >= 63) {
		*start = 0;
		*end = UINT64_MAX; /* the whole space */
		return 0;
	}
	*start = addr & ~((1ULL << (n + 1)) - 1);
	*end = *start + (1ULL << (n + 1));
	return 0;
}

void amdvi_event_decode(const uint64_t ev[2], struct amdvi_event *out)
{
	*out = (struct amdvi_event){
		.code = (unsigned)FIELD_GET(AMDVI_EVT_CODE, ev[0]),
		.devid = (uint16_t)FIELD_GET(AMDVI_EVT_DEVID, ev[0]),
		.flags = (uint16_t)FIELD_GET(AMDVI_EVT_FLAGS, ev[0]),
		.addr = ev[1],
	};
	switch (out->code) {
	case AMDVI_EVT_IO_PAGE_FAULT:
		/*
		 * 2.5.3: PASID 15:0 at 31:16; bits 47:32 are the DomainID (GN=0) or PASID 19:16.
		 * I=1 would mark an interrupt request, but this driver never turns interrupt
		 * remapping on (IV=0: interrupts are not looked up), so every page fault is a DMA
		 * one (QEMU 10 also sets I on every page fault, hw/i386/amd_iommu.c).
		 */
		if ((out->flags & AMDVI_EVTF_I) && !(out->flags & (AMDVI_EVTF_US | AMDVI_EVTF_PR | AMDVI_EVTF_RW |
								   AMDVI_EVTF_PE | AMDVI_EVTF_RZ | AMDVI_EVTF_TR))) {
			/*
			 * QEMU 10's form (hw/i386/amd_iommu.c amdvi_page_fault()): the requested
			 * permissions (1 read, 2 write) land in flag bits 0-1 (GN, NX) beside I. A real
			 * unit sets I only for interrupt requests, which this driver never looks up.
			 */
			out->write = (out->flags & AMDVI_EVTF_NX) != 0;
			out->is_dma_fault = true;
			out->reason = IOASID_FAULT_REASON_NOT_PRESENT;
			break;
		}
		if (out->flags & AMDVI_EVTF_GN) {
			out->pasid = (uint32_t)FIELD_GET(AMDVI_EVT_PASID_LO, ev[0]) |
				     ((uint32_t)(FIELD_GET(AMDVI_EVT_DOMAIN, ev[0]) & 0xf) << 16);
		} else {
			out->domain = (uint16_t)FIELD_GET(AMDVI_EVT_DOMAIN, ev[0]);
		}
		out->is_dma_fault = true;
		out->write = (out->flags & AMDVI_EVTF_RW) != 0;
		if (out->flags & AMDVI_EVTF_RZ) {
			out->reason = IOASID_FAULT_REASON_BAD_TABLE;
		} else if ((out->flags & AMDVI_EVTF_PR) && (out->flags & AMDVI_EVTF_PE)) {
			out->reason = IOASID_FAULT_REASON_PERMISSION;
		} else {
			out->reason = IOASID_FAULT_REASON_NOT_PRESENT;
		}
		break;
	case AMDVI_EVT_ILLEGAL_DEV_TABLE:
		/* The DTE itself was refused: the device gets nothing; report it as blocked. */
		out->is_dma_fault = true;
		out->write = (out->flags & AMDVI_EVTF_RW) != 0;
		out->reason = IOASID_FAULT_REASON_BLOCKED;
		break;
	default:
		out->reason = IOASID_FAULT_REASON_OTHER; /* unit errors: logged, not a device's fault */
		break;
	}
}
