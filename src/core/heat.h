/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * tier mode, pure: which address ranges of a process are hot or cold (from DAMON's regions),
 * where its hot memory belongs, and how much may be promoted to or must be demoted from a
 * fast node. The daemon reads DAMON (sysfs/damon.c) and moves pages (daemon/tier.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/topology.h"
#include "shared/nodemask.h"

/* One DAMON region of a process's address space, as DAMON reports it (tried_regions), with
 * what numabd remembers of it. */
struct heat_region {
	uint64_t start, end;     /* [start, end), virtual addresses */
	unsigned nr_accesses;    /* samples that saw an access in the last aggregation interval */
	unsigned age;            /* aggregation intervals the access frequency has held */
	uint64_t last_seen_usec; /* when an access was last seen here (heat_update()), 0 never */
};

/* How and when the regions were measured. */
struct heat_attrs {
	uint64_t sample_usec;
	uint64_t aggr_usec;
	uint64_t monitored_usec;  /* how long DAMON has been monitoring the process */
	uint64_t now_usec;        /* when the regions were read (CLOCK_MONOTONIC) */
};

/* What status reports of a tier cgroup's memory. */
enum heat_class {
	HEAT_HOT,       /* accessed within the hot threshold (heat_region_hot()) */
	HEAT_WARM,      /* neither: not known yet, or rarely accessed */
	HEAT_COLD,      /* cold for demotion (heat_span_cold()) */
	_HEAT_CLASS_MAX,
};

const char *heat_class_to_string(enum heat_class c);

/*
 * Fill in last_seen_usec of the regions just read (cur), from DAMON's counts and from the
 * regions of the previous read (prev, with their last_seen_usec; both ascending):
 * - accessed in the last aggregation interval (nr_accesses > 0): seen now;
 * - else the record of the previous region that covers most of it (DAMON splits and
 *   merges regions between reads). DAMON's age is not used: it resets when the access count
 *   changes markedly, also when a split or merge moves a region's edge across a hot
 *   neighbour, so a young age on a large idle region is no access (the cold record,
 *   heat_record_update(), does use it, where it only makes memory less cold).
 */
void heat_update(const struct heat_attrs *a, const struct heat_region *prev, size_t n_prev,
		 struct heat_region *cur, size_t n_cur);

/*
 * "Accessed within hot_threshold", for promotion: hot when an access was seen less than the
 * threshold ago (heat_update()'s record). A threshold below the aggregation interval is a
 * frequency instead: a region seen accessed k times in interval A is accessed about every
 * A / k, hot when that is at most the threshold. (Cold, for demotion, is the record's
 * business: heat_span_cold().)
 */
bool heat_region_hot(const struct heat_attrs *a, const struct heat_region *r,
		     uint64_t hot_threshold_usec);

/* How long DAMON says the region has been idle, at most: (age + 1) * aggr (0 when accessed
 * in the last interval). */
uint64_t heat_idle_usec(const struct heat_attrs *a, const struct heat_region *r);

/* An address window to act on, with the heat of its region. */
struct heat_window {
	uint64_t start, end;
	uint64_t idle_usec;      /* since the last access seen (never seen: monitored time) */
	unsigned nr_accesses;
};

/*
 * The hot windows of the regions (heat_region_hot()), ascending and disjoint, ready for a
 * procmem view: widened to 2 MiB boundaries (a THP around a hot page is promoted whole
 * anyway), overlapping and adjacent ones merged. *ret_bytes: their total. Returns 0 (*ret may
 * be NULL with *ret_n 0), or -ENOMEM.
 */
int heat_hot_windows(const struct heat_attrs *a, const struct heat_region *regions, size_t n,
		     uint64_t hot_threshold_usec, struct heat_window **ret, size_t *ret_n,
		     uint64_t *ret_bytes);

/*
 * The addresses in both window lists (each ascending and disjoint): promotion takes windows
 * hot in two consecutive reads, so that a one-off touch of a cold page, or a DAMON region that
 * straddles the edge of a hot area at one read, does not move cold memory up. Windows keep
 * a's heat. Returns 0 (*ret may be NULL with *ret_n 0) or -ENOMEM.
 */
int heat_intersect(const struct heat_window *a, size_t n_a, const struct heat_window *b,
		   size_t n_b, struct heat_window **ret, size_t *ret_n, uint64_t *ret_bytes);

/*
 * Order windows for demotion: coldest first, by buckets of bucket_usec of idle time (windows
 * idle for about as long are equally cold), by address within a bucket (one engine pass per
 * bucket). *ret_groups gets the end index of each bucket's run, *ret_n_groups their number
 * (at most n; the array has room for n). Never fails.
 */
void heat_order_cold(struct heat_window *w, size_t n, uint64_t bucket_usec, size_t *ret_groups,
		     size_t *ret_n_groups);

/*
 * What numabd remembers of a process's address space between DAMON reads, for demotion.
 *
 * One DAMON read shows one aggregation interval (100 ms): a region with no access in it may
 * still have been used a moment before. Two things made hot memory look cold in one read:
 * a vCPU (or, on a real machine, a thread) that did not run during that interval, and the
 * merge that follows it (DAMON merges neighbours whose counts are alike, 0 and 0 then, and
 * averages their ages, so the hot range comes back inside a large region that looks idle for
 * seconds). Demotion therefore takes an address as cold only when, at every read within the
 * threshold, no region covering it was seen accessed, and at least HEAT_COLD_READS
 * consecutive reads saw it idle. The record is kept per address range (spans), not per
 * region: a span takes the most recent access of every old span it overlaps, so a merge
 * cannot launder a hot range. (Promotion keeps the per-region record of heat_update(),
 * where a small hot spot in a large region must not make all of it hot.)
 */
#define HEAT_COLD_READS 3

struct heat_span {
	uint64_t start, end;      /* [start, end) */
	uint64_t recent_usec;     /* the last time an access may have happened here, 0 none seen */
	unsigned idle_reads;      /* consecutive reads that saw it idle (at most HEAT_COLD_READS) */
};

struct heat_record {
	struct heat_span *spans;  /* ascending, disjoint */
	size_t n;
};

/* Fold one read (cur, ascending, with DAMON's counts) into the record. 0 or -ENOMEM (the
 * record is then empty: nothing is cold until reads rebuild it). */
int heat_record_update(struct heat_record *h, const struct heat_attrs *a,
		       const struct heat_region *cur, size_t n_cur);

void heat_record_clear(struct heat_record *h);

/* Whether a span is cold for demotion: idle at HEAT_COLD_READS reads and for the threshold
 * (never seen: monitored for the threshold). */
bool heat_span_cold(const struct heat_attrs *a, const struct heat_span *s,
		    uint64_t hot_threshold_usec);

/*
 * The cold windows of the record (heat_span_cold()), adjacent cold spans merged (a window is
 * as cold as its least idle span) and then narrowed to 2 MiB boundaries: demotion never takes
 * part of a THP that may be hot. Ascending and disjoint; 0 or -ENOMEM.
 */
int heat_record_cold(const struct heat_record *h, const struct heat_attrs *a,
		     uint64_t hot_threshold_usec, struct heat_window **ret, size_t *ret_n,
		     uint64_t *ret_bytes);

/*
 * Free-memory watermarks of a fast node for tier mode. Below low the node "runs short": the
 * coldest pages of tier cgroups on it are demoted until it has high free again. Promotions
 * leave high free, so that a promotion never causes a demotion (the band between them is
 * the hysteresis). low = max(64 MiB, 3%), high = max(128 MiB, 6%) of the node.
 */
struct heat_watermarks {
	uint64_t low_bytes, high_bytes;
};

struct heat_watermarks heat_watermarks(uint64_t node_total_bytes);

/* What may be promoted onto a node with free_bytes free (0 below high). */
uint64_t heat_promote_room(const struct heat_watermarks *w, uint64_t free_bytes);

/* What must be demoted from it (0 unless below low; then up to high). */
uint64_t heat_demote_need(const struct heat_watermarks *w, uint64_t free_bytes);

/*
 * The home of a process's hot memory: the fast node in fast_nodes where most of its CPU time
 * ran (cpu_ns per node, span entries); without CPU time in the window, the fast node holding
 * most of its memory (mem_bytes, may be NULL); else the lowest fast node. -1 when fast_nodes
 * is empty.
 */
int heat_home_node(const uint64_t *cpu_ns, const uint64_t *mem_bytes, unsigned span,
		   uint64_t fast_nodes);

/*
 * Where to demote from fast node `from`: the node of slow_nodes nearest to it (SLIT distance;
 * ties: more free room) whose room (room_bytes per node, span entries) is not 0. -1 when none.
 */
int heat_demotion_target(const struct topology *t, int from, uint64_t slow_nodes,
			 const uint64_t *room_bytes, unsigned span);
