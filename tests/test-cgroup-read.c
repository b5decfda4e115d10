/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/snapshot.h"
#include "sysfs/cgroup-read.h"

static struct snapshot *one_cgroup(struct cg_sample **ret)
{
	struct snapshot *s = snapshot_new(2);

	assert_non_null(s);
	s->node_mask = 0x3;
	assert_int_equal(snapshot_add_cgroup(s, "/x", -1), 0);
	*ret = &s->cgroups[0];
	return s;
}

static void test_numa_stat(void **state)
{
	struct cg_sample *c;
	struct snapshot *s = one_cgroup(&c);

	assert_int_equal(cg_parse_numa_stat("anon N0=4096 N1=8192\n"
					    "file N0=100 N1=0\n"
					    "kernel_stack N0=10 N1=20\n"
					    "pagetables N0=1 N1=2\n"
					    "shmem N0=50 N1=0\n"
					    "file_mapped N0=30 N1=0\n"
					    "future_key N0=1 N1=1 N2=5\n",
					    2, c),
			 0);
	assert_true(c->has_numa_stat);
	assert_true(cg_mem(c, 0, CG_MEM_ANON) == 4096);
	assert_true(cg_mem(c, 1, CG_MEM_ANON) == 8192);
	assert_true(cg_mem(c, 0, CG_MEM_KERNEL) == 11);
	assert_true(cg_mem(c, 1, CG_MEM_KERNEL) == 22);
	/* anon + min(file, shmem + mapped) */
	assert_true(cg_movable_bytes(c, 0) == 4096 + 80);
	assert_true(cg_movable_bytes(c, 1) == 8192);
	assert_true(cg_movable_total(c, 2) == 4096 + 80 + 8192);
	/* Mapped shmem counted in both shmem and file_mapped is capped at file. */
	assert_int_equal(cg_parse_numa_stat("anon N0=0 N1=0\nfile N0=100 N1=0\nshmem N0=100 N1=0\n"
					    "file_mapped N0=100 N1=0\n",
					    2, c),
			 0);
	assert_true(cg_movable_bytes(c, 0) == 100);
	/* Nodes beyond the span are ignored, not a crash. */
	assert_int_equal(cg_parse_numa_stat("anon N0=1 N1=2 N5=3\n", 2, c), 0);
	snapshot_free(s);
}

static void test_numa_stat_malformed(void **state)
{
	struct cg_sample *c;
	struct snapshot *s = one_cgroup(&c);
	static const char *const bad[] = {
		"anon N0=abc\n", "anon N0=1 X\n", "anon 12\n", "anon N0=1N1=2\n", "anon\n",
		"anon N0=\n",    "anon N=5\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cg_parse_numa_stat(bad[i], 2, c) != -EBADMSG)
			fail_msg("accepted malformed numa_stat: %s", bad[i]);
	/* Empty and truncated files are valid (zero memory). */
	assert_int_equal(cg_parse_numa_stat("", 2, c), 0);
	assert_int_equal(cg_parse_numa_stat("anon N0=5 N1=6", 2, c), 0);
	assert_true(cg_mem(c, 1, CG_MEM_ANON) == 6);
	snapshot_free(s);
}

static void test_memory_stat(void **state)
{
	struct cg_sample *c;
	struct snapshot *s = one_cgroup(&c);

	assert_int_equal(cg_parse_memory_stat("anon 5\nnuma_pages_migrated 16442\n"
					      "numa_hint_faults 406\ngarbage\n\n",
					      c),
			 0);
	assert_true(c->has_counters);
	assert_true(c->counters[CG_NUMA_PAGES_MIGRATED] == 16442);
	assert_true(c->counters[CG_NUMA_HINT_FAULTS] == 406);
	c->has_counters = false;
	/* Linux 6.1: no NUMA counters in memory.stat. */
	assert_int_equal(cg_parse_memory_stat("anon 5\nfile 6\n", c), 0);
	assert_false(c->has_counters);
	snapshot_free(s);
}

static void test_controllers(void **state)
{
	assert_int_equal(cg_parse_controllers("cpuset cpu io memory pids\n"),
			 CG_CTRL_CPUSET | CG_CTRL_CPU | CG_CTRL_MEMORY);
	assert_int_equal(cg_parse_controllers("cpu\n"), CG_CTRL_CPU);
	assert_int_equal(cg_parse_controllers("cpuacct memoryx\n"), 0);
	assert_int_equal(cg_parse_controllers(""), 0);
}

static void test_pids(void **state)
{
	pid_t *pids = NULL;

	assert_int_equal(cg_parse_pids("300\n1\n20\n", &pids), 3);
	assert_int_equal(pids[0], 1);
	assert_int_equal(pids[2], 300);
	free(pids);
	assert_int_equal(cg_parse_pids("", &pids), 0);
	free(pids);
	assert_int_equal(cg_parse_pids("12\nx\n", &pids), -EBADMSG);
	assert_int_equal(cg_parse_pids("-3\n", &pids), -EBADMSG);
	assert_int_equal(cg_parse_pids("0\n", &pids), -EBADMSG);
	assert_int_equal(cg_parse_pids("123456789012345678\n", &pids), -EBADMSG);
	/* A truncated last line still counts. */
	assert_int_equal(cg_parse_pids("5\n6", &pids), 2);
	free(pids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numa_stat),    cmocka_unit_test(test_numa_stat_malformed),
		cmocka_unit_test(test_memory_stat),  cmocka_unit_test(test_controllers),
		cmocka_unit_test(test_pids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
