/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "test-util.h"

int tmpdir_setup(void **state)
{
	struct tmpdir *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->path, sizeof(t->path), "%s/numab-test-XXXXXX", getenv("TMPDIR") ?: "/tmp");
	if (!mkdtemp(t->path)) {
		free(t);
		return -1;
	}
	t->fd = open(t->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->fd < 0) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

int tmpdir_teardown(void **state)
{
	struct tmpdir *t = *state;
	char cmd[512];

	close(t->fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->path);
	if (system(cmd) != 0)
		return -1;
	free(t);
	return 0;
}

void tmpdir_mkdir(struct tmpdir *t, const char *path)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdirat(t->fd, buf, 0755) < 0 && errno != EEXIST)
				fail_msg("mkdir %s: %m", buf);
			*p = '/';
		}
	if (mkdirat(t->fd, buf, 0755) < 0 && errno != EEXIST)
		fail_msg("mkdir %s: %m", buf);
}

void tmpdir_write(struct tmpdir *t, const char *path, const char *content)
{
	char dir[1024];
	char *slash;
	int fd;
	size_t len = strlen(content);

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		tmpdir_mkdir(t, dir);
	}
	fd = openat(t->fd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fail_msg("open %s: %m", path);
	if (write(fd, content, len) != (ssize_t)len)
		fail_msg("write %s: %m", path);
	close(fd);
}

void tmpdir_writef(struct tmpdir *t, const char *path, const char *fmt, ...)
{
	char *s;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		fail_msg("out of memory");
	tmpdir_write(t, path, s);
	free(s);
}

void tmpdir_copy_fixture(struct tmpdir *t, const char *name, const char *dest)
{
	char cmd[2048];
	const char *fixtures = getenv("FIXTURES_DIR");

	if (!fixtures)
		fixtures = FIXTURES_DIR;
	tmpdir_mkdir(t, dest);
	snprintf(cmd, sizeof(cmd), "cp -a '%s/%s/.' '%s/%s/'", fixtures, name, t->path, dest);
	if (system(cmd) != 0)
		fail_msg("copy fixture %s failed", name);
}
