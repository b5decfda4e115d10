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

/* Whether the options point numabctl at something other than the live system (--config or a
 * root option): then only offline answers make sense. */
bool ctl_offline_only(const struct ctl *ctl);

/* Resolve the policy of every cgroup of s here, from the config (--config or the default),
 * the xattrs and numabd's saved runtime settings (when readable). Logs errors. */
struct policy_results;
int ctl_resolve_offline(const struct ctl *ctl, const struct numab_roots *roots,
			const struct topology *topo, const struct snapshot *s,
			struct policy_results **ret);

/* The verbs. */
int verb_status(struct ctl *ctl, int argc, char **argv);
int verb_top(struct ctl *ctl, int argc, char **argv);
int verb_explain(struct ctl *ctl, int argc, char **argv);
int verb_set(struct ctl *ctl, int argc, char **argv);
int verb_reset(struct ctl *ctl, int argc, char **argv);
int verb_stats(struct ctl *ctl, int argc, char **argv);
int verb_reload(struct ctl *ctl, int argc, char **argv);
int verb_run(struct ctl *ctl, int argc, char **argv);
int verb_attach(struct ctl *ctl, int argc, char **argv);
int verb_detach(struct ctl *ctl, int argc, char **argv);
int verb_programs(struct ctl *ctl, int argc, char **argv);
