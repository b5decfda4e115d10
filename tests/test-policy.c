/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy resolution, table-driven: every worked case of DESIGN §4 is a row, plus the rules'
 * combinations. Each row gives a config text, a tree (paths in pre-order with owner, cpuset
 * and xattrs), runtime settings and program behaviours (fake callbacks keyed by program
 * path), and expectations checked through the explain JSON, so the JSON schema is tested by
 * every row.
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
#include <json-c/json.h>

#include "core/config.h"
#include "core/policy.h"
#include "core/settings.h"
#include "shared/macro.h"
#include "shared/parse-util.h"

#define MAX_CGROUPS 12
#define MAX_XATTRS 4

/* An expectation about one cgroup. attr is an attribute name (its effective value), or
 * "eligible" (eligible_nodes), "problem" (a problem kind among the cgroup's and its
 * ancestors'), "no-problems", "ran" (attached paths of the programs that ran, comma
 * separated, "" for none), "managed" ("yes"/"no"), "buckets" ("/a=100M/s,/a/b=..."),
 * "ceiling" (budget.ceiling_bytes_per_sec as a rate). source and decided_by are checked
 * when not NULL; decided_by "-" means null. */
struct expect {
	const char *cgroup;
	const char *attr;
	const char *value;
	const char *source;
	const char *decided_by;
};

struct policy_case {
	const char *name;
	const char *config;                  /* text of "test.conf", or NULL */
	const char *tree[MAX_CGROUPS];       /* "PATH [owner=UID] [mems=LIST] [x:NAME=VALUE]..." */
	const char *runtime[4];              /* "PATH [transient] [id=N] attr=value..." */
	uint64_t all_nodes, cpu_nodes;       /* 0: nodes 0-3, all with CPUs */
	unsigned locality_percent;           /* what /p/locality.o sees */
	bool no_programs;                    /* resolve without a program callback */
	struct expect expect[8];
};

/* ----- Fake programs, keyed by path ----- */

struct fake_ctx {
	unsigned locality_percent;
	unsigned calls;
};

static int fake_program(void *userdata, const struct policy_program_context *ctx,
			struct policy_program_reply *reply)
{
	struct fake_ctx *f = userdata;
	const char *p = ctx->program;

	f->calls++;
	assert_non_null(ctx->static_policy);
	assert_non_null(ctx->cgroup_path);
	assert_non_null(ctx->attached_path);
	/* The attached cgroup is the evaluated one or one of its ancestors. */
	assert_true(strneq(ctx->cgroup_path, ctx->attached_path, strlen(ctx->attached_path)) ||
		    streq(ctx->attached_path, "/"));

	if (streq(p, "/p/allow.o")) {
		reply->verdict = POLICY_VERDICT_ALLOW;
	} else if (streq(p, "/p/allow-final-5s.o")) {
		reply->verdict = POLICY_VERDICT_ALLOW;
		reply->final = true;
		reply->override_mask = POLICY_ATTR_BIT(POLICY_ATTR_INTERVAL);
		reply->interval_usec = 5000000;
	} else if (streq(p, "/p/deny.o")) {
		reply->verdict = POLICY_VERDICT_DENY;
	} else if (streq(p, "/p/none.o")) {
		reply->verdict = POLICY_VERDICT_NONE;
		reply->final = true; /* final means nothing without allow */
	} else if (streq(p, "/p/fail.o")) {
		return -EIO;
	} else if (streq(p, "/p/locality.o")) {
		/* Allow follow while placement locality is below 70%. */
		if (f->locality_percent < 70) {
			reply->verdict = POLICY_VERDICT_ALLOW;
			reply->override_mask = POLICY_ATTR_BIT(POLICY_ATTR_MODE);
			reply->mode = POLICY_MODE_FOLLOW;
		}
	} else if (streq(p, "/p/pin.o")) {
		reply->verdict = POLICY_VERDICT_ALLOW;
		reply->override_mask = POLICY_ATTR_BIT(POLICY_ATTR_MODE);
		reply->mode = POLICY_MODE_PIN;
	} else if (streq(p, "/p/tier.o")) {
		reply->verdict = POLICY_VERDICT_ALLOW;
		reply->override_mask = POLICY_ATTR_BIT(POLICY_ATTR_MODE);
		reply->mode = POLICY_MODE_TIER;
	} else if (streq(p, "/p/narrow.o")) {
		reply->verdict = POLICY_VERDICT_ALLOW;
		reply->override_mask = POLICY_ATTR_BIT(POLICY_ATTR_NODES) |
				       POLICY_ATTR_BIT(POLICY_ATTR_BUDGET) |
				       POLICY_ATTR_BIT(POLICY_ATTR_INTERVAL) |
				       POLICY_ATTR_BIT(POLICY_ATTR_HOT_THRESHOLD);
		reply->nodes = 0x1;
		reply->budget_bytes_per_sec = 1 << 20;
		reply->interval_usec = 1;                       /* clamped up to 100ms */
		reply->hot_threshold_usec = 36000ull * 1000000; /* clamped down to 1h */
	} else if (streq(p, "/p/wide.o")) {
		reply->verdict = POLICY_VERDICT_ALLOW;
		reply->override_mask = POLICY_ATTR_BIT(POLICY_ATTR_NODES) |
				       POLICY_ATTR_BIT(POLICY_ATTR_BUDGET);
		reply->nodes = NODEMASK_ALL;
		reply->budget_bytes_per_sec = 10ull << 30;
	} else if (streq(p, "/p/bad-verdict.o")) {
		reply->verdict = (enum policy_verdict)7;
	} else if (streq(p, "/p/allow-off.o")) {
		reply->verdict = POLICY_VERDICT_ALLOW;
		reply->override_mask = POLICY_ATTR_BIT(POLICY_ATTR_MODE);
		reply->mode = POLICY_MODE_OFF;
	} else {
		fail_msg("unknown fake program %s", p);
	}
	return 0;
}

/* ----- Building inputs ----- */

struct tree {
	struct policy_cgroup cg[MAX_CGROUPS];
	struct policy_xattr xattrs[MAX_CGROUPS][MAX_XATTRS];
	char *specs[MAX_CGROUPS];
	size_t n;
};

static int find_parent(const struct tree *t, const char *path)
{
	int best = -1;
	size_t best_len = 0;

	if (streq(path, "/"))
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		const char *p = t->cg[i].path;
		size_t l = strlen(p);

		if (streq(p, "/")) {
			if (best < 0)
				best = (int)i;
			continue;
		}
		if (strneq(path, p, l) && path[l] == '/' && l > best_len) {
			best = (int)i;
			best_len = l;
		}
	}
	return best;
}

static void tree_build(struct tree *t, const char *const *specs)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < MAX_CGROUPS && specs[i]; i++) {
		struct policy_cgroup *c = &t->cg[i];
		char *save = NULL, *w;

		t->specs[i] = strdup(specs[i]);
		assert_non_null(t->specs[i]);
		w = strtok_r(t->specs[i], " ", &save);
		c->path = w;
		c->parent = find_parent(t, w);
		c->id = 100 + i;
		c->xattrs = t->xattrs[i];
		while ((w = strtok_r(NULL, " ", &save))) {
			if (strneq(w, "owner=", 6)) {
				c->owner_uid = (uid_t)atoi(w + 6);
			} else if (strneq(w, "mems=", 5)) {
				assert_int_equal(parse_nodemask(w + 5, &c->mems_effective), 0);
			} else if (strneq(w, "id=", 3)) {
				c->id = strtoull(w + 3, NULL, 10);
			} else if (strneq(w, "x:", 2)) {
				char *eq = strchr(w, '=');

				assert_non_null(eq);
				assert_true(c->n_xattrs < MAX_XATTRS);
				*eq = '\0';
				t->xattrs[i][c->n_xattrs++] =
					(struct policy_xattr){ .name = w + 2, .value = eq + 1 };
			} else {
				fail_msg("bad tree spec word %s", w);
			}
		}
		t->n++;
	}
}

static void tree_done(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->specs[i]);
}

static struct settings *settings_build(const char *const *specs, size_t n)
{
	struct settings *s = NULL;

	assert_int_equal(settings_new(&s), 0);
	for (size_t i = 0; i < n && specs[i]; i++) {
		_cleanup_free_ char *copy = strdup(specs[i]);
		char *words[8], *save = NULL, *path;
		size_t nw = 0;
		bool transient = false;
		uint64_t id = 0;
		struct policy_values v = {};
		char *error = NULL;

		path = strtok_r(copy, " ", &save);
		for (char *w; (w = strtok_r(NULL, " ", &save));) {
			if (streq(w, "transient"))
				transient = true;
			else if (strneq(w, "id=", 3))
				id = strtoull(w + 3, NULL, 10);
			else
				words[nw++] = w;
		}
		if (settings_parse_assignments(words, nw, &v, &error) < 0)
			fail_msg("runtime spec %s: %s", specs[i], error);
		assert_int_equal(settings_apply(s, path, &v, transient, id), 0);
		policy_values_done(&v);
	}
	return s;
}

/* ----- Checking ----- */

static const char *json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no key %s in %s", key, json_object_to_json_string(o));
	return json_object_is_type(v, json_type_null) ? NULL : json_object_get_string(v);
}

static void check_expect(const struct policy_results *res, const struct expect *e,
			 const char *row)
{
	const struct policy_result *r = policy_results_find(res, e->cgroup);
	struct json_object *j = NULL, *eff, *a, *arr;
	char buf[512] = "";

	if (!r)
		fail_msg("%s: no result for %s", row, e->cgroup);
	assert_int_equal(policy_result_to_json(r, &j), 0);
	assert_string_equal(json_str(j, "cgroup"), e->cgroup);

	if (streq(e->attr, "eligible")) {
		if (!streq(json_str(j, "eligible_nodes"), e->value))
			fail_msg("%s: %s eligible %s, expected %s", row, e->cgroup,
				 json_str(j, "eligible_nodes"), e->value);
		assert_true(json_object_get_boolean(json_object_object_get(j, "no_eligible_nodes")) ==
			    (*e->value == '\0'));
	} else if (streq(e->attr, "problem") || streq(e->attr, "no-problems")) {
		bool found = false;

		assert_true(json_object_object_get_ex(j, "problems", &arr));
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *p = json_object_array_get_idx(arr, i);

			if (e->value && streq(json_str(p, "kind"), e->value) &&
			    (!e->decided_by || streq(json_str(p, "cgroup"), e->decided_by)))
				found = true;
		}
		if (streq(e->attr, "no-problems") && json_object_array_length(arr) != 0)
			fail_msg("%s: %s has problems: %s", row, e->cgroup,
				 json_object_to_json_string(arr));
		if (streq(e->attr, "problem") && !found)
			fail_msg("%s: %s lacks problem %s: %s", row, e->cgroup, e->value,
				 json_object_to_json_string(arr));
	} else if (streq(e->attr, "ran")) {
		assert_true(json_object_object_get_ex(j, "programs", &arr));
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *p = json_object_array_get_idx(arr, i);

			if (json_object_get_boolean(json_object_object_get(p, "ran")))
				snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
					 *buf ? "," : "", json_str(p, "cgroup"));
		}
		if (!streq(buf, e->value))
			fail_msg("%s: %s ran [%s], expected [%s]", row, e->cgroup, buf, e->value);
	} else if (streq(e->attr, "managed")) {
		assert_true(json_object_get_boolean(json_object_object_get(j, "managed")) ==
			    streq(e->value, "yes"));
	} else if (streq(e->attr, "buckets") || streq(e->attr, "ceiling")) {
		struct json_object *b = json_object_object_get(j, "budget"), *c;

		assert_non_null(b);
		if (streq(e->attr, "ceiling")) {
			c = json_object_object_get(b, "ceiling_bytes_per_sec");
			policy_format_rate(buf, sizeof(buf),
					   c ? (uint64_t)json_object_get_int64(c) : UINT64_MAX);
		} else {
			arr = json_object_object_get(b, "buckets");
			for (size_t i = 0; i < json_object_array_length(arr); i++) {
				struct json_object *k = json_object_array_get_idx(arr, i);
				char rate[64];

				policy_format_rate(rate, sizeof(rate),
						   (uint64_t)json_object_get_int64(
							   json_object_object_get(k, "bytes_per_sec")));
				snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s=%s",
					 *buf ? "," : "", json_str(k, "cgroup"), rate);
			}
		}
		if (!streq(buf, e->value))
			fail_msg("%s: %s %s [%s], expected [%s]", row, e->cgroup, e->attr, buf,
				 e->value);
	} else {
		const char *v, *s, *d;

		assert_true(json_object_object_get_ex(j, "effective", &eff));
		if (!json_object_object_get_ex(eff, e->attr, &a))
			fail_msg("%s: no effective.%s", row, e->attr);
		v = json_str(a, "value");
		s = json_str(a, "source");
		d = json_str(a, "decided_by");
		if (!streq(v ? v : "null", e->value))
			fail_msg("%s: %s %s=%s, expected %s (source %s, decided by %s)", row,
				 e->cgroup, e->attr, v ? v : "null", e->value, s, strna(d));
		if (e->source && !streq(s, e->source))
			fail_msg("%s: %s %s source %s, expected %s", row, e->cgroup, e->attr, s,
				 e->source);
		if (e->decided_by && !streq(d ? d : "-", e->decided_by))
			fail_msg("%s: %s %s decided by %s, expected %s", row, e->cgroup, e->attr,
				 strna(d), e->decided_by);
	}
	json_object_put(j);
}

static struct policy_results *resolve_case(const struct policy_case *c, struct config *cfg,
					   struct settings *s, struct tree *t,
					   struct fake_ctx *fake)
{
	struct policy_topology topo = {
		.all_nodes = c->all_nodes ? c->all_nodes : 0xf,
		.cpu_nodes = c->cpu_nodes ? c->cpu_nodes : 0xf,
	};
	struct policy_results *res = NULL;

	assert_int_equal(policy_resolve(t->cg, t->n, cfg, s, &topo,
					c->no_programs ? NULL : fake_program, fake, &res),
			 0);
	assert_int_equal(res->n, t->n);
	return res;
}

static struct config *config_build(const char *text)
{
	struct config *cfg = NULL;
	char *error = NULL;

	if (!text)
		return NULL;
	if (config_load_string("test.conf", text, &cfg, &error) < 0)
		fail_msg("config: %s", error);
	return cfg;
}

static void run_case(const struct policy_case *c)
{
	struct config *cfg = config_build(c->config);
	struct settings *s = settings_build(c->runtime, ELEMENTSOF(c->runtime));
	struct fake_ctx fake = { .locality_percent = c->locality_percent };
	struct policy_results *res;
	struct tree t;

	tree_build(&t, c->tree);
	res = resolve_case(c, cfg, s, &t, &fake);
	for (size_t i = 0; i < ELEMENTSOF(c->expect) && c->expect[i].cgroup; i++)
		check_expect(res, &c->expect[i], c->name);

	/* The text explain renders every result. */
	for (size_t i = 0; i < res->n; i++) {
		char *text = NULL;

		assert_int_equal(policy_result_format_text(&res->items[i], &text), 0);
		assert_non_null(strstr(text, res->items[i].path));
		free(text);
	}

	policy_results_free(res);
	tree_done(&t);
	settings_free(s);
	config_free(cfg);
}

#define TREE_ABC { "/", "/a", "/a/b", "/a/b/c" }

static const struct policy_case cases[] = {
	/* ----- DESIGN §4 worked cases ----- */
	{ "1: nothing set anywhere", NULL, TREE_ABC, .expect = {
		{ "/a/b/c", "mode", "off", "default", "-" },
		{ "/a/b/c", "managed", "no" },
		{ "/a/b/c", "interval", "5s", "default", "-" },
		{ "/a/b/c", "hot_threshold", "1s", "default", "-" },
		{ "/a/b/c", "budget", "256M/s", "default", "-" },
		{ "/a/b/c", "program", "null", "default", "-" },
		{ "/a/b/c", "pin", "soft", "default", "-" },
		{ "/a/b/c", "no-problems" } } },
	{ "2: /a follow", "[Match]\nCgroup=/a\nMode=follow\n", TREE_ABC, .expect = {
		{ "/a/b/c", "mode", "follow", "config:test.conf:3", "/a" },
		{ "/a/b/c", "managed", "yes" },
		{ "/", "mode", "off", "default", "-" } } },
	{ "3: /a off, /a/b follow", "[Match]\nCgroup=/a\nMode=off\n[Match]\nCgroup=/a/b\nMode=follow\n",
	  TREE_ABC, .expect = {
		{ "/a/b", "mode", "off", "config:test.conf:3", "/a" },
		{ "/a/b/c", "mode", "off", "config:test.conf:3", "/a" } } },
	{ "4: /a follow, /a/b pin", "[Match]\nCgroup=/a\nMode=follow\n[Match]\nCgroup=/a/b\nMode=pin\n",
	  TREE_ABC, .expect = {
		{ "/a/b", "mode", "pin", "config:test.conf:6", "/a/b" },
		{ "/a", "mode", "follow", "config:test.conf:3", "/a" },
		{ "/a/b/c", "mode", "pin", NULL, "/a/b" } } },
	{ "5: /a 100M/s, /a/b 200M/s",
	  "[Match]\nCgroup=/a\nBudget=100M/s\n[Match]\nCgroup=/a/b\nBudget=200M/s\n",
	  { "/", "/a", "/a/b", "/a/c" }, .expect = {
		{ "/a/b", "budget", "100M/s", "config:test.conf:3", "/a" },
		{ "/a/c", "budget", "100M/s", "config:test.conf:3", "/a" },
		{ "/a/b", "buckets", "/a=100M/s,/a/b=200M/s" },
		{ "/a/c", "buckets", "/a=100M/s" },
		{ "/a/b", "ceiling", "100M/s" } } },
	{ "6: /a nodes=0-1, /a/b nodes=1-3",
	  "[Match]\nCgroup=/a\nNodes=0-1\n[Match]\nCgroup=/a/b\nNodes=1-3\n", TREE_ABC, .expect = {
		{ "/a/b", "nodes", "1", "intersection", "/a/b" },
		{ "/a/b", "eligible", "1" },
		{ "/a", "nodes", "0-1", "config:test.conf:3", "/a" } } },
	{ "7: /a nodes=0, /a/b nodes=1",
	  "[Match]\nCgroup=/a\nNodes=0\nMode=follow\n[Match]\nCgroup=/a/b\nNodes=1\n", TREE_ABC,
	  .expect = {
		{ "/a/b", "eligible", "" },
		{ "/a/b", "problem", "no-eligible-nodes", NULL, "/a/b" },
		{ "/a/b/c", "eligible", "" },
		{ "/a/b", "mode", "follow" } } },
	{ "8: config pin, runtime follow", "[Match]\nCgroup=/a\nMode=pin\n", TREE_ABC,
	  .runtime = { "/a mode=follow" }, .expect = {
		{ "/a", "mode", "follow", "runtime", "/a" },
		{ "/a/b", "mode", "follow", "runtime", "/a" } } },
	{ "9: config pin, xattr follow", "[Match]\nCgroup=/a\nMode=pin\n",
	  { "/", "/a x:mode=follow", "/a/b" }, .expect = {
		{ "/a", "mode", "follow", "xattr", "/a" },
		{ "/a/b", "mode", "follow", "xattr", "/a" },
		{ "/a", "no-problems" } } },
	{ "9: config pin locked, xattr follow", "[Match]\nCgroup=/a\nMode=pin\nLock=mode\n",
	  { "/", "/a x:mode=follow", "/a/b" }, .expect = {
		{ "/a", "mode", "pin", "config:test.conf:3", "/a" },
		{ "/a", "problem", "locked-xattr", NULL, "/a" },
		{ "/a/b", "mode", "pin", "config:test.conf:3", "/a" } } },
	{ "10: bad xattr on /a/b, /a follow", "[Match]\nCgroup=/a\nMode=follow\n",
	  { "/", "/a", "/a/b x:mode=bogus" }, .expect = {
		{ "/a/b", "mode", "follow", "config:test.conf:3", "/a" },
		{ "/a/b", "problem", "bad-xattr", NULL, "/a/b" } } },
	{ "11: xattr on a cgroup of uid 1000", NULL,
	  { "/", "/user.slice owner=1000 x:mode=follow" }, .expect = {
		{ "/user.slice", "mode", "off", "default", "-" },
		{ "/user.slice", "problem", "untrusted-owner", NULL, "/user.slice" } } },
	{ "11: xattr on a cgroup of trusted uid 1000", "[Daemon]\nTrustedOwners=1000\n",
	  { "/", "/user.slice owner=1000 x:mode=follow" }, .expect = {
		{ "/user.slice", "mode", "follow", "xattr", "/user.slice" },
		{ "/user.slice", "no-problems" } } },
	{ "12: program on /a allows follow at 50% locality",
	  "[Match]\nCgroup=/a\nProgram=/p/locality.o\n", TREE_ABC, .locality_percent = 50,
	  .expect = {
		{ "/a/b", "mode", "follow", "program:/p/locality.o", "/a" },
		{ "/a", "mode", "follow", "program:/p/locality.o", "/a" },
		{ "/a/b", "program", "/p/locality.o", "config:test.conf:3", "/a" },
		{ "/a/b", "ran", "/a" } } },
	{ "12: program on /a has no opinion at 90% locality",
	  "[Match]\nCgroup=/a\nProgram=/p/locality.o\n", TREE_ABC, .locality_percent = 90,
	  .expect = {
		{ "/a/b", "mode", "off", "default", "-" },
		{ "/a/b", "ran", "/a" } } },
	{ "13: /a off, program on /a/b allows",
	  "[Match]\nCgroup=/a\nMode=off\n[Match]\nCgroup=/a/b\nProgram=/p/allow.o\n", TREE_ABC,
	  .expect = {
		{ "/a/b", "mode", "off", "config:test.conf:3", "/a" },
		{ "/a/b", "ran", "" },
		{ "/a/b/c", "mode", "off", "config:test.conf:3", "/a" } } },
	{ "14: program on /a denies, program on /a/b allows",
	  "[Match]\nCgroup=/a\nProgram=/p/deny.o\n[Match]\nCgroup=/a/b\nProgram=/p/allow.o\n",
	  TREE_ABC, .expect = {
		{ "/a/b", "mode", "off", "program:/p/deny.o", "/a" },
		{ "/a/b", "ran", "/a" },
		{ "/a/b/c", "mode", "off", "program:/p/deny.o", "/a" },
		{ "/a/b/c", "ran", "/a" } } },
	{ "15: program on /a final allow with 5s, program on /a/b denies",
	  "[Match]\nCgroup=/a\nProgram=/p/allow-final-5s.o\n[Match]\nCgroup=/a/b\nProgram=/p/deny.o\n",
	  TREE_ABC, .expect = {
		{ "/a/b", "managed", "yes" },
		{ "/a/b", "mode", "follow", "program:/p/allow-final-5s.o", "/a" },
		{ "/a/b", "interval", "5s", "program:/p/allow-final-5s.o", "/a" },
		{ "/a/b", "ran", "/a" } } },

	/* ----- Combinations ----- */
	{ "child follow under an explicit off parent is off",
	  "[Match]\nCgroup=/a\nMode=off\n", { "/", "/a", "/a/b x:mode=follow" },
	  .runtime = { "/a/b mode=pin" }, .expect = {
		{ "/a/b", "mode", "off", "config:test.conf:3", "/a" },
		{ "/a/b", "managed", "no" } } },
	{ "explicit off at the root switches everything off",
	  "[Match]\nCgroup=/\nMode=off\n[Match]\nCgroup=/a/b\nMode=follow\n", TREE_ABC, .expect = {
		{ "/a/b/c", "mode", "off", "config:test.conf:3", "/" } } },
	{ "explicit off below a managed parent", "[Match]\nCgroup=/a\nMode=follow\n",
	  TREE_ABC, .runtime = { "/a/b mode=off" }, .expect = {
		{ "/a/b", "mode", "off", "runtime", "/a/b" },
		{ "/a/b/c", "mode", "off", "runtime", "/a/b" },
		{ "/a", "mode", "follow" } } },
	{ "budgets shrink down the path",
	  "[Daemon]\nBudget=1G/s\n[Match]\nCgroup=/a\nBudget=200M/s\n[Match]\nCgroup=/a/b\n"
	  "Budget=100M/s\n[Match]\nCgroup=/a/b/c\nBudget=50M/s\n",
	  TREE_ABC, .expect = {
		{ "/", "budget", "1G/s", "config:test.conf:2", "-" },
		{ "/a", "budget", "200M/s", "config:test.conf:5", "/a" },
		{ "/a/b", "budget", "100M/s", "config:test.conf:8", "/a/b" },
		{ "/a/b/c", "budget", "50M/s", "config:test.conf:11", "/a/b/c" },
		{ "/a/b/c", "buckets", "/a=200M/s,/a/b=100M/s,/a/b/c=50M/s" } } },
	{ "the global budget caps a larger explicit one",
	  "[Daemon]\nBudget=64M/s\n[Match]\nCgroup=/a\nBudget=100M/s\n", TREE_ABC, .expect = {
		{ "/a/b", "budget", "64M/s", "config:test.conf:2", "-" },
		{ "/a/b", "buckets", "/a=100M/s" } } },
	{ "unlimited below a budget keeps the budget",
	  "[Match]\nCgroup=/a\nBudget=10M/s\n[Match]\nCgroup=/a/b\nBudget=unlimited\n", TREE_ABC,
	  .expect = {
		{ "/a/b", "budget", "10M/s", "config:test.conf:3", "/a" },
		{ "/a/b", "buckets", "/a=10M/s" } } },
	{ "node sets intersect with cpuset.mems.effective",
	  "[Match]\nCgroup=/a\nNodes=0-2\n", { "/", "/a", "/a/b mems=1-3" }, .expect = {
		{ "/a/b", "nodes", "1-2", "intersection", "/a" },
		{ "/a", "nodes", "0-2", "config:test.conf:3", "/a" } } },
	{ "cpuset alone narrows the default", NULL, { "/", "/a mems=1", "/a/b mems=1" },
	  .expect = {
		{ "/a/b", "nodes", "1", "cpuset", "/a/b" },
		{ "/", "nodes", "0-3", "default", "-" } } },
	{ "default nodes: CPU nodes only, except for tier",
	  "[Match]\nCgroup=/f\nMode=follow\n[Match]\nCgroup=/t\nMode=tier\n",
	  { "/", "/f", "/t" }, .all_nodes = 0x7, .cpu_nodes = 0x3, .expect = {
		{ "/f", "nodes", "0-1", "default", "-" },
		{ "/t", "nodes", "0-2", "default", "-" } } },
	{ "explicit nodes may name a CPU-less node", "[Match]\nCgroup=/a\nNodes=1-2\n",
	  { "/", "/a" }, .all_nodes = 0x7, .cpu_nodes = 0x3, .expect = {
		{ "/a", "nodes", "1-2", "config:test.conf:3", "/a" } } },
	{ "nodes that do not exist are dropped", "[Match]\nCgroup=/a\nNodes=1-9\n", { "/", "/a" },
	  .expect = { { "/a", "nodes", "1-3", "config:test.conf:3", "/a" } } },
	{ "precedence: runtime > xattr > config",
	  "[Match]\nCgroup=/a\nMode=pin\nInterval=10s\nHotThreshold=2s\n",
	  { "/", "/a x:mode=follow x:interval=20s" }, .runtime = { "/a mode=interleave" },
	  .expect = {
		{ "/a", "mode", "interleave", "runtime", "/a" },
		{ "/a", "interval", "20s", "xattr", "/a" },
		{ "/a", "hot_threshold", "2s", "config:test.conf:5", "/a" } } },
	{ "locked attribute: runtime still wins", "[Match]\nCgroup=/a\nMode=pin\nLock=mode\n",
	  { "/", "/a x:mode=follow" }, .runtime = { "/a mode=kernel" }, .expect = {
		{ "/a", "mode", "kernel", "runtime", "/a" },
		{ "/a", "problem", "locked-xattr" } } },
	{ "lock without a value blocks the xattr", "[Match]\nCgroup=/a/*\nLock=nodes budget\n",
	  { "/", "/a", "/a/b x:nodes=0 x:budget=1M/s x:mode=follow" }, .expect = {
		{ "/a/b", "nodes", "0-3", "default", "-" },
		{ "/a/b", "budget", "256M/s", "default", "-" },
		{ "/a/b", "mode", "follow", "xattr", "/a/b" },
		{ "/a/b", "problem", "locked-xattr" } } },
	{ "globs that match nothing", "[Match]\nCgroup=/nothing/*\nMode=follow\n", TREE_ABC,
	  .expect = {
		{ "/a/b/c", "mode", "off", "default", "-" },
		{ "/a", "mode", "off", "default", "-" } } },
	{ "glob matches direct children only", "[Match]\nCgroup=/a/*\nMode=follow\n", TREE_ABC,
	  .expect = {
		{ "/a", "mode", "off", "default" },
		{ "/a/b", "mode", "follow", "config:test.conf:3", "/a/b" },
		{ "/a/b/c", "mode", "follow", "config:test.conf:3", "/a/b" } } },
	{ "** matches at any depth", "[Match]\nCgroup=/a/**\nInterval=1min\n", TREE_ABC,
	  .expect = {
		{ "/a", "interval", "5s", "default" },
		{ "/a/b", "interval", "1min", "config:test.conf:3", "/a/b" },
		{ "/a/b/c", "interval", "1min", "config:test.conf:3", "/a/b/c" } } },
	{ "two rules for one cgroup: the later wins",
	  "[Match]\nCgroup=/a\nMode=pin\nInterval=10s\n\n[Match]\nCgroup=/a*\nMode=follow\n",
	  TREE_ABC, .expect = {
		{ "/a", "mode", "follow", "config:test.conf:8", "/a" },
		{ "/a", "interval", "10s", "config:test.conf:4", "/a" } } },
	{ "daemon defaults from the config", "[Daemon]\nInterval=30s\nHotThreshold=250ms\n",
	  TREE_ABC, .expect = {
		{ "/a/b", "interval", "30s", "config:test.conf:2", "-" },
		{ "/a/b", "hot_threshold", "250ms", "config:test.conf:3", "-" } } },
	{ "pin style is a choice", "[Match]\nCgroup=/a\nMode=pin\nPin=hard\n", TREE_ABC,
	  .runtime = { "/a/b/c pin=soft" }, .expect = {
		{ "/a/b", "pin", "hard", "config:test.conf:4", "/a" },
		{ "/a/b/c", "pin", "soft", "runtime", "/a/b/c" } } },
	{ "unknown and refused xattrs are reported", NULL,
	  { "/", "/a x:colour=red x:program=/tmp/evil.o x:nodes=0-99" }, .expect = {
		{ "/a", "problem", "unknown-xattr" },
		{ "/a", "problem", "xattr-refused" },
		{ "/a", "problem", "bad-xattr" },
		{ "/a", "program", "null", "default" },
		{ "/a", "nodes", "0-3", "default" } } },
	{ "ancestor problems show in a descendant", NULL,
	  { "/", "/a x:mode=bogus", "/a/b" }, .expect = {
		{ "/a/b", "problem", "bad-xattr", NULL, "/a" } } },
	{ "transient runtime setting for another cgroup id does not apply", NULL,
	  { "/", "/a id=7" }, .runtime = { "/a transient id=6 mode=follow" }, .expect = {
		{ "/a", "mode", "off", "default" } } },
	{ "transient runtime setting for this cgroup id applies", NULL, { "/", "/a id=7" },
	  .runtime = { "/a transient id=7 mode=follow" }, .expect = {
		{ "/a", "mode", "follow", "runtime", "/a" } } },

	/* ----- Programs ----- */
	{ "a failing program counts as no opinion",
	  "[Match]\nCgroup=/a\nProgram=/p/allow.o\n[Match]\nCgroup=/a/b\nProgram=/p/fail.o\n",
	  TREE_ABC, .expect = {
		{ "/a/b", "mode", "follow", "program:/p/allow.o", "/a" },
		{ "/a/b", "problem", "program-failed", NULL, "/a/b" },
		{ "/a/b", "ran", "/a,/a/b" } } },
	{ "a bad verdict counts as a failure", "[Match]\nCgroup=/a\nProgram=/p/bad-verdict.o\n",
	  TREE_ABC, .expect = {
		{ "/a", "mode", "off", "default" },
		{ "/a", "problem", "program-failed" } } },
	{ "the nearest program with an opinion decides",
	  "[Match]\nCgroup=/a\nProgram=/p/allow.o\n[Match]\nCgroup=/a/b\nProgram=/p/pin.o\n"
	  "[Match]\nCgroup=/a/b/c\nProgram=/p/none.o\n",
	  TREE_ABC, .expect = {
		{ "/a/b/c", "mode", "pin", "program:/p/pin.o", "/a/b" },
		{ "/a/b/c", "ran", "/a,/a/b,/a/b/c" },
		{ "/a", "mode", "follow", "program:/p/allow.o", "/a" } } },
	{ "a program overrides an explicit choice, not an explicit off",
	  "[Match]\nCgroup=/a\nMode=interleave\nProgram=/p/pin.o\n[Match]\nCgroup=/x\nMode=off\n"
	  "Program=/p/pin.o\n",
	  { "/", "/a", "/x" }, .expect = {
		{ "/a", "mode", "pin", "program:/p/pin.o", "/a" },
		{ "/x", "mode", "off", "config:test.conf:7", "/x" },
		{ "/x", "ran", "" } } },
	{ "allow keeps an explicit mode", "[Match]\nCgroup=/a\nMode=interleave\nProgram=/p/allow.o\n",
	  TREE_ABC, .expect = {
		{ "/a/b", "mode", "interleave", "config:test.conf:3", "/a" } } },
	{ "overrides are clamped to the constraints",
	  "[Match]\nCgroup=/a\nNodes=1-3\nBudget=100M/s\nProgram=/p/narrow.o\n", TREE_ABC,
	  .expect = {
		{ "/a/b", "eligible", "" },
		{ "/a/b", "problem", "no-eligible-nodes" },
		{ "/a/b", "budget", "1M/s", "program:/p/narrow.o", "/a" },
		{ "/a/b", "interval", "100ms", "program:/p/narrow.o", "/a" },
		{ "/a/b", "hot_threshold", "1h", "program:/p/narrow.o", "/a" },
		{ "/a/b", "buckets", "/a=1M/s,/a/b=1M/s" } } },
	{ "a program narrows the nodes", "[Match]\nCgroup=/a\nProgram=/p/narrow.o\n", TREE_ABC,
	  .expect = {
		{ "/a/b", "nodes", "0", "program:/p/narrow.o", "/a" },
		{ "/a/b", "no-problems" } } },
	{ "a program cannot widen nodes or budget",
	  "[Match]\nCgroup=/a\nNodes=1\nBudget=8M/s\nProgram=/p/wide.o\n", TREE_ABC, .expect = {
		{ "/a/b", "nodes", "1", "intersection", "/a" },
		{ "/a/b", "budget", "8M/s", "config:test.conf:4", "/a" },
		{ "/a/b", "mode", "follow", "program:/p/wide.o", "/a" } } },
	{ "a program choosing tier gets the CPU-less nodes",
	  "[Match]\nCgroup=/a\nProgram=/p/tier.o\n", { "/", "/a" }, .all_nodes = 0x7,
	  .cpu_nodes = 0x3, .expect = {
		{ "/a", "mode", "tier", "program:/p/tier.o", "/a" },
		{ "/a", "nodes", "0-2", "default", "-" } } },
	{ "mode off from an allow is refused", "[Match]\nCgroup=/a\nProgram=/p/allow-off.o\n",
	  { "/", "/a" }, .expect = {
		{ "/a", "mode", "follow", "program:/p/allow-off.o", "/a" },
		{ "/a", "problem", "program-reply" } } },
	{ "a runtime attachment runs like a config one", NULL, TREE_ABC,
	  .runtime = { "/a/b program=/p/deny.o" }, .expect = {
		{ "/a/b/c", "mode", "off", "program:/p/deny.o", "/a/b" },
		{ "/a/b/c", "program", "/p/deny.o", "runtime", "/a/b" },
		{ "/a", "ran", "" } } },
	{ "without a program hook programs are listed, not run",
	  "[Match]\nCgroup=/a\nProgram=/p/deny.o\nMode=follow\n", TREE_ABC, .no_programs = true,
	  .expect = {
		{ "/a/b", "mode", "follow", "config:test.conf:4", "/a" },
		{ "/a/b", "ran", "" },
		{ "/a/b", "program", "/p/deny.o", "config:test.conf:3", "/a" } } },
};

static void test_cases(void **state)
{
	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		run_case(&cases[i]);
}

/* Worked case 16: a runtime setting for /a/b applies again when /a/b reappears; a transient
 * one dies with the cgroup. */
static void test_case16_recreated_cgroup(void **state)
{
	const struct policy_case c = { .config = "[Match]\nCgroup=/a\nMode=follow\n" };
	const char *const before[] = { "/", "/a", "/a/b id=10", "/a/d id=11", NULL };
	const char *const gone[] = { "/", "/a", NULL };
	const char *const after[] = { "/", "/a", "/a/b id=20", "/a/d id=21", NULL };
	const char *const runtime[] = { "/a/b mode=pin budget=32M/s", "/a/d transient id=11 mode=pin" };
	struct config *cfg = config_build(c.config);
	struct settings *s = settings_build(runtime, ELEMENTSOF(runtime));
	struct fake_ctx fake = {};
	struct policy_results *res;
	struct tree t;

	tree_build(&t, before);
	res = resolve_case(&c, cfg, s, &t, &fake);
	check_expect(res, &(struct expect){ "/a/b", "mode", "pin", "runtime", "/a/b" }, "16 before");
	check_expect(res, &(struct expect){ "/a/d", "mode", "pin", "runtime", "/a/d" }, "16 before");
	policy_results_free(res);
	tree_done(&t);

	/* Both cgroups are removed: the daemon tells the settings. */
	assert_int_equal(settings_cgroup_removed(s, "/a/b"), 0);
	assert_int_equal(settings_cgroup_removed(s, "/a/d"), 1);
	tree_build(&t, gone);
	res = resolve_case(&c, cfg, s, &t, &fake);
	assert_null(policy_results_find(res, "/a/b"));
	policy_results_free(res);
	tree_done(&t);

	/* Recreated with new ids: the persistent setting applies again. */
	tree_build(&t, after);
	res = resolve_case(&c, cfg, s, &t, &fake);
	check_expect(res, &(struct expect){ "/a/b", "mode", "pin", "runtime", "/a/b" }, "16 after");
	check_expect(res, &(struct expect){ "/a/b", "budget", "32M/s", "runtime", "/a/b" },
		     "16 after");
	check_expect(res, &(struct expect){ "/a/d", "mode", "follow", "config:test.conf:3", "/a" },
		     "16 after");
	policy_results_free(res);
	tree_done(&t);

	settings_free(s);
	config_free(cfg);
}

/* The JSON schema of explain, key by key, for one rich case. */
static void test_explain_json(void **state)
{
	const struct policy_case c = {
		.config = "[Daemon]\nBudget=512M/s\n[Match]\nCgroup=/a\nMode=follow\nNodes=0-1\n"
			  "Budget=100M/s\nProgram=/p/allow.o\n",
	};
	const char *const tree[] = { "/", "/a", "/a/b x:mode=bogus x:budget=10M/s", NULL };
	struct config *cfg = config_build(c.config);
	struct fake_ctx fake = {};
	struct policy_results *res;
	struct json_object *j, *o, *a, *p;
	struct tree t;
	const char *text;

	tree_build(&t, tree);
	res = resolve_case(&c, cfg, NULL, &t, &fake);
	assert_int_equal(policy_result_to_json(policy_results_find(res, "/a/b"), &j), 0);

	assert_string_equal(json_str(j, "cgroup"), "/a/b");
	assert_true(json_object_get_boolean(json_object_object_get(j, "managed")));
	assert_string_equal(json_str(j, "eligible_nodes"), "0-1");
	assert_false(json_object_get_boolean(json_object_object_get(j, "no_eligible_nodes")));

	assert_true(json_object_object_get_ex(j, "effective", &o));
	assert_int_equal(json_object_object_length(o), _POLICY_ATTR_MAX);
	for (enum policy_attr attr = 0; attr < _POLICY_ATTR_MAX; attr++) {
		assert_true(json_object_object_get_ex(o, policy_attr_to_string(attr), &a));
		assert_int_equal(json_object_object_length(a), 3);
		assert_true(json_object_object_get_ex(a, "value", NULL));
		assert_true(json_object_object_get_ex(a, "source", NULL));
		assert_true(json_object_object_get_ex(a, "decided_by", NULL));
	}
	a = json_object_object_get(o, "mode");
	assert_string_equal(json_str(a, "value"), "follow");
	assert_string_equal(json_str(a, "source"), "config:test.conf:5");
	assert_string_equal(json_str(a, "decided_by"), "/a");
	a = json_object_object_get(o, "budget");
	assert_string_equal(json_str(a, "value"), "10M/s");
	assert_string_equal(json_str(a, "source"), "xattr");
	assert_string_equal(json_str(a, "decided_by"), "/a/b");
	a = json_object_object_get(o, "interval");
	assert_string_equal(json_str(a, "value"), "5s");
	assert_string_equal(json_str(a, "source"), "default");
	assert_null(json_str(a, "decided_by"));

	assert_true(json_object_object_get_ex(j, "budget", &o));
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "ceiling_bytes_per_sec")),
			 10 << 20);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "global_bytes_per_sec")),
			 512 << 20);
	a = json_object_object_get(o, "buckets");
	assert_int_equal(json_object_array_length(a), 2);
	p = json_object_array_get_idx(a, 0);
	assert_string_equal(json_str(p, "cgroup"), "/a");
	assert_int_equal(json_object_get_int64(json_object_object_get(p, "bytes_per_sec")),
			 100 << 20);
	p = json_object_array_get_idx(a, 1);
	assert_string_equal(json_str(p, "cgroup"), "/a/b");
	assert_int_equal(json_object_get_int64(json_object_object_get(p, "bytes_per_sec")),
			 10 << 20);

	assert_true(json_object_object_get_ex(j, "programs", &a));
	assert_int_equal(json_object_array_length(a), 1);
	p = json_object_array_get_idx(a, 0);
	assert_string_equal(json_str(p, "cgroup"), "/a");
	assert_string_equal(json_str(p, "program"), "/p/allow.o");
	assert_string_equal(json_str(p, "source"), "config:test.conf:8");
	assert_true(json_object_get_boolean(json_object_object_get(p, "ran")));
	assert_string_equal(json_str(p, "verdict"), "allow");
	assert_false(json_object_get_boolean(json_object_object_get(p, "final")));
	assert_null(json_str(p, "error"));

	assert_true(json_object_object_get_ex(j, "problems", &a));
	assert_int_equal(json_object_array_length(a), 1);
	p = json_object_array_get_idx(a, 0);
	assert_string_equal(json_str(p, "cgroup"), "/a/b");
	assert_string_equal(json_str(p, "kind"), "bad-xattr");
	assert_non_null(strstr(json_str(p, "message"), "user.numab.mode=bogus: not a mode"));

	/* The whole object serialises and parses back. */
	text = json_object_to_json_string(j);
	o = json_tokener_parse(text);
	assert_non_null(o);
	json_object_put(o);
	json_object_put(j);

	/* Unlimited rates are null. */
	{
		struct config *unl = config_build("[Daemon]\nBudget=unlimited\n");

		policy_results_free(res);
		res = resolve_case(&c, unl, NULL, &t, &fake);
		assert_int_equal(policy_result_to_json(policy_results_find(res, "/a"), &j), 0);
		o = json_object_object_get(j, "budget");
		assert_true(json_object_object_get_ex(o, "ceiling_bytes_per_sec", &a));
		assert_null(a);
		assert_true(json_object_object_get_ex(o, "global_bytes_per_sec", &a));
		assert_null(a);
		json_object_put(j);
		config_free(unl);
	}

	policy_results_free(res);
	tree_done(&t);
	config_free(cfg);
}

static void test_explain_text(void **state)
{
	const struct policy_case c = {
		.config = "[Match]\nCgroup=/a\nMode=pin\nBudget=100M/s\nProgram=/p/deny.o\n",
	};
	const char *const tree[] = { "/", "/a", "/a/b x:nodes=7", NULL };
	struct config *cfg = config_build(c.config);
	struct fake_ctx fake = {};
	struct policy_results *res;
	char *text = NULL;
	struct tree t;

	tree_build(&t, tree);
	res = resolve_case(&c, cfg, NULL, &t, &fake);
	assert_int_equal(policy_result_format_text(policy_results_find(res, "/a/b"), &text), 0);
	assert_non_null(strstr(text, "cgroup /a/b: not managed"));
	assert_non_null(strstr(text, "program:/p/deny.o, decided by /a"));
	assert_non_null(strstr(text, "eligible nodes: none"));
	assert_non_null(strstr(text, "bucket /a 100M/s"));
	assert_non_null(strstr(text, "/p/deny.o on /a (config:test.conf:5): deny, final (decides)"));
	assert_non_null(strstr(text, "no eligible nodes"));
	free(text);
	policy_results_free(res);
	tree_done(&t);
	config_free(cfg);
}

/* Messages quote what they got, escaped: JSON stays valid UTF-8. */
static void test_escaping(void **state)
{
	const char *const tree[] = { "/", "/a", NULL };
	struct policy_xattr x = { .name = "mode", .value = "\xff\x01zz" };
	struct policy_topology topo = { .all_nodes = 1, .cpu_nodes = 1 };
	struct policy_results *res = NULL;
	struct json_object *j, *back;
	struct tree t;
	char *e;

	tree_build(&t, tree);
	t.cg[1].xattrs = &x;
	t.cg[1].n_xattrs = 1;
	assert_int_equal(policy_resolve(t.cg, t.n, NULL, NULL, &topo, NULL, NULL, &res), 0);
	assert_int_equal(res->items[1].n_problems, 1);
	assert_non_null(strstr(res->items[1].problems[0].message, "\\xff\\x01zz"));
	assert_int_equal(policy_result_to_json(&res->items[1], &j), 0);
	back = json_tokener_parse(json_object_to_json_string(j));
	assert_non_null(back);
	json_object_put(back);
	json_object_put(j);
	policy_results_free(res);
	tree_done(&t);

	e = policy_escape("a\\x2db\xc3\xa9", 100);
	assert_string_equal(e, "a\\x2db\xc3\xa9");
	free(e);
	e = policy_escape("abcdef", 3);
	assert_string_equal(e, "abc...");
	free(e);
	assert_true(policy_utf8_valid("h\xc3\xa9", 3));
	assert_false(policy_utf8_valid("\xc0\xaf", 2));       /* overlong */
	assert_false(policy_utf8_valid("\xed\xa0\x80", 3));   /* surrogate */
	assert_false(policy_utf8_valid("\xe2\x82", 2));       /* truncated */
}

static void test_malformed_tree(void **state)
{
	struct policy_topology topo = { .all_nodes = 1, .cpu_nodes = 1 };
	struct policy_cgroup cg[2] = { { .path = "/", .parent = -1 }, { .path = "/a", .parent = 1 } };
	struct policy_results *res = NULL;

	assert_int_equal(policy_resolve(cg, 2, NULL, NULL, &topo, NULL, NULL, &res), -EINVAL);
	cg[1].parent = 0;
	cg[1].path = NULL;
	assert_int_equal(policy_resolve(cg, 2, NULL, NULL, &topo, NULL, NULL, &res), -EINVAL);
	assert_int_equal(policy_resolve(cg, 1, NULL, NULL, NULL, NULL, NULL, &res), -EINVAL);
	assert_null(res);

	/* An empty tree is fine. */
	assert_int_equal(policy_resolve(NULL, 0, NULL, NULL, &topo, NULL, NULL, &res), 0);
	assert_int_equal(res->n, 0);
	assert_null(policy_results_find(res, "/"));
	policy_results_free(res);
}

/* A deep tree: no recursion or fixed-depth limit in resolution or formatting. */
static void test_deep_tree(void **state)
{
	enum { DEPTH = 600 };
	struct policy_topology topo = { .all_nodes = 3, .cpu_nodes = 3 };
	struct policy_cgroup *cg = calloc(DEPTH, sizeof(*cg));
	char **paths = calloc(DEPTH, sizeof(*paths));
	struct policy_results *res = NULL;
	struct settings *s = NULL;
	struct policy_values v = {};
	struct json_object *j;
	char *text;

	assert_int_equal(policy_value_parse(POLICY_ATTR_BUDGET, "64M/s", &v, NULL), 0);
	assert_int_equal(settings_new(&s), 0);
	for (int i = 0; i < DEPTH; i++) {
		if (i == 0)
			paths[i] = strdup("/");
		else
			assert_true(asprintf(&paths[i], "%s/d", i == 1 ? "" : paths[i - 1]) > 0);
		cg[i] = (struct policy_cgroup){ .path = paths[i], .parent = i - 1 };
		if (i % 100 == 1)
			assert_int_equal(settings_apply(s, paths[i], &v, false, 0), 0);
	}
	assert_int_equal(policy_resolve(cg, DEPTH, NULL, s, &topo, NULL, NULL, &res), 0);
	assert_int_equal(policy_result_to_json(&res->items[DEPTH - 1], &j), 0);
	assert_int_equal(json_object_array_length(json_object_object_get(
				 json_object_object_get(j, "budget"), "buckets")),
			 6);
	json_object_put(j);
	assert_int_equal(policy_result_format_text(&res->items[DEPTH - 1], &text), 0);
	free(text);
	policy_results_free(res);
	settings_free(s);
	policy_values_done(&v);
	for (int i = 0; i < DEPTH; i++)
		free(paths[i]);
	free(paths);
	free(cg);
}

/* Results do not point into the inputs: free the config, settings and tree first. */
static void test_results_independent(void **state)
{
	const struct policy_case c = { .config = "[Match]\nCgroup=/a\nMode=follow\n" };
	const char *const tree[] = { "/", "/a", NULL };
	const char *const runtime[] = { "/a program=/p/allow.o" };
	struct config *cfg = config_build(c.config);
	struct settings *s = settings_build(runtime, 1);
	struct fake_ctx fake = {};
	struct policy_results *res;
	struct tree t;

	tree_build(&t, tree);
	res = resolve_case(&c, cfg, s, &t, &fake);
	config_free(cfg);
	settings_free(s);
	tree_done(&t);
	memset(&t, 0xaa, sizeof(t));
	check_expect(res, &(struct expect){ "/a", "mode", "follow", "config:test.conf:3", "/a" },
		     "independent");
	check_expect(res, &(struct expect){ "/a", "program", "/p/allow.o", "runtime", "/a" },
		     "independent");
	policy_results_free(res);
}

static void test_value_parse(void **state)
{
	static const struct {
		enum policy_attr attr;
		const char *text;
		int r;
		const char *formatted;
	} rows[] = {
		{ POLICY_ATTR_MODE, "follow", 0, "follow" },
		{ POLICY_ATTR_MODE, "kernel", 0, "kernel" },
		{ POLICY_ATTR_MODE, "Follow", -EINVAL },
		{ POLICY_ATTR_MODE, "", -EINVAL },
		{ POLICY_ATTR_MODE, "follow ", -EINVAL },
		{ POLICY_ATTR_NODES, "0-1,3", 0, "0-1,3" },
		{ POLICY_ATTR_NODES, "63", 0, "63" },
		{ POLICY_ATTR_NODES, "64", -ERANGE },
		{ POLICY_ATTR_NODES, "", -EINVAL },
		{ POLICY_ATTR_NODES, "1-0", -EINVAL },
		{ POLICY_ATTR_NODES, "a", -EINVAL },
		{ POLICY_ATTR_BUDGET, "64M/s", 0, "64M/s" },
		{ POLICY_ATTR_BUDGET, "1.5M/s", 0, "1536K/s" },
		{ POLICY_ATTR_BUDGET, "1000000/s", 0, "1000000/s" },
		{ POLICY_ATTR_BUDGET, "unlimited", 0, "unlimited" },
		{ POLICY_ATTR_BUDGET, "0", 0, "unlimited" },
		{ POLICY_ATTR_BUDGET, "1K/s", -ERANGE },
		{ POLICY_ATTR_BUDGET, "64M", -EINVAL },
		{ POLICY_ATTR_BUDGET, "fast", -EINVAL },
		{ POLICY_ATTR_BUDGET, "-1M/s", -EINVAL },
		{ POLICY_ATTR_INTERVAL, "5s", 0, "5s" },
		{ POLICY_ATTR_INTERVAL, "1500ms", 0, "1500ms" },
		{ POLICY_ATTR_INTERVAL, "2min", 0, "2min" },
		{ POLICY_ATTR_INTERVAL, "24h", 0, "24h" },
		{ POLICY_ATTR_INTERVAL, "25h", -ERANGE },
		{ POLICY_ATTR_INTERVAL, "10ms", -ERANGE },
		{ POLICY_ATTR_INTERVAL, "soon", -EINVAL },
		{ POLICY_ATTR_HOT_THRESHOLD, "1s", 0, "1s" },
		{ POLICY_ATTR_HOT_THRESHOLD, "1ms", 0, "1ms" },
		{ POLICY_ATTR_HOT_THRESHOLD, "999us", -ERANGE },
		{ POLICY_ATTR_HOT_THRESHOLD, "2h", -ERANGE },
		{ POLICY_ATTR_PROGRAM, "/usr/lib/numab/x.bpf.o", 0, "/usr/lib/numab/x.bpf.o" },
		{ POLICY_ATTR_PROGRAM, "x.bpf.o", -EINVAL },
		{ POLICY_ATTR_PROGRAM, "/dir/", -EINVAL },
		{ POLICY_ATTR_PROGRAM, "/a\nb", -EINVAL },
		{ POLICY_ATTR_PIN, "hard", 0, "hard" },
		{ POLICY_ATTR_PIN, "firm", -EINVAL },
		{ _POLICY_ATTR_MAX, "x", -EINVAL },
	};

	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		struct policy_values v = {}, back = {};
		const char *reason = NULL;
		char buf[POLICY_VALUE_FORMAT_MAX];
		int r = policy_value_parse(rows[i].attr, rows[i].text, &v, &reason);

		if (r != rows[i].r)
			fail_msg("%s: got %d, expected %d", rows[i].text, r, rows[i].r);
		if (r < 0) {
			assert_non_null(reason);
			assert_int_equal(v.set_mask, 0);
			continue;
		}
		assert_true(policy_values_has(&v, rows[i].attr));
		assert_string_equal(policy_value_format(rows[i].attr, &v, buf, sizeof(buf)),
				    rows[i].formatted);
		/* The format reads back to the same value. */
		assert_int_equal(policy_value_parse(rows[i].attr, buf, &back, NULL), 0);
		assert_string_equal(policy_value_format(rows[i].attr, &back, buf, sizeof(buf)),
				    rows[i].formatted);
		policy_values_done(&v);
		policy_values_done(&back);
	}
	assert_int_equal(policy_value_parse(POLICY_ATTR_MODE, NULL, &(struct policy_values){}, NULL),
			 -EINVAL);
}

static void test_names_and_paths(void **state)
{
	static const struct {
		const char *in, *out;
	} paths[] = {
		{ "/", "/" }, { "", "/" }, { "a/b", "/a/b" }, { "/a//b/", "/a/b" },
		{ "//", "/" }, { "/a.b/c..d", "/a.b/c..d" }, { "/a/./b", NULL }, { "/a/../b", NULL },
		{ "/a\tb", NULL },
	};

	for (enum policy_mode m = 0; m < _POLICY_MODE_MAX; m++)
		assert_int_equal(policy_mode_from_string(policy_mode_to_string(m)), m);
	assert_int_equal(policy_mode_from_string("bogus"), _POLICY_MODE_INVALID);
	assert_int_equal(policy_mode_from_string(NULL), _POLICY_MODE_INVALID);
	assert_null(policy_mode_to_string(_POLICY_MODE_MAX));
	assert_null(policy_mode_to_string(_POLICY_MODE_INVALID));
	for (enum policy_attr a = 0; a < _POLICY_ATTR_MAX; a++)
		assert_int_equal(policy_attr_from_string(policy_attr_to_string(a)), a);
	assert_int_equal(policy_attr_from_string("hot-threshold"), POLICY_ATTR_HOT_THRESHOLD);
	assert_int_equal(policy_attr_from_string("Mode"), _POLICY_ATTR_INVALID);
	assert_int_equal(policy_pin_from_string("soft"), POLICY_PIN_SOFT);
	assert_string_equal(policy_verdict_to_string(POLICY_VERDICT_DENY), "deny");
	assert_string_equal(policy_problem_kind_to_string(POLICY_PROBLEM_UNTRUSTED_OWNER),
			    "untrusted-owner");

	for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
		char *out = NULL;
		int r = policy_path_normalize(paths[i].in, &out);

		if (!paths[i].out) {
			assert_int_equal(r, -EINVAL);
			continue;
		}
		assert_int_equal(r, 0);
		assert_string_equal(out, paths[i].out);
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_case16_recreated_cgroup),
		cmocka_unit_test(test_explain_json),
		cmocka_unit_test(test_explain_text),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_malformed_tree),
		cmocka_unit_test(test_deep_tree),
		cmocka_unit_test(test_results_independent),
		cmocka_unit_test(test_value_parse),
		cmocka_unit_test(test_names_and_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
