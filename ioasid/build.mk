# SPDX-License-Identifier: MIT
# The IOASID core and the page-table engine (arch-neutral), every arch. Files are listed one by
# one: a deleted or renamed file breaks the build instead of silently dropping out.
HV_SRCS += ioasid/core.c ioasid/dispatch.c ioasid/fault.c ioasid/guestmem.c ioasid/identity.c \
	ioasid/ioasid_obj.c ioasid/nested.c ioasid/pt.c ioasid/pt_foreign.c ioasid/validate.c
