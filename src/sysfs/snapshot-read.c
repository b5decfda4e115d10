/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "shared/log.h"
#include "shared/macro.h"
#include "sysfs/cgroup-read.h"
#include "sysfs/proc-read.h"
#include "sysfs/snapshot-read.h"

/* Deeper trees are not walked: bounds the fds held open by the recursion. */
#define MAX_CGROUP_DEPTH 64

struct walk {
	const struct numab_roots *roots;
	struct snapshot *snap;
	unsigned flags;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Names of the subdirectories (child cgroups) of an open directory, sorted. */
static int list_children(DIR *d, char ***ret, size_t *ret_n)
{
	char **names = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;

	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;

			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISDIR(st.st_mode))
				continue;
		} else if (de->d_type != DT_DIR) {
			continue;
		}
		if (GREEDY_REALLOC(names, alloc, n + 1, 8) < 0)
			goto oom;
		names[n] = strdup(de->d_name);
		if (!names[n])
			goto oom;
		n++;
	}
	if (n > 1)
		qsort(names, n, sizeof(char *), cmp_str);
	*ret = names;
	*ret_n = n;
	return 0;
oom:
	strv_free(names, n);
	return -ENOMEM;
}

static int read_processes(const struct numab_roots *roots, struct snapshot *snap, int cg_fd,
			  struct cg_sample *c)
{
	_cleanup_free_ pid_t *pids = NULL;
	int n, r;

	n = cg_read_procs(cg_fd, &pids);
	if (n < 0)
		return n;
	if (n == 0)
		return 0;
	c->procs = calloc((size_t)n, sizeof(*c->procs));
	if (!c->procs)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		struct proc_sample *p = &c->procs[c->n_procs];

		r = proc_read_process(roots->proc_fd, pids[i], true, p);
		if (errno_is_gone(r)) {
			log_debug("Process %d vanished during the walk, skipping.", pids[i]);
			continue;
		}
		if (r == -EACCES || r == -EPERM) {
			/* Hidden by hidepid= or a user namespace: count what we can. */
			continue;
		}
		if (r < 0)
			return r;
		c->n_procs++;
		snap->n_tasks_total += p->n_tasks;
	}
	snap->n_procs_total += c->n_procs;
	return 0;
}

int snapshot_read_procs(const struct numab_roots *roots, struct snapshot *s, unsigned idx)
{
	struct cg_sample *c = &s->cgroups[idx];
	_cleanup_close_ int fd = -EBADF;
	const char *rel = c->path + 1;

	if (c->procs)
		return 0;
	fd = openat(roots->cgroup_fd, *rel ? rel : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno_is_gone(errno) ? -ENOENT : negative_errno();
	return read_processes(roots, s, fd, c);
}

/* Walk the cgroup whose directory fd is dir_fd; takes ownership of dir_fd. */
static int walk_cgroup(struct walk *w, int dir_fd, const char *path, int parent)
{
	struct snapshot *s = w->snap;
	_cleanup_closedir_ DIR *d = NULL;
	char **children = NULL;
	size_t n_children = 0;
	struct cg_sample *c;
	int idx, r;

	d = fdopendir(dir_fd);
	if (!d) {
		safe_close(dir_fd);
		return negative_errno();
	}
	/* A dup of the roots' fd shares its offset with earlier walks. */
	rewinddir(d);
	dir_fd = dirfd(d);
	idx = snapshot_add_cgroup(s, path, parent);
	if (idx < 0)
		return idx;
	c = &s->cgroups[idx];
	if (parent >= 0)
		c->mems_effective = s->cgroups[parent].mems_effective;

	r = cg_read_files(dir_fd, s->span, w->flags & SNAP_COUNTERS, c);
	if (r >= 0 && (w->flags & SNAP_TASKS))
		r = read_processes(w->roots, s, dir_fd, c);
	if (r >= 0)
		r = list_children(d, &children, &n_children);
	if (errno_is_gone(r)) {
		log_debug("cgroup %s vanished during the walk, skipping.", path);
		snapshot_drop_last(s);
		return 0;
	}
	if (r < 0)
		return r;
	if (c->depth >= MAX_CGROUP_DEPTH) {
		log_debug("cgroup %s is deeper than %d levels, not walking below it.", path,
			  MAX_CGROUP_DEPTH);
		n_children = 0;
	}

	for (size_t i = 0; i < n_children && r >= 0; i++) {
		_cleanup_free_ char *child_path = NULL;
		int fd;

		fd = openat(dir_fd, children[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			if (errno_is_gone(errno))
				continue;
			r = negative_errno();
			break;
		}
		if (asprintf(&child_path, "%s/%s", streq(path, "/") ? "" : path, children[i]) < 0) {
			safe_close(fd);
			r = -ENOMEM;
			break;
		}
		r = walk_cgroup(w, fd, child_path, idx);
	}
	strv_free(children, n_children);
	return r;
}

int snapshot_take(const struct numab_roots *roots, const struct topology *topo, unsigned flags,
		  struct snapshot **ret)
{
	struct walk w = { .roots = roots, .flags = flags };
	struct timespec ts;
	int r;

	if (roots->cgroup_fd < 0)
		return -ENOMEDIUM;
	w.snap = snapshot_new(topo_node_span(topo));
	if (!w.snap)
		return -ENOMEM;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	w.snap->timestamp_usec = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	w.snap->node_mask = topo->node_mask;
	w.snap->with_tasks = flags & SNAP_TASKS;

	r = fcntl(roots->cgroup_fd, F_DUPFD_CLOEXEC, 3);
	r = r < 0 ? negative_errno() : walk_cgroup(&w, r, "/", -1);
	if (r >= 0 && w.snap->n_cgroups == 0)
		r = -ENOENT;
	if (r < 0) {
		snapshot_free(w.snap);
		return r;
	}
	w.snap->has_memory_controller = w.snap->cgroups[0].controllers & CG_CTRL_MEMORY;
	w.snap->has_cpuset_controller = w.snap->cgroups[0].controllers & CG_CTRL_CPUSET;
	*ret = w.snap;
	return 0;
}
