/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CPU placement windows.
 *
 * numab needs to know where each workload's CPU time runs, per node, over the last window. The
 * kernel has no per-cgroup per-node CPU counter, so it is rebuilt from per-thread samples: each
 * snapshot records, per thread, the CPU it last ran on and its total run time (utime + stime), and
 * the delta between two snapshots is charged to the node of the last CPU. That is exact for
 * threads that stay on a node (the case numab acts on, since `follow` only moves memory after
 * threads that stay) and approximate for threads that migrate within a window; the BPF sampler
 * replaces it where BPF is available. Matching is by cgroup id, pid plus start time (pids are
 * reused), and tid, with sorted arrays and binary search, so one window costs O(n log n) for n
 * threads and no allocation beyond the per-node arrays.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/placement.h"
#include "shared/macro.h"

struct id_index {
	uint64_t id;
	unsigned idx;
};

static int cmp_id_index(const void *a, const void *b)
{
	const struct id_index *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static const struct cg_sample *find_prev_cgroup(const struct snapshot *prev,
						const struct id_index *index, uint64_t id)
{
	unsigned lo = 0, hi = prev->n_cgroups;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (index[mid].id == id)
			return &prev->cgroups[index[mid].idx];
		if (index[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct task_sample *find_task(const struct proc_sample *p, pid_t tid)
{
	unsigned lo = 0, hi = p->n_tasks;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (p->tasks[mid].tid == tid)
			return &p->tasks[mid];
		if (p->tasks[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int process_window(const struct proc_sample *old, struct proc_sample *p,
			  const struct topology *topo, unsigned span)
{
	if (!p->cpu_ns) {
		p->cpu_ns = calloc(span, sizeof(uint64_t));
		if (!p->cpu_ns)
			return -ENOMEM;
	} else {
		memset(p->cpu_ns, 0, span * sizeof(uint64_t));
	}
	p->cpu_ns_total = 0;
	if (!old || old->start_time != p->start_time)
		return 0;

	for (unsigned t = 0; t < p->n_tasks; t++) {
		const struct task_sample *cur = &p->tasks[t];
		const struct task_sample *was = find_task(old, cur->tid);
		int node;

		if (!was || cur->runtime_ns <= was->runtime_ns)
			continue;
		node = topo_cpu_to_node(topo, cur->last_cpu);
		if (node < 0 || (unsigned)node >= span)
			continue;
		p->cpu_ns[node] += cur->runtime_ns - was->runtime_ns;
		p->cpu_ns_total += cur->runtime_ns - was->runtime_ns;
	}
	return 0;
}

int placement_compute(const struct snapshot *prev, struct snapshot *cur,
		      const struct topology *topo)
{
	_cleanup_free_ struct id_index *index = NULL;
	unsigned span = cur->span;
	int r;

	if (prev && prev->n_cgroups > 0) {
		index = malloc(prev->n_cgroups * sizeof(*index));
		if (!index)
			return -ENOMEM;
		for (unsigned i = 0; i < prev->n_cgroups; i++)
			index[i] = (struct id_index){ .id = prev->cgroups[i].id, .idx = i };
		qsort(index, prev->n_cgroups, sizeof(*index), cmp_id_index);
	}

	for (unsigned i = 0; i < cur->n_cgroups; i++) {
		struct cg_sample *c = &cur->cgroups[i];
		const struct cg_sample *old = index ? find_prev_cgroup(prev, index, c->id) : NULL;

		memset(c->cpu_ns, 0, span * sizeof(uint64_t));
		c->cpu_ns_total = 0;
		for (unsigned j = 0; j < c->n_procs; j++) {
			struct proc_sample *p = &c->procs[j];

			r = process_window(old ? cg_find_proc(old, p->pid) : NULL, p, topo, span);
			if (r < 0)
				return r;
			for (unsigned n = 0; n < span; n++)
				c->cpu_ns[n] += p->cpu_ns[n];
			c->cpu_ns_total += p->cpu_ns_total;
		}
	}

	/* Pre-order: every child comes after its parent, so a reverse pass sums subtrees. */
	for (unsigned i = cur->n_cgroups; i-- > 1;) {
		struct cg_sample *c = &cur->cgroups[i];
		struct cg_sample *parent;

		if (c->parent < 0)
			continue;
		parent = &cur->cgroups[c->parent];
		for (unsigned n = 0; n < span; n++)
			parent->cpu_ns[n] += c->cpu_ns[n];
		parent->cpu_ns_total += c->cpu_ns_total;
	}
	return 0;
}

double placement_locality(const uint64_t *cpu_ns, const uint64_t *mem_bytes, unsigned span)
{
	uint64_t cpu_total = 0, mem_total = 0;
	double sum = 0.0;

	for (unsigned n = 0; n < span; n++) {
		cpu_total += cpu_ns[n];
		mem_total += mem_bytes[n];
	}
	if (cpu_total == 0 || mem_total == 0)
		return -1.0;
	for (unsigned n = 0; n < span; n++) {
		double c = (double)cpu_ns[n] / (double)cpu_total;
		double m = (double)mem_bytes[n] / (double)mem_total;

		sum += MIN(c, m);
	}
	return MIN(sum, 1.0);
}

double placement_node_balance(const struct cg_sample *c, unsigned span)
{
	uint64_t mem[NUMAB_MAX_NODES];

	span = MIN(span, (unsigned)NUMAB_MAX_NODES);
	for (unsigned n = 0; n < span; n++)
		mem[n] = cg_movable_bytes(c, n);
	return placement_locality(c->cpu_ns, mem, span);
}

uint64_t placement_home_nodes(const uint64_t *cpu_ns, unsigned span, unsigned min_share_permille,
			      unsigned *ret_share_permille)
{
	uint64_t total = 0, have = 0, mask = 0;

	span = MIN(span, (unsigned)NUMAB_MAX_NODES);
	for (unsigned n = 0; n < span; n++)
		total += cpu_ns[n];
	if (total == 0) {
		if (ret_share_permille)
			*ret_share_permille = 0;
		return 0;
	}
	while (have * 1000 < total * (uint64_t)min_share_permille) {
		int best = -1;

		for (unsigned n = 0; n < span; n++)
			if (!nodemask_test(mask, n) && cpu_ns[n] > 0 &&
			    (best < 0 || cpu_ns[n] > cpu_ns[best]))
				best = (int)n;
		if (best < 0)
			break;
		mask |= nodemask_of((unsigned)best);
		have += cpu_ns[best];
	}
	if (ret_share_permille)
		*ret_share_permille = (unsigned)(have * 1000 / total);
	return mask;
}
