/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Runtime settings: what `numabctl set CGROUP attr=value...` and `numabctl attach` asked for,
 * keyed by normalised cgroup path (DESIGN §4 "Sources"). Persistent settings survive numabd
 * restarts and the removal of their cgroup, and apply again when the path reappears.
 * Transient ones (`--transient`) die with the cgroup: they carry the cgroup id (directory
 * inode) they were made for, apply only while a cgroup with that id is at the path, and are
 * dropped by settings_cgroup_removed().
 *
 * State file: STATE_DIRECTORY/runtime.json, written atomically (temp file, fsync, rename):
 *   {"version": 1, "settings": [{"cgroup": "/a/b", "transient": false, "cgroup_id": 0,
 *                                "values": {"mode": "follow", "budget": "64M/s"}}]}
 * values use the syntax of policy_value_parse(), so they read back exactly.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/policy.h"

struct json_object;

#define SETTINGS_FILE "runtime.json"
#define SETTINGS_CORRUPT_SUFFIX ".corrupt"

struct settings_entry {
	char *path;                    /* normalised cgroup path, owned */
	struct policy_values values;   /* at least one attribute set */
	bool transient;
	uint64_t cgroup_id;            /* transient: the cgroup it was made for (0 = any) */
};

struct settings;

/* An empty set. 0 or -ENOMEM. */
int settings_new(struct settings **ret);

/* Free; accepts NULL; returns NULL. */
struct settings *settings_free(struct settings *s);

size_t settings_size(const struct settings *s);

/* The entry for path (any spelling policy_path_normalize() accepts), or NULL. The pointer is
 * valid until the next change of s. */
const struct settings_entry *settings_get(const struct settings *s, const char *path);

/* Whether entry e applies to a cgroup with this id (0 = unknown: always). */
bool settings_entry_applies(const struct settings_entry *e, uint64_t cgroup_id);

/* Entries in path order: i from 0 to settings_size() - 1. */
const struct settings_entry *settings_entry_at(const struct settings *s, size_t i);

/*
 * Parse `numabctl set` arguments "attr=value" into *ret (fresh; free with
 * policy_values_done()). Errors: a missing "=", an unknown attribute, a bad value, an
 * attribute given twice, no arguments. Returns 0, -EINVAL (with a heap message such as
 * "budget=fast: not a rate (expected e.g. 64M/s or unlimited)" in *ret_error if not NULL)
 * or -ENOMEM.
 */
int settings_parse_assignments(char *const *args, size_t n, struct policy_values *ret,
			       char **ret_error);

/* Parse `numabctl reset` attribute names into a mask of POLICY_ATTR_BIT()s; no names means
 * all. 0, -EINVAL (message in *ret_error as above) or -ENOMEM. */
int settings_parse_attr_names(char *const *names, size_t n, unsigned *ret_mask,
			      char **ret_error);

/*
 * Set the attributes of v for path (merged into an existing entry: later values win). The
 * entry becomes transient, with cgroup_id, when transient is true, and persistent otherwise.
 * Returns 0, -EINVAL (bad path, or v sets nothing) or -ENOMEM (s unchanged).
 */
int settings_apply(struct settings *s, const char *path, const struct policy_values *v,
		   bool transient, uint64_t cgroup_id);

/* Remove the attributes in mask from path's entry; an entry left empty is removed. Returns 1
 * if something was removed, 0 if there was nothing to remove, -EINVAL for a bad path. */
int settings_reset(struct settings *s, const char *path, unsigned mask);

/* A cgroup went away: drop a transient entry for path. Returns 1 if one was dropped
 * (the caller saves), else 0. Persistent entries stay (DESIGN §10). */
int settings_cgroup_removed(struct settings *s, const char *path);

/* Serialise as the state file object. 0 or -ENOMEM; *ret is a new reference. */
int settings_to_json(const struct settings *s, struct json_object **ret);

/* Build a set from a state file object. Returns 0, -EINVAL when anything is malformed (heap
 * message in *ret_error if not NULL), or -ENOMEM. Nothing in *ret on errors. */
int settings_from_json(struct json_object *j, struct settings **ret, char **ret_error);

/*
 * Load SETTINGS_FILE from the state directory dir_fd. A missing file gives an empty set. A
 * corrupt file is renamed to SETTINGS_FILE SETTINGS_CORRUPT_SUFFIX, and an empty set is
 * returned with return value 1 and a heap message in *ret_warning (if not NULL). Returns 0 or
 * 1 with *ret set, or a negative errno for I/O errors other than a missing file.
 */
int settings_load(int dir_fd, struct settings **ret, char **ret_warning);

/* Write SETTINGS_FILE atomically (mode 0600) into dir_fd. 0 or negative errno. */
int settings_save(const struct settings *s, int dir_fd);
