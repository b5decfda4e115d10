/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Types shared by the placement sampler's BPF program (sampler.bpf.c) and its userspace side
 * (sysfs/bpf-sampler.c): map keys and values, the per-CPU record and the statistics. No libc:
 * the BPF side gets the __u* types from vmlinux.h, userspace from <linux/types.h>.
 */

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Default map sizes; userspace may change them before load (struct sampler_options). */
#define SAMPLER_DEFAULT_CGROUPS 8192   /* per-cgroup entries: one per cgroup that ran */
#define SAMPLER_DEFAULT_THREADS 65536  /* per-thread entries: one per (thread, node) */
#define SAMPLER_DEFAULT_MANAGED 4096   /* cgroup ids marked managed */

/* Node of a CPU that userspace did not name (a CPU that was not online at load). */
#define SAMPLER_NODE_NONE 0xffffffffu

/* Counters, one set per CPU in struct sampler_cpu; userspace sums them (scx style). */
enum sampler_stat {
	SAMPLER_STAT_SWITCHES,     /* sched_switch events seen */
	SAMPLER_STAT_IDLE,         /* switches away from the idle task: nothing to charge */
	SAMPLER_STAT_UNTRACKED,    /* the task switched out is not the one this CPU recorded
				    * switching in (the first switch after attach), and not of
				    * the fair class: not charged */
	SAMPLER_STAT_RECOVERED,    /* the same for a fair-class task: charged the kernel's run
				    * time of its stint instead */
	SAMPLER_STAT_CHARGED,      /* stints charged to a cgroup */
	SAMPLER_STAT_CGROUP_NEW,   /* per-cgroup entries created */
	SAMPLER_STAT_CGROUP_FULL,  /* run time dropped: the per-cgroup map was full */
	SAMPLER_STAT_THREAD_NEW,   /* per-thread entries created */
	SAMPLER_STAT_THREAD_FULL,  /* per-thread stints dropped: the per-thread map was full */
	SAMPLER_STAT_DROPPED_NS,   /* nanoseconds of run time lost to full maps */
	_SAMPLER_STAT_MAX,
};

/*
 * The per-CPU record (a one-entry per-CPU array): who runs on this CPU since when, the CPU's
 * node, the run time charged to the current cgroup but not yet added to the map, and the
 * counters. The program increments gen_begin before it changes anything and sets gen_end to
 * the same value when it is done; the two sit at opposite ends so that a copy made in address
 * order (as the kernel's map lookup copies) is whole when they are equal. Userspace uses whole
 * records to count the run still in progress and the pending sum (sysfs/bpf-sampler.c).
 */
struct sampler_cpu {
	__u64 gen_end;        /* == gen_begin when the record is consistent (written last) */
	__u64 start_ns;       /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) when the task switched in */
	__u64 cgroup_id;      /* its cgroup v2 id; 0 for the idle task */
	__u32 tid;            /* its thread id (task->pid); 0 for the idle task */
	__u32 tgid;           /* its process id */
	__u32 node;           /* this CPU's node, written by userspace before attach */
	__u32 managed_gen;    /* managed_gen when pend_managed was looked up */
	__u64 pend_cgroup_id; /* the cgroup whose stints on this CPU add up in pend_ns */
	__u64 pend_ns;        /* charged, not yet added to the per-cgroup map */
	__u32 pend_managed;   /* pend_cgroup_id is in the managed set */
	__u32 pend_gen;       /* incremented when pend_cgroup_id changes (pend_ns is flushed) */
	__u64 stats[_SAMPLER_STAT_MAX];
	__u64 gen_begin;      /* incremented first on every switch */
};

/* Per-thread map key: run time of a thread on the CPUs of one node. */
struct sampler_thread_key {
	__u32 tid;
	__u32 node;           /* SAMPLER_NODE_NONE when the CPU's node was unknown at load */
};

struct sampler_thread_val {
	__u64 run_ns;         /* total run time since the entry was created */
	__u64 cgroup_id;      /* the cgroup the thread ran in last */
	__u32 tgid;           /* its process */
	__u32 pad;
};
