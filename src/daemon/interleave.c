/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * interleave mode: keep a cgroup's memory spread over its eligible nodes.
 *
 * Why: a process whose threads run on every node, or that is bound by memory bandwidth, gets
 * the most from the machine when its pages come evenly from every node's memory controller
 * (the kernel's MPOL_INTERLEAVE does this at allocation time; numab keeps it so afterwards and
 * without a memory policy, so that the process stays free to choose one). First-touch
 * allocations drift toward the node each thread runs on; numabd moves pages back.
 *
 * How: per process, from its sampled bytes per node (procmem), core/spread.c says whether
 * every eligible node holds its even share within 10% (or 4 MiB) and, if not, which moves
 * (source node, target node, bytes) restore the exact shares. Each move is one engine request
 * (pages on the source node, to the target, at most that many bytes), within the cgroup's
 * budget and the target's free memory less the same headroom follow keeps. Spreading each
 * process spreads the cgroup; a process is the unit because its bandwidth is what matters,
 * and two processes each on its own node are not interleaved memory for either.
 *
 * Eligible nodes are the policy's (CPU nodes by default; a nodes= may add CPU-less ones) that
 * the cgroup's cpuset and the process's Mems_allowed allow. Per-node weights are not a policy
 * attribute yet: shares are even (spread_decide() takes weights for when they are).
 *
 * Memory the process placed by its own policy is never looked at (procmem leaves it out),
 * and a cgroup AutoNUMA scans is left to the kernel (it would fold the pages back toward the
 * threads: the two would fight).
 */
#include <string.h>

#include "core/spread.h"
#include "daemon/interleave.h"
#include "daemon/manager-state.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "sysfs/proc-read.h"

void balance_interleave(struct manager *m, unsigned idx, const struct policy_result *r,
			struct cg_state *st, uint64_t now_usec)
{
	const struct cg_sample *c = &m->cur->cgroups[idx];
	const struct spread_params defaults = SPREAD_DEFAULTS;
	unsigned span = MIN(m->cur->span, (unsigned)NUMAB_MAX_NODES), unknown = 0;
	bool moved_any = false;

	st->spread_balanced = st->spread_moving = st->spread_worst_permille = 0;
	if (balance_left_to_autonuma(m, idx, st))
		return;
	st->note[0] = '\0';
	for (unsigned j = 0; j < c->n_procs; j++) {
		const struct proc_sample *p = &c->procs[j];
		const struct procmem_estimate *est;
		struct managed_proc *mp;
		struct spread_params params;
		struct spread_decision d;
		struct spread_input in;
		uint64_t allowed;
		bool waiting = false;

		mp = balance_scan_proc(m, st, p, &allowed);
		if (!mp)
			continue;
		est = procmem_estimate_get(mp->pm);
		if (!est->sampled_pages) {
			unknown++;
			continue;
		}
		in = (struct spread_input){
			.mem_bytes = est->bytes_per_node,
			.span = span,
			.eligible_nodes = r->effective.nodes & cg_policy_mems(c) & allowed &
					  m->topo->node_mask,
			.topo = m->topo,
		};
		/* Hysteresis: a process that left the band moves until it is within half of it, so
		 * that a move cut short by the time limit does not stop at the band's edge (where
		 * the sampled estimate and the truth can disagree). */
		params = defaults;
		if (mp->spreading)
			params.tolerance_permille /= 2;
		spread_decide(&params, &in, &d);
		mp->spreading = !d.nothing && !d.balanced;
		if (d.nothing)
			continue;
		st->spread_worst_permille = MAX(st->spread_worst_permille, d.worst_permille);
		if (d.balanced) {
			st->spread_balanced++;
			continue;
		}
		st->spread_moving++;
		for (unsigned k = 0; k < d.n_moves; k++) {
			const struct spread_move *mv = &d.moves[k];
			struct actuate_result res;
			int stop;

			stop = balance_move(m, c, st, mp->pm, mv->to, nodemask_of((unsigned)mv->from),
					    mv->bytes, balance_free_room(m, mv->to), now_usec, &res);
			if (stop < 0 || stop == ACTUATE_STOP_BUDGET || stop == ACTUATE_STOP_TIME)
				waiting = true;
			if (stop >= 0 && res.moved_bytes_total > 0) {
				moved_any = true;
				log_debug("%s: %s %llu KiB of %d from node %d to node %d (spread).",
					  c->path, m->opts.dry_run ? "would move" : "moved",
					  (unsigned long long)(res.moved_bytes_total >> 10), p->pid,
					  mv->from, mv->to);
			}
			if (stop < 0 && strstr(st->move_note, "budget"))
				break; /* the budget is empty: the other moves would be refused too */
		}
		if (waiting)
			st->pending = true;
	}
	if (moved_any && !st->pending)
		st->note[0] = '\0';
	else if (!st->note[0] && unknown && !st->spread_balanced && !st->spread_moving)
		balance_note(st, "waiting for a first sample of where %u process%s pages are",
			     unknown, unknown == 1 ? "'s" : "es'");
}
