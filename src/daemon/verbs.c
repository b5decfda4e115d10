/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Control verbs of numabd: status, explain, set, reset, stats, reload, ping; and the
 * Prometheus text. They read the state of the last tick and never block; set and reset
 * re-resolve the policy at once, so `numabctl explain` right after `numabctl set` shows it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/placement.h"
#include "core/report.h"
#include "daemon/program-verbs.h"
#include "daemon/verbs.h"
#include "daemon/move-pool.h"
#include "shared/log.h"
#include "shared/macro.h"

int verbs_fail(char **ret_error, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(ret_error, fmt, ap) < 0)
		*ret_error = NULL;
	va_end(ap);
	return r;
}

bool verbs_is_c_string(json_object *v)
{
	/* A JSON string may hold "\u0000": as a C string it would end there, and the verb act
	 * on a prefix of what the client named ("/a\u0000/b" would be /a). */
	return json_object_is_type(v, json_type_string) &&
	       strlen(json_object_get_string(v)) == (size_t)json_object_get_string_len(v);
}

const char *verbs_arg_string(json_object *args, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(args, key, &v) || !verbs_is_c_string(v))
		return NULL;
	return json_object_get_string(v);
}

/* A JSON array of strings as a NULL-terminated vector pointing into the JSON. */
int verbs_arg_strings(json_object *args, const char *key, const char ***ret, size_t *ret_n)
{
	json_object *v;
	const char **list;
	size_t n;

	*ret = NULL;
	*ret_n = 0;
	if (!json_object_object_get_ex(args, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return -EINVAL;
	n = json_object_array_length(v);
	list = calloc(n + 1, sizeof(char *));
	if (!list)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);

		if (!verbs_is_c_string(e)) {
			free(list);
			return -EINVAL;
		}
		list[i] = json_object_get_string(e);
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

static int find_cgroup(const struct manager *m, const char *path)
{
	return m->cur ? snapshot_find(m->cur, path) : -ENOENT;
}

static json_object *runtime_json(const struct manager *m, const struct cg_state *st,
				 enum policy_mode mode, uint64_t now_usec)
{
	json_object *o = json_object_new_object();
	char buf[NODEMASK_FORMAT_MAX], note[sizeof(st->note) + sizeof(st->move_note) + 2];

	if (st && balance_note_text(st, note, sizeof(note))[0])
		json_object_object_add(o, "note", json_object_new_string(note));
	else
		json_object_object_add(o, "note", NULL);
	json_object_object_add(o, "balanced_by",
			       json_object_new_string(manager_balanced_by(m, st, mode)));
	if (!st)
		return o;
	if (mode == POLICY_MODE_FOLLOW) {
		json_object *v = json_object_new_object();

		for (int i = 0; i < _FOLLOW_VERDICT_MAX; i++)
			if (st->verdicts[i])
				json_object_object_add(v, follow_verdict_to_string(i),
						       json_object_new_int((int)st->verdicts[i]));
		json_object_object_add(o, "follow", v);
	}
	if (mode == POLICY_MODE_PIN)
		json_object_object_add(o, "pinned_nodes",
				       st->pinned_nodes ? json_object_new_string(nodemask_format(
								  buf, sizeof(buf), st->pinned_nodes))
							: NULL);
	if (mode == POLICY_MODE_INTERLEAVE) {
		json_object *v = json_object_new_object();

		json_object_object_add(v, "processes_balanced",
				       json_object_new_int((int)st->spread_balanced));
		json_object_object_add(v, "processes_moving",
				       json_object_new_int((int)st->spread_moving));
		json_object_object_add(v, "worst_deviation",
				       json_object_new_double(st->spread_worst_permille / 1000.0));
		json_object_object_add(o, "interleave", v);
	}
	if (mode == POLICY_MODE_TIER) {
		json_object *v = json_object_new_object();
		const char *why = tier_unavailable(m->tier);

		json_object_object_add(v, "damon", json_object_new_string(
							    !m->tier ? "not with fixture roots"
							    : why	    ? why
									    : "available"));
		json_object_object_add(v, "monitored_processes",
				       json_object_new_int((int)st->tier.monitored));
		json_object_object_add(v, "unmonitored_processes",
				       json_object_new_int((int)st->tier.unmonitored));
		json_object_object_add(v, "learning_processes",
				       json_object_new_int((int)st->tier.warming));
		for (int k = 0; k < _HEAT_CLASS_MAX; k++) {
			char key[32];

			snprintf(key, sizeof(key), "%s_bytes", heat_class_to_string(k));
			json_object_object_add(v, key, json_object_new_uint64(st->tier.heat_bytes[k]));
		}
		json_object_object_add(v, "promoted_bytes",
				       json_object_new_uint64(st->tier.promoted_bytes));
		json_object_object_add(v, "demoted_bytes",
				       json_object_new_uint64(st->tier.demoted_bytes));
		json_object_object_add(v, "hot_threshold_ms",
				       json_object_new_uint64(st->tier.hot_threshold_usec / 1000));
		json_object_object_add(o, "tier", v);
	}
	if (mode != POLICY_MODE_OFF && mode != POLICY_MODE_KERNEL) {
		json_object *v = json_object_new_object();

		json_object_object_add(v, "processes", json_object_new_int((int)st->own_policy_procs));
		json_object_object_add(v, "bytes", json_object_new_uint64(st->own_policy_bytes));
		json_object_object_add(o, "own_policy", v);
	}
	json_object_object_add(o, "last_evaluation_s_ago",
			       st->last_eval_usec ? json_object_new_double(
							    (double)(now_usec - st->last_eval_usec) / 1e6)
						  : NULL);
	json_object_object_add(o, "autonuma",
			       m->autonuma < 0 ? NULL : json_object_new_int(m->autonuma));
	return o;
}

static int verb_status(struct manager *m, json_object *args, json_object **ret)
{
	_cleanup_free_ const char **only = NULL;
	size_t n_only = 0;
	uint64_t now = manager_now_usec();
	uint64_t window = manager_window_usec(m);
	json_object *o, *nodes, *cgroups;
	int r;

	r = verbs_arg_strings(args, "cgroups", &only, &n_only);
	if (r < 0)
		return r;
	o = json_object_new_object();
	nodes = json_object_new_array();
	cgroups = json_object_new_array();
	NODEMASK_FOREACH(n, m->topo->node_mask)
		json_object_array_add(nodes, report_node_json(m->topo, (unsigned)n));
	for (unsigned i = 0; m->cur && m->results && i < m->cur->n_cgroups; i++) {
		const struct cg_sample *c = &m->cur->cgroups[i];
		const struct policy_result *res = &m->results->items[i];
		struct cg_state *st = hashmap_get(m->cgroups, c->path);
		bool managed = policy_result_managed(res);
		struct cg_view v = {
			.mode = policy_mode_to_string(res->effective.mode),
			.locality = managed && st ? st->locality : -1.0,
			.locality_age_usec = st && st->locality_usec ? now - st->locality_usec : 0,
			.n_procs_sampled = st ? st->locality_procs : 0,
			.cpu_unknown = !managed && !m->sampler,
		};
		struct autonuma_verdict an = manager_autonuma(m, i);
		bool want = n_only == 0;

		v.autonuma_state = autonuma_state_to_string(an.state);
		v.autonuma_reason = an.reason;
		for (size_t k = 0; k < n_only && !want; k++)
			want = streq(only[k], c->path);
		if (!want)
			continue;
		v.extra = json_object_new_object();
		json_object_object_add(v.extra, "managed", json_object_new_boolean(managed));
		json_object_object_add(v.extra, "runtime",
				       runtime_json(m, st, res->effective.mode, now));
		json_object_array_add(cgroups, report_cgroup_json(m->topo, m->cur, c, &v, window));
		json_object_put(v.extra);
	}
	json_object_object_add(o, "cgroup_root", json_object_new_string(m->roots.cgroup_path));
	json_object_object_add(o, "window_s", json_object_new_double((double)window / 1e6));
	json_object_object_add(o, "memory_controller",
			       json_object_new_boolean(m->cur && m->cur->has_memory_controller));
	json_object_object_add(o, "notes", json_object_new_array());
	json_object_object_add(o, "daemon", json_object_new_boolean(true));
	json_object_object_add(o, "dry_run", json_object_new_boolean(m->opts.dry_run));
	json_object_object_add(o, "nodes", nodes);
	json_object_object_add(o, "cgroups", cgroups);
	*ret = o;
	return 0;
}

static int verb_explain(struct manager *m, json_object *args, json_object **ret, char **ret_error)
{
	const char *path = verbs_arg_string(args, "cgroup");
	const struct policy_result *res;
	_cleanup_free_ char *norm = NULL;
	json_object *o;
	int r;

	if (!path || policy_path_normalize(path, &norm) < 0)
		return verbs_fail(ret_error, -EINVAL, "explain: invalid or missing cgroup path");
	res = m->results ? policy_results_find(m->results, norm) : NULL;
	if (!res)
		return verbs_fail(ret_error, -ENOENT, "cgroup %s not found under %s", norm,
			    m->roots.cgroup_path);
	r = policy_result_to_json(res, &o);
	if (r < 0)
		return r;
	json_object_object_add(o, "runtime",
			       runtime_json(m, hashmap_get(m->cgroups, norm), res->effective.mode,
					    manager_now_usec()));
	*ret = o;
	return 0;
}

int verbs_save_settings(struct manager *m, char **ret_error)
{
	int r;

	if (m->opts.dry_run)
		return 0;
	r = settings_save(m->settings, m->state_fd);
	if (r < 0)
		return verbs_fail(ret_error, r, "failed to save the runtime settings in %s: %s",
			    m->config->state_directory, strerror(-r));
	return 0;
}

static int verb_set(struct manager *m, json_object *args, json_object **ret, char **ret_error)
{
	const char *path = verbs_arg_string(args, "cgroup");
	_cleanup_free_ const char **assign = NULL;
	_cleanup_free_ char *norm = NULL;
	struct policy_values v = {};
	json_object *t;
	bool transient = false;
	uint64_t id = 0;
	size_t n;
	int idx, r;

	if (!path || policy_path_normalize(path, &norm) < 0)
		return verbs_fail(ret_error, -EINVAL, "set: invalid or missing cgroup path");
	if (verbs_arg_strings(args, "assignments", &assign, &n) < 0)
		return verbs_fail(ret_error, -EINVAL, "set: \"assignments\" must be a list of strings");
	if (json_object_object_get_ex(args, "transient", &t))
		transient = json_object_get_boolean(t);
	r = settings_parse_assignments((char *const *)assign, n, &v, ret_error);
	if (r < 0)
		return r;
	/* program=SPEC is an attach: the program must load and pass its trial first. */
	if (policy_values_has(&v, POLICY_ATTR_PROGRAM)) {
		r = program_prepare(m, norm, v.program, ret_error);
		if (r < 0) {
			policy_values_done(&v);
			return r;
		}
	}
	idx = find_cgroup(m, norm);
	if (transient && manager_cgroup_id(m, norm, &id) < 0) {
		policy_values_done(&v);
		return verbs_fail(ret_error, -ENOENT,
				  "set --transient: cgroup %s does not exist (a transient setting "
				  "dies with its cgroup)", norm);
	}
	r = settings_apply(m->settings, norm, &v, transient, id);
	policy_values_done(&v);
	if (r < 0)
		return verbs_fail(ret_error, r, "set: %s", strerror(-r));
	r = verbs_save_settings(m, ret_error);
	if (r < 0)
		return r;
	log_info("Runtime setting for %s changed by numabctl set.", norm);
	(void)manager_resolve(m);
	if (idx < 0) {
		/* Kept by path: it applies when the cgroup appears (DESIGN §4, case 16). */
		*ret = json_object_new_object();
		json_object_object_add(*ret, "cgroup", json_object_new_string(norm));
		json_object_object_add(*ret, "exists", json_object_new_boolean(false));
		return 0;
	}
	return verb_explain(m, args, ret, ret_error);
}

static int verb_reset(struct manager *m, json_object *args, json_object **ret, char **ret_error)
{
	const char *path = verbs_arg_string(args, "cgroup");
	_cleanup_free_ const char **names = NULL;
	_cleanup_free_ char *norm = NULL;
	unsigned mask;
	size_t n;
	int changed, r;

	if (!path || policy_path_normalize(path, &norm) < 0)
		return verbs_fail(ret_error, -EINVAL, "reset: invalid or missing cgroup path");
	if (verbs_arg_strings(args, "attributes", &names, &n) < 0)
		return verbs_fail(ret_error, -EINVAL, "reset: \"attributes\" must be a list of strings");
	r = settings_parse_attr_names((char *const *)names, n, &mask, ret_error);
	if (r < 0)
		return r;
	changed = settings_reset(m->settings, norm, mask);
	if (changed < 0)
		return verbs_fail(ret_error, changed, "reset: %s", strerror(-changed));
	if (changed > 0) {
		r = verbs_save_settings(m, ret_error);
		if (r < 0)
			return r;
		log_info("Runtime setting for %s reset by numabctl reset.", norm);
		(void)manager_resolve(m);
	}
	*ret = json_object_new_object();
	json_object_object_add(*ret, "cgroup", json_object_new_string(norm));
	json_object_object_add(*ret, "changed", json_object_new_boolean(changed > 0));
	return 0;
}

static json_object *ms(uint64_t ns)
{
	return json_object_new_double((double)(ns / 1000) / 1000.0);
}

static int verb_stats(struct manager *m, json_object *args, json_object **ret)
{
	json_object *o = json_object_new_object();
	json_object *cgroups = json_object_new_array();
	json_object *engine = json_object_new_object();
	json_object *daemon = json_object_new_object();
	struct actuate_stats as;
	struct rusage ru;

	for (unsigned i = 0; m->cur && m->results && i < m->cur->n_cgroups; i++) {
		const struct policy_result *res = &m->results->items[i];
		struct cg_state *st = hashmap_get(m->cgroups, m->cur->cgroups[i].path);
		json_object *c;

		if (!st || (!policy_result_managed(res) && st->stats.evaluations == 0))
			continue;
		c = stats_cgroup_json(&st->stats, m->topo->node_mask);
		json_object_object_add(c, "cgroup", json_object_new_string(m->cur->cgroups[i].path));
		json_object_object_add(c, "mode",
				       json_object_new_string(policy_mode_to_string(res->effective.mode)));
		json_object_array_add(cgroups, c);
	}
	move_pool_stats(m->movers, &as);
	json_object_object_add(engine, "move_calls", json_object_new_uint64(as.calls));
	json_object_object_add(engine, "pages_moved", json_object_new_uint64(as.pages));
	json_object_object_add(engine, "call_max_ms", ms(as.call_ns_max));
	json_object_object_add(engine, "call_p50_ms", ms(actuate_stats_percentile_ns(&as, 500)));
	json_object_object_add(engine, "call_p99_ms", ms(actuate_stats_percentile_ns(&as, 990)));
	json_object_object_add(engine, "batch_pages", json_object_new_int((int)as.batch_pages));
	json_object_object_add(engine, "call_fixed_ms", ms(as.fixed_ns));
	json_object_object_add(engine, "call_target_ms", ms(as.call_target_ns));

	(void)getrusage(RUSAGE_SELF, &ru);
	json_object_object_add(daemon, "ticks", json_object_new_uint64(m->tick));
	json_object_object_add(daemon, "continuations", json_object_new_uint64(m->continuations));
	json_object_object_add(daemon, "tick_last_ms", ms(m->last_tick_cost_usec * 1000));
	json_object_object_add(daemon, "tick_max_ms", ms(m->max_tick_cost_usec * 1000));
	json_object_object_add(daemon, "tick_avg_ms",
			       ms(m->tick ? m->sum_tick_cost_usec * 1000 / m->tick : 0));
	json_object_object_add(daemon, "cpu_s",
			       json_object_new_double((double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
						      (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6));
	json_object_object_add(daemon, "dry_run", json_object_new_boolean(m->opts.dry_run));
	json_object_object_add(daemon, "cpu_placement",
			       json_object_new_string(m->sampler ? "bpf" : "proc"));
	if (m->sampler) {
		uint64_t st[_SAMPLER_STAT_MAX];
		json_object *so = json_object_new_object();

		if (sampler_stats(m->sampler, st) >= 0)
			for (int i = 0; i < _SAMPLER_STAT_MAX; i++)
				json_object_object_add(so, sampler_stat_to_string(i),
						       json_object_new_uint64(st[i]));
		json_object_object_add(daemon, "sampler", so);
	}
	json_object_object_add(daemon, "autonuma",
			       m->autonuma < 0 ? NULL : json_object_new_int(m->autonuma));
	json_object_object_add(o, "daemon", daemon);
	json_object_object_add(o, "engine", engine);
	json_object_object_add(o, "cgroups", cgroups);
	*ret = o;
	return 0;
}

int verbs_handle(void *userdata, const char *verb, json_object *args, json_object **ret_result,
		 char **ret_error)
{
	struct manager *m = userdata;

	if (streq(verb, "ping")) {
		*ret_result = json_object_new_object();
		json_object_object_add(*ret_result, "version", json_object_new_string(NUMAB_VERSION));
		return 0;
	}
	if (streq(verb, "status"))
		return verb_status(m, args, ret_result);
	if (streq(verb, "explain"))
		return verb_explain(m, args, ret_result, ret_error);
	if (streq(verb, "set"))
		return verb_set(m, args, ret_result, ret_error);
	if (streq(verb, "reset"))
		return verb_reset(m, args, ret_result, ret_error);
	if (streq(verb, "stats"))
		return verb_stats(m, args, ret_result);
	if (streq(verb, "reload"))
		return manager_reload(m, ret_error);
	if (streq(verb, "attach"))
		return program_verb_attach(m, args, ret_result, ret_error);
	if (streq(verb, "detach"))
		return program_verb_detach(m, args, ret_result, ret_error);
	if (streq(verb, "programs"))
		return program_verb_programs(m, args, ret_result, ret_error);
	return verbs_fail(ret_error, -EOPNOTSUPP, "unknown verb '%s'", verb);
}

void verbs_metrics(void *userdata, FILE *f)
{
	struct manager *m = userdata;
	struct actuate_stats as;
	unsigned managed = 0;

	fprintf(f, "# HELP numab_migrated_bytes_total Bytes moved by numabd, by cgroup and nodes.\n"
		   "# TYPE numab_migrated_bytes_total counter\n");
	for (unsigned i = 0; m->cur && m->results && i < m->cur->n_cgroups; i++) {
		const struct cg_sample *c = &m->cur->cgroups[i];
		struct cg_state *st = hashmap_get(m->cgroups, c->path);

		if (!st || !policy_result_managed(&m->results->items[i]))
			continue;
		managed++;
		stats_cgroup_prometheus(f, c->path, &st->stats, m->topo->node_mask);
		if (c->has_numa_stat) {
			fprintf(f, "numab_node_balance{cgroup=");
			stats_prometheus_label(f, c->path);
			fprintf(f, "} %.4f\n", placement_node_balance(c, m->cur->span));
		}
		if (st->locality >= 0) {
			fprintf(f, "numab_placement_locality{cgroup=");
			stats_prometheus_label(f, c->path);
			fprintf(f, "} %.4f\n", st->locality);
		}
	}
	move_pool_stats(m->movers, &as);
	fprintf(f, "numab_move_pages_call_seconds_max %.6f\n", (double)as.call_ns_max / 1e9);
	fprintf(f, "numab_tick_seconds %.6f\n", (double)m->last_tick_cost_usec / 1e6);
	fprintf(f, "numab_tick_seconds_max %.6f\n", (double)m->max_tick_cost_usec / 1e6);
	fprintf(f, "numab_ticks_total %" PRIu64 "\n", m->tick);
	fprintf(f, "numab_managed_cgroups %u\n", managed);
	if (m->sampler) {
		uint64_t st[_SAMPLER_STAT_MAX];

		if (sampler_stats(m->sampler, st) >= 0)
			for (int i = 0; i < _SAMPLER_STAT_MAX; i++)
				fprintf(f, "numab_sampler_%s_total %" PRIu64 "\n",
					sampler_stat_to_string(i), st[i]);
	}
}
