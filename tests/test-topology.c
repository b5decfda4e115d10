/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "sysfs/topo-read.h"
#include "test-util.h"

static void test_two_nodes(void **state)
{
	struct tmpdir *t = *state;
	struct topology *topo = NULL;

	tmpdir_copy_fixture(t, "2node/sys", "sys");
	int fd = openat(t->fd, "sys", O_RDONLY | O_DIRECTORY);
	assert_int_equal(topo_read(fd, &topo), 0);
	assert_true(topo->node_mask == 0x3);
	assert_true(topo->cpu_node_mask == 0x3);
	assert_true(topo->slow_node_mask == 0);
	assert_int_equal(topo_n_nodes(topo), 2);
	assert_int_equal(topo_node_span(topo), 2);
	assert_int_equal(topo->nodes[0].n_cpus, 2);
	assert_string_equal(topo->nodes[1].cpulist, "2-3");
	assert_int_equal(topo_cpu_to_node(topo, 0), 0);
	assert_int_equal(topo_cpu_to_node(topo, 3), 1);
	assert_int_equal(topo_cpu_to_node(topo, 4), -1);
	assert_int_equal(topo_cpu_to_node(topo, -1), -1);
	assert_int_equal(topo->distance[0][1], 20);
	assert_int_equal(topo->distance[1][1], 10);
	assert_true(topo->nodes[0].mem_total_bytes == 1048576ull * 1024);
	assert_true(topo->nodes[1].mem_free_bytes == 786432ull * 1024);
	assert_false(topo->kernel_tiers);

	/* Free memory changes; a refresh picks it up. */
	tmpdir_write(t, "sys/devices/system/node/node1/meminfo",
		     "Node 1 MemTotal: 1048576 kB\nNode 1 MemFree: 1024 kB\n");
	assert_int_equal(topo_refresh_free(fd, topo), 0);
	assert_true(topo->nodes[1].mem_free_bytes == 1024ull * 1024);
	topo_free(topo);
	close(fd);
}

static void test_tier(void **state)
{
	struct tmpdir *t = *state;
	struct topology *topo = NULL;

	tmpdir_copy_fixture(t, "tier/sys", "sys");
	int fd = openat(t->fd, "sys", O_RDONLY | O_DIRECTORY);
	assert_int_equal(topo_read(fd, &topo), 0);
	assert_true(topo->node_mask == 0x7);
	assert_true(topo->cpu_node_mask == 0x3);
	assert_int_equal(topo->nodes[2].n_cpus, 0);
	assert_string_equal(topo->nodes[2].cpulist, "");
	assert_true(topo->kernel_tiers);
	assert_int_equal(topo->nodes[0].tier, 0);
	assert_int_equal(topo->nodes[2].tier, 1);
	assert_true(topo->slow_node_mask == 0x4);
	assert_int_equal(topo->distance[0][2], 30);
	topo_free(topo);

	/* The kernel may put every node in one tier: then nothing is slow. */
	tmpdir_write(t, "sys/devices/virtual/memory_tiering/memory_tier4/nodelist", "0-2\n");
	tmpdir_write(t, "sys/devices/virtual/memory_tiering/memory_tier72/nodelist", "\n");
	assert_int_equal(topo_read(fd, &topo), 0);
	assert_true(topo->slow_node_mask == 0);
	topo_free(topo);
	close(fd);

	/* Without the kernel's tiers (Linux 6.1 and older), CPU-less nodes are the slow tier. */
	char cmd[512];
	tmpdir_copy_fixture(t, "tier/sys", "sys2");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/sys2/devices/virtual'", t->path);
	assert_int_equal(system(cmd), 0);
	fd = openat(t->fd, "sys2", O_RDONLY | O_DIRECTORY);
	assert_int_equal(topo_read(fd, &topo), 0);
	assert_false(topo->kernel_tiers);
	assert_true(topo->slow_node_mask == 0x4);
	assert_int_equal(topo->nodes[2].tier, 1);
	assert_int_equal(topo->nodes[1].tier, 0);
	topo_free(topo);
	close(fd);
}

static void test_malformed(void **state)
{
	struct tmpdir *t = *state;
	struct topology *topo = NULL;
	static const struct {
		const char *file, *content;
		int expect;
	} cases[] = {
		{ "online", "", -EBADMSG },
		{ "online", "zero\n", -EBADMSG },
		{ "node0/cpulist", "0-\n", -EBADMSG },
		{ "node0/distance", "10\n", -EBADMSG },
		{ "node0/distance", "10 x\n", -EBADMSG },
		{ "node0/distance", "10 999\n", -EBADMSG },
		{ "node1/meminfo", "Node 1 MemTotal: 12 kB\n", -EBADMSG },
		{ "node1/meminfo", "", -EBADMSG },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[256];

		tmpdir_copy_fixture(t, "2node/sys", "sys");
		snprintf(path, sizeof(path), "sys/devices/system/node/%s", cases[i].file);
		tmpdir_write(t, path, cases[i].content);
		int fd = openat(t->fd, "sys", O_RDONLY | O_DIRECTORY);
		int r = topo_read(fd, &topo);
		if (r != cases[i].expect)
			fail_msg("case %zu (%s=%s): got %d", i, cases[i].file, cases[i].content, r);
		close(fd);
	}
	/* No node directory at all. */
	int fd = openat(t->fd, ".", O_RDONLY | O_DIRECTORY);
	assert_int_equal(topo_read(fd, &topo), -ENOENT);
	close(fd);
}

static void test_high_node_ids(void **state)
{
	struct tmpdir *t = *state;
	struct topology *topo = NULL;

	tmpdir_copy_fixture(t, "2node/sys", "sys");
	tmpdir_write(t, "sys/devices/system/node/online", "0-1,70\n");
	int fd = openat(t->fd, "sys", O_RDONLY | O_DIRECTORY);
	assert_int_equal(topo_read(fd, &topo), 0);
	assert_int_equal(topo->n_unsupported, 1);
	assert_true(topo->node_mask == 0x3);
	topo_free(topo);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_two_nodes, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_tier, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_malformed, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_high_node_ids, tmpdir_setup, tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
