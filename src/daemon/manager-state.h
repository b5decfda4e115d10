/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The manager's state, shared by the daemon's modules (manager.c: loop and tick; balance.c:
 * acting on one cgroup; verbs.c: the control socket's verbs). Not a public interface.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "core/autonuma.h"
#include "core/budget.h"
#include "core/config.h"
#include "core/decide.h"
#include "core/policy.h"
#include "core/settings.h"
#include "core/snapshot.h"
#include "core/stats.h"
#include "core/topology.h"
#include "daemon/actuate.h"
#include "daemon/affinity.h"
#include "daemon/control.h"
#include "daemon/cpuset-bind.h"
#include "daemon/manager.h"
#include "daemon/metrics.h"
#include "daemon/procmem.h"
#include "daemon/tier.h"
#include "shared/hashmap.h"
#include "shared/macro.h"
#include "shared/roots.h"
#include "sysfs/bpf-sampler.h"

/* What numabd remembers about a process of a managed cgroup between ticks. */
struct managed_proc {
	struct procmem *pm;          /* memory scan state (actuation) */
	struct follow_state follow;  /* home tracking (decide.c) */
	enum follow_verdict verdict; /* of the last evaluation */
	bool placed;                 /* pin: threads placed */
	bool spreading;              /* interleave: left the band; moves until within half of it */
	uint64_t seen_tick;          /* last tick it was in a managed cgroup */
	double locality;             /* placement locality at the last evaluation, < 0 none */
	/* A follow or pin move that the time limit cut short continues between ticks
	 * (balance_continue): where to, from where, how much is left, and for which tick's
	 * evaluation (a later tick's decision replaces it). */
	struct {
		uint64_t tick;               /* m->tick of the decision, 0: nothing to continue */
		unsigned cgroup;             /* index in m->cur */
		enum policy_mode mode;
		int target;
		uint64_t from_nodes;
		uint64_t want_bytes;
	} cont;
};

/* What numabd remembers about a cgroup between ticks (freed when it goes away). */
struct cg_state {
	struct cg_stats stats;
	uint64_t seen_tick;
	uint64_t last_eval_usec;      /* 0: never evaluated */
	uint64_t last_grant_usec;     /* the last budget request (throttled time counts from it) */
	bool pending;                 /* the last evaluation left misplaced memory to move */
	enum policy_mode last_mode;   /* mode at the last tick */
	bool sampler_managed;         /* marked managed in the BPF sampler */
	unsigned verdicts[_FOLLOW_VERDICT_MAX]; /* follow: processes per verdict, last eval */
	double locality;              /* memory-weighted placement locality, < 0 none */
	uint64_t locality_usec;       /* when it was computed */
	unsigned locality_procs;
	uint64_t pinned_nodes;        /* pin: the node set in force, 0 none */
	uint64_t pin_candidate;       /* pin: a different set seen at the last evaluation */
	unsigned pin_candidate_evals;
	unsigned own_policy_procs;    /* processes with memory placed by their own policy (bind,
				       * interleave, preferred), last evaluation: never moved */
	uint64_t own_policy_bytes;    /* that memory (resident at first sight) */
	unsigned spread_balanced;     /* interleave: processes within the band, last evaluation */
	unsigned spread_moving;       /* ... outside it (moved, or waiting for budget) */
	unsigned spread_worst_permille; /* ... the largest deviation from an even share */
	struct tier_cg tier;          /* tier: heat and DAMON of the last evaluation (tier.h) */
	char note[200];               /* why the last evaluation did nothing, for status ("" when
				       * acting) */
	char move_note[120];          /* what stopped the last move (no room, budget, a page that
				       * would not move), "" none: kept from a move to the next
				       * evaluation's moves, so status does not lose it between */
	bool move_asked;              /* the current evaluation asked for a move */
	int8_t local_policy;          /* every process runs under a policy AutoNUMA skips (e.g.
				       * numabctl run): 1, 0, -1 not known (mempolicy-read.h) */
	uint64_t local_policy_usec;   /* when that was read */
	int kops_fd;                  /* mode kernel: the in-kernel bpf_numab_ops link, -1 none */
	uint32_t kops_hot_ms;         /* ... and its hot threshold and tiering */
	bool kops_tiering;
};

struct manager {
	struct manager_options opts;
	sd_event *event;
	sd_event_source *tick_source;
	sd_event_source *continue_source; /* moves cut by the time limit go on between ticks */
	struct control_server *control;
	struct metrics_server *metrics;

	struct numab_roots roots;
	struct topology *topo;
	struct config *config;
	struct settings *settings;
	int state_fd;                 /* the state directory */
	struct budget *budget;
	struct move_pool *movers;     /* move engines, one per thread (move-pool.c) */
	struct affinity_journal *journal;
	struct cpuset_binds *binds;   /* pin=hard's cpuset.mems (cpuset-bind.c); NULL in dry run */
	struct sampler *sampler;      /* BPF CPU placement sampler; NULL: the /proc walk */
	struct sampler_loader *sampler_loader; /* loading it in a thread; NULL when done */
	struct programs *programs;    /* BPF policy programs (programs.c) */
	struct tier *tier;            /* tier mode: DAMON kdamonds (tier.c); NULL with fixtures */

	struct snapshot *prev, *cur;  /* the last two snapshots */
	struct policy_results *results; /* policy of cur's cgroups, same order */
	struct hashmap *cgroups;      /* path -> struct cg_state */
	struct hashmap *procs;        /* "pid:start_time" -> struct managed_proc */

	uint64_t tick;                /* ticks so far */
	uint64_t tick_usec;           /* base tick interval */
	uint64_t last_tick_cost_usec, max_tick_cost_usec, sum_tick_cost_usec;
	int autonuma;                 /* kernel.numa_balancing now, -1 unknown */
	unsigned kernel_version;      /* major * 100 + minor, 0 unknown */
	int autonuma_saved;           /* the value numabd replaced (AutoNUMA=off), -1 none */
	bool ready_sent;
	bool reload_pending;
	bool continue_wanted;         /* a move was cut by the time limit this pass */
	uint64_t continuations;       /* continuation passes run */
	int kops;                     /* kernel has bpf_numab_ops: 1, else 0 (kops_probe) */
};

/* Whether the kernel balances cgroup idx of m->cur too, and why. */
struct autonuma_verdict manager_autonuma(const struct manager *m, unsigned idx);

/* The id (directory inode) of the cgroup at path: from the last snapshot, or from cgroupfs
 * for one created since. -ENOENT when there is no such cgroup. */
int manager_cgroup_id(const struct manager *m, const char *path, uint64_t *ret);

/* Monotonic time in microseconds. */
uint64_t manager_now_usec(void);

/* The length of the current CPU window (the last two snapshots); 0 before there are two. */
uint64_t manager_window_usec(const struct manager *m);

/* The cgroup state for path, created when missing; NULL on OOM. */
struct cg_state *manager_cg_state(struct manager *m, const char *path);
/* A process's key in m->procs: pid and start time, so a reused pid is another process. */
#define MANAGER_PROC_KEY_MAX 48
void manager_proc_key(char key[static MANAGER_PROC_KEY_MAX], pid_t pid, uint64_t start_time);
/* The scan state of that process, NULL when numabd has none. */
struct managed_proc *manager_find_proc(const struct manager *m, pid_t pid, uint64_t start_time);

/* Evaluate cgroup idx of m->cur with result r (balance.c). */
void balance_cgroup(struct manager *m, unsigned idx, const struct policy_result *r,
		    struct cg_state *st, uint64_t now_usec);
/* Go on with the follow and pin moves of this tick that the time limit cut short, if their
 * cgroups still have the mode they were decided under. True when a move was cut again. */
bool balance_continue(struct manager *m);

/* Helpers of balance.c for the modes in other files (interleave.c, tier.c). */
/* The scan state of a process of a managed cgroup, created (maps + numa_maps read) at first
 * sight; NULL when it went away or on OOM. */
struct managed_proc *balance_get_proc(struct manager *m, const struct proc_sample *p);
/* Every mode's start with a process: its scan state, one scan, its own-policy memory counted
 * for the note (balance_own_policy) and, with ret_allowed, its Mems_allowed. NULL when it went
 * away (or on OOM): skip it. */
struct managed_proc *balance_scan_proc(struct manager *m, struct cg_state *st,
				       const struct proc_sample *p, uint64_t *ret_allowed);
/* Free memory on node less the headroom follow and pin leave there. */
uint64_t balance_free_room(const struct manager *m, int node);
/* Set the cgroup's note (status, explain). */
void balance_note(struct cg_state *st, const char *fmt, ...) _printf_(2, 3);
/* The note and the move note, as status shows them ("" neither). */
const char *balance_note_text(const struct cg_state *st, char *buf, size_t size);
/* Count a process's own-policy memory for the cgroup's note (every mode calls it). */
void balance_own_policy(struct cg_state *st, const struct managed_proc *mp);
/* The kernel's AutoNUMA balances cgroup idx too (it is scanned, not exempt). */
bool balance_autonuma_balances(const struct manager *m, unsigned idx);
/* When it does (and kernel.numa_balancing is on), say so in the note and return true: numab
 * leaves that cgroup's pages to the kernel. */
bool balance_left_to_autonuma(const struct manager *m, unsigned idx, struct cg_state *st);
/*
 * Move pm's pages on from_nodes to target: at most want_bytes (at least one THP) as the
 * hierarchical budget grants now, at most room_bytes (free memory on the target to use);
 * debits the budget and accounts the result in st->stats (not in dry run). Returns the
 * engine's stop reason, or -1 when nothing was attempted (no room, budget empty; the note
 * says which). *ret (may be NULL) gets the engine's result when it ran.
 */
int balance_move(struct manager *m, const struct cg_sample *c, struct cg_state *st,
		 struct procmem *pm, int target, uint64_t from_nodes, uint64_t want_bytes,
		 uint64_t room_bytes, uint64_t now_usec, struct actuate_result *ret);

/* Undo pin placements of cgroup idx's processes (mode changed or numabd stops). */
void balance_unpin(struct manager *m, unsigned idx, struct cg_state *st);
/* Mode kernel left: detach the in-kernel bpf_numab_ops numabd attached. */
void balance_kernel_detach(struct manager *m, unsigned idx, struct cg_state *st);
/* Which path balances a cgroup in @mode: "numabd", "kernel-bpf", "kernel-autonuma", "none". */
const char *manager_balanced_by(const struct manager *m, const struct cg_state *st,
				enum policy_mode mode);

/* Handle a control request (verbs.c). */
int verbs_handle(void *userdata, const char *verb, json_object *args, json_object **ret_result,
		 char **ret_error);

/* Write the Prometheus text (verbs.c). */
void verbs_metrics(void *userdata, FILE *f);

/* Load the configuration again; on failure keep the old one (manager.c). */
int manager_reload(struct manager *m, char **ret_error);

/* Resolve the policy for m->cur again (after `numabctl set`/`reset`). */
int manager_resolve(struct manager *m);
