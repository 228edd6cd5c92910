// SPDX-License-Identifier: MIT
/*
 * arch_counter() is the TSC. Its frequency comes from CPUID leaf 0x15 (TSC/crystal ratio,
 * SDM vol. 2, CPUID) when the CPU reports it, else from the median of three 10 ms windows of
 * PIT channel 2 (8254 datasheet; the PC speaker gate at port 0x61 starts the count and
 * reports OUT2).
 * Every wait here is bounded by an iteration count, since no timer is trusted yet.
 */
#include <hv/arch.h>
#include <hv/log.h>

#include "x86.h"

#define PIT_HZ 1193182ULL
#define PIT_CH2_DATA 0x42
#define PIT_MODE 0x43
# define PIT_MODE_CH2_LOHI_MODE0 0xb0 /* channel 2, lobyte/hibyte, mode 0, binary */
#define PIT_GATE_PORT 0x61
# define PIT_GATE_CH2 0x01
# define PIT_GATE_SPEAKER 0x02
# define PIT_GATE_OUT2 0x20

#define CALIBRATE_MS 10
#define CALIBRATE_SPIN 100000000ULL
#define TSC_FALLBACK_HZ 1000000000ULL

static uint64_t tsc_from_cpuid(void)
{
	uint32_t r[4];

	x86_cpuid(0, 0, r);
	if (r[0] < 0x15) {
		return 0;
	}
	x86_cpuid(0x15, 0, r); /* EAX denominator, EBX numerator, ECX crystal Hz */
	if (r[0] == 0 || r[1] == 0 || r[2] == 0) {
		return 0;
	}
	return (uint64_t)r[2] * r[1] / r[0];
}

static uint64_t tsc_from_pit(void)
{
	uint16_t count = PIT_HZ * CALIBRATE_MS / 1000;
	uint8_t gate = x86_inb(PIT_GATE_PORT);
	uint64_t t0, t1, spin;

	/* Gate low (stop), speaker off; program a one-shot count; gate high starts it. */
	x86_outb(PIT_GATE_PORT, gate & ~(PIT_GATE_CH2 | PIT_GATE_SPEAKER));
	x86_outb(PIT_MODE, PIT_MODE_CH2_LOHI_MODE0);
	x86_outb(PIT_CH2_DATA, count & 0xff);
	x86_outb(PIT_CH2_DATA, count >> 8);
	x86_outb(PIT_GATE_PORT, (gate & ~PIT_GATE_SPEAKER) | PIT_GATE_CH2);
	t0 = x86_rdtsc();
	for (spin = 0; spin < CALIBRATE_SPIN; spin++) {
		if (x86_inb(PIT_GATE_PORT) & PIT_GATE_OUT2) {
			break;
		}
	}
	t1 = x86_rdtsc();
	x86_outb(PIT_GATE_PORT, gate);
	if (spin == CALIBRATE_SPIN || t1 <= t0) {
		return 0;
	}
	return (t1 - t0) * 1000 / CALIBRATE_MS;
}

/*
 * Three 10 ms windows, the median: one window can be stretched by an SMI on hardware or by
 * the host descheduling QEMU under TCG.
 */
static uint64_t tsc_from_pit_median(void)
{
	uint64_t m[3], t;

	for (unsigned i = 0; i < 3; i++) {
		m[i] = tsc_from_pit();
		if (m[i] == 0) {
			return 0;
		}
	}
	for (unsigned i = 0; i < 3; i++) {
		for (unsigned j = i + 1; j < 3; j++) {
			if (m[j] < m[i]) {
				t = m[i];
				m[i] = m[j];
				m[j] = t;
			}
		}
	}
	return m[1];
}

uint64_t x86_tsc_calibrate(void)
{
	uint64_t hz = tsc_from_cpuid();

	if (hz != 0) {
		pr_info("timer: TSC %llu kHz (CPUID 0x15)", (unsigned long long)(hz / 1000));
		return hz;
	}
	hz = tsc_from_pit_median();
	if (hz != 0) {
		pr_info("timer: TSC %llu kHz (PIT calibrated)", (unsigned long long)(hz / 1000));
		return hz;
	}
	pr_warn("timer: TSC calibration failed; assuming 1 GHz");
	return TSC_FALLBACK_HZ;
}
