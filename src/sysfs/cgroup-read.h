/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Readers for cgroup v2 files, relative to a cgroup directory fd: memory.numa_stat,
 * memory.stat (NUMA counters), cpuset.{cpus,mems}.effective, cgroup.controllers (root only),
 * cgroup.procs. A cgroup removed while being read yields -ENOENT or -ENODEV.
 */

#include <stdint.h>
#include <sys/types.h>

#include "core/snapshot.h"

/* Parse memory.numa_stat text into c->mem (span nodes). Unknown keys are ignored; a line
 * without N<id>= fields, or a malformed number, is -EBADMSG. */
int cg_parse_numa_stat(const char *text, unsigned span, struct cg_sample *c);

/* Parse the NUMA counters out of memory.stat text; sets c->has_counters when any is present. */
int cg_parse_memory_stat(const char *text, struct cg_sample *c);

/* Parse cgroup.controllers ("cpuset cpu io memory pids") into CG_CTRL_* bits. */
unsigned cg_parse_controllers(const char *text);

/* Parse cgroup.procs (one pid per line) into a sorted array. Returns the count or -errno. */
int cg_parse_pids(const char *text, pid_t **ret);

/* Read cgroup.procs of the cgroup at dirfd. */
int cg_read_procs(int cg_fd, pid_t **ret);

/* Read one cgroup's own files (everything but processes) into c. Files that do not exist
 * because a controller is not enabled are left at their defaults (c->controllers tells which
 * were found); a removed cgroup reads like one without controllers: cgroup.procs (always
 * present) tells that it is gone. */
int cg_read_files(int cg_fd, unsigned span, bool with_counters, struct cg_sample *c);
