// SPDX-License-Identifier: MIT
/*
 * Test guest "irq" (issue 12, `<arch>-guest-irq`): interrupts end to end through the SDK's
 * guest/irq.h, the same source on both arches. Needs two vCPUs (`cpus = A-B`) and QEMU's edu
 * device (edu registers, QEMU docs/specs/edu.rst: interrupt status 0x24, acknowledge 0x64; DMA
 * command bit 2 raises interrupt 0x100 when the transfer completes; edu sends an MSI when its
 * MSI capability is enabled, which the hypervisor does for IRQ_ROUTE).
 *
 * 1. timer: the periodic timer at 1 kHz while the vCPU sleeps in HLT/WFI; every wake-up is one
 *    timer interrupt, none comes early, then a one-shot fires exactly once.
 * 2. ipi: vCPU 1 sends IPIS interrupts to vCPU 0 and vCPU 0 as many back, each acknowledged
 *    before the next: every one arrives, once.
 * 3. msi: MSI_ROUNDS edu DMA completions, each an MSI routed to GUEST_IRQ_DEV_BASE on vCPU 0,
 *    each waited for in HLT/WFI: exactly MSI_ROUNDS interrupts, each after its DMA.
 * 4. fault: the fault notification routed to GUEST_IRQ_DEV_BASE + 1, then an edu DMA to a GPA
 *    outside the guest's RAM: the interrupt comes, and FAULT_READ then has the record.
 */
#define GUEST_SDK
#include <hv/guest.h>
#include <string.h>

#include "guest/edu.h"
#include "guest/irq.h"
#include "guest/test.h"

#define EDU_REG_IRQ_STATUS 0x24
#define EDU_REG_IRQ_ACK	   0x64
#define EDU_REG_IRQ_RAISE  0x60 /* a write raises the interrupt (an MSI) at once */
#define EDU_CMD_IRQ	   0x4ULL
#define EDU_IRQ_DMA	   0x100U

#define TIMER_TICKS 50
#define IPIS	    100
#ifndef MSI_ROUNDS
#define MSI_ROUNDS 1000
#endif
#define LAT_ROUNDS 16
#define WAIT_MAX   1000000UL /* guest_wait_irq() calls before a test gives up */

#define VIRQ_MSI   (GUEST_IRQ_DEV_BASE)
#define VIRQ_FAULT (GUEST_IRQ_DEV_BASE + 1)
#define VIRQ_IPI   (GUEST_IRQ_IPI_BASE)

static volatile uint8_t *edu;
static uint32_t dev;
static volatile uint64_t timer_hits;
static volatile uint64_t ipi_hits[2];
static volatile uint64_t msi_hits, msi_status_bad;
static volatile uint64_t fault_hits;
static volatile uint32_t worker_state; /* 1: up, 2: done sending, 3: received all */
static uint8_t dma_buf[4096] __attribute__((aligned(4096)));

static void on_timer(unsigned virq, void *arg)
{
	(void)virq;
	(void)arg;
	timer_hits++;
}

static void on_ipi(unsigned virq, void *arg)
{
	(void)virq;
	(void)arg;
	ipi_hits[guest_vcpu_id() & 1]++;
}

/* TEST(msi)'s latency rounds: the handler's first and last counter reads. */
static volatile bool lat_mode;
static volatile uint64_t lat_t1, lat_t2;

static void on_msi(unsigned virq, void *arg)
{
	uint64_t t1 = guest_timer_now();
	uint32_t st = *(volatile uint32_t *)(edu + EDU_REG_IRQ_STATUS);

	(void)virq;
	(void)arg;
	if (lat_mode) {
		lat_t1 = t1;
		*(volatile uint32_t *)(edu + EDU_REG_IRQ_ACK) = st;
		msi_hits++;
		lat_t2 = guest_timer_now();
		return;
	}
	if ((st & EDU_IRQ_DMA) == 0) {
		msi_status_bad++;
	}
	*(volatile uint32_t *)(edu + EDU_REG_IRQ_ACK) = st;
	msi_hits++;
}

static void on_fault(unsigned virq, void *arg)
{
	(void)virq;
	(void)arg;
	fault_hits++;
}

/* Sleep until *counter reaches want; false after WAIT_MAX wake-ups. */
static bool wait_for(volatile uint64_t *counter, uint64_t want)
{
	for (unsigned long i = 0; i < WAIT_MAX; i++) {
		guest_irq_off();
		if (*counter >= want) {
			guest_irq_on();
			return true;
		}
		guest_wait_irq(); /* with interrupts masked up to the sleep: no lost wake-up */
		guest_irq_on();
	}
	return *counter >= want;
}

TEST(setup)
{
	const struct guest_boot_info *bi = (const void *)(uintptr_t)GUEST_BOOT_INFO;

	EXPECT_EQ(guest_nr_vcpus(), 2);
	EXPECT_EQ(bi->nr_devs, 1);
	edu = (volatile uint8_t *)(uintptr_t)bi->devs[0].bar_gpa[0];
	dev = bi->devs[0].dev_id;
	EXPECT_EQ(*(volatile uint32_t *)edu & 0xff, 0xed);
	EXPECT_EQ(guest_irq_init(), 0);
	EXPECT_EQ(guest_irq_set_handler(GUEST_IRQ_TIMER, on_timer, NULL), 0);
	EXPECT_EQ(guest_irq_set_handler(VIRQ_IPI, on_ipi, NULL), 0);
	EXPECT_EQ(guest_irq_set_handler(VIRQ_MSI, on_msi, NULL), 0);
	EXPECT_EQ(guest_irq_set_handler(VIRQ_FAULT, on_fault, NULL), 0);
	EXPECT_EQ(guest_irq_enable(GUEST_IRQ_TIMER, 0), 0);
	EXPECT_EQ(guest_irq_enable(VIRQ_IPI, 0), 0);
	EXPECT_EQ(guest_irq_enable(VIRQ_MSI, 0), 0);
	EXPECT_EQ(guest_irq_enable(VIRQ_FAULT, 0), 0);
	EXPECT_TRUE(guest_timer_hz() != 0);
}

TEST(timer)
{
	uint64_t hz = guest_timer_hz(), period = hz / 1000, t0, t1, before;

	EXPECT_TRUE(period != 0);
	timer_hits = 0;
	t0 = guest_timer_now();
	guest_timer_periodic(period);
	EXPECT_TRUE(wait_for(&timer_hits, TIMER_TICKS));
	guest_timer_stop();
	t1 = guest_timer_now();
	/* TIMER_TICKS interrupts need at least TIMER_TICKS - 1 whole periods after the first one. */
	EXPECT_TRUE(t1 - t0 >= (uint64_t)(TIMER_TICKS - 1) * period);
	guest_printf("timer: %llu interrupts at %llu Hz in %llu ticks (%llu ticks each)\n",
		     (unsigned long long)timer_hits, (unsigned long long)(hz / period), (unsigned long long)(t1 - t0),
		     (unsigned long long)((t1 - t0) / (timer_hits ? timer_hits : 1)));
	/* stopped: nothing more in 5 periods */
	before = timer_hits;
	for (t0 = guest_timer_now(); guest_timer_now() - t0 < 5 * period;) {
		guest_cpu_relax();
	}
	EXPECT_EQ(timer_hits, before);
	/* a one-shot fires exactly once */
	guest_timer_oneshot(2 * period);
	EXPECT_TRUE(wait_for(&timer_hits, before + 1));
	for (t0 = guest_timer_now(); guest_timer_now() - t0 < 5 * period;) {
		guest_cpu_relax();
	}
	EXPECT_EQ(timer_hits, before + 1);
}

static void worker(void *arg)
{
	(void)arg;
	if (guest_irq_init() != 0 || guest_irq_enable(VIRQ_IPI, 1) != 0) {
		return;
	}
	__atomic_store_n(&worker_state, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < IPIS; i++) {
		uint64_t want = i + 1;

		if (guest_send_ipi(0, VIRQ_IPI) != 0) {
			return;
		}
		for (unsigned long spin = 0; __atomic_load_n(&ipi_hits[0], __ATOMIC_ACQUIRE) < want; spin++) {
			if (spin > 100000000UL) {
				return;
			}
			guest_cpu_relax();
		}
	}
	__atomic_store_n(&worker_state, 2, __ATOMIC_RELEASE);
	/* and now receive as many, sleeping between them */
	wait_for(&ipi_hits[1], IPIS);
	__atomic_store_n(&worker_state, 3, __ATOMIC_RELEASE);
}

TEST(ipi)
{
	EXPECT_EQ(guest_vcpu_start(1, worker, NULL), 0);
	EXPECT_TRUE(wait_for(&ipi_hits[0], IPIS));
	for (unsigned long spin = 0; __atomic_load_n(&worker_state, __ATOMIC_ACQUIRE) < 2 && spin < 100000000UL;
	     spin++) {
		guest_cpu_relax();
	}
	EXPECT_EQ(worker_state, 2);
	EXPECT_EQ(ipi_hits[0], IPIS);
	for (unsigned i = 0; i < IPIS; i++) {
		uint64_t want = i + 1;

		EXPECT_EQ(guest_send_ipi(1, VIRQ_IPI), 0);
		for (unsigned long spin = 0;
		     __atomic_load_n(&ipi_hits[1], __ATOMIC_ACQUIRE) < want && spin < 100000000UL; spin++) {
			guest_cpu_relax();
		}
	}
	for (unsigned long spin = 0; __atomic_load_n(&worker_state, __ATOMIC_ACQUIRE) < 3 && spin < 100000000UL;
	     spin++) {
		guest_cpu_relax();
	}
	EXPECT_EQ(worker_state, 3);
	EXPECT_EQ(ipi_hits[1], IPIS);
	EXPECT_EQ(ipi_hits[0], IPIS); /* nothing came back twice */
}

TEST(msi)
{
	unsigned done = 0;
	uint64_t dma_hits;
	long r = guest_irq_route_msi(dev, 0, 0, VIRQ_MSI);

	EXPECT_EQ(r, 0);
	if (r != 0) {
		return; /* no route: nothing would ever wake the HLT below */
	}
	msi_hits = 0;
	for (unsigned i = 0; i < MSI_ROUNDS; i++) {
		volatile uint64_t *cmd = (volatile uint64_t *)(edu + EDU_REG_DMA_CMD);

		*(volatile uint64_t *)(edu + EDU_REG_DMA_SRC) = EDU_DEV_BUF;
		*(volatile uint64_t *)(edu + EDU_REG_DMA_DST) = gpa_of(dma_buf);
		*(volatile uint64_t *)(edu + EDU_REG_DMA_CNT) = 64;
		*cmd = EDU_CMD_START | EDU_CMD_TO_RAM | EDU_CMD_IRQ;
		if (!wait_for(&msi_hits, (uint64_t)i + 1)) {
			break;
		}
		if ((*cmd & EDU_CMD_START) != 0) { /* the MSI came before the DMA finished */
			break;
		}
		done++;
	}
	EXPECT_EQ(done, MSI_ROUNDS);
	EXPECT_EQ(msi_hits, MSI_ROUNDS);
	EXPECT_EQ(msi_status_bad, 0);
	dma_hits = msi_hits;
	/*
	 * Latency (docs/PERFORMANCE.md "Interrupt latency"): the edu's raise register sends its MSI
	 * at once. Counter ticks from the write to the handler's first instruction, and from the
	 * handler's last to the interrupted code (end of interrupt, return): under -icount
	 * shift=0 the counter is an instruction count. The smallest of LAT_ROUNDS.
	 */
	{
		uint64_t in = ~0ULL, out = ~0ULL;
		unsigned got = 0;

		lat_mode = true;
		for (unsigned i = 0; i < LAT_ROUNDS; i++) {
			uint64_t want = msi_hits + 1, t0, t3;

			guest_irq_off();
			t0 = guest_timer_now();
			*(volatile uint32_t *)(edu + EDU_REG_IRQ_RAISE) = 0x1;
			for (unsigned w = 0; w < 1000 && msi_hits < want; w++) {
				guest_wait_irq();
			}
			t3 = guest_timer_now();
			guest_irq_on();
			if (msi_hits == want) {
				got++;
				in = lat_t1 - t0 < in ? lat_t1 - t0 : in;
				out = t3 - lat_t2 < out ? t3 - lat_t2 : out;
			}
		}
		lat_mode = false;
		EXPECT_EQ(got, LAT_ROUNDS);
		guest_printf(
			"latency: MSI to handler %llu ticks, handler to interrupted code %llu ticks (best of %u)\n",
			(unsigned long long)in, (unsigned long long)out, LAT_ROUNDS);
	}
	/* a removed route delivers nothing more */
	EXPECT_EQ(guest_irq_unroute(IOASID_IRQ_MSI, dev, 0), 0);
	guest_printf("msi: %u DMA completions, %llu interrupts\n", done, (unsigned long long)dma_hits);
}

TEST(fault)
{
	const uint64_t outside = guest_ram_size + (64ULL << 20); /* no RAM there: blocked */
	struct ioasid_fault_record rec[8];
	struct ioasid_fault_read fr = { .num_records = 8, .records_gpa = gpa_of(rec) };
	bool seen = false;
	long r;

	memset(rec, 0, sizeof(rec));
	r = guest_irq_route_fault(0, VIRQ_FAULT);
	EXPECT_EQ(r, 0);
	if (r != 0) {
		return; /* no route: nothing would ever wake the HLT below */
	}
	(void)ioasid_fault_read(&fr); /* start from an empty queue */
	fault_hits = 0;
	(void)guest_edu_dma(edu, outside, 64, true);
	EXPECT_TRUE(wait_for(&fault_hits, 1));
	fr.num_records = 8;
	EXPECT_EQ(ioasid_fault_read(&fr), 0);
	for (unsigned i = 0; i < fr.out_num_records; i++) {
		seen |= rec[i].dev_id == dev && (rec[i].addr & ~0xfffULL) == outside;
	}
	EXPECT_TRUE(seen);
	EXPECT_EQ(guest_irq_unroute(IOASID_IRQ_FAULT, 0, 0), 0);
}

int guest_main(void)
{
	int failed = guest_run_tests();

	guest_printf("irq: %llu interrupts taken on vCPU 0\n", (unsigned long long)guest_irq_count());
	return failed;
}
