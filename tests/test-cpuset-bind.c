/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pin=hard's cpuset.mems journal against a fixture cgroup tree (regular files). */
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

#include "daemon/cpuset-bind.h"
#include "shared/fileio.h"
#include "test-util.h"

struct fixture {
	struct tmpdir *t;
	int cg_fd, state_fd;
};

static void setup_tree(struct fixture *f, void **state)
{
	f->t = *state;
	tmpdir_write(f->t, "cg/app/cpuset.mems", "\n");              /* inherits */
	tmpdir_write(f->t, "cg/taken/cpuset.mems", "0\n");           /* narrowed by someone */
	tmpdir_mkdir(f->t, "cg/nocpuset");                          /* controller not enabled */
	tmpdir_mkdir(f->t, "state");
	f->cg_fd = openat(f->t->fd, "cg", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	f->state_fd = openat(f->t->fd, "state", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->cg_fd >= 0 && f->state_fd >= 0);
}

static void teardown_tree(struct fixture *f)
{
	close(f->cg_fd);
	close(f->state_fd);
}

static const char *mems(struct fixture *f, const char *cg)
{
	static char buf[64];
	char path[128];

	snprintf(path, sizeof(path), "%s/cpuset.mems", cg);
	assert_int_equal(read_line_at(f->cg_fd, path, buf, sizeof(buf)), 0);
	return buf;
}

static void test_apply_release(void **state)
{
	struct fixture f;
	struct cpuset_binds *b;
	unsigned restored = 99;

	setup_tree(&f, state);
	assert_int_equal(cpuset_binds_open(f.state_fd, "cpuset.json", f.cg_fd, &b, &restored), 0);
	assert_int_equal(restored, 0);

	assert_int_equal(cpuset_binds_apply(b, "/app", 0x2), 0);
	assert_string_equal(mems(&f, "app"), "1");
	assert_true(cpuset_binds_has(b, "/app"));
	/* Again with the same set: nothing to do. A new set: rebound. */
	assert_int_equal(cpuset_binds_apply(b, "/app", 0x2), 0);
	assert_int_equal(cpuset_binds_apply(b, "/app", 0x1), 0);
	assert_string_equal(mems(&f, "app"), "0");

	/* Never over someone else's narrowing; no controller; bad input. */
	assert_int_equal(cpuset_binds_apply(b, "/taken", 0x2), -EBUSY);
	assert_string_equal(mems(&f, "taken"), "0");
	assert_false(cpuset_binds_has(b, "/taken"));
	assert_int_equal(cpuset_binds_apply(b, "/nocpuset", 0x2), -ENOENT);
	assert_int_equal(cpuset_binds_apply(b, "/app", 0), -EINVAL);

	/* All of the parent's nodes written out is not narrowed: bound, and given back as it was. */
	tmpdir_write(f.t, "cg/cpuset.mems.effective", "0-1\n");
	tmpdir_write(f.t, "cg/wide/cpuset.mems", "0-1\n");
	assert_int_equal(cpuset_binds_apply(b, "/wide", 0x2), 0);
	assert_string_equal(mems(&f, "wide"), "1");
	assert_int_equal(cpuset_binds_release(b, "/wide"), 1);
	assert_string_equal(mems(&f, "wide"), "0-1");

	/* Release puts the original (inherited: empty) back. */
	assert_int_equal(cpuset_binds_release(b, "/app"), 1);
	assert_string_equal(mems(&f, "app"), "");
	assert_false(cpuset_binds_has(b, "/app"));
	assert_int_equal(cpuset_binds_release(b, "/app"), 0);
	cpuset_binds_free(b);
	teardown_tree(&f);
}

static void test_restore_after_kill(void **state)
{
	struct fixture f;
	struct cpuset_binds *b;
	unsigned restored = 0;

	setup_tree(&f, state);
	tmpdir_write(f.t, "cg/other/cpuset.mems", "\n");
	assert_int_equal(cpuset_binds_open(f.state_fd, "cpuset.json", f.cg_fd, &b, NULL), 0);
	assert_int_equal(cpuset_binds_apply(b, "/app", 0x2), 0);
	assert_int_equal(cpuset_binds_apply(b, "/other", 0x2), 0);
	/* "SIGKILL": the object goes without releasing; someone then changes /other. */
	cpuset_binds_free(b);
	tmpdir_write(f.t, "cg/other/cpuset.mems", "0-1\n");

	assert_int_equal(cpuset_binds_open(f.state_fd, "cpuset.json", f.cg_fd, &b, &restored), 0);
	assert_int_equal(restored, 1);
	assert_string_equal(mems(&f, "app"), "");
	assert_string_equal(mems(&f, "other"), "0-1"); /* not numabd's any more */
	assert_false(cpuset_binds_has(b, "/app"));
	cpuset_binds_free(b);
	teardown_tree(&f);
}

static void test_malformed_journal(void **state)
{
	struct fixture f;
	struct cpuset_binds *b;
	unsigned restored = 7;

	setup_tree(&f, state);
	tmpdir_write(f.t, "state/cpuset.json", "{\"binds\": [{\"cgroup\": \"app\"}, 3, "
					       "{\"cgroup\": \"/app\", \"original\": \"\", \"set\": \"x\"}]}");
	assert_int_equal(cpuset_binds_open(f.state_fd, "cpuset.json", f.cg_fd, &b, &restored), 0);
	assert_int_equal(restored, 0);
	cpuset_binds_free(b);
	tmpdir_write(f.t, "state/cpuset.json", "not json");
	assert_int_equal(cpuset_binds_open(f.state_fd, "cpuset.json", f.cg_fd, &b, &restored), 0);
	cpuset_binds_free(b);
	teardown_tree(&f);
}

static void test_systemd_unit(void **state)
{
	const char *unit = NULL;

	(void)state;
	assert_true(cpuset_binds_systemd_unit("/system.slice/nginx.service", &unit));
	assert_string_equal(unit, "nginx.service");
	assert_true(cpuset_binds_systemd_unit("/user.slice/user-0.slice/session-1.scope", &unit));
	assert_string_equal(unit, "session-1.scope");
	assert_true(cpuset_binds_systemd_unit("/machine.slice", &unit));
	/* Below a service: delegated, not a unit. Not under systemd's names at all. */
	assert_false(cpuset_binds_systemd_unit("/system.slice/app.service/worker", NULL));
	assert_false(cpuset_binds_systemd_unit("/batch/a", NULL));
	assert_false(cpuset_binds_systemd_unit("/", NULL));
	assert_false(cpuset_binds_systemd_unit("/system.slice/x", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_apply_release, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_restore_after_kill, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_malformed_journal, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_systemd_unit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
