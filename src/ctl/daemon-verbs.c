/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * numabctl verbs that only numabd can answer: set, reset (runtime settings, kept by numabd
 * in its state directory), stats, reload.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/client.h"
#include "ctl/ctl.h"
#include "shared/log.h"
#include "shared/macro.h"

static json_object *string_array(char **v, int n)
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static int call_daemon(const struct ctl *ctl, const char *verb, json_object *args,
		       json_object **ret)
{
	int r = ctl_call(ctl->socket_path, verb, args, false, ret);

	json_object_put(args);
	if (r == -ECONNREFUSED)
		log_error("Runtime settings and statistics live in numabd: start it (systemctl start "
			  "numabd), or put the policy in the config file or in user.numab.* xattrs.");
	return r;
}

static void set_help(void)
{
	printf("Usage: numabctl set [--transient] CGROUP ATTR=VALUE...\n\n"
	       "Set runtime policy attributes of CGROUP in numabd; they win over xattrs and the\n"
	       "config, and are kept by path across restarts of numabd and of the cgroup.\n"
	       "Attributes: mode=off|follow|pin|interleave|tier|kernel, nodes=LIST,\n"
	       "budget=RATE (e.g. 64M/s), interval=DURATION, hot_threshold=DURATION,\n"
	       "program=PATH, pin=soft|hard.\n\n"
	       "  --transient   the setting dies with the cgroup\n"
	       "  -h, --help    this help\n");
}

int verb_set(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "transient", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	_cleanup_free_ char *path = NULL;
	bool transient = false;
	json_object *args, *reply = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		switch (c) {
		case 't':
			transient = true;
			break;
		case 'h':
			set_help();
			return 0;
		default:
			return -EINVAL;
		}
	}
	if (argc - optind < 2)
		return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
				       "set needs a cgroup and at least one ATTR=VALUE (see set --help).");
	if (ctl_cgroup_path(argv[optind], &path) < 0)
		return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Invalid cgroup path '%s'.",
				       argv[optind]);
	args = json_object_new_object();
	json_object_object_add(args, "cgroup", json_object_new_string(path));
	json_object_object_add(args, "assignments",
			       string_array(argv + optind + 1, argc - optind - 1));
	json_object_object_add(args, "transient", json_object_new_boolean(transient));
	r = call_daemon(ctl, "set", args, &reply);
	if (r < 0)
		return r;
	if (ctl->json)
		ctl_print_json(reply);
	else {
		printf("%s: set.\n", path);
		json_object_put(reply);
	}
	return 0;
}

static void reset_help(void)
{
	printf("Usage: numabctl reset CGROUP [ATTR...]\n\n"
	       "Remove runtime settings of CGROUP (all of them without ATTR).\n");
}

int verb_reset(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = { { "help", no_argument, NULL, 'h' }, {} };
	_cleanup_free_ char *path = NULL;
	json_object *args, *reply = NULL, *changed;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		if (c == 'h') {
			reset_help();
			return 0;
		}
		return -EINVAL;
	}
	if (argc - optind < 1)
		return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "reset needs a cgroup (see reset --help).");
	if (ctl_cgroup_path(argv[optind], &path) < 0)
		return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Invalid cgroup path '%s'.",
				       argv[optind]);
	args = json_object_new_object();
	json_object_object_add(args, "cgroup", json_object_new_string(path));
	json_object_object_add(args, "attributes", string_array(argv + optind + 1, argc - optind - 1));
	r = call_daemon(ctl, "reset", args, &reply);
	if (r < 0)
		return r;
	if (ctl->json) {
		ctl_print_json(reply);
		return 0;
	}
	printf("%s: %s\n", path,
	       json_object_object_get_ex(reply, "changed", &changed) && json_object_get_boolean(changed)
		       ? "reset." : "had no such runtime settings.");
	json_object_put(reply);
	return 0;
}

static double jdouble(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_double(v) : 0.0;
}

static uint64_t ju64(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_uint64(v) : 0;
}

int verb_stats(struct ctl *ctl, int argc, char **argv)
{
	json_object *reply = NULL, *daemon, *engine, *cgroups;
	int r;

	if (argc > 1 && (streq(argv[1], "-h") || streq(argv[1], "--help"))) {
		printf("Usage: numabctl [-j] stats\n\n"
		       "What numabd did per managed cgroup: bytes moved by node, move_pages calls,\n"
		       "tasks placed, failures by reason, time throttled by budget.\n");
		return 0;
	}
	r = call_daemon(ctl, "stats", json_object_new_object(), &reply);
	if (r < 0)
		return r;
	if (ctl->json) {
		ctl_print_json(reply);
		return 0;
	}
	json_object_object_get_ex(reply, "daemon", &daemon);
	json_object_object_get_ex(reply, "engine", &engine);
	json_object_object_get_ex(reply, "cgroups", &cgroups);
	printf("numabd: %llu ticks (+%llu continuations), last %.1f ms, max %.1f ms, CPU %.2f s%s\n",
	       (unsigned long long)ju64(daemon, "ticks"),
	       (unsigned long long)ju64(daemon, "continuations"), jdouble(daemon, "tick_last_ms"),
	       jdouble(daemon, "tick_max_ms"), jdouble(daemon, "cpu_s"),
	       jdouble(daemon, "dry_run") != 0.0 ? " (dry run)" : "");
	printf("move_pages: %llu calls, %llu pages, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n\n",
	       (unsigned long long)ju64(engine, "move_calls"),
	       (unsigned long long)ju64(engine, "pages_moved"), jdouble(engine, "call_p50_ms"),
	       jdouble(engine, "call_p99_ms"), jdouble(engine, "call_max_ms"));
	printf("%-32s %-10s %12s %10s %8s %10s %10s\n", "CGROUP", "MODE", "MOVED", "CALLS", "TASKS",
	       "FAILURES", "THROTTLED");
	for (size_t i = 0; cgroups && i < json_object_array_length(cgroups); i++) {
		json_object *c = json_object_array_get_idx(cgroups, i), *fail, *mode, *path;
		uint64_t failures = 0;

		if (json_object_object_get_ex(c, "failures", &fail)) {
			json_object_object_foreach(fail, k, v) {
				(void)k;
				failures += json_object_get_uint64(v);
			}
		}
		json_object_object_get_ex(c, "cgroup", &path);
		json_object_object_get_ex(c, "mode", &mode);
		printf("%-32s %-10s %11.1fM %10llu %8llu %10llu %9.1fs\n",
		       json_object_get_string(path), json_object_get_string(mode),
		       (double)ju64(c, "moved_bytes") / (1 << 20),
		       (unsigned long long)ju64(c, "move_calls"),
		       (unsigned long long)ju64(c, "tasks_placed"), (unsigned long long)failures,
		       jdouble(c, "throttled_s"));
	}
	json_object_put(reply);
	return 0;
}

int verb_reload(struct ctl *ctl, int argc, char **argv)
{
	int r;

	if (argc > 1 && (streq(argv[1], "-h") || streq(argv[1], "--help"))) {
		printf("Usage: numabctl reload\n\nReload numabd's configuration (like SIGHUP); a "
		       "broken config is reported and the old one kept.\n");
		return 0;
	}
	r = call_daemon(ctl, "reload", json_object_new_object(), NULL);
	if (r < 0)
		return r;
	printf("Configuration reloaded.\n");
	return 0;
}
