/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * BPF policy programs in numabd's manager: the policy callback that runs them for each
 * evaluated cgroup, and the control verbs attach, detach and programs (DESIGN §6). The
 * registry of loaded programs is daemon/programs.c.
 *
 * An attachment is the runtime setting program=SPEC of a cgroup (core/settings.h): it is kept
 * by path in the state directory, applies again when the path reappears, and dies with the
 * cgroup when made with --transient; a config rule's Program= attaches the same way without a
 * command. `numabctl set CGROUP program=SPEC` and `numabctl attach` are the same operation.
 */

#include <json-c/json.h>
#include <stdbool.h>

#include "core/policy.h"

struct manager;

/* The policy_program_fn of numabd; userdata is the struct manager. Runs the program on the
 * evaluated cgroup's context (daemon/programs.c). */
int program_policy_cb(void *userdata, const struct policy_program_context *ctx,
		      struct policy_program_reply *reply);

/* Whether programs govern r: one is attached on its path and no explicit off is above. numabd
 * then reads its processes even while it is off, so that its programs see where it runs. */
bool program_governs(const struct policy_result *r);

/* After a resolution: unload the programs no cgroup uses any more. A runtime attachment of a
 * cgroup created since the last snapshot counts as used (it was just attached). */
void program_sweep(struct manager *m, const struct policy_results *res);

/* Whether any cgroup of res is governed by a program. */
bool program_any(const struct policy_results *res);

/*
 * Load SPEC for cgroup path and run its trial (what attach and `set program=` do before they
 * store anything), keeping the maps of the program the cgroup has now. 0, or a negative errno
 * with a heap message (with the verifier log when the kernel refused it) in *ret_error.
 */
int program_prepare(struct manager *m, const char *path, const char *spec, char **ret_error);

/* Control verbs. attach {"cgroup", "object", "name"?, "transient"?}; detach {"cgroup"};
 * programs {} (every attachment with its loaded instance). */
int program_verb_attach(struct manager *m, json_object *args, json_object **ret, char **ret_error);
int program_verb_detach(struct manager *m, json_object *args, json_object **ret, char **ret_error);
int program_verb_programs(struct manager *m, json_object *args, json_object **ret,
			  char **ret_error);
