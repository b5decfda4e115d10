/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * numab.conf: valid files, drop-in order, and malformed input, each error with its exact
 * FILE:LINE and message.
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

#include "core/config.h"
#include "shared/macro.h"
#include "test-util.h"

static struct config *load_ok(const char *text)
{
	struct config *cfg = NULL;
	char *error = NULL;
	int r = config_load_string("t.conf", text, &cfg, &error);

	if (r < 0)
		fail_msg("unexpected error %d: %s", r, strna(error));
	assert_null(error);
	return cfg;
}

static void test_defaults(void **state)
{
	struct config *cfg = load_ok("");

	assert_int_equal(cfg->interval_usec, 5000000);
	assert_int_equal(cfg->budget_bytes_per_sec, 256ull << 20);
	assert_int_equal(cfg->hot_threshold_usec, 1000000);
	assert_string_equal(cfg->state_directory, CONFIG_DEFAULT_STATE_DIRECTORY);
	assert_string_equal(cfg->socket_path, CONFIG_DEFAULT_SOCKET);
	assert_int_equal(cfg->autonuma, CONFIG_AUTONUMA_LEAVE);
	assert_int_equal(cfg->n_trusted_uids, 0);
	assert_false(cfg->allow_sys_bpf);
	assert_null(cfg->metrics_listen);
	assert_int_equal(cfg->n_rules, 0);
	assert_int_equal(cfg->n_files, 1);
	for (int k = 0; k < _CONFIG_DAEMON_KEY_MAX; k++)
		assert_null(cfg->daemon_origin[k].file);
	assert_true(config_trusts_uid(cfg, 0));
	assert_false(config_trusts_uid(cfg, 1000));
	assert_true(config_trusts_uid(NULL, 0));
	assert_false(config_trusts_uid(NULL, 1));
	config_free(cfg);

	/* Comments and blank lines only. */
	cfg = load_ok("# numab\n; nothing\n\n   \n[Daemon]\n# Interval=5s\n");
	assert_int_equal(cfg->interval_usec, 5000000);
	config_free(cfg);

	assert_int_equal(config_new_default(&cfg), 0);
	assert_int_equal(cfg->n_files, 0);
	config_free(cfg);
	assert_null(config_free(NULL));
}

static void test_full_file(void **state)
{
	struct config *cfg = load_ok(
		"# numab.conf\n"
		"[Daemon]\n"
		"Interval=10s\n"
		"Budget=1G/s\n"
		"HotThreshold=500ms\n"
		"StateDirectory=/srv/numab\n"
		"Socket=/run/n.sock\n"
		"AutoNUMA=off\n"
		"TrustedOwners=1000 root, 4242\n"
		"AllowSysBpf=yes\n"
		"MetricsListen=127.0.0.1:9464\n"
		"\n"
		"[Match]\n"
		"Cgroup=/kubepods.slice/*\n"
		"Mode=follow\n"
		"Nodes=0-1\n"
		"Budget=64M/s\n"
		"Interval=1min\n"
		"HotThreshold=2s\n"
		"Program=/usr/lib/numab/locality.bpf.o\n"
		"Pin=hard\n"
		"Lock=mode, nodes hot_threshold\n"
		"\n"
		"[Match]\n"
		"Cgroup=/system.slice/**   ; every service\n"
		"Mode=off\n"
		"Lock=\n");

	assert_int_equal(cfg->interval_usec, 10000000);
	assert_int_equal(cfg->budget_bytes_per_sec, 1ull << 30);
	assert_int_equal(cfg->hot_threshold_usec, 500000);
	assert_string_equal(cfg->state_directory, "/srv/numab");
	assert_string_equal(cfg->socket_path, "/run/n.sock");
	assert_int_equal(cfg->autonuma, CONFIG_AUTONUMA_OFF);
	assert_int_equal(cfg->n_trusted_uids, 3);
	assert_int_equal(cfg->trusted_uids[0], 1000);
	assert_int_equal(cfg->trusted_uids[1], 0);
	assert_int_equal(cfg->trusted_uids[2], 4242);
	assert_true(config_trusts_uid(cfg, 4242));
	assert_true(cfg->allow_sys_bpf);
	assert_string_equal(cfg->metrics_listen, "127.0.0.1:9464");
	assert_string_equal(cfg->daemon_origin[CONFIG_DAEMON_BUDGET].file, "t.conf");
	assert_int_equal(cfg->daemon_origin[CONFIG_DAEMON_BUDGET].line, 4);
	assert_int_equal(cfg->daemon_origin[CONFIG_DAEMON_METRICS_LISTEN].line, 11);

	assert_int_equal(cfg->n_rules, 2);
	assert_string_equal(cfg->rules[0].glob, "/kubepods.slice/*");
	assert_int_equal(cfg->rules[0].origin.line, 13);
	assert_string_equal(cfg->rules[0].origin.file, "t.conf");
	assert_int_equal(cfg->rules[0].values.set_mask, POLICY_ATTR_ALL);
	assert_int_equal(cfg->rules[0].values.mode, POLICY_MODE_FOLLOW);
	assert_int_equal(cfg->rules[0].values.nodes, 0x3);
	assert_int_equal(cfg->rules[0].values.budget_bytes_per_sec, 64 << 20);
	assert_int_equal(cfg->rules[0].values.interval_usec, 60000000);
	assert_int_equal(cfg->rules[0].values.hot_threshold_usec, 2000000);
	assert_string_equal(cfg->rules[0].values.program, "/usr/lib/numab/locality.bpf.o");
	assert_int_equal(cfg->rules[0].values.pin, POLICY_PIN_HARD);
	assert_int_equal(cfg->rules[0].value_lines[POLICY_ATTR_MODE], 15);
	assert_int_equal(cfg->rules[0].value_lines[POLICY_ATTR_PIN], 21);
	assert_int_equal(cfg->rules[0].lock_mask,
			 POLICY_ATTR_BIT(POLICY_ATTR_MODE) | POLICY_ATTR_BIT(POLICY_ATTR_NODES) |
				 POLICY_ATTR_BIT(POLICY_ATTR_HOT_THRESHOLD));
	assert_int_equal(cfg->rules[0].lock_line, 22);
	assert_string_equal(cfg->rules[1].glob, "/system.slice/**");
	assert_int_equal(cfg->rules[1].values.set_mask, POLICY_ATTR_BIT(POLICY_ATTR_MODE));
	assert_int_equal(cfg->rules[1].lock_mask, 0);
	config_free(cfg);
}

static void test_syntax_variants(void **state)
{
	struct config *cfg;

	/* CRLF, a BOM, indentation, "Key = Value", a config-style Lock= name. */
	cfg = load_ok("\xef\xbb\xbf[Daemon]\r\n  Interval = 7s\r\n\t[Match]\r\nCgroup=/a\r\n"
		      "  Mode = pin ; comment\r\nLock=HotThreshold\r\n");
	assert_int_equal(cfg->interval_usec, 7000000);
	assert_int_equal(cfg->daemon_origin[CONFIG_DAEMON_INTERVAL].line, 2);
	assert_int_equal(cfg->rules[0].values.mode, POLICY_MODE_PIN);
	assert_int_equal(cfg->rules[0].value_lines[POLICY_ATTR_MODE], 5);
	assert_int_equal(cfg->rules[0].lock_mask, POLICY_ATTR_BIT(POLICY_ATTR_HOT_THRESHOLD));
	config_free(cfg);

	/* Empty [Daemon] values reset the built-in default; repeated [Daemon] sections merge. */
	cfg = load_ok("[Daemon]\nBudget=1G/s\nTrustedOwners=5\nMetricsListen=[::1]:9464\n"
		      "StateDirectory=/x\n[Daemon]\nBudget=\nTrustedOwners=\nMetricsListen=\n"
		      "StateDirectory=\n");
	assert_int_equal(cfg->budget_bytes_per_sec, 256ull << 20);
	assert_null(cfg->daemon_origin[CONFIG_DAEMON_BUDGET].file);
	assert_int_equal(cfg->n_trusted_uids, 0);
	assert_null(cfg->metrics_listen);
	assert_string_equal(cfg->state_directory, CONFIG_DEFAULT_STATE_DIRECTORY);
	config_free(cfg);

	/* A key may repeat in different sections; the later value wins. */
	cfg = load_ok("[Daemon]\nInterval=1s\n[Daemon]\nInterval=2s\n");
	assert_int_equal(cfg->interval_usec, 2000000);
	assert_int_equal(cfg->daemon_origin[CONFIG_DAEMON_INTERVAL].line, 4);
	config_free(cfg);

	/* Budget=unlimited and 0 mean no limit. */
	cfg = load_ok("[Daemon]\nBudget=unlimited\n[Match]\nCgroup=/\nBudget=0\n");
	assert_int_equal(cfg->budget_bytes_per_sec, UINT64_MAX);
	assert_int_equal(cfg->rules[0].values.budget_bytes_per_sec, UINT64_MAX);
	config_free(cfg);

	/* A line of exactly the longest length is fine. */
	{
		char text[512];
		int n = snprintf(text, sizeof(text), "[Match]\nCgroup=/");

		memset(text + n, 'x', 198 - 8);
		strcpy(text + n + 198 - 8, "\n");
		cfg = load_ok(text);
		assert_int_equal(strlen(cfg->rules[0].glob), 198 - 7);
		config_free(cfg);
	}
}

struct bad_case {
	const char *text;
	const char *error;
};

static void test_malformed(void **state)
{
	static const struct bad_case cases[] = {
		/* sections */
		{ "[Foo]\n", "t.conf:1: unknown section [Foo] (expected [Daemon] or [Match])" },
		{ "[daemon]\nInterval=1s\n",
		  "t.conf:1: unknown section [daemon] (expected [Daemon] or [Match])" },
		{ "\n\n[Match]\n", "t.conf:3: [Match] without Cgroup= (every rule needs a cgroup path glob)" },
		{ "[Match]\nMode=follow\n[Daemon]\n",
		  "t.conf:1: [Match] without Cgroup= (every rule needs a cgroup path glob)" },
		{ "[Match] junk\nCgroup=/a\n",
		  "t.conf:1: unexpected text after the section header (expected [Daemon] or [Match] "
		  "alone on the line)" },
		{ "[Match\nCgroup=/a\n",
		  "t.conf:1: syntax error: '[Match' (expected [Section], Key=Value or a comment)" },
		{ "Interval=5s\n",
		  "t.conf:1: Interval= outside of a section (expected [Daemon] or [Match] first)" },
		/* keys */
		{ "[Daemon]\nFoo=1\n", "t.conf:2: unknown key 'Foo' in [Daemon]" },
		{ "[Daemon]\ninterval=1s\n",
		  "t.conf:2: unknown key 'interval' in [Daemon] (did you mean Interval=?)" },
		{ "[Daemon]\nMode=follow\n", "t.conf:2: unknown key 'Mode' in [Daemon]" },
		{ "[Match]\nCgroup=/a\nSocket=/x\n", "t.conf:3: unknown key 'Socket' in [Match]" },
		{ "[Daemon]\n=5\n", "t.conf:2: empty key name" },
		{ "[Daemon]\nInterval=1s\n\nInterval=2s\n",
		  "t.conf:4: Interval= given twice in this section (first on line 2)" },
		{ "[Match]\nCgroup=/a\nCgroup=/b\n",
		  "t.conf:3: Cgroup= given twice in this section (first on line 2)" },
		/* garbage */
		{ "[Daemon]\ngarbage\n",
		  "t.conf:2: syntax error: 'garbage' (expected [Section], Key=Value or a comment)" },
		{ "[Daemon]\nInterval=1s\n  indented garbage\n",
		  "t.conf:3: syntax error: 'indented garbage' (expected [Section], Key=Value or a "
		  "comment)" },
		{ "[Daemon]\nInterval=5s\n\xff\xfe=1\n", "t.conf:3: the line is not valid UTF-8" },
		{ "[Match]\nCgroup=/caf\xc3\n", "t.conf:2: the line is not valid UTF-8" },
		/* the first error wins */
		{ "[Daemon]\nInterval=x\nBudget=y\n",
		  "t.conf:2: Interval=x: not a duration (expected e.g. 500ms, 5s or 2min)" },
		{ "[Daemon]\ngarbage\nBudget=y\n",
		  "t.conf:2: syntax error: 'garbage' (expected [Section], Key=Value or a comment)" },
		{ "[Daemon]\nBudget=y\ngarbage\n",
		  "t.conf:2: Budget=y: not a rate (expected e.g. 64M/s or unlimited)" },
		/* [Daemon] values */
		{ "[Daemon]\nInterval=soon\n",
		  "t.conf:2: Interval=soon: not a duration (expected e.g. 500ms, 5s or 2min)" },
		{ "[Daemon]\nInterval=1ms\n", "t.conf:2: Interval=1ms: out of range (100ms to 24h)" },
		{ "[Daemon]\nBudget=fast\n",
		  "t.conf:2: Budget=fast: not a rate (expected e.g. 64M/s or unlimited)" },
		{ "[Daemon]\nBudget=64M\n",
		  "t.conf:2: Budget=64M: not a rate (expected e.g. 64M/s or unlimited)" },
		{ "[Daemon]\nBudget=1/s\n", "t.conf:2: Budget=1/s: too small (at least 4K/s)" },
		{ "[Daemon]\nHotThreshold=2h\n", "t.conf:2: HotThreshold=2h: out of range (1ms to 1h)" },
		{ "[Daemon]\nStateDirectory=var/lib\n",
		  "t.conf:2: StateDirectory=var/lib: not an absolute path" },
		{ "[Daemon]\nSocket=numabd.sock\n", "t.conf:2: Socket=numabd.sock: not an absolute path" },
		{ "[Daemon]\nAutoNUMA=on\n", "t.conf:2: AutoNUMA=on: expected leave or off" },
		{ "[Daemon]\nAllowSysBpf=maybe\n",
		  "t.conf:2: AllowSysBpf=maybe: not a boolean (expected yes or no)" },
		{ "[Daemon]\nTrustedOwners=0 no-such-user-numab\n",
		  "t.conf:2: TrustedOwners=no-such-user-numab: no such user" },
		{ "[Daemon]\nTrustedOwners=12x\n", "t.conf:2: TrustedOwners=12x: not a uid or user name" },
		{ "[Daemon]\nTrustedOwners=4294967295\n",
		  "t.conf:2: TrustedOwners=4294967295: not a uid or user name" },
		{ "[Daemon]\nMetricsListen=9464\n",
		  "t.conf:2: MetricsListen=9464: not an address (expected HOST:PORT, e.g. "
		  "127.0.0.1:9464)" },
		{ "[Daemon]\nMetricsListen=localhost:0\n",
		  "t.conf:2: MetricsListen=localhost:0: not an address (expected HOST:PORT, e.g. "
		  "127.0.0.1:9464)" },
		{ "[Daemon]\nMetricsListen=::1:9464\n",
		  "t.conf:2: MetricsListen=::1:9464: not an address (expected HOST:PORT, e.g. "
		  "127.0.0.1:9464)" },
		/* [Match] values */
		{ "[Match]\nCgroup=a/b\n",
		  "t.conf:2: Cgroup=a/b: not an absolute cgroup path glob (expected e.g. "
		  "/system.slice/*.service)" },
		{ "[Match]\nCgroup=\n",
		  "t.conf:2: Cgroup=: not an absolute cgroup path glob (expected e.g. "
		  "/system.slice/*.service)" },
		{ "[Match]\nCgroup=/a/\n",
		  "t.conf:2: Cgroup=/a/: trailing '/' (write /a, or /a/** for everything below /a)" },
		{ "[Match]\nCgroup=/a//b\n", "t.conf:2: Cgroup=/a//b: empty path component ('//')" },
		{ "[Match]\nCgroup=/a/../b\n",
		  "t.conf:2: Cgroup=/a/../b: '.' and '..' components are not allowed" },
		{ "[Match]\nCgroup=/**/b\n",
		  "t.conf:2: Cgroup=/**/b: '**' is only allowed as the whole last component (/a/**)" },
		{ "[Match]\nCgroup=/a**\n",
		  "t.conf:2: Cgroup=/a**: '**' is only allowed as the whole last component (/a/**)" },
		{ "[Match]\nCgroup=/a\nMode=bogus\n",
		  "t.conf:3: Mode=bogus: not a mode (expected off, follow, pin, interleave, tier or "
		  "kernel)" },
		{ "[Match]\nCgroup=/a\nMode=\n", "t.conf:3: Mode=: no value" },
		{ "[Match]\nCgroup=/a\nNodes=0-64\n", "t.conf:3: Nodes=0-64: node id out of range (at most 63)" },
		{ "[Match]\nCgroup=/a\nNodes=one\n",
		  "t.conf:3: Nodes=one: not a node list (expected e.g. 0-1,3)" },
		{ "[Match]\nCgroup=/a\nBudget=lots\n",
		  "t.conf:3: Budget=lots: not a rate (expected e.g. 64M/s or unlimited)" },
		{ "[Match]\nCgroup=/a\nInterval=-1s\n",
		  "t.conf:3: Interval=-1s: not a duration (expected e.g. 500ms, 5s or 2min)" },
		{ "[Match]\nCgroup=/a\nHotThreshold=0\n",
		  "t.conf:3: HotThreshold=0: out of range (1ms to 1h)" },
		{ "[Match]\nCgroup=/a\nProgram=prog.o\n",
		  "t.conf:3: Program=prog.o: not an absolute file path (expected e.g. "
		  "/usr/lib/numab/x.bpf.o)" },
		{ "[Match]\nCgroup=/a\nPin=firm\n",
		  "t.conf:3: Pin=firm: not a pin style (expected soft or hard)" },
		{ "[Match]\nCgroup=/a\nLock=mode colour\n",
		  "t.conf:3: Lock=colour: not an attribute (expected mode, nodes, budget, interval, "
		  "hot_threshold, program or pin)" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct config *cfg = (struct config *)0x1;
		char *error = NULL;
		int r = config_load_string("t.conf", cases[i].text, &cfg, &error);

		if (r != -EINVAL)
			fail_msg("case %zu: got %d, expected -EINVAL", i, r);
		assert_ptr_equal(cfg, (struct config *)0x1);
		if (!error || !streq(error, cases[i].error))
			fail_msg("case %zu:\n got      '%s'\n expected '%s'", i, strna(error),
				 cases[i].error);
		free(error);
	}

	/* Without an error out-parameter. */
	{
		struct config *cfg = NULL;

		assert_int_equal(config_load_string("t.conf", "[Foo]\n", &cfg, NULL), -EINVAL);
		assert_null(cfg);
	}
}

static void test_long_line(void **state)
{
	struct config *cfg = NULL;
	static char long_text[70000];
	char *text = long_text, *error = NULL;
	size_t n;

	/* Line 3 is too long for the parser's line buffer. */
	strcpy(text, "[Match]\nCgroup=/a\nProgram=/");
	n = strlen(text);
	memset(text + n, 'p', 65000);
	strcpy(text + n + 65000, ".o\nMode=follow\n");
	assert_int_equal(config_load_string("t.conf", text, &cfg, &error), -EINVAL);
	assert_string_equal(error, "t.conf:3: line too long (65011 bytes, at most 198)");
	free(error);

	/* A long garbage line is quoted cut short. */
	text = malloc(190);
	assert_non_null(text);
	memset(text, 'g', 180);
	strcpy(text + 180, "\n");
	assert_int_equal(config_load_string("t.conf", text, &cfg, &error), -EINVAL);
	assert_non_null(strstr(error, "t.conf:1: syntax error: 'gggg"));
	assert_non_null(strstr(error, "...' (expected"));
	free(error);
	free(text);
}

static void write_file(struct tmpdir *t, const char *path, const char *content)
{
	tmpdir_write(t, path, content);
}

static char *tmp_path(struct tmpdir *t, const char *rel)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", t->path, rel) > 0);
	return p;
}

static void test_dropins(void **state)
{
	struct tmpdir *t = *state;
	_cleanup_free_ char *main_path = tmp_path(t, "numab.conf");
	_cleanup_free_ char *b_path = tmp_path(t, "numab.conf.d/20-b.conf");
	struct config *cfg = NULL;
	char *error = NULL;

	write_file(t, "numab.conf",
		   "[Daemon]\nInterval=10s\nBudget=100M/s\n[Match]\nCgroup=/a\nMode=pin\n");
	write_file(t, "numab.conf.d/20-b.conf", "[Daemon]\nBudget=200M/s\n[Match]\nCgroup=/c\n"
						"Mode=interleave\n");
	write_file(t, "numab.conf.d/10-a.conf", "[Match]\nCgroup=/b\nMode=follow\n");
	write_file(t, "numab.conf.d/30-c.conf.disabled", "garbage\n");
	write_file(t, "numab.conf.d/.hidden.conf", "garbage\n");
	write_file(t, "numab.conf.d/README", "garbage\n");

	assert_int_equal(config_load(main_path, &cfg, &error), 0);
	assert_null(error);
	assert_int_equal(cfg->interval_usec, 10000000);
	assert_int_equal(cfg->budget_bytes_per_sec, 200 << 20);
	assert_string_equal(cfg->daemon_origin[CONFIG_DAEMON_BUDGET].file, b_path);
	assert_int_equal(cfg->daemon_origin[CONFIG_DAEMON_BUDGET].line, 2);
	assert_int_equal(cfg->n_files, 3);
	assert_string_equal(cfg->files[0], main_path);
	assert_non_null(strstr(cfg->files[1], "/numab.conf.d/10-a.conf"));
	assert_string_equal(cfg->files[2], b_path);
	assert_int_equal(cfg->n_rules, 3);
	assert_string_equal(cfg->rules[0].glob, "/a");
	assert_string_equal(cfg->rules[1].glob, "/b");
	assert_string_equal(cfg->rules[2].glob, "/c");
	assert_ptr_equal(cfg->rules[2].origin.file, cfg->files[2]);
	assert_int_equal(cfg->rules[2].value_lines[POLICY_ATTR_MODE], 5);
	config_free(cfg);

	/* An error in a drop-in names the drop-in; nothing is returned. */
	write_file(t, "numab.conf.d/15-bad.conf", "[Match]\nCgroup=/x\n\nNodes=zero\n");
	cfg = NULL;
	assert_int_equal(config_load(main_path, &cfg, &error), -EINVAL);
	assert_null(cfg);
	assert_non_null(strstr(error, "/numab.conf.d/15-bad.conf:4: Nodes=zero: not a node list"));
	free(error);
	assert_int_equal(unlinkat(t->fd, "numab.conf.d/15-bad.conf", 0), 0);

	/* A drop-in that is a directory. */
	tmpdir_mkdir(t, "numab.conf.d/40-dir.conf");
	assert_int_equal(config_load(main_path, &cfg, &error), -EISDIR);
	assert_non_null(strstr(error, "40-dir.conf: cannot read: Is a directory"));
	free(error);
	assert_int_equal(unlinkat(t->fd, "numab.conf.d/40-dir.conf", AT_REMOVEDIR), 0);

	/* A missing main file: defaults plus drop-ins. */
	assert_int_equal(unlinkat(t->fd, "numab.conf", 0), 0);
	assert_int_equal(config_load(main_path, &cfg, &error), 0);
	assert_int_equal(cfg->interval_usec, 5000000);
	assert_int_equal(cfg->n_files, 2);
	assert_int_equal(cfg->n_rules, 2);
	config_free(cfg);
}

static void test_missing_and_odd_files(void **state)
{
	struct tmpdir *t = *state;
	_cleanup_free_ char *missing = tmp_path(t, "nothing/numab.conf");
	_cleanup_free_ char *dir = tmp_path(t, "adir");
	_cleanup_free_ char *big = tmp_path(t, "big.conf");
	_cleanup_free_ char *nul = tmp_path(t, "nul.conf");
	_cleanup_free_ char *empty = tmp_path(t, "empty.conf");
	struct config *cfg = NULL;
	char *error = NULL;
	char *text;
	int fd;

	assert_int_equal(config_load(missing, &cfg, &error), 0);
	assert_int_equal(cfg->n_files, 0);
	assert_int_equal(cfg->n_rules, 0);
	config_free(cfg);

	tmpdir_mkdir(t, "adir");
	assert_int_equal(config_load(dir, &cfg, &error), -EISDIR);
	assert_non_null(strstr(error, "adir: cannot read: Is a directory"));
	free(error);

	text = malloc(CONFIG_FILE_MAX_BYTES + 10);
	assert_non_null(text);
	memset(text, '#', CONFIG_FILE_MAX_BYTES + 9);
	text[CONFIG_FILE_MAX_BYTES + 9] = '\0';
	write_file(t, "big.conf", text);
	free(text);
	assert_int_equal(config_load(big, &cfg, &error), -EFBIG);
	assert_non_null(strstr(error, "big.conf: file too large (at most 1048576 bytes)"));
	free(error);

	fd = openat(t->fd, "nul.conf", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[Daemon]\nInter\0val=1s\n", 22), 22);
	close(fd);
	assert_int_equal(config_load(nul, &cfg, &error), -EINVAL);
	assert_non_null(strstr(error, "nul.conf:2: NUL byte in the line"));
	free(error);

	write_file(t, "empty.conf", "");
	assert_int_equal(config_load(empty, &cfg, &error), 0);
	assert_int_equal(cfg->n_files, 1);
	config_free(cfg);
}

static void test_globs(void **state)
{
	static const struct {
		const char *glob, *path;
		bool match;
	} rows[] = {
		{ "/a", "/a", true },
		{ "/a", "/a/b", false },
		{ "/a", "/ab", false },
		{ "/", "/", true },
		{ "/", "/a", false },
		{ "/a/*", "/a/b", true },
		{ "/a/*", "/a/b/c", false },
		{ "/a/*", "/a", false },
		{ "/kubepods.slice/*", "/kubepods.slice/kubepods-burstable.slice", true },
		{ "/system.slice/*.service", "/system.slice/sshd.service", true },
		{ "/system.slice/*.service", "/system.slice/sshd.socket", false },
		{ "/system.slice/*.service", "/system.slice/x.service/child", false },
		{ "/a/**", "/a", false },
		{ "/a/**", "/a/b", true },
		{ "/a/**", "/a/b/c/d", true },
		{ "/a/**", "/ab/c", false },
		{ "/*/**", "/a/b", true },
		{ "/*/**", "/a", false },
		{ "/**", "/", false },
		{ "/**", "/a", true },
		{ "/**", "/a/b", true },
		{ "/a?", "/ab", true },
		{ "/a?", "/a/", false },
		{ "/[ab]", "/b", true },
		{ "/[!ab]", "/b", false },
		{ "/user.slice/user-*.slice/**", "/user.slice/user-1000.slice/session-1.scope", true },
		{ "/user.slice/user-*.slice/**", "/user.slice/user-1000.slice", false },
		/* Backslashes are literal: systemd escapes. */
		{ "/system.slice/systemd-fsck@dev-disk-by\\x2duuid-*.service",
		  "/system.slice/systemd-fsck@dev-disk-by\\x2duuid-1234.service", true },
		{ "/system.slice/*\\x2d*", "/system.slice/ax2db", false },
		{ "/a\\*", "/a\\b", true },
		{ "/a\\*", "/a*", false },
	};

	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		assert_int_equal(config_glob_validate(rows[i].glob, NULL), 0);
		if (config_glob_match(rows[i].glob, rows[i].path) != rows[i].match)
			fail_msg("%s vs %s: expected %s", rows[i].glob, rows[i].path,
				 rows[i].match ? "match" : "no match");
	}
	assert_int_equal(config_glob_validate("", NULL), -EINVAL);
	assert_int_equal(config_glob_validate(NULL, NULL), -EINVAL);
	assert_int_equal(config_glob_validate("/a/**/**", NULL), -EINVAL);
	assert_int_equal(config_glob_validate("/a/./b", NULL), -EINVAL);
}

static void test_names(void **state)
{
	assert_int_equal(config_autonuma_from_string("leave"), CONFIG_AUTONUMA_LEAVE);
	assert_int_equal(config_autonuma_from_string("off"), CONFIG_AUTONUMA_OFF);
	assert_int_equal(config_autonuma_from_string("on"), _CONFIG_AUTONUMA_INVALID);
	assert_int_equal(config_autonuma_from_string(NULL), _CONFIG_AUTONUMA_INVALID);
	assert_string_equal(config_autonuma_to_string(CONFIG_AUTONUMA_OFF), "off");
	assert_null(config_autonuma_to_string(_CONFIG_AUTONUMA_MAX));
}

/* The shipped sample file parses and changes nothing. */
static void test_shipped_sample(void **state)
{
	const char *fixtures = getenv("FIXTURES_DIR");
	_cleanup_free_ char *path = NULL;
	struct config *cfg = NULL;
	char *error = NULL;

	assert_true(asprintf(&path, "%s/../../conf/numab.conf", fixtures ?: FIXTURES_DIR) > 0);
	if (access(path, R_OK) < 0)
		fail_msg("%s: %m", path);
	if (config_load(path, &cfg, &error) < 0)
		fail_msg("%s", error);
	assert_int_equal(cfg->n_files, 1);
	assert_int_equal(cfg->n_rules, 0);
	for (int k = 0; k < _CONFIG_DAEMON_KEY_MAX; k++)
		assert_null(cfg->daemon_origin[k].file);
	config_free(cfg);
}

static char *read_source_file(const char *rel)
{
	const char *fixtures = getenv("FIXTURES_DIR");
	_cleanup_free_ char *path = NULL;
	char *text = NULL;
	size_t size = 0;
	FILE *f;

	assert_true(asprintf(&path, "%s/../../%s", fixtures ?: FIXTURES_DIR, rel) > 0);
	f = fopen(path, "re");
	if (!f)
		fail_msg("%s: %m", path);
	assert_true(getdelim(&text, &size, '\0', f) > 0);
	fclose(f);
	return text;
}

/* The sample file and the man page list every key with the defaults of the code. */
static void test_docs_consistent(void **state)
{
	static const char *const sample[] = {
		"#Interval=5s\n", "#Budget=256M/s\n", "#HotThreshold=1s\n",
		"#StateDirectory=/var/lib/numab\n", "#Socket=/run/numab/numabd.sock\n",
		"#AutoNUMA=leave\n", "#TrustedOwners=\n", "#AllowSysBpf=no\n", "#MetricsListen=\n",
		"#Cgroup=", "#Mode=", "#Nodes=", "#Budget=", "#Interval=", "#HotThreshold=",
		"#Program=", "#Pin=", "#Lock=",
	};
	static const char *const man[] = {
		".BI Interval= duration", ".BI Budget= rate", ".BI HotThreshold= duration",
		".BI StateDirectory= path", ".BI Socket= path", ".BR AutoNUMA= leave | off",
		".BI TrustedOwners=", ".BI AllowSysBpf= boolean", ".BI MetricsListen= host : port",
		".BI Cgroup= glob", ".BR Mode= off | follow | pin | interleave | tier | kernel",
		".BI Nodes= \"node list\"", ".BI Program= path", ".BR Pin= soft | hard",
		".BI Lock= attribute", ".BR 5s .", ".BR 256M/s ,", ".BR 1s .", ".BR leave .",
	};
	_cleanup_free_ char *conf = read_source_file("conf/numab.conf");
	_cleanup_free_ char *page = read_source_file("man/numab.conf.5");
	struct config *cfg = load_ok("");

	/* The defaults quoted are the code's. */
	assert_int_equal(cfg->interval_usec, 5000000);
	assert_int_equal(cfg->budget_bytes_per_sec, 256 << 20);
	assert_int_equal(cfg->hot_threshold_usec, 1000000);
	config_free(cfg);
	for (size_t i = 0; i < ELEMENTSOF(sample); i++)
		if (!strstr(conf, sample[i]))
			fail_msg("conf/numab.conf lacks %s", sample[i]);
	for (size_t i = 0; i < ELEMENTSOF(man); i++)
		if (!strstr(page, man[i]))
			fail_msg("man/numab.conf.5 lacks %s", man[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_syntax_variants),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test_setup_teardown(test_dropins, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_odd_files, tmpdir_setup,
						tmpdir_teardown),
		cmocka_unit_test(test_globs),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_shipped_sample),
		cmocka_unit_test(test_docs_consistent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
