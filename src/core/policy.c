/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy resolution: "ancestors constrain, descendants choose within the constraints"
 * (DESIGN §4).
 *
 * Resolution is one pre-order pass over the tree. Each cgroup first merges its own sources in
 * rising precedence: the config rules that match its path (later rules win per attribute),
 * its xattrs (if its owner is trusted and no matching rule locked the attribute), its runtime
 * setting. That gives the cgroup's own explicit values, each with its source. Then the static
 * effective policy follows from the parent's static effective policy and the own values:
 *
 * - mode is a choice, except an explicit "off", which is a constraint: once an ancestor says
 *   off, every descendant is off and explain names the highest such ancestor. The implicit
 *   default (nothing set anywhere) is off too, but it constrains nothing.
 * - nodes is a constraint: the intersection of the node sets along the path, of the cgroup's
 *   cpuset.mems.effective and of the online nodes. With no node set on the path the base is
 *   the CPU nodes (every node for tier, which is what CPU-less nodes are for). An explicit
 *   node set is taken as written, CPU-less nodes included. An empty result is a reported
 *   state ("no eligible nodes"), never an error.
 * - budget is a constraint: the ceiling is the minimum of the global budget and the budgets
 *   along the path; each explicit finite budget is also a bucket that the daemon debits
 *   (core/budget.h), which is what makes siblings share their parent's rate.
 * - interval, hot_threshold and pin are choices: the nearest explicit value, self first.
 *
 * Children inherit the *static* result of their parent. Programs are per evaluated cgroup:
 * a program attached to /a runs once for /a and once for each descendant of /a, and its
 * verdict for /a says nothing about /a/b. So the program pass runs after the static pass,
 * for each cgroup separately, and its results are never inherited; this is also what keeps
 * "deny for /a" from silently switching off a subtree whose programs were never asked.
 *
 * Programs may only narrow what the static pass allows: they never run for a cgroup that an
 * explicit off switched off, their node sets are intersected and their budgets can only lower
 * the ceiling. What they may change are the choices, and the implicit-default off, which an
 * allow escalates (to the reply's mode, or follow, numab's plain balancing mode).
 *
 * The result set owns copies of every string it points to (paths, config file names,
 * program paths), so a daemon can reload its config or drop a snapshot while results are in
 * use. Costs: O(cgroups × rules) glob matches per resolution; rules without wildcards and
 * rules whose literal prefix does not match are rejected with a string compare first.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/config.h"
#include "core/policy.h"
#include "core/settings.h"
#include "shared/macro.h"
#include "shared/parse-util.h"

static const char *const mode_names[_POLICY_MODE_MAX] = {
	[POLICY_MODE_OFF] = "off",
	[POLICY_MODE_FOLLOW] = "follow",
	[POLICY_MODE_PIN] = "pin",
	[POLICY_MODE_INTERLEAVE] = "interleave",
	[POLICY_MODE_TIER] = "tier",
	[POLICY_MODE_KERNEL] = "kernel",
};

static const char *const pin_names[_POLICY_PIN_MAX] = {
	[POLICY_PIN_SOFT] = "soft",
	[POLICY_PIN_HARD] = "hard",
};

static const char *const attr_names[_POLICY_ATTR_MAX] = {
	[POLICY_ATTR_MODE] = "mode",
	[POLICY_ATTR_NODES] = "nodes",
	[POLICY_ATTR_BUDGET] = "budget",
	[POLICY_ATTR_INTERVAL] = "interval",
	[POLICY_ATTR_HOT_THRESHOLD] = "hot_threshold",
	[POLICY_ATTR_PROGRAM] = "program",
	[POLICY_ATTR_PIN] = "pin",
};

static const char *const verdict_names[_POLICY_VERDICT_MAX] = {
	[POLICY_VERDICT_NONE] = "none",
	[POLICY_VERDICT_ALLOW] = "allow",
	[POLICY_VERDICT_DENY] = "deny",
};

static const char *const problem_kind_names[_POLICY_PROBLEM_KIND_MAX] = {
	[POLICY_PROBLEM_BAD_XATTR] = "bad-xattr",
	[POLICY_PROBLEM_UNKNOWN_XATTR] = "unknown-xattr",
	[POLICY_PROBLEM_XATTR_REFUSED] = "xattr-refused",
	[POLICY_PROBLEM_LOCKED_XATTR] = "locked-xattr",
	[POLICY_PROBLEM_UNTRUSTED_OWNER] = "untrusted-owner",
	[POLICY_PROBLEM_NO_ELIGIBLE_NODES] = "no-eligible-nodes",
	[POLICY_PROBLEM_PROGRAM_FAILED] = "program-failed",
	[POLICY_PROBLEM_PROGRAM_REPLY] = "program-reply",
};

static int lookup(const char *const *table, size_t n, const char *s)
{
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (table[i] && streq(table[i], s))
			return (int)i;
	return -EINVAL;
}

const char *policy_mode_to_string(enum policy_mode m)
{
	return m >= 0 && m < _POLICY_MODE_MAX ? mode_names[m] : NULL;
}

enum policy_mode policy_mode_from_string(const char *s)
{
	return (enum policy_mode)lookup(mode_names, ELEMENTSOF(mode_names), s);
}

const char *policy_pin_to_string(enum policy_pin p)
{
	return p >= 0 && p < _POLICY_PIN_MAX ? pin_names[p] : NULL;
}

enum policy_pin policy_pin_from_string(const char *s)
{
	return (enum policy_pin)lookup(pin_names, ELEMENTSOF(pin_names), s);
}

const char *policy_attr_to_string(enum policy_attr a)
{
	return a >= 0 && a < _POLICY_ATTR_MAX ? attr_names[a] : NULL;
}

enum policy_attr policy_attr_from_string(const char *s)
{
	if (s && streq(s, "hot-threshold"))
		return POLICY_ATTR_HOT_THRESHOLD;
	return (enum policy_attr)lookup(attr_names, ELEMENTSOF(attr_names), s);
}

const char *policy_verdict_to_string(enum policy_verdict v)
{
	return v >= 0 && v < _POLICY_VERDICT_MAX ? verdict_names[v] : NULL;
}

const char *policy_problem_kind_to_string(enum policy_problem_kind k)
{
	return k >= 0 && k < _POLICY_PROBLEM_KIND_MAX ? problem_kind_names[k] : NULL;
}

/* ----- Values ----- */

void policy_values_done(struct policy_values *v)
{
	if (!v)
		return;
	free(v->program);
	*v = (struct policy_values){};
}

void policy_values_unset(struct policy_values *v, enum policy_attr a)
{
	if (a == POLICY_ATTR_PROGRAM) {
		free(v->program);
		v->program = NULL;
	}
	v->set_mask &= ~POLICY_ATTR_BIT(a);
}

int policy_values_copy_attr(struct policy_values *dst, const struct policy_values *src,
			    enum policy_attr a)
{
	if (a < 0 || a >= _POLICY_ATTR_MAX)
		return -EINVAL;
	if (!policy_values_has(src, a)) {
		policy_values_unset(dst, a);
		return 0;
	}
	switch (a) {
	case POLICY_ATTR_MODE:
		dst->mode = src->mode;
		break;
	case POLICY_ATTR_NODES:
		dst->nodes = src->nodes;
		break;
	case POLICY_ATTR_BUDGET:
		dst->budget_bytes_per_sec = src->budget_bytes_per_sec;
		break;
	case POLICY_ATTR_INTERVAL:
		dst->interval_usec = src->interval_usec;
		break;
	case POLICY_ATTR_HOT_THRESHOLD:
		dst->hot_threshold_usec = src->hot_threshold_usec;
		break;
	case POLICY_ATTR_PROGRAM: {
		char *p = strdup(src->program);

		if (!p)
			return -ENOMEM;
		free(dst->program);
		dst->program = p;
		break;
	}
	case POLICY_ATTR_PIN:
		dst->pin = src->pin;
		break;
	default:
		return -EINVAL;
	}
	dst->set_mask |= POLICY_ATTR_BIT(a);
	return 0;
}

static int parse_duration_in(const char *text, uint64_t lo, uint64_t hi, uint64_t *ret,
			     const char **ret_reason, const char *range_reason)
{
	uint64_t u;

	if (parse_duration_usec(text, &u) < 0) {
		*ret_reason = "not a duration (expected e.g. 500ms, 5s or 2min)";
		return -EINVAL;
	}
	if (u < lo || u > hi) {
		*ret_reason = range_reason;
		return -ERANGE;
	}
	*ret = u;
	return 0;
}

static bool has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

int policy_value_parse(enum policy_attr a, const char *text, struct policy_values *v,
		       const char **ret_reason)
{
	const char *reason = NULL;
	uint64_t u = 0;
	int r = 0, m;

	if (!text) {
		reason = "no value";
		r = -EINVAL;
		goto fail;
	}

	switch (a) {
	case POLICY_ATTR_MODE:
		m = policy_mode_from_string(text);
		if (m < 0) {
			reason = "not a mode (expected off, follow, pin, interleave, tier or kernel)";
			r = -EINVAL;
			goto fail;
		}
		v->mode = m;
		break;

	case POLICY_ATTR_NODES:
		r = parse_nodemask(text, &u);
		if (r == -ERANGE) {
			reason = "node id out of range (at most 63)";
			goto fail;
		}
		if (r < 0 || u == 0) {
			reason = "not a node list (expected e.g. 0-1,3)";
			r = -EINVAL;
			goto fail;
		}
		v->nodes = u;
		break;

	case POLICY_ATTR_BUDGET:
		if (parse_rate_bytes_per_sec(text, &u) < 0) {
			reason = "not a rate (expected e.g. 64M/s or unlimited)";
			r = -EINVAL;
			goto fail;
		}
		if (u < POLICY_BUDGET_MIN_BYTES_PER_SEC) {
			reason = "too small (at least 4K/s)";
			r = -ERANGE;
			goto fail;
		}
		v->budget_bytes_per_sec = u;
		break;

	case POLICY_ATTR_INTERVAL:
		r = parse_duration_in(text, POLICY_INTERVAL_MIN_USEC, POLICY_INTERVAL_MAX_USEC, &u,
				      &reason, "out of range (100ms to 24h)");
		if (r < 0)
			goto fail;
		v->interval_usec = u;
		break;

	case POLICY_ATTR_HOT_THRESHOLD:
		r = parse_duration_in(text, POLICY_HOT_THRESHOLD_MIN_USEC,
				      POLICY_HOT_THRESHOLD_MAX_USEC, &u, &reason,
				      "out of range (1ms to 1h)");
		if (r < 0)
			goto fail;
		v->hot_threshold_usec = u;
		break;

	case POLICY_ATTR_PROGRAM: {
		char *p;

		if (text[0] != '/' || strlen(text) >= PATH_MAX || has_control_chars(text) ||
		    text[strlen(text) - 1] == '/') {
			reason = "not an absolute file path (expected e.g. /usr/lib/numab/x.bpf.o)";
			r = -EINVAL;
			goto fail;
		}
		p = strdup(text);
		if (!p)
			return -ENOMEM;
		free(v->program);
		v->program = p;
		break;
	}

	case POLICY_ATTR_PIN:
		m = policy_pin_from_string(text);
		if (m < 0) {
			reason = "not a pin style (expected soft or hard)";
			r = -EINVAL;
			goto fail;
		}
		v->pin = m;
		break;

	default:
		reason = "unknown attribute";
		r = -EINVAL;
		goto fail;
	}

	v->set_mask |= POLICY_ATTR_BIT(a);
	return 0;

fail:
	if (ret_reason)
		*ret_reason = reason;
	return r;
}

const char *policy_format_rate(char *buf, size_t size, uint64_t bytes_per_sec)
{
	static const struct {
		char suffix;
		unsigned shift;
	} units[] = { { 'T', 40 }, { 'G', 30 }, { 'M', 20 }, { 'K', 10 } };

	if (bytes_per_sec == POLICY_BUDGET_UNLIMITED) {
		snprintf(buf, size, "unlimited");
		return buf;
	}
	for (size_t i = 0; i < ELEMENTSOF(units); i++) {
		uint64_t unit = UINT64_C(1) << units[i].shift;

		if (bytes_per_sec >= unit && bytes_per_sec % unit == 0) {
			snprintf(buf, size, "%" PRIu64 "%c/s", bytes_per_sec / unit,
				 units[i].suffix);
			return buf;
		}
	}
	snprintf(buf, size, "%" PRIu64 "/s", bytes_per_sec);
	return buf;
}

const char *policy_format_duration(char *buf, size_t size, uint64_t usec)
{
	static const struct {
		const char *suffix;
		uint64_t usec;
	} units[] = {
		{ "h", 3600ull * 1000 * 1000 },
		{ "min", 60ull * 1000 * 1000 },
		{ "s", 1000ull * 1000 },
		{ "ms", 1000ull },
	};

	for (size_t i = 0; i < ELEMENTSOF(units); i++)
		if (usec >= units[i].usec && usec % units[i].usec == 0) {
			snprintf(buf, size, "%" PRIu64 "%s", usec / units[i].usec,
				 units[i].suffix);
			return buf;
		}
	snprintf(buf, size, "%" PRIu64 "us", usec);
	return buf;
}

const char *policy_value_format(enum policy_attr a, const struct policy_values *v, char *buf,
				size_t size)
{
	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (a < 0 || a >= _POLICY_ATTR_MAX || !policy_values_has(v, a))
		return buf;
	switch (a) {
	case POLICY_ATTR_MODE:
		snprintf(buf, size, "%s", strempty(policy_mode_to_string(v->mode)));
		break;
	case POLICY_ATTR_NODES:
		nodemask_format(buf, size, v->nodes);
		break;
	case POLICY_ATTR_BUDGET:
		policy_format_rate(buf, size, v->budget_bytes_per_sec);
		break;
	case POLICY_ATTR_INTERVAL:
		policy_format_duration(buf, size, v->interval_usec);
		break;
	case POLICY_ATTR_HOT_THRESHOLD:
		policy_format_duration(buf, size, v->hot_threshold_usec);
		break;
	case POLICY_ATTR_PROGRAM:
		snprintf(buf, size, "%s", strempty(v->program));
		break;
	case POLICY_ATTR_PIN:
		snprintf(buf, size, "%s", strempty(policy_pin_to_string(v->pin)));
		break;
	default:
		break;
	}
	return buf;
}

int policy_path_normalize(const char *path, char **ret)
{
	_cleanup_free_ char *out = NULL;
	size_t o = 0, len;
	const char *p;

	if (!path)
		return -EINVAL;
	len = strlen(path);
	if (len >= PATH_MAX || has_control_chars(path))
		return -EINVAL;
	out = malloc(len + 2);
	if (!out)
		return -ENOMEM;

	for (p = path;;) {
		size_t l;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		l = strcspn(p, "/");
		if ((l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		out[o++] = '/';
		memcpy(out + o, p, l);
		o += l;
		p += l;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	*ret = TAKE_PTR(out);
	return 0;
}

/* Length of the valid UTF-8 sequence at s (at most left bytes), 0 if invalid. NUL is
 * invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t left)
{
	unsigned c = s[0];
	size_t n;
	uint32_t cp;

	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

bool policy_utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len(u + i, len - i);

		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

char *policy_escape(const char *s, size_t max_bytes)
{
	const unsigned char *u = (const unsigned char *)strempty(s);
	size_t len = strlen((const char *)u), in = MIN(len, max_bytes), o = 0;
	char *out = malloc(in * 4 + 4);

	if (!out)
		return NULL;
	for (size_t i = 0; i < in;) {
		size_t n = utf8_seq_len(u + i, in - i);

		if (n == 1 && u[i] >= 0x20 && u[i] != 0x7f) {
			out[o++] = (char)u[i++];
		} else if (n > 1) {
			memcpy(out + o, u + i, n);
			o += n;
			i += n;
		} else {
			o += (size_t)sprintf(out + o, "\\x%02x", u[i]);
			i++;
		}
	}
	if (in < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

/* ----- Resolution ----- */

/* Longest value quoted in a message. */
#define MESSAGE_VALUE_MAX 128

/* Per-cgroup state of the static pass, not part of the results. */
struct static_info {
	struct policy_effective eff;     /* static effective policy, inherited by children */
	uint64_t node_sets;              /* intersection of the node sets along the path */
	unsigned n_node_sets;            /* how many node sets along the path */
	struct policy_source node_set_source; /* the deepest node set's source */
};

struct resolver {
	const struct policy_cgroup *cgroups;
	size_t n;
	const struct config *cfg;
	const struct settings *settings;
	const struct policy_topology *topo;
	policy_program_fn program_cb;
	void *userdata;
	struct policy_results *res;
	struct static_info *st;
};

static const char *results_intern(struct policy_results *res, const char *s)
{
	char **a;

	if (!s)
		return NULL;
	for (size_t i = 0; i < res->n_strings; i++)
		if (streq(res->strings[i], s))
			return res->strings[i];
	a = realloc(res->strings, (res->n_strings + 1) * sizeof(*a));
	if (!a)
		return NULL;
	res->strings = a;
	a[res->n_strings] = strdup(s);
	if (!a[res->n_strings])
		return NULL;
	return a[res->n_strings++];
}

static int add_problem(struct policy_result *r, enum policy_problem_kind kind, const char *fmt,
		       ...) _printf_(3, 4);

static int add_problem(struct policy_result *r, enum policy_problem_kind kind, const char *fmt,
		       ...)
{
	struct policy_problem *a;
	char *msg;
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (k < 0)
		return -ENOMEM;
	a = realloc(r->problems, (r->n_problems + 1) * sizeof(*a));
	if (!a) {
		free(msg);
		return -ENOMEM;
	}
	r->problems = a;
	a[r->n_problems++] = (struct policy_problem){ .kind = kind, .message = msg };
	return 0;
}

/* The source of a [Daemon] default: the config line that set it, or built in. */
static struct policy_source daemon_source(struct resolver *rs, enum config_daemon_key key)
{
	const struct config_origin *o = &rs->cfg->daemon_origin[key];

	if (!o->file)
		return (struct policy_source){ .kind = POLICY_SOURCE_DEFAULT };
	return (struct policy_source){ .kind = POLICY_SOURCE_CONFIG,
				       .file = results_intern(rs->res, o->file),
				       .line = o->line };
}

static bool rule_matches(const struct config_rule *rule, const char *path)
{
	size_t lit = strcspn(rule->glob, "*?[");

	if (rule->glob[lit] == '\0')
		return streq(rule->glob, path);
	if (strncmp(rule->glob, path, lit) != 0)
		return false;
	return config_glob_match(rule->glob, path);
}

static int collect_config(struct resolver *rs, size_t i, unsigned *ret_lock_mask,
			  struct policy_source *lock_sources)
{
	struct policy_result *r = &rs->res->items[i];
	unsigned lock_mask = 0;
	int k;

	for (size_t j = 0; j < rs->cfg->n_rules; j++) {
		const struct config_rule *rule = &rs->cfg->rules[j];
		const char *file;

		if (!rule_matches(rule, r->path))
			continue;
		file = results_intern(rs->res, rule->origin.file);
		if (!file)
			return -ENOMEM;
		for (enum policy_attr a = 0; a < _POLICY_ATTR_MAX; a++) {
			if (rule->lock_mask & POLICY_ATTR_BIT(a)) {
				lock_mask |= POLICY_ATTR_BIT(a);
				lock_sources[a] = (struct policy_source){
					.kind = POLICY_SOURCE_CONFIG, .file = file,
					.line = rule->lock_line, .decided_by = r->path };
			}
			if (!policy_values_has(&rule->values, a))
				continue;
			k = policy_values_copy_attr(&r->own, &rule->values, a);
			if (k < 0)
				return k;
			r->own_sources[a] = (struct policy_source){
				.kind = POLICY_SOURCE_CONFIG, .file = file,
				.line = rule->value_lines[a], .decided_by = r->path };
		}
	}
	*ret_lock_mask = lock_mask;
	return 0;
}

static int untrusted_problem(struct policy_result *r, const struct policy_cgroup *cg)
{
	_cleanup_free_ char *names = NULL;
	size_t size = 0;
	FILE *f;

	f = open_memstream(&names, &size);
	if (!f)
		return -ENOMEM;
	for (size_t x = 0; x < cg->n_xattrs; x++) {
		_cleanup_free_ char *e = policy_escape(cg->xattrs[x].name, MESSAGE_VALUE_MAX);

		fprintf(f, "%s%s%s", x ? ", " : "", POLICY_XATTR_PREFIX, strempty(e));
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	return add_problem(r, POLICY_PROBLEM_UNTRUSTED_OWNER,
			   "xattrs ignored (%s): the cgroup is owned by uid %u, which is neither "
			   "root nor in TrustedOwners=",
			   strempty(names), (unsigned)cg->owner_uid);
}

static int collect_xattrs(struct resolver *rs, size_t i, unsigned lock_mask,
			  const struct policy_source *lock_sources)
{
	const struct policy_cgroup *cg = &rs->cgroups[i];
	struct policy_result *r = &rs->res->items[i];
	int k;

	if (cg->n_xattrs == 0)
		return 0;
	if (!config_trusts_uid(rs->cfg, cg->owner_uid))
		return untrusted_problem(r, cg);

	for (size_t x = 0; x < cg->n_xattrs; x++) {
		const struct policy_xattr *xa = &cg->xattrs[x];
		_cleanup_free_ char *name = policy_escape(xa->name, MESSAGE_VALUE_MAX);
		_cleanup_free_ char *value = policy_escape(xa->value, MESSAGE_VALUE_MAX);
		enum policy_attr a = policy_attr_from_string(xa->name);
		const char *reason = NULL;

		if (!name || !value)
			return -ENOMEM;
		if (a < 0) {
			k = add_problem(r, POLICY_PROBLEM_UNKNOWN_XATTR,
					"%s%s=%s: unknown attribute, ignored", POLICY_XATTR_PREFIX,
					name, value);
		} else if (a == POLICY_ATTR_PROGRAM) {
			k = add_problem(r, POLICY_PROBLEM_XATTR_REFUSED,
					"%s%s=%s: ignored, programs are attached only by the config "
					"or numabctl attach",
					POLICY_XATTR_PREFIX, name, value);
		} else if (lock_mask & POLICY_ATTR_BIT(a)) {
			char src[POLICY_SOURCE_FORMAT_MAX];

			k = add_problem(r, POLICY_PROBLEM_LOCKED_XATTR,
					"%s%s=%s: ignored, %s is locked by %s", POLICY_XATTR_PREFIX,
					name, value, attr_names[a],
					policy_source_format(&lock_sources[a], src, sizeof(src)));
		} else {
			k = policy_value_parse(a, xa->value, &r->own, &reason);
			if (k == -ENOMEM)
				return k;
			if (k < 0)
				k = add_problem(r, POLICY_PROBLEM_BAD_XATTR, "%s%s=%s: %s, ignored",
						POLICY_XATTR_PREFIX, name, value, reason);
			else
				r->own_sources[a] = (struct policy_source){
					.kind = POLICY_SOURCE_XATTR, .decided_by = r->path };
		}
		if (k < 0)
			return k;
	}
	return 0;
}

static int collect_runtime(struct resolver *rs, size_t i)
{
	struct policy_result *r = &rs->res->items[i];
	const struct settings_entry *e;
	int k;

	if (!rs->settings)
		return 0;
	e = settings_get(rs->settings, r->path);
	if (!e || !settings_entry_applies(e, rs->cgroups[i].id))
		return 0;
	for (enum policy_attr a = 0; a < _POLICY_ATTR_MAX; a++) {
		if (!policy_values_has(&e->values, a))
			continue;
		k = policy_values_copy_attr(&r->own, &e->values, a);
		if (k < 0)
			return k;
		r->own_sources[a] = (struct policy_source){ .kind = POLICY_SOURCE_RUNTIME,
							    .decided_by = r->path };
	}
	return 0;
}

/*
 * Eligible nodes from the node sets along the path (and a program's, if any) and the
 * cgroup's cpuset, for a given final mode. Writes eff->nodes and its source.
 */
static void finish_nodes(struct resolver *rs, size_t i, const struct static_info *st,
			 const struct policy_source *prog_src, uint64_t prog_nodes,
			 struct policy_effective *eff)
{
	const struct policy_cgroup *cg = &rs->cgroups[i];
	uint64_t mems = cg->mems_effective ? cg->mems_effective : NODEMASK_ALL;
	struct policy_source *src = &eff->sources[POLICY_ATTR_NODES];
	unsigned contributors = st->n_node_sets + (prog_src ? 1 : 0);
	uint64_t set;

	if (contributors == 0) {
		uint64_t base = eff->mode == POLICY_MODE_TIER ? rs->topo->all_nodes
							       : rs->topo->cpu_nodes;

		eff->nodes = base & mems;
		if (eff->nodes == base)
			*src = (struct policy_source){ .kind = POLICY_SOURCE_DEFAULT };
		else
			*src = (struct policy_source){ .kind = POLICY_SOURCE_CPUSET,
						       .decided_by = rs->res->items[i].path };
		return;
	}

	set = st->node_sets & (prog_src ? prog_nodes : NODEMASK_ALL) & rs->topo->all_nodes;
	eff->nodes = set & mems;
	if (contributors == 1 && eff->nodes == set) {
		*src = prog_src ? *prog_src : st->node_set_source;
	} else {
		*src = (struct policy_source){
			.kind = POLICY_SOURCE_INTERSECTION,
			.decided_by = prog_src ? prog_src->decided_by
					       : st->node_set_source.decided_by };
	}
}

static void resolve_static(struct resolver *rs, size_t i)
{
	const struct policy_cgroup *cg = &rs->cgroups[i];
	struct policy_result *r = &rs->res->items[i];
	struct static_info *st = &rs->st[i];
	const struct static_info *pst = cg->parent >= 0 ? &rs->st[cg->parent] : NULL;
	const struct policy_effective *p = pst ? &pst->eff : NULL;
	struct policy_effective *eff = &st->eff;
	const struct policy_values *own = &r->own;

	/* mode: an explicit off above absorbs; else the nearest explicit choice. */
	if (p && p->explicit_off) {
		eff->mode = POLICY_MODE_OFF;
		eff->explicit_off = true;
		eff->sources[POLICY_ATTR_MODE] = p->sources[POLICY_ATTR_MODE];
	} else if (policy_values_has(own, POLICY_ATTR_MODE)) {
		eff->mode = own->mode;
		eff->explicit_off = own->mode == POLICY_MODE_OFF;
		eff->sources[POLICY_ATTR_MODE] = r->own_sources[POLICY_ATTR_MODE];
	} else if (p) {
		eff->mode = p->mode;
		eff->sources[POLICY_ATTR_MODE] = p->sources[POLICY_ATTR_MODE];
	} else {
		eff->mode = POLICY_MODE_OFF;
		eff->sources[POLICY_ATTR_MODE] = (struct policy_source){ .kind = POLICY_SOURCE_DEFAULT };
	}

	/* Choices. */
#define CHOICE(attr, field, dflt, dflt_src)                                              \
	do {                                                                               \
		if (policy_values_has(own, attr)) {                                        \
			eff->field = own->field;                                           \
			eff->sources[attr] = r->own_sources[attr];                         \
		} else if (p) {                                                            \
			eff->field = p->field;                                             \
			eff->sources[attr] = p->sources[attr];                             \
		} else {                                                                   \
			eff->field = (dflt);                                               \
			eff->sources[attr] = (dflt_src);                                   \
		}                                                                          \
	} while (0)

	CHOICE(POLICY_ATTR_INTERVAL, interval_usec, rs->cfg->interval_usec,
	       daemon_source(rs, CONFIG_DAEMON_INTERVAL));
	CHOICE(POLICY_ATTR_HOT_THRESHOLD, hot_threshold_usec, rs->cfg->hot_threshold_usec,
	       daemon_source(rs, CONFIG_DAEMON_HOT_THRESHOLD));
	CHOICE(POLICY_ATTR_PIN, pin, POLICY_PIN_SOFT,
	       ((struct policy_source){ .kind = POLICY_SOURCE_DEFAULT }));
#undef CHOICE

	/* program: the nearest attachment (all of them run, see resolve_programs()). */
	if (policy_values_has(own, POLICY_ATTR_PROGRAM)) {
		eff->program = own->program;
		eff->sources[POLICY_ATTR_PROGRAM] = r->own_sources[POLICY_ATTR_PROGRAM];
	} else if (p) {
		eff->program = p->program;
		eff->sources[POLICY_ATTR_PROGRAM] = p->sources[POLICY_ATTR_PROGRAM];
	} else {
		eff->program = NULL;
		eff->sources[POLICY_ATTR_PROGRAM] =
			(struct policy_source){ .kind = POLICY_SOURCE_DEFAULT };
	}

	/* budget: the minimum along the path; ties keep the higher cgroup. */
	if (p) {
		eff->budget_ceiling_bytes_per_sec = p->budget_ceiling_bytes_per_sec;
		eff->sources[POLICY_ATTR_BUDGET] = p->sources[POLICY_ATTR_BUDGET];
	} else {
		eff->budget_ceiling_bytes_per_sec = rs->cfg->budget_bytes_per_sec;
		eff->sources[POLICY_ATTR_BUDGET] = daemon_source(rs, CONFIG_DAEMON_BUDGET);
	}
	eff->own_budget_bytes_per_sec = policy_values_has(own, POLICY_ATTR_BUDGET)
						? own->budget_bytes_per_sec
						: POLICY_BUDGET_UNLIMITED;
	if (eff->own_budget_bytes_per_sec < eff->budget_ceiling_bytes_per_sec) {
		eff->budget_ceiling_bytes_per_sec = eff->own_budget_bytes_per_sec;
		eff->sources[POLICY_ATTR_BUDGET] = r->own_sources[POLICY_ATTR_BUDGET];
	}

	/* nodes: the intersection along the path. */
	st->node_sets = pst ? pst->node_sets : NODEMASK_ALL;
	st->n_node_sets = pst ? pst->n_node_sets : 0;
	st->node_set_source = pst ? pst->node_set_source : (struct policy_source){};
	if (policy_values_has(own, POLICY_ATTR_NODES)) {
		st->node_sets &= own->nodes;
		st->n_node_sets++;
		st->node_set_source = r->own_sources[POLICY_ATTR_NODES];
	}
	finish_nodes(rs, i, st, NULL, 0, eff);
}

/* Indexes of the cgroups from the root down to i; *ret is a heap array of *ret_depth. */
static int path_chain(const struct resolver *rs, size_t i, size_t **ret, size_t *ret_depth)
{
	size_t depth = 0, *chain;

	for (int j = (int)i; j >= 0; j = rs->cgroups[j].parent)
		depth++;
	chain = calloc(depth, sizeof(*chain));
	if (!chain)
		return -ENOMEM;
	*ret_depth = depth;
	for (int j = (int)i; j >= 0; j = rs->cgroups[j].parent)
		chain[--depth] = (size_t)j;
	*ret = chain;
	return 0;
}

static int no_eligible_problem(struct resolver *rs, size_t i, const struct policy_source *prog_src,
			       uint64_t prog_nodes)
{
	struct policy_result *r = &rs->res->items[i];
	const struct policy_cgroup *cg = &rs->cgroups[i];
	_cleanup_free_ size_t *chain = NULL;
	_cleanup_free_ char *text = NULL;
	char buf[NODEMASK_FORMAT_MAX], online[NODEMASK_FORMAT_MAX];
	size_t size = 0, depth = 0;
	FILE *f;
	int k;

	k = path_chain(rs, i, &chain, &depth);
	if (k < 0)
		return k;
	f = open_memstream(&text, &size);
	if (!f)
		return -ENOMEM;
	for (size_t d = 0; d < depth; d++) {
		const struct policy_result *a = &rs->res->items[chain[d]];

		if (policy_values_has(&a->own, POLICY_ATTR_NODES))
			fprintf(f, "nodes=%s at %s, ", nodemask_format(buf, sizeof(buf), a->own.nodes),
				a->path);
	}
	if (prog_src)
		fprintf(f, "nodes=%s from program %s, ",
			nodemask_format(buf, sizeof(buf), prog_nodes), prog_src->program);
	fprintf(f, "cpuset.mems.effective=%s",
		cg->mems_effective ? nodemask_format(buf, sizeof(buf), cg->mems_effective) : "all");
	if (fclose(f) != 0)
		return -ENOMEM;
	return add_problem(r, POLICY_PROBLEM_NO_ELIGIBLE_NODES,
			   "no eligible nodes: %s and the online nodes (%s) do not intersect", text,
			   nodemask_format(online, sizeof(online), rs->topo->all_nodes));
}

/* The programs attached along the path of cgroup i, root-down: the parent's, then its own.
 * The parent's list exists already (pre-order). */
static int collect_program_runs(struct resolver *rs, size_t i)
{
	struct policy_result *r = &rs->res->items[i];
	const struct policy_result *p = r->parent;
	size_t n = (p ? p->n_programs : 0) + (policy_values_has(&r->own, POLICY_ATTR_PROGRAM) ? 1 : 0);

	if (n == 0)
		return 0;
	r->programs = calloc(n, sizeof(*r->programs));
	if (!r->programs)
		return -ENOMEM;
	for (size_t k = 0; p && k < p->n_programs; k++)
		r->programs[r->n_programs++] = (struct policy_program_run){
			.program = p->programs[k].program,
			.attached_path = p->programs[k].attached_path,
			.attached_index = p->programs[k].attached_index,
			.source = p->programs[k].source,
		};
	if (policy_values_has(&r->own, POLICY_ATTR_PROGRAM))
		r->programs[r->n_programs++] = (struct policy_program_run){
			.program = r->own.program,
			.attached_path = r->path,
			.attached_index = i,
			.source = r->own_sources[POLICY_ATTR_PROGRAM],
		};
	return 0;
}

/* Run the programs on the path of cgroup i, root-down, until one is final. Returns the index
 * of the deciding run (the last one with an opinion), -1 if none, or -ENOMEM. */
static int run_programs(struct resolver *rs, size_t i, struct policy_program_reply *ret_reply)
{
	struct policy_result *r = &rs->res->items[i];
	int decider = -1, k;

	for (size_t p = 0; p < r->n_programs; p++) {
		struct policy_program_run *run = &r->programs[p];
		struct policy_program_reply reply = {};
		struct policy_program_context ctx = {
			.program = run->program,
			.cgroup_path = r->path,
			.cgroup_index = i,
			.attached_path = run->attached_path,
			.attached_index = run->attached_index,
			.static_policy = &rs->st[i].eff,
		};

		k = rs->program_cb(rs->userdata, &ctx, &reply);
		run->ran = true;
		if (k < 0) {
			_cleanup_free_ char *why = reply.message
							   ? policy_escape(reply.message, PATH_MAX)
							   : NULL;

			run->error = k < -4095 ? -EIO : k;
			if (why) {
				run->error_message = results_intern(rs->res, why);
				if (!run->error_message)
					return -ENOMEM;
			}
			k = add_problem(r, POLICY_PROBLEM_PROGRAM_FAILED,
					"program %s attached to %s failed: %s; taken as no opinion",
					run->program, run->attached_path,
					why ? why : strerror(-run->error));
			if (k < 0)
				return k;
			continue;
		}
		if (reply.message) {
			_cleanup_free_ char *why = policy_escape(reply.message, PATH_MAX);

			k = add_problem(r, POLICY_PROBLEM_PROGRAM_REPLY, "program %s attached to %s: %s",
					run->program, run->attached_path, strempty(why));
			if (k < 0)
				return k;
		}
		if (reply.verdict < 0 || reply.verdict >= _POLICY_VERDICT_MAX) {
			run->error = -EINVAL;
			k = add_problem(r, POLICY_PROBLEM_PROGRAM_FAILED,
					"program %s attached to %s returned verdict %d; taken as no "
					"opinion",
					run->program, run->attached_path, (int)reply.verdict);
			if (k < 0)
				return k;
			continue;
		}
		run->verdict = reply.verdict;
		run->final = reply.verdict == POLICY_VERDICT_DENY ||
			     (reply.verdict == POLICY_VERDICT_ALLOW && reply.final);
		if (reply.verdict == POLICY_VERDICT_NONE)
			continue;
		decider = (int)p;
		*ret_reply = reply;
		if (run->final)
			break;
	}
	return decider;
}

static uint64_t clamp_u64(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Apply an allow: choices are replaced, the implicit-default off escalates, nodes and
 * budget only tighten. */
static int apply_allow(struct policy_result *r, const struct policy_program_reply *d,
		       const struct policy_source *prog_src)
{
	struct policy_effective *eff = &r->effective;
	unsigned o = d->override_mask;
	int k;

	if (o & POLICY_ATTR_BIT(POLICY_ATTR_MODE)) {
		if (d->mode > POLICY_MODE_OFF && d->mode < _POLICY_MODE_MAX) {
			eff->mode = d->mode;
			eff->sources[POLICY_ATTR_MODE] = *prog_src;
		} else {
			k = add_problem(r, POLICY_PROBLEM_PROGRAM_REPLY,
					"program %s attached to %s: mode override %d ignored (off "
					"is a deny, other values are invalid)",
					prog_src->program, prog_src->decided_by, (int)d->mode);
			if (k < 0)
				return k;
		}
	}
	if (eff->mode == POLICY_MODE_OFF) {
		/* Escalation from the implicit default (an explicit off never gets here). */
		eff->mode = POLICY_MODE_FOLLOW;
		eff->sources[POLICY_ATTR_MODE] = *prog_src;
	}
	if (o & POLICY_ATTR_BIT(POLICY_ATTR_INTERVAL)) {
		eff->interval_usec = clamp_u64(d->interval_usec, POLICY_INTERVAL_MIN_USEC,
					       POLICY_INTERVAL_MAX_USEC);
		eff->sources[POLICY_ATTR_INTERVAL] = *prog_src;
	}
	if (o & POLICY_ATTR_BIT(POLICY_ATTR_HOT_THRESHOLD)) {
		eff->hot_threshold_usec = clamp_u64(d->hot_threshold_usec,
						    POLICY_HOT_THRESHOLD_MIN_USEC,
						    POLICY_HOT_THRESHOLD_MAX_USEC);
		eff->sources[POLICY_ATTR_HOT_THRESHOLD] = *prog_src;
	}
	if (o & POLICY_ATTR_BIT(POLICY_ATTR_BUDGET)) {
		uint64_t b = MAX(d->budget_bytes_per_sec, POLICY_BUDGET_MIN_BYTES_PER_SEC);

		eff->own_budget_bytes_per_sec = MIN(eff->own_budget_bytes_per_sec, b);
		if (b < eff->budget_ceiling_bytes_per_sec) {
			eff->budget_ceiling_bytes_per_sec = b;
			eff->sources[POLICY_ATTR_BUDGET] = *prog_src;
		}
	}
	return 0;
}

static int resolve_programs(struct resolver *rs, size_t i)
{
	struct policy_result *r = &rs->res->items[i];
	struct policy_effective *eff = &r->effective;
	struct policy_program_reply d = {};
	struct policy_source prog_src;
	bool prog_nodes = false;
	int decider = -1, k;

	*eff = rs->st[i].eff;
	k = collect_program_runs(rs, i);
	if (k < 0)
		return k;

	if (r->n_programs > 0 && rs->program_cb && !eff->explicit_off) {
		decider = run_programs(rs, i, &d);
		if (decider < -1)
			return decider;
	}

	if (decider >= 0) {
		const struct policy_program_run *run = &r->programs[decider];

		r->decided_by_program = run;
		prog_src = (struct policy_source){ .kind = POLICY_SOURCE_PROGRAM,
						   .program = run->program,
						   .decided_by = run->attached_path };
		if (d.verdict == POLICY_VERDICT_DENY) {
			eff->mode = POLICY_MODE_OFF;
			eff->explicit_off = true;
			eff->sources[POLICY_ATTR_MODE] = prog_src;
		} else {
			k = apply_allow(r, &d, &prog_src);
			if (k < 0)
				return k;
			prog_nodes = d.override_mask & POLICY_ATTR_BIT(POLICY_ATTR_NODES);
		}
		/* The mode may have changed the default node base (tier). */
		finish_nodes(rs, i, &rs->st[i], prog_nodes ? &prog_src : NULL, d.nodes, eff);
	}

	if (policy_result_no_eligible_nodes(r))
		return no_eligible_problem(rs, i, prog_nodes ? &prog_src : NULL, d.nodes);
	return 0;
}

int policy_resolve(const struct policy_cgroup *cgroups, size_t n, const struct config *cfg,
		   const struct settings *settings, const struct policy_topology *topo,
		   policy_program_fn program_cb, void *userdata,
		   struct policy_results **ret_results)
{
	struct config *default_cfg = NULL;
	struct policy_results *res = NULL;
	struct resolver rs = {
		.cgroups = cgroups, .n = n, .cfg = cfg, .settings = settings, .topo = topo,
		.program_cb = program_cb, .userdata = userdata,
	};
	int k;

	if (!topo || (n > 0 && !cgroups) || !ret_results)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!cgroups[i].path || cgroups[i].parent >= (int)i || cgroups[i].parent < -1 ||
		    (cgroups[i].n_xattrs > 0 && !cgroups[i].xattrs))
			return -EINVAL;

	if (!cfg) {
		k = config_new_default(&default_cfg);
		if (k < 0)
			return k;
		rs.cfg = default_cfg;
	}

	k = -ENOMEM;
	res = calloc(1, sizeof(*res));
	if (!res)
		goto finish;
	rs.res = res;
	res->items = calloc(MAX(n, (size_t)1), sizeof(*res->items));
	rs.st = calloc(MAX(n, (size_t)1), sizeof(*rs.st));
	if (!res->items || !rs.st)
		goto finish;
	res->n = n;
	/* Intern every config file now, so that sources never fail to allocate later. */
	for (size_t f = 0; f < rs.cfg->n_files; f++)
		if (!results_intern(res, rs.cfg->files[f]))
			goto finish;

	for (size_t i = 0; i < n; i++) {
		struct policy_result *r = &res->items[i];
		struct policy_source lock_sources[_POLICY_ATTR_MAX] = {};
		unsigned lock_mask = 0;

		r->path = strdup(cgroups[i].path);
		if (!r->path)
			goto finish;
		r->parent = cgroups[i].parent >= 0 ? &res->items[cgroups[i].parent] : NULL;
		r->global_budget_bytes_per_sec = rs.cfg->budget_bytes_per_sec;

		k = collect_config(&rs, i, &lock_mask, lock_sources);
		if (k >= 0)
			k = collect_xattrs(&rs, i, lock_mask, lock_sources);
		if (k >= 0)
			k = collect_runtime(&rs, i);
		if (k < 0)
			goto finish;
		resolve_static(&rs, i);
	}

	for (size_t i = 0; i < n; i++) {
		k = resolve_programs(&rs, i);
		if (k < 0)
			goto finish;
	}

	*ret_results = TAKE_PTR(res);
	k = 0;
finish:
	free(rs.st);
	policy_results_free(res);
	config_free(default_cfg);
	return k;
}

struct policy_results *policy_results_free(struct policy_results *r)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->n; i++) {
		struct policy_result *x = &r->items[i];

		free(x->path);
		policy_values_done(&x->own);
		free(x->programs);
		for (size_t p = 0; p < x->n_problems; p++)
			free(x->problems[p].message);
		free(x->problems);
	}
	free(r->items);
	for (size_t i = 0; i < r->n_strings; i++)
		free(r->strings[i]);
	free(r->strings);
	free(r);
	return NULL;
}

const struct policy_result *policy_results_find(const struct policy_results *r,
						const char *path)
{
	if (!r || !path)
		return NULL;
	for (size_t i = 0; i < r->n; i++)
		if (streq(r->items[i].path, path))
			return &r->items[i];
	return NULL;
}

const char *policy_source_format(const struct policy_source *s, char *buf, size_t size)
{
	switch (s->kind) {
	case POLICY_SOURCE_CONFIG:
		snprintf(buf, size, "config:%s:%u", strempty(s->file), s->line);
		break;
	case POLICY_SOURCE_XATTR:
		snprintf(buf, size, "xattr");
		break;
	case POLICY_SOURCE_RUNTIME:
		snprintf(buf, size, "runtime");
		break;
	case POLICY_SOURCE_PROGRAM:
		snprintf(buf, size, "program:%s", strempty(s->program));
		break;
	case POLICY_SOURCE_CPUSET:
		snprintf(buf, size, "cpuset");
		break;
	case POLICY_SOURCE_INTERSECTION:
		snprintf(buf, size, "intersection");
		break;
	case POLICY_SOURCE_DEFAULT:
	default:
		snprintf(buf, size, "default");
		break;
	}
	return buf;
}

/* ----- Formatting ----- */

/* The text of one effective attribute, in policy_value_parse() syntax; "" for "none". */
static const char *effective_value(const struct policy_effective *e, enum policy_attr a,
				   char *buf, size_t size)
{
	struct policy_values v = {
		.set_mask = POLICY_ATTR_BIT(a),
		.mode = e->mode,
		.nodes = e->nodes,
		.budget_bytes_per_sec = e->budget_ceiling_bytes_per_sec,
		.interval_usec = e->interval_usec,
		.hot_threshold_usec = e->hot_threshold_usec,
		.program = (char *)e->program,
		.pin = e->pin,
	};

	if (a == POLICY_ATTR_PROGRAM && !e->program)
		v.set_mask = 0;
	return policy_value_format(a, &v, buf, size);
}

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

/* A string (escaped for JSON's sake) or null. *ok turns false on ENOMEM. */
static struct json_object *json_text(const char *s, bool *ok)
{
	_cleanup_free_ char *e = NULL;
	struct json_object *j;

	if (!s)
		return json_object_new_null();
	e = policy_escape(s, PATH_MAX);
	j = e ? json_object_new_string(e) : NULL;
	if (!j)
		*ok = false;
	return j;
}

static int json_add_text(struct json_object *o, const char *key, const char *s)
{
	bool ok = true;
	struct json_object *v = json_text(s, &ok);

	if (!ok)
		return -ENOMEM;
	if (!v)
		return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
	return json_add(o, key, v);
}

static int json_add_rate(struct json_object *o, const char *key, uint64_t rate)
{
	if (rate == POLICY_BUDGET_UNLIMITED)
		return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
	return json_add(o, key, json_object_new_int64((int64_t)MIN(rate, (uint64_t)INT64_MAX)));
}

static int json_array_push(struct json_object *a, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_array_add(a, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* Results from the root down to r; *ret is a heap array of *ret_depth. */
static int result_chain(const struct policy_result *r, const struct policy_result ***ret,
			size_t *ret_depth)
{
	const struct policy_result **chain;
	size_t depth = 0;

	for (const struct policy_result *a = r; a; a = a->parent)
		depth++;
	chain = calloc(depth, sizeof(*chain));
	if (!chain)
		return -ENOMEM;
	*ret_depth = depth;
	for (const struct policy_result *a = r; a; a = a->parent)
		chain[--depth] = a;
	*ret = chain;
	return 0;
}

static int effective_json(const struct policy_result *r, struct json_object *parent)
{
	struct json_object *eff = json_object_new_object();
	int k;

	k = json_add(parent, "effective", eff);
	if (k < 0)
		return k;
	for (enum policy_attr a = 0; a < _POLICY_ATTR_MAX; a++) {
		const struct policy_source *s = &r->effective.sources[a];
		char value[POLICY_VALUE_FORMAT_MAX], src[POLICY_SOURCE_FORMAT_MAX];
		struct json_object *o = json_object_new_object();

		k = json_add(eff, attr_names[a], o);
		if (k < 0)
			return k;
		effective_value(&r->effective, a, value, sizeof(value));
		k = json_add_text(o, "value",
				  a == POLICY_ATTR_PROGRAM && !r->effective.program ? NULL : value);
		if (k >= 0)
			k = json_add_text(o, "source", policy_source_format(s, src, sizeof(src)));
		if (k >= 0)
			k = json_add_text(o, "decided_by", s->decided_by);
		if (k < 0)
			return k;
	}
	return 0;
}

static int budget_json(const struct policy_result *r, const struct policy_result **chain,
		       size_t depth, struct json_object *parent)
{
	struct json_object *b = json_object_new_object(), *buckets;
	int k;

	k = json_add(parent, "budget", b);
	if (k >= 0)
		k = json_add_rate(b, "ceiling_bytes_per_sec",
				  r->effective.budget_ceiling_bytes_per_sec);
	if (k >= 0)
		k = json_add_rate(b, "global_bytes_per_sec", r->global_budget_bytes_per_sec);
	if (k < 0)
		return k;
	buckets = json_object_new_array();
	k = json_add(b, "buckets", buckets);
	for (size_t d = 0; d < depth && k >= 0; d++) {
		struct json_object *o;

		if (chain[d]->effective.own_budget_bytes_per_sec == POLICY_BUDGET_UNLIMITED)
			continue;
		o = json_object_new_object();
		k = json_array_push(buckets, o);
		if (k >= 0)
			k = json_add_text(o, "cgroup", chain[d]->path);
		if (k >= 0)
			k = json_add_rate(o, "bytes_per_sec",
					  chain[d]->effective.own_budget_bytes_per_sec);
	}
	return k;
}

static int programs_json(const struct policy_result *r, struct json_object *parent)
{
	struct json_object *a = json_object_new_array();
	int k;

	k = json_add(parent, "programs", a);
	for (size_t p = 0; p < r->n_programs && k >= 0; p++) {
		const struct policy_program_run *run = &r->programs[p];
		struct json_object *o = json_object_new_object();
		char src[POLICY_SOURCE_FORMAT_MAX];

		k = json_array_push(a, o);
		if (k >= 0)
			k = json_add_text(o, "cgroup", run->attached_path);
		if (k >= 0)
			k = json_add_text(o, "program", run->program);
		if (k >= 0)
			k = json_add_text(o, "source",
					  policy_source_format(&run->source, src, sizeof(src)));
		if (k >= 0)
			k = json_add(o, "ran", json_object_new_boolean(run->ran));
		if (k >= 0)
			k = json_add_text(o, "verdict",
					  run->ran && !run->error
						  ? policy_verdict_to_string(run->verdict)
						  : NULL);
		if (k >= 0)
			k = json_add(o, "final", json_object_new_boolean(run->final));
		if (k >= 0)
			k = json_add(o, "decides",
				     json_object_new_boolean(run == r->decided_by_program));
		if (k >= 0)
			k = json_add_text(o, "error",
					  run->error ? run->error_message ?: strerror(-run->error)
						     : NULL);
	}
	return k;
}

static int problems_json(const struct policy_result **chain, size_t depth,
			 struct json_object *parent)
{
	struct json_object *a = json_object_new_array();
	int k;

	k = json_add(parent, "problems", a);
	for (size_t d = 0; d < depth && k >= 0; d++)
		for (size_t p = 0; p < chain[d]->n_problems && k >= 0; p++) {
			const struct policy_problem *pr = &chain[d]->problems[p];
			struct json_object *o = json_object_new_object();

			k = json_array_push(a, o);
			if (k >= 0)
				k = json_add_text(o, "cgroup", chain[d]->path);
			if (k >= 0)
				k = json_add_text(o, "kind",
						  policy_problem_kind_to_string(pr->kind));
			if (k >= 0)
				k = json_add_text(o, "message", pr->message);
		}
	return k;
}

int policy_result_to_json(const struct policy_result *r, struct json_object **ret)
{
	_cleanup_free_ const struct policy_result **chain = NULL;
	struct json_object *o;
	char nodes[NODEMASK_FORMAT_MAX];
	size_t depth;
	int k;

	if (!r || !ret)
		return -EINVAL;
	k = result_chain(r, &chain, &depth);
	if (k < 0)
		return k;
	o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	k = json_add_text(o, "cgroup", r->path);
	if (k >= 0)
		k = json_add(o, "managed", json_object_new_boolean(policy_result_managed(r)));
	if (k >= 0)
		k = effective_json(r, o);
	if (k >= 0)
		k = json_add_text(o, "eligible_nodes",
				  nodemask_format(nodes, sizeof(nodes), r->effective.nodes));
	if (k >= 0)
		k = json_add(o, "no_eligible_nodes",
			     json_object_new_boolean(policy_result_no_eligible_nodes(r)));
	if (k >= 0)
		k = budget_json(r, chain, depth, o);
	if (k >= 0)
		k = programs_json(r, o);
	if (k >= 0)
		k = problems_json(chain, depth, o);
	if (k < 0) {
		json_object_put(o);
		return k;
	}
	*ret = o;
	return 0;
}

int policy_result_format_text(const struct policy_result *r, char **ret)
{
	_cleanup_free_ const struct policy_result **chain = NULL;
	_cleanup_free_ char *text = NULL;
	char buf[POLICY_VALUE_FORMAT_MAX], src[POLICY_SOURCE_FORMAT_MAX];
	size_t size = 0, depth;
	bool any = false;
	FILE *f;
	int k;

	if (!r || !ret)
		return -EINVAL;
	k = result_chain(r, &chain, &depth);
	if (k < 0)
		return k;
	f = open_memstream(&text, &size);
	if (!f)
		return -ENOMEM;

	fprintf(f, "cgroup %s: %s\n", r->path,
		policy_result_managed(r) ? "managed" : "not managed (mode off)");
	for (enum policy_attr a = 0; a < _POLICY_ATTR_MAX; a++) {
		const struct policy_source *s = &r->effective.sources[a];
		const char *v = effective_value(&r->effective, a, buf, sizeof(buf));

		fprintf(f, "  %-14s %-12s %s", attr_names[a],
			a == POLICY_ATTR_NODES && !*v ? "(none)" : *v ? v : "-",
			policy_source_format(s, src, sizeof(src)));
		if (s->decided_by)
			fprintf(f, ", decided by %s", s->decided_by);
		fputc('\n', f);
	}
	if (policy_result_no_eligible_nodes(r))
		fprintf(f, "eligible nodes: none\n");
	else
		fprintf(f, "eligible nodes: %s\n", nodemask_format(buf, sizeof(buf), r->effective.nodes));

	fprintf(f, "budget: ceiling %s",
		policy_format_rate(buf, sizeof(buf), r->effective.budget_ceiling_bytes_per_sec));
	for (size_t d = 0; d < depth; d++)
		if (chain[d]->effective.own_budget_bytes_per_sec != POLICY_BUDGET_UNLIMITED)
			fprintf(f, "; bucket %s %s", chain[d]->path,
				policy_format_rate(buf, sizeof(buf),
						   chain[d]->effective.own_budget_bytes_per_sec));
	fprintf(f, "; global %s\n",
		policy_format_rate(buf, sizeof(buf), r->global_budget_bytes_per_sec));

	if (r->n_programs > 0) {
		fprintf(f, "programs:\n");
		for (size_t p = 0; p < r->n_programs; p++) {
			const struct policy_program_run *run = &r->programs[p];

			fprintf(f, "  %s on %s (%s): ", run->program, run->attached_path,
				policy_source_format(&run->source, src, sizeof(src)));
			if (!run->ran)
				fprintf(f, "not run");
			else if (run->error)
				fprintf(f, "failed: %s",
					run->error_message ?: strerror(-run->error));
			else
				fprintf(f, "%s%s", policy_verdict_to_string(run->verdict),
					run->final ? ", final" : "");
			if (run == r->decided_by_program)
				fprintf(f, " (decides)");
			fputc('\n', f);
		}
	}

	for (size_t d = 0; d < depth; d++)
		for (size_t p = 0; p < chain[d]->n_problems; p++) {
			if (!any)
				fprintf(f, "problems:\n");
			any = true;
			fprintf(f, "  %s: %s\n", chain[d]->path, chain[d]->problems[p].message);
		}

	if (fclose(f) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(text);
	return 0;
}
