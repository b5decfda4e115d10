/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Where CPU time ran, over the window between two snapshots, and how well memory follows it:
 * CPU time per node per process and per cgroup, node balance and placement locality
 * (DESIGN §3), and home nodes.
 */

#include <stdint.h>

#include "core/snapshot.h"
#include "core/topology.h"

/*
 * Fill cpu_ns/cpu_ns_total of every process and cgroup of cur with the CPU time that ran on
 * each node since prev. A thread's run time delta is charged to the node of the CPU it last ran
 * on (the window is short; a thread that moved mid-window is charged to where it is now).
 * Threads, processes (matched by pid and start time) and cgroups (matched by id) that are new
 * in cur have no window yet and count zero. Cgroup numbers are hierarchical. prev may be NULL.
 * Returns 0 or -ENOMEM.
 */
int placement_compute(const struct snapshot *prev, struct snapshot *cur,
		      const struct topology *topo);

/*
 * sum over nodes of min(cpu_share(n), mem_share(n)), in [0, 1]. Returns -1.0 when either the
 * CPU or the memory total is zero (no basis for a number).
 */
double placement_locality(const uint64_t *cpu_ns, const uint64_t *mem_bytes, unsigned span);

/* Node balance of a cgroup: placement_locality of its CPU time and movable memory. */
double placement_node_balance(const struct cg_sample *c, unsigned span);

/*
 * Home nodes: the smallest set of nodes, largest CPU share first, that together hold at least
 * min_share_permille of the CPU time. 0 when there was no CPU time. If ret_share_permille is
 * set it receives the share those nodes really hold.
 */
uint64_t placement_home_nodes(const uint64_t *cpu_ns, unsigned span, unsigned min_share_permille,
			      unsigned *ret_share_permille);
