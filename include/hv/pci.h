/* SPDX-License-Identifier: MIT */
/*
 * PCI discovery (drivers/pci): ECAM configuration access and a bounded enumeration of every
 * segment and bus the MCFG describes, decoded into plain structs the IOMMU drivers and the
 * partition configuration consume.
 *
 *   pci_enumerate(pci, acpi)          every function: IDs, class, header type, BARs (sized with
 *                                     decode disabled), capabilities, bridge bus numbers
 *   pci_resolve_dmar_scopes(acpi, pci) DMAR device-scope paths -> BDFs (VT-d 8.3.2)
 *   pci_log(pci)                      "pci 0000:00:01.0 1234:11e8 class 00ff00 rev 10" lines
 *   pci_dma_aliases(d, rids, max)     the requester IDs d's DMA may carry (bridges above it)
 *   pci_group_all(pci)                isolation groups: functions sharing a requester ID, or
 *                                     functions of one multi-function device without ACS
 *
 * Configuration space goes through struct pci_cfg_ops: the default reads and writes ECAM with
 * the MMIO accessors; host tests install a fake that models BAR sizing.
 *
 * Specifications: PCI Express Base 6.0 (7.2.2 ECAM, 7.5.1 type 0/1 headers, 7.5.1.2.1 BAR
 * sizing, 7.5.3 PCIe capability, 7.6 extended capabilities, 10.5.1 ATS, 6.20 PASID, 10.5.2 PRI),
 * PCI Local Bus 3.0 6.8 (MSI), 6.8.2 (MSI-X).
 */
#ifndef HV_PCI_H
#define HV_PCI_H

#include <hv/acpi.h>
#include <hv/types.h>

#define PCI_MAX_DEVS 128
#define PCI_NR_BARS  6

/* Type 0/1 header (PCIe 7.5.1). */
#define PCI_VENDOR_ID	      0x00
#define PCI_DEVICE_ID	      0x02
#define PCI_COMMAND	      0x04
#define PCI_COMMAND_IO	      (1u << 0)
#define PCI_COMMAND_MEM	      (1u << 1)
#define PCI_COMMAND_MASTER    (1u << 2)
#define PCI_STATUS	      0x06
#define PCI_STATUS_CAP_LIST   (1u << 4)
#define PCI_CLASS_REV	      0x08 /* revision in 7:0, class code in 31:8 */
#define PCI_HEADER_TYPE	      0x0e
#define PCI_HEADER_MULTI      (1u << 7)
#define PCI_HEADER_MASK	      0x7f
#define PCI_BAR0	      0x10
#define PCI_BAR_IO	      (1u << 0)
#define PCI_BAR_MEM_TYPE_MASK (3u << 1)
#define PCI_BAR_MEM_64	      (2u << 1)
#define PCI_BAR_PREFETCH      (1u << 3)
#define PCI_PRIMARY_BUS	      0x18 /* type 1: primary, secondary, subordinate bus numbers */
#define PCI_SECONDARY_BUS     0x19
#define PCI_SUBORDINATE_BUS   0x1a
#define PCI_CAP_PTR	      0x34
#define PCI_CFG_SIZE	      0x1000
#define PCI_EXT_CAP_START     0x100

/* Capability IDs (PCI Code and ID Assignment 1.x, 2 and 3). */
#define PCI_CAP_ID_MSI	     0x05
#define PCI_CAP_ID_EXP	     0x10
#define PCI_CAP_ID_MSIX	     0x11
#define PCI_EXT_CAP_ID_ATS   0x0f
#define PCI_EXT_CAP_ID_PRI   0x13
#define PCI_EXT_CAP_ID_PASID 0x1b

#define PCI_BAR_F_IO	   (1u << 0)
#define PCI_BAR_F_64	   (1u << 1)
#define PCI_BAR_F_PREFETCH (1u << 2)
struct pci_bar {
	uint64_t base; /* as programmed by the firmware (address bits only) */
	uint64_t size; /* 0: BAR not implemented */
	uint8_t flags; /* PCI_BAR_F_* */
};

struct pci_dev {
	uint16_t segment;
	uint8_t bus;
	uint8_t devfn; /* device << 3 | function */
	uint16_t vendor;
	uint16_t device;
	uint32_t class_code; /* base class, sub-class, prog-if */
	uint8_t revision;
	uint8_t header_type; /* 0 endpoint, 1 PCI-to-PCI bridge */
	bool multifunction;
	uint8_t sec_bus; /* type 1 only */
	uint8_t sub_bus;
	struct pci_bar bars[PCI_NR_BARS]; /* a 64-bit BAR fills bars[i]; bars[i+1] is unused */
	/* Capability offsets in configuration space, 0 if absent. */
	uint8_t cap_msi;
	uint8_t cap_msix;
	uint8_t cap_exp;
	uint8_t pcie_type;	  /* PCIe capability device/port type (7.5.3.2), if cap_exp */
	uint16_t msix_table_size; /* MSI-X vectors */
	uint16_t ecap_ats;
	uint16_t ecap_pasid;
	uint16_t ecap_pri;
	bool cap_list_bad; /* the capability list was cut short (loop or bad pointer) */
	/* DMA requester IDs and isolation (pci_group_all(), run by pci_enumerate()): */
	const struct pci_dev *upstream; /* the bridge whose secondary bus this is; NULL: root bus */
	uint16_t ecap_acs;		/* ACS extended capability (PCIe 7.7.8), 0 if absent */
	uint16_t acs_cap;		/* its ACS Capability and Control registers */
	uint16_t acs_ctrl;
	uint16_t group; /* isolation group, 1.. in enumeration order; 0: not grouped */
};

struct pci_info {
	unsigned nr_devs;
	unsigned nr_dropped; /* functions found beyond PCI_MAX_DEVS */
	unsigned nr_segments;
	struct pci_dev devs[PCI_MAX_DEVS];
};

extern struct pci_info hv_pci;

/* Configuration-space accessors: addr is the ECAM byte address; width is 1, 2 or 4. */
struct pci_cfg_ops {
	uint32_t (*read)(void *ctx, uint64_t addr, unsigned width);
	void (*write)(void *ctx, uint64_t addr, unsigned width, uint32_t val);
	void *ctx;
};

/* Replace the ECAM accessors (host tests); NULL restores the MMIO default. */
void pci_set_cfg_ops(const struct pci_cfg_ops *ops);

/*
 * Enumerate every bus of every MCFG window: maps each window with arch_map_mmio(), probes
 * functions 0-7 of devices 0-31 (functions 1-7 only when function 0 is multi-function), and
 * decodes each found function. 0, -ENODEV if there is no MCFG, or arch_map_mmio()'s error.
 * pci is cleared first.
 */
int pci_enumerate(struct pci_info *pci, const struct acpi_info *acpi);

/* The function at (segment, bus, devfn), or NULL. */
const struct pci_dev *pci_find(const struct pci_info *pci, uint16_t segment, uint8_t bus, uint8_t devfn);

/* The first function with these IDs, or NULL. */
const struct pci_dev *pci_find_id(const struct pci_info *pci, uint16_t vendor, uint16_t device);

/*
 * Resolve each DMAR PCI device scope (VT-d 8.3.2): start at start_bus, and for every hop but
 * the last, find the bridge at (bus, dev, fn) and continue on its secondary bus. Scopes whose
 * path leads nowhere stay unresolved (logged at warning level). Returns how many resolved.
 */
unsigned pci_resolve_dmar_scopes(struct acpi_info *acpi, const struct pci_info *pci);

/* Configuration-space access for drivers (the edu self-test enables bus mastering). */
uint32_t pci_cfg_read(const struct acpi_info *acpi, uint16_t segment, uint8_t bus, uint8_t devfn, uint16_t off,
		      unsigned width);
int pci_cfg_write(const struct acpi_info *acpi, uint16_t segment, uint8_t bus, uint8_t devfn, uint16_t off,
		  unsigned width, uint32_t val);

void pci_log(const struct pci_info *pci);

/*
 * ---- DMA requester-ID aliases and isolation groups (drivers/pci/pci.c) -------------------
 *
 * A function's DMA does not always carry its own requester ID (bus << 8 | devfn). Walking up
 * from it, every bridge above may substitute one (PCIe 6.0 2.2.6.2; PCIe-to-PCI/PCI-X Bridge
 * 1.0 2.3, 8.2; Linux pci_for_each_dma_alias() applies the same rules):
 *   - PCIe Root Ports and switch ports (types 4, 5, 6) forward the requester ID unchanged;
 *   - a PCIe-to-PCI/PCI-X bridge (PCIe capability type 7) takes ownership of transactions from
 *     its conventional side: they carry (secondary bus, devfn 0);
 *   - a PCI-to-PCIe bridge (type 8) and a conventional PCI-to-PCI bridge (no PCIe capability)
 *     forward with their own ID.
 * The IOMMU may therefore see any of these IDs, so a route is installed for each, and
 * functions that can appear under a common ID cannot be told apart: they are one isolation
 * group, and a group goes to one guest or none (hv/guest_groups.c, docs/DISCOVERY.md).
 */
#define PCI_MAX_DMA_ALIASES 8 /* own ID + the bridges above it that alias (deeper: -E2BIG) */

/* PCIe capability device/port types (PCIe 6.0 7.5.3.2). */
#define PCI_EXP_TYPE_ENDPOINT	 0x0
#define PCI_EXP_TYPE_ROOT_PORT	 0x4
#define PCI_EXP_TYPE_UPSTREAM	 0x5
#define PCI_EXP_TYPE_DOWNSTREAM	 0x6
#define PCI_EXP_TYPE_PCI_BRIDGE	 0x7 /* PCIe-to-PCI/PCI-X bridge */
#define PCI_EXP_TYPE_PCIE_BRIDGE 0x8 /* PCI/PCI-X-to-PCIe bridge */

/* Access Control Services (PCIe 6.0 7.7.8): Capability at +4, Control at +6, same bits. */
#define PCI_EXT_CAP_ID_ACS 0x0d
#define PCI_ACS_CAP	   0x04
#define PCI_ACS_CTRL	   0x06
#define PCI_ACS_SV	   (1u << 0) /* source validation */
#define PCI_ACS_RR	   (1u << 2) /* P2P request redirect */
#define PCI_ACS_CR	   (1u << 3) /* P2P completion redirect */
#define PCI_ACS_UF	   (1u << 4) /* upstream forwarding */

#define PCI_RID(bus, devfn) ((uint16_t)((unsigned)(bus) << 8 | (devfn)))

/*
 * The requester IDs d's DMA may carry, on d's segment: rids[0] is d's own ID, then one per
 * aliasing bridge on the way up (duplicates left out); via[i] (may be NULL) is the bridge that
 * introduced rids[i] (via[0] = NULL). Returns how many (1..max), -E2BIG if max is too small
 * (PCI_MAX_DMA_ALIASES always suffices for a topology pci_enumerate() accepted), -EINVAL if max
 * is 0. Interrupt remapping uses the same IDs for source validation.
 */
int pci_dma_aliases_via(const struct pci_dev *d, uint16_t *rids, const struct pci_dev **via, unsigned max);
int pci_dma_aliases(const struct pci_dev *d, uint16_t *rids, unsigned max);

/*
 * Link every function to its upstream bridge and form the isolation groups: two functions of
 * a segment are in one group if their pci_dma_aliases() share an ID, or if they are functions
 * of one multi-function device and either lacks ACS P2P Request and Completion Redirect
 * (conventional functions have no ACS at all). Not modelled: peer-to-peer through switch
 * downstream ports or root ports without ACS (docs/DISCOVERY.md). pci_enumerate() calls it;
 * returns the number of groups.
 */
unsigned pci_group_all(struct pci_info *pci);

/* "pci: group N: ..." lines: members, and each alias with the bridge that introduces it. */
void pci_log_groups(const struct pci_info *pci);

/*
 * Everything above in boot order (drivers/pci/discover.c): acpi_init, acpi_probe_hw,
 * pci_enumerate, pci_resolve_dmar_scopes, acpi_log, pci_log, into hv_acpi and hv_pci.
 * 0, or the first step's error (-ENODEV without ACPI or MCFG).
 */
int hv_discover(hpa_t rsdp);

/*
 * ---- Stopping a function's DMA before its owner goes away (drivers/pci/pci_quiesce.c) ----
 *
 * PCI Express capability registers (PCIe 6.0 7.5.3), offsets from pci_dev.cap_exp, and the PCI
 * Advanced Features capability of conventional PCI (PCI AF ECN; capability ID 0x13).
 */
#define PCI_COMMAND_INTX_DISABLE (1u << 10)
#define PCI_INTERRUPT_LINE	 0x3c
#define PCI_CACHE_LINE_SIZE	 0x0c /* cache line size, latency timer: restored after FLR */
#define PCI_EXP_FLAGS		 0x02 /* capability version in 3:0 */
#define PCI_EXP_DEVCAP		 0x04
#define PCI_EXP_DEVCAP_FLR	 (1u << 28) /* Function Level Reset Capability (7.5.3.3) */
#define PCI_EXP_DEVCTL		 0x08
#define PCI_EXP_DEVCTL_FLR	 (1u << 15) /* Initiate Function Level Reset (7.5.3.4) */
#define PCI_EXP_DEVSTA		 0x0a
#define PCI_EXP_DEVSTA_TRPND	 (1u << 5) /* Transactions Pending (7.5.3.5) */
#define PCI_EXP_DEVCTL2		 0x28	   /* capability version 2 and later */
#define PCI_CAP_ID_AF		 0x13
#define PCI_AF_CAP		 0x03
#define PCI_AF_CAP_TP		 (1u << 0)
#define PCI_AF_CAP_FLR		 (1u << 1)
#define PCI_AF_CTRL		 0x04
#define PCI_AF_CTRL_FLR		 (1u << 0)
#define PCI_AF_STATUS		 0x05
#define PCI_AF_STATUS_TP	 (1u << 0)

/* Bounds of pci_quiesce()'s waits, in milliseconds (pci_quiesce.c says where each comes from). */
#define PCI_QUIESCE_PENDING_MS 1000 /* Transactions Pending must clear within this */
#define PCI_QUIESCE_FLR_MS     100  /* after initiating an FLR (PCIe 6.0 6.6.2) */
#define PCI_QUIESCE_READY_MS   1000 /* after that, until the function answers again */
#define PCI_QUIESCE_GRACE_MS   200  /* no pending indicator and no reset: bus mastering stays off */

/*
 * Stop function pd's DMA before the guest that owned it is torn down (or anything else it could
 * reach is freed), logging each step as "pci SSSS:BB:DD.F: quiesce: ...":
 *   1. bus mastering and memory decoding off (Command register), read back;
 *   2. wait for outstanding requests: PCIe Transactions Pending or PCI AF TP, bounded; a function
 *      with neither gets a fixed grace period with bus mastering off;
 *   3. function-level reset where the function has one (PCIe DevCap FLR, else PCI AF FLR),
 *      followed by the 100 ms wait and a bounded wait until it answers, then the configuration
 *      the firmware gave it (BARs, cache line size, interrupt line, PCIe DevCtl/DevCtl2) is
 *      written back with bus mastering and memory decoding still off.
 * 0 when the function is stopped as far as it can tell; -ENODEV if it does not answer
 * configuration reads (nothing was written); -EIO if bus mastering cannot be switched off, or
 * the BARs do not read back as saved after the reset; -ETIMEDOUT if transactions stayed pending
 * or it did not come back from its reset (every other step was still done). Never waits longer
 * than the sum of the PCI_QUIESCE_*_MS bounds.
 */
int pci_quiesce(const struct acpi_info *acpi, const struct pci_dev *pd);

/*
 * The MSI capability (drivers/pci/msi.c), programmed by the hypervisor only. pci_msi_count: the
 * vectors it offers to route (0: no MSI). pci_msi_program: message (addr, data) for vector
 * source, then MSI enabled; 0, -EOPNOTSUPP (no capability), -EINVAL (source, or a 64-bit
 * address for a 32-bit capability). pci_msi_disable: MSI enable off.
 */
unsigned pci_msi_count(const struct pci_dev *p);
int pci_msi_program(const struct pci_dev *p, unsigned source, uint64_t addr, uint32_t data);
void pci_msi_disable(const struct pci_dev *p);

#endif /* HV_PCI_H */
