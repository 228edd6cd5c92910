// SPDX-License-Identifier: MIT
/*
 * Quiescing a PCI function at guest teardown (include/hv/pci.h, pci_quiesce; docs/GUEST.md
 * "Teardown"). Blocking a device in the IOMMU stops its DMA from landing, but not the device:
 * a request it has queued is still issued later, faults (filling the IOMMU's fault-recording
 * registers) or, once the next owner is attached, lands in the next owner's space. So before the
 * IOMMU route goes, the function itself is stopped:
 *
 *   - Bus Master Enable off (PCI Local Bus 3.0 6.2.2, PCIe 6.0 7.5.1.1.3): the function may not
 *     issue memory requests, MSIs included. Memory Space decoding off too: nobody owns its BARs.
 *   - Outstanding requests: PCIe Device Status "Transactions Pending" (7.5.3.5), or the PCI AF
 *     capability's TP bit for conventional PCI, polled for at most PCI_QUIESCE_PENDING_MS (the
 *     implementation note in PCIe 6.0 6.6.2 tells software to wait for it before an FLR and to
 *     allow for the Completion Timeout, well under a second by default). A function with neither
 *     indicator and no reset gives no way to know: bus mastering stays off for a fixed grace
 *     period, PCI_QUIESCE_GRACE_MS (twice the time the spec allows an FLR), so a request it had
 *     queued meets a disabled bus master now rather than the next owner's attachment later.
 *     QEMU's edu is such a function: it issues a DMA 100 ms of virtual time after the command
 *     write, and with bus mastering off QEMU drops it (the bus-master address space is disabled).
 *   - Function Level Reset where the function has one: PCIe DevCap bit 28 -> DevCtl bit 15
 *     (6.6.2), else PCI AF (FLR and TP capable) -> AF Control bit 0. The function must complete
 *     it within 100 ms; after that it may still answer with Configuration Request Retry Status,
 *     which reads as all ones or as Vendor ID 0x0001 (7.5.1.1.1), so we poll for a real Vendor
 *     ID, bounded. An FLR clears the configuration the firmware set up (BARs and the rest, 6.6.2
 *     lists what survives), so it is saved first and written back, bus mastering still off.
 *
 * Every wait is bounded (include/hv/wait.h). Configuration space is reached through
 * pci_cfg_read/pci_cfg_write, so host tests run this file over a fake ECAM (tests/unit).
 */
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/pci.h>
#include <hv/wait.h>

#define PCI_MAX_STD_CAPS 48 /* 192 bytes of capability space / 4: a longer list loops */

struct qfn {
	const struct acpi_info *acpi;
	const struct pci_dev *pd;
};

static uint32_t qrd(const struct qfn *f, uint16_t off, unsigned width)
{
	return pci_cfg_read(f->acpi, f->pd->segment, f->pd->bus, f->pd->devfn, off, width);
}

static void qwr(const struct qfn *f, uint16_t off, unsigned width, uint32_t val)
{
	(void)pci_cfg_write(f->acpi, f->pd->segment, f->pd->bus, f->pd->devfn, off, width, val);
}

#define qlog(lvl, f, fmt, ...)                                                                                         \
	hv_log(lvl, "pci %04x:%02x:%02x.%x: quiesce: " fmt, (f)->pd->segment, (f)->pd->bus, (f)->pd->devfn >> 3,       \
	       (f)->pd->devfn & 7, ##__VA_ARGS__)

static void delay_ms(unsigned ms)
{
	(void)poll_until(false, (uint64_t)ms * 1000);
}

/* Offset of the PCI AF capability, 0 if none; the walk is bounded like pci.c's. */
static uint16_t find_af(const struct qfn *f)
{
	uint16_t off;

	if (!(qrd(f, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST)) {
		return 0;
	}
	off = qrd(f, PCI_CAP_PTR, 1) & 0xfc;
	for (unsigned n = 0; off >= 0x40 && n < PCI_MAX_STD_CAPS; n++) {
		if ((qrd(f, off, 1) & 0xff) == PCI_CAP_ID_AF) {
			return off;
		}
		off = qrd(f, off + 1, 1) & 0xfc;
	}
	return 0;
}

enum qreset { QRESET_NONE, QRESET_PCIE_FLR, QRESET_AF_FLR };

/* What survives an FLR only because we write it back (PCIe 6.0 6.6.2). */
struct qsaved {
	uint32_t bars[PCI_NR_BARS];
	unsigned nr_bars;
	uint32_t cls; /* cache line size, latency timer, header type, BIST dword */
	uint8_t intr_line;
	uint16_t devctl, devctl2;
	bool has_devctl2;
};

static void save_config(const struct qfn *f, struct qsaved *s)
{
	s->nr_bars = (f->pd->header_type & PCI_HEADER_MASK) == 0 ? PCI_NR_BARS : 2;
	for (unsigned i = 0; i < s->nr_bars; i++) {
		s->bars[i] = qrd(f, (uint16_t)(PCI_BAR0 + 4 * i), 4);
	}
	s->cls = qrd(f, PCI_CACHE_LINE_SIZE, 4);
	s->intr_line = (uint8_t)qrd(f, PCI_INTERRUPT_LINE, 1);
	if (f->pd->cap_exp != 0) {
		s->devctl = (uint16_t)(qrd(f, f->pd->cap_exp + PCI_EXP_DEVCTL, 2) & ~PCI_EXP_DEVCTL_FLR);
		s->has_devctl2 = (qrd(f, f->pd->cap_exp + PCI_EXP_FLAGS, 2) & 0xf) >= 2;
		if (s->has_devctl2) {
			s->devctl2 = (uint16_t)qrd(f, f->pd->cap_exp + PCI_EXP_DEVCTL2, 2);
		}
	}
}

static void restore_config(const struct qfn *f, const struct qsaved *s, uint16_t cmd)
{
	for (unsigned i = 0; i < s->nr_bars; i++) {
		qwr(f, (uint16_t)(PCI_BAR0 + 4 * i), 4, s->bars[i]);
	}
	/* Only the writable bytes: cache line size and latency timer. */
	qwr(f, PCI_CACHE_LINE_SIZE, 1, s->cls & 0xff);
	qwr(f, PCI_CACHE_LINE_SIZE + 1, 1, (s->cls >> 8) & 0xff);
	qwr(f, PCI_INTERRUPT_LINE, 1, s->intr_line);
	if (f->pd->cap_exp != 0) {
		qwr(f, f->pd->cap_exp + PCI_EXP_DEVCTL, 2, s->devctl);
		if (s->has_devctl2) {
			qwr(f, f->pd->cap_exp + PCI_EXP_DEVCTL2, 2, s->devctl2);
		}
	}
	qwr(f, PCI_COMMAND, 2, cmd);
}

/* Wait (bounded) for the function's pending-transactions indicator to clear. */
static int wait_pending(const struct qfn *f, enum qreset how, uint16_t af, bool *waited_grace)
{
	uint64_t start = arch_counter();
	int ret;

	*waited_grace = false;
	if (f->pd->cap_exp != 0) {
		uint16_t sta = (uint16_t)(f->pd->cap_exp + PCI_EXP_DEVSTA);

		ret = poll_until(!(qrd(f, sta, 2) & PCI_EXP_DEVSTA_TRPND), (uint64_t)PCI_QUIESCE_PENDING_MS * 1000);
	} else if (af != 0 && (qrd(f, af + PCI_AF_CAP, 1) & PCI_AF_CAP_TP)) {
		ret = poll_until(!(qrd(f, af + PCI_AF_STATUS, 1) & PCI_AF_STATUS_TP),
				 (uint64_t)PCI_QUIESCE_PENDING_MS * 1000);
	} else {
		if (how == QRESET_NONE) {
			qlog(LOG_INFO, f,
			     "no pending-transaction indicator and no reset: bus mastering stays off for %u ms",
			     PCI_QUIESCE_GRACE_MS);
			delay_ms(PCI_QUIESCE_GRACE_MS);
			*waited_grace = true;
		}
		return 0;
	}
	if (ret) {
		qlog(LOG_ERR, f, "transactions still pending after %u ms", PCI_QUIESCE_PENDING_MS);
		return ret;
	}
	qlog(LOG_INFO, f, "no transactions pending (%llu us)",
	     (unsigned long long)((arch_counter() - start) / (arch_counter_hz() / 1000000 + 1)));
	return 0;
}

/* A real Vendor ID: not all ones (no answer) and not 0x0001 (Retry Status, PCIe 7.5.1.1.1). */
static bool answers(const struct qfn *f)
{
	uint32_t id = qrd(f, PCI_VENDOR_ID, 2) & 0xffff;

	return id != 0xffff && id != 0x0001;
}

static int do_flr(const struct qfn *f, enum qreset how, uint16_t af, uint16_t cmd)
{
	struct qsaved s = { 0 };
	int ret;

	save_config(f, &s);
	if (how == QRESET_PCIE_FLR) {
		qwr(f, f->pd->cap_exp + PCI_EXP_DEVCTL, 2, s.devctl | PCI_EXP_DEVCTL_FLR);
	} else {
		qwr(f, af + PCI_AF_CTRL, 1, PCI_AF_CTRL_FLR);
	}
	delay_ms(PCI_QUIESCE_FLR_MS); /* PCIe 6.0 6.6.2: completed within 100 ms */
	ret = poll_until(answers(f), (uint64_t)PCI_QUIESCE_READY_MS * 1000);
	if (ret) {
		qlog(LOG_ERR, f, "no answer %u ms after its function-level reset",
		     PCI_QUIESCE_FLR_MS + PCI_QUIESCE_READY_MS);
		return ret;
	}
	restore_config(f, &s, cmd);
	/* Read the BARs back: a function whose BARs moved would decode someone else's addresses. */
	for (unsigned i = 0; i < s.nr_bars; i++) {
		uint32_t now = qrd(f, (uint16_t)(PCI_BAR0 + 4 * i), 4);

		if (now != s.bars[i]) {
			qlog(LOG_ERR, f, "BAR%u reads 0x%08x after the reset, not 0x%08x", i, now, s.bars[i]);
			return -EIO;
		}
	}
	qlog(LOG_INFO, f, "function-level reset (%s) done; BARs and settings written back",
	     how == QRESET_PCIE_FLR ? "PCIe FLR" : "PCI AF FLR");
	return 0;
}

int pci_quiesce(const struct acpi_info *acpi, const struct pci_dev *pd)
{
	const struct qfn fn = { acpi, pd }, *f = &fn;
	enum qreset how = QRESET_NONE;
	uint16_t cmd, off, af;
	bool grace;
	int ret, r;

	cmd = (uint16_t)qrd(f, PCI_COMMAND, 2);
	if ((qrd(f, PCI_VENDOR_ID, 2) & 0xffff) == 0xffff) {
		qlog(LOG_ERR, f, "the function does not answer configuration reads");
		return -ENODEV;
	}
	off = (uint16_t)(cmd & ~(PCI_COMMAND_MASTER | PCI_COMMAND_MEM));
	qwr(f, PCI_COMMAND, 2, off);
	if (qrd(f, PCI_COMMAND, 2) & PCI_COMMAND_MASTER) {
		qlog(LOG_ERR, f, "bus mastering cannot be switched off (command 0x%04x)", cmd);
		return -EIO;
	}
	qlog(LOG_INFO, f, "bus mastering and memory decoding off (command 0x%04x -> 0x%04x)", cmd, off);

	af = pd->cap_exp == 0 ? find_af(f) : 0;
	if (pd->cap_exp != 0 && (qrd(f, pd->cap_exp + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR)) {
		how = QRESET_PCIE_FLR;
	} else if (af != 0 && (qrd(f, af + PCI_AF_CAP, 1) & (PCI_AF_CAP_TP | PCI_AF_CAP_FLR)) ==
				      (PCI_AF_CAP_TP | PCI_AF_CAP_FLR)) {
		how = QRESET_AF_FLR; /* AF FLR is defined only together with TP (PCI AF ECN) */
	}
	/* Wait first, then reset: an FLR with requests outstanding may lose their completions. */
	ret = wait_pending(f, how, af, &grace);
	if (how == QRESET_NONE) {
		if (!grace) {
			qlog(LOG_INFO, f, "no function-level reset: bus mastering stays off");
		}
		return ret;
	}
	r = do_flr(f, how, af, off);
	return ret ? ret : r;
}
