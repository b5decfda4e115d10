/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Decisions of numabd, pure: given what a process or cgroup looked like over the last window
 * and its effective policy, what should happen. The daemon's manager feeds the inputs, applies
 * budgets and acts; nothing here does I/O, so every rule is a table-driven unit test.
 */

#include <stdbool.h>
#include <stdint.h>

#include "core/snapshot.h"
#include "core/topology.h"
#include "shared/nodemask.h"

/* Why a process is (not) acted on in follow mode; also shown by status/explain. */
enum follow_verdict {
	FOLLOW_MOVE,            /* move pages on other nodes to the home node */
	FOLLOW_LOCAL,           /* memory already where the CPU time is */
	FOLLOW_IDLE,            /* too little CPU time in the window to know a home */
	FOLLOW_SPREAD,          /* threads stay spread: consider pin or kernel */
	FOLLOW_UNSETTLED,       /* home node changed recently: wait (hysteresis) */
	FOLLOW_COOLDOWN,        /* pages were just moved elsewhere: no ping-pong */
	FOLLOW_NOT_ELIGIBLE,    /* the home node is outside the eligible nodes */
	FOLLOW_OWN_POLICY,      /* the process placed its memory by its own policy */
	FOLLOW_UNKNOWN_MEMORY,  /* no page placement sample yet */
	_FOLLOW_VERDICT_MAX,
};

const char *follow_verdict_to_string(enum follow_verdict v);

/* Knobs of follow mode, with their defaults in DECIDE_FOLLOW_DEFAULTS. */
struct follow_params {
	unsigned home_share_permille;     /* CPU share a home set must hold (900 = 90%) */
	uint64_t min_cpu_ns;              /* less CPU time in a window is "idle" */
	unsigned local_permille;          /* memory share on home above which it is local */
	uint64_t settle_usec;             /* window time a changed home must hold before moving */
	uint64_t cooldown_usec;           /* after moving to X, no move away from X for this */
};

/* 90% home share (DESIGN §5); 10 ms of CPU per window is a process doing something; 98%
 * local means a few stray pages are not worth a move_pages call; a home that replaced another
 * must hold for 0.75 s of windows, measured in time so that the rule does not depend on the
 * interval: one window at the default 1 s interval (90% of a whole second on one node is no
 * passing migration by the load balancer), three at 250 ms (the first home seen acts at once:
 * there is nothing to flap between, and the cool-down covers a wrong first impression); a
 * minute of cool-down keeps phase changes from causing ping-pong. */
#define DECIDE_FOLLOW_DEFAULTS                                                            \
	((struct follow_params){ .home_share_permille = 900,                                 \
				 .min_cpu_ns = 10000000,                                     \
				 .local_permille = 980,                                      \
				 .settle_usec = 750000,                                      \
				 .cooldown_usec = 60000000 })

/* What the daemon remembers about a process between windows. */
struct follow_state {
	int home;                 /* last home node, -1 none */
	uint64_t home_held_usec;  /* length of the consecutive windows with that home */
	bool home_changed;        /* that home replaced an earlier one (not the first seen) */
	int last_target;          /* node pages were last moved to, -1 none */
	uint64_t last_move_usec;  /* when */
};

#define FOLLOW_STATE_INIT ((struct follow_state){ .home = -1, .last_target = -1 })

struct follow_input {
	const uint64_t *cpu_ns;     /* per node, this window (span entries) */
	const uint64_t *mem_bytes;  /* per node, sampled movable memory (span), NULL if none */
	unsigned span;
	uint64_t eligible_nodes;    /* policy nodes ∩ cpuset mems ∩ Mems_allowed */
	bool own_policy_only;       /* every mapped range has the process's own policy */
	uint64_t now_usec;
	uint64_t window_usec;       /* length of the CPU window */
};

struct follow_decision {
	enum follow_verdict verdict;
	int target;                 /* FOLLOW_MOVE: the node to move to */
	uint64_t from_nodes;        /* FOLLOW_MOVE: nodes whose pages move */
	uint64_t home_nodes;        /* the home set found (may be empty) */
	unsigned home_share_permille;
	uint64_t misplaced_bytes;   /* sampled bytes on from_nodes */
};

/*
 * Decide follow mode for one process and update its state (home tracking). A process acts
 * only when at least home_share of its CPU ran on one node (its home) while part of its
 * memory sits elsewhere; those pages move home. A process whose home share needs several
 * nodes is "spread" and left alone. The verdicts are checked in the order of the enum below
 * FOLLOW_MOVE, so a report names the first reason that applies.
 */
struct follow_decision decide_follow(const struct follow_params *p, const struct follow_input *in,
				     struct follow_state *state);

/*
 * The cheap check before any page query: whether follow has nothing to do in cgroup c, from
 * what the snapshot already holds. True when every process with at least min_cpu_ns in the
 * window has the same single home node h (home_share of its CPU there), and at least
 * local_permille of the cgroup's mapped memory (anon + mapped file, memory.numa_stat) is on
 * h. c's memory counts are hierarchical, so the caller asks only for a cgroup without
 * children. False whenever it cannot tell (no memory.numa_stat, no active process).
 */
bool decide_follow_cgroup_local(const struct follow_params *p, const struct cg_sample *c,
				unsigned span);

/* Record that pages were moved to target at now_usec (starts the cool-down). */
void decide_follow_moved(struct follow_state *state, int target, uint64_t now_usec);

/* pin mode: choose the node set. */
struct pin_input {
	const struct topology *topo;
	uint64_t eligible_nodes;      /* CPU nodes the cgroup may be pinned to */
	double cpu_demand;            /* CPUs busy on average over the window */
	const uint64_t *mem_bytes;    /* the cgroup's movable memory per node (span) */
	unsigned span;
	uint64_t current;             /* the set pinned now, 0 when none */
};

struct pin_params {
	unsigned cpu_headroom_permille;  /* capacity needed = demand * (1000 + this) / 1000 */
	unsigned mem_headroom_permille;  /* same for memory against free + own memory */
	uint64_t min_free_bytes;         /* keep this much free on every chosen node */
};

/* 25% CPU and 10% memory headroom: a pinned workload must not run out of either when its
 * load rises a little; 256 MiB stays free for the kernel and page cache. */
#define DECIDE_PIN_DEFAULTS                                                                 \
	((struct pin_params){ .cpu_headroom_permille = 250,                                   \
			      .mem_headroom_permille = 100,                                   \
			      .min_free_bytes = 256ull << 20 })

/*
 * The smallest set of eligible CPU nodes whose CPUs cover the demand and whose free memory
 * (plus the cgroup's own memory already there) covers its memory, both with headroom. Among
 * sets of that size: the one already holding most of the cgroup's memory (least migration),
 * then the smallest sum of distances between its nodes, then the current set. Returns 0 when
 * no set fits (then nothing is pinned).
 */
uint64_t decide_pin_nodes(const struct pin_params *p, const struct pin_input *in);
