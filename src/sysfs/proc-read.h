/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Readers for /proc/<pid>: stat (comm, start time, last CPU), task/<tid>/stat (per-thread
 * CPU and run time), numa_maps (where a process's mapped pages are, and which
 * ranges carry the process's own memory policy), status (Mems_allowed). All take the procfs
 * root dirfd; -ENOENT/-ESRCH mean the process or thread exited.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/snapshot.h"

struct proc_stat {
	char comm[16];
	char state;
	uint64_t utime_ticks, stime_ticks;
	uint64_t start_time;   /* clock ticks since boot */
	int processor;         /* CPU last run on */
};

/* Parse the text of /proc/<pid>/stat or task/<tid>/stat. -EBADMSG when malformed. */
int proc_parse_stat(const char *text, struct proc_stat *ret);

/* Read one thread: last CPU and total run time (utime + stime, exact to a clock tick). */
int proc_read_task(int proc_fd, pid_t pid, pid_t tid, struct task_sample *ret);

/* Read a process: comm, start time, and (with_tasks) all of its threads, sorted by tid, from
 * task/<tid>/stat alone (the leader's entry gives comm and start time). Threads that exit while
 * being read are skipped; -ENOENT when none is left. ret->cpu_ns is left NULL. */
int proc_read_process(int proc_fd, pid_t pid, bool with_tasks, struct proc_sample *ret);

/* Where a process's pages are, from numa_maps. */
struct numa_maps_summary {
	unsigned span;            /* entries in bytes_per_node */
	uint64_t *bytes_per_node; /* mapped pages per node, in bytes */
	uint64_t total_bytes;
	uint64_t own_policy_bytes; /* pages in ranges with bind/interleave/preferred policy */
	uint64_t anon_bytes;
	unsigned n_own_policy_ranges;
};

/* Parse a whole numa_maps text into a summary with span per-node entries; node ids at or above
 * span are counted in total_bytes only. Malformed lines are skipped (the kernel's format is
 * stable; a truncated read leaves a partial last line). Returns 0 or -ENOMEM. */
int numa_maps_parse(const char *text, unsigned span, struct numa_maps_summary *ret);

/* Read and parse /proc/<pid>/numa_maps. This is a full page-table walk in the kernel: numab
 * reads it only when a process is first seen (DESIGN §5). */
int proc_read_numa_maps(int proc_fd, pid_t pid, unsigned span, struct numa_maps_summary *ret);

void numa_maps_summary_done(struct numa_maps_summary *s);

/* One numa_maps line, i.e. one mapping (numa_maps gives its start; the matching line of maps
 * gives its end). */
struct numa_maps_range {
	uint64_t start;
	uint64_t page_bytes;     /* kernelpagesize_kB in bytes; 4096 when not shown */
	uint64_t resident_bytes; /* the N<node>= pages, in bytes */
	unsigned mapmax;         /* most processes mapping one of its pages; 0 when not shown */
	bool own_policy;         /* bind, interleave, preferred or weighted interleave */
	bool huge;               /* a hugetlb mapping ("huge") */
	bool file;               /* file-backed ("file=") */
};

/* Parse a numa_maps text into one entry per well-formed line, in file order, which is
 * ascending start: malformed lines and lines that do not start above the previous one (a torn
 * read) are skipped. *ret is malloc()ed (NULL when there is none). Returns 0 or -ENOMEM. */
int numa_maps_parse_ranges(const char *text, struct numa_maps_range **ret, size_t *ret_n);

/* Read /proc/<pid>/numa_maps into ranges: a full page-table walk (see proc_read_numa_maps()). */
int proc_read_numa_maps_ranges(int proc_fd, pid_t pid, struct numa_maps_range **ret,
			       size_t *ret_n);

/* The cgroup v2 path ("/a/b") of the "0::" line of a /proc/<pid>/cgroup text, copied into buf.
 * -ENOENT without a v2 line, -ENOBUFS when buf is too small. */
int proc_parse_cgroup(const char *text, char *buf, size_t size);
int proc_read_cgroup(int proc_fd, pid_t pid, char *buf, size_t size);

/* Read Mems_allowed (a hex mask list "00000000,00000003") from /proc/<pid>/status. */
int proc_read_mems_allowed(int proc_fd, pid_t pid, uint64_t *ret);

/* Parse the comma-separated hex mask format of Mems_allowed / Cpus_allowed (low 64 bits). */
int proc_parse_hex_mask(const char *s, uint64_t *ret);

/* kernel.numa_balancing (<proc>/sys/kernel/numa_balancing), or -1 when it cannot be read. */
int proc_read_numa_balancing(int proc_fd);

/* The running kernel's version as major * 100 + minor (<proc>/sys/kernel/osrelease), 0 when
 * unknown. */
unsigned proc_read_kernel_version(int proc_fd);
