/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/spread.h"

#define M (1ull << 20)

/* Bytes on each node after applying the moves: must be the shares exactly. */
static void apply(const struct spread_decision *d, uint64_t *mem, unsigned span)
{
	for (unsigned k = 0; k < d->n_moves; k++) {
		const struct spread_move *mv = &d->moves[k];

		assert_true(mv->from != mv->to);
		assert_true((unsigned)mv->from < span && (unsigned)mv->to < span);
		assert_true(mv->bytes > 0 && mem[mv->from] >= mv->bytes);
		mem[mv->from] -= mv->bytes;
		mem[mv->to] += mv->bytes;
	}
}

struct spread_case {
	const char *name;
	uint64_t mem[4];
	uint64_t eligible;
	bool balanced;
	unsigned max_moves;
};

static void test_table(void **state)
{
	const struct spread_params p = SPREAD_DEFAULTS;
	const struct spread_case cases[] = {
		{ "folded onto node 0 (2 nodes)", { 200 * M, 0 }, 0x3, false, 1 },
		{ "even", { 100 * M, 100 * M }, 0x3, true, 0 },
		{ "within 10%", { 109 * M, 91 * M }, 0x3, true, 0 },
		{ "just outside 10%", { 112 * M, 88 * M }, 0x3, false, 1 },
		{ "small process: 3 MiB off is not worth a move", { 5 * M, 1 * M }, 0x3, true, 0 },
		{ "4 nodes, folded", { 400 * M, 0, 0, 0 }, 0xf, false, 3 },
		{ "4 nodes, two full, two empty", { 200 * M, 200 * M, 0, 0 }, 0xf, false, 2 },
		{ "memory on a node without a share moves in", { 100 * M, 100 * M, 50 * M, 0 },
		  0x3, false, 2 },
		{ "a little memory elsewhere is fine", { 100 * M, 100 * M, 1 * M, 0 }, 0x3, true, 0 },
		{ "one eligible node: everything there", { 10 * M, 90 * M }, 0x1, false, 1 },
		{ "4 nodes, uneven drift", { 150 * M, 100 * M, 80 * M, 70 * M }, 0xf, false, 3 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct spread_case *c = &cases[i];
		uint64_t mem[4];
		struct spread_decision d;
		struct spread_input in = { .mem_bytes = c->mem, .span = 4,
					   .eligible_nodes = c->eligible };

		spread_decide(&p, &in, &d);
		if (d.balanced != c->balanced)
			fail_msg("%s: balanced=%d, want %d (worst %u permille on %d)", c->name,
				 d.balanced, c->balanced, d.worst_permille, d.worst_node);
		if (c->balanced) {
			assert_int_equal(d.n_moves, 0);
			continue;
		}
		if (d.n_moves == 0 || d.n_moves > c->max_moves)
			fail_msg("%s: %u moves, want 1..%u", c->name, d.n_moves, c->max_moves);
		memcpy(mem, c->mem, sizeof(mem));
		apply(&d, mem, 4);
		for (unsigned n = 0; n < 4; n++)
			if (mem[n] != d.share_bytes[n])
				fail_msg("%s: node %u has %llu after the moves, share %llu", c->name, n,
					 (unsigned long long)mem[n],
					 (unsigned long long)d.share_bytes[n]);
	}
}

static void test_shares_and_worst(void **state)
{
	const struct spread_params p = SPREAD_DEFAULTS;
	const uint64_t mem[3] = { 301 * M + 1, 0, 0 };
	struct spread_input in = { .mem_bytes = mem, .span = 3, .eligible_nodes = 0x7 };
	struct spread_decision d;

	(void)state;
	spread_decide(&p, &in, &d);
	assert_false(d.balanced);
	assert_true(d.total_bytes == 301 * M + 1);
	/* Shares sum to the total exactly. */
	assert_true(d.share_bytes[0] + d.share_bytes[1] + d.share_bytes[2] == d.total_bytes);
	/* Node 0 holds three shares: 200% over. */
	assert_int_equal(d.worst_node, 0);
	assert_true(d.worst_permille >= 1999 && d.worst_permille <= 2001);
	/* The two deficits are filled from node 0. */
	assert_int_equal(d.n_moves, 2);
	assert_int_equal(d.moves[0].from, 0);
	assert_int_equal(d.moves[1].from, 0);
}

static void test_weights(void **state)
{
	const struct spread_params p = SPREAD_DEFAULTS;
	const uint64_t mem[2] = { 300 * M, 0 };
	const uint32_t w[2] = { 2, 1 };
	const uint32_t w0[2] = { 1, 0 };
	struct spread_input in = { .mem_bytes = mem, .span = 2, .eligible_nodes = 0x3,
				   .weights = w };
	struct spread_decision d;

	(void)state;
	spread_decide(&p, &in, &d);
	assert_true(d.share_bytes[0] == 200 * M && d.share_bytes[1] == 100 * M);
	assert_int_equal(d.n_moves, 1);
	assert_true(d.moves[0].bytes == 100 * M && d.moves[0].to == 1);
	/* Weight 0: no share. */
	in.weights = w0;
	spread_decide(&p, &in, &d);
	assert_true(d.balanced && d.share_bytes[0] == 300 * M && d.share_bytes[1] == 0);
}

static void test_nothing(void **state)
{
	const struct spread_params p = SPREAD_DEFAULTS;
	const uint64_t zero[2] = { 0, 0 }, some[2] = { 10 * M, 10 * M };
	struct spread_input in = { .mem_bytes = zero, .span = 2, .eligible_nodes = 0x3 };
	struct spread_decision d;

	(void)state;
	spread_decide(&p, &in, &d);
	assert_true(d.nothing && d.balanced && d.n_moves == 0);
	in.mem_bytes = some;
	in.eligible_nodes = 0;
	spread_decide(&p, &in, &d);
	assert_true(d.nothing && d.balanced && d.n_moves == 0);
}

/* Equal surpluses: the nearer node gives first. */
static void test_distance_ties(void **state)
{
	const struct spread_params p = SPREAD_DEFAULTS;
	const uint64_t mem[3] = { 150 * M, 150 * M, 0 };
	struct topology *t = topo_new();
	struct spread_input in = { .mem_bytes = mem, .span = 3, .eligible_nodes = 0x7 };
	struct spread_decision d;

	(void)state;
	assert_non_null(t);
	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++)
			t->distance[a][b] = a == b ? 10 : 20;
	t->distance[1][2] = t->distance[2][1] = 12;
	in.topo = t;
	spread_decide(&p, &in, &d);
	assert_true(d.n_moves >= 2);
	assert_int_equal(d.moves[0].to, 2);
	assert_int_equal(d.moves[0].from, 1);
	topo_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_shares_and_worst),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_nothing),
		cmocka_unit_test(test_distance_ties),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
