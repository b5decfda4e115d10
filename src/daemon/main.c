/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * numabd: per-cgroup NUMA balancing. main() parses the command line and hands over to the
 * manager; everything else lives in manager.c.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/config.h"
#include "daemon/manager.h"
#include "shared/log.h"
#include "shared/macro.h"

static void help(void)
{
	printf("Usage: numabd [OPTIONS]\n\n"
	       "Per-cgroup NUMA balancing: balances the cgroups the policy names, leaves every\n"
	       "other cgroup untouched.\n\n"
	       "  -c, --config PATH      configuration file (default " NUMAB_SYSCONFDIR
	       "/numab/numab.conf\n"
	       "                         plus PATH.d/*.conf)\n"
	       "  -n, --dry-run          decide and report, change nothing\n"
	       "      --once             one evaluation of every managed cgroup, then exit\n"
	       "      --cgroup-root DIR  the cgroup v2 tree (default: the cgroup2 mount)\n"
	       "      --sysfs-root DIR   sysfs (default /sys)\n"
	       "      --proc-root DIR    procfs (default /proc)\n"
	       "  -v, --verbose          debug logging\n"
	       "  -h, --help             this help\n"
	       "      --version          print the version\n\n"
	       "Signals: SIGHUP reloads the configuration, SIGTERM restores what numabd changed\n"
	       "and exits. See numabd(8).\n");
}

enum {
	ARG_ONCE = 0x100,
	ARG_CGROUP_ROOT,
	ARG_SYSFS_ROOT,
	ARG_PROC_ROOT,
	ARG_VERSION,
};

static int parse_argv(int argc, char **argv, struct manager_options *o)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "once", no_argument, NULL, ARG_ONCE },
		{ "cgroup-root", required_argument, NULL, ARG_CGROUP_ROOT },
		{ "sysfs-root", required_argument, NULL, ARG_SYSFS_ROOT },
		{ "proc-root", required_argument, NULL, ARG_PROC_ROOT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, ARG_VERSION },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:nvh", options, NULL)) >= 0) {
		switch (c) {
		case 'c':
			o->config_path = optarg;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case ARG_ONCE:
			o->once = true;
			break;
		case ARG_CGROUP_ROOT:
			o->cgroup_root = optarg;
			break;
		case ARG_SYSFS_ROOT:
			o->sysfs_root = optarg;
			break;
		case ARG_PROC_ROOT:
			o->proc_root = optarg;
			break;
		case 'v':
			log_set_max_level(LOG_DEBUG);
			break;
		case 'h':
			help();
			return 0;
		case ARG_VERSION:
			printf("numabd %s\n", NUMAB_VERSION);
			return 0;
		default:
			return -EINVAL;
		}
	}
	if (optind < argc)
		return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
				       "Unexpected argument '%s' (see numabd --help).", argv[optind]);
	return 1;
}

static int run(int argc, char **argv)
{
	struct manager_options o = { .config_path = CONFIG_DEFAULT_PATH };
	struct manager *m = NULL;
	int r;

	log_setup("numabd", LOG_INFO);
	/* Ten significant digits: json-c's default of 17 prints 1.0015499999999999. */
	(void)json_c_set_serialization_double_format("%.10g", JSON_C_OPTION_GLOBAL);
	r = parse_argv(argc, argv, &o);
	if (r <= 0)
		return r;
	r = manager_new(&o, &m);
	if (r < 0)
		return r;
	r = manager_run(m);
	manager_free(m);
	return r;
}

int main(int argc, char **argv)
{
	return run(argc, argv) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
