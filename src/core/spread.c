/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Spreading memory over nodes (interleave mode).
 *
 * What: a process in interleave mode should have its memory spread over its eligible nodes
 * evenly (or by weights): its bandwidth then comes from every node's memory controller. New
 * allocations drift toward the node a thread runs on (first touch), so the spread decays; numabd
 * moves pages from over-full nodes to under-full ones.
 *
 * Hysteresis: a node within 10% of its share is fine. Moving a page costs far more than the
 * imbalance it removes when the imbalance is small, and estimates from sampled status queries
 * are themselves a few percent off. Once a node is outside the band, moves aim at the exact
 * share, so that the next drift starts from even rather than from the edge of the band (which
 * would make numabd move a little every evaluation). Deviations below min_move_bytes never
 * count: a 3 MiB process is not worth a move_pages call.
 *
 * Moves: a transportation problem with one cost per byte; numabd only needs few, large moves,
 * so the greedy "largest deficit from largest surplus" is enough (at most sources + targets - 1
 * moves, each a single source and target: the engine moves pages of one source set to one
 * target). Distance breaks ties, so the nearest of two equal surpluses goes first.
 */
#include <string.h>

#include "core/spread.h"
#include "shared/macro.h"

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

static unsigned distance(const struct topology *t, int a, int b)
{
	if (!t || a < 0 || b < 0)
		return 0;
	return t->distance[a][b];
}

void spread_decide(const struct spread_params *p, const struct spread_input *in,
		   struct spread_decision *ret)
{
	unsigned span = MIN(in->span, (unsigned)NUMAB_MAX_NODES);
	uint64_t surplus[NUMAB_MAX_NODES] = {}, deficit[NUMAB_MAX_NODES] = {};
	uint64_t shared_nodes = 0, weight_sum = 0, assigned = 0;
	int last_shared = -1;

	memset(ret, 0, sizeof(*ret));
	ret->worst_node = -1;
	for (unsigned n = 0; n < span; n++) {
		ret->total_bytes += in->mem_bytes[n];
		if (!nodemask_test(in->eligible_nodes, n))
			continue;
		if (in->weights && in->weights[n] == 0)
			continue;
		shared_nodes |= nodemask_of(n);
		weight_sum += in->weights ? in->weights[n] : 1;
		last_shared = (int)n;
	}
	if (!shared_nodes || ret->total_bytes == 0) {
		ret->nothing = true;
		ret->balanced = true;
		return;
	}

	/* Shares; the rounding remainder goes to the last node with a share. */
	NODEMASK_FOREACH(n, shared_nodes) {
		uint64_t w = in->weights ? in->weights[n] : 1;

		ret->share_bytes[n] = (uint64_t)((unsigned __int128)ret->total_bytes * w / weight_sum);
		assigned += ret->share_bytes[n];
	}
	ret->share_bytes[last_shared] += ret->total_bytes - assigned;

	ret->balanced = true;
	for (unsigned n = 0; n < span; n++) {
		uint64_t have = in->mem_bytes[n], share = ret->share_bytes[n];
		uint64_t dev = absdiff(have, share);
		uint64_t band = MAX(share * p->tolerance_permille / 1000, p->min_move_bytes);
		unsigned permille;

		if (!nodemask_test(shared_nodes, n)) {
			if (have == 0)
				continue;
			/* Memory where it has no share: measured against a share it could be. */
			unsigned __int128 x = (unsigned __int128)have * 1000 *
					      nodemask_weight(shared_nodes) / ret->total_bytes;

			permille = (unsigned)MIN(x, (unsigned __int128)10000);
			surplus[n] = have;
			if (have >= p->min_move_bytes)
				ret->balanced = false;
		} else {
			permille = !share ? (have ? 10000 : 0)
					  : (unsigned)MIN((unsigned __int128)dev * 1000 / share,
							  (unsigned __int128)10000);
			if (have > share)
				surplus[n] = have - share;
			else
				deficit[n] = share - have;
			if (dev > band)
				ret->balanced = false;
		}
		if (ret->worst_node < 0 || permille > ret->worst_permille) {
			ret->worst_permille = permille;
			ret->worst_node = (int)n;
		}
	}
	if (ret->balanced)
		return;

	/* Largest deficit first, from the largest surplus (ties: nearer, then lower id). */
	while (ret->n_moves < SPREAD_MAX_MOVES) {
		int to = -1, from = -1;
		uint64_t bytes;

		for (unsigned n = 0; n < span; n++)
			if (deficit[n] && (to < 0 || deficit[n] > deficit[to]))
				to = (int)n;
		if (to < 0)
			break;
		for (unsigned n = 0; n < span; n++) {
			if (!surplus[n])
				continue;
			if (from < 0 || surplus[n] > surplus[from] ||
			    (surplus[n] == surplus[from] &&
			     distance(in->topo, (int)n, to) < distance(in->topo, from, to)))
				from = (int)n;
		}
		if (from < 0)
			break;
		bytes = MIN(surplus[from], deficit[to]);
		surplus[from] -= bytes;
		deficit[to] -= bytes;
		ret->moves[ret->n_moves++] = (struct spread_move){ from, to, bytes };
	}
}
