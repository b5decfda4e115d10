/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* pin=hard: a managed cgroup's cpuset.mems narrowed to its pin set, journalled, reversible
 * (cpuset-bind.c). */
struct cpuset_binds;

/*
 * Open the journal `name` in state_fd (created when missing) for cgroups under cgroup_fd.
 * Records a previous numabd left (it was killed) are restored and dropped here, so the
 * returned object starts empty. *ret_restored (may be NULL) gets how many were restored.
 */
int cpuset_binds_open(int state_fd, const char *name, int cgroup_fd, struct cpuset_binds **ret,
		      unsigned *ret_restored);

struct cpuset_binds *cpuset_binds_free(struct cpuset_binds *b);

/*
 * Narrow cgroup's cpuset.mems to nodes. The original value is journalled first (atomically),
 * then the file is written; a cgroup bound already to nodes is left as it is. Errors:
 * -ENOENT the cgroup has no cpuset.mems (the cpuset controller is not enabled in its parent's
 * cgroup.subtree_control), -EBUSY someone else narrowed its cpuset.mems (left alone),
 * -EPERM systemd owns the cgroup (its unit's AllowedMemoryNodes= is the place for this), other
 * negative errno from the kernel (e.g. -EINVAL: nodes outside the parent's cpuset.mems).
 */
int cpuset_binds_apply(struct cpuset_binds *b, const char *cgroup, uint64_t nodes);

/* Put cgroup's original cpuset.mems back when it is still what numabd wrote, and drop the
 * record. 0 also when there was nothing to restore; 1 when it was restored. */
int cpuset_binds_release(struct cpuset_binds *b, const char *cgroup);

/* Release every cgroup (numabd stops). Returns the number restored. */
unsigned cpuset_binds_release_all(struct cpuset_binds *b);

/* Whether numabd bound cgroup. */
bool cpuset_binds_has(const struct cpuset_binds *b, const char *cgroup);

/* A cgroup path whose directory systemd manages as a unit (.service, .scope, .slice, not below
 * a unit's own delegated subtree): its name in *ret_unit (points into path). For tests. */
bool cpuset_binds_systemd_unit(const char *path, const char **ret_unit);
