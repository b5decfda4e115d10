/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The one place that knows where sysfs, procfs and the cgroup v2 hierarchy live. Every reader
 * and writer takes one of these dirfds instead of an absolute path, so the whole pipeline runs
 * unchanged against fixture trees (tests, benchmarks) and the real kernel.
 */

#include <stdbool.h>

struct numab_roots {
	int sysfs_fd;       /* the sysfs root ("/sys" on a live system) */
	int proc_fd;        /* the procfs root ("/proc") */
	int cgroup_fd;      /* the cgroup v2 mount point, -EBADF when none was found */
	char *sysfs_path;   /* paths for messages */
	char *proc_path;
	char *cgroup_path;
	bool live;          /* all three are the real kernel's: actions and syscalls allowed */
};

#define NUMAB_ROOTS_NULL                                                                     \
	((struct numab_roots){ .sysfs_fd = -EBADF, .proc_fd = -EBADF, .cgroup_fd = -EBADF })

/*
 * Open the roots. NULL means the live default: "/sys", "/proc", and the cgroup v2 mount found
 * in <proc>/self/mountinfo. A missing cgroup v2 mount is not an error (cgroup_fd stays -EBADF);
 * missing sysfs or procfs roots are. Returns 0 or negative errno; on failure nothing is kept.
 */
int roots_open(struct numab_roots *ret, const char *sysfs, const char *proc, const char *cgroup);

/* Close and free; accepts a NUMAB_ROOTS_NULL struct. */
void roots_close(struct numab_roots *roots);

/* Find the mount point of the cgroup v2 hierarchy from a mountinfo text. Returns a heap string
 * or -ENOENT when no cgroup2 line exists. Exposed for tests. */
int roots_find_cgroup2_mount(const char *mountinfo, char **ret);
