/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "shared/fileio.h"
#include "shared/macro.h"
#include "shared/roots.h"
#include "test-util.h"

static void test_read_full(void **state)
{
	struct tmpdir *t = *state;
	_cleanup_free_ char *s = NULL;
	size_t n;

	tmpdir_write(t, "a", "hello\nworld\n");
	assert_int_equal(read_full_file_at(t->fd, "a", 0, &s, &n), 0);
	assert_string_equal(s, "hello\nworld\n");
	assert_int_equal(n, 12);
	free(TAKE_PTR(s));
	assert_int_equal(read_full_file_at(t->fd, "a", 4, &s, &n), -EFBIG);
	assert_null(s);
	assert_int_equal(read_full_file_at(t->fd, "missing", 0, &s, &n), -ENOENT);
	/* Leading slashes stay inside the root. */
	assert_int_equal(read_full_file_at(t->fd, "/a", 0, &s, &n), 0);
}

static void test_read_buf_and_line(void **state)
{
	struct tmpdir *t = *state;
	char buf[8], line[32];
	uint64_t v;

	tmpdir_write(t, "b", "1234567");
	assert_int_equal(read_file_at_buf(t->fd, "b", buf, sizeof(buf)), 7);
	tmpdir_write(t, "c", "12345678");
	assert_int_equal(read_file_at_buf(t->fd, "c", buf, sizeof(buf)), -EFBIG);
	tmpdir_write(t, "d", "first  \nsecond\n");
	assert_int_equal(read_line_at(t->fd, "d", line, sizeof(line)), 0);
	assert_string_equal(line, "first");
	tmpdir_write(t, "n", "42\n");
	assert_int_equal(read_u64_at(t->fd, "n", &v), 0);
	assert_true(v == 42);
	tmpdir_write(t, "bad", "42x\n");
	assert_int_equal(read_u64_at(t->fd, "bad", &v), -EINVAL);
	tmpdir_write(t, "empty", "");
	assert_int_equal(read_u64_at(t->fd, "empty", &v), -EINVAL);
}

static void test_write(void **state)
{
	struct tmpdir *t = *state;
	_cleanup_free_ char *s = NULL;

	assert_int_equal(write_file_atomic_at(t->fd, "state.json", "{}\n", 3, 0600), 0);
	assert_int_equal(read_full_file_at(t->fd, "state.json", 0, &s, NULL), 0);
	assert_string_equal(s, "{}\n");
	assert_int_equal(write_string_at(t->fd, "state.json", "x"), 0);
	assert_int_equal(write_string_at(t->fd, "nope", "x"), -ENOENT);
}

static void test_cgroup2_mount(void **state)
{
	_cleanup_free_ char *mp = NULL;
	const char *mi =
		"22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
		"30 25 0:26 / /sys/fs/cgroup/unified rw,nosuid shared:9 - cgroup2 cgroup2 rw\n";
	const char *mi_escaped = "30 25 0:26 / /mnt/cg\\040two rw - cgroup2 none rw\n";

	assert_int_equal(roots_find_cgroup2_mount(mi, &mp), 0);
	assert_string_equal(mp, "/sys/fs/cgroup/unified");
	free(TAKE_PTR(mp));
	assert_int_equal(roots_find_cgroup2_mount(mi_escaped, &mp), 0);
	assert_string_equal(mp, "/mnt/cg two");
	free(TAKE_PTR(mp));
	assert_int_equal(roots_find_cgroup2_mount("22 1 0:21 / /proc rw - proc proc rw\n", &mp),
			 -ENOENT);
	assert_int_equal(roots_find_cgroup2_mount("", &mp), -ENOENT);
	assert_int_equal(roots_find_cgroup2_mount("garbage - cgroup2 ", &mp), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_full, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_read_buf_and_line, tmpdir_setup,
						tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_write, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_cgroup2_mount),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
