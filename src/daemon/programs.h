/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * BPF policy programs in numabd (DESIGN §6): loading with libbpf, the checks at load time,
 * the trial run, the run per evaluation with BPF_PROG_TEST_RUN, and the registry of loaded
 * programs. The registry knows nothing of cgroups; daemon/program-verbs.c connects it to the
 * manager (the policy callback, attach, detach, programs).
 *
 * A program is named by its spec, the value of the `program` attribute: "PATH" (the object's
 * only SEC("syscall") program) or "PATH:NAME" (program NAME of the object); see
 * program_spec_split() in core/program-ctx.h. One instance is loaded per spec, shared by every cgroup that uses it,
 * and dropped when no cgroup uses it any more (programs_sweep()).
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/policy.h"
#include "core/program-ctx.h"

struct programs;

/* Create an empty registry (and route libbpf's messages through numab's log). 0 or -ENOMEM. */
int programs_new(struct programs **ret);

/* Free every instance (their maps go with them unless a newer instance holds them); accepts
 * NULL; returns NULL. */
struct programs *programs_free(struct programs *p);

struct program_load_options {
	bool allow_sys_bpf;                   /* [Daemon] AllowSysBpf= */
	const char *reuse_from;               /* keep the maps of this spec's instance (same
					       * name, type, key and value size), or NULL */
	const struct program_ctx_input *trial; /* context of the trial run (required) */
};

/*
 * Load spec now: open the object, pick the program, check its context layout in BTF, reuse
 * maps, load it (the kernel verifies it), refuse bpf_sys_bpf()/bpf_sys_close() unless allowed,
 * and run it once on the trial context. Only when all of that succeeded does the new instance
 * replace the one loaded for spec, if any (an atomic replace: runs use the old one until then).
 * On failure the old instance stays, and *ret_error (if not NULL) gets a heap message naming
 * the step, with the verifier's log for a rejected program. Returns 0 or a negative errno.
 */
int programs_load(struct programs *p, const char *spec, const struct program_load_options *o,
		  char **ret_error);

/*
 * Run spec's program on one context and read its reply into *reply (zeroed by the caller).
 * A spec that is not loaded yet is loaded first (with in as the trial context); a spec whose
 * last load failed is retried only when its file changed or after programs_retry().
 * A failure returns a negative errno with reply->message set (valid until the next call); it
 * is logged once per instance and error. Returns 0 or a negative errno.
 */
int programs_run(struct programs *p, const char *spec, bool allow_sys_bpf,
		 const struct program_ctx_input *in, struct policy_program_reply *reply);

/* Drop the instances (loaded or failed) of specs that no cgroup of res has as its own program
 * and that are not among the n_keep specs of keep, and the per-cgroup counters of cgroups
 * that no program ran for lately. */
void programs_sweep(struct programs *p, const struct policy_results *res, const char *const *keep,
		    size_t n_keep);

/* After a reload: retry failed loads, and reload (keeping their maps) programs whose object
 * file changed on disk. */
void programs_retry(struct programs *p);

/* Bytes moved "recently" for the context: total now minus the total seen at the first run of
 * an earlier tick for path (0 the first time). */
uint64_t programs_moved_recent(struct programs *p, const char *path, uint64_t tick,
			       uint64_t total);

/*
 * The state of spec's instance as JSON, for `numabctl programs`:
 *   {"loaded": B, "error": TEXT|null, "path": P, "name": N, "prog_id": N, "tag": HEX,
 *    "loaded_at": UNIX_SECONDS, "ctx_bytes": N, "program_ctx_bytes": N|null,
 *    "runs": N, "failures": N, "run_ns_avg": N, "run_ns_max": N, "last_verdict": V|null,
 *    "last_error": TEXT|null, "sys_bpf": B,
 *    "maps": [{"name": N, "type": T, "id": N}], "kept_maps": [N...]}
 * NULL when spec has no instance (not loaded yet, or unused).
 */
json_object *programs_instance_json(const struct programs *p, const char *spec);

/* Whether spec has an instance (loaded or failed). */
bool programs_has(const struct programs *p, const char *spec);
