/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The per-cgroup NUMA picture as JSON (json-c): the schema of `numabctl status -j`, also what
 * numabd serves over its control socket. Pure: it formats a topology, a snapshot with a
 * computed window, and per-cgroup extras that other layers know (mode, sampled locality).
 * The schema is documented in numabctl(8).
 */

#include <json-c/json.h>
#include <stdbool.h>

#include "core/snapshot.h"
#include "core/topology.h"

/* What the snapshot itself does not know about a cgroup. */
struct cg_view {
	const char *mode;           /* effective mode, NULL when no policy is known ("-") */
	double locality;            /* placement locality, < 0 when not sampled */
	uint64_t locality_age_usec; /* how old the sample is */
	unsigned n_procs_sampled;   /* processes that contributed to locality */
	bool cpu_unknown;           /* the cgroup's tasks were not read: CPU fields are null */
	const char *autonuma_state; /* autonuma_state_to_string(), NULL when unknown */
	const char *autonuma_reason;
	json_object *extra;         /* more keys to merge into the cgroup object (owned by
				     * the caller; a reference is taken), or NULL */
};

/* One node object: {"id","cpus","cpuless","mem_total_bytes","mem_free_bytes","tier",
 * "distances"}. */
json_object *report_node_json(const struct topology *t, unsigned node);

/* One cgroup object (see numabctl(8) for every key). window_usec is the length of the CPU
 * window (0 when there was none). view may be NULL. */
json_object *report_cgroup_json(const struct topology *t, const struct snapshot *s,
				const struct cg_sample *c, const struct cg_view *view,
				uint64_t window_usec);

/* CPU share of a node in a cgroup's window, in [0,1]; -1 when it had no CPU time. */
double report_cpu_share(const struct cg_sample *c, unsigned node);

/* Turn a double into a JSON number rounded to 4 decimals, or null when negative. */
json_object *report_fraction(double v);

/* Node-keyed object {"0": v0, "1": v1} of uint64 values over the online nodes. */
json_object *report_per_node_u64(const struct topology *t, const uint64_t *values);
