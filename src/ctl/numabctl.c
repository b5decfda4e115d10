/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * numabctl: the command line of numab. A verb table in the bpftool style; every verb prints
 * a table for people and JSON with -j. Verbs that only observe (status, top, explain) work
 * without the daemon and against fixture roots; verbs that change things talk to numabd.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "shared/log.h"
#include "shared/macro.h"

static const struct ctl_verb verbs[] = {
	{ "status", "[OPTIONS] [CGROUP...]", "per-cgroup NUMA picture: memory and CPU per node",
	  verb_status },
	{ "top", "[OPTIONS] [CGROUP...]", "live per-cgroup view, refreshed every second",
	  verb_top },
	{ "explain", "[--offline] CGROUP", "why a cgroup is (not) balanced: values and sources",
	  verb_explain },
	{ "set", "[--transient] CGROUP ATTR=VALUE...", "set runtime policy (numabd)", verb_set },
	{ "reset", "CGROUP [ATTR...]", "remove runtime policy (numabd)", verb_reset },
	{ "stats", "", "what numabd moved and placed, per cgroup", verb_stats },
	{ "reload", "", "reload numabd's configuration", verb_reload },
	{ "run", "[--cgroup CG] -- CMD...", "run a command that AutoNUMA leaves alone", verb_run },
	{ "attach", "[--transient] [--name NAME] CGROUP OBJECT",
	  "attach a BPF policy program (numabd)", verb_attach },
	{ "detach", "CGROUP", "detach a cgroup's BPF policy program (numabd)", verb_detach },
	{ "programs", "", "BPF policy programs: attachments, runs, maps", verb_programs },
};

static void help(void)
{
	printf("Usage: numabctl [OPTIONS] VERB [ARGS...]\n\n"
	       "Per-cgroup NUMA balancing: see and control what numabd does.\n\n"
	       "Verbs:\n");
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		printf("  %-8s %-36s %s\n", verbs[i].name, verbs[i].args, verbs[i].help);
	printf("\nOptions:\n"
	       "  -j, --json              print JSON\n"
	       "      --sysfs-root DIR    read sysfs from DIR (default /sys)\n"
	       "      --proc-root DIR     read procfs from DIR (default /proc)\n"
	       "      --cgroup-root DIR   read the cgroup v2 tree from DIR (default: the cgroup2\n"
	       "                          mount)\n"
	       "      --config PATH       configuration file (default " NUMAB_SYSCONFDIR
	       "/numab/numab.conf)\n"
	       "      --socket PATH       numabd's control socket\n"
	       "  -v, --verbose           debug logging\n"
	       "  -h, --help              this help; VERB --help for a verb's options\n"
	       "      --version           print the version\n\n"
	       "See numabctl(8).\n");
}

enum {
	ARG_SYSFS_ROOT = 0x100,
	ARG_PROC_ROOT,
	ARG_CGROUP_ROOT,
	ARG_CONFIG,
	ARG_SOCKET,
	ARG_VERSION,
};

static const struct option global_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "sysfs-root", required_argument, NULL, ARG_SYSFS_ROOT },
	{ "proc-root", required_argument, NULL, ARG_PROC_ROOT },
	{ "cgroup-root", required_argument, NULL, ARG_CGROUP_ROOT },
	{ "config", required_argument, NULL, ARG_CONFIG },
	{ "socket", required_argument, NULL, ARG_SOCKET },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, ARG_VERSION },
	{}
};

static int parse_argv(int argc, char **argv, struct ctl *ctl)
{
	int c;

	/* "+": stop at the verb, so verbs parse their own options. */
	while ((c = getopt_long(argc, argv, "+jvh", global_options, NULL)) >= 0) {
		switch (c) {
		case 'j':
			ctl->json = true;
			break;
		case ARG_SYSFS_ROOT:
			ctl->sysfs_root = optarg;
			break;
		case ARG_PROC_ROOT:
			ctl->proc_root = optarg;
			break;
		case ARG_CGROUP_ROOT:
			ctl->cgroup_root = optarg;
			break;
		case ARG_CONFIG:
			ctl->config_path = optarg;
			break;
		case ARG_SOCKET:
			ctl->socket_path = optarg;
			break;
		case 'v':
			log_set_max_level(LOG_DEBUG);
			break;
		case 'h':
			help();
			return 0;
		case ARG_VERSION:
			printf("numabctl %s\n", NUMAB_VERSION);
			return 0;
		default:
			return -EINVAL;
		}
	}
	return 1;
}

/*
 * Whether argument a is one of global_options that may follow the verb (all but --help and
 * --version, which after a verb are the verb's), and whether it takes the next argument as
 * its value (*ret_takes_next).
 */
static bool is_global_option(const char *a, bool *ret_takes_next)
{
	*ret_takes_next = false;
	if (streq(a, "-j") || streq(a, "-v"))
		return true;
	if (strncmp(a, "--", 2) != 0)
		return false;
	a += 2;
	for (const struct option *o = global_options; o->name; o++) {
		size_t len = strlen(o->name);

		if (o->val == 'h' || o->val == ARG_VERSION || strncmp(a, o->name, len) != 0)
			continue;
		if (a[len] == '\0') {
			*ret_takes_next = o->has_arg == required_argument;
			return true;
		}
		if (a[len] == '=' && o->has_arg == required_argument)
			return true;
	}
	return false;
}

/*
 * The global options may also follow the verb ("numabctl status -j --cgroup-root DIR"):
 * split the verb's arguments (argv[0] = the verb) into the verb's own and the global ones
 * (gargv[0] = "numabctl"). Nothing after "--" is looked at, nor, for run, anything after the
 * command's first word: those belong to the command.
 */
static int split_global_options(int argc, char **argv, bool stop_at_operand, char ***ret_vargv,
				int *ret_vargc, char ***ret_gargv, int *ret_gargc)
{
	_cleanup_free_ char **v = calloc((size_t)argc + 1, sizeof(char *));
	_cleanup_free_ char **g = calloc((size_t)argc + 1, sizeof(char *));
	int nv = 0, ng = 0, i;

	if (!v || !g)
		return -ENOMEM;
	g[ng++] = (char *)"numabctl";
	v[nv++] = argv[0];
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool takes_next;

		if (streq(a, "--") || (stop_at_operand && a[0] != '-'))
			break;
		if (!is_global_option(a, &takes_next)) {
			v[nv++] = argv[i];
			continue;
		}
		g[ng++] = argv[i];
		if (takes_next && i + 1 < argc)
			g[ng++] = argv[++i];
	}
	for (; i < argc; i++)
		v[nv++] = argv[i];
	*ret_vargv = TAKE_PTR(v);
	*ret_vargc = nv;
	*ret_gargv = TAKE_PTR(g);
	*ret_gargc = ng;
	return 0;
}

static int run(int argc, char **argv)
{
	struct ctl ctl = {};
	int r;

	log_setup("numabctl", LOG_INFO);
	/* Ten significant digits: json-c's default of 17 prints 1.0015499999999999. */
	(void)json_c_set_serialization_double_format("%.10g", JSON_C_OPTION_GLOBAL);
	r = parse_argv(argc, argv, &ctl);
	if (r <= 0)
		return r;
	if (optind >= argc) {
		help();
		return -EINVAL;
	}
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		if (streq(argv[optind], verbs[i].name)) {
			/* Each verb parses its own options from argv[0] = the verb. */
			_cleanup_free_ char **vargv = NULL, **gargv = NULL;
			int vargc, gargc;

			r = split_global_options(argc - optind, argv + optind, streq(verbs[i].name, "run"),
						 &vargv, &vargc, &gargv, &gargc);
			if (r < 0)
				return log_oom();
			optind = 0;
			r = parse_argv(gargc, gargv, &ctl);
			if (r <= 0)
				return r;
			optind = 0;
			return verbs[i].run(&ctl, vargc, vargv);
		}
	return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Unknown verb '%s' (see numabctl --help).",
			       argv[optind]);
}

int main(int argc, char **argv)
{
	int r = run(argc, argv);

	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
