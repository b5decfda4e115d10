/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Per-process memory scan state, kept by numabd across ticks for each managed process: which
 * address ranges may be looked at and moved, where a sample of their pages is (bytes per node,
 * with the sample's age), and the cursors that make scanning and moving incremental.
 *
 *   procmem_new()           one object per process (pid + start time)
 *   procmem_load()          first sight: maps + numa_maps (a full page walk, once)
 *   procmem_refresh_maps()  later: maps only (no page walk), when the daemon asks
 *   procmem_scan()          one tick's bounded share of status queries; updates the estimate
 *   procmem_estimate_get()  the placement estimate for "placement locality" (DESIGN §3)
 *
 * Also here: the kernel interface both this module and actuate.c go through (struct
 * procmem_sys, replaceable by a fake in tests) and the process pin (pidfd + start time +
 * cgroup), which actuate.c and affinity.c use before they change anything.
 *
 * Not thread-safe: one caller at a time per object. Every function that reads /proc takes the
 * procfs root dirfd (shared/roots.h).
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shared/nodemask.h"

#define PROCMEM_PAGE_BYTES 4096u
/* A PMD-sized transparent huge page: the largest folio an anonymous or shmem mapping has on
 * x86-64 (and arm64 with 4 KiB pages). Aligned windows of this size are kept whole in batches
 * (actuate.c). */
#define PROCMEM_THP_BYTES (2u << 20)
#define PROCMEM_THP_PAGES (PROCMEM_THP_BYTES / PROCMEM_PAGE_BYTES)

/* ---------------------------------------------------------------- kernel interface */

/*
 * The syscalls numab's actuation uses, as function pointers so that unit tests can simulate the
 * kernel (durations, errors, THP tails). procmem_sys_live is the real kernel.
 */
struct procmem_sys {
	/* move_pages(2): nodes NULL queries where pages are; status[i] gets a node or a
	 * negative errno. Returns what the syscall returns (0, or the positive number of pages
	 * not migrated), or a negative errno instead of -1/errno. */
	long (*move_pages)(void *userdata, pid_t pid, unsigned long count, void **pages,
			   const int *nodes, int *status, int flags);
	/* Which parts of [start, end) of the process are mapped by PMD-sized huge pages (THP or
	 * hugetlb): a bitmap with one bit per PROCMEM_THP_BYTES-aligned window starting at start
	 * (start is window-aligned; bits has room for (end - start) / PROCMEM_THP_BYTES bits,
	 * zeroed by the caller). Returns 0, or a negative errno; -EOPNOTSUPP when the kernel
	 * cannot tell (PAGEMAP_SCAN is Linux 6.7+). May be NULL. pagemap_fd is an open
	 * /proc/<pid>/pagemap, or -EBADF. */
	int (*huge_windows)(void *userdata, int pagemap_fd, uint64_t start, uint64_t end,
			    uint64_t *bits);
	/* The first address in [start, end) (page-aligned) that has a present page, in *ret, or
	 * end when none has: lets a walk skip unpopulated address space (sanitizer shadow, JVM
	 * and Go heap reservations: terabytes of mappings with nothing in them) in one syscall
	 * instead of one status query per page. Returns 0, or a negative errno; -EOPNOTSUPP
	 * when the kernel cannot tell (PAGEMAP_SCAN, Linux 6.7+). May be NULL. */
	int (*next_present)(void *userdata, int pagemap_fd, uint64_t start, uint64_t end,
			    uint64_t *ret);
	/* CLOCK_MONOTONIC in nanoseconds. */
	uint64_t (*now_ns)(void *userdata);
	void *userdata;
};

/* The real kernel: the raw move_pages syscall (no libnuma: its constructor reads sysfs at load
 * time, and its move_pages() is the same syscall), PAGEMAP_SCAN, clock_gettime(). Without
 * PAGEMAP_SCAN (Linux 6.1-6.6) every page of a sparse mapping is queried: callers bound
 * actuate_move() by time (max_time_ns), procmem_scan() is bounded by params.scan_pages. */
extern const struct procmem_sys procmem_sys_live;

/* ---------------------------------------------------------------- the process pin */

/*
 * A process pinned for acting on it: a pidfd opened before its start time was checked, so the
 * pidfd refers to the process the caller means. Before each change the caller asks
 * procmem_pin_alive(); move_pages(2) and sched_setaffinity(2) take a pid, not a pidfd, so a
 * window of one syscall remains in which the process could exit and its pid be reused (a full
 * cycle of pid_max in microseconds); the pidfd is checked again afterwards and the call
 * reported as possibly misdirected when the process was gone by then.
 */
struct procmem_pin {
	int pidfd;             /* -EBADF when not pinned */
	pid_t pid;
	uint64_t start_time;   /* stat field 22, clock ticks since boot */
};

#define PROCMEM_PIN_NULL ((struct procmem_pin){ .pidfd = -EBADF })

/* Why a pin failed; negative errnos returned by procmem_pin_open(). */
#define PROCMEM_ERR_EXITED (-ESRCH)      /* no such process (or a zombie) */
#define PROCMEM_ERR_REUSED (-ESTALE)     /* the pid belongs to another process now */
#define PROCMEM_ERR_MOVED (-EXDEV)       /* the process is in another cgroup now */

/*
 * Pin pid: pidfd_open(), then check that /proc/<pid>/stat has start_time (0 = do not check)
 * and, when cgroup is not NULL, that /proc/<pid>/cgroup's v2 path is cgroup. Returns 0 and
 * fills *ret, or PROCMEM_ERR_EXITED / _REUSED / _MOVED, or another negative errno (-EPERM,
 * -EMFILE...). Release with procmem_pin_close().
 */
int procmem_pin_open(int proc_fd, pid_t pid, uint64_t start_time, const char *cgroup,
		     struct procmem_pin *ret);

/* True while the pinned process has not exited (pidfd not readable). */
bool procmem_pin_alive(const struct procmem_pin *pin);

/* Close the pidfd; accepts PROCMEM_PIN_NULL. */
void procmem_pin_close(struct procmem_pin *pin);

/* ---------------------------------------------------------------- mappings */

enum {
	PROCMEM_VMA_READ = 1u << 0,
	PROCMEM_VMA_WRITE = 1u << 1,
	PROCMEM_VMA_EXEC = 1u << 2,
	PROCMEM_VMA_SHARED = 1u << 3, /* MAP_SHARED ('s') */
	PROCMEM_VMA_ANON = 1u << 4,   /* no file: anonymous, [heap], [stack], [anon:name] */
	/* Set on ranges only: */
	PROCMEM_RANGE_SHARED_PAGES = 1u << 8, /* file pages mapped by other processes too
					       * (numa_maps mapmax > 1 at first sight): the
					       * kernel refuses to move them without
					       * MPOL_MF_MOVE_ALL */
	PROCMEM_RANGE_HUGETLB = 1u << 9,      /* hugetlb pages of page_bytes */
};

/* Why a mapping is never scanned or moved. */
enum procmem_skip {
	PROCMEM_SKIP_NONE,
	PROCMEM_SKIP_SPECIAL,   /* [vdso], [vvar], [vsyscall], [uprobes] and other kernel
				 * mappings in brackets ([heap], [stack], [anon:*] are not) */
	PROCMEM_SKIP_DEVICE,    /* a /dev/ file other than /dev/zero and /dev/shm/: device
				 * memory (VM_IO/VM_PFNMAP), not movable */
	PROCMEM_SKIP_NOACCESS,  /* not readable: PROT_NONE guard ranges ("---p") */
	_PROCMEM_SKIP_MAX,
};

struct procmem_vma {
	uint64_t start, end;    /* [start, end) */
	unsigned flags;         /* PROCMEM_VMA_* */
	enum procmem_skip skip;
};

/* A range that is looked at and may be moved: a mapping, less the parts with the process's
 * own memory policy. */
struct procmem_range {
	uint64_t start, end;    /* [start, end), page-aligned */
	uint64_t page_bytes;    /* PROCMEM_PAGE_BYTES, or the hugetlb page size */
	unsigned flags;         /* PROCMEM_VMA_* and PROCMEM_RANGE_* */
};

/* What numa_maps said about one mapping at first sight, by address (mappings split and merge
 * later; the facts apply to whatever covers their addresses). Only mappings with something to
 * say are kept. */
struct procmem_fact {
	uint64_t start, end;     /* [start, end) */
	uint64_t page_bytes;     /* kernel page size of the mapping */
	uint64_t resident_bytes; /* its pages at first sight */
	bool own_policy;         /* bind, interleave, preferred, weighted interleave: never
				  * moved (DESIGN §5) */
	bool shared_pages;       /* file pages also mapped by other processes (mapmax > 1) */
	bool hugetlb;
};

/*
 * Parse a /proc/<pid>/maps text into *ret (malloc()ed, ascending). Malformed lines are
 * skipped and counted in *ret_malformed (may be NULL). Returns 0 or -ENOMEM.
 */
int procmem_parse_maps(const char *text, struct procmem_vma **ret, size_t *ret_n,
		       unsigned *ret_malformed);

/* Classify one mapping from its permissions ("rw-p") and path (may be "" or NULL): flags and
 * skip reason. inode is the maps inode column (0 for anonymous memory). Exposed for tests. */
void procmem_classify(const char *perms, uint64_t inode, const char *path, unsigned *ret_flags,
		      enum procmem_skip *ret_skip);

/* ---------------------------------------------------------------- the object */

struct procmem_params {
	uint64_t scan_pages;    /* status queries per procmem_scan() call; 0 = 16384 */
	unsigned stride_pages;  /* sample every Nth page; 0 = automatic: the smallest stride
				 * that covers the process in sweep_scans calls */
	unsigned sweep_scans;   /* with automatic stride; 0 = 1 */
};

/* Where a process's pages are, from status queries of a sample. */
struct procmem_estimate {
	uint64_t bytes_per_node[NUMAB_MAX_NODES]; /* sampled pages scaled by the stride */
	uint64_t resident_bytes;  /* sum of bytes_per_node (and nodes >= 64, not shown) */
	uint64_t absent_bytes;    /* -ENOENT: never touched, or swapped out */
	uint64_t sampled_pages;   /* addresses queried */
	unsigned stride_pages;    /* every Nth page was queried */
	uint64_t started_ns;      /* CLOCK_MONOTONIC of the first query of the sweep */
	uint64_t finished_ns;     /* of the last query; the sample's age is now - started_ns */
	bool complete;            /* a whole sweep of the eligible ranges */
};

struct procmem {
	pid_t pid;
	uint64_t start_time;          /* stat field 22 when first seen */
	struct procmem_params params;

	struct procmem_vma *vmas;     /* from the last maps read */
	size_t n_vmas;
	unsigned n_malformed;         /* maps lines that did not parse */
	uint64_t skipped_bytes[_PROCMEM_SKIP_MAX]; /* address space per skip reason */

	struct procmem_fact *facts;   /* from first sight, ascending, disjoint */
	size_t n_facts;
	bool facts_loaded;            /* numa_maps was read */
	uint64_t own_policy_bytes;    /* resident in own-policy mappings at first sight */
	unsigned n_own_policy;        /* such mappings */

	struct procmem_range *ranges; /* eligible: vmas less skipped, less policy */
	size_t n_ranges;
	uint64_t eligible_bytes;      /* address space of the ranges */

	uint64_t scan_cursor;         /* next address procmem_scan() queries */
	uint64_t move_cursor;         /* next address actuate_move() looks at */
	struct procmem_estimate cur;  /* the sweep in progress */
	struct procmem_estimate last; /* the last complete sweep */
	uint64_t maps_ns;             /* when maps were read */
	int proc_fd;                  /* the procfs root procmem_load() was given (borrowed, not
				       * closed), for /proc/<pid>/pagemap; -EBADF before */
};

/* A new object for pid (start_time from the snapshot's proc_sample). params NULL: defaults.
 * Nothing is read yet. Returns 0 or -ENOMEM. */
int procmem_new(pid_t pid, uint64_t start_time, const struct procmem_params *params,
		struct procmem **ret);

/* Free; accepts NULL, returns NULL. */
struct procmem *procmem_free(struct procmem *pm);

/*
 * First sight: read maps and numa_maps (a full page walk in the kernel; do it once per
 * process, DESIGN §5) and build the eligible ranges. Returns 0, -ENOENT when the process
 * exited, or another negative errno. now_ns from the caller's clock.
 */
int procmem_load(struct procmem *pm, int proc_fd, uint64_t now_ns);

/* Re-read maps only (no page walk) and rebuild the ranges; the own-policy parts and page
 * sizes from first sight are kept (mappings created since with a policy are not known until
 * procmem_load() runs again). Cursors are addresses and stay valid. */
int procmem_refresh_maps(struct procmem *pm, int proc_fd, uint64_t now_ns);

/* The same from texts, for tests and fixtures: numa_maps_text NULL keeps the policy facts
 * already loaded. */
int procmem_load_text(struct procmem *pm, const char *maps_text, const char *numa_maps_text,
		      uint64_t now_ns);

/*
 * Collect up to max addresses to query, every stride-th page of the eligible ranges, starting
 * at *cursor and advancing it. Stops early at the end of the address space: then *cursor is 0
 * and *ret_wrapped true. Pages of a hugetlb range count one address per huge page. range_idx
 * (may be NULL) gets each address's index in pm->ranges. Returns the number of addresses.
 */
size_t procmem_collect(const struct procmem *pm, uint64_t *cursor, unsigned stride, void **addrs,
		       uint32_t *range_idx, size_t max, bool *ret_wrapped);

/* Move *cursor forward over address space without present pages, to the first present page at
 * or after it in the eligible ranges (or to the end of the last range: procmem_collect() then
 * wraps). Asks sys->next_present() once per range looked at. Returns 0, or a negative errno
 * with *cursor unchanged (-EOPNOTSUPP: the kernel cannot tell; just collect). */
int procmem_skip_absent(const struct procmem *pm, const struct procmem_sys *sys, int pagemap_fd,
			uint64_t *cursor);

/* Open /proc/<pid>/pagemap relative to proc_fd: an fd, or a negative errno. */
int procmem_open_pagemap(int proc_fd, pid_t pid);

/* Index of the range holding addr, or -1. Binary search. */
ssize_t procmem_range_of(const struct procmem *pm, uint64_t addr);

struct procmem_scan_result {
	uint64_t queried_pages;   /* addresses queried in this call */
	uint64_t calls;           /* status-query syscalls */
	uint64_t syscall_ns;      /* time inside them */
	bool sweep_completed;     /* a sweep ended in this call: pm->last is new */
	bool vanished;            /* the process exited (-ESRCH) */
};

/*
 * One tick of scanning: at most params.scan_pages status queries (move_pages with nodes NULL:
 * no page moves, no LRU drain), from scan_cursor, wrapping around, skipping address space
 * without present pages where the kernel tells (procmem_skip_absent()). Feeds the estimate.
 * Returns 0 (also when the process vanished: see ret->vanished), or a negative errno.
 */
int procmem_scan(struct procmem *pm, const struct procmem_sys *sys,
		 struct procmem_scan_result *ret);

/* The estimate to use: the last complete sweep, or the sweep in progress when none has
 * completed yet (complete false). Never NULL. */
const struct procmem_estimate *procmem_estimate_get(const struct procmem *pm);

/* An address window [start, end). */
struct procmem_window {
	uint64_t start, end;
};

/*
 * A view of pm restricted to windows (ascending, disjoint, page-aligned): a new object for the
 * same process (pid, start time, procfs root) whose ranges are pm's eligible ranges cut to the
 * windows, with its own cursors at 0, no facts and an empty estimate. actuate_move() on the
 * view looks only at those addresses, once around (tier mode moves hot or cold windows this
 * way); what it moved updates the view's estimate, not pm's: the caller passes the result on
 * with procmem_note_moved(). Free with procmem_free(). Returns 0 or -ENOMEM.
 */
int procmem_view_new(const struct procmem *pm, const struct procmem_window *windows, size_t n,
		     struct procmem **ret);

/* Tell the estimates that bytes moved from node from to node to (actuate.c calls this), so
 * that they stay close to the truth until the next sweep. */
void procmem_note_moved(struct procmem *pm, int from, int to, uint64_t bytes);

/* The stride procmem_scan() uses now (params, or automatic). */
unsigned procmem_stride(const struct procmem *pm);

const char *procmem_skip_to_string(enum procmem_skip s);
