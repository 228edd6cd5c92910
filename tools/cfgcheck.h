/* SPDX-License-Identifier: MIT */
/* tools/cfgcheck: the machine description the pre-flight stand-ins use (tools/cfgcheck_host.c). */
#ifndef TOOLS_CFGCHECK_H
#define TOOLS_CFGCHECK_H

#include <stdint.h>

struct cfgcheck_dev {
	uint16_t segment;
	uint8_t bus, devfn;
};

struct cfgcheck_platform {
	const struct cfgcheck_dev *devs;
	unsigned nr_devs;
	uint64_t ram_bytes;  /* memory for guests: the dry run's range */
	unsigned iommu_bits; /* input address width of the IOMMU's tables */
	unsigned iommu_fmt;  /* enum pt_format of those tables */
};

void cfgcheck_host_setup(const struct cfgcheck_platform *p);

#endif /* TOOLS_CFGCHECK_H */
