/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * numabctl run: start a command so that the kernel's NUMA balancing leaves it alone, on every
 * kernel: under a local memory policy (MPOL_LOCAL, set with libnuma's numa_set_localalloc())
 * whose VMAs lack MPOL_F_MOF, which task_numa_work() skips. The policy is inherited across
 * fork and exec. systemd's NUMAPolicy=local in a unit does the same for a service.
 */
#include <errno.h>
#include <getopt.h>
#include <numa.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "shared/fileio.h"
#include "shared/log.h"
#include "shared/macro.h"

static void run_help(void)
{
	printf("Usage: numabctl run [--cgroup CGROUP] -- COMMAND [ARG...]\n\n"
	       "Run COMMAND under a local memory policy, so that the kernel's automatic NUMA\n"
	       "balancing does not scan it (on every kernel; systemd's NUMAPolicy=local does the\n"
	       "same for a unit). Memory is allocated on the node the allocating thread runs on.\n\n"
	       "  --cgroup CGROUP   move into this cgroup (relative to the cgroup v2 root) first\n"
	       "  -h, --help        this help\n");
}

int verb_run(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "cgroup", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	_cleanup_free_ char *cgroup = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "+c:h", options, NULL)) >= 0) {
		switch (c) {
		case 'c':
			free(cgroup);
			cgroup = NULL;
			if (ctl_cgroup_path(optarg, &cgroup) < 0)
				return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
						       "Invalid cgroup path '%s'.", optarg);
			break;
		case 'h':
			run_help();
			return 0;
		default:
			return -EINVAL;
		}
	}
	if (optind >= argc)
		return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
				       "run needs a command (numabctl run -- COMMAND ...).");

	if (cgroup) {
		struct numab_roots roots;
		char path[4200], pid[32];

		r = roots_open(&roots, ctl->sysfs_root, ctl->proc_root, ctl->cgroup_root);
		if (r < 0)
			return log_error_errno(r, "Failed to open the roots: %m");
		if (roots.cgroup_fd < 0) {
			roots_close(&roots);
			return log_error_errno(SYNTHETIC_ERRNO(ENOMEDIUM),
					       "No cgroup v2 hierarchy is mounted: cannot use --cgroup.");
		}
		snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
		snprintf(pid, sizeof(pid), "%d", getpid());
		r = write_string_at(roots.cgroup_fd, path, pid);
		roots_close(&roots);
		if (r < 0)
			return log_error_errno(r, "Failed to move into cgroup %s: %m", cgroup);
	}
	if (numa_available() < 0)
		log_notice("This kernel has no NUMA support; running %s as it is.", argv[optind]);
	else
		numa_set_localalloc();
	execvp(argv[optind], argv + optind);
	return log_error_errno(negative_errno(), "Failed to run %s: %m", argv[optind]);
}
