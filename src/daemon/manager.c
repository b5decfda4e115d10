/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * numabd's manager.
 *
 * One tick a second: snapshot the cgroup tree (cheap: a few files per cgroup, no tasks),
 * resolve every cgroup's effective policy from config, xattrs and runtime settings, read the
 * processes and threads of the managed cgroups only (that is where a snapshot gets expensive:
 * unmanaged cgroups cost nothing beyond their memory.numa_stat), compute the CPU window
 * against the previous snapshot, and evaluate each managed cgroup whose interval has come.
 * Evaluation and action are in balance.c; budgets bound what one tick may move.
 *
 * State that must outlive a cgroup (runtime settings, by path) lives in the state directory;
 * in-memory state (statistics, budget buckets, per-process scan cursors) is keyed by path or
 * by pid + start time and swept when its cgroup or process is gone. What numabd changes in
 * other processes (thread affinities) is journalled before it is changed and restored on mode
 * change, on SIGTERM, and at the next start after a SIGKILL.
 *
 * With fixture roots (--cgroup-root etc.) the pids are not real processes: numabd then runs as
 * with --dry-run and says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "core/placement.h"
#include "daemon/kops.h"
#include "daemon/manager-state.h"
#include "daemon/move-pool.h"
#include "daemon/program-verbs.h"
#include "daemon/programs.h"
#include "shared/fileio.h"
#include "shared/thread.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "shared/parse-util.h"
#include "sysfs/mempolicy-read.h"
#include "sysfs/snapshot-read.h"
#include "sysfs/topo-read.h"
#include "sysfs/policy-input.h"
#include "sysfs/proc-read.h"

/* The base tick: cgroups are evaluated at their own interval, checked every tick. */
#define MANAGER_TICK_USEC (1000ull * 1000)
/* The first CPU window (the first tick only sees where threads are): long enough for a busy
 * thread to show its node, short enough that numabd acts within a second of starting. */
#define MANAGER_FIRST_WINDOW_USEC (250ull * 1000)
/* A tick that overran its period still leaves the event loop this much before the next. */
#define MANAGER_MIN_GAP_USEC (20ull * 1000)
/* Pause between continuation passes (the control socket and signals are served there). */
#define MANAGER_CONTINUE_USEC (5ull * 1000)
#define MANAGER_TIMER_ACCURACY_USEC (1000ull)
/* Processes not seen in a managed cgroup for this many ticks lose their scan state. */
#define MANAGER_PROC_GRACE_TICKS 3
#define NUMA_BALANCING_SYSCTL "sys/kernel/numa_balancing"

/*
 * move_pages(2) pays a fixed system-wide cost per call (LRU drain on every CPU, an expedited
 * RCU grace period) on top of the per-page work, and what bounds a workload's own stall is
 * the kernel's internal migration batch (512 pages), not the size of our call (DESIGN §10).
 * So numabd makes few large calls: it aims at 50 ms per call and shrinks only past 250 ms,
 * starting at 16 MiB and never below 2 MiB. The calls' durations are reported (numabctl stats)
 * and the workloads' stalls are measured by the workloads (VM tests, bench/).
 * Tried and reverted: 150 ms calls starting at 32 MiB moved no faster in the 6.12/2n bench
 * (misplaced: 10.3 s to 95% against 8.8 s), and the Debian 6.1 guest then hit a soft lockup
 * in numabd's context (CPU stuck for minutes, under TCG) that the 50 ms calls never showed.
 */
static const struct actuate_config engine_config = {
	.target_call_ns = 50ull * 1000 * 1000,
	.max_call_ns = 250ull * 1000 * 1000,
	.min_batch_pages = 512,
	.initial_batch_pages = 4096,
};

/* Move threads: a quarter of the online CPUs, at least 2, at most 8 (move_pages of several
 * processes at once; the rest of the machine keeps running the workloads). */
static unsigned move_threads(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpus < 8)
		return 2;
	return cpus / 4 > 8 ? 8 : (unsigned)(cpus / 4);
}

uint64_t manager_now_usec(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t manager_window_usec(const struct manager *m)
{
	return m->cur && m->prev ? m->cur->timestamp_usec - m->prev->timestamp_usec : 0;
}

static void cg_state_free(void *p)
{
	struct cg_state *st = p;

	/* Closing the link detaches the in-kernel ops (mode kernel). */
	if (st->kops_fd >= 0)
		close(st->kops_fd);
	free(st);
}

static void managed_proc_free(void *p)
{
	struct managed_proc *mp = p;

	procmem_free(mp->pm);
	free(mp);
}

const char *manager_balanced_by(const struct manager *m, const struct cg_state *st,
				enum policy_mode mode)
{
	switch (mode) {
	case POLICY_MODE_OFF:
		return "none";
	case POLICY_MODE_KERNEL:
		if (st && st->kops_fd >= 0)
			return "kernel-bpf";
		return m->autonuma > 0 ? "kernel-autonuma" : "none";
	default:
		return "numabd";
	}
}

int manager_cgroup_id(const struct manager *m, const char *path, uint64_t *ret)
{
	struct stat st;
	int idx = m->cur ? snapshot_find(m->cur, path) : -ENOENT;

	if (idx >= 0) {
		*ret = m->cur->cgroups[idx].id;
		return 0;
	}
	if (m->roots.cgroup_fd < 0 ||
	    fstatat(m->roots.cgroup_fd, streq(path, "/") ? "." : path + 1, &st, 0) < 0 ||
	    !S_ISDIR(st.st_mode))
		return -ENOENT;
	*ret = (uint64_t)st.st_ino;
	return 0;
}

void manager_proc_key(char key[static MANAGER_PROC_KEY_MAX], pid_t pid, uint64_t start_time)
{
	snprintf(key, MANAGER_PROC_KEY_MAX, "%d:%llu", pid, (unsigned long long)start_time);
}

struct managed_proc *manager_find_proc(const struct manager *m, pid_t pid, uint64_t start_time)
{
	char key[MANAGER_PROC_KEY_MAX];

	manager_proc_key(key, pid, start_time);
	return hashmap_get(m->procs, key);
}

struct cg_state *manager_cg_state(struct manager *m, const char *path)
{
	struct cg_state *st = hashmap_get(m->cgroups, path);

	if (st)
		return st;
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->locality = -1.0;
	st->local_policy = -1;
	st->kops_fd = -1;
	if (hashmap_put(m->cgroups, path, st) < 0) {
		free(st);
		return NULL;
	}
	return st;
}

static int read_autonuma(struct manager *m)
{
	return proc_read_numa_balancing(m->roots.proc_fd);
}

struct autonuma_verdict manager_autonuma(const struct manager *m, unsigned idx)
{
	const struct cg_sample *c = &m->cur->cgroups[idx];
	const struct cg_state *st = hashmap_get(m->cgroups, c->path);

	/* The kernel sees the cpuset.mems as it is, bound by pin=hard or not. */
	return autonuma_classify(m->autonuma, m->kernel_version, c->mems_effective,
				 st && st->local_policy > 0);
}

/* How often the memory policies of a cgroup's processes are looked at again (AutoNUMA on). */
#define LOCAL_POLICY_RECHECK_USEC (10ull * 1000 * 1000)

/* Whether AutoNUMA skips every process of cgroup idx for its memory policy (numabctl run,
 * NUMAPolicy=local): one numa_maps line per process, every 10 s, only while AutoNUMA is on. */
static void refresh_local_policy(struct manager *m, unsigned idx, struct cg_state *st,
				 uint64_t now_usec)
{
	const char *path = m->cur->cgroups[idx].path;
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (m->autonuma <= 0) {
		st->local_policy = -1;
		st->local_policy_usec = 0;
		return;
	}
	if (st->local_policy_usec && now_usec - st->local_policy_usec < LOCAL_POLICY_RECHECK_USEC)
		return;
	st->local_policy_usec = now_usec;
	fd = openat(m->roots.cgroup_fd, streq(path, "/") ? "." : path + 1,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = fd < 0 ? negative_errno() : mempolicy_read_cgroup_skips(fd, m->roots.proc_fd, 0);
	st->local_policy = r < 0 ? -1 : (int8_t)r;
}

/* [Daemon] AutoNUMA=off: switch the kernel's balancing off while numabd runs. */
static void autonuma_take_over(struct manager *m)
{
	int r;

	m->autonuma = read_autonuma(m);
	if (m->config->autonuma != CONFIG_AUTONUMA_OFF || m->autonuma <= 0)
		return;
	if (m->opts.dry_run) {
		log_notice("AutoNUMA=off: would set kernel.numa_balancing=0 (now %d); dry run.",
			   m->autonuma);
		return;
	}
	r = write_string_at(m->roots.proc_fd, NUMA_BALANCING_SYSCTL, "0");
	if (r < 0) {
		log_warning_errno(r, "AutoNUMA=off: failed to set kernel.numa_balancing=0, ignoring: %m");
		return;
	}
	log_notice("AutoNUMA=off: kernel.numa_balancing %d -> 0 while numabd runs.", m->autonuma);
	m->autonuma_saved = m->autonuma;
	m->autonuma = 0;
}

static void autonuma_restore(struct manager *m)
{
	char buf[16];
	int r;

	if (m->autonuma_saved < 0)
		return;
	snprintf(buf, sizeof(buf), "%d", m->autonuma_saved);
	r = write_string_at(m->roots.proc_fd, NUMA_BALANCING_SYSCTL, buf);
	if (r < 0)
		log_warning_errno(r, "Failed to restore kernel.numa_balancing=%s: %m", buf);
	else
		log_notice("Restored kernel.numa_balancing=%s.", buf);
	m->autonuma_saved = -1;
}

/* Resolve the policy of m->cur; with run_programs, BPF policy programs run (program-verbs.c). */
static int resolve(struct manager *m, bool run_programs)
{
	struct policy_results *res;
	int r;

	if (!m->cur)
		return 0;
	/* A cpuset.mems numabd narrowed itself (pin=hard) does not narrow the cgroup's eligible
	 * nodes: it may still grow, or move, within what its parent allows (it is unbound first).
	 * Parents come before their children. */
	for (unsigned i = 0; m->binds && i < m->cur->n_cgroups; i++) {
		struct cg_sample *c = &m->cur->cgroups[i];

		if (c->parent >= 0 && cpuset_binds_has(m->binds, c->path))
			c->policy_mems = cg_policy_mems(&m->cur->cgroups[c->parent]);
	}
	r = policy_input_resolve(&m->roots, m->cur, m->topo, m->config, m->settings,
				 run_programs ? program_policy_cb : NULL, m, &res);
	if (r < 0)
		return log_error_errno(r, "Failed to resolve the policy: %m");
	policy_results_free(m->results);
	m->results = res;
	program_sweep(m, res);
	return 0;
}

int manager_resolve(struct manager *m)
{
	return resolve(m, true);
}

/* Tell the sampler which cgroups are managed (per-thread numbers for their processes); the
 * cgroups BPF policy programs govern count too: a program may switch them on this tick. */
static void sync_sampler_marks(struct manager *m)
{
	for (unsigned i = 0; i < m->cur->n_cgroups; i++) {
		const struct cg_sample *c = &m->cur->cgroups[i];
		bool managed = policy_result_managed(&m->results->items[i]) ||
			       program_governs(&m->results->items[i]);
		struct cg_state *st = manager_cg_state(m, c->path);

		if (!st || st->sampler_managed == managed)
			continue;
		if (sampler_set_managed(m->sampler, c->id, managed) < 0)
			log_debug("Sampler: could not mark %s (managed=%d).", c->path, managed);
		else
			st->sampler_managed = managed;
	}
}

static bool due(const struct cg_state *st, const struct policy_result *r, uint64_t now_usec)
{
	/* Half a tick of slack so that an interval equal to the tick is met every tick; a
	 * migration cut short by the time limit or the budget continues at the next tick. */
	return st->last_eval_usec == 0 || st->pending ||
	       now_usec + MANAGER_TICK_USEC / 2 >= st->last_eval_usec + r->effective.interval_usec;
}

static void sweep(struct manager *m)
{
	struct hashmap_iter it = {};
	const char *key;
	void *value;
	bool save = false;

	while (hashmap_iterate(m->cgroups, &it, &key, &value)) {
		struct cg_state *st = value;

		if (st->seen_tick == m->tick)
			continue;
		log_debug("cgroup %s is gone; dropping its in-memory state.", key);
		(void)budget_remove(m->budget, key);
		if (m->binds)
			(void)cpuset_binds_release(m->binds, key); /* drops its pin=hard record */
		if (settings_cgroup_removed(m->settings, key) > 0) {
			log_info("cgroup %s is gone; dropped its transient runtime settings.", key);
			save = true;
		}
		hashmap_remove_current(m->cgroups, &it);
	}
	if (save && !m->opts.dry_run) {
		int r = settings_save(m->settings, m->state_fd);

		if (r < 0)
			log_warning_errno(r, "Failed to save the runtime settings, ignoring: %m");
	}

	/* A process still in a managed cgroup keeps its scan state between the evaluations of
	 * its cgroup (whose interval may be longer than the grace period). */
	for (unsigned i = 0; m->cur && m->results && i < m->cur->n_cgroups; i++) {
		const struct cg_sample *c = &m->cur->cgroups[i];

		if (!policy_result_managed(&m->results->items[i]))
			continue;
		for (unsigned j = 0; j < c->n_procs; j++) {
			struct managed_proc *mp = manager_find_proc(m, c->procs[j].pid,
								    c->procs[j].start_time);

			if (mp)
				mp->seen_tick = m->tick;
		}
	}
	memset(&it, 0, sizeof(it));
	while (hashmap_iterate(m->procs, &it, &key, &value)) {
		struct managed_proc *mp = value;

		if (mp->seen_tick + MANAGER_PROC_GRACE_TICKS > m->tick)
			continue;
		if (mp->placed && !m->opts.dry_run) {
			/* It left the pinned cgroup (or exited): put its threads back. */
			struct affinity_result ar = {};

			(void)affinity_restore(m->journal, m->roots.proc_fd, mp->pm->pid,
					       mp->pm->start_time, &ar);
		}
		hashmap_remove_current(m->procs, &it);
	}
}

static void notify_status(struct manager *m)
{
	unsigned managed = 0;

	if (m->results)
		for (size_t i = 0; i < m->results->n; i++)
			managed += policy_result_managed(&m->results->items[i]);
	(void)sd_notifyf(false, "%sSTATUS=%u cgroups, %u managed%s", m->ready_sent ? "" : "READY=1\n",
			 m->cur ? m->cur->n_cgroups : 0, managed, m->opts.dry_run ? " (dry run)" : "");
	m->ready_sent = true;
}

/*
 * CPU placement from the BPF sampler where the kernel allows it, else from the /proc walk. The
 * sampler loads in a thread (half a second and more under qemu's TCG: BTF, CO-RE, the
 * verifier, the tracepoint's text patching), so that numabd's first windows, from /proc,
 * already act; the tick adopts it once it is attached (adopt_sampler()).
 */
struct sampler_loader {
	pthread_t thread;
	const struct numab_roots *roots;
	const struct topology *topo;
	struct sampler *sampler;
	int r;
	uint64_t usec;
	bool done;               /* atomic: the thread finished */
};

static void *sampler_loader_main(void *userdata)
{
	struct sampler_loader *l = userdata;
	uint64_t start = manager_now_usec();
	int r;

	r = sampler_open(l->roots, NULL, &l->sampler);
	if (r >= 0)
		r = sampler_load(l->sampler, l->topo);
	if (r >= 0)
		r = sampler_attach(l->sampler);
	if (r < 0)
		l->sampler = sampler_free(l->sampler);
	l->r = r;
	l->usec = manager_now_usec() - start;
	__atomic_store_n(&l->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static void setup_sampler(struct manager *m)
{
	struct sampler_loader *l = calloc(1, sizeof(*l));
	int r;

	if (!l) {
		log_oom();
		return;
	}
	l->roots = &m->roots;
	l->topo = m->topo;
	/* It starts before the event loop blocks SIGTERM and SIGHUP for its signalfd: a signal
	 * delivered to it would end numabd without restoring anything. */
	r = thread_start_no_signals(&l->thread, sampler_loader_main, l);
	if (r < 0) {
		log_notice_errno(r, "Could not start loading the BPF placement sampler (%m): CPU "
				 "placement from /proc.");
		free(l);
		return;
	}
	m->sampler_loader = l;
}

/* Wait for the loader (wait) or look whether it finished; take its sampler. True when a sampler
 * was adopted now. */
static bool adopt_sampler(struct manager *m, bool wait)
{
	struct sampler_loader *l = m->sampler_loader;

	if (!l || (!wait && !__atomic_load_n(&l->done, __ATOMIC_ACQUIRE)))
		return false;
	(void)pthread_join(l->thread, NULL);
	m->sampler_loader = NULL;
	if (l->r < 0) {
		log_notice_errno(l->r, "BPF placement sampler unavailable (%m): CPU placement from "
				 "/proc.");
		free(l);
		return false;
	}
	log_info("CPU placement from the BPF sampler (sched_switch), loaded in %llu ms.",
		 (unsigned long long)(l->usec / 1000));
	m->sampler = l->sampler;
	free(l);
	return true;
}

static void manager_tick(struct manager *m)
{
	uint64_t start = manager_now_usec(), now;
	struct snapshot *s;
	bool adopted;
	int r;

	m->tick++;
	if (m->reload_pending) {
		_cleanup_free_ char *error = NULL;

		m->reload_pending = false;
		(void)manager_reload(m, &error);
	}
	(void)topo_refresh_free(m->roots.sysfs_fd, m->topo);
	m->autonuma = read_autonuma(m);

	r = snapshot_take(&m->roots, m->topo, SNAP_COUNTERS, &s);
	if (r < 0) {
		log_warning_errno(r, "Failed to read the cgroup tree, skipping this tick: %m");
		return;
	}
	snapshot_free(m->prev);
	m->prev = m->cur;
	m->cur = s;
	/* Programs run once the CPU window is known: the processes of the cgroups they govern
	 * are read like those of managed cgroups. */
	if (resolve(m, false) < 0 || !m->results)
		return;

	for (unsigned i = 0; i < s->n_cgroups; i++) {
		if (!policy_result_managed(&m->results->items[i]) &&
		    !program_governs(&m->results->items[i]))
			continue;
		r = snapshot_read_procs(&m->roots, s, i);
		if (r < 0 && !errno_is_gone(r))
			log_debug_errno(r, "Failed to read the processes of %s, ignoring: %m",
					s->cgroups[i].path);
	}
	/* A sampler adopted now has marked nothing yet: its first read is the start of its
	 * first window, and this window comes from /proc. */
	adopted = adopt_sampler(m, false);
	if (m->sampler) {
		sync_sampler_marks(m);
		r = sampler_read(m->sampler, m->topo, s);
		if (r < 0) {
			log_warning_errno(r, "BPF sampler read failed, falling back to /proc: %m");
			m->sampler = sampler_free(m->sampler);
		}
	}
	if ((!m->sampler || adopted) && placement_compute(m->prev, s, m->topo) < 0) {
		log_oom();
		return;
	}
	if (program_any(m->results) && manager_resolve(m) < 0)
		return;
	now = manager_now_usec();
	(void)budget_sync(m->budget, m->results, now);

	for (unsigned i = 0; i < s->n_cgroups; i++) {
		const struct policy_result *res = &m->results->items[i];
		struct cg_state *st = manager_cg_state(m, s->cgroups[i].path);
		enum policy_mode mode = res->effective.mode;

		if (!st) {
			log_oom();
			return;
		}
		st->seen_tick = m->tick;
		refresh_local_policy(m, i, st, now);
		if (st->last_mode == POLICY_MODE_PIN && mode != POLICY_MODE_PIN)
			balance_unpin(m, i, st);
		if (mode != POLICY_MODE_KERNEL && st->kops_fd >= 0)
			balance_kernel_detach(m, i, st);
		if (mode != st->last_mode) {
			if (st->last_eval_usec || mode != POLICY_MODE_OFF)
				log_info("cgroup %s: mode %s (was %s).", s->cgroups[i].path,
					 policy_mode_to_string(mode),
					 policy_mode_to_string(st->last_mode));
			st->last_eval_usec = 0;
			st->last_mode = mode;
		}
		/* The first snapshot has no CPU window yet. */
		if (mode != POLICY_MODE_OFF && m->prev && due(st, res, now))
			balance_cgroup(m, i, res, st, now);
	}
	sweep(m);
	tier_sweep(m);

	m->last_tick_cost_usec = manager_now_usec() - start;
	m->max_tick_cost_usec = MAX(m->max_tick_cost_usec, m->last_tick_cost_usec);
	m->sum_tick_cost_usec += m->last_tick_cost_usec;
	notify_status(m);
}

static void arm_continue(struct manager *m)
{
	if (!m->continue_wanted || !m->continue_source)
		return;
	(void)sd_event_source_set_time_relative(m->continue_source, MANAGER_CONTINUE_USEC);
	(void)sd_event_source_set_enabled(m->continue_source, SD_EVENT_ONESHOT);
}

/* One continuation pass: the moves of this tick (and those the time limit cut short) go on,
 * with the nodes' free memory read again. True when a move was cut again. */
static bool continue_moves(struct manager *m)
{
	m->continuations++;
	(void)topo_refresh_free(m->roots.sysfs_fd, m->topo);
	return balance_continue(m);
}

/* Between ticks, with the event loop (control socket, signals) served between passes. */
static int on_continue(sd_event_source *source, uint64_t usec, void *userdata)
{
	struct manager *m = userdata;

	(void)continue_moves(m);
	arm_continue(m);
	return 0;
}

static int on_tick(sd_event_source *source, uint64_t usec, void *userdata)
{
	struct manager *m = userdata;
	uint64_t next, now;

	m->continue_wanted = false;
	manager_tick(m);
	/* --once: one snapshot for the window, a second one to evaluate, and its moves. */
	if (m->opts.once && m->tick >= 2) {
		while (m->continue_wanted && continue_moves(m))
			;
		return sd_event_exit(m->event, 0);
	}
	arm_continue(m);
	/* Ticks at a fixed rate, so that CPU windows are a tick long however long moving took;
	 * the first window is short, so that numabd acts soon after it starts. */
	now = manager_now_usec();
	next = usec + (m->tick == 1 && !m->opts.once ? MANAGER_FIRST_WINDOW_USEC : m->tick_usec);
	(void)sd_event_source_set_time(source, MAX(next, now + MANAGER_MIN_GAP_USEC));
	return sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
}

int manager_reload(struct manager *m, char **ret_error)
{
	struct config *cfg = NULL;
	char *error = NULL;
	int r;

	r = config_load(m->opts.config_path, &cfg, &error);
	if (r < 0) {
		log_error("Reload failed, keeping the previous configuration: %s",
			  error ?: "out of memory");
		if (ret_error)
			*ret_error = error;
		else
			free(error);
		return r;
	}
	if (cfg->metrics_listen && (!m->config->metrics_listen ||
				    !streq(cfg->metrics_listen, m->config->metrics_listen)))
		log_notice("MetricsListen= changed: takes effect at the next start.");
	if (!streq(cfg->socket_path, m->config->socket_path) ||
	    !streq(cfg->state_directory, m->config->state_directory))
		log_notice("Socket= and StateDirectory= changes take effect at the next start.");
	config_free(m->config);
	m->config = cfg;
	programs_retry(m->programs);
	tier_retry(m->tier);
	budget_set_global_rate(m->budget, cfg->budget_bytes_per_sec, manager_now_usec());
	log_info("Configuration reloaded (%zu rule%s).", cfg->n_rules, cfg->n_rules == 1 ? "" : "s");
	return 0;
}

static int on_signal(sd_event_source *source, const struct signalfd_siginfo *si, void *userdata)
{
	struct manager *m = userdata;

	if (si->ssi_signo == SIGHUP) {
		(void)sd_notify(false, "RELOADING=1");
		m->reload_pending = false;
		(void)manager_reload(m, NULL);
		(void)sd_notify(false, "READY=1");
		return 0;
	}
	log_info("Received %s, restoring what numabd changed and exiting.",
		 si->ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
	return sd_event_exit(m->event, 0);
}

static int open_state_dir(struct manager *m)
{
	const char *dir = m->config->state_directory;
	char *p = strdupa(dir);

	for (char *q = p + 1; *q; q++)
		if (*q == '/') {
			*q = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				return log_error_errno(negative_errno(), "Failed to create %s: %m", p);
			*q = '/';
		}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return log_error_errno(negative_errno(), "Failed to create the state directory %s: %m",
				       dir);
	m->state_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->state_fd < 0)
		return log_error_errno(negative_errno(), "Failed to open the state directory %s: %m",
				       dir);
	return 0;
}

static int setup_event_loop(struct manager *m)
{
	sigset_t mask;
	int r;

	r = sd_event_default(&m->event);
	if (r < 0)
		return log_error_errno(r, "Failed to create the event loop: %m");
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return log_error_errno(negative_errno(), "Failed to block signals: %m");
	if ((r = sd_event_add_signal(m->event, NULL, SIGTERM, on_signal, m)) < 0 ||
	    (r = sd_event_add_signal(m->event, NULL, SIGINT, on_signal, m)) < 0 ||
	    (r = sd_event_add_signal(m->event, NULL, SIGHUP, on_signal, m)) < 0)
		return log_error_errno(r, "Failed to watch signals: %m");
	/* WATCHDOG=1 pings when systemd asks for them (WatchdogSec=). */
	(void)sd_event_set_watchdog(m->event, true);
	/* Accuracy 0 would mean sd-event's default of 250 ms. */
	r = sd_event_add_time_relative(m->event, &m->tick_source, CLOCK_MONOTONIC, 0,
				       MANAGER_TIMER_ACCURACY_USEC, on_tick, m);
	if (r < 0)
		return log_error_errno(r, "Failed to add the tick timer: %m");
	r = sd_event_add_time_relative(m->event, &m->continue_source, CLOCK_MONOTONIC,
				       MANAGER_CONTINUE_USEC, MANAGER_TIMER_ACCURACY_USEC, on_continue,
				       m);
	if (r < 0)
		return log_error_errno(r, "Failed to add the continuation timer: %m");
	(void)sd_event_source_set_enabled(m->continue_source, SD_EVENT_OFF);
	return 0;
}

int manager_new(const struct manager_options *o, struct manager **ret)
{
	struct manager *m;
	char *error = NULL, *warning = NULL;
	int r;

	m = calloc(1, sizeof(*m));
	if (!m)
		return log_oom();
	m->opts = *o;
	m->roots = NUMAB_ROOTS_NULL;
	m->state_fd = -EBADF;
	m->autonuma = m->autonuma_saved = -1;
	m->tick_usec = MANAGER_TICK_USEC;

	r = config_load(o->config_path, &m->config, &error);
	if (r < 0) {
		log_error("Failed to load the configuration: %s", error ?: "out of memory");
		free(error);
		goto fail;
	}
	r = roots_open(&m->roots, o->sysfs_root, o->proc_root, o->cgroup_root);
	if (r < 0) {
		log_error_errno(r, "Failed to open the sysfs/procfs/cgroup roots: %m");
		goto fail;
	}
	if (m->roots.cgroup_fd < 0) {
		r = log_error_errno(SYNTHETIC_ERRNO(ENOMEDIUM),
				    "No cgroup v2 hierarchy is mounted: nothing to manage.");
		goto fail;
	}
	if (!m->roots.live && !m->opts.dry_run) {
		log_notice("Fixture roots given: running as with --dry-run (their pids are not "
			   "real processes).");
		m->opts.dry_run = true;
	}
	m->kernel_version = proc_read_kernel_version(m->roots.proc_fd);
	r = topo_read(m->roots.sysfs_fd, &m->topo);
	if (r < 0) {
		log_error_errno(r, "Failed to read the NUMA topology: %m");
		goto fail;
	}
	r = open_state_dir(m);
	if (r < 0)
		goto fail;
	r = settings_load(m->state_fd, &m->settings, &warning);
	if (r < 0) {
		log_error_errno(r, "Failed to load the runtime settings: %m");
		goto fail;
	}
	if (warning) {
		log_warning("%s", warning);
		free(warning);
	}
	r = programs_new(&m->programs);
	if (r < 0) {
		log_oom();
		goto fail;
	}
	m->budget = budget_new(m->config->budget_bytes_per_sec, manager_now_usec());
	m->cgroups = hashmap_new(cg_state_free);
	m->procs = hashmap_new(managed_proc_free);
	if (!m->budget || !m->cgroups || !m->procs) {
		r = log_oom();
		goto fail;
	}
	r = move_pool_new(&engine_config, move_threads(), &m->movers);
	if (r < 0) {
		log_error_errno(r, "Failed to set up page migration: %m");
		goto fail;
	}
	r = affinity_journal_open(m->state_fd, "affinity.json", 0, &affinity_sys_live, &m->journal);
	if (r < 0) {
		log_error_errno(r, "Failed to open the affinity journal in %s: %m",
				m->config->state_directory);
		goto fail;
	}
	if (r > 0)
		log_warning("The affinity journal was corrupt; kept its valid records (the file is "
			    "saved as affinity.json.corrupt).");
	if (affinity_journal_count(m->journal, 0, 0) > 0 && !m->opts.dry_run) {
		struct affinity_result ar = {};

		/* A previous numabd was killed before it could restore: do it now. */
		r = affinity_restore(m->journal, m->roots.proc_fd, 0, 0, &ar);
		log_notice("Restored the affinity of %u thread%s left by a previous numabd (%u "
			   "record%s dropped: threads gone or changed since).",
			   ar.restored, ar.restored == 1 ? "" : "s", ar.dropped,
			   ar.dropped == 1 ? "" : "s");
	}

	if (!m->opts.dry_run) {
		unsigned restored = 0;

		/* pin=hard's journal; restores what a killed numabd left bound. */
		r = cpuset_binds_open(m->state_fd, "cpuset.json", m->roots.cgroup_fd, &m->binds,
				      &restored);
		if (r < 0) {
			log_error_errno(r, "Failed to open the cpuset journal in %s: %m",
					m->config->state_directory);
			goto fail;
		}
		if (restored)
			log_notice("Restored the cpuset.mems of %u cgroup%s left bound by a previous "
				   "numabd.", restored, restored == 1 ? "" : "s");
	}

	if (m->roots.live)
		setup_sampler(m);
	if (m->roots.live) {
		/* tier mode's DAMON use; stops kdamonds a killed numabd left. */
		r = tier_new(m->roots.sysfs_fd, m->state_fd, &m->tier);
		if (r < 0) {
			log_oom();
			goto fail;
		}
	}

	r = setup_event_loop(m);
	if (r < 0)
		goto fail;
	r = control_server_new(m->event, m->config->socket_path, verbs_handle, m, &m->control);
	if (r < 0)
		goto fail;
	if (m->config->metrics_listen) {
		r = metrics_server_new(m->event, m->config->metrics_listen, verbs_metrics, m,
				       &m->metrics);
		if (r < 0)
			goto fail;
	}
	autonuma_take_over(m);
	m->kops = kops_probe() == 1;
	if (m->kops)
		log_info("The kernel has bpf_numab_ops: cgroups in mode kernel are balanced by the "
			 "kernel, each on its own.");
	log_info("numabd %s: %u node%s, cgroup v2 at %s, %zu config rule%s%s.", NUMAB_VERSION,
		 topo_n_nodes(m->topo), topo_n_nodes(m->topo) == 1 ? "" : "s", m->roots.cgroup_path,
		 m->config->n_rules, m->config->n_rules == 1 ? "" : "s",
		 m->opts.dry_run ? ", dry run" : "");
	*ret = m;
	return 0;
fail:
	manager_free(m);
	return r;
}

int manager_run(struct manager *m)
{
	int r = sd_event_loop(m->event);

	if (r < 0)
		log_error_errno(r, "Event loop failed: %m");
	(void)sd_notify(false, "STOPPING=1");
	return r < 0 ? r : 0;
}

static void restore_all(struct manager *m)
{
	struct affinity_result ar = {};

	if (m->binds)
		(void)cpuset_binds_release_all(m->binds);

	if (!m->journal || m->opts.dry_run || affinity_journal_count(m->journal, 0, 0) == 0)
		return;
	if (affinity_restore(m->journal, m->roots.proc_fd, 0, 0, &ar) < 0)
		log_warning("Failed to write the affinity journal while restoring; it is kept for "
			    "the next start.");
	log_info("Restored the affinity of %u thread%s.", ar.restored, ar.restored == 1 ? "" : "s");
}

struct manager *manager_free(struct manager *m)
{
	if (!m)
		return NULL;
	restore_all(m);
	autonuma_restore(m);
	m->tier = tier_free(m->tier);
	m->control = control_server_free(m->control);
	m->metrics = metrics_server_free(m->metrics);
	sd_event_source_disable_unref(m->tick_source);
	sd_event_source_disable_unref(m->continue_source);
	sd_event_unref(m->event);
	(void)adopt_sampler(m, true);
	sampler_free(m->sampler);
	affinity_journal_free(m->journal);
	cpuset_binds_free(m->binds);
	move_pool_free(m->movers);
	hashmap_free(m->procs);
	hashmap_free(m->cgroups);
	policy_results_free(m->results);
	programs_free(m->programs);
	snapshot_free(m->prev);
	snapshot_free(m->cur);
	budget_free(m->budget);
	settings_free(m->settings);
	safe_close(m->state_fd);
	topo_free(m->topo);
	roots_close(&m->roots);
	config_free(m->config);
	free(m);
	return NULL;
}
