/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * numab.conf(5): the main file (default /etc/numab/numab.conf) and the drop-ins, the
 * "*.conf" files in the directory "<main>.d", in lexical order. One [Daemon] section of defaults and ordered [Match]
 * sections, each a cgroup path glob plus attribute values (DESIGN §4 "Sources").
 *
 * Loading is all or nothing: a config is returned only when every file parsed; the first
 * error is returned as text naming FILE:LINE, the key and the bad value, so a daemon that
 * reloads keeps its previous config untouched.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/policy.h"

/* Built-in [Daemon] defaults; conf/numab.conf and numab.conf(5) list the same values.
 * Budget: 256 MiB/s is 64k base pages a second: move_pages sustains several GiB/s on current
 * machines, so this keeps numab's share of memory bandwidth and of the per-call LRU drains
 * small, and still fixes a 10 GiB misplaced workload within a minute. */
#define CONFIG_DEFAULT_INTERVAL_USEC (5ull * 1000 * 1000)
#define CONFIG_DEFAULT_BUDGET_BYTES_PER_SEC (256ull << 20)
#define CONFIG_DEFAULT_HOT_THRESHOLD_USEC (1000ull * 1000)
#define CONFIG_DEFAULT_STATE_DIRECTORY NUMAB_STATEDIR
#define CONFIG_DEFAULT_SOCKET NUMAB_RUNSTATEDIR "/numab/numabd.sock"
#define CONFIG_DEFAULT_PATH NUMAB_SYSCONFDIR "/numab/numab.conf"

/* Config files are small; a bigger one is a mistake (or not a config file). */
#define CONFIG_FILE_MAX_BYTES (1u << 20)

enum config_autonuma {
	CONFIG_AUTONUMA_LEAVE,  /* never touch kernel.numa_balancing */
	CONFIG_AUTONUMA_OFF,    /* switch it off while numabd runs, restore at stop */
	_CONFIG_AUTONUMA_MAX,
	_CONFIG_AUTONUMA_INVALID = -EINVAL,
};

const char *config_autonuma_to_string(enum config_autonuma a);
enum config_autonuma config_autonuma_from_string(const char *s);

/* The [Daemon] keys, for the origin of each value. */
enum config_daemon_key {
	CONFIG_DAEMON_INTERVAL,
	CONFIG_DAEMON_BUDGET,
	CONFIG_DAEMON_HOT_THRESHOLD,
	CONFIG_DAEMON_STATE_DIRECTORY,
	CONFIG_DAEMON_SOCKET,
	CONFIG_DAEMON_AUTONUMA,
	CONFIG_DAEMON_TRUSTED_OWNERS,
	CONFIG_DAEMON_ALLOW_SYS_BPF,
	CONFIG_DAEMON_METRICS_LISTEN,
	_CONFIG_DAEMON_KEY_MAX,
};

/* Where a value was set: file (owned by the config, NULL when built in) and line. */
struct config_origin {
	const char *file;
	unsigned line;
};

/* One [Match] section. */
struct config_rule {
	char *glob;                            /* Cgroup= */
	struct config_origin origin;           /* the [Match] line */
	struct policy_values values;
	unsigned value_lines[_POLICY_ATTR_MAX]; /* line of each key given */
	unsigned lock_mask;                    /* POLICY_ATTR_BIT()s of Lock= */
	unsigned lock_line;
};

struct config {
	/* [Daemon] */
	uint64_t interval_usec;
	uint64_t budget_bytes_per_sec;         /* POLICY_BUDGET_UNLIMITED for "unlimited" */
	uint64_t hot_threshold_usec;
	char *state_directory;
	char *socket_path;
	enum config_autonuma autonuma;
	uid_t *trusted_uids;                   /* besides root */
	size_t n_trusted_uids;
	bool allow_sys_bpf;
	char *metrics_listen;                  /* "HOST:PORT"; NULL = off */
	struct config_origin daemon_origin[_CONFIG_DAEMON_KEY_MAX];

	/* [Match] sections, in file order, files in load order */
	struct config_rule *rules;
	size_t n_rules;

	char **files;                          /* the files read, in order */
	size_t n_files;
};

/*
 * Load path (NULL: CONFIG_DEFAULT_PATH) and then every "*.conf" regular file in "<path>.d/"
 * in strcmp() order. A missing main file or drop-in directory is not an error (built-in
 * defaults; cfg->files lists what was read). Returns 0 and a new config in *ret, or a
 * negative errno (-EINVAL for a malformed file, -EFBIG, an I/O error, -ENOMEM) with nothing
 * in *ret and, if ret_error is not NULL, a heap message "FILE:LINE: ..." in *ret_error
 * (NULL on -ENOMEM). Resolves TrustedOwners= user names through NSS.
 */
int config_load(const char *path, struct config **ret, char **ret_error);

/* Parse one file's text, named file for messages, as the only config file; for tests and for
 * checking a config before deploying it. Same returns as config_load(). */
int config_load_string(const char *file, const char *text, struct config **ret,
		       char **ret_error);

/* A config holding the built-in defaults and no rules. 0 or -ENOMEM. */
int config_new_default(struct config **ret);

/* Free; accepts NULL; returns NULL. */
struct config *config_free(struct config *cfg);

/* Whether uid may set xattrs honoured by numab: root, or one of TrustedOwners=. cfg may be
 * NULL (root only). */
bool config_trusts_uid(const struct config *cfg, uid_t uid);

/*
 * Whether a cgroup path matches a Cgroup= glob: fnmatch(3) with FNM_PATHNAME, so "*", "?" and
 * "[...]" never match "/", and FNM_NOESCAPE, so a backslash is an ordinary character (systemd
 * unit names in cgroup paths carry escapes such as "\x2d"). A glob whose last component is "**" (e.g. "/a/" + "**") matches
 * every cgroup below the prefix at any depth, but not the prefix itself; the glob made of
 * "/" and "**" alone matches every cgroup but the root. A glob without wildcards matches
 * exactly one path.
 */
bool config_glob_match(const char *glob, const char *path);

/* Check a Cgroup= glob: absolute, no empty, "." or ".." components, no trailing "/",
 * "**" only as the whole last component. 0 or -EINVAL with a static reason. */
int config_glob_validate(const char *glob, const char **ret_reason);
