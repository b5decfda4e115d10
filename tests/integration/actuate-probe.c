/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * actuate-probe: drives numabd's actuation layer (src/daemon/procmem, actuate, affinity) by
 * hand against the real kernel, for the host integration test (tests/integration/
 * test-actuate.sh) and the VM scenario (tests/vm/scenarios/actuate.sh). Every verb prints
 * one JSON object on stdout.
 *
 *   actuate-probe workload [--mib N] [--threads T] [--thp] [--narrow-cpu C]
 *                          [--bind-node N] [--exit-after-ms MS] [--ready FILE]
 *       a process to act on: N MiB of anonymous memory with a known pattern, T sleeping
 *       threads (the first narrowed to CPU C), the memory optionally under its own
 *       mbind(MPOL_BIND) to node N (numab must never move it); SIGUSR1 starts one more
 *       thread; SIGTERM checks the pattern and prints "CHECKSUM OK" (exit 0) or
 *       "CHECKSUM FAIL" (exit 2)
 *   actuate-probe status PID [--scan-pages N]
 *       procmem_load() and procmem_scan() until a sweep completes: where its pages are
 *   actuate-probe move PID --to NODE [--from LIST] [--budget SIZE] [--free SIZE] [--dry-run]
 *                          [--include-target] [--move-all] [--start-time T] [--cgroup PATH]
 *                          [--batch MIN:MAX] [--target-ms MS] [--max-time-ms MS]
 *                          [--repeat N] [--until-vanished]
 *       actuate_move(), N times (or until the process vanished), with the engine's stats
 *   actuate-probe pin PID --cpus LIST --allowed LIST --state DIR [--cgroup PATH] [--sleep]
 *       affinity_place(); --sleep then waits to be killed (a numabd that gets SIGKILLed)
 *   actuate-probe restore --state DIR [PID]
 *       affinity_restore() of PID, or of every record (what numabd does at start and stop)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <linux/mempolicy.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "daemon/actuate.h"
#include "daemon/affinity.h"
#include "daemon/procmem.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "shared/parse-util.h"
#include "sysfs/proc-read.h"

#define JOURNAL_NAME "affinity.json"

static void emit(json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(o);
}

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static void add_int(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static int open_proc(void)
{
	int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "open /proc: %m\n");
		exit(1);
	}
	return fd;
}

static uint64_t start_time_of(int proc_fd, pid_t pid)
{
	struct proc_sample p;

	if (proc_read_process(proc_fd, pid, false, &p) < 0)
		return 0;
	return p.start_time;
}

/* ---------------------------------------------------------------- workload */

static uint64_t *wl_mem;
static size_t wl_words;
static volatile sig_atomic_t wl_term, wl_spawn;
static int wl_narrow_cpu = -1;

static uint64_t pattern(size_t i)
{
	return (uint64_t)i * 0x9e3779b97f4a7c15ull ^ 0x5bd1e995u;
}

static void *wl_thread(void *arg)
{
	size_t idx = (size_t)(uintptr_t)arg, pos = idx * 4096;
	struct timespec ts = { 0, 2000000 };

	if (idx == 0 && wl_narrow_cpu >= 0) {
		cpu_set_t s;

		CPU_ZERO(&s);
		CPU_SET(wl_narrow_cpu, &s);
		if (sched_setaffinity(0, sizeof(s), &s) < 0)
			fprintf(stderr, "workload: sched_setaffinity: %m\n");
	}
	for (;;) {
		/* Read a little of the memory now and then: alive, but nearly idle. */
		volatile uint64_t sink = 0;

		for (int k = 0; k < 64; k++)
			sink += wl_mem[(pos + (size_t)k * 512) % wl_words];
		pos += 64 * 512;
		(void)sink;
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		wl_spawn = 1;
	else
		wl_term = 1;
}

static int verb_workload(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mib", required_argument, NULL, 'm' },
		{ "threads", required_argument, NULL, 't' },
		{ "thp", no_argument, NULL, 'H' },
		{ "narrow-cpu", required_argument, NULL, 'n' },
		{ "exit-after-ms", required_argument, NULL, 'x' },
		{ "ready", required_argument, NULL, 'r' },
		{ "bind-node", required_argument, NULL, 'b' },
		{}
	};
	int bind_node = -1;
	unsigned mib = 64, threads = 1, exit_ms = 0, spawned = 0;
	const char *ready = NULL;
	bool thp = false;
	size_t bytes;
	char *p;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0) {
		switch (c) {
		case 'm':
			mib = (unsigned)atoi(optarg);
			break;
		case 't':
			threads = (unsigned)atoi(optarg);
			break;
		case 'H':
			thp = true;
			break;
		case 'n':
			wl_narrow_cpu = atoi(optarg);
			break;
		case 'x':
			exit_ms = (unsigned)atoi(optarg);
			break;
		case 'r':
			ready = optarg;
			break;
		case 'b':
			bind_node = atoi(optarg);
			break;
		default:
			return 1;
		}
	}
	bytes = (size_t)mib << 20;
	/* 2 MiB aligned, so that THPs can back it. */
	p = mmap(NULL, bytes + (2u << 20), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "workload: mmap: %m\n");
		return 1;
	}
	p = (char *)(((uintptr_t)p + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1));
	(void)madvise(p, bytes, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	if (bind_node >= 0) {
		unsigned long mask = 1ul << bind_node;

		if (syscall(SYS_mbind, p, bytes, MPOL_BIND, &mask, sizeof(mask) * 8, 0) < 0) {
			fprintf(stderr, "workload: mbind: %m\n");
			return 1;
		}
	}
	wl_mem = (uint64_t *)p;
	wl_words = bytes / sizeof(uint64_t);
	for (size_t i = 0; i < wl_words; i++)
		wl_mem[i] = pattern(i);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGUSR1, on_signal);
	for (unsigned i = 0; i < threads; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, wl_thread, (void *)(uintptr_t)i) != 0)
			return 1;
	}
	if (ready) {
		char tmp[4096];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", ready);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "pid=%d\n", getpid()) < 0 || fclose(f) != 0 ||
		    rename(tmp, ready) < 0) {
			fprintf(stderr, "workload: %s: %m\n", ready);
			return 1;
		}
	}
	for (unsigned waited = 0; !wl_term; waited += 5) {
		struct timespec ts = { 0, 5000000 };

		if (exit_ms && waited >= exit_ms)
			_exit(0);
		if (wl_spawn) {
			pthread_t t;

			wl_spawn = 0;
			if (pthread_create(&t, NULL, wl_thread,
					   (void *)(uintptr_t)(threads + ++spawned)) != 0)
				return 1;
		}
		nanosleep(&ts, NULL);
	}
	for (size_t i = 0; i < wl_words; i++)
		if (wl_mem[i] != pattern(i)) {
			printf("CHECKSUM FAIL at byte %zu\n", i * 8);
			return 2;
		}
	printf("CHECKSUM OK bytes=%zu\n", bytes);
	return 0;
}

/* ---------------------------------------------------------------- status */

static int verb_status(int argc, char **argv)
{
	struct procmem_params params = { .stride_pages = 1 };
	const struct procmem_estimate *est;
	struct procmem_scan_result sr;
	uint64_t syscall_ns = 0, queried = 0, calls = 0;
	json_object *o, *nodes;
	struct procmem *pm;
	unsigned scans = 0;
	int proc_fd, r;
	pid_t pid;

	if (argc < 2)
		return 1;
	pid = atoi(argv[1]);
	if (argc >= 4 && streq(argv[2], "--scan-pages"))
		params.scan_pages = (uint64_t)atoll(argv[3]);
	proc_fd = open_proc();
	r = procmem_new(pid, start_time_of(proc_fd, pid), &params, &pm);
	if (r >= 0)
		r = procmem_load(pm, proc_fd, procmem_sys_live.now_ns(NULL));
	if (r < 0) {
		o = json_object_new_object();
		add_str(o, "error", strerror(-r));
		add_int(o, "errno", r);
		emit(o);
		procmem_free(pm);
		return 0;
	}
	do {
		r = procmem_scan(pm, &procmem_sys_live, &sr);
		if (r < 0 || sr.vanished)
			break;
		scans++;
		syscall_ns += sr.syscall_ns;
		queried += sr.queried_pages;
		calls += sr.calls;
	} while (!sr.sweep_completed && scans < 100000);

	est = procmem_estimate_get(pm);
	o = json_object_new_object();
	add_int(o, "pid", pid);
	add_int(o, "ranges", (int64_t)pm->n_ranges);
	add_int(o, "vmas", (int64_t)pm->n_vmas);
	add_u64(o, "eligible_bytes", pm->eligible_bytes);
	add_u64(o, "own_policy_bytes", pm->own_policy_bytes);
	add_u64(o, "skipped_special_bytes", pm->skipped_bytes[PROCMEM_SKIP_SPECIAL]);
	add_u64(o, "skipped_noaccess_bytes", pm->skipped_bytes[PROCMEM_SKIP_NOACCESS]);
	add_int(o, "malformed", pm->n_malformed);
	json_object_object_add(o, "complete", json_object_new_boolean(est->complete));
	json_object_object_add(o, "vanished", json_object_new_boolean(sr.vanished));
	add_int(o, "scans", scans);
	add_u64(o, "queried_pages", queried);
	add_u64(o, "query_calls", calls);
	add_u64(o, "query_ns", syscall_ns);
	add_u64(o, "resident_bytes", est->resident_bytes);
	add_u64(o, "absent_bytes", est->absent_bytes);
	add_u64(o, "age_ns", procmem_sys_live.now_ns(NULL) - est->started_ns);
	nodes = json_object_new_object();
	for (int n = 0; n < NUMAB_MAX_NODES; n++)
		if (est->bytes_per_node[n]) {
			char k[8];

			snprintf(k, sizeof(k), "%d", n);
			add_u64(nodes, k, est->bytes_per_node[n]);
		}
	json_object_object_add(o, "bytes_per_node", nodes);
	emit(o);
	procmem_free(pm);
	return 0;
}

/* ---------------------------------------------------------------- move */

static json_object *result_json(const struct actuate_result *res)
{
	json_object *o = json_object_new_object(), *m = json_object_new_object(),
		    *f = json_object_new_object();

	add_str(o, "stop", actuate_stop_to_string(res->stop));
	add_str(o, "vanished", actuate_vanish_to_string(res->vanished));
	add_int(o, "error", res->error);
	add_u64(o, "moved_bytes", res->moved_bytes_total);
	for (int n = 0; n < NUMAB_MAX_NODES; n++)
		if (res->moved_bytes[n]) {
			char k[8];

			snprintf(k, sizeof(k), "%d", n);
			add_u64(m, k, res->moved_bytes[n]);
		}
	json_object_object_add(o, "moved_from", m);
	for (int e = 0; e < _ACTUATE_ERR_MAX; e++)
		if (res->pages_failed[e])
			add_u64(f, actuate_err_to_string(e), res->pages_failed[e]);
	json_object_object_add(o, "failed", f);
	add_u64(o, "moved_with_head_pages", res->moved_with_head_pages);
	add_u64(o, "already_bytes", res->already_bytes);
	add_u64(o, "passed_bytes", res->passed_bytes);
	add_u64(o, "needs_bytes", res->needs_bytes);
	add_u64(o, "queried_pages", res->queried_pages);
	add_u64(o, "misplaced_pages", res->misplaced_pages);
	add_u64(o, "own_policy_bytes", res->own_policy_bytes);
	add_u64(o, "move_calls", res->move_calls);
	add_u64(o, "query_calls", res->query_calls);
	add_u64(o, "move_ns_total", res->move_ns_total);
	add_u64(o, "move_ns_max", res->move_ns_max);
	add_u64(o, "query_ns_total", res->query_ns_total);
	add_u64(o, "elapsed_ns", res->elapsed_ns);
	add_int(o, "batch_pages", res->batch_pages);
	return o;
}

static int verb_move(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 'f' },
		{ "budget", required_argument, NULL, 'b' },
		{ "free", required_argument, NULL, 'F' },
		{ "dry-run", no_argument, NULL, 'd' },
		{ "include-target", no_argument, NULL, 'i' },
		{ "move-all", no_argument, NULL, 'a' },
		{ "start-time", required_argument, NULL, 's' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "batch", required_argument, NULL, 'B' },
		{ "target-ms", required_argument, NULL, 'T' },
		{ "max-time-ms", required_argument, NULL, 'M' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "until-vanished", no_argument, NULL, 'u' },
		{}
	};
	struct actuate_request req = { .budget_bytes = UINT64_MAX, .free_bytes_hint = UINT64_MAX };
	struct actuate_config cfg = {};
	struct actuate_result res = {}, total = {};
	struct actuate_engine *e;
	struct actuate_stats st;
	struct procmem *pm;
	uint64_t start_time = 0;
	unsigned repeat = 1, runs = 0;
	bool until_vanished = false, have_start = false;
	json_object *o;
	int proc_fd, c, r;
	pid_t pid;

	req.target_node = -1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0) {
		switch (c) {
		case 't':
			req.target_node = atoi(optarg);
			break;
		case 'f':
			if (parse_nodemask(optarg, &req.source_nodes) < 0)
				return 1;
			break;
		case 'b':
			if (parse_size_bytes(optarg, &req.budget_bytes) < 0)
				return 1;
			break;
		case 'F':
			if (parse_size_bytes(optarg, &req.free_bytes_hint) < 0)
				return 1;
			break;
		case 'd':
			req.flags |= ACTUATE_DRY_RUN;
			break;
		case 'i':
			req.flags |= ACTUATE_INCLUDE_TARGET;
			break;
		case 'a':
			req.flags |= ACTUATE_MOVE_ALL;
			break;
		case 's':
			start_time = (uint64_t)strtoull(optarg, NULL, 10);
			have_start = true;
			break;
		case 'c':
			req.cgroup = optarg;
			break;
		case 'B':
			if (sscanf(optarg, "%u:%u", &cfg.min_batch_pages, &cfg.max_batch_pages) != 2)
				return 1;
			cfg.initial_batch_pages = cfg.min_batch_pages;
			break;
		case 'T':
			cfg.target_call_ns = (uint64_t)atoll(optarg) * 1000000;
			cfg.max_call_ns = 2 * cfg.target_call_ns;
			break;
		case 'M':
			req.max_time_ns = (uint64_t)atoll(optarg) * 1000000;
			break;
		case 'r':
			repeat = (unsigned)atoi(optarg);
			break;
		case 'u':
			until_vanished = true;
			break;
		default:
			return 1;
		}
	}
	if (optind >= argc)
		return 1;
	pid = atoi(argv[optind]);
	proc_fd = open_proc();
	if (!have_start)
		start_time = start_time_of(proc_fd, pid);

	r = actuate_engine_new(&cfg, &procmem_sys_live, &e);
	if (r < 0) {
		fprintf(stderr, "engine: %s\n", strerror(-r));
		return 1;
	}
	r = procmem_new(pid, start_time, NULL, &pm);
	if (r >= 0)
		r = procmem_load(pm, proc_fd, procmem_sys_live.now_ns(NULL));
	if (r < 0) {
		o = json_object_new_object();
		add_str(o, "stop", "vanished");
		add_str(o, "error_name", strerror(-r));
		add_int(o, "error", r);
		emit(o);
		procmem_free(pm);
		actuate_engine_free(e);
		return 0;
	}
	for (runs = 0; runs < repeat; runs++) {
		r = actuate_move(e, pm, proc_fd, &req, &res);
		if (r < 0) {
			o = json_object_new_object();
			add_str(o, "stop", "invalid");
			add_int(o, "error", r);
			add_str(o, "error_name", strerror(-r));
			emit(o);
			procmem_free(pm);
			actuate_engine_free(e);
			return 0;
		}
		total.moved_bytes_total += res.moved_bytes_total;
		total.already_bytes += res.already_bytes;
		total.move_calls += res.move_calls;
		if (res.stop == ACTUATE_STOP_VANISHED || (!until_vanished && res.stop != ACTUATE_STOP_PASS &&
							  res.stop != ACTUATE_STOP_BUDGET))
			break;
	}
	o = result_json(&res);
	add_int(o, "runs", runs + (runs < repeat));
	add_u64(o, "total_moved_bytes", total.moved_bytes_total);
	add_u64(o, "total_already_bytes", total.already_bytes);
	add_u64(o, "total_move_calls", total.move_calls);
	actuate_engine_stats(e, &st);
	add_u64(o, "engine_calls", st.calls);
	add_u64(o, "engine_ns_per_page", st.ns_per_page);
	add_u64(o, "engine_batch_pages", st.batch_pages);
	add_u64(o, "call_ns_p50", actuate_stats_percentile_ns(&st, 500));
	add_u64(o, "call_ns_p99", actuate_stats_percentile_ns(&st, 990));
	add_u64(o, "call_ns_max", st.call_ns_max);
	add_u64(o, "call_ns_mean", st.calls ? st.call_ns_total / st.calls : 0);
	emit(o);
	procmem_free(pm);
	actuate_engine_free(e);
	return 0;
}

/* ---------------------------------------------------------------- affinity */

static json_object *affinity_json(const struct affinity_result *res)
{
	json_object *o = json_object_new_object(), *n = json_object_new_array(),
		    *d = json_object_new_array();

	json_object_object_add(o, "vanished", json_object_new_boolean(res->vanished));
	add_int(o, "threads", res->threads);
	add_int(o, "placed", res->placed);
	add_int(o, "unchanged", res->unchanged);
	add_int(o, "inherited", res->inherited);
	add_int(o, "narrowed", res->narrowed);
	add_int(o, "restored", res->restored);
	add_int(o, "dropped", res->dropped);
	add_int(o, "gone", res->gone);
	add_int(o, "failed", res->failed);
	add_int(o, "first_error", res->first_error);
	for (unsigned i = 0; i < res->n_narrowed_tids; i++)
		json_object_array_add(n, json_object_new_int(res->narrowed_tids[i]));
	for (unsigned i = 0; i < res->n_dropped_tids; i++)
		json_object_array_add(d, json_object_new_int(res->dropped_tids[i]));
	json_object_object_add(o, "narrowed_tids", n);
	json_object_object_add(o, "dropped_tids", d);
	return o;
}

static int open_state(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "open %s: %m\n", dir);
		exit(1);
	}
	return fd;
}

static int verb_pin(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "allowed", required_argument, NULL, 'a' },
		{ "state", required_argument, NULL, 's' },
		{ "cgroup", required_argument, NULL, 'g' },
		{ "sleep", no_argument, NULL, 'S' },
		{}
	};
	const char *cpus = NULL, *allowed = NULL, *state = NULL, *cgroup = NULL;
	cpu_set_t *target = NULL, *allow = NULL;
	size_t nt, na;
	struct affinity_journal *j;
	struct affinity_result res;
	bool sleep_after = false;
	int proc_fd, state_fd, c, r;
	json_object *o;
	pid_t pid;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0) {
		switch (c) {
		case 'c':
			cpus = optarg;
			break;
		case 'a':
			allowed = optarg;
			break;
		case 's':
			state = optarg;
			break;
		case 'g':
			cgroup = optarg;
			break;
		case 'S':
			sleep_after = true;
			break;
		default:
			return 1;
		}
	}
	if (!cpus || !allowed || !state || optind >= argc)
		return 1;
	pid = atoi(argv[optind]);
	if (parse_cpulist(cpus, &target, &nt) < 0 || parse_cpulist(allowed, &allow, &na) < 0)
		return 1;
	proc_fd = open_proc();
	state_fd = open_state(state);
	r = affinity_journal_open(state_fd, JOURNAL_NAME, 0, &affinity_sys_live, &j);
	if (r < 0) {
		fprintf(stderr, "journal: %s\n", strerror(-r));
		return 1;
	}
	r = affinity_place(j, proc_fd, pid, start_time_of(proc_fd, pid), cgroup, target,
			   CPU_ALLOC_SIZE(nt), allow, CPU_ALLOC_SIZE(na), &res);
	o = r < 0 ? json_object_new_object() : affinity_json(&res);
	add_int(o, "error", r);
	add_int(o, "journal_records", (int64_t)affinity_journal_count(j, 0, 0));
	emit(o);
	CPU_FREE(target);
	CPU_FREE(allow);
	if (sleep_after)
		for (;;)
			pause();
	affinity_journal_free(j);
	return 0;
}

static int verb_restore(int argc, char **argv)
{
	const char *state = NULL;
	struct affinity_journal *j;
	struct affinity_result res = {};
	pid_t pid = 0;
	int proc_fd, state_fd, r, loaded;
	json_object *o;

	for (int i = 1; i < argc; i++) {
		if (streq(argv[i], "--state") && i + 1 < argc)
			state = argv[++i];
		else
			pid = atoi(argv[i]);
	}
	if (!state)
		return 1;
	proc_fd = open_proc();
	state_fd = open_state(state);
	loaded = affinity_journal_open(state_fd, JOURNAL_NAME, 0, &affinity_sys_live, &j);
	if (loaded < 0) {
		fprintf(stderr, "journal: %s\n", strerror(-loaded));
		return 1;
	}
	o = json_object_new_object();
	add_int(o, "journal_records_before", (int64_t)affinity_journal_count(j, 0, 0));
	json_object_object_add(o, "journal_corrupt", json_object_new_boolean(loaded > 0));
	r = affinity_restore(j, proc_fd, pid, 0, &res);
	json_object_object_add(o, "result", affinity_json(&res));
	add_int(o, "error", r);
	add_int(o, "journal_records", (int64_t)affinity_journal_count(j, 0, 0));
	emit(o);
	affinity_journal_free(j);
	return 0;
}

int main(int argc, char **argv)
{
	log_setup("actuate-probe", getenv("NUMAB_DEBUG") ? LOG_DEBUG : LOG_WARNING);
	if (argc < 2) {
		fprintf(stderr, "usage: actuate-probe workload|status|move|pin|restore ...\n");
		return 1;
	}
	if (streq(argv[1], "workload"))
		return verb_workload(argc - 1, argv + 1);
	if (streq(argv[1], "status"))
		return verb_status(argc - 1, argv + 1);
	if (streq(argv[1], "move"))
		return verb_move(argc - 1, argv + 1);
	if (streq(argv[1], "pin"))
		return verb_pin(argc - 1, argv + 1);
	if (streq(argv[1], "restore"))
		return verb_restore(argc - 1, argv + 1);
	fprintf(stderr, "actuate-probe: unknown verb %s\n", argv[1]);
	return 1;
}
