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

#include "sysfs/proc-read.h"
#include "test-util.h"

static void test_stat(void **state)
{
	struct proc_stat st;
	char line[1024] = "42 (my (odd) name) R 1 2 3 4 5 6 7 8 9 10 111 222 13 14 15 16 17 18 "
			  "999 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 3 37 38 39 40\n";

	assert_int_equal(proc_parse_stat(line, &st), 0);
	assert_string_equal(st.comm, "my (odd) name");
	assert_int_equal(st.state, 'R');
	assert_true(st.utime_ticks == 111);
	assert_true(st.stime_ticks == 222);
	assert_true(st.start_time == 999);
	assert_int_equal(st.processor, 3);

	assert_int_equal(proc_parse_stat("42 (x) R 1 2 3\n", &st), -EBADMSG);
	assert_int_equal(proc_parse_stat("42 x R 1 2 3\n", &st), -EBADMSG);
	assert_int_equal(proc_parse_stat("", &st), -EBADMSG);
	assert_int_equal(proc_parse_stat("42 (x)", &st), -EBADMSG);
}

static void test_numa_maps(void **state)
{
	struct numa_maps_summary s;
	const char *text =
		"55d0c0a00000 default file=/usr/bin/x mapped=10 N0=10 kernelpagesize_kB=4\n"
		"7f0000000000 default anon=512 dirty=512 N1=512 kernelpagesize_kB=4\n"
		"7f1000000000 interleave:0-1 anon=100 dirty=100 N0=50 N1=50 kernelpagesize_kB=4\n"
		"7f2000000000 bind:1 anon=4 N1=4 kernelpagesize_kB=4\n"
		"7f3000000000 default anon=2 N0=2 kernelpagesize_kB=2048\n"
		"7f4000000000 default\n"
		"7f5000000000 default anon=3 N70=3 kernelpagesize_kB=4\n"
		"garbage\n"
		"7f6000000000 prefer:1 anon=1 N1=1 kern";

	assert_int_equal(numa_maps_parse(text, 2, &s), 0);
	assert_true(s.bytes_per_node[0] == (10 + 50) * 4096ull + 2 * 2048ull * 1024);
	assert_true(s.bytes_per_node[1] == (512 + 50 + 4 + 1) * 4096ull);
	assert_true(s.total_bytes == s.bytes_per_node[0] + s.bytes_per_node[1] + 3 * 4096ull);
	assert_true(s.own_policy_bytes == (100 + 4 + 1) * 4096ull);
	assert_int_equal(s.n_own_policy_ranges, 3);
	numa_maps_summary_done(&s);

	assert_int_equal(numa_maps_parse("", 2, &s), 0);
	assert_true(s.total_bytes == 0);
	numa_maps_summary_done(&s);

	/* Lines with a malformed count or page size count for nothing (found by fuzz/): a
	 * negative or odd page size, a count that is no number, counts past any address space. */
	assert_int_equal(numa_maps_parse("7f0000000000 default anon=1 N0=1 kernelpagesize_kB=-7\n"
					 "7f1000000000 default N0=1 kernelpagesize_kB=3\n"
					 "7f2000000000 default N0=x\n"
					 "7f3000000000 default N0=18446744073709551615 N1=2\n"
					 "7f4000000000 default N0=9007199254740992 kernelpagesize_kB=1048576\n"
					 "7f5000000000 bind:1 anon=3 N1=3\n",
					 2, &s),
			 0);
	assert_true(s.bytes_per_node[0] == 0);
	assert_true(s.bytes_per_node[1] == 3 * 4096ull && s.total_bytes == 3 * 4096ull);
	assert_true(s.own_policy_bytes == 3 * 4096ull && s.anon_bytes == 3 * 4096ull);
	numa_maps_summary_done(&s);
}

static void test_hex_mask(void **state)
{
	uint64_t m;

	assert_int_equal(proc_parse_hex_mask("00000000,00000003", &m), 0);
	assert_true(m == 3);
	assert_int_equal(proc_parse_hex_mask("00000001,00000000,00000004", &m), 0);
	assert_true(m == 4);
	assert_int_equal(proc_parse_hex_mask("80000000,00000001", &m), 0);
	assert_true(m == 0x8000000000000001ull);
	assert_int_equal(proc_parse_hex_mask("f", &m), 0);
	assert_true(m == 15);
	assert_int_equal(proc_parse_hex_mask("", &m), -EBADMSG);
	assert_int_equal(proc_parse_hex_mask("xyz", &m), -EBADMSG);
}

static void test_read_fixture(void **state)
{
	struct tmpdir *t = *state;
	struct proc_sample p;
	struct numa_maps_summary s;
	uint64_t mems;

	tmpdir_copy_fixture(t, "2node/proc", "proc");
	int fd = openat(t->fd, "proc", O_RDONLY | O_DIRECTORY);
	assert_int_equal(proc_read_process(fd, 100, true, &p), 0);
	assert_string_equal(p.comm, "web worker");
	assert_int_equal(p.n_tasks, 2);
	assert_int_equal(p.tasks[0].tid, 100);
	assert_int_equal(p.tasks[1].last_cpu, 1);
	/* utime + stime = 200 ticks */
	assert_true(p.tasks[1].runtime_ns == 200 * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK)));
	free(p.tasks);

	/* A process that exited: its directory is gone. */
	assert_int_equal(proc_read_process(fd, 4242, true, &p), -ENOENT);
	/* A thread that exited between listing and reading is skipped. */
	tmpdir_mkdir(t, "proc/100/task/102");
	assert_int_equal(proc_read_process(fd, 100, true, &p), 0);
	assert_int_equal(p.n_tasks, 2);
	free(p.tasks);
	/* A process whose threads all exited between the listing and the reads. */
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm '%s/proc/200/task/200/stat'", t->path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(proc_read_process(fd, 200, true, &p), -ENOENT);
	/* Malformed stat of one thread is an error, not a silent skip. */
	tmpdir_write(t, "proc/300/task/301/stat", "301 (db) S 1 2\n");
	assert_int_equal(proc_read_process(fd, 300, true, &p), -EBADMSG);

	assert_int_equal(proc_read_numa_maps(fd, 100, 2, &s), 0);
	assert_true(s.bytes_per_node[1] == (51200 + 50) * 4096ull);
	numa_maps_summary_done(&s);
	assert_int_equal(proc_read_mems_allowed(fd, 100, &mems), 0);
	assert_true(mems == 3);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat),
		cmocka_unit_test(test_numa_maps),
		cmocka_unit_test(test_hex_mask),
		cmocka_unit_test_setup_teardown(test_read_fixture, tmpdir_setup, tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
