/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hierarchical token buckets over simulated time: rates are respected within 1%, children
 * share their parent's rate, the global bucket caps everything, debt and throttling
 * accounting, and syncing the buckets with a policy resolution.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/budget.h"
#include "core/config.h"
#include "core/policy.h"
#include "shared/macro.h"

#define M (1ull << 20)
#define SEC 1000000ull

/* Within 1% of expected. */
static void assert_near(uint64_t got, uint64_t expected, const char *what)
{
	double d = (double)got - (double)expected;

	if (d < 0)
		d = -d;
	if (d > (double)expected * 0.01)
		fail_msg("%s: %llu, expected %llu (within 1%%)", what, (unsigned long long)got,
			 (unsigned long long)expected);
}

/* Move as much as allowed for path every tick, from start to end; returns bytes moved. */
static uint64_t drain(struct budget *b, const char *path, uint64_t start, uint64_t end,
		      uint64_t tick)
{
	uint64_t moved = 0;

	for (uint64_t now = start; now < end; now += tick) {
		uint64_t g = budget_request(b, path, UINT64_MAX / 2, now);

		budget_debit(b, path, g, now);
		moved += g;
	}
	return moved;
}

static void test_single_rate(void **state)
{
	static const uint64_t ticks[] = { 1000, 10000, 100000, 250000, 1000000 };

	for (size_t i = 0; i < ELEMENTSOF(ticks); i++) {
		struct budget *b = budget_new(100 * M, 0);
		uint64_t moved;

		assert_non_null(b);
		/* Empty the initial burst, then measure 100 s. */
		moved = budget_request(b, "/a", UINT64_MAX / 2, 0);
		assert_int_equal(moved, 100 * M);
		budget_debit(b, "/a", moved, 0);
		moved = drain(b, "/a", ticks[i], 100 * SEC + ticks[i], ticks[i]);
		assert_near(moved, 100 * 100 * M, "global bucket over 100 s");
		budget_free(b);
	}
}

/* Callers that ask less often than the burst lose the rest: at most one second per ask. */
static void test_slow_ticks(void **state)
{
	struct budget *b = budget_new(100 * M, 0);

	budget_debit(b, "/a", 100 * M, 0);
	assert_int_equal(drain(b, "/a", 3 * SEC, 30 * SEC + 3 * SEC, 3 * SEC), 10 * 100 * M);
	budget_free(b);
}

static void test_burst_is_one_second(void **state)
{
	struct budget *b = budget_new(10 * M, 0);

	assert_int_equal(budget_available_bytes(b, "/x", 0), 10 * M);
	/* A long quiet time does not save up more than one second. */
	assert_int_equal(budget_available_bytes(b, "/x", 3600 * SEC), 10 * M);
	budget_debit(b, "/x", 10 * M, 3600 * SEC);
	assert_int_equal(budget_available_bytes(b, "/x", 3600 * SEC), 0);
	assert_int_equal(budget_available_bytes(b, "/x", 3600 * SEC + SEC / 2), 5 * M);
	/* Time going backwards adds nothing and does not crash. */
	assert_int_equal(budget_available_bytes(b, "/x", 10), 0);
	budget_debit(b, "/x", 1, 10);
	assert_int_equal(budget_available_bytes(b, "/x", 3600 * SEC + SEC), 10 * M - 1);
	budget_free(b);
}

static void test_children_share_parent(void **state)
{
	struct budget *b = budget_new(UINT64_MAX, 0);
	uint64_t moved_b = 0, moved_c = 0, tick = 10000;

	assert_int_equal(budget_set_rate(b, "/a", 100 * M, 0), 0);
	assert_true(budget_has_bucket(b, "/a"));
	assert_false(budget_has_bucket(b, "/a/b"));

	/* Each child wants 80M/s; they ask in alternating order each tick. */
	for (uint64_t now = 0, n = 0; now < 100 * SEC; now += tick, n++) {
		const char *first = n % 2 ? "/a/b" : "/a/c", *second = n % 2 ? "/a/c" : "/a/b";
		uint64_t want = 80 * M * tick / SEC;
		uint64_t g1 = budget_request(b, first, want, now), g2;

		budget_debit(b, first, g1, now);
		g2 = budget_request(b, second, want, now);
		budget_debit(b, second, g2, now);
		*(n % 2 ? &moved_b : &moved_c) += g1;
		*(n % 2 ? &moved_c : &moved_b) += g2;
	}
	/* Together at the parent's rate (plus its one-second burst), about half each. */
	assert_near(moved_b + moved_c, 100 * 100 * M + 100 * M, "children together");
	assert_near(moved_b, 50 * 100 * M + 50 * M, "child b");
	assert_near(moved_c, 50 * 100 * M + 50 * M, "child c");
	budget_free(b);
}

static void test_child_budget_under_parent(void **state)
{
	struct budget *b = budget_new(UINT64_MAX, 0);
	uint64_t moved_b, moved_c;

	/* Worked case 5: /a 100M/s, /a/b 200M/s: /a/b moves at /a's rate. */
	assert_int_equal(budget_set_rate(b, "/a", 100 * M, 0), 0);
	assert_int_equal(budget_set_rate(b, "/a/b", 200 * M, 0), 0);
	moved_b = drain(b, "/a/b/leaf", 0, 100 * SEC, 10000);
	assert_near(moved_b, 100 * 100 * M, "/a/b under /a");
	budget_free(b);

	/* A child with a smaller budget leaves the rest of the parent to its sibling. */
	b = budget_new(UINT64_MAX, 0);
	assert_int_equal(budget_set_rate(b, "/a", 100 * M, 0), 0);
	assert_int_equal(budget_set_rate(b, "/a/b", 30 * M, 0), 0);
	moved_b = moved_c = 0;
	for (uint64_t now = 0; now < 100 * SEC; now += 10000) {
		uint64_t g = budget_request(b, "/a/b", UINT64_MAX / 2, now);

		budget_debit(b, "/a/b", g, now);
		moved_b += g;
		g = budget_request(b, "/a/c", UINT64_MAX / 2, now);
		budget_debit(b, "/a/c", g, now);
		moved_c += g;
	}
	assert_near(moved_b, 30 * 100 * M + 30 * M, "/a/b at its own rate");
	assert_near(moved_b + moved_c, 100 * 100 * M + 100 * M, "/a/b and /a/c at /a's rate");
	/* Not a prefix relation: /ab is not below /a. */
	assert_int_equal(budget_available_bytes(b, "/ab", 100 * SEC), UINT64_MAX);
	budget_free(b);
}

static void test_global_caps_everything(void **state)
{
	struct budget *b = budget_new(50 * M, 0);
	uint64_t moved = 0;

	assert_int_equal(budget_set_rate(b, "/a", 100 * M, 0), 0);
	assert_int_equal(budget_set_rate(b, "/x", 100 * M, 0), 0);
	for (uint64_t now = 0; now < 100 * SEC; now += 10000) {
		const char *paths[] = { "/a/b", "/x", "/y/z", "/" };

		for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
			uint64_t g = budget_request(b, paths[i], UINT64_MAX / 2, now);

			budget_debit(b, paths[i], g, now);
			moved += g;
		}
	}
	assert_near(moved, 50 * 100 * M + 50 * M, "everything under the global bucket");
	budget_free(b);

	/* A bucket on "/" is an ancestor of every cgroup. */
	b = budget_new(UINT64_MAX, 0);
	assert_int_equal(budget_set_rate(b, "/", 10 * M, 0), 0);
	assert_int_equal(budget_available_bytes(b, "/deep/down/here", 0), 10 * M);
	/* No path: only the global bucket. */
	assert_int_equal(budget_available_bytes(b, NULL, 0), UINT64_MAX);
	budget_free(b);
}

static void test_debt_and_throttling(void **state)
{
	struct budget *b = budget_new(UINT64_MAX, 0);
	struct budget_stats st;

	assert_int_equal(budget_set_rate(b, "/a", 10 * M, 0), 0);
	/* Pages moved in larger units than granted: the bucket goes into debt. */
	budget_debit(b, "/a/b", 15 * M, 0);
	assert_int_equal(budget_available_bytes(b, "/a/b", 0), 0);
	assert_int_equal(budget_available_bytes(b, "/a/b", SEC / 2), 0);
	assert_int_equal(budget_available_bytes(b, "/a/b", SEC), 5 * M);

	/* A request cut short counts as throttling, with the time to refill the rest. */
	assert_int_equal(budget_request(b, "/a/b", 8 * M, SEC), 5 * M);
	assert_int_equal(budget_get_stats(b, "/a", SEC, &st), 0);
	assert_int_equal(st.bytes_per_sec, 10 * M);
	assert_int_equal(st.available_bytes, 5 * M);
	assert_int_equal(st.debited_bytes, 15 * M);
	assert_int_equal(st.throttled_bytes, 3 * M);
	assert_int_equal(st.throttled_usec, 300000);
	assert_int_equal(st.throttle_events, 1);
	/* A request that fits throttles nothing. */
	assert_int_equal(budget_request(b, "/a/b", 5 * M, SEC), 5 * M);
	assert_int_equal(budget_get_stats(b, "/a", SEC, &st), 0);
	assert_int_equal(st.throttle_events, 1);
	/* The unlimited global bucket counts but never throttles. */
	assert_int_equal(budget_get_stats(b, NULL, SEC, &st), 0);
	assert_int_equal(st.bytes_per_sec, UINT64_MAX);
	assert_int_equal(st.available_bytes, UINT64_MAX);
	assert_int_equal(st.debited_bytes, 15 * M);
	assert_int_equal(st.throttle_events, 0);
	assert_int_equal(budget_get_stats(b, "/a/b", SEC, &st), -ENOENT);
	budget_free(b);
}

static void test_lifecycle(void **state)
{
	struct budget *b = budget_new(0, 0);      /* 0: unlimited */
	struct budget_stats st;

	assert_int_equal(budget_available_bytes(b, "/a", 0), UINT64_MAX);
	assert_int_equal(budget_set_rate(b, "/a", 0, 0), -EINVAL);
	assert_int_equal(budget_set_rate(b, NULL, 1, 0), -EINVAL);
	assert_int_equal(budget_set_rate(b, "/a", 4 * M, 0), 0);
	assert_int_equal(budget_n_buckets(b), 1);
	budget_debit(b, "/a", 4 * M, 0);

	/* A rate change keeps the tokens, capped at the new burst. */
	assert_int_equal(budget_set_rate(b, "/a", 8 * M, SEC / 2), 0);
	assert_int_equal(budget_available_bytes(b, "/a", SEC / 2), 2 * M);
	assert_int_equal(budget_set_rate(b, "/a", 1 * M, 5 * SEC), 0);
	assert_int_equal(budget_available_bytes(b, "/a", 5 * SEC), 1 * M);

	/* Counters survive a rate change; UINT64_MAX removes the bucket. */
	assert_int_equal(budget_get_stats(b, "/a", 5 * SEC, &st), 0);
	assert_int_equal(st.debited_bytes, 4 * M);
	assert_int_equal(budget_set_rate(b, "/a", UINT64_MAX, 5 * SEC), 0);
	assert_false(budget_has_bucket(b, "/a"));
	assert_false(budget_remove(b, "/a"));
	assert_int_equal(budget_set_rate(b, "/a", 1 * M, 5 * SEC), 0);
	assert_true(budget_remove(b, "/a"));
	assert_int_equal(budget_n_buckets(b), 0);

	/* The global rate can change at run time. */
	budget_set_global_rate(b, 2 * M, 6 * SEC);
	assert_int_equal(budget_available_bytes(b, "/q", 6 * SEC), 2 * M);
	budget_set_global_rate(b, 1 * M, 6 * SEC);
	assert_int_equal(budget_available_bytes(b, "/q", 6 * SEC), 1 * M);
	budget_set_global_rate(b, UINT64_MAX, 6 * SEC);
	assert_int_equal(budget_available_bytes(b, "/q", 6 * SEC), UINT64_MAX);
	budget_free(b);
	assert_null(budget_free(NULL));
}

static void test_sync_with_policy(void **state)
{
	struct policy_topology topo = { .all_nodes = 3, .cpu_nodes = 3 };
	struct policy_cgroup cg[] = {
		{ .path = "/", .parent = -1 },
		{ .path = "/a", .parent = 0 },
		{ .path = "/a/b", .parent = 1 },
		{ .path = "/a/c", .parent = 1 },
	};
	struct policy_results *res = NULL;
	struct config *cfg = NULL;
	struct budget *b = budget_new(UINT64_MAX, 0);
	char *error = NULL;

	assert_int_equal(config_load_string("t.conf",
					    "[Daemon]\nBudget=500M/s\n[Match]\nCgroup=/a\n"
					    "Budget=100M/s\n[Match]\nCgroup=/a/b\nBudget=200M/s\n",
					    &cfg, &error),
			 0);
	assert_int_equal(policy_resolve(cg, ELEMENTSOF(cg), cfg, NULL, &topo, NULL, NULL, &res), 0);
	assert_int_equal(budget_set_rate(b, "/gone", 1 * M, 0), 0);
	assert_int_equal(budget_sync(b, res, 0), 0);
	assert_int_equal(budget_n_buckets(b), 2);
	assert_true(budget_has_bucket(b, "/a"));
	assert_true(budget_has_bucket(b, "/a/b"));
	assert_false(budget_has_bucket(b, "/gone"));
	assert_int_equal(budget_available_bytes(b, "/a/b", 0), 100 * M);
	assert_int_equal(budget_available_bytes(b, "/x", 0), 500 * M);
	policy_results_free(res);

	/* /a/b removed: its bucket goes, /a's stays with its state. */
	budget_debit(b, "/a/c", 60 * M, 0);
	assert_int_equal(policy_resolve(cg, 2, cfg, NULL, &topo, NULL, NULL, &res), 0);
	assert_int_equal(budget_sync(b, res, 0), 0);
	assert_int_equal(budget_n_buckets(b), 1);
	assert_false(budget_has_bucket(b, "/a/b"));
	assert_int_equal(budget_available_bytes(b, "/a", 0), 40 * M);
	policy_results_free(res);

	config_free(cfg);
	budget_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_rate),
		cmocka_unit_test(test_slow_ticks),
		cmocka_unit_test(test_burst_is_one_second),
		cmocka_unit_test(test_children_share_parent),
		cmocka_unit_test(test_child_budget_under_parent),
		cmocka_unit_test(test_global_caps_everything),
		cmocka_unit_test(test_debt_and_throttling),
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_sync_with_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
