/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/decide.h"

#define M (1ull << 20)
#define SEC 1000000ull

struct follow_case {
	const char *name;
	uint64_t cpu[4];
	uint64_t mem[4];
	bool no_mem;
	bool own_policy;
	uint64_t eligible;
	struct follow_state state;
	uint64_t now_usec;
	uint64_t window_usec; /* 0: a whole second */
	enum follow_verdict expect;
	int target;
	uint64_t from;
};

static void test_follow_table(void **state)
{
	const struct follow_params p = DECIDE_FOLLOW_DEFAULTS;
	/* A state that has seen node 0 as home for one window already. */
	const struct follow_state settled0 = { .home = 0, .home_held_usec = SEC, .last_target = -1 };
	const struct follow_case cases[] = {
		{ "misplaced, settled", { 100 * M, 0 }, { 0, 300 * M }, .eligible = 0x3,
		  .state = settled0, .expect = FOLLOW_MOVE, .target = 0, .from = 0x2 },
		{ "misplaced, first window (no earlier home)", { 100 * M, 0 }, { 0, 300 * M },
		  .eligible = 0x3, .state = FOLLOW_STATE_INIT, .expect = FOLLOW_MOVE, .target = 0,
		  .from = 0x2 },
		{ "misplaced, home just changed from node 1, a 250 ms window", { 100 * M, 0 },
		  { 0, 300 * M }, .eligible = 0x3,
		  .state = { .home = 1, .home_held_usec = 4 * SEC, .last_target = -1 },
		  .window_usec = SEC / 4, .expect = FOLLOW_UNSETTLED },
		{ "misplaced, home changed from node 1 for a whole 1 s window", { 100 * M, 0 },
		  { 0, 300 * M }, .eligible = 0x3,
		  .state = { .home = 1, .home_held_usec = 4 * SEC, .last_target = -1 },
		  .expect = FOLLOW_MOVE, .target = 0, .from = 0x2 },
		{ "changed home held 500 ms, then 250 ms more", { 100 * M, 0 }, { 0, 300 * M },
		  .eligible = 0x3,
		  .state = { .home = 0, .home_held_usec = SEC / 2, .home_changed = true,
			     .last_target = -1 },
		  .window_usec = SEC / 4, .expect = FOLLOW_MOVE, .target = 0, .from = 0x2 },
		{ "already local", { 100 * M, 0 }, { 300 * M, 1 * M }, .eligible = 0x3,
		  .state = settled0, .expect = FOLLOW_LOCAL },
		{ "idle", { 1000, 0 }, { 0, 300 * M }, .eligible = 0x3, .state = settled0,
		  .expect = FOLLOW_IDLE },
		{ "spread threads", { 50 * M, 50 * M }, { 0, 300 * M }, .eligible = 0x3,
		  .state = settled0, .expect = FOLLOW_SPREAD },
		{ "89% on node 0 is spread", { 89 * M, 11 * M }, { 0, 300 * M }, .eligible = 0x3,
		  .state = settled0, .expect = FOLLOW_SPREAD },
		{ "91% on node 0 is home", { 91 * M, 9 * M }, { 0, 300 * M }, .eligible = 0x3,
		  .state = settled0, .expect = FOLLOW_MOVE, .target = 0, .from = 0x2 },
		{ "home not eligible", { 100 * M, 0 }, { 0, 300 * M }, .eligible = 0x2,
		  .state = settled0, .expect = FOLLOW_NOT_ELIGIBLE },
		{ "own policy", { 100 * M, 0 }, { 0, 300 * M }, .own_policy = true, .eligible = 0x3,
		  .state = settled0, .expect = FOLLOW_OWN_POLICY },
		{ "no sample yet", { 100 * M, 0 }, { 0 }, .no_mem = true, .eligible = 0x3,
		  .state = settled0, .expect = FOLLOW_UNKNOWN_MEMORY },
		{ "4 nodes: pages on 2 and 3 go to 1", { 0, 100 * M, 0, 0 },
		  { 10 * M, 10 * M, 100 * M, 50 * M }, .eligible = 0xf,
		  .state = { .home = 1, .home_held_usec = 5 * SEC, .last_target = -1 },
		  .expect = FOLLOW_MOVE, .target = 1, .from = 0xd },
		{ "cool-down after moving to node 1", { 100 * M, 0 }, { 0, 300 * M }, .eligible = 0x3,
		  .state = { .home = 0, .home_held_usec = 3 * SEC, .last_target = 1,
			     .last_move_usec = 100 * SEC },
		  .now_usec = 130 * SEC, .expect = FOLLOW_COOLDOWN },
		{ "cool-down over", { 100 * M, 0 }, { 0, 300 * M }, .eligible = 0x3,
		  .state = { .home = 0, .home_held_usec = 3 * SEC, .last_target = 1,
			     .last_move_usec = 100 * SEC },
		  .now_usec = 161 * SEC, .expect = FOLLOW_MOVE, .target = 0, .from = 0x2 },
		{ "no memory at all is local", { 100 * M, 0 }, { 0, 0 }, .eligible = 0x3,
		  .state = settled0, .expect = FOLLOW_LOCAL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct follow_case *c = &cases[i];
		struct follow_state st = c->state;
		struct follow_input in = {
			.cpu_ns = c->cpu, .mem_bytes = c->no_mem ? NULL : c->mem, .span = 4,
			.eligible_nodes = c->eligible, .own_policy_only = c->own_policy,
			.now_usec = c->now_usec, .window_usec = c->window_usec ? c->window_usec : SEC,
		};
		struct follow_decision d = decide_follow(&p, &in, &st);

		if (d.verdict != c->expect)
			fail_msg("case '%s': verdict %s, expected %s", c->name,
				 follow_verdict_to_string(d.verdict), follow_verdict_to_string(c->expect));
		if (c->expect == FOLLOW_MOVE && (d.target != c->target || d.from_nodes != c->from))
			fail_msg("case '%s': target %d from %#llx", c->name, d.target,
				 (unsigned long long)d.from_nodes);
	}
}

static void test_follow_hysteresis(void **state)
{
	const struct follow_params p = DECIDE_FOLLOW_DEFAULTS;
	struct follow_state st = FOLLOW_STATE_INIT;
	uint64_t on0[2] = { 100 * M, 0 }, on1[2] = { 0, 100 * M }, mem1[2] = { 0, 300 * M };
	uint64_t mem0[2] = { 300 * M, 0 };
	struct follow_input in = { .cpu_ns = on0, .mem_bytes = mem1, .span = 2, .eligible_nodes = 3,
				   .window_usec = SEC / 4 };

	/* The first home acts at once. */
	assert_int_equal(decide_follow(&p, &in, &st).verdict, FOLLOW_MOVE);
	decide_follow_moved(&st, 0, 10 * SEC);
	/* The home flips to node 1 for a 250 ms window: no move. */
	in.cpu_ns = on1;
	in.now_usec = 11 * SEC;
	assert_int_equal(decide_follow(&p, &in, &st).verdict, FOLLOW_LOCAL);
	/* Back on node 0: a changed home acts once it held for 0.75 s of windows. */
	in.cpu_ns = on0;
	assert_int_equal(decide_follow(&p, &in, &st).verdict, FOLLOW_UNSETTLED);
	assert_int_equal(decide_follow(&p, &in, &st).verdict, FOLLOW_UNSETTLED);
	assert_int_equal(decide_follow(&p, &in, &st).verdict, FOLLOW_MOVE);
	decide_follow_moved(&st, 0, 12 * SEC);
	/* Pages now on node 0; the home moves to node 1 for whole 1 s windows: settled after
	 * one, but pages just moved to node 0 stay there for the cool-down. */
	in.cpu_ns = on1;
	in.mem_bytes = mem0;
	in.window_usec = SEC;
	in.now_usec = 13 * SEC;
	assert_int_equal(decide_follow(&p, &in, &st).verdict, FOLLOW_COOLDOWN);
	assert_string_equal(follow_verdict_to_string(FOLLOW_SPREAD), "spread: consider pin or kernel");
}

static struct topology *topo4(void)
{
	struct topology *t = topo_new();

	t->node_mask = t->cpu_node_mask = 0xf;
	for (unsigned n = 0; n < 4; n++) {
		t->nodes[n].n_cpus = 8;
		t->nodes[n].mem_free_bytes = 4096 * M;
		for (unsigned m = 0; m < 4; m++)
			t->distance[n][m] = n == m ? 10 : (n / 2 == m / 2 ? 12 : 32);
	}
	return t;
}

static void test_pin(void **state)
{
	const struct pin_params p = DECIDE_PIN_DEFAULTS;
	struct topology *t = topo4();
	uint64_t mem[4] = { 100 * M, 200 * M, 0, 0 };
	struct pin_input in = { .topo = t, .eligible_nodes = 0xf, .cpu_demand = 2.0, .mem_bytes = mem,
				.span = 4 };

	/* Fits one node; the one holding most memory wins. */
	assert_true(decide_pin_nodes(&p, &in) == 0x2);
	/* 7 CPUs of demand need 8.75 CPUs with headroom: two nodes, the close pair 0+1. */
	in.cpu_demand = 7.0;
	assert_true(decide_pin_nodes(&p, &in) == 0x3);
	/* Memory on 1 and 2 (far apart): both hold memory... the pair with most memory wins. */
	mem[0] = 0; mem[2] = 200 * M;
	assert_true(decide_pin_nodes(&p, &in) == 0x6);
	/* Equal memory everywhere: the closer pair, and among equals the current set. */
	mem[0] = mem[1] = mem[2] = mem[3] = 0;
	in.current = 0xc;
	assert_true(decide_pin_nodes(&p, &in) == 0xc);
	/* A node's own memory counts as room: 5000M on node 3 fits there with 4096M free. */
	in.cpu_demand = 1.0;
	in.current = 0;
	mem[3] = 5000 * M;
	assert_true(decide_pin_nodes(&p, &in) == 0x8);
	/* More memory than any one node holds plus its free memory needs two nodes. */
	mem[2] = 4000 * M;
	mem[3] = 4000 * M;
	assert_true(decide_pin_nodes(&p, &in) == 0xc);
	mem[2] = 0;
	/* Not eligible: only nodes 0-1 allowed and the memory does not fit there. */
	in.eligible_nodes = 0x3;
	mem[3] = 20000 * M;
	assert_true(decide_pin_nodes(&p, &in) == 0);
	/* Demand larger than the machine. */
	mem[3] = 0;
	in.eligible_nodes = 0xf;
	in.cpu_demand = 40.0;
	assert_true(decide_pin_nodes(&p, &in) == 0);
	/* A CPU-less node is never a pin target. */
	t->cpu_node_mask = 0x7;
	t->nodes[3].n_cpus = 0;
	in.cpu_demand = 1.0;
	mem[3] = 300 * M;
	assert_true((decide_pin_nodes(&p, &in) & 0x8) == 0);
	topo_free(t);
}


/* A leaf cgroup of two processes on two nodes: cpu[p][n] and the cgroup's anon per node. */
static bool cgroup_local(uint64_t cpu0_n0, uint64_t cpu0_n1, uint64_t cpu1_n0, uint64_t cpu1_n1,
			 uint64_t anon_n0, uint64_t anon_n1, bool has_numa_stat)
{
	const struct follow_params p = DECIDE_FOLLOW_DEFAULTS;
	uint64_t cpu[2][2] = { { cpu0_n0, cpu0_n1 }, { cpu1_n0, cpu1_n1 } };
	uint64_t mem[2 * _CG_MEM_MAX] = {};
	struct proc_sample procs[2] = { { .pid = 1, .cpu_ns = cpu[0] }, { .pid = 2, .cpu_ns = cpu[1] } };
	struct cg_sample c = { .path = (char *)"/a", .has_numa_stat = has_numa_stat, .mem = mem,
			       .procs = procs, .n_procs = 2 };

	mem[0 * _CG_MEM_MAX + CG_MEM_ANON] = anon_n0;
	mem[1 * _CG_MEM_MAX + CG_MEM_ANON] = anon_n1;
	return decide_follow_cgroup_local(&p, &c, 2);
}

static void test_follow_cgroup_local(void **state)
{
	(void)state;
	/* Both processes at home on node 0, 99% of the memory there: nothing to query. */
	assert_true(cgroup_local(100 * M, 0, 50 * M, 1 * M, 990 * M, 10 * M, true));
	/* 97% there: below local_permille, the processes are scanned. */
	assert_false(cgroup_local(100 * M, 0, 50 * M, 1 * M, 970 * M, 30 * M, true));
	/* Homes differ: the cgroup-wide count cannot tell which process is misplaced. */
	assert_false(cgroup_local(100 * M, 0, 0, 100 * M, 500 * M, 500 * M, true));
	/* A spread process (no single home). */
	assert_false(cgroup_local(50 * M, 50 * M, 100 * M, 0, 1000 * M, 0, true));
	/* An idle process does not count; the active one is local. */
	assert_true(cgroup_local(0, 1000, 100 * M, 0, 1000 * M, 0, true));
	/* Nobody active, or no memory.numa_stat: it cannot tell. */
	assert_false(cgroup_local(0, 0, 0, 0, 1000 * M, 0, true));
	assert_false(cgroup_local(100 * M, 0, 100 * M, 0, 1000 * M, 0, false));
	/* Memory on the other node only. */
	assert_false(cgroup_local(0, 100 * M, 0, 100 * M, 1000 * M, 0, true));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_follow_table),
		cmocka_unit_test(test_follow_hysteresis),
		cmocka_unit_test(test_follow_cgroup_local),
		cmocka_unit_test(test_pin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
