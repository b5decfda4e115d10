/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Take a snapshot of the cgroup v2 tree (and its processes) from the roots.
 */

#include "core/snapshot.h"
#include "core/topology.h"
#include "shared/roots.h"

enum {
	SNAP_TASKS = 1u << 0,    /* read cgroup.procs and every thread's CPU and run time */
	SNAP_COUNTERS = 1u << 1, /* read memory.stat for the kernel's NUMA counters */
};

/*
 * Walk the whole tree under roots->cgroup_fd in pre-order, children in name order. Cgroups and
 * processes that vanish during the walk are left out (logged at debug). Returns 0 and a new
 * snapshot, -ENOMEDIUM when there is no cgroup v2 hierarchy, or negative errno on other
 * failures (-ENOMEM, or the root itself unreadable).
 */
int snapshot_take(const struct numab_roots *roots, const struct topology *topo, unsigned flags,
		  struct snapshot **ret);

/*
 * Read the processes and threads of cgroup idx of a snapshot taken without SNAP_TASKS (numabd
 * reads tasks only for the cgroups it manages). Processes that vanish are left out. Returns 0,
 * -ENOENT when the cgroup itself is gone, or a negative errno.
 */
int snapshot_read_procs(const struct numab_roots *roots, struct snapshot *s, unsigned idx);
