/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Benchmark: CPU time of one full snapshot (cgroup tree + every process and thread) plus the
 * placement window, over a fixture root. Prints the median of R runs as JSON.
 *   snapshot-cost ROOT [RUNS]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/placement.h"
#include "shared/roots.h"
#include "sysfs/snapshot-read.h"
#include "sysfs/topo-read.h"

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	char sys[4096], proc[4096], cg[4096];
	struct numab_roots roots;
	struct topology *topo;
	struct snapshot *prev = NULL;
	double samples[64];
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	unsigned n_cgroups = 0, n_tasks = 0;

	if (argc < 2 || runs < 1 || runs > 64) {
		fprintf(stderr, "Usage: snapshot-cost ROOT [RUNS<=64]\n");
		return 2;
	}
	snprintf(sys, sizeof(sys), "%s/sys", argv[1]);
	snprintf(proc, sizeof(proc), "%s/proc", argv[1]);
	snprintf(cg, sizeof(cg), "%s/cgroup", argv[1]);
	if (roots_open(&roots, sys, proc, cg) < 0 || topo_read(roots.sysfs_fd, &topo) < 0) {
		fprintf(stderr, "snapshot-cost: cannot read the fixture root %s\n", argv[1]);
		return 1;
	}
	for (int i = 0; i < runs + 1; i++) {
		struct snapshot *s;
		double t0 = cpu_seconds();

		if (snapshot_take(&roots, topo, SNAP_TASKS | SNAP_COUNTERS, &s) < 0 ||
		    placement_compute(prev, s, topo) < 0) {
			fprintf(stderr, "snapshot-cost: snapshot failed\n");
			return 1;
		}
		/* Run 0 warms the dentry cache and is not counted. */
		if (i > 0)
			samples[i - 1] = cpu_seconds() - t0;
		n_cgroups = s->n_cgroups;
		n_tasks = s->n_tasks_total;
		snapshot_free(prev);
		prev = s;
	}
	qsort(samples, (size_t)runs, sizeof(double), cmp_double);
	printf("{\"cgroups\": %u, \"tasks\": %u, \"runs\": %d, \"cpu_ms_median\": %.2f, "
	       "\"cpu_ms_min\": %.2f, \"cpu_ms_max\": %.2f}\n",
	       n_cgroups, n_tasks, runs, samples[runs / 2] * 1e3, samples[0] * 1e3,
	       samples[runs - 1] * 1e3);
	snapshot_free(prev);
	topo_free(topo);
	roots_close(&roots);
	return 0;
}
