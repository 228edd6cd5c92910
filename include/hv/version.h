/* SPDX-License-Identifier: MIT */
#ifndef HV_VERSION_H
#define HV_VERSION_H

/* `git describe --always --dirty --tags` of the tree the image was built from. */
extern const char hv_version[];

#endif /* HV_VERSION_H */
