/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Helpers for cmocka tests: a temporary directory per test (as a fake root) and small writers
 * that build fixture files in it. They abort the test (fail()) on any setup error.
 */

#include <stdarg.h>

struct tmpdir {
	char path[256];
	int fd;
};

/* cmocka setup/teardown: *state becomes a struct tmpdir. */
int tmpdir_setup(void **state);
int tmpdir_teardown(void **state);

/* Write content to path (relative to the tmpdir), creating parent directories. */
void tmpdir_write(struct tmpdir *t, const char *path, const char *content);
void tmpdir_writef(struct tmpdir *t, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tmpdir_mkdir(struct tmpdir *t, const char *path);
/* Copy a directory from tests/fixtures/<name> into the tmpdir at dest. */
void tmpdir_copy_fixture(struct tmpdir *t, const char *name, const char *dest);
