/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runtime settings: `numabctl set`/`reset` argument parsing, merging and resetting, transient
 * entries, the JSON state (round trip and malformed input), and load/save in a state
 * directory (a corrupt file is moved aside, never fatal).
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "core/settings.h"
#include "shared/macro.h"
#include "test-util.h"

static void parse_ok(const char *const *args, size_t n, struct policy_values *v)
{
	char *error = NULL;

	if (settings_parse_assignments((char *const *)args, n, v, &error) < 0)
		fail_msg("%s", strna(error));
}

static void test_parse_assignments(void **state)
{
	const char *args[] = { "mode=pin", "nodes=0-1", "budget=64M/s", "interval=10s",
			       "hot_threshold=500ms", "program=/usr/lib/numab/x.o", "pin=hard" };
	struct policy_values v = {};

	parse_ok(args, ELEMENTSOF(args), &v);
	assert_int_equal(v.set_mask, POLICY_ATTR_ALL);
	assert_int_equal(v.mode, POLICY_MODE_PIN);
	assert_int_equal(v.nodes, 0x3);
	assert_int_equal(v.budget_bytes_per_sec, 64 << 20);
	assert_int_equal(v.interval_usec, 10000000);
	assert_int_equal(v.hot_threshold_usec, 500000);
	assert_string_equal(v.program, "/usr/lib/numab/x.o");
	assert_int_equal(v.pin, POLICY_PIN_HARD);
	policy_values_done(&v);
	assert_int_equal(v.set_mask, 0);
	assert_null(v.program);

	/* A value may hold "=". */
	parse_ok((const char *[]){ "program=/a=b.o" }, 1, &v);
	assert_string_equal(v.program, "/a=b.o");
	policy_values_done(&v);
	parse_ok((const char *[]){ "hot-threshold=2s" }, 1, &v);
	assert_int_equal(v.hot_threshold_usec, 2000000);
	policy_values_done(&v);
}

static void test_parse_assignments_malformed(void **state)
{
	static const struct {
		const char *args[3];
		const char *error;
	} rows[] = {
		{ { NULL }, "no attr=value given (e.g. mode=follow budget=64M/s)" },
		{ { "follow" }, "'follow': expected attr=value (e.g. mode=follow)" },
		{ { "colour=red" },
		  "'colour': unknown attribute (known: mode, nodes, budget, interval, hot_threshold, "
		  "program, pin)" },
		{ { "=follow" },
		  "'': unknown attribute (known: mode, nodes, budget, interval, hot_threshold, "
		  "program, pin)" },
		{ { "Mode=follow" },
		  "'Mode': unknown attribute (known: mode, nodes, budget, interval, hot_threshold, "
		  "program, pin)" },
		{ { "mode=bogus" },
		  "mode=bogus: not a mode (expected off, follow, pin, interleave, tier or kernel)" },
		{ { "mode=" },
		  "mode=: not a mode (expected off, follow, pin, interleave, tier or kernel)" },
		{ { "budget=fast" }, "budget=fast: not a rate (expected e.g. 64M/s or unlimited)" },
		{ { "nodes=0-99" }, "nodes=0-99: node id out of range (at most 63)" },
		{ { "interval=0" }, "interval=0: out of range (100ms to 24h)" },
		{ { "hot_threshold=soon" },
		  "hot_threshold=soon: not a duration (expected e.g. 500ms, 5s or 2min)" },
		{ { "program=rel.o" },
		  "program=rel.o: not an absolute file path (expected e.g. /usr/lib/numab/x.bpf.o)" },
		{ { "pin=firm" }, "pin=firm: not a pin style (expected soft or hard)" },
		{ { "mode=pin", "budget=1M/s", "mode=follow" }, "mode given twice" },
		{ { "mode=pin", "budget=\xff" },
		  "budget=\\xff: not a rate (expected e.g. 64M/s or unlimited)" },
	};

	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		struct policy_values v = { .set_mask = 0x55 };
		char *error = NULL;
		size_t n = 0;

		while (n < 3 && rows[i].args[n])
			n++;
		assert_int_equal(settings_parse_assignments((char *const *)rows[i].args, n, &v,
							    &error),
				 -EINVAL);
		assert_int_equal(v.set_mask, 0x55);
		if (!error || !streq(error, rows[i].error))
			fail_msg("row %zu:\n got      '%s'\n expected '%s'", i, strna(error),
				 rows[i].error);
		free(error);
	}
	/* NULL error out-parameter. */
	assert_int_equal(settings_parse_assignments((char *const *)(const char *[]){ "x" }, 1,
						    &(struct policy_values){}, NULL),
			 -EINVAL);
}

static void test_parse_attr_names(void **state)
{
	unsigned mask = 0;
	char *error = NULL;

	assert_int_equal(settings_parse_attr_names(NULL, 0, &mask, &error), 0);
	assert_int_equal(mask, POLICY_ATTR_ALL);
	assert_int_equal(settings_parse_attr_names((char *const *)(const char *[]){ "mode", "pin" },
						   2, &mask, &error),
			 0);
	assert_int_equal(mask, POLICY_ATTR_BIT(POLICY_ATTR_MODE) | POLICY_ATTR_BIT(POLICY_ATTR_PIN));
	mask = 7;
	assert_int_equal(settings_parse_attr_names((char *const *)(const char *[]){ "mode", "x=1" },
						   2, &mask, &error),
			 -EINVAL);
	assert_int_equal(mask, 7);
	assert_string_equal(error, "'x=1': unknown attribute (known: mode, nodes, budget, "
				   "interval, hot_threshold, program, pin)");
	free(error);
}

static struct settings *new_settings(void)
{
	struct settings *s = NULL;

	assert_int_equal(settings_new(&s), 0);
	return s;
}

static void apply(struct settings *s, const char *path, const char *arg, bool transient,
		  uint64_t id)
{
	struct policy_values v = {};

	parse_ok(&arg, 1, &v);
	assert_int_equal(settings_apply(s, path, &v, transient, id), 0);
	policy_values_done(&v);
}

static void test_apply_and_reset(void **state)
{
	struct settings *s = new_settings();
	const struct settings_entry *e;
	struct policy_values empty = {};

	apply(s, "/a/b", "mode=follow", false, 0);
	apply(s, "a/b/", "budget=10M/s", false, 0);       /* same cgroup, merged */
	apply(s, "/a", "program=/p.o", false, 0);
	apply(s, "//z", "pin=hard", false, 0);
	assert_int_equal(settings_size(s), 3);

	/* Sorted by path. */
	assert_string_equal(settings_entry_at(s, 0)->path, "/a");
	assert_string_equal(settings_entry_at(s, 1)->path, "/a/b");
	assert_string_equal(settings_entry_at(s, 2)->path, "/z");
	assert_null(settings_entry_at(s, 3));

	e = settings_get(s, "/a/b//");
	assert_non_null(e);
	assert_int_equal(e->values.set_mask,
			 POLICY_ATTR_BIT(POLICY_ATTR_MODE) | POLICY_ATTR_BIT(POLICY_ATTR_BUDGET));
	assert_int_equal(e->values.mode, POLICY_MODE_FOLLOW);
	assert_false(e->transient);

	/* Later values win. */
	apply(s, "/a/b", "mode=pin", false, 0);
	assert_int_equal(settings_get(s, "/a/b")->values.mode, POLICY_MODE_PIN);

	/* Bad input leaves everything as it was. */
	assert_int_equal(settings_apply(s, "/a/../b", &settings_get(s, "/a")->values, false, 0),
			 -EINVAL);
	assert_int_equal(settings_apply(s, "/q", &empty, false, 0), -EINVAL);
	assert_int_equal(settings_size(s), 3);
	assert_null(settings_get(s, "/q"));
	assert_null(settings_get(s, "/a/../b"));

	/* reset: some attributes, then the rest; the entry goes when empty. */
	assert_int_equal(settings_reset(s, "/a/b", POLICY_ATTR_BIT(POLICY_ATTR_MODE)), 1);
	assert_int_equal(settings_get(s, "/a/b")->values.set_mask, POLICY_ATTR_BIT(POLICY_ATTR_BUDGET));
	assert_int_equal(settings_reset(s, "/a/b", POLICY_ATTR_BIT(POLICY_ATTR_MODE)), 0);
	assert_int_equal(settings_reset(s, "/a/b", POLICY_ATTR_ALL), 1);
	assert_null(settings_get(s, "/a/b"));
	assert_int_equal(settings_reset(s, "/a/b", POLICY_ATTR_ALL), 0);
	assert_int_equal(settings_reset(s, "/nothing", POLICY_ATTR_ALL), 0);
	assert_int_equal(settings_reset(s, "/a/./b", POLICY_ATTR_ALL), -EINVAL);
	assert_int_equal(settings_reset(s, "/a", POLICY_ATTR_BIT(POLICY_ATTR_PROGRAM)), 1);
	assert_int_equal(settings_size(s), 1);

	settings_free(s);
	assert_null(settings_free(NULL));
	assert_int_equal(settings_size(NULL), 0);
	assert_null(settings_get(NULL, "/"));
}

static void test_transient(void **state)
{
	struct settings *s = new_settings();
	const struct settings_entry *e;

	apply(s, "/svc", "mode=follow", false, 0);
	apply(s, "/job", "mode=pin", true, 42);
	e = settings_get(s, "/job");
	assert_true(e->transient);
	assert_int_equal(e->cgroup_id, 42);
	assert_true(settings_entry_applies(e, 42));
	assert_false(settings_entry_applies(e, 43));
	assert_true(settings_entry_applies(e, 0));
	assert_true(settings_entry_applies(settings_get(s, "/svc"), 99));

	/* Removal drops transient entries only (DESIGN §10, case 16). */
	assert_int_equal(settings_cgroup_removed(s, "/svc"), 0);
	assert_int_equal(settings_cgroup_removed(s, "/job"), 1);
	assert_int_equal(settings_cgroup_removed(s, "/job"), 0);
	assert_int_equal(settings_cgroup_removed(s, "/never"), 0);
	assert_non_null(settings_get(s, "/svc"));
	assert_null(settings_get(s, "/job"));

	/* A persistent set makes a transient entry persistent, and back. */
	apply(s, "/svc", "pin=hard", true, 5);
	assert_true(settings_get(s, "/svc")->transient);
	assert_int_equal(settings_get(s, "/svc")->values.set_mask,
			 POLICY_ATTR_BIT(POLICY_ATTR_MODE) | POLICY_ATTR_BIT(POLICY_ATTR_PIN));
	apply(s, "/svc", "pin=soft", false, 5);
	assert_false(settings_get(s, "/svc")->transient);
	assert_int_equal(settings_get(s, "/svc")->cgroup_id, 0);
	settings_free(s);
}

static char *to_text(const struct settings *s)
{
	struct json_object *j = NULL;
	char *text;

	assert_int_equal(settings_to_json(s, &j), 0);
	text = strdup(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	json_object_put(j);
	return text;
}

static void test_json_round_trip(void **state)
{
	struct settings *s = new_settings(), *back = NULL;
	struct json_object *j;
	char *a, *b, *error = NULL;

	apply(s, "/a", "budget=1536K/s", false, 0);
	apply(s, "/a", "interval=1500ms", false, 0);
	apply(s, "/a/b", "nodes=0,2-3", true, 77);
	apply(s, "/x", "program=/usr/lib/numab/p.bpf.o", false, 0);
	apply(s, "/x", "hot_threshold=750ms", false, 0);
	apply(s, "/system.slice/dev-disk-by\\x2duuid.service", "mode=kernel", false, 0);

	a = to_text(s);
	assert_string_equal(
		a, "{\"version\":1,\"settings\":["
		   "{\"cgroup\":\"\\/a\",\"transient\":false,\"cgroup_id\":0,\"values\":"
		   "{\"budget\":\"1536K\\/s\",\"interval\":\"1500ms\"}},"
		   "{\"cgroup\":\"\\/a\\/b\",\"transient\":true,\"cgroup_id\":77,\"values\":"
		   "{\"nodes\":\"0,2-3\"}},"
		   "{\"cgroup\":\"\\/system.slice\\/dev-disk-by\\\\x2duuid.service\",\"transient\":"
		   "false,\"cgroup_id\":0,\"values\":{\"mode\":\"kernel\"}},"
		   "{\"cgroup\":\"\\/x\",\"transient\":false,\"cgroup_id\":0,\"values\":"
		   "{\"hot_threshold\":\"750ms\",\"program\":\"\\/usr\\/lib\\/numab\\/p.bpf.o\"}}]}");

	j = json_tokener_parse(a);
	assert_int_equal(settings_from_json(j, &back, &error), 0);
	json_object_put(j);
	b = to_text(back);
	assert_string_equal(a, b);
	assert_int_equal(settings_get(back, "/a/b")->cgroup_id, 77);
	assert_true(settings_get(back, "/a/b")->transient);
	free(a);
	free(b);
	settings_free(back);

	/* Empty. */
	settings_free(s);
	s = new_settings();
	a = to_text(s);
	assert_string_equal(a, "{\"version\":1,\"settings\":[]}");
	free(a);
	settings_free(s);
}

static void test_json_malformed(void **state)
{
	static const struct {
		const char *json;
		const char *error;
	} rows[] = {
		{ "[]", "expected {\"version\": 1, \"settings\": [...]}" },
		{ "{\"settings\": []}", "expected {\"version\": 1, \"settings\": [...]}" },
		{ "{\"version\": \"1\", \"settings\": []}",
		  "expected {\"version\": 1, \"settings\": [...]}" },
		{ "{\"version\": 2, \"settings\": []}", "unsupported version 2" },
		{ "{\"version\": 1, \"settings\": {}}", "expected {\"version\": 1, \"settings\": [...]}" },
		{ "{\"version\": 1, \"settings\": [1]}",
		  "settings[0]: expected {\"cgroup\": PATH, \"values\": {...}}" },
		{ "{\"version\": 1, \"settings\": [{\"values\": {}}]}",
		  "settings[0]: expected {\"cgroup\": PATH, \"values\": {...}}" },
		{ "{\"version\": 1, \"settings\": [{\"cgroup\": \"/a\", \"values\": []}]}",
		  "settings[0]: expected {\"cgroup\": PATH, \"values\": {...}}" },
		{ "{\"version\": 1, \"settings\": [{\"cgroup\": 5, \"values\": {}}]}",
		  "settings[0]: expected {\"cgroup\": PATH, \"values\": {...}}" },
		{ "{\"version\": 1, \"settings\": [{\"cgroup\": \"/a\", \"values\": {\"mode\": "
		  "\"pin\"}}, {\"cgroup\": \"/b\", \"values\": {\"colour\": \"red\"}}]}",
		  "settings[1]: bad attribute 'colour'" },
		{ "{\"version\": 1, \"settings\": [{\"cgroup\": \"/a\", \"values\": {\"mode\": 3}}]}",
		  "settings[0]: bad attribute 'mode'" },
		{ "{\"version\": 1, \"settings\": [{\"cgroup\": \"/a\", \"values\": {\"mode\": "
		  "\"bogus\"}}]}",
		  "settings[0]: mode=bogus: not a mode (expected off, follow, pin, interleave, tier or "
		  "kernel)" },
		{ "{\"version\": 1, \"settings\": [{\"cgroup\": \"/a\", \"values\": {}}]}",
		  "settings[0]: bad cgroup path or no values" },
		{ "{\"version\": 1, \"settings\": [{\"cgroup\": \"/a/../b\", \"values\": {\"mode\": "
		  "\"pin\"}}]}",
		  "settings[0]: bad cgroup path or no values" },
		{ "{\"version\": 1, \"settings\": [{\"cgroup\": \"/a\", \"values\": {\"mode\": "
		  "\"pin\"}}, {\"cgroup\": \"a/\", \"values\": {\"pin\": \"hard\"}}]}",
		  "settings[1]: cgroup given twice" },
		{ "{\"version\": 1, \"settings\": [{\"cgroup\": \"/a\", \"transient\": 1, "
		  "\"values\": {\"mode\": \"pin\"}}]}",
		  "settings[0]: \"transient\" is not a boolean" },
		{ "{\"version\": 1, \"settings\": [{\"cgroup\": \"/a\", \"cgroup_id\": -1, "
		  "\"values\": {\"mode\": \"pin\"}}]}",
		  "settings[0]: \"cgroup_id\" is not a number" },
		{ "{\"version\": 1, \"settings\": [{\"cgroup\": \"/a\", \"cgroup_id\": \"7\", "
		  "\"values\": {\"mode\": \"pin\"}}]}",
		  "settings[0]: \"cgroup_id\" is not a number" },
	};

	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		struct json_object *j = json_tokener_parse(rows[i].json);
		struct settings *s = (struct settings *)0x1;
		char *error = NULL;

		assert_non_null(j);
		assert_int_equal(settings_from_json(j, &s, &error), -EINVAL);
		assert_ptr_equal(s, (struct settings *)0x1);
		if (!error || !streq(error, rows[i].error))
			fail_msg("row %zu:\n got      '%s'\n expected '%s'", i, strna(error),
				 rows[i].error);
		free(error);
		json_object_put(j);
	}
}

static void write_state(struct tmpdir *t, const char *content, size_t size)
{
	int fd = openat(t->fd, SETTINGS_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, size), (ssize_t)size);
	close(fd);
}

static void test_load_save(void **state)
{
	struct tmpdir *t = *state;
	struct settings *s = NULL, *back = NULL;
	char *warning = NULL, *a, *b;
	struct stat st;

	/* No file yet: empty. */
	assert_int_equal(settings_load(t->fd, &s, &warning), 0);
	assert_null(warning);
	assert_int_equal(settings_size(s), 0);

	apply(s, "/a", "mode=follow", false, 0);
	apply(s, "/b", "budget=unlimited", true, 9);
	assert_int_equal(settings_save(s, t->fd), 0);
	assert_int_equal(fstatat(t->fd, SETTINGS_FILE, &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	assert_int_equal(settings_load(t->fd, &back, &warning), 0);
	assert_null(warning);
	a = to_text(s);
	b = to_text(back);
	assert_string_equal(a, b);
	free(a);
	free(b);
	settings_free(back);

	/* Saving again replaces the file; no temporary file is left behind. */
	assert_int_equal(settings_reset(s, "/a", POLICY_ATTR_ALL), 1);
	assert_int_equal(settings_save(s, t->fd), 0);
	assert_int_equal(settings_load(t->fd, &back, NULL), 0);
	assert_int_equal(settings_size(back), 1);
	assert_null(settings_get(back, "/a"));
	settings_free(back);
	{
		DIR *d = fdopendir(dup(t->fd));
		struct dirent *de;
		unsigned n = 0;

		assert_non_null(d);
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				n++;
		closedir(d);
		assert_int_equal(n, 1);
	}
	settings_free(s);
}

static void test_load_corrupt(void **state)
{
	static const struct {
		const char *content;
		size_t size;
		const char *why;
	} rows[] = {
#define ROW(text, why) { text, sizeof(text) - 1, why }
		ROW("", "not JSON: unexpected end of file"),
		ROW("{\"version\": 1, \"settings\": [", "not JSON: unexpected end of file"),
		ROW("garbage", "not JSON"),
		ROW("{\"version\": 1, \"settings\": []} trailing", "not JSON"),
		ROW("{\"version\": 1, \"settings\": []}\0xx", "NUL byte in the file"),
		ROW("{\"version\": 7, \"settings\": []}", "unsupported version 7"),
		ROW("{\"version\": 1, \"settings\": [{\"cgroup\": \"/a\", \"values\": {\"mode\": \"x\"}}]}",
		    "settings[0]: mode=x: not a mode"),
#undef ROW
	};
	struct tmpdir *t = *state;

	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		struct settings *s = NULL;
		char *warning = NULL;
		struct stat st;

		(void)unlinkat(t->fd, SETTINGS_FILE SETTINGS_CORRUPT_SUFFIX, 0);
		write_state(t, rows[i].content, rows[i].size);
		assert_int_equal(settings_load(t->fd, &s, &warning), 1);
		assert_non_null(s);
		assert_int_equal(settings_size(s), 0);
		assert_non_null(warning);
		if (!strstr(warning, rows[i].why) ||
		    !strstr(warning, "runtime.json is corrupt") ||
		    !strstr(warning, "moved to runtime.json.corrupt, starting empty"))
			fail_msg("row %zu: warning '%s' lacks '%s'", i, warning, rows[i].why);
		free(warning);
		warning = NULL;
		settings_free(s);

		/* Moved aside, content kept for the operator. */
		assert_int_equal(fstatat(t->fd, SETTINGS_FILE, &st, 0), -1);
		assert_int_equal(fstatat(t->fd, SETTINGS_FILE SETTINGS_CORRUPT_SUFFIX, &st, 0), 0);
		assert_int_equal(st.st_size, (off_t)rows[i].size);

		/* The next load starts empty without a warning. */
		assert_int_equal(settings_load(t->fd, &s, &warning), 0);
		assert_null(warning);
		settings_free(s);
	}

	/* A state file that is a directory is an I/O error, not corruption. */
	assert_int_equal(mkdirat(t->fd, SETTINGS_FILE, 0700), 0);
	{
		struct settings *s = NULL;
		int r = settings_load(t->fd, &s, NULL);

		assert_true(r == -EISDIR);
		assert_null(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_assignments),
		cmocka_unit_test(test_parse_assignments_malformed),
		cmocka_unit_test(test_parse_attr_names),
		cmocka_unit_test(test_apply_and_reset),
		cmocka_unit_test(test_transient),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_malformed),
		cmocka_unit_test_setup_teardown(test_load_save, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_load_corrupt, tmpdir_setup, tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
