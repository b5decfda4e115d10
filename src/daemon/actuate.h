/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The move_pages engine: moves a process's misplaced pages to a target node, within a byte
 * budget, in batches sized so that one move_pages(2) call blocks for about a target duration.
 * See the essay at the top of actuate.c for the cost model and the choices.
 *
 *   e = actuate_engine_new(&cfg, &procmem_sys_live);     once per daemon
 *   actuate_move(e, pm, proc_fd, &req, &res);             per process and decision
 *   actuate_engine_stats(e, &stats);                      call durations for metrics
 *
 * Not thread-safe: one engine per thread.
 */

#include <stdbool.h>
#include <stdint.h>

#include "daemon/procmem.h"
#include "shared/nodemask.h"

struct actuate_config {
	uint64_t target_call_ns;       /* batch sizes converge so a moving call takes this long;
					* 0 = 10 ms */
	uint64_t max_call_ns;          /* a call longer than this shrinks the next batch at once;
					* 0 = 20 ms (katalyst's bound, anchors.md §0) */
	unsigned min_batch_pages;      /* bounds of the batch, in 4 KiB pages; 0 = 64 */
	unsigned max_batch_pages;      /* 0 = 65536 (256 MiB) */
	unsigned initial_batch_pages;  /* 0 = 512 (one 2 MiB THP) */
	unsigned query_pages;          /* addresses per status query, a multiple of 512 up to
					* 16384; 0 = 4096 */
};

/* Flags of a request. */
enum {
	ACTUATE_DRY_RUN = 1u << 0,        /* query and count what would move; move nothing */
	ACTUATE_MOVE_ALL = 1u << 1,       /* MPOL_MF_MOVE_ALL: pages other processes map too
					   * (needs CAP_SYS_NICE; for a future config rule) */
	ACTUATE_INCLUDE_TARGET = 1u << 2, /* pass pages already on the target too (the kernel
					   * leaves them): measures the cost of a moving call on
					   * a one-node machine. Tests and benchmarks only. */
};

struct actuate_request {
	int target_node;               /* 0..NUMAB_MAX_NODES-1 */
	uint64_t source_nodes;         /* pages on these nodes move; 0 = any node but target */
	uint64_t budget_bytes;         /* at most this much is passed to move_pages(2) */
	uint64_t free_bytes_hint;      /* the caller's room on the target (free memory less its
					* headroom): the budget is capped to it and 0 refuses;
					* UINT64_MAX = not known */
	uint64_t max_time_ns;          /* stop starting calls after this long; 0 = no limit */
	const char *cgroup;            /* the v2 path the process must still be in; NULL = not
					* checked */
	unsigned flags;                /* ACTUATE_* */
};

/* Why actuate_move() stopped. */
enum actuate_stop {
	ACTUATE_STOP_PASS,          /* every eligible page was looked at once: nothing
				     * misplaced is left (as of the queries) */
	ACTUATE_STOP_BUDGET,        /* the budget is spent; needs_bytes: the next unit */
	ACTUATE_STOP_TIME,          /* max_time_ns passed */
	ACTUATE_STOP_NO_ROOM,       /* free_bytes_hint leaves no room for a page */
	ACTUATE_STOP_VANISHED,      /* the process exited, its pid was reused or it moved to
				     * another cgroup (see vanished) */
	ACTUATE_STOP_NOT_ALLOWED,   /* the target is not in the task's Mems_allowed */
	ACTUATE_STOP_STUCK,         /* a call moved nothing and the kernel said pages were not
				     * migrated: the target is full, or the pages are pinned */
	ACTUATE_STOP_ERROR,         /* a syscall failed (error) */
	_ACTUATE_STOP_MAX,
	_ACTUATE_STOP_INVALID = -EINVAL,
};

enum actuate_vanish {
	ACTUATE_VANISH_NONE,
	ACTUATE_VANISH_EXITED,      /* gone, or a zombie */
	ACTUATE_VANISH_REUSED,      /* its pid belongs to another process (start time) */
	ACTUATE_VANISH_MOVED,       /* now in another cgroup */
	_ACTUATE_VANISH_MAX,
};

/* Per-page failures, by errno. */
enum actuate_err {
	ACTUATE_ERR_EBUSY,          /* could not be isolated (in use, being migrated) */
	ACTUATE_ERR_ENOMEM,
	ACTUATE_ERR_EFAULT,         /* no mapping there any more, or the zero page */
	ACTUATE_ERR_EACCES,         /* mapped by other processes too (without MOVE_ALL) */
	ACTUATE_ERR_EPERM,
	ACTUATE_ERR_ENOENT,         /* not present (swapped out or unmapped since) */
	ACTUATE_ERR_UNMIGRATED,     /* queued, but the kernel's migration failed (the call
				     * returned a positive count): target full, or pinned */
	ACTUATE_ERR_OTHER,
	_ACTUATE_ERR_MAX,
};

#define ACTUATE_HIST_BUCKETS 25 /* log2 microseconds: [0,2us), [2,4us) ... [16s, inf) */

struct actuate_result {
	enum actuate_stop stop;
	enum actuate_vanish vanished;
	int error;                          /* negative errno with ACTUATE_STOP_ERROR */
	int target_node;
	uint64_t moved_bytes[NUMAB_MAX_NODES]; /* by source node, to target_node; with
					     * ACTUATE_DRY_RUN what would have moved */
	uint64_t moved_bytes_total;
	uint64_t moved_with_head_pages;     /* -EBUSY subpages of a folio that moved (in
					     * moved_bytes; confirmed by a status query) */
	uint64_t already_bytes;             /* ACTUATE_INCLUDE_TARGET: passed, already there */
	uint64_t passed_bytes;              /* charged against the budget */
	uint64_t needs_bytes;               /* ACTUATE_STOP_BUDGET: what the next unit needs */
	uint64_t pages_failed[_ACTUATE_ERR_MAX];
	uint64_t queried_pages;             /* addresses whose node was asked */
	uint64_t misplaced_pages;           /* of those, on a source node */
	uint64_t shared_skipped_pages;      /* misplaced, in ranges other processes map too */
	uint64_t own_policy_bytes;          /* never moved: the process's own policy (resident at
					     * first sight, procmem) */
	uint64_t move_calls;                /* move_pages(2) calls that move */
	uint64_t query_calls;               /* status queries */
	uint64_t move_ns_total, move_ns_max; /* time inside moving calls */
	uint64_t query_ns_total;            /* time inside status queries */
	uint64_t elapsed_ns;                /* the whole actuate_move(), /proc reads included */
	unsigned batch_pages;               /* the engine's batch size afterwards */
	bool pass_completed;                /* the cursor went once around in this call */
};

/* Cumulative over an engine's life: every moving call. */
struct actuate_stats {
	uint64_t calls;
	uint64_t pages;                     /* 4 KiB pages moved */
	uint64_t call_ns_total, call_ns_max;
	uint64_t hist[ACTUATE_HIST_BUCKETS]; /* calls by duration */
	uint64_t ns_per_page;               /* the engine's current estimate per page moved */
	uint64_t fixed_ns;                  /* ... and of a call's fixed cost (0 until known) */
	uint64_t call_target_ns;            /* the call duration batches are sized for */
	unsigned batch_pages;               /* the current batch size */
};

struct actuate_engine;

/* A new engine; cfg NULL for the defaults, sys the kernel (&procmem_sys_live) or a fake; sys
 * must outlive the engine. Returns 0 or -ENOMEM, -EINVAL for a bad config. */
int actuate_engine_new(const struct actuate_config *cfg, const struct procmem_sys *sys,
		       struct actuate_engine **ret);

/* Free; accepts NULL, returns NULL. */
struct actuate_engine *actuate_engine_free(struct actuate_engine *e);

/*
 * Move pm's misplaced pages (pages on req->source_nodes) to req->target_node, continuing at
 * pm->move_cursor, until the budget is spent, every eligible page was looked at once, the time
 * limit passes, or something stops it (ret->stop says which). Before anything: the process is
 * pinned (pidfd, start time pm->start_time, cgroup req->cgroup) and the target checked
 * against its Mems_allowed; the pidfd is checked again around every moving call. Only pages
 * found misplaced by a status query are passed, one address per PMD-mapped folio where the
 * kernel tells which those are (PAGEMAP_SCAN, Linux 6.7+); pages of the process's own policy
 * ranges are never looked at (procmem). The bytes passed never exceed the budget: small pages
 * are taken up to it; a unit that cannot be split (a PMD-mapped THP, a 2 MiB window whose 512
 * pages sit on one node and may be one THP, a hugetlb page) and does not fit ends the call
 * with ACTUATE_STOP_BUDGET and needs_bytes set (the caller's bucket may have to save up for
 * it). Only a PTE-mapped large folio (mTHP) cut at the budget can move more than was passed:
 * the rest of that one folio.
 *
 * Returns 0 when the call ran, whatever made it stop (including a process that vanished, which
 * is logged at debug only), and fills *ret; a negative errno for bad arguments (-EINVAL) or
 * -ENOMEM (then *ret is not written). A syscall failure other than a vanished process is
 * ACTUATE_STOP_ERROR with ret->error.
 */
int actuate_move(struct actuate_engine *e, struct procmem *pm, int proc_fd,
		 const struct actuate_request *req, struct actuate_result *ret);

/* The engine's cumulative statistics. */
void actuate_engine_stats(const struct actuate_engine *e, struct actuate_stats *ret);

/* The duration below which permille of the calls fell, from the histogram (the upper bound of
 * the bucket; exact for the maximum: permille 1000 returns call_ns_max). 0 without calls. */
uint64_t actuate_stats_percentile_ns(const struct actuate_stats *s, unsigned permille);

/* The errno slot of a negative errno (a status entry), and names for output. */
enum actuate_err actuate_err_from_errno(int err);
const char *actuate_err_to_string(enum actuate_err e);
const char *actuate_stop_to_string(enum actuate_stop s);
const char *actuate_vanish_to_string(enum actuate_vanish v);
