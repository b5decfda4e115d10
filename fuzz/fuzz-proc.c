/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/<pid> texts: stat, cgroup, a Mems_allowed mask, numa_maps (summary and ranges) and
 * maps, all parsed from the same input, and the process memory map built from the input as
 * both maps and numa_maps. Invariants: no node (nor the own-policy part) holds more than numa_maps' total;
 * ranges and mappings come out in ascending order, mappings non-empty; the eligible ranges
 * are page-aligned, ascending, disjoint and add up to the eligible bytes. */
#include <errno.h>
#include <limits.h>

#include "daemon/procmem.h"
#include "fuzz.h"
#include "shared/macro.h"
#include "sysfs/proc-read.h"

#define SPAN 4

static void numa_maps(const char *text)
{
	struct numa_maps_summary s = {};
	_cleanup_free_ struct numa_maps_range *ranges = NULL;
	size_t n = 0;

	if (numa_maps_parse(text, SPAN, &s) == 0) {
		FUZZ_CHECK(s.span == SPAN);
		for (unsigned i = 0; i < s.span; i++)
			FUZZ_CHECK(s.bytes_per_node[i] <= s.total_bytes);
		FUZZ_CHECK(s.own_policy_bytes <= s.total_bytes);
		numa_maps_summary_done(&s);
	}
	if (numa_maps_parse_ranges(text, &ranges, &n) == 0)
		for (size_t i = 0; i < n; i++) {
			FUZZ_CHECK(ranges[i].page_bytes > 0);
			FUZZ_CHECK(i == 0 || ranges[i - 1].start < ranges[i].start);
		}
}

static void maps(const char *text)
{
	_cleanup_free_ struct procmem_vma *vmas = NULL;
	unsigned malformed = 0;
	size_t n = 0;

	if (procmem_parse_maps(text, &vmas, &n, &malformed) == 0)
		for (size_t i = 0; i < n; i++) {
			FUZZ_CHECK(vmas[i].start < vmas[i].end);
			FUZZ_CHECK(i == 0 || vmas[i - 1].end <= vmas[i].start);
		}
}

static void memory_map(const char *text)
{
	struct procmem *pm = NULL;
	uint64_t sum = 0;

	FUZZ_CHECK(procmem_new(1, 1, NULL, &pm) == 0);
	if (procmem_load_text(pm, text, text, 0) == 0)
		for (size_t i = 0; i < pm->n_ranges; i++) {
			const struct procmem_range *r = &pm->ranges[i];

			FUZZ_CHECK(r->start < r->end && r->start % PROCMEM_PAGE_BYTES == 0);
			FUZZ_CHECK(i == 0 || pm->ranges[i - 1].end <= r->start);
			sum += r->end - r->start;
		}
	FUZZ_CHECK(sum == pm->eligible_bytes);
	procmem_free(pm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = fuzz_text(data, size);
	struct proc_stat st;
	char path[PATH_MAX];
	uint64_t mask;
	int r;

	r = proc_parse_stat(text, &st);
	FUZZ_CHECK(r == 0 || r == -EBADMSG);
	if (r == 0)
		FUZZ_CHECK(memchr(st.comm, '\0', sizeof(st.comm)));
	r = proc_parse_cgroup(text, path, sizeof(path));
	if (r >= 0)
		FUZZ_CHECK(memchr(path, '\0', sizeof(path)));
	r = proc_parse_cgroup(text, path, 4);
	if (r >= 0)
		FUZZ_CHECK(strlen(path) < 4);
	proc_parse_hex_mask(text, &mask);
	numa_maps(text);
	maps(text);
	memory_map(text);
	return 0;
}
