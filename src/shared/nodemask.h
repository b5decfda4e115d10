/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Node sets as one 64-bit mask. numab supports node ids 0..63: the largest shipping machines
 * (8 sockets with sub-NUMA clustering, plus CXL expanders) stay well below that, and a fixed
 * width keeps the BPF program context and the policy model free of allocation. Nodes with
 * higher ids are reported as unsupported by the topology reader.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NUMAB_MAX_NODES 64
#define NODEMASK_ALL UINT64_MAX

static inline uint64_t nodemask_of(unsigned node)
{
	return node < NUMAB_MAX_NODES ? UINT64_C(1) << node : 0;
}

static inline bool nodemask_test(uint64_t mask, unsigned node)
{
	return node < NUMAB_MAX_NODES && (mask & (UINT64_C(1) << node));
}

static inline unsigned nodemask_weight(uint64_t mask)
{
	return (unsigned)__builtin_popcountll(mask);
}

/* Lowest node in the mask, or -1 when empty. */
static inline int nodemask_first(uint64_t mask)
{
	return mask ? __builtin_ctzll(mask) : -1;
}

#define NODEMASK_FOREACH(n, mask)                                             \
	for (int n = 0; n < NUMAB_MAX_NODES; n++)                            \
		if (nodemask_test((mask), (unsigned)n))

/* Format in the kernel list format ("0-1,3"; "" when empty) into buf; returns buf. */
const char *nodemask_format(char *buf, size_t size, uint64_t mask);

#define NODEMASK_FORMAT_MAX 192
