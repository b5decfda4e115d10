/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
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

#include "daemon/affinity.h"
#include "shared/macro.h"
#include "test-util.h"

#define START_TIME 4242ull
#define NCPUS 64

/* Fake threads: masks of up to 64 CPUs. */
struct fake_threads {
	pid_t tid[32];
	uint64_t mask[32];
	int set_err[32];
	unsigned n;
	unsigned sets;
};

static int find(struct fake_threads *f, pid_t tid)
{
	for (unsigned i = 0; i < f->n; i++)
		if (f->tid[i] == tid)
			return (int)i;
	return -1;
}

static int fake_get(void *userdata, pid_t tid, size_t setsize, cpu_set_t *set)
{
	struct fake_threads *f = userdata;
	int i = find(f, tid);

	if (i < 0)
		return -ESRCH;
	CPU_ZERO_S(setsize, set);
	for (int c = 0; c < 64 && (size_t)c < setsize * 8; c++)
		if (f->mask[i] & (UINT64_C(1) << c))
			CPU_SET_S(c, setsize, set);
	return 0;
}

static int fake_set(void *userdata, pid_t tid, size_t setsize, const cpu_set_t *set)
{
	struct fake_threads *f = userdata;
	int i = find(f, tid);
	uint64_t m = 0;

	if (i < 0)
		return -ESRCH;
	if (f->set_err[i])
		return f->set_err[i];
	for (int c = 0; c < 64 && (size_t)c < setsize * 8; c++)
		if (CPU_ISSET_S(c, setsize, set))
			m |= UINT64_C(1) << c;
	if (!m)
		return -EINVAL;
	f->mask[i] = m;
	f->sets++;
	return 0;
}

struct env {
	struct tmpdir *t;
	struct fake_threads f;
	struct affinity_sys sys;
	pid_t pid;
	int state_fd;
	cpu_set_t *target, *allowed;
	size_t setsize;
};

static void write_stat(struct env *v, const char *path, int id, unsigned long long start)
{
	tmpdir_writef(v->t, path,
		      "%d (wl) S 1 1 1 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 %llu 0 0 0 0 0 0 0 0 0 "
		      "0 0 0 0 0 0 0 1 0 0 0 0 0\n", id, start);
}

static void add_thread(struct env *v, pid_t tid, uint64_t mask, unsigned long long start)
{
	char path[96];
	int i = find(&v->f, tid);

	if (i < 0) {
		i = (int)v->f.n++;
		v->f.tid[i] = tid;
	}
	v->f.mask[i] = mask;
	snprintf(path, sizeof(path), "proc/%d/task/%d/stat", v->pid, tid);
	write_stat(v, path, tid, start);
}

static void remove_thread(struct env *v, pid_t tid)
{
	char path[512];
	int i = find(&v->f, tid);

	assert_true(i >= 0);
	v->f.tid[i] = -1;
	snprintf(path, sizeof(path), "%s/proc/%d/task/%d", v->t->path, v->pid, tid);
	assert_int_equal(unlinkat(AT_FDCWD, strcat(path, "/stat"), 0), 0);
	path[strlen(path) - 5] = '\0';
	assert_int_equal(rmdir(path), 0);
}

static cpu_set_t *mask_set(uint64_t m, size_t *setsize)
{
	cpu_set_t *s = CPU_ALLOC(NCPUS);

	assert_non_null(s);
	*setsize = CPU_ALLOC_SIZE(NCPUS);
	CPU_ZERO_S(*setsize, s);
	for (int c = 0; c < NCPUS; c++)
		if (m & (UINT64_C(1) << c))
			CPU_SET_S(c, *setsize, s);
	return s;
}

static int proc_fd(struct env *v)
{
	static int fd = -1;

	if (fd >= 0)
		close(fd);
	fd = openat(v->t->fd, "proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static void env_init(struct env *v, struct tmpdir *t)
{
	char path[64];

	memset(v, 0, sizeof(*v));
	v->t = t;
	v->pid = getpid();
	v->sys = (struct affinity_sys){ .get = fake_get, .set = fake_set, .userdata = &v->f };
	snprintf(path, sizeof(path), "proc/%d/stat", v->pid);
	write_stat(v, path, v->pid, START_TIME);
	snprintf(path, sizeof(path), "proc/%d/cgroup", v->pid);
	tmpdir_write(t, path, "0::/pinned\n");
	tmpdir_mkdir(t, "state/");
	v->state_fd = openat(t->fd, "state", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(v->state_fd >= 0);
	/* The leader and three threads, all CPUs 0-7 (the cpuset). */
	add_thread(v, v->pid, 0xff, START_TIME);
	add_thread(v, v->pid + 1, 0xff, START_TIME + 1);
	add_thread(v, v->pid + 2, 0xff, START_TIME + 2);
	add_thread(v, v->pid + 3, 0xff, START_TIME + 3);
	v->target = mask_set(0x0f, &v->setsize);
	v->allowed = mask_set(0xff, &v->setsize);
}

static void env_done(struct env *v)
{
	CPU_FREE(v->target);
	CPU_FREE(v->allowed);
	close(v->state_fd);
}

static int place(struct env *v, struct affinity_journal *j, struct affinity_result *res)
{
	return affinity_place(j, proc_fd(v), v->pid, START_TIME, "/pinned", v->target, v->setsize,
			      v->allowed, v->setsize, res);
}

static uint64_t mask_of(struct env *v, pid_t tid)
{
	return v->f.mask[find(&v->f, tid)];
}

static void test_place_restore(void **state)
{
	struct affinity_journal *j;
	struct affinity_result res;
	struct stat st;
	struct env v;

	env_init(&v, *state);
	/* Someone narrowed one thread to CPU 5: not numab's to touch. */
	add_thread(&v, v.pid + 4, 0x20, START_TIME + 4);
	assert_int_equal(affinity_journal_open(v.state_fd, "affinity.json", NCPUS, &v.sys, &j), 0);
	assert_int_equal(place(&v, j, &res), 0);
	assert_false(res.vanished);
	assert_int_equal(res.threads, 5);
	assert_int_equal(res.placed, 4);
	assert_int_equal(res.narrowed, 1);
	assert_int_equal(res.n_narrowed_tids, 1);
	assert_int_equal(res.narrowed_tids[0], v.pid + 4);
	assert_int_equal(res.failed, 0);
	for (int i = 0; i < 4; i++)
		assert_true(mask_of(&v, v.pid + i) == 0x0f);
	assert_true(mask_of(&v, v.pid + 4) == 0x20);
	assert_int_equal(affinity_journal_count(j, 0, 0), 4);
	assert_int_equal(affinity_journal_count(j, v.pid, START_TIME), 4);
	assert_int_equal(affinity_journal_count(j, v.pid, START_TIME + 1), 0);
	assert_int_equal(fstatat(v.state_fd, "affinity.json", &st, 0), 0);
	assert_true((st.st_mode & 0777) == 0600);

	/* Again: nothing to do. */
	v.f.sets = 0;
	assert_int_equal(place(&v, j, &res), 0);
	assert_int_equal(res.unchanged, 4);
	assert_int_equal(res.placed, 0);
	assert_int_equal(v.f.sets, 0);

	assert_int_equal(affinity_restore(j, proc_fd(&v), v.pid, START_TIME, &res), 0);
	assert_int_equal(res.restored, 4);
	assert_int_equal(res.dropped, 0);
	for (int i = 0; i < 4; i++)
		assert_true(mask_of(&v, v.pid + i) == 0xff);
	assert_true(mask_of(&v, v.pid + 4) == 0x20);
	assert_int_equal(affinity_journal_count(j, 0, 0), 0);
	affinity_journal_free(j);

	/* The file says the same after a reopen: empty. */
	assert_int_equal(affinity_journal_open(v.state_fd, "affinity.json", NCPUS, &v.sys, &j), 0);
	assert_int_equal(affinity_journal_count(j, 0, 0), 0);
	affinity_journal_free(j);
	env_done(&v);
}

static void test_new_threads(void **state)
{
	struct affinity_journal *j;
	struct affinity_result res;
	struct env v;

	env_init(&v, *state);
	assert_int_equal(affinity_journal_open(v.state_fd, "a.json", NCPUS, &v.sys, &j), 0);
	assert_int_equal(place(&v, j, &res), 0);
	assert_int_equal(res.placed, 4);
	/* A thread created by a placed one has its mask; one created with all CPUs (by a
	 * thread numab did not place, or a fresh affinity) has not. */
	add_thread(&v, v.pid + 10, 0x0f, START_TIME + 10);
	add_thread(&v, v.pid + 11, 0xff, START_TIME + 11);
	assert_int_equal(place(&v, j, &res), 0);
	assert_int_equal(res.inherited, 1);
	assert_int_equal(res.placed, 1);
	assert_int_equal(res.unchanged, 4);
	assert_true(mask_of(&v, v.pid + 11) == 0x0f);
	assert_int_equal(affinity_journal_count(j, v.pid, 0), 6);

	/* One exits before the restore. */
	remove_thread(&v, v.pid + 3);
	assert_int_equal(affinity_restore(j, proc_fd(&v), v.pid, 0, &res), 0);
	assert_int_equal(res.restored, 5);
	assert_int_equal(res.dropped, 1);
	assert_int_equal(res.dropped_tids[0], v.pid + 3);
	assert_true(mask_of(&v, v.pid + 10) == 0xff); /* the process's original */
	assert_true(mask_of(&v, v.pid + 11) == 0xff);
	affinity_journal_free(j);
	env_done(&v);
}

static void test_changed_since(void **state)
{
	struct affinity_journal *j;
	struct affinity_result res;
	struct env v;

	env_init(&v, *state);
	assert_int_equal(affinity_journal_open(v.state_fd, "a.json", NCPUS, &v.sys, &j), 0);
	assert_int_equal(place(&v, j, &res), 0);
	/* An administrator moves one thread; another thread's tid is reused. */
	v.f.mask[find(&v.f, v.pid + 1)] = 0x40;
	add_thread(&v, v.pid + 2, 0x0f, START_TIME + 99);
	assert_int_equal(affinity_restore(j, proc_fd(&v), v.pid, 0, &res), 0);
	assert_int_equal(res.restored, 2);
	assert_int_equal(res.dropped, 2);
	assert_true(mask_of(&v, v.pid + 1) == 0x40); /* left as the administrator set it */
	assert_true(mask_of(&v, v.pid + 2) == 0x0f); /* not ours: a different thread */
	assert_int_equal(affinity_journal_count(j, 0, 0), 0);

	/* Placing again: the administrator's thread is narrowed, left alone. */
	assert_int_equal(place(&v, j, &res), 0);
	assert_int_equal(res.narrowed, 1);
	assert_true(mask_of(&v, v.pid + 1) == 0x40);
	/* ...and a change by someone else after numab placed it drops the record. */
	v.f.mask[find(&v.f, v.pid + 3)] = 0xf0;
	assert_int_equal(place(&v, j, &res), 0);
	assert_int_equal(res.dropped, 1);
	assert_int_equal(res.narrowed, 2);
	assert_true(mask_of(&v, v.pid + 3) == 0xf0);
	affinity_journal_free(j);
	env_done(&v);
}

/* numabd is SIGKILLed after placing: the next one restores from the file. */
static void test_kill_and_restart(void **state)
{
	struct affinity_journal *j;
	struct affinity_result res;
	_cleanup_free_ char *text1 = NULL, *text2 = NULL;
	struct env v;

	env_init(&v, *state);
	assert_int_equal(affinity_journal_open(v.state_fd, "a.json", NCPUS, &v.sys, &j), 0);
	assert_int_equal(place(&v, j, &res), 0);
	assert_int_equal(affinity_journal_format(j, &text1), 0);
	affinity_journal_free(j); /* killed: nothing restored */

	assert_int_equal(affinity_journal_open(v.state_fd, "a.json", NCPUS, &v.sys, &j), 0);
	assert_int_equal(affinity_journal_count(j, 0, 0), 4);
	assert_int_equal(affinity_journal_format(j, &text2), 0);
	assert_string_equal(text1, text2); /* round trip */
	assert_non_null(strstr(text1, "\"original\":\"0-7\""));
	assert_non_null(strstr(text1, "\"set\":\"0-3\""));
	assert_int_equal(affinity_restore(j, proc_fd(&v), 0, 0, &res), 0);
	assert_int_equal(res.restored, 4);
	for (int i = 0; i < 4; i++)
		assert_true(mask_of(&v, v.pid + i) == 0xff);
	affinity_journal_free(j);
	env_done(&v);
}

/* Killed between the journal and the change, or during a change of target. */
static void test_write_ahead(void **state)
{
	struct affinity_journal *j;
	struct affinity_result res;
	struct env v;

	env_init(&v, *state);
	v.f.mask[find(&v.f, v.pid + 2)] = 0xf0;
	tmpdir_writef(v.t, "state/a.json",
		      "{ \"version\": 1, \"records\": [\n"
		      "{ \"pid\": %d, \"start_time\": %llu, \"tid\": %d, \"tid_start_time\": %llu,"
		      " \"original\": \"0-7\", \"set\": \"0-3\" },\n"
		      "{ \"pid\": %d, \"start_time\": %llu, \"tid\": %d, \"tid_start_time\": %llu,"
		      " \"original\": \"0-7\", \"set\": \"0-3\", \"prev\": \"4-7\" } ] }\n",
		      v.pid, START_TIME, v.pid + 1, START_TIME + 1,
		      v.pid, START_TIME, v.pid + 2, START_TIME + 2);
	assert_int_equal(affinity_journal_open(v.state_fd, "a.json", NCPUS, &v.sys, &j), 0);
	assert_int_equal(affinity_journal_count(j, 0, 0), 2);
	v.f.sets = 0;
	assert_int_equal(affinity_restore(j, proc_fd(&v), 0, 0, &res), 0);
	/* pid+1 never got its change: nothing to do, quietly. pid+2 was on the previous
	 * target: restored. */
	assert_int_equal(res.unchanged, 1);
	assert_int_equal(res.restored, 1);
	assert_int_equal(res.dropped, 0);
	assert_int_equal(v.f.sets, 1);
	assert_true(mask_of(&v, v.pid + 2) == 0xff);
	affinity_journal_free(j);
	env_done(&v);
}

static void test_corrupt(void **state)
{
	struct affinity_journal *j;
	struct stat st;
	struct env v;

	env_init(&v, *state);
	tmpdir_write(v.t, "state/a.json", "{ \"version\": 1, \"records\": [ {\"pid\": 1,");
	assert_int_equal(affinity_journal_open(v.state_fd, "a.json", NCPUS, &v.sys, &j), 1);
	assert_int_equal(affinity_journal_count(j, 0, 0), 0);
	assert_int_equal(fstatat(v.state_fd, "a.json.corrupt", &st, 0), 0);
	affinity_journal_free(j);
	/* The replacement is a valid, empty journal; restoring nothing is fine. */
	assert_int_equal(affinity_journal_open(v.state_fd, "a.json", NCPUS, &v.sys, &j), 0);
	{
		struct affinity_result res;

		assert_int_equal(affinity_restore(j, proc_fd(&v), 0, 0, &res), 0);
		assert_int_equal(res.restored + res.dropped, 0);
	}
	affinity_journal_free(j);

	tmpdir_write(v.t, "state/b.json", "[1, 2, 3]");
	assert_int_equal(affinity_journal_open(v.state_fd, "b.json", NCPUS, &v.sys, &j), 1);
	affinity_journal_free(j);
	tmpdir_write(v.t, "state/c.json", "{ \"version\": 2, \"records\": [] }");
	assert_int_equal(affinity_journal_open(v.state_fd, "c.json", NCPUS, &v.sys, &j), 1);
	affinity_journal_free(j);

	/* Bad records are dropped, good ones kept. */
	tmpdir_write(v.t, "state/d.json",
		     "{ \"version\": 1, \"records\": [\n"
		     "{ \"pid\": 10, \"start_time\": 5, \"tid\": 11, \"tid_start_time\": 6,"
		     "  \"original\": \"0-7\", \"set\": \"0-3\", \"inherited\": true },\n"
		     "{ \"pid\": 10, \"start_time\": 5, \"tid\": 11, \"tid_start_time\": 6,"
		     "  \"original\": \"0-7\", \"set\": \"0-3\" },\n"
		     "{ \"pid\": 10, \"start_time\": 5, \"tid_start_time\": 6,"
		     "  \"original\": \"0-7\", \"set\": \"0-3\" },\n"
		     "{ \"pid\": 10, \"start_time\": 5, \"tid\": 12, \"tid_start_time\": 6,"
		     "  \"original\": \"7-0\", \"set\": \"0-3\" },\n"
		     "{ \"pid\": 10, \"start_time\": 5, \"tid\": 13, \"tid_start_time\": 6,"
		     "  \"original\": \"0-7\", \"set\": \"\" },\n"
		     "{ \"pid\": 10, \"start_time\": 5, \"tid\": 14, \"tid_start_time\": 6,"
		     "  \"original\": \"0-7\", \"set\": \"100\" },\n"
		     "{ \"pid\": -4, \"start_time\": 5, \"tid\": 15, \"tid_start_time\": 6,"
		     "  \"original\": \"0-7\", \"set\": \"1\" },\n"
		     "{ \"pid\": \"10\", \"start_time\": 5, \"tid\": 16, \"tid_start_time\": 6,"
		     "  \"original\": \"0-7\", \"set\": \"1\" },\n"
		     "17 ] }\n");
	assert_int_equal(affinity_journal_open(v.state_fd, "d.json", NCPUS, &v.sys, &j), 1);
	assert_int_equal(affinity_journal_count(j, 0, 0), 1);
	affinity_journal_free(j);
	assert_int_equal(affinity_journal_open(v.state_fd, "d.json", NCPUS, &v.sys, &j), 0);
	assert_int_equal(affinity_journal_count(j, 10, 5), 1);
	affinity_journal_free(j);

	assert_int_equal(affinity_journal_open(v.state_fd, "x/y", NCPUS, &v.sys, &j), -EINVAL);
	env_done(&v);
}

static void test_retarget_and_failures(void **state)
{
	struct affinity_journal *j;
	struct affinity_result res;
	cpu_set_t *other;
	size_t setsize;
	struct env v;

	env_init(&v, *state);
	assert_int_equal(affinity_journal_open(v.state_fd, "a.json", NCPUS, &v.sys, &j), 0);
	v.f.set_err[find(&v.f, v.pid + 3)] = -EPERM;
	assert_int_equal(place(&v, j, &res), 0);
	assert_int_equal(res.placed, 3);
	assert_int_equal(res.failed, 1);
	assert_int_equal(res.first_error, -EPERM);
	assert_int_equal(affinity_journal_count(j, 0, 0), 3);
	v.f.set_err[find(&v.f, v.pid + 3)] = 0;

	/* A new target (other nodes): placed again, the original kept. */
	other = mask_set(0xf0, &setsize);
	CPU_FREE(v.target);
	v.target = other;
	assert_int_equal(place(&v, j, &res), 0);
	assert_int_equal(res.placed, 4);
	assert_true(mask_of(&v, v.pid) == 0xf0);
	assert_int_equal(affinity_restore(j, proc_fd(&v), 0, 0, &res), 0);
	assert_int_equal(res.restored, 4);
	for (int i = 0; i < 4; i++)
		assert_true(mask_of(&v, v.pid + i) == 0xff);

	/* The target is limited to what is allowed; nothing in common is an error. */
	CPU_FREE(v.target);
	v.target = mask_set(0x300, &setsize);
	assert_int_equal(place(&v, j, &res), -EINVAL);
	CPU_FREE(v.target);
	v.target = mask_set(0x30c, &setsize);
	assert_int_equal(place(&v, j, &res), 0);
	assert_true(mask_of(&v, v.pid) == 0x0c);
	affinity_journal_free(j);
	env_done(&v);
}

static void test_vanished(void **state)
{
	struct affinity_journal *j;
	struct affinity_result res;
	struct env v;

	env_init(&v, *state);
	assert_int_equal(affinity_journal_open(v.state_fd, "a.json", NCPUS, &v.sys, &j), 0);
	assert_int_equal(affinity_place(j, proc_fd(&v), v.pid, START_TIME + 1, NULL, v.target,
					v.setsize, v.allowed, v.setsize, &res), 0);
	assert_true(res.vanished);
	assert_int_equal(affinity_place(j, proc_fd(&v), v.pid, START_TIME, "/other", v.target,
					v.setsize, v.allowed, v.setsize, &res), 0);
	assert_true(res.vanished);
	assert_int_equal(v.f.sets, 0);
	assert_int_equal(affinity_journal_count(j, 0, 0), 0);

	/* Placed, then the process is gone (its pid reused): records dropped, nothing set. */
	assert_int_equal(place(&v, j, &res), 0);
	v.f.sets = 0;
	{
		char path[64];

		snprintf(path, sizeof(path), "proc/%d/stat", v.pid);
		write_stat(&v, path, v.pid, START_TIME + 7);
	}
	assert_int_equal(affinity_restore(j, proc_fd(&v), 0, 0, &res), 0);
	assert_int_equal(res.dropped, 4);
	assert_int_equal(v.f.sets, 0);
	affinity_journal_free(j);
	env_done(&v);
}

static void test_format_cpus(void **state)
{
	size_t setsize;
	cpu_set_t *s = mask_set(0xd0f | (UINT64_C(1) << 63), &setsize);
	char *text;

	assert_int_equal(affinity_format_cpus(s, setsize, &text), 0);
	assert_string_equal(text, "0-3,8,10-11,63");
	free(text);
	CPU_ZERO_S(setsize, s);
	assert_int_equal(affinity_format_cpus(s, setsize, &text), 0);
	assert_string_equal(text, "");
	free(text);
	CPU_FREE(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_place_restore, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_new_threads, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_changed_since, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_kill_and_restart, tmpdir_setup,
						tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_write_ahead, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_retarget_and_failures, tmpdir_setup,
						tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_vanished, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_format_cpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
