/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/heat.h"
#include "shared/macro.h"

#define M (1ull << 20)
#define MS 1000ull
#define SEC 1000000ull

/* DAMON's default intervals, 60 s of monitoring, read at t = 100 s. */
static const struct heat_attrs attrs = {
	.sample_usec = 5 * MS, .aggr_usec = 100 * MS, .monitored_usec = 60 * SEC,
	.now_usec = 100 * SEC,
};

static struct heat_region region(uint64_t start, uint64_t end, unsigned acc, unsigned age,
				 uint64_t seen)
{
	return (struct heat_region){ start, end, acc, age, seen };
}

static void test_hot(void **state)
{
	struct heat_region r;
	struct heat_attrs young = attrs;

	(void)state;
	/* Accessed in the last interval, seen now. */
	r = region(0, M, 5, 0, attrs.now_usec);
	assert_true(heat_region_hot(&attrs, &r, 1 * SEC));
	/* Seen 3 s ago: not hot with 1 s, hot with 10 s and with an hour. */
	r = region(0, M, 0, 30, attrs.now_usec - 3 * SEC);
	assert_false(heat_region_hot(&attrs, &r, 1 * SEC));
	assert_true(heat_region_hot(&attrs, &r, 10 * SEC));
	assert_true(heat_region_hot(&attrs, &r, 3600 * SEC));
	/* Never seen: never hot, however long the threshold. */
	r = region(0, M, 0, 600, 0);
	assert_false(heat_region_hot(&attrs, &r, 3600 * SEC));
	young.monitored_usec = 500 * MS;
	assert_false(heat_region_hot(&young, &r, 1 * SEC));
	/* A threshold below the aggregation interval is a frequency: 10 ms needs 10 of 20
	 * samples. */
	r = region(0, M, 4, 0, attrs.now_usec);
	assert_false(heat_region_hot(&attrs, &r, 10 * MS));
	r.nr_accesses = 10;
	assert_true(heat_region_hot(&attrs, &r, 10 * MS));
	assert_string_equal(heat_class_to_string(HEAT_COLD), "cold");
}

static void test_update(void **state)
{
	struct heat_attrs a = attrs;
	/* Previous read: a region seen at 90 s, one never seen, one seen at 99 s. */
	const struct heat_region prev[] = {
		region(0x1000000, 0x1800000, 0, 0, 90 * SEC),
		region(0x1800000, 0x2000000, 0, 0, 0),
		region(0x2000000, 0x2100000, 0, 0, 99 * SEC),
	};
	struct heat_region cur[] = {
		/* Accessed now. */
		region(0x1000000, 0x1400000, 3, 0, 0),
		/* Split off the region seen at 90 s. */
		region(0x1400000, 0x1800000, 0, 100, 0),
		/* Merged: mostly the never-seen region, a little of the one seen at 99 s:
		 * the large part decides. */
		region(0x1800000, 0x2010000, 0, 600, 0),
		/* New address space, DAMON's age 20 (2 s): no access seen, whatever the age. */
		region(0x3000000, 0x3100000, 0, 20, 0),
		/* Idle since monitoring began (age 600 = 60 s): not seen. */
		region(0x4000000, 0x4100000, 0, 600, 0),
	};

	(void)state;
	heat_update(&a, prev, 3, cur, 5);
	assert_true(cur[0].last_seen_usec == a.now_usec);
	assert_true(cur[1].last_seen_usec == 90 * SEC);
	assert_true(cur[2].last_seen_usec == 0);
	assert_true(cur[3].last_seen_usec == 0);
	assert_true(cur[4].last_seen_usec == 0);
	/* A young age does not make the record more recent: a split or merge across a hot
	 * neighbour resets it too (a 79 MiB idle region at age 1 and 8 was promoted whole). */
	cur[1].age = 1;
	heat_update(&a, prev, 3, cur, 5);
	assert_true(cur[1].last_seen_usec == 90 * SEC);
	assert_false(heat_region_hot(&a, &cur[1], SEC));
}

static void test_hot_windows(void **state)
{
	const struct heat_region regions[] = {
		/* hot, not 2 MiB aligned: widened */
		region(0x10100000, 0x10300000, 8, 0, attrs.now_usec),
		/* seen 50 s ago */
		region(0x10300000, 0x10900000, 0, 500, attrs.now_usec - 50 * SEC),
		/* seen 20 s ago */
		region(0x20000000, 0x20400000, 0, 200, attrs.now_usec - 20 * SEC),
		/* never seen */
		region(0x30000000, 0x30200000, 0, 600, 0),
		/* hot, adjacent to nothing */
		region(0x50000000, 0x50001000, 1, 0, attrs.now_usec),
	};
	struct heat_window *w;
	uint64_t bytes;
	size_t n;

	(void)state;
	assert_int_equal(heat_hot_windows(&attrs, regions, 5, 1 * SEC, &w, &n, &bytes), 0);
	assert_int_equal(n, 2);
	assert_true(w[0].start == 0x10000000 && w[0].end == 0x10400000);
	assert_true(w[1].start == 0x50000000 && w[1].end == 0x50200000);
	assert_true(bytes == 6 * M);
	free(w);

	/* A longer threshold: the regions seen 50 s and 20 s ago are hot too; the first two
	 * merge (widening made them overlap) and keep the least idle time. */
	assert_int_equal(heat_hot_windows(&attrs, regions, 5, 55 * SEC, &w, &n, &bytes), 0);
	assert_int_equal(n, 3);
	assert_true(w[0].start == 0x10000000 && w[0].end == 0x10a00000);
	assert_true(w[0].idle_usec == 0 && w[0].nr_accesses == 8);
	assert_true(w[1].start == 0x20000000 && w[1].idle_usec == 20 * SEC);
	free(w);

	assert_int_equal(heat_hot_windows(&attrs, regions, 0, 1 * SEC, &w, &n, &bytes), 0);
	assert_null(w);
	assert_int_equal(n, 0);
}

/* The record of reads at t = now_s, monitoring since t = 0. */
static struct heat_attrs at(uint64_t now_s)
{
	return (struct heat_attrs){ .sample_usec = 5 * MS, .aggr_usec = 100 * MS,
				    .monitored_usec = now_s * SEC, .now_usec = now_s * SEC };
}

static void test_record(void **state)
{
	/* A process of 32 MiB cold, 16 MiB hot, 80 MiB cold, read at 10 s and 11 s. */
	const struct heat_region steady[] = {
		region(0x0e000000, 0x10000000, 0, 90, 0),
		region(0x10000000, 0x11000000, 20, 5, 0),
		region(0x11000000, 0x16000000, 0, 90, 0),
	};
	/* At 12 s the workload did not run for one aggregation interval: no access anywhere,
	 * so DAMON merged all three and averaged their ages. */
	const struct heat_region starved[] = {
		region(0x0e000000, 0x16000000, 0, 50, 0),
	};
	struct heat_record h = {};
	struct heat_attrs a;
	struct heat_window *w;
	uint64_t bytes;
	size_t n;

	(void)state;
	a = at(10);
	assert_int_equal(heat_record_update(&h, &a, steady, 3), 0);
	a = at(11);
	assert_int_equal(heat_record_update(&h, &a, steady, 3), 0);
	/* Two reads: nothing is cold yet, however long idle. */
	assert_int_equal(heat_record_cold(&h, &a, 1 * SEC, &w, &n, &bytes), 0);
	assert_int_equal(n, 0);
	assert_null(w);
	assert_int_equal(h.n, 3);

	a = at(12);
	assert_int_equal(heat_record_update(&h, &a, starved, 1), 0);
	/* The hot range keeps its own history inside the merged region: not cold even at a
	 * threshold below the time since it was last seen (one idle read of three). */
	assert_int_equal(heat_record_cold(&h, &a, 500 * MS, &w, &n, &bytes), 0);
	assert_int_equal(n, 2);
	assert_true(w[0].start == 0x0e000000 && w[0].end == 0x10000000);
	assert_true(w[1].start == 0x11000000 && w[1].end == 0x16000000);
	assert_true(bytes == 112 * M);
	/* Their last possible access: the merged region's age (5.1 s), not the 9.1 s of their
	 * own regions: the more recent wins. */
	assert_true(w[0].idle_usec == 5100 * MS);
	free(w);
	/* A threshold longer than that: nothing cold. */
	assert_int_equal(heat_record_cold(&h, &a, 6 * SEC, &w, &n, &bytes), 0);
	assert_int_equal(n, 0);

	/* Two more starved reads with the hot range last seen at 11 s: cold at 1 s now. */
	a = at(13);
	assert_int_equal(heat_record_update(&h, &a, starved, 1), 0);
	a = at(14);
	assert_int_equal(heat_record_update(&h, &a, starved, 1), 0);
	assert_int_equal(heat_record_cold(&h, &a, 1 * SEC, &w, &n, &bytes), 0);
	assert_int_equal(n, 1);
	assert_true(w[0].start == 0x0e000000 && w[0].end == 0x16000000);
	/* As cold as its least idle part: the hot range, seen at 11 s. */
	assert_true(w[0].idle_usec == 3 * SEC);
	free(w);
	/* Seen again: hot range not cold, and not for the next two reads either. */
	a = at(15);
	assert_int_equal(heat_record_update(&h, &a, steady, 3), 0);
	assert_int_equal(heat_record_cold(&h, &a, 1 * SEC, &w, &n, &bytes), 0);
	assert_int_equal(n, 2);
	assert_true(w[0].end == 0x10000000 && w[1].start == 0x11000000);
	free(w);
	heat_record_clear(&h);
	assert_int_equal(h.n, 0);
	assert_null(h.spans);
}

static void test_record_edges(void **state)
{
	/* Never seen accessed, DAMON's age no help (idle since monitoring began), and windows
	 * narrowed to 2 MiB: [3 MiB, 9 MiB) holds [4 MiB, 8 MiB). */
	const struct heat_region idle[] = { region(3 * M, 9 * M, 0, 600, 0) };
	_cleanup_free_ struct heat_region *many = NULL;
	struct heat_record h = {};
	struct heat_attrs a;
	struct heat_window *w;
	uint64_t bytes;
	size_t n;

	(void)state;
	for (unsigned t = 58; t <= 60; t++) {
		a = at(t);
		assert_int_equal(heat_record_update(&h, &a, idle, 1), 0);
	}
	assert_true(heat_span_cold(&a, &h.spans[0], 60 * SEC));
	assert_false(heat_span_cold(&a, &h.spans[0], 61 * SEC));
	assert_int_equal(heat_record_cold(&h, &a, 1 * SEC, &w, &n, &bytes), 0);
	assert_int_equal(n, 1);
	assert_true(w[0].start == 4 * M && w[0].end == 8 * M && w[0].idle_usec == 60 * SEC);
	free(w);

	/* Too many spans: neighbours merge, the hotter history wins (every other page
	 * accessed: nothing cold). */
	many = calloc(10000, sizeof(*many));
	assert_non_null(many);
	for (unsigned i = 0; i < 10000; i++)
		many[i] = region(M + i * 4096ull, M + (i + 1) * 4096ull, i % 2, 600, 0);
	for (unsigned t = 61; t <= 63; t++) {
		a = at(t);
		assert_int_equal(heat_record_update(&h, &a, many, 10000), 0);
	}
	assert_true(h.n <= 4096);
	assert_int_equal(heat_record_cold(&h, &a, 1 * SEC, &w, &n, &bytes), 0);
	assert_int_equal(n, 0);
	heat_record_clear(&h);
}

static void test_intersect(void **state)
{
	const struct heat_window a[] = {
		{ 0x000000, 0x400000, 0, 5 }, { 0x600000, 0x800000, 0, 5 }, { 0xa00000, 0xc00000, 0, 5 },
	};
	const struct heat_window b[] = {
		{ 0x200000, 0x700000, 9, 1 }, { 0xc00000, 0xe00000, 9, 1 },
	};
	struct heat_window *w;
	uint64_t bytes;
	size_t n;

	(void)state;
	assert_int_equal(heat_intersect(a, 3, b, 2, &w, &n, &bytes), 0);
	assert_int_equal(n, 2);
	assert_true(w[0].start == 0x200000 && w[0].end == 0x400000 && w[0].nr_accesses == 5);
	assert_true(w[1].start == 0x600000 && w[1].end == 0x700000);
	assert_true(bytes == 0x300000);
	free(w);
	assert_int_equal(heat_intersect(a, 3, b, 0, &w, &n, &bytes), 0);
	assert_null(w);
	assert_int_equal(n, 0);
}

static void test_order_cold(void **state)
{
	struct heat_window w[] = {
		{ 0x5000, 0x6000, 2500 * MS, 0 },
		{ 0x1000, 0x2000, 60 * SEC, 0 },
		{ 0x3000, 0x4000, 2100 * MS, 0 },
		{ 0x2000, 0x3000, 60 * SEC, 0 },
		{ 0x0000, 0x1000, 10 * SEC, 0 },
	};
	size_t groups[5], n;

	(void)state;
	heat_order_cold(w, 5, 1 * SEC, groups, &n);
	assert_int_equal(n, 3);
	/* 60 s (two windows, by address), 10 s, then 2.1 s and 2.5 s together (one bucket). */
	assert_true(groups[0] == 2 && groups[1] == 3 && groups[2] == 5);
	assert_true(w[0].start == 0x1000 && w[1].start == 0x2000);
	assert_true(w[2].start == 0x0000);
	assert_true(w[3].start == 0x3000 && w[4].start == 0x5000);
	heat_order_cold(w, 0, 1 * SEC, groups, &n);
	assert_int_equal(n, 0);
}

static void test_watermarks(void **state)
{
	struct heat_watermarks small = heat_watermarks(512 * M), big = heat_watermarks(100000 * M);

	(void)state;
	assert_true(small.low_bytes == 64 * M && small.high_bytes == 128 * M);
	assert_true(big.low_bytes == 3000 * M && big.high_bytes == 6000 * M);
	assert_true(heat_promote_room(&small, 300 * M) == 172 * M);
	assert_true(heat_promote_room(&small, 100 * M) == 0);
	/* Between the marks: neither promote nor demote (the hysteresis band). */
	assert_true(heat_demote_need(&small, 100 * M) == 0);
	assert_true(heat_demote_need(&small, 40 * M) == 88 * M);
}

static void test_home_and_target(void **state)
{
	const uint64_t cpu[3] = { 10, 500, 0 }, idle[3] = { 0, 0, 0 }, mem[3] = { 5 * M, 1 * M, 90 * M };
	struct topology *t = topo_new();
	uint64_t room[4] = { 0, 0, 10 * M, 10 * M };

	(void)state;
	assert_int_equal(heat_home_node(cpu, mem, 3, 0x3), 1);
	assert_int_equal(heat_home_node(cpu, mem, 3, 0x1), 0);
	/* No CPU time: the fast node with most memory. */
	assert_int_equal(heat_home_node(idle, mem, 3, 0x3), 0);
	assert_int_equal(heat_home_node(idle, NULL, 3, 0x2), 1);
	assert_int_equal(heat_home_node(cpu, mem, 3, 0), -1);

	assert_non_null(t);
	for (int a = 0; a < 4; a++)
		for (int b = 0; b < 4; b++)
			t->distance[a][b] = a == b ? 10 : 30;
	t->distance[0][3] = t->distance[3][0] = 25;
	assert_int_equal(heat_demotion_target(t, 0, 0xc, room, 4), 3);
	assert_int_equal(heat_demotion_target(t, 1, 0xc, room, 4), 2);
	room[3] = 0;
	assert_int_equal(heat_demotion_target(t, 0, 0xc, room, 4), 2);
	room[2] = 0;
	assert_int_equal(heat_demotion_target(t, 0, 0xc, room, 4), -1);
	topo_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hot),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_hot_windows),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_record_edges),
		cmocka_unit_test(test_intersect),
		cmocka_unit_test(test_order_cold),
		cmocka_unit_test(test_watermarks),
		cmocka_unit_test(test_home_and_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
