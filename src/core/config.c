/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * numab.conf parsing.
 *
 * inih does the INI lexing (sections, Key=Value splitting, whitespace, comments); numab feeds
 * it one physical line at a time through ini_parse_stream() with its own reader, because the
 * handler of the distribution's inih gets no line number (INI_HANDLER_LINENO is 0 in Debian's
 * build) and every error must name FILE:LINE. The reader also:
 *  - strips leading whitespace, which turns off inih's Python-style continuation lines (an
 *    indented line would otherwise silently append to the previous value);
 *  - refuses NUL bytes, bytes that are not UTF-8 (cgroup paths and messages go into JSON)
 *    and lines longer than inih's line buffer (inih would split them and parse the tail as
 *    a line of its own);
 *  - sees section headers first, so empty sections are checked too ([Match] without
 *    Cgroup=, unknown sections) and trailing garbage after "]" is an error.
 *
 * Semantics an operator can rely on:
 *  - unknown sections and keys are errors; a key given twice in one section is an error (a
 *    merge mistake more often than an intent); across files, and across repeated [Daemon]
 *    sections, later values win;
 *  - an empty [Daemon] value ("Budget=") resets the built-in default;
 *  - [Match] sections keep their order across files, and later rules win per attribute;
 *  - the first error stops nothing in inih, but only it is reported, and nothing is kept:
 *    the caller gets a config only when every file parsed.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "core/config.h"
#include "shared/fileio.h"
#include "shared/macro.h"
#include "shared/parse-util.h"

/* Longest value quoted in an error message. */
#define ERROR_VALUE_MAX 128

static const char *const autonuma_names[_CONFIG_AUTONUMA_MAX] = {
	[CONFIG_AUTONUMA_LEAVE] = "leave",
	[CONFIG_AUTONUMA_OFF] = "off",
};

const char *config_autonuma_to_string(enum config_autonuma a)
{
	return a >= 0 && a < _CONFIG_AUTONUMA_MAX ? autonuma_names[a] : NULL;
}

enum config_autonuma config_autonuma_from_string(const char *s)
{
	for (size_t i = 0; s && i < ELEMENTSOF(autonuma_names); i++)
		if (streq(autonuma_names[i], s))
			return (enum config_autonuma)i;
	return _CONFIG_AUTONUMA_INVALID;
}

static const char *const daemon_keys[_CONFIG_DAEMON_KEY_MAX] = {
	[CONFIG_DAEMON_INTERVAL] = "Interval",
	[CONFIG_DAEMON_BUDGET] = "Budget",
	[CONFIG_DAEMON_HOT_THRESHOLD] = "HotThreshold",
	[CONFIG_DAEMON_STATE_DIRECTORY] = "StateDirectory",
	[CONFIG_DAEMON_SOCKET] = "Socket",
	[CONFIG_DAEMON_AUTONUMA] = "AutoNUMA",
	[CONFIG_DAEMON_TRUSTED_OWNERS] = "TrustedOwners",
	[CONFIG_DAEMON_ALLOW_SYS_BPF] = "AllowSysBpf",
	[CONFIG_DAEMON_METRICS_LISTEN] = "MetricsListen",
};

/* [Match] keys: the attributes (indexed by enum policy_attr), then Cgroup= and Lock=. */
enum {
	MATCH_KEY_CGROUP = _POLICY_ATTR_MAX,
	MATCH_KEY_LOCK,
	_MATCH_KEY_MAX,
};

static const char *const match_keys[_MATCH_KEY_MAX] = {
	[POLICY_ATTR_MODE] = "Mode",
	[POLICY_ATTR_NODES] = "Nodes",
	[POLICY_ATTR_BUDGET] = "Budget",
	[POLICY_ATTR_INTERVAL] = "Interval",
	[POLICY_ATTR_HOT_THRESHOLD] = "HotThreshold",
	[POLICY_ATTR_PROGRAM] = "Program",
	[POLICY_ATTR_PIN] = "Pin",
	[MATCH_KEY_CGROUP] = "Cgroup",
	[MATCH_KEY_LOCK] = "Lock",
};

enum section_kind {
	SECTION_NONE,
	SECTION_DAEMON,
	SECTION_MATCH,
	SECTION_BAD,            /* unknown or malformed: its keys are skipped */
};

#define MAX_SECTION_KEYS 16
_Static_assert(MAX_SECTION_KEYS >= _CONFIG_DAEMON_KEY_MAX && MAX_SECTION_KEYS >= _MATCH_KEY_MAX,
	       "key_lines too small");

struct parser {
	struct config *cfg;
	const char *file;              /* interned in cfg->files */
	const char *data;
	size_t size;
	size_t pos;
	unsigned line;                 /* the physical line last handed to inih */

	enum section_kind section;
	unsigned section_line;
	size_t rule;                   /* index of the current [Match] in cfg->rules */
	unsigned key_lines[MAX_SECTION_KEYS]; /* where each key was set in this section */

	char *error;                   /* first error, "FILE:LINE: ..." */
	unsigned error_line;
	int error_code;
};

static int parser_error(struct parser *p, unsigned line, int code, const char *fmt, ...)
	_printf_(4, 5);

/* Record the first error; later ones are dropped. Returns 0 so that handlers can return it. */
static int parser_error(struct parser *p, unsigned line, int code, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int k;

	if (p->error_code != 0)
		return 0;
	p->error_code = code;
	p->error_line = line;
	va_start(ap, fmt);
	k = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (k < 0 || asprintf(&p->error, "%s:%u: %s", p->file, line, msg) < 0) {
		p->error = NULL;
		p->error_code = -ENOMEM;
	}
	return 0;
}

/* Out of memory: remembered, and parsing stops counting. Returns 0 like parser_error(). */
static int parser_oom(struct parser *p)
{
	if (p->error_code == 0)
		p->error_code = -ENOMEM;
	return 0;
}

static struct config_rule *current_rule(struct parser *p)
{
	return &p->cfg->rules[p->rule];
}

/* End of a section (a new header or the end of the file). */
static void section_end(struct parser *p)
{
	if (p->section == SECTION_MATCH && !current_rule(p)->glob)
		parser_error(p, p->section_line, -EINVAL,
			     "[Match] without Cgroup= (every rule needs a cgroup path glob)");
	p->section = SECTION_NONE;
}

static int add_rule(struct parser *p)
{
	struct config *cfg = p->cfg;
	struct config_rule *a;

	a = realloc(cfg->rules, (cfg->n_rules + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	cfg->rules = a;
	a[cfg->n_rules] = (struct config_rule){
		.origin = { .file = p->file, .line = p->line },
	};
	p->rule = cfg->n_rules++;
	return 0;
}

/* A line starting with "[": a section header. Malformed headers are left to inih (a syntax
 * error on this line) and their keys skipped. */
static void section_begin(struct parser *p, const char *line, size_t len)
{
	const char *close = memchr(line, ']', len);
	_cleanup_free_ char *name = NULL;
	size_t rest;

	section_end(p);
	p->section = SECTION_BAD;
	p->section_line = p->line;
	memset(p->key_lines, 0, sizeof(p->key_lines));
	if (!close)
		return;
	for (rest = (size_t)(close - line) + 1; rest < len; rest++)
		if (!isspace((unsigned char)line[rest]))
			break;
	if (rest < len && line[rest] != ';' && line[rest] != '#') {
		parser_error(p, p->line, -EINVAL,
			     "unexpected text after the section header (expected [Daemon] or "
			     "[Match] alone on the line)");
		return;
	}
	name = strndup(line + 1, (size_t)(close - line) - 1);
	if (!name) {
		parser_oom(p);
		return;
	}
	if (streq(name, "Daemon")) {
		p->section = SECTION_DAEMON;
	} else if (streq(name, "Match")) {
		if (add_rule(p) < 0) {
			parser_oom(p);
			return;
		}
		p->section = SECTION_MATCH;
	} else {
		_cleanup_free_ char *e = policy_escape(name, ERROR_VALUE_MAX);

		parser_error(p, p->line, -EINVAL, "unknown section [%s] (expected [Daemon] or [Match])",
			     strempty(e));
	}
}

/* The fgets()-like reader inih calls for each line; see the essay at the top. */
static char *config_reader(char *str, int num, void *stream)
{
	struct parser *p = stream;
	const char *line, *nl;
	size_t len;

	if (p->pos >= p->size || num < 3)
		return NULL;
	line = p->data + p->pos;
	nl = memchr(line, '\n', p->size - p->pos);
	len = nl ? (size_t)(nl - line) : p->size - p->pos;
	p->pos += len + (nl ? 1 : 0);
	p->line++;

	if (p->line == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		len -= 3;
	}
	while (len > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}

	if (memchr(line, '\0', len)) {
		parser_error(p, p->line, -EINVAL, "NUL byte in the line");
		len = 0;
	} else if (!policy_utf8_valid(line, len)) {
		parser_error(p, p->line, -EINVAL, "the line is not valid UTF-8");
		len = 0;
	} else if (len + 2 > (size_t)num) {
		parser_error(p, p->line, -EINVAL, "line too long (%zu bytes, at most %d)", len,
			     num - 2);
		len = 0;
	} else if (len > 0 && line[0] == '[') {
		section_begin(p, line, len);
	}

	memcpy(str, line, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

/* Check a key against the section's table; offers a hint for the wrong case or section. */
static int find_key(struct parser *p, const char *const *table, size_t n, const char *name,
		    const char *section_name)
{
	_cleanup_free_ char *e = NULL;
	const char *hint = NULL;

	for (size_t i = 0; i < n; i++)
		if (streq(table[i], name))
			return (int)i;

	for (size_t i = 0; i < n; i++)
		if (strcasecmp(table[i], name) == 0)
			hint = table[i];
	e = policy_escape(name, ERROR_VALUE_MAX);
	if (!*name)
		parser_error(p, p->line, -EINVAL, "empty key name");
	else if (hint)
		parser_error(p, p->line, -EINVAL, "unknown key '%s' in [%s] (did you mean %s=?)",
			     strempty(e), section_name, hint);
	else
		parser_error(p, p->line, -EINVAL, "unknown key '%s' in [%s]", strempty(e),
			     section_name);
	return -1;
}

static int bad_value(struct parser *p, const char *key, const char *value, const char *reason)
{
	_cleanup_free_ char *e = policy_escape(value, ERROR_VALUE_MAX);

	return parser_error(p, p->line, -EINVAL, "%s=%s: %s", key, strempty(e), reason);
}

static bool duplicate_key(struct parser *p, int key, const char *name)
{
	if (p->key_lines[key] != 0) {
		parser_error(p, p->line, -EINVAL, "%s= given twice in this section (first on line %u)",
			     name, p->key_lines[key]);
		return true;
	}
	p->key_lines[key] = p->line;
	return false;
}

static int parse_path_value(struct parser *p, const char *key, const char *value, char **dst)
{
	char *s;

	if (value[0] != '/' || strlen(value) >= PATH_MAX)
		return bad_value(p, key, value, "not an absolute path");
	s = strdup(value);
	if (!s)
		return parser_oom(p);
	free(*dst);
	*dst = s;
	return 1;
}

static int lookup_uid(const char *name, uid_t *ret)
{
	struct passwd pw, *result = NULL;
	char buf[4096];
	int k;

	k = getpwnam_r(name, &pw, buf, sizeof(buf), &result);
	if (k != 0)
		return -k;
	if (!result)
		return -ESRCH;
	*ret = result->pw_uid;
	return 0;
}

static int parse_trusted_owners(struct parser *p, const char *key, const char *value)
{
	_cleanup_free_ char *copy = strdup(value);
	_cleanup_free_ uid_t *uids = NULL;
	size_t n = 0;
	char *save = NULL;

	if (!copy)
		return parser_oom(p);
	for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		uid_t *a;
		unsigned u;
		uid_t uid;

		if (isdigit((unsigned char)w[0])) {
			if (safe_atou(w, &u) < 0 || u == (unsigned)-1)
				return bad_value(p, key, w, "not a uid or user name");
			uid = (uid_t)u;
		} else {
			int k = lookup_uid(w, &uid);

			if (k == -ENOMEM)
				return parser_oom(p);
			if (k < 0)
				return bad_value(p, key, w, "no such user");
		}
		a = realloc(uids, (n + 1) * sizeof(*a));
		if (!a)
			return parser_oom(p);
		uids = a;
		uids[n++] = uid;
	}
	free(p->cfg->trusted_uids);
	p->cfg->trusted_uids = TAKE_PTR(uids);
	p->cfg->n_trusted_uids = n;
	return 1;
}

/* "HOST:PORT" or "[V6]:PORT"; only the shape is checked here, the daemon binds it. */
static bool metrics_listen_valid(const char *s)
{
	const char *colon;
	unsigned port;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close == s + 1 || close[1] != ':')
			return false;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || colon == s || memchr(s, ':', (size_t)(colon - s)))
			return false;
	}
	for (const char *c = s; c < colon; c++)
		if (isspace((unsigned char)*c) || *c == '/')
			return false;
	return safe_atou(colon + 1, &port) >= 0 && port >= 1 && port <= 65535;
}

static int reset_string(char **dst, const char *value)
{
	char *s = NULL;

	if (value) {
		s = strdup(value);
		if (!s)
			return -ENOMEM;
	}
	free(*dst);
	*dst = s;
	return 0;
}

/* An empty assignment: back to the built-in default. 0 or -ENOMEM. */
static int daemon_reset(struct config *cfg, enum config_daemon_key key)
{
	int k = 0;

	switch (key) {
	case CONFIG_DAEMON_INTERVAL:
		cfg->interval_usec = CONFIG_DEFAULT_INTERVAL_USEC;
		break;
	case CONFIG_DAEMON_BUDGET:
		cfg->budget_bytes_per_sec = CONFIG_DEFAULT_BUDGET_BYTES_PER_SEC;
		break;
	case CONFIG_DAEMON_HOT_THRESHOLD:
		cfg->hot_threshold_usec = CONFIG_DEFAULT_HOT_THRESHOLD_USEC;
		break;
	case CONFIG_DAEMON_AUTONUMA:
		cfg->autonuma = CONFIG_AUTONUMA_LEAVE;
		break;
	case CONFIG_DAEMON_TRUSTED_OWNERS:
		free(cfg->trusted_uids);
		cfg->trusted_uids = NULL;
		cfg->n_trusted_uids = 0;
		break;
	case CONFIG_DAEMON_ALLOW_SYS_BPF:
		cfg->allow_sys_bpf = false;
		break;
	case CONFIG_DAEMON_METRICS_LISTEN:
		k = reset_string(&cfg->metrics_listen, NULL);
		break;
	case CONFIG_DAEMON_STATE_DIRECTORY:
		k = reset_string(&cfg->state_directory, CONFIG_DEFAULT_STATE_DIRECTORY);
		break;
	case CONFIG_DAEMON_SOCKET:
		k = reset_string(&cfg->socket_path, CONFIG_DEFAULT_SOCKET);
		break;
	default:
		break;
	}
	if (k < 0)
		return k;
	cfg->daemon_origin[key] = (struct config_origin){};
	return 0;
}

static int daemon_key(struct parser *p, const char *name, const char *value)
{
	struct config *cfg = p->cfg;
	struct policy_values v = {};
	const char *reason = NULL;
	int key, k = 1;
	bool b;

	key = find_key(p, daemon_keys, ELEMENTSOF(daemon_keys), name, "Daemon");
	if (key < 0 || duplicate_key(p, key, daemon_keys[key]))
		return 0;

	if (!*value)
		return daemon_reset(cfg, key) < 0 ? parser_oom(p) : 1;

	switch (key) {
	case CONFIG_DAEMON_INTERVAL:
	case CONFIG_DAEMON_BUDGET:
	case CONFIG_DAEMON_HOT_THRESHOLD: {
		enum policy_attr a = key == CONFIG_DAEMON_INTERVAL ? POLICY_ATTR_INTERVAL
				     : key == CONFIG_DAEMON_BUDGET ? POLICY_ATTR_BUDGET
								   : POLICY_ATTR_HOT_THRESHOLD;

		if (policy_value_parse(a, value, &v, &reason) < 0)
			return bad_value(p, name, value, reason);
		if (a == POLICY_ATTR_INTERVAL)
			cfg->interval_usec = v.interval_usec;
		else if (a == POLICY_ATTR_BUDGET)
			cfg->budget_bytes_per_sec = v.budget_bytes_per_sec;
		else
			cfg->hot_threshold_usec = v.hot_threshold_usec;
		break;
	}
	case CONFIG_DAEMON_STATE_DIRECTORY:
		k = parse_path_value(p, name, value, &cfg->state_directory);
		break;
	case CONFIG_DAEMON_SOCKET:
		k = parse_path_value(p, name, value, &cfg->socket_path);
		break;
	case CONFIG_DAEMON_AUTONUMA: {
		enum config_autonuma a = config_autonuma_from_string(value);

		if (a < 0)
			return bad_value(p, name, value, "expected leave or off");
		cfg->autonuma = a;
		break;
	}
	case CONFIG_DAEMON_TRUSTED_OWNERS:
		k = parse_trusted_owners(p, name, value);
		break;
	case CONFIG_DAEMON_ALLOW_SYS_BPF:
		if (parse_bool(value, &b) < 0)
			return bad_value(p, name, value, "not a boolean (expected yes or no)");
		cfg->allow_sys_bpf = b;
		break;
	case CONFIG_DAEMON_METRICS_LISTEN: {
		char *s;

		if (!metrics_listen_valid(value))
			return bad_value(p, name, value,
					 "not an address (expected HOST:PORT, e.g. 127.0.0.1:9464)");
		s = strdup(value);
		if (!s)
			return parser_oom(p);
		free(cfg->metrics_listen);
		cfg->metrics_listen = s;
		break;
	}
	default:
		break;
	}
	if (k > 0)
		cfg->daemon_origin[key] = (struct config_origin){ .file = p->file, .line = p->line };
	return k;
}

static int parse_lock(struct parser *p, struct config_rule *rule, const char *name,
		      const char *value)
{
	_cleanup_free_ char *copy = strdup(value);
	unsigned mask = 0;
	char *save = NULL;

	if (!copy)
		return parser_oom(p);
	for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		enum policy_attr a = policy_attr_from_string(w);

		/* Config key spellings are accepted too: Lock=Mode,HotThreshold. */
		for (int i = 0; a < 0 && i < _POLICY_ATTR_MAX; i++)
			if (strcasecmp(w, match_keys[i]) == 0)
				a = (enum policy_attr)i;
		if (a < 0)
			return bad_value(p, name, w,
					 "not an attribute (expected mode, nodes, budget, interval, "
					 "hot_threshold, program or pin)");
		mask |= POLICY_ATTR_BIT(a);
	}
	rule->lock_mask = mask;
	rule->lock_line = p->line;
	return 1;
}

static int match_key(struct parser *p, const char *name, const char *value)
{
	struct config_rule *rule = current_rule(p);
	const char *reason = NULL;
	int key, k;

	key = find_key(p, match_keys, ELEMENTSOF(match_keys), name, "Match");
	if (key < 0 || duplicate_key(p, key, match_keys[key]))
		return 0;

	if (key == MATCH_KEY_CGROUP) {
		if (config_glob_validate(value, &reason) < 0)
			return bad_value(p, name, value, reason);
		rule->glob = strdup(value);
		if (!rule->glob)
			return parser_oom(p);
		return 1;
	}
	if (key == MATCH_KEY_LOCK)
		return parse_lock(p, rule, name, value);

	if (!*value)
		return bad_value(p, name, value, "no value");
	k = policy_value_parse((enum policy_attr)key, value, &rule->values, &reason);
	if (k == -ENOMEM)
		return parser_oom(p);
	if (k < 0)
		return bad_value(p, name, value, reason);
	rule->value_lines[key] = p->line;
	return 1;
}

static int config_handler(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;

	if (p->error_code != 0)
		return 1;
	switch (p->section) {
	case SECTION_DAEMON:
		return daemon_key(p, name, value);
	case SECTION_MATCH:
		return match_key(p, name, value);
	case SECTION_BAD:
		return 1;
	case SECTION_NONE:
	default: {
		_cleanup_free_ char *e = policy_escape(name, ERROR_VALUE_MAX);

		return parser_error(p, p->line, -EINVAL,
				    "%s= outside of a section (expected [Daemon] or [Match] first)",
				    strempty(e));
	}
	}
}

/* The text of line n (1-based) of data, escaped, for syntax error messages. */
static char *line_text(const char *data, size_t size, unsigned n)
{
	_cleanup_free_ char *copy = NULL;
	const char *s = data, *end = data + size;

	for (unsigned i = 1; i < n && s < end; i++) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));

		s = nl ? nl + 1 : end;
	}
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	copy = strndup(s, (size_t)(end - s));
	if (!copy)
		return NULL;
	copy[strcspn(copy, "\r\n")] = '\0';
	return policy_escape(copy, ERROR_VALUE_MAX);
}

static void format_error(char **ret, const char *fmt, ...) _printf_(2, 3);

static void format_error(char **ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(ret, fmt, ap) < 0)
		*ret = NULL;
	va_end(ap);
}

static const char *intern_file(struct config *cfg, const char *file)
{
	char **a;

	for (size_t i = 0; i < cfg->n_files; i++)
		if (streq(cfg->files[i], file))
			return cfg->files[i];
	a = realloc(cfg->files, (cfg->n_files + 1) * sizeof(*a));
	if (!a)
		return NULL;
	cfg->files = a;
	a[cfg->n_files] = strdup(file);
	if (!a[cfg->n_files])
		return NULL;
	return a[cfg->n_files++];
}

/* Parse one file's text into cfg. 0, or a negative errno with *ret_error set. */
static int parse_text(struct config *cfg, const char *file, const char *data, size_t size,
		      char **ret_error)
{
	struct parser p = {
		.cfg = cfg,
		.data = data,
		.size = size,
	};
	int k;

	p.file = intern_file(cfg, file);
	if (!p.file)
		return -ENOMEM;

	k = ini_parse_stream(config_reader, &p, config_handler, &p);
	section_end(&p);
	if (p.error_code == -ENOMEM || k == -2) {
		free(p.error);
		return -ENOMEM;
	}
	if (k > 0 && (p.error_code == 0 || (unsigned)k < p.error_line)) {
		_cleanup_free_ char *text = line_text(data, size, (unsigned)k);

		free(p.error);
		p.error = NULL;
		p.error_code = 0;
		parser_error(&p, (unsigned)k, -EINVAL,
			     "syntax error: '%s' (expected [Section], Key=Value or a comment)",
			     strempty(text));
		if (p.error_code == -ENOMEM)
			return -ENOMEM;
	}
	if (p.error_code < 0) {
		*ret_error = p.error;
		return p.error_code;
	}
	return 0;
}

static int read_config_file(const char *path, char **ret, size_t *ret_size)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	return read_full_fd(fd, CONFIG_FILE_MAX_BYTES, 0, ret, ret_size);
}

/* Parse a file; a missing one is skipped when missing_ok. */
static int parse_file(struct config *cfg, const char *path, bool missing_ok, char **ret_error)
{
	_cleanup_free_ char *data = NULL;
	size_t size = 0;
	int k;

	k = read_config_file(path, &data, &size);
	if (k == -ENOENT && missing_ok)
		return 0;
	if (k == -ENOMEM)
		return k;
	if (k < 0) {
		if (k == -EFBIG)
			format_error(ret_error, "%s: file too large (at most %u bytes)", path,
				       CONFIG_FILE_MAX_BYTES);
		else if (k == -EINVAL)
			format_error(ret_error, "%s: not a regular file", path);
		else
			format_error(ret_error, "%s: cannot read: %s", path, strerror(-k));
		return k;
	}
	return parse_text(cfg, path, data, size, ret_error);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The "*.conf" entries of dir, sorted; hidden files are skipped. */
static int list_dropins(const char *dir, char ***ret, size_t *ret_n, char **ret_error)
{
	_cleanup_closedir_ DIR *d = NULL;
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;

	*ret = NULL;
	*ret_n = 0;
	d = opendir(dir);
	if (!d) {
		int k = negative_errno();

		if (k == -ENOENT || k == -ENOTDIR)
			return 0;
		format_error(ret_error, "%s: cannot read: %s", dir, strerror(-k));
		return k;
	}
	while ((errno = 0, de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char **a;

		if (de->d_name[0] == '.' || l < 6 || !streq(de->d_name + l - 5, ".conf"))
			continue;
		a = realloc(names, (n + 1) * sizeof(*a));
		if (!a)
			goto oom;
		names = a;
		if (asprintf(&names[n], "%s/%s", dir, de->d_name) < 0)
			goto oom;
		n++;
	}
	if (errno != 0) {
		int k = negative_errno();

		strv_free(names, n);
		format_error(ret_error, "%s: cannot read: %s", dir, strerror(-k));
		return k;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), compare_strings);
	*ret = names;
	*ret_n = n;
	return 0;

oom:
	strv_free(names, n);
	return -ENOMEM;
}

int config_new_default(struct config **ret)
{
	struct config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return -ENOMEM;
	cfg->interval_usec = CONFIG_DEFAULT_INTERVAL_USEC;
	cfg->budget_bytes_per_sec = CONFIG_DEFAULT_BUDGET_BYTES_PER_SEC;
	cfg->hot_threshold_usec = CONFIG_DEFAULT_HOT_THRESHOLD_USEC;
	cfg->autonuma = CONFIG_AUTONUMA_LEAVE;
	cfg->state_directory = strdup(CONFIG_DEFAULT_STATE_DIRECTORY);
	cfg->socket_path = strdup(CONFIG_DEFAULT_SOCKET);
	if (!cfg->state_directory || !cfg->socket_path) {
		config_free(cfg);
		return -ENOMEM;
	}
	*ret = cfg;
	return 0;
}

struct config *config_free(struct config *cfg)
{
	if (!cfg)
		return NULL;
	for (size_t i = 0; i < cfg->n_rules; i++) {
		free(cfg->rules[i].glob);
		policy_values_done(&cfg->rules[i].values);
	}
	free(cfg->rules);
	free(cfg->state_directory);
	free(cfg->socket_path);
	free(cfg->trusted_uids);
	free(cfg->metrics_listen);
	strv_free(cfg->files, cfg->n_files);
	free(cfg);
	return NULL;
}

static inline void config_freep(struct config **cfg)
{
	config_free(*cfg);
}

static int finish_error(int k, char *error, char **ret_error)
{
	if (ret_error)
		*ret_error = error;
	else
		free(error);
	return k;
}

int config_load(const char *path, struct config **ret, char **ret_error)
{
	_cleanup_(config_freep) struct config *cfg = NULL;
	_cleanup_free_ char *dir = NULL;
	char **dropins = NULL, *error = NULL;
	size_t n_dropins = 0;
	int k;

	if (!ret)
		return -EINVAL;
	if (!path)
		path = CONFIG_DEFAULT_PATH;
	k = config_new_default(&cfg);
	if (k < 0)
		return k;

	k = parse_file(cfg, path, true, &error);
	if (k < 0)
		return finish_error(k, error, ret_error);

	if (asprintf(&dir, "%s.d", path) < 0) {
		dir = NULL;
		return -ENOMEM;
	}
	k = list_dropins(dir, &dropins, &n_dropins, &error);
	if (k < 0)
		return finish_error(k, error, ret_error);
	for (size_t i = 0; i < n_dropins && k >= 0; i++)
		k = parse_file(cfg, dropins[i], false, &error);
	strv_free(dropins, n_dropins);
	if (k < 0)
		return finish_error(k, error, ret_error);

	*ret = TAKE_PTR(cfg);
	return 0;
}

int config_load_string(const char *file, const char *text, struct config **ret,
		       char **ret_error)
{
	_cleanup_(config_freep) struct config *cfg = NULL;
	char *error = NULL;
	int k;

	if (!file || !text || !ret)
		return -EINVAL;
	k = config_new_default(&cfg);
	if (k < 0)
		return k;
	k = parse_text(cfg, file, text, strlen(text), &error);
	if (k < 0)
		return finish_error(k, error, ret_error);
	*ret = TAKE_PTR(cfg);
	return 0;
}

bool config_trusts_uid(const struct config *cfg, uid_t uid)
{
	if (uid == 0)
		return true;
	for (size_t i = 0; cfg && i < cfg->n_trusted_uids; i++)
		if (cfg->trusted_uids[i] == uid)
			return true;
	return false;
}

int config_glob_validate(const char *glob, const char **ret_reason)
{
	const char *reason = NULL;
	size_t len;

	if (!glob || glob[0] != '/') {
		reason = "not an absolute cgroup path glob (expected e.g. /system.slice/*.service)";
		goto fail;
	}
	len = strlen(glob);
	if (len >= PATH_MAX) {
		reason = "too long";
		goto fail;
	}
	if (len > 1 && glob[len - 1] == '/') {
		reason = "trailing '/' (write /a, or /a/** for everything below /a)";
		goto fail;
	}
	for (const char *c = glob; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			reason = "control character in the glob";
			goto fail;
		}
	for (const char *s = glob + 1; len > 1;) {
		size_t l = strcspn(s, "/");

		if (l == 0) {
			reason = "empty path component ('//')";
			goto fail;
		}
		if ((l == 1 && s[0] == '.') || (l == 2 && s[0] == '.' && s[1] == '.')) {
			reason = "'.' and '..' components are not allowed";
			goto fail;
		}
		if (memmem(s, l, "**", 2) && !(l == 2 && s[l] == '\0')) {
			reason = "'**' is only allowed as the whole last component (/a/**)";
			goto fail;
		}
		if (s[l] == '\0')
			break;
		s += l + 1;
	}
	return 0;

fail:
	if (ret_reason)
		*ret_reason = reason;
	return -EINVAL;
}

bool config_glob_match(const char *glob, const char *path)
{
	size_t len = strlen(glob);

	if (len >= 3 && streq(glob + len - 3, "/**")) {
		_cleanup_free_ char *prefix = strndup(glob, len - 3);
		const char *slash;

		if (!prefix)
			return false;
		if (!*prefix)
			return path[0] == '/' && path[1] != '\0';
		/* The prefix must match a proper ancestor: some "/"-boundary of path. */
		for (slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
			_cleanup_free_ char *head = strndup(path, (size_t)(slash - path));

			if (!head)
				return false;
			if (fnmatch(prefix, head, FNM_PATHNAME | FNM_NOESCAPE) == 0)
				return true;
		}
		return false;
	}
	return fnmatch(glob, path, FNM_PATHNAME | FNM_NOESCAPE) == 0;
}
