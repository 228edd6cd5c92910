/* SPDX-License-Identifier: MIT */
/* The core's locks are the hypervisor's ticket locks (include/hv/spinlock.h). */
#ifndef IOASID_LOCK_H
#define IOASID_LOCK_H

#include <hv/spinlock.h>

#endif /* IOASID_LOCK_H */
