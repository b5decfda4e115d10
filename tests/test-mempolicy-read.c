/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sysfs/mempolicy-read.h"
#include "test-util.h"

static void test_words(void **state)
{
	(void)state;
	assert_false(mempolicy_word_skips_autonuma("default"));
	assert_true(mempolicy_word_skips_autonuma("local"));
	assert_true(mempolicy_word_skips_autonuma("interleave:0-1"));
	assert_true(mempolicy_word_skips_autonuma("bind=static:0"));
	assert_false(mempolicy_word_skips_autonuma("bind=balancing:0-1"));
	assert_false(mempolicy_word_skips_autonuma("preferred=static|balancing:1"));
	assert_false(mempolicy_word_skips_autonuma(""));
}

static void test_cgroup(void **state)
{
	struct tmpdir *t = *state;
	int cg;

	tmpdir_write(t, "proc/10/numa_maps",
		     "55d0c0000000 local file=/usr/bin/sleep mapped=4 N0=4 kernelpagesize_kB=4\n"
		     "7ffd00000000 local stack anon=3 dirty=3 N0=3 kernelpagesize_kB=4\n");
	tmpdir_write(t, "proc/11/numa_maps", "00400000 default file=/bin/sh mapped=10 N1=10\n");
	tmpdir_write(t, "proc/12/numa_maps", "");
	tmpdir_write(t, "proc/13/numa_maps", "garbage\n");
	tmpdir_write(t, "cg/run/cgroup.procs", "10\n99\n");
	tmpdir_write(t, "cg/mixed/cgroup.procs", "10\n11\n");
	tmpdir_write(t, "cg/empty/cgroup.procs", "");
	tmpdir_write(t, "cg/kthread/cgroup.procs", "12\n");
	tmpdir_write(t, "cg/bad/cgroup.procs", "13\n");
	{
		int proc = openat(t->fd, "proc", O_RDONLY | O_DIRECTORY);

		assert_true(proc >= 0);
		assert_int_equal(mempolicy_read_task_skips(proc, 10), 1);
		assert_int_equal(mempolicy_read_task_skips(proc, 11), 0);
		assert_int_equal(mempolicy_read_task_skips(proc, 12), 0);
		assert_int_equal(mempolicy_read_task_skips(proc, 99), -ENOENT);
		assert_int_equal(mempolicy_read_task_skips(proc, 13), -EBADMSG);

		/* Pid 99 exited meanwhile: the others decide. */
		cg = openat(t->fd, "cg/run", O_RDONLY | O_DIRECTORY);
		assert_int_equal(mempolicy_read_cgroup_skips(cg, proc, 0), 1);
		close(cg);
		cg = openat(t->fd, "cg/mixed", O_RDONLY | O_DIRECTORY);
		assert_int_equal(mempolicy_read_cgroup_skips(cg, proc, 0), 0);
		/* Only the first process looked at: it skips. */
		assert_int_equal(mempolicy_read_cgroup_skips(cg, proc, 1), 1);
		close(cg);
		cg = openat(t->fd, "cg/empty", O_RDONLY | O_DIRECTORY);
		assert_int_equal(mempolicy_read_cgroup_skips(cg, proc, 0), 0);
		close(cg);
		cg = openat(t->fd, "cg/kthread", O_RDONLY | O_DIRECTORY);
		assert_int_equal(mempolicy_read_cgroup_skips(cg, proc, 0), 0);
		close(cg);
		cg = openat(t->fd, "cg/bad", O_RDONLY | O_DIRECTORY);
		assert_int_equal(mempolicy_read_cgroup_skips(cg, proc, 0), -EBADMSG);
		close(cg);
		close(proc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test_setup_teardown(test_cgroup, tmpdir_setup, tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
