/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Moving the pages of several processes at once: one move engine per thread (engines are not
 * thread-safe), the main thread's engine for the moves it makes itself, and a pass that runs
 * prepared requests on up to max_threads threads and returns when all are done.
 *
 *   move_pool_new(&cfg, threads, &p);
 *   actuate_move(move_pool_engine(p), ...);    the main thread, one process
 *   move_pool_run(p, proc_fd, jobs, n, stride); several processes at once
 *   move_pool_stats(p, &stats);                all engines' calls together
 */

#include <stddef.h>

#include "daemon/actuate.h"

struct move_pool;

/* One process's move: pm and req in; r (actuate_move()'s return) and res out. */
struct move_job {
	struct procmem *pm;
	struct actuate_request req;
	int r;
	struct actuate_result res;
};

/* A pool of max_threads engines (at least 1). Returns 0, -ENOMEM or -EINVAL (bad config). */
int move_pool_new(const struct actuate_config *cfg, unsigned max_threads, struct move_pool **ret);
struct move_pool *move_pool_free(struct move_pool *p);

/* The engine of the calling (main) thread. */
struct actuate_engine *move_pool_engine(struct move_pool *p);

/* Threads a pass uses at most. */
unsigned move_pool_threads(const struct move_pool *p);

/* Run n jobs, up to move_pool_threads() at a time (the caller's thread is one of them), and
 * return when every job has run. The jobs lie stride bytes apart (a move_job inside each
 * element of the caller's array: jobs is the first one's). A thread that cannot be started
 * leaves its share to the others. Jobs must be for distinct processes. */
void move_pool_run(struct move_pool *p, int proc_fd, struct move_job *jobs, size_t n,
		   size_t stride);

/* The calls of all engines: counts and histogram summed, maximum of the maxima; the batch
 * and cost estimates of the main thread's engine. */
void move_pool_stats(const struct move_pool *p, struct actuate_stats *ret);
