/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Memory policies from numa_maps, for AutoNUMA's skip rule (see mempolicy-read.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/macro.h"
#include "sysfs/cgroup-read.h"
#include "sysfs/mempolicy-read.h"

bool mempolicy_word_skips_autonuma(const char *word)
{
	return *word && !streq(word, "default") && !strstr(word, "balancing");
}

int mempolicy_read_task_skips(int proc_fd, pid_t pid)
{
	_cleanup_close_ int fd = -EBADF;
	char path[64], buf[512], word[128];
	ssize_t n;

	snprintf(path, sizeof(path), "%d/numa_maps", (int)pid);
	fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ESRCH ? -ENOENT : negative_errno();
	/* One read: seq_file fills the buffer with whole lines, the first one at least. */
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return errno == ESRCH ? -ENOENT : negative_errno();
	buf[n] = '\0';
	if (n == 0)
		return 0; /* a kernel thread or a zombie: no mappings */
	if (sscanf(buf, "%*x %127s", word) != 1)
		return -EBADMSG;
	return mempolicy_word_skips_autonuma(word);
}

int mempolicy_read_cgroup_skips(int cg_fd, int proc_fd, unsigned max_procs)
{
	_cleanup_free_ pid_t *pids = NULL;
	unsigned seen = 0;
	int n, r;

	n = cg_read_procs(cg_fd, &pids);
	if (n < 0)
		return n;
	if (max_procs == 0)
		max_procs = 64;
	for (int i = 0; i < n && seen < max_procs; i++) {
		r = mempolicy_read_task_skips(proc_fd, pids[i]);
		if (r == -ENOENT)
			continue; /* exited meanwhile */
		if (r <= 0)
			return r;
		seen++;
	}
	return seen > 0;
}
