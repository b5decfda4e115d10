/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * DAMON's sysfs interface (/sys/kernel/mm/damon/admin), as numabd uses it for tier mode:
 * one kdamond per monitored process, each with one virtual-address context, one target (the
 * pid) and one DAMOS scheme with the "stat" action that matches every region, so that
 * "update_schemes_tried_regions" lists all of the process's regions with their nr_accesses
 * and age. Every path is relative to the sysfs root dirfd (shared/roots.h), so a fixture tree
 * stands in for the kernel in unit tests.
 *
 * The interface is global: nr_kdamonds cannot change while any kdamond runs, and DAMON's
 * modules (DAMON_STAT, DAMON_RECLAIM, DAMON_LRU_SORT) start their kdamond "exclusive", which
 * makes every sysfs start fail with -EBUSY. damon_probe() tells which of these holds.
 *
 * Sequence (verified on 6.12.117 and 7.2.13): nr_kdamonds=N; per kdamond contexts/
 * nr_contexts=1; operations=vaddr; intervals and nr_regions; targets/nr_targets=1,
 * targets/0/pid_target=PID; schemes/nr_schemes=1, schemes/0/action=stat and every
 * access_pattern min/max written explicitly (6.12 creates a scheme whose maxima are 0: it
 * would match nothing); state=on. On 7.2 the same sequence works once DAMON_STAT is off.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/heat.h"

#define DAMON_ADMIN_DIR "kernel/mm/damon/admin"

enum damon_availability {
	DAMON_AVAILABLE,        /* numabd may configure kdamonds */
	DAMON_MISSING,          /* no DAMON sysfs interface (Debian's 6.1: CONFIG_DAMON=n) */
	DAMON_NO_VADDR,         /* no virtual address operations (CONFIG_DAMON_VADDR=n) */
	DAMON_EXCLUSIVE,        /* a DAMON module runs an exclusive kdamond (holder says which) */
	DAMON_IN_USE,           /* kdamonds configured by another tool (damo, a script) */
	_DAMON_AVAILABILITY_MAX,
};

struct damon_probe {
	enum damon_availability state;
	unsigned nr_kdamonds;   /* configured now */
	unsigned n_running;     /* of those, running */
	char holder[32];        /* DAMON_EXCLUSIVE: the module ("damon_stat", ...) */
};

/* Look at DAMON's state: whether numabd could use it now. owned: the number of kdamonds a
 * previous numabd configured (they do not count as another tool's), 0 if none. Returns 0 and
 * fills *ret, or a negative errno for an unreadable tree. */
int damon_probe(int sysfs_fd, unsigned owned, struct damon_probe *ret);

/* A short human reason for a state other than DAMON_AVAILABLE, into buf; returns buf. */
const char *damon_probe_reason(const struct damon_probe *p, char *buf, size_t size);

/* The monitoring attributes of numabd's kdamonds. */
struct damon_attrs {
	uint64_t sample_usec;
	uint64_t aggr_usec;
	uint64_t update_usec;
	unsigned min_regions, max_regions;
};

/* DAMON's own defaults for the intervals (5 ms, 100 ms, 1 s): the sampling costs one page-table
 * check per region per 5 ms; at most 400 regions (DAMON's 1000 costs as many file reads per
 * refresh, and 400 regions resolve a 4 GiB process to 10 MiB). */
#define DAMON_ATTRS_DEFAULT                                                                 \
	((struct damon_attrs){ .sample_usec = 5000, .aggr_usec = 100000, .update_usec = 1000000, \
			       .min_regions = 10, .max_regions = 400 })

struct damon_admin;

/*
 * Configure n kdamonds (nr_kdamonds=n, one context each), all stopped. Fails with -EBUSY while
 * any kdamond runs (numabd's stale ones must be stopped first: damon_stop_all()), -ENOENT
 * without DAMON. Returns 0 and *ret, or a negative errno.
 */
int damon_admin_open(int sysfs_fd, unsigned n, struct damon_admin **ret);

/* Stop every kdamond numabd started and set nr_kdamonds=0; accepts NULL, returns NULL. */
struct damon_admin *damon_admin_free(struct damon_admin *a);

/* Number of kdamonds. */
unsigned damon_admin_size(const struct damon_admin *a);

/*
 * Monitor pid with kdamond slot. Idempotent: a slot already running for pid is left as it
 * is; one running for another pid is stopped and set up again. Returns 0, -EBUSY when DAMON
 * refuses to start (an exclusive module started meanwhile), -ESRCH when the pid is gone, or
 * another negative errno.
 */
int damon_admin_start(struct damon_admin *a, unsigned slot, pid_t pid, const struct damon_attrs *attrs);

/* Stop slot (no-op when it is not running). 0 or a negative errno. */
int damon_admin_stop(struct damon_admin *a, unsigned slot);

/* Whether slot's kdamond runs (a vaddr kdamond stops by itself when its process exits):
 * 1, 0, or a negative errno. */
int damon_admin_running(struct damon_admin *a, unsigned slot);

/*
 * The regions of slot's process now: asks the kdamond to list the regions its scheme tried
 * (the write returns after the kdamond's next aggregation: up to aggr_usec), then reads them.
 * *ret is malloc()ed, ascending (NULL with *ret_n 0 when none). Returns 0, -ESRCH when the
 * kdamond is not running (its process exited), or a negative errno.
 */
int damon_admin_regions(struct damon_admin *a, unsigned slot, struct heat_region **ret,
			size_t *ret_n);

/*
 * Stop every running kdamond and set nr_kdamonds=0: the cleanup of kdamonds a previous numabd
 * left (only call it when they are known to be numabd's). *ret_stopped (may be NULL): how many
 * were running. 0 or a negative errno.
 */
int damon_stop_all(int sysfs_fd, unsigned *ret_stopped);

/* Parse the tried_regions directory of one scheme (dirfd of ".../schemes/0/tried_regions").
 * Exposed for tests. */
int damon_read_tried_regions(int dirfd, struct heat_region **ret, size_t *ret_n);
