/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Topology model.
 *
 * numab reasons about nodes, not CPUs: a task's home is the node its CPU time ran on, and a
 * page is misplaced when it sits on another node. The model therefore keeps a cpu -> node map
 * for turning "last ran on CPU n" into a node, per-node capacity (CPUs, memory, free memory)
 * for choosing pin targets with headroom, distances for breaking ties, and the memory tiers
 * for `tier` mode. Memory tiers come from the kernel where it exports them; otherwise the
 * CPU-less nodes are taken as the slow tier, which is what every shipping CXL setup looks like.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/topology.h"
#include "shared/macro.h"

struct topology *topo_new(void)
{
	struct topology *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	for (unsigned i = 0; i < NUMAB_MAX_NODES; i++)
		t->nodes[i].tier = -1;
	return t;
}

struct topology *topo_free(struct topology *t)
{
	if (!t)
		return NULL;
	for (unsigned i = 0; i < NUMAB_MAX_NODES; i++)
		free(t->nodes[i].cpulist);
	free(t->cpu_to_node);
	free(t);
	return NULL;
}

int topo_cpu_to_node(const struct topology *t, int cpu)
{
	if (cpu < 0 || (unsigned)cpu >= t->n_cpus)
		return -1;
	return t->cpu_to_node[cpu];
}

unsigned topo_node_span(const struct topology *t)
{
	return t->node_mask ? 64u - (unsigned)__builtin_clzll(t->node_mask) : 0;
}

int topo_set_cpu_node(struct topology *t, unsigned cpu, unsigned node)
{
	if (cpu >= t->n_cpus) {
		unsigned n = cpu + 1;
		int *m = realloc(t->cpu_to_node, n * sizeof(int));

		if (!m)
			return -ENOMEM;
		for (unsigned i = t->n_cpus; i < n; i++)
			m[i] = -1;
		t->cpu_to_node = m;
		t->n_cpus = n;
	}
	t->cpu_to_node[cpu] = (int)node;
	return 0;
}

void topo_finish(struct topology *t)
{
	if (t->kernel_tiers) {
		t->slow_node_mask = 0;
		NODEMASK_FOREACH(n, t->node_mask)
			if (t->nodes[n].tier > 0)
				t->slow_node_mask |= nodemask_of((unsigned)n);
		return;
	}
	t->slow_node_mask = t->node_mask & ~t->cpu_node_mask;
	/* Without CPU nodes there is no top tier to speak of. */
	if (!t->cpu_node_mask)
		t->slow_node_mask = 0;
	NODEMASK_FOREACH(n, t->node_mask)
		t->nodes[n].tier = nodemask_test(t->slow_node_mask, (unsigned)n) ? 1 : 0;
}
