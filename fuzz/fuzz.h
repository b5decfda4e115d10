/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What every fuzz target shares: the libFuzzer entry point's prototype and a NUL-terminated
 * heap copy of the input (numab's parsers take C strings: the text of a file read whole).
 * Each target aborts on a broken invariant, so that libFuzzer (and the replay driver) report
 * it as a crash.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of data (embedded NULs end the text early, as in a C string). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *t = malloc(size + 1);

	if (!t)
		abort();
	memcpy(t, data, size);
	t[size] = '\0';
	return t;
}

#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, \
				#cond);                                                    \
			abort();                                                           \
		}                                                                          \
	} while (0)
