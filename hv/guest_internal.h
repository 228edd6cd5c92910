/* SPDX-License-Identifier: MIT */
/*
 * Shared by hv/guest.c (creating and tearing down a guest) and hv/guest_run.c (running its
 * vCPUs on their CPUs, hypercall routing). Not a public interface.
 */
#ifndef HV_GUEST_INTERNAL_H
#define HV_GUEST_INTERNAL_H

#include <hv/config.h>
#include <hv/guest.h>
#include <hv/spinlock.h>
#include <hv/vcpu.h>

#include "ioasid/core.h"

#define GUEST_LINE_MAX	160
#define GUEST_MAX_VCPUS VCPU_GROUP_MAX

/* A vCPU's life (hv/guest_run.c). */
enum guest_vcpu_state {
	GVCPU_OFF = 0, /* not started, or went off (VCPU_OFF, PSCI CPU_OFF) */
	GVCPU_PENDING, /* started by another vCPU; its CPU resets and enters it next */
	GVCPU_ON,      /* running (or about to) */
};

struct guest;

struct guest_vcpu {
	struct vcpu v;
	struct guest *gu;
	uint32_t state;		 /* enum guest_vcpu_state; atomic */
	bool created;		 /* vcpu_arch_create succeeded */
	struct vcpu_setup start; /* the entry for GVCPU_PENDING (under guest.lock) */
	uint64_t nr_hypercalls;
};

struct guest {
	const struct cfg_guest *cfg;
	unsigned cfg_index; /* its position in the configuration */
	struct hv_guest g;
	struct hv_mem_region mem[CFG_MAX_MEM];
	void *ram[CFG_MAX_MEM];
	unsigned ram_order[CFG_MAX_MEM];
	struct guest_boot_info boot;
	unsigned nr_assigned;	 /* cfg->devs[0..nr_assigned) were handed to the core (in order) */
	struct vcpu_setup setup; /* vCPU 0's entry; the nested table and boot tables of every vCPU */
	unsigned nr_vcpus;
	struct guest_vcpu vcpus[GUEST_MAX_VCPUS];
	struct vcpu_group group; /* the vCPUs, for the virtual interrupt controller */
	bool group_created;	 /* vcpu_arch_group_create succeeded */
	struct guest_irq *irq;	 /* its interrupt routes (hv/guest_irq.c), NULL: none yet */
	/*
	 * Lock order: after nothing (a leaf but for the log's lock). Guards the console line, the
	 * vCPUs' start parameters and the outcome.
	 */
	hv_spinlock_t lock;
	char line[GUEST_LINE_MAX];
	size_t line_len;
	uint32_t ending;   /* set once, atomically: every vCPU stops (stop_request) */
	uint32_t nr_loops; /* vCPU loops still running; the last one out tears the guest down */
	enum guest_outcome outcome;
	uint32_t status;
	char stop_reason[96];
};

/* hv/guest.c */
int guest_create(const struct cfg_guest *c, const struct bootinfo *bi, unsigned cfg_index, struct guest **out);
void guest_destroy(struct guest *gu);

/* hv/guest_irq.c: IOASID_CALL_IRQ_ROUTE (docs/ABI.md), and every route removed at teardown. */
struct guest_irq;
long guest_irq_route_call(struct guest *gu, gpa_t req);
void guest_irq_teardown(struct guest *gu);

#endif /* HV_GUEST_INTERNAL_H */
