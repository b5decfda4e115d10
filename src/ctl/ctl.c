/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "sysfs/topo-read.h"

int ctl_open(const struct ctl *ctl, struct numab_roots *ret_roots, struct topology **ret_topo)
{
	struct numab_roots roots;
	struct topology *topo;
	int r;

	r = roots_open(&roots, ctl->sysfs_root, ctl->proc_root, ctl->cgroup_root);
	if (r < 0)
		return log_error_errno(r, "Failed to open the sysfs/procfs/cgroup roots (%s, %s, %s): %m",
				       ctl->sysfs_root ?: "/sys", ctl->proc_root ?: "/proc",
				       ctl->cgroup_root ?: "cgroup2 mount");
	r = topo_read(roots.sysfs_fd, &topo);
	if (r < 0) {
		log_error_errno(r, "Failed to read the NUMA topology under %s/devices/system/node: %m",
				roots.sysfs_path);
		roots_close(&roots);
		return r;
	}
	*ret_roots = roots;
	*ret_topo = topo;
	return 0;
}

int ctl_cgroup_path(const char *arg, char **ret)
{
	char *p;
	size_t len;

	if (!arg || !*arg)
		return -EINVAL;
	if (strstr(arg, "/../") || strneq(arg, "../", 3) || streq(arg, "..") ||
	    (strlen(arg) >= 3 && streq(arg + strlen(arg) - 3, "/..")))
		return -EINVAL;
	if (asprintf(&p, "%s%s", arg[0] == '/' ? "" : "/", arg) < 0)
		return -ENOMEM;
	len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	*ret = p;
	return 0;
}

void ctl_print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

bool ctl_stdout_is_tty(void)
{
	return isatty(STDOUT_FILENO) == 1;
}
