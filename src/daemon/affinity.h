/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Thread placement for `pin` mode (DESIGN §5): every thread of a process onto the CPUs of a
 * node set with sched_setaffinity(2), never over an affinity someone else narrowed, with the
 * original affinity of each changed thread recorded in a journal file first, so that numabd
 * can restore it on mode change, on stop, and after a SIGKILL at its next start.
 *
 *   affinity_journal_open()   load the journal (state directory) - at start
 *   affinity_restore(j, 0)    restore whatever a killed numabd left - at start
 *   affinity_place()          place a process's threads, again each tick for new threads
 *   affinity_restore(j, pid)  put a process back (mode change, process leaves pin)
 *   affinity_restore(j, 0)    put everything back - at stop
 *
 * Not thread-safe: one journal per daemon.
 */

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The kernel interface, replaceable by a fake in tests. Both return 0 or a negative errno;
 * setsize is in bytes, as for sched_setaffinity(2). */
struct affinity_sys {
	int (*get)(void *userdata, pid_t tid, size_t setsize, cpu_set_t *set);
	int (*set)(void *userdata, pid_t tid, size_t setsize, const cpu_set_t *set);
	void *userdata;
};

/* sched_getaffinity(2) / sched_setaffinity(2). */
extern const struct affinity_sys affinity_sys_live;

/* The largest CPU count the journal handles (a cpu_set_t of 1 KiB). */
#define AFFINITY_MAX_CPUS 8192
/* Thread ids kept in a result for the log, per kind. */
#define AFFINITY_REPORT_TIDS 16

struct affinity_journal;

struct affinity_result {
	unsigned threads;       /* threads looked at */
	unsigned placed;        /* set to the target now */
	unsigned unchanged;     /* already where they should be */
	unsigned inherited;     /* new threads created with numab's mask by a placed thread:
				 * recorded with the process's original */
	unsigned narrowed;      /* left alone: their affinity is narrower than the CPUs their
				 * cpuset allows and numab did not set it */
	unsigned restored;      /* set back to their original */
	unsigned dropped;       /* records dropped without restoring: the thread is gone or
				 * its tid reused, or its affinity changed since numab set it */
	unsigned gone;          /* threads that exited while being handled */
	unsigned failed;        /* sched_setaffinity failed otherwise (first_error) */
	int first_error;
	bool vanished;          /* the process is gone, its pid reused, or (affinity_place)
				 * it is in another cgroup: nothing was done */
	pid_t narrowed_tids[AFFINITY_REPORT_TIDS];
	unsigned n_narrowed_tids;
	pid_t dropped_tids[AFFINITY_REPORT_TIDS];
	unsigned n_dropped_tids;
};

/*
 * Open the journal name in the directory dir_fd (created on the first change) and load it.
 * ncpus: the size of CPU masks (at least the kernel's nr_cpu_ids); 0 asks the kernel. sys: the
 * kernel or a fake; it must outlive the journal. Returns 0; 1 when the file was corrupt
 * (unreadable JSON, or records that make no sense): it was renamed to "<name>.corrupt", and
 * the valid records it held (if any) kept; or a negative errno.
 */
int affinity_journal_open(int dir_fd, const char *name, unsigned ncpus,
			  const struct affinity_sys *sys, struct affinity_journal **ret);

/* Free the in-memory journal (the file stays); accepts NULL, returns NULL. */
struct affinity_journal *affinity_journal_free(struct affinity_journal *j);

/* Records held: for pid (with start_time, 0 = any), or all with pid 0. */
size_t affinity_journal_count(const struct affinity_journal *j, pid_t pid, uint64_t start_time);

/* The journal as JSON text (what is written to the file); *ret malloc()ed. */
int affinity_journal_format(const struct affinity_journal *j, char **ret);

/*
 * Place every thread of pid (pinned first: pidfd, start_time, cgroup unless NULL) on target
 * (setsize bytes) limited to allowed: the CPUs its cpuset allows (cpuset.cpus.effective of its
 * cgroup, or all online CPUs without cpuset). A thread whose current affinity does not include
 * all of allowed was narrowed by someone: unless numab set it, it is left alone and reported.
 * New threads of a process placed before are placed as well (call it every tick). The journal
 * is written before any affinity changes. Returns 0 (see ret->vanished), -EINVAL when target
 * and allowed do not intersect, or a negative errno (the journal could not be written:
 * nothing was changed).
 */
int affinity_place(struct affinity_journal *j, int proc_fd, pid_t pid, uint64_t start_time,
		   const char *cgroup, const cpu_set_t *target, size_t target_setsize,
		   const cpu_set_t *allowed, size_t allowed_setsize, struct affinity_result *ret);

/*
 * Restore the original affinity of the threads numab changed: those of pid (start_time 0 =
 * whatever the records say), or all records with pid 0. A thread is restored only when it
 * still exists with the same start time and its affinity is still exactly what numab set;
 * otherwise its record is dropped and reported. Records are removed as they are handled and
 * the journal written. Returns 0 or a negative errno (journal write).
 */
int affinity_restore(struct affinity_journal *j, int proc_fd, pid_t pid, uint64_t start_time,
		     struct affinity_result *ret);

/* Format a CPU set in the kernel list format ("0-3,8") into a malloc()ed string. */
int affinity_format_cpus(const cpu_set_t *set, size_t setsize, char **ret);
