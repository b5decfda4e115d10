/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's NUMA balancing skip rules, as of Linux 7.2.
 *
 * task_numa_work() scans a task's VMAs and unmaps pages for hinting faults when
 * kernel.numa_balancing has NUMA_BALANCING_NORMAL (1); with only NUMA_BALANCING_MEMORY_TIERING
 * (2) it scans too, but only pages on slower tiers are promoted. It skips:
 * - since 6.16, tasks whose cpuset allows exactly one node (nothing to balance; trace event
 *   sched_skip_cpuset_numa);
 * - on every kernel, VMAs whose memory policy lacks MPOL_F_MOF, which a task policy set with
 *   set_mempolicy() without MPOL_F_NUMA_BALANCING is (MPOL_LOCAL, bind, interleave, ...).
 * numab cannot see a task's policy cheaply for every cgroup; callers pass what they know.
 */
#include <stdio.h>

#include "core/autonuma.h"
#include "shared/nodemask.h"

static const char *const state_names[_AUTONUMA_STATE_MAX] = {
	[AUTONUMA_OFF] = "off",
	[AUTONUMA_SCANNED] = "scanned",
	[AUTONUMA_EXEMPT] = "exempt",
};

const char *autonuma_state_to_string(enum autonuma_state s)
{
	return s < _AUTONUMA_STATE_MAX ? state_names[s] : NULL;
}

unsigned autonuma_kernel_version(const char *release)
{
	unsigned major, minor;

	if (!release || sscanf(release, "%u.%u", &major, &minor) != 2 || minor >= 100)
		return 0;
	return major * 100 + minor;
}

struct autonuma_verdict autonuma_classify(int numa_balancing, unsigned kernel,
					  uint64_t mems_effective, bool local_policy)
{
	if (numa_balancing <= 0)
		return (struct autonuma_verdict){ AUTONUMA_OFF, "kernel.numa_balancing=0" };
	if (kernel >= 616 && nodemask_weight(mems_effective) == 1)
		return (struct autonuma_verdict){
			AUTONUMA_EXEMPT, "cpuset.mems allows one node (skipped since Linux 6.16)" };
	if (local_policy)
		return (struct autonuma_verdict){
			AUTONUMA_EXEMPT, "memory policy without MPOL_F_NUMA_BALANCING (e.g. local)" };
	if (!(numa_balancing & 1))
		return (struct autonuma_verdict){
			AUTONUMA_SCANNED, "tiering mode: only pages on slower tiers are promoted" };
	return (struct autonuma_verdict){ AUTONUMA_SCANNED, "kernel.numa_balancing scans every task" };
}
