/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sampler-probe: measure the same window with the BPF placement sampler and with the /proc
 * method, side by side, for the host integration test (test-sampler.sh) and the VM scenario
 * (tests/vm/scenarios/sampler.sh). It loads and attaches the sampler, waits a second (every
 * CPU switches once), takes a snapshot, waits, takes another, and prints for each named cgroup
 * (and for those named with --managed, each of its processes and threads) the CPU time per
 * node that each method saw:
 *
 *   cgroup path=/a id=N window_ms=W sampler_ns=S proc_ns=P s_node0=.. p_node0=.. ...
 *   process path=/a pid=N sampler_ns=S proc_ns=P s_node0=.. p_node0=.. ...
 *   thread path=/a pid=N tid=N sampler_ns=S proc_ns=P s_node0=.. p_node0=.. ...
 *   stats switches=N idle=N ...
 *
 * The scripts judge the numbers. Exit status 0; 77 with a "SKIP reason" line when this host
 * cannot run the sampler (not root, no BPF or BTF, program rejected); 1 on other errors.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpf/bpf-log.h"
#include "core/placement.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "shared/roots.h"
#include "sysfs/bpf-sampler.h"
#include "sysfs/snapshot-read.h"
#include "sysfs/topo-read.h"

#define EXIT_SKIP 77

static double arg_seconds = 3.0;
static unsigned arg_rounds = 1;

struct watched {
	const char *path;
	bool managed;
	uint64_t *s_cg;          /* span: sampler, cgroup */
	struct proc_copy {
		pid_t pid;
		uint64_t *s_ns;  /* span */
		unsigned n_tasks;
		struct task_copy {
			pid_t tid;
			uint64_t *s_ns;
		} *tasks;
	} *procs;
	unsigned n_procs;
};

static void usage(void)
{
	printf("Usage: sampler-probe [--seconds S] [--rounds N] [-v] [-m|--managed CGROUP]... [CGROUP...]\n"
	       "Print the CPU time per node of each CGROUP (a path below the cgroup v2 root)\n"
	       "over S seconds (default 3) as the BPF sampler and the /proc method see it,\n"
	       "N times (default 1). Cgroups named with --managed are marked managed and get\n"
	       "per-process and per-thread lines too.\n");
}

static void print_nodes(const uint64_t *s_ns, const uint64_t *p_ns, unsigned span)
{
	uint64_t st = 0, pt = 0;

	for (unsigned n = 0; n < span; n++) {
		st += s_ns[n];
		pt += p_ns[n];
	}
	printf(" sampler_ns=%" PRIu64 " proc_ns=%" PRIu64, st, pt);
	for (unsigned n = 0; n < span; n++)
		printf(" s_node%u=%" PRIu64 " p_node%u=%" PRIu64, n, s_ns[n], n, p_ns[n]);
	printf("\n");
}

static const struct task_sample *find_task(const struct proc_sample *p, pid_t tid)
{
	for (unsigned t = 0; t < p->n_tasks; t++)
		if (p->tasks[t].tid == tid)
			return &p->tasks[t];
	return NULL;
}

/* The /proc method for one thread: its run time delta on the node of its last CPU. */
static void proc_thread_ns(const struct snapshot *prev, const struct cg_sample *c,
			   const struct proc_sample *p, const struct task_sample *t,
			   const struct topology *topo, uint64_t *ret, unsigned span)
{
	int i = snapshot_find(prev, c->path);
	const struct proc_sample *op;
	const struct task_sample *ot;
	int node;

	memset(ret, 0, span * sizeof(uint64_t));
	if (i < 0)
		return;
	op = cg_find_proc(&prev->cgroups[i], p->pid);
	ot = op && op->start_time == p->start_time ? find_task(op, t->tid) : NULL;
	node = topo_cpu_to_node(topo, t->last_cpu);
	if (ot && t->runtime_ns > ot->runtime_ns && node >= 0 && (unsigned)node < span)
		ret[node] = t->runtime_ns - ot->runtime_ns;
}

static void watched_done(struct watched *w)
{
	free(w->s_cg);
	for (unsigned j = 0; j < w->n_procs; j++) {
		free(w->procs[j].s_ns);
		for (unsigned t = 0; t < w->procs[j].n_tasks; t++)
			free(w->procs[j].tasks[t].s_ns);
		free(w->procs[j].tasks);
	}
	free(w->procs);
	*w = (struct watched){ .path = w->path, .managed = w->managed };
}

/* Copy what the sampler put into snap (and its per-thread numbers) before placement_compute()
 * overwrites it. */
static int copy_sampler(const struct sampler *s, const struct snapshot *snap, struct watched *w)
{
	unsigned span = snap->span;
	int i = snapshot_find(snap, w->path);
	const struct cg_sample *c;

	if (i < 0)
		return -ENOENT;
	c = &snap->cgroups[i];
	w->s_cg = calloc(span, sizeof(uint64_t));
	w->procs = calloc(MAX(c->n_procs, 1u), sizeof(*w->procs));
	if (!w->s_cg || !w->procs)
		return -ENOMEM;
	memcpy(w->s_cg, c->cpu_ns, span * sizeof(uint64_t));
	for (unsigned j = 0; j < c->n_procs; j++) {
		const struct proc_sample *p = &c->procs[j];
		struct proc_copy *pc = &w->procs[w->n_procs++];

		pc->pid = p->pid;
		pc->s_ns = calloc(span, sizeof(uint64_t));
		pc->tasks = calloc(MAX(p->n_tasks, 1u), sizeof(*pc->tasks));
		if (!pc->s_ns || !pc->tasks)
			return -ENOMEM;
		if (p->cpu_ns)
			memcpy(pc->s_ns, p->cpu_ns, span * sizeof(uint64_t));
		for (unsigned t = 0; t < p->n_tasks; t++) {
			struct task_copy *tc = &pc->tasks[pc->n_tasks++];

			tc->tid = p->tasks[t].tid;
			tc->s_ns = calloc(span, sizeof(uint64_t));
			if (!tc->s_ns)
				return -ENOMEM;
			(void)sampler_thread_cpu_ns(s, tc->tid, tc->s_ns, span);
		}
	}
	return 0;
}

static void print_watched(const struct watched *w, const struct snapshot *prev,
			  const struct snapshot *cur, const struct topology *topo, double window_ms)
{
	unsigned span = cur->span;
	int i = snapshot_find(cur, w->path);
	const struct cg_sample *c = &cur->cgroups[i];
	_cleanup_free_ uint64_t *p_ns = calloc(span, sizeof(uint64_t));

	if (!p_ns)
		return;
	printf("cgroup path=%s id=%" PRIu64 " window_ms=%.0f", w->path, c->id, window_ms);
	print_nodes(w->s_cg, c->cpu_ns, span);
	if (!w->managed)
		return;
	for (unsigned j = 0; j < w->n_procs; j++) {
		const struct proc_copy *pc = &w->procs[j];
		const struct proc_sample *p = cg_find_proc(c, pc->pid);

		if (!p)
			continue;
		printf("process path=%s pid=%d", w->path, (int)p->pid);
		print_nodes(pc->s_ns, p->cpu_ns, span);
		for (unsigned t = 0; t < pc->n_tasks; t++) {
			const struct task_sample *ts = find_task(p, pc->tasks[t].tid);

			if (!ts)
				continue;
			proc_thread_ns(prev, c, p, ts, topo, p_ns, span);
			printf("thread path=%s pid=%d tid=%d", w->path, (int)p->pid, (int)ts->tid);
			print_nodes(pc->tasks[t].s_ns, p_ns, span);
		}
	}
}

static double mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int run(struct watched *w, int n_paths)
{
	struct numab_roots roots = NUMAB_ROOTS_NULL;
	struct topology *topo = NULL;
	struct sampler *s = NULL;
	struct snapshot *prev = NULL, *cur = NULL;
	uint64_t stats[_SAMPLER_STAT_MAX];
	double t_prev, t_cur;
	int r;

	if (geteuid() != 0) {
		printf("SKIP not root: loading BPF needs CAP_BPF and CAP_PERFMON\n");
		return EXIT_SKIP;
	}
	r = roots_open(&roots, NULL, NULL, NULL);
	if (r < 0)
		return log_error_errno(r, "Cannot open the live roots: %m");
	r = topo_read(roots.sysfs_fd, &topo);
	if (r < 0) {
		log_error_errno(r, "Cannot read the topology: %m");
		goto out_roots;
	}

	r = sampler_open(&roots, NULL, &s);
	if (r >= 0)
		r = sampler_load(s, topo);
	if (r >= 0)
		r = sampler_attach(s);
	if (r == -EOPNOTSUPP || r == -EPERM) {
		printf("SKIP BPF sampler unavailable on %s: %s (run with -v for libbpf's log)\n",
		       "this kernel", strerror(-r));
		r = EXIT_SKIP;
		goto out_sampler;
	}
	if (r < 0) {
		log_error_errno(r, "Cannot start the BPF sampler: %m");
		goto out_sampler;
	}

	/* Until a CPU switches once, the sampler does not know who runs there: let each CPU
	 * switch before the baseline. */
	(void)usleep(1000000);
	r = snapshot_take(&roots, topo, SNAP_TASKS, &prev);
	if (r < 0) {
		log_error_errno(r, "Cannot take a snapshot: %m");
		goto out_sampler;
	}
	for (int i = 0; i < n_paths; i++) {
		int k = snapshot_find(prev, w[i].path);

		if (k < 0) {
			r = log_error_errno(SYNTHETIC_ERRNO(ENOENT), "No cgroup %s.", w[i].path);
			goto out_snap;
		}
		if (w[i].managed) {
			r = sampler_set_managed(s, prev->cgroups[k].id, true);
			if (r < 0) {
				log_error_errno(r, "Cannot mark %s managed: %m", w[i].path);
				goto out_snap;
			}
		}
	}
	r = sampler_read(s, topo, prev);
	if (r < 0) {
		log_error_errno(r, "Sampler read failed: %m");
		goto out_snap;
	}
	t_prev = mono_ms();

	for (unsigned round = 0; round < arg_rounds; round++) {
		(void)usleep((useconds_t)(arg_seconds * 1e6));
		r = snapshot_take(&roots, topo, SNAP_TASKS, &cur);
		if (r < 0) {
			log_error_errno(r, "Cannot take a snapshot: %m");
			goto out_snap;
		}
		r = sampler_read(s, topo, cur);
		t_cur = mono_ms();
		if (r < 0) {
			log_error_errno(r, "Sampler read failed: %m");
			goto out_snap;
		}
		for (int i = 0; i < n_paths && r >= 0; i++) {
			watched_done(&w[i]);
			r = copy_sampler(s, cur, &w[i]);
			if (r < 0)
				log_error_errno(r, "Cgroup %s: %m", w[i].path);
		}
		if (r >= 0)
			r = placement_compute(prev, cur, topo);
		if (r < 0)
			goto out_snap;
		for (int i = 0; i < n_paths; i++)
			print_watched(&w[i], prev, cur, topo, t_cur - t_prev);
		snapshot_free(prev);
		prev = TAKE_PTR(cur);
		t_prev = t_cur;
	}

	r = sampler_stats(s, stats);
	if (r >= 0) {
		printf("stats");
		for (unsigned i = 0; i < _SAMPLER_STAT_MAX; i++)
			printf(" %s=%" PRIu64, sampler_stat_to_string(i), stats[i]);
		printf("\n");
	}
	r = 0;
out_snap:
	snapshot_free(cur);
	snapshot_free(prev);
	for (int i = 0; i < n_paths; i++)
		watched_done(&w[i]);
out_sampler:
	sampler_free(s);
	topo_free(topo);
out_roots:
	roots_close(&roots);
	return r;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "rounds", required_argument, NULL, 'n' },
		{ "managed", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	_cleanup_free_ struct watched *w = NULL;
	int level = LOG_INFO, n = 0, c, r;

	w = calloc((size_t)argc, sizeof(*w));
	if (!w)
		return 1;
	while ((c = getopt_long(argc, argv, "s:n:m:vh", options, NULL)) >= 0) {
		switch (c) {
		case 's':
			arg_seconds = strtod(optarg, NULL);
			break;
		case 'n':
			arg_rounds = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'm':
			w[n++] = (struct watched){ .path = optarg, .managed = true };
			break;
		case 'v':
			level = LOG_DEBUG;
			break;
		case 'h':
			usage();
			return 0;
		default:
			return 2;
		}
	}
	while (optind < argc)
		w[n++] = (struct watched){ .path = argv[optind++] };
	if (n == 0 || arg_seconds <= 0 || arg_seconds > 3600 || arg_rounds < 1) {
		usage();
		return 2;
	}
	log_setup("sampler-probe", level);
	bpf_log_install();
	setvbuf(stdout, NULL, _IOLBF, 0);
	r = run(w, n);
	if (r == EXIT_SKIP)
		return EXIT_SKIP;
	return r < 0 ? 1 : 0;
}
