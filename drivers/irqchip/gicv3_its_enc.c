// SPDX-License-Identifier: MIT
/* GICv3 ITS command encoders and the LPI bitmap (gicv3_its_enc.h). Arm IHI 0069 5.3. */
#include <hv/bits.h>

#include "drivers/irqchip/gicv3_its_enc.h"

#define ITS_DW0_CMD    GENMASK(7, 0)
#define ITS_DW0_DEVID  GENMASK(63, 32)
#define ITS_DW1_EVENT  GENMASK(31, 0)
#define ITS_DW1_PINTID GENMASK(63, 32)
#define ITS_DW1_SIZE   GENMASK(4, 0)
#define ITS_DW2_ICID   GENMASK(15, 0)
#define ITS_DW2_ITT    GENMASK(51, 8)
#define ITS_DW2_RDBASE GENMASK(51, 16)
#define ITS_DW2_VALID  BIT(63)

uint64_t its_rdbase(bool pta, uint64_t rd_pa, unsigned proc_nr)
{
	/* Both forms sit in RDbase[51:16]: the address's own bits, or the number shifted there. */
	return pta ? rd_pa & ITS_DW2_RDBASE : FIELD_PREP(ITS_DW2_RDBASE, proc_nr);
}

static struct its_cmd dev_event(unsigned op, uint32_t devid, uint32_t event)
{
	return (struct its_cmd){ .d = { FIELD_PREP(ITS_DW0_CMD, op) | FIELD_PREP(ITS_DW0_DEVID, devid),
					FIELD_PREP(ITS_DW1_EVENT, event), 0, 0 } };
}

struct its_cmd its_cmd_mapd(uint32_t devid, unsigned ev_bits, uint64_t itt_pa, bool valid)
{
	struct its_cmd c = dev_event(ITS_CMD_MAPD, devid, 0);

	c.d[1] = valid ? FIELD_PREP(ITS_DW1_SIZE, ev_bits - 1) : 0;
	c.d[2] = (valid ? (itt_pa & ITS_DW2_ITT) : 0) | (valid ? ITS_DW2_VALID : 0);
	return c;
}

struct its_cmd its_cmd_mapc(uint16_t icid, uint64_t rdbase, bool valid)
{
	return (struct its_cmd){
		.d = { FIELD_PREP(ITS_DW0_CMD, ITS_CMD_MAPC), 0,
		       FIELD_PREP(ITS_DW2_ICID, icid) | (rdbase & ITS_DW2_RDBASE) | (valid ? ITS_DW2_VALID : 0), 0 }
	};
}

struct its_cmd its_cmd_mapti(uint32_t devid, uint32_t event, uint32_t intid, uint16_t icid)
{
	struct its_cmd c = dev_event(ITS_CMD_MAPTI, devid, event);

	c.d[1] |= FIELD_PREP(ITS_DW1_PINTID, intid);
	c.d[2] = FIELD_PREP(ITS_DW2_ICID, icid);
	return c;
}

struct its_cmd its_cmd_inv(uint32_t devid, uint32_t event)
{
	return dev_event(ITS_CMD_INV, devid, event);
}

struct its_cmd its_cmd_int(uint32_t devid, uint32_t event)
{
	return dev_event(ITS_CMD_INT, devid, event);
}

struct its_cmd its_cmd_discard(uint32_t devid, uint32_t event)
{
	return dev_event(ITS_CMD_DISCARD, devid, event);
}

struct its_cmd its_cmd_clear(uint32_t devid, uint32_t event)
{
	return dev_event(ITS_CMD_CLEAR, devid, event);
}

struct its_cmd its_cmd_invall(uint16_t icid)
{
	return (struct its_cmd){ .d = { FIELD_PREP(ITS_DW0_CMD, ITS_CMD_INVALL), 0, FIELD_PREP(ITS_DW2_ICID, icid),
					0 } };
}

struct its_cmd its_cmd_sync(uint64_t rdbase)
{
	return (struct its_cmd){ .d = { FIELD_PREP(ITS_DW0_CMD, ITS_CMD_SYNC), 0, rdbase & ITS_DW2_RDBASE, 0 } };
}

unsigned its_ev_bits(unsigned nr)
{
	unsigned b = 1;

	while (b < 32 && (1ULL << b) < nr) {
		b++;
	}
	return b;
}

uint64_t its_itt_bytes(unsigned ev_bits, unsigned esz)
{
	uint64_t n = ((uint64_t)esz << ev_bits) + ITS_ITT_ALIGN - 1;

	return n - n % ITS_ITT_ALIGN;
}

uint8_t lpi_prop_byte(uint8_t prio, bool enable)
{
	return (uint8_t)((prio & 0xfcU) | 0x2U | (enable ? 1U : 0U));
}

int lpi_bitmap_alloc(uint64_t *bits, unsigned nr)
{
	for (unsigned i = 0; i < nr; i++) {
		if (!(bits[i / 64] & (1ULL << (i % 64)))) {
			bits[i / 64] |= 1ULL << (i % 64);
			return (int)i;
		}
	}
	return -1;
}

bool lpi_bitmap_free(uint64_t *bits, unsigned nr, unsigned i)
{
	if (i >= nr || !(bits[i / 64] & (1ULL << (i % 64)))) {
		return false;
	}
	bits[i / 64] &= ~(1ULL << (i % 64));
	return true;
}
