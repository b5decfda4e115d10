/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * File access relative to a directory fd. Every reader of sysfs, procfs and cgroupfs goes
 * through these, with the dirfd of a root from shared/roots.h, so fixture trees can stand in
 * for the real ones. All return 0 (or a length) on success and negative errno on failure;
 * -ENOENT/-ESRCH/-ENODEV mean the object is gone (see errno_is_gone()).
 */

#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <sys/types.h>

/* Flags of read_full_fd(). */
enum {
	READ_FULL_VIRTUAL = 1u << 0, /* a kernel virtual file: a short read is the end (seq_file) */
};

/* Read an open fd (file, pipe or socket) to its end into a NUL-terminated heap buffer (*ret,
 * length in *ret_size if set), at most max_size bytes (0 = 16 MiB; more fails with -EFBIG).
 * Returns 0 or negative errno; *ret is written only on success. */
int read_full_fd(int fd, size_t max_size, unsigned flags, char **ret, size_t *ret_size);

/* Read the whole file into a NUL-terminated heap buffer (*ret, length in *ret_size if set).
 * Files are limited to max_size bytes (0 = 16 MiB); larger ones fail with -EFBIG. */
int read_full_file_at(int dirfd, const char *path, size_t max_size, char **ret, size_t *ret_size);

/* Read at most size-1 bytes into buf and NUL-terminate; returns the length read. A file that
 * does not fit fails with -EFBIG. */
ssize_t read_file_at_buf(int dirfd, const char *path, char *buf, size_t size);

/* Read the first line, trailing whitespace stripped, into buf. */
int read_line_at(int dirfd, const char *path, char *buf, size_t size);

/* Read a file holding one unsigned decimal number. */
int read_u64_at(int dirfd, const char *path, uint64_t *ret);

/* Open the directory path below dirfd ("" or "." for dirfd's own directory: a new open file,
 * so the stream's position is not shared with dirfd) as a DIR stream. */
int opendir_at(int dirfd, const char *path, DIR **ret);

/* Write s (no newline added) to an existing file, as cgroupfs and sysctl files expect. */
int write_string_at(int dirfd, const char *path, const char *s);

/* Write a file atomically: a temporary file in the same directory, fsync, rename. */
int write_file_atomic_at(int dirfd, const char *path, const char *content, size_t size,
			 mode_t mode);
