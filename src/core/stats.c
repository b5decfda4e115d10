/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-cgroup statistics.
 *
 * A fixed 64x64 matrix of moved bytes per cgroup is 32 KiB: too much for ten thousand cgroups,
 * but numabd only keeps stats for cgroups it manages (a few to a few hundred on one machine),
 * and a fixed matrix keeps updates allocation-free on the migration path. Prometheus metric
 * names follow the conventions (unit suffixes, _total for counters) and are documented in
 * numabd(8).
 */
#include <errno.h>
#include <inttypes.h>

#include "core/stats.h"
#include "shared/macro.h"

static const char *const failure_names[_STATS_FAIL_MAX] = {
	[STATS_FAIL_ENOMEM] = "ENOMEM", [STATS_FAIL_EBUSY] = "EBUSY",
	[STATS_FAIL_EACCES] = "EACCES", [STATS_FAIL_EFAULT] = "EFAULT",
	[STATS_FAIL_EPERM] = "EPERM",   [STATS_FAIL_ESRCH] = "ESRCH",
	[STATS_FAIL_EINVAL] = "EINVAL", [STATS_FAIL_OTHER] = "other",
};

enum stats_failure stats_failure_from_errno(int err)
{
	switch (err < 0 ? -err : err) {
	case ENOMEM:
		return STATS_FAIL_ENOMEM;
	case EBUSY:
		return STATS_FAIL_EBUSY;
	case EACCES:
		return STATS_FAIL_EACCES;
	case EFAULT:
		return STATS_FAIL_EFAULT;
	case EPERM:
		return STATS_FAIL_EPERM;
	case ESRCH:
	case ENOENT:
		return STATS_FAIL_ESRCH;
	case EINVAL:
		return STATS_FAIL_EINVAL;
	default:
		return STATS_FAIL_OTHER;
	}
}

const char *stats_failure_to_string(enum stats_failure f)
{
	return f < _STATS_FAIL_MAX ? failure_names[f] : NULL;
}

uint64_t stats_moved_bytes_total(const struct cg_stats *s)
{
	uint64_t sum = 0;

	for (unsigned a = 0; a < NUMAB_MAX_NODES; a++)
		for (unsigned b = 0; b < NUMAB_MAX_NODES; b++)
			sum += s->moved_bytes[a][b];
	return sum;
}

json_object *stats_cgroup_json(const struct cg_stats *s, uint64_t node_mask)
{
	json_object *o = json_object_new_object();
	json_object *moved = json_object_new_array();
	json_object *fail = json_object_new_object();

	NODEMASK_FOREACH(a, node_mask)
		NODEMASK_FOREACH(b, node_mask)
			if (s->moved_bytes[a][b]) {
				json_object *m = json_object_new_object();

				json_object_object_add(m, "from", json_object_new_int(a));
				json_object_object_add(m, "to", json_object_new_int(b));
				json_object_object_add(m, "bytes",
						       json_object_new_uint64(s->moved_bytes[a][b]));
				json_object_array_add(moved, m);
			}
	for (int i = 0; i < _STATS_FAIL_MAX; i++)
		json_object_object_add(fail, failure_names[i], json_object_new_uint64(s->failures[i]));

	json_object_object_add(o, "moved_bytes", json_object_new_uint64(stats_moved_bytes_total(s)));
	json_object_object_add(o, "moved_pages", json_object_new_uint64(s->moved_pages));
	json_object_object_add(o, "moved_by_node", moved);
	json_object_object_add(o, "move_calls", json_object_new_uint64(s->move_calls));
	json_object_object_add(o, "move_call_max_ms",
			       json_object_new_double((double)s->move_call_max_usec / 1000.0));
	json_object_object_add(o, "tasks_placed", json_object_new_uint64(s->tasks_placed));
	json_object_object_add(o, "tasks_restored", json_object_new_uint64(s->tasks_restored));
	json_object_object_add(o, "failures", fail);
	json_object_object_add(o, "throttled_s",
			       json_object_new_double((double)s->throttled_usec / 1e6));
	json_object_object_add(o, "evaluations", json_object_new_uint64(s->evaluations));
	json_object_object_add(o, "fast_evaluations", json_object_new_uint64(s->fast_evaluations));
	return o;
}

void stats_prometheus_label(FILE *f, const char *value)
{
	fputc('"', f);
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', f);
		if (*p == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*p, f);
	}
	fputc('"', f);
}

static void metric(FILE *f, const char *name, const char *cgroup, const char *extra, uint64_t v)
{
	fprintf(f, "%s{cgroup=", name);
	stats_prometheus_label(f, cgroup);
	fprintf(f, "%s} %" PRIu64 "\n", extra ?: "", v);
}

void stats_cgroup_prometheus(FILE *f, const char *cgroup, const struct cg_stats *s,
			     uint64_t node_mask)
{
	char labels[64];

	NODEMASK_FOREACH(a, node_mask)
		NODEMASK_FOREACH(b, node_mask)
			if (s->moved_bytes[a][b]) {
				snprintf(labels, sizeof(labels), ",from=\"%d\",to=\"%d\"", a, b);
				metric(f, "numab_migrated_bytes_total", cgroup, labels,
				       s->moved_bytes[a][b]);
			}
	metric(f, "numab_migrated_pages_total", cgroup, NULL, s->moved_pages);
	metric(f, "numab_move_pages_calls_total", cgroup, NULL, s->move_calls);
	metric(f, "numab_tasks_placed_total", cgroup, NULL, s->tasks_placed);
	for (int i = 0; i < _STATS_FAIL_MAX; i++)
		if (s->failures[i]) {
			snprintf(labels, sizeof(labels), ",reason=\"%s\"", failure_names[i]);
			metric(f, "numab_failures_total", cgroup, labels, s->failures[i]);
		}
	fprintf(f, "numab_budget_throttled_seconds_total{cgroup=");
	stats_prometheus_label(f, cgroup);
	fprintf(f, "} %.6f\n", (double)s->throttled_usec / 1e6);
	metric(f, "numab_evaluations_total", cgroup, NULL, s->evaluations);
	metric(f, "numab_fast_evaluations_total", cgroup, NULL, s->fast_evaluations);
}
