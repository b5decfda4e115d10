/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Heat for tier mode.
 *
 * What: on a machine with a slower memory tier (CPU-less nodes: CXL memory expanders), a tier cgroup's
 * pages that are hot belong on the fast node its threads run on, and when a fast node runs
 * short of free memory its coldest tier pages go down to the slow tier. "Hot" is the policy's
 * hot_threshold: a page accessed within that time, the same meaning as the kernel's
 * numa_balancing_hot_threshold_ms (there measured as the latency of a hinting fault after
 * the scan unmapped the page).
 *
 * Where heat comes from: DAMON's virtual address monitoring of the process. DAMON splits the
 * address space into regions, samples one page of each region every sample interval (the
 * Accessed bit), and reports per region how many samples saw an access in the last
 * aggregation interval (nr_accesses) and for how many intervals that count has held (age).
 * numabd reads the regions at each evaluation and keeps, per region, when it last saw an
 * access (nr_accesses > 0 at a read); regions split and merge between reads, so a new region
 * inherits the record of the old region it overlaps most. DAMON's age is not taken as a sign
 * of access here: it also resets when regions split and merge across a hot neighbour, and a
 * large idle region with a young age was promoted whole (60 MiB of a cold part, measured). Hot is then "seen accessed less than the
 * threshold ago", the resolution being one aggregation interval (100 ms) or, for what DAMON's
 * age does not tell, the time between reads. A threshold below the aggregation interval is
 * compared with the access period instead. Memory never seen accessed is never hot, so a
 * freshly monitored process has nothing promoted by mistake.
 *
 * Cold, for demotion, needs more than one read can show: a read covers one aggregation
 * interval, and a thread that did not run during it makes its hot memory look idle (and DAMON
 * then merges it into its idle neighbours). So demotion asks a separate record kept per
 * address range (heat_record_update()): no access seen at any read within the threshold,
 * over at least HEAT_COLD_READS reads. What is neither hot nor cold is warm.
 *
 * Limit: DAMON clears the Accessed bit without a TLB flush, and a CPU sets it again only when
 * it reloads the translation. A hot set that stays in the TLB of a CPU that does not switch
 * address spaces looks idle for as long (measured under qemu's TCG, whose software TLB keeps
 * everything: 5-10 s with every region at nr_accesses 0 while the process ran flat out).
 * The three idle reads and the threshold bound how soon that can count as cold, no more.
 *
 * Windows: DAMON regions are page-granular, but anonymous memory is mostly in 2 MiB THPs that
 * move whole. Hot windows are widened to 2 MiB, cold ones narrowed: promotion may take a
 * little cold memory up with a hot page, demotion never takes a hot page down.
 *
 * Watermarks: low 3% / high 6% of the node, at least 64 / 128 MiB. The kernel's own zone
 * watermarks are far lower (a fraction of a percent); numab stays above them so that the
 * kernel's reclaim never has to act on tier cgroups' behalf, and the gap between low and high
 * keeps promotion and demotion from alternating.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/heat.h"
#include "shared/macro.h"

#define THP_BYTES (2ull << 20)
#define WM_LOW_MIN (64ull << 20)
#define WM_HIGH_MIN (128ull << 20)
#define WM_LOW_PERMILLE 30
#define WM_HIGH_PERMILLE 60

static const char *const class_names[_HEAT_CLASS_MAX] = {
	[HEAT_HOT] = "hot",
	[HEAT_WARM] = "warm",
	[HEAT_COLD] = "cold",
};

const char *heat_class_to_string(enum heat_class c)
{
	return c < _HEAT_CLASS_MAX ? class_names[c] : NULL;
}

uint64_t heat_idle_usec(const struct heat_attrs *a, const struct heat_region *r)
{
	/* The last access was in the interval before the idle stretch began: up to one more
	 * interval ago than age * aggr. The longer bound: "accessed within" must hold for sure. */
	return r->nr_accesses ? 0 : ((uint64_t)r->age + 1) * a->aggr_usec;
}

bool heat_region_hot(const struct heat_attrs *a, const struct heat_region *r,
		     uint64_t hot_threshold_usec)
{
	if (r->nr_accesses > 0 && (uint64_t)r->nr_accesses * hot_threshold_usec < a->aggr_usec)
		return false; /* accessed, but less often than every threshold */
	return r->last_seen_usec && a->now_usec < r->last_seen_usec + hot_threshold_usec;
}

void heat_update(const struct heat_attrs *a, const struct heat_region *prev, size_t n_prev,
		 struct heat_region *cur, size_t n_cur)
{
	size_t j = 0;

	for (size_t i = 0; i < n_cur; i++) {
		struct heat_region *r = &cur[i];
		uint64_t seen = 0, best = 0;

		if (r->nr_accesses > 0) {
			r->last_seen_usec = a->now_usec;
			continue;
		}
		while (j < n_prev && prev[j].end <= r->start)
			j++;
		/* The old region that covers most of it passes its record on (a small hot
		 * spot merged into a large idle region does not make all of it hot). */
		for (size_t k = j; k < n_prev && prev[k].start < r->end; k++) {
			uint64_t o = MIN(r->end, prev[k].end) - MAX(r->start, prev[k].start);

			if (o > best) {
				best = o;
				seen = prev[k].last_seen_usec;
			}
		}
		r->last_seen_usec = seen;
	}
}

/* Record times are kept to this grain, rounded up (later: never colder than seen), so that
 * neighbouring spans with the same history coalesce. */
#define RECORD_GRAIN_USEC (100ull * 1000)
/* Past this many spans, neighbours merge (the hotter history wins) to bound memory. */
#define RECORD_MAX_SPANS 4096

static void span_append(struct heat_span *v, size_t *n, struct heat_span s)
{
	struct heat_span *p = *n ? &v[*n - 1] : NULL;

	if (s.end <= s.start)
		return;
	if (p && p->end == s.start && p->recent_usec == s.recent_usec &&
	    p->idle_reads == s.idle_reads) {
		p->end = s.end;
		return;
	}
	v[(*n)++] = s;
}

/* One piece of a region r, with the record of the old span it lies in (NULL: none). */
static struct heat_span span_piece(const struct heat_attrs *a, const struct heat_region *r,
				   const struct heat_span *old, uint64_t start, uint64_t end)
{
	struct heat_span s = { .start = start, .end = end };
	uint64_t idle;

	if (r->nr_accesses > 0) {
		s.recent_usec = a->now_usec;
		return s;
	}
	s.recent_usec = old ? old->recent_usec : 0;
	s.idle_reads = MIN(old ? old->idle_reads + 1 : 1, (unsigned)HEAT_COLD_READS);
	/* DAMON's age may tell of a later access: idle for age * aggr, if that stretch began after
	 * monitoring did. Only ever makes a span less cold (the conservative way for demotion). */
	idle = heat_idle_usec(a, r);
	if (idle + 2 * a->aggr_usec < a->monitored_usec && idle < a->now_usec)
		s.recent_usec = MAX(s.recent_usec, a->now_usec - idle);
	if (s.recent_usec)
		s.recent_usec = MIN(a->now_usec, (s.recent_usec + RECORD_GRAIN_USEC - 1) /
							 RECORD_GRAIN_USEC * RECORD_GRAIN_USEC);
	return s;
}

/* Merge neighbours pairwise, keeping the hotter history, until few enough spans remain. */
static void record_coarsen(struct heat_record *h)
{
	while (h->n > RECORD_MAX_SPANS) {
		size_t m = 0;

		for (size_t i = 0; i < h->n; i += 2) {
			struct heat_span s = h->spans[i];

			if (i + 1 < h->n) {
				const struct heat_span *q = &h->spans[i + 1];

				s.end = q->end;
				s.recent_usec = MAX(s.recent_usec, q->recent_usec);
				s.idle_reads = MIN(s.idle_reads, q->idle_reads);
			}
			h->spans[m++] = s;
		}
		h->n = m;
	}
}

int heat_record_update(struct heat_record *h, const struct heat_attrs *a,
		       const struct heat_region *cur, size_t n_cur)
{
	_cleanup_free_ struct heat_span *v = NULL;
	size_t n = 0, j = 0;

	/* A region adds one piece per old span it overlaps and one per gap before, between
	 * and after them; the overlaps number at most n_cur + h->n. */
	v = calloc(3 * n_cur + 2 * h->n + 1, sizeof(*v));
	if (!v) {
		heat_record_clear(h);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_cur; i++) {
		const struct heat_region *r = &cur[i];
		uint64_t pos = r->start;

		if (r->end <= r->start)
			continue;
		while (j < h->n && h->spans[j].end <= r->start)
			j++;
		for (size_t k = j; k < h->n && h->spans[k].start < r->end; k++) {
			const struct heat_span *o = &h->spans[k];
			uint64_t s = MAX(r->start, o->start), e = MIN(r->end, o->end);

			if (s > pos)
				span_append(v, &n, span_piece(a, r, NULL, pos, s));
			span_append(v, &n, span_piece(a, r, o, s, e));
			pos = e;
		}
		span_append(v, &n, span_piece(a, r, NULL, pos, r->end));
	}
	free(h->spans);
	h->spans = TAKE_PTR(v);
	h->n = n;
	record_coarsen(h);
	return 0;
}

void heat_record_clear(struct heat_record *h)
{
	free(h->spans);
	h->spans = NULL;
	h->n = 0;
}

bool heat_span_cold(const struct heat_attrs *a, const struct heat_span *s,
		    uint64_t hot_threshold_usec)
{
	if (s->idle_reads < HEAT_COLD_READS)
		return false;
	if (s->recent_usec)
		return a->now_usec >= s->recent_usec + hot_threshold_usec;
	return a->monitored_usec >= hot_threshold_usec;
}

int heat_record_cold(const struct heat_record *h, const struct heat_attrs *a,
		     uint64_t hot_threshold_usec, struct heat_window **ret, size_t *ret_n,
		     uint64_t *ret_bytes)
{
	_cleanup_free_ struct heat_window *w = NULL;
	size_t m = 0, k = 0;
	uint64_t total = 0;

	*ret = NULL;
	*ret_n = 0;
	*ret_bytes = 0;
	if (h->n == 0)
		return 0;
	w = calloc(h->n, sizeof(*w));
	if (!w)
		return -ENOMEM;
	/* Runs of adjacent cold spans, as cold as their least idle span. */
	for (size_t i = 0; i < h->n; i++) {
		const struct heat_span *s = &h->spans[i];
		uint64_t idle;

		if (!heat_span_cold(a, s, hot_threshold_usec))
			continue;
		idle = s->recent_usec ? a->now_usec - s->recent_usec : a->monitored_usec;
		if (m > 0 && w[m - 1].end == s->start) {
			w[m - 1].end = s->end;
			w[m - 1].idle_usec = MIN(w[m - 1].idle_usec, idle);
			continue;
		}
		w[m++] = (struct heat_window){ s->start, s->end, idle, 0 };
	}
	for (size_t i = 0; i < m; i++) {
		uint64_t s = (w[i].start + THP_BYTES - 1) / THP_BYTES * THP_BYTES;
		uint64_t e = w[i].end / THP_BYTES * THP_BYTES;

		if (e <= s)
			continue;
		w[k] = w[i];
		w[k].start = s;
		w[k].end = e;
		total += e - s;
		k++;
	}
	if (k == 0)
		return 0;
	*ret = TAKE_PTR(w);
	*ret_n = k;
	*ret_bytes = total;
	return 0;
}

int heat_hot_windows(const struct heat_attrs *a, const struct heat_region *regions, size_t n,
		     uint64_t hot_threshold_usec, struct heat_window **ret, size_t *ret_n,
		     uint64_t *ret_bytes)
{
	_cleanup_free_ struct heat_window *w = NULL;
	size_t m = 0;
	uint64_t total = 0;

	*ret = NULL;
	*ret_n = 0;
	*ret_bytes = 0;
	if (n == 0)
		return 0;
	w = calloc(n, sizeof(*w));
	if (!w)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct heat_region *r = &regions[i];
		uint64_t s, e, idle;

		if (r->end <= r->start || !heat_region_hot(a, r, hot_threshold_usec))
			continue;
		s = r->start / THP_BYTES * THP_BYTES;
		e = (r->end + THP_BYTES - 1) / THP_BYTES * THP_BYTES;
		idle = a->now_usec > r->last_seen_usec ? a->now_usec - r->last_seen_usec : 0;
		/* Regions ascend; widening can make neighbours overlap. */
		if (m > 0 && s <= w[m - 1].end) {
			w[m - 1].end = MAX(w[m - 1].end, e);
			w[m - 1].idle_usec = MIN(w[m - 1].idle_usec, idle);
			w[m - 1].nr_accesses = MAX(w[m - 1].nr_accesses, r->nr_accesses);
			continue;
		}
		w[m++] = (struct heat_window){ s, e, idle, r->nr_accesses };
	}
	if (m == 0)
		return 0;
	for (size_t i = 0; i < m; i++)
		total += w[i].end - w[i].start;
	*ret = TAKE_PTR(w);
	*ret_n = m;
	*ret_bytes = total;
	return 0;
}

int heat_intersect(const struct heat_window *a, size_t n_a, const struct heat_window *b,
		   size_t n_b, struct heat_window **ret, size_t *ret_n, uint64_t *ret_bytes)
{
	_cleanup_free_ struct heat_window *v = NULL;
	size_t i = 0, j = 0, n = 0;
	uint64_t total = 0;

	*ret = NULL;
	*ret_n = 0;
	*ret_bytes = 0;
	if (n_a == 0 || n_b == 0)
		return 0;
	/* Each output window ends at the end of a window of a or of b: at most n_a + n_b. */
	v = calloc(n_a + n_b, sizeof(*v));
	if (!v)
		return -ENOMEM;
	while (i < n_a && j < n_b) {
		uint64_t s = MAX(a[i].start, b[j].start), e = MIN(a[i].end, b[j].end);

		if (s < e) {
			v[n] = a[i];
			v[n].start = s;
			v[n].end = e;
			total += e - s;
			n++;
		}
		if (a[i].end < b[j].end)
			i++;
		else
			j++;
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	*ret_bytes = total;
	return 0;
}

static int cmp_cold_bucket(const void *x, const void *y, void *userdata)
{
	const struct heat_window *a = x, *b = y;
	uint64_t bucket = *(const uint64_t *)userdata;
	uint64_t ba = a->idle_usec / bucket, bb = b->idle_usec / bucket;

	if (ba != bb)
		return ba > bb ? -1 : 1;
	return a->start < b->start ? -1 : a->start > b->start;
}

void heat_order_cold(struct heat_window *w, size_t n, uint64_t bucket_usec, size_t *ret_groups,
		     size_t *ret_n_groups)
{
	uint64_t bucket = MAX(bucket_usec, (uint64_t)1);
	size_t g = 0;

	if (n > 1)
		qsort_r(w, n, sizeof(*w), cmp_cold_bucket, &bucket);
	for (size_t i = 0; i < n; i++)
		if (i + 1 == n || w[i].idle_usec / bucket != w[i + 1].idle_usec / bucket)
			ret_groups[g++] = i + 1;
	*ret_n_groups = g;
}

struct heat_watermarks heat_watermarks(uint64_t node_total_bytes)
{
	return (struct heat_watermarks){
		.low_bytes = MAX(WM_LOW_MIN, node_total_bytes * WM_LOW_PERMILLE / 1000),
		.high_bytes = MAX(WM_HIGH_MIN, node_total_bytes * WM_HIGH_PERMILLE / 1000),
	};
}

uint64_t heat_promote_room(const struct heat_watermarks *w, uint64_t free_bytes)
{
	return free_bytes > w->high_bytes ? free_bytes - w->high_bytes : 0;
}

uint64_t heat_demote_need(const struct heat_watermarks *w, uint64_t free_bytes)
{
	return free_bytes < w->low_bytes ? w->high_bytes - free_bytes : 0;
}

int heat_home_node(const uint64_t *cpu_ns, const uint64_t *mem_bytes, unsigned span,
		   uint64_t fast_nodes)
{
	int best = -1;

	span = MIN(span, (unsigned)NUMAB_MAX_NODES);
	if (cpu_ns)
		for (unsigned n = 0; n < span; n++)
			if (nodemask_test(fast_nodes, n) && cpu_ns[n] > 0 &&
			    (best < 0 || cpu_ns[n] > cpu_ns[best]))
				best = (int)n;
	if (best >= 0)
		return best;
	if (mem_bytes)
		for (unsigned n = 0; n < span; n++)
			if (nodemask_test(fast_nodes, n) && mem_bytes[n] > 0 &&
			    (best < 0 || mem_bytes[n] > mem_bytes[best]))
				best = (int)n;
	return best >= 0 ? best : nodemask_first(fast_nodes);
}

int heat_demotion_target(const struct topology *t, int from, uint64_t slow_nodes,
			 const uint64_t *room_bytes, unsigned span)
{
	int best = -1;

	span = MIN(span, (unsigned)NUMAB_MAX_NODES);
	for (unsigned n = 0; n < span; n++) {
		if (!nodemask_test(slow_nodes, n) || (int)n == from || room_bytes[n] == 0)
			continue;
		if (best < 0 || t->distance[from][n] < t->distance[from][best] ||
		    (t->distance[from][n] == t->distance[from][best] &&
		     room_bytes[n] > room_bytes[best]))
			best = (int)n;
	}
	return best;
}
