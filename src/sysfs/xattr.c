/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup xattrs. The directory is opened once (O_RDONLY | O_DIRECTORY relative to the
 * cgroup root) and every call after that works on the fd, so a cgroup that is removed and
 * recreated meanwhile cannot mix two directories' xattrs in one answer. List, then get each
 * name: a name that disappears in between (ENODATA) is skipped, a list that grows in between
 * (ERANGE) is retried.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "shared/macro.h"
#include "sysfs/xattr.h"

/* Retries of flistxattr() when the list grows between the size query and the read. */
#define LIST_RETRIES 8

static int map_gone(int k)
{
	return k == -ENODEV ? -ENOENT : k;
}

static int open_cgroup_dir(int root_fd, const char *path)
{
	int fd;

	if (!path)
		return -EINVAL;
	while (*path == '/')
		path++;
	fd = openat(root_fd, *path ? path : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? map_gone(negative_errno()) : fd;
}

static bool name_valid(const char *name)
{
	if (!name || !*name || strlen(name) > 64)
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' ||
		      *c == '-'))
			return false;
	return true;
}

static int list_names(int fd, char **ret, size_t *ret_size)
{
	for (unsigned attempt = 0; attempt < LIST_RETRIES; attempt++) {
		_cleanup_free_ char *buf = NULL;
		ssize_t n = flistxattr(fd, NULL, 0);

		if (n < 0)
			return map_gone(negative_errno());
		if (n == 0) {
			*ret = NULL;
			*ret_size = 0;
			return 0;
		}
		buf = malloc((size_t)n);
		if (!buf)
			return -ENOMEM;
		n = flistxattr(fd, buf, (size_t)n);
		if (n < 0) {
			if (errno == ERANGE)
				continue;
			return map_gone(negative_errno());
		}
		*ret = TAKE_PTR(buf);
		*ret_size = (size_t)n;
		return 0;
	}
	return -EAGAIN;
}

/* Read one value; 0 with *ret, -ENODATA when it vanished, -E2BIG when too large. */
static int get_value(int fd, const char *full_name, char **ret)
{
	_cleanup_free_ char *buf = malloc(CG_XATTR_VALUE_MAX + 1);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	n = fgetxattr(fd, full_name, buf, CG_XATTR_VALUE_MAX);
	if (n < 0)
		return errno == ERANGE ? -E2BIG : map_gone(negative_errno());
	buf[n] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

static int compare_items(const void *a, const void *b)
{
	return strcmp(((const struct cg_xattr *)a)->name, ((const struct cg_xattr *)b)->name);
}

void cg_xattrs_done(struct cg_xattrs *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n; i++) {
		free(x->items[i].name);
		free(x->items[i].value);
	}
	free(x->items);
	*x = (struct cg_xattrs){};
}

int cg_xattr_read_all(int root_fd, const char *path, struct cg_xattrs *ret)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *names = NULL;
	struct cg_xattrs x = {};
	size_t size = 0, prefix_len = strlen(CG_XATTR_PREFIX);
	struct stat st;
	int k;

	fd = open_cgroup_dir(root_fd, path);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return map_gone(negative_errno());
	x.owner_uid = st.st_uid;

	k = list_names(fd, &names, &size);
	if (k == -EOPNOTSUPP) {
		*ret = x;
		return 0;
	}
	if (k < 0)
		return k;

	for (size_t off = 0; off < size;) {
		const char *name = names + off;
		size_t l = strnlen(name, size - off);
		_cleanup_free_ char *value = NULL;
		struct cg_xattr *a;

		off += l + 1;
		if (l <= prefix_len || strncmp(name, CG_XATTR_PREFIX, prefix_len) != 0)
			continue;
		k = get_value(fd, name, &value);
		if (k == -ENODATA)
			continue;
		if (k == -E2BIG) {
			x.n_skipped++;
			continue;
		}
		if (k < 0)
			goto fail;
		a = realloc(x.items, (x.n + 1) * sizeof(*a));
		if (!a) {
			k = -ENOMEM;
			goto fail;
		}
		x.items = a;
		a[x.n].name = strndup(name + prefix_len, l - prefix_len);
		if (!a[x.n].name) {
			k = -ENOMEM;
			goto fail;
		}
		a[x.n++].value = TAKE_PTR(value);
	}
	if (x.n > 1)
		qsort(x.items, x.n, sizeof(*x.items), compare_items);
	*ret = x;
	return 0;

fail:
	cg_xattrs_done(&x);
	return k;
}

const char *cg_xattrs_get(const struct cg_xattrs *x, const char *name)
{
	for (size_t i = 0; x && name && i < x->n; i++)
		if (streq(x->items[i].name, name))
			return x->items[i].value;
	return NULL;
}

static int full_name(const char *name, char *buf, size_t size)
{
	if (!name_valid(name))
		return -EINVAL;
	snprintf(buf, size, "%s%s", CG_XATTR_PREFIX, name);
	return 0;
}

int cg_xattr_set(int root_fd, const char *path, const char *name, const char *value)
{
	_cleanup_close_ int fd = -EBADF;
	char full[128];
	size_t len;
	int k;

	k = full_name(name, full, sizeof(full));
	if (k < 0 || !value)
		return -EINVAL;
	len = strlen(value);
	if (len > CG_XATTR_VALUE_MAX)
		return -EINVAL;
	fd = open_cgroup_dir(root_fd, path);
	if (fd < 0)
		return fd;
	if (fsetxattr(fd, full, value, len, 0) < 0)
		return map_gone(negative_errno());
	return 0;
}

int cg_xattr_remove(int root_fd, const char *path, const char *name)
{
	_cleanup_close_ int fd = -EBADF;
	char full[128];
	int k;

	k = full_name(name, full, sizeof(full));
	if (k < 0)
		return k;
	fd = open_cgroup_dir(root_fd, path);
	if (fd < 0)
		return fd;
	if (fremovexattr(fd, full) < 0)
		return map_gone(negative_errno());
	return 0;
}
