/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One snapshot of the machine as numab sees it: every cgroup of the v2 tree with its memory
 * per node, cpuset, NUMA counters and processes; per task the CPU it last ran on and its total
 * run time. Two snapshots make a window (core/placement.h). Filled by sysfs/snapshot-read.c;
 * plain data otherwise, so tests and benchmarks can build them by hand.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "shared/nodemask.h"

/* Per-node memory items from memory.numa_stat, in bytes. */
enum cg_mem_item {
	CG_MEM_ANON,
	CG_MEM_FILE,        /* page cache, including shmem */
	CG_MEM_SHMEM,
	CG_MEM_FILE_MAPPED, /* mapped page cache (shmem included when mapped) */
	CG_MEM_KERNEL,      /* kernel_stack + pagetables + sec_pagetables + slab */
	_CG_MEM_MAX,
};

/* Controllers available in a cgroup (its cgroup.controllers). */
enum {
	CG_CTRL_MEMORY = 1u << 0,
	CG_CTRL_CPUSET = 1u << 1,
	CG_CTRL_CPU = 1u << 2,
};

/* The kernel's per-memcg NUMA balancing counters in memory.stat (Linux 6.12+). */
enum cg_numa_counter {
	CG_NUMA_PAGES_MIGRATED,
	CG_NUMA_PTE_UPDATES,
	CG_NUMA_HINT_FAULTS,
	CG_PGPROMOTE_SUCCESS,
	CG_PGDEMOTE_KSWAPD,
	CG_PGDEMOTE_DIRECT,
	CG_PGDEMOTE_KHUGEPAGED,
	_CG_NUMA_COUNTER_MAX,
};

struct task_sample {
	pid_t tid;
	int last_cpu;          /* field 39 of stat: the CPU it last ran on */
	uint64_t runtime_ns;   /* utime + stime: total time on a CPU, to a clock tick */
};

struct proc_sample {
	pid_t pid;
	uint64_t start_time;   /* field 22 of stat, clock ticks since boot: tells reused pids */
	char comm[16];
	struct task_sample *tasks; /* sorted by tid */
	unsigned n_tasks;
	/* Filled by placement_compute(): */
	uint64_t *cpu_ns;      /* per node (span entries), CPU time in the window */
	uint64_t cpu_ns_total;
};

struct cg_sample {
	char *path;            /* "/" for the root, "/a/b" below it */
	uint64_t id;           /* cgroup id (the directory's inode number) */
	int parent;            /* index in the snapshot, -1 for the root */
	unsigned depth;        /* 0 for the root */
	uid_t owner;           /* owner of the directory */
	unsigned controllers;  /* CG_CTRL_*: the root's cgroup.controllers; below it, the
				* controllers whose files were found */
	bool has_numa_stat;    /* memory.numa_stat was read */
	bool has_counters;     /* memory.stat had the NUMA counters */
	uint64_t *mem;         /* span * _CG_MEM_MAX bytes: mem[node * _CG_MEM_MAX + item];
				* hierarchical, as the kernel reports it */
	uint64_t mems_effective; /* cpuset.mems.effective (all online nodes without cpuset) */
	uint64_t policy_mems;  /* the nodes policy may choose from when not mems_effective (0):
				* the daemon sets the parent's for a cpuset.mems it bound itself
				* (pin=hard), which may grow or move within the parent's */
	char *cpus_effective;  /* cpuset.cpus.effective, NULL without cpuset */
	uint64_t counters[_CG_NUMA_COUNTER_MAX];
	struct proc_sample *procs; /* the cgroup's own processes, sorted by pid */
	unsigned n_procs;
	/* Filled by placement_compute(), hierarchical (own processes plus descendants'): */
	uint64_t *cpu_ns;      /* per node (span entries) */
	uint64_t cpu_ns_total;
};

/* The nodes the policy of cgroup c may use (see policy_mems). */
static inline uint64_t cg_policy_mems(const struct cg_sample *c)
{
	return c->policy_mems ? c->policy_mems : c->mems_effective;
}

struct snapshot {
	uint64_t timestamp_usec;    /* CLOCK_MONOTONIC when the snapshot began */
	unsigned span;              /* length of per-node arrays: highest node id + 1 */
	uint64_t node_mask;         /* online nodes when taken */
	bool has_memory_controller; /* the root's cgroup.controllers lists memory */
	bool has_cpuset_controller;
	bool with_tasks;            /* processes and tasks were read */
	struct cg_sample *cgroups;  /* pre-order: parents before children; [0] is the root */
	unsigned n_cgroups;
	unsigned n_alloc;
	unsigned n_procs_total, n_tasks_total;
};

/* Allocate an empty snapshot for span nodes. NULL on OOM. */
struct snapshot *snapshot_new(unsigned span);

/* Free; accepts NULL, returns NULL. */
struct snapshot *snapshot_free(struct snapshot *s);

/* Append a cgroup (zeroed, with its per-node arrays allocated); returns its index or -ENOMEM.
 * The path is copied. Pointers into s->cgroups are invalidated by the next append. */
int snapshot_add_cgroup(struct snapshot *s, const char *path, int parent);

/* Find a cgroup by path; -ENOENT when absent. Linear; callers that need many lookups should
 * build their own index. */
int snapshot_find(const struct snapshot *s, const char *path);

/* Movable bytes on a node: anon + shmem + mapped file pages (DESIGN §3). Mapped shmem is in
 * both shmem and file_mapped; the sum is capped at file so it is not counted twice. */
uint64_t cg_movable_bytes(const struct cg_sample *c, unsigned node);

/* Total movable bytes over all nodes. */
uint64_t cg_movable_total(const struct cg_sample *c, unsigned span);

static inline uint64_t cg_mem(const struct cg_sample *c, unsigned node, enum cg_mem_item item)
{
	return c->mem[node * _CG_MEM_MAX + item];
}

/* Memory the cgroup's processes map on node: anon + mapped file (shmem included when mapped). */
static inline uint64_t cg_mapped_bytes(const struct cg_sample *c, unsigned node)
{
	return cg_mem(c, node, CG_MEM_ANON) + cg_mem(c, node, CG_MEM_FILE_MAPPED);
}

/* Names used in memory.stat / JSON output. */
const char *cg_numa_counter_to_string(enum cg_numa_counter c);
const char *cg_mem_item_to_string(enum cg_mem_item i);

/* Find a process by pid in a cgroup (binary search); NULL when absent. */
const struct proc_sample *cg_find_proc(const struct cg_sample *c, pid_t pid);

/* Remove the most recently added cgroup (one that vanished while it was read). */
void snapshot_drop_last(struct snapshot *s);
