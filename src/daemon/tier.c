/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tier mode: hot memory on the top tier, cold memory below.
 *
 * On a machine with a slower memory tier (CPU-less nodes: CXL expanders; the kernel's
 * memory_tiering says which, else numab treats CPU-less nodes as slower), each tier cgroup's
 * pages that are hotter than its hot_threshold and sit on a slow node are promoted to the fast
 * node where the process's CPU time runs; when a fast node runs short of free memory (below
 * 3% / 64 MiB), the coldest pages of tier cgroups on it are demoted to the nearest slow node
 * until it has 6% / 128 MiB free again. Both go through the move_pages engine within the
 * cgroup's budget, like follow; memory a process placed by its own policy is never moved.
 *
 * Heat. DAMON's virtual address monitoring of the process (sysfs/damon.c): one kdamond per
 * monitored process with DAMON's default intervals (5 ms sampling, 100 ms aggregation),
 * read at each evaluation through a "stat" scheme's tried regions; core/heat.c turns
 * nr_accesses and age into hot/cold. DAMON on the physical address space with a memcg filter
 * would cover whole cgroups with one kdamond, but its regions are physical addresses, which
 * move_pages cannot take: numabd would have to let DAMOS migrate (migrate_hot/migrate_cold,
 * 6.11+) outside numab's budgets and ownership checks. So: per-process monitoring, for at
 * most TIER_MAX_MONITORED processes at once (the largest of each cgroup first); the rest
 * are reported as unmonitored.
 *
 * DAMON's sysfs interface is one global tree. numabd configures it only when a tier cgroup
 * has processes, sizes nr_kdamonds once (TIER_MAX_MONITORED: it cannot change while any
 * kdamond runs), records that in the state directory before it does, stops a kdamond when its
 * process leaves (a vaddr kdamond also stops by itself when its process exits), gives the
 * interface back (nr_kdamonds=0) when nothing is monitored and when it exits, and at start
 * stops what a killed numabd left. Where DAMON is missing (Debian's 6.1), held exclusively by
 * one of the kernel's DAMON modules (Debian's 7.x enables DAMON_STAT at boot), or used by
 * another tool, tier cgroups say why and are left alone; numabd looks again every 30 s.
 *
 * AutoNUMA in either mode balances the same pages (normal mode moves misplaced pages, tiering
 * mode promotes hot ones): numabd leaves a tier cgroup the kernel scans, as in follow.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/manager-state.h"
#include "daemon/tier.h"
#include "shared/fileio.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "shared/parse-util.h"
#include "sysfs/damon.h"
#include "sysfs/proc-read.h"

/* How often an unavailable DAMON is looked at again. */
#define TIER_REPROBE_USEC (30ull * 1000 * 1000)
/* Time one tick may spend waiting for kdamonds to list their regions (each write returns
 * after the kdamond's next aggregation, up to 100 ms); the rest waits for the next tick. */
#define TIER_REFRESH_TIME_USEC (400ull * 1000)
/* Regions younger than this are reused rather than asked for again. */
#define TIER_REFRESH_MIN_USEC (900ull * 1000)
/* DAMON's regions need a few update intervals (1 s) to adapt to the address space. */
#define TIER_WARMUP_USEC (3ull * 1000 * 1000)
/* A slot whose process was not evaluated for this many ticks (or three of its cgroup's
 * intervals) is given back. */
#define TIER_SLOT_IDLE_TICKS 60
/* The record of numabd's kdamonds in the state directory. */
#define TIER_RECORD "damon-kdamonds"

struct tier_slot {
	pid_t pid;                    /* 0: free */
	uint64_t start_time;
	char *cgroup;                 /* the tier cgroup it monitors for */
	uint64_t started_usec;        /* when its kdamond started */
	uint64_t used_tick;           /* last tick an evaluation used it */
	uint64_t idle_ticks;          /* given back when not used for this many ticks */
	struct heat_region *regions;  /* at regions_usec */
	size_t n_regions;
	uint64_t regions_usec;
	struct heat_region *prev;     /* the read before, at prev_usec */
	size_t n_prev;
	uint64_t prev_usec;
	struct heat_record record;    /* per address range, for demotion */
};

struct tier {
	int sysfs_fd, state_fd;       /* borrowed */
	struct damon_admin *admin;    /* NULL: DAMON not configured by numabd now */
	struct damon_attrs attrs;
	struct tier_slot slots[TIER_MAX_MONITORED];
	bool probed;                  /* DAMON was looked at */
	bool unavailable;
	char reason[256];             /* why, when unavailable */
	uint64_t probed_usec;
	uint64_t refresh_tick, refresh_spent_usec;
	uint64_t free_tick;
	uint64_t free_bytes[NUMAB_MAX_NODES]; /* this tick, less what tier moved onto a node */
};

/* ---------------------------------------------------------------- record and lifecycle */

static unsigned read_record(int state_fd)
{
	char buf[32];
	unsigned n;

	if (state_fd < 0 || read_line_at(state_fd, TIER_RECORD, buf, sizeof(buf)) < 0 ||
	    safe_atou(buf, &n) < 0)
		return 0;
	return n;
}

static int write_record(int state_fd, unsigned n)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%u\n", n);

	if (state_fd < 0)
		return 0;
	return write_file_atomic_at(state_fd, TIER_RECORD, buf, (size_t)len, 0600);
}

static void remove_record(int state_fd)
{
	if (state_fd >= 0)
		(void)unlinkat(state_fd, TIER_RECORD, 0);
}

int tier_new(int sysfs_fd, int state_fd, struct tier **ret)
{
	struct tier *t = calloc(1, sizeof(*t));
	unsigned owned;

	if (!t)
		return -ENOMEM;
	t->sysfs_fd = sysfs_fd;
	t->state_fd = state_fd;
	t->attrs = DAMON_ATTRS_DEFAULT;

	/* A numabd that was killed could not stop its kdamonds: do it now, if the tree still
	 * looks the way it left it (the same number of kdamonds). */
	owned = read_record(state_fd);
	if (owned > 0) {
		struct damon_probe p;
		unsigned stopped = 0;
		int r = damon_probe(sysfs_fd, owned, &p);

		if (r >= 0 && p.state != DAMON_MISSING && p.nr_kdamonds == owned) {
			r = damon_stop_all(sysfs_fd, &stopped);
			if (r < 0)
				log_warning_errno(r, "Failed to stop the kdamonds a previous numabd "
						  "left, ignoring: %m");
			else
				log_notice("Stopped %u kdamond%s a previous numabd left running; "
					   "DAMON's sysfs interface is free again.",
					   stopped, stopped == 1 ? "" : "s");
		} else if (r >= 0) {
			log_info("A previous numabd configured %u kdamonds; DAMON has %u now: "
				 "someone else reconfigured it, left as it is.",
				 owned, p.nr_kdamonds);
		}
		remove_record(state_fd);
	}
	*ret = t;
	return 0;
}

static void slot_clear(struct tier_slot *s)
{
	free(s->cgroup);
	free(s->regions);
	free(s->prev);
	heat_record_clear(&s->record);
	*s = (struct tier_slot){};
}

/* Give DAMON's interface back. */
static void admin_close(struct tier *t)
{
	if (!t->admin)
		return;
	for (unsigned i = 0; i < TIER_MAX_MONITORED; i++)
		slot_clear(&t->slots[i]);
	t->admin = damon_admin_free(t->admin);
	remove_record(t->state_fd);
	log_info("tier: no process monitored any more; DAMON's kdamonds released.");
}

struct tier *tier_free(struct tier *t)
{
	if (!t)
		return NULL;
	admin_close(t);
	free(t);
	return NULL;
}

const char *tier_unavailable(const struct tier *t)
{
	return t && t->probed && t->unavailable ? t->reason : NULL;
}

void tier_retry(struct tier *t)
{
	if (t)
		t->probed_usec = 0;
}

unsigned tier_n_monitored(const struct tier *t)
{
	unsigned n = 0;

	for (unsigned i = 0; t && t->admin && i < TIER_MAX_MONITORED; i++)
		n += t->slots[i].pid > 0;
	return n;
}

static void set_unavailable(struct tier *t, const char *reason)
{
	if (!t->unavailable || !streq(t->reason, reason))
		log_notice("tier mode unavailable: %s.", reason);
	t->unavailable = true;
	snprintf(t->reason, sizeof(t->reason), "%s", reason);
}

/* Whether DAMON's sysfs interface is there and free (read only; an unavailable one is looked
 * at again after TIER_REPROBE_USEC). 0, or a negative errno (t->reason says why). */
static int probe(struct tier *t, uint64_t now_usec, struct damon_probe *ret)
{
	char buf[256];
	int r;

	if (t->probed && t->unavailable && t->probed_usec &&
	    now_usec - t->probed_usec < TIER_REPROBE_USEC)
		return -EAGAIN;
	t->probed = true;
	t->probed_usec = now_usec;
	r = damon_probe(t->sysfs_fd, 0, ret);
	if (r < 0) {
		snprintf(buf, sizeof(buf), "cannot read DAMON's sysfs interface: %s", strerror(-r));
		set_unavailable(t, buf);
		return r;
	}
	if (ret->state != DAMON_AVAILABLE) {
		set_unavailable(t, damon_probe_reason(ret, buf, sizeof(buf)));
		return -EBUSY;
	}
	if (t->unavailable)
		log_notice("tier mode: DAMON is available now.");
	t->unavailable = false;
	t->reason[0] = '\0';
	return 0;
}

/* Configure DAMON for numabd if it is not yet. 0, or a negative errno (t->reason says why). */
static int admin_open(struct tier *t, uint64_t now_usec)
{
	struct damon_probe p;
	char buf[256];
	int r;

	if (t->admin)
		return 0;
	r = probe(t, now_usec, &p);
	if (r < 0)
		return r;
	if (p.nr_kdamonds > 0)
		log_notice("tier: DAMON has %u stopped kdamond configuration%s of another tool; "
			   "numabd replaces %s.", p.nr_kdamonds, p.nr_kdamonds == 1 ? "" : "s",
			   p.nr_kdamonds == 1 ? "it" : "them");
	r = write_record(t->state_fd, TIER_MAX_MONITORED);
	if (r < 0)
		log_warning_errno(r, "Failed to record numabd's kdamonds in the state directory, "
				  "ignoring: %m");
	r = damon_admin_open(t->sysfs_fd, TIER_MAX_MONITORED, &t->admin);
	if (r < 0) {
		remove_record(t->state_fd);
		snprintf(buf, sizeof(buf), "cannot configure DAMON's kdamonds: %s", strerror(-r));
		set_unavailable(t, buf);
		return r;
	}
	log_info("tier: DAMON configured for up to %u monitored processes.", TIER_MAX_MONITORED);
	return 0;
}

/* ---------------------------------------------------------------- slots */

static int slot_find(const struct tier *t, pid_t pid, uint64_t start_time)
{
	for (int i = 0; i < TIER_MAX_MONITORED; i++)
		if (t->slots[i].pid == pid && t->slots[i].start_time == start_time)
			return i;
	return -1;
}

static int slot_free_index(const struct tier *t)
{
	for (int i = 0; i < TIER_MAX_MONITORED; i++)
		if (t->slots[i].pid == 0)
			return i;
	return -1;
}

static void slot_release(struct tier *t, int i)
{
	int r = damon_admin_stop(t->admin, (unsigned)i);

	if (r < 0 && !errno_is_gone(r))
		log_debug_errno(r, "tier: failed to stop kdamond %d, ignoring: %m", i);
	log_debug("tier: kdamond %d released (pid %d).", i, t->slots[i].pid);
	slot_clear(&t->slots[i]);
}

/* Start monitoring a process in slot i. 0, or a negative errno (-ESRCH: it is gone). */
static int slot_start(struct tier *t, int i, pid_t pid, uint64_t start_time, const char *cgroup,
		      uint64_t now_usec)
{
	struct tier_slot *s = &t->slots[i];
	int r;

	r = damon_admin_start(t->admin, (unsigned)i, pid, &t->attrs);
	if (r == -EOPNOTSUPP) {
		set_unavailable(t, "this kernel's DAMON has no virtual address monitoring "
				   "(CONFIG_DAMON_VADDR)");
		return r;
	}
	if (r == -EBUSY) {
		struct damon_probe p;
		char buf[256];

		/* An exclusive DAMON module started since numabd configured DAMON. */
		if (damon_probe(t->sysfs_fd, TIER_MAX_MONITORED, &p) >= 0 &&
		    p.state != DAMON_AVAILABLE)
			set_unavailable(t, damon_probe_reason(&p, buf, sizeof(buf)));
		else
			set_unavailable(t, "DAMON refused to start a kdamond (busy)");
		t->probed_usec = now_usec;
		return r;
	}
	if (r < 0)
		return r;
	s->pid = pid;
	s->start_time = start_time;
	s->cgroup = strdup(cgroup);
	s->started_usec = now_usec;
	if (!s->cgroup) {
		slot_release(t, i);
		return -ENOMEM;
	}
	log_debug("tier: kdamond %d monitors pid %d of %s.", i, pid, cgroup);
	return 0;
}

/* Fresh regions for slot i, within the tick's time for it. 0 (maybe with the previous
 * regions), -ESRCH when its kdamond stopped (the process exited), or a negative errno. */
static int slot_refresh(struct tier *t, int i, uint64_t tick, uint64_t now_usec)
{
	struct tier_slot *s = &t->slots[i];
	struct heat_region *regions;
	struct heat_attrs ha;
	uint64_t t0, t1;
	size_t n;
	int r;

	if (s->regions_usec && now_usec - s->regions_usec < TIER_REFRESH_MIN_USEC)
		return 0;
	if (t->refresh_tick != tick) {
		t->refresh_tick = tick;
		t->refresh_spent_usec = 0;
	}
	if (t->refresh_spent_usec >= TIER_REFRESH_TIME_USEC)
		return 0;
	t0 = manager_now_usec();
	r = damon_admin_regions(t->admin, (unsigned)i, &regions, &n);
	t1 = manager_now_usec();
	t->refresh_spent_usec += t1 - t0;
	if (r < 0)
		return r;
	ha = (struct heat_attrs){
		.sample_usec = t->attrs.sample_usec,
		.aggr_usec = t->attrs.aggr_usec,
		.monitored_usec = t1 - s->started_usec,
		.now_usec = t1,
	};
	heat_update(&ha, s->regions, s->n_regions, regions, n);
	if (heat_record_update(&s->record, &ha, regions, n) < 0)
		log_oom(); /* nothing is cold until the record is rebuilt */
	free(s->prev);
	s->prev = s->regions;
	s->n_prev = s->n_regions;
	s->prev_usec = s->regions_usec;
	s->regions = regions;
	s->n_regions = n;
	s->regions_usec = t1;
	return 0;
}

/* ---------------------------------------------------------------- acting */

static void sync_free(struct tier *t, const struct manager *m)
{
	if (t->free_tick == m->tick)
		return;
	t->free_tick = m->tick;
	for (unsigned n = 0; n < NUMAB_MAX_NODES; n++)
		t->free_bytes[n] = nodemask_test(m->topo->node_mask, n)
					   ? m->topo->nodes[n].mem_free_bytes
					   : 0;
}

static struct heat_watermarks node_wm(const struct manager *m, int node)
{
	return heat_watermarks(m->topo->nodes[node].mem_total_bytes);
}

static void moved(struct tier *t, const struct actuate_result *res, int target)
{
	for (unsigned n = 0; n < NUMAB_MAX_NODES; n++) {
		uint64_t b = res->moved_bytes[n];

		if (!b)
			continue;
		t->free_bytes[n] += b;
		t->free_bytes[target] = t->free_bytes[target] > b ? t->free_bytes[target] - b : 0;
	}
}

/*
 * Move the windows of pm on from_nodes to target within want_bytes and room_bytes. Returns the
 * bytes moved (or that would move, in dry run), and the engine's stop reason in *ret_stop:
 * ACTUATE_STOP_PASS also when no window holds memory numabd may move, -1 when nothing was
 * attempted (no room, budget empty: the note says which).
 */
static uint64_t move_windows(struct manager *m, const struct cg_sample *c, struct cg_state *st,
			     struct managed_proc *mp, const struct heat_window *w, size_t n_w,
			     int target, uint64_t from_nodes, uint64_t want_bytes,
			     uint64_t room_bytes, uint64_t now_usec, int *ret_stop)
{
	_cleanup_free_ struct procmem_window *pw = NULL;
	struct procmem *view = NULL;
	struct actuate_result res = {};
	int stop;

	*ret_stop = ACTUATE_STOP_PASS;
	if (n_w == 0 || want_bytes == 0)
		return 0;
	pw = calloc(n_w, sizeof(*pw));
	if (!pw) {
		log_oom();
		return 0;
	}
	for (size_t i = 0; i < n_w; i++)
		pw[i] = (struct procmem_window){ w[i].start, w[i].end };
	if (procmem_view_new(mp->pm, pw, n_w, &view) < 0) {
		log_oom();
		return 0;
	}
	if (view->n_ranges == 0) {
		procmem_free(view);
		return 0;
	}
	stop = balance_move(m, c, st, view, target, from_nodes, want_bytes, room_bytes, now_usec,
			    &res);
	procmem_free(view);
	*ret_stop = stop;
	if (stop < 0)
		return 0;
	/* The view's estimate saw the move; the process's own estimate must too. */
	for (unsigned n = 0; n < NUMAB_MAX_NODES; n++)
		if (res.moved_bytes[n] && !m->opts.dry_run)
			procmem_note_moved(mp->pm, (int)n, target, res.moved_bytes[n]);
	if (!m->opts.dry_run)
		moved(m->tier, &res, target);
	return res.moved_bytes_total;
}

/* Bytes of [start, end) that the process has mapped and numabd may move (DAMON's regions also
 * cover the holes between mappings); *j: a cursor into pm's ranges for ascending queries. */
static uint64_t mapped_bytes(const struct procmem *pm, size_t *j, uint64_t start, uint64_t end)
{
	uint64_t b = 0;

	while (*j < pm->n_ranges && pm->ranges[*j].end <= start)
		(*j)++;
	for (size_t q = *j; q < pm->n_ranges && pm->ranges[q].start < end; q++)
		b += MIN(end, pm->ranges[q].end) - MAX(start, pm->ranges[q].start);
	return b;
}

/* Mapped bytes of each heat class: hot by the regions, cold by the record, warm the rest. */
static void mapped_totals(const struct heat_attrs *a, const struct tier_slot *s,
			  const struct procmem *pm, uint64_t hot, uint64_t ret[_HEAT_CLASS_MAX])
{
	uint64_t total = 0;
	size_t j = 0;

	memset(ret, 0, sizeof(uint64_t) * _HEAT_CLASS_MAX);
	for (size_t i = 0; i < s->n_regions; i++) {
		const struct heat_region *r = &s->regions[i];
		uint64_t b = mapped_bytes(pm, &j, r->start, r->end);

		total += b;
		if (heat_region_hot(a, r, hot))
			ret[HEAT_HOT] += b;
	}
	j = 0;
	for (size_t i = 0; i < s->record.n; i++) {
		const struct heat_span *sp = &s->record.spans[i];

		if (heat_span_cold(a, sp, hot))
			ret[HEAT_COLD] += mapped_bytes(pm, &j, sp->start, sp->end);
	}
	ret[HEAT_WARM] = total > ret[HEAT_HOT] + ret[HEAT_COLD]
				 ? total - ret[HEAT_HOT] - ret[HEAT_COLD]
				 : 0;
}

/*
 * Demote up to want_bytes of the process's pages on node `from` to `target`, coldest windows
 * first (cold by the record: idle at several reads and for the threshold, see heat.h):
 * windows idle for about as long (1 s buckets) go in one engine pass, in address order.
 * False on OOM.
 */
static bool demote(struct manager *m, const struct cg_sample *c, struct cg_state *st,
		   struct managed_proc *mp, const struct heat_attrs *ha, const struct tier_slot *s,
		   uint64_t hot, int from, int target, uint64_t want_bytes, uint64_t now_usec)
{
	_cleanup_free_ struct heat_window *w = NULL;
	_cleanup_free_ size_t *groups = NULL;
	size_t n_w, n_groups, first = 0;
	uint64_t bytes, done = 0;
	int stop = -1;

	if (heat_record_cold(&s->record, ha, hot, &w, &n_w, &bytes) < 0)
		return log_oom(), false;
	if (n_w == 0)
		return true;
	groups = calloc(n_w, sizeof(*groups));
	if (!groups)
		return log_oom(), false;
	heat_order_cold(w, n_w, 1000 * 1000, groups, &n_groups);
	for (size_t g = 0; g < n_groups && done < want_bytes; g++) {
		done += move_windows(m, c, st, mp, w + first, groups[g] - first, target,
				     nodemask_of((unsigned)from), want_bytes - done,
				     want_bytes - done, now_usec, &stop);
		first = groups[g];
		if (stop < 0 || stop == ACTUATE_STOP_BUDGET || stop == ACTUATE_STOP_TIME ||
		    stop == ACTUATE_STOP_NO_ROOM || stop == ACTUATE_STOP_STUCK ||
		    stop == ACTUATE_STOP_NOT_ALLOWED || stop == ACTUATE_STOP_VANISHED)
			break;
	}
	st->tier.demoted_bytes += m->opts.dry_run ? 0 : done;
	if (done)
		log_info("%s: node %d runs short of free memory: %s %llu KiB of cold memory of %d "
			 "to node %d.", c->path, from, m->opts.dry_run ? "would demote" : "demoted",
			 (unsigned long long)(done >> 10), mp->pm->pid, target);
	if (stop == ACTUATE_STOP_BUDGET || stop == ACTUATE_STOP_TIME)
		st->pending = true;
	return true;
}

/* One monitored process of a tier cgroup. Returns false when it could not be judged. */
static bool tier_process(struct manager *m, const struct cg_sample *c, const struct proc_sample *p,
			 const struct policy_result *r, struct cg_state *st,
			 struct managed_proc *mp, int slot, uint64_t fast, uint64_t slow,
			 uint64_t now_usec)
{
	struct tier *t = m->tier;
	struct tier_slot *s = &t->slots[slot];
	const struct procmem_estimate *est = procmem_estimate_get(mp->pm);
	uint64_t hot = r->effective.hot_threshold_usec;
	struct heat_attrs ha = {
		.sample_usec = t->attrs.sample_usec,
		.aggr_usec = t->attrs.aggr_usec,
		.monitored_usec = s->regions_usec - s->started_usec,
		.now_usec = s->regions_usec,
	};
	uint64_t heat[_HEAT_CLASS_MAX], allowed, slow_bytes = 0;
	unsigned span = MIN(m->cur->span, (unsigned)NUMAB_MAX_NODES);
	int home, stop;

	if (proc_read_mems_allowed(m->roots.proc_fd, p->pid, &allowed) < 0)
		return false;
	fast &= allowed;
	slow &= allowed;
	if (!s->regions_usec || ha.monitored_usec < TIER_WARMUP_USEC) {
		st->tier.warming++;
		st->pending = true;
		return false;
	}
	mapped_totals(&ha, s, mp->pm, hot, heat);
	for (int k = 0; k < _HEAT_CLASS_MAX; k++)
		st->tier.heat_bytes[k] += heat[k];
	if (!fast)
		return true;

	/* Promote: hot windows, pages on slow nodes, to the home node, above its high mark. The
	 * home is where the process's CPU time ran; where numabd has no per-process numbers
	 * (a cgroup a program made tier since the snapshot), the cgroup's. */
	home = heat_home_node(p->cpu_ns && p->cpu_ns_total ? p->cpu_ns : c->cpu_ns,
			      est->bytes_per_node, span, fast);
	for (unsigned k = 0; k < span; k++)
		if (nodemask_test(slow, k))
			slow_bytes += est->bytes_per_node[k];
	if (home >= 0 && slow && slow_bytes && heat[HEAT_HOT] > 0 && s->prev_usec) {
		struct heat_watermarks wm = node_wm(m, home);
		uint64_t room = heat_promote_room(&wm, t->free_bytes[home]);
		struct heat_attrs ha_prev = ha;
		_cleanup_free_ struct heat_window *now_w = NULL, *prev_w = NULL, *w = NULL;
		size_t n_now, n_prev, n_w;
		uint64_t bytes;

		/* Hot at this read and at the one before. */
		ha_prev.now_usec = s->prev_usec;
		ha_prev.monitored_usec = s->prev_usec - s->started_usec;
		if (heat_hot_windows(&ha, s->regions, s->n_regions, hot, &now_w, &n_now, &bytes) < 0 ||
		    heat_hot_windows(&ha_prev, s->prev, s->n_prev, hot, &prev_w, &n_prev, &bytes) < 0 ||
		    heat_intersect(now_w, n_now, prev_w, n_prev, &w, &n_w, &bytes) < 0)
			return log_oom(), false;
		if (n_w == 0) {
			/* Nothing hot twice in a row. */
		} else if (room == 0) {
			balance_note(st, "node %d is at its tier watermark (%llu MiB free): hot "
					 "pages wait", home,
				     (unsigned long long)(t->free_bytes[home] >> 20));
		} else {
			uint64_t up = move_windows(m, c, st, mp, w, n_w, home, slow, MIN(bytes, room),
						   room, now_usec, &stop);

			st->tier.promoted_bytes += m->opts.dry_run ? 0 : up;
			if (up)
				log_debug("%s: %s %llu KiB of hot memory of %d to node %d.", c->path,
					  m->opts.dry_run ? "would promote" : "promoted",
					  (unsigned long long)(up >> 10), p->pid, home);
			if (stop == ACTUATE_STOP_BUDGET || stop == ACTUATE_STOP_TIME)
				st->pending = true;
		}
	}

	/* Demote: from each fast node of the process that runs short, its coldest windows. */
	NODEMASK_FOREACH(n, fast) {
		struct heat_watermarks wm = node_wm(m, n);
		uint64_t need = heat_demote_need(&wm, t->free_bytes[n]), room[NUMAB_MAX_NODES] = {};
		int target;

		if (!need || !slow || est->bytes_per_node[n] == 0)
			continue;
		for (unsigned k = 0; k < span; k++)
			if (nodemask_test(slow, k)) {
				struct heat_watermarks swm = node_wm(m, (int)k);

				room[k] = heat_promote_room(&swm, t->free_bytes[k]);
			}
		target = heat_demotion_target(m->topo, n, slow, room, span);
		if (target < 0) {
			balance_note(st, "node %d runs short of free memory, but no slow node has "
					 "room for its cold pages", n);
			continue;
		}
		if (!demote(m, c, st, mp, &ha, s, hot, n, target, MIN(need, room[target]),
			    now_usec))
			return false;
	}
	return true;
}

struct candidate {
	unsigned proc;                /* index in c->procs */
	struct managed_proc *mp;
	uint64_t resident;
};

static int cmp_candidate(const void *x, const void *y)
{
	const struct candidate *a = x, *b = y;

	if (a->resident != b->resident)
		return a->resident > b->resident ? -1 : 1;
	return a->proc < b->proc ? -1 : a->proc > b->proc;
}

void balance_tier(struct manager *m, unsigned idx, const struct policy_result *r,
		  struct cg_state *st, uint64_t now_usec)
{
	const struct cg_sample *c = &m->cur->cgroups[idx];
	struct tier *t = m->tier;
	uint64_t slow = r->effective.nodes & m->topo->slow_node_mask;
	uint64_t fast = r->effective.nodes & ~m->topo->slow_node_mask;
	_cleanup_free_ struct candidate *cand = NULL;
	char buf[NODEMASK_FORMAT_MAX];
	unsigned n_cand = 0, judged = 0;
	struct tier_cg keep = st->tier;

	st->tier = (struct tier_cg){
		.promoted_bytes = keep.promoted_bytes,
		.demoted_bytes = keep.demoted_bytes,
		.hot_threshold_usec = r->effective.hot_threshold_usec,
	};
	st->note[0] = '\0';
	if (!t) {
		balance_note(st, "tier mode needs the live kernel's DAMON (not with fixture roots)");
		return;
	}
	/* Where there is memory to tier (a slower tier, or CPU-less memory the kernel keeps in
	 * one tier, as Debian's 6.1 does), a kernel without DAMON comes first: that is what an
	 * operator must change. Read only: DAMON is configured once there is something to tier. */
	if ((slow || (m->topo->node_mask & ~m->topo->cpu_node_mask)) && !t->admin) {
		struct damon_probe p;

		if (probe(t, now_usec, &p) < 0) {
			balance_note(st, "tier unavailable: %s", t->unavailable ? t->reason : "DAMON");
			return;
		}
	}
	if (!slow) {
		balance_note(st, "no slower memory tier among its nodes (%s): nothing to tier",
			     nodemask_format(buf, sizeof(buf), r->effective.nodes));
		return;
	}
	if (!fast) {
		balance_note(st, "no top-tier node among its nodes (%s)",
			     nodemask_format(buf, sizeof(buf), r->effective.nodes));
		return;
	}
	if (balance_left_to_autonuma(m, idx, st))
		return;
	if (c->n_procs == 0)
		return;
	if (admin_open(t, now_usec) < 0) {
		balance_note(st, "tier unavailable: %s", t->unavailable ? t->reason : "DAMON");
		return;
	}
	sync_free(t, m);

	cand = calloc(c->n_procs, sizeof(*cand));
	if (!cand) {
		log_oom();
		return;
	}
	for (unsigned j = 0; j < c->n_procs; j++) {
		struct managed_proc *mp = balance_scan_proc(m, st, &c->procs[j], NULL);

		if (!mp)
			continue;
		cand[n_cand++] = (struct candidate){ j, mp,
						     procmem_estimate_get(mp->pm)->resident_bytes };
	}
	/* Monitored processes keep their kdamond; free ones go to the largest processes. */
	qsort(cand, n_cand, sizeof(*cand), cmp_candidate);
	for (unsigned k = 0; k < n_cand; k++) {
		const struct proc_sample *p = &c->procs[cand[k].proc];
		int slot = slot_find(t, p->pid, p->start_time), rr;

		if (slot < 0) {
			slot = slot_free_index(t);
			if (slot < 0) {
				st->tier.unmonitored++;
				continue;
			}
			rr = slot_start(t, slot, p->pid, p->start_time, c->path, now_usec);
			if (rr < 0) {
				if (t->unavailable) {
					balance_note(st, "tier unavailable: %s", t->reason);
					admin_close(t);
					return;
				}
				if (!errno_is_gone(rr))
					log_debug_errno(rr, "tier: cannot monitor %d: %m", p->pid);
				continue;
			}
		}
		t->slots[slot].used_tick = m->tick;
		t->slots[slot].idle_ticks = MAX((uint64_t)TIER_SLOT_IDLE_TICKS,
						3 * r->effective.interval_usec / m->tick_usec);
		st->tier.monitored++;
		rr = slot_refresh(t, slot, m->tick, now_usec);
		if (rr == -ESRCH) {
			slot_release(t, slot);
			continue;
		}
		if (rr < 0)
			log_debug_errno(rr, "tier: cannot read the regions of %d, ignoring: %m",
					p->pid);
		if (tier_process(m, c, p, r, st, cand[k].mp, slot, fast, slow, now_usec))
			judged++;
	}
	if (st->tier.unmonitored && !st->note[0])
		balance_note(st, "DAMON monitors %u of its %u processes (at most %u over all tier "
				 "cgroups)", st->tier.monitored,
			     st->tier.monitored + st->tier.unmonitored, TIER_MAX_MONITORED);
	else if (st->tier.warming && !judged && !st->note[0])
		balance_note(st, "DAMON is learning the access pattern of %u process%s",
			     st->tier.warming, st->tier.warming == 1 ? "" : "es");
}

/* ---------------------------------------------------------------- sweep */

void tier_sweep(struct manager *m)
{
	struct tier *t = m->tier;
	bool any = false;

	if (!t || !t->admin)
		return;
	for (int i = 0; i < TIER_MAX_MONITORED; i++) {
		struct tier_slot *s = &t->slots[i];
		struct cg_state *st;

		if (s->pid == 0)
			continue;
		st = hashmap_get(m->cgroups, s->cgroup);
		if (!st || st->seen_tick != m->tick || st->last_mode != POLICY_MODE_TIER ||
		    !manager_find_proc(m, s->pid, s->start_time) || s->used_tick + s->idle_ticks < m->tick) {
			slot_release(t, i);
			continue;
		}
		any = true;
	}
	if (!any)
		admin_close(t);
}
