/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * interleave mode, pure: how a process's memory should be spread over its eligible nodes and
 * which moves get it there. numabd feeds each process's sampled bytes per node (procmem) and
 * moves the pages with the engine, within the budget (daemon/interleave.c).
 */

#include <stdbool.h>
#include <stdint.h>

#include "core/topology.h"
#include "shared/nodemask.h"

struct spread_params {
	unsigned tolerance_permille;  /* a node within this much of its share is fine (100 =
				       * 10%): the hysteresis band; once outside it, moves aim at
				       * the exact share so that the next drift starts from even */
	uint64_t min_move_bytes;      /* a deviation below this is never worth a move_pages
				       * call, whatever the tolerance says (small processes) */
};

/* 10% of even is fine (the bound); below 4 MiB (two THPs) a move is not worth it. */
#define SPREAD_DEFAULTS                                                                    \
	((struct spread_params){ .tolerance_permille = 100, .min_move_bytes = 4ull << 20 })

struct spread_input {
	const uint64_t *mem_bytes;    /* per node (span entries): the movable bytes now */
	unsigned span;
	uint64_t eligible_nodes;      /* spread over these; memory elsewhere moves into them */
	const uint32_t *weights;      /* per node (span entries), NULL: evenly. A node with
				       * weight 0 gets no share (like a node not eligible) */
	const struct topology *topo;  /* distances break ties between sources; may be NULL */
};

struct spread_move {
	int from, to;
	uint64_t bytes;
};

#define SPREAD_MAX_MOVES (2 * NUMAB_MAX_NODES)

struct spread_decision {
	bool balanced;                /* every node within the band: nothing moves */
	bool nothing;                 /* no eligible node with a share, or no memory */
	uint64_t total_bytes;         /* memory on every node of the input */
	uint64_t share_bytes[NUMAB_MAX_NODES]; /* each node's even (or weighted) share */
	unsigned worst_permille;      /* the largest deviation from a share, permille of that
				       * share (memory on a node without a share: 1000 per share
				       * it would fill; capped at 10000) */
	int worst_node;               /* where it is, -1 none */
	struct spread_move moves[SPREAD_MAX_MOVES]; /* largest first-come: see spread_decide */
	unsigned n_moves;
};

/*
 * Decide for one process (or any set of pages). Shares: total * weight / sum of weights over
 * the eligible nodes with a weight. Balanced when every such node holds its share within
 * max(tolerance * share, min_move_bytes) and the memory on other nodes is below
 * min_move_bytes. Otherwise the moves take every surplus (over-full nodes, and all memory on
 * nodes without a share) to the deficits: repeatedly the largest deficit is filled from the
 * largest remaining surplus (the nearer node when two are equal), so there are at most
 * (sources + targets - 1) moves. Never fails; *ret is fully written.
 */
void spread_decide(const struct spread_params *p, const struct spread_input *in,
		   struct spread_decision *ret);
