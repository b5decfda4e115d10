/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/fileio.h"
#include "shared/macro.h"
#include "shared/parse-util.h"
#include "sysfs/topo-read.h"

#define NODE_DIR "devices/system/node"
#define TIER_DIR "devices/virtual/memory_tiering"

int topo_parse_meminfo(const char *text, uint64_t *ret_total_bytes, uint64_t *ret_free_bytes)
{
	uint64_t total = 0, free_b = 0;
	bool have_total = false, have_free = false;
	const char *line = text;

	while (line && *line) {
		const char *eol = strchrnul(line, '\n');
		char key[64];
		unsigned long long kb;
		int node;

		if (sscanf(line, "Node %d %63[A-Za-z_()]: %llu kB", &node, key, &kb) == 3) {
			if (streq(key, "MemTotal")) {
				total = (uint64_t)kb * 1024;
				have_total = true;
			} else if (streq(key, "MemFree")) {
				free_b = (uint64_t)kb * 1024;
				have_free = true;
			}
		}
		line = *eol ? eol + 1 : NULL;
	}
	if (!have_total || !have_free)
		return -EBADMSG;
	*ret_total_bytes = total;
	*ret_free_bytes = free_b;
	return 0;
}

static int read_node_meminfo(int sysfs_fd, unsigned node, uint64_t *total, uint64_t *free_b)
{
	char path[96], buf[8192];
	ssize_t n;

	snprintf(path, sizeof(path), NODE_DIR "/node%u/meminfo", node);
	n = read_file_at_buf(sysfs_fd, path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return topo_parse_meminfo(buf, total, free_b);
}

static int read_distances(int sysfs_fd, struct topology *t, unsigned node, uint64_t online)
{
	char path[96], buf[4096];
	const char *p = buf;
	ssize_t n;

	snprintf(path, sizeof(path), NODE_DIR "/node%u/distance", node);
	n = read_file_at_buf(sysfs_fd, path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	/* One distance per online node, in node id order (for_each_online_node). */
	for (unsigned to = 0; to < NUMAB_MAX_NODES; to++) {
		char *end;
		unsigned long d;

		if (!nodemask_test(online, to))
			continue;
		while (*p == ' ')
			p++;
		errno = 0;
		d = strtoul(p, &end, 10);
		if (end == p || errno != 0 || d > 255)
			return -EBADMSG;
		t->distance[node][to] = (uint8_t)d;
		p = end;
	}
	return 0;
}

static int read_tiers(int sysfs_fd, struct topology *t)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r;
	unsigned ids[NUMAB_MAX_NODES];
	uint64_t masks[NUMAB_MAX_NODES];
	unsigned n_tiers = 0;

	r = opendir_at(sysfs_fd, TIER_DIR, &d);
	if (r < 0)
		return r;
	while ((de = readdir(d))) {
		char path[320], buf[256];
		unsigned id;
		uint64_t mask;

		if (!strneq(de->d_name, "memory_tier", 11) || safe_atou(de->d_name + 11, &id) < 0)
			continue;
		snprintf(path, sizeof(path), TIER_DIR "/%s/nodelist", de->d_name);
		if (read_line_at(sysfs_fd, path, buf, sizeof(buf)) < 0 ||
		    parse_nodemask(buf, &mask) < 0)
			return -EBADMSG;
		if (n_tiers >= ELEMENTSOF(ids))
			break;
		/* Insertion sort by tier id: a lower id is a faster tier (abstract distance). */
		unsigned i = n_tiers++;
		while (i > 0 && ids[i - 1] > id) {
			ids[i] = ids[i - 1];
			masks[i] = masks[i - 1];
			i--;
		}
		ids[i] = id;
		masks[i] = mask;
	}
	if (n_tiers == 0)
		return -ENOENT;
	for (unsigned i = 0; i < n_tiers; i++)
		NODEMASK_FOREACH(node, masks[i] & t->node_mask)
			t->nodes[node].tier = (int)i;
	t->kernel_tiers = true;
	return 0;
}

int topo_read(int sysfs_fd, struct topology **ret)
{
	struct topology *t;
	char buf[1024];
	uint64_t online;
	unsigned n_unsupported = 0;
	int r;

	r = read_line_at(sysfs_fd, NODE_DIR "/online", buf, sizeof(buf));
	if (r < 0)
		return r;
	r = parse_nodemask(buf, &online);
	if (r == -ERANGE) {
		/* Ids >= 64: keep the ones we support, count the rest. */
		cpu_set_t *set;
		size_t n;

		r = parse_cpulist(buf, &set, &n);
		if (r < 0)
			return -EBADMSG;
		online = 0;
		for (size_t i = 0; i < n; i++)
			if (CPU_ISSET_S(i, CPU_ALLOC_SIZE(n), set)) {
				if (i < NUMAB_MAX_NODES)
					online |= nodemask_of((unsigned)i);
				else
					n_unsupported++;
			}
		CPU_FREE(set);
	} else if (r < 0) {
		return -EBADMSG;
	}
	if (!online)
		return -EBADMSG;

	t = topo_new();
	if (!t)
		return -ENOMEM;
	t->node_mask = online;
	t->n_unsupported = n_unsupported;

	NODEMASK_FOREACH(node, online) {
		struct topo_node *tn = &t->nodes[node];
		_cleanup_free_ char *cpulist = NULL;
		cpu_set_t *set = NULL;
		size_t ncpus = 0;
		char path[96];

		snprintf(path, sizeof(path), NODE_DIR "/node%d/cpulist", node);
		r = read_full_file_at(sysfs_fd, path, 0, &cpulist, NULL);
		if (r < 0)
			goto fail;
		strstrip_trailing(cpulist);
		r = parse_cpulist(cpulist, &set, &ncpus);
		if (r < 0) {
			r = -EBADMSG;
			goto fail;
		}
		for (size_t c = 0; c < ncpus; c++)
			if (CPU_ISSET_S(c, CPU_ALLOC_SIZE(ncpus), set)) {
				tn->n_cpus++;
				r = topo_set_cpu_node(t, (unsigned)c, (unsigned)node);
				if (r < 0) {
					CPU_FREE(set);
					goto fail;
				}
			}
		CPU_FREE(set);
		tn->cpulist = TAKE_PTR(cpulist);
		if (tn->n_cpus > 0)
			t->cpu_node_mask |= nodemask_of((unsigned)node);

		r = read_node_meminfo(sysfs_fd, (unsigned)node, &tn->mem_total_bytes,
				      &tn->mem_free_bytes);
		if (r < 0)
			goto fail;
		r = read_distances(sysfs_fd, t, (unsigned)node, online);
		if (r < 0)
			goto fail;
	}

	r = read_tiers(sysfs_fd, t);
	if (r < 0 && r != -ENOENT && r != -ENOTDIR)
		goto fail;
	topo_finish(t);
	*ret = t;
	return 0;

fail:
	topo_free(t);
	return r;
}

int topo_refresh_free(int sysfs_fd, struct topology *t)
{
	NODEMASK_FOREACH(node, t->node_mask) {
		uint64_t total, free_b;
		int r = read_node_meminfo(sysfs_fd, (unsigned)node, &total, &free_b);

		if (r < 0)
			return r;
		t->nodes[node].mem_free_bytes = free_b;
	}
	return 0;
}
