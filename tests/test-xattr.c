/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * user.numab.* xattrs on a directory tree under $TMPDIR (tmpfs or ext4 both carry user
 * xattrs); skipped with a reason where the filesystem refuses them.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "shared/macro.h"
#include "sysfs/xattr.h"
#include "test-util.h"

/* Skip unless the tmpdir's filesystem takes user xattrs. */
static void require_user_xattrs(struct tmpdir *t)
{
	int r = fsetxattr(t->fd, "user.numab-probe", "1", 1, 0);

	if (r < 0) {
		fprintf(stderr, "skipped: %s does not take user xattrs: %s\n", t->path,
			strerror(errno));
		skip();
	}
	(void)fremovexattr(t->fd, "user.numab-probe");
}

static void raw_set(struct tmpdir *t, const char *rel, const char *name, const void *value,
		    size_t size)
{
	int fd = openat(t->fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd >= 0);
	if (fsetxattr(fd, name, value, size, 0) < 0)
		fail_msg("fsetxattr %s %s: %m", rel, name);
	close(fd);
}

static void test_read_write(void **state)
{
	struct tmpdir *t = *state;
	struct cg_xattrs x = {};

	require_user_xattrs(t);
	tmpdir_mkdir(t, "a/b");

	assert_int_equal(cg_xattr_read_all(t->fd, "/a/b", &x), 0);
	assert_int_equal(x.n, 0);
	assert_int_equal(x.owner_uid, getuid());
	cg_xattrs_done(&x);

	assert_int_equal(cg_xattr_set(t->fd, "/a/b", "nodes", "0-1"), 0);
	assert_int_equal(cg_xattr_set(t->fd, "/a/b", "mode", "follow"), 0);
	assert_int_equal(cg_xattr_set(t->fd, "/a/b", "hot_threshold", "2s"), 0);
	assert_int_equal(cg_xattr_set(t->fd, "/a/b", "mode", "pin"), 0); /* replaces */
	/* Not numab's. */
	raw_set(t, "a/b", "user.other", "x", 1);
	raw_set(t, "a/b", "user.numabx.mode", "x", 1);
	raw_set(t, "a/b", "user.numab.", "x", 1);

	assert_int_equal(cg_xattr_read_all(t->fd, "/a/b", &x), 0);
	assert_int_equal(x.n, 3);
	assert_string_equal(x.items[0].name, "hot_threshold");
	assert_string_equal(x.items[0].value, "2s");
	assert_string_equal(x.items[1].name, "mode");
	assert_string_equal(x.items[1].value, "pin");
	assert_string_equal(x.items[2].name, "nodes");
	assert_string_equal(cg_xattrs_get(&x, "nodes"), "0-1");
	assert_null(cg_xattrs_get(&x, "budget"));
	assert_int_equal(x.n_skipped, 0);
	cg_xattrs_done(&x);
	assert_int_equal(x.n, 0);
	cg_xattrs_done(&x); /* twice is fine */

	/* Paths: "/" is the root itself; leading slashes are relative to the root fd. */
	assert_int_equal(cg_xattr_set(t->fd, "/", "mode", "off"), 0);
	assert_int_equal(cg_xattr_read_all(t->fd, "/", &x), 0);
	assert_string_equal(cg_xattrs_get(&x, "mode"), "off");
	cg_xattrs_done(&x);
	assert_int_equal(cg_xattr_read_all(t->fd, "a", &x), 0);
	assert_int_equal(x.n, 0);
	cg_xattrs_done(&x);

	/* Remove. */
	assert_int_equal(cg_xattr_remove(t->fd, "/a/b", "mode"), 0);
	assert_int_equal(cg_xattr_remove(t->fd, "/a/b", "mode"), -ENODATA);
	assert_int_equal(cg_xattr_read_all(t->fd, "/a/b", &x), 0);
	assert_int_equal(x.n, 2);
	assert_null(cg_xattrs_get(&x, "mode"));
	cg_xattrs_done(&x);
}

static void test_odd_values(void **state)
{
	struct tmpdir *t = *state;
	struct cg_xattrs x = {};
	char *big;

	require_user_xattrs(t);
	tmpdir_mkdir(t, "c");

	/* An empty value and a value with a NUL byte (cut there). */
	raw_set(t, "c", "user.numab.budget", "", 0);
	raw_set(t, "c", "user.numab.mode", "fol\0low", 7);
	assert_int_equal(cg_xattr_read_all(t->fd, "/c", &x), 0);
	assert_int_equal(x.n, 2);
	assert_string_equal(cg_xattrs_get(&x, "budget"), "");
	assert_string_equal(cg_xattrs_get(&x, "mode"), "fol");
	cg_xattrs_done(&x);

	/* A long value round-trips; one over the limit is refused before the syscall. */
	big = malloc(CG_XATTR_VALUE_MAX + 100);
	assert_non_null(big);
	memset(big, 'x', CG_XATTR_VALUE_MAX + 100);
	big[1000] = '\0';
	assert_int_equal(cg_xattr_set(t->fd, "/c", "program", big), 0);
	assert_int_equal(cg_xattr_read_all(t->fd, "/c", &x), 0);
	assert_int_equal(strlen(cg_xattrs_get(&x, "program")), 1000);
	cg_xattrs_done(&x);
	big[1000] = 'x';
	big[CG_XATTR_VALUE_MAX + 1] = '\0';
	assert_int_equal(cg_xattr_set(t->fd, "/c", "program", big), -EINVAL);

	/* A value too large to be ours is skipped and counted, where the filesystem stores one
	 * (tmpfs does; ext4 without ea_inode stops at about a block). */
	if (fsetxattr(t->fd, "user.numab.pin", big, CG_XATTR_VALUE_MAX + 1, 0) == 0) {
		assert_int_equal(cg_xattr_read_all(t->fd, "/", &x), 0);
		assert_null(cg_xattrs_get(&x, "pin"));
		assert_int_equal(x.n_skipped, 1);
		cg_xattrs_done(&x);
	} else {
		fprintf(stderr, "note: %s stores no %d-byte xattr values (%s), oversized value "
			"check not run\n", t->path, CG_XATTR_VALUE_MAX + 1, strerror(errno));
	}
	free(big);
}

static void test_errors(void **state)
{
	struct tmpdir *t = *state;
	struct cg_xattrs x = { .n = 0 };

	/* These need no xattr support. */
	assert_int_equal(cg_xattr_read_all(t->fd, "/gone", &x), -ENOENT);
	assert_int_equal(cg_xattr_set(t->fd, "/gone", "mode", "pin"), -ENOENT);
	assert_int_equal(cg_xattr_remove(t->fd, "/gone", "mode"), -ENOENT);
	tmpdir_write(t, "file", "x");
	assert_int_equal(cg_xattr_read_all(t->fd, "/file", &x), -ENOTDIR);
	assert_int_equal(cg_xattr_read_all(t->fd, NULL, &x), -EINVAL);

	assert_int_equal(cg_xattr_set(t->fd, "/", "", "x"), -EINVAL);
	assert_int_equal(cg_xattr_set(t->fd, "/", "Mode", "x"), -EINVAL);
	assert_int_equal(cg_xattr_set(t->fd, "/", "a.b", "x"), -EINVAL);
	assert_int_equal(cg_xattr_set(t->fd, "/", NULL, "x"), -EINVAL);
	assert_int_equal(cg_xattr_set(t->fd, "/", "mode", NULL), -EINVAL);
	assert_int_equal(cg_xattr_remove(t->fd, "/", "../x"), -EINVAL);
	assert_null(cg_xattrs_get(NULL, "mode"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_write, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_odd_values, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_errors, tmpdir_setup, tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
