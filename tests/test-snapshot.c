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

#include "shared/roots.h"
#include "sysfs/snapshot-read.h"
#include "sysfs/topo-read.h"
#include "test-util.h"

struct fx {
	struct tmpdir *t;
	struct numab_roots roots;
	struct topology *topo;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char sys[300], proc[300], cg[300];

	if (tmpdir_setup((void **)&f->t) < 0)
		return -1;
	tmpdir_copy_fixture(f->t, "2node", ".");
	snprintf(sys, sizeof(sys), "%s/sys", f->t->path);
	snprintf(proc, sizeof(proc), "%s/proc", f->t->path);
	snprintf(cg, sizeof(cg), "%s/cgroup", f->t->path);
	if (roots_open(&f->roots, sys, proc, cg) < 0)
		return -1;
	if (topo_read(f->roots.sysfs_fd, &f->topo) < 0)
		return -1;
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	topo_free(f->topo);
	roots_close(&f->roots);
	tmpdir_teardown((void **)&f->t);
	free(f);
	return 0;
}

static void test_walk(void **state)
{
	struct fx *f = *state;
	struct snapshot *s = NULL;
	const struct cg_sample *c;
	int i;

	assert_int_equal(snapshot_take(&f->roots, f->topo, SNAP_TASKS | SNAP_COUNTERS, &s), 0);
	assert_int_equal(s->n_cgroups, 5);
	assert_true(s->has_memory_controller);
	assert_true(s->has_cpuset_controller);
	/* Pre-order, children sorted by name. */
	assert_string_equal(s->cgroups[0].path, "/");
	assert_string_equal(s->cgroups[1].path, "/app");
	assert_string_equal(s->cgroups[2].path, "/app/web");
	assert_string_equal(s->cgroups[3].path, "/db");
	assert_string_equal(s->cgroups[4].path, "/empty");
	assert_int_equal(s->cgroups[2].parent, 1);
	assert_int_equal(s->cgroups[2].depth, 2);
	assert_int_equal(s->cgroups[0].parent, -1);

	i = snapshot_find(s, "/app/web");
	assert_int_equal(i, 2);
	c = &s->cgroups[i];
	assert_true(c->has_numa_stat);
	assert_true(cg_mem(c, 1, CG_MEM_ANON) == 200ull << 20);
	assert_true(c->has_counters);
	assert_true(c->counters[CG_NUMA_PAGES_MIGRATED] == 16442);
	assert_int_equal(c->n_procs, 2);
	assert_int_equal(c->procs[0].pid, 100);
	assert_int_equal(c->procs[0].n_tasks, 2);
	assert_true(c->mems_effective == 0x3);
	assert_string_equal(c->cpus_effective, "0-3");
	assert_non_null(cg_find_proc(c, 200));
	assert_null(cg_find_proc(c, 201));

	c = &s->cgroups[snapshot_find(s, "/db")];
	assert_true(c->mems_effective == 0x1);
	assert_int_equal(s->n_procs_total, 4);
	assert_int_equal(s->n_tasks_total, 6);
	assert_int_equal(snapshot_find(s, "/nope"), -ENOENT);
	snapshot_free(s);

	/* Without SNAP_TASKS no processes are read. */
	assert_int_equal(snapshot_take(&f->roots, f->topo, 0, &s), 0);
	assert_int_equal(s->cgroups[2].n_procs, 0);
	assert_false(s->cgroups[2].has_counters);
	snapshot_free(s);
}

static void test_vanished(void **state)
{
	struct fx *f = *state;
	struct snapshot *s = NULL;

	/* A cgroup removed between listing and reading: its files are gone. */
	tmpdir_mkdir(f->t, "cgroup/app/gone");
	/* A process listed in cgroup.procs that exited before its /proc entry was read. */
	tmpdir_write(f->t, "cgroup/db/cgroup.procs", "300\n999\n");
	assert_int_equal(snapshot_take(&f->roots, f->topo, SNAP_TASKS, &s), 0);
	assert_int_equal(snapshot_find(s, "/app/gone"), -ENOENT);
	assert_int_equal(s->n_cgroups, 5);
	assert_int_equal(s->cgroups[snapshot_find(s, "/db")].n_procs, 1);
	snapshot_free(s);
}

static void test_no_memory_controller(void **state)
{
	struct fx *f = *state;
	struct snapshot *s = NULL;
	char cmd[512];

	/* Like a host whose memory controller sits on cgroup v1. */
	tmpdir_write(f->t, "cgroup/cgroup.controllers", "cpu pids\n");
	snprintf(cmd, sizeof(cmd),
		 "find '%s/cgroup' -name 'memory.*' -delete -o -name 'cpuset.*' -delete",
		 f->t->path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(snapshot_take(&f->roots, f->topo, SNAP_TASKS, &s), 0);
	assert_false(s->has_memory_controller);
	assert_false(s->cgroups[2].has_numa_stat);
	/* Without cpuset every cgroup may use every node. */
	assert_true(s->cgroups[3].mems_effective == 0x3);
	assert_int_equal(s->cgroups[2].n_procs, 2);
	snapshot_free(s);
}

static void test_malformed_files(void **state)
{
	struct fx *f = *state;
	struct snapshot *s = NULL;

	tmpdir_write(f->t, "cgroup/db/memory.numa_stat", "anon N0=xyz\n");
	assert_int_equal(snapshot_take(&f->roots, f->topo, 0, &s), -EBADMSG);
	tmpdir_write(f->t, "cgroup/db/memory.numa_stat", "anon N0=1 N1=2\n");
	tmpdir_write(f->t, "cgroup/db/cpuset.mems.effective", "0-x\n");
	assert_int_equal(snapshot_take(&f->roots, f->topo, 0, &s), -EBADMSG);
	tmpdir_write(f->t, "cgroup/db/cpuset.mems.effective", "0\n");
	tmpdir_write(f->t, "cgroup/db/cgroup.procs", "abc\n");
	assert_int_equal(snapshot_take(&f->roots, f->topo, SNAP_TASKS, &s), -EBADMSG);
	/* A malformed /proc entry of one process fails the snapshot loudly too. */
	tmpdir_write(f->t, "cgroup/db/cgroup.procs", "300\n");
	tmpdir_write(f->t, "proc/300/task/300/stat", "300 (db\n");
	assert_int_equal(snapshot_take(&f->roots, f->topo, SNAP_TASKS, &s), -EBADMSG);
}

static void test_no_cgroup2(void **state)
{
	struct fx *f = *state;
	struct snapshot *s = NULL;
	struct numab_roots r = f->roots;

	r.cgroup_fd = -EBADF;
	assert_int_equal(snapshot_take(&r, f->topo, 0, &s), -ENOMEDIUM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_walk, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vanished, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_no_memory_controller, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_malformed_files, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_no_cgroup2, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
