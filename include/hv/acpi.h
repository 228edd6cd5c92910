/* SPDX-License-Identifier: MIT */
/*
 * ACPI discovery (drivers/acpi): what the firmware's tables say about CPUs, interrupt
 * controllers, PCI configuration space, IOMMUs, the console and the timers, decoded into plain
 * structs. Parsing is pure C over memory and never trusts a length: a table whose structures run
 * past its end, whose checksum is wrong, or whose counts overflow is reported and dropped, not
 * followed. The only hardware access (DMAR CAP/ECAP, SMMUv3 IDR0) is in acpi_probe_hw(), which
 * host tests do not call.
 *
 *   acpi_init(info, rsdp)       RSDP -> XSDT -> every table we know (checksums validated)
 *   acpi_probe_hw(info)         map and read the IOMMU ID registers (target only)
 *   acpi_log(info)              the boot log lines (madt:, mcfg:, dmar:, iort:, ivrs:, spcr:, gtdt:)
 *   pci_resolve_dmar_scopes()   (include/hv/pci.h) turns DMAR scope paths into BDFs once the
 *                               bridges' secondary bus numbers are known
 *
 * Specifications: ACPI 6.5 (5.2.5 RSDP, 5.2.6 header, 5.2.8 XSDT, 5.2.12 MADT, 5.2.25 GTDT),
 * PCI Firmware 3.3 4.1.2 (MCFG), Intel VT-d 4.1 chapter 8 (DMAR), Arm DEN0049E (IORT), AMD IOMMU
 * spec 48882 5.2 (IVRS),
 * Microsoft SPCR (rev. 2-4).
 */
#ifndef HV_ACPI_H
#define HV_ACPI_H

#include <hv/types.h>

#define ACPI_MAX_CPUS		 64
#define ACPI_MAX_IOAPICS	 4
#define ACPI_MAX_GICR		 4
#define ACPI_MAX_ITS		 4
#define ACPI_MAX_MCFG		 8
#define ACPI_MAX_DRHD		 8
#define ACPI_MAX_RMRR		 16
#define ACPI_MAX_ATSR		 8   /* ATSR and SATC structures together */
#define ACPI_MAX_SCOPES		 128 /* DMAR device scopes, shared by DRHD/RMRR/ATSR/SATC */
#define ACPI_SCOPE_MAX_PATH	 8   /* (device, function) hops below the start bus */
#define ACPI_MAX_IORT_ITS	 4
#define ACPI_MAX_IORT_SMMU	 4
#define ACPI_MAX_IORT_RC	 4
#define ACPI_MAX_IORT_IDMAPS	 64
#define ACPI_MAX_IORT_RMR	 8
#define ACPI_MAX_IORT_RMR_RANGES 16
#define ACPI_MAX_IVHD		 8
#define ACPI_MAX_IVRS_DEVS	 128 /* IVHD device entries (selects and ranges), all units */
#define ACPI_MAX_IVRS_SPECIAL	 16  /* IOAPIC / HPET special-device entries */
#define ACPI_MAX_IVMD		 16
#define ACPI_TABLE_MAX_LEN	 (1u << 20) /* sanity bound on any one table */
#define ACPI_MAX_TABLES		 64	    /* XSDT entries followed */

/* MADT (ACPI 6.5 5.2.12). */
enum acpi_cpu_kind { ACPI_CPU_LAPIC = 0, ACPI_CPU_X2APIC = 9, ACPI_CPU_GICC = 0xb };
#define ACPI_CPU_ENABLED	(1u << 0) /* Local APIC / GICC flags bit 0 */
#define ACPI_CPU_ONLINE_CAPABLE (1u << 1) /* x86 bit 1; GICC uses bit 3 (normalised here) */

struct acpi_cpu {
	uint8_t kind;		  /* enum acpi_cpu_kind */
	uint32_t uid;		  /* ACPI processor UID */
	uint64_t hwid;		  /* APIC ID, x2APIC ID, or GICC MPIDR (Aff3..Aff0 fields) */
	uint32_t flags;		  /* ACPI_CPU_* */
	hpa_t gicr_base;	  /* GICC: this CPU's redistributor, 0 if described by a GICR entry */
	uint32_t vgic_maint_gsiv; /* GICC: virtual GIC maintenance interrupt */
};

struct acpi_ioapic {
	uint8_t id;
	hpa_t base;
	uint32_t gsi_base;
};

struct acpi_gicr {
	hpa_t base;
	uint32_t length;
};

struct acpi_its {
	uint32_t id;
	hpa_t base;
};

struct acpi_madt {
	bool present;
	hpa_t lapic_base; /* x86 local APIC (32-bit field; no override handled) */
	uint32_t flags;	  /* bit 0 PCAT_COMPAT */
	unsigned nr_cpus; /* entries in cpus[] */
	unsigned nr_enabled;
	unsigned nr_dropped; /* CPUs beyond ACPI_MAX_CPUS */
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned nr_ioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	bool has_gicd;
	hpa_t gicd_base;
	uint8_t gic_version; /* GICD entry: 0 = not stated, 3, 4 */
	unsigned nr_gicr;
	struct acpi_gicr gicr[ACPI_MAX_GICR];
	unsigned nr_its;
	struct acpi_its its[ACPI_MAX_ITS];
};

/* MCFG (PCI Firmware 3.3 4.1.2): one ECAM window per (segment, bus range). */
struct acpi_mcfg_seg {
	hpa_t base; /* the address of bus 0's configuration space, even if start_bus > 0 */
	uint16_t segment;
	uint8_t start_bus;
	uint8_t end_bus;
};

/* DMAR (VT-d 4.1 8.3.1 device scope). */
enum acpi_scope_type {
	ACPI_SCOPE_PCI_ENDPOINT = 1,
	ACPI_SCOPE_PCI_BRIDGE = 2, /* the bridge and everything below it */
	ACPI_SCOPE_IOAPIC = 3,
	ACPI_SCOPE_HPET = 4,
	ACPI_SCOPE_NAMESPACE = 5,
};

struct acpi_dmar_scope {
	uint8_t type;	 /* enum acpi_scope_type */
	uint8_t enum_id; /* IOAPIC / HPET / namespace enumeration ID */
	uint8_t start_bus;
	uint8_t path_len; /* number of (device, function) pairs */
	uint8_t path[ACPI_SCOPE_MAX_PATH][2];
	/* Filled by pci_resolve_dmar_scopes(); for IOAPIC/HPET the path is taken literally. */
	bool resolved;
	uint8_t bus; /* the resolved BDF */
	uint8_t devfn;
	uint8_t sec_bus; /* PCI_BRIDGE scopes: the bridge's bus range */
	uint8_t sub_bus;
};

#define ACPI_DRHD_INCLUDE_PCI_ALL (1u << 0) /* VT-d 8.3 DRHD flags bit 0 */
struct acpi_drhd {
	hpa_t base;
	uint16_t segment;
	uint8_t flags;
	uint8_t size;	      /* register set size: 2^size 4 KiB pages (VT-d 8.3) */
	uint16_t first_scope; /* index into acpi_dmar.scopes */
	uint16_t nr_scopes;
	/* acpi_probe_hw() */
	uint64_t cap;
	uint64_t ecap;
};

struct acpi_rmrr {
	uint16_t segment;
	uint64_t base;	/* 4 KiB aligned */
	uint64_t limit; /* inclusive last byte */
	uint16_t first_scope;
	uint16_t nr_scopes;
};

#define ACPI_DMAR_ATSR	    2
#define ACPI_DMAR_SATC	    5
#define ACPI_ATSR_ALL_PORTS (1u << 0)
struct acpi_atsr {
	uint16_t type; /* ACPI_DMAR_ATSR or ACPI_DMAR_SATC */
	uint16_t segment;
	uint8_t flags; /* ATSR: ALL_PORTS; SATC: ATC_REQUIRED */
	uint16_t first_scope;
	uint16_t nr_scopes;
};

struct acpi_dmar {
	bool present;
	uint8_t haw;   /* host address width: HAW field + 1 */
	uint8_t flags; /* bit 0 INTR_REMAP, 1 X2APIC_OPT_OUT, 2 DMA_CTRL_PLATFORM_OPT_IN */
	unsigned nr_drhd;
	struct acpi_drhd drhd[ACPI_MAX_DRHD];
	unsigned nr_rmrr;
	struct acpi_rmrr rmrr[ACPI_MAX_RMRR];
	unsigned nr_atsr;
	struct acpi_atsr atsr[ACPI_MAX_ATSR];
	unsigned nr_scopes;
	struct acpi_dmar_scope scopes[ACPI_MAX_SCOPES];
	unsigned nr_skipped; /* structures of types we do not use (RHSA, ANDD, ...) */
};

/* IORT (Arm DEN0049E). Node references are byte offsets from the start of the table. */
enum acpi_iort_node_type {
	ACPI_IORT_ITS_GROUP = 0,
	ACPI_IORT_NAMED_COMPONENT = 1,
	ACPI_IORT_ROOT_COMPLEX = 2,
	ACPI_IORT_SMMU_V1V2 = 3,
	ACPI_IORT_SMMU_V3 = 4,
	ACPI_IORT_PMCG = 5,
	ACPI_IORT_RMR = 6,
};

#define ACPI_IORT_IDMAP_SINGLE (1u << 0) /* E.3 ID mapping flags bit 0 */
struct acpi_iort_idmap {
	uint32_t input_base;
	uint32_t nr_ids; /* as in the table: the number of IDs in the range minus one */
	uint32_t output_base;
	uint32_t output_ref; /* node offset */
	uint32_t flags;
};

struct acpi_iort_its_group {
	uint32_t offset;
	unsigned nr_ids;
	uint32_t its_ids[ACPI_MAX_ITS];
};

#define ACPI_IORT_SMMU_COHACC	   (1u << 0) /* COHACC override */
#define ACPI_IORT_SMMU_HTTU_MASK   (3u << 1)
#define ACPI_IORT_SMMU_PXM_VALID   (1u << 3)
#define ACPI_IORT_SMMU_DEVID_VALID (1u << 4) /* DeviceID mapping index valid (rev 5+) */
struct acpi_iort_smmu {
	uint32_t offset;
	hpa_t base;
	uint32_t flags;
	uint32_t model;
	uint32_t gsiv_event, gsiv_pri, gsiv_gerr, gsiv_sync;
	uint32_t devid_index; /* which ID mapping carries the SMMU's own MSIs */
	uint16_t first_map;
	uint16_t nr_maps;
	/* acpi_probe_hw() */
	uint32_t idr0;
};

struct acpi_iort_rc {
	uint32_t offset;
	uint32_t segment;
	uint32_t cca;	    /* memory access properties: cache coherent attribute */
	uint32_t ats;	    /* bit 0: ATS supported */
	uint8_t addr_limit; /* memory address size limit in bits (rev 1+), 0 if absent */
	uint16_t first_map;
	uint16_t nr_maps;
};

/*
 * RMR node (DEN0049E 3.1.1.7): memory that the StreamIDs named by its ID mappings (output
 * references to an SMMU) use before and after the OS/hypervisor takes over (firmware DMA,
 * MSI doorbells); the IORT counterpart of a DMAR RMRR.
 */
#define ACPI_IORT_RMR_REMAP_PERMITTED (1u << 0)
struct acpi_iort_rmr_range {
	uint64_t base;
	uint64_t length;
};
struct acpi_iort_rmr {
	uint32_t offset;
	uint32_t flags;
	uint16_t first_range; /* into acpi_iort.rmr_ranges */
	uint16_t nr_ranges;
	uint16_t first_map;
	uint16_t nr_maps;
};

struct acpi_iort {
	bool present;
	uint8_t revision;
	unsigned nr_its_groups;
	struct acpi_iort_its_group its_groups[ACPI_MAX_IORT_ITS];
	unsigned nr_smmus;
	struct acpi_iort_smmu smmus[ACPI_MAX_IORT_SMMU];
	unsigned nr_rcs;
	struct acpi_iort_rc rcs[ACPI_MAX_IORT_RC];
	unsigned nr_maps;
	struct acpi_iort_idmap maps[ACPI_MAX_IORT_IDMAPS];
	unsigned nr_rmrs;
	struct acpi_iort_rmr rmrs[ACPI_MAX_IORT_RMR];
	unsigned nr_rmr_ranges;
	struct acpi_iort_rmr_range rmr_ranges[ACPI_MAX_IORT_RMR_RANGES];
	unsigned nr_skipped; /* nodes of other types (named components, PMCG, SMMUv1/v2) */
};

/* SPCR (Microsoft Serial Port Console Redirection table). */
#define ACPI_SPCR_16550	    0x00
#define ACPI_SPCR_PL011	    0x03
#define ACPI_SPCR_SBSA_32   0x0d
#define ACPI_SPCR_SBSA	    0x0e
#define ACPI_SPCR_16550_GAS 0x12
struct acpi_spcr {
	bool present;
	uint8_t interface_type;
	uint8_t space_id; /* GAS: 0 system memory, 1 system I/O */
	uint8_t bit_width;
	uint8_t access_size; /* GAS: 1 byte, 2 word, 3 dword, 4 qword */
	uint64_t base;	     /* an MMIO address or an I/O port, per space_id */
	uint8_t irq_type;
	uint32_t gsiv;
	uint8_t baud_code;  /* 3 = 9600, 4 = 19200, 6 = 57600, 7 = 115200, 0 = as is */
	uint32_t baud_rate; /* decoded; 0 if "as is" */
};

/* GTDT (ACPI 6.5 5.2.25): the architected timer interrupts. */
struct acpi_gtdt {
	bool present;
	hpa_t cnt_control_base;
	uint32_t sec_el1_gsiv, sec_el1_flags;
	uint32_t el1_gsiv, el1_flags; /* non-secure EL1 physical timer */
	uint32_t virt_el1_gsiv, virt_el1_flags;
	uint32_t el2_gsiv, el2_flags;		/* non-secure EL2 physical timer */
	uint32_t virt_el2_gsiv, virt_el2_flags; /* rev 3+, 0 if absent */
};

/*
 * IVRS (AMD I/O Virtualization Technology spec 48882 rev 3.x, 5.2): IVHD blocks (types 10h,
 * 11h, 40h) describe one IOMMU each and the device IDs (segment-relative BDFs) it translates;
 * IVMD blocks (20h-22h) name memory that devices use on their own (the RMRR counterpart).
 * Several IVHD types may describe the same IOMMU: only the highest type we decode is kept
 * (5.2.2.1: software uses the newest block it understands).
 */
#define ACPI_IVHD_10 0x10
#define ACPI_IVHD_11 0x11
#define ACPI_IVHD_40 0x40

#define ACPI_IVRS_DEV_ALIAS (1u << 0) /* requests carry alias, not the device's own ID */
#define ACPI_IVRS_DEV_EXT   (1u << 1) /* extended entry: ext holds its setting */
struct acpi_ivrs_devs {
	uint16_t first; /* device ID range, inclusive; first == last for a select entry */
	uint16_t last;
	uint16_t alias; /* ACPI_IVRS_DEV_ALIAS: the requester ID the range's DMA carries */
	uint8_t dte;	/* DTE setting byte (5.2.2.2: INITPass, EIntPass, NMIPass, SysMgt, Lint0/1) */
	uint8_t flags;	/* ACPI_IVRS_DEV_* */
	uint8_t unit;	/* index into ivrs.ivhd[] */
	uint32_t ext;	/* extended setting (bit 31 ATS disabled) */
};

enum acpi_ivrs_special_kind { ACPI_IVRS_SPECIAL_IOAPIC = 1, ACPI_IVRS_SPECIAL_HPET = 2 };
struct acpi_ivrs_special {
	uint8_t variety; /* enum acpi_ivrs_special_kind */
	uint8_t handle;	 /* IOAPIC ID / HPET number */
	uint16_t devid;	 /* the requester ID its interrupts carry */
	uint8_t dte;
	uint8_t unit;
};

struct acpi_ivhd {
	uint8_t type; /* ACPI_IVHD_* */
	uint8_t flags;
	uint16_t devid; /* the IOMMU's own PCI function */
	uint16_t cap_off;
	hpa_t base; /* MMIO registers */
	uint16_t segment;
	uint16_t info;	    /* MSI number, UnitID */
	uint32_t attr;	    /* type 10h: feature reporting; 11h/40h: attributes */
	uint64_t efr;	    /* 11h/40h: the EFR register image (0 for 10h) */
	uint16_t max_devid; /* highest device ID named by its entries (sizes the device table) */
	uint16_t first_dev, nr_devs;
	uint16_t first_special, nr_special;
};

#define ACPI_IVMD_ALL	 0x20
#define ACPI_IVMD_SELECT 0x21
#define ACPI_IVMD_RANGE	 0x22
#define ACPI_IVMD_UNITY	 (1u << 0)
#define ACPI_IVMD_IR	 (1u << 1)
#define ACPI_IVMD_IW	 (1u << 2)
#define ACPI_IVMD_EXCL	 (1u << 3)
struct acpi_ivmd {
	uint8_t type; /* ACPI_IVMD_*: all devices, one, or a range */
	uint8_t flags;
	uint16_t first, last; /* device IDs (0-0xffff for ACPI_IVMD_ALL) */
	uint64_t base;	      /* 4 KiB aligned */
	uint64_t limit;	      /* inclusive last byte */
};

struct acpi_ivrs {
	bool present;
	uint32_t ivinfo; /* IVinfo: EFRSup, PA/VA/GVA sizes, HATDis */
	unsigned nr_ivhd;
	struct acpi_ivhd ivhd[ACPI_MAX_IVHD];
	unsigned nr_devs;
	struct acpi_ivrs_devs devs[ACPI_MAX_IVRS_DEVS];
	unsigned nr_special;
	struct acpi_ivrs_special special[ACPI_MAX_IVRS_SPECIAL];
	unsigned nr_ivmd;
	struct acpi_ivmd ivmd[ACPI_MAX_IVMD];
	unsigned nr_shadowed; /* IVHD blocks superseded by a higher type for the same IOMMU */
	unsigned nr_skipped;  /* ACPI HID device entries, unknown fixed-size entries and blocks */
};

struct acpi_info {
	bool rsdp_ok; /* RSDP and XSDT found with valid checksums */
	hpa_t xsdt;
	unsigned nr_tables;
	unsigned nr_bad; /* tables rejected (checksum, length, malformed structures) */
	bool hw_probed;	 /* acpi_probe_hw() ran: cap/ecap/idr0 are valid */
	struct acpi_madt madt;
	unsigned nr_mcfg;
	struct acpi_mcfg_seg mcfg[ACPI_MAX_MCFG];
	struct acpi_dmar dmar;
	struct acpi_iort iort;
	struct acpi_ivrs ivrs;
	struct acpi_spcr spcr;
	struct acpi_gtdt gtdt;
};

/* The hypervisor's one copy, filled at boot. */
extern struct acpi_info hv_acpi;

/*
 * Walk RSDP -> XSDT and parse every known table (MADT, MCFG, DMAR, IORT, IVRS, SPCR, GTDT).
 * -ENODEV if there is no valid RSDP/XSDT; a table that fails validation is logged, counted in
 * nr_bad and left out, and does not fail the walk. info is cleared first.
 */
int acpi_init(struct acpi_info *info, hpa_t rsdp);

/*
 * Validate one table (signature, length within avail, checksum) and parse it if known.
 * -EINVAL for a malformed table (info keeps nothing from it), -ENOENT for a table we do not
 * parse, -EEXIST for a second copy of one we already have.
 */
int acpi_parse_table(struct acpi_info *info, const void *table, size_t avail);

/* Validate the RSDP (both checksums, revision >= 2) and return the XSDT address. */
int acpi_rsdp_xsdt(const void *rsdp, size_t avail, hpa_t *xsdt);

/* 8-bit sum of len bytes (0 for a valid ACPI checksum). */
uint8_t acpi_checksum(const void *p, size_t len);

/* Map and read DMAR CAP/ECAP and SMMUv3 IDR0. Target only: host tests never call it. */
int acpi_probe_hw(struct acpi_info *info);

/* Boot log: one line per CPU count, ECAM window, DRHD, scope, RMRR, SMMU, root complex. */
void acpi_log(const struct acpi_info *info);

/* The MCFG window that holds (segment, bus), or NULL. */
const struct acpi_mcfg_seg *acpi_mcfg_find(const struct acpi_info *info, uint16_t segment, uint8_t bus);

/*
 * The DRHD unit translating (segment, bus, devfn), per VT-d 8.3.2: an explicit endpoint or
 * bridge scope (resolved) wins, else the segment's INCLUDE_PCI_ALL unit. -1 if none.
 */
int acpi_dmar_unit_for(const struct acpi_info *info, uint16_t segment, uint8_t bus, uint8_t devfn);

/* Where an IORT walk from a root complex ends. */
enum acpi_iort_target_kind { ACPI_IORT_TARGET_SMMU = 1, ACPI_IORT_TARGET_ITS = 2 };
struct acpi_iort_target {
	uint8_t kind;	/* enum acpi_iort_target_kind */
	unsigned index; /* into iort.smmus[] or iort.its_groups[] */
	uint32_t id;	/* StreamID (SMMU) or DeviceID (ITS) */
};

/*
 * Map the PCI requester ID rid of segment through the IORT, starting at the root complex node:
 * for DMA (to_its = false) stop at the first SMMUv3 and return its StreamID, or at the ITS
 * group if the RID bypasses every SMMU; for MSIs (to_its = true) keep following through SMMU
 * nodes to the ITS and return the DeviceID. -ENOENT if no root complex or mapping covers the
 * ID (or the chain reaches a node type we do not decode); -EINVAL if the chain is longer than
 * 8 nodes (a loop in the table).
 */
int acpi_iort_map_rid(const struct acpi_info *info, uint32_t segment, uint16_t rid, bool to_its,
		      struct acpi_iort_target *out);

/*
 * The MADT base address of the GIC ITS with this ITS ID (the IDs an IORT ITS group lists), so
 * a device's MSI doorbell (GITS_TRANSLATER, base + 0x10040) can be mapped for it. -ENOENT if
 * the MADT has no such ITS.
 */
int acpi_its_base(const struct acpi_info *info, uint32_t its_id, hpa_t *base);

/*
 * True if IORT RMR node rmr applies to StreamID sid of SMMU node smmu (one of its ID mappings
 * outputs a range holding sid into that SMMU): the SMMU driver must then keep the node's memory
 * ranges identity-mapped for that stream.
 */
bool acpi_iort_rmr_covers(const struct acpi_info *info, unsigned rmr, unsigned smmu, uint32_t sid);

/* How the IVRS says a device ID's DMA reaches an IOMMU. */
struct acpi_ivrs_dev_info {
	unsigned unit; /* index into ivrs.ivhd[] */
	uint16_t rid;  /* the requester ID its DMA carries (the alias, or the device ID) */
	uint8_t dte;   /* DTE setting byte */
	uint32_t ext;  /* extended setting, 0 if none */
};

/*
 * The IVHD unit translating device ID devid of segment, and the requester ID it uses: the
 * last entry naming it wins (5.2.2.2: later entries override earlier ones). -ENOENT if no
 * unit lists it.
 */
int acpi_ivrs_lookup(const struct acpi_info *info, uint16_t segment, uint16_t devid, struct acpi_ivrs_dev_info *out);

/* True if IVMD ivmd applies to device ID devid of (the only, 0) segment. */
bool acpi_ivmd_covers(const struct acpi_info *info, unsigned ivmd, uint16_t devid);

#endif /* HV_ACPI_H */
