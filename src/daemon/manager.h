/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * numabd's manager: owns the daemon's state and its event loop (sd-event): the tick timer,
 * signals, the control socket and the metrics endpoint. See the essay in manager.c.
 */

#include <stdbool.h>

struct manager;

/* The manager keeps a copy of this struct, not of its strings: they must outlive it. */
struct manager_options {
	const char *config_path;  /* main config file; its drop-in directory is read too */
	bool dry_run;             /* decide and report, change nothing */
	bool once;                /* one evaluation of every managed cgroup, then exit */
	const char *cgroup_root;  /* NULL: the live roots */
	const char *sysfs_root;
	const char *proc_root;
};

/* Set everything up (config, roots, state directory, control socket); logs what failed.
 * A broken config is an error here (at reload it is not). Returns 0 or negative errno. */
int manager_new(const struct manager_options *o, struct manager **ret);

/* Run until SIGTERM/SIGINT (or one round with --once), then restore what numabd changed.
 * Returns 0 or negative errno. */
int manager_run(struct manager *m);

/* Free; accepts NULL; returns NULL. */
struct manager *manager_free(struct manager *m);
