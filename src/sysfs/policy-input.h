/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Build the input of policy_resolve() from a snapshot: every cgroup's path, owner, cpuset and
 * user.numab.* xattrs (read from cgroupfs now). Shared by numabd and `numabctl explain`, so
 * both resolve exactly the same way.
 */

#include "core/config.h"
#include "core/policy.h"
#include "core/settings.h"
#include "core/snapshot.h"
#include "core/topology.h"
#include "shared/roots.h"

/*
 * Resolve the policy of every cgroup of s: xattrs are read from roots->cgroup_fd (a cgroup
 * that vanished has none). cfg and settings may be NULL. program_cb may be NULL. Returns 0 and
 * the results in s's order, or a negative errno.
 */
int policy_input_resolve(const struct numab_roots *roots, const struct snapshot *s,
			 const struct topology *topo, const struct config *cfg,
			 const struct settings *settings, policy_program_fn program_cb,
			 void *userdata, struct policy_results **ret);
