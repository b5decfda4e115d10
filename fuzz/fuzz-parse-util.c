/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The strict number, size, rate, duration and list parsers: they write their result only on
 * success, and fail only with -EINVAL or -ERANGE (or -ENOMEM for CPU sets). */
#include <errno.h>

#include "fuzz.h"
#include "shared/macro.h"
#include "shared/parse-util.h"

#define SENTINEL 0x5a5a5a5a5a5a5a5aull

static void check_u64(int r, uint64_t v)
{
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
	if (r < 0)
		FUZZ_CHECK(v == SENTINEL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = fuzz_text(data, size);
	uint64_t v;
	int64_t i64;
	unsigned u;
	int i, r;
	bool b;
	cpu_set_t *cpus = NULL;
	size_t ncpus = 0;

	v = SENTINEL, check_u64(safe_atou64(text, &v), v);
	r = safe_atoi64(text, &i64);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
	r = safe_atou(text, &u);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
	r = safe_atoi(text, &i);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
	r = parse_bool(text, &b);
	FUZZ_CHECK(r == 0 || r == -EINVAL);
	v = SENTINEL, check_u64(parse_size_bytes(text, &v), v);
	v = SENTINEL, check_u64(parse_rate_bytes_per_sec(text, &v), v);
	v = SENTINEL, check_u64(parse_duration_usec(text, &v), v);
	v = SENTINEL, r = parse_nodemask(text, &v);
	check_u64(r, v);

	r = parse_cpulist(text, &cpus, &ncpus);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE || r == -ENOMEM);
	if (r == 0) {
		FUZZ_CHECK(cpus && ncpus >= 1);
		CPU_FREE(cpus);
	}
	return 0;
}
