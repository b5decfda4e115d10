/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/placement.h"

/* A 2-node topology: CPUs 0-1 on node 0, 2-3 on node 1. */
static struct topology *two_nodes(void)
{
	struct topology *t = topo_new();

	t->node_mask = t->cpu_node_mask = 0x3;
	for (unsigned c = 0; c < 4; c++)
		topo_set_cpu_node(t, c, c / 2);
	return t;
}

static void add_proc(struct cg_sample *c, pid_t pid, uint64_t start, unsigned n_tasks,
		     const struct task_sample *tasks)
{
	c->procs = realloc(c->procs, (c->n_procs + 1) * sizeof(*c->procs));
	struct proc_sample *p = &c->procs[c->n_procs++];

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->start_time = start;
	p->n_tasks = n_tasks;
	p->tasks = malloc(n_tasks * sizeof(*tasks));
	memcpy(p->tasks, tasks, n_tasks * sizeof(*tasks));
}

/* Tree: / (id 1) -> /a (id 2) -> /a/b (id 3). */
static struct snapshot *tree(void)
{
	struct snapshot *s = snapshot_new(2);

	s->node_mask = 0x3;
	snapshot_add_cgroup(s, "/", -1);
	snapshot_add_cgroup(s, "/a", 0);
	snapshot_add_cgroup(s, "/a/b", 1);
	for (unsigned i = 0; i < 3; i++)
		s->cgroups[i].id = i + 1;
	return s;
}

static void test_window(void **state)
{
	struct topology *topo = two_nodes();
	struct snapshot *prev = tree(), *cur = tree();

	add_proc(&prev->cgroups[2], 10, 100, 2,
		 (struct task_sample[]){ { 10, 0, 1000 }, { 11, 2, 5000 } });
	add_proc(&prev->cgroups[1], 20, 100, 1, (struct task_sample[]){ { 20, 3, 0 } });
	/* pid 30 is reused: same pid, another start time. */
	add_proc(&prev->cgroups[1], 30, 100, 1, (struct task_sample[]){ { 30, 0, 0 } });

	add_proc(&cur->cgroups[2], 10, 100, 3,
		 (struct task_sample[]){ { 10, 1, 4000 }, { 11, 3, 6000 }, { 12, 0, 9999 } });
	add_proc(&cur->cgroups[1], 20, 100, 1, (struct task_sample[]){ { 20, 2, 7000 } });
	add_proc(&cur->cgroups[1], 30, 200, 1, (struct task_sample[]){ { 30, 0, 8888 } });

	assert_int_equal(placement_compute(prev, cur, topo), 0);
	/* Thread 10: +3000 on node 0; thread 11: +1000 on node 1; thread 12 is new: no window. */
	const struct proc_sample *p = cg_find_proc(&cur->cgroups[2], 10);
	assert_true(p->cpu_ns[0] == 3000);
	assert_true(p->cpu_ns[1] == 1000);
	assert_true(p->cpu_ns_total == 4000);
	/* /a: own pid 20 (+7000 on node 1) plus /a/b; pid 30 was reused: zero. */
	assert_true(cur->cgroups[1].cpu_ns[0] == 3000);
	assert_true(cur->cgroups[1].cpu_ns[1] == 8000);
	assert_true(cur->cgroups[0].cpu_ns_total == 11000);
	assert_true(cg_find_proc(&cur->cgroups[1], 30)->cpu_ns_total == 0);

	/* No previous snapshot: everything is zero, nothing crashes. */
	assert_int_equal(placement_compute(NULL, cur, topo), 0);
	assert_true(cur->cgroups[0].cpu_ns_total == 0);

	/* A cgroup that is new (unknown id) has no window. */
	cur->cgroups[2].id = 99;
	assert_int_equal(placement_compute(prev, cur, topo), 0);
	assert_true(cur->cgroups[2].cpu_ns_total == 0);
	assert_true(cur->cgroups[1].cpu_ns_total == 7000);

	snapshot_free(prev);
	snapshot_free(cur);
	topo_free(topo);
}

static void test_locality(void **state)
{
	uint64_t cpu[2], mem[2];

	cpu[0] = 100; cpu[1] = 0; mem[0] = 0; mem[1] = 500;
	assert_true(fabs(placement_locality(cpu, mem, 2) - 0.0) < 1e-9);
	mem[0] = 500; mem[1] = 0;
	assert_true(fabs(placement_locality(cpu, mem, 2) - 1.0) < 1e-9);
	cpu[0] = 50; cpu[1] = 50; mem[0] = 250; mem[1] = 750;
	assert_true(fabs(placement_locality(cpu, mem, 2) - 0.75) < 1e-9);
	cpu[0] = cpu[1] = 0;
	assert_true(placement_locality(cpu, mem, 2) < 0);
	cpu[0] = 1; mem[0] = mem[1] = 0;
	assert_true(placement_locality(cpu, mem, 2) < 0);
}

static void test_node_balance(void **state)
{
	struct snapshot *s = tree();
	struct cg_sample *c = &s->cgroups[1];

	c->mem[0 * _CG_MEM_MAX + CG_MEM_ANON] = 0;
	c->mem[1 * _CG_MEM_MAX + CG_MEM_ANON] = 200;
	/* Page cache that is not mapped is shown but never counted as misplaced. */
	c->mem[0 * _CG_MEM_MAX + CG_MEM_FILE] = 1000;
	c->cpu_ns[0] = 10;
	assert_true(fabs(placement_node_balance(c, 2) - 0.0) < 1e-9);
	snapshot_free(s);
}

static void test_home_nodes(void **state)
{
	uint64_t cpu[4] = { 10, 900, 0, 90 };
	unsigned share;

	assert_true(placement_home_nodes(cpu, 4, 900, &share) == 0x2);
	assert_int_equal(share, 900);
	assert_true(placement_home_nodes(cpu, 4, 950, &share) == 0xa);
	assert_int_equal(share, 990);
	assert_true(placement_home_nodes(cpu, 4, 1000, &share) == 0xb);
	uint64_t none[2] = { 0, 0 };
	assert_true(placement_home_nodes(none, 2, 900, &share) == 0);
	assert_int_equal(share, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_locality),
		cmocka_unit_test(test_node_balance),
		cmocka_unit_test(test_home_nodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
