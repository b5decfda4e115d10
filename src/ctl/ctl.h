/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Shared state of numabctl's verbs: the global options, and helpers to open the roots and the
 * topology, to find cgroups named on the command line, and to print JSON.
 */

#include <json-c/json.h>
#include <stdbool.h>

#include "core/snapshot.h"
#include "core/topology.h"
#include "shared/roots.h"

struct ctl {
	bool json;               /* -j: JSON output */
	const char *sysfs_root;  /* --sysfs-root, NULL = live */
	const char *proc_root;   /* --proc-root */
	const char *cgroup_root; /* --cgroup-root */
	const char *config_path; /* --config */
	const char *socket_path; /* --socket */
};

struct ctl_verb {
	const char *name;
	const char *args;        /* synopsis after the verb, for --help */
	const char *help;        /* one line */
	int (*run)(struct ctl *ctl, int argc, char **argv); /* argv[0] is the verb */
};

/* Open the roots and read the topology; logs the reason on failure. */
int ctl_open(const struct ctl *ctl, struct numab_roots *ret_roots, struct topology **ret_topo);

/* Normalise a cgroup argument ("app/web/", "/app/web") to "/app/web"; heap string in *ret. */
int ctl_cgroup_path(const char *arg, char **ret);

/* Print a JSON object to stdout (pretty) followed by a newline; drops the reference. */
void ctl_print_json(json_object *o);

/* Whether stdout is a terminal (colours and live refresh). */
bool ctl_stdout_is_tty(void);

/* The verbs. */
int verb_status(struct ctl *ctl, int argc, char **argv);
int verb_top(struct ctl *ctl, int argc, char **argv);
