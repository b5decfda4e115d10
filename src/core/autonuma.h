/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Whether the kernel's automatic NUMA balancing scans a cgroup's tasks, from the kernel's own
 * skip rules (DESIGN §5 "Who owns the kernel's global switch"): status and explain show it for
 * every cgroup, and follow does not move pages the kernel balances too.
 */

#include <stdbool.h>
#include <stdint.h>

enum autonuma_state {
	AUTONUMA_OFF,       /* kernel.numa_balancing=0 (or unknown): nobody scans */
	AUTONUMA_SCANNED,   /* the kernel scans the cgroup's tasks */
	AUTONUMA_EXEMPT,    /* balancing is on, but the kernel skips these tasks */
	_AUTONUMA_STATE_MAX,
};

struct autonuma_verdict {
	enum autonuma_state state;
	const char *reason; /* static text */
};

/* "off", "scanned", "exempt". */
const char *autonuma_state_to_string(enum autonuma_state s);

/* "6.12.117+deb12-amd64" -> 612, "7.2.13" -> 702; 0 when unparsable. */
unsigned autonuma_kernel_version(const char *release);

/*
 * Classify a cgroup. numa_balancing: the sysctl's value (-1 unknown); kernel: from
 * autonuma_kernel_version(); mems_effective: the cgroup's cpuset.mems.effective;
 * local_policy: every process of the cgroup runs under a memory policy without
 * MPOL_F_NUMA_BALANCING (e.g. started by `numabctl run` or systemd's NUMAPolicy=local), as
 * far as numab knows.
 */
struct autonuma_verdict autonuma_classify(int numa_balancing, unsigned kernel,
					  uint64_t mems_effective, bool local_policy);
