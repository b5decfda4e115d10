/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * numab's cgroup xattrs: user.numab.<attribute> on cgroup v2 directories (DESIGN §4
 * "Sources"), read with flistxattr/fgetxattr on a directory opened relative to the cgroup
 * root dirfd of shared/roots.h, so fixture trees on any filesystem with user xattrs work.
 *
 * A cgroup that vanishes while we look (ENOENT, ENODEV) is "gone": -ENOENT, which callers
 * treat as "skip it", never as a failure. A filesystem without user xattrs (ENOTSUP) has no
 * numab xattrs. Values are returned raw; policy_value_parse() judges them.
 */

#include <stddef.h>
#include <sys/types.h>

#define CG_XATTR_PREFIX "user.numab."
/* Larger values are not numab's (the longest valid one is a program path). */
#define CG_XATTR_VALUE_MAX 4096

struct cg_xattr {
	char *name;     /* after "user.numab.", owned */
	char *value;    /* NUL-terminated, owned; cut at the first NUL byte */
};

/* Everything read from one cgroup directory. */
struct cg_xattrs {
	struct cg_xattr *items;
	size_t n;
	uid_t owner_uid;        /* owner of the directory */
	size_t n_skipped;       /* user.numab.* xattrs over CG_XATTR_VALUE_MAX */
};

/*
 * Read the owner and every user.numab.* xattr of the cgroup at path ("/" or "/a/b", relative
 * to root_fd). Returns 0 with *ret filled (free with cg_xattrs_done()), -ENOENT when the
 * cgroup is gone (ENODEV is mapped to it too), or another negative errno. ENOTSUP gives 0
 * with no items. Items are sorted by name.
 */
int cg_xattr_read_all(int root_fd, const char *path, struct cg_xattrs *ret);

/* Free what x holds; accepts a zeroed struct. */
void cg_xattrs_done(struct cg_xattrs *x);

/* The value of one name in x, or NULL. */
const char *cg_xattrs_get(const struct cg_xattrs *x, const char *name);

/* Write user.numab.<name>=value on the cgroup at path. name must be a lowercase word
 * ([a-z0-9_-]+). Returns 0, -EINVAL for a bad name or a value over CG_XATTR_VALUE_MAX,
 * -ENOENT when the cgroup is gone, -EOPNOTSUPP when the filesystem refuses user xattrs, or
 * another negative errno. */
int cg_xattr_set(int root_fd, const char *path, const char *name, const char *value);

/* Remove user.numab.<name>. Returns 0, -ENODATA when it was not set, -ENOENT when the cgroup
 * is gone, or another negative errno. */
int cg_xattr_remove(int root_fd, const char *path, const char *name);
