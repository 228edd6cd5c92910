/* SPDX-License-Identifier: MIT */
/*
 * GICv3 ITS command encoders and the LPI allocator: pure functions with no hardware access, so
 * the host unit tests (tests/unit/test_gicv3_its.c) build them too. Formats from Arm IHI 0069
 * 5.3 ("ITS commands"): every command is 32 bytes, four little-endian doublewords, the command
 * number in DW0[7:0].
 */
#ifndef DRIVERS_IRQCHIP_GICV3_ITS_ENC_H
#define DRIVERS_IRQCHIP_GICV3_ITS_ENC_H

#include <stdbool.h>
#include <stdint.h>

struct its_cmd {
	uint64_t d[4];
};
_Static_assert(sizeof(struct its_cmd) == 32, "ITS command is 32 bytes (IHI 0069 5.3)");

#define ITS_CMD_MOVI	0x01
#define ITS_CMD_INT	0x03
#define ITS_CMD_CLEAR	0x04
#define ITS_CMD_SYNC	0x05
#define ITS_CMD_MAPD	0x08
#define ITS_CMD_MAPC	0x09
#define ITS_CMD_MAPTI	0x0a
#define ITS_CMD_INV	0x0c
#define ITS_CMD_INVALL	0x0d
#define ITS_CMD_DISCARD 0x0f

#define ITS_ITT_ALIGN 256U /* MAPD's ITT_addr holds bits 51:8 (IHI 0069 5.3.9) */

/*
 * The target of MAPC / SYNC (IHI 0069 5.3.7 RDbase): with GITS_TYPER.PTA = 1 the
 * redistributor's physical address (64 KiB aligned), else its GICR_TYPER.Processor_Number.
 */
uint64_t its_rdbase(bool pta, uint64_t rd_pa, unsigned proc_nr);

/* MAPD (5.3.9): device -> ITT at itt_pa for 2^ev_bits EventIDs (1..32 bits); V = valid. */
struct its_cmd its_cmd_mapd(uint32_t devid, unsigned ev_bits, uint64_t itt_pa, bool valid);
/* MAPC (5.3.8): collection icid -> redistributor rdbase (its_rdbase). */
struct its_cmd its_cmd_mapc(uint16_t icid, uint64_t rdbase, bool valid);
/* MAPTI (5.3.11): (devid, event) -> physical LPI intid, collection icid. */
struct its_cmd its_cmd_mapti(uint32_t devid, uint32_t event, uint32_t intid, uint16_t icid);
/* INV (5.3.13), INT (5.3.12), DISCARD (5.3.5), CLEAR (5.3.4): on (devid, event). */
struct its_cmd its_cmd_inv(uint32_t devid, uint32_t event);
struct its_cmd its_cmd_int(uint32_t devid, uint32_t event);
struct its_cmd its_cmd_discard(uint32_t devid, uint32_t event);
struct its_cmd its_cmd_clear(uint32_t devid, uint32_t event);
/* INVALL (5.3.14) of a collection; SYNC (5.3.19) with one redistributor. */
struct its_cmd its_cmd_invall(uint16_t icid);
struct its_cmd its_cmd_sync(uint64_t rdbase);

/* EventID bits an ITT needs for nr events (at least 1: MAPD's Size is bits - 1). */
unsigned its_ev_bits(unsigned nr);
/* Bytes of an ITT for 2^ev_bits entries of esz bytes, rounded up to ITS_ITT_ALIGN. */
uint64_t its_itt_bytes(unsigned ev_bits, unsigned esz);

/* LPI configuration byte (IHI 0069 5.1.1): priority 7:2, bit 1 RES1, bit 0 Enable. */
uint8_t lpi_prop_byte(uint8_t prio, bool enable);

/*
 * The hypervisor's LPI allocator: a bitmap of nr LPIs (bit i: INTID 8192 + i taken). alloc
 * returns the lowest free index or -1; free of an index that is not taken returns false.
 */
int lpi_bitmap_alloc(uint64_t *bits, unsigned nr);
bool lpi_bitmap_free(uint64_t *bits, unsigned nr, unsigned i);

#endif /* DRIVERS_IRQCHIP_GICV3_ITS_ENC_H */
