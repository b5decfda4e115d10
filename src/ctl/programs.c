/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * numabctl attach, detach, programs: BPF policy programs in numabd (numab-bpf(7)).
 *
 * numabd loads the object, runs its trial and keeps the attachment by path in its state
 * directory; numabctl only turns a relative object path into an absolute one (numabd does not
 * share our working directory) and prints what numabd answers: the verifier's log when the
 * kernel refused a program, the program's id and maps when it loaded (for bpftool map update).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/client.h"
#include "ctl/ctl.h"
#include "shared/log.h"
#include "shared/macro.h"

static int call(const struct ctl *ctl, const char *verb, json_object *args, json_object **ret)
{
	int r = ctl_call(ctl->socket_path, verb, args, false, ret);

	json_object_put(args);
	if (r == -ECONNREFUSED)
		log_error("Programs run in numabd: start it (systemctl start numabd), or name the "
			  "program in the configuration (Program= in a [Match] section).");
	return r;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

static uint64_t ju64(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_object_get_ex(o, key, &v) && v ? json_object_get_uint64(v) : 0;
}

static bool jbool(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_object_get_ex(o, key, &v) && v && json_object_get_boolean(v);
}

/* "  maps: name (type, id N), ..." for an instance, if it has maps. */
static void print_maps(json_object *inst)
{
	json_object *maps;

	if (!json_object_object_get_ex(inst, "maps", &maps) || json_object_array_length(maps) == 0)
		return;
	printf("  maps:");
	for (size_t i = 0; i < json_object_array_length(maps); i++) {
		json_object *m = json_object_array_get_idx(maps, i);

		printf("%s %s (%s, id %" PRIu64 ")", i ? "," : "", strna(jstr(m, "name")),
		       strna(jstr(m, "type")), ju64(m, "id"));
	}
	printf("\n");
}

static void attach_help(void)
{
	printf("Usage: numabctl attach [--transient] [--name NAME] CGROUP OBJECT\n\n"
	       "Attach the BPF policy program in OBJECT (a SEC(\"syscall\") program built with\n"
	       "clang -g -O2 -target bpf against <numab/numab_bpf.h>) to CGROUP: numabd loads it,\n"
	       "runs it once on CGROUP's context, and from then on runs it for CGROUP and every\n"
	       "cgroup below it at each evaluation. A program already on CGROUP is replaced, and\n"
	       "maps with the same name and type keep their contents. Kept by path across\n"
	       "restarts; the same as `numabctl set CGROUP program=OBJECT[:NAME]`.\n\n"
	       "  --name NAME   the program in OBJECT (needed when it has several)\n"
	       "  --transient   the attachment dies with the cgroup\n"
	       "  -h, --help    this help\n\n"
	       "See numab-bpf(7).\n");
}

int verb_attach(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "transient", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	_cleanup_free_ char *path = NULL, *object = NULL;
	const char *name = NULL;
	bool transient = false;
	json_object *args, *reply = NULL, *inst;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 't':
			transient = true;
			break;
		case 'h':
			attach_help();
			return 0;
		default:
			return -EINVAL;
		}
	}
	if (argc - optind != 2)
		return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
				       "attach needs a cgroup and an object (see attach --help).");
	if (ctl_cgroup_path(argv[optind], &path) < 0)
		return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Invalid cgroup path '%s'.",
				       argv[optind]);
	object = realpath(argv[optind + 1], NULL);
	if (!object)
		return log_error_errno(negative_errno(), "Cannot use the object '%s': %m",
				       argv[optind + 1]);
	args = json_object_new_object();
	json_object_object_add(args, "cgroup", json_object_new_string(path));
	json_object_object_add(args, "object", json_object_new_string(object));
	if (name)
		json_object_object_add(args, "name", json_object_new_string(name));
	json_object_object_add(args, "transient", json_object_new_boolean(transient));
	r = call(ctl, "attach", args, &reply);
	if (r < 0)
		return r;
	if (ctl->json) {
		ctl_print_json(reply);
		return 0;
	}
	json_object_object_get_ex(reply, "instance", &inst);
	printf("%s: attached %s (program %s, id %" PRIu64 ")%s%s.\n", path, strna(jstr(reply, "program")),
	       strna(jstr(inst, "name")), ju64(inst, "prog_id"),
	       jbool(reply, "transient") ? ", transient" : "",
	       jbool(reply, "exists") ? "" : "; the cgroup does not exist yet, it applies when it appears");
	{
		json_object *kept;

		if (json_object_object_get_ex(inst, "kept_maps", &kept) &&
		    json_object_array_length(kept) > 0) {
			printf("  kept maps:");
			for (size_t i = 0; i < json_object_array_length(kept); i++)
				printf(" %s", json_object_get_string(json_object_array_get_idx(kept, i)));
			printf("\n");
		}
	}
	print_maps(inst);
	json_object_put(reply);
	return 0;
}

int verb_detach(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = { { "help", no_argument, NULL, 'h' }, {} };
	_cleanup_free_ char *path = NULL;
	json_object *args, *reply = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		if (c == 'h') {
			printf("Usage: numabctl detach CGROUP\n\n"
			       "Remove the program attached to CGROUP with attach (or set program=);\n"
			       "numabd unloads it when no other cgroup uses it. A Program= of the\n"
			       "configuration is not detached this way.\n");
			return 0;
		}
		return -EINVAL;
	}
	if (argc - optind != 1)
		return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "detach needs a cgroup (see detach --help).");
	if (ctl_cgroup_path(argv[optind], &path) < 0)
		return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Invalid cgroup path '%s'.",
				       argv[optind]);
	args = json_object_new_object();
	json_object_object_add(args, "cgroup", json_object_new_string(path));
	r = call(ctl, "detach", args, &reply);
	if (r < 0)
		return r;
	if (ctl->json) {
		ctl_print_json(reply);
		return 0;
	}
	printf("%s: detached %s.", path, strna(jstr(reply, "detached")));
	if (jstr(reply, "program"))
		printf(" It still has %s from the configuration.", jstr(reply, "program"));
	printf("\n");
	json_object_put(reply);
	return 0;
}

int verb_programs(struct ctl *ctl, int argc, char **argv)
{
	json_object *reply = NULL, *list;
	int r;

	if (argc > 1 && (streq(argv[1], "-h") || streq(argv[1], "--help"))) {
		printf("Usage: numabctl [-j] programs\n\n"
		       "Every BPF policy program attachment numabd knows (runtime attachments,\n"
		       "Program= of the configuration, attachments kept for cgroups that do not exist\n"
		       "now) with the loaded program: id, runs, failures, last verdict, maps.\n");
		return 0;
	}
	r = call(ctl, "programs", json_object_new_object(), &reply);
	if (r < 0)
		return r;
	if (ctl->json) {
		ctl_print_json(reply);
		return 0;
	}
	json_object_object_get_ex(reply, "attachments", &list);
	if (!list || json_object_array_length(list) == 0) {
		printf("No programs attached.\n");
		json_object_put(reply);
		return 0;
	}
	printf("%-28s %-44s %-10s %-10s %6s %8s %6s %s\n", "CGROUP", "PROGRAM", "SOURCE", "STATE",
	       "ID", "RUNS", "FAILS", "LAST");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *a = json_object_array_get_idx(list, i), *inst = NULL;
		const char *source = strna(jstr(a, "source"));

		json_object_object_get_ex(a, "instance", &inst);
		printf("%-28s %-44s %-10.10s %-10s %6" PRIu64 " %8" PRIu64 " %6" PRIu64 " %s%s%s\n",
		       strna(jstr(a, "cgroup")), strna(jstr(a, "program")),
		       strncmp(source, "config:", 7) == 0 ? "config" : source,
		       strna(jstr(a, "state")), ju64(inst, "prog_id"), ju64(inst, "runs"),
		       ju64(inst, "failures"), jstr(inst, "last_verdict") ?: "-",
		       jbool(a, "transient") ? " (transient)" : "",
		       jbool(a, "exists") ? "" : " (no such cgroup now)");
		if (jstr(inst, "error"))
			printf("  error: %s\n", jstr(inst, "error"));
		else if (jstr(inst, "last_error"))
			printf("  last failure: %s\n", jstr(inst, "last_error"));
		if (inst)
			print_maps(inst);
	}
	json_object_put(reply);
	return 0;
}
