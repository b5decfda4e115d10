/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The placement sampler's userspace side.
 *
 * The BPF program (src/bpf/sampler.bpf.c) keeps running totals: per cgroup per CPU, and per
 * (thread, node) for managed cgroups. A read turns them into the window numab wants, CPU time
 * per node since the previous read, in four steps:
 *
 * 1. Totals. The per-cgroup map is read in batches (one syscall per 1,024 entries or so, not
 *    two per entry) and each entry's per-CPU values are folded into nodes with the topology of
 *    the moment; the per-thread map likewise.
 * 2. What the maps do not have yet. A thread that has been on a CPU since before the window
 *    is in no total, and the program keeps the stints of a CPU's current cgroup in the CPU's
 *    record until the cgroup changes. Each CPU's record is read before and after the maps.
 *    From the copy after (when it is whole: its generation counts agree) the running thread's
 *    now - start is added, "now" taken just before that copy; its stint is charged nowhere
 *    until it ends. The pending sum is added when the CPU's cgroup did not change while the
 *    maps were read (pend_gen the same in both copies), so none of it was flushed into the
 *    map in the meantime. Otherwise it is in the maps already, or will be at the next read;
 *    when that is more than 20 ms (a long run ended during the read), the read is repeated, so
 *    that it does not land in the next window instead.
 * 3. Windows. Each (cgroup, node) and (thread, node) keeps the high-water mark of what earlier
 *    reads saw; the window is the growth of that mark. A view is never above the truth (the
 *    maps are read before the records are confirmed, and in-progress runs end at "now"), so
 *    the mark never over-counts; where a view falls back (a pending sum that was counted and
 *    then not, because its CPU changed cgroups during the next read), the mark holds and the
 *    time is counted once, when the totals catch up.
 * 4. Snapshot and sweep. Each cgroup of the snapshot gets its own window, then the reverse
 *    pre-order pass makes the numbers hierarchical as placement_compute() does; processes of
 *    managed cgroups sum their threads. Map entries (and marks) of cgroups no longer in the
 *    snapshot and of threads no longer in a managed cgroup are deleted, so the maps hold what
 *    exists, and a cgroup id that comes back (ids are not reused while the kernel runs, so it
 *    cannot) or a reused thread id starts from zero.
 *
 * Costs are linear in the number of entries (cgroups that ran, threads of managed cgroups that
 * ran) times the CPUs, plus n log n sorts; nothing is read from /proc. bench/sampler-cost
 * measures it against the /proc walk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sampler.skel.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "sysfs/bpf-sampler.h"

/* Entries per batched map read; grown when the kernel says a bucket does not fit (-ENOSPC). */
#define BATCH_ENTRIES 1024
/* A read is repeated (up to READ_ATTEMPTS times) when a CPU with more than AT_RISK_NS of
 * uncounted run time switched during it (read_at_risk()). */
#define READ_ATTEMPTS 4
#define AT_RISK_NS (20 * 1000000ull)
/* Upper bound for the map sizes a caller may ask for: well above any real machine, and far
 * from overflowing the buffer sizes computed from them. */
#define MAX_MAP_ENTRIES (1u << 22)

/* Per-cgroup rows: [cgroup id, ns on node 0, ..., ns on node span-1], sorted by id. */
struct cg_table {
	uint64_t *rows;
	size_t n, alloc;
	unsigned stride; /* span + 1 */
};

/* A (thread, node) total, in-progress run, mark or window. */
struct th_entry {
	uint32_t tid;
	uint32_t node;
	uint32_t tgid;
	uint32_t pad;
	uint64_t cgroup_id;
	uint64_t ns;
};

struct th_table {
	struct th_entry *e;
	size_t n, alloc;
};

struct sampler {
	struct sampler_bpf *skel;
	struct sampler_options opts;
	bool loaded;
	unsigned n_cpus;                /* possible CPUs: values per per-CPU map entry */
	struct sampler_cpu *rec_before; /* n_cpus records, read before the maps */
	struct sampler_cpu *rec_after;  /* and after */
	int *cpu_node;                  /* n_cpus: node of each CPU at this read, -1 when none */

	uint64_t *managed;              /* marked cgroup ids, sorted */
	size_t n_managed;

	unsigned span;                  /* node span of the marks; 0 before the first read */
	struct cg_table cg_marks;
	struct th_table th_marks;       /* sorted by (tid, node) */
	struct th_table th_window;      /* the last read's per-thread windows, same order */

	/* Batch buffers. */
	uint64_t *keys;
	void *values;
	size_t batch;                   /* entries the buffers hold */
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_th(const void *a, const void *b)
{
	const struct th_entry *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return (x->node > y->node) - (x->node < y->node);
}

static bool sorted_contains(const uint64_t *v, size_t n, uint64_t id)
{
	return n > 0 && bsearch(&id, v, n, sizeof(uint64_t), cmp_u64);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	/* The clock of bpf_ktime_get_ns(). */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- tables ---------------------------------------------------------------------------- */

static void cg_table_reset(struct cg_table *t, unsigned span)
{
	t->n = 0;
	t->stride = span + 1;
}

static void cg_table_done(struct cg_table *t)
{
	free(t->rows);
	*t = (struct cg_table){};
}

/* Append a zeroed row for id; returns its per-node part or NULL on OOM. */
static uint64_t *cg_table_add(struct cg_table *t, uint64_t id)
{
	uint64_t *row;

	if (greedy_realloc((void **)&t->rows, &t->alloc, t->n + 1, t->stride * sizeof(uint64_t),
			   256) < 0)
		return NULL;
	row = &t->rows[t->n++ * t->stride];
	memset(row, 0, t->stride * sizeof(uint64_t));
	row[0] = id;
	return row + 1;
}

static const uint64_t *cg_table_find(const struct cg_table *t, uint64_t id)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const uint64_t *row = &t->rows[mid * t->stride];

		if (row[0] == id)
			return row + 1;
		if (row[0] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Sort by id and merge rows with the same id (totals plus in-progress runs). */
static void cg_table_sort(struct cg_table *t)
{
	size_t out = 0;

	if (t->n > 1)
		qsort(t->rows, t->n, t->stride * sizeof(uint64_t), cmp_u64);
	for (size_t i = 0; i < t->n; i++) {
		uint64_t *src = &t->rows[i * t->stride];

		if (out > 0 && t->rows[(out - 1) * t->stride] == src[0]) {
			uint64_t *dst = &t->rows[(out - 1) * t->stride];

			for (unsigned k = 1; k < t->stride; k++)
				dst[k] += src[k];
			continue;
		}
		if (out != i)
			memmove(&t->rows[out * t->stride], src, t->stride * sizeof(uint64_t));
		out++;
	}
	t->n = out;
}

static void th_table_done(struct th_table *t)
{
	free(t->e);
	*t = (struct th_table){};
}

static struct th_entry *th_table_add(struct th_table *t)
{
	if (GREEDY_REALLOC(t->e, t->alloc, t->n + 1, 256) < 0)
		return NULL;
	t->e[t->n] = (struct th_entry){};
	return &t->e[t->n++];
}

static void th_table_sort(struct th_table *t)
{
	size_t out = 0;

	if (t->n > 1)
		qsort(t->e, t->n, sizeof(*t->e), cmp_th);
	for (size_t i = 0; i < t->n; i++) {
		if (out > 0 && cmp_th(&t->e[out - 1], &t->e[i]) == 0) {
			t->e[out - 1].ns += t->e[i].ns;
			/* The map's entry knows the thread; an in-progress run may add to it. */
			if (!t->e[out - 1].tgid)
				t->e[out - 1].tgid = t->e[i].tgid;
			continue;
		}
		t->e[out++] = t->e[i];
	}
	t->n = out;
}

static const struct th_entry *th_table_find(const struct th_table *t, uint32_t tid,
					    uint32_t node)
{
	struct th_entry key = { .tid = tid, .node = node };

	return t->n ? bsearch(&key, t->e, t->n, sizeof(*t->e), cmp_th) : NULL;
}

/* ---- lifecycle ------------------------------------------------------------------------- */

static int map_error(int r, const char *what)
{
	log_debug_errno(r, "BPF sampler: %s failed: %m", what);
	if (r == -EPERM || r == -ENOMEM)
		return r;
	return -EOPNOTSUPP;
}

int sampler_open(const struct numab_roots *roots, const struct sampler_options *opts,
		 struct sampler **ret)
{
	_cleanup_(sampler_freep) struct sampler *s = NULL;
	int n, r;

	if (!roots->live)
		return log_debug_errno(SYNTHETIC_ERRNO(EOPNOTSUPP),
				       "BPF sampler: not the live kernel's roots.");
	/* CO-RE needs the kernel's BTF; libbpf would find out too, with a less clear message. */
	if (faccessat(roots->sysfs_fd, "kernel/btf/vmlinux", R_OK, 0) < 0)
		return log_debug_errno(SYNTHETIC_ERRNO(EOPNOTSUPP),
				       "BPF sampler: no kernel BTF in %s/kernel/btf/vmlinux: %s",
				       strna(roots->sysfs_path), strerror(errno));

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->opts = opts ? *opts : (struct sampler_options){};
	if (!s->opts.max_cgroups)
		s->opts.max_cgroups = SAMPLER_DEFAULT_CGROUPS;
	if (!s->opts.max_threads)
		s->opts.max_threads = SAMPLER_DEFAULT_THREADS;
	if (!s->opts.max_managed)
		s->opts.max_managed = SAMPLER_DEFAULT_MANAGED;
	if (s->opts.max_cgroups > MAX_MAP_ENTRIES || s->opts.max_threads > MAX_MAP_ENTRIES ||
	    s->opts.max_managed > MAX_MAP_ENTRIES)
		return -EINVAL;

	n = libbpf_num_possible_cpus();
	if (n <= 0)
		return n < 0 ? n : -EIO;
	s->n_cpus = (unsigned)n;
	s->batch = BATCH_ENTRIES;
	s->rec_before = calloc(s->n_cpus, sizeof(struct sampler_cpu));
	s->rec_after = calloc(s->n_cpus, sizeof(struct sampler_cpu));
	s->cpu_node = calloc(s->n_cpus, sizeof(int));
	s->keys = calloc(s->batch, sizeof(uint64_t));
	/* Per-CPU values are padded to 8 bytes; the thread values are bigger than the per-CPU
	 * u64 only when there are fewer than three CPUs. */
	s->values = calloc(s->batch, MAX(s->n_cpus * sizeof(uint64_t),
					 sizeof(struct sampler_thread_val)));
	if (!s->rec_before || !s->rec_after || !s->cpu_node || !s->keys || !s->values)
		return -ENOMEM;

	s->skel = sampler_bpf__open();
	if (!s->skel)
		return log_debug_errno(negative_errno(), "BPF sampler: cannot open the BPF object: %m");
	r = bpf_map__set_max_entries(s->skel->maps.cgroup_ns, s->opts.max_cgroups);
	if (r >= 0)
		r = bpf_map__set_max_entries(s->skel->maps.thread_ns, s->opts.max_threads);
	if (r >= 0)
		r = bpf_map__set_max_entries(s->skel->maps.managed, s->opts.max_managed);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}

/* Write each CPU's record: its node, no task, and now as the start, so that the first switch
 * charges the task it takes off no more than the time since. The counters and generations
 * are kept. Only while detached: the program is the only other writer. */
static int write_records(struct sampler *s, const struct topology *topo, bool keep)
{
	int fd = bpf_map__fd(s->skel->maps.cpus);
	uint32_t zero = 0;

	if (keep && bpf_map_lookup_elem(fd, &zero, s->rec_before) < 0)
		return negative_errno();
	for (unsigned cpu = 0; cpu < s->n_cpus; cpu++) {
		struct sampler_cpu *c = &s->rec_before[cpu];

		if (!keep)
			*c = (struct sampler_cpu){};
		if (topo) {
			int node = topo_cpu_to_node(topo, (int)cpu);

			c->node = node >= 0 ? (uint32_t)node : SAMPLER_NODE_NONE;
		}
		c->start_ns = now_ns();
		c->tid = c->tgid = 0;
		c->cgroup_id = 0;
		c->gen_end = c->gen_begin;
	}
	if (bpf_map_update_elem(fd, &zero, s->rec_before, BPF_ANY) < 0)
		return negative_errno();
	return 0;
}

int sampler_load(struct sampler *s, const struct topology *topo)
{
	int r;

	if (s->loaded)
		return -EBUSY;
	r = sampler_bpf__load(s->skel);
	if (r < 0)
		return map_error(r, "loading the program (see the libbpf lines above)");
	s->loaded = true;
	r = write_records(s, topo, false);
	if (r < 0)
		return map_error(r, "writing the CPU records");
	return 0;
}

int sampler_attach(struct sampler *s)
{
	int r;

	if (!s->loaded)
		return -EBADFD;
	if (s->skel->links.sampler_switch)
		return -EBUSY;
	/* After a detach the records name tasks that ran long ago: forget them. */
	r = write_records(s, NULL, true);
	if (r < 0)
		return map_error(r, "resetting the CPU records");
	r = sampler_bpf__attach(s->skel);
	if (r < 0)
		return map_error(r, "attaching to sched_switch");
	return 0;
}

int sampler_detach(struct sampler *s)
{
	if (!s->skel || !s->skel->links.sampler_switch)
		return -EBADFD;
	(void)bpf_link__destroy(s->skel->links.sampler_switch);
	s->skel->links.sampler_switch = NULL;
	return 0;
}

struct sampler *sampler_free(struct sampler *s)
{
	if (!s)
		return NULL;
	sampler_bpf__destroy(s->skel);
	free(s->rec_before);
	free(s->rec_after);
	free(s->cpu_node);
	free(s->managed);
	cg_table_done(&s->cg_marks);
	th_table_done(&s->th_marks);
	th_table_done(&s->th_window);
	free(s->keys);
	free(s->values);
	free(s);
	return NULL;
}

/* ---- managed set ----------------------------------------------------------------------- */

bool sampler_is_managed(const struct sampler *s, uint64_t cgroup_id)
{
	return sorted_contains(s->managed, s->n_managed, cgroup_id);
}

int sampler_set_managed(struct sampler *s, uint64_t cgroup_id, bool managed)
{
	int fd;
	size_t i;

	if (!s->loaded)
		return -EBADFD;
	if (sampler_is_managed(s, cgroup_id) == managed)
		return 0;
	fd = bpf_map__fd(s->skel->maps.managed);
	for (i = 0; i < s->n_managed && s->managed[i] < cgroup_id; i++)
		;
	if (managed) {
		uint8_t one = 1;
		uint64_t *nm;

		if (s->n_managed >= s->opts.max_managed)
			return -ENOSPC;
		nm = reallocarray(s->managed, s->n_managed + 1, sizeof(uint64_t));
		if (!nm)
			return -ENOMEM;
		s->managed = nm;
		if (bpf_map_update_elem(fd, &cgroup_id, &one, BPF_ANY) < 0)
			return negative_errno();
		memmove(&s->managed[i + 1], &s->managed[i], (s->n_managed - i) * sizeof(uint64_t));
		s->managed[i] = cgroup_id;
		s->n_managed++;
	} else {
		if (bpf_map_delete_elem(fd, &cgroup_id) < 0 && errno != ENOENT)
			return negative_errno();
		memmove(&s->managed[i], &s->managed[i + 1],
			(s->n_managed - i - 1) * sizeof(uint64_t));
		s->n_managed--;
	}
	/* The program skips the per-thread path while nr_managed is 0, and looks the cgroup of
	 * each CPU up again when the generation changes. */
	*(volatile uint32_t *)&s->skel->bss->nr_managed = (uint32_t)s->n_managed;
	*(volatile uint32_t *)&s->skel->bss->managed_gen = s->skel->bss->managed_gen + 1;
	return 0;
}

/* ---- reading --------------------------------------------------------------------------- */

static int read_records(struct sampler *s, struct sampler_cpu *rec)
{
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.cpus), &zero, rec) < 0)
		return negative_errno();
	return 0;
}

static int grow_batch(struct sampler *s)
{
	size_t nb = s->batch * 2;
	uint64_t *nk;
	void *nv;

	if (nb > MAX_MAP_ENTRIES)
		return -ENOSPC;
	nk = reallocarray(s->keys, nb, sizeof(uint64_t));
	if (!nk)
		return -ENOMEM;
	s->keys = nk;
	nv = reallocarray(s->values, nb, MAX(s->n_cpus * sizeof(uint64_t),
					     sizeof(struct sampler_thread_val)));
	if (!nv)
		return -ENOMEM;
	s->values = nv;
	s->batch = nb;
	return 0;
}

/*
 * Read a whole hash map in batches; call fn for each batch. Keys are 8 bytes in both maps
 * (a u64 cgroup id, a struct sampler_thread_key).
 */
static int read_map(struct sampler *s, int fd,
		    int (*fn)(struct sampler *s, size_t n, void *userdata), void *userdata)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	uint64_t in = 0, out = 0;
	bool first = true;
	int r;

	for (;;) {
		uint32_t count = (uint32_t)s->batch;

		r = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, s->keys, s->values, &count,
					 &opts);
		if (r < 0)
			r = negative_errno();
		if (r == -ENOSPC && count == 0) {
			/* One bucket holds more entries than the buffer: grow and retry. */
			r = grow_batch(s);
			if (r < 0)
				return r;
			continue;
		}
		if (r < 0 && r != -ENOENT)
			return r;
		if (count > 0) {
			int k = fn(s, count, userdata);

			if (k < 0)
				return k;
		}
		if (r == -ENOENT)
			return 0;
		in = out;
		first = false;
	}
}

static int fold_cgroups(struct sampler *s, size_t n, void *userdata)
{
	struct cg_table *cur = userdata;
	const uint64_t *values = s->values;
	unsigned span = cur->stride - 1;

	for (size_t i = 0; i < n; i++) {
		uint64_t *ns = cg_table_add(cur, s->keys[i]);

		if (!ns)
			return -ENOMEM;
		for (unsigned cpu = 0; cpu < s->n_cpus; cpu++) {
			int node = s->cpu_node[cpu];

			if (node >= 0 && (unsigned)node < span)
				ns[node] += values[i * s->n_cpus + cpu];
		}
	}
	return 0;
}

static int collect_threads(struct sampler *s, size_t n, void *userdata)
{
	struct th_table *cur = userdata;
	const struct sampler_thread_val *values = s->values;

	for (size_t i = 0; i < n; i++) {
		struct sampler_thread_key key;
		struct th_entry *e = th_table_add(cur);

		if (!e)
			return -ENOMEM;
		memcpy(&key, &s->keys[i], sizeof(key));
		e->tid = key.tid;
		e->node = key.node;
		e->tgid = values[i].tgid;
		e->cgroup_id = values[i].cgroup_id;
		e->ns = values[i].run_ns;
	}
	return 0;
}

static bool record_whole(const struct sampler_cpu *c)
{
	return c->gen_begin == c->gen_end;
}

/*
 * Whether a CPU switched while the maps were read with much at stake: the run in progress and
 * the pending sum before the read, which the switch moved into the maps, maybe after the read
 * passed their entries. Such a read would show less than the truth for a tick and the time
 * would land in the next window: read again instead. Switches of CPUs that only run short
 * stints put little at stake and do not cause a retry.
 */
static bool read_at_risk(const struct sampler *s, uint64_t now)
{
	for (unsigned cpu = 0; cpu < s->n_cpus; cpu++) {
		const struct sampler_cpu *a = &s->rec_before[cpu], *b = &s->rec_after[cpu];
		uint64_t stake;

		if (record_whole(a) && record_whole(b) && a->gen_begin == b->gen_begin)
			continue;
		if (!record_whole(a))
			return true;
		stake = a->pend_ns;
		if (a->tid && a->start_ns && now > a->start_ns)
			stake += now - a->start_ns;
		if (stake > AT_RISK_NS)
			return true;
	}
	return false;
}

/*
 * Add what the maps do not hold yet, from each CPU's record read after the maps (b), taken
 * whole: the run in progress (now - start; now was taken before b was read, so the stint b
 * names ran until then), and the pending sum of the CPU's current cgroup, when no flush
 * happened while the maps were read (the same pend_gen in the record read before them, a), so
 * that no part of it is in the map as well.
 */
static int add_unflushed(struct sampler *s, uint64_t now, struct cg_table *cg,
			 struct th_table *th)
{
	unsigned span = cg->stride - 1;

	for (unsigned cpu = 0; cpu < s->n_cpus; cpu++) {
		const struct sampler_cpu *a = &s->rec_before[cpu], *b = &s->rec_after[cpu];
		int node = s->cpu_node[cpu];
		bool on_node = node >= 0 && (unsigned)node < span;
		uint64_t *ns;

		if (!record_whole(b))
			continue;
		if (b->pend_ns && on_node && record_whole(a) && a->pend_gen == b->pend_gen) {
			ns = cg_table_add(cg, b->pend_cgroup_id);
			if (!ns)
				return -ENOMEM;
			ns[node] = b->pend_ns;
		}
		if (b->tid == 0 || b->start_ns == 0 || now <= b->start_ns)
			continue;
		if (on_node) {
			ns = cg_table_add(cg, b->cgroup_id);
			if (!ns)
				return -ENOMEM;
			ns[node] = now - b->start_ns;
		}
		if (sampler_is_managed(s, b->cgroup_id)) {
			struct th_entry *e = th_table_add(th);

			if (!e)
				return -ENOMEM;
			/* Keyed like the program keys it: the node it recorded for the CPU. */
			*e = (struct th_entry){ .tid = b->tid, .node = b->node, .tgid = b->tgid,
						.cgroup_id = b->cgroup_id, .ns = now - b->start_ns };
		}
	}
	return 0;
}

/* Windows of the cgroups (into cur, in place) and their new marks. Marks of cgroups in snap
 * that the view lacks are kept; the others go with the map entries that the sweep deletes. */
static int cg_windows(struct sampler *s, struct cg_table *cur, const uint64_t *snap_ids,
		      size_t n_snap)
{
	_cleanup_(cg_table_done) struct cg_table marks = { .stride = cur->stride };
	unsigned span = cur->stride - 1;
	size_t i = 0, j = 0;

	while (i < cur->n || j < s->cg_marks.n) {
		uint64_t *v = i < cur->n ? &cur->rows[i * cur->stride] : NULL;
		const uint64_t *m = j < s->cg_marks.n ? &s->cg_marks.rows[j * cur->stride] : NULL;
		uint64_t *nm;

		if (m && (!v || m[0] < v[0])) {
			/* Not in the view: keep the mark while the cgroup exists. */
			if (sorted_contains(snap_ids, n_snap, m[0])) {
				nm = cg_table_add(&marks, m[0]);
				if (!nm)
					return -ENOMEM;
				memcpy(nm, m + 1, span * sizeof(uint64_t));
			}
			j++;
			continue;
		}
		if (sorted_contains(snap_ids, n_snap, v[0])) {
			nm = cg_table_add(&marks, v[0]);
			if (!nm)
				return -ENOMEM;
		} else {
			nm = NULL;
		}
		for (unsigned k = 1; k <= span; k++) {
			uint64_t mark = m && m[0] == v[0] ? m[k] : 0;

			if (nm)
				nm[k - 1] = MAX(mark, v[k]);
			v[k] = v[k] > mark ? v[k] - mark : 0;
		}
		if (m && m[0] == v[0])
			j++;
		i++;
	}
	cg_table_done(&s->cg_marks);
	s->cg_marks = marks;
	marks = (struct cg_table){};
	return 0;
}

/* Whether a thread's entries stay: its cgroup is managed and, when the snapshot lists tasks,
 * the snapshot lists it. */
static bool thread_alive(const struct sampler *s, const struct th_entry *e, const uint64_t *tids,
			 size_t n_tids, bool with_tasks)
{
	if (!sampler_is_managed(s, e->cgroup_id))
		return false;
	return !with_tasks || sorted_contains(tids, n_tids, e->tid);
}

static int th_windows(struct sampler *s, struct th_table *cur, const uint64_t *tids,
		      size_t n_tids, bool with_tasks)
{
	_cleanup_(th_table_done) struct th_table marks = {};
	size_t i = 0, j = 0;

	while (i < cur->n || j < s->th_marks.n) {
		struct th_entry *v = i < cur->n ? &cur->e[i] : NULL;
		const struct th_entry *m = j < s->th_marks.n ? &s->th_marks.e[j] : NULL;
		int c = !v ? 1 : !m ? -1 : cmp_th(v, m);
		struct th_entry *nm;

		if (c > 0) {
			if (thread_alive(s, m, tids, n_tids, with_tasks)) {
				nm = th_table_add(&marks);
				if (!nm)
					return -ENOMEM;
				*nm = *m;
			}
			j++;
			continue;
		}
		if (thread_alive(s, v, tids, n_tids, with_tasks)) {
			nm = th_table_add(&marks);
			if (!nm)
				return -ENOMEM;
			*nm = *v;
			if (c == 0)
				nm->ns = MAX(nm->ns, m->ns);
		}
		if (c == 0) {
			v->ns = v->ns > m->ns ? v->ns - m->ns : 0;
			j++;
		}
		/* A thread that exited in the window still ran in it; one whose cgroup is no
		 * longer managed has no window. */
		if (!sampler_is_managed(s, v->cgroup_id))
			v->ns = 0;
		i++;
	}
	th_table_done(&s->th_marks);
	s->th_marks = marks;
	marks = (struct th_table){};
	return 0;
}

static int cmp_th_tgid(const void *a, const void *b)
{
	const struct th_entry *x = a, *y = b;

	return (x->tgid > y->tgid) - (x->tgid < y->tgid);
}

/* Processes of managed cgroups: the sum of their threads' windows. */
static int fill_processes(struct sampler *s, struct snapshot *snap)
{
	_cleanup_free_ struct th_entry *by_tgid = NULL;
	unsigned span = snap->span;
	size_t n = s->th_window.n;

	if (n > 0) {
		by_tgid = malloc(n * sizeof(*by_tgid));
		if (!by_tgid)
			return -ENOMEM;
		memcpy(by_tgid, s->th_window.e, n * sizeof(*by_tgid));
		qsort(by_tgid, n, sizeof(*by_tgid), cmp_th_tgid);
	}
	for (unsigned i = 0; i < snap->n_cgroups; i++) {
		struct cg_sample *c = &snap->cgroups[i];
		bool managed = sampler_is_managed(s, c->id);

		for (unsigned j = 0; j < c->n_procs; j++) {
			struct proc_sample *p = &c->procs[j];
			size_t lo = 0, hi = n;

			if (!p->cpu_ns) {
				p->cpu_ns = calloc(span, sizeof(uint64_t));
				if (!p->cpu_ns)
					return -ENOMEM;
			} else {
				memset(p->cpu_ns, 0, span * sizeof(uint64_t));
			}
			p->cpu_ns_total = 0;
			if (!managed)
				continue;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;

				if (by_tgid[mid].tgid < (uint32_t)p->pid)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (; lo < n && by_tgid[lo].tgid == (uint32_t)p->pid; lo++) {
				if (by_tgid[lo].node >= span)
					continue;
				p->cpu_ns[by_tgid[lo].node] += by_tgid[lo].ns;
				p->cpu_ns_total += by_tgid[lo].ns;
			}
		}
	}
	return 0;
}

static void fill_cgroups(const struct cg_table *windows, struct snapshot *snap)
{
	unsigned span = snap->span;

	for (unsigned i = 0; i < snap->n_cgroups; i++) {
		struct cg_sample *c = &snap->cgroups[i];
		const uint64_t *w = cg_table_find(windows, c->id);

		memset(c->cpu_ns, 0, span * sizeof(uint64_t));
		c->cpu_ns_total = 0;
		if (!w)
			continue;
		for (unsigned n = 0; n < span; n++) {
			c->cpu_ns[n] = w[n];
			c->cpu_ns_total += w[n];
		}
	}
	/* Pre-order: every child comes after its parent, so a reverse pass sums subtrees. */
	for (unsigned i = snap->n_cgroups; i-- > 1;) {
		struct cg_sample *c = &snap->cgroups[i];
		struct cg_sample *parent;

		if (c->parent < 0)
			continue;
		parent = &snap->cgroups[c->parent];
		for (unsigned n = 0; n < span; n++)
			parent->cpu_ns[n] += c->cpu_ns[n];
		parent->cpu_ns_total += c->cpu_ns_total;
	}
}

/* Delete the map entries of cgroups not in the snapshot and of threads that are gone. */
static void sweep(struct sampler *s, const struct cg_table *cg_view, const struct th_table *th_view,
		  const uint64_t *snap_ids, size_t n_snap, const uint64_t *tids, size_t n_tids,
		  bool with_tasks)
{
	int cg_fd = bpf_map__fd(s->skel->maps.cgroup_ns);
	int th_fd = bpf_map__fd(s->skel->maps.thread_ns);
	unsigned n_cg = 0, n_th = 0;

	for (size_t i = 0; i < cg_view->n; i++) {
		uint64_t id = cg_view->rows[i * cg_view->stride];

		if (sorted_contains(snap_ids, n_snap, id))
			continue;
		/* -ENOENT: only an in-progress run named it. */
		if (bpf_map_delete_elem(cg_fd, &id) == 0)
			n_cg++;
	}
	for (size_t i = 0; i < th_view->n; i++) {
		const struct th_entry *e = &th_view->e[i];
		struct sampler_thread_key key = { .tid = e->tid, .node = e->node };

		if (thread_alive(s, e, tids, n_tids, with_tasks))
			continue;
		if (bpf_map_delete_elem(th_fd, &key) == 0)
			n_th++;
	}
	if (n_cg || n_th)
		log_debug("BPF sampler: removed %u cgroup and %u thread entries.", n_cg, n_th);
}

/* Sorted ids of the snapshot's cgroups, and of the tasks of its managed cgroups. */
static int snapshot_index(const struct sampler *s, const struct snapshot *snap, uint64_t **ret_ids,
			  uint64_t **ret_tids, size_t *ret_n_tids)
{
	_cleanup_free_ uint64_t *ids = NULL, *tids = NULL;
	size_t n_tids = 0, k = 0;

	ids = malloc(MAX(snap->n_cgroups, 1u) * sizeof(uint64_t));
	if (!ids)
		return -ENOMEM;
	for (unsigned i = 0; i < snap->n_cgroups; i++) {
		const struct cg_sample *c = &snap->cgroups[i];

		ids[i] = c->id;
		if (snap->with_tasks && sampler_is_managed(s, c->id))
			for (unsigned j = 0; j < c->n_procs; j++)
				n_tids += c->procs[j].n_tasks;
	}
	qsort(ids, snap->n_cgroups, sizeof(uint64_t), cmp_u64);

	tids = malloc(MAX(n_tids, (size_t)1) * sizeof(uint64_t));
	if (!tids)
		return -ENOMEM;
	for (unsigned i = 0; i < snap->n_cgroups && n_tids > 0; i++) {
		const struct cg_sample *c = &snap->cgroups[i];

		if (!sampler_is_managed(s, c->id))
			continue;
		for (unsigned j = 0; j < c->n_procs; j++)
			for (unsigned t = 0; t < c->procs[j].n_tasks; t++)
				tids[k++] = (uint64_t)c->procs[j].tasks[t].tid;
	}
	qsort(tids, k, sizeof(uint64_t), cmp_u64);
	*ret_ids = TAKE_PTR(ids);
	*ret_tids = TAKE_PTR(tids);
	*ret_n_tids = k;
	return 0;
}

static int read_window(struct sampler *s, const struct topology *topo, struct snapshot *snap)
{
	_cleanup_free_ uint64_t *snap_ids = NULL, *tids = NULL;
	_cleanup_(cg_table_done) struct cg_table cg = {};
	_cleanup_(th_table_done) struct th_table th = {};
	size_t n_tids = 0;
	uint64_t now;
	int r;

	if (snap->span != s->span) {
		/* First read, or the node span changed: start the marks afresh. */
		cg_table_done(&s->cg_marks);
		th_table_done(&s->th_marks);
		s->span = snap->span;
	}
	cg_table_reset(&cg, s->span);
	for (unsigned cpu = 0; cpu < s->n_cpus; cpu++)
		s->cpu_node[cpu] = topo_cpu_to_node(topo, (int)cpu);

	for (unsigned attempt = 1;; attempt++) {
		cg.n = 0;
		th.n = 0;
		r = read_records(s, s->rec_before);
		if (r < 0)
			return r;
		r = read_map(s, bpf_map__fd(s->skel->maps.cgroup_ns), fold_cgroups, &cg);
		if (r < 0)
			return r;
		r = read_map(s, bpf_map__fd(s->skel->maps.thread_ns), collect_threads, &th);
		if (r < 0)
			return r;
		now = now_ns();
		r = read_records(s, s->rec_after);
		if (r < 0)
			return r;
		if (attempt >= READ_ATTEMPTS || !read_at_risk(s, now))
			break;
		log_debug("BPF sampler: a long run ended while the maps were read, reading again.");
	}
	r = add_unflushed(s, now, &cg, &th);
	if (r < 0)
		return r;
	cg_table_sort(&cg);
	th_table_sort(&th);

	r = snapshot_index(s, snap, &snap_ids, &tids, &n_tids);
	if (r < 0)
		return r;
	/* The sweep needs the views (what the maps hold) before they become windows. */
	sweep(s, &cg, &th, snap_ids, snap->n_cgroups, tids, n_tids, snap->with_tasks);

	r = cg_windows(s, &cg, snap_ids, snap->n_cgroups);
	if (r < 0)
		return r;
	r = th_windows(s, &th, tids, n_tids, snap->with_tasks);
	if (r < 0)
		return r;
	th_table_done(&s->th_window);
	s->th_window = th;
	th = (struct th_table){};

	fill_cgroups(&cg, snap);
	return fill_processes(s, snap);
}

int sampler_read(struct sampler *s, const struct topology *topo, struct snapshot *snap)
{
	int r;

	if (!s->loaded)
		return -EBADFD;
	r = read_window(s, topo, snap);
	if (r < 0)
		log_debug_errno(r, "BPF sampler: read failed: %m");
	return r;
}

int sampler_thread_cpu_ns(const struct sampler *s, pid_t tid, uint64_t *ret_cpu_ns,
			  unsigned span)
{
	bool found = false;

	memset(ret_cpu_ns, 0, span * sizeof(uint64_t));
	for (uint32_t node = 0; node < span; node++) {
		const struct th_entry *e = th_table_find(&s->th_window, (uint32_t)tid, node);

		if (e && sampler_is_managed(s, e->cgroup_id)) {
			ret_cpu_ns[node] = e->ns;
			found = true;
		}
	}
	return found ? 0 : -ENOENT;
}

int sampler_stats(const struct sampler *s, uint64_t ret[_SAMPLER_STAT_MAX])
{
	_cleanup_free_ struct sampler_cpu *rec = NULL;
	uint32_t zero = 0;

	if (!s->loaded)
		return -EBADFD;
	rec = calloc(s->n_cpus, sizeof(*rec));
	if (!rec)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.cpus), &zero, rec) < 0)
		return negative_errno();
	memset(ret, 0, _SAMPLER_STAT_MAX * sizeof(uint64_t));
	for (unsigned cpu = 0; cpu < s->n_cpus; cpu++)
		for (unsigned i = 0; i < _SAMPLER_STAT_MAX; i++)
			ret[i] += rec[cpu].stats[i];
	return 0;
}

int sampler_prog_runtime(const struct sampler *s, uint64_t *ret_runs, uint64_t *ret_ns)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);

	if (!s->loaded)
		return -EBADFD;
	if (bpf_obj_get_info_by_fd(bpf_program__fd(s->skel->progs.sampler_switch), &info, &len) < 0)
		return negative_errno();
	*ret_runs = info.run_cnt;
	*ret_ns = info.run_time_ns;
	return 0;
}

static const char *const stat_names[_SAMPLER_STAT_MAX] = {
	[SAMPLER_STAT_SWITCHES] = "switches",
	[SAMPLER_STAT_IDLE] = "idle",
	[SAMPLER_STAT_UNTRACKED] = "untracked",
	[SAMPLER_STAT_RECOVERED] = "recovered",
	[SAMPLER_STAT_CHARGED] = "charged",
	[SAMPLER_STAT_CGROUP_NEW] = "cgroup_new",
	[SAMPLER_STAT_CGROUP_FULL] = "cgroup_full",
	[SAMPLER_STAT_THREAD_NEW] = "thread_new",
	[SAMPLER_STAT_THREAD_FULL] = "thread_full",
	[SAMPLER_STAT_DROPPED_NS] = "dropped_ns",
};

const char *sampler_stat_to_string(enum sampler_stat st)
{
	if ((unsigned)st >= _SAMPLER_STAT_MAX)
		return NULL;
	return stat_names[st];
}
