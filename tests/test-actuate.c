/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/actuate.h"
#include "daemon/procmem.h"
#include "fake-mm.h"
#include "shared/macro.h"
#include "test-util.h"

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)
#define PAGE 4096u
#define START_TIME 4242ull

/* One test's world: a fixture /proc for the test process itself (so the pidfd is real), a
 * fake address space and kernel, a procmem and an engine. */
struct env {
	struct tmpdir *t;
	struct fake_mm f;
	struct procmem_sys sys;
	struct procmem *pm;
	struct actuate_engine *e;
	pid_t pid;
};

static void write_proc(struct env *v, uint64_t mems, const char *cgroup)
{
	char path[64];

	snprintf(path, sizeof(path), "%d/stat", v->pid);
	tmpdir_writef(v->t, path,
		      "%d (wl) S 1 1 1 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 %llu 0 0 0 0 0 0 0 0 0 "
		      "0 0 0 0 0 0 0 1 0 0 0 0 0\n", v->pid, START_TIME);
	snprintf(path, sizeof(path), "%d/status", v->pid);
	tmpdir_writef(v->t, path, "Name:\twl\nCpus_allowed:\tff\nMems_allowed:\t00000000,%08llx\n"
		      "Mems_allowed_list:\tx\n", (unsigned long long)mems);
	snprintf(path, sizeof(path), "%d/cgroup", v->pid);
	tmpdir_writef(v->t, path, "0::%s\n", cgroup);
	/* Present so that the engine asks huge_windows (the fake answers). */
	snprintf(path, sizeof(path), "%d/pagemap", v->pid);
	tmpdir_write(v->t, path, "");
}

static void env_init(struct env *v, struct tmpdir *t, const struct actuate_config *cfg)
{
	memset(v, 0, sizeof(*v));
	v->t = t;
	v->pid = getpid();
	v->f.query_ns = 2000;
	v->f.fixed_ns = 100000;
	v->f.per_page_ns = 500;
	v->sys = fake_sys(&v->f);
	write_proc(v, 0xf, "/t");
	assert_int_equal(actuate_engine_new(cfg, &v->sys, &v->e), 0);
	assert_int_equal(procmem_new(v->pid, START_TIME, NULL, &v->pm), 0);
}

static void env_load(struct env *v, const char *maps, const char *numa_maps)
{
	assert_int_equal(procmem_load_text(v->pm, maps, numa_maps, 0), 0);
}

static void env_done(struct env *v)
{
	procmem_free(v->pm);
	actuate_engine_free(v->e);
	fake_done(&v->f);
}

static struct actuate_request req_to(int target, uint64_t budget)
{
	return (struct actuate_request){
		.target_node = target,
		.budget_bytes = budget,
		.free_bytes_hint = UINT64_MAX,
		.cgroup = "/t",
	};
}

static int run(struct env *v, const struct actuate_request *req, struct actuate_result *res)
{
	return actuate_move(v->e, v->pm, v->t->fd, req, res);
}

static uint64_t failed_total(const struct actuate_result *r)
{
	uint64_t n = 0;

	for (int i = 0; i < _ACTUATE_ERR_MAX; i++)
		n += r->pages_failed[i];
	return n;
}

/* Only pages on a source node are passed, all to the one target, absent pages never. */
static void test_only_misplaced(void **state)
{
	struct actuate_request req;
	struct actuate_result res;
	uint64_t on1 = 0, on2 = 0, on3 = 0;
	struct env v;

	env_init(&v, *state, NULL);
	for (size_t i = 0; i < 2048; i++) {
		int node = i % 7 == 0 ? -1 : (int)(i % 4);

		fake_add(&v.f, 0x10000000 + i * PAGE, node, -1);
		on1 += node == 1;
		on2 += node == 2;
		on3 += node == 3;
	}
	env_load(&v, "10000000-10800000 rw-p 00000000 00:00 0\n", "10000000 default anon=1\n");

	/* Sources: node 2 only. */
	req = req_to(0, UINT64_MAX);
	req.source_nodes = nodemask_of(2);
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_PASS);
	assert_true(res.pass_completed);
	assert_true(res.moved_bytes[2] == on2 * PAGE);
	assert_true(res.moved_bytes_total == on2 * PAGE);
	assert_true(v.f.passed == on2);
	assert_true(fake_bytes_on(&v.f, 1) == on1 * PAGE);

	/* Any node but the target. */
	req.source_nodes = 0;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_PASS);
	assert_true(res.moved_bytes[1] == on1 * PAGE && res.moved_bytes[3] == on3 * PAGE);
	assert_true(res.moved_bytes[2] == 0);
	assert_true(res.misplaced_pages == on1 + on3);
	assert_true(res.queried_pages == 2048);
	assert_int_equal(failed_total(&res), 0);
	assert_int_equal(v.f.passed_on_target, 0);
	assert_int_equal(v.f.passed_absent, 0);
	assert_int_equal(v.f.mixed_targets, 0);
	assert_true(v.f.passed == on1 + on2 + on3);
	assert_true(fake_bytes_on(&v.f, 1) == 0 && fake_bytes_on(&v.f, 2) == 0 &&
		    fake_bytes_on(&v.f, 3) == 0);
	assert_true(res.query_calls > 0 && res.move_calls > 0);
	assert_true(res.move_ns_total > 0 && res.move_ns_max <= res.move_ns_total);
	assert_true(res.elapsed_ns >= res.move_ns_total + res.query_ns_total);
	assert_true(v.f.last_flags == MPOL_MF_MOVE);

	/* Nothing left: a pass with no moving call. */
	v.f.move_calls = 0;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_PASS);
	assert_int_equal(v.f.move_calls, 0);
	assert_true(res.moved_bytes_total == 0);
	env_done(&v);
}

/* The budget caps the bytes passed, exactly, and the next call continues where it stopped. */
static void test_budget_exact(void **state)
{
	struct actuate_request req = req_to(0, 100 * PAGE);
	struct actuate_result res;
	uint64_t total = 0;
	unsigned calls = 0;
	struct env v;

	env_init(&v, *state, NULL);
	/* 4096 pages, every other one on node 1 (so no window is a possible THP). */
	for (size_t i = 0; i < 4096; i++)
		fake_add(&v.f, 0x20000000 + i * PAGE, (int)(i % 2), -1);
	env_load(&v, "20000000-21000000 rw-p 00000000 00:00 0\n", "20000000 default\n");

	for (;;) {
		uint64_t before = v.f.passed;

		assert_int_equal(run(&v, &req, &res), 0);
		calls++;
		assert_true(res.passed_bytes <= req.budget_bytes);
		assert_true(res.moved_bytes_total == res.passed_bytes);
		assert_true(v.f.passed - before == res.passed_bytes / PAGE);
		total += res.moved_bytes_total;
		if (res.stop != ACTUATE_STOP_BUDGET)
			break;
		assert_true(res.passed_bytes == 100 * PAGE);
		assert_true(res.needs_bytes == PAGE);
		assert_true(calls < 100);
	}
	assert_int_equal(res.stop, ACTUATE_STOP_PASS);
	assert_int_equal(calls, 21); /* 2048 pages, 100 a call */
	assert_true(total == 2048 * PAGE);
	assert_int_equal(v.f.passed_on_target, 0); /* nothing passed twice */
	assert_true(fake_bytes_on(&v.f, 1) == 0);

	/* A budget of zero moves nothing, and says what the next page needs. */
	for (size_t i = 0; i < 16; i++)
		v.f.pages[i * 2 + 1].node = 1;
	req.budget_bytes = 0;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_BUDGET);
	assert_true(res.passed_bytes == 0 && res.needs_bytes == PAGE);

	/* The caller's free-memory hint caps the budget; no room refuses. */
	req.budget_bytes = UINT64_MAX;
	req.free_bytes_hint = 5 * PAGE;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_BUDGET);
	assert_true(res.moved_bytes_total == 5 * PAGE);
	req.free_bytes_hint = 0;
	v.f.query_calls = 0;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_NO_ROOM);
	assert_int_equal(v.f.query_calls, 0);
	env_done(&v);
}

/* THPs: one address per PMD-mapped folio where the kernel tells; else the whole window, with
 * the -EBUSY tails counted as moved with their head. Never split by the budget. */
static void test_thp(void **state)
{
	struct actuate_request req = req_to(0, UINT64_MAX);
	struct actuate_result res;
	struct env v;

	env_init(&v, *state, NULL);
	for (int i = 0; i < 8; i++)
		fake_add_thp(&v.f, 0x40000000 + i * 2 * MiB, 1);
	env_load(&v, "40000000-41000000 rw-p 00000000 00:00 0\n", "40000000 default\n");

	v.f.report_huge = true;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_PASS);
	assert_true(v.f.passed == 8);
	assert_true(res.moved_bytes[1] == 16 * MiB);
	assert_true(res.moved_with_head_pages == 0);
	assert_int_equal(failed_total(&res), 0);
	assert_true(fake_bytes_on(&v.f, 0) == 16 * MiB);

	/* The kernel cannot tell (before 6.7): 512 addresses per window, 511 -EBUSY tails. */
	for (size_t i = 0; i < v.f.n; i++)
		v.f.pages[i].node = 1;
	v.f.report_huge = false;
	v.f.passed = 0;
	actuate_engine_free(v.e);
	assert_int_equal(actuate_engine_new(NULL, &v.sys, &v.e), 0);
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_PASS);
	assert_true(v.f.passed == 8 * 512);
	assert_true(res.moved_bytes[1] == 16 * MiB);
	assert_true(res.moved_with_head_pages == 8 * 511);
	assert_int_equal(failed_total(&res), 0);
	assert_true(fake_bytes_on(&v.f, 0) == 16 * MiB);

	/* A 3 MiB budget moves one 2 MiB folio; the next needs 2 MiB. */
	for (size_t i = 0; i < v.f.n; i++)
		v.f.pages[i].node = 1;
	v.f.report_huge = true;
	req.budget_bytes = 3 * MiB;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_BUDGET);
	assert_true(res.passed_bytes == 2 * MiB && res.moved_bytes_total == 2 * MiB);
	assert_true(res.needs_bytes == 2 * MiB);
	assert_true(fake_bytes_on(&v.f, 0) == 2 * MiB);
	/* Without the kernel's help too: the window is charged 2 MiB whole. */
	v.f.report_huge = false;
	actuate_engine_free(v.e);
	assert_int_equal(actuate_engine_new(NULL, &v.sys, &v.e), 0);
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_BUDGET);
	assert_true(res.passed_bytes == 2 * MiB && res.moved_bytes_total == 2 * MiB);
	assert_true(fake_bytes_on(&v.f, 0) == 4 * MiB);
	env_done(&v);
}

/* Batches grow toward the target duration, shrink at once after a call over the bound, and
 * stay within their bounds. */
static void test_adaptive_batch(void **state)
{
	struct actuate_config cfg = { .target_call_ns = 10000000, .max_call_ns = 20000000 };
	struct actuate_request req = req_to(0, 64 * MiB);
	struct actuate_result res;
	struct actuate_stats st;
	unsigned prev = 0, first, last;
	struct env v;

	env_init(&v, *state, &cfg);
	/* 1 GiB of small pages on node 1, alternating with node 2 so windows are not THPs. */
	for (size_t i = 0; i < 262144; i++)
		fake_add(&v.f, 0x100000000ull + i * PAGE, 1 + (int)(i % 2), -1);
	env_load(&v, "100000000-140000000 rw-p 00000000 00:00 0\n", "100000000 default\n");
	v.f.fixed_ns = 500000;   /* the LRU drain */
	v.f.per_page_ns = 1000;  /* 1 us a page: 10 ms is ~9500 pages */

	actuate_engine_stats(v.e, &st);
	assert_int_equal(st.batch_pages, 512);
	/* Growth: at most 2x a call, never past the target by much. */
	for (int round = 0; round < 6; round++) {
		unsigned c0 = v.f.move_calls;

		assert_int_equal(run(&v, &req, &res), 0);
		assert_int_equal(res.stop, ACTUATE_STOP_BUDGET);
		for (unsigned c = c0; c < v.f.move_calls; c++) {
			/* A unit (one node's pages of a window, 256 here) may overrun. */
			if (prev && v.f.batch[c] > 2 * prev + 256)
				fail_msg("call %u: %u pages after at most %u", c, v.f.batch[c], prev);
			prev = MAX(prev, v.f.batch[c]);
			assert_true(v.f.duration[c] <= cfg.max_call_ns);
			if (getenv("NUMAB_TEST_VERBOSE"))
				printf("call %u: %u pages, %" PRIu64 " us\n", c, v.f.batch[c],
				       v.f.duration[c] / 1000);
		}
	}
	first = v.f.batch[0];
	last = v.f.batch[v.f.move_calls - 2];
	assert_true(first <= 512);
	actuate_engine_stats(v.e, &st);
	if (st.batch_pages < 7000 || st.batch_pages > 12000 || last < 5000)
		fail_msg("batch did not converge near 9500 pages: batch %u, last call %u pages, "
			 "%" PRIu64 " ns/page", st.batch_pages, last, st.ns_per_page);
	assert_true(v.f.duration[v.f.move_calls - 2] > 6000000);

	/* The machine gets 10x slower: one call over 20 ms, then the batch shrinks at once. */
	v.f.per_page_ns = 10000;
	{
		unsigned c0 = v.f.move_calls;

		assert_int_equal(run(&v, &req, &res), 0);
		assert_true(v.f.duration[c0] > cfg.max_call_ns);
		actuate_engine_stats(v.e, &st);
		assert_true(st.batch_pages < 1500);
		for (unsigned c = c0 + 1; c < v.f.move_calls; c++)
			assert_true(v.f.duration[c] <= cfg.max_call_ns);
		assert_true(res.move_ns_max == v.f.duration[c0]);
	}

	/* Bounds: a very fast machine stops at 65536, a very slow one at 64. */
	v.f.per_page_ns = 1;
	v.f.fixed_ns = 1000;
	for (int round = 0; round < 30; round++)
		assert_int_equal(run(&v, &req, &res), 0);
	actuate_engine_stats(v.e, &st);
	assert_int_equal(st.batch_pages, 65536);
	for (size_t i = 0; i < v.f.n; i++)
		v.f.pages[i].node = 1 + (int)(i % 2);
	v.f.per_page_ns = 1000000;
	req.budget_bytes = 4 * MiB;
	for (int round = 0; round < 3; round++)
		assert_int_equal(run(&v, &req, &res), 0);
	actuate_engine_stats(v.e, &st);
	assert_int_equal(st.batch_pages, 64);

	/* Statistics: every call in the histogram; percentiles ordered, the max exact. */
	{
		uint64_t sum = 0;

		for (int b = 0; b < ACTUATE_HIST_BUCKETS; b++)
			sum += st.hist[b];
		assert_true(sum == st.calls && st.calls == v.f.move_calls);
		assert_true(actuate_stats_percentile_ns(&st, 500) <=
			    actuate_stats_percentile_ns(&st, 990));
		assert_true(actuate_stats_percentile_ns(&st, 990) <= st.call_ns_max);
		assert_true(actuate_stats_percentile_ns(&st, 1000) == st.call_ns_max);
	}
	env_done(&v);
}

/* A fixed cost per call larger than the target duration (qemu's TCG: the LRU drain takes
 * ~55 ms): calls grow to about four times the fixed cost instead of shrinking to a few pages,
 * and the fit finds the fixed cost. */
static void test_fixed_cost(void **state)
{
	struct actuate_config cfg = { .target_call_ns = 50000000, .max_call_ns = 250000000,
				      .min_batch_pages = 512, .initial_batch_pages = 4096 };
	struct actuate_request req = req_to(0, 256 * MiB);
	struct actuate_result res;
	struct actuate_stats st;
	uint64_t last;
	struct env v;

	env_init(&v, *state, &cfg);
	for (size_t i = 0; i < 262144; i++)
		fake_add(&v.f, 0x100000000ull + i * PAGE, 1 + (int)(i % 2), -1);
	env_load(&v, "100000000-140000000 rw-p 00000000 00:00 0\n", "100000000 default\n");
	v.f.fixed_ns = 55000000;
	v.f.per_page_ns = 20000;
	for (int round = 0; round < 4; round++) {
		assert_int_equal(run(&v, &req, &res), 0);
		for (unsigned c = 0; c < v.f.move_calls; c++)
			assert_true(v.f.duration[c] <= cfg.max_call_ns);
	}
	actuate_engine_stats(v.e, &st);
	last = v.f.duration[v.f.move_calls - 2];
	if (st.fixed_ns < 45000000 || st.fixed_ns > 65000000 || last < 150000000)
		fail_msg("fixed cost %" PRIu64 " us (want ~55000), last full call %" PRIu64 " us "
			 "(want ~200000), batch %u", st.fixed_ns / 1000, last / 1000, st.batch_pages);
	assert_true(st.call_target_ns >= 150000000 && st.call_target_ns <= 200000000);
	env_done(&v);
}

static void test_config_bounds(void **state)
{
	struct fake_mm f = {};
	struct procmem_sys sys = fake_sys(&f);
	struct actuate_engine *e;
	struct actuate_config bad[] = {
		{ .min_batch_pages = 100, .max_batch_pages = 50 },
		{ .target_call_ns = 30000000, .max_call_ns = 20000000 },
		{ .query_pages = 1000 },
		{ .query_pages = 32768 },
	};
	struct actuate_stats st = {};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_int_equal(actuate_engine_new(&bad[i], &sys, &e), -EINVAL);
	assert_int_equal(actuate_engine_new(NULL, NULL, &e), -EINVAL);
	assert_int_equal(actuate_stats_percentile_ns(&st, 500), 0);
	assert_int_equal(actuate_err_from_errno(-EBUSY), ACTUATE_ERR_EBUSY);
	assert_int_equal(actuate_err_from_errno(-EXDEV), ACTUATE_ERR_OTHER);
	assert_string_equal(actuate_err_to_string(ACTUATE_ERR_UNMIGRATED), "unmigrated");
	assert_string_equal(actuate_stop_to_string(ACTUATE_STOP_VANISHED), "vanished");
	assert_string_equal(actuate_vanish_to_string(ACTUATE_VANISH_REUSED), "pid-reused");
	assert_string_equal(actuate_stop_to_string(_ACTUATE_STOP_MAX), "invalid");
}

/* The process exits after two moving calls: vanished, what moved before is reported. */
static void test_exit_midway(void **state)
{
	struct actuate_config cfg = { .min_batch_pages = 64, .max_batch_pages = 64 };
	struct actuate_request req = req_to(0, UINT64_MAX);
	struct actuate_result res;
	struct env v;

	env_init(&v, *state, &cfg);
	for (size_t i = 0; i < 4096; i++)
		fake_add(&v.f, 0x20000000 + i * PAGE, 1 + (int)(i % 2), -1);
	env_load(&v, "20000000-21000000 rw-p 00000000 00:00 0\n", "20000000 default\n");
	v.f.esrch_at_move = 3;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_VANISHED);
	assert_int_equal(res.vanished, ACTUATE_VANISH_EXITED);
	assert_int_equal(v.f.move_calls, 3);
	/* Each call held one unit: one node's 256 pages of a window. */
	assert_true(res.moved_bytes_total == 2 * 256 * PAGE);
	assert_int_equal(res.move_calls, 3);

	/* Exit during a status query. */
	v.f.esrch_at_move = 0;
	v.f.esrch_at_query = v.f.query_calls + 1;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_VANISHED);
	assert_true(res.moved_bytes_total == 0);
	env_done(&v);
}

/* The kernel fails to migrate (positive return, statuses unwritten): counted, and a call that
 * moved nothing stops the request. */
static void test_stuck(void **state)
{
	struct actuate_request req = req_to(0, UINT64_MAX);
	struct actuate_result res;
	struct env v;

	env_init(&v, *state, NULL);
	fake_add_range(&v.f, 0x20000000, 1024, 1);
	env_load(&v, "20000000-20400000 rw-p 00000000 00:00 0\n", "20000000 default\n");
	v.f.fail_migration = true;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_STUCK);
	assert_int_equal(res.move_calls, 1);
	assert_true(res.moved_bytes_total == 0);
	assert_true(res.pages_failed[ACTUATE_ERR_UNMIGRATED] == 512);
	assert_true(fake_bytes_on(&v.f, 1) == 1024 * PAGE);
	env_done(&v);
}

/* Per-page errors are counted by errno; the other pages move. */
static void test_page_errors(void **state)
{
	static const int errs[] = { -EACCES, -EBUSY, -EFAULT, -ENOMEM, -EPERM, -EIO };
	struct actuate_request req = req_to(0, UINT64_MAX);
	struct actuate_result res;
	struct env v;

	env_init(&v, *state, NULL);
	fake_add_range(&v.f, 0x20000000, 600, 1);
	for (size_t i = 0; i < ELEMENTSOF(errs); i++)
		v.f.pages[10 + i * 50].err = errs[i];
	env_load(&v, "20000000-20400000 rw-p 00000000 00:00 0\n", "20000000 default\n");
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_PASS);
	assert_true(res.pages_failed[ACTUATE_ERR_EACCES] == 1);
	assert_true(res.pages_failed[ACTUATE_ERR_EBUSY] == 1); /* confirmed not moved */
	assert_true(res.pages_failed[ACTUATE_ERR_EFAULT] == 1);
	assert_true(res.pages_failed[ACTUATE_ERR_ENOMEM] == 1);
	assert_true(res.pages_failed[ACTUATE_ERR_EPERM] == 1);
	assert_true(res.pages_failed[ACTUATE_ERR_OTHER] == 1);
	assert_true(res.moved_bytes_total == (600 - 6) * PAGE);
	assert_true(res.moved_with_head_pages == 0);
	env_done(&v);
}

/* Safety: Mems_allowed, pid reuse, another cgroup, a process that is gone. */
static void test_safety(void **state)
{
	struct actuate_request req = req_to(2, UINT64_MAX);
	struct actuate_result res;
	struct env v;

	env_init(&v, *state, NULL);
	fake_add_range(&v.f, 0x20000000, 64, 1);
	env_load(&v, "20000000-20040000 rw-p 00000000 00:00 0\n", "20000000 default\n");

	write_proc(&v, 0x3, "/t");
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_NOT_ALLOWED);
	assert_int_equal(v.f.query_calls + v.f.move_calls, 0);

	req.target_node = 64;
	assert_int_equal(run(&v, &req, &res), -EINVAL);
	req.target_node = -1;
	assert_int_equal(run(&v, &req, &res), -EINVAL);

	req.target_node = 0;
	write_proc(&v, 0x3, "/elsewhere");
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_VANISHED);
	assert_int_equal(res.vanished, ACTUATE_VANISH_MOVED);
	req.cgroup = NULL; /* not checked */
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_PASS);
	assert_true(res.moved_bytes_total == 64 * PAGE);

	v.pm->start_time = START_TIME + 1;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_VANISHED);
	assert_int_equal(res.vanished, ACTUATE_VANISH_REUSED);

	v.pm->pid = INT32_MAX - 1;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_VANISHED);
	assert_int_equal(res.vanished, ACTUATE_VANISH_EXITED);
	v.pm->pid = v.pid;
	env_done(&v);
}

/* Dry run: queries and counts, no moving call, nothing changes. */
static void test_dry_run(void **state)
{
	struct actuate_request req = req_to(0, UINT64_MAX);
	struct actuate_result res;
	struct env v;

	env_init(&v, *state, NULL);
	fake_add_range(&v.f, 0x20000000, 1000, 1);
	fake_add_thp(&v.f, 0x40000000, 2);
	env_load(&v, "20000000-20400000 rw-p 00000000 00:00 0\n"
		     "40000000-40200000 rw-p 00000000 00:00 0\n", "20000000 default\n");
	req.flags = ACTUATE_DRY_RUN;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_PASS);
	assert_int_equal(v.f.move_calls, 0);
	assert_true(res.moved_bytes[1] == 1000 * PAGE);
	assert_true(res.moved_bytes[2] == 2 * MiB);
	assert_true(fake_bytes_on(&v.f, 1) == 1000 * PAGE);
	assert_true(fake_bytes_on(&v.f, 0) == 0);
	/* Respecting the budget as a real run would: a window of 512 pages on one node may be
	 * one THP, so it is charged 2 MiB whole. */
	req.budget_bytes = 100 * PAGE;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_BUDGET);
	assert_true(res.moved_bytes_total == 0 && res.needs_bytes == 2 * MiB);
	req.budget_bytes = 3 * MiB;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_BUDGET);
	assert_true(res.moved_bytes_total == 3 * MiB); /* a window, and half the next */
	assert_int_equal(v.f.move_calls, 0);
	env_done(&v);
}

static bool in_bind_range(uint64_t a)
{
	return a >= 0x30000000 && a < 0x30200000;
}

/* Own policy ranges are never passed; pages other processes map are left unless MOVE_ALL. */
static void test_policy_and_shared(void **state)
{
	struct actuate_request req = req_to(0, UINT64_MAX);
	struct actuate_result res;
	struct env v;

	env_init(&v, *state, NULL);
	fake_add_range(&v.f, 0x00400000, 100, 1);   /* shared library */
	fake_add_range(&v.f, 0x20000000, 100, 1);   /* heap */
	fake_add_range(&v.f, 0x30000000, 512, 1);   /* bind:1 */
	env_load(&v,
		 "00400000-00600000 r-xp 00000000 fe:01 7 /usr/lib/libx.so\n"
		 "20000000-20200000 rw-p 00000000 00:00 0 [heap]\n"
		 "30000000-30200000 rw-p 00000000 00:00 0\n",
		 "00400000 default file=/usr/lib/libx.so mapped=100 mapmax=9 N1=100\n"
		 "20000000 default heap anon=100 N1=100\n"
		 "30000000 bind:1 anon=512 N1=512\n");
	v.f.passed_forbidden = in_bind_range;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_PASS);
	assert_int_equal(v.f.forbidden_hits, 0);
	assert_true(res.own_policy_bytes == 512 * PAGE);
	assert_true(res.shared_skipped_pages == 100);
	assert_true(res.moved_bytes_total == 100 * PAGE);
	assert_true(v.f.last_flags == MPOL_MF_MOVE);

	req.flags = ACTUATE_MOVE_ALL;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_true(res.moved_bytes_total == 100 * PAGE);
	assert_true(v.f.last_flags == MPOL_MF_MOVE_ALL);
	assert_int_equal(v.f.forbidden_hits, 0);
	assert_true(fake_bytes_on(&v.f, 1) == 512 * PAGE);
	env_done(&v);
}

/* A request that starts mid-way wraps around and ends where it began; the time limit stops
 * between calls; INCLUDE_TARGET passes pages already there. */
static void test_wrap_and_time(void **state)
{
	struct actuate_config cfg = { .min_batch_pages = 64, .max_batch_pages = 64,
				      .initial_batch_pages = 64 };
	struct actuate_request req = req_to(0, 100 * PAGE);
	struct actuate_result res;
	struct env v;

	env_init(&v, *state, &cfg);
	/* 8 windows; every other page on node 1. */
	for (size_t i = 0; i < 4096; i++)
		fake_add(&v.f, 0x20000000 + i * PAGE, (int)(i % 2), -1);
	env_load(&v, "20000000-21000000 rw-p 00000000 00:00 0\n", "20000000 default\n");
	req.budget_bytes = 600 * PAGE;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_BUDGET);
	assert_true(res.moved_bytes_total == 600 * PAGE);
	/* Cut in the third window: the next call looks at that window again. */
	assert_true(v.pm->move_cursor == 0x20400000);
	/* A page before the cursor becomes misplaced again: the wrap finds it. */
	v.f.pages[1].node = 3;
	req.budget_bytes = UINT64_MAX;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_PASS);
	assert_true(res.moved_bytes[3] == PAGE);
	assert_true(res.moved_bytes_total == (2048 - 600 + 1) * PAGE);
	assert_true(fake_bytes_on(&v.f, 0) == 4096 * PAGE);
	assert_int_equal(v.f.passed_on_target, 0);

	/* Time: 200 us per call of 64 pages; 1 ms allows a few calls. */
	for (size_t i = 0; i < v.f.n; i++)
		v.f.pages[i].node = 1 + (int)(i % 2);
	v.f.fixed_ns = 200000;
	v.f.per_page_ns = 0;
	req.max_time_ns = 1000000;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_TIME);
	assert_true(res.move_calls >= 3 && res.move_calls <= 6);
	assert_true(res.moved_bytes_total == res.move_calls * 256 * PAGE); /* a unit a call */
	assert_true(res.passed_bytes == res.moved_bytes_total);

	/* INCLUDE_TARGET: every present page goes to the kernel; those already there are not
	 * counted as moved. */
	req.max_time_ns = 0;
	req.flags = ACTUATE_INCLUDE_TARGET;
	v.f.passed = 0;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_PASS);
	assert_true(v.f.passed == 4096);
	assert_true(res.already_bytes + res.moved_bytes_total == 4096 * PAGE);
	assert_true(res.already_bytes > 0);
	env_done(&v);
}

/* A sparse process (an 8 TiB reservation with a few pages, as sanitizers and managed runtimes
 * make): where the kernel tells where present pages are, a pass costs a few queries. */
static void test_sparse(void **state)
{
	struct actuate_request req = req_to(0, UINT64_MAX);
	struct actuate_result res;
	struct env v;

	env_init(&v, *state, NULL);
	fake_add_range(&v.f, 0x100000000000ull, 10, 1);
	fake_add_range(&v.f, 0x140000000000ull, 10, -1);    /* swapped out */
	fake_add_range(&v.f, 0x17ff00000000ull, 10, 1);
	env_load(&v, "100000000000-180000000000 rw-p 00000000 00:00 0\n", "100000000000 default\n");
	v.f.report_present = true;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_PASS);
	assert_true(res.moved_bytes_total == 20 * PAGE);
	assert_true(res.query_calls <= 4);
	assert_true(fake_bytes_on(&v.f, 1) == 0);
	/* Again from where it stopped: around once, nothing to do, still cheap. */
	v.f.query_calls = 0;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_PASS);
	assert_true(res.moved_bytes_total == 0);
	if (v.f.query_calls > 4)
		fail_msg("%u queries, cursor %#" PRIx64, v.f.query_calls, v.pm->move_cursor);
	/* Budget stops mid-way, the next call resumes there. */
	for (size_t i = 0; i < v.f.n; i++)
		if (v.f.pages[i].node == 0)
			v.f.pages[i].node = 1;
	req.budget_bytes = 15 * PAGE;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_BUDGET);
	assert_true(res.moved_bytes_total == 15 * PAGE);
	req.budget_bytes = UINT64_MAX;
	assert_int_equal(run(&v, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_PASS);
	assert_true(res.moved_bytes_total == 5 * PAGE);
	env_done(&v);
}

/* A view restricted to windows (tier mode's hot or cold windows): only pages inside them are
 * looked at and moved, the view's own cursor goes once around, own-policy memory stays out. */
static void test_view_windows(void **state)
{
	const struct procmem_window w[] = {
		{ 0x10100000, 0x10200000 },   /* 1 MiB inside the first mapping */
		{ 0x103ff000, 0x10401000 },   /* across the gap between two ranges */
		{ 0x20000000, 0x20200000 },   /* the own-policy mapping: nothing */
	};
	struct actuate_request req;
	struct actuate_result res;
	struct procmem *view;
	struct env v;

	env_init(&v, *state, NULL);
	for (size_t i = 0; i < 1024; i++)
		fake_add(&v.f, 0x10000000 + i * PAGE, 1, -1);
	for (size_t i = 0; i < 512; i++)
		fake_add(&v.f, 0x20000000 + i * PAGE, 1, -1);
	env_load(&v,
		 "10000000-10400000 rw-p 00000000 00:00 0\n"
		 "10400000-10800000 rw-p 00000000 00:00 0\n"
		 "20000000-20200000 rw-p 00000000 00:00 0\n",
		 "10000000 default anon=1024\n10400000 default\n20000000 interleave:0-1 anon=512\n");
	assert_int_equal(procmem_view_new(v.pm, w, 3, &view), 0);
	assert_int_equal(view->n_ranges, 3);
	assert_true(view->ranges[0].start == 0x10100000 && view->ranges[0].end == 0x10200000);
	assert_true(view->ranges[1].start == 0x103ff000 && view->ranges[1].end == 0x10400000);
	assert_true(view->ranges[2].start == 0x10400000 && view->ranges[2].end == 0x10401000);
	assert_true(view->eligible_bytes == 1 * MiB + 2 * PAGE);
	assert_int_equal(view->pid, v.pm->pid);
	assert_true(view->own_policy_bytes == v.pm->own_policy_bytes);

	req = req_to(0, UINT64_MAX);
	assert_int_equal(actuate_move(v.e, view, v.t->fd, &req, &res), 0);
	assert_int_equal(res.stop, ACTUATE_STOP_PASS);
	/* 256 pages of the first window, 1 of the second (the page at 0x10400000 is absent). */
	assert_true(res.moved_bytes_total == 257 * PAGE);
	assert_true(fake_bytes_on(&v.f, 0) == 257 * PAGE);
	assert_true(v.f.passed_addrs_max < 0x10400000);
	/* The view's estimate saw the move; the process's is untouched until told. */
	assert_true(v.pm->move_cursor == 0);
	procmem_free(view);

	/* No window inside an eligible range: an empty view. */
	assert_int_equal(procmem_view_new(v.pm, &w[2], 1, &view), 0);
	assert_int_equal(view->n_ranges, 0);
	procmem_free(view);
	env_done(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_only_misplaced, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_budget_exact, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_thp, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_adaptive_batch, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_fixed_cost, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_config_bounds),
		cmocka_unit_test_setup_teardown(test_exit_midway, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_stuck, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_page_errors, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_safety, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_dry_run, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_policy_and_shared, tmpdir_setup,
						tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_wrap_and_time, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_sparse, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_view_windows, tmpdir_setup, tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
