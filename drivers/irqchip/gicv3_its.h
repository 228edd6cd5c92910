/* SPDX-License-Identifier: MIT */
/*
 * LPIs and the GICv3 ITS, owned by the hypervisor (Arm IHI 0069 chapters 5 and 6, docs/ARM64.md
 * "GIC and ITS"). gicv3_lpi.c: the LPI configuration table and each CPU's pending table in
 * hypervisor memory, LPIs enabled per redistributor, LPIs allocated from a bitmap.
 * gicv3_its.c: the ITS's device and collection tables and command queue in hypervisor memory,
 * one collection per CPU, and per device an ITT whose events map to hypervisor LPIs. A device's
 * DeviceID comes from the IORT (its requester ID mapped to the ITS group), never from anything
 * the device writes: the ITS takes the DeviceID from the interconnect's side-band, so a device
 * can raise only the events mapped for it.
 */
#ifndef DRIVERS_IRQCHIP_GICV3_ITS_H
#define DRIVERS_IRQCHIP_GICV3_ITS_H

#include <stdbool.h>
#include <stdint.h>

#include <hv/types.h>

struct acpi_info;
struct pci_dev;

#define GICV3_PRIO_LPI 0xb0 /* device MSIs: as the device SPIs, below the kick SGI */

/* ---- LPIs (gicv3_lpi.c) ---- */

/*
 * On the calling CPU, from gicv3_cpu_init() with its redistributor rd: the tables (made on the
 * first call), GICR_PROPBASER/PENDBASER, GICR_CTLR.EnableLPIs; then, if the ITS is already up,
 * this CPU's collection. 0 or a negative error (the CPU then takes no LPI).
 */
int gicv3_lpi_cpu_init(uintptr_t rd);
/* True if cpu (hypervisor CPU number) takes LPIs; its redistributor's base and number. */
bool gicv3_lpi_cpu(unsigned cpu, uintptr_t *rd, unsigned *proc_nr);
/* An unused LPI INTID (8192 + i, i < ARM64_IRQ_MAX_LPIS), disabled; -ENOSPC, -ENODEV. */
int gicv3_lpi_alloc(unsigned *intid);
void gicv3_lpi_free(unsigned intid);
/* Write intid's configuration byte (priority, enable). The ITS must INV it afterwards. */
void gicv3_lpi_config(unsigned intid, bool enable);
/* LPIs in use (self-tests, log). */
unsigned gicv3_lpi_nr_used(void);

/* ---- the ITS (gicv3_its.c) ---- */

/*
 * Boot CPU, after gicv3_init and its own gicv3_cpu_init: the first MADT ITS taken over
 * (disabled, tables and queue ours, enabled), a collection for every CPU with LPIs so far.
 * 0, -ENODEV (no ITS), or an error (the ITS is left disabled: no device MSIs).
 */
int gicv3_its_init(const struct acpi_info *acpi);
bool gicv3_its_ready(void);
/* A CPU's collection (MAPC + SYNC); gicv3_lpi_cpu_init calls it once the ITS is up. */
int gicv3_its_map_cpu(unsigned cpu);
/* The PCI function's DeviceID at our ITS (IORT: RID -> ... -> ITS group); -ENOENT, -ENODEV. */
int gicv3_its_devid(const struct pci_dev *p, uint32_t *devid);
/* The 4 KiB page holding GITS_TRANSLATER (ITS base + 64 KiB) and its offset in that page. */
hpa_t gicv3_its_doorbell_page(void);
#define GICV3_ITS_TRANSLATER_OFF 0x40
/*
 * Map (devid, event) to LPI intid on CPU cpu's collection: MAPD with an ITT for nr_events
 * EventIDs if the device has none yet, MAPTI, INV, SYNC. -EEXIST if the event is mapped,
 * -EINVAL (event >= the ITT's size, devid beyond the device table), -ENOSPC, -EIO (ITS dead).
 */
int gicv3_its_map_event(uint32_t devid, unsigned nr_events, uint32_t event, unsigned intid, unsigned cpu);
/*
 * DISCARD (the pending LPI dropped too) + SYNC; the device's last event also unmaps the device
 * (MAPD V=0) and frees its ITT. After it returns the ITS translates nothing more for the event.
 */
int gicv3_its_unmap_event(uint32_t devid, uint32_t event);
/* INT (devid, event) + SYNC: what a device's write of event would do (self-tests). */
int gicv3_its_int(uint32_t devid, uint32_t event);
/* Commands completed / ITS marked dead (statistics). */
uint64_t gicv3_its_nr_cmds(void);
bool gicv3_its_dead(void);

#endif /* DRIVERS_IRQCHIP_GICV3_ITS_H */
