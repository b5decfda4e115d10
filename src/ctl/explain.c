/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * numabctl explain: every attribute's effective value for a cgroup, where it came from and
 * which cgroup decided it. From numabd when it runs (it knows program verdicts and what it did);
 * otherwise, or with --offline, --config or fixture roots, resolved here from the config, the
 * xattrs and the saved runtime settings: an operator can check a config before deploying it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/client.h"
#include "ctl/ctl.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "sysfs/policy-input.h"
#include "sysfs/snapshot-read.h"

bool ctl_offline_only(const struct ctl *ctl)
{
	return ctl->config_path || ctl->sysfs_root || ctl->proc_root || ctl->cgroup_root;
}

int ctl_resolve_offline(const struct ctl *ctl, const struct numab_roots *roots,
			const struct topology *topo, const struct snapshot *s,
			struct policy_results **ret)
{
	struct config *cfg = NULL;
	struct settings *settings = NULL;
	_cleanup_free_ char *error = NULL, *warning = NULL;
	_cleanup_close_ int state_fd = -EBADF;
	int r;

	r = config_load(ctl->config_path, &cfg, &error);
	if (r < 0)
		return log_error_errno(r, "Configuration error: %s", error ?: "out of memory");
	/* The runtime settings numabd saved apply too (without access: none). With a fixture
	 * cgroup root only when the config names the state directory: the live one's settings
	 * are about the live tree. */
	if (!ctl->cgroup_root || cfg->daemon_origin[CONFIG_DAEMON_STATE_DIRECTORY].file)
		state_fd = open(cfg->state_directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (state_fd >= 0 && settings_load(state_fd, &settings, &warning) < 0)
		settings = NULL;
	if (warning)
		log_warning("%s", warning);
	r = policy_input_resolve(roots, s, topo, cfg, settings, NULL, NULL, ret);
	if (r < 0)
		log_error_errno(r, "Failed to resolve the policy: %m");
	settings_free(settings);
	config_free(cfg);
	return r;
}

static void explain_help(void)
{
	printf("Usage: numabctl [-j] [--config PATH] explain [--offline] CGROUP\n\n"
	       "Show every attribute's effective value for CGROUP, where it came from (default,\n"
	       "config:FILE:LINE, xattr, runtime, program) and which cgroup decided it.\n\n"
	       "  --offline   resolve here from the config, xattrs and saved runtime settings\n"
	       "              even when numabd runs (implied by --config and the root options)\n"
	       "  -h, --help  this help\n");
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

/* Print the explain JSON (numabd's or our own) for people. */
static void explain_print_text(json_object *o)
{
	json_object *eff, *budget, *list, *runtime;
	json_object *managed;

	printf("%s: %s\n", strna(jstr(o, "cgroup")),
	       json_object_object_get_ex(o, "managed", &managed) && json_object_get_boolean(managed)
		       ? "managed" : "not managed");
	if (json_object_object_get_ex(o, "effective", &eff)) {
		printf("  %-14s %-22s %-34s %s\n", "ATTRIBUTE", "VALUE", "SOURCE", "DECIDED BY");
		json_object_object_foreach(eff, attr, v)
			printf("  %-14s %-22s %-34s %s\n", attr, jstr(v, "value") ?: "-",
			       strna(jstr(v, "source")), jstr(v, "decided_by") ?: "-");
	}
	printf("  eligible nodes: %s\n", jstr(o, "eligible_nodes") ?: "");
	if (json_object_object_get_ex(o, "no_eligible_nodes", &managed) &&
	    json_object_get_boolean(managed))
		printf("  no eligible nodes: the node sets along the path do not intersect\n");
	if (json_object_object_get_ex(o, "budget", &budget)) {
		json_object *buckets;

		printf("  budget ceiling: %s bytes/s", jstr(budget, "ceiling_bytes_per_sec") ?: "unlimited");
		if (json_object_object_get_ex(budget, "buckets", &buckets) &&
		    json_object_array_length(buckets) > 0) {
			printf("; buckets:");
			for (size_t i = 0; i < json_object_array_length(buckets); i++) {
				json_object *b = json_object_array_get_idx(buckets, i);

				printf(" %s=%s", strna(jstr(b, "cgroup")), strna(jstr(b, "bytes_per_sec")));
			}
		}
		printf("\n");
	}
	if (json_object_object_get_ex(o, "programs", &list))
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *p = json_object_array_get_idx(list, i);

			json_object *fin, *dec;

			printf("  program %s on %s: %s%s%s%s\n", strna(jstr(p, "program")),
			       strna(jstr(p, "cgroup")),
			       jstr(p, "error") ? "failed: " : jstr(p, "verdict") ?: "not run",
			       jstr(p, "error") ?: "",
			       json_object_object_get_ex(p, "final", &fin) &&
					       json_object_get_boolean(fin) && jstr(p, "verdict")
				       ? ", final" : "",
			       json_object_object_get_ex(p, "decides", &dec) && json_object_get_boolean(dec)
				       ? " (decides)" : "");
		}
	if (json_object_object_get_ex(o, "problems", &list) && json_object_array_length(list) > 0) {
		printf("  problems:\n");
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *p = json_object_array_get_idx(list, i);

			printf("    %s: %s: %s\n", strna(jstr(p, "cgroup")), strna(jstr(p, "kind")),
			       strna(jstr(p, "message")));
		}
	}
	if (json_object_object_get_ex(o, "runtime", &runtime) && jstr(runtime, "balanced_by"))
		printf("  balanced by: %s\n", jstr(runtime, "balanced_by"));
	if (json_object_object_get_ex(o, "runtime", &runtime) && jstr(runtime, "note"))
		printf("  numabd: %s\n", jstr(runtime, "note"));
}

int verb_explain(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "offline", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	bool offline = ctl_offline_only(ctl);
	_cleanup_free_ char *path = NULL;
	struct numab_roots roots = NUMAB_ROOTS_NULL;
	struct topology *topo = NULL;
	struct snapshot *s = NULL;
	struct policy_results *res = NULL;
	const struct policy_result *pr;
	json_object *args, *reply = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		switch (c) {
		case 'o':
			offline = true;
			break;
		case 'h':
			explain_help();
			return 0;
		default:
			return -EINVAL;
		}
	}
	if (argc - optind != 1)
		return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
				       "explain takes exactly one cgroup (see explain --help).");
	if (ctl_cgroup_path(argv[optind], &path) < 0)
		return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Invalid cgroup path '%s'.",
				       argv[optind]);

	if (!offline) {
		args = json_object_new_object();
		json_object_object_add(args, "cgroup", json_object_new_string(path));
		r = ctl_call(ctl->socket_path, "explain", args, true, &reply);
		json_object_put(args);
		if (r >= 0) {
			if (ctl->json)
				ctl_print_json(reply);
			else {
				explain_print_text(reply);
				json_object_put(reply);
			}
			return 0;
		} else if (r != -ECONNREFUSED) {
			return r == -ENOENT ? log_error_errno(r, "cgroup %s not found.", path) : r;
		} else if (!ctl->json) {
			printf("(numabd is not running: resolved from the configuration, xattrs and "
			       "saved runtime settings; BPF programs are not run)\n");
		}
	}

	r = ctl_open(ctl, &roots, &topo);
	if (r < 0)
		return r;
	r = snapshot_take(&roots, topo, 0, &s);
	if (r < 0) {
		log_error_errno(r, "Failed to read the cgroup tree: %m");
		goto out;
	}
	r = ctl_resolve_offline(ctl, &roots, topo, s, &res);
	if (r < 0)
		goto out;
	pr = policy_results_find(res, path);
	if (!pr) {
		r = log_error_errno(SYNTHETIC_ERRNO(ENOENT), "cgroup %s not found under %s.", path,
				    roots.cgroup_path);
		goto out;
	}
	{
		json_object *o;

		r = policy_result_to_json(pr, &o);
		if (r < 0)
			goto out;
		if (ctl->json) {
			ctl_print_json(o);
		} else {
			explain_print_text(o);
			json_object_put(o);
		}
	}
	r = 0;
out:
	policy_results_free(res);
	snapshot_free(s);
	topo_free(topo);
	roots_close(&roots);
	return r;
}
