/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DAMON's sysfs interface against fixture trees: the probe (missing, exclusive module, another
 * tool's kdamonds, a previous numabd's), the configuration sequence numabd writes, idempotent
 * start, stop, tried regions, and the cleanup of stale kdamonds. A fixture cannot run a
 * kdamond: the tests write "on" into state files themselves where the kernel would.
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
#include <unistd.h>

#include <cmocka.h>

#include "shared/fileio.h"
#include "sysfs/damon.h"
#include "test-util.h"

#define K "kernel/mm/damon/admin/kdamonds"

/* A kdamond directory as the kernel creates it after nr_kdamonds (contexts/0 after
 * nr_contexts; the test creates both up front). */
static void kdamond(struct tmpdir *t, unsigned k, const char *state)
{
	static const char *const files[] = {
		"contexts/0/operations", "contexts/0/monitoring_attrs/intervals/sample_us",
		"contexts/0/monitoring_attrs/intervals/aggr_us",
		"contexts/0/monitoring_attrs/intervals/update_us",
		"contexts/0/monitoring_attrs/nr_regions/min",
		"contexts/0/monitoring_attrs/nr_regions/max", "contexts/0/targets/nr_targets",
		"contexts/0/targets/0/pid_target", "contexts/0/schemes/nr_schemes",
		"contexts/0/schemes/0/action",
		"contexts/0/schemes/0/access_pattern/sz/min",
		"contexts/0/schemes/0/access_pattern/sz/max",
		"contexts/0/schemes/0/access_pattern/nr_accesses/min",
		"contexts/0/schemes/0/access_pattern/nr_accesses/max",
		"contexts/0/schemes/0/access_pattern/age/min",
		"contexts/0/schemes/0/access_pattern/age/max", "contexts/nr_contexts",
	};
	char path[256];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), K "/%u/%s", k, files[i]);
		tmpdir_write(t, path, "0\n");
	}
	snprintf(path, sizeof(path), K "/%u/contexts/0/schemes/0/tried_regions/total_bytes", k);
	tmpdir_write(t, path, "0\n");
	snprintf(path, sizeof(path), K "/%u/state", k);
	tmpdir_writef(t, path, "%s\n", state);
}

static void read_file(struct tmpdir *t, const char *path, char *buf, size_t size)
{
	assert_true(read_line_at(t->fd, path, buf, size) >= 0);
}

static void test_probe(void **state)
{
	struct tmpdir *t = *state;
	struct damon_probe p;
	char buf[256];

	/* No DAMON at all (6.1). */
	assert_int_equal(damon_probe(t->fd, 0, &p), 0);
	assert_int_equal(p.state, DAMON_MISSING);
	assert_non_null(strstr(damon_probe_reason(&p, buf, sizeof(buf)), "no DAMON"));

	/* DAMON, nothing configured. */
	tmpdir_write(t, K "/nr_kdamonds", "0\n");
	assert_int_equal(damon_probe(t->fd, 0, &p), 0);
	assert_int_equal(p.state, DAMON_AVAILABLE);

	/* Another tool's kdamond, stopped: available (numabd replaces the configuration). */
	tmpdir_write(t, K "/nr_kdamonds", "1\n");
	kdamond(t, 0, "off");
	assert_int_equal(damon_probe(t->fd, 0, &p), 0);
	assert_int_equal(p.state, DAMON_AVAILABLE);
	assert_int_equal(p.nr_kdamonds, 1);

	/* ... running: in use. */
	tmpdir_write(t, K "/0/state", "on\n");
	assert_int_equal(damon_probe(t->fd, 0, &p), 0);
	assert_int_equal(p.state, DAMON_IN_USE);
	assert_int_equal(p.n_running, 1);
	assert_non_null(strstr(damon_probe_reason(&p, buf, sizeof(buf)), "another tool"));
	/* A previous numabd's (it configured 1): not another tool's. */
	assert_int_equal(damon_probe(t->fd, 1, &p), 0);
	assert_int_equal(p.state, DAMON_AVAILABLE);

	/* DAMON_STAT holds DAMON exclusively (Debian's 7.x default). */
	tmpdir_write(t, "module/damon_stat/parameters/enabled", "Y\n");
	assert_int_equal(damon_probe(t->fd, 1, &p), 0);
	assert_int_equal(p.state, DAMON_EXCLUSIVE);
	assert_string_equal(p.holder, "damon_stat");
	damon_probe_reason(&p, buf, sizeof(buf));
	assert_non_null(strstr(buf, "damon_stat.enabled=N"));
	tmpdir_write(t, "module/damon_stat/parameters/enabled", "N\n");
	tmpdir_write(t, "module/damon_reclaim/parameters/enabled", "Y\n");
	assert_int_equal(damon_probe(t->fd, 1, &p), 0);
	assert_int_equal(p.state, DAMON_EXCLUSIVE);
	assert_string_equal(p.holder, "damon_reclaim");
}

static void test_admin(void **state)
{
	struct tmpdir *t = *state;
	struct damon_attrs at = DAMON_ATTRS_DEFAULT;
	struct damon_admin *a;
	char buf[64], path[256];
	pid_t me = getpid();

	tmpdir_write(t, K "/nr_kdamonds", "0\n");
	for (unsigned k = 0; k < 2; k++)
		kdamond(t, k, "off");
	assert_int_equal(damon_admin_open(t->fd, 2, &a), 0);
	assert_int_equal(damon_admin_size(a), 2);
	read_file(t, K "/nr_kdamonds", buf, sizeof(buf));
	assert_string_equal(buf, "2");
	read_file(t, K "/1/contexts/nr_contexts", buf, sizeof(buf));
	assert_string_equal(buf, "1");

	assert_int_equal(damon_admin_running(a, 1), 0);
	assert_int_equal(damon_admin_start(a, 1, me, &at), 0);
	/* The sequence's values. */
	read_file(t, K "/1/contexts/0/operations", buf, sizeof(buf));
	assert_string_equal(buf, "vaddr");
	read_file(t, K "/1/contexts/0/targets/0/pid_target", buf, sizeof(buf));
	snprintf(path, sizeof(path), "%d", (int)me);
	assert_string_equal(buf, path);
	read_file(t, K "/1/contexts/0/schemes/0/action", buf, sizeof(buf));
	assert_string_equal(buf, "stat");
	read_file(t, K "/1/contexts/0/schemes/0/access_pattern/sz/max", buf, sizeof(buf));
	assert_string_equal(buf, "18446744073709551615");
	read_file(t, K "/1/contexts/0/schemes/0/access_pattern/age/max", buf, sizeof(buf));
	assert_string_equal(buf, "4294967295");
	read_file(t, K "/1/contexts/0/monitoring_attrs/intervals/aggr_us", buf, sizeof(buf));
	assert_string_equal(buf, "100000");
	read_file(t, K "/1/contexts/0/monitoring_attrs/nr_regions/max", buf, sizeof(buf));
	assert_string_equal(buf, "400");
	read_file(t, K "/1/state", buf, sizeof(buf));
	assert_string_equal(buf, "on");

	/* Idempotent: running for the same pid, nothing is written again. */
	tmpdir_write(t, K "/1/contexts/0/operations", "untouched\n");
	assert_int_equal(damon_admin_start(a, 1, me, &at), 0);
	read_file(t, K "/1/contexts/0/operations", buf, sizeof(buf));
	assert_string_equal(buf, "untouched");

	/* Regions: the kdamond would list them; the fixture holds two plus total_bytes. */
	tmpdir_write(t, K "/1/contexts/0/schemes/0/tried_regions/1/start", "8192\n");
	tmpdir_write(t, K "/1/contexts/0/schemes/0/tried_regions/1/end", "12288\n");
	tmpdir_write(t, K "/1/contexts/0/schemes/0/tried_regions/1/nr_accesses", "0\n");
	tmpdir_write(t, K "/1/contexts/0/schemes/0/tried_regions/1/age", "77\n");
	tmpdir_write(t, K "/1/contexts/0/schemes/0/tried_regions/0/start", "4096\n");
	tmpdir_write(t, K "/1/contexts/0/schemes/0/tried_regions/0/end", "8192\n");
	tmpdir_write(t, K "/1/contexts/0/schemes/0/tried_regions/0/nr_accesses", "12\n");
	tmpdir_write(t, K "/1/contexts/0/schemes/0/tried_regions/0/age", "3\n");
	/* A malformed one is skipped. */
	tmpdir_write(t, K "/1/contexts/0/schemes/0/tried_regions/2/start", "x\n");
	{
		struct heat_region *r;
		size_t n;

		assert_int_equal(damon_admin_regions(a, 1, &r, &n), 0);
		/* The command went to the state file (a kernel answers it and stays "on"). */
		read_file(t, K "/1/state", buf, sizeof(buf));
		assert_string_equal(buf, "update_schemes_tried_regions");
		tmpdir_write(t, K "/1/state", "on\n");
		assert_int_equal(n, 2);
		assert_true(r[0].start == 4096 && r[0].end == 8192 && r[0].nr_accesses == 12 &&
			    r[0].age == 3 && r[0].last_seen_usec == 0);
		assert_true(r[1].start == 8192 && r[1].age == 77);
		free(r);
	}

	/* Stop, and the kdamond that stopped by itself. */
	assert_int_equal(damon_admin_stop(a, 1), 0);
	read_file(t, K "/1/state", buf, sizeof(buf));
	assert_string_equal(buf, "off");
	assert_int_equal(damon_admin_stop(a, 1), 0);
	assert_int_equal(damon_admin_regions(a, 1, NULL, NULL), -ESRCH);

	/* Freeing stops what runs and gives the interface back. */
	tmpdir_write(t, K "/0/state", "on\n");
	a = damon_admin_free(a);
	read_file(t, K "/0/state", buf, sizeof(buf));
	assert_string_equal(buf, "off");
	read_file(t, K "/nr_kdamonds", buf, sizeof(buf));
	assert_string_equal(buf, "0");
}

static void test_stop_all(void **state)
{
	struct tmpdir *t = *state;
	unsigned stopped = 99;
	char buf[64];

	tmpdir_write(t, K "/nr_kdamonds", "3\n");
	kdamond(t, 0, "on");
	kdamond(t, 1, "off");
	kdamond(t, 2, "on");
	assert_int_equal(damon_stop_all(t->fd, &stopped), 0);
	assert_int_equal(stopped, 2);
	read_file(t, K "/2/state", buf, sizeof(buf));
	assert_string_equal(buf, "off");
	read_file(t, K "/nr_kdamonds", buf, sizeof(buf));
	assert_string_equal(buf, "0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_probe, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_admin, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_stop_all, tmpdir_setup, tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
