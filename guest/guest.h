/* SPDX-License-Identifier: MIT */
/*
 * The ioasid-hv guest SDK (docs/GUEST.md): hypercall wrappers over <ioasid/abi.h>, a console,
 * and the start-up glue. A guest defines int guest_main(void); its return value is the exit
 * status passed to the EXIT hypercall (0 = success).
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ioasid/abi.h>

/* Guest-physical (= virtual) address of an object: the boot page tables are an identity map. */
static inline uint64_t gpa_of(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/*
 * long hv_call(call, req_gpa): the hypercall instruction of the arch, from
 * guest/<arch>/guest_arch.h (mk/guest.mk puts guest/$(ARCH) on the include path).
 */
#include "guest_arch.h"

/* The guest's main function. */
int guest_main(void);
/* Bytes of RAM in the region at GPA 0 (from the hypervisor at entry). */
extern uint64_t guest_ram_size;

/* Console: whole lines are shown as "[guest NAME] ..." by the hypervisor. */
long guest_write(const char *s, size_t len);
int guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* EXIT hypercall: never returns. */
__attribute__((noreturn)) void guest_exit(uint32_t code);

/* Wrappers: fill size and call; each returns the hypercall result. */
long ioasid_get_info(struct ioasid_get_info *r);
long ioasid_device_list(struct ioasid_device_list *r);
long ioasid_alloc(struct ioasid_alloc *r);
long ioasid_free(uint32_t ioasid);
long ioasid_map(struct ioasid_map *r);
long ioasid_unmap(struct ioasid_unmap *r);
long ioasid_attach(struct ioasid_attach *r);
long ioasid_detach(struct ioasid_detach *r);
long ioasid_invalidate(struct ioasid_invalidate *r);
long ioasid_fault_read(struct ioasid_fault_read *r);
/* Name of a result code ("0", "-EINVAL", ...); "(unknown)" for anything docs/ABI.md does not list. */
const char *ioasid_errname(long ret);
/* Is ret 0 or one of the error codes docs/ABI.md lists? */
bool ioasid_result_documented(long ret);

/*
 * Several vCPUs (docs/GUEST.md "Several vCPUs"). A guest whose configuration gives it `cpus`
 * has one vCPU per listed CPU; vCPU 0 runs guest_main(), the others are off until started.
 */
#define GUEST_SDK_MAX_VCPUS 16
#define GUEST_SDK_VCPU_STACK (16 * 1024)
/* How many vCPUs this guest has (from the boot information). */
unsigned guest_nr_vcpus(void);
/* The calling vCPU's number: 0 .. guest_nr_vcpus()-1 (x86: initial APIC ID; arm64: MPIDR Aff0). */
unsigned guest_vcpu_id(void);
/*
 * Start vCPU `vcpu` running fn(arg) on a stack of its own (GUEST_SDK_VCPU_STACK bytes); when fn
 * returns, the vCPU goes off and may be started again. x86: the VCPU_START call; arm64: PSCI
 * CPU_ON. Returns 0 or the call's error (x86 -IOASID_*; arm64 the PSCI code, e.g. -4
 * ALREADY_ON). fn must not be in use on that vCPU (its stack is reused).
 */
long guest_vcpu_start(unsigned vcpu, void (*fn)(void *), void *arg);
/* Take the calling vCPU off (not the last one on): -IOASID_EBUSY / PSCI DENIED if refused. */
long guest_vcpu_off(void);

/* A ticket spinlock for the guest's own data shared by its vCPUs. */
typedef struct {
	uint32_t next;
	uint32_t owner;
} guest_spinlock_t;

static inline void guest_spin_lock(guest_spinlock_t *l)
{
	uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me) {
		guest_cpu_relax();
	}
}

static inline void guest_spin_unlock(guest_spinlock_t *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

#endif /* GUEST_GUEST_H */
