/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Follow and pin decisions.
 *
 * follow moves memory after CPU time, so it must be sure where the CPU time is: a home is the
 * smallest node set holding 90% of a process's CPU time, and a home that replaced another
 * must persist for settle_usec of windows before pages move (a thread migrated for a moment
 * by the load balancer is not a new home). It acts only when one node holds the home share:
 * if no single node holds 90% of the CPU time, the threads are spread, and moving memory
 * after threads that keep moving destroys locality, so such a process is reported "spread"
 * and left to pin mode or the kernel (DESIGN §5). After pages move to a node, they do not move
 * away again for a cool-down, unless the new home has held for longer than the settle time:
 * that bounds ping-pong to once per cool-down.
 *
 * pin chooses the smallest node set that fits, preferring the set that already holds the
 * cgroup's memory so that consolidation moves the least. Node counts are small (≤ 64, usually
 * ≤ 8), so sets of size k are enumerated exactly up to 16 eligible nodes and chosen greedily
 * beyond.
 */
#include <stdlib.h>

#include "core/decide.h"
#include "core/placement.h"
#include "shared/macro.h"

static const char *const follow_verdict_names[_FOLLOW_VERDICT_MAX] = {
	[FOLLOW_MOVE] = "move",
	[FOLLOW_LOCAL] = "local",
	[FOLLOW_IDLE] = "idle",
	[FOLLOW_SPREAD] = "spread: consider pin or kernel",
	[FOLLOW_UNSETTLED] = "unsettled",
	[FOLLOW_COOLDOWN] = "cool-down",
	[FOLLOW_NOT_ELIGIBLE] = "home node not eligible",
	[FOLLOW_OWN_POLICY] = "own memory policy",
	[FOLLOW_UNKNOWN_MEMORY] = "memory not sampled yet",
};

const char *follow_verdict_to_string(enum follow_verdict v)
{
	return v < _FOLLOW_VERDICT_MAX ? follow_verdict_names[v] : NULL;
}

struct follow_decision decide_follow(const struct follow_params *p, const struct follow_input *in,
				     struct follow_state *state)
{
	struct follow_decision d = { .target = -1 };
	uint64_t cpu_total = 0, mem_total = 0, mem_nodes = 0, on_home = 0;
	unsigned span = MIN(in->span, (unsigned)NUMAB_MAX_NODES);
	int best = -1;

	for (unsigned n = 0; n < span; n++)
		cpu_total += in->cpu_ns[n];
	if (cpu_total < p->min_cpu_ns) {
		d.verdict = FOLLOW_IDLE;
		return d;
	}

	/* Home set: largest CPU shares first until home_share is reached. */
	while (on_home * 1000 < cpu_total * p->home_share_permille) {
		int pick = -1;

		for (unsigned n = 0; n < span; n++)
			if (!nodemask_test(d.home_nodes, n) && in->cpu_ns[n] > 0 &&
			    (pick < 0 || in->cpu_ns[n] > in->cpu_ns[pick]))
				pick = (int)n;
		if (pick < 0)
			break;
		d.home_nodes |= nodemask_of((unsigned)pick);
		on_home += in->cpu_ns[pick];
		if (best < 0)
			best = pick;
	}
	d.home_share_permille = (unsigned)(on_home * 1000 / cpu_total);

	/* Home tracking for hysteresis: the node with the most CPU time. */
	if (best == state->home) {
		state->home_held_usec += in->window_usec;
	} else {
		state->home_changed = state->home >= 0;
		state->home = best;
		state->home_held_usec = in->window_usec;
	}

	if (in->own_policy_only) {
		d.verdict = FOLLOW_OWN_POLICY;
		return d;
	}
	if (!in->mem_bytes) {
		d.verdict = FOLLOW_UNKNOWN_MEMORY;
		return d;
	}
	for (unsigned n = 0; n < span; n++) {
		mem_total += in->mem_bytes[n];
		if (in->mem_bytes[n] > 0)
			mem_nodes |= nodemask_of(n);
	}
	if (mem_total == 0) {
		d.verdict = FOLLOW_LOCAL;
		return d;
	}
	for (unsigned n = 0; n < span; n++)
		if (!nodemask_test(d.home_nodes, n))
			d.misplaced_bytes += in->mem_bytes[n];

	if (nodemask_weight(d.home_nodes) > 1) {
		d.verdict = FOLLOW_SPREAD;
		return d;
	}
	if ((mem_total - d.misplaced_bytes) * 1000 >= mem_total * p->local_permille) {
		d.verdict = FOLLOW_LOCAL;
		return d;
	}
	if (!nodemask_test(in->eligible_nodes, (unsigned)best)) {
		d.verdict = FOLLOW_NOT_ELIGIBLE;
		return d;
	}
	if (state->home_changed && state->home_held_usec < p->settle_usec) {
		d.verdict = FOLLOW_UNSETTLED;
		return d;
	}
	if (state->last_target >= 0 && state->last_target != best &&
	    in->now_usec < state->last_move_usec + p->cooldown_usec) {
		d.verdict = FOLLOW_COOLDOWN;
		return d;
	}
	d.verdict = FOLLOW_MOVE;
	d.target = best;
	d.from_nodes = mem_nodes & ~d.home_nodes;
	return d;
}

bool decide_follow_cgroup_local(const struct follow_params *p, const struct cg_sample *c,
				unsigned span)
{
	uint64_t mem_total = 0;
	int home = -1;

	span = MIN(span, (unsigned)NUMAB_MAX_NODES);
	if (!c->has_numa_stat || !c->mem)
		return false;
	for (unsigned j = 0; j < c->n_procs; j++) {
		const struct proc_sample *ps = &c->procs[j];
		uint64_t homes, total = 0;

		if (!ps->cpu_ns)
			return false;
		for (unsigned n = 0; n < span; n++)
			total += ps->cpu_ns[n];
		if (total < p->min_cpu_ns)
			continue;
		homes = placement_home_nodes(ps->cpu_ns, span, p->home_share_permille, NULL);
		if (nodemask_weight(homes) != 1)
			return false;
		if (home >= 0 && !nodemask_test(homes, (unsigned)home))
			return false;
		home = nodemask_first(homes);
	}
	if (home < 0)
		return false;
	for (unsigned n = 0; n < span; n++)
		mem_total += cg_mapped_bytes(c, n);
	if (mem_total == 0)
		return true;
	return cg_mapped_bytes(c, (unsigned)home) * 1000 >= mem_total * p->local_permille;
}

void decide_follow_moved(struct follow_state *state, int target, uint64_t now_usec)
{
	state->last_target = target;
	state->last_move_usec = now_usec;
}

struct pin_candidate {
	uint64_t set;
	uint64_t mem_there;
	unsigned distance_sum;
};

static unsigned set_distance(const struct topology *t, uint64_t set)
{
	unsigned sum = 0;

	NODEMASK_FOREACH(a, set)
		NODEMASK_FOREACH(b, set)
			if (a < b)
				sum += t->distance[a][b];
	return sum;
}

static bool set_fits(const struct pin_params *p, const struct pin_input *in, uint64_t set,
		     uint64_t mem_total, uint64_t *ret_mem_there)
{
	uint64_t cpus = 0, capacity = 0, there = 0;

	NODEMASK_FOREACH(n, set) {
		const struct topo_node *tn = &in->topo->nodes[n];
		uint64_t own = (unsigned)n < in->span ? in->mem_bytes[n] : 0;
		uint64_t free_b = tn->mem_free_bytes > p->min_free_bytes ?
					  tn->mem_free_bytes - p->min_free_bytes : 0;

		cpus += tn->n_cpus;
		capacity += free_b + own;
		there += own;
	}
	*ret_mem_there = there;
	return (double)cpus * 1000.0 >= in->cpu_demand * (1000.0 + p->cpu_headroom_permille) &&
	       capacity * 1000 >= mem_total * (1000 + p->mem_headroom_permille);
}

static bool better(const struct pin_candidate *a, const struct pin_candidate *b, uint64_t current)
{
	if (a->mem_there != b->mem_there)
		return a->mem_there > b->mem_there;
	if (a->distance_sum != b->distance_sum)
		return a->distance_sum < b->distance_sum;
	return a->set == current && b->set != current;
}

/* Enumerate subsets of `pool` with k bits (Gosper's hack over the compressed index space). */
static void best_of_size(const struct pin_params *p, const struct pin_input *in, uint64_t pool,
			 unsigned k, uint64_t mem_total, struct pin_candidate *best)
{
	int ids[NUMAB_MAX_NODES];
	unsigned n = 0;

	NODEMASK_FOREACH(node, pool)
		ids[n++] = node;
	if (k == 0 || k > n)
		return;
	for (uint64_t comb = (UINT64_C(1) << k) - 1; comb < (UINT64_C(1) << n);) {
		struct pin_candidate c = {};
		uint64_t lowest, ripple;

		for (unsigned i = 0; i < n; i++)
			if (comb & (UINT64_C(1) << i))
				c.set |= nodemask_of((unsigned)ids[i]);
		if (set_fits(p, in, c.set, mem_total, &c.mem_there)) {
			c.distance_sum = set_distance(in->topo, c.set);
			if (!best->set || better(&c, best, in->current))
				*best = c;
		}
		lowest = comb & -comb;
		ripple = comb + lowest;
		comb = (((ripple ^ comb) >> 2) / lowest) | ripple;
	}
}

uint64_t decide_pin_nodes(const struct pin_params *p, const struct pin_input *in)
{
	uint64_t pool = in->eligible_nodes & in->topo->cpu_node_mask;
	uint64_t mem_total = 0, greedy = 0;
	unsigned n_pool = nodemask_weight(pool);

	for (unsigned n = 0; n < in->span; n++)
		mem_total += in->mem_bytes[n];

	if (n_pool <= 16) {
		for (unsigned k = 1; k <= n_pool; k++) {
			struct pin_candidate best = {};

			best_of_size(p, in, pool, k, mem_total, &best);
			if (best.set)
				return best.set;
		}
		return 0;
	}

	/* Many nodes: add the node holding most of the cgroup's memory (then most free) until
	 * the set fits. */
	while (greedy != pool) {
		int pick = -1;
		uint64_t there;

		NODEMASK_FOREACH(node, pool & ~greedy) {
			uint64_t own = (unsigned)node < in->span ? in->mem_bytes[node] : 0;
			uint64_t best_own = pick >= 0 && (unsigned)pick < in->span ?
						    in->mem_bytes[pick] : 0;

			if (pick < 0 || own > best_own ||
			    (own == best_own && in->topo->nodes[node].mem_free_bytes >
						       in->topo->nodes[pick].mem_free_bytes))
				pick = node;
		}
		greedy |= nodemask_of((unsigned)pick);
		if (set_fits(p, in, greedy, mem_total, &there))
			return greedy;
	}
	return 0;
}
