/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BPF policy programs in the manager: the context of each run, attach, detach, programs.
 *
 * The context of a run describes the evaluated cgroup as numabd saw it this tick: ids and
 * depths of it and of the cgroup the program is attached to, movable memory per node (from
 * memory.numa_stat, every cgroup), CPU time per node over the last window (only for cgroups
 * whose processes numabd read this tick: the managed ones and the ones programs govern, which
 * is why the manager reads those too), the placement locality of its last evaluation, what
 * numabd moved for it, and its static policy. numabd resolves the policy without programs
 * first, reads the processes, and runs the programs in a second resolution, so a program sees
 * the window of the tick it decides for.
 *
 * An attachment is a runtime setting (program=SPEC), so everything the runtime settings do
 * applies: kept by path in the state directory, --transient, precedence over the config.
 * Attaching loads and trial-runs the program first; nothing is stored when that fails, and the
 * error carries the verifier's log.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/program-ctx.h"
#include "daemon/manager-state.h"
#include "daemon/program-verbs.h"
#include "daemon/programs.h"
#include "daemon/verbs.h"
#include "shared/log.h"
#include "shared/macro.h"

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool program_governs(const struct policy_result *r)
{
	return r && r->n_programs > 0 && !r->effective.explicit_off;
}

bool program_any(const struct policy_results *res)
{
	for (size_t i = 0; res && i < res->n; i++)
		if (program_governs(&res->items[i]))
			return true;
	return false;
}

/* Whether the cgroup is in the snapshot, or on disk since the last one. */
static bool cgroup_exists(const struct manager *m, const char *path)
{
	uint64_t id;

	return manager_cgroup_id(m, path, &id) >= 0;
}

void program_sweep(struct manager *m, const struct policy_results *res)
{
	_cleanup_free_ const char **keep = NULL;
	size_t n = 0, size = settings_size(m->settings);

	keep = calloc(size + 1, sizeof(*keep));
	for (size_t i = 0; keep && i < size; i++) {
		const struct settings_entry *e = settings_entry_at(m->settings, i);

		if (policy_values_has(&e->values, POLICY_ATTR_PROGRAM) &&
		    !policy_results_find(res, e->path) && cgroup_exists(m, e->path))
			keep[n++] = e->values.program;
	}
	/* Without memory for the list, nothing extra is kept: loaded again when needed. */
	programs_sweep(m->programs, res, keep, n);
}

/* The result of m->results for snapshot index idx, if m->results describes m->cur. */
static const struct policy_result *current_result(const struct manager *m, int idx,
						  const char *path)
{
	const struct policy_result *r;

	if (!m->results || !m->cur || idx < 0 || (size_t)idx >= m->results->n ||
	    m->results->n != m->cur->n_cgroups)
		return NULL;
	r = &m->results->items[idx];
	return streq(r->path, path) ? r : NULL;
}

/* Whether numabd read the processes of cgroup idx this tick (so its CPU window is known). */
static bool observed(const struct manager *m, int idx, const char *path)
{
	const struct policy_result *r = current_result(m, idx, path);

	return m->prev && r && (policy_result_managed(r) || program_governs(r));
}

static void fill_input(struct manager *m, int idx, int attached_idx, const char *path,
		       const char *attached_path, const struct policy_effective *static_policy,
		       struct program_ctx_input *in, uint64_t movable[NUMAB_MAX_NODES])
{
	uint64_t now_usec = manager_now_usec();

	*in = (struct program_ctx_input){
		.cgroup_path = path,
		.attached_path = attached_path,
		.now_ns = now_usec * 1000,
		.realtime_ns = realtime_ns(),
		.tick = m->tick,
		.dry_run = m->opts.dry_run,
		.kernel_numa_balancing = m->autonuma,
		.node_mask = m->topo->node_mask,
		.cpu_node_mask = m->topo->cpu_node_mask,
		.locality = -1.0,
		.static_policy = static_policy,
	};
	if (m->cur && idx >= 0 && (unsigned)idx < m->cur->n_cgroups) {
		const struct cg_sample *c = &m->cur->cgroups[idx];
		const struct cg_state *st = hashmap_get(m->cgroups, c->path);
		unsigned span = MIN(m->cur->span, (unsigned)NUMAB_MAX_NODES);

		in->cgroup_id = c->id;
		in->cgroup_level = c->depth;
		in->mems_effective = cg_policy_mems(c);
		in->span = span;
		if (c->has_numa_stat) {
			for (unsigned n = 0; n < span; n++)
				movable[n] = cg_movable_bytes(c, n);
			in->movable_bytes = movable;
		}
		if (c->cpu_ns && observed(m, idx, c->path)) {
			in->cpu_ns = c->cpu_ns;
			in->window_ns = manager_window_usec(m) * 1000;
			in->n_procs = c->n_procs;
		}
		if (st) {
			uint64_t total = stats_moved_bytes_total(&st->stats);

			if (st->locality >= 0 && st->locality_usec) {
				in->locality = st->locality;
				in->locality_age_usec = now_usec - MIN(now_usec, st->locality_usec);
			}
			in->moved_bytes_total = total;
			in->moved_bytes_recent = programs_moved_recent(m->programs, c->path, m->tick,
								       total);
		}
	}
	if (m->cur && attached_idx >= 0 && (unsigned)attached_idx < m->cur->n_cgroups) {
		in->attached_cgroup_id = m->cur->cgroups[attached_idx].id;
		in->attached_level = m->cur->cgroups[attached_idx].depth;
	}
}

int program_policy_cb(void *userdata, const struct policy_program_context *pc,
		      struct policy_program_reply *reply)
{
	struct manager *m = userdata;
	uint64_t movable[NUMAB_MAX_NODES];
	struct program_ctx_input in;

	fill_input(m, (int)pc->cgroup_index, (int)pc->attached_index, pc->cgroup_path,
		   pc->attached_path, pc->static_policy, &in, movable);
	return programs_run(m->programs, pc->program, m->config->allow_sys_bpf, &in, reply);
}

/* The program cgroup path has as its own now: its runtime attachment, else its config's. */
static const char *own_program(const struct manager *m, const char *path, int idx)
{
	const struct settings_entry *e = settings_get(m->settings, path);
	const struct policy_result *r = current_result(m, idx, path);

	if (e && policy_values_has(&e->values, POLICY_ATTR_PROGRAM))
		return e->values.program;
	if (r && policy_values_has(&r->own, POLICY_ATTR_PROGRAM))
		return r->own.program;
	return NULL;
}

int program_prepare(struct manager *m, const char *path, const char *spec, char **ret_error)
{
	int idx = m->cur ? snapshot_find(m->cur, path) : -ENOENT;
	const struct policy_result *r = current_result(m, idx, path);
	const char *old = own_program(m, path, idx);
	uint64_t movable[NUMAB_MAX_NODES];
	struct program_ctx_input trial;
	struct program_load_options o = {
		.allow_sys_bpf = m->config->allow_sys_bpf,
		/* The maps of the instance of this very file if it runs already (other cgroups
		 * use it), else those of the program being replaced here. */
		.reuse_from = programs_has(m->programs, spec) ? spec : old,
		.trial = &trial,
	};
	int r_load;

	fill_input(m, idx, idx, path, path, r ? &r->effective : NULL, &trial, movable);
	r_load = programs_load(m->programs, spec, &o, ret_error);
	if (r_load < 0)
		log_notice("numabctl: program %s for %s refused: %s", spec, path,
			   *ret_error ?: strerror(-r_load));
	return r_load;
}

static const struct settings_entry *runtime_program(const struct manager *m, const char *path)
{
	const struct settings_entry *e = settings_get(m->settings, path);

	return e && policy_values_has(&e->values, POLICY_ATTR_PROGRAM) ? e : NULL;
}

static json_object *attachment_json(const struct manager *m, const char *path, const char *spec,
				    const char *source, bool exists)
{
	const struct settings_entry *e = runtime_program(m, path);
	json_object *o = json_object_new_object(), *inst;

	json_object_object_add(o, "cgroup", json_object_new_string(path));
	json_object_object_add(o, "program", json_object_new_string(spec));
	json_object_object_add(o, "source", json_object_new_string(source));
	json_object_object_add(o, "exists", json_object_new_boolean(exists));
	json_object_object_add(o, "transient",
			       json_object_new_boolean(e && streq(e->values.program, spec) &&
						       e->transient));
	inst = programs_instance_json(m->programs, spec);
	json_object_object_add(o, "state",
			       json_object_new_string(!inst ? "not loaded" :
						      json_object_get_boolean(json_object_object_get(inst, "loaded"))
							      ? "loaded" : "failed"));
	json_object_object_add(o, "instance", inst);
	return o;
}

int program_verb_attach(struct manager *m, json_object *args, json_object **ret, char **ret_error)
{
	const char *path = verbs_arg_string(args, "cgroup"), *object = verbs_arg_string(args, "object");
	const char *name = verbs_arg_string(args, "name"), *reason = NULL;
	_cleanup_free_ char *norm = NULL, *spec = NULL, *split_path = NULL, *split_name = NULL;
	struct policy_values v = {};
	json_object *t;
	bool transient = false;
	uint64_t id = 0;
	int idx, r;

	if (!path || policy_path_normalize(path, &norm) < 0)
		return verbs_fail(ret_error, -EINVAL, "attach: invalid or missing cgroup path");
	if (!object || object[0] != '/')
		return verbs_fail(ret_error, -EINVAL, "attach: the object must be an absolute path");
	/* A name that is not a string is an error, not "no name" (the first program). */
	if (!name && json_object_object_get_ex(args, "name", &t) && t)
		return verbs_fail(ret_error, -EINVAL, "attach: \"name\" must be a string");
	if (json_object_object_get_ex(args, "transient", &t))
		transient = json_object_get_boolean(t);
	if (name && *name) {
		if (asprintf(&spec, "%s:%s", object, name) < 0)
			return -ENOMEM;
	} else {
		spec = strdup(object);
		if (!spec)
			return -ENOMEM;
	}
	r = program_spec_split(spec, &split_path, &split_name);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || !streq(split_path, object) || (name && *name && !streq(strempty(split_name), name)))
		return verbs_fail(ret_error, -EINVAL,
			    "attach: %s%s%s: not usable (a program name is a C identifier, and an "
			    "object file's name may not end in :IDENTIFIER)",
			    object, name ? " --name " : "", strempty(name));
	r = policy_value_parse(POLICY_ATTR_PROGRAM, spec, &v, &reason);
	if (r < 0)
		return r == -ENOMEM ? r : verbs_fail(ret_error, r, "attach: %s: %s", spec, strna(reason));

	idx = m->cur ? snapshot_find(m->cur, norm) : -ENOENT;
	if (transient) {
		struct stat st;

		/* A cgroup created since the last tick is not in the snapshot yet. */
		if (idx >= 0)
			id = m->cur->cgroups[idx].id;
		else if (cgroup_exists(m, norm) &&
			 fstatat(m->roots.cgroup_fd, streq(norm, "/") ? "." : norm + 1, &st, 0) == 0)
			id = st.st_ino;
		else {
			policy_values_done(&v);
			return verbs_fail(ret_error, -ENOENT,
				    "attach --transient: cgroup %s does not exist (a transient "
				    "attachment dies with its cgroup)", norm);
		}
	}
	r = program_prepare(m, norm, spec, ret_error);
	if (r < 0) {
		policy_values_done(&v);
		return r;
	}
	r = settings_apply(m->settings, norm, &v, transient, id);
	policy_values_done(&v);
	if (r < 0)
		return verbs_fail(ret_error, r, "attach: %s", strerror(-r));
	r = verbs_save_settings(m, ret_error);
	if (r < 0)
		return r;
	log_info("Program %s attached to %s%s by numabctl attach.", spec, norm,
		 transient ? " (transient)" : "");
	(void)manager_resolve(m);
	*ret = attachment_json(m, norm, spec, "runtime", cgroup_exists(m, norm));
	return 0;
}

int program_verb_detach(struct manager *m, json_object *args, json_object **ret, char **ret_error)
{
	const char *path = verbs_arg_string(args, "cgroup");
	_cleanup_free_ char *norm = NULL, *spec = NULL;
	const struct settings_entry *e;
	int idx, r;

	if (!path || policy_path_normalize(path, &norm) < 0)
		return verbs_fail(ret_error, -EINVAL, "detach: invalid or missing cgroup path");
	e = runtime_program(m, norm);
	idx = m->cur ? snapshot_find(m->cur, norm) : -ENOENT;
	if (!e) {
		const struct policy_result *res = current_result(m, idx, norm);
		char src[POLICY_SOURCE_FORMAT_MAX];

		if (res && policy_values_has(&res->own, POLICY_ATTR_PROGRAM))
			return verbs_fail(ret_error, -EPERM,
				    "detach: the program on %s (%s) comes from %s; detach removes "
				    "only programs attached with numabctl attach or set (change the "
				    "configuration instead)", norm, res->own.program,
				    policy_source_format(&res->own_sources[POLICY_ATTR_PROGRAM], src,
							 sizeof(src)));
		return verbs_fail(ret_error, -ENOENT, "detach: no program is attached to %s", norm);
	}
	spec = strdup(e->values.program);
	if (!spec)
		return -ENOMEM;
	r = settings_reset(m->settings, norm, POLICY_ATTR_BIT(POLICY_ATTR_PROGRAM));
	if (r < 0)
		return verbs_fail(ret_error, r, "detach: %s", strerror(-r));
	r = verbs_save_settings(m, ret_error);
	if (r < 0)
		return r;
	log_info("Program %s detached from %s by numabctl detach.", spec, norm);
	(void)manager_resolve(m);
	*ret = json_object_new_object();
	json_object_object_add(*ret, "cgroup", json_object_new_string(norm));
	json_object_object_add(*ret, "detached", json_object_new_string(spec));
	{
		const struct policy_result *res = current_result(m, idx, norm);

		json_object_object_add(*ret, "program",
				       res && policy_values_has(&res->own, POLICY_ATTR_PROGRAM)
					       ? json_object_new_string(res->own.program)
					       : NULL);
	}
	return 0;
}

int program_verb_programs(struct manager *m, json_object *args, json_object **ret,
			  char **ret_error)
{
	json_object *o = json_object_new_object(), *list = json_object_new_array();

	for (size_t i = 0; m->results && i < m->results->n; i++) {
		const struct policy_result *r = &m->results->items[i];
		char src[POLICY_SOURCE_FORMAT_MAX];

		if (!policy_values_has(&r->own, POLICY_ATTR_PROGRAM))
			continue;
		json_object_array_add(list, attachment_json(m, r->path, r->own.program,
							    policy_source_format(
								    &r->own_sources[POLICY_ATTR_PROGRAM],
								    src, sizeof(src)),
							    true));
	}
	/* Attachments kept by path for cgroups that do not exist now. */
	for (size_t i = 0; i < settings_size(m->settings); i++) {
		const struct settings_entry *e = settings_entry_at(m->settings, i);

		if (!policy_values_has(&e->values, POLICY_ATTR_PROGRAM) ||
		    (m->results && policy_results_find(m->results, e->path)))
			continue;
		json_object_array_add(list, attachment_json(m, e->path, e->values.program,
							    "runtime", cgroup_exists(m, e->path)));
	}
	json_object_object_add(o, "allow_sys_bpf", json_object_new_boolean(m->config->allow_sys_bpf));
	json_object_object_add(o, "attachments", list);
	*ret = o;
	return 0;
}
