/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The BPF placement sampler, userspace side: loads src/bpf/sampler.bpf.c (through its
 * skeleton), tells it which cgroups are managed, and once per tick turns its running totals
 * into the CPU placement of a snapshot: per cgroup per node CPU time since the previous read
 * (every cgroup), and per process for managed cgroups. It replaces the /proc method
 * (core/placement.h, placement_compute()) where BPF is available; the numbers mean the same
 * (hierarchical cgroup totals, nanoseconds per node), measured at every context switch instead
 * of charged to the last CPU of each thread.
 *
 * It lives with the readers (sysfs/) because it is one: it reads the live kernel into the
 * snapshot model and never logs above debug. It is built by src/bpf/meson.build into
 * libnumab-bpf (dependency numab_bpf_dep), next to the skeleton it includes, so that libcore
 * and the unit tests need neither libbpf nor clang.
 *
 * Typical use (numabd):
 *
 *	r = sampler_open(&roots, NULL, &s);
 *	if (r >= 0) r = sampler_load(s, topo);
 *	if (r >= 0) r = sampler_attach(s);
 *	if (r < 0) { s = sampler_free(s); log_notice: "BPF sampler unavailable (%m), using /proc" }
 *	each tick: snapshot_take(...); sampler_set_managed() for cgroups that became managed or
 *	           unmanaged; sampler_read(s, topo, snap) instead of placement_compute(prev, snap)
 *	at exit: sampler_free(s)
 *
 * Not thread-safe: one thread owns a sampler. All functions return 0 or negative errno.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpf/sampler.h"
#include "core/snapshot.h"
#include "core/topology.h"
#include "shared/macro.h"
#include "shared/roots.h"

struct sampler;

struct sampler_options {
	unsigned max_cgroups; /* per-cgroup map entries (0: SAMPLER_DEFAULT_CGROUPS); each costs
			       * 8 bytes per possible CPU */
	unsigned max_threads; /* per-(thread, node) entries for managed cgroups
			       * (0: SAMPLER_DEFAULT_THREADS) */
	unsigned max_managed; /* cgroups that can be marked managed (0: SAMPLER_DEFAULT_MANAGED) */
};

/*
 * Open the BPF object (nothing reaches the kernel yet). roots must be the live roots: the
 * sampler measures the running kernel. opts may be NULL for the defaults.
 * Returns 0 and a new sampler; -EOPNOTSUPP when the roots are not live or the kernel has no
 * BTF (<sysfs>/kernel/btf/vmlinux); -EINVAL for bad options; -ENOMEM.
 */
int sampler_open(const struct numab_roots *roots, const struct sampler_options *opts,
		 struct sampler **ret);

/*
 * Load the program and create its maps; record each CPU's node from topo. Returns 0; -EPERM
 * without the privileges to load BPF (CAP_BPF and CAP_PERFMON, or root); -EOPNOTSUPP when the
 * kernel lacks BPF or rejects the program (libbpf's messages and the verifier log go to
 * log_debug(), see bpf/bpf-log.h); -ENOMEM.
 */
int sampler_load(struct sampler *s, const struct topology *topo);

/*
 * Attach to sched_switch: from now on run time accumulates. Attaching again after
 * sampler_detach() starts afresh on every CPU (the time in between is not counted).
 * Returns 0, -EBUSY when attached already, -EPERM, or -EOPNOTSUPP when the kernel refuses.
 */
int sampler_attach(struct sampler *s);

/* Detach from sched_switch (the maps and the totals stay). 0, or -EBADFD when not attached. */
int sampler_detach(struct sampler *s);

/* Detach, unload and free; accepts NULL, returns NULL. */
struct sampler *sampler_free(struct sampler *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct sampler *, sampler_free);

/*
 * Mark a cgroup (its id, struct cg_sample.id) managed or not. The threads of a managed
 * cgroup get per-thread totals; marking is per cgroup, not per subtree (mark each managed
 * descendant too). Takes effect at once in the kernel; threads of a cgroup that stopped being
 * managed are dropped at the next sampler_read(). Returns 0; -ENOSPC when max_managed cgroups
 * are marked; -ENOMEM; or the map update's error. Needs sampler_load() first (-EBADFD).
 */
int sampler_set_managed(struct sampler *s, uint64_t cgroup_id, bool managed);

/* Whether a cgroup is marked managed. */
bool sampler_is_managed(const struct sampler *s, uint64_t cgroup_id);

/*
 * Fill the CPU placement of snap from the run time since the previous sampler_read() (the
 * first read after attach covers the time since attach, except the run in progress on a CPU
 * that has not switched since the attach, which is seen when it ends: treat the first read
 * as the baseline, as placement_compute() does): for every cgroup, cpu_ns[node] and
 * cpu_ns_total, hierarchical (its own threads plus its descendants'), as placement_compute()
 * fills them; for the processes in snap of managed cgroups, their cpu_ns from their threads
 * (those of other cgroups get zeros). The run still in progress on each CPU is included, so a
 * thread that never switches out is seen too. Nodes come from topo (the current topology);
 * CPUs in no node are not counted in cpu_ns. A change of snap->span starts the totals afresh.
 * Map entries of cgroups that are not in snap, and of threads that are not in a managed
 * cgroup (or, when snap has tasks, no longer in snap), are removed: pass a snapshot of the
 * whole tree. Also keeps the per-thread numbers that sampler_thread_cpu_ns() returns.
 * Returns 0, -EBADFD before sampler_load(), -ENOMEM, or the map read's error (snap's
 * placement is then unchanged).
 */
int sampler_read(struct sampler *s, const struct topology *topo, struct snapshot *snap);

/*
 * The per-node run time of one thread of a managed cgroup over the last sampler_read() window,
 * into ret_cpu_ns[0..span-1] (span is the snapshot span of that read). Returns 0, or -ENOENT
 * when the thread had no run time in a managed cgroup in that window.
 */
int sampler_thread_cpu_ns(const struct sampler *s, pid_t tid, uint64_t *ret_cpu_ns,
			  unsigned span);

/* The counters summed over CPUs (enum sampler_stat), since load. 0 or the lookup's error. */
int sampler_stats(const struct sampler *s, uint64_t ret[_SAMPLER_STAT_MAX]);

/*
 * The program's run count and total run time in nanoseconds, as the kernel counts them while
 * BPF run-time statistics are on (bpf_enable_stats(BPF_STATS_RUN_TIME), or the sysctl
 * kernel.bpf_stats_enabled); they stay 0 otherwise. Returns 0, -EBADFD before sampler_load(),
 * or the info query's error.
 */
int sampler_prog_runtime(const struct sampler *s, uint64_t *ret_runs, uint64_t *ret_ns);

/* Name of a counter ("switches", "cgroup_full", ...), NULL when out of range. */
const char *sampler_stat_to_string(enum sampler_stat st);
