/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * tier mode (see tier.c): hot pages of a tier cgroup on a slower memory tier are promoted to
 * the fast node its threads run on; when a fast node runs short of free memory, the coldest
 * pages of tier cgroups on it are demoted. Heat comes from DAMON's virtual address
 * monitoring of a few processes (at most TIER_MAX_MONITORED, one kdamond each).
 */

#include <stdbool.h>
#include <stdint.h>

#include "core/heat.h"

struct manager;
struct cg_state;
struct policy_result;

/* How many processes DAMON monitors at once, over all tier cgroups: one kdamond (a kernel
 * thread that wakes every 5 ms) each. Processes beyond it are reported, not tiered. */
#define TIER_MAX_MONITORED 8

/* What status and explain show for a tier cgroup (cg_state.tier), from its last evaluation. */
struct tier_cg {
	unsigned monitored;           /* processes DAMON monitors for it */
	unsigned unmonitored;         /* processes beyond the cap */
	unsigned warming;             /* monitored for too short a time to judge */
	uint64_t heat_bytes[_HEAT_CLASS_MAX]; /* monitored address space by class */
	uint64_t hot_slow_bytes;      /* of the hot windows, sampled bytes on slow nodes */
	uint64_t promoted_bytes;      /* moved up, since numabd started */
	uint64_t demoted_bytes;       /* moved down, since numabd started */
	uint64_t hot_threshold_usec;  /* in force at the last evaluation */
};

struct tier;

/*
 * Set up tier mode's DAMON use. sysfs_fd, state_fd are borrowed. Kdamonds a previous numabd
 * left (it records them in state_fd, "damon-kdamonds") are stopped now. Nothing else touches
 * DAMON until a tier cgroup needs it. Returns 0 or -ENOMEM.
 */
int tier_new(int sysfs_fd, int state_fd, struct tier **ret);

/* Stop numabd's kdamonds, give DAMON's interface back (nr_kdamonds=0) and forget the record.
 * Accepts NULL; returns NULL. */
struct tier *tier_free(struct tier *t);

/* Evaluate a tier cgroup (balance.c dispatches here). */
void balance_tier(struct manager *m, unsigned idx, const struct policy_result *r,
		  struct cg_state *st, uint64_t now_usec);

/* Once per tick, after the cgroups: stop kdamonds of processes that are gone or no longer
 * in a tier cgroup, and give DAMON back when none is left. */
void tier_sweep(struct manager *m);

/* Why tier mode cannot work now (a static-lifetime string of t), or NULL when it can or was
 * not tried yet. */
const char *tier_unavailable(const struct tier *t);

/* Look at DAMON again at the next tier evaluation rather than after the 30 s wait (a reload:
 * the operator may have just freed DAMON). Accepts NULL. */
void tier_retry(struct tier *t);

/* Number of kdamonds running for numabd. */
unsigned tier_n_monitored(const struct tier *t);
