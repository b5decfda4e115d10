/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * actuate: the move_pages engine.
 *
 * What a move costs. move_pages(2) with target nodes does, per call: lru_cache_disable(),
 * which drains the per-CPU LRU caches of every CPU and waits for an expedited RCU grace period
 * (a system-wide cost that does not depend on the number of pages), then for each address a
 * page-table walk and an isolation, and for each run of consecutive addresses with the same
 * target one migrate_pages() pass that unmaps, copies and remaps the batch while the process's
 * threads that touch those pages wait. An address whose page is already on the target, or that
 * fails, flushes the run queued so far as its own migrate_pages() pass. So the engine:
 *
 * - queries first (move_pages with nodes NULL: no drain, no isolation) and passes only the
 *   pages that are on a source node, so that no address in a moving call fails or is a no-op
 *   and every call is a single migration run to a single target node (one request has one
 *   target: the grouping by target node is one group per call);
 * - makes few, large calls: the batch grows while calls stay under the target duration;
 * - but bounds each call: ByteDance's katalyst moved from whole-process migrate_pages
 *   ("minutes") to move_pages chunks of at most 20 ms (anchors.md §0). The batch size adapts:
 *   after each call the engine fits the calls' durations as a fixed cost plus a cost per page
 *   (least squares, weighted 3:1 toward the past) and sizes the next batch to take
 *   target_call_ns (10 ms) - or four times the fixed cost where that is longer, since a call
 *   that is mostly fixed cost moves little per second - within 64..65536 pages, growing at
 *   most 2x per call, and shrinking at once when a call took longer than max_call_ns (20 ms),
 *   which also starts the fit again. Short tail calls teach the fit but do not resize the
 *   batch. (In the TCG VM the fit finds 0.1-4 ms of fixed cost, so numabd's 50 ms target
 *   holds there; 150 ms calls moved no faster.) What the syscall costs is measured around the
 *   syscall alone (move_ns_*, a histogram in the stats); the stall a workload sees is
 *   measured in the workload (DESIGN §5), never assumed from this.
 *
 * Folios. A PMD-mapped THP is one folio: passing any of its addresses moves all 2 MiB, and the
 * other subpages of the same call then fail with -EBUSY (already isolated). Where the kernel
 * tells which 2 MiB windows are PMD-mapped (PAGEMAP_SCAN with PAGE_IS_HUGE, Linux 6.7+), the
 * engine passes one address per such window and charges 2 MiB. Where it cannot tell, it keeps
 * every aligned 2 MiB window in one batch and charges a window whose 512 pages are all on one
 * source node as 2 MiB (a THP or 512 small pages: either way 2 MiB moves), so that a folio is
 * never split across calls and the budget holds. -EBUSY from a subpage of a window in which
 * another address moved is counted as moved with its head, and confirmed by a status query of
 * those addresses right after the call. Hugetlb ranges are walked one address per huge page.
 *
 * Safety. The process is pinned with a pidfd, then its start time and cgroup are checked
 * (procmem_pin_open()); the pidfd is checked before and after each moving call. The target
 * must be in the task's Mems_allowed (a target outside the cpuset would abort the call with
 * -EACCES after flushing what was queued). MPOL_MF_MOVE (only pages this process alone maps)
 * unless the request says ACTUATE_MOVE_ALL. A process that exits mid-way (-ESRCH, or -EINVAL
 * for a zombie without an mm) is a normal outcome, logged at debug. A positive return (pages
 * the kernel failed to migrate) leaves the statuses of the failed run unwritten: those are
 * queried again, and a call that moved nothing stops the request (target full or pinned).
 *
 * Budget. The budget caps the bytes passed to moving calls, not only the bytes that moved, so
 * it holds whatever the kernel does. Small pages are taken up to the budget; a unit that may be
 * one folio (a THP window, a hugetlb page) is never split, and when it does not fit it stops
 * the call (needs_bytes says what it needs). The cursor goes back to the start of the window
 * that was cut, so the next call looks at it again (what moved is on the target by then and no
 * longer misplaced). The one inexactness left: a PTE-mapped large folio (mTHP, Linux 6.8+, off
 * by default) cut at the budget moves whole, up to its size minus a page more than passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/mempolicy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/actuate.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "sysfs/proc-read.h"

#define DEFAULT_TARGET_CALL_NS (10 * 1000 * 1000ull)
#define DEFAULT_MAX_CALL_NS (20 * 1000 * 1000ull)
#define DEFAULT_MIN_BATCH 64u
#define DEFAULT_MAX_BATCH 65536u
#define DEFAULT_INITIAL_BATCH 512u
#define DEFAULT_QUERY_PAGES 4096u
#define MAX_QUERY_PAGES 16384u

/* A status entry the kernel did not write. */
#define STATUS_UNSET INT_MIN

struct unit {
	uint32_t first, n;      /* entries in the pending batch */
	uint64_t charge;        /* bytes charged against budget and batch */
	uint64_t entry_bytes;   /* bytes one entry stands for when it moves */
	uint64_t addr;          /* where the cursor goes when the unit is not passed */
	int src;                /* the node the status query saw */
};

/* Decayed sums for the least-squares fit of a call's duration against its pages. */
struct call_fit {
	double w, sn, st, snn, snt;
};

/* A call takes at least this many times its fixed cost (see adapt()). */
#define ACTUATE_FIXED_SHARE_INV 4

struct actuate_engine {
	struct actuate_config cfg;
	const struct procmem_sys *sys;
	unsigned batch_pages;
	uint64_t ns_per_page;   /* the fit's slope */
	uint64_t fixed_ns;      /* its intercept: what a call costs whatever it moves */
	uint64_t call_target_ns; /* what the batch is sized for */
	struct call_fit fit;
	struct actuate_stats stats;
	bool no_huge_windows;   /* the kernel cannot tell huge windows: stop asking */
	bool no_next_present;   /* nor where present pages are */

	/* One status query's chunk. */
	void **q_addrs;
	uint32_t *q_idx;
	int *q_status;

	/* The batch being built. */
	size_t cap;
	size_t n_pending;
	uint64_t pending_charge;
	void **b_addrs;
	int *b_nodes;
	int *b_status;
	uint32_t *b_unit;       /* the unit of each entry */
	struct unit *units;
	size_t n_units;

	/* Re-queries after a call. */
	void **v_addrs;
	int *v_status;
	uint32_t *v_pos;
};

/* One actuate_move() call. */
struct move_ctx {
	struct procmem *pm;
	const struct actuate_request *req;
	struct actuate_result *res;
	struct procmem_pin pin;
	uint64_t src_mask;
	uint64_t budget;
	uint64_t deadline_ns;    /* 0: none */
	int pagemap_fd;
	bool can_skip;           /* sys->next_present() works */
	int mpol_flags;
	bool dry_run;
	/* The pass: */
	uint64_t start_cursor;
	bool wrapped;
	bool pass_done;
	/* The run whose huge windows are known. */
	ssize_t huge_range;
	uint64_t huge_base, huge_end;
	uint64_t huge_bits[2];
};

/* shared/macro.h's CLAMP nests MIN in MAX and trips -Wshadow. */
static uint64_t clamp_u64(uint64_t x, uint64_t lo, uint64_t hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

/* ---------------------------------------------------------------- names */

static const char *const stop_names[_ACTUATE_STOP_MAX] = {
	[ACTUATE_STOP_PASS] = "pass",
	[ACTUATE_STOP_BUDGET] = "budget",
	[ACTUATE_STOP_TIME] = "time",
	[ACTUATE_STOP_NO_ROOM] = "no-room",
	[ACTUATE_STOP_VANISHED] = "vanished",
	[ACTUATE_STOP_NOT_ALLOWED] = "not-allowed",
	[ACTUATE_STOP_STUCK] = "stuck",
	[ACTUATE_STOP_ERROR] = "error",
};

static const char *const vanish_names[_ACTUATE_VANISH_MAX] = {
	[ACTUATE_VANISH_NONE] = "none",
	[ACTUATE_VANISH_EXITED] = "exited",
	[ACTUATE_VANISH_REUSED] = "pid-reused",
	[ACTUATE_VANISH_MOVED] = "cgroup-changed",
};

static const char *const err_names[_ACTUATE_ERR_MAX] = {
	[ACTUATE_ERR_EBUSY] = "EBUSY",
	[ACTUATE_ERR_ENOMEM] = "ENOMEM",
	[ACTUATE_ERR_EFAULT] = "EFAULT",
	[ACTUATE_ERR_EACCES] = "EACCES",
	[ACTUATE_ERR_EPERM] = "EPERM",
	[ACTUATE_ERR_ENOENT] = "ENOENT",
	[ACTUATE_ERR_UNMIGRATED] = "unmigrated",
	[ACTUATE_ERR_OTHER] = "other",
};

const char *actuate_stop_to_string(enum actuate_stop s)
{
	return s >= 0 && s < _ACTUATE_STOP_MAX ? stop_names[s] : "invalid";
}

const char *actuate_vanish_to_string(enum actuate_vanish v)
{
	return v >= 0 && v < _ACTUATE_VANISH_MAX ? vanish_names[v] : "invalid";
}

const char *actuate_err_to_string(enum actuate_err e)
{
	return e >= 0 && e < _ACTUATE_ERR_MAX ? err_names[e] : "invalid";
}

enum actuate_err actuate_err_from_errno(int err)
{
	switch (err < 0 ? -err : err) {
	case EBUSY:
		return ACTUATE_ERR_EBUSY;
	case ENOMEM:
		return ACTUATE_ERR_ENOMEM;
	case EFAULT:
		return ACTUATE_ERR_EFAULT;
	case EACCES:
		return ACTUATE_ERR_EACCES;
	case EPERM:
		return ACTUATE_ERR_EPERM;
	case ENOENT:
		return ACTUATE_ERR_ENOENT;
	default:
		return ACTUATE_ERR_OTHER;
	}
}

/* ---------------------------------------------------------------- engine */

int actuate_engine_new(const struct actuate_config *cfg, const struct procmem_sys *sys,
		       struct actuate_engine **ret)
{
	struct actuate_engine *e;
	struct actuate_config c = cfg ? *cfg : (struct actuate_config){};

	if (!sys || !sys->move_pages || !sys->now_ns)
		return -EINVAL;
	if (c.target_call_ns == 0)
		c.target_call_ns = DEFAULT_TARGET_CALL_NS;
	if (c.max_call_ns == 0)
		c.max_call_ns = DEFAULT_MAX_CALL_NS;
	if (c.min_batch_pages == 0)
		c.min_batch_pages = DEFAULT_MIN_BATCH;
	if (c.max_batch_pages == 0)
		c.max_batch_pages = DEFAULT_MAX_BATCH;
	if (c.initial_batch_pages == 0)
		c.initial_batch_pages = DEFAULT_INITIAL_BATCH;
	if (c.query_pages == 0)
		c.query_pages = DEFAULT_QUERY_PAGES;
	if (c.min_batch_pages > c.max_batch_pages || c.max_call_ns < c.target_call_ns ||
	    c.query_pages % PROCMEM_THP_PAGES || c.query_pages > MAX_QUERY_PAGES ||
	    c.max_batch_pages > (1u << 24))
		return -EINVAL;
	c.initial_batch_pages = (unsigned)clamp_u64(c.initial_batch_pages, c.min_batch_pages,
						    c.max_batch_pages);

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->cfg = c;
	e->sys = sys;
	e->batch_pages = c.initial_batch_pages;
	/* A batch may overrun its size by one unit: a 2 MiB window of up to 512 addresses. */
	e->cap = (size_t)c.max_batch_pages + PROCMEM_THP_PAGES;
	e->q_addrs = calloc(c.query_pages, sizeof(void *));
	e->q_idx = calloc(c.query_pages, sizeof(uint32_t));
	e->q_status = calloc(c.query_pages, sizeof(int));
	e->b_addrs = calloc(e->cap, sizeof(void *));
	e->b_nodes = calloc(e->cap, sizeof(int));
	e->b_status = calloc(e->cap, sizeof(int));
	e->b_unit = calloc(e->cap, sizeof(uint32_t));
	e->units = calloc(e->cap, sizeof(struct unit));
	e->v_addrs = calloc(e->cap, sizeof(void *));
	e->v_status = calloc(e->cap, sizeof(int));
	e->v_pos = calloc(e->cap, sizeof(uint32_t));
	if (!e->q_addrs || !e->q_idx || !e->q_status || !e->b_addrs || !e->b_nodes ||
	    !e->b_status || !e->b_unit || !e->units || !e->v_addrs || !e->v_status || !e->v_pos) {
		actuate_engine_free(e);
		return -ENOMEM;
	}
	e->stats.batch_pages = e->batch_pages;
	*ret = e;
	return 0;
}

struct actuate_engine *actuate_engine_free(struct actuate_engine *e)
{
	if (!e)
		return NULL;
	free(e->q_addrs);
	free(e->q_idx);
	free(e->q_status);
	free(e->b_addrs);
	free(e->b_nodes);
	free(e->b_status);
	free(e->b_unit);
	free(e->units);
	free(e->v_addrs);
	free(e->v_status);
	free(e->v_pos);
	free(e);
	return NULL;
}

void actuate_engine_stats(const struct actuate_engine *e, struct actuate_stats *ret)
{
	*ret = e->stats;
	ret->ns_per_page = e->ns_per_page;
	ret->fixed_ns = e->fixed_ns;
	ret->call_target_ns = e->call_target_ns ?: e->cfg.target_call_ns;
	ret->batch_pages = e->batch_pages;
}

static unsigned hist_bucket(uint64_t ns)
{
	uint64_t us = ns / 1000;
	unsigned b = 0;

	while (us >= 2 && b < ACTUATE_HIST_BUCKETS - 1) {
		us >>= 1;
		b++;
	}
	return b;
}

uint64_t actuate_stats_percentile_ns(const struct actuate_stats *s, unsigned permille)
{
	uint64_t want, seen = 0;

	if (s->calls == 0)
		return 0;
	if (permille >= 1000)
		return s->call_ns_max;
	want = DIV_ROUND_UP(s->calls * permille, 1000);
	if (want == 0)
		want = 1;
	for (unsigned b = 0; b < ACTUATE_HIST_BUCKETS; b++) {
		seen += s->hist[b];
		if (seen >= want) {
			/* Bucket b holds [2^b, 2^(b+1)) us (b = 0: [0, 2) us). */
			uint64_t upper = (UINT64_C(2) << b) * 1000;

			return MIN(upper, s->call_ns_max);
		}
	}
	return s->call_ns_max;
}

static void record_call(struct actuate_engine *e, struct actuate_result *res, uint64_t ns,
			uint64_t pages)
{
	res->move_calls++;
	res->move_ns_total += ns;
	res->move_ns_max = MAX(res->move_ns_max, ns);
	e->stats.calls++;
	e->stats.pages += pages;
	e->stats.call_ns_total += ns;
	e->stats.call_ns_max = MAX(e->stats.call_ns_max, ns);
	e->stats.hist[hist_bucket(ns)]++;
}

/*
 * Fit t = fixed + per_page * pages over the calls so far (least squares, each call's weight
 * decaying by 3/4 per call, so one slow call does not swing it): the fixed part is what a
 * call costs whatever it moves (the LRU drain and its RCU grace period), the slope what each
 * page adds. The fit is kept only when the calls' sizes differ enough to tell the two apart
 * (growth and tail calls make them differ); before that, the fixed part is taken as 0.
 */
static void fit_call_cost(struct actuate_engine *e, uint64_t pages, uint64_t ns)
{
	struct call_fit *f = &e->fit;
	double n = (double)pages, t = (double)ns, det, slope, fixed;

	f->w = f->w * 0.75 + 1.0;
	f->sn = f->sn * 0.75 + n;
	f->st = f->st * 0.75 + t;
	f->snn = f->snn * 0.75 + n * n;
	f->snt = f->snt * 0.75 + n * t;
	det = f->w * f->snn - f->sn * f->sn;
	/* Spread of the sizes (their variance) at least (10% of their mean)^2. */
	if (det <= 0.01 * f->sn * f->sn)
		goto fallback;
	slope = (f->w * f->snt - f->sn * f->st) / det;
	fixed = (f->st - slope * f->sn) / f->w;
	if (slope <= 0.0)
		goto fallback;
	e->ns_per_page = MAX((uint64_t)slope, (uint64_t)1);
	e->fixed_ns = fixed > 0.0 ? (uint64_t)fixed : 0;
	return;
fallback:
	if (e->fixed_ns == 0) {
		uint64_t per_page = MAX(ns / pages, (uint64_t)1);

		e->ns_per_page = e->ns_per_page ? (3 * e->ns_per_page + per_page) / 4 : per_page;
	}
}

/*
 * Size the next batch from a call that moved pages in ns. A call should take target_call_ns,
 * but at least ACTUATE_FIXED_SHARE_INV times the fixed cost of a call (so that the fixed cost
 * is at most a quarter of the time spent moving; with a drain of a fraction of a millisecond
 * it changes nothing), and never more than 4/5 of max_call_ns. Growth is at most 2x per call; a call
 * that went over max_call_ns shrinks the batch to what that call's own rate allows at once.
 * Calls that moved less than a quarter of a batch (tails) teach the fit but do not resize.
 */
static void adapt(struct actuate_engine *e, uint64_t pages, uint64_t ns)
{
	uint64_t per_page, ideal, target, cur = e->batch_pages;

	if (pages == 0)
		return;
	if (ns > e->cfg.max_call_ns) {
		/* The machine changed (load, a slower node): what the fit knew is stale. */
		e->fit = (struct call_fit){};
		e->fixed_ns = 0;
		e->ns_per_page = 0;
	}
	fit_call_cost(e, pages, ns);
	if (ns <= e->cfg.max_call_ns && pages * 4 < cur)
		return;
	target = clamp_u64(ACTUATE_FIXED_SHARE_INV * e->fixed_ns, e->cfg.target_call_ns,
			   MAX(e->cfg.target_call_ns, e->cfg.max_call_ns / 5 * 4));
	e->call_target_ns = target;
	ideal = target > e->fixed_ns ? (target - e->fixed_ns) / e->ns_per_page : 0;
	per_page = MAX(ns / pages, (uint64_t)1);
	if (ns > e->cfg.max_call_ns)
		ideal = MIN(ideal, target / per_page);
	else
		ideal = MIN(ideal, cur * 2);
	e->batch_pages = (unsigned)clamp_u64(ideal, e->cfg.min_batch_pages, e->cfg.max_batch_pages);
	e->stats.batch_pages = e->batch_pages;
}

/* ---------------------------------------------------------------- one request */

static bool in_src(const struct move_ctx *c, int status)
{
	return status >= 0 && status < NUMAB_MAX_NODES && (c->src_mask & (UINT64_C(1) << status));
}

static void stop(struct move_ctx *c, enum actuate_stop why)
{
	c->res->stop = why;
}

static void vanish(struct move_ctx *c, enum actuate_vanish why)
{
	c->res->stop = ACTUATE_STOP_VANISHED;
	c->res->vanished = why;
	log_debug("pid %d: %s while moving its pages, stopping", c->pm->pid,
		  actuate_vanish_to_string(why));
}

static void fail(struct move_ctx *c, int error)
{
	c->res->stop = ACTUATE_STOP_ERROR;
	c->res->error = error;
}

static void clear_pending(struct actuate_engine *e)
{
	e->n_pending = 0;
	e->n_units = 0;
	e->pending_charge = 0;
}

/* Status query of n addresses into status; false (and the stop recorded) when the process is
 * gone or the query failed. */
static bool query(struct actuate_engine *e, struct move_ctx *c, void **addrs, size_t n,
		  int *status)
{
	uint64_t t0, t1;
	long r;

	t0 = e->sys->now_ns(e->sys->userdata);
	r = e->sys->move_pages(e->sys->userdata, c->pm->pid, n, addrs, NULL, status, 0);
	t1 = e->sys->now_ns(e->sys->userdata);
	c->res->query_calls++;
	c->res->query_ns_total += t1 - t0;
	if (r == -ESRCH || (r < 0 && !procmem_pin_alive(&c->pin))) {
		vanish(c, ACTUATE_VANISH_EXITED);
		return false;
	}
	if (r < 0) {
		fail(c, (int)r);
		return false;
	}
	return true;
}

/* Account a finished moving call (statuses in b_status). Returns the 4 KiB pages it moved. */
static uint64_t account(struct actuate_engine *e, struct move_ctx *c)
{
	struct actuate_result *res = c->res;
	int target = c->req->target_node;
	uint64_t moved_by_src[NUMAB_MAX_NODES] = {};
	uint64_t moved = 0;
	size_t nv = 0;

	for (size_t u = 0; u < e->n_units; u++) {
		const struct unit *un = &e->units[u];
		bool any = false;

		for (uint32_t k = un->first; k < un->first + un->n; k++)
			if (e->b_status[k] == target)
				any = true;
		for (uint32_t k = un->first; k < un->first + un->n; k++) {
			int st = e->b_status[k];

			if (st == target) {
				if (un->src == target)
					res->already_bytes += un->entry_bytes;
				else
					moved_by_src[un->src] += un->entry_bytes;
			} else if (st == -EBUSY && any && un->n > 1) {
				/* A subpage of a folio that moved through another address:
				 * confirm below. */
				e->v_addrs[nv] = e->b_addrs[k];
				e->v_pos[nv++] = (uint32_t)k;
			} else if (st < 0 && st != STATUS_UNSET) {
				res->pages_failed[actuate_err_from_errno(st)]++;
			} else {
				/* Still on its node: the migration of its run failed. */
				res->pages_failed[ACTUATE_ERR_UNMIGRATED]++;
			}
		}
	}
	if (nv > 0) {
		if (!query(e, c, e->v_addrs, nv, e->v_status))
			return 0;
		for (size_t i = 0; i < nv; i++) {
			const struct unit *un = &e->units[e->b_unit[e->v_pos[i]]];

			if (e->v_status[i] == target) {
				res->moved_with_head_pages++;
				moved_by_src[un->src] += un->entry_bytes;
			} else {
				res->pages_failed[ACTUATE_ERR_EBUSY]++;
			}
		}
	}
	for (int n = 0; n < NUMAB_MAX_NODES; n++) {
		if (!moved_by_src[n])
			continue;
		res->moved_bytes[n] += moved_by_src[n];
		res->moved_bytes_total += moved_by_src[n];
		moved += moved_by_src[n] / PROCMEM_PAGE_BYTES;
		procmem_note_moved(c->pm, n, target, moved_by_src[n]);
	}
	return moved;
}

/* Issue the pending batch as one moving call. Returns false when the request must stop. */
static bool flush(struct actuate_engine *e, struct move_ctx *c)
{
	struct actuate_result *res = c->res;
	size_t n = e->n_pending, nv = 0;
	uint64_t t0, t1, moved, work_pages = 0;
	long r;

	if (n == 0)
		return true;
	if (c->dry_run) {
		for (size_t u = 0; u < e->n_units; u++) {
			const struct unit *un = &e->units[u];
			uint64_t b = un->entry_bytes * un->n;

			if (un->src == c->req->target_node) {
				res->already_bytes += b;
				continue;
			}
			/* A 2 MiB window charged whole would move whole. */
			b = MAX(b, un->charge);
			res->moved_bytes[un->src] += b;
			res->moved_bytes_total += b;
		}
		clear_pending(e);
		return true;
	}
	if (!procmem_pin_alive(&c->pin)) {
		clear_pending(e);
		vanish(c, ACTUATE_VANISH_EXITED);
		return false;
	}
	for (size_t k = 0; k < n; k++) {
		e->b_nodes[k] = c->req->target_node;
		e->b_status[k] = STATUS_UNSET;
	}
	t0 = e->sys->now_ns(e->sys->userdata);
	r = e->sys->move_pages(e->sys->userdata, c->pm->pid, n, e->b_addrs, e->b_nodes, e->b_status,
			       c->mpol_flags);
	t1 = e->sys->now_ns(e->sys->userdata);

	if (!procmem_pin_alive(&c->pin)) {
		/* Gone during the call (or just after). move_pages took the pid: had the pid
		 * been reused within the call, another process's pages would have been asked
		 * for - say so. */
		record_call(e, res, t1 - t0, 0);
		clear_pending(e);
		if (r >= 0)
			log_debug("pid %d exited around a move_pages call that returned %ld",
				  c->pm->pid, r);
		vanish(c, ACTUATE_VANISH_EXITED);
		return false;
	}
	if (r == -ESRCH || r == -EINVAL) {
		record_call(e, res, t1 - t0, 0);
		clear_pending(e);
		if (r == -ESRCH) {
			vanish(c, ACTUATE_VANISH_EXITED);
		} else {
			fail(c, (int)r);
		}
		return false;
	}

	/* Entries the kernel did not write (a failed run, the rest after it, or everything
	 * after an error): ask where they are now. */
	for (size_t k = 0; k < n; k++)
		if (e->b_status[k] == STATUS_UNSET) {
			e->v_addrs[nv] = e->b_addrs[k];
			e->v_pos[nv++] = (uint32_t)k;
		}
	if (nv > 0) {
		if (!query(e, c, e->v_addrs, nv, e->v_status)) {
			record_call(e, res, t1 - t0, 0);
			clear_pending(e);
			return false;
		}
		for (size_t i = 0; i < nv; i++) {
			int st = e->v_status[i];

			/* On the target now: it moved. Anywhere else: not migrated. */
			e->b_status[e->v_pos[i]] = st == c->req->target_node ? st : STATUS_UNSET;
		}
	}
	moved = account(e, c);
	for (size_t u = 0; u < e->n_units; u++) {
		const struct unit *un = &e->units[u];

		for (uint32_t k = un->first; k < un->first + un->n; k++)
			if (e->b_status[k] == c->req->target_node) {
				work_pages += un->charge / PROCMEM_PAGE_BYTES;
				break;
			}
	}
	record_call(e, res, t1 - t0, moved);
	adapt(e, work_pages, t1 - t0);
	clear_pending(e);
	if (res->stop == ACTUATE_STOP_VANISHED || res->stop == ACTUATE_STOP_ERROR)
		return false;

	if (r < 0) {
		switch (r) {
		case -EACCES:
			/* The target left the task's cpuset since we looked. */
			stop(c, ACTUATE_STOP_NOT_ALLOWED);
			break;
		case -ENOMEM:
			stop(c, ACTUATE_STOP_STUCK);
			break;
		default:
			fail(c, (int)r);
			break;
		}
		return false;
	}
	if (r > 0 && moved == 0 && work_pages == 0) {
		stop(c, ACTUATE_STOP_STUCK);
		return false;
	}
	return true;
}

/* The huge-window bit of addr, asking the kernel for the run of range ri around it once. */
static bool huge_window(struct actuate_engine *e, struct move_ctx *c, ssize_t ri, uint64_t w,
			uint64_t chunk_end)
{
	const struct procmem_range *rg = &c->pm->ranges[ri];
	uint64_t bit;

	if (c->pagemap_fd < 0 || e->no_huge_windows || !e->sys->huge_windows)
		return false;
	if (c->huge_range != ri || w < c->huge_base || w >= c->huge_end) {
		uint64_t base = w, end = MIN(rg->end, chunk_end);
		int r;

		end = (end + PROCMEM_THP_BYTES - 1) / PROCMEM_THP_BYTES * PROCMEM_THP_BYTES;
		end = MIN(end, base + 128 * (uint64_t)PROCMEM_THP_BYTES);
		memset(c->huge_bits, 0, sizeof(c->huge_bits));
		r = e->sys->huge_windows(e->sys->userdata, c->pagemap_fd, base, end, c->huge_bits);
		if (r == -EOPNOTSUPP) {
			e->no_huge_windows = true;
			return false;
		}
		c->huge_range = ri;
		c->huge_base = base;
		c->huge_end = r < 0 ? base : end;
		if (r < 0)
			return false;
	}
	bit = (w - c->huge_base) / PROCMEM_THP_BYTES;
	return c->huge_bits[bit / 64] & (UINT64_C(1) << (bit % 64));
}

static bool past_deadline(struct actuate_engine *e, const struct move_ctx *c)
{
	return c->deadline_ns && e->sys->now_ns(e->sys->userdata) >= c->deadline_ns;
}

/* The time is up: what is pending is not passed; the cursor goes back to it. */
static void abandon_pending(struct actuate_engine *e, struct move_ctx *c)
{
	if (e->n_units > 0) {
		c->pm->move_cursor = e->units[0].addr;
		c->res->passed_bytes -= e->pending_charge;
	}
	clear_pending(e);
}

/*
 * Add a unit: the chunk entries sel[0..n_sel) to pass, charged charge bytes. splittable: the
 * unit is a set of small pages charged one page each (not a window that may be one THP, not a
 * huge page), so at the budget boundary as many of them as fit still go. Returns false when
 * the request must stop (budget, or a failed flush).
 */
static bool add_unit(struct actuate_engine *e, struct move_ctx *c, const size_t *sel, size_t n_sel,
		     uint64_t charge, uint64_t entry_bytes, int src, uint64_t unit_addr,
		     bool splittable)
{
	struct actuate_result *res = c->res;
	uint64_t batch_bytes = (uint64_t)e->batch_pages * PROCMEM_PAGE_BYTES;
	bool last = false;
	struct unit *un;

	if (res->passed_bytes + charge > c->budget) {
		size_t fit = splittable ? (size_t)((c->budget - res->passed_bytes) / entry_bytes) : 0;

		if (fit == 0) {
			res->needs_bytes = splittable ? entry_bytes : charge;
			c->pm->move_cursor = unit_addr;
			stop(c, ACTUATE_STOP_BUDGET);
			return false;
		}
		/* The rest of the unit waits for the next call. */
		res->needs_bytes = entry_bytes;
		unit_addr = (uint64_t)(uintptr_t)e->q_addrs[sel[fit]];
		n_sel = fit;
		charge = fit * entry_bytes;
		last = true;
	}
	if (e->n_pending > 0 && e->pending_charge + charge > batch_bytes) {
		if (past_deadline(e, c)) {
			abandon_pending(e, c);
			stop(c, ACTUATE_STOP_TIME);
			return false;
		}
		if (!flush(e, c)) {
			c->pm->move_cursor = unit_addr;
			return false;
		}
	}
	un = &e->units[e->n_units++];
	*un = (struct unit){
		.first = (uint32_t)e->n_pending,
		.n = (uint32_t)n_sel,
		.charge = charge,
		.entry_bytes = entry_bytes,
		.addr = unit_addr,
		.src = src,
	};
	for (size_t k = 0; k < n_sel; k++) {
		e->b_unit[e->n_pending] = (uint32_t)(e->n_units - 1);
		e->b_addrs[e->n_pending++] = e->q_addrs[sel[k]];
	}
	e->pending_charge += charge;
	res->passed_bytes += charge;
	if (last) {
		c->pm->move_cursor = unit_addr;
		stop(c, ACTUATE_STOP_BUDGET);
		return false;
	}
	return true;
}

/* Turn a queried chunk into units. Returns false when the request must stop. */
static bool select_chunk(struct actuate_engine *e, struct move_ctx *c, size_t n)
{
	struct procmem *pm = c->pm;
	size_t sel[PROCMEM_THP_PAGES];
	uint64_t chunk_end = n ? (uint64_t)(uintptr_t)e->q_addrs[n - 1] + PROCMEM_PAGE_BYTES : 0;
	size_t i = 0;

	while (i < n) {
		uint32_t ri = e->q_idx[i];
		const struct procmem_range *rg = &pm->ranges[ri];
		uint64_t a = (uint64_t)(uintptr_t)e->q_addrs[i];
		uint64_t w = a / PROCMEM_THP_BYTES * PROCMEM_THP_BYTES;
		bool shared = (rg->flags & PROCMEM_RANGE_SHARED_PAGES) &&
			      !(c->req->flags & ACTUATE_MOVE_ALL);
		size_t j, n_sel = 0;
		int src = -1;
		bool same = true;

		if (rg->flags & PROCMEM_RANGE_HUGETLB || w < rg->start ||
		    w + PROCMEM_THP_BYTES > rg->end) {
			/* One page (or one hugetlb page) on its own. */
			if (in_src(c, e->q_status[i])) {
				c->res->misplaced_pages++;
				if (shared) {
					c->res->shared_skipped_pages++;
				} else {
					sel[0] = i;
					if (!add_unit(e, c, sel, 1, rg->page_bytes, rg->page_bytes,
						      e->q_status[i], a, false))
						return false;
				}
			}
			i++;
			continue;
		}

		/* An aligned 2 MiB window inside the range: one unit. */
		for (j = i; j < n && e->q_idx[j] == ri &&
			    (uint64_t)(uintptr_t)e->q_addrs[j] < w + PROCMEM_THP_BYTES;
		     j++) {
			int st = e->q_status[j];

			if (j > i && st != e->q_status[i])
				same = false;
			if (!in_src(c, st))
				continue;
			if (src < 0)
				src = st;
			else if (st != src)
				same = false;
			sel[n_sel++] = j;
		}
		if (n_sel > 0) {
			c->res->misplaced_pages += n_sel;
			if (shared) {
				c->res->shared_skipped_pages += n_sel;
			} else if (huge_window(e, c, ri, w, chunk_end)) {
				/* One PMD-mapped folio: one address moves it all. */
				if (!add_unit(e, c, sel, 1, PROCMEM_THP_BYTES, PROCMEM_THP_BYTES,
					      src, a, false))
					return false;
			} else if (same && j - i == PROCMEM_THP_PAGES) {
				/* Maybe one THP, maybe 512 pages: 2 MiB moves either way. */
				if (!add_unit(e, c, sel, n_sel, PROCMEM_THP_BYTES,
					      PROCMEM_PAGE_BYTES, src, a, false))
					return false;
			} else if (same) {
				if (!add_unit(e, c, sel, n_sel, n_sel * PROCMEM_PAGE_BYTES,
					      PROCMEM_PAGE_BYTES, src, a, true))
					return false;
			} else {
				/* Pages of several source nodes: one unit per node, kept in
				 * one batch where they fit. */
				for (int node = 0; node < NUMAB_MAX_NODES; node++) {
					size_t m = 0, s2[PROCMEM_THP_PAGES];

					for (size_t k = 0; k < n_sel; k++)
						if (e->q_status[sel[k]] == node)
							s2[m++] = sel[k];
					if (m == 0)
						continue;
					if (!add_unit(e, c, s2, m, m * PROCMEM_PAGE_BYTES,
						      PROCMEM_PAGE_BYTES, node,
						      (uint64_t)(uintptr_t)e->q_addrs[s2[0]], true)) {
						/* Other nodes' pages of the window may lie
						 * before the cut: look at it again next time
						 * (what moved is on the target by then). */
						if (c->res->stop == ACTUATE_STOP_BUDGET)
							pm->move_cursor = a;
						return false;
					}
				}
			}
		}
		i = j;
	}
	return true;
}

/* Collect the next chunk of addresses at the move cursor, not splitting a 2 MiB window at its
 * end, and not going past the start of the pass. Returns the count. */
static size_t collect_chunk(struct actuate_engine *e, struct move_ctx *c)
{
	struct procmem *pm = c->pm;
	uint64_t before = pm->move_cursor;
	bool wrapped;
	size_t n;

	/* Skip unpopulated address space where the kernel tells (never past the end: the
	 * wrap below stays the collect's). */
	if (c->can_skip) {
		int r = procmem_skip_absent(pm, e->sys, c->pagemap_fd, &pm->move_cursor);

		if (r < 0) {
			c->can_skip = false;
			if (r == -EOPNOTSUPP)
				e->no_next_present = true;
		}
	}
	n = procmem_collect(pm, &pm->move_cursor, 1, e->q_addrs, e->q_idx, e->cfg.query_pages,
			    &wrapped);
	if (c->wrapped) {
		/* Second lap: stop where the pass began. */
		for (size_t i = 0; i < n; i++)
			if ((uint64_t)(uintptr_t)e->q_addrs[i] >= c->start_cursor) {
				n = i;
				pm->move_cursor = c->start_cursor;
				c->pass_done = true;
				return n;
			}
		if (wrapped) {
			/* Around twice without reaching the start (the ranges changed). */
			c->pass_done = true;
			return n;
		}
	}
	if (wrapped) {
		c->wrapped = true;
		if (c->start_cursor == 0 || (n == 0 && before == 0))
			c->pass_done = true;
		return n;
	}
	if (n == e->cfg.query_pages) {
		const struct procmem_range *rg = &pm->ranges[e->q_idx[n - 1]];
		uint64_t last = (uint64_t)(uintptr_t)e->q_addrs[n - 1];
		uint64_t w = last / PROCMEM_THP_BYTES * PROCMEM_THP_BYTES;

		if (!(rg->flags & PROCMEM_RANGE_HUGETLB) && w >= rg->start &&
		    w + PROCMEM_THP_BYTES <= rg->end && last + PROCMEM_PAGE_BYTES < w + PROCMEM_THP_BYTES) {
			size_t f = n;

			while (f > 0 && e->q_idx[f - 1] == e->q_idx[n - 1] &&
			       (uint64_t)(uintptr_t)e->q_addrs[f - 1] >= w)
				f--;
			if (f > 0) {
				n = f;
				pm->move_cursor = w;
			}
		}
	}
	return n;
}

int actuate_move(struct actuate_engine *e, struct procmem *pm, int proc_fd,
		 const struct actuate_request *req, struct actuate_result *ret)
{
	struct actuate_result res = {
		.stop = ACTUATE_STOP_PASS,
		.target_node = req->target_node,
		.own_policy_bytes = pm->own_policy_bytes,
	};
	struct move_ctx c = {
		.pm = pm,
		.req = req,
		.res = &res,
		.pin = PROCMEM_PIN_NULL,
		.pagemap_fd = -EBADF,
		.huge_range = -1,
		.dry_run = req->flags & ACTUATE_DRY_RUN,
		.mpol_flags = req->flags & ACTUATE_MOVE_ALL ? MPOL_MF_MOVE_ALL : MPOL_MF_MOVE,
	};
	uint64_t t_start, mems;
	int r;

	if (req->target_node < 0 || req->target_node >= NUMAB_MAX_NODES)
		return -EINVAL;
	t_start = e->sys->now_ns(e->sys->userdata);
	if (req->max_time_ns)
		c.deadline_ns = t_start + req->max_time_ns;
	c.src_mask = req->source_nodes ? req->source_nodes : NODEMASK_ALL;
	c.src_mask &= ~nodemask_of((unsigned)req->target_node);
	if (req->flags & ACTUATE_INCLUDE_TARGET)
		c.src_mask |= nodemask_of((unsigned)req->target_node);
	c.budget = MIN(req->budget_bytes, req->free_bytes_hint);

	if (req->free_bytes_hint < PROCMEM_PAGE_BYTES) {
		stop(&c, ACTUATE_STOP_NO_ROOM);
		goto done;
	}

	r = procmem_pin_open(proc_fd, pm->pid, pm->start_time, req->cgroup, &c.pin);
	if (r == PROCMEM_ERR_EXITED || r == -ENOENT) {
		vanish(&c, ACTUATE_VANISH_EXITED);
		goto done;
	}
	if (r == PROCMEM_ERR_REUSED) {
		vanish(&c, ACTUATE_VANISH_REUSED);
		goto done;
	}
	if (r == PROCMEM_ERR_MOVED) {
		vanish(&c, ACTUATE_VANISH_MOVED);
		goto done;
	}
	if (r < 0) {
		fail(&c, r);
		goto done;
	}
	r = proc_read_mems_allowed(proc_fd, pm->pid, &mems);
	if (errno_is_gone(r)) {
		vanish(&c, ACTUATE_VANISH_EXITED);
		goto done;
	}
	if (r < 0) {
		fail(&c, r);
		goto done;
	}
	if (!nodemask_test(mems, (unsigned)req->target_node)) {
		stop(&c, ACTUATE_STOP_NOT_ALLOWED);
		goto done;
	}
	if ((e->sys->huge_windows && !e->no_huge_windows) ||
	    (e->sys->next_present && !e->no_next_present))
		c.pagemap_fd = procmem_open_pagemap(proc_fd, pm->pid);
	c.can_skip = e->sys->next_present && !e->no_next_present;

	c.start_cursor = pm->move_cursor;
	clear_pending(e);
	for (;;) {
		size_t n;

		if (past_deadline(e, &c)) {
			abandon_pending(e, &c);
			stop(&c, ACTUATE_STOP_TIME);
			break;
		}
		n = collect_chunk(e, &c);
		if (n > 0) {
			if (!query(e, &c, e->q_addrs, n, e->q_status))
				break;
			res.queried_pages += n;
			if (!select_chunk(e, &c, n)) {
				/* Budget: what is pending still goes. */
				if (res.stop == ACTUATE_STOP_BUDGET) {
					uint64_t cursor = pm->move_cursor;

					(void)flush(e, &c);
					pm->move_cursor = cursor;
				}
				break;
			}
		}
		if (c.pass_done) {
			if (flush(e, &c))
				stop(&c, ACTUATE_STOP_PASS);
			res.pass_completed = true;
			break;
		}
	}
	clear_pending(e);

done:
	procmem_pin_close(&c.pin);
	safe_close(c.pagemap_fd);
	res.batch_pages = e->batch_pages;
	res.elapsed_ns = e->sys->now_ns(e->sys->userdata) - t_start;
	*ret = res;
	return 0;
}
