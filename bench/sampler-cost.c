/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Benchmark: what the BPF placement sampler costs and saves, on the live kernel (root).
 *
 *   sampler-cost snapshot [--threads N] [--procs P] [--runs R]
 *	Spawns N sleeping threads (each wakes every 2 s) in P processes, one cgroup each, under a
 *	fresh cgroup, and measures the CPU time (this process, user + system) of one tick's CPU
 *	placement both ways: the /proc walk (snapshot with every thread's stat, then
 *	placement_compute()) and the sampler (snapshot of the cgroup files only, then
 *	sampler_read()), with the P cgroups managed (a per-thread entry for every thread) and not.
 *	Prints one JSON object.
 *
 *   sampler-cost switch [--loops L] [--reps R] [--perf PATH]
 *	Context-switch cost: `perf bench sched pipe -l L` (two tasks ping-ponging over a pipe,
 *	pinned to one CPU, so every operation is two context switches) with the sampler detached,
 *	attached, and attached with the benchmark's cgroup managed (the per-thread path), R times
 *	each, interleaved. Without perf a built-in pipe ping-pong does the same. Then one more run
 *	of each attached mode with BPF run-time statistics on gives the program's own time per
 *	switch. Prints one JSON object.
 *
 * Numbers, not verdicts: a shared or virtual machine is noisy; bench/sampler-cost runs both and
 * writes bench/results/sampler-cost.json. Exit status 77 when the sampler cannot run here.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bpf/bpf-log.h"
#include "core/placement.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "shared/roots.h"
#include "sysfs/bpf-sampler.h"
#include "sysfs/snapshot-read.h"
#include "sysfs/topo-read.h"

#define EXIT_SKIP 77
#define MAX_PROCS 256
#define MAX_RUNS 64
#define THREAD_STACK_BYTES (64 * 1024)
#define SLEEP_PERIOD_NS 2000000000L

static unsigned arg_threads = 10000, arg_procs = 10, arg_runs = 7;
static unsigned arg_loops = 200000, arg_reps = 5;
static const char *arg_perf = "perf";

struct bench {
	struct numab_roots roots;
	struct topology *topo;
	struct sampler *sampler;
	char dir[64];           /* our cgroup, below the cgroup v2 root */
	pid_t children[MAX_PROCS];
	unsigned n_children;
};

static double cpu_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double wall_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(double), cmp_double);
	return n ? v[n / 2] : 0.0;
}

/* Write our pid into <cgroup root>/<path>/cgroup.procs. */
static int join_cgroup(int cgroup_fd, const char *path)
{
	char file[256], pid[32];
	_cleanup_close_ int fd = -EBADF;
	int len;

	(void)snprintf(file, sizeof(file), "%s/cgroup.procs", path);
	fd = openat(cgroup_fd, file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (write(fd, pid, (size_t)len) != len)
		return negative_errno();
	return 0;
}

static int cgroup_id(int cgroup_fd, const char *path, uint64_t *ret)
{
	struct stat st;

	if (fstatat(cgroup_fd, path, &st, 0) < 0)
		return negative_errno();
	*ret = (uint64_t)st.st_ino;
	return 0;
}

/* ---- snapshot cost --------------------------------------------------------------------- */

static void *sleeper(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;
	/* Spread the first wake-ups over a second. */
	struct timespec first = { .tv_nsec = (long)(i % 1000) * 1000000L };
	struct timespec period = { .tv_sec = SLEEP_PERIOD_NS / 1000000000L };

	(void)nanosleep(&first, NULL);
	for (;;)
		(void)nanosleep(&period, NULL);
	return NULL;
}

/* A child process: join its cgroup, start its threads, say so on ready_fd, then wait to be
 * killed. Returns only on failure (the caller _exit()s). */
static int child_run(int cgroup_fd, const char *path, unsigned n_threads, int ready_fd)
{
	pthread_attr_t attr;
	int r;

	r = join_cgroup(cgroup_fd, path);
	if (r < 0)
		return r;
	if (pthread_attr_init(&attr) != 0 ||
	    pthread_attr_setstacksize(&attr, THREAD_STACK_BYTES) != 0)
		return -ENOMEM;
	for (unsigned i = 0; i < n_threads; i++) {
		pthread_t t;

		r = pthread_create(&t, &attr, sleeper, (void *)(uintptr_t)i);
		if (r != 0)
			return -r;
		(void)pthread_detach(t);
	}
	if (write(ready_fd, "x", 1) != 1)
		return negative_errno();
	for (;;)
		pause();
}

static int spawn_sleepers(struct bench *b)
{
	_cleanup_close_ int rd = -EBADF, wr = -EBADF;
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return negative_errno();
	rd = p[0];
	wr = p[1];
	for (unsigned i = 0; i < arg_procs; i++) {
		char path[96];
		unsigned n = arg_threads / arg_procs + (i < arg_threads % arg_procs);
		pid_t pid;

		(void)snprintf(path, sizeof(path), "%s/p%u", b->dir, i);
		if (mkdirat(b->roots.cgroup_fd, path, 0755) < 0)
			return negative_errno();
		pid = fork();
		if (pid < 0)
			return negative_errno();
		if (pid == 0) {
			int r = child_run(b->roots.cgroup_fd, path, n, wr);

			fprintf(stderr, "sampler-cost: child %u: %s\n", i, strerror(-r));
			_exit(1);
		}
		b->children[b->n_children++] = pid;
	}
	wr = safe_close(wr);
	for (unsigned i = 0; i < arg_procs; i++) {
		char c;

		if (read(rd, &c, 1) != 1)
			return log_error_errno(SYNTHETIC_ERRNO(ECHILD),
					       "A sleeper process died while starting its threads.");
	}
	return 0;
}

static int mark_managed(struct bench *b, bool managed)
{
	for (unsigned i = 0; i < arg_procs; i++) {
		char path[96];
		uint64_t id;
		int r;

		(void)snprintf(path, sizeof(path), "%s/p%u", b->dir, i);
		r = cgroup_id(b->roots.cgroup_fd, path, &id);
		if (r >= 0)
			r = sampler_set_managed(b->sampler, id, managed);
		if (r < 0)
			return log_error_errno(r, "Cannot mark %s: %m", path);
	}
	return 0;
}

/* One tick of the /proc method: the full snapshot with tasks, then the window. */
static int tick_proc(struct bench *b, struct snapshot **prev, double *ret_ms, unsigned *ret_tasks)
{
	struct snapshot *s;
	double t0 = cpu_ms();
	int r;

	r = snapshot_take(&b->roots, b->topo, SNAP_TASKS | SNAP_COUNTERS, &s);
	if (r < 0)
		return r;
	r = placement_compute(*prev, s, b->topo);
	*ret_ms = cpu_ms() - t0;
	*ret_tasks = s->n_tasks_total;
	snapshot_free(*prev);
	*prev = s;
	return r;
}

/* One tick with the sampler: the snapshot of the cgroup files only, then the sampler read. */
static int tick_sampler(struct bench *b, double *ret_ms, double *ret_read_ms)
{
	struct snapshot *s;
	double t0 = cpu_ms(), t1;
	int r;

	r = snapshot_take(&b->roots, b->topo, SNAP_COUNTERS, &s);
	if (r < 0)
		return r;
	t1 = cpu_ms();
	r = sampler_read(b->sampler, b->topo, s);
	*ret_read_ms = cpu_ms() - t1;
	*ret_ms = cpu_ms() - t0;
	snapshot_free(s);
	return r;
}

static int bench_snapshot(struct bench *b)
{
	double walk[MAX_RUNS], snap_m[MAX_RUNS], read_m[MAX_RUNS], snap_u[MAX_RUNS],
		read_u[MAX_RUNS], walk_wall[MAX_RUNS];
	struct snapshot *prev = NULL;
	uint64_t stats[_SAMPLER_STAT_MAX];
	unsigned tasks = 0;
	double x;
	int r;

	r = spawn_sleepers(b);
	if (r < 0)
		return log_error_errno(r, "Cannot start %u threads: %m", arg_threads);
	r = mark_managed(b, true);
	if (r < 0)
		return r;
	/* Every thread wakes once per period: then each has its per-thread entry. */
	(void)usleep(SLEEP_PERIOD_NS / 1000 + 500000);

	/* Warm-up: dentries, the sampler's buffers, the first window. */
	if ((r = tick_proc(b, &prev, &x, &tasks)) < 0 || (r = tick_sampler(b, &x, &x)) < 0)
		goto out;
	for (unsigned i = 0; i < arg_runs; i++) {
		double t0 = wall_ms();

		r = tick_proc(b, &prev, &walk[i], &tasks);
		walk_wall[i] = wall_ms() - t0;
		if (r >= 0)
			r = tick_sampler(b, &snap_m[i], &read_m[i]);
		if (r < 0)
			goto out;
	}
	r = sampler_stats(b->sampler, stats);
	if (r < 0)
		goto out;

	/* The same without per-thread entries: the first read after unmarking removes them. */
	r = mark_managed(b, false);
	if (r >= 0)
		r = tick_sampler(b, &x, &x);
	for (unsigned i = 0; i < arg_runs && r >= 0; i++)
		r = tick_sampler(b, &snap_u[i], &read_u[i]);
	if (r < 0)
		goto out;

	{
		double w = median(walk, arg_runs), ww = median(walk_wall, arg_runs);
		double sm = median(snap_m, arg_runs), rm = median(read_m, arg_runs);
		double su = median(snap_u, arg_runs), ru = median(read_u, arg_runs);

		printf("{\"benchmark\": \"sampler-cost/snapshot\", \"threads\": %u, \"processes\": %u, "
		       "\"tasks_in_snapshot\": %u, \"runs\": %u, "
		       "\"proc_walk_cpu_ms\": %.2f, \"proc_walk_wall_ms\": %.2f, "
		       "\"sampler_tick_cpu_ms\": %.2f, \"sampler_read_cpu_ms\": %.2f, "
		       "\"sampler_tick_unmanaged_cpu_ms\": %.2f, \"sampler_read_unmanaged_cpu_ms\": %.2f, "
		       "\"thread_entries_created\": %" PRIu64 ", "
		       "\"ratio_proc_walk_to_sampler_tick\": %.1f, \"ratio_proc_walk_to_sampler_read\": %.1f, "
		       "\"ratio_proc_walk_to_sampler_tick_unmanaged\": %.1f}\n",
		       arg_threads, arg_procs, tasks, arg_runs, w, ww, sm, rm, su, ru,
		       stats[SAMPLER_STAT_THREAD_NEW], sm > 0 ? w / sm : 0.0, rm > 0 ? w / rm : 0.0,
		       su > 0 ? w / su : 0.0);
	}
out:
	snapshot_free(prev);
	if (r < 0)
		log_error_errno(r, "Measurement failed: %m");
	return r;
}

/* ---- context switches ------------------------------------------------------------------ */

/* Built-in ping-pong: two processes on one CPU pass a byte back and forth loops times. */
static int pingpong(unsigned loops)
{
	int ab[2], ba[2];
	pid_t pid;
	char c = 0;

	if (pipe(ab) < 0 || pipe(ba) < 0)
		return negative_errno();
	pid = fork();
	if (pid < 0)
		return negative_errno();
	if (pid == 0) {
		for (unsigned i = 0; i < loops; i++)
			if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	for (unsigned i = 0; i < loops; i++)
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			break;
	(void)waitpid(pid, NULL, 0);
	close(ab[0]);
	close(ab[1]);
	close(ba[0]);
	close(ba[1]);
	return 0;
}

/* Run the workload in our switch cgroup on CPU 0; returns microseconds per operation. */
static int run_pipe(struct bench *b, bool use_perf, double *ret_usec_per_op)
{
	char path[96], loops[32], line[256];
	int out[2], status;
	double usec = -1.0, t0 = wall_ms();
	pid_t pid;
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/switch", b->dir);
	(void)snprintf(loops, sizeof(loops), "%u", arg_loops);
	if (pipe2(out, O_CLOEXEC) < 0)
		return negative_errno();
	pid = fork();
	if (pid < 0)
		return negative_errno();
	if (pid == 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(0, &set);
		if (join_cgroup(b->roots.cgroup_fd, path) < 0 ||
		    sched_setaffinity(0, sizeof(set), &set) < 0 || dup2(out[1], STDOUT_FILENO) < 0)
			_exit(126);
		if (use_perf) {
			execlp(arg_perf, arg_perf, "bench", "sched", "pipe", "-l", loops, (char *)NULL);
			_exit(127);
		}
		_exit(pingpong(arg_loops) < 0 ? 1 : 0);
	}
	close(out[1]);
	f = fdopen(out[0], "r");
	if (!f) {
		close(out[0]);
		(void)waitpid(pid, NULL, 0);
		return -ENOMEM;
	}
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "usecs/op"))
			usec = strtod(line, NULL);
	fclose(f);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EIO;
	if (!use_perf)
		usec = (wall_ms() - t0) * 1e3 / arg_loops;
	if (usec <= 0)
		return -EIO;
	*ret_usec_per_op = usec;
	return 0;
}

static int set_mode(struct bench *b, bool attached, bool managed, uint64_t id)
{
	int r;

	r = sampler_set_managed(b->sampler, id, managed);
	if (r >= 0 && attached)
		r = sampler_attach(b->sampler);
	else if (r >= 0)
		r = sampler_detach(b->sampler);
	/* Already in that state. */
	if (r == -EBUSY || r == -EBADFD)
		r = 0;
	return r;
}

static int bench_switch(struct bench *b)
{
	enum { OFF, ON, ON_MANAGED, _MODES };
	static const char *const names[_MODES] = { "detached", "attached", "attached_managed" };
	double usec[_MODES][MAX_RUNS], med[_MODES], prog_ns[_MODES] = { 0 };
	uint64_t before[_SAMPLER_STAT_MAX], after[_SAMPLER_STAT_MAX];
	char path[96];
	uint64_t id = 0;
	bool use_perf;
	int r;

	(void)snprintf(path, sizeof(path), "%s/switch", b->dir);
	if (mkdirat(b->roots.cgroup_fd, path, 0755) < 0)
		return log_error_errno(negative_errno(), "Cannot create the cgroup %s: %m", path);
	r = cgroup_id(b->roots.cgroup_fd, path, &id);
	if (r < 0)
		return r;
	/* perf is used when it runs. */
	use_perf = run_pipe(b, true, &usec[OFF][0]) >= 0;
	if (!use_perf)
		log_info("'%s bench sched pipe' does not run here; using the built-in ping-pong.",
			 arg_perf);

	r = sampler_stats(b->sampler, before);
	/* Interleaved, each rep in a rotated order, so drift and warm-up hit every mode alike. */
	for (unsigned rep = 0; rep < arg_reps && r >= 0; rep++) {
		for (int k = 0; k < _MODES && r >= 0; k++) {
			int m = (int)((rep + (unsigned)k) % _MODES);

			r = set_mode(b, m != OFF, m == ON_MANAGED, id);
			if (r >= 0)
				r = run_pipe(b, use_perf, &usec[m][rep]);
		}
	}
	if (r >= 0)
		r = set_mode(b, true, false, id);
	if (r >= 0)
		r = sampler_stats(b->sampler, after);
	if (r < 0)
		return log_error_errno(r, "Measurement failed: %m");

	/* The program's own run time, as the kernel measures it with run-time statistics on
	 * (they cost two clock reads per run, so not during the runs above). */
	for (int m = ON; m < _MODES && r >= 0; m++) {
		_cleanup_close_ int stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		uint64_t runs0 = 0, ns0 = 0, runs1 = 0, ns1 = 0;
		double x;

		if (stats_fd < 0) {
			prog_ns[m] = -1.0;
			continue;
		}
		if (m == ON_MANAGED)
			r = sampler_set_managed(b->sampler, id, true);
		if (r >= 0)
			r = sampler_prog_runtime(b->sampler, &runs0, &ns0);
		if (r >= 0)
			r = run_pipe(b, use_perf, &x);
		if (r >= 0)
			r = sampler_prog_runtime(b->sampler, &runs1, &ns1);
		if (m == ON_MANAGED && r >= 0)
			r = sampler_set_managed(b->sampler, id, false);
		prog_ns[m] = runs1 > runs0 ? (double)(ns1 - ns0) / (double)(runs1 - runs0) : -1.0;
	}
	if (r < 0)
		return log_error_errno(r, "Measurement failed: %m");

	for (int m = 0; m < _MODES; m++)
		med[m] = median(usec[m], arg_reps);
	printf("{\"benchmark\": \"sampler-cost/switch\", \"workload\": \"%s\", \"loops\": %u, "
	       "\"reps\": %u, \"switches_per_op\": 2",
	       use_perf ? "perf bench sched pipe (pinned to CPU 0)" : "built-in pipe ping-pong (pinned to CPU 0)",
	       arg_loops, arg_reps);
	for (int m = 0; m < _MODES; m++)
		printf(", \"%s_usec_per_op\": %.3f, \"%s_switches_per_sec\": %.0f", names[m], med[m],
		       names[m], 2e6 / med[m]);
	printf(", \"ratio_switch_rate_attached\": %.3f, \"ratio_switch_rate_attached_managed\": %.3f, "
	       "\"overhead_ns_per_switch\": %.0f, \"overhead_ns_per_switch_managed\": %.0f, "
	       "\"switches_seen_by_sampler\": %" PRIu64 ", "
	       "\"bpf_prog_ns_per_switch\": %.0f, \"bpf_prog_ns_per_switch_managed\": %.0f}\n",
	       med[OFF] / med[ON], med[OFF] / med[ON_MANAGED], (med[ON] - med[OFF]) * 1e3 / 2,
	       (med[ON_MANAGED] - med[OFF]) * 1e3 / 2,
	       after[SAMPLER_STAT_SWITCHES] - before[SAMPLER_STAT_SWITCHES], prog_ns[ON],
	       prog_ns[ON_MANAGED]);
	return 0;
}

/* ---- main ------------------------------------------------------------------------------ */

static void bench_done(struct bench *b)
{
	char path[96];

	for (unsigned i = 0; i < b->n_children; i++) {
		(void)kill(b->children[i], SIGKILL);
		(void)waitpid(b->children[i], NULL, 0);
	}
	if (b->roots.cgroup_fd >= 0 && b->dir[0]) {
		for (unsigned i = 0; i < arg_procs; i++) {
			(void)snprintf(path, sizeof(path), "%s/p%u", b->dir, i);
			(void)unlinkat(b->roots.cgroup_fd, path, AT_REMOVEDIR);
		}
		(void)snprintf(path, sizeof(path), "%s/switch", b->dir);
		(void)unlinkat(b->roots.cgroup_fd, path, AT_REMOVEDIR);
		(void)unlinkat(b->roots.cgroup_fd, b->dir, AT_REMOVEDIR);
	}
	sampler_free(b->sampler);
	topo_free(b->topo);
	roots_close(&b->roots);
}

static int run(const char *mode)
{
	struct bench b = { .roots = NUMAB_ROOTS_NULL };
	int r;

	if (geteuid() != 0) {
		printf("SKIP not root: loading BPF needs CAP_BPF and CAP_PERFMON\n");
		return EXIT_SKIP;
	}
	r = roots_open(&b.roots, NULL, NULL, NULL);
	if (r < 0)
		return log_error_errno(r, "Cannot open the live roots: %m");
	if (b.roots.cgroup_fd < 0) {
		r = log_error_errno(SYNTHETIC_ERRNO(ENOMEDIUM), "No cgroup v2 hierarchy.");
		goto out;
	}
	r = topo_read(b.roots.sysfs_fd, &b.topo);
	if (r < 0) {
		log_error_errno(r, "Cannot read the topology: %m");
		goto out;
	}
	r = sampler_open(&b.roots, NULL, &b.sampler);
	if (r >= 0)
		r = sampler_load(b.sampler, b.topo);
	if (r >= 0)
		r = sampler_attach(b.sampler);
	if (r == -EOPNOTSUPP || r == -EPERM) {
		printf("SKIP BPF sampler unavailable: %s\n", strerror(-r));
		r = EXIT_SKIP;
		goto out;
	}
	if (r < 0) {
		log_error_errno(r, "Cannot start the sampler: %m");
		goto out;
	}
	(void)snprintf(b.dir, sizeof(b.dir), "numab-bench-sampler-%d", (int)getpid());
	if (mkdirat(b.roots.cgroup_fd, b.dir, 0755) < 0) {
		r = log_error_errno(negative_errno(), "Cannot create the cgroup %s: %m", b.dir);
		b.dir[0] = '\0';
		goto out;
	}
	r = streq(mode, "snapshot") ? bench_snapshot(&b) : bench_switch(&b);
out:
	bench_done(&b);
	return r;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "procs", required_argument, NULL, 'p' },
		{ "runs", required_argument, NULL, 'r' },
		{ "loops", required_argument, NULL, 'l' },
		{ "reps", required_argument, NULL, 'R' },
		{ "perf", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int level = LOG_INFO, c, r;

	while ((c = getopt_long(argc, argv, "t:p:r:l:R:P:vh", options, NULL)) >= 0) {
		switch (c) {
		case 't':
			arg_threads = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			arg_procs = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			arg_runs = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'l':
			arg_loops = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'R':
			arg_reps = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'P':
			arg_perf = optarg;
			break;
		case 'v':
			level = LOG_DEBUG;
			break;
		case 'h':
			printf("Usage: sampler-cost snapshot [--threads N] [--procs P] [--runs R]\n"
			       "       sampler-cost switch [--loops L] [--reps R] [--perf PATH]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc || (!streq(argv[optind], "snapshot") && !streq(argv[optind], "switch")) ||
	    arg_procs < 1 || arg_procs > MAX_PROCS || arg_threads < arg_procs || arg_runs < 1 ||
	    arg_runs > MAX_RUNS || arg_reps < 1 || arg_reps > MAX_RUNS || arg_loops < 1) {
		fprintf(stderr, "sampler-cost: bad arguments (see --help)\n");
		return 2;
	}
	log_setup("sampler-cost", level);
	bpf_log_install();
	r = run(argv[optind]);
	if (r == EXIT_SKIP)
		return EXIT_SKIP;
	return r < 0 ? 1 : 0;
}
