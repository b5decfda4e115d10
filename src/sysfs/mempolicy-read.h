/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Whether the kernel's NUMA balancing skips a process because of its memory policy, read from
 * /proc/<pid>/numa_maps: the kernel scans only VMAs whose policy has MPOL_F_MOF, which the
 * default policy has and a task policy set with set_mempolicy() has only with
 * MPOL_F_NUMA_BALANCING ("=balancing" in numa_maps). `numabctl run` and systemd's
 * NUMAPolicy=local start processes under MPOL_LOCAL, which AutoNUMA skips on every kernel.
 *
 * numa_maps shows a VMA's own policy, else the task's (since Linux 2.6.x: the policy of the
 * task whose numa_maps is read). Only its first line is read: the first mapping is the
 * program's text, which has no VMA policy of its own, so its policy is the task's, and the
 * kernel's page walk stops after that one mapping (a full numa_maps walks every page).
 */

#include <stdbool.h>
#include <sys/types.h>

/* The policy word of a numa_maps line ("default", "local", "bind=static:0-1", ...) makes
 * AutoNUMA skip the mapping: anything but "default" without "balancing". */
bool mempolicy_word_skips_autonuma(const char *word);

/* 1 when AutoNUMA skips pid because of its task policy, 0 when not, or a negative errno
 * (-ENOENT: the process is gone). proc_fd: the procfs root. */
int mempolicy_read_task_skips(int proc_fd, pid_t pid);

/*
 * 1 when every process of the cgroup at cg_fd (its own cgroup.procs) is skipped that way, 0
 * when one is not or the cgroup has none, or a negative errno. At most max_procs processes
 * are looked at (0: 64); a cgroup with more counts as skipped when all of those are.
 */
int mempolicy_read_cgroup_skips(int cg_fd, int proc_fd, unsigned max_procs);
