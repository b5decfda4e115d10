/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Balancing one cgroup.
 *
 * follow: for each process of the cgroup, one bounded round of status queries refreshes where
 * its pages are (procmem), decide.c says whether it has a home and misplaced pages, and if so
 * the engine moves them home within what the hierarchical budget grants now and the target
 * node's free memory allows. A cgroup that AutoNUMA is balancing too is left alone: two
 * balancers moving the same pages is double work at best (DESIGN §5).
 *
 * pin: the cgroup's CPU demand and movable memory choose the smallest fitting node set; a
 * different set must win three evaluations in a row before numabd moves a pinned cgroup
 * (hysteresis). Memory moves first (budgeted, like follow), then threads get the set's CPUs
 * as affinity, journalled so that they can be put back. Threads whose affinity someone else
 * narrowed are left alone.
 *
 * Everything that did not happen says why in the cgroup's note, which `numabctl status` shows.
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/placement.h"
#include "daemon/balance.h"
#include "daemon/interleave.h"
#include "daemon/tier.h"
#include "daemon/kops.h"
#include "daemon/move-pool.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "shared/parse-util.h"
#include "sysfs/proc-read.h"

/* Free memory to leave on a target node: the larger of 256 MiB and 2% of the node. */
#define HEADROOM_MIN_BYTES (256ull << 20)
#define HEADROOM_PERMILLE 20
/* How long moving may take for one process in one tick: the budget is the rate control, this
 * bounds the tick. Measured under TCG (THP): 200 ms moved 40-70 MiB per tick, 320 MiB in 10 s. */
#define MOVE_TIME_LIMIT_NS (400ull * 1000 * 1000)
/* Evaluations a different pin set must win before a pinned cgroup is moved. */
#define PIN_SWITCH_EVALS 3

uint64_t balance_free_room(const struct manager *m, int node)
{
	const struct topo_node *tn = &m->topo->nodes[node];
	uint64_t headroom = MAX(HEADROOM_MIN_BYTES, tn->mem_total_bytes * HEADROOM_PERMILLE / 1000);

	return tn->mem_free_bytes > headroom ? tn->mem_free_bytes - headroom : 0;
}

struct managed_proc *balance_get_proc(struct manager *m, const struct proc_sample *p)
{
	char key[MANAGER_PROC_KEY_MAX];
	struct managed_proc *mp;
	int r;

	manager_proc_key(key, p->pid, p->start_time);
	mp = hashmap_get(m->procs, key);
	if (mp) {
		mp->seen_tick = m->tick;
		return mp;
	}
	mp = calloc(1, sizeof(*mp));
	if (!mp)
		return NULL;
	mp->follow = FOLLOW_STATE_INIT;
	mp->locality = -1.0;
	mp->seen_tick = m->tick;
	r = procmem_new(p->pid, p->start_time, NULL, &mp->pm);
	if (r >= 0)
		r = procmem_load(mp->pm, m->roots.proc_fd, manager_now_usec() * 1000);
	if (r < 0) {
		if (!errno_is_gone(r))
			log_debug_errno(r, "Failed to read the mappings of %d (%s), skipping it: %m",
					p->pid, p->comm);
		procmem_free(mp->pm);
		free(mp);
		return NULL;
	}
	if (hashmap_put(m->procs, key, mp) < 0) {
		procmem_free(mp->pm);
		free(mp);
		return NULL;
	}
	return mp;
}

void balance_note(struct cg_state *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->note, sizeof(st->note), fmt, ap);
	va_end(ap);
}

/* What stopped a move: outlives the evaluation that clears the note (the moves of follow and
 * pin go on after the tick, and status may be asked in between). */
static void move_note(struct cg_state *st, const char *fmt, ...) _printf_(2, 3);

static void move_note(struct cg_state *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->move_note, sizeof(st->move_note), fmt, ap);
	va_end(ap);
}

const char *balance_note_text(const struct cg_state *st, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s", st->note, st->note[0] && st->move_note[0] ? "; " : "",
		 st->move_note);
	return buf;
}

static void account_move(struct cg_state *st, const struct actuate_result *res)
{
	static const enum stats_failure map[_ACTUATE_ERR_MAX] = {
		[ACTUATE_ERR_EBUSY] = STATS_FAIL_EBUSY,   [ACTUATE_ERR_ENOMEM] = STATS_FAIL_ENOMEM,
		[ACTUATE_ERR_EFAULT] = STATS_FAIL_EFAULT, [ACTUATE_ERR_EACCES] = STATS_FAIL_EACCES,
		[ACTUATE_ERR_EPERM] = STATS_FAIL_EPERM,   [ACTUATE_ERR_ENOENT] = STATS_FAIL_OTHER,
		[ACTUATE_ERR_UNMIGRATED] = STATS_FAIL_OTHER, [ACTUATE_ERR_OTHER] = STATS_FAIL_OTHER,
	};

	for (unsigned n = 0; n < NUMAB_MAX_NODES; n++)
		st->stats.moved_bytes[n][res->target_node] += res->moved_bytes[n];
	st->stats.moved_pages += res->moved_bytes_total / PROCMEM_PAGE_BYTES;
	st->stats.move_calls += res->move_calls;
	st->stats.move_call_max_usec = MAX(st->stats.move_call_max_usec, res->move_ns_max / 1000);
	for (int e = 0; e < _ACTUATE_ERR_MAX; e++)
		st->stats.failures[map[e]] += res->pages_failed[e];
	if (res->vanished != ACTUATE_VANISH_NONE)
		st->stats.failures[STATS_FAIL_ESRCH]++;
	if (res->stop == ACTUATE_STOP_ERROR)
		st->stats.failures[stats_failure_from_errno(res->error)]++;
}

/*
 * A move in three steps: prepared on the main thread (room, budget, the request), run by an
 * engine (this thread's, or the move pool's threads for several processes at once), finished
 * on the main thread (budget debit, statistics, log, notes). mp is NULL for moves that are not
 * continued between ticks (tier, interleave).
 */
struct balance_job {
	struct move_job mj;
	const struct cg_sample *c;
	struct cg_state *st;
	struct managed_proc *mp;
	uint64_t want_bytes;
	uint64_t now_usec;
};

/* False when nothing may move now (no room, no budget): the note says why. */
static bool move_prepare(struct manager *m, const struct cg_sample *c, struct cg_state *st,
			 struct procmem *pm, int target, uint64_t from_nodes, uint64_t want_bytes,
			 uint64_t room_bytes, uint64_t now_usec, struct balance_job *j)
{
	uint64_t granted, since;

	*j = (struct balance_job){
		.mj.pm = pm,
		.mj.req = {
			.target_node = target,
			.source_nodes = from_nodes,
			.free_bytes_hint = room_bytes,
			.max_time_ns = MOVE_TIME_LIMIT_NS,
			.cgroup = c->path,
			.flags = m->opts.dry_run ? ACTUATE_DRY_RUN : 0,
		},
		.c = c,
		.st = st,
		.want_bytes = want_bytes,
		.now_usec = now_usec,
	};
	st->move_asked = true;
	if (room_bytes < PROCMEM_PAGE_BYTES) {
		move_note(st, "node %d has no free memory to spare", target);
		return false;
	}
	/* Ask for what the estimate says is misplaced, at least one huge page's worth. */
	want_bytes = MAX(want_bytes, (uint64_t)PROCMEM_THP_BYTES);
	granted = budget_request(m->budget, c->path, want_bytes, now_usec);
	/* Throttled time: since the cgroup's last request, at most a tick. */
	since = now_usec - MAX(st->last_grant_usec, st->last_eval_usec);
	st->last_grant_usec = now_usec;
	if (granted < PROCMEM_PAGE_BYTES) {
		st->stats.throttled_usec += MIN(m->tick_usec, since);
		move_note(st, "migration budget exhausted: waiting for it to refill");
		return false;
	}
	if (granted < want_bytes)
		st->stats.throttled_usec += MIN(m->tick_usec, since);
	/* The engine moves whole 2 MiB windows (a THP is one folio): with less than that granted
	 * it could never move one under a small budget. Grant one window and let the buckets go
	 * into debt; they pay it back before the next grant, so the rate holds on average. */
	j->mj.req.budget_bytes = MAX(granted, (uint64_t)PROCMEM_THP_BYTES);
	return true;
}

/* Record a follow or pin move the time limit cut short, to go on before the next tick. */
static void continue_later(struct manager *m, struct managed_proc *mp, const struct cg_sample *c,
			   struct cg_state *st, int target, uint64_t from_nodes,
			   uint64_t want_bytes)
{
	unsigned idx = (unsigned)(c - m->cur->cgroups);

	st->move_asked = true;
	mp->cont.tick = m->tick;
	mp->cont.cgroup = idx;
	mp->cont.mode = m->results->items[idx].effective.mode;
	mp->cont.target = target;
	mp->cont.from_nodes = from_nodes;
	mp->cont.want_bytes = want_bytes;
	m->continue_wanted = true;
}

/* Returns the engine's stop reason, -1 when it failed. */
static int move_finish(struct manager *m, struct balance_job *j)
{
	const struct actuate_result *res = &j->mj.res;
	const struct actuate_request *req = &j->mj.req;
	struct cg_state *st = j->st;
	pid_t pid = j->mj.pm->pid;

	if (j->mp)
		j->mp->cont.tick = 0;
	if (j->mj.r < 0) {
		log_warning_errno(j->mj.r, "Failed to move pages of %d: %m", pid);
		return -1;
	}
	if (!m->opts.dry_run) {
		budget_debit(m->budget, j->c->path, res->passed_bytes, j->now_usec);
		account_move(st, res);
	}
	if (res->moved_bytes_total > 0)
		log_debug("%s: %s %llu KiB of %d to node %d in %llu call(s), longest %.1f ms (%s).",
			  j->c->path, m->opts.dry_run ? "would move" : "moved",
			  (unsigned long long)(res->moved_bytes_total >> 10), pid, req->target_node,
			  (unsigned long long)res->move_calls, (double)res->move_ns_max / 1e6,
			  actuate_stop_to_string(res->stop));
	if (res->stop == ACTUATE_STOP_NOT_ALLOWED)
		move_note(st, "node %d is outside the Mems_allowed of %d", req->target_node, pid);
	else if (res->stop == ACTUATE_STOP_STUCK)
		move_note(st, "pages of %d did not move (node %d full, or pages pinned)", pid,
			  req->target_node);
	else if (res->moved_bytes_total > 0)
		st->move_note[0] = '\0';
	else if (res->stop == ACTUATE_STOP_TIME && m->opts.dry_run)
		st->pending = true; /* not between ticks: it would query the same pages again */
	else if (res->stop == ACTUATE_STOP_TIME && j->mp)
		continue_later(m, j->mp, j->c, st, req->target_node, req->source_nodes,
			       j->want_bytes > res->moved_bytes_total ?
				       j->want_bytes - res->moved_bytes_total : 0);
	return res->stop;
}

/* Prepare, run on this thread's engine and finish one move (mp: continued between ticks when
 * the time limit cuts it, see move_finish()). */
static int move_one(struct manager *m, const struct cg_sample *c, struct cg_state *st,
		    struct procmem *pm, struct managed_proc *mp, int target, uint64_t from_nodes,
		    uint64_t want_bytes, uint64_t room_bytes, uint64_t now_usec,
		    struct actuate_result *ret)
{
	struct balance_job j;
	int stop;

	if (!move_prepare(m, c, st, pm, target, from_nodes, want_bytes, room_bytes, now_usec, &j))
		return -1;
	j.mp = mp;
	j.mj.r = actuate_move(move_pool_engine(m->movers), pm, m->roots.proc_fd, &j.mj.req,
			      &j.mj.res);
	stop = move_finish(m, &j);
	if (ret && j.mj.r >= 0)
		*ret = j.mj.res;
	return stop;
}

int balance_move(struct manager *m, const struct cg_sample *c, struct cg_state *st,
		 struct procmem *pm, int target, uint64_t from_nodes, uint64_t want_bytes,
		 uint64_t room_bytes, uint64_t now_usec, struct actuate_result *ret)
{
	return move_one(m, c, st, pm, NULL, target, from_nodes, want_bytes, room_bytes, now_usec,
			ret);
}

/*
 * Move the misplaced pages of one process to target now (pin): room is the target's free
 * memory less its headroom. A move cut by the time limit goes on between ticks
 * (balance_continue): the time limit keeps one pass short, the budget sets the rate.
 */
static int move_process(struct manager *m, const struct cg_sample *c, struct cg_state *st,
			struct managed_proc *mp, int target, uint64_t from_nodes, uint64_t want_bytes,
			uint64_t now_usec)
{
	return move_one(m, c, st, mp->pm, mp, target, from_nodes, want_bytes,
			balance_free_room(m, target), now_usec, NULL);
}

bool balance_continue(struct manager *m)
{
	_cleanup_free_ struct balance_job *jobs = NULL;
	uint64_t room[NUMAB_MAX_NODES], now_usec = manager_now_usec();
	size_t n = 0, n_alloc = 0;
	struct hashmap_iter it = {};
	const char *key;
	void *value;

	m->continue_wanted = false;
	if (!m->cur || !m->results)
		return false;
	for (unsigned k = 0; k < NUMAB_MAX_NODES; k++)
		room[k] = nodemask_test(m->topo->node_mask, k) ? balance_free_room(m, (int)k) : 0;
	while (hashmap_iterate(m->procs, &it, &key, &value)) {
		struct managed_proc *mp = value;
		const struct policy_result *r;
		const struct cg_sample *c;
		struct cg_state *st;
		unsigned idx = mp->cont.cgroup;
		int target = mp->cont.target;

		if (mp->cont.tick != m->tick)
			continue;
		mp->cont.tick = 0;
		if (idx >= m->cur->n_cgroups || idx >= m->results->n)
			continue;
		c = &m->cur->cgroups[idx];
		r = &m->results->items[idx];
		st = hashmap_get(m->cgroups, c->path);
		/* numabctl set, a reload or a program may have changed the mode since the tick. */
		if (!st || r->effective.mode != mp->cont.mode || policy_result_no_eligible_nodes(r) ||
		    !nodemask_test(r->effective.nodes, (unsigned)target))
			continue;
		if (m->autonuma > 0 && balance_autonuma_balances(m, idx))
			continue;
		if (GREEDY_REALLOC(jobs, n_alloc, n + 1, 8) < 0)
			return log_oom(), false;
		if (!move_prepare(m, c, st, mp->pm, target, mp->cont.from_nodes, mp->cont.want_bytes,
				  room[target], now_usec, &jobs[n])) {
			st->pending = true; /* the next tick tries again */
			continue;
		}
		jobs[n].mp = mp;
		/* Jobs to one node share its room. */
		room[target] -= MIN(room[target], jobs[n].mj.req.budget_bytes);
		n++;
	}
	if (n == 0)
		return false;
	move_pool_run(m->movers, m->roots.proc_fd, &jobs[0].mj, n, sizeof(*jobs));
	for (size_t i = 0; i < n; i++) {
		int stop = move_finish(m, &jobs[i]);

		if (stop == -1 || stop == ACTUATE_STOP_BUDGET)
			jobs[i].st->pending = true;
	}
	return m->continue_wanted;
}

/* Add "; TEXT" to the note (or set it when empty), as far as it fits. */
static void note_append(struct cg_state *st, const char *fmt, ...) _printf_(2, 3);

static void note_append(struct cg_state *st, const char *fmt, ...)
{
	size_t len = strlen(st->note);
	va_list ap;

	if (len > 0 && len + 3 < sizeof(st->note)) {
		memcpy(st->note + len, "; ", 3);
		len += 2;
	}
	if (len + 1 >= sizeof(st->note))
		return;
	va_start(ap, fmt);
	vsnprintf(st->note + len, sizeof(st->note) - len, fmt, ap);
	va_end(ap);
}

void balance_own_policy(struct cg_state *st, const struct managed_proc *mp)
{
	if (mp->pm->n_own_policy == 0)
		return;
	st->own_policy_procs++;
	st->own_policy_bytes += mp->pm->own_policy_bytes;
}

struct managed_proc *balance_scan_proc(struct manager *m, struct cg_state *st,
				       const struct proc_sample *p, uint64_t *ret_allowed)
{
	struct managed_proc *mp = balance_get_proc(m, p);
	struct procmem_scan_result sr;

	if (!mp)
		return NULL;
	if (procmem_scan(mp->pm, &procmem_sys_live, &sr) < 0 || sr.vanished)
		return NULL;
	balance_own_policy(st, mp);
	if (ret_allowed && proc_read_mems_allowed(m->roots.proc_fd, p->pid, ret_allowed) < 0)
		return NULL;
	return mp;
}

bool balance_autonuma_balances(const struct manager *m, unsigned idx)
{
	return (m->autonuma & 1) && manager_autonuma(m, idx).state == AUTONUMA_SCANNED;
}

bool balance_left_to_autonuma(const struct manager *m, unsigned idx, struct cg_state *st)
{
	if (m->autonuma <= 0 || !balance_autonuma_balances(m, idx))
		return false;
	balance_note(st, "also balanced by AutoNUMA (kernel.numa_balancing=%d): numab leaves its "
			 "pages to the kernel", m->autonuma);
	return true;
}

static void update_locality(struct cg_state *st, double weighted, double weight, unsigned n,
			    uint64_t now_usec)
{
	st->locality = weight > 0 ? weighted / weight : -1.0;
	st->locality_procs = n;
	st->locality_usec = now_usec;
}

/*
 * follow's fast path: the cgroup is already local by memory.numa_stat (decide.c), and that
 * count covers its processes' memory: every active process has a complete estimate and the
 * residents of those estimates fit in what the cgroup is charged for (memory a process
 * brought along from another cgroup stays charged there, and shared pages count once per
 * process: either way the scans decide). Then no page is queried this evaluation; the
 * processes keep their last estimates and get the verdict local.
 */
static bool follow_cgroup_local(struct manager *m, unsigned idx, const struct follow_params *params)
{
	const struct cg_sample *c = &m->cur->cgroups[idx];
	uint64_t charged = 0, resident = 0;

	if (idx + 1 < m->cur->n_cgroups && m->cur->cgroups[idx + 1].parent == (int)idx)
		return false; /* children: the counts are theirs too */
	if (!decide_follow_cgroup_local(params, c, m->cur->span))
		return false;
	for (unsigned n = 0; n < m->cur->span; n++)
		charged += cg_mapped_bytes(c, n);
	for (unsigned j = 0; j < c->n_procs; j++) {
		struct managed_proc *mp = balance_get_proc(m, &c->procs[j]);
		const struct procmem_estimate *est = mp ? procmem_estimate_get(mp->pm) : NULL;

		if (!est || !est->sampled_pages)
			return false;
		resident += est->resident_bytes;
	}
	return resident <= charged + charged / 16 + PROCMEM_THP_BYTES;
}

static void balance_follow(struct manager *m, unsigned idx, const struct policy_result *r,
			   struct cg_state *st, uint64_t now_usec)
{
	const struct cg_sample *c = &m->cur->cgroups[idx];
	const struct follow_params params = DECIDE_FOLLOW_DEFAULTS;
	const uint64_t window_usec = manager_window_usec(m);
	double weighted = 0.0, weight = 0.0;
	unsigned n_loc = 0;
	bool moved_any = false;

	if (follow_cgroup_local(m, idx, &params)) {
		for (unsigned j = 0; j < c->n_procs; j++) {
			struct managed_proc *mp = balance_get_proc(m, &c->procs[j]);

			if (!mp)
				continue;
			balance_own_policy(st, mp);
			mp->verdict = FOLLOW_LOCAL;
			st->verdicts[FOLLOW_LOCAL]++;
		}
		st->stats.fast_evaluations++;
		update_locality(st, placement_node_balance(c, m->cur->span), 1.0, c->n_procs, now_usec);
		(void)balance_left_to_autonuma(m, idx, st);
		return;
	}
	for (unsigned j = 0; j < c->n_procs; j++) {
		const struct proc_sample *p = &c->procs[j];
		const struct procmem_estimate *est;
		struct managed_proc *mp;
		struct follow_decision d;
		struct follow_input in;
		uint64_t allowed;

		mp = balance_scan_proc(m, st, p, &allowed);
		if (!mp)
			continue;
		est = procmem_estimate_get(mp->pm);
		in = (struct follow_input){
			.cpu_ns = p->cpu_ns,
			.mem_bytes = est->sampled_pages ? est->bytes_per_node : NULL,
			.span = m->cur->span,
			.eligible_nodes = r->effective.nodes & cg_policy_mems(c) & allowed,
			.own_policy_only = mp->pm->eligible_bytes == 0 && mp->pm->n_own_policy > 0,
			.now_usec = now_usec,
			.window_usec = window_usec,
		};
		d = decide_follow(&params, &in, &mp->follow);
		log_debug("%s: %d (%s): %s, home node %d, %llu KiB misplaced.", c->path, p->pid,
			  p->comm, follow_verdict_to_string(d.verdict), mp->follow.home,
			  (unsigned long long)(d.misplaced_bytes >> 10));
		mp->verdict = d.verdict;
		st->verdicts[d.verdict]++;
		if (est->sampled_pages && p->cpu_ns_total) {
			mp->locality = placement_locality(p->cpu_ns, est->bytes_per_node,
							  MIN(m->cur->span, (unsigned)NUMAB_MAX_NODES));
			if (mp->locality >= 0) {
				weighted += mp->locality * (double)est->resident_bytes;
				weight += (double)est->resident_bytes;
				n_loc++;
			}
		}
		if (d.verdict != FOLLOW_MOVE)
			continue;
		if (m->autonuma > 0 && balance_autonuma_balances(m, idx))
			continue; /* the note says so (below) */
		/* The pages move right after the tick, with those of the other processes that
		 * have some to move (balance_continue: in parallel). */
		continue_later(m, mp, c, st, d.target, d.from_nodes, d.misplaced_bytes);
		decide_follow_moved(&mp->follow, d.target, now_usec);
		moved_any = true;
	}
	update_locality(st, weighted, weight, n_loc, now_usec);
	if (balance_left_to_autonuma(m, idx, st))
		;
	else if (moved_any)
		st->note[0] = '\0';
	else if (st->verdicts[FOLLOW_SPREAD])
		balance_note(st, "%u process%s spread: consider pin or kernel", st->verdicts[FOLLOW_SPREAD],
		     st->verdicts[FOLLOW_SPREAD] == 1 ? "" : "es");
}

/* CPUs of a node set, and the CPUs a cgroup's cpuset allows (all online CPUs without one). */
static int cpus_of_nodes(const struct topology *t, uint64_t nodes, cpu_set_t **ret, size_t *ret_size)
{
	size_t n = MAX(t->n_cpus, 1u);
	cpu_set_t *set = CPU_ALLOC(n);

	if (!set)
		return -ENOMEM;
	CPU_ZERO_S(CPU_ALLOC_SIZE(n), set);
	for (unsigned cpu = 0; cpu < t->n_cpus; cpu++)
		if (t->cpu_to_node[cpu] >= 0 && nodemask_test(nodes, (unsigned)t->cpu_to_node[cpu]))
			CPU_SET_S(cpu, CPU_ALLOC_SIZE(n), set);
	*ret = set;
	*ret_size = CPU_ALLOC_SIZE(n);
	return 0;
}

static int allowed_cpus(const struct manager *m, const struct cg_sample *c, cpu_set_t **ret,
			size_t *ret_size)
{
	size_t ncpus;
	int r;

	if (!c->cpus_effective)
		return cpus_of_nodes(m->topo, m->topo->node_mask, ret, ret_size);
	r = parse_cpulist(c->cpus_effective, ret, &ncpus);
	if (r < 0)
		return r;
	*ret_size = CPU_ALLOC_SIZE(ncpus);
	return 0;
}

/* The node of a pin set that takes the moved memory: the one holding most of the cgroup's
 * memory already, then the one with most room. */
static int pin_memory_node(const struct manager *m, const struct cg_sample *c, uint64_t set)
{
	int best = -1;

	NODEMASK_FOREACH(n, set) {
		if (best < 0 || cg_movable_bytes(c, (unsigned)n) > cg_movable_bytes(c, (unsigned)best) ||
		    (cg_movable_bytes(c, (unsigned)n) == cg_movable_bytes(c, (unsigned)best) &&
		     balance_free_room(m, n) > balance_free_room(m, best)))
			best = n;
	}
	return best;
}

static uint64_t choose_pin_set(struct manager *m, const struct cg_sample *c,
			       const struct policy_result *r, struct cg_state *st)
{
	const struct pin_params params = DECIDE_PIN_DEFAULTS;
	uint64_t mem[NUMAB_MAX_NODES] = {};
	uint64_t window_ns = manager_window_usec(m) * 1000;
	struct pin_input in = {
		.topo = m->topo,
		.eligible_nodes = r->effective.nodes & cg_policy_mems(c),
		.cpu_demand = window_ns ? (double)c->cpu_ns_total / (double)window_ns : 0.0,
		.mem_bytes = mem,
		.span = MIN(m->cur->span, (unsigned)NUMAB_MAX_NODES),
		.current = st->pinned_nodes,
	};
	uint64_t target;

	for (unsigned n = 0; n < in.span; n++)
		mem[n] = cg_movable_bytes(c, n);
	target = decide_pin_nodes(&params, &in);
	if (!target || target == st->pinned_nodes || !st->pinned_nodes) {
		st->pin_candidate = 0;
		st->pin_candidate_evals = 0;
		return target;
	}
	/* Hysteresis: a new set must win PIN_SWITCH_EVALS evaluations in a row. */
	if (target == st->pin_candidate)
		st->pin_candidate_evals++;
	else {
		st->pin_candidate = target;
		st->pin_candidate_evals = 1;
	}
	if (st->pin_candidate_evals < PIN_SWITCH_EVALS)
		return st->pinned_nodes;
	st->pin_candidate = 0;
	st->pin_candidate_evals = 0;
	return target;
}

/* Memory of the cgroup outside set may be at most this share before pin=hard binds. */
#define PIN_HARD_OUTSIDE_PERMILLE 20

/*
 * pin=hard: once the budgeted moves brought the cgroup's memory into set, narrow its
 * cpuset.mems to set (cpuset-bind.c), so the kernel keeps it there; before that, say what it
 * waits for. Every refusal leaves the soft pin in force and says why.
 */
static void pin_hard(struct manager *m, const struct cg_sample *c, struct cg_state *st,
		     uint64_t set)
{
	char buf[NODEMASK_FORMAT_MAX];
	uint64_t inside = 0, total;
	int r;

	if (m->opts.dry_run || !m->binds) {
		note_append(st, "pin=hard: cpuset.mems would be narrowed to %s",
			    nodemask_format(buf, sizeof(buf), set));
		return;
	}
	total = cg_movable_total(c, m->cur->span);
	NODEMASK_FOREACH(n, set)
		inside += cg_movable_bytes(c, (unsigned)n);
	if (!c->has_numa_stat || (total - inside) * 1000 > total * PIN_HARD_OUTSIDE_PERMILLE) {
		note_append(st, "pin=hard: cpuset.mems is narrowed once the memory is on %s (%u%% "
				"there now)", nodemask_format(buf, sizeof(buf), set),
			    total ? (unsigned)(inside * 100 / total) : 0);
		return;
	}
	r = cpuset_binds_apply(m->binds, c->path, set);
	switch (r) {
	case 0:
		note_append(st, "pin=hard: cpuset.mems=%s (restored when numabd stops or the mode "
				"changes)", nodemask_format(buf, sizeof(buf), set));
		break;
	case -ENOENT:
		note_append(st, "pin=hard: the cgroup has no cpuset.mems (cpuset is not enabled in "
				"its parent's cgroup.subtree_control): pinned by affinity only");
		break;
	case -EBUSY:
		note_append(st, "pin=hard: cpuset.mems was narrowed by someone else: left alone, "
				"pinned by affinity only");
		break;
	case -EPERM:
		note_append(st, "pin=hard: systemd owns this cgroup: set AllowedMemoryNodes= on its "
				"unit (systemctl set-property --runtime); pinned by affinity only");
		break;
	default:
		note_append(st, "pin=hard: writing cpuset.mems failed (%s): pinned by affinity only",
			    strerror(-r));
		break;
	}
}

static void balance_pin(struct manager *m, unsigned idx, const struct policy_result *r,
			struct cg_state *st, uint64_t now_usec)
{
	const struct cg_sample *c = &m->cur->cgroups[idx];
	cpu_set_t *target_cpus = NULL, *allowed = NULL;
	size_t target_size = 0, allowed_size = 0;
	char buf[NODEMASK_FORMAT_MAX];
	uint64_t set;
	int mem_node;

	set = choose_pin_set(m, c, r, st);
	if (!set) {
		balance_note(st, "no eligible node set fits its CPU demand and memory");
		if (st->pinned_nodes)
			balance_unpin(m, idx, st);
		return;
	}
	if (set != st->pinned_nodes) {
		/* A bound cpuset.mems would keep the memory from moving to the new set: unbind,
		 * move, and bind again once the memory is there. */
		if (m->binds && cpuset_binds_release(m->binds, c->path) < 0)
			balance_note(st, "pin=hard: could not restore cpuset.mems before moving");
		if (st->pinned_nodes)
			log_info("cgroup %s: pin moves to nodes %s.", c->path,
				 nodemask_format(buf, sizeof(buf), set));
		else
			log_info("cgroup %s: %s nodes %s.", c->path,
				 m->opts.dry_run ? "would pin to" : "pinned to",
				 nodemask_format(buf, sizeof(buf), set));
		st->pinned_nodes = set;
	}
	st->note[0] = '\0';
	if (r->effective.pin != POLICY_PIN_HARD && m->binds)
		(void)cpuset_binds_release(m->binds, c->path); /* hard -> soft */
	mem_node = pin_memory_node(m, c, set);
	if (cpus_of_nodes(m->topo, set, &target_cpus, &target_size) < 0 ||
	    allowed_cpus(m, c, &allowed, &allowed_size) < 0) {
		log_oom();
		goto out;
	}

	for (unsigned j = 0; j < c->n_procs; j++) {
		const struct proc_sample *p = &c->procs[j];
		struct managed_proc *mp = balance_scan_proc(m, st, p, NULL);
		const struct procmem_estimate *est;
		struct affinity_result ar = {};
		uint64_t outside = 0;
		int stop = ACTUATE_STOP_PASS;

		if (!mp)
			continue;
		est = procmem_estimate_get(mp->pm);
		for (unsigned n = 0; n < NUMAB_MAX_NODES; n++)
			if (!nodemask_test(set, n))
				outside += est->bytes_per_node[n];
		/* Memory first (DESIGN §5): threads follow once nothing is left outside. */
		if (outside > 0 || !est->complete)
			stop = move_process(m, c, st, mp, mem_node, m->topo->node_mask & ~set,
					    outside, now_usec);
		/* Still moving (budget or time ran out): threads wait for their memory. Memory
		 * that cannot move (pinned pages, a full node, a cpuset) does not hold them back. */
		if (outside > 0 &&
		    (stop == -1 || stop == ACTUATE_STOP_BUDGET || stop == ACTUATE_STOP_TIME)) {
			st->pending = true;
			continue;
		}
		if (m->opts.dry_run)
			continue;
		if (affinity_place(m->journal, m->roots.proc_fd, p->pid, p->start_time, c->path,
				   target_cpus, target_size, allowed, allowed_size, &ar) < 0) {
			balance_note(st, "could not write the affinity journal: threads not placed");
			continue;
		}
		mp->placed = true;
		st->stats.tasks_placed += ar.placed;
		if (ar.narrowed)
			balance_note(st, "%u thread%s of %d left alone: affinity narrowed by someone else",
			     ar.narrowed, ar.narrowed == 1 ? "" : "s", p->pid);
		if (ar.failed)
			st->stats.failures[stats_failure_from_errno(ar.first_error)] += ar.failed;
	}
	if (r->effective.pin == POLICY_PIN_HARD)
		pin_hard(m, c, st, set);
	if (m->autonuma > 0) {
		/* Say whether the kernel still scans it: soft pin sets affinity, not cpuset.mems;
		 * a bound cpuset.mems exempts only where it allows one node (6.16+). */
		struct autonuma_verdict an = manager_autonuma(m, idx);

		if (an.state == AUTONUMA_SCANNED && m->binds && cpuset_binds_has(m->binds, c->path))
			note_append(st, "AutoNUMA still scans it: a cpuset.mems of one node exempts a "
					"cgroup only since Linux 6.16");
		else if (an.state == AUTONUMA_SCANNED)
			note_append(st, "AutoNUMA still scans it: pin sets thread affinity only, and "
					"only a cpuset.mems of one node exempts a cgroup (Linux 6.16+)");
		else if (an.state == AUTONUMA_EXEMPT)
			note_append(st, "exempt from AutoNUMA: %s", an.reason);
	}
out:
	if (target_cpus)
		CPU_FREE(target_cpus);
	if (allowed)
		CPU_FREE(allowed);
}

void balance_unpin(struct manager *m, unsigned idx, struct cg_state *st)
{
	const struct cg_sample *c = &m->cur->cgroups[idx];

	st->pinned_nodes = 0;
	st->pin_candidate = 0;
	st->pin_candidate_evals = 0;
	if (m->opts.dry_run)
		return;
	if (m->binds)
		(void)cpuset_binds_release(m->binds, c->path);
	for (unsigned j = 0; j < c->n_procs; j++) {
		struct affinity_result ar = {};

		if (affinity_restore(m->journal, m->roots.proc_fd, c->procs[j].pid,
				     c->procs[j].start_time, &ar) >= 0)
			st->stats.tasks_restored += ar.restored;
	}
	log_info("cgroup %s: unpinned.", c->path);
}

void balance_kernel_detach(struct manager *m, unsigned idx, struct cg_state *st)
{
	close(st->kops_fd);
	st->kops_fd = -1;
	log_info("cgroup %s: in-kernel bpf_numab_ops detached.", m->cur->cgroups[idx].path);
}

/* Mode kernel without bpf_numab_ops: the global AutoNUMA has the cgroup, or nobody has. */
static void kernel_autonuma_note(struct manager *m, unsigned idx, struct cg_state *st)
{
	const struct cg_sample *c = &m->cur->cgroups[idx];
	struct autonuma_verdict an = manager_autonuma(m, idx);
	int p = m->prev ? snapshot_find(m->prev, c->path) : -1;

	if (m->autonuma <= 0) {
		balance_note(st, "left to AutoNUMA, but kernel.numa_balancing=%d: nothing balances "
				 "it (this kernel has no bpf_numab_ops)", m->autonuma);
		return;
	}
	if (an.state == AUTONUMA_EXEMPT) {
		balance_note(st, "left to AutoNUMA (kernel.numa_balancing=%d), which skips it: %s",
			     m->autonuma, an.reason);
		return;
	}
	balance_note(st, "left to AutoNUMA (kernel.numa_balancing=%d; this kernel has no "
			 "bpf_numab_ops)", m->autonuma);
	if (p >= 0 && c->has_counters && m->prev->cgroups[p].has_counters) {
		const uint64_t *now = c->counters, *was = m->prev->cgroups[p].counters;

		note_append(st, "last %.0f s: %llu hint faults, %llu pages migrated by the kernel",
			    (double)manager_window_usec(m) / 1e6,
			    (unsigned long long)(now[CG_NUMA_HINT_FAULTS] -
						 MIN(now[CG_NUMA_HINT_FAULTS], was[CG_NUMA_HINT_FAULTS])),
			    (unsigned long long)(now[CG_NUMA_PAGES_MIGRATED] -
						 MIN(now[CG_NUMA_PAGES_MIGRATED],
						     was[CG_NUMA_PAGES_MIGRATED])));
	}
}

/*
 * Mode kernel. On a kernel with bpf_numab_ops (the numab series) the kernel balances the
 * cgroup on its own, kernel.numa_balancing staying 0: numabd attaches an ops that enables it,
 * in memory tiering mode too when the cgroup may use slow-tier nodes, with the cgroup's hot
 * threshold. Elsewhere the cgroup is left to the global AutoNUMA.
 */
static void balance_kernel(struct manager *m, unsigned idx, const struct policy_result *r,
			   struct cg_state *st)
{
	const struct cg_sample *c = &m->cur->cgroups[idx];
	uint64_t hot = r->effective.hot_threshold_usec / 1000;
	uint32_t hot_ms = hot > UINT32_MAX ? UINT32_MAX : (uint32_t)hot;
	bool tiering = (m->topo->slow_node_mask & r->effective.nodes) != 0;
	int fd;

	if (!m->kops) {
		kernel_autonuma_note(m, idx, st);
		return;
	}
	if (st->kops_fd >= 0 && (st->kops_hot_ms != hot_ms || st->kops_tiering != tiering))
		balance_kernel_detach(m, idx, st);
	if (st->kops_fd < 0 && !m->opts.dry_run) {
		fd = kops_attach(c->id, tiering, hot_ms);
		if (fd < 0) {
			balance_note(st, "cannot attach the in-kernel bpf_numab_ops: %s", strerror(-fd));
			return;
		}
		st->kops_fd = fd;
		st->kops_hot_ms = hot_ms;
		st->kops_tiering = tiering;
		log_info("cgroup %s: in-kernel bpf_numab_ops attached (%s, hot threshold %u ms).",
			 c->path, tiering ? "normal and tiering" : "normal", hot_ms);
	}
	balance_note(st, "balanced by the kernel: bpf_numab_ops%s (%s, hot threshold %u ms)",
	     m->opts.dry_run ? " would be attached" : " attached by numabd",
	     tiering ? "normal and tiering" : "normal", hot_ms);
}

void balance_cgroup(struct manager *m, unsigned idx, const struct policy_result *r,
		    struct cg_state *st, uint64_t now_usec)
{
	char buf[FORMAT_BYTES_MAX];

	st->stats.evaluations++;
	st->pending = false;
	memset(st->verdicts, 0, sizeof(st->verdicts));
	st->own_policy_procs = 0;
	st->own_policy_bytes = 0;
	st->note[0] = '\0';
	st->move_asked = false;
	if (policy_result_no_eligible_nodes(r)) {
		st->move_note[0] = '\0';
		balance_note(st, "no eligible nodes");
		st->last_eval_usec = now_usec;
		return;
	}
	switch (r->effective.mode) {
	case POLICY_MODE_FOLLOW:
		balance_follow(m, idx, r, st, now_usec);
		break;
	case POLICY_MODE_PIN:
		balance_pin(m, idx, r, st, now_usec);
		break;
	case POLICY_MODE_KERNEL:
		balance_kernel(m, idx, r, st);
		break;
	case POLICY_MODE_INTERLEAVE:
		balance_interleave(m, idx, r, st, now_usec);
		break;
	case POLICY_MODE_TIER:
		balance_tier(m, idx, r, st, now_usec);
		break;
	default:
		balance_note(st, "mode %s is not available in this version of numabd",
			     policy_mode_to_string(r->effective.mode));
		break;
	}
	/* What stopped an earlier move no longer matters when nothing is to move. */
	if (!st->move_asked)
		st->move_note[0] = '\0';
	/* Memory placed by a process's own policy is never moved, in any mode (DESIGN §5). */
	if (st->own_policy_procs)
		note_append(st, "%u process%s placed %s by %s own memory policy (bind, interleave "
				"or preferred): %s",
			    st->own_policy_procs, st->own_policy_procs == 1 ? "" : "es",
			    format_bytes(buf, sizeof(buf), st->own_policy_bytes),
			    st->own_policy_procs == 1 ? "its" : "their",
			    r->effective.mode == POLICY_MODE_PIN ? "threads placed, those pages stay"
								 : "those pages stay where they are");
	st->last_eval_usec = now_usec;
}
