// SPDX-License-Identifier: MIT
/*
 * Running the guests (include/hv/guest.h, docs/GUEST.md "Running"): every vCPU in a loop on
 * its own physical CPU, the hypercalls the hypervisor answers itself (CONSOLE_WRITE, EXIT,
 * VCPU_START, VCPU_OFF; arm64 PSCI CPU_ON/CPU_OFF/AFFINITY_INFO), everything else to
 * ioasid_dispatch().
 *
 * Partitions (docs/CONFIG.md `cpus`): a guest with a `cpus` list has one vCPU per listed CPU,
 * pinned there; all such guests are created first and started together, each vCPU loop given
 * to its CPU with smp_call_on(). Guests without `cpus` keep the single-CPU behaviour: one vCPU,
 * run on the boot CPU one after the other (created, run, torn down), while the partitions run.
 *
 * Ending: the first vCPU that ends its guest (EXIT, a stop, SYSTEM_OFF, the last vCPU going
 * off) records the outcome under guest.lock and sets `ending`; every other vCPU of the guest
 * gets stop_request and a kick (an IPI/SGI ends its run), so a guest that spins is stopped
 * too. The last vCPU loop out tears the guest down on its own CPU (devices quiesced and
 * blocked, faults drained, RAM freed, or kept for good if a route may still reach it) and
 * reports it: each guest's end is logged as it happens, whatever the others do. The boot CPU
 * waits for every result and then returns; one guest never waits for another.
 *
 * Memory coherence: the nested tables never change while a guest runs (GPA IOASIDs are
 * immutable), so vCPUs on several CPUs need no TLB shoot-down; a CPU's first entry of a vCPU
 * flushes the ASID/VMID there (arch), and RAM is zeroed by the allocator before any reuse.
 */
#include <stdlib.h>
#include <string.h>

#include <hv/bits.h>
#include <hv/errno.h>
#include <hv/log.h>
#include <hv/percpu.h>
#include <hv/smp.h>

#include "hv/guest_internal.h"

#define GUEST_CONSOLE_MAX 4096U /* ioasid_console_write.length limit (abi.h) */

/* PSCI (Arm DEN 0022 D.b, 5.1): the calls about vCPUs the generic code answers. */
#define PSCI_CPU_OFF		 0x84000002U
#define PSCI_CPU_ON_32		 0x84000003U
#define PSCI_CPU_ON_64		 0xC4000003U
#define PSCI_AFFINITY_INFO_32	 0x84000004U
#define PSCI_AFFINITY_INFO_64	 0xC4000004U
#define PSCI_SUCCESS		 0
#define PSCI_INVALID_PARAMETERS	 (-2)
#define PSCI_DENIED		 (-3)
#define PSCI_ALREADY_ON		 (-4)
#define PSCI_ON_PENDING		 (-5)
#define PSCI_INVALID_ADDRESS	 (-9)
#define PSCI_AFFINITY_ON	 0
#define PSCI_AFFINITY_OFF	 1
#define PSCI_AFFINITY_ON_PENDING 2

/* What the boot CPU learns of each guest (by configuration index) once it has ended. */
struct guest_result {
	uint32_t done; /* atomic: the rest is valid */
	enum guest_outcome outcome;
	uint32_t status;
};
static struct guest_result results[CFG_MAX_GUESTS];

/* Emit complete lines as "[guest NAME] text"; a full buffer is flushed as a line. Under gu->lock. */
static void guest_console_put(struct guest *gu, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '\r') {
			continue;
		}
		if (ch != '\n' && (ch < 0x20 || ch > 0x7e)) {
			ch = '?'; /* the guest cannot send terminal control sequences */
		}
		if (ch != '\n') {
			gu->line[gu->line_len++] = ch;
		}
		if (ch == '\n' || gu->line_len == sizeof(gu->line) - 1) {
			gu->line[gu->line_len] = '\0';
			pr_info("[guest %s] %s", gu->cfg->name, gu->line);
			gu->line_len = 0;
		}
	}
}

/* A half line the guest left is printed before anything the hypervisor says about it. */
static void guest_console_flush(struct guest *gu)
{
	hv_spin_lock(&gu->lock);
	if (gu->line_len) {
		guest_console_put(gu, "\n", 1);
	}
	hv_spin_unlock(&gu->lock);
}

static long guest_console_write(struct guest *gu, gpa_t req)
{
	struct ioasid_console_write r;
	char buf[128];
	int ret = ioasid_req_in(&gu->g, req, &r, sizeof(r));

	if (ret) {
		return ret;
	}
	if (r.flags != 0 || r.__reserved != 0 || r.length > GUEST_CONSOLE_MAX) {
		return -EINVAL;
	}
	/* Check the whole buffer first, so a bad one prints nothing. */
	if (!guest_range_in_ram(&gu->g, gpa(r.buf_gpa), r.length)) {
		return -EFAULT;
	}
	/* One whole write at a time: the guest's line buffer is shared by its vCPUs. */
	hv_spin_lock(&gu->lock);
	for (uint32_t off = 0; off < r.length;) {
		uint32_t n = MIN((uint32_t)sizeof(buf), r.length - off);

		ret = guest_copy_from(&gu->g, buf, gpa(r.buf_gpa + off), n);
		if (ret) {
			break;
		}
		guest_console_put(gu, buf, n);
		off += n;
	}
	hv_spin_unlock(&gu->lock);
	return ret;
}

/*
 * End the guest (once; later calls change nothing): record why, then stop every other vCPU.
 * reason is NULL for an orderly exit.
 */
static void guest_end(struct guest *gu, enum guest_outcome outcome, uint32_t status, const char *reason)
{
	bool first = false;

	hv_spin_lock(&gu->lock);
	if (!__atomic_load_n(&gu->ending, __ATOMIC_RELAXED)) {
		gu->outcome = outcome;
		gu->status = status;
		if (reason != NULL) {
			strncpy(gu->stop_reason, reason, sizeof(gu->stop_reason) - 1);
		}
		__atomic_store_n(&gu->ending, 1, __ATOMIC_RELEASE);
		first = true;
	}
	hv_spin_unlock(&gu->lock);
	if (!first) {
		return;
	}
	for (unsigned k = 0; k < gu->nr_vcpus; k++) {
		struct guest_vcpu *gv = &gu->vcpus[k];

		__atomic_store_n(&gv->v.stop_request, 1, __ATOMIC_RELEASE);
		smp_kick(gv->v.cpu); /* not the caller's CPU; wakes an idle vCPU loop or ends a run */
	}
}

static long guest_exit_call(struct guest *gu, gpa_t req, bool *stop)
{
	struct ioasid_exit r;
	int ret = ioasid_req_in(&gu->g, req, &r, sizeof(r));

	if (ret) {
		return ret;
	}
	if (r.flags != 0 || r.__reserved != 0) {
		return -EINVAL;
	}
	guest_end(gu, GUEST_EXITED, r.code, NULL);
	*stop = true;
	return 0;
}

/*
 * Make vCPU `k` pending start at entry with the given stack and argument. 0, or: -ENOENT (no
 * such vCPU), -EBUSY (not off), -EFAULT (entry or stack outside RAM), -EINVAL (alignment).
 */
static int guest_vcpu_start(struct guest *gu, uint32_t k, uint64_t entry, uint64_t stack, uint64_t arg, bool need_stack)
{
	struct guest_vcpu *gv;
	int ret = 0;

	if (k >= gu->nr_vcpus) {
		return -ENOENT;
	}
	if (!vcpu_arch_entry_ok(gpa(entry)) || (stack & 15) != 0) {
		return -EINVAL;
	}
	if (!guest_range_in_ram(&gu->g, gpa(entry), 4) ||
	    (need_stack && (stack < 16 || !guest_range_in_ram(&gu->g, gpa(stack - 16), 16)))) {
		return -EFAULT;
	}
	gv = &gu->vcpus[k];
	hv_spin_lock(&gu->lock);
	if (__atomic_load_n(&gv->state, __ATOMIC_ACQUIRE) != GVCPU_OFF) {
		ret = -EBUSY;
	} else {
		gv->start = gu->setup;
		gv->start.entry = gpa(entry);
		gv->start.stack_top = gpa(stack);
		gv->start.arg0 = arg;
		gv->start.arg1 = GUEST_BOOT_INFO;
		__atomic_store_n(&gv->state, GVCPU_PENDING, __ATOMIC_RELEASE);
	}
	hv_spin_unlock(&gu->lock);
	if (ret == 0) {
		smp_kick(gv->v.cpu);
	}
	return ret;
}

static long guest_vcpu_start_call(struct guest *gu, gpa_t req)
{
	struct ioasid_vcpu_start r;
	int ret = ioasid_req_in(&gu->g, req, &r, sizeof(r));

	if (ret) {
		return ret;
	}
	if (r.flags != 0 || r.__reserved != 0) {
		return -EINVAL;
	}
	return guest_vcpu_start(gu, r.vcpu, r.entry_gpa, r.stack_gpa, r.arg, true);
}

/*
 * The calling vCPU goes off, unless it is the last one not off: a guest ends only by EXIT (or
 * SYSTEM_OFF), never by losing its last vCPU, so that vCPU stays on and gets -EBUSY.
 */
static int guest_vcpu_off(struct guest_vcpu *gv)
{
	struct guest *gu = gv->gu;
	bool others = false;

	hv_spin_lock(&gu->lock);
	for (unsigned k = 0; k < gu->nr_vcpus; k++) {
		others |= k != gv->v.index && __atomic_load_n(&gu->vcpus[k].state, __ATOMIC_ACQUIRE) != GVCPU_OFF;
	}
	if (others) {
		__atomic_store_n(&gv->state, GVCPU_OFF, __ATOMIC_RELEASE);
	}
	hv_spin_unlock(&gu->lock);
	return others ? 0 : -EBUSY;
}

/* arm64 PSCI calls about vCPUs. VMPIDR_EL2 of vCPU k is Aff0 = k (docs/ARM64.md). */
static long guest_psci(struct guest_vcpu *gv, const struct vcpu_exit *e, bool *went_off)
{
	struct guest *gu = gv->gu;
	uint64_t target = e->args[0]; /* SMC32 calls: the arch passed 32-bit arguments (vcpu.h) */
	int ret;

	switch ((uint32_t)e->call) {
	case PSCI_CPU_ON_32:
	case PSCI_CPU_ON_64:
		if ((target & ~0xffULL) != 0 || target >= gu->nr_vcpus) {
			return PSCI_INVALID_PARAMETERS;
		}
		ret = guest_vcpu_start(gu, (uint32_t)target, e->args[1], 0, e->args[2], false);
		if (ret == -EBUSY) {
			return __atomic_load_n(&gu->vcpus[target].state, __ATOMIC_ACQUIRE) == GVCPU_PENDING
				       ? PSCI_ON_PENDING
				       : PSCI_ALREADY_ON;
		}
		return ret == 0				  ? PSCI_SUCCESS
		       : ret == -EFAULT || ret == -EINVAL ? PSCI_INVALID_ADDRESS
							  : PSCI_INVALID_PARAMETERS;
	case PSCI_CPU_OFF:
		/* Success is never seen by the guest: the vCPU is off until CPU_ON. */
		if (guest_vcpu_off(gv) != 0) {
			return PSCI_DENIED;
		}
		*went_off = true;
		return PSCI_SUCCESS;
	case PSCI_AFFINITY_INFO_32:
	case PSCI_AFFINITY_INFO_64:
		if ((target & ~0xffULL) != 0 || target >= gu->nr_vcpus || e->args[1] != 0) {
			return PSCI_INVALID_PARAMETERS;
		}
		switch (__atomic_load_n(&gu->vcpus[target].state, __ATOMIC_ACQUIRE)) {
		case GVCPU_ON:
			return PSCI_AFFINITY_ON;
		case GVCPU_PENDING:
			return PSCI_AFFINITY_ON_PENDING;
		default:
			return PSCI_AFFINITY_OFF;
		}
	default:
		return PSCI_DENIED;
	}
}

/* One hypercall of vCPU gv. *stop: the guest ended; *off: this vCPU went off. */
static long guest_hypercall(struct guest_vcpu *gv, const struct vcpu_exit *e, bool *stop, bool *off)
{
	struct guest *gu = gv->gu;

	gv->nr_hypercalls++;
	switch (e->call) {
	case IOASID_CALL_CONSOLE_WRITE:
		return guest_console_write(gu, gpa(e->arg));
	case IOASID_CALL_EXIT:
		return guest_exit_call(gu, gpa(e->arg), stop);
	case IOASID_CALL_VCPU_START:
		return guest_vcpu_start_call(gu, gpa(e->arg));
	case IOASID_CALL_VCPU_OFF:
		if (guest_vcpu_off(gv) != 0) {
			return -EBUSY;
		}
		*off = true;
		return 0;
	case IOASID_CALL_IRQ_ROUTE:
		return guest_irq_route_call(gu, gpa(e->arg));
	case IOASID_CALL_FAULT_READ:
		guest_iommu_collect_faults(); /* see hv/guest_iommu_<iommu>.c */
		return ioasid_dispatch(&gu->g, e->call, gpa(e->arg));
	default:
		return ioasid_dispatch(&gu->g, e->call, gpa(e->arg));
	}
}

/* Log the end, tear the guest down and hand the result to the boot CPU. Last vCPU loop only. */
static void guest_finish(struct guest *gu)
{
	struct guest_result *r = &results[gu->cfg_index];
	uint64_t calls = 0;

	for (unsigned k = 0; k < gu->nr_vcpus; k++) {
		calls += gu->vcpus[k].nr_hypercalls;
	}
	guest_console_flush(gu);
	if (gu->outcome == GUEST_EXITED) {
		pr_info("guest %s: exited with status %u after %llu hypercalls", gu->cfg->name, gu->status,
			(unsigned long long)calls);
	}
	r->outcome = gu->outcome;
	r->status = gu->status;
	guest_destroy(gu);
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	smp_kick(0);
}

/* Handle a stop: log it with the registers, end the guest. */
static void guest_vcpu_stopped(struct guest_vcpu *gv, const char *reason)
{
	struct guest *gu = gv->gu;

	guest_console_flush(gu);
	if (gu->nr_vcpus > 1) {
		pr_err("guest %s: vCPU %u stopped: %s", gu->cfg->name, gv->v.index, reason);
	} else {
		pr_err("guest %s: stopped: %s", gu->cfg->name, reason);
	}
	vcpu_arch_dump(&gv->v);
	guest_end(gu, GUEST_STOPPED, 0, reason);
}

/*
 * The vCPU waits for an interrupt (HLT/WFI): sleep this CPU until it has one to take, the guest
 * ends, or a kick (virq_send from another CPU, a stop). arch_cpu_idle() returns on any
 * interrupt of this CPU, and the arch armed its timer for the vCPU's next timer event in
 * vcpu_arch_wake_pending(), so every wait is bounded by an event that is looked at again.
 */
static void guest_vcpu_sleep(struct guest_vcpu *gv)
{
	while (!__atomic_load_n(&gv->v.stop_request, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&gv->gu->ending, __ATOMIC_ACQUIRE) && !vcpu_arch_wake_pending(&gv->v)) {
		arch_cpu_idle();
	}
}

/*
 * The loop of one vCPU, on its CPU (smp_call_on, or called on the boot CPU). Returns when the
 * guest has ended; the last loop out tears it down.
 */
static void guest_vcpu_loop(void *arg)
{
	struct guest_vcpu *gv = arg;
	struct guest *gu = gv->gu;
	struct vcpu_exit e;
	int ret = vcpu_arch_cpu_init();

	if (ret) {
		pr_err("guest %s: CPU %u cannot run vCPUs (%d %s)", gu->cfg->name, arch_cpu_id(), ret,
		       hv_strerror(ret));
		guest_end(gu, GUEST_STOPPED, 0, "the CPU cannot run vCPUs");
	}
	if (gv->v.index == 0) {
		pr_info("guest %s: start%s", gu->cfg->name, gu->cfg->cpus != 0 ? " (partition)" : "");
	}
	while (!__atomic_load_n(&gu->ending, __ATOMIC_ACQUIRE)) {
		uint32_t state = __atomic_load_n(&gv->state, __ATOMIC_ACQUIRE);
		bool stop = false, off = false;
		long r;

		if (state == GVCPU_OFF) {
			arch_cpu_idle(); /* until VCPU_START / CPU_ON kicks us, or the guest ends */
			continue;
		}
		if (state == GVCPU_PENDING) {
			ret = vcpu_arch_reset(&gv->v, &gv->start);
			if (ret) {
				guest_vcpu_stopped(gv, "the vCPU could not be reset for its start");
				break;
			}
			__atomic_store_n(&gv->state, GVCPU_ON, __ATOMIC_RELEASE);
		}
		this_cpu()->vcpu = &gv->v;
		ret = vcpu_arch_run(&gv->v, &e);
		this_cpu()->vcpu = NULL;
		if (ret) {
			pr_err("guest %s: cannot run (%d %s)", gu->cfg->name, ret, hv_strerror(ret));
			guest_end(gu, GUEST_STOPPED, 0, "cannot run");
			break;
		}
		switch (e.kind) {
		case VCPU_EXIT_KICK:
			continue; /* the loop condition looks at why */
		case VCPU_EXIT_HALT:
			guest_vcpu_sleep(gv);
			continue;
		case VCPU_EXIT_OFF:
			/* As an EXIT hypercall with code 0 (docs/ARM64.md, "Hypercalls"). */
			guest_end(gu, GUEST_EXITED, 0, NULL);
			break;
		case VCPU_EXIT_STOP:
			guest_vcpu_stopped(gv, e.reason);
			break;
		case VCPU_EXIT_PSCI:
			gv->nr_hypercalls++;
			r = guest_psci(gv, &e, &off);
			if (!off) {
				vcpu_arch_hypercall_done(&gv->v, r);
			}
			continue;
		case VCPU_EXIT_HYPERCALL:
			r = guest_hypercall(gv, &e, &stop, &off);
			if (stop) {
				break;
			}
			if (off) {
				continue; /* no result: a later VCPU_START resets every register */
			}
			vcpu_arch_hypercall_done(&gv->v, r);
			continue;
		}
		break;
	}
	if (__atomic_sub_fetch(&gu->nr_loops, 1, __ATOMIC_ACQ_REL) == 0) {
		guest_finish(gu);
	}
}

/* Start a partition: each vCPU loop on its own CPU. */
static int guest_start_partition(struct guest *gu)
{
	__atomic_store_n(&gu->nr_loops, gu->nr_vcpus, __ATOMIC_RELEASE);
	for (unsigned k = 0; k < gu->nr_vcpus; k++) {
		int ret = smp_call_on(gu->vcpus[k].v.cpu, guest_vcpu_loop, &gu->vcpus[k]);

		if (ret) {
			/* config_validate checked the CPU is up and given once: a bug, but stay safe. */
			pr_err("guest %s: CPU %u refused vCPU %u (%d %s)", gu->cfg->name, gu->vcpus[k].v.cpu, k, ret,
			       hv_strerror(ret));
			guest_end(gu, GUEST_STOPPED, 0, "a CPU refused its vCPU");
			/* The loops never started count themselves out here. */
			for (unsigned j = k; j < gu->nr_vcpus; j++) {
				if (__atomic_sub_fetch(&gu->nr_loops, 1, __ATOMIC_ACQ_REL) == 0) {
					guest_finish(gu);
				}
			}
			return ret;
		}
	}
	return 0;
}

int guests_run_all(const struct hv_config *cfg, const struct bootinfo *bi)
{
	unsigned order[CFG_MAX_GUESTS], n = 0, exited = 0, bad = 0, stopped = 0, parts;
	struct guest *created[CFG_MAX_GUESTS] = { 0 };
	int ret;

	ret = vcpu_arch_cpu_init();
	if (ret) {
		return ret;
	}
	memset(results, 0, sizeof(results));
	/* Partitions first, all created before any starts, then started together. */
	for (unsigned i = 0; i < cfg->nr_guests; i++) {
		const struct cfg_guest *c = &cfg->guests[i];
		struct guest *gu = NULL;

		if (c->cpus == 0) {
			continue;
		}
		ret = guest_create(c, bi, i, &gu);
		if (ret) {
			pr_err("guest %s: not created (%d %s)", c->name, ret, hv_strerror(ret));
			for (unsigned k = 0; k < n; k++) {
				guest_destroy(created[order[k]]); /* never ran */
			}
			return ret;
		}
		order[n++] = i;
		created[i] = gu;
	}
	parts = n;
	if (parts != 0) {
		pr_info("hv: starting %u partition(s) on their own CPUs", parts);
	}
	for (unsigned k = 0; k < parts; k++) {
		guest_start_partition(created[order[k]]);
	}
	/* Guests without `cpus`: on this CPU, one after the other, console owner first. */
	for (unsigned pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < cfg->nr_guests; i++) {
			const struct cfg_guest *c = &cfg->guests[i];
			struct guest *gu = NULL;

			if (c->cpus != 0 || c->console != (pass == 0)) {
				continue;
			}
			ret = guest_create(c, bi, i, &gu);
			if (ret) {
				pr_err("guest %s: not created (%d %s)", c->name, ret, hv_strerror(ret));
				return ret;
			}
			order[n++] = i;
			gu->nr_loops = 1;
			guest_vcpu_loop(&gu->vcpus[0]);
		}
	}
	/* Wait for every partition's end (each reports its own as it happens). */
	for (unsigned k = 0; k < n; k++) {
		while (!__atomic_load_n(&results[order[k]].done, __ATOMIC_ACQUIRE)) {
			arch_cpu_idle();
		}
		if (results[order[k]].outcome == GUEST_EXITED) {
			exited++;
			bad += results[order[k]].status != 0;
		} else {
			stopped++;
		}
	}
	pr_info("hv: %u guest(s) ran: %u exited (%u with a non-zero status), %u stopped by the hypervisor", n, exited,
		bad, stopped);
	return bad ? -EFAULT : 0;
}
