/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shared/fileio.h"
#include "shared/macro.h"
#include "shared/parse-util.h"
#include "sysfs/cgroup-read.h"

/* memory.numa_stat keys and the item they add to. */
static const struct {
	const char *key;
	int item;
} numa_stat_keys[] = {
	{ "anon", CG_MEM_ANON },
	{ "file", CG_MEM_FILE },
	{ "shmem", CG_MEM_SHMEM },
	{ "file_mapped", CG_MEM_FILE_MAPPED },
	{ "kernel_stack", CG_MEM_KERNEL },
	{ "pagetables", CG_MEM_KERNEL },
	{ "sec_pagetables", CG_MEM_KERNEL },
	{ "slab_reclaimable", CG_MEM_KERNEL },
	{ "slab_unreclaimable", CG_MEM_KERNEL },
};

int cg_parse_numa_stat(const char *text, unsigned span, struct cg_sample *c)
{
	const char *line = text;

	memset(c->mem, 0, (size_t)span * _CG_MEM_MAX * sizeof(uint64_t));
	while (line && *line) {
		const char *eol = strchrnul(line, '\n');
		const char *sp = memchr(line, ' ', (size_t)(eol - line));
		int item = -1;

		if (!sp) {
			if (eol > line)
				return -EBADMSG;
			line = *eol ? eol + 1 : NULL;
			continue;
		}
		for (size_t i = 0; i < ELEMENTSOF(numa_stat_keys); i++)
			if ((size_t)(sp - line) == strlen(numa_stat_keys[i].key) &&
			    strneq(line, numa_stat_keys[i].key, (size_t)(sp - line)))
				item = numa_stat_keys[i].item;
		if (item >= 0) {
			const char *p = sp + 1;

			while (p < eol) {
				unsigned node;
				unsigned long long v;
				int consumed = 0;

				if (sscanf(p, "N%u=%llu%n", &node, &v, &consumed) != 2 || !consumed)
					return -EBADMSG;
				if (node < span)
					c->mem[node * _CG_MEM_MAX + (unsigned)item] += v;
				p += consumed;
				if (*p == ' ')
					p++;
				else if (p < eol)
					return -EBADMSG;
			}
		}
		line = *eol ? eol + 1 : NULL;
	}
	c->has_numa_stat = true;
	return 0;
}

int cg_parse_memory_stat(const char *text, struct cg_sample *c)
{
	const char *line = text;

	while (line && *line) {
		const char *eol = strchrnul(line, '\n');
		char key[64];
		unsigned long long v;

		if (sscanf(line, "%63s %llu", key, &v) == 2)
			for (int i = 0; i < _CG_NUMA_COUNTER_MAX; i++)
				if (streq(key, cg_numa_counter_to_string(i))) {
					c->counters[i] = v;
					c->has_counters = true;
				}
		line = *eol ? eol + 1 : NULL;
	}
	return 0;
}

unsigned cg_parse_controllers(const char *text)
{
	unsigned mask = 0;
	const char *p = text;

	while (*p) {
		size_t len;

		while (isspace((unsigned char)*p))
			p++;
		len = strcspn(p, " \t\n");
		if (len == 6 && strneq(p, "memory", 6))
			mask |= CG_CTRL_MEMORY;
		else if (len == 6 && strneq(p, "cpuset", 6))
			mask |= CG_CTRL_CPUSET;
		else if (len == 3 && strneq(p, "cpu", 3))
			mask |= CG_CTRL_CPU;
		p += len;
	}
	return mask;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int cg_parse_pids(const char *text, pid_t **ret)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0, alloc = 0;
	const char *line = text;

	while (line && *line) {
		const char *eol = strchrnul(line, '\n');
		char buf[16];
		size_t len = (size_t)(eol - line);
		int pid;

		if (len > 0) {
			if (len >= sizeof(buf))
				return -EBADMSG;
			memcpy(buf, line, len);
			buf[len] = '\0';
			if (safe_atoi(buf, &pid) < 0 || pid <= 0)
				return -EBADMSG;
			if (GREEDY_REALLOC(pids, alloc, n + 1, 16) < 0)
				return -ENOMEM;
			pids[n++] = pid;
		}
		line = *eol ? eol + 1 : NULL;
	}
	if (n > 1)
		qsort(pids, n, sizeof(pid_t), cmp_pid);
	*ret = TAKE_PTR(pids);
	return (int)n;
}

int cg_read_procs(int cg_fd, pid_t **ret)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = read_full_file_at(cg_fd, "cgroup.procs", 64u << 20, &text, NULL);
	if (r < 0)
		return r;
	return cg_parse_pids(text, ret);
}

/* Missing files mean a controller is not enabled here; only a missing cgroup is an error,
 * which cgroup.controllers (always present) tells. */
static bool file_missing(int r)
{
	return r == -ENOENT || r == -EOPNOTSUPP;
}

int cg_read_files(int cg_fd, unsigned span, bool with_counters, struct cg_sample *c)
{
	char buf[4096];
	ssize_t n;
	struct stat st;
	int r;

	if (fstat(cg_fd, &st) < 0)
		return negative_errno();
	c->id = (uint64_t)st.st_ino;
	c->owner = st.st_uid;

	/* Below the root, which controllers are enabled shows in which files exist: one open
	 * fewer per cgroup than reading cgroup.controllers. */
	if (c->parent < 0) {
		n = read_file_at_buf(cg_fd, "cgroup.controllers", buf, sizeof(buf));
		if (n < 0)
			return (int)n;
		c->controllers = cg_parse_controllers(buf);
	}

	n = read_file_at_buf(cg_fd, "cpuset.mems.effective", buf, sizeof(buf));
	if (n >= 0) {
		uint64_t mask;

		strstrip_trailing(buf);
		if (parse_nodemask(buf, &mask) < 0)
			return -EBADMSG;
		c->mems_effective = mask;
		c->controllers |= CG_CTRL_CPUSET;
		n = read_file_at_buf(cg_fd, "cpuset.cpus.effective", buf, sizeof(buf));
		if (n >= 0) {
			c->cpus_effective = strdup(strstrip_trailing(buf));
			if (!c->cpus_effective)
				return -ENOMEM;
		} else if (!file_missing((int)n)) {
			return (int)n;
		}
	} else if (!file_missing((int)n)) {
		return (int)n;
	}

	{
		_cleanup_free_ char *text = NULL;

		r = read_full_file_at(cg_fd, "memory.numa_stat", 0, &text, NULL);
		if (r >= 0) {
			r = cg_parse_numa_stat(text, span, c);
			if (r < 0)
				return r;
			c->controllers |= CG_CTRL_MEMORY;
		} else if (!file_missing(r)) {
			return r;
		}
	}

	if (with_counters && c->has_numa_stat) {
		_cleanup_free_ char *text = NULL;

		r = read_full_file_at(cg_fd, "memory.stat", 0, &text, NULL);
		if (r >= 0)
			(void)cg_parse_memory_stat(text, c);
		else if (!file_missing(r))
			return r;
	}
	return 0;
}
