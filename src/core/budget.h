/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Migration budgets as hierarchical token buckets (DESIGN §4 rule 2, worked case 5): one
 * global bucket plus one bucket per cgroup with an explicit, finite budget. Moving B bytes for
 * cgroup C debits C's bucket (if any), the bucket of every ancestor of C that has one, and the
 * global bucket, so N children never move faster together than their parent allows.
 *
 * Pure: time is passed in (usec, monotonic); nothing sleeps or reads a clock. Buckets are
 * keyed by cgroup path; the daemon creates and frees them as cgroups come and go, usually
 * with budget_sync() after each policy resolution.
 */

#include <stdbool.h>
#include <stdint.h>

struct policy_results;

/* Burst capacity of every bucket: one second of its rate. A tick-driven daemon can then use
 * a whole tick's worth at once with ticks up to a second, and a cgroup that was quiet cannot
 * save up more than a second of migration. */
#define BUDGET_BURST_USEC (1000ull * 1000)

struct budget;

/* Per-bucket counters (since the bucket was created). */
struct budget_stats {
	uint64_t bytes_per_sec;        /* rate; UINT64_MAX = unlimited */
	uint64_t available_bytes;      /* what the bucket alone would allow now */
	uint64_t debited_bytes;        /* total debited */
	uint64_t throttled_bytes;      /* asked for in budget_request() but not granted */
	uint64_t throttled_usec;       /* time the bucket needs to refill those bytes */
	uint64_t throttle_events;      /* requests it cut short */
};

/* A set with only the global bucket, full at now_usec. A rate of UINT64_MAX (or 0) means
 * unlimited. NULL on ENOMEM. */
struct budget *budget_new(uint64_t global_bytes_per_sec, uint64_t now_usec);

/* Free; accepts NULL; returns NULL. */
struct budget *budget_free(struct budget *b);

/* Change the global rate (UINT64_MAX or 0: unlimited); its tokens are kept, capped at the new
 * burst. */
void budget_set_global_rate(struct budget *b, uint64_t bytes_per_sec, uint64_t now_usec);

/* Create (full) or update the bucket of a cgroup path. A rate of UINT64_MAX removes it.
 * Returns 0, -EINVAL for a rate of 0, or -ENOMEM. */
int budget_set_rate(struct budget *b, const char *path, uint64_t bytes_per_sec,
		    uint64_t now_usec);

/* The cgroup at path went away (or lost its budget): free its bucket. Returns whether one
 * existed. */
bool budget_remove(struct budget *b, const char *path);

/* Whether path has a bucket of its own. */
bool budget_has_bucket(const struct budget *b, const char *path);

/* How many bytes may move now for a cgroup: the minimum over its own bucket, its ancestors'
 * buckets and the global bucket (UINT64_MAX when nothing limits). Changes nothing. */
uint64_t budget_available_bytes(const struct budget *b, const char *path, uint64_t now_usec);

/* Like budget_available_bytes() capped at wanted_bytes, and every bucket that cut the request
 * short counts the shortfall as throttling. Debits nothing. */
uint64_t budget_request(struct budget *b, const char *path, uint64_t wanted_bytes,
			uint64_t now_usec);

/* After moving bytes for path: debit its bucket, its ancestors' and the global one. A bucket
 * may go into debt (it then allows nothing until refilled), so callers may debit what
 * actually moved even if that was a little more than granted. */
void budget_debit(struct budget *b, const char *path, uint64_t bytes, uint64_t now_usec);

/* Counters of path's own bucket (NULL: the global one) at now_usec. 0, or -ENOENT when path
 * has no bucket. */
int budget_get_stats(const struct budget *b, const char *path, uint64_t now_usec,
		     struct budget_stats *ret);

/* Number of per-cgroup buckets (the global one not counted). */
unsigned budget_n_buckets(const struct budget *b);

/* Make the buckets match a policy resolution: the global rate of the results, a bucket for
 * every cgroup with an own finite budget, none for any other path. 0 or -ENOMEM. */
int budget_sync(struct budget *b, const struct policy_results *r, uint64_t now_usec);
