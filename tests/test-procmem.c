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
#include <unistd.h>

#include <cmocka.h>

#include "daemon/procmem.h"
#include "fake-mm.h"
#include "shared/macro.h"
#include "sysfs/proc-read.h"
#include "test-util.h"

#define MiB (UINT64_C(1) << 20)

static void test_classify(void **state)
{
	static const struct {
		const char *perms;
		uint64_t inode;
		const char *path;
		unsigned flags;
		enum procmem_skip skip;
	} cases[] = {
		{ "rw-p", 0, "", PROCMEM_VMA_READ | PROCMEM_VMA_WRITE | PROCMEM_VMA_ANON,
		  PROCMEM_SKIP_NONE },
		{ "rw-p", 0, "[heap]", PROCMEM_VMA_READ | PROCMEM_VMA_WRITE | PROCMEM_VMA_ANON,
		  PROCMEM_SKIP_NONE },
		{ "rw-p", 0, "[stack]", PROCMEM_VMA_READ | PROCMEM_VMA_WRITE | PROCMEM_VMA_ANON,
		  PROCMEM_SKIP_NONE },
		{ "rw-p", 0, "[anon:jemalloc]",
		  PROCMEM_VMA_READ | PROCMEM_VMA_WRITE | PROCMEM_VMA_ANON, PROCMEM_SKIP_NONE },
		{ "r-xp", 0, "[vdso]", PROCMEM_VMA_READ | PROCMEM_VMA_EXEC, PROCMEM_SKIP_SPECIAL },
		{ "r--p", 0, "[vvar]", PROCMEM_VMA_READ, PROCMEM_SKIP_SPECIAL },
		{ "r--p", 0, "[vvar_vclock]", PROCMEM_VMA_READ, PROCMEM_SKIP_SPECIAL },
		{ "--xp", 0, "[vsyscall]", PROCMEM_VMA_EXEC, PROCMEM_SKIP_SPECIAL },
		{ "r-xp", 0, "[uprobes]", PROCMEM_VMA_READ | PROCMEM_VMA_EXEC, PROCMEM_SKIP_SPECIAL },
		{ "---p", 0, "", PROCMEM_VMA_ANON, PROCMEM_SKIP_NOACCESS },
		{ "---p", 1234, "/usr/lib/libc.so.6", 0, PROCMEM_SKIP_NOACCESS },
		{ "r-xp", 1234, "/usr/lib/libc.so.6", PROCMEM_VMA_READ | PROCMEM_VMA_EXEC,
		  PROCMEM_SKIP_NONE },
		{ "rw-s", 77, "/dev/shm/pool", PROCMEM_VMA_READ | PROCMEM_VMA_WRITE |
		  PROCMEM_VMA_SHARED, PROCMEM_SKIP_NONE },
		{ "rw-s", 5, "/dev/zero (deleted)", PROCMEM_VMA_READ | PROCMEM_VMA_WRITE |
		  PROCMEM_VMA_SHARED, PROCMEM_SKIP_NONE },
		{ "rw-s", 9, "/dev/dri/card0", PROCMEM_VMA_READ | PROCMEM_VMA_WRITE |
		  PROCMEM_VMA_SHARED, PROCMEM_SKIP_DEVICE },
		{ "rw-s", 9, "/memfd:pool (deleted)", PROCMEM_VMA_READ | PROCMEM_VMA_WRITE |
		  PROCMEM_VMA_SHARED, PROCMEM_SKIP_NONE },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		enum procmem_skip skip;
		unsigned flags;

		procmem_classify(cases[i].perms, cases[i].inode, cases[i].path, &flags, &skip);
		if (flags != cases[i].flags || skip != cases[i].skip)
			fail_msg("case %zu (%s %s): flags %#x skip %s, want %#x %s", i,
				 cases[i].perms, cases[i].path, flags, procmem_skip_to_string(skip),
				 cases[i].flags, procmem_skip_to_string(cases[i].skip));
	}
	assert_string_equal(procmem_skip_to_string(_PROCMEM_SKIP_MAX), "invalid");
}

static void test_parse_maps(void **state)
{
	const char *text =
		"55d0c0a00000-55d0c0a21000 r--p 00000000 fe:01 1234                       /usr/bin/my prog\n"
		"55d0c0c00000-55d0c0e00000 rw-p 00000000 00:00 0                          [heap]\n"
		"garbage line\n"
		"\n"
		"7f0000000000-7f0000001000 ---p 00000000 00:00 0 \n"
		"7f0000001000-7f0000000000 rw-p 00000000 00:00 0\n"      /* end < start */
		"7f0000002000-7f0000003001 rw-p 00000000 00:00 0\n"      /* unaligned */
		"7f0000004000-7f0000005000 rw-p 00000000 00:00\n"        /* missing inode */
		"7f0000006000-7f0000007000 rwxpp 00000000 00:00 0\n"     /* bad perms */
		"7f0000008000-7f0000009000 rw-p 00000000 00:00 0x\n"     /* junk after inode */
		"7f000000a000-7f000000b000 rw-p 00000000 00:00 0\n"
		"7f0000000000-7f0000001000 rw-p 00000000 00:00 0\n"      /* out of order */
		"7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]\n"
		"7ffd0007e000-7ffd00080000 r--p 00000000 00:00 0                          [vvar]\n"
		"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]";
	struct procmem_vma *v;
	unsigned malformed;
	size_t n;

	assert_int_equal(procmem_parse_maps(text, &v, &n, &malformed), 0);
	assert_int_equal(n, 7);
	assert_int_equal(malformed, 7);
	assert_true(v[0].start == 0x55d0c0a00000ull && v[0].end == 0x55d0c0a21000ull);
	assert_int_equal(v[0].skip, PROCMEM_SKIP_NONE);
	assert_false(v[0].flags & PROCMEM_VMA_ANON);
	assert_true(v[1].flags & PROCMEM_VMA_ANON);
	assert_int_equal(v[2].skip, PROCMEM_SKIP_NOACCESS);
	assert_true(v[3].start == 0x7f000000a000ull);
	assert_true(v[4].flags & PROCMEM_VMA_ANON);
	assert_int_equal(v[5].skip, PROCMEM_SKIP_SPECIAL);
	assert_int_equal(v[6].skip, PROCMEM_SKIP_SPECIAL);
	free(v);

	assert_int_equal(procmem_parse_maps("", &v, &n, NULL), 0);
	assert_int_equal(n, 0);
	free(v);

	/* A path longer than a line buffer is malformed, the next line still parses. */
	{
		size_t len = 9000;
		char *big = malloc(len + 200);

		assert_non_null(big);
		size_t head;

		strcpy(big, "7f0000000000-7f0000001000 rw-p 00000000 fe:01 5 /");
		head = strlen(big);
		memset(big + head, 'x', len);
		strcpy(big + head + len - 1, "\n7f0000002000-7f0000003000 rw-p 00000000 00:00 0\n");
		assert_int_equal(procmem_parse_maps(big, &v, &n, &malformed), 0);
		assert_int_equal(n, 1);
		assert_int_equal(malformed, 1);
		assert_true(v[0].start == 0x7f0000002000ull);
		free(v);
		free(big);
	}
}

static void test_numa_maps_ranges(void **state)
{
	const char *text =
		"55d0c0a00000 default file=/usr/bin/x mapped=10 mapmax=3 N0=10 kernelpagesize_kB=4\n"
		"7f0000000000 bind:1 anon=4 dirty=4 N1=4 kernelpagesize_kB=4\n"
		"7f1000000000 weighted interleave:0-1 anon=8 N0=4 N1=4 kernelpagesize_kB=4\n"
		"7f2000000000 default file=/anon_hugepage\\040(deleted) huge dirty=2 N0=2 kernelpagesize_kB=2048\n"
		"not-hex default\n"
		"7f3000000000 local anon=1 N0=1\n"
		"7f4000000000\n";
	struct numa_maps_range *r;
	size_t n;
	char cg[64];

	assert_int_equal(numa_maps_parse_ranges(text, &r, &n), 0);
	assert_int_equal(n, 5);
	assert_true(r[0].file && r[0].mapmax == 3 && !r[0].own_policy);
	assert_true(r[0].resident_bytes == 10 * 4096);
	assert_true(r[1].own_policy && r[1].start == 0x7f0000000000ull);
	assert_true(r[2].own_policy);
	assert_true(r[3].huge && r[3].page_bytes == 2 * MiB && r[3].resident_bytes == 4 * MiB);
	assert_false(r[4].own_policy); /* local is not a placement the process chose */
	free(r);

	/* A torn read: a line that does not start above the previous one is skipped. */
	assert_int_equal(numa_maps_parse_ranges("7f1000000000 bind:1 anon=4 N1=4\n"
						"7f0000000000 bind:0 anon=4 N0=4\n"
						"7f1000000000 default anon=1 N0=1\n"
						"7f2000000000 default anon=2 N0=2\n",
						&r, &n),
			 0);
	assert_int_equal(n, 2);
	assert_true(r[0].start == 0x7f1000000000ull && r[0].own_policy);
	assert_true(r[1].start == 0x7f2000000000ull && r[1].resident_bytes == 2 * 4096);
	free(r);

	assert_int_equal(proc_parse_cgroup("0::/system.slice/x.service\n", cg, sizeof(cg)), 0);
	assert_string_equal(cg, "/system.slice/x.service");
	assert_int_equal(proc_parse_cgroup("12:cpuset:/\n0::/\n", cg, sizeof(cg)), 0);
	assert_string_equal(cg, "/");
	assert_int_equal(proc_parse_cgroup("1:name=systemd:/a\n", cg, sizeof(cg)), -ENOENT);
	assert_int_equal(proc_parse_cgroup("0::/aaaaaaaaaaaa\n", cg, 4), -ENOBUFS);
}

/* A process: heap, a bind range, an interleave range split later, a hugetlb mapping, a shared
 * library with pages mapped by others, a guard page, vdso. */
static const char *maps_text =
	"00400000-00600000 r-xp 00000000 fe:01 11 /usr/lib/libshared.so\n"
	"01000000-01400000 rw-p 00000000 00:00 0 [heap]\n"
	"10000000-10200000 rw-p 00000000 00:00 0\n"          /* bind */
	"10200000-10201000 ---p 00000000 00:00 0\n"          /* guard */
	"20000000-20400000 rw-p 00000000 00:00 0\n"          /* interleave */
	"40000000-40800000 rw-s 00000000 00:0f 99 /anon_hugepage (deleted)\n"
	"7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0 [vdso]\n";
static const char *numa_maps_text =
	"00400000 default file=/usr/lib/libshared.so mapped=512 mapmax=40 N0=512 kernelpagesize_kB=4\n"
	"01000000 default heap anon=1024 N0=1024 kernelpagesize_kB=4\n"
	"10000000 bind:1 anon=512 N1=512 kernelpagesize_kB=4\n"
	"10200000 default\n"
	"20000000 interleave:0-1 anon=1024 N0=512 N1=512 kernelpagesize_kB=4\n"
	"40000000 default file=/anon_hugepage\\040(deleted) huge N1=4 kernelpagesize_kB=2048\n";

static void test_own_policy_excluded(void **state)
{
	struct procmem *pm;

	assert_int_equal(procmem_new(42, 1000, NULL, &pm), 0);
	assert_int_equal(procmem_load_text(pm, maps_text, numa_maps_text, 0), 0);
	assert_true(pm->facts_loaded);
	assert_int_equal(pm->n_own_policy, 2);
	assert_true(pm->own_policy_bytes == (512 + 1024) * 4096ull);
	/* Ranges: the library (shared pages), heap, hugetlb. */
	assert_int_equal(pm->n_ranges, 3);
	assert_true(pm->ranges[0].start == 0x400000 && pm->ranges[0].end == 0x600000);
	assert_true(pm->ranges[0].flags & PROCMEM_RANGE_SHARED_PAGES);
	assert_true(pm->ranges[1].start == 0x1000000 && pm->ranges[1].end == 0x1400000);
	assert_int_equal(pm->ranges[1].flags & PROCMEM_RANGE_SHARED_PAGES, 0);
	assert_true(pm->ranges[2].start == 0x40000000 && pm->ranges[2].page_bytes == 2 * MiB);
	assert_true(pm->ranges[2].flags & PROCMEM_RANGE_HUGETLB);
	assert_true(pm->skipped_bytes[PROCMEM_SKIP_NOACCESS] == 4096);
	assert_true(pm->skipped_bytes[PROCMEM_SKIP_SPECIAL] == 8192);
	assert_true(pm->eligible_bytes == 2 * MiB + 4 * MiB + 8 * MiB);
	assert_int_equal(procmem_range_of(pm, 0x10000000), -1);
	assert_int_equal(procmem_range_of(pm, 0x1000000), 1);
	assert_int_equal(procmem_range_of(pm, 0x13fffff), 1);
	assert_int_equal(procmem_range_of(pm, 0x1400000), -1);

	/* Later: the interleave mapping split in two by an mprotect, the heap grew, a new
	 * anonymous mapping appeared. maps only: the policy facts stay by address. */
	assert_int_equal(procmem_load_text(pm,
		"01000000-01600000 rw-p 00000000 00:00 0 [heap]\n"
		"10000000-10200000 rw-p 00000000 00:00 0\n"
		"20000000-20100000 rw-p 00000000 00:00 0\n"
		"20100000-20400000 r--p 00000000 00:00 0\n"
		"30000000-30100000 rw-p 00000000 00:00 0\n", NULL, 1), 0);
	assert_int_equal(pm->n_ranges, 2);
	assert_true(pm->ranges[0].start == 0x1000000 && pm->ranges[0].end == 0x1600000);
	assert_true(pm->ranges[1].start == 0x30000000 && pm->ranges[1].end == 0x30100000);
	assert_int_equal(pm->n_own_policy, 2);

	/* A mapping that grew over the end of a bind range: only the new part is eligible. */
	assert_int_equal(procmem_load_text(pm, "10000000-10400000 rw-p 00000000 00:00 0\n", NULL, 2),
			 0);
	assert_int_equal(pm->n_ranges, 1);
	assert_true(pm->ranges[0].start == 0x10200000 && pm->ranges[0].end == 0x10400000);
	procmem_free(pm);
}

static void test_collect_wrap(void **state)
{
	struct procmem *pm;
	void *addrs[64];
	uint32_t idx[64];
	uint64_t cursor = 0;
	bool wrapped;
	size_t n;

	assert_int_equal(procmem_new(42, 1000, NULL, &pm), 0);
	assert_int_equal(procmem_load_text(pm,
		"00010000-00013000 rw-p 00000000 00:00 0\n"       /* 3 pages */
		"00020000-00022000 rw-p 00000000 00:00 0\n"       /* 2 pages */
		"40000000-40400000 rw-s 00000000 00:0f 9 /anon_hugepage (deleted)\n",
		"40000000 default huge N0=2 kernelpagesize_kB=2048\n", 0), 0);
	assert_int_equal(pm->n_ranges, 3);

	n = procmem_collect(pm, &cursor, 1, addrs, idx, 4, &wrapped);
	assert_int_equal(n, 4);
	assert_false(wrapped);
	assert_true((uintptr_t)addrs[0] == 0x10000 && (uintptr_t)addrs[2] == 0x12000);
	assert_true((uintptr_t)addrs[3] == 0x20000 && idx[3] == 1);
	assert_true(cursor == 0x21000);
	/* Hugetlb: one address per 2 MiB page. */
	n = procmem_collect(pm, &cursor, 1, addrs, idx, 64, &wrapped);
	assert_int_equal(n, 3);
	assert_true(wrapped);
	assert_true(cursor == 0);
	assert_true((uintptr_t)addrs[1] == 0x40000000 && (uintptr_t)addrs[2] == 0x40200000);
	assert_int_equal(idx[2], 2);
	/* And around again. */
	n = procmem_collect(pm, &cursor, 1, addrs, idx, 1, &wrapped);
	assert_int_equal(n, 1);
	assert_true((uintptr_t)addrs[0] == 0x10000);

	/* A cursor in a hole starts at the next range; one past everything wraps at once. */
	cursor = 0x15000;
	n = procmem_collect(pm, &cursor, 1, addrs, idx, 1, &wrapped);
	assert_true(n == 1 && (uintptr_t)addrs[0] == 0x20000);
	cursor = 0x50000000;
	n = procmem_collect(pm, &cursor, 1, addrs, idx, 8, &wrapped);
	assert_true(n == 0 && wrapped && cursor == 0);
	/* An unaligned cursor is rounded down to its page. */
	cursor = 0x11234;
	n = procmem_collect(pm, &cursor, 1, addrs, idx, 1, &wrapped);
	assert_true(n == 1 && (uintptr_t)addrs[0] == 0x11000);

	/* Stride 2: every other page of each range. */
	cursor = 0;
	n = procmem_collect(pm, &cursor, 2, addrs, idx, 64, &wrapped);
	assert_int_equal(n, 2 + 1 + 1);
	assert_true((uintptr_t)addrs[1] == 0x12000 && (uintptr_t)addrs[2] == 0x20000);
	assert_true((uintptr_t)addrs[3] == 0x40000000);
	procmem_free(pm);
}

static void test_scan_estimate(void **state)
{
	struct procmem_params params = { .scan_pages = 300, .stride_pages = 1 };
	struct fake_mm f = { .query_ns = 1000 };
	struct procmem_sys sys = fake_sys(&f);
	struct procmem_scan_result res;
	const struct procmem_estimate *est;
	struct procmem *pm;
	unsigned sweeps = 0, scans = 0;

	/* 1000 pages: 600 on node 1, 300 on node 0, 100 absent; a bind range on node 1. */
	fake_add_range(&f, 0x100000, 600, 1);
	fake_add_range(&f, 0x100000 + 600 * 4096, 300, 0);
	fake_add_range(&f, 0x100000 + 900 * 4096, 100, -1);
	assert_int_equal(procmem_new(42, 1000, &params, &pm), 0);
	assert_int_equal(procmem_load_text(pm,
		"00100000-004e8000 rw-p 00000000 00:00 0\n"
		"10000000-10200000 rw-p 00000000 00:00 0\n",
		"00100000 default anon=900 N0=300 N1=600\n"
		"10000000 bind:1 anon=512 N1=512\n", 0), 0);
	assert_int_equal(procmem_stride(pm), 1);

	est = procmem_estimate_get(pm);
	assert_false(est->complete);
	do {
		f.clock_ns += 1000000;
		assert_int_equal(procmem_scan(pm, &sys, &res), 0);
		assert_true(res.queried_pages <= 300);
		assert_false(res.vanished);
		scans++;
		sweeps += res.sweep_completed;
	} while (!res.sweep_completed && scans < 10);
	assert_int_equal(scans, 4); /* 1000 pages, 300 per scan */
	assert_int_equal(sweeps, 1);
	est = procmem_estimate_get(pm);
	assert_true(est->complete);
	assert_true(est->bytes_per_node[1] == 600 * 4096ull);
	assert_true(est->bytes_per_node[0] == 300 * 4096ull);
	assert_true(est->absent_bytes == 100 * 4096ull);
	assert_true(est->resident_bytes == 900 * 4096ull);
	assert_true(est->sampled_pages == 1000);
	/* Age: the sweep began at the first scan. */
	assert_true(est->started_ns == 1000000);
	assert_true(est->finished_ns > est->started_ns);

	/* Moves are applied to the estimate. */
	procmem_note_moved(pm, 1, 0, 100 * 4096);
	assert_true(procmem_estimate_get(pm)->bytes_per_node[0] == 400 * 4096ull);
	procmem_note_moved(pm, 1, 0, UINT64_MAX);
	assert_true(procmem_estimate_get(pm)->bytes_per_node[1] == 0);
	procmem_free(pm);

	/* Automatic stride: 1000 pages, 100 per scan, a sweep in 2 scans -> stride 5. */
	params = (struct procmem_params){ .scan_pages = 100, .sweep_scans = 2 };
	assert_int_equal(procmem_new(42, 1000, &params, &pm), 0);
	assert_int_equal(procmem_load_text(pm, "00100000-004e8000 rw-p 00000000 00:00 0\n",
					   "00100000 default anon=900\n", 0), 0);
	assert_int_equal(procmem_stride(pm), 5);
	scans = 0;
	do {
		assert_int_equal(procmem_scan(pm, &sys, &res), 0);
		scans++;
	} while (!res.sweep_completed && scans < 10);
	assert_int_equal(scans, 2);
	est = procmem_estimate_get(pm);
	assert_int_equal(est->stride_pages, 5);
	assert_true(est->sampled_pages == 200);
	/* Each sample stands for 5 pages: the scaled estimate is exact on this layout. */
	assert_true(est->bytes_per_node[1] == 600 * 4096ull);
	assert_true(est->bytes_per_node[0] == 300 * 4096ull);

	/* A sparse 8 TiB reservation: with the kernel telling where present pages are, a
	 * sweep is a few queries and the estimate is exact. */
	{
		struct fake_mm g = { .query_ns = 1000, .report_present = true };
		struct procmem_sys gs = fake_sys(&g);
		struct procmem *sp;

		fake_add_range(&g, 0x100000000000ull, 100, 1);
		fake_add_range(&g, 0x17ff00000000ull, 50, 0);
		params = (struct procmem_params){ .scan_pages = 4096, .stride_pages = 1 };
		assert_int_equal(procmem_new(43, 1, &params, &sp), 0);
		assert_int_equal(procmem_load_text(sp, "100000000000-180000000000 rw-p 00000000 00:00 0\n",
						   "100000000000 default\n", 0), 0);
		assert_int_equal(procmem_scan(sp, &gs, &res), 0);
		assert_true(res.sweep_completed);
		assert_true(res.calls <= 4);
		est = procmem_estimate_get(sp);
		assert_true(est->bytes_per_node[1] == 100 * 4096ull);
		assert_true(est->bytes_per_node[0] == 50 * 4096ull);
		procmem_free(sp);
		fake_done(&g);
	}

	/* The process exits mid-scan. */
	f.esrch_at_query = f.query_calls + 1;
	assert_int_equal(procmem_scan(pm, &sys, &res), 0);
	assert_true(res.vanished);
	procmem_free(pm);
	fake_done(&f);
}

static void write_stat(struct tmpdir *t, const char *path, int pid, unsigned long long start)
{
	tmpdir_writef(t, path,
		      "%d (proc x) S 1 1 1 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 %llu 0 0 0 0 0 0 0 0 0 "
		      "0 0 0 0 0 0 0 1 0 0 0 0 0\n", pid, start);
}

static void test_load_and_pin(void **state)
{
	struct tmpdir *t = *state;
	int pid = getpid();
	struct procmem_pin pin;
	struct procmem *pm;
	char path[64];

	snprintf(path, sizeof(path), "%d/maps", pid);
	tmpdir_write(t, path, maps_text);
	snprintf(path, sizeof(path), "%d/numa_maps", pid);
	tmpdir_write(t, path, numa_maps_text);
	snprintf(path, sizeof(path), "%d/stat", pid);
	write_stat(t, path, pid, 4242);
	snprintf(path, sizeof(path), "%d/cgroup", pid);
	tmpdir_write(t, path, "0::/work/a\n");

	assert_int_equal(procmem_new(pid, 4242, NULL, &pm), 0);
	assert_int_equal(procmem_load(pm, t->fd, 5), 0);
	assert_int_equal(pm->n_ranges, 3);
	assert_int_equal(pm->n_own_policy, 2);
	assert_int_equal(procmem_refresh_maps(pm, t->fd, 6), 0);
	assert_int_equal(pm->n_ranges, 3);
	assert_true(pm->maps_ns == 6);
	procmem_free(pm);

	assert_int_equal(procmem_new(pid + 100000, 1, NULL, &pm), 0);
	assert_int_equal(procmem_load(pm, t->fd, 5), -ENOENT);
	procmem_free(pm);

	/* The pin: start time and cgroup checked. */
	assert_int_equal(procmem_pin_open(t->fd, pid, 4242, "/work/a", &pin), 0);
	assert_true(procmem_pin_alive(&pin));
	assert_true(pin.start_time == 4242);
	procmem_pin_close(&pin);
	assert_false(procmem_pin_alive(&pin));
	assert_int_equal(procmem_pin_open(t->fd, pid, 0, NULL, &pin), 0);
	procmem_pin_close(&pin);
	assert_int_equal(procmem_pin_open(t->fd, pid, 4243, NULL, &pin), PROCMEM_ERR_REUSED);
	assert_int_equal(procmem_pin_open(t->fd, pid, 4242, "/work/b", &pin), PROCMEM_ERR_MOVED);
	/* No such process: pidfd_open() says so. */
	assert_int_equal(procmem_pin_open(t->fd, INT32_MAX - 1, 0, NULL, &pin),
			 PROCMEM_ERR_EXITED);
	assert_int_equal(procmem_pin_open(t->fd, 0, 0, NULL, &pin), -EINVAL);
	/* A zombie counts as exited. */
	snprintf(path, sizeof(path), "%d/stat", pid);
	tmpdir_writef(t, path,
		      "%d (z) Z 1 1 1 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 4242 0 0 0 0 0 0 0 0 0 "
		      "0 0 0 0 0 0 0 1 0 0 0 0 0\n", pid);
	assert_int_equal(procmem_pin_open(t->fd, pid, 4242, NULL, &pin), PROCMEM_ERR_EXITED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_parse_maps),
		cmocka_unit_test(test_numa_maps_ranges),
		cmocka_unit_test(test_own_policy_excluded),
		cmocka_unit_test(test_collect_wrap),
		cmocka_unit_test(test_scan_estimate),
		cmocka_unit_test_setup_teardown(test_load_and_pin, tmpdir_setup, tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
