/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "shared/fileio.h"
#include "shared/macro.h"
#include "shared/roots.h"

#define LIVE_SYSFS "/sys"
#define LIVE_PROC "/proc"

int roots_find_cgroup2_mount(const char *mountinfo, char **ret)
{
	const char *line = mountinfo;

	/* mountinfo(5): "id parent maj:min root mountpoint options [optional...] - fstype src sopts" */
	while (line && *line) {
		const char *eol = strchrnul(line, '\n');
		const char *sep = strstr(line, " - ");

		if (sep && sep < eol && strneq(sep + 3, "cgroup2 ", 8)) {
			const char *p = line;
			char *mp, *out;
			size_t len;

			for (int field = 0; field < 4 && p < eol; field++) {
				p = strchr(p, ' ');
				if (!p || p >= eol)
					break;
				p++;
			}
			if (p && p < eol) {
				len = (size_t)(strchrnul(p, ' ') - p);
				mp = strndup(p, len);
				if (!mp)
					return -ENOMEM;
				/* Octal escapes (\040 for space) as the kernel writes them. */
				out = mp;
				for (char *q = mp; *q; q++) {
					if (q[0] == '\\' && q[1] >= '0' && q[1] <= '7' && q[2] && q[3]) {
						*out++ = (char)(((q[1] - '0') << 6) | ((q[2] - '0') << 3) |
								(q[3] - '0'));
						q += 3;
					} else {
						*out++ = *q;
					}
				}
				*out = '\0';
				*ret = mp;
				return 0;
			}
		}
		line = *eol ? eol + 1 : NULL;
	}
	return -ENOENT;
}

static int open_dir(const char *path, int *ret_fd, char **ret_path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *p;

	if (fd < 0)
		return negative_errno();
	p = strdup(path);
	if (!p) {
		safe_close(fd);
		return -ENOMEM;
	}
	*ret_fd = fd;
	*ret_path = p;
	return 0;
}

int roots_open(struct numab_roots *ret, const char *sysfs, const char *proc, const char *cgroup)
{
	struct numab_roots r = NUMAB_ROOTS_NULL;
	int k;

	r.live = !sysfs && !proc && !cgroup;
	k = open_dir(sysfs ?: LIVE_SYSFS, &r.sysfs_fd, &r.sysfs_path);
	if (k < 0)
		goto fail;
	k = open_dir(proc ?: LIVE_PROC, &r.proc_fd, &r.proc_path);
	if (k < 0)
		goto fail;

	if (cgroup) {
		k = open_dir(cgroup, &r.cgroup_fd, &r.cgroup_path);
		if (k < 0)
			goto fail;
	} else {
		_cleanup_free_ char *mountinfo = NULL, *mp = NULL;

		/* Our own mount namespace decides where cgroup2 sits (cgroupfs may be hybrid). */
		k = read_full_file_at(r.proc_fd, "self/mountinfo", 0, &mountinfo, NULL);
		if (k >= 0 && roots_find_cgroup2_mount(mountinfo, &mp) >= 0)
			(void)open_dir(mp, &r.cgroup_fd, &r.cgroup_path);
	}
	*ret = r;
	return 0;

fail:
	roots_close(&r);
	return k;
}

void roots_close(struct numab_roots *roots)
{
	roots->sysfs_fd = safe_close(roots->sysfs_fd);
	roots->proc_fd = safe_close(roots->proc_fd);
	roots->cgroup_fd = safe_close(roots->cgroup_fd);
	free(roots->sysfs_path);
	free(roots->proc_path);
	free(roots->cgroup_path);
	roots->sysfs_path = roots->proc_path = roots->cgroup_path = NULL;
}
