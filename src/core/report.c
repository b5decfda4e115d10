/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Status report formatting.
 *
 * One schema serves the CLI (offline, from its own snapshots) and the daemon (from its tick
 * state), so an operator reads the same names whether numabd runs or not. Per-node values are
 * objects keyed by node id as a string ({"0": ..., "1": ...}) rather than arrays, because node
 * ids need not be contiguous (offline nodes, CXL nodes with high ids) and an array would invite
 * the reader to assume index == node id.
 */
#include <math.h>
#include <stdio.h>

#include "core/placement.h"
#include "core/report.h"
#include "shared/macro.h"
#include "shared/parse-util.h"

json_object *report_fraction(double v)
{
	if (v < 0 || isnan(v))
		return NULL;
	return json_object_new_double(round(v * 10000.0) / 10000.0);
}

json_object *report_per_node_u64(const struct topology *t, const uint64_t *values)
{
	json_object *o = json_object_new_object();

	NODEMASK_FOREACH(n, t->node_mask) {
		char key[8];

		snprintf(key, sizeof(key), "%d", n);
		json_object_object_add(o, key, json_object_new_uint64(values[n]));
	}
	return o;
}

json_object *report_node_json(const struct topology *t, unsigned node)
{
	const struct topo_node *tn = &t->nodes[node];
	json_object *o = json_object_new_object();
	json_object *d = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int((int)node));
	json_object_object_add(o, "cpus", json_object_new_string(tn->cpulist ?: ""));
	json_object_object_add(o, "cpuless", json_object_new_boolean(tn->n_cpus == 0));
	json_object_object_add(o, "mem_total_bytes", json_object_new_uint64(tn->mem_total_bytes));
	json_object_object_add(o, "mem_free_bytes", json_object_new_uint64(tn->mem_free_bytes));
	json_object_object_add(o, "tier", json_object_new_int(tn->tier));
	NODEMASK_FOREACH(to, t->node_mask) {
		char key[8];

		snprintf(key, sizeof(key), "%d", to);
		json_object_object_add(d, key, json_object_new_int(t->distance[node][to]));
	}
	json_object_object_add(o, "distances", d);
	return o;
}

double report_cpu_share(const struct cg_sample *c, unsigned node)
{
	if (c->cpu_ns_total == 0)
		return -1.0;
	return (double)c->cpu_ns[node] / (double)c->cpu_ns_total;
}

json_object *report_cgroup_json(const struct topology *t, const struct snapshot *s,
				const struct cg_sample *c, const struct cg_view *view,
				uint64_t window_usec)
{
	json_object *o = json_object_new_object();
	unsigned n_threads = 0;
	char buf[NODEMASK_FORMAT_MAX];

	for (unsigned i = 0; i < c->n_procs; i++)
		n_threads += c->procs[i].n_tasks;

	json_object_object_add(o, "path", json_object_new_string(c->path));
	json_object_object_add(o, "id", json_object_new_uint64(c->id));
	json_object_object_add(o, "mode",
			       json_object_new_string(view && view->mode ? view->mode : "-"));
	json_object_object_add(o, "processes", json_object_new_int((int)c->n_procs));
	json_object_object_add(o, "threads", json_object_new_int((int)n_threads));
	json_object_object_add(o, "mems_effective",
			       json_object_new_string(nodemask_format(buf, sizeof(buf),
								      c->mems_effective)));
	json_object_object_add(o, "cpus_effective",
			       c->cpus_effective ? json_object_new_string(c->cpus_effective) : NULL);

	if (c->has_numa_stat) {
		uint64_t movable[NUMAB_MAX_NODES] = {};
		json_object *items = json_object_new_object();

		NODEMASK_FOREACH(n, t->node_mask)
			if ((unsigned)n < s->span)
				movable[n] = cg_movable_bytes(c, (unsigned)n);
		json_object_object_add(o, "memory_bytes_per_node", report_per_node_u64(t, movable));
		for (int item = 0; item < _CG_MEM_MAX; item++) {
			uint64_t v[NUMAB_MAX_NODES] = {};

			NODEMASK_FOREACH(n, t->node_mask)
				if ((unsigned)n < s->span)
					v[n] = cg_mem(c, (unsigned)n, item);
			json_object_object_add(items, cg_mem_item_to_string(item),
					       report_per_node_u64(t, v));
		}
		json_object_object_add(o, "memory_items_per_node", items);
	} else {
		json_object_object_add(o, "memory_bytes_per_node", NULL);
		json_object_object_add(o, "memory_items_per_node", NULL);
	}

	if (window_usec > 0 && !(view && view->cpu_unknown)) {
		json_object *share = json_object_new_object();

		NODEMASK_FOREACH(n, t->node_mask) {
			char key[8];

			snprintf(key, sizeof(key), "%d", n);
			json_object_object_add(share, key,
					       report_fraction(c->cpu_ns_total ?
						       report_cpu_share(c, (unsigned)n) : 0.0));
		}
		json_object_object_add(o, "cpu_share_per_node", share);
		json_object_object_add(o, "cpu_ns_per_node", report_per_node_u64(t, c->cpu_ns));
		json_object_object_add(o, "cpu_seconds",
				       json_object_new_double((double)c->cpu_ns_total / 1e9));
	} else {
		json_object_object_add(o, "cpu_share_per_node", NULL);
		json_object_object_add(o, "cpu_ns_per_node", NULL);
		json_object_object_add(o, "cpu_seconds", NULL);
	}

	json_object_object_add(o, "node_balance",
			       c->has_numa_stat ? report_fraction(placement_node_balance(c, s->span))
						: NULL);
	json_object_object_add(o, "locality", view ? report_fraction(view->locality) : NULL);
	if (view && view->locality >= 0) {
		json_object_object_add(o, "locality_age_s",
				       json_object_new_double((double)view->locality_age_usec / 1e6));
		json_object_object_add(o, "locality_processes",
				       json_object_new_int((int)view->n_procs_sampled));
	}

	if (view && view->autonuma_state) {
		json_object *a = json_object_new_object();

		json_object_object_add(a, "state", json_object_new_string(view->autonuma_state));
		json_object_object_add(a, "reason", json_object_new_string(view->autonuma_reason ?: ""));
		json_object_object_add(o, "autonuma", a);
	} else {
		json_object_object_add(o, "autonuma", NULL);
	}

	if (c->has_counters) {
		json_object *k = json_object_new_object();

		for (int i = 0; i < _CG_NUMA_COUNTER_MAX; i++)
			json_object_object_add(k, cg_numa_counter_to_string(i),
					       json_object_new_uint64(c->counters[i]));
		json_object_object_add(o, "numa_counters", k);
	} else {
		json_object_object_add(o, "numa_counters", NULL);
	}

	if (view && view->extra) {
		json_object_object_foreach(view->extra, key, val)
			json_object_object_add(o, key, json_object_get(val));
	}
	return o;
}
