/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v2 and node sysfs texts: memory.numa_stat, memory.stat, cgroup.controllers,
 * cgroup.procs and a node's meminfo, all parsed from the same input. cgroup.procs comes out
 * sorted. */
#include <errno.h>

#include "core/snapshot.h"
#include "fuzz.h"
#include "shared/macro.h"
#include "sysfs/cgroup-read.h"
#include "sysfs/topo-read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = fuzz_text(data, size);
	_cleanup_free_ pid_t *pids = NULL;
	struct snapshot *s = snapshot_new(2);
	uint64_t total, free_bytes;
	int r, n;

	FUZZ_CHECK(s);
	s->node_mask = 0x3;
	FUZZ_CHECK(snapshot_add_cgroup(s, "/f", -1) == 0);
	r = cg_parse_numa_stat(text, 2, &s->cgroups[0]);
	FUZZ_CHECK(r == 0 || r == -EBADMSG);
	r = cg_parse_memory_stat(text, &s->cgroups[0]);
	FUZZ_CHECK(r == 0 || r == -EBADMSG);
	cg_parse_controllers(text);
	n = cg_parse_pids(text, &pids);
	if (n > 0)
		for (int i = 1; i < n; i++)
			FUZZ_CHECK(pids[i - 1] <= pids[i]);
	topo_parse_meminfo(text, &total, &free_bytes);
	snapshot_free(s);
	return 0;
}
