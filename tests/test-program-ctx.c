/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The BPF policy program context without a kernel (core/program-ctx.c): the layout of
 * struct numab_ctx (no holes, the field table complete), the buffer size for programs built
 * against older and newer headers, packing, reading and validating replies, the enum mapping,
 * program specs, and a program's reply going through policy_resolve() (clamping, hierarchy).
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/program-ctx.h"
#include "shared/macro.h"

static int cmp_field(const void *a, const void *b)
{
	const struct program_ctx_field *x = a, *y = b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

/* Every byte of the struct belongs to exactly one field of the table, in order: the table is
 * complete and the struct has no holes (kernels before 7.x refuse unaligned access, and a hole
 * would be a field nobody documented). */
static void test_layout(void **state)
{
	size_t n, end = 0;
	const struct program_ctx_field *f = program_ctx_fields(&n);
	struct program_ctx_field sorted[128];

	assert_true(n < ELEMENTSOF(sorted));
	memcpy(sorted, f, n * sizeof(*f));
	qsort(sorted, n, sizeof(*sorted), cmp_field);
	for (size_t i = 0; i < n; i++) {
		if (sorted[i].offset != end)
			fail_msg("field %s at %zu, expected %zu", sorted[i].name, sorted[i].offset, end);
		/* Naturally aligned: scalars on their size, arrays (of u64) on 8 bytes. */
		assert_int_equal(sorted[i].offset % MIN(sorted[i].size, (size_t)8), 0);
		end += sorted[i].size;
		assert_int_equal(program_ctx_field_find(sorted[i].name)->offset, sorted[i].offset);
	}
	assert_int_equal(end, sizeof(struct numab_ctx));
	/* The first version's size is frozen: a struct that grows keeps this prefix. */
	assert_int_equal(NUMAB_CTX_SIZE_V1, 1320);
	assert_true(sizeof(struct numab_ctx) >= NUMAB_CTX_SIZE_V1);
	assert_int_equal(sizeof(struct numab_ctx) % 8, 0);
	assert_int_equal(program_ctx_field_find("verdict")->offset, 8);
	assert_int_equal(program_ctx_field_find("cpu_ns")->size, 8 * NUMAB_CTX_MAX_NODES);
	assert_null(program_ctx_field_find("from_the_future"));
	assert_null(program_ctx_field_find(NULL));
}

/* The ABI numbers of the header's enums never change. */
static void test_abi_numbers(void **state)
{
	assert_int_equal(NUMAB_VERDICT_NONE, 0);
	assert_int_equal(NUMAB_VERDICT_ALLOW, 1);
	assert_int_equal(NUMAB_VERDICT_DENY, 2);
	assert_int_equal(NUMAB_MODE_OFF, 0);
	assert_int_equal(NUMAB_MODE_FOLLOW, 1);
	assert_int_equal(NUMAB_MODE_PIN, 2);
	assert_int_equal(NUMAB_MODE_INTERLEAVE, 3);
	assert_int_equal(NUMAB_MODE_TIER, 4);
	assert_int_equal(NUMAB_MODE_KERNEL, 5);
	assert_int_equal(NUMAB_OVERRIDE_MODE | NUMAB_OVERRIDE_NODES | NUMAB_OVERRIDE_BUDGET |
				 NUMAB_OVERRIDE_INTERVAL | NUMAB_OVERRIDE_HOT_THRESHOLD, 0x1f);
	assert_int_equal(NUMAB_REPLY_FINAL, 1);
	assert_int_equal(NUMAB_CTX_MAX_NODES, NUMAB_MAX_NODES);
}

static void test_mode_mapping(void **state)
{
	for (enum policy_mode m = 0; m < _POLICY_MODE_MAX; m++) {
		uint32_t x = program_mode_from_policy(m);

		assert_true(x <= NUMAB_MODE_KERNEL);
		assert_int_equal(program_mode_to_policy(x), m);
	}
	assert_int_equal(program_mode_from_policy(POLICY_MODE_TIER), NUMAB_MODE_TIER);
	assert_int_equal(program_mode_to_policy(NUMAB_MODE_PIN), POLICY_MODE_PIN);
	assert_int_equal(program_mode_to_policy(6), _POLICY_MODE_INVALID);
	assert_int_equal(program_mode_to_policy(UINT32_MAX), _POLICY_MODE_INVALID);
	assert_int_equal(program_mode_from_policy(_POLICY_MODE_MAX), UINT32_MAX);
}

static void test_buffer_size(void **state)
{
	size_t s;

	/* No BTF, or a program built against an older (smaller) header: numabd's size. */
	assert_int_equal(program_ctx_buffer_size(0, &s), 0);
	assert_int_equal(s, sizeof(struct numab_ctx));
	assert_int_equal(program_ctx_buffer_size(96, &s), 0);
	assert_int_equal(s, sizeof(struct numab_ctx));
	/* A newer header: the program's size, rounded up to 8. */
	assert_int_equal(program_ctx_buffer_size(sizeof(struct numab_ctx) + 8, &s), 0);
	assert_int_equal(s, sizeof(struct numab_ctx) + 8);
	assert_int_equal(program_ctx_buffer_size(sizeof(struct numab_ctx) + 9, &s), 0);
	assert_int_equal(s, sizeof(struct numab_ctx) + 16);
	/* The kernel takes at most U16_MAX bytes. */
	assert_int_equal(program_ctx_buffer_size(PROGRAM_CTX_MAX_BYTES, &s), 0);
	assert_int_equal(s, PROGRAM_CTX_MAX_BYTES);
	assert_int_equal(program_ctx_buffer_size(PROGRAM_CTX_MAX_BYTES + 1, &s), -E2BIG);
	assert_int_equal(program_ctx_buffer_size(UINT64_MAX - 3, &s), -E2BIG);
}

static void test_path_hash(void **state)
{
	/* FNV-1a 64 test vectors. */
	assert_true(program_path_hash("") == UINT64_C(0xcbf29ce484222325));
	assert_true(program_path_hash("a") == UINT64_C(0xaf63dc4c8601ec8c));
	assert_true(program_path_hash("foobar") == UINT64_C(0x85944171f73967e8));
	assert_true(program_path_hash("/a/b") != program_path_hash("/a/c"));
}

static struct policy_effective static_policy(enum policy_mode mode, bool explicit_mode)
{
	struct policy_effective e = {
		.mode = mode,
		.nodes = 0x3,
		.budget_ceiling_bytes_per_sec = 64ull << 20,
		.own_budget_bytes_per_sec = POLICY_BUDGET_UNLIMITED,
		.interval_usec = 5000000,
		.hot_threshold_usec = 1500,
	};

	e.sources[POLICY_ATTR_MODE].kind = explicit_mode ? POLICY_SOURCE_CONFIG : POLICY_SOURCE_DEFAULT;
	return e;
}

static void test_pack(void **state)
{
	uint64_t cpu[3] = { 900, 100, 0 }, mem[3] = { 0, 4096, 8192 };
	struct policy_effective e = static_policy(POLICY_MODE_TIER, true);
	struct program_ctx_input in = {
		.cgroup_id = 42, .attached_cgroup_id = 7,
		.cgroup_path = "/a/b", .attached_path = "/a",
		.cgroup_level = 2, .attached_level = 1,
		.now_ns = 111, .realtime_ns = 222, .tick = 9,
		.kernel_numa_balancing = 1,
		.node_mask = 0x7, .cpu_node_mask = 0x3, .mems_effective = 0x7,
		.span = 3, .cpu_ns = cpu, .window_ns = 1000000000, .movable_bytes = mem,
		.n_procs = 4, .locality = 0.4, .locality_age_usec = 2500000,
		.moved_bytes_total = 1 << 20, .moved_bytes_recent = 4096,
		.static_policy = &e,
	};
	size_t size = sizeof(struct numab_ctx) + 64;
	unsigned char *buf = malloc(size);
	struct numab_ctx *c = (struct numab_ctx *)buf;

	assert_non_null(buf);
	memset(buf, 0xff, size);
	assert_int_equal(program_ctx_pack(&in, buf, size), 0);
	assert_int_equal(c->size, sizeof(struct numab_ctx));
	/* The tail past numabd's struct is zero: fields of a newer header read as zero. */
	for (size_t i = sizeof(struct numab_ctx); i < size; i++)
		assert_int_equal(buf[i], 0);
	/* The reply starts as "no opinion". */
	assert_int_equal(c->verdict, NUMAB_VERDICT_NONE);
	assert_int_equal(c->override_mask, 0);
	assert_int_equal(c->flags, NUMAB_CTX_HAS_CPU | NUMAB_CTX_HAS_MEMORY | NUMAB_CTX_EXPLICIT_MODE);
	assert_int_equal(c->cgroup_id, 42);
	assert_int_equal(c->attached_cgroup_id, 7);
	assert_true(c->cgroup_path_hash == program_path_hash("/a/b"));
	assert_true(c->attached_path_hash == program_path_hash("/a"));
	assert_int_equal(c->cgroup_level, 2);
	assert_int_equal(c->attached_level, 1);
	assert_int_equal(c->now_ns, 111);
	assert_int_equal(c->realtime_ns, 222);
	assert_int_equal(c->tick, 9);
	assert_int_equal(c->kernel_numa_balancing, 1);
	assert_int_equal(c->node_mask, 0x7);
	assert_int_equal(c->cpu_node_mask, 0x3);
	assert_int_equal(c->nr_node_ids, 3);
	assert_int_equal(c->nr_procs, 4);
	assert_int_equal(c->locality_permille, 400);
	assert_int_equal(c->locality_age_ms, 2500);
	/* min(0.9, 0) + min(0.1, 1/3) + min(0, 2/3) */
	assert_int_equal(c->node_balance_permille, 100);
	assert_int_equal(c->window_ns, 1000000000);
	assert_int_equal(c->cpu_ns_total, 1000);
	assert_int_equal(c->movable_bytes_total, 12288);
	assert_int_equal(c->home_nodes, 0x1); /* node 0 ran 90% */
	assert_int_equal(c->memory_nodes, 0x6);
	assert_int_equal(c->cpu_ns[0], 900);
	assert_int_equal(c->movable_bytes[2], 8192);
	assert_int_equal(c->cpu_ns[3], 0);
	assert_int_equal(c->moved_bytes_total, 1 << 20);
	assert_int_equal(c->moved_bytes_recent, 4096);
	assert_int_equal(c->static_mode, NUMAB_MODE_TIER);
	assert_int_equal(c->static_nodes, 0x3);
	assert_int_equal(c->static_budget_bytes_per_sec, 64ull << 20);
	assert_int_equal(c->static_interval_ms, 5000);
	assert_int_equal(c->static_hot_threshold_ms, 1);

	/* A trial, nothing measured, no static policy. */
	in = (struct program_ctx_input){ .trial = true, .dry_run = true, .locality = -1.0,
					 .kernel_numa_balancing = -1, .span = 200 };
	assert_int_equal(program_ctx_pack(&in, buf, size), 0);
	assert_int_equal(c->flags, NUMAB_CTX_TRIAL | NUMAB_CTX_DRY_RUN);
	assert_int_equal(c->locality_permille, NUMAB_PERMILLE_UNKNOWN);
	assert_int_equal(c->node_balance_permille, NUMAB_PERMILLE_UNKNOWN);
	assert_int_equal(c->kernel_numa_balancing, NUMAB_U32_UNKNOWN);
	assert_int_equal(c->nr_node_ids, NUMAB_CTX_MAX_NODES);
	assert_true(c->static_budget_bytes_per_sec == NUMAB_UNLIMITED);
	assert_int_equal(c->cgroup_path_hash, 0);

	/* Too small a buffer. */
	assert_int_equal(program_ctx_pack(&in, buf, sizeof(struct numab_ctx) - 8), -EINVAL);
	free(buf);
}

/* Run a "program" on a packed context: it writes the reply fields. */
struct fake_reply {
	uint32_t retval, verdict, reply_flags, override_mask, mode;
	uint64_t nodes, budget, interval_ms, hot_ms, reserved0;
};

static int reply_of(const struct fake_reply *f, struct policy_program_reply *ret,
		    const char **ret_note, char *note, size_t note_size)
{
	struct numab_ctx c = {};
	struct program_ctx_input in = { .locality = -1 };

	assert_int_equal(program_ctx_pack(&in, &c, sizeof(c)), 0);
	c.verdict = f->verdict;
	c.reply_flags = f->reply_flags;
	c.override_mask = f->override_mask;
	c.mode = f->mode;
	c.nodes = f->nodes;
	c.budget_bytes_per_sec = f->budget;
	c.interval_ms = f->interval_ms;
	c.hot_threshold_ms = f->hot_ms;
	c.reply_reserved[0] = f->reserved0;
	return program_ctx_reply(&c, sizeof(c), f->retval, ret, note, note_size, ret_note);
}

static void test_reply(void **state)
{
	struct policy_program_reply r;
	const char *note;
	char buf[256];

	/* Zero: no opinion. */
	assert_int_equal(reply_of(&(struct fake_reply){}, &r, &note, buf, sizeof(buf)), 0);
	assert_int_equal(r.verdict, POLICY_VERDICT_NONE);
	assert_false(r.final);
	assert_int_equal(r.override_mask, 0);
	assert_null(note);

	/* Allow, final, every override; ms become usec. */
	assert_int_equal(reply_of(&(struct fake_reply){ .verdict = NUMAB_VERDICT_ALLOW,
						      .reply_flags = NUMAB_REPLY_FINAL,
						      .override_mask = 0x1f, .mode = NUMAB_MODE_PIN,
						      .nodes = 0x2, .budget = 1 << 20,
						      .interval_ms = 5000, .hot_ms = 250 },
				  &r, &note, buf, sizeof(buf)), 0);
	assert_int_equal(r.verdict, POLICY_VERDICT_ALLOW);
	assert_true(r.final);
	assert_int_equal(r.override_mask, POLICY_ATTR_BIT(POLICY_ATTR_MODE) |
						  POLICY_ATTR_BIT(POLICY_ATTR_NODES) |
						  POLICY_ATTR_BIT(POLICY_ATTR_BUDGET) |
						  POLICY_ATTR_BIT(POLICY_ATTR_INTERVAL) |
						  POLICY_ATTR_BIT(POLICY_ATTR_HOT_THRESHOLD));
	assert_int_equal(r.mode, POLICY_MODE_PIN);
	assert_int_equal(r.nodes, 0x2);
	assert_int_equal(r.budget_bytes_per_sec, 1 << 20);
	assert_int_equal(r.interval_usec, 5000000);
	assert_int_equal(r.hot_threshold_usec, 250000);
	assert_null(note);

	/* Deny: final by nature; overrides and the final flag mean nothing. */
	assert_int_equal(reply_of(&(struct fake_reply){ .verdict = NUMAB_VERDICT_DENY,
						      .reply_flags = NUMAB_REPLY_FINAL,
						      .override_mask = 0x1f, .interval_ms = 1 },
				  &r, &note, buf, sizeof(buf)), 0);
	assert_int_equal(r.verdict, POLICY_VERDICT_DENY);
	assert_false(r.final);
	assert_int_equal(r.override_mask, 0);

	/* Failures: a nonzero return value, a verdict out of range. */
	assert_int_equal(reply_of(&(struct fake_reply){ .retval = 22, .verdict = 1 }, &r, &note,
				  buf, sizeof(buf)), -EBADMSG);
	assert_non_null(strstr(buf, "returned 22"));
	assert_int_equal(reply_of(&(struct fake_reply){ .verdict = 3 }, &r, &note, buf, sizeof(buf)),
			 -EBADMSG);
	assert_non_null(strstr(buf, "invalid verdict 3"));

	/* Parts that are ignored, with a note. */
	assert_int_equal(reply_of(&(struct fake_reply){ .verdict = NUMAB_VERDICT_ALLOW,
						      .reply_flags = 0x6,
						      .override_mask = NUMAB_OVERRIDE_NODES |
								       NUMAB_OVERRIDE_BUDGET | 0x100,
						      .reserved0 = 1 },
				  &r, &note, buf, sizeof(buf)), 0);
	assert_int_equal(r.override_mask, 0);
	assert_non_null(note);
	assert_non_null(strstr(note, "unknown reply flags 0x6"));
	assert_non_null(strstr(note, "unknown override bits 0x100"));
	assert_non_null(strstr(note, "empty node set ignored"));
	assert_non_null(strstr(note, "budget 0 ignored"));
	assert_non_null(strstr(note, "reserved reply fields"));

	/* An invalid mode is passed on as invalid (the policy model reports it); huge values
	 * saturate (and are clamped by the policy model). */
	assert_int_equal(reply_of(&(struct fake_reply){ .verdict = NUMAB_VERDICT_ALLOW,
						      .override_mask = NUMAB_OVERRIDE_MODE |
								       NUMAB_OVERRIDE_INTERVAL,
						      .mode = 77, .interval_ms = UINT64_MAX / 10 },
				  &r, &note, buf, sizeof(buf)), 0);
	assert_int_equal(r.mode, _POLICY_MODE_INVALID);
	assert_true(r.interval_usec == UINT64_MAX);

	/* A short note buffer truncates, never overflows. */
	assert_int_equal(reply_of(&(struct fake_reply){ .verdict = NUMAB_VERDICT_ALLOW,
						      .reply_flags = 0x6, .reserved0 = 1 },
				  &r, &note, buf, 8), 0);
	assert_true(strlen(buf) < 8);
}

static void test_spec_split(void **state)
{
	char *path = NULL, *name = NULL;

	assert_int_equal(program_spec_split("/x/a.bpf.o", &path, &name), 0);
	assert_string_equal(path, "/x/a.bpf.o");
	assert_null(name);
	free(path);

	assert_int_equal(program_spec_split("/x/a.bpf.o:my_prog2", &path, &name), 0);
	assert_string_equal(path, "/x/a.bpf.o");
	assert_string_equal(name, "my_prog2");
	free(path);
	free(name);
	name = NULL;

	/* A colon in a directory name, or one not followed by an identifier, is the path's. */
	assert_int_equal(program_spec_split("/x:y/a.bpf.o", &path, &name), 0);
	assert_string_equal(path, "/x:y/a.bpf.o");
	assert_null(name);
	free(path);
	assert_int_equal(program_spec_split("/x/a:b.bpf.o", &path, &name), 0);
	assert_string_equal(path, "/x/a:b.bpf.o");
	free(path);
	assert_int_equal(program_spec_split("/x/a.o:9x", &path, &name), 0);
	assert_string_equal(path, "/x/a.o:9x");
	free(path);

	assert_int_equal(program_spec_split("/x/:prog", &path, &name), -EINVAL);
	assert_int_equal(program_spec_split("a.bpf.o", &path, &name), -EINVAL);
	assert_int_equal(program_spec_split(NULL, &path, &name), -EINVAL);
	assert_int_equal(program_spec_split("/a.o:p", NULL, NULL), 0);
}

/* A program's reply through the whole resolution: escalation, clamping, notes. */
struct prog_behaviour {
	struct fake_reply reply;
	unsigned calls;
	uint32_t seen_static_mode;
	uint32_t seen_flags;
};

static int packed_program(void *userdata, const struct policy_program_context *pc,
			  struct policy_program_reply *reply)
{
	static char note[256];
	struct prog_behaviour *b = userdata;
	struct numab_ctx c;
	struct program_ctx_input in = { .cgroup_path = pc->cgroup_path,
					.attached_path = pc->attached_path, .locality = -1,
					.static_policy = pc->static_policy };
	const char *n = NULL;
	int r;

	b->calls++;
	assert_int_equal(program_ctx_pack(&in, &c, sizeof(c)), 0);
	b->seen_static_mode = c.static_mode;
	b->seen_flags = c.flags;
	c.verdict = b->reply.verdict;
	c.reply_flags = b->reply.reply_flags;
	c.override_mask = b->reply.override_mask;
	c.mode = b->reply.mode;
	c.nodes = b->reply.nodes;
	c.budget_bytes_per_sec = b->reply.budget;
	c.interval_ms = b->reply.interval_ms;
	c.hot_threshold_ms = b->reply.hot_ms;
	r = program_ctx_reply(&c, sizeof(c), b->reply.retval, reply, note, sizeof(note), &n);
	if (r < 0) {
		reply->message = note;
		return r;
	}
	reply->message = n;
	return 0;
}

static struct policy_results *resolve_one(const char *conf, struct prog_behaviour *b)
{
	static const struct policy_cgroup tree[] = {
		{ .path = "/", .parent = -1 },
		{ .path = "/a", .parent = 0 },
		{ .path = "/a/b", .parent = 1 },
	};
	struct policy_topology topo = { .all_nodes = 0x3, .cpu_nodes = 0x3 };
	struct policy_results *res = NULL;
	struct config *cfg = NULL;
	char *error = NULL;

	if (config_load_string("test.conf", conf, &cfg, &error) < 0)
		fail_msg("config: %s", error);
	assert_int_equal(policy_resolve(tree, ELEMENTSOF(tree), cfg, NULL, &topo, packed_program, b,
					&res), 0);
	config_free(cfg);
	return res;
}

static void test_reply_through_policy(void **state)
{
	struct prog_behaviour b = {
		.reply = { .verdict = NUMAB_VERDICT_ALLOW, .override_mask = 0x1e,
			   .nodes = UINT64_MAX, .budget = NUMAB_UNLIMITED, .interval_ms = 1,
			   .hot_ms = 1000ull * 3600 * 24 },
	};
	struct policy_results *res;
	const struct policy_result *r;

	/* Escalation from the implicit default to follow; clamped and narrowed overrides. */
	res = resolve_one("[Daemon]\nBudget=64M/s\n[Match]\nCgroup=/a\nProgram=/p/x.o\n", &b);
	r = policy_results_find(res, "/a/b");
	assert_int_equal(b.seen_static_mode, NUMAB_MODE_OFF);
	assert_false(b.seen_flags & NUMAB_CTX_EXPLICIT_MODE);
	assert_int_equal(r->effective.mode, POLICY_MODE_FOLLOW);
	assert_int_equal(r->effective.sources[POLICY_ATTR_MODE].kind, POLICY_SOURCE_PROGRAM);
	assert_int_equal(r->effective.interval_usec, POLICY_INTERVAL_MIN_USEC);
	assert_int_equal(r->effective.hot_threshold_usec, POLICY_HOT_THRESHOLD_MAX_USEC);
	assert_int_equal(r->effective.budget_ceiling_bytes_per_sec, 64ull << 20);
	assert_int_equal(r->effective.nodes, 0x3);
	assert_ptr_equal(r->decided_by_program, &r->programs[0]);
	policy_results_free(res);

	/* An explicit off above: the program is not run. */
	b.calls = 0;
	res = resolve_one("[Match]\nCgroup=/a\nMode=off\nProgram=/p/x.o\n", &b);
	assert_int_equal(b.calls, 0);
	assert_int_equal(policy_results_find(res, "/a/b")->effective.mode, POLICY_MODE_OFF);
	policy_results_free(res);

	/* An explicit mode is seen as such and kept by an allow without a mode. */
	res = resolve_one("[Match]\nCgroup=/a\nMode=pin\nProgram=/p/x.o\n", &b);
	assert_int_equal(b.seen_static_mode, NUMAB_MODE_PIN);
	assert_true(b.seen_flags & NUMAB_CTX_EXPLICIT_MODE);
	assert_int_equal(policy_results_find(res, "/a/b")->effective.mode, POLICY_MODE_PIN);
	policy_results_free(res);

	/* A failing program: no opinion, the reason in the problem and in the run. */
	b.reply = (struct fake_reply){ .retval = 5 };
	res = resolve_one("[Match]\nCgroup=/a\nMode=follow\nProgram=/p/x.o\n", &b);
	r = policy_results_find(res, "/a/b");
	assert_int_equal(r->effective.mode, POLICY_MODE_FOLLOW);
	assert_int_equal(r->effective.sources[POLICY_ATTR_MODE].kind, POLICY_SOURCE_CONFIG);
	assert_int_equal(r->n_problems, 1);
	assert_int_equal(r->problems[0].kind, POLICY_PROBLEM_PROGRAM_FAILED);
	assert_non_null(strstr(r->problems[0].message, "returned 5"));
	assert_non_null(r->programs[0].error_message);
	assert_non_null(strstr(r->programs[0].error_message, "returned 5"));
	policy_results_free(res);

	/* Ignored parts of a reply are reported, the rest applies. */
	b.reply = (struct fake_reply){ .verdict = NUMAB_VERDICT_ALLOW,
				       .override_mask = NUMAB_OVERRIDE_NODES };
	res = resolve_one("[Match]\nCgroup=/a\nProgram=/p/x.o\n", &b);
	r = policy_results_find(res, "/a/b");
	assert_int_equal(r->effective.mode, POLICY_MODE_FOLLOW);
	assert_int_equal(r->n_problems, 1);
	assert_int_equal(r->problems[0].kind, POLICY_PROBLEM_PROGRAM_REPLY);
	assert_non_null(strstr(r->problems[0].message, "empty node set ignored"));
	policy_results_free(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_abi_numbers),
		cmocka_unit_test(test_mode_mapping),
		cmocka_unit_test(test_buffer_size),
		cmocka_unit_test(test_path_hash),
		cmocka_unit_test(test_pack),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_spec_split),
		cmocka_unit_test(test_reply_through_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
