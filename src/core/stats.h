/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What numabd did, per cgroup: bytes and pages moved by source and target node, tasks placed,
 * failures by reason, time throttled by budget, and the follow verdicts of the last
 * evaluation. Kept in memory by cgroup path and freed when the cgroup is removed (DESIGN §4
 * Sources); rendered as JSON for `numabctl stats` and as Prometheus text for the metrics
 * endpoint. Pure data and formatting.
 */

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>

#include "shared/nodemask.h"

/* Failure reasons: the errnos move_pages and sched_setaffinity report, plus one bucket. */
enum stats_failure {
	STATS_FAIL_ENOMEM,    /* target node full */
	STATS_FAIL_EBUSY,     /* page pinned or under writeback */
	STATS_FAIL_EACCES,    /* shared page, not moved without MOVE_ALL */
	STATS_FAIL_EFAULT,    /* unmapped or zero page */
	STATS_FAIL_EPERM,
	STATS_FAIL_ESRCH,     /* process exited */
	STATS_FAIL_EINVAL,
	STATS_FAIL_OTHER,
	_STATS_FAIL_MAX,
};

/* Map an errno (either sign) to its bucket. */
enum stats_failure stats_failure_from_errno(int err);
const char *stats_failure_to_string(enum stats_failure f);

struct cg_stats {
	uint64_t moved_bytes[NUMAB_MAX_NODES][NUMAB_MAX_NODES]; /* [from][to] */
	uint64_t moved_pages;
	uint64_t move_calls;
	uint64_t move_call_max_usec;   /* longest single move_pages call */
	uint64_t tasks_placed;         /* thread affinity changes */
	uint64_t tasks_restored;
	uint64_t failures[_STATS_FAIL_MAX];
	uint64_t throttled_usec;       /* time a budget held back a move */
	uint64_t evaluations;
	uint64_t fast_evaluations;     /* follow: local by memory.numa_stat, no page queried */
};

/* Totals for a cgroup object of `numabctl stats -j`. */
json_object *stats_cgroup_json(const struct cg_stats *s, uint64_t node_mask);

/* Add the Prometheus text lines of one cgroup to f. */
void stats_cgroup_prometheus(FILE *f, const char *cgroup, const struct cg_stats *s,
			     uint64_t node_mask);

/* Write a Prometheus label value (backslash, quote and newline escaped). */
void stats_prometheus_label(FILE *f, const char *value);

/* Sum of moved bytes over all pairs. */
uint64_t stats_moved_bytes_total(const struct cg_stats *s);
