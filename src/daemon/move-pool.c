/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Moving the pages of several processes at once.
 *
 * move_pages(2) on different processes runs in parallel in the kernel (each call takes its own
 * mm's locks; the copies and the TLB shootdowns of different processes overlap), so a cgroup
 * with several misplaced processes, or several cgroups, converge in about the time of the
 * largest one instead of their sum. Measured in the 2-node TCG VM: two processes of 320 MiB
 * took 6.4 s one after the other and 2.6 s side by side through the same engine.
 *
 * Each thread has its own engine, so batch sizes adapt per thread; threads are started per
 * pass (a pass moves for up to the time limit, so the ~50 us of pthread_create is noise) and
 * take jobs from a shared index. Every signal is blocked in them (the main thread's signalfd
 * takes them), and they touch nothing but their engine, their job and the procfs directory fd.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "daemon/move-pool.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "shared/thread.h"

#define MOVE_POOL_MAX_THREADS 16u

struct move_pool {
	unsigned n_engines;
	struct actuate_engine *engines[MOVE_POOL_MAX_THREADS];
};

struct worker {
	struct actuate_engine *engine;
	char *jobs;             /* the first job; job i is i * stride bytes further */
	size_t n, stride;
	size_t *next;
	int proc_fd;
};

int move_pool_new(const struct actuate_config *cfg, unsigned max_threads, struct move_pool **ret)
{
	struct move_pool *p;
	int r;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->n_engines = max_threads == 0 ? 1 : MIN(max_threads, MOVE_POOL_MAX_THREADS);
	for (unsigned i = 0; i < p->n_engines; i++) {
		r = actuate_engine_new(cfg, &procmem_sys_live, &p->engines[i]);
		if (r < 0) {
			move_pool_free(p);
			return r;
		}
	}
	*ret = p;
	return 0;
}

struct move_pool *move_pool_free(struct move_pool *p)
{
	if (!p)
		return NULL;
	for (unsigned i = 0; i < p->n_engines; i++)
		actuate_engine_free(p->engines[i]);
	free(p);
	return NULL;
}

struct actuate_engine *move_pool_engine(struct move_pool *p)
{
	return p->engines[0];
}

unsigned move_pool_threads(const struct move_pool *p)
{
	return p->n_engines;
}

static void *worker_main(void *userdata)
{
	struct worker *w = userdata;

	for (;;) {
		size_t i = __atomic_fetch_add(w->next, 1, __ATOMIC_RELAXED);
		struct move_job *j;

		if (i >= w->n)
			break;
		j = (struct move_job *)(w->jobs + i * w->stride);
		j->r = actuate_move(w->engine, j->pm, w->proc_fd, &j->req, &j->res);
	}
	return NULL;
}

void move_pool_run(struct move_pool *p, int proc_fd, struct move_job *jobs, size_t n,
		   size_t stride)
{
	struct worker w[MOVE_POOL_MAX_THREADS];
	pthread_t tids[MOVE_POOL_MAX_THREADS];
	bool started[MOVE_POOL_MAX_THREADS] = {};
	unsigned n_threads = (unsigned)MIN((size_t)p->n_engines, n);
	size_t next = 0;

	for (unsigned t = 0; t < n_threads; t++)
		w[t] = (struct worker){ .engine = p->engines[t], .jobs = (char *)jobs, .n = n,
					.stride = stride, .next = &next, .proc_fd = proc_fd };
	for (unsigned t = 1; t < n_threads; t++) {
		int r = thread_start_no_signals(&tids[t], worker_main, &w[t]);

		if (r < 0)
			log_debug_errno(r, "Could not start a move thread, moving with fewer: %m");
		else
			started[t] = true;
	}
	if (n_threads > 0)
		worker_main(&w[0]);
	for (unsigned t = 1; t < n_threads; t++)
		if (started[t])
			(void)pthread_join(tids[t], NULL);
}

void move_pool_stats(const struct move_pool *p, struct actuate_stats *ret)
{
	actuate_engine_stats(p->engines[0], ret);
	for (unsigned i = 1; i < p->n_engines; i++) {
		struct actuate_stats s;

		actuate_engine_stats(p->engines[i], &s);
		ret->calls += s.calls;
		ret->pages += s.pages;
		ret->call_ns_total += s.call_ns_total;
		ret->call_ns_max = MAX(ret->call_ns_max, s.call_ns_max);
		for (unsigned b = 0; b < ACTUATE_HIST_BUCKETS; b++)
			ret->hist[b] += s.hist[b];
	}
}
