/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/fileio.h"
#include "shared/macro.h"
#include "shared/parse-util.h"

#define READ_FULL_DEFAULT_MAX (16u << 20)

/*
 * Kernel virtual files (procfs, sysfs, cgroupfs) are seq_files: one read() returns whole
 * records up to the caller's count and at least what fits in a page. A read that came back
 * well short of both the request and a page therefore reached the end, and the extra read()
 * that would only return 0 can be skipped: on a 10,000-thread snapshot that is a third of
 * all syscalls. The margin covers the longest record (a numa_maps line) that may not have fit.
 */
#define SEQ_PAGE_SIZE 4096
#define SEQ_RECORD_MARGIN 1024

static bool short_read_is_eof(size_t got, size_t requested)
{
	return got < requested && got + SEQ_RECORD_MARGIN < SEQ_PAGE_SIZE;
}

static int open_at(int dirfd, const char *path, int flags)
{
	int fd;

	/* Absolute paths would escape the root; the root layer hands out relative ones. */
	while (*path == '/')
		path++;
	fd = openat(dirfd, *path ? path : ".", flags | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? negative_errno() : fd;
}

int opendir_at(int dirfd, const char *path, DIR **ret)
{
	int fd = open_at(dirfd, path, O_RDONLY | O_DIRECTORY);
	DIR *d;

	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		int r = negative_errno();

		safe_close(fd);
		return r;
	}
	*ret = d;
	return 0;
}

int read_full_fd(int fd, size_t max_size, unsigned flags, char **ret, size_t *ret_size)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, alloc = 4096;

	if (max_size == 0)
		max_size = READ_FULL_DEFAULT_MAX;
	buf = malloc(alloc);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (alloc - len < 2) {
			char *nbuf;

			if (alloc >= max_size + 1)
				return -EFBIG;
			alloc = MIN(alloc * 2, max_size + 1);
			nbuf = realloc(buf, alloc);
			if (!nbuf)
				return -ENOMEM;
			buf = nbuf;
		}
		n = read(fd, buf + len, alloc - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max_size)
			return -EFBIG;
		if ((flags & READ_FULL_VIRTUAL) && len == (size_t)n &&
		    short_read_is_eof((size_t)n, alloc - 1))
			break;
	}
	buf[len] = '\0';
	if (ret_size)
		*ret_size = len;
	*ret = TAKE_PTR(buf);
	return 0;
}

int read_full_file_at(int dirfd, const char *path, size_t max_size, char **ret, size_t *ret_size)
{
	_cleanup_close_ int fd = -EBADF;

	fd = open_at(dirfd, path, O_RDONLY);
	if (fd < 0)
		return fd;
	return read_full_fd(fd, max_size, READ_FULL_VIRTUAL, ret, ret_size);
}

ssize_t read_file_at_buf(int dirfd, const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = -EBADF;
	size_t len = 0;

	if (size < 2)
		return -EINVAL;
	fd = open_at(dirfd, path, O_RDONLY);
	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == (size_t)n && short_read_is_eof((size_t)n, size - 1))
			break;
		if (len == size - 1) {
			char extra;

			n = read(fd, &extra, 1);
			if (n > 0)
				return -EFBIG;
			break;
		}
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

int read_line_at(int dirfd, const char *path, char *buf, size_t size)
{
	_cleanup_free_ char *content = NULL;
	char *nl;
	int r;

	r = read_full_file_at(dirfd, path, 1u << 20, &content, NULL);
	if (r < 0)
		return r;
	nl = strchr(content, '\n');
	if (nl)
		*nl = '\0';
	strstrip_trailing(content);
	if (strlen(content) >= size)
		return -ENOBUFS;
	strcpy(buf, content);
	return 0;
}

int read_u64_at(int dirfd, const char *path, uint64_t *ret)
{
	char buf[64];
	ssize_t n;

	n = read_file_at_buf(dirfd, path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	strstrip_trailing(buf);
	return safe_atou64(buf, ret);
}

int write_string_at(int dirfd, const char *path, const char *s)
{
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen(s);
	ssize_t n;

	/* O_TRUNC: a no-op on cgroupfs, sysfs and procfs, and what makes a fixture's regular
	 * file hold what the kernel's would. */
	fd = open_at(dirfd, path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return fd;
	n = write(fd, s, len);
	if (n < 0)
		return negative_errno();
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

int write_file_atomic_at(int dirfd, const char *path, const char *content, size_t size,
			 mode_t mode)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	size_t off = 0;
	int r;

	while (*path == '/')
		path++;
	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return -ENOMEM;
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return negative_errno();
	while (off < size) {
		ssize_t n = write(fd, content + off, size - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = negative_errno();
			goto fail_unlink;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || renameat(dirfd, tmp, dirfd, path) < 0) {
		r = negative_errno();
		goto fail_unlink;
	}
	return 0;

fail_unlink:
	(void)unlinkat(dirfd, tmp, 0);
	return r;
}
