/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The machine's NUMA topology as numab models it: nodes (ids 0..63), their CPUs, memory and
 * free memory, the distance matrix, and memory tiers. Filled by sysfs/topo-read.c; the model
 * itself is plain data so that tests and benchmarks can build one by hand.
 */

#include <stdbool.h>
#include <stdint.h>

#include "shared/nodemask.h"

struct topo_node {
	unsigned n_cpus;            /* CPUs in the node's cpulist; 0 for a CPU-less node */
	uint64_t mem_total_bytes;   /* MemTotal of the node */
	uint64_t mem_free_bytes;    /* MemFree at the last read */
	int tier;                   /* 0 = top tier; larger = slower; -1 unknown */
	char *cpulist;              /* as the kernel wrote it, for display ("" when CPU-less) */
};

struct topology {
	uint64_t node_mask;         /* online nodes */
	uint64_t cpu_node_mask;     /* online nodes with CPUs */
	uint64_t slow_node_mask;    /* nodes below the top memory tier */
	bool kernel_tiers;          /* tiers came from /sys/devices/virtual/memory_tiering */
	unsigned n_unsupported;     /* online nodes with ids >= NUMAB_MAX_NODES, ignored */
	struct topo_node nodes[NUMAB_MAX_NODES];        /* indexed by node id */
	uint8_t distance[NUMAB_MAX_NODES][NUMAB_MAX_NODES]; /* SLIT distances by node id */
	unsigned n_cpus;            /* size of cpu_to_node: highest CPU id + 1 */
	int *cpu_to_node;           /* node of each CPU, -1 for CPUs in no online node */
};

/* Allocate an empty topology (no nodes). Returns NULL on OOM. */
struct topology *topo_new(void);

/* Free; accepts NULL, returns NULL. */
struct topology *topo_free(struct topology *t);

/* Node of a CPU, or -1 when unknown. */
int topo_cpu_to_node(const struct topology *t, int cpu);

/* Number of online nodes. */
static inline unsigned topo_n_nodes(const struct topology *t)
{
	return nodemask_weight(t->node_mask);
}

/* Highest online node id + 1 (0 when there are none): the length of per-node arrays. */
unsigned topo_node_span(const struct topology *t);

/* Record that cpu belongs to node, growing cpu_to_node as needed. Returns 0 or -ENOMEM. */
int topo_set_cpu_node(struct topology *t, unsigned cpu, unsigned node);

/* Derive slow_node_mask when the kernel gave no tiers: CPU-less nodes are the slow tier. */
void topo_finish(struct topology *t);
