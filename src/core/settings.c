/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runtime settings.
 *
 * A sorted array of entries keyed by normalised cgroup path: operators make a handful of
 * settings, lookups happen once per cgroup per resolution (binary search), and the sorted
 * order makes the state file stable, so a diff of two state files means something.
 *
 * Settings are kept by path, not by cgroup id (DESIGN §10): a service restart recreates its
 * cgroup with a new id and the operator's setting must apply again (worked case 16).
 * Transient settings are the exception that wants the id: one made with --transient dies
 * with the cgroup it was made for. The id makes that exact even across a numabd restart
 * during which the cgroup was recreated: a transient entry whose id no longer matches the
 * cgroup at its path does not apply.
 *
 * The state file is written whole and atomically. A file that cannot be parsed is not
 * fatal: the daemon must come up, so it is renamed aside for the operator to inspect and
 * numabd starts with no runtime settings. A file is judged as a whole: accepting the valid
 * half of a corrupt file would apply settings the operator may have replaced.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/settings.h"
#include "shared/fileio.h"
#include "shared/macro.h"

/* The state file is small; a bigger one is corrupt. */
#define SETTINGS_FILE_MAX_BYTES (16u << 20)
#define SETTINGS_VERSION 1
#define MESSAGE_VALUE_MAX 128

struct settings {
	struct settings_entry *entries;   /* sorted by path */
	size_t n;
};

static void format_error(char **ret, const char *fmt, ...) _printf_(2, 3);

static void format_error(char **ret, const char *fmt, ...)
{
	va_list ap;

	if (!ret)
		return;
	va_start(ap, fmt);
	if (vasprintf(ret, fmt, ap) < 0)
		*ret = NULL;
	va_end(ap);
}

int settings_new(struct settings **ret)
{
	struct settings *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

static void entry_done(struct settings_entry *e)
{
	free(e->path);
	policy_values_done(&e->values);
}

struct settings *settings_free(struct settings *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		entry_done(&s->entries[i]);
	free(s->entries);
	free(s);
	return NULL;
}

static inline void settings_freep(struct settings **s)
{
	settings_free(*s);
}

size_t settings_size(const struct settings *s)
{
	return s ? s->n : 0;
}

const struct settings_entry *settings_entry_at(const struct settings *s, size_t i)
{
	return s && i < s->n ? &s->entries[i] : NULL;
}

/* Binary search: the index of path, or of where it would go (*found false). */
static size_t find_index(const struct settings *s, const char *path, bool *found)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->entries[mid].path, path);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

const struct settings_entry *settings_get(const struct settings *s, const char *path)
{
	_cleanup_free_ char *norm = NULL;
	bool found;
	size_t i;

	if (!s || s->n == 0 || policy_path_normalize(path, &norm) < 0)
		return NULL;
	i = find_index(s, norm, &found);
	return found ? &s->entries[i] : NULL;
}

bool settings_entry_applies(const struct settings_entry *e, uint64_t cgroup_id)
{
	return !e->transient || e->cgroup_id == 0 || cgroup_id == 0 || e->cgroup_id == cgroup_id;
}

static int parse_one(const char *arg, struct policy_values *v, unsigned *seen, char **ret_error)
{
	_cleanup_free_ char *name = NULL, *e = NULL;
	const char *eq = strchr(arg, '='), *reason = NULL;
	enum policy_attr a;
	int k;

	if (!eq) {
		e = policy_escape(arg, MESSAGE_VALUE_MAX);
		format_error(ret_error, "'%s': expected attr=value (e.g. mode=follow)", strempty(e));
		return -EINVAL;
	}
	name = strndup(arg, (size_t)(eq - arg));
	if (!name)
		return -ENOMEM;
	a = policy_attr_from_string(name);
	if (a < 0) {
		e = policy_escape(name, MESSAGE_VALUE_MAX);
		format_error(ret_error,
			     "'%s': unknown attribute (known: mode, nodes, budget, interval, "
			     "hot_threshold, program, pin)",
			     strempty(e));
		return -EINVAL;
	}
	if (*seen & POLICY_ATTR_BIT(a)) {
		format_error(ret_error, "%s given twice", policy_attr_to_string(a));
		return -EINVAL;
	}
	*seen |= POLICY_ATTR_BIT(a);
	k = policy_value_parse(a, eq + 1, v, &reason);
	if (k == -ENOMEM)
		return k;
	if (k < 0) {
		e = policy_escape(eq + 1, MESSAGE_VALUE_MAX);
		format_error(ret_error, "%s=%s: %s", policy_attr_to_string(a), strempty(e), reason);
		return -EINVAL;
	}
	return 0;
}

int settings_parse_assignments(char *const *args, size_t n, struct policy_values *ret,
			       char **ret_error)
{
	struct policy_values v = {};
	unsigned seen = 0;
	int k;

	if (n == 0) {
		format_error(ret_error, "no attr=value given (e.g. mode=follow budget=64M/s)");
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		k = parse_one(args[i], &v, &seen, ret_error);
		if (k < 0) {
			policy_values_done(&v);
			return k;
		}
	}
	*ret = v;
	return 0;
}

int settings_parse_attr_names(char *const *names, size_t n, unsigned *ret_mask,
			      char **ret_error)
{
	unsigned mask = 0;

	for (size_t i = 0; i < n; i++) {
		enum policy_attr a = policy_attr_from_string(names[i]);

		if (a < 0) {
			_cleanup_free_ char *e = policy_escape(names[i], MESSAGE_VALUE_MAX);

			format_error(ret_error,
				     "'%s': unknown attribute (known: mode, nodes, budget, interval, "
				     "hot_threshold, program, pin)",
				     strempty(e));
			return -EINVAL;
		}
		mask |= POLICY_ATTR_BIT(a);
	}
	*ret_mask = n == 0 ? POLICY_ATTR_ALL : mask;
	return 0;
}

int settings_apply(struct settings *s, const char *path, const struct policy_values *v,
		   bool transient, uint64_t cgroup_id)
{
	_cleanup_free_ char *norm = NULL;
	struct policy_values merged = {};
	struct settings_entry *e;
	bool found;
	size_t i;
	int k;

	if (!s || !v || (v->set_mask & POLICY_ATTR_ALL) == 0)
		return -EINVAL;
	k = policy_path_normalize(path, &norm);
	if (k < 0)
		return k;
	i = find_index(s, norm, &found);

	/* Build the new values aside, so that a failure leaves s as it was. */
	if (found)
		for (enum policy_attr a = 0; a < _POLICY_ATTR_MAX; a++) {
			k = policy_values_copy_attr(&merged, &s->entries[i].values, a);
			if (k < 0)
				goto fail;
		}
	for (enum policy_attr a = 0; a < _POLICY_ATTR_MAX; a++) {
		if (!policy_values_has(v, a))
			continue;
		k = policy_values_copy_attr(&merged, v, a);
		if (k < 0)
			goto fail;
	}

	if (!found) {
		e = realloc(s->entries, (s->n + 1) * sizeof(*e));
		if (!e) {
			k = -ENOMEM;
			goto fail;
		}
		s->entries = e;
		memmove(e + i + 1, e + i, (s->n - i) * sizeof(*e));
		e[i] = (struct settings_entry){ .path = TAKE_PTR(norm) };
		s->n++;
	}
	e = &s->entries[i];
	policy_values_done(&e->values);
	e->values = merged;
	e->transient = transient;
	e->cgroup_id = transient ? cgroup_id : 0;
	return 0;

fail:
	policy_values_done(&merged);
	return k;
}

static void remove_index(struct settings *s, size_t i)
{
	entry_done(&s->entries[i]);
	memmove(s->entries + i, s->entries + i + 1, (s->n - i - 1) * sizeof(*s->entries));
	s->n--;
}

int settings_reset(struct settings *s, const char *path, unsigned mask)
{
	_cleanup_free_ char *norm = NULL;
	struct settings_entry *e;
	bool found;
	size_t i;
	int k;

	if (!s)
		return -EINVAL;
	k = policy_path_normalize(path, &norm);
	if (k < 0)
		return k;
	i = find_index(s, norm, &found);
	if (!found)
		return 0;
	e = &s->entries[i];
	if ((e->values.set_mask & mask) == 0)
		return 0;
	for (enum policy_attr a = 0; a < _POLICY_ATTR_MAX; a++)
		if (mask & POLICY_ATTR_BIT(a))
			policy_values_unset(&e->values, a);
	if ((e->values.set_mask & POLICY_ATTR_ALL) == 0)
		remove_index(s, i);
	return 1;
}

int settings_cgroup_removed(struct settings *s, const char *path)
{
	_cleanup_free_ char *norm = NULL;
	bool found;
	size_t i;

	if (!s || policy_path_normalize(path, &norm) < 0)
		return 0;
	i = find_index(s, norm, &found);
	if (!found || !s->entries[i].transient)
		return 0;
	remove_index(s, i);
	return 1;
}

/* ----- JSON ----- */

static int json_add(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int entry_to_json(const struct settings_entry *e, struct json_object **ret)
{
	struct json_object *o = json_object_new_object(), *values;
	int k;

	if (!o)
		return -ENOMEM;
	k = json_add(o, "cgroup", json_object_new_string(e->path));
	if (k >= 0)
		k = json_add(o, "transient", json_object_new_boolean(e->transient));
	if (k >= 0)
		k = json_add(o, "cgroup_id", json_object_new_uint64(e->cgroup_id));
	values = json_object_new_object();
	if (k >= 0)
		k = json_add(o, "values", values);
	else
		json_object_put(values);
	for (enum policy_attr a = 0; a < _POLICY_ATTR_MAX && k >= 0; a++) {
		char buf[POLICY_VALUE_FORMAT_MAX];

		if (!policy_values_has(&e->values, a))
			continue;
		k = json_add(values, policy_attr_to_string(a),
			     json_object_new_string(
				     policy_value_format(a, &e->values, buf, sizeof(buf))));
	}
	if (k < 0) {
		json_object_put(o);
		return k;
	}
	*ret = o;
	return 0;
}

int settings_to_json(const struct settings *s, struct json_object **ret)
{
	struct json_object *o = json_object_new_object(), *a;
	int k;

	if (!o)
		return -ENOMEM;
	k = json_add(o, "version", json_object_new_int(SETTINGS_VERSION));
	a = json_object_new_array();
	if (k >= 0)
		k = json_add(o, "settings", a);
	else
		json_object_put(a);
	for (size_t i = 0; s && i < s->n && k >= 0; i++) {
		struct json_object *e = NULL;

		k = entry_to_json(&s->entries[i], &e);
		if (k >= 0 && json_object_array_add(a, e) < 0) {
			json_object_put(e);
			k = -ENOMEM;
		}
	}
	if (k < 0) {
		json_object_put(o);
		return k;
	}
	*ret = o;
	return 0;
}

static int entry_from_json(struct settings *s, size_t index, struct json_object *j,
			   char **ret_error)
{
	struct json_object *path, *transient = NULL, *id = NULL, *values;
	struct policy_values v = {};
	uint64_t cgroup_id = 0;
	int k;

	if (!json_object_is_type(j, json_type_object) ||
	    !json_object_object_get_ex(j, "cgroup", &path) ||
	    !json_object_is_type(path, json_type_string) ||
	    !json_object_object_get_ex(j, "values", &values) ||
	    !json_object_is_type(values, json_type_object)) {
		format_error(ret_error, "settings[%zu]: expected {\"cgroup\": PATH, \"values\": {...}}",
			     index);
		return -EINVAL;
	}
	if (json_object_object_get_ex(j, "transient", &transient) &&
	    !json_object_is_type(transient, json_type_boolean)) {
		format_error(ret_error, "settings[%zu]: \"transient\" is not a boolean", index);
		return -EINVAL;
	}
	if (json_object_object_get_ex(j, "cgroup_id", &id)) {
		if (!json_object_is_type(id, json_type_int) || json_object_get_int64(id) < 0) {
			format_error(ret_error, "settings[%zu]: \"cgroup_id\" is not a number", index);
			return -EINVAL;
		}
		cgroup_id = json_object_get_uint64(id);
	}

	json_object_object_foreach(values, key, val) {
		enum policy_attr a = policy_attr_from_string(key);
		const char *reason = NULL;

		if (a < 0 || !json_object_is_type(val, json_type_string)) {
			_cleanup_free_ char *e = policy_escape(key, MESSAGE_VALUE_MAX);

			format_error(ret_error, "settings[%zu]: bad attribute '%s'", index,
				     strempty(e));
			policy_values_done(&v);
			return -EINVAL;
		}
		k = policy_value_parse(a, json_object_get_string(val), &v, &reason);
		if (k < 0) {
			_cleanup_free_ char *e = policy_escape(json_object_get_string(val),
							       MESSAGE_VALUE_MAX);

			policy_values_done(&v);
			if (k == -ENOMEM)
				return k;
			format_error(ret_error, "settings[%zu]: %s=%s: %s", index, key, strempty(e),
				     reason);
			return -EINVAL;
		}
	}
	if (settings_get(s, json_object_get_string(path))) {
		format_error(ret_error, "settings[%zu]: cgroup given twice", index);
		policy_values_done(&v);
		return -EINVAL;
	}

	k = settings_apply(s, json_object_get_string(path), &v,
			   transient && json_object_get_boolean(transient), cgroup_id);
	policy_values_done(&v);
	if (k == -EINVAL)
		format_error(ret_error, "settings[%zu]: bad cgroup path or no values", index);
	return k;
}

int settings_from_json(struct json_object *j, struct settings **ret, char **ret_error)
{
	_cleanup_(settings_freep) struct settings *s = NULL;
	struct json_object *version, *a;
	int k;

	if (!json_object_is_type(j, json_type_object) ||
	    !json_object_object_get_ex(j, "version", &version) ||
	    !json_object_is_type(version, json_type_int) ||
	    !json_object_object_get_ex(j, "settings", &a) ||
	    !json_object_is_type(a, json_type_array)) {
		format_error(ret_error, "expected {\"version\": 1, \"settings\": [...]}");
		return -EINVAL;
	}
	if (json_object_get_int64(version) != SETTINGS_VERSION) {
		format_error(ret_error, "unsupported version %" PRId64,
			     json_object_get_int64(version));
		return -EINVAL;
	}
	k = settings_new(&s);
	if (k < 0)
		return k;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		k = entry_from_json(s, i, json_object_array_get_idx(a, i), ret_error);
		if (k < 0)
			return k;
	}
	*ret = TAKE_PTR(s);
	return 0;
}

/* Parse the state file's text. */
static int settings_parse_text(const char *text, size_t size, struct settings **ret,
			       char **ret_error)
{
	struct json_tokener *tok;
	struct json_object *j;
	enum json_tokener_error jerr;
	int k;

	if (strlen(text) != size) {
		format_error(ret_error, "NUL byte in the file");
		return -EINVAL;
	}
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	j = json_tokener_parse_ex(tok, text, (int)size);
	jerr = json_tokener_get_error(tok);
	if (j && (size_t)json_tokener_get_parse_end(tok) < size) {
		/* Only whitespace may follow the object. */
		for (size_t i = json_tokener_get_parse_end(tok); i < size; i++)
			if (!strchr(" \t\r\n", text[i])) {
				json_object_put(j);
				j = NULL;
				jerr = json_tokener_error_parse_unexpected;
				break;
			}
	}
	if (!j && jerr == json_tokener_success)
		jerr = json_tokener_continue;
	json_tokener_free(tok);
	if (!j) {
		format_error(ret_error, "not JSON: %s",
			     jerr == json_tokener_continue ? "unexpected end of file"
							   : json_tokener_error_desc(jerr));
		return -EINVAL;
	}
	k = settings_from_json(j, ret, ret_error);
	json_object_put(j);
	return k;
}

int settings_load(int dir_fd, struct settings **ret, char **ret_warning)
{
	_cleanup_free_ char *text = NULL, *error = NULL;
	size_t size = 0;
	int k;

	k = read_full_file_at(dir_fd, SETTINGS_FILE, SETTINGS_FILE_MAX_BYTES, &text, &size);
	if (k == -ENOENT)
		return settings_new(ret);
	if (k < 0 && k != -EFBIG)
		return k;
	if (k >= 0) {
		k = settings_parse_text(text, size, ret, &error);
		if (k != -EINVAL)
			return k;
	} else {
		format_error(&error, "file larger than %u bytes", SETTINGS_FILE_MAX_BYTES);
	}

	/* Corrupt: move it aside and start empty. */
	if (renameat(dir_fd, SETTINGS_FILE, dir_fd, SETTINGS_FILE SETTINGS_CORRUPT_SUFFIX) < 0) {
		k = negative_errno();
		format_error(ret_warning,
			     "%s is corrupt (%s) and could not be renamed (%s); ignoring it",
			     SETTINGS_FILE, strna(error), strerror(-k));
	} else {
		format_error(ret_warning, "%s is corrupt (%s); moved to %s, starting empty",
			     SETTINGS_FILE, strna(error), SETTINGS_FILE SETTINGS_CORRUPT_SUFFIX);
	}
	k = settings_new(ret);
	return k < 0 ? k : 1;
}

int settings_save(const struct settings *s, int dir_fd)
{
	struct json_object *j = NULL;
	const char *text;
	_cleanup_free_ char *content = NULL;
	int k;

	k = settings_to_json(s, &j);
	if (k < 0)
		return k;
	text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text || asprintf(&content, "%s\n", text) < 0) {
		content = NULL;
		json_object_put(j);
		return -ENOMEM;
	}
	json_object_put(j);
	return write_file_atomic_at(dir_fd, SETTINGS_FILE, content, strlen(content), 0600);
}
