/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The policy model of DESIGN §4: per-cgroup attributes, their values, and the resolution of a
 * whole cgroup tree into effective policies, each attribute with the source and the cgroup
 * that decided it.
 *
 * Pure: the inputs are a tree of cgroups (path, owner, cpuset.mems.effective, raw xattrs),
 * the loaded config, the runtime settings and two topology masks; the caller reads the
 * kernel and runs BPF programs (through a callback). Nothing here logs, sleeps or does I/O.
 *
 * Attribute names are the lowercase words of DESIGN §4 ("mode", "nodes", "budget",
 * "interval", "hot_threshold", "program", "pin"); the same names are used by xattrs
 * (user.numab.<name>), `numabctl set`, the state file and JSON. Values have one text syntax
 * everywhere (config, xattrs, `numabctl set`), parsed by policy_value_parse().
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shared/nodemask.h"

struct config;
struct settings;
struct json_object;

enum policy_mode {
	POLICY_MODE_OFF,        /* not managed by numab */
	POLICY_MODE_FOLLOW,     /* memory follows the CPU time */
	POLICY_MODE_PIN,        /* threads and memory consolidated on a fitting node set */
	POLICY_MODE_INTERLEAVE, /* memory spread evenly over the nodes */
	POLICY_MODE_TIER,       /* hot memory on the top tier, cold memory below */
	POLICY_MODE_KERNEL,     /* left to the kernel's AutoNUMA */
	_POLICY_MODE_MAX,
	_POLICY_MODE_INVALID = -EINVAL,
};

/* "off", "follow", ...; NULL for values out of range. */
const char *policy_mode_to_string(enum policy_mode m);
/* The mode named s (exact, lowercase), or _POLICY_MODE_INVALID. */
enum policy_mode policy_mode_from_string(const char *s);

/* How pin mode narrows a cgroup (DESIGN §5): soft = budgeted move_pages and thread affinity;
 * hard = also cpuset.mems, once the memory has moved. */
enum policy_pin {
	POLICY_PIN_SOFT,
	POLICY_PIN_HARD,
	_POLICY_PIN_MAX,
	_POLICY_PIN_INVALID = -EINVAL,
};

const char *policy_pin_to_string(enum policy_pin p);
enum policy_pin policy_pin_from_string(const char *s);

enum policy_attr {
	POLICY_ATTR_MODE,          /* choice; an explicit "off" is a constraint */
	POLICY_ATTR_NODES,         /* constraint: intersected along the path */
	POLICY_ATTR_BUDGET,        /* constraint: minimum along the path, one bucket each */
	POLICY_ATTR_INTERVAL,      /* choice */
	POLICY_ATTR_HOT_THRESHOLD, /* choice */
	POLICY_ATTR_PROGRAM,       /* decision: a BPF policy program attached here */
	POLICY_ATTR_PIN,           /* choice: soft or hard */
	_POLICY_ATTR_MAX,
	_POLICY_ATTR_INVALID = -EINVAL,
};

#define POLICY_ATTR_BIT(a) (1u << (a))
#define POLICY_ATTR_ALL ((1u << _POLICY_ATTR_MAX) - 1)

/* "mode", "nodes", "budget", "interval", "hot_threshold", "program", "pin". */
const char *policy_attr_to_string(enum policy_attr a);
/* Exact lowercase names; "hot-threshold" is accepted as a synonym of "hot_threshold". */
enum policy_attr policy_attr_from_string(const char *s);

/*
 * Value bounds, rationale:
 * - interval: numab re-reads a cgroup's memory.numa_stat at most ten times a second (faster
 *   costs more than it can gain) and at least once a day.
 * - hot_threshold: like the kernel's numa_balancing_hot_threshold_ms, 1 ms to 1 h.
 * - budget: at least one 4 KiB page per second, or nothing could ever move.
 */
#define POLICY_INTERVAL_MIN_USEC (100ull * 1000)
#define POLICY_INTERVAL_MAX_USEC (24ull * 3600 * 1000 * 1000)
#define POLICY_HOT_THRESHOLD_MIN_USEC (1ull * 1000)
#define POLICY_HOT_THRESHOLD_MAX_USEC (3600ull * 1000 * 1000)
#define POLICY_BUDGET_MIN_BYTES_PER_SEC 4096ull
#define POLICY_BUDGET_UNLIMITED UINT64_MAX

/* A set of explicitly given attribute values: one config rule, one cgroup's xattrs, one runtime
 * setting. Only the attributes in set_mask are meaningful. */
struct policy_values {
	unsigned set_mask;                 /* POLICY_ATTR_BIT() of each attribute given */
	enum policy_mode mode;
	uint64_t nodes;                    /* node mask, never empty */
	uint64_t budget_bytes_per_sec;     /* POLICY_BUDGET_UNLIMITED for "unlimited" */
	uint64_t interval_usec;
	uint64_t hot_threshold_usec;
	char *program;                     /* absolute path of a BPF object; owned */
	enum policy_pin pin;
};

static inline bool policy_values_has(const struct policy_values *v, enum policy_attr a)
{
	return v->set_mask & POLICY_ATTR_BIT(a);
}

/* Free what v owns and mark every attribute unset. Accepts NULL. */
void policy_values_done(struct policy_values *v);

/* Copy attribute a from src into dst (replacing dst's value). 0 or -ENOMEM (dst unchanged). */
int policy_values_copy_attr(struct policy_values *dst, const struct policy_values *src,
			    enum policy_attr a);

/* Drop attribute a from v (frees the program string). */
void policy_values_unset(struct policy_values *v, enum policy_attr a);

/*
 * Parse text as a value of attribute a and store it in v (replacing an earlier value).
 * Syntax: mode: one of the mode names; nodes: a non-empty node list "0-1,3"; budget: a rate
 * "64M/s" or "unlimited" (also "0"); interval, hot_threshold: a duration "500ms", "5s",
 * "2min" (a bare number is seconds); program: an absolute path; pin: "soft" or "hard".
 * Returns 0, or -EINVAL (malformed), -ERANGE (out of bounds) or -ENOMEM; on errors v is
 * unchanged and, if ret_reason is not NULL, *ret_reason is a static text such as
 * "not a rate (expected e.g. 64M/s or unlimited)".
 */
int policy_value_parse(enum policy_attr a, const char *text, struct policy_values *v,
		       const char **ret_reason);

/* Format attribute a of v in the syntax policy_value_parse() reads back exactly ("64M/s",
 * "0-1", "5s", ...). Returns buf; "" if a is not set. */
const char *policy_value_format(enum policy_attr a, const struct policy_values *v, char *buf,
				size_t size);

#define POLICY_VALUE_FORMAT_MAX 4200

/* Exact, re-parseable formats of single values ("100M/s", "1536K/s", "unlimited", "250ms"). */
const char *policy_format_rate(char *buf, size_t size, uint64_t bytes_per_sec);
const char *policy_format_duration(char *buf, size_t size, uint64_t usec);

/*
 * Normalise a cgroup path: "/" for the root, otherwise "/a/b" (a leading "/" added, repeated
 * and trailing slashes removed). "." and ".." components, control characters and paths over
 * PATH_MAX are refused with -EINVAL. *ret is a heap string (free()). 0, -EINVAL or -ENOMEM.
 */
int policy_path_normalize(const char *path, char **ret);

/* Escape s for messages and JSON: printable ASCII and valid UTF-8 are kept (backslashes too:
 * systemd unit names in cgroup paths hold "\x2d"), control characters and bytes that are not
 * UTF-8 become \xNN, and the result is cut at max_bytes input bytes with "...".
 * Heap string or NULL (ENOMEM). */
char *policy_escape(const char *s, size_t max_bytes);

/* Whether the len bytes at s are valid UTF-8 (no overlong forms, surrogates or NUL). */
bool policy_utf8_valid(const char *s, size_t len);

/* ----- Resolution ----- */

/* The xattr namespace of numab's attributes; struct policy_xattr names omit it. */
#define POLICY_XATTR_PREFIX "user.numab."

/* One raw xattr of a cgroup: name after "user.numab.", value as read. */
struct policy_xattr {
	const char *name;
	const char *value;
};

/* One cgroup of the input tree. The array is in pre-order: parents before children. */
struct policy_cgroup {
	const char *path;              /* "/" for the root, "/a/b" below (normalised) */
	int parent;                    /* index of the parent in the array; -1 for the root */
	uint64_t id;                   /* cgroup id (directory inode), 0 when unknown */
	uid_t owner_uid;               /* owner of the cgroup directory */
	uint64_t mems_effective;       /* cpuset.mems.effective; 0 = unknown (no restriction) */
	const struct policy_xattr *xattrs; /* user.numab.* xattrs, may be NULL */
	size_t n_xattrs;
};

/* The topology masks resolution needs. */
struct policy_topology {
	uint64_t all_nodes;            /* online nodes with memory */
	uint64_t cpu_nodes;            /* online nodes with CPUs */
};

enum policy_source_kind {
	POLICY_SOURCE_DEFAULT,         /* built-in default */
	POLICY_SOURCE_CONFIG,          /* a config rule, or a [Daemon] default set in the config */
	POLICY_SOURCE_XATTR,           /* a user.numab.* xattr */
	POLICY_SOURCE_RUNTIME,         /* a runtime setting (numabctl set) */
	POLICY_SOURCE_PROGRAM,         /* a BPF policy program */
	POLICY_SOURCE_CPUSET,          /* nodes: the default narrowed by cpuset.mems.effective */
	POLICY_SOURCE_INTERSECTION,    /* nodes: more than one node set along the path */
	_POLICY_SOURCE_KIND_MAX,
};

/* Where an effective value came from. All strings are owned by the result set. */
struct policy_source {
	enum policy_source_kind kind;
	const char *file;              /* POLICY_SOURCE_CONFIG: the config file */
	unsigned line;                 /* POLICY_SOURCE_CONFIG: its line */
	const char *program;           /* POLICY_SOURCE_PROGRAM: the program's path */
	const char *decided_by;        /* cgroup path that decided; NULL for daemon defaults */
};

/* "default", "config:FILE:LINE", "xattr", "runtime", "program:PATH", "cpuset",
 * "intersection" into buf; returns buf. */
const char *policy_source_format(const struct policy_source *s, char *buf, size_t size);

#define POLICY_SOURCE_FORMAT_MAX 4200

/* Effective values of one cgroup, each with its source (indexed by enum policy_attr). */
struct policy_effective {
	enum policy_mode mode;
	bool explicit_off;                     /* off by an explicit off (or a deny), not default */
	uint64_t nodes;                        /* eligible nodes; may be empty */
	uint64_t budget_ceiling_bytes_per_sec; /* min along the path and the global budget */
	uint64_t own_budget_bytes_per_sec;     /* this cgroup's own bucket; UNLIMITED = none */
	uint64_t interval_usec;
	uint64_t hot_threshold_usec;
	enum policy_pin pin;
	const char *program;                   /* nearest program on the path, NULL if none */
	struct policy_source sources[_POLICY_ATTR_MAX];
};

enum policy_verdict {
	POLICY_VERDICT_NONE,           /* no opinion */
	POLICY_VERDICT_ALLOW,
	POLICY_VERDICT_DENY,
	_POLICY_VERDICT_MAX,
	_POLICY_VERDICT_INVALID = -EINVAL,
};

const char *policy_verdict_to_string(enum policy_verdict v);

/* What the program callback gets: the program, the cgroup being evaluated and the cgroup the
 * program is attached to (an ancestor of it, or itself). Pointers are valid for the call. */
struct policy_program_context {
	const char *program;                   /* path of the BPF object */
	const char *cgroup_path;               /* the cgroup being evaluated */
	size_t cgroup_index;                   /* its index in the input array */
	const char *attached_path;             /* the cgroup the program is attached to */
	size_t attached_index;
	const struct policy_effective *static_policy; /* the evaluated cgroup, before programs */
};

/* What a program answers. Overrides count only with POLICY_VERDICT_ALLOW. */
struct policy_program_reply {
	enum policy_verdict verdict;
	bool final;                            /* with allow: programs below are not run */
	unsigned override_mask;                /* POLICY_ATTR_BIT() of the fields below given */
	enum policy_mode mode;                 /* choice; "off" is refused (use deny) */
	uint64_t interval_usec;                /* choice, clamped to the interval bounds */
	uint64_t hot_threshold_usec;           /* choice, clamped to the hot_threshold bounds */
	uint64_t nodes;                        /* constraint: intersected, never widens */
	uint64_t budget_bytes_per_sec;         /* constraint: can only lower the ceiling */
	const char *message;                   /* NULL, or why the run failed (with an error)
						* or which parts of the reply were ignored;
						* borrowed, valid until the next callback */
};

/*
 * Runs one program for one evaluated cgroup. Fill *reply (it arrives zeroed: no opinion) and
 * return 0; a negative errno means the program failed, which counts as no opinion and is
 * reported as a problem of the evaluated cgroup (with reply->message when set). A message with
 * success is reported as a program-reply problem.
 */
typedef int (*policy_program_fn)(void *userdata, const struct policy_program_context *ctx,
				 struct policy_program_reply *reply);

enum policy_problem_kind {
	POLICY_PROBLEM_BAD_XATTR,          /* a user.numab.* value that does not parse */
	POLICY_PROBLEM_UNKNOWN_XATTR,      /* user.numab.<name> with an unknown name */
	POLICY_PROBLEM_XATTR_REFUSED,      /* an attribute xattrs may not set (program) */
	POLICY_PROBLEM_LOCKED_XATTR,       /* a config rule locked the attribute */
	POLICY_PROBLEM_UNTRUSTED_OWNER,    /* xattrs on a cgroup of an untrusted owner */
	POLICY_PROBLEM_NO_ELIGIBLE_NODES,  /* the node intersection is empty */
	POLICY_PROBLEM_PROGRAM_FAILED,     /* the program callback returned an error */
	POLICY_PROBLEM_PROGRAM_REPLY,      /* a program's reply was partly ignored */
	_POLICY_PROBLEM_KIND_MAX,
};

/* "bad-xattr", "unknown-xattr", ... */
const char *policy_problem_kind_to_string(enum policy_problem_kind k);

struct policy_problem {
	enum policy_problem_kind kind;
	char *message;                         /* printable (escaped), owned */
};

/* One program on the path of an evaluated cgroup, root-down. */
struct policy_program_run {
	const char *program;                   /* owned by the result set */
	const char *attached_path;             /* owned by the result set */
	size_t attached_index;                 /* index of the attached cgroup */
	struct policy_source source;           /* where the attachment came from */
	bool ran;                              /* false: a program above decided, off, no hook */
	int error;                             /* negative errno of a failed run, else 0 */
	const char *error_message;             /* why it failed (owned by the result set), or
						* NULL: strerror(-error) says it */
	enum policy_verdict verdict;
	bool final;
};

struct policy_result {
	char *path;                            /* owned */
	const struct policy_result *parent;    /* NULL for the root; in the same result set */
	struct policy_effective effective;     /* after programs */
	struct policy_values own;              /* values set at this cgroup (all sources merged) */
	struct policy_source own_sources[_POLICY_ATTR_MAX];
	struct policy_program_run *programs;   /* root-down, n_programs of them */
	size_t n_programs;
	const struct policy_program_run *decided_by_program; /* the deciding run, or NULL */
	struct policy_problem *problems;       /* found at this cgroup */
	size_t n_problems;
	uint64_t global_budget_bytes_per_sec;
};

struct policy_results {
	struct policy_result *items;           /* same order as the input array */
	size_t n;
	char **strings;                        /* storage for file names and programs */
	size_t n_strings;
};

static inline bool policy_result_no_eligible_nodes(const struct policy_result *r)
{
	return r->effective.nodes == 0;
}

static inline bool policy_result_managed(const struct policy_result *r)
{
	return r->effective.mode != POLICY_MODE_OFF;
}

/*
 * Resolve every cgroup of the tree (DESIGN §4 "Resolution"):
 *  1. each cgroup's own values: the matching config rules (in order, later ones win), then its
 *     xattrs (only on cgroups owned by root or a TrustedOwners= uid; not for attributes a
 *     matching rule locked; invalid ones reported and skipped), then its runtime setting;
 *  2. constraints root-down: an explicit mode=off switches the subtree off; nodes are the
 *     intersection of the node sets along the path and cpuset.mems.effective (with no node
 *     set anywhere: the CPU nodes, or every node for tier); the budget ceiling is the minimum
 *     of the budgets along the path and the global budget;
 *  3. choices (mode, interval, hot_threshold, pin): the nearest explicit value, self first,
 *     else the daemon default;
 *  4. programs, when program_cb is not NULL: for each cgroup not switched off by an explicit
 *     off, the programs attached along its path are called root-down; deny is final (off);
 *     a final allow stops the walk; otherwise the nearest program with an opinion decides.
 *     Allow escalates an implicit-default off to the reply's mode, or to follow without one;
 *     overrides of choices replace them, nodes and budget only tighten.
 *
 * cgroups: n entries in pre-order (cgroups[i].parent < i, only cgroups[0] may be a root).
 * cfg and settings may be NULL (built-in defaults; no runtime settings). topo is required.
 * On success *ret_results holds n results in input order, independent of every input (free
 * with policy_results_free()). Returns 0, -EINVAL for a malformed tree, or -ENOMEM.
 */
int policy_resolve(const struct policy_cgroup *cgroups, size_t n, const struct config *cfg,
		   const struct settings *settings, const struct policy_topology *topo,
		   policy_program_fn program_cb, void *userdata,
		   struct policy_results **ret_results);

/* Free a result set; accepts NULL; returns NULL. */
struct policy_results *policy_results_free(struct policy_results *r);

/* The result for a cgroup path (normalised form), or NULL. Linear. */
const struct policy_result *policy_results_find(const struct policy_results *r,
						const char *path);

/*
 * The explain view of one result as JSON:
 *   {"cgroup": PATH, "managed": BOOL,
 *    "effective": {ATTR: {"value": V, "source": S, "decided_by": PATH|null}},
 *    "eligible_nodes": "0-1", "no_eligible_nodes": BOOL,
 *    "budget": {"ceiling_bytes_per_sec": N|null, "global_bytes_per_sec": N|null,
 *               "buckets": [{"cgroup": PATH, "bytes_per_sec": N}]},
 *    "programs": [{"cgroup": PATH, "program": P, "source": S, "ran": B, "verdict": V,
 *                  "final": B, "decides": B, "error": "message"|null}],
 *    "problems": [{"cgroup": PATH, "kind": K, "message": M}]}
 * Values are strings in the syntax of policy_value_parse() (program: null when none);
 * null rates mean unlimited. Buckets and problems cover the cgroup and its ancestors,
 * root first. Returns 0 or -ENOMEM; *ret is a new reference.
 */
int policy_result_to_json(const struct policy_result *r, struct json_object **ret);

/* The same as text for `numabctl explain`, lines ending in "\n". *ret is a heap string.
 * 0 or -ENOMEM. */
int policy_result_format_text(const struct policy_result *r, char **ret);
