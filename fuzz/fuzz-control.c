/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * numabd's control requests, from the text the socket reads to the reply it writes:
 * control_request_handle() (control.c, the parse and reply every connection gets after the
 * peer check) calls verbs_handle() (verbs.c, program-verbs.c) of a real manager.
 *
 * The manager is built once: manager_new() over a copy of tests/fixtures/2node in a mkdtemp
 * directory, with a numab.conf there (two rules, one with Lock=), its state directory and
 * socket there too, dry run (fixture roots force it), no BPF sampler and no DAMON (neither
 * with fixture roots), no metrics endpoint; then two ticks of its event loop, so that status
 * has a CPU window and the managed cgroups have been evaluated. /empty gets a user.numab.mode
 * xattr where the temporary directory supports user xattrs (tmpfs does), so explain shows an
 * xattr source too. The fixture tree is only read: in dry run no verb writes anything (set
 * keeps runtime settings in memory, unsaved) and the ticks change nothing.
 *
 * An input is one request, or up to FUZZ_MAX_REQUESTS of them separated by NUL bytes, handled
 * in order on the same manager (set, then attach, then reset...); the socket handles the text
 * up to the first NUL, which is the first request here. After each input the runtime settings
 * are dropped and the policy resolved again, so that inputs do not depend on each other.
 *
 * Confined: BPF policy programs. attach's "object" and set's program= value name an object
 * file that numabd loads into the kernel and trial-runs (the fuzzer may run as root). Every
 * absolute one is rewritten to lie below FUZZ_NO_PROGRAMS in the temporary directory, a
 * regular file, so that every load fails in its first stat with ENOTDIR ("/.." included),
 * after all the validation before it has run on the fuzzer's text. Nothing else is filtered:
 * reload reads the temporary numab.conf again; there is no "run" verb in numabd.
 *
 * Invariants (abort):
 *  - every reply is an object with a boolean "ok"; with ok a "result" member, without it a
 *    string "error" and a positive "errno"; it serializes, and the text parses back;
 *  - every number in a reply is finite (json-c writes NaN and Infinity, which are not JSON);
 *  - after every request, status answers with every cgroup of the snapshot, and explain of
 *    "/" answers;
 *  - after a set that succeeded, explain and status of that cgroup answer if it exists
 *    (status listing exactly it) and explain says ENOENT if it does not;
 *  - a reset that succeeded changes nothing when repeated;
 *  - no verb succeeds with a NUL byte ("\u0000") in a string argument it reads, and no
 *    request with one in its verb is parsed (a C string ends there: the verb would act on a
 *    prefix of what the client named).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/policy.h"
#include "core/settings.h"
#include "daemon/control.h"
#include "daemon/manager-state.h"
#include "daemon/verbs.h"
#include "fuzz.h"
#include "shared/log.h"
#include "shared/macro.h"

#define FUZZ_MAX_REQUESTS 4
#define FUZZ_NO_PROGRAMS "no-programs"

static struct manager *fuzz_manager;
static char fuzz_dir[PATH_MAX];
/* The manager keeps the paths of its options: they live as long as it. */
static char *fuzz_conf, *fuzz_cg, *fuzz_sysfs, *fuzz_proc;
static char *fuzz_state;
/* A request of this input may have changed the runtime settings. */
static bool fuzz_dirty;
static size_t fuzz_copy_prefix;
static const char *fuzz_copy_to;

static int copy_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	_cleanup_free_ char *to = NULL;
	_cleanup_close_ int in = -EBADF, out = -EBADF;
	char buf[8192];
	ssize_t n;

	if (asprintf(&to, "%s%s", fuzz_copy_to, path + fuzz_copy_prefix) < 0)
		return -ENOMEM;
	if (type == FTW_D)
		return mkdir(to, 0755) < 0 && errno != EEXIST ? -errno : 0;
	if (type != FTW_F)
		return -EINVAL;
	in = open(path, O_RDONLY | O_CLOEXEC);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st->st_mode & 0777);
	if (in < 0 || out < 0)
		return -errno;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -EIO;
	return n < 0 ? -errno : 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)remove(path);
	return 0;
}

static void fuzz_teardown(void)
{
	fuzz_manager = manager_free(fuzz_manager);
	free(fuzz_conf);
	free(fuzz_cg);
	free(fuzz_sysfs);
	free(fuzz_proc);
	free(fuzz_state);
	if (fuzz_dir[0])
		(void)nftw(fuzz_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	FUZZ_CHECK(f);
	FUZZ_CHECK(fputs(text, f) >= 0);
	FUZZ_CHECK(fclose(f) == 0);
}

static void fuzz_setup(void)
{
	_cleanup_free_ char *root = NULL, *conf_text = NULL, *no_programs = NULL,
			    *xattr_dir = NULL, *runtime = NULL, *runtime_text = NULL;
	const char *tmp = getenv("TMPDIR");
	struct manager_options o = { .dry_run = true };
	sigset_t mask;

	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/numab-fuzz-control.XXXXXX",
		 tmp && *tmp && strlen(tmp) < 64 ? tmp : "/tmp");
	FUZZ_CHECK(mkdtemp(fuzz_dir));
	atexit(fuzz_teardown);

	FUZZ_CHECK(asprintf(&root, "%s/root", fuzz_dir) >= 0);
	fuzz_copy_prefix = strlen(FUZZ_FIXTURES_DIR "/2node");
	fuzz_copy_to = root;
	if (nftw(FUZZ_FIXTURES_DIR "/2node", copy_entry, 16, FTW_PHYS) != 0) {
		fprintf(stderr, "fuzz-control: cannot copy %s to %s\n", FUZZ_FIXTURES_DIR "/2node",
			root);
		abort();
	}
	FUZZ_CHECK(asprintf(&fuzz_cg, "%s/cgroup", root) >= 0);
	FUZZ_CHECK(asprintf(&fuzz_sysfs, "%s/sys", root) >= 0);
	FUZZ_CHECK(asprintf(&fuzz_proc, "%s/proc", root) >= 0);
	/* Not everywhere: without user xattrs, explain just shows no xattr source. */
	FUZZ_CHECK(asprintf(&xattr_dir, "%s/empty", fuzz_cg) >= 0);
	(void)setxattr(xattr_dir, "user.numab.mode", "interleave", strlen("interleave"), 0);

	FUZZ_CHECK(asprintf(&no_programs, "%s/" FUZZ_NO_PROGRAMS, fuzz_dir) >= 0);
	write_text(no_programs, "");
	FUZZ_CHECK(asprintf(&fuzz_conf, "%s/numab.conf", fuzz_dir) >= 0);
	FUZZ_CHECK(asprintf(&conf_text,
			    "[Daemon]\n"
			    "StateDirectory=%1$s/state\n"
			    "Socket=%1$s/numabd.sock\n"
			    "\n"
			    "[Match]\n"
			    "Cgroup=/app\n"
			    "Mode=follow\n"
			    "Budget=64M/s\n"
			    "\n"
			    "[Match]\n"
			    "Cgroup=/app/web\n"
			    "Program=%1$s/" FUZZ_NO_PROGRAMS "/config.bpf.o\n"
			    "\n"
			    "[Match]\n"
			    "Cgroup=/db\n"
			    "Mode=pin\n"
			    "Lock=mode\n",
			    fuzz_dir) >= 0);
	write_text(fuzz_conf, conf_text);
	/* Runtime settings as a previous numabd saved them (a dry run never saves them): one
	 * kept by path for a cgroup that does not exist, a transient one whose cgroup id is not
	 * that of its cgroup, a program attachment. fuzz_reset() loads them again. */
	FUZZ_CHECK(asprintf(&fuzz_state, "%s/state", fuzz_dir) >= 0);
	FUZZ_CHECK(mkdir(fuzz_state, 0700) == 0);
	FUZZ_CHECK(asprintf(&runtime, "%s/" SETTINGS_FILE, fuzz_state) >= 0);
	FUZZ_CHECK(asprintf(&runtime_text,
			    "{\"version\": 1, \"settings\": ["
			    "{\"cgroup\": \"/app/web\", \"values\": {\"mode\": \"pin\", "
			    "\"nodes\": \"1\"}}, "
			    "{\"cgroup\": \"/later\", \"values\": {\"mode\": \"interleave\"}}, "
			    "{\"cgroup\": \"/empty\", \"transient\": true, \"cgroup_id\": 1, "
			    "\"values\": {\"budget\": \"1M/s\"}}, "
			    "{\"cgroup\": \"/db\", \"values\": {\"program\": "
			    "\"%s/" FUZZ_NO_PROGRAMS "/runtime.bpf.o\"}}]}\n",
			    fuzz_dir) >= 0);
	write_text(runtime, runtime_text);

	o.config_path = fuzz_conf;
	o.cgroup_root = fuzz_cg;
	o.sysfs_root = fuzz_sysfs;
	o.proc_root = fuzz_proc;
	(void)json_c_set_serialization_double_format("%.10g", JSON_C_OPTION_GLOBAL);
	if (manager_new(&o, &fuzz_manager) < 0) {
		fprintf(stderr, "fuzz-control: manager_new() failed over %s\n", root);
		abort();
	}
	/* manager_new() blocked these for its signalfd; the event loop does not run here, and
	 * libFuzzer (and meson's test timeout) need them. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	FUZZ_CHECK(sigprocmask(SIG_UNBLOCK, &mask, NULL) == 0);
	/* The first tick at once, the second after the short first window. */
	for (int i = 0; i < 10 && fuzz_manager->tick < 2; i++)
		FUZZ_CHECK(sd_event_run(fuzz_manager->event, UINT64_MAX) >= 0);
	FUZZ_CHECK(fuzz_manager->tick >= 2 && fuzz_manager->cur && fuzz_manager->results);
	if (!getenv("NUMAB_FUZZ_LOG"))
		log_set_max_level(LOG_CRIT);
}

/* An absolute object path, moved below the regular file FUZZ_NO_PROGRAMS. */
static json_object *confined(const char *path)
{
	_cleanup_free_ char *p = NULL;

	FUZZ_CHECK(asprintf(&p, "%s/" FUZZ_NO_PROGRAMS "%s", fuzz_dir, path) >= 0);
	return json_object_new_string(p);
}

static void confine_programs(const char *verb, json_object *args)
{
	json_object *v;

	if (streq(verb, "attach") && json_object_object_get_ex(args, "object", &v) &&
	    json_object_is_type(v, json_type_string) && json_object_get_string(v)[0] == '/')
		json_object_object_add(args, "object", confined(json_object_get_string(v)));
	if (!streq(verb, "set") || !json_object_object_get_ex(args, "assignments", &v) ||
	    !json_object_is_type(v, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		json_object *e = json_object_array_get_idx(v, i);
		_cleanup_free_ char *name = NULL;
		const char *text, *eq;

		if (!json_object_is_type(e, json_type_string))
			continue;
		text = json_object_get_string(e);
		eq = strchr(text, '=');
		if (!eq || eq[1] != '/')
			continue;
		name = strndup(text, (size_t)(eq - text));
		FUZZ_CHECK(name);
		if (policy_attr_from_string(name) == POLICY_ATTR_PROGRAM) {
			_cleanup_free_ char *p = NULL;

			FUZZ_CHECK(asprintf(&p, "%s=%s/" FUZZ_NO_PROGRAMS "%s", name, fuzz_dir,
					    eq + 1) >= 0);
			FUZZ_CHECK(json_object_array_put_idx(v, i, json_object_new_string(p)) == 0);
		}
	}
}

/* Call a verb from here (the oracles); returns its result (the caller puts it) or NULL, and
 * its return value in *ret_r. */
static json_object *call(const char *verb, json_object *args, int *ret_r)
{
	_cleanup_free_ char *error = NULL;
	json_object *result = NULL;
	int r = verbs_handle(fuzz_manager, verb, args, &result, &error);

	json_object_put(args);
	FUZZ_CHECK(r <= 0);
	FUZZ_CHECK(r == 0 || !result);
	*ret_r = r;
	return result;
}

static json_object *path_args(const char *key, const char *path, bool as_list)
{
	json_object *args = json_object_new_object(), *v = json_object_new_string(path);

	FUZZ_CHECK(args && v);
	if (as_list) {
		json_object *list = json_object_new_array();

		FUZZ_CHECK(list);
		json_object_array_add(list, v);
		v = list;
	}
	json_object_object_add(args, key, v);
	return args;
}

static void check_still_answers(void)
{
	json_object *o, *list;
	int r;

	o = call("status", json_object_new_object(), &r);
	FUZZ_CHECK(r == 0 && o);
	FUZZ_CHECK(json_object_object_get_ex(o, "cgroups", &list));
	FUZZ_CHECK(json_object_array_length(list) == fuzz_manager->cur->n_cgroups);
	json_object_put(o);
	o = call("explain", path_args("cgroup", "/", false), &r);
	FUZZ_CHECK(r == 0 && o);
	json_object_put(o);
}

/* A set that succeeded: its cgroup answers explain (and status) if it exists. */
static void check_after_set(const char *path, json_object *result)
{
	_cleanup_free_ char *norm = NULL;
	json_object *o, *v, *list;
	bool exists = !json_object_object_get_ex(result, "exists", &v) ||
		      json_object_get_boolean(v);
	int r;

	FUZZ_CHECK(path && policy_path_normalize(path, &norm) == 0);
	o = call("explain", path_args("cgroup", norm, false), &r);
	FUZZ_CHECK(exists ? r == 0 : r == -ENOENT);
	json_object_put(o);
	if (!exists)
		return;
	o = call("status", path_args("cgroups", norm, true), &r);
	FUZZ_CHECK(r == 0 && json_object_object_get_ex(o, "cgroups", &list));
	FUZZ_CHECK(json_object_array_length(list) == 1);
	json_object_put(o);
}

static void check_after_reset(json_object *args)
{
	json_object *o, *v;
	int r;

	o = call("reset", json_object_get(args), &r);
	FUZZ_CHECK(r == 0 && json_object_object_get_ex(o, "changed", &v));
	FUZZ_CHECK(!json_object_get_boolean(v));
	json_object_put(o);
}

/* Whether args[key] is, or is a list holding, a string with a NUL byte. */
static bool has_nul(json_object *args, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(args, key, &v))
		return false;
	if (json_object_is_type(v, json_type_string))
		return !verbs_is_c_string(v);
	for (size_t i = 0; json_object_is_type(v, json_type_array) &&
			   i < json_object_array_length(v); i++) {
		json_object *e = json_object_array_get_idx(v, i);

		if (json_object_is_type(e, json_type_string) && !verbs_is_c_string(e))
			return true;
	}
	return false;
}

/* The arguments each verb reads: one with a NUL byte must make it fail (acting on the part
 * before the NUL would act on something else than the client named). */
static const struct {
	const char *verb;
	const char *keys[4];
} verb_keys[] = {
	{ "status", { "cgroups" } },
	{ "explain", { "cgroup" } },
	{ "set", { "cgroup", "assignments" } },
	{ "reset", { "cgroup", "attributes" } },
	{ "attach", { "cgroup", "object", "name" } },
	{ "detach", { "cgroup" } },
};

static void check_no_nul_accepted(const char *verb, json_object *args)
{
	for (size_t i = 0; i < ELEMENTSOF(verb_keys); i++)
		for (size_t k = 0; streq(verb, verb_keys[i].verb) && verb_keys[i].keys[k]; k++)
			FUZZ_CHECK(!has_nul(args, verb_keys[i].keys[k]));
}

/* The handler the control server would call, with programs confined and the oracles after. */
static int fuzz_handle(void *userdata, const char *verb, json_object *args,
		       json_object **ret_result, char **ret_error)
{
	int r;

	confine_programs(verb, args);
	fuzz_dirty = fuzz_dirty || streq(verb, "set") || streq(verb, "reset") ||
		     streq(verb, "attach") || streq(verb, "detach");
	r = verbs_handle(userdata, verb, args, ret_result, ret_error);
	FUZZ_CHECK(r <= 0);
	if (r < 0)
		return r;
	check_no_nul_accepted(verb, args);
	if (streq(verb, "set"))
		check_after_set(verbs_arg_string(args, "cgroup"), *ret_result);
	else if (streq(verb, "reset"))
		check_after_reset(args);
	return r;
}

static void check_finite(json_object *o)
{
	struct json_object_iterator it, end;

	switch (json_object_get_type(o)) {
	case json_type_double:
		FUZZ_CHECK(isfinite(json_object_get_double(o)));
		break;
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(o); i++)
			check_finite(json_object_array_get_idx(o, i));
		break;
	case json_type_object:
		it = json_object_iter_begin(o);
		end = json_object_iter_end(o);
		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
			check_finite(json_object_iter_peek_value(&it));
		break;
	default:
		break;
	}
}

static void check_reply(json_object *reply)
{
	json_object *ok, *v, *back;
	const char *text;

	FUZZ_CHECK(json_object_is_type(reply, json_type_object));
	FUZZ_CHECK(json_object_object_get_ex(reply, "ok", &ok) &&
		   json_object_is_type(ok, json_type_boolean));
	if (json_object_get_boolean(ok)) {
		FUZZ_CHECK(json_object_object_get_ex(reply, "result", &v));
	} else {
		FUZZ_CHECK(json_object_object_get_ex(reply, "error", &v) &&
			   json_object_is_type(v, json_type_string));
		FUZZ_CHECK(json_object_object_get_ex(reply, "errno", &v) &&
			   json_object_get_int(v) > 0);
	}
	check_finite(reply);
	text = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE);
	FUZZ_CHECK(text);
	back = json_tokener_parse(text);
	FUZZ_CHECK(json_object_is_type(back, json_type_object));
	json_object_put(back);
}

/* Load the runtime settings again from the state directory (unchanged: a dry run does not
 * save them), so that the next input starts from the same manager. */
static void fuzz_reset(void)
{
	struct settings *s = NULL;
	char *warning = NULL;

	if (!fuzz_dirty)
		return;
	fuzz_dirty = false;
	FUZZ_CHECK(settings_load(fuzz_manager->state_fd, &s, &warning) == 0);
	FUZZ_CHECK(!warning);
	settings_free(fuzz_manager->settings);
	fuzz_manager->settings = s;
	FUZZ_CHECK(manager_resolve(fuzz_manager) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t start = 0;

	if (!fuzz_manager)
		fuzz_setup();
	for (unsigned n = 0; n < FUZZ_MAX_REQUESTS && start <= size; n++) {
		const uint8_t *nul = size > start ? memchr(data + start, '\0', size - start) : NULL;
		size_t len = nul ? (size_t)(nul - (data + start)) : size - start;
		_cleanup_free_ char *text = fuzz_text(data + start, len);
		json_object *reply = control_request_handle(text, fuzz_handle, fuzz_manager), *req, *v;
		const char *verb;
		char msg[256];

		/* The same parse: a verb it accepts has no NUL byte. */
		if (control_request_parse(text, &req, &verb, &v, msg, sizeof(msg)) == 0) {
			FUZZ_CHECK(json_object_object_get_ex(req, "verb", &v) && verbs_is_c_string(v));
			json_object_put(req);
		}
		check_reply(reply);
		json_object_put(reply);
		check_still_answers();
		if (!nul)
			break;
		start += len + 1;
	}
	fuzz_reset();
	return 0;
}
