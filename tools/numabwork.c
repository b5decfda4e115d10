/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * numabwork - the workload helper of numab's VM bench.
 *
 * What: allocate a region, place it on a chosen node, run worker threads that keep touching
 * it, report ground truth (where the pages and the threads are) on request, and verify at
 * exit that not a single byte was lost or corrupted while pages moved under the workers.
 *
 * Why: every numab scenario needs a workload whose placement it controls and whose real
 * locality it can read without trusting numab's own numbers. The helper is one static C file
 * (raw syscalls, no libnuma) so that it runs in any guest initramfs without a library closure.
 *
 * Placement never leaves a memory policy behind: a CPU node is filled by first touch from
 * threads pinned to its CPUs; a CPU-less node, or an interleaved start, by a task policy
 * (MPOL_BIND / MPOL_INTERLEAVE) that the filling threads reset to MPOL_DEFAULT before they
 * exit. A VMA policy (mbind) would hide the memory from automatic NUMA balancing and make
 * every baseline meaningless, so the helper never sets one.
 *
 * Data check: every 64-bit word starts as a hash of its index. Word 0 of each 4 KiB page is
 * a counter that the workers increment atomically (the writes); the other words are pattern
 * words that the workers read and compare (the reads). Each worker counts its increments. At
 * exit every pattern word must still hold its hash and the counters must sum to their initial
 * hashes plus the counted increments.
 *
 * Trade-offs: one word is read and one written per page visit, so a pass over the region is
 * cheap even under TCG and page-level effects (hint faults, migrations) dominate; this is a
 * placement workload, not a bandwidth benchmark.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define PAGE_BYTES 4096UL
#define WORDS_PER_PAGE (PAGE_BYTES / sizeof(uint64_t))
/* Page visits between two progress points (gap measurement, stop check). */
#define CHUNK_PAGES 64
/* Node ids above this are not reported; qemu guests have a handful. */
#define MAX_NODES 64
#define NODEMASK_LONGS 16 /* 1024 bits, the largest MAX_NUMNODES of a Debian kernel */
#define MAX_THREADS 256
#define MAX_INIT_THREADS 4
#define PROBE_RING 4096
#define HASH_SEED 0x6e756d6162776f72ULL /* "numabwor" */
#define BITS_PER_LONG_ (8 * sizeof(unsigned long))
#define LONGS_FOR_BITS(n) (((n) + BITS_PER_LONG_ - 1) / BITS_PER_LONG_)
#define ELEMS(x) (sizeof(x) / sizeof((x)[0]))

#define MPOL_DEFAULT_ 0
#define MPOL_BIND_ 2
#define MPOL_INTERLEAVE_ 3

enum order {
	ORDER_SEQ,
	ORDER_RANDOM,
};

enum sharing {
	SHARING_PRIVATE,
	SHARING_SHARED,
};

enum placement {
	PLACE_FIRST_TOUCH, /* wherever the (unpinned) filling thread runs */
	PLACE_NODE,
	PLACE_INTERLEAVE,
};

struct worker {
	pthread_t thread;
	unsigned idx;
	size_t first_page;	/* first page of the range this worker touches */
	size_t n_pages;		/* length of that range */
	uint64_t rng;		/* xorshift state for ORDER_RANDOM */
	/* Written by the worker, read by main with relaxed atomics. */
	uint64_t increments;	/* counter increments done */
	uint64_t iterations;	/* completed passes over the range */
	int last_cpu;
	int last_node;
	uint64_t max_gap_ns;	/* longest gap between two progress points since start */
	uint64_t recent_gap_ns;	/* same, since the last status report (main resets it) */
	uint64_t bad_reads;	/* pattern words that read back wrong while running */
	uint64_t first_bad_word;	/* index + 1 of the first one, 0 = none */
	bool started;
	unsigned stats_gen;	/* the stats_gen the worker's statistics belong to */
	/* --probe: latency samples (scheduled start to end of the chunk), microseconds. */
	uint64_t probe_count;
	uint64_t probe_max_us;
	uint32_t probe_ring[PROBE_RING];
} __attribute__((aligned(64)));

struct init_job {
	pthread_t thread;
	size_t first_word;
	size_t n_words;
	int err;	/* negative errno, set by the thread */
};

static size_t arg_mib = 64;
static bool arg_shm;
static enum placement arg_placement = PLACE_FIRST_TOUCH;
static int arg_mem_node = -1;
static unsigned long arg_interleave[NODEMASK_LONGS];
static unsigned arg_threads = 1;
static int arg_cpu_node = -1;
static cpu_set_t arg_cpus;
static bool arg_have_cpus;
static enum order arg_order = ORDER_SEQ;
static enum sharing arg_sharing = SHARING_PRIVATE;
static const char *arg_status_path;
static const char *arg_ready_path;
static double arg_duration_sec;
static bool arg_probe;
static unsigned arg_period_us = 10000;
static bool arg_no_thp;
static bool arg_inject_corruption;
static size_t arg_hot_pages;        /* --hot-mib: only the first pages stay touched, 0 = off */
static double arg_hot_delay_sec;    /* --hot-delay: everything is touched until then */
static uint64_t hot_from_ns = UINT64_MAX; /* CLOCK_MONOTONIC when the hot phase begins */

static uint64_t *region;
static size_t region_pages;
static size_t region_words;
static struct worker *workers;
static unsigned n_workers;
static int stop_flag;
/* Bumped by main on SIGUSR2: each worker then restarts its max gap and probe statistics. */
static unsigned stats_gen;
static int placement_policy_node = -1; /* set for PLACE_NODE on a CPU-less node */
static cpu_set_t placement_cpus;
static bool placement_pinned;
static struct timespec start_time;
/* move_pages(2) query buffers: one address and one status per page (globals: live until exit). */
static void **addrs;
static int *page_status;

static void _log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void _log(const char *fmt, ...)
{
	va_list ap;

	fputs("numabwork: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t word_hash(uint64_t idx)
{
	/* splitmix64: cheap, and every index gets a distinct-looking value. */
	uint64_t z = idx + HASH_SEED;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static int safe_atoul(const char *s, unsigned long *ret)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno)
		return -errno;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Parse "0-3,5,8-9" into a bitmap of nbits bits; empty string is an empty set. */
static int parse_list(const char *s, unsigned long *bits, unsigned nbits)
{
	const char *p = s;

	memset(bits, 0, LONGS_FOR_BITS(nbits) * sizeof(unsigned long));
	while (*p && *p != '\n') {
		char *end;
		unsigned long a, b;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		a = strtoul(p, &end, 10);
		b = a;
		p = end;
		if (*p == '-') {
			p++;
			if (*p < '0' || *p > '9')
				return -EINVAL;
			b = strtoul(p, &end, 10);
			p = end;
		}
		if (a > b || b >= nbits)
			return -ERANGE;
		for (unsigned long i = a; i <= b; i++)
			bits[i / (8 * sizeof(unsigned long))] |= 1UL << (i % (8 * sizeof(unsigned long)));
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
	}
	return 0;
}

static bool bit_test(const unsigned long *bits, unsigned i)
{
	return bits[i / (8 * sizeof(unsigned long))] & (1UL << (i % (8 * sizeof(unsigned long))));
}

static int read_file_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	int r = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f))
		buf[0] = 0;
	if (ferror(f))
		r = -EIO;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return r;
}

/* CPUs of a node, from sysfs. Returns -ENOENT for a node that does not exist. */
static int node_cpus(int node, cpu_set_t *ret)
{
	char path[128], buf[4096];
	unsigned long bits[CPU_SETSIZE / (8 * sizeof(unsigned long))];
	int r;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", node);
	r = read_file_line(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	r = parse_list(buf, bits, CPU_SETSIZE);
	if (r < 0)
		return r;
	CPU_ZERO(ret);
	for (unsigned i = 0; i < CPU_SETSIZE; i++)
		if (bit_test(bits, i))
			CPU_SET(i, ret);
	return 0;
}

/* Highest online node id + 1 (at least 1). */
static int online_nodes(void)
{
	char buf[1024];
	unsigned long bits[NODEMASK_LONGS];
	int n = 1;

	if (read_file_line("/sys/devices/system/node/online", buf, sizeof(buf)) < 0)
		return 1;
	if (parse_list(buf, bits, NODEMASK_LONGS * 8 * sizeof(unsigned long)) < 0)
		return 1;
	for (int i = 0; i < MAX_NODES; i++)
		if (bit_test(bits, (unsigned)i))
			n = i + 1;
	return n;
}

static int set_mempolicy_(int mode, const unsigned long *mask)
{
	if (syscall(SYS_set_mempolicy, mode, mask,
		    mask ? (unsigned long)NODEMASK_LONGS * 8 * sizeof(unsigned long) + 1 : 0UL) < 0)
		return -errno;
	return 0;
}

static void getcpu_(int *cpu, int *node)
{
	unsigned c = 0, n = 0;

	if (syscall(SYS_getcpu, &c, &n, NULL) < 0) {
		*cpu = -1;
		*node = -1;
		return;
	}
	*cpu = (int)c;
	*node = (int)n;
}

static void *init_thread(void *p)
{
	struct init_job *job = p;
	int r;

	if (placement_pinned) {
		r = sched_setaffinity(0, sizeof(placement_cpus), &placement_cpus);
		if (r < 0) {
			job->err = -errno;
			return NULL;
		}
	}
	if (arg_placement == PLACE_INTERLEAVE) {
		r = set_mempolicy_(MPOL_INTERLEAVE_, arg_interleave);
		if (r < 0) {
			job->err = r;
			return NULL;
		}
	} else if (placement_policy_node >= 0) {
		unsigned long mask[NODEMASK_LONGS] = { 0 };

		mask[placement_policy_node / (8 * sizeof(unsigned long))] |=
			1UL << (placement_policy_node % (8 * sizeof(unsigned long)));
		r = set_mempolicy_(MPOL_BIND_, mask);
		if (r < 0) {
			job->err = r;
			return NULL;
		}
	}

	for (size_t i = job->first_word; i < job->first_word + job->n_words; i++)
		region[i] = word_hash(i);

	/* The policy was only for the first touch: never leave it behind. */
	if (arg_placement == PLACE_INTERLEAVE || placement_policy_node >= 0) {
		r = set_mempolicy_(MPOL_DEFAULT_, NULL);
		if (r < 0) {
			job->err = r;
			return NULL;
		}
	}
	return NULL;
}

static int place_and_fill(void)
{
	struct init_job jobs[MAX_INIT_THREADS];
	unsigned n_jobs = 1;
	int r;

	if (arg_placement == PLACE_NODE) {
		r = node_cpus(arg_mem_node, &placement_cpus);
		if (r < 0) {
			_log("--mem-node %d: cannot read node %d's CPUs: %s", arg_mem_node,
			     arg_mem_node, strerror(-r));
			return r;
		}
		if (CPU_COUNT(&placement_cpus) > 0) {
			placement_pinned = true;
			n_jobs = (unsigned)CPU_COUNT(&placement_cpus);
		} else {
			placement_policy_node = arg_mem_node;
			n_jobs = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
		}
	} else if (arg_placement == PLACE_INTERLEAVE) {
		n_jobs = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	}
	if (n_jobs < 1)
		n_jobs = 1;
	if (n_jobs > MAX_INIT_THREADS)
		n_jobs = MAX_INIT_THREADS;
	if (n_jobs > region_pages)
		n_jobs = 1;

	for (unsigned j = 0; j < n_jobs; j++) {
		size_t first_page = region_pages * j / n_jobs;
		size_t end_page = region_pages * (j + 1) / n_jobs;

		jobs[j].first_word = first_page * WORDS_PER_PAGE;
		jobs[j].n_words = (end_page - first_page) * WORDS_PER_PAGE;
		jobs[j].err = 0;
		r = -pthread_create(&jobs[j].thread, NULL, init_thread, &jobs[j]);
		if (r < 0) {
			_log("cannot create a placement thread: %s", strerror(-r));
			for (unsigned k = 0; k < j; k++)
				pthread_join(jobs[k].thread, NULL);
			return r;
		}
	}
	r = 0;
	for (unsigned j = 0; j < n_jobs; j++) {
		pthread_join(jobs[j].thread, NULL);
		if (jobs[j].err < 0 && r == 0)
			r = jobs[j].err;
	}
	if (r < 0)
		_log("placing the memory failed: %s", strerror(-r));
	return r;
}

static void record_probe(struct worker *w, uint64_t sample_ns)
{
	uint64_t us = sample_ns / 1000;
	uint64_t n = __atomic_load_n(&w->probe_count, __ATOMIC_RELAXED);

	__atomic_store_n(&w->probe_ring[n % PROBE_RING], (uint32_t)(us > UINT32_MAX ? UINT32_MAX : us),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&w->probe_count, n + 1, __ATOMIC_RELEASE);
	if (us > __atomic_load_n(&w->probe_max_us, __ATOMIC_RELAXED))
		__atomic_store_n(&w->probe_max_us, us, __ATOMIC_RELAXED);
}

static void note_progress(struct worker *w, uint64_t *last_ns)
{
	uint64_t t = now_ns(), gap = t - *last_ns;

	*last_ns = t;
	if (gap > __atomic_load_n(&w->max_gap_ns, __ATOMIC_RELAXED))
		__atomic_store_n(&w->max_gap_ns, gap, __ATOMIC_RELAXED);
	if (gap > __atomic_load_n(&w->recent_gap_ns, __ATOMIC_RELAXED))
		__atomic_store_n(&w->recent_gap_ns, gap, __ATOMIC_RELAXED);
}

/* Visit one page: read and compare a pattern word, increment the counter word. */
static inline void visit(struct worker *w, size_t page, uint64_t iter, uint64_t *inc)
{
	uint64_t *p = region + page * WORDS_PER_PAGE;
	size_t wi = 1 + (size_t)((page + iter) % (WORDS_PER_PAGE - 1));
	uint64_t v = __atomic_load_n(&p[wi], __ATOMIC_RELAXED);
	size_t idx = page * WORDS_PER_PAGE + wi;

	if (v != word_hash(idx)) {
		uint64_t expect0 = 0;

		__atomic_fetch_add(&w->bad_reads, 1, __ATOMIC_RELAXED);
		__atomic_compare_exchange_n(&w->first_bad_word, &expect0, idx + 1, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
	__atomic_fetch_add(&p[0], 1, __ATOMIC_RELAXED);
	(*inc)++;
}

static void *worker_main(void *p)
{
	struct worker *w = p;
	uint64_t inc = 0, iter = 0, last = now_ns(), next_tick = last;
	size_t pos = 0;
	int cpu, node;

	if (arg_have_cpus && sched_setaffinity(0, sizeof(arg_cpus), &arg_cpus) < 0)
		_log("worker %u: cannot set CPU affinity: %m", w->idx);
	getcpu_(&cpu, &node);
	__atomic_store_n(&w->last_cpu, cpu, __ATOMIC_RELAXED);
	__atomic_store_n(&w->last_node, node, __ATOMIC_RELAXED);
	__atomic_store_n(&w->started, true, __ATOMIC_RELEASE);

	while (!__atomic_load_n(&stop_flag, __ATOMIC_RELAXED)) {
		size_t range = w->n_pages, n;
		uint64_t chunk_start;
		unsigned gen = __atomic_load_n(&stats_gen, __ATOMIC_ACQUIRE);

		if (arg_hot_pages && now_ns() >= __atomic_load_n(&hot_from_ns, __ATOMIC_RELAXED)) {
			/* --hot-mib: only the part of the slice below the hot limit. */
			range = w->first_page >= arg_hot_pages ? 0
				: w->first_page + w->n_pages <= arg_hot_pages ? w->n_pages
				: arg_hot_pages - w->first_page;
			if (range == 0) {
				usleep(10000);
				last = now_ns();
				continue;
			}
			if (pos >= range)
				pos = 0;
		}
		n = range - pos < CHUNK_PAGES ? range - pos : CHUNK_PAGES;

		if (gen != w->stats_gen) {
			/* SIGUSR2: statistics start again from here (a benchmark's measured window). */
			w->stats_gen = gen;
			__atomic_store_n(&w->max_gap_ns, 0, __ATOMIC_RELAXED);
			__atomic_store_n(&w->probe_max_us, 0, __ATOMIC_RELAXED);
			__atomic_store_n(&w->probe_count, 0, __ATOMIC_RELEASE);
			last = now_ns();
			next_tick = last;
		}

		if (arg_probe) {
			struct timespec ts;

			/* Run one chunk per period; lateness plus chunk time is the sample. */
			next_tick += (uint64_t)arg_period_us * 1000;
			if (next_tick + (uint64_t)arg_period_us * 1000 < now_ns())
				next_tick = now_ns(); /* far behind: do not burst to catch up */
			ts.tv_sec = (time_t)(next_tick / 1000000000ULL);
			ts.tv_nsec = (long)(next_tick % 1000000000ULL);
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
				;
			if (__atomic_load_n(&stop_flag, __ATOMIC_RELAXED))
				break;
		}
		chunk_start = arg_probe ? next_tick : 0;

		for (size_t i = 0; i < n; i++) {
			size_t page;

			if (arg_order == ORDER_RANDOM)
				page = w->first_page + (size_t)(xorshift64(&w->rng) % range);
			else
				page = w->first_page + pos + i;
			visit(w, page, iter, &inc);
		}
		pos += n;
		__atomic_store_n(&w->increments, inc, __ATOMIC_RELAXED);
		note_progress(w, &last);
		if (arg_probe)
			record_probe(w, last - chunk_start);

		if (pos >= range) {
			pos = 0;
			iter++;
			getcpu_(&cpu, &node);
			__atomic_store_n(&w->last_cpu, cpu, __ATOMIC_RELAXED);
			__atomic_store_n(&w->last_node, node, __ATOMIC_RELAXED);
			__atomic_store_n(&w->iterations, iter, __ATOMIC_RELAXED);
		}
	}
	__atomic_store_n(&w->increments, inc, __ATOMIC_RELAXED);
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

struct buf {
	char *s;
	size_t len, size;
};

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->size - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < b->size - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->size = (b->size + (size_t)n) * 2;
		b->s = realloc(b->s, b->size);
		if (!b->s) {
			_log("out of memory");
			abort();
		}
	}
}

/*
 * Build the status line: page nodes from move_pages(2) queries (one address per 4 KiB page),
 * thread nodes from each worker's last getcpu(), locality as the mean over workers of the
 * fraction of the pages the worker touches that sit on the node it last ran on.
 */
static char *status_line(unsigned long seq, bool final)
{
	struct buf b = { 0 };
	int nodes = online_nodes();
	size_t pages_node[MAX_NODES] = { 0 }, pages_other = 0, hot_node[MAX_NODES] = { 0 };
	unsigned threads_node[MAX_NODES] = { 0 };
	uint64_t iterations = 0, increments = 0, max_gap = 0, recent_gap = 0, bad = 0;
	double locality = 0;
	long r;

	r = syscall(SYS_move_pages, 0, (unsigned long)region_pages, addrs, NULL, page_status, 0);
	if (r < 0) {
		_log("move_pages query failed: %m");
		for (size_t i = 0; i < region_pages; i++)
			page_status[i] = -errno;
	}
	for (size_t i = 0; i < region_pages; i++) {
		if (page_status[i] >= 0 && page_status[i] < MAX_NODES) {
			pages_node[page_status[i]]++;
			if (i < arg_hot_pages)
				hot_node[page_status[i]]++;
		} else {
			pages_other++;
		}
	}

	for (unsigned t = 0; t < n_workers; t++) {
		struct worker *w = &workers[t];
		int node = __atomic_load_n(&w->last_node, __ATOMIC_RELAXED);
		size_t local = 0;

		if (node >= 0 && node < MAX_NODES)
			threads_node[node]++;
		for (size_t i = w->first_page; i < w->first_page + w->n_pages; i++)
			if (page_status[i] == node)
				local++;
		locality += w->n_pages ? (double)local / (double)w->n_pages : 0;
		iterations += __atomic_load_n(&w->iterations, __ATOMIC_RELAXED);
		increments += __atomic_load_n(&w->increments, __ATOMIC_RELAXED);
		bad += __atomic_load_n(&w->bad_reads, __ATOMIC_RELAXED);
		if (__atomic_load_n(&w->max_gap_ns, __ATOMIC_RELAXED) > max_gap)
			max_gap = __atomic_load_n(&w->max_gap_ns, __ATOMIC_RELAXED);
		{
			uint64_t g = __atomic_exchange_n(&w->recent_gap_ns, 0, __ATOMIC_RELAXED);

			if (g > recent_gap)
				recent_gap = g;
		}
	}
	locality = n_workers ? locality / n_workers : 0;

	buf_printf(&b, "seq=%lu pid=%d mib=%zu shm=%d threads=%u pattern=%s,%s pages=%zu", seq,
		   (int)getpid(), arg_mib, arg_shm, n_workers,
		   arg_order == ORDER_SEQ ? "seq" : "random",
		   arg_sharing == SHARING_PRIVATE ? "private" : "shared", region_pages);
	for (int n = 0; n < nodes && n < MAX_NODES; n++)
		buf_printf(&b, " pages_node%d=%zu", n, pages_node[n]);
	buf_printf(&b, " pages_other=%zu", pages_other);
	if (arg_hot_pages) {
		buf_printf(&b, " hot_pages=%zu hot_active=%d", arg_hot_pages,
			   now_ns() >= __atomic_load_n(&hot_from_ns, __ATOMIC_RELAXED));
		for (int n = 0; n < nodes && n < MAX_NODES; n++)
			buf_printf(&b, " hot_pages_node%d=%zu", n, hot_node[n]);
	}
	for (int n = 0; n < nodes && n < MAX_NODES; n++)
		buf_printf(&b, " threads_node%d=%u", n, threads_node[n]);
	buf_printf(&b, " thread_cpus=");
	for (unsigned t = 0; t < n_workers; t++)
		buf_printf(&b, "%s%d", t ? "," : "", __atomic_load_n(&workers[t].last_cpu, __ATOMIC_RELAXED));
	buf_printf(&b, " locality=%.3f iterations=%" PRIu64 " increments=%" PRIu64
		   " max_gap_ms=%.1f gap_recent_ms=%.1f bad_reads=%" PRIu64,
		   locality, iterations, increments, max_gap / 1e6, recent_gap / 1e6, bad);

	if (arg_probe) {
		static uint32_t samples[PROBE_RING * 4];
		size_t ns = 0;
		uint64_t count = 0, pmax = 0;

		for (unsigned t = 0; t < n_workers; t++) {
			struct worker *w = &workers[t];
			uint64_t c = __atomic_load_n(&w->probe_count, __ATOMIC_ACQUIRE);
			size_t have = c < PROBE_RING ? (size_t)c : PROBE_RING;

			count += c;
			if (__atomic_load_n(&w->probe_max_us, __ATOMIC_RELAXED) > pmax)
				pmax = __atomic_load_n(&w->probe_max_us, __ATOMIC_RELAXED);
			for (size_t i = 0; i < have && ns < ELEMS(samples); i++)
				samples[ns++] = __atomic_load_n(&w->probe_ring[i], __ATOMIC_RELAXED);
		}
		qsort(samples, ns, sizeof(samples[0]), cmp_u32);
		buf_printf(&b, " probe_samples=%" PRIu64 " probe_p50_us=%u probe_p99_us=%u probe_max_us=%" PRIu64,
			   count, ns ? samples[ns / 2] : 0, ns ? samples[ns * 99 / 100] : 0, pmax);
	}
	{
		struct timespec ts;
		uint64_t up;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		up = (uint64_t)(ts.tv_sec - start_time.tv_sec) * 1000 +
		     (uint64_t)((ts.tv_nsec - start_time.tv_nsec) / 1000000);
		buf_printf(&b, " uptime_ms=%" PRIu64 " final=%d", up, final);
	}
	return b.s;
}

/* Write contents to path atomically: a temporary file in the same directory, then rename. */
static int write_atomic(const char *path, const char *contents)
{
	char tmp[PATH_MAX];
	FILE *f;
	int r = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	if (fputs(contents, f) < 0 || fputc('\n', f) < 0)
		r = -EIO;
	if (fclose(f) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		(void)unlink(tmp);
	return r;
}

static void report_status(unsigned long seq, bool final)
{
	char *line = status_line(seq, final);
	int r;

	if (!line)
		return;
	if (arg_status_path && !final) {
		r = write_atomic(arg_status_path, line);
		if (r < 0)
			_log("cannot write status file '%s': %s", arg_status_path, strerror(-r));
	} else {
		if (arg_status_path) {
			r = write_atomic(arg_status_path, line);
			if (r < 0)
				_log("cannot write status file '%s': %s", arg_status_path, strerror(-r));
		}
		printf("STATUS %s\n", line);
		fflush(stdout);
	}
	free(line);
}

/* Returns 0 when every word checks out, -EBADMSG otherwise (and says where). */
static int verify(uint64_t total_increments)
{
	uint64_t counter_sum = 0, bad_words = 0, runtime_bad = 0, first_runtime_bad = 0;
	size_t first_bad = SIZE_MAX;
	uint64_t first_expect = 0, first_got = 0;

	for (size_t i = 0; i < region_words; i++) {
		uint64_t v = region[i], h = word_hash(i);

		if (i % WORDS_PER_PAGE == 0) {
			counter_sum += v - h;
			continue;
		}
		if (v != h) {
			if (first_bad == SIZE_MAX) {
				first_bad = i;
				first_expect = h;
				first_got = v;
			}
			bad_words++;
		}
	}
	for (unsigned t = 0; t < n_workers; t++) {
		runtime_bad += workers[t].bad_reads;
		if (workers[t].first_bad_word && !first_runtime_bad)
			first_runtime_bad = workers[t].first_bad_word;
	}

	if (first_bad != SIZE_MAX) {
		printf("CHECKSUM FAIL offset=0x%zx page=%zu word=%zu expected=0x%016" PRIx64
		       " got=0x%016" PRIx64 " bad_words=%" PRIu64 "\n",
		       first_bad * sizeof(uint64_t), first_bad / WORDS_PER_PAGE,
		       first_bad % WORDS_PER_PAGE, first_expect, first_got, bad_words);
		return -EBADMSG;
	}
	if (counter_sum != total_increments) {
		printf("CHECKSUM FAIL counters: sum of increments in memory=%" PRIu64
		       " counted by the workers=%" PRIu64 "\n", counter_sum, total_increments);
		return -EBADMSG;
	}
	if (runtime_bad) {
		printf("CHECKSUM FAIL offset=0x%" PRIx64 " read back wrong while running (%" PRIu64
		       " bad reads) but is correct now\n",
		       (first_runtime_bad - 1) * sizeof(uint64_t), runtime_bad);
		return -EBADMSG;
	}
	printf("CHECKSUM OK bytes=%zu increments=%" PRIu64 "\n", region_words * sizeof(uint64_t),
	       total_increments);
	return 0;
}

static void help(void)
{
	printf("Usage: numabwork [OPTIONS]\n"
	       "\n"
	       "Workload helper of numab's VM bench: allocates memory, places it on a node, keeps\n"
	       "touching it from worker threads, reports ground truth on SIGUSR1 and verifies a\n"
	       "checksum of all of its memory when it stops.\n"
	       "\n"
	       "Memory:\n"
	       "  --mib N               size of the region in MiB (default 64)\n"
	       "  --shm                 use shared memory (memfd, MAP_SHARED) instead of private anon\n"
	       "  --no-thp              madvise(MADV_NOHUGEPAGE) the region\n"
	       "  --mem-node N          place the region on node N: first touch from threads pinned to\n"
	       "                        N's CPUs, or for a CPU-less node a temporary MPOL_BIND that is\n"
	       "                        reset to MPOL_DEFAULT before the workers start\n"
	       "  --mem-interleave LIST place it interleaved over LIST (e.g. 0-1) with a temporary\n"
	       "                        MPOL_INTERLEAVE, reset before the workers start\n"
	       "                        (default: first touch by an unpinned thread)\n"
	       "Threads:\n"
	       "  --threads T           worker threads (default 1, at most %d)\n"
	       "  --cpu-node N          pin the workers (and the main thread, which answers\n"
	       "                        status requests) to all CPUs of node N\n"
	       "  --cpus LIST           the same with the CPUs in LIST (e.g. 0-1,3)\n"
	       "                        (default: unpinned, the scheduler chooses)\n"
	       "  --pattern P[,P]       access pattern, a comma list of an order and a sharing word:\n"
	       "                        seq|random (order of page visits, default seq) and\n"
	       "                        private|shared (each worker its own slice of the region, or\n"
	       "                        every worker the whole region; default private)\n"
	       "Reporting:\n"
	       "  --status PATH         on SIGUSR1 write one status line to PATH (atomically, via a\n"
	       "                        temporary file and rename); without it, print it to stdout.\n"
	       "                        The line is also written once when the workload is ready\n"
	       "                        (seq=1) and at exit (final=1)\n"
	       "  --ready PATH          create PATH once the memory is placed and the workers run\n"
	       "  --duration SEC        stop after SEC seconds (default: run until SIGTERM/SIGINT)\n"
	       "  --probe               latency probe: each worker visits one chunk of %d pages per\n"
	       "                        period and records how late the chunk finished\n"
	       "  --period-us N         probe period in microseconds (default 10000)\n"
	       "  --hot-mib N           only the first N MiB of the region stay touched (each\n"
	       "                        worker: its slice below that limit; the rest is cold)\n"
	       "  --hot-delay SEC       with --hot-mib: touch the whole region for SEC seconds after\n"
	       "                        the workload is ready, then only the hot part (default 0)\n"
	       "  --inject-corruption   flip one word before the final check (tests the checker)\n"
	       "  -h, --help            show this help\n"
	       "\n"
	       "Status line keys: seq pid mib shm threads pattern pages pages_node<N> pages_other\n"
	       "threads_node<N> thread_cpus locality iterations increments max_gap_ms gap_recent_ms\n"
	       "bad_reads [probe_samples probe_p50_us probe_p99_us probe_max_us] [hot_pages\n"
	       "hot_active hot_pages_node<N>] uptime_ms final (hot_active: the hot phase began).\n"
	       "pages_node<N> come from move_pages(2) queries, threads_node<N> from each worker's\n"
	       "last getcpu(); locality is the mean over workers of the fraction of the pages the\n"
	       "worker touches that sit on the node it last ran on; max_gap_ms is the longest time\n"
	       "between two progress points (every %d page visits) of any worker, gap_recent_ms the\n"
	       "same since the previous report. SIGUSR2 restarts max_gap_ms and the probe\n"
	       "statistics (samples, percentiles, maximum) from zero, e.g. when a measured window\n"
	       "begins.\n"
	       "\n"
	       "Exit status: 0 and 'CHECKSUM OK bytes=...' when all memory checks out; 2 and\n"
	       "'CHECKSUM FAIL ...' (with the first bad offset) when not; 1 on usage or setup errors.\n",
	       MAX_THREADS, CHUNK_PAGES, CHUNK_PAGES);
}

static int parse_node_arg(const char *opt, const char *val, int *ret)
{
	unsigned long v;

	if (safe_atoul(val, &v) < 0 || v >= MAX_NODES) {
		_log("invalid %s value '%s': expected a node number below %d", opt, val, MAX_NODES);
		return -EINVAL;
	}
	*ret = (int)v;
	return 0;
}

static int parse_args(int argc, char **argv)
{
	enum {
		OPT_MIB = 0x100, OPT_SHM, OPT_NO_THP, OPT_MEM_NODE, OPT_MEM_INTERLEAVE, OPT_THREADS,
		OPT_CPU_NODE, OPT_CPUS, OPT_PATTERN, OPT_STATUS, OPT_READY, OPT_DURATION,
		OPT_PROBE, OPT_PERIOD_US, OPT_INJECT, OPT_HOT_MIB, OPT_HOT_DELAY,
	};
	static const struct option options[] = {
		{ "mib", required_argument, NULL, OPT_MIB },
		{ "shm", no_argument, NULL, OPT_SHM },
		{ "no-thp", no_argument, NULL, OPT_NO_THP },
		{ "mem-node", required_argument, NULL, OPT_MEM_NODE },
		{ "mem-interleave", required_argument, NULL, OPT_MEM_INTERLEAVE },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "cpu-node", required_argument, NULL, OPT_CPU_NODE },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "pattern", required_argument, NULL, OPT_PATTERN },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "ready", required_argument, NULL, OPT_READY },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "probe", no_argument, NULL, OPT_PROBE },
		{ "period-us", required_argument, NULL, OPT_PERIOD_US },
		{ "inject-corruption", no_argument, NULL, OPT_INJECT },
		{ "hot-mib", required_argument, NULL, OPT_HOT_MIB },
		{ "hot-delay", required_argument, NULL, OPT_HOT_DELAY },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	unsigned long v;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		switch (c) {
		case 'h':
			help();
			exit(0);
		case OPT_MIB:
			if (safe_atoul(optarg, &v) < 0 || v == 0 || v > (1UL << 20)) {
				_log("invalid --mib value '%s': expected a size in MiB, 1 to 1048576", optarg);
				return -EINVAL;
			}
			arg_mib = v;
			break;
		case OPT_SHM:
			arg_shm = true;
			break;
		case OPT_NO_THP:
			arg_no_thp = true;
			break;
		case OPT_MEM_NODE:
			if (parse_node_arg("--mem-node", optarg, &arg_mem_node) < 0)
				return -EINVAL;
			arg_placement = PLACE_NODE;
			break;
		case OPT_MEM_INTERLEAVE:
			r = parse_list(optarg, arg_interleave, MAX_NODES);
			if (r < 0 || !arg_interleave[0]) {
				_log("invalid --mem-interleave value '%s': expected a node list like 0-1 or 0,2",
				     optarg);
				return -EINVAL;
			}
			arg_placement = PLACE_INTERLEAVE;
			break;
		case OPT_THREADS:
			if (safe_atoul(optarg, &v) < 0 || v == 0 || v > MAX_THREADS) {
				_log("invalid --threads value '%s': expected 1 to %d", optarg, MAX_THREADS);
				return -EINVAL;
			}
			arg_threads = (unsigned)v;
			break;
		case OPT_CPU_NODE:
			if (parse_node_arg("--cpu-node", optarg, &arg_cpu_node) < 0)
				return -EINVAL;
			break;
		case OPT_CPUS: {
			unsigned long bits[CPU_SETSIZE / (8 * sizeof(unsigned long))];

			if (parse_list(optarg, bits, CPU_SETSIZE) < 0) {
				_log("invalid --cpus value '%s': expected a CPU list like 0-1,3", optarg);
				return -EINVAL;
			}
			CPU_ZERO(&arg_cpus);
			for (unsigned i = 0; i < CPU_SETSIZE; i++)
				if (bit_test(bits, i))
					CPU_SET(i, &arg_cpus);
			if (CPU_COUNT(&arg_cpus) == 0) {
				_log("invalid --cpus value '%s': empty CPU list", optarg);
				return -EINVAL;
			}
			arg_have_cpus = true;
			break;
		}
		case OPT_PATTERN: {
			char *copy = strdup(optarg), *save = NULL, *tok;

			if (!copy)
				return -ENOMEM;
			for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (!strcmp(tok, "seq"))
					arg_order = ORDER_SEQ;
				else if (!strcmp(tok, "random"))
					arg_order = ORDER_RANDOM;
				else if (!strcmp(tok, "private"))
					arg_sharing = SHARING_PRIVATE;
				else if (!strcmp(tok, "shared"))
					arg_sharing = SHARING_SHARED;
				else {
					_log("invalid --pattern value '%s': '%s' is not one of seq, random, private, shared",
					     optarg, tok);
					free(copy);
					return -EINVAL;
				}
			}
			free(copy);
			break;
		}
		case OPT_STATUS:
			arg_status_path = optarg;
			break;
		case OPT_READY:
			arg_ready_path = optarg;
			break;
		case OPT_DURATION: {
			char *end;

			errno = 0;
			arg_duration_sec = strtod(optarg, &end);
			if (errno || *end || end == optarg || arg_duration_sec <= 0 || arg_duration_sec > 1e7) {
				_log("invalid --duration value '%s': expected seconds > 0", optarg);
				return -EINVAL;
			}
			break;
		}
		case OPT_PROBE:
			arg_probe = true;
			break;
		case OPT_PERIOD_US:
			if (safe_atoul(optarg, &v) < 0 || v < 100 || v > 10000000) {
				_log("invalid --period-us value '%s': expected 100 to 10000000", optarg);
				return -EINVAL;
			}
			arg_period_us = (unsigned)v;
			break;
		case OPT_INJECT:
			arg_inject_corruption = true;
			break;
		case OPT_HOT_MIB:
			if (safe_atoul(optarg, &v) < 0 || v == 0 || v > (1UL << 20)) {
				_log("invalid --hot-mib value '%s': expected 1 to 1048576", optarg);
				return -EINVAL;
			}
			arg_hot_pages = (size_t)v * (1024 * 1024 / PAGE_BYTES);
			break;
		case OPT_HOT_DELAY: {
			char *end;

			errno = 0;
			arg_hot_delay_sec = strtod(optarg, &end);
			if (errno || *end || end == optarg || arg_hot_delay_sec < 0 ||
			    arg_hot_delay_sec > 1e7) {
				_log("invalid --hot-delay value '%s': expected seconds >= 0", optarg);
				return -EINVAL;
			}
			break;
		}
		default:
			_log("see 'numabwork --help'");
			return -EINVAL;
		}
	}
	if (optind < argc) {
		_log("unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	if (arg_cpu_node >= 0 && arg_have_cpus) {
		_log("--cpu-node and --cpus exclude each other");
		return -EINVAL;
	}
	if (arg_hot_pages && arg_hot_pages > arg_mib * (1024 * 1024 / PAGE_BYTES)) {
		_log("--hot-mib is larger than --mib");
		return -EINVAL;
	}
	if (arg_hot_delay_sec > 0 && !arg_hot_pages) {
		_log("--hot-delay needs --hot-mib");
		return -EINVAL;
	}
	if (arg_cpu_node >= 0) {
		r = node_cpus(arg_cpu_node, &arg_cpus);
		if (r < 0) {
			_log("invalid --cpu-node value '%d': node %d does not exist (%s)", arg_cpu_node,
			     arg_cpu_node, strerror(-r));
			return -EINVAL;
		}
		if (CPU_COUNT(&arg_cpus) == 0) {
			_log("invalid --cpu-node value '%d': node %d has no CPUs", arg_cpu_node, arg_cpu_node);
			return -EINVAL;
		}
		arg_have_cpus = true;
	}
	if (arg_placement == PLACE_NODE) {
		char path[128];

		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", arg_mem_node);
		if (access(path, F_OK) < 0) {
			_log("invalid --mem-node value '%d': node %d does not exist", arg_mem_node, arg_mem_node);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The region is 2 MiB aligned and fenced by PROT_NONE guards. Without that, a transparent huge
 * page can straddle the region and a neighbouring mapping: on kernels that do not align large
 * anonymous mappings (6.1), a new thread's stack lands right below the region, merges with it,
 * and the main thread's first write to that stack faults in a huge page that also covers the
 * region's first pages, on the main thread's node and under its policy.
 */
static int map_region(void)
{
	size_t bytes = arg_mib << 20, align = 2UL << 20;
	uintptr_t start;
	void *p, *resv;

	resv = mmap(NULL, bytes + 2 * align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		    -1, 0);
	if (resv == MAP_FAILED) {
		_log("cannot reserve %zu MiB of address space: %m", arg_mib);
		return -errno;
	}
	start = ((uintptr_t)resv + PAGE_BYTES + align - 1) & ~(uintptr_t)(align - 1);

	if (arg_shm) {
		int fd = (int)syscall(SYS_memfd_create, "numabwork", 0U);

		if (fd < 0) {
			_log("memfd_create failed: %m");
			return -errno;
		}
		if (ftruncate(fd, (off_t)bytes) < 0) {
			int r = -errno;

			_log("cannot size the shared region to %zu MiB: %m", arg_mib);
			close(fd);
			return r;
		}
		p = mmap((void *)start, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
		close(fd);
	} else {
		p = mmap((void *)start, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	}
	if (p == MAP_FAILED) {
		_log("cannot map %zu MiB: %m", arg_mib);
		return -errno;
	}
	if (arg_no_thp && madvise(p, bytes, MADV_NOHUGEPAGE) < 0)
		_log("madvise(MADV_NOHUGEPAGE) failed, ignoring: %m");
	region = p;
	region_pages = bytes / PAGE_BYTES;
	region_words = bytes / sizeof(uint64_t);
	return 0;
}

static void log_placement(void)
{
	size_t count[MAX_NODES] = { 0 }, other = 0;
	char line[1024];
	size_t len = 0;
	int nodes = online_nodes();

	if (syscall(SYS_move_pages, 0, (unsigned long)region_pages, addrs, NULL, page_status, 0) < 0) {
		_log("move_pages query failed: %m");
		return;
	}
	for (size_t i = 0; i < region_pages; i++) {
		if (page_status[i] >= 0 && page_status[i] < MAX_NODES)
			count[page_status[i]]++;
		else
			other++;
	}
	for (int n = 0; n < nodes && len < sizeof(line) - 64; n++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " node%d=%zu (%.1f%%)", n,
					count[n], 100.0 * (double)count[n] / (double)region_pages);
	_log("placed %zu pages:%s other=%zu", region_pages, line, other);
}

int main(int argc, char **argv)
{
	sigset_t sigs;
	unsigned long seq = 0;
	uint64_t deadline = 0, total = 0;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &start_time);
	r = parse_args(argc, argv);
	if (r < 0)
		return 1;

	/* Signals are consumed synchronously by the main loop; every thread inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGUSR2);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	if (map_region() < 0)
		return 1;
	addrs = calloc(region_pages, sizeof(*addrs));
	page_status = calloc(region_pages, sizeof(*page_status));
	n_workers = arg_threads;
	workers = aligned_alloc(64, sizeof(*workers) * n_workers);
	if (!addrs || !page_status || !workers) {
		_log("out of memory");
		return 1;
	}
	memset(workers, 0, sizeof(*workers) * n_workers);
	for (size_t i = 0; i < region_pages; i++)
		addrs[i] = (char *)region + i * PAGE_BYTES;

	if (place_and_fill() < 0)
		return 1;
	log_placement();
	/* The main thread answers status requests (a page query of the whole region: real CPU
	 * time under TCG); pinned with the workers, so that a measurement does not show up as
	 * CPU time of this process on another node. */
	if (arg_have_cpus && sched_setaffinity(0, sizeof(arg_cpus), &arg_cpus) < 0)
		_log("cannot set the main thread's CPU affinity: %s", strerror(errno));

	for (unsigned t = 0; t < n_workers; t++) {
		struct worker *w = &workers[t];

		w->idx = t;
		w->last_cpu = w->last_node = -1;
		if (arg_sharing == SHARING_PRIVATE) {
			w->first_page = region_pages * t / n_workers;
			w->n_pages = region_pages * (t + 1) / n_workers - w->first_page;
		} else {
			w->first_page = 0;
			w->n_pages = region_pages;
		}
		if (w->n_pages == 0) {
			_log("--threads %u is more than the %zu pages of the region", n_workers, region_pages);
			return 1;
		}
		w->rng = word_hash(t) | 1;
		r = pthread_create(&w->thread, NULL, worker_main, w);
		if (r) {
			_log("cannot create worker %u: %s", t, strerror(r));
			__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
			for (unsigned k = 0; k < t; k++)
				pthread_join(workers[k].thread, NULL);
			return 1;
		}
	}
	for (unsigned t = 0; t < n_workers; t++)
		while (!__atomic_load_n(&workers[t].started, __ATOMIC_ACQUIRE))
			usleep(1000);
	if (arg_hot_pages)
		__atomic_store_n(&hot_from_ns, now_ns() + (uint64_t)(arg_hot_delay_sec * 1e9),
				 __ATOMIC_RELAXED);

	report_status(++seq, false);
	if (arg_ready_path) {
		char buf[64];

		snprintf(buf, sizeof(buf), "pid=%d", (int)getpid());
		r = write_atomic(arg_ready_path, buf);
		if (r < 0) {
			_log("cannot create ready file '%s': %s", arg_ready_path, strerror(-r));
			return 1;
		}
	}
	_log("ready: pid=%d threads=%u mib=%zu", (int)getpid(), n_workers, arg_mib);

	if (arg_duration_sec > 0)
		deadline = now_ns() + (uint64_t)(arg_duration_sec * 1e9);
	for (;;) {
		struct timespec ts = { .tv_sec = 1 };
		siginfo_t si;
		int sig;

		if (deadline) {
			uint64_t t = now_ns();

			if (t >= deadline)
				break;
			if (deadline - t < 1000000000ULL) {
				ts.tv_sec = 0;
				ts.tv_nsec = (long)(deadline - t);
			}
		}
		sig = sigtimedwait(&sigs, &si, &ts);
		if (sig == SIGUSR1) {
			report_status(++seq, false);
		} else if (sig == SIGUSR2) {
			__atomic_fetch_add(&stats_gen, 1, __ATOMIC_RELEASE);
			_log("statistics reset (max gap, probe samples)");
		}
		else if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP)
			break;
	}

	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
	for (unsigned t = 0; t < n_workers; t++)
		pthread_join(workers[t].thread, NULL);
	report_status(++seq, true);

	for (unsigned t = 0; t < n_workers; t++)
		total += workers[t].increments;
	if (arg_inject_corruption)
		region[region_words / 2 + 1] ^= 1;
	r = verify(total);
	fflush(stdout);
	return r < 0 ? 2 : 0;
}
