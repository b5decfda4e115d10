/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The placement sampler: where each cgroup's CPU time runs, per NUMA node, measured at every
 * context switch.
 *
 * numab needs, every tick, the CPU time of every cgroup per node (node balance, DESIGN §3) and,
 * for managed cgroups, per thread (home nodes, placement locality). Without BPF it rebuilds
 * that from /proc: every thread's utime+stime charged to the node of the CPU it ran on last,
 * which costs a stat read per thread per tick and misplaces the time of threads that moved
 * within the window. This program measures it directly: on sched_switch, the interval the
 * outgoing task just ran is charged to (its cgroup, this CPU); for cgroups userspace marked
 * managed also to (the thread, this CPU's node). Userspace folds CPUs into nodes and diffs the
 * running totals once per tick (sysfs/bpf-sampler.c).
 *
 * Attach point. tp_btf/sched_switch: a BTF-typed raw tracepoint (Linux 5.5+), so prev and next
 * are trusted task pointers that the program reads with plain CO-RE-relocated loads instead of
 * a bpf_probe_read_kernel() call per pointer; it loads on every kernel numab targets (6.1,
 * 6.12 and 7.x in the VM bench). Its prototype gained a fourth argument, prev_state, in 5.18
 * (commit fa2c3254d7cf, "sched/tracing: Don't re-read p->state when emitting sched_switch
 * event"); the program reads only the first three, which have not changed. The classic
 * tracepoint (tp/sched/sched_switch) would hand over copied pids and comms, no cgroup, and a
 * raw_tp would need a probe read per pointer hop.
 *
 * Cost. The program runs on every switch on every CPU with the runqueue lock held, so it does
 * the least that gives the answer: one clock read, one per-CPU array lookup (the CPU's record:
 * who switched in when, in which cgroup, the CPU's node, the counters), one short pointer walk
 * (next's cgroup, task->cgroups->dfl_cgrp->kn->id, what bpf_get_current_cgroup_id() returns
 * for the current task; prev's comes from the record written when prev switched in), and plain
 * adds into the record. While a CPU keeps running tasks of one cgroup (ping-pong between two
 * threads, a task and idle, a busy service) the stints add up in the record (pend_ns) and the
 * per-CPU hash of cgroup totals is touched only when the cgroup changes or the sum reaches
 * 10 ms: one lookup plus a plain add into this CPU's slot (no atomic, no shared cache line). Userspace counts the pending sum
 * like the run in progress (below). Measured with BPF run-time statistics on the 6.18
 * development host (a virtual machine; an empty program measures 55 ns there), the program
 * took ~200 ns per switch before the record kept the sum, half of it the hash lookup, and
 * takes ~135 ns with it (bench/sampler-cost). The
 * per-thread path looks the cgroup up in the managed set once per cgroup change (and after
 * userspace changes the set, managed_gen), never while the set is empty, and for managed
 * cgroups adds atomically into a (thread, node) entry; a thread runs on one CPU at a time, so
 * that line is not contended either. The node dimension costs nothing here: the per-cgroup
 * values are per CPU anyway, and userspace maps CPUs to nodes with the topology it reads each
 * tick (so CPU hotplug needs no reload). Only the per-thread key needs the node; it comes from
 * the CPU's record, where userspace wrote it before attaching.
 *
 * Run time. The interval charged is the task's stint on this CPU, from the switch that put it
 * there (recorded in the CPU's record) to the switch that takes it off, on CLOCK_MONOTONIC
 * (bpf_ktime_get_ns()). For a task of the fair class (prio >= MAX_RT_PRIO) the kernel keeps the
 * same number in its own accounting: se.sum_exec_runtime - se.prev_sum_exec_runtime, the run
 * time since it was picked (set_next_entity() sets prev_sum_exec_runtime), which leaves out
 * interrupts (CONFIG_IRQ_TIME_ACCOUNTING) and, in a guest, steal time
 * (CONFIG_PARAVIRT_TIME_ACCOUNTING), as the utime + stime of /proc do. The program charges the
 * smaller of the two, so its numbers are the kernel's CPU time wherever the kernel keeps it, and
 * a class that does not maintain prev_sum_exec_runtime (sched_ext) cannot inflate them. (The
 * kernel also resets prev_sum_exec_runtime when a running task is re-picked without a switch,
 * which 6.1 does only on its slow pick path, or is put and set again because its nice value,
 * class or cgroup changes; that stint is undercounted, by the part before the reset.) When
 * the record does not describe the task switching out, the switch that put it here was never
 * seen: the first switch after attach, or a kernel that does not emit every sched_switch (the
 * 6.18 development host skips some, e.g. switches out of the idle task). A fair task is then
 * charged the kernel's number, capped at the time since the last switch the record saw (or
 * since attach, which userspace writes into the record), since prev came on after it
 * (SAMPLER_STAT_RECOVERED); anything else is not charged (SAMPLER_STAT_UNTRACKED). A task that runs without switching (a busy thread alone on
 * its CPU) would be seen only when it stops, so the record of the running task (tid, cgroup,
 * start) is published under a generation count and userspace adds the run in progress at
 * read time.
 *
 * Who is charged. The idle task (pid 0, one per CPU) is never charged: its time is not any
 * cgroup's. Kernel threads are charged like any task; cgroup v2 keeps them in the root cgroup,
 * so their time is the root's own time, as the /proc method (the root's cgroup.procs lists
 * them) counts it. A stint is charged to the cgroup the task was in when it switched in: a
 * task moved to another cgroup while it runs (rare: cgroup.procs writes mostly move sleeping or
 * new tasks) counts in its new cgroup from its next stint on. That saves reading prev's cgroup
 * a second time on every switch.
 *
 * Maps full. Entries are created on first use (BPF_NOEXIST, so two CPUs creating the same
 * entry do not reset each other). When a map is full the run time is dropped and counted
 * (SAMPLER_STAT_*_FULL, SAMPLER_STAT_DROPPED_NS); userspace removes the entries of cgroups and
 * threads that are gone, each tick.
 */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "sampler.h"

char LICENSE[] SEC("license") = "GPL";

/* The CPU's record (struct sampler_cpu). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sampler_cpu);
} cpus SEC(".maps");

/* cgroup id -> nanoseconds run on each CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, SAMPLER_DEFAULT_CGROUPS);
	__type(key, __u64);
	__type(value, __u64);
} cgroup_ns SEC(".maps");

/* (thread, node) -> run time, for threads of managed cgroups. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SAMPLER_DEFAULT_THREADS);
	__type(key, struct sampler_thread_key);
	__type(value, struct sampler_thread_val);
} thread_ns SEC(".maps");

/* cgroup ids whose threads are followed, written by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SAMPLER_DEFAULT_MANAGED);
	__type(key, __u64);
	__type(value, __u8);
} managed SEC(".maps");

/* Written by userspace (through the mmapped .bss) after it changes managed: the number of ids
 * in it (0 skips the per-thread path without a lookup), and a generation that tells each CPU
 * to look its current cgroup up again. */
__u32 nr_managed;
__u32 managed_gen;

/* The pending sum of a CPU's current cgroup goes into the map once it reaches this much: what
 * a reader can miss for a moment (sysfs/bpf-sampler.c) stays small, and the map is still
 * touched only once per 10 ms of CPU time while the cgroup does not change. */
#define PEND_FLUSH_NS 10000000ull

/* The first priority of the fair class (include/linux/sched/prio.h); lower is RT or deadline. */
#define MAX_RT_PRIO 100

#define WRITE_ONCE_U64(x, v) (*(volatile __u64 *)&(x) = (v))

static __always_inline __u64 task_cgroup_id(const struct task_struct *p)
{
	/* task_dfl_cgroup(p)->kn->id, the kernfs node id that is also the inode number of the
	 * cgroup's directory; kn->id is a u64 since 5.5 (commit 67c0496e87d1, "kernfs: convert
	 * kernfs_node->id from union kernfs_node_id to u64"). */
	return p->cgroups->dfl_cgrp->kn->id;
}

static __always_inline void charge_thread(struct sampler_cpu *c, const struct task_struct *p,
					  __u64 cgid, __u64 delta)
{
	struct sampler_thread_key key = { .tid = p->pid, .node = c->node };
	struct sampler_thread_val *v;

	v = bpf_map_lookup_elem(&thread_ns, &key);
	if (!v) {
		struct sampler_thread_val init = { .cgroup_id = cgid, .tgid = p->tgid };

		if (bpf_map_update_elem(&thread_ns, &key, &init, BPF_NOEXIST) == 0)
			c->stats[SAMPLER_STAT_THREAD_NEW]++;
		v = bpf_map_lookup_elem(&thread_ns, &key);
		if (!v) {
			c->stats[SAMPLER_STAT_THREAD_FULL]++;
			c->stats[SAMPLER_STAT_DROPPED_NS] += delta;
			return;
		}
	}
	__sync_fetch_and_add(&v->run_ns, delta);
	v->cgroup_id = cgid;
}

/* Add ns to the cgroup's total on this CPU in the map. */
static __always_inline void flush(struct sampler_cpu *c, __u64 cgid, __u64 add_ns)
{
	__u64 *ns;

	ns = bpf_map_lookup_elem(&cgroup_ns, &cgid);
	if (!ns) {
		__u64 zero = 0;

		if (bpf_map_update_elem(&cgroup_ns, &cgid, &zero, BPF_NOEXIST) == 0)
			c->stats[SAMPLER_STAT_CGROUP_NEW]++;
		ns = bpf_map_lookup_elem(&cgroup_ns, &cgid);
	}
	if (ns) {
		/* This CPU's slot: only this CPU writes it, and it is not running anything else. */
		*ns += add_ns;
	} else {
		c->stats[SAMPLER_STAT_CGROUP_FULL]++;
		c->stats[SAMPLER_STAT_DROPPED_NS] += add_ns;
	}
}

/* Charge a stint: into the record while the CPU keeps running the same cgroup, into the map
 * when it changes; and to the thread when its cgroup is managed. */
static __always_inline void charge(struct sampler_cpu *c, const struct task_struct *p,
				   __u64 cgid, __u64 delta)
{
	__u32 gen = managed_gen;

	c->stats[SAMPLER_STAT_CHARGED]++;
	if (cgid != c->pend_cgroup_id) {
		if (c->pend_ns)
			flush(c, c->pend_cgroup_id, c->pend_ns);
		c->pend_cgroup_id = cgid;
		c->pend_ns = 0;
		c->pend_gen++;
		c->managed_gen = gen - 1;
	}
	c->pend_ns += delta;
	if (c->pend_ns >= PEND_FLUSH_NS) {
		flush(c, cgid, c->pend_ns);
		c->pend_ns = 0;
		c->pend_gen++;
	}
	if (c->managed_gen != gen) {
		c->pend_managed = nr_managed && bpf_map_lookup_elem(&managed, &cgid);
		c->managed_gen = gen;
	}
	if (c->pend_managed)
		charge_thread(c, p, cgid, delta);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sampler_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0;
	struct sampler_cpu *c;
	__u64 gen;

	c = bpf_map_lookup_elem(&cpus, &zero);
	if (!c)
		return 0;

	/* Open the record before the charge lands in the maps: a reader that sees the charge
	 * also sees a changed or torn record and does not count the same run a second time. */
	gen = c->gen_begin + 1;
	WRITE_ONCE_U64(c->gen_begin, gen);
	barrier();

	c->stats[SAMPLER_STAT_SWITCHES]++;
	if (prev->pid == 0) {
		c->stats[SAMPLER_STAT_IDLE]++;
	} else {
		bool seen = c->tid == (__u32)prev->pid && c->start_ns && now >= c->start_ns;
		__u64 delta = seen ? now - c->start_ns : 0;

		if (prev->prio >= MAX_RT_PRIO) {
			__u64 stint = prev->se.sum_exec_runtime - prev->se.prev_sum_exec_runtime;

			if (!seen) {
				/* prev came on after the last switch this CPU recorded (or after
				 * attach, which userspace wrote as the start): no longer than that. */
				if (c->start_ns && now >= c->start_ns && stint > now - c->start_ns)
					stint = now - c->start_ns;
				c->stats[SAMPLER_STAT_RECOVERED]++;
				charge(c, prev, task_cgroup_id(prev), stint);
			} else {
				charge(c, prev, c->cgroup_id, stint < delta ? stint : delta);
			}
		} else if (seen) {
			charge(c, prev, c->cgroup_id, delta);
		} else {
			c->stats[SAMPLER_STAT_UNTRACKED]++;
		}
	}

	c->start_ns = now;
	c->tid = next->pid;
	c->tgid = next->tgid;
	c->cgroup_id = next->pid ? task_cgroup_id(next) : 0;

	barrier();
	WRITE_ONCE_U64(c->gen_end, gen);
	return 0;
}
