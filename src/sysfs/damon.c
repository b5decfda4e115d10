/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DAMON's sysfs interface for tier mode (see damon.h for the sequence).
 *
 * Why one kdamond per process: DAMON's sysfs interface runs one context per kdamond, and a
 * context with several vaddr targets lists its tried regions without saying which target
 * each belongs to. So numabd monitors a few processes (the caller caps them), each by its own
 * kdamond, and sizes nr_kdamonds once (it cannot change while any kdamond runs).
 *
 * Why the "stat" action: it changes nothing; it makes the scheme try every region that
 * matches its access pattern, and "update_schemes_tried_regions" then lists those regions
 * with their nr_accesses and age. With a pattern that matches everything that is the whole
 * monitored address space. The write blocks until the kdamond has walked its regions once
 * (the next scheme application, at most one aggregation interval).
 *
 * Writes go through open(O_TRUNC) + one write(): sysfs ignores O_TRUNC, and fixture trees of
 * regular files then hold exactly the last value written.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/fileio.h"
#include "shared/macro.h"
#include "shared/parse-util.h"
#include "sysfs/damon.h"

#define KDAMONDS DAMON_ADMIN_DIR "/kdamonds"
/* The widest access pattern: unsigned long sizes, unsigned int counts. */
#define ULONG_MAX_STR "18446744073709551615"
#define UINT_MAX_STR "4294967295"

struct damon_admin {
	int sysfs_fd;           /* borrowed */
	unsigned n;
	pid_t *pids;            /* the pid each slot was last started for, 0 none */
};

/* The exclusive DAMON modules: each runs one kdamond started with exclusive=true. */
static const char *const exclusive_modules[] = { "damon_stat", "damon_reclaim", "damon_lru_sort" };

static int write_at(int dirfd, const char *path, const char *s)
{
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen(s);
	ssize_t n;

	fd = openat(dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	n = write(fd, s, len);
	if (n < 0)
		return negative_errno();
	return (size_t)n == len ? 0 : -EIO;
}

static int writef_at(int dirfd, const char *value, const char *fmt, ...) _printf_(3, 4);

static int writef_at(int dirfd, const char *value, const char *fmt, ...)
{
	char path[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return write_at(dirfd, path, value);
}

static int write_u64(int dirfd, uint64_t v, const char *path)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return write_at(dirfd, path, buf);
}

static int read_state(int sysfs_fd, unsigned k, char *buf, size_t size)
{
	char path[128];

	snprintf(path, sizeof(path), KDAMONDS "/%u/state", k);
	return read_line_at(sysfs_fd, path, buf, size);
}

static int read_nr_kdamonds(int sysfs_fd, unsigned *ret)
{
	uint64_t v;
	int r = read_u64_at(sysfs_fd, KDAMONDS "/nr_kdamonds", &v);

	if (r < 0)
		return r;
	if (v > 4096)
		return -ERANGE;
	*ret = (unsigned)v;
	return 0;
}

int damon_probe(int sysfs_fd, unsigned owned, struct damon_probe *ret)
{
	struct damon_probe p = { .state = DAMON_AVAILABLE };
	int r;

	r = read_nr_kdamonds(sysfs_fd, &p.nr_kdamonds);
	if (r == -ENOENT) {
		p.state = DAMON_MISSING;
		*ret = p;
		return 0;
	}
	if (r < 0)
		return r;
	for (unsigned k = 0; k < p.nr_kdamonds; k++) {
		char state[32];

		if (read_state(sysfs_fd, k, state, sizeof(state)) >= 0 && streq(state, "on"))
			p.n_running++;
	}
	for (size_t i = 0; i < ELEMENTSOF(exclusive_modules); i++) {
		char path[128], v[8];

		snprintf(path, sizeof(path), "module/%s/parameters/enabled", exclusive_modules[i]);
		if (read_line_at(sysfs_fd, path, v, sizeof(v)) >= 0 && (v[0] == 'Y' || v[0] == '1')) {
			p.state = DAMON_EXCLUSIVE;
			snprintf(p.holder, sizeof(p.holder), "%s", exclusive_modules[i]);
			*ret = p;
			return 0;
		}
	}
	/* Running kdamonds that a previous numabd did not configure belong to another tool. */
	if (p.n_running > 0 && p.nr_kdamonds != owned)
		p.state = DAMON_IN_USE;
	*ret = p;
	return 0;
}

const char *damon_probe_reason(const struct damon_probe *p, char *buf, size_t size)
{
	switch (p->state) {
	case DAMON_AVAILABLE:
		snprintf(buf, size, "DAMON is available");
		break;
	case DAMON_MISSING:
		snprintf(buf, size, "this kernel has no DAMON (CONFIG_DAMON_SYSFS)");
		break;
	case DAMON_NO_VADDR:
		snprintf(buf, size, "this kernel's DAMON has no virtual address monitoring "
				    "(CONFIG_DAMON_VADDR)");
		break;
	case DAMON_EXCLUSIVE:
		snprintf(buf, size,
			 "DAMON is held exclusively by the kernel's %s module (write N to "
			 "/sys/module/%s/parameters/enabled, or boot with %s.enabled=N)",
			 p->holder, p->holder, p->holder);
		break;
	case DAMON_IN_USE:
		snprintf(buf, size, "DAMON's sysfs interface is used by another tool (%u kdamond%s "
				    "running)",
			 p->n_running, p->n_running == 1 ? "" : "s");
		break;
	default:
		snprintf(buf, size, "DAMON state unknown");
		break;
	}
	return buf;
}

int damon_stop_all(int sysfs_fd, unsigned *ret_stopped)
{
	unsigned nr, stopped = 0;
	int r;

	r = read_nr_kdamonds(sysfs_fd, &nr);
	if (r < 0)
		return r;
	for (unsigned k = 0; k < nr; k++) {
		char state[32];

		if (read_state(sysfs_fd, k, state, sizeof(state)) < 0 || !streq(state, "on"))
			continue;
		r = writef_at(sysfs_fd, "off", KDAMONDS "/%u/state", k);
		if (r < 0)
			return r;
		stopped++;
	}
	r = write_at(sysfs_fd, KDAMONDS "/nr_kdamonds", "0");
	if (r < 0)
		return r;
	if (ret_stopped)
		*ret_stopped = stopped;
	return 0;
}

int damon_admin_open(int sysfs_fd, unsigned n, struct damon_admin **ret)
{
	_cleanup_free_ struct damon_admin *a = NULL;
	char buf[16];
	int r;

	if (n == 0)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->pids = calloc(n, sizeof(pid_t));
	if (!a->pids)
		return -ENOMEM;
	a->sysfs_fd = sysfs_fd;
	a->n = n;
	snprintf(buf, sizeof(buf), "%u", n);
	r = write_at(sysfs_fd, KDAMONDS "/nr_kdamonds", buf);
	if (r < 0) {
		free(a->pids);
		return r;
	}
	for (unsigned k = 0; k < n; k++) {
		r = writef_at(sysfs_fd, "1", KDAMONDS "/%u/contexts/nr_contexts", k);
		if (r < 0) {
			(void)write_at(sysfs_fd, KDAMONDS "/nr_kdamonds", "0");
			free(a->pids);
			return r;
		}
	}
	*ret = TAKE_PTR(a);
	return 0;
}

unsigned damon_admin_size(const struct damon_admin *a)
{
	return a ? a->n : 0;
}

struct damon_admin *damon_admin_free(struct damon_admin *a)
{
	if (!a)
		return NULL;
	for (unsigned k = 0; k < a->n; k++)
		(void)damon_admin_stop(a, k);
	(void)write_at(a->sysfs_fd, KDAMONDS "/nr_kdamonds", "0");
	free(a->pids);
	free(a);
	return NULL;
}

int damon_admin_running(struct damon_admin *a, unsigned slot)
{
	char state[32];
	int r;

	if (slot >= a->n)
		return -EINVAL;
	r = read_state(a->sysfs_fd, slot, state, sizeof(state));
	if (r < 0)
		return r;
	return streq(state, "on");
}

int damon_admin_stop(struct damon_admin *a, unsigned slot)
{
	int r = damon_admin_running(a, slot);

	if (r <= 0)
		return r;
	r = writef_at(a->sysfs_fd, "off", KDAMONDS "/%u/state", slot);
	/* -EINVAL: it stopped by itself meanwhile (its process exited). */
	if (r == -EINVAL && damon_admin_running(a, slot) == 0)
		r = 0;
	return r;
}

/* The context directory of a slot, opened. */
static int open_ctx(struct damon_admin *a, unsigned slot)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), KDAMONDS "/%u/contexts/0", slot);
	fd = openat(a->sysfs_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? negative_errno() : fd;
}

static int configure(int ctx, pid_t pid, const struct damon_attrs *at)
{
	static const char *const pattern[][2] = {
		{ "schemes/0/access_pattern/sz/min", "0" },
		{ "schemes/0/access_pattern/sz/max", ULONG_MAX_STR },
		{ "schemes/0/access_pattern/nr_accesses/min", "0" },
		{ "schemes/0/access_pattern/nr_accesses/max", UINT_MAX_STR },
		{ "schemes/0/access_pattern/age/min", "0" },
		{ "schemes/0/access_pattern/age/max", UINT_MAX_STR },
	};
	char buf[32];
	int r;

	r = write_at(ctx, "operations", "vaddr");
	if (r == -EINVAL)
		return -EOPNOTSUPP;
	if (r < 0)
		return r;
	if ((r = write_u64(ctx, at->sample_usec, "monitoring_attrs/intervals/sample_us")) < 0 ||
	    (r = write_u64(ctx, at->aggr_usec, "monitoring_attrs/intervals/aggr_us")) < 0 ||
	    (r = write_u64(ctx, at->update_usec, "monitoring_attrs/intervals/update_us")) < 0 ||
	    (r = write_u64(ctx, at->min_regions, "monitoring_attrs/nr_regions/min")) < 0 ||
	    (r = write_u64(ctx, at->max_regions, "monitoring_attrs/nr_regions/max")) < 0)
		return r;
	r = write_at(ctx, "targets/nr_targets", "1");
	if (r < 0)
		return r;
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	r = write_at(ctx, "targets/0/pid_target", buf);
	if (r < 0)
		return r;
	r = write_at(ctx, "schemes/nr_schemes", "1");
	if (r < 0)
		return r;
	r = write_at(ctx, "schemes/0/action", "stat");
	if (r < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(pattern); i++) {
		r = write_at(ctx, pattern[i][0], pattern[i][1]);
		if (r < 0)
			return r;
	}
	return 0;
}

int damon_admin_start(struct damon_admin *a, unsigned slot, pid_t pid, const struct damon_attrs *attrs)
{
	_cleanup_close_ int ctx = -EBADF;
	int r;

	if (slot >= a->n || pid <= 0)
		return -EINVAL;
	r = damon_admin_running(a, slot);
	if (r < 0)
		return r;
	if (r > 0) {
		if (a->pids[slot] == pid)
			return 0;
		r = damon_admin_stop(a, slot);
		if (r < 0)
			return r;
	}
	a->pids[slot] = 0;
	ctx = open_ctx(a, slot);
	if (ctx < 0)
		return ctx;
	r = configure(ctx, pid, attrs);
	if (r < 0)
		return r;
	r = writef_at(a->sysfs_fd, "on", KDAMONDS "/%u/state", slot);
	if (r == -ESRCH || r == -EINVAL) {
		/* The kernel could not find the pid (it exited since), or it found no valid
		 * target: either way, the process is gone. */
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return -ESRCH;
	}
	if (r < 0)
		return r;
	a->pids[slot] = pid;
	return 0;
}

static int cmp_region(const void *x, const void *y)
{
	const struct heat_region *a = x, *b = y;

	return a->start < b->start ? -1 : a->start > b->start;
}

static int read_u64_in(int dirfd, const char *name, uint64_t *ret)
{
	return read_u64_at(dirfd, name, ret);
}

int damon_read_tried_regions(int dirfd, struct heat_region **ret, size_t *ret_n)
{
	_cleanup_free_ struct heat_region *v = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	size_t n = 0, n_alloc = 0;
	struct dirent *de;
	int r;

	r = opendir_at(dirfd, ".", &d);
	if (r < 0)
		return r;
	while ((de = readdir(d))) {
		_cleanup_close_ int rfd = -EBADF;
		uint64_t start, end, acc, age;
		unsigned idx;

		if (safe_atou(de->d_name, &idx) < 0)
			continue; /* ".", "..", total_bytes */
		rfd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rfd < 0)
			continue;
		if (read_u64_in(rfd, "start", &start) < 0 || read_u64_in(rfd, "end", &end) < 0 ||
		    read_u64_in(rfd, "nr_accesses", &acc) < 0 || read_u64_in(rfd, "age", &age) < 0 ||
		    end <= start)
			continue;
		if (GREEDY_REALLOC(v, n_alloc, n + 1, 64) < 0)
			return -ENOMEM;
		v[n++] = (struct heat_region){
			.start = start,
			.end = end,
			.nr_accesses = (unsigned)MIN(acc, (uint64_t)UINT32_MAX),
			.age = (unsigned)MIN(age, (uint64_t)UINT32_MAX),
		};
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_region);
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

int damon_admin_regions(struct damon_admin *a, unsigned slot, struct heat_region **ret,
			size_t *ret_n)
{
	_cleanup_close_ int ctx = -EBADF, dfd = -EBADF;
	int r;

	r = damon_admin_running(a, slot);
	if (r < 0)
		return r;
	if (r == 0)
		return -ESRCH;
	r = writef_at(a->sysfs_fd, "update_schemes_tried_regions", KDAMONDS "/%u/state", slot);
	if (r < 0)
		return damon_admin_running(a, slot) == 0 ? -ESRCH : r;
	ctx = open_ctx(a, slot);
	if (ctx < 0)
		return ctx;
	dfd = openat(ctx, "schemes/0/tried_regions", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	return damon_read_tried_regions(dfd, ret, ret_n);
}
