/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * procmem: what numabd knows about one process's memory, kept across ticks.
 *
 * The question numabd asks each tick is "where are this process's pages, and which of them
 * may be moved", and the answer must cost little for a process of hundreds of GiB. Three
 * sources, by cost:
 *
 * - /proc/<pid>/maps lists the mappings without touching page tables (the kernel walks the
 *   VMA tree only). Read at first sight and whenever the daemon asks (it decides how often:
 *   mappings change when a process mmaps, not every tick).
 * - /proc/<pid>/numa_maps walks every page table of the process to count pages per node. It
 *   is the only place that shows a mapping's memory policy, so it is read once, at first
 *   sight (DESIGN §5): mappings with the process's own policy (bind, interleave, preferred,
 *   weighted interleave, VMA or task policy) are never moved, whatever the mode. Its page
 *   sizes tell hugetlb mappings, and its mapmax tells file pages that other processes map too
 *   (the kernel refuses to move those without MPOL_MF_MOVE_ALL, so asking is wasted work).
 *   What numa_maps said is kept by address, not by mapping, because mappings split and merge;
 *   a mapping created later with its own policy is not seen until the daemon calls
 *   procmem_load() again - the price of not walking every page table every tick.
 * - move_pages(2) with nodes NULL answers "on which node is this page" per address, for
 *   exactly the addresses asked, without moving anything and without the LRU drain a moving
 *   call costs. This is the per-tick tool.
 *
 * Mappings that are never looked at: the kernel's special mappings ([vdso], [vvar],
 * [vsyscall], [uprobes]...), device files (/dev/... other than /dev/zero and /dev/shm, which
 * may be VM_IO/VM_PFNMAP memory without struct pages), and mappings that are not readable
 * (PROT_NONE guard ranges: "---p"). Unmapped page cache is not in maps at all. File-backed
 * mapped pages are looked at and may be moved: the kernel moves a page only when this process
 * alone maps it (without MPOL_MF_MOVE_ALL).
 *
 * Incremental scanning: a cursor (an address, so it survives mappings coming and going) walks
 * the eligible ranges; each procmem_scan() queries at most params.scan_pages addresses, every
 * stride-th page, and wraps at the end. With the automatic stride a sweep of the whole process
 * takes at most params.sweep_scans calls (one by default), so a 1 TiB process costs the same per
 * tick as a 64 MiB one, at the price of a coarser sample. The estimate of the last complete sweep is
 * what the daemon uses for placement locality (DESIGN §3); its age is reported with it
 * (started_ns: the oldest query of the sweep). Moves done by actuate.c are applied to the
 * estimate so that it does not claim the old placement until the next sweep.
 *
 * The syscalls go through struct procmem_sys so tests can stand in for the kernel. The raw
 * move_pages syscall is used rather than libnuma's move_pages(): that is the same syscall
 * behind a library whose constructor reads /sys and /proc at load time (outside the roots of
 * shared/roots.h), and numab needs nothing else from it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "daemon/procmem.h"
#include "shared/fileio.h"
#include "shared/macro.h"
#include "sysfs/proc-read.h"

/* One sweep per scan, of at most 16384 samples: a fresh estimate at every evaluation (no
 * waiting several ticks for a decision) that costs 10-40 ms of status queries under qemu TCG
 * whatever the process's size; 16384 samples put the sampling error of a fraction well under
 * 1%, and the moves themselves query every page they pass (actuate.c). Measured in the VM: the
 * earlier 65536 x 8 made an idle, already local 320 MiB process cost 20-150 ms per tick. */
#define PROCMEM_DEFAULT_SCAN_PAGES 16384u
#define PROCMEM_DEFAULT_SWEEP_SCANS 1u
/* Status queries per syscall: the kernel copies statuses in chunks of 16 anyway; 1024 keeps
 * the buffers small (12 KiB) and the syscalls few. */
#define PROCMEM_QUERY_CHUNK 1024u

/* ---------------------------------------------------------------- the live kernel */

#ifndef PAGEMAP_SCAN
/* Linux 6.7 uapi (linux/fs.h); Debian 12's headers predate it. */
#define PAGE_IS_PRESENT (1 << 3)
#define PAGE_IS_HUGE (1 << 6)
struct page_region {
	uint64_t start;
	uint64_t end;
	uint64_t categories;
};
struct pm_scan_arg {
	uint64_t size;
	uint64_t flags;
	uint64_t start;
	uint64_t end;
	uint64_t walk_end;
	uint64_t vec;
	uint64_t vec_len;
	uint64_t max_pages;
	uint64_t category_inverted;
	uint64_t category_mask;
	uint64_t category_anyof_mask;
	uint64_t return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#endif

static long live_move_pages(void *userdata, pid_t pid, unsigned long count, void **pages,
			    const int *nodes, int *status, int flags)
{
	long r = syscall(SYS_move_pages, pid, count, pages, nodes, status, flags);

	return r < 0 ? -errno : r;
}

static int live_huge_windows(void *userdata, int pagemap_fd, uint64_t start, uint64_t end,
			     uint64_t *bits)
{
	struct page_region regions[64];
	uint64_t pos = start;

	if (pagemap_fd < 0)
		return -EBADF; /* not opened (the process is gone?): not the kernel's lack */
	while (pos < end) {
		struct pm_scan_arg arg = {
			.size = sizeof(arg),
			.start = pos,
			.end = end,
			.vec = (uint64_t)(uintptr_t)regions,
			.vec_len = ELEMENTSOF(regions),
			.category_mask = PAGE_IS_HUGE,
			.return_mask = PAGE_IS_HUGE,
		};
		int n = ioctl(pagemap_fd, PAGEMAP_SCAN, &arg);

		if (n < 0)
			return errno == ENOTTY || errno == EINVAL ? -EOPNOTSUPP : -errno;
		for (int i = 0; i < n; i++) {
			/* Only windows wholly inside a huge region: a PMD mapping covers one. */
			uint64_t w = (regions[i].start + PROCMEM_THP_BYTES - 1) / PROCMEM_THP_BYTES *
				     PROCMEM_THP_BYTES;

			for (; w + PROCMEM_THP_BYTES <= regions[i].end; w += PROCMEM_THP_BYTES) {
				uint64_t bit = (w - start) / PROCMEM_THP_BYTES;

				bits[bit / 64] |= UINT64_C(1) << (bit % 64);
			}
		}
		if (arg.walk_end <= pos || arg.walk_end >= end)
			break;
		pos = arg.walk_end;
	}
	return 0;
}

static int live_next_present(void *userdata, int pagemap_fd, uint64_t start, uint64_t end,
			     uint64_t *ret)
{
	struct page_region region;
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = start,
		.end = end,
		.vec = (uint64_t)(uintptr_t)&region,
		.vec_len = 1,
		.max_pages = 1,
		.category_mask = PAGE_IS_PRESENT,
		.return_mask = PAGE_IS_PRESENT,
	};
	int n;

	if (pagemap_fd < 0)
		return -EBADF; /* not opened (the process is gone?): not the kernel's lack */
	n = ioctl(pagemap_fd, PAGEMAP_SCAN, &arg);
	if (n < 0)
		return errno == ENOTTY || errno == EINVAL ? -EOPNOTSUPP : -errno;
	if (n > 0)
		*ret = MAX(region.start, start);
	else if (arg.walk_end >= end)
		*ret = end;
	else
		*ret = MAX(arg.walk_end, start); /* stopped early: go on from there */
	return 0;
}

static uint64_t live_now_ns(void *userdata)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const struct procmem_sys procmem_sys_live = {
	.move_pages = live_move_pages,
	.huge_windows = live_huge_windows,
	.next_present = live_next_present,
	.now_ns = live_now_ns,
};

/* ---------------------------------------------------------------- the pin */

int procmem_pin_open(int proc_fd, pid_t pid, uint64_t start_time, const char *cgroup,
		     struct procmem_pin *ret)
{
	_cleanup_close_ int pidfd = -EBADF;
	struct proc_stat st;
	char path[64], buf[1024];
	ssize_t n;
	int r;

	if (pid <= 0)
		return -EINVAL;
	/* First the pidfd, then the checks: a pidfd opened after the check could refer to a
	 * process that took the pid in between. */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return errno == ESRCH ? PROCMEM_ERR_EXITED : -errno;

	snprintf(path, sizeof(path), "%d/stat", pid);
	n = read_file_at_buf(proc_fd, path, buf, sizeof(buf));
	if (n < 0)
		return errno_is_gone((int)n) ? PROCMEM_ERR_EXITED : (int)n;
	r = proc_parse_stat(buf, &st);
	if (r < 0)
		return r;
	if (start_time != 0 && st.start_time != start_time)
		return PROCMEM_ERR_REUSED;
	if (st.state == 'Z' || st.state == 'X')
		return PROCMEM_ERR_EXITED;

	if (cgroup) {
		char cg[4096];

		r = proc_read_cgroup(proc_fd, pid, cg, sizeof(cg));
		if (errno_is_gone(r))
			return PROCMEM_ERR_EXITED;
		if (r < 0)
			return r;
		if (!streq(cg, cgroup))
			return PROCMEM_ERR_MOVED;
	}
	*ret = (struct procmem_pin){
		.pidfd = TAKE_FD(pidfd),
		.pid = pid,
		.start_time = st.start_time,
	};
	return 0;
}

bool procmem_pin_alive(const struct procmem_pin *pin)
{
	struct pollfd p = { .fd = pin->pidfd, .events = POLLIN };

	if (pin->pidfd < 0)
		return false;
	/* A pidfd polls readable once the process has exited. */
	return poll(&p, 1, 0) == 0;
}

void procmem_pin_close(struct procmem_pin *pin)
{
	pin->pidfd = safe_close(pin->pidfd);
}

/* ---------------------------------------------------------------- maps */

static const char *const skip_names[_PROCMEM_SKIP_MAX] = {
	[PROCMEM_SKIP_NONE] = "none",
	[PROCMEM_SKIP_SPECIAL] = "special",
	[PROCMEM_SKIP_DEVICE] = "device",
	[PROCMEM_SKIP_NOACCESS] = "noaccess",
};

const char *procmem_skip_to_string(enum procmem_skip s)
{
	return s >= 0 && s < _PROCMEM_SKIP_MAX ? skip_names[s] : "invalid";
}

void procmem_classify(const char *perms, uint64_t inode, const char *path, unsigned *ret_flags,
		      enum procmem_skip *ret_skip)
{
	enum procmem_skip skip = PROCMEM_SKIP_NONE;
	unsigned flags = 0;

	path = strempty(path);
	if (perms[0] == 'r')
		flags |= PROCMEM_VMA_READ;
	if (perms[0] && perms[1] == 'w')
		flags |= PROCMEM_VMA_WRITE;
	if (perms[0] && perms[1] && perms[2] == 'x')
		flags |= PROCMEM_VMA_EXEC;
	if (perms[0] && perms[1] && perms[2] && perms[3] == 's')
		flags |= PROCMEM_VMA_SHARED;

	if (path[0] == '[') {
		/* The kernel's names: [heap], [stack], [stack:TID] (old kernels) and
		 * [anon:NAME]/[anon_shmem:NAME] (PR_SET_VMA_ANON_NAME) are ordinary memory;
		 * [vdso], [vvar], [vvar_vclock], [vsyscall], [uprobes], [sigpage], [vectors]
		 * and whatever else appears are special mappings. */
		if (streq(path, "[heap]") || strneq(path, "[stack", 6) ||
		    strneq(path, "[anon:", 6) || strneq(path, "[anon_shmem:", 12))
			flags |= PROCMEM_VMA_ANON;
		else
			skip = PROCMEM_SKIP_SPECIAL;
	} else if (path[0] == '\0') {
		if (inode == 0)
			flags |= PROCMEM_VMA_ANON;
	} else if (strneq(path, "/dev/", 5) && !strneq(path, "/dev/shm/", 9) &&
		   !strneq(path, "/dev/zero", 9)) {
		skip = PROCMEM_SKIP_DEVICE;
	}
	/* Checked last: a guard range is "---p" whatever it belongs to. */
	if (skip == PROCMEM_SKIP_NONE && !(flags & PROCMEM_VMA_READ))
		skip = PROCMEM_SKIP_NOACCESS;
	*ret_flags = flags;
	*ret_skip = skip;
}

/* "start-end perms offset dev inode [path]"; the path may hold spaces. */
static bool maps_line(const char *line, struct procmem_vma *ret)
{
	unsigned long long start, end, offset, inode;
	unsigned dev_major, dev_minor;
	char perms[8];
	int pos = -1;
	const char *path;

	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu%n", &start, &end, perms, &offset,
		   &dev_major, &dev_minor, &inode, &pos) != 7 || pos < 0)
		return false;
	if (end <= start || strlen(perms) != 4 || start % PROCMEM_PAGE_BYTES ||
	    end % PROCMEM_PAGE_BYTES)
		return false;
	path = line + pos;
	if (*path != '\0' && *path != ' ')
		return false;
	while (*path == ' ')
		path++;
	*ret = (struct procmem_vma){ .start = start, .end = end };
	procmem_classify(perms, inode, path, &ret->flags, &ret->skip);
	return true;
}

int procmem_parse_maps(const char *text, struct procmem_vma **ret, size_t *ret_n,
		       unsigned *ret_malformed)
{
	_cleanup_free_ struct procmem_vma *v = NULL;
	size_t n = 0, n_alloc = 0;
	unsigned malformed = 0;
	const char *p = text;
	char line[4096 + 256];

	while (p && *p) {
		const char *eol = strchrnul(p, '\n');
		size_t len = (size_t)(eol - p);
		struct procmem_vma vma;

		if (len == 0) {
			p = *eol ? eol + 1 : NULL;
			continue;
		}
		/* A path is at most PATH_MAX; a longer line is malformed. */
		if (len >= sizeof(line)) {
			malformed++;
			p = *eol ? eol + 1 : NULL;
			continue;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		if (!maps_line(line, &vma) || (n > 0 && vma.start < v[n - 1].end)) {
			/* Unparsable, or out of order (a torn read): skip it. */
			malformed++;
		} else {
			if (GREEDY_REALLOC(v, n_alloc, n + 1, 64) < 0)
				return -ENOMEM;
			v[n++] = vma;
		}
		p = *eol ? eol + 1 : NULL;
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	if (ret_malformed)
		*ret_malformed = malformed;
	return 0;
}

/* ---------------------------------------------------------------- object */

int procmem_new(pid_t pid, uint64_t start_time, const struct procmem_params *params,
		struct procmem **ret)
{
	struct procmem *pm = calloc(1, sizeof(*pm));

	if (!pm)
		return -ENOMEM;
	pm->pid = pid;
	pm->start_time = start_time;
	pm->proc_fd = -EBADF;
	if (params)
		pm->params = *params;
	if (pm->params.scan_pages == 0)
		pm->params.scan_pages = PROCMEM_DEFAULT_SCAN_PAGES;
	if (pm->params.sweep_scans == 0)
		pm->params.sweep_scans = PROCMEM_DEFAULT_SWEEP_SCANS;
	*ret = pm;
	return 0;
}

struct procmem *procmem_free(struct procmem *pm)
{
	if (!pm)
		return NULL;
	free(pm->vmas);
	free(pm->facts);
	free(pm->ranges);
	free(pm);
	return NULL;
}

/* numa_maps lines give a start only: the maps line with the same start gives the end. Both
 * lists are ascending. */
static int facts_from(const struct procmem_vma *vmas, size_t n_vmas,
		      const struct numa_maps_range *nm, size_t n_nm, struct procmem_fact **ret,
		      size_t *ret_n, uint64_t *ret_own_bytes, unsigned *ret_n_own)
{
	_cleanup_free_ struct procmem_fact *f = NULL;
	uint64_t own_bytes = 0;
	unsigned n_own = 0;
	size_t n = 0, j = 0;

	f = calloc(MAX(n_nm, (size_t)1), sizeof(*f));
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < n_nm; i++) {
		bool hugetlb = nm[i].huge || nm[i].page_bytes > PROCMEM_PAGE_BYTES;
		bool shared = nm[i].file && nm[i].mapmax > 1;

		if (!nm[i].own_policy && !hugetlb && !shared)
			continue;
		while (j < n_vmas && vmas[j].start < nm[i].start)
			j++;
		if (j == n_vmas || vmas[j].start != nm[i].start)
			continue; /* the mapping changed between the two reads */
		f[n++] = (struct procmem_fact){
			.start = vmas[j].start,
			.end = vmas[j].end,
			.page_bytes = hugetlb ? nm[i].page_bytes : PROCMEM_PAGE_BYTES,
			.resident_bytes = nm[i].resident_bytes,
			.own_policy = nm[i].own_policy,
			.shared_pages = shared,
			.hugetlb = hugetlb,
		};
		if (nm[i].own_policy) {
			own_bytes += nm[i].resident_bytes;
			n_own++;
		}
	}
	*ret = TAKE_PTR(f);
	*ret_n = n;
	*ret_own_bytes = own_bytes;
	*ret_n_own = n_own;
	return 0;
}

static int ranges_push(struct procmem_range **v, size_t *n, size_t *n_alloc,
		       const struct procmem_range *r)
{
	if (r->end <= r->start)
		return 0;
	if (GREEDY_REALLOC(*v, *n_alloc, *n + 1, 64) < 0)
		return -ENOMEM;
	(*v)[(*n)++] = *r;
	return 0;
}

/* Eligible ranges: every mapping that is not skipped, less the own-policy facts; the other
 * facts (hugetlb page size, shared pages) applied to the parts they cover. */
static int build_ranges(struct procmem *pm)
{
	_cleanup_free_ struct procmem_range *v = NULL;
	size_t n = 0, n_alloc = 0, fi = 0;
	uint64_t eligible = 0;
	int r;

	memset(pm->skipped_bytes, 0, sizeof(pm->skipped_bytes));
	for (size_t i = 0; i < pm->n_vmas; i++) {
		const struct procmem_vma *m = &pm->vmas[i];
		uint64_t pos = m->start;

		if (m->skip != PROCMEM_SKIP_NONE) {
			pm->skipped_bytes[m->skip] += m->end - m->start;
			continue;
		}
		while (fi < pm->n_facts && pm->facts[fi].end <= m->start)
			fi++;
		for (size_t k = fi; k < pm->n_facts && pm->facts[k].start < m->end; k++) {
			const struct procmem_fact *f = &pm->facts[k];
			uint64_t a = MAX(pos, f->start), b = MIN(m->end, f->end);
			struct procmem_range plain = { pos, a, PROCMEM_PAGE_BYTES, m->flags };

			if (a > pos) {
				r = ranges_push(&v, &n, &n_alloc, &plain);
				if (r < 0)
					return r;
			}
			if (!f->own_policy && b > a) {
				struct procmem_range part = { a, b, f->page_bytes, m->flags };

				if (f->hugetlb) {
					/* Whole huge pages only. */
					part.flags |= PROCMEM_RANGE_HUGETLB;
					part.start = (a + f->page_bytes - 1) / f->page_bytes *
						     f->page_bytes;
					part.end = b / f->page_bytes * f->page_bytes;
				}
				if (f->shared_pages)
					part.flags |= PROCMEM_RANGE_SHARED_PAGES;
				r = ranges_push(&v, &n, &n_alloc, &part);
				if (r < 0)
					return r;
			}
			pos = MAX(pos, b);
		}
		if (pos < m->end) {
			struct procmem_range rest = { pos, m->end, PROCMEM_PAGE_BYTES, m->flags };

			r = ranges_push(&v, &n, &n_alloc, &rest);
			if (r < 0)
				return r;
		}
	}
	for (size_t i = 0; i < n; i++)
		eligible += v[i].end - v[i].start;
	free(pm->ranges);
	pm->ranges = TAKE_PTR(v);
	pm->n_ranges = n;
	pm->eligible_bytes = eligible;
	return 0;
}

static int load(struct procmem *pm, const char *maps_text, const char *numa_maps_text,
		uint64_t now_ns)
{
	_cleanup_free_ struct procmem_vma *vmas = NULL;
	_cleanup_free_ struct numa_maps_range *nm = NULL;
	size_t n_vmas, n_nm = 0;
	unsigned malformed;
	int r;

	r = procmem_parse_maps(maps_text, &vmas, &n_vmas, &malformed);
	if (r < 0)
		return r;
	if (numa_maps_text) {
		_cleanup_free_ struct procmem_fact *facts = NULL;
		uint64_t own_bytes;
		size_t n_facts;
		unsigned n_own;

		r = numa_maps_parse_ranges(numa_maps_text, &nm, &n_nm);
		if (r < 0)
			return r;
		r = facts_from(vmas, n_vmas, nm, n_nm, &facts, &n_facts, &own_bytes, &n_own);
		if (r < 0)
			return r;
		free(pm->facts);
		pm->facts = TAKE_PTR(facts);
		pm->n_facts = n_facts;
		pm->own_policy_bytes = own_bytes;
		pm->n_own_policy = n_own;
		pm->facts_loaded = true;
	}
	free(pm->vmas);
	pm->vmas = TAKE_PTR(vmas);
	pm->n_vmas = n_vmas;
	pm->n_malformed = malformed;
	pm->maps_ns = now_ns;
	return build_ranges(pm);
}

int procmem_load_text(struct procmem *pm, const char *maps_text, const char *numa_maps_text,
		      uint64_t now_ns)
{
	return load(pm, maps_text, numa_maps_text, now_ns);
}

static int read_maps(const struct procmem *pm, int proc_fd, char **ret)
{
	char path[64];
	int r;

	snprintf(path, sizeof(path), "%d/maps", pm->pid);
	r = read_full_file_at(proc_fd, path, 256u << 20, ret, NULL);
	return r == -ESRCH ? -ENOENT : r;
}

int procmem_load(struct procmem *pm, int proc_fd, uint64_t now_ns)
{
	_cleanup_free_ char *maps = NULL, *numa_maps = NULL;
	char path[64];
	int r;

	/* maps first: numa_maps lines are matched to maps lines by start address, and a
	 * mapping created between the reads is simply without facts. */
	r = read_maps(pm, proc_fd, &maps);
	if (r < 0)
		return r;
	pm->proc_fd = proc_fd;
	snprintf(path, sizeof(path), "%d/numa_maps", pm->pid);
	r = read_full_file_at(proc_fd, path, 256u << 20, &numa_maps, NULL);
	if (r < 0)
		return r == -ESRCH ? -ENOENT : r;
	return load(pm, maps, numa_maps, now_ns);
}

int procmem_refresh_maps(struct procmem *pm, int proc_fd, uint64_t now_ns)
{
	_cleanup_free_ char *maps = NULL;
	int r;

	r = read_maps(pm, proc_fd, &maps);
	if (r < 0)
		return r;
	pm->proc_fd = proc_fd;
	return load(pm, maps, NULL, now_ns);
}

/* ---------------------------------------------------------------- walking */

ssize_t procmem_range_of(const struct procmem *pm, uint64_t addr)
{
	size_t lo = 0, hi = pm->n_ranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pm->ranges[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < pm->n_ranges && pm->ranges[lo].start <= addr)
		return (ssize_t)lo;
	return -1;
}

/* The first range that ends after addr, or n_ranges. */
static size_t range_at_or_after(const struct procmem *pm, uint64_t addr)
{
	size_t lo = 0, hi = pm->n_ranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pm->ranges[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t procmem_collect(const struct procmem *pm, uint64_t *cursor, unsigned stride, void **addrs,
		       uint32_t *range_idx, size_t max, bool *ret_wrapped)
{
	uint64_t pos = *cursor;
	size_t i = range_at_or_after(pm, pos), n = 0;

	if (stride == 0)
		stride = 1;
	*ret_wrapped = false;
	while (n < max) {
		const struct procmem_range *r;
		uint64_t step;

		if (i >= pm->n_ranges) {
			*cursor = 0;
			*ret_wrapped = true;
			return n;
		}
		r = &pm->ranges[i];
		step = r->page_bytes * stride;
		if (pos < r->start)
			pos = r->start;
		else
			pos = r->start + (pos - r->start) / r->page_bytes * r->page_bytes;
		while (n < max && pos < r->end) {
			if (range_idx)
				range_idx[n] = (uint32_t)i;
			addrs[n++] = (void *)(uintptr_t)pos;
			pos += step;
		}
		if (pos >= r->end)
			i++;
	}
	if (i >= pm->n_ranges) {
		/* Full, and at the end as well. */
		*cursor = 0;
		*ret_wrapped = true;
		return n;
	}
	*cursor = pos;
	return n;
}

int procmem_open_pagemap(int proc_fd, pid_t pid)
{
	char path[64];
	int fd;

	if (proc_fd < 0)
		return -EBADF;
	snprintf(path, sizeof(path), "%d/pagemap", pid);
	fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int procmem_skip_absent(const struct procmem *pm, const struct procmem_sys *sys, int pagemap_fd,
			uint64_t *cursor)
{
	uint64_t pos = *cursor;

	if (!sys->next_present)
		return -EOPNOTSUPP;
	for (size_t i = range_at_or_after(pm, pos); i < pm->n_ranges; i++) {
		const struct procmem_range *r = &pm->ranges[i];
		uint64_t start = MAX(pos, r->start), next;
		int k;

		start = r->start + (start - r->start) / r->page_bytes * r->page_bytes;
		k = sys->next_present(sys->userdata, pagemap_fd, start, r->end, &next);
		if (k < 0)
			return k;
		if (next < r->end) {
			*cursor = r->start + (next - r->start) / r->page_bytes * r->page_bytes;
			return 0;
		}
	}
	/* Nothing present after the cursor: to the end, where the walk wraps. */
	*cursor = pm->n_ranges ? pm->ranges[pm->n_ranges - 1].end : 0;
	return 0;
}

unsigned procmem_stride(const struct procmem *pm)
{
	uint64_t pages, per_sweep;

	if (pm->params.stride_pages)
		return pm->params.stride_pages;
	pages = pm->eligible_bytes / PROCMEM_PAGE_BYTES;
	per_sweep = pm->params.scan_pages * pm->params.sweep_scans;
	if (per_sweep == 0 || pages <= per_sweep)
		return 1;
	return (unsigned)MIN(DIV_ROUND_UP(pages, per_sweep), (uint64_t)UINT32_MAX);
}

static void estimate_begin(struct procmem_estimate *e, unsigned stride, uint64_t now_ns)
{
	*e = (struct procmem_estimate){ .stride_pages = stride, .started_ns = now_ns };
}

int procmem_scan(struct procmem *pm, const struct procmem_sys *sys,
		 struct procmem_scan_result *ret)
{
	void *addrs[PROCMEM_QUERY_CHUNK];
	uint32_t idx[PROCMEM_QUERY_CHUNK];
	int status[PROCMEM_QUERY_CHUNK];
	struct procmem_scan_result res = {};
	unsigned stride = procmem_stride(pm);
	uint64_t left = pm->params.scan_pages;
	_cleanup_close_ int pagemap_fd = -EBADF;
	bool can_skip = sys->next_present != NULL;

	if (pm->cur.sampled_pages == 0 || pm->cur.stride_pages != stride) {
		/* A new sweep (or the stride changed: restart, the samples would not mix). */
		if (pm->cur.stride_pages != stride && pm->cur.sampled_pages)
			pm->scan_cursor = 0;
		estimate_begin(&pm->cur, stride, sys->now_ns(sys->userdata));
	}
	if (can_skip)
		pagemap_fd = procmem_open_pagemap(pm->proc_fd, pm->pid);
	while (left > 0) {
		bool wrapped;
		size_t n;
		uint64_t t0, t1;
		long r;

		/* Over unpopulated address space in one step where the kernel tells. */
		if (can_skip && procmem_skip_absent(pm, sys, pagemap_fd, &pm->scan_cursor) < 0)
			can_skip = false;
		n = procmem_collect(pm, &pm->scan_cursor, stride, addrs, idx,
				    MIN(left, (uint64_t)PROCMEM_QUERY_CHUNK), &wrapped);

		if (n > 0) {
			t0 = sys->now_ns(sys->userdata);
			r = sys->move_pages(sys->userdata, pm->pid, n, addrs, NULL, status, 0);
			t1 = sys->now_ns(sys->userdata);
			res.calls++;
			res.syscall_ns += t1 - t0;
			if (r < 0) {
				if (r == -ESRCH || r == -EINVAL) {
					/* -EINVAL: a zombie has no mm. */
					res.vanished = true;
					break;
				}
				*ret = res;
				return (int)r;
			}
			res.queried_pages += n;
			left -= n;
			pm->cur.finished_ns = t1;
			for (size_t i = 0; i < n; i++) {
				const struct procmem_range *rg = &pm->ranges[idx[i]];
				uint64_t a = (uint64_t)(uintptr_t)addrs[i];
				uint64_t w = MIN(rg->page_bytes * stride, rg->end - a);

				pm->cur.sampled_pages++;
				if (status[i] >= 0) {
					if (status[i] < NUMAB_MAX_NODES)
						pm->cur.bytes_per_node[status[i]] += w;
					pm->cur.resident_bytes += w;
				} else if (status[i] == -ENOENT) {
					pm->cur.absent_bytes += w;
				}
			}
		}
		if (wrapped) {
			pm->cur.complete = true;
			pm->last = pm->cur;
			res.sweep_completed = true;
			estimate_begin(&pm->cur, stride, sys->now_ns(sys->userdata));
			/* One sweep per call at most: the next begins next tick. */
			break;
		}
		if (n == 0)
			break;
	}
	*ret = res;
	return 0;
}

const struct procmem_estimate *procmem_estimate_get(const struct procmem *pm)
{
	return pm->last.complete ? &pm->last : &pm->cur;
}

static void estimate_move(struct procmem_estimate *e, int from, int to, uint64_t bytes)
{
	if (from < 0 || from >= NUMAB_MAX_NODES || to < 0 || to >= NUMAB_MAX_NODES)
		return;
	bytes = MIN(bytes, e->bytes_per_node[from]);
	e->bytes_per_node[from] -= bytes;
	e->bytes_per_node[to] += bytes;
}

void procmem_note_moved(struct procmem *pm, int from, int to, uint64_t bytes)
{
	estimate_move(&pm->last, from, to, bytes);
	estimate_move(&pm->cur, from, to, bytes);
}

static inline void procmem_freep(struct procmem **p)
{
	procmem_free(*p);
}

int procmem_view_new(const struct procmem *pm, const struct procmem_window *windows, size_t n,
		     struct procmem **ret)
{
	_cleanup_(procmem_freep) struct procmem *v = NULL;
	size_t n_alloc = 0, wi = 0;
	int r;

	r = procmem_new(pm->pid, pm->start_time, &pm->params, &v);
	if (r < 0)
		return r;
	v->proc_fd = pm->proc_fd;
	v->own_policy_bytes = pm->own_policy_bytes;
	v->n_own_policy = pm->n_own_policy;
	v->facts_loaded = pm->facts_loaded;
	/* Both lists ascending: one merge-like pass. */
	for (size_t i = 0; i < pm->n_ranges && wi < n; i++) {
		const struct procmem_range *rg = &pm->ranges[i];

		while (wi < n && windows[wi].end <= rg->start)
			wi++;
		for (size_t k = wi; k < n && windows[k].start < rg->end; k++) {
			struct procmem_range part = *rg;

			part.start = MAX(rg->start, windows[k].start);
			part.end = MIN(rg->end, windows[k].end);
			if (rg->flags & PROCMEM_RANGE_HUGETLB) {
				/* Whole huge pages only. */
				part.start = (part.start + rg->page_bytes - 1) / rg->page_bytes *
					     rg->page_bytes;
				part.end = part.end / rg->page_bytes * rg->page_bytes;
			}
			r = ranges_push(&v->ranges, &v->n_ranges, &n_alloc, &part);
			if (r < 0)
				return r;
			v->eligible_bytes += part.end > part.start ? part.end - part.start : 0;
		}
	}
	*ret = TAKE_PTR(v);
	return 0;
}
