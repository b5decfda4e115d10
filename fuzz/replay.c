/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A main() for the fuzz targets without libFuzzer: feeds every file named on the command line
 * (a directory: each regular file in it, in name order) to LLVMFuzzerTestOneInput() once. The
 * unit suite runs each target this way over its committed corpus (fuzz/corpus/<target>), so
 * every build, with gcc or under ASan+UBSan, replays the seeds and the inputs that found bugs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "shared/fileio.h"
#include "shared/macro.h"

#define REPLAY_MAX_BYTES (16u << 20)

static int replay_file(const char *path)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t size;
	int r = fd < 0 ? -errno : read_full_fd(fd, REPLAY_MAX_BYTES, 0, &buf, &size);

	if (r < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(-r));
		return r;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)buf, size);
	return 0;
}

static int replay_dir(const char *dir, unsigned *count)
{
	struct dirent **entries;
	int n = scandir(dir, &entries, NULL, alphasort), r = 0;

	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *path = NULL;
		struct stat st;

		if (r == 0 && entries[i]->d_name[0] != '.' &&
		    asprintf(&path, "%s/%s", dir, entries[i]->d_name) >= 0 &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			r = replay_file(path);
			(*count)++;
		}
		free(entries[i]);
	}
	free(entries);
	return r;
}

int main(int argc, char **argv)
{
	unsigned count = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fprintf(stderr, "Usage: %s FILE|DIR...   run this fuzz target once on each input\n",
			argv[0]);
		return argc < 2 ? 2 : 0;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		int r;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			r = replay_dir(argv[i], &count);
		} else {
			r = replay_file(argv[i]);
			count++;
		}
		if (r < 0)
			return 1;
	}
	printf("replayed %u input(s)\n", count);
	return count ? 0 : 1;
}
