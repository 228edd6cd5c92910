// SPDX-License-Identifier: MIT
/*
 * Test guest "partition_short": the partition guest (partition.c) with 200 rounds (20 s of edu
 * DMA instead of 100 s), the other guest of <arch>-guest-race and <arch>-guest-crash-isolation,
 * where it only has to run while its neighbour races or crashes.
 */
#define PARTITION_ROUNDS 200U
#include "partition.c"
