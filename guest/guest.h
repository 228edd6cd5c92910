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
/* Name of a result code ("0", "-EINVAL", ...). */
const char *ioasid_errname(long ret);

#endif /* GUEST_GUEST_H */
