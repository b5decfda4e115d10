/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Snapshot model.
 *
 * A snapshot is taken whole each tick and compared with the previous one, in the systemd-oomd
 * style, instead of keeping long-lived per-cgroup objects that must follow every mkdir and
 * rmdir: cgroups and processes that vanished simply are not in the next snapshot, and state
 * that must survive (budgets, runtime settings) is keyed by path elsewhere. The cost is one
 * pass over cgroupfs and /proc per tick, which the benchmark in bench/ keeps honest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/snapshot.h"
#include "shared/macro.h"

struct snapshot *snapshot_new(unsigned span)
{
	struct snapshot *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->span = MAX(span, 1u);
	return s;
}

static void proc_sample_done(struct proc_sample *p)
{
	free(p->tasks);
	free(p->cpu_ns);
}

struct snapshot *snapshot_free(struct snapshot *s)
{
	if (!s)
		return NULL;
	while (s->n_cgroups > 0)
		snapshot_drop_last(s);
	free(s->cgroups);
	free(s);
	return NULL;
}

int snapshot_add_cgroup(struct snapshot *s, const char *path, int parent)
{
	struct cg_sample *c;

	if (s->n_cgroups == s->n_alloc) {
		unsigned n = s->n_alloc ? s->n_alloc * 2 : 16;
		struct cg_sample *a = realloc(s->cgroups, n * sizeof(*a));

		if (!a)
			return -ENOMEM;
		s->cgroups = a;
		s->n_alloc = n;
	}
	c = &s->cgroups[s->n_cgroups];
	memset(c, 0, sizeof(*c));
	c->parent = parent;
	c->depth = parent >= 0 ? s->cgroups[parent].depth + 1 : 0;
	c->path = strdup(path);
	c->mem = calloc((size_t)s->span * _CG_MEM_MAX, sizeof(uint64_t));
	c->cpu_ns = calloc(s->span, sizeof(uint64_t));
	if (!c->path || !c->mem || !c->cpu_ns) {
		free(c->path);
		free(c->mem);
		free(c->cpu_ns);
		return -ENOMEM;
	}
	c->mems_effective = s->node_mask;
	return (int)s->n_cgroups++;
}

int snapshot_find(const struct snapshot *s, const char *path)
{
	for (unsigned i = 0; i < s->n_cgroups; i++)
		if (streq(s->cgroups[i].path, path))
			return (int)i;
	return -ENOENT;
}

uint64_t cg_movable_bytes(const struct cg_sample *c, unsigned node)
{
	uint64_t file_part = cg_mem(c, node, CG_MEM_SHMEM) + cg_mem(c, node, CG_MEM_FILE_MAPPED);

	return cg_mem(c, node, CG_MEM_ANON) + MIN(file_part, cg_mem(c, node, CG_MEM_FILE));
}

uint64_t cg_movable_total(const struct cg_sample *c, unsigned span)
{
	uint64_t sum = 0;

	for (unsigned n = 0; n < span; n++)
		sum += cg_movable_bytes(c, n);
	return sum;
}

static const char *const numa_counter_names[_CG_NUMA_COUNTER_MAX] = {
	[CG_NUMA_PAGES_MIGRATED] = "numa_pages_migrated",
	[CG_NUMA_PTE_UPDATES] = "numa_pte_updates",
	[CG_NUMA_HINT_FAULTS] = "numa_hint_faults",
	[CG_PGPROMOTE_SUCCESS] = "pgpromote_success",
	[CG_PGDEMOTE_KSWAPD] = "pgdemote_kswapd",
	[CG_PGDEMOTE_DIRECT] = "pgdemote_direct",
	[CG_PGDEMOTE_KHUGEPAGED] = "pgdemote_khugepaged",
};

const char *cg_numa_counter_to_string(enum cg_numa_counter c)
{
	return c < _CG_NUMA_COUNTER_MAX ? numa_counter_names[c] : NULL;
}

static const char *const mem_item_names[_CG_MEM_MAX] = {
	[CG_MEM_ANON] = "anon",
	[CG_MEM_FILE] = "file",
	[CG_MEM_SHMEM] = "shmem",
	[CG_MEM_FILE_MAPPED] = "file_mapped",
	[CG_MEM_KERNEL] = "kernel",
};

const char *cg_mem_item_to_string(enum cg_mem_item i)
{
	return i < _CG_MEM_MAX ? mem_item_names[i] : NULL;
}

const struct proc_sample *cg_find_proc(const struct cg_sample *c, pid_t pid)
{
	unsigned lo = 0, hi = c->n_procs;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (c->procs[mid].pid == pid)
			return &c->procs[mid];
		if (c->procs[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void snapshot_drop_last(struct snapshot *s)
{
	struct cg_sample *c;

	if (s->n_cgroups == 0)
		return;
	c = &s->cgroups[--s->n_cgroups];
	free(c->path);
	free(c->mem);
	free(c->cpus_effective);
	free(c->cpu_ns);
	for (unsigned j = 0; j < c->n_procs; j++)
		proc_sample_done(&c->procs[j]);
	free(c->procs);
}
