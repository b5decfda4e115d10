/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A simulated process address space and kernel for the procmem and actuate tests: pages with
 * a node (or absent), THPs (2 MiB windows that move as one folio: the first address of a call
 * moves it, the others of the same call get -EBUSY), per-page errors, a clock that each call
 * advances by a duration model, and injected failures (-ESRCH at call N, migrations that fail
 * with a positive return). Header-only: static functions, included by one test each.
 */

#include <errno.h>
#include <limits.h>
#include <linux/mempolicy.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/procmem.h"

#define FAKE_MAX_CALLS 4096

struct fake_page {
	uint64_t addr;
	int node;       /* -1: absent (-ENOENT) */
	int err;        /* a negative errno a move of this page returns, 0 = none */
	int thp;        /* the THP it belongs to, -1 = a small page */
};

struct fake_mm {
	struct fake_page *pages;  /* ascending */
	size_t n, n_alloc;
	int n_thp;
	uint64_t clock_ns;
	uint64_t fixed_ns;        /* a moving call: fixed_ns + per_page_ns * pages it moved */
	uint64_t per_page_ns;
	uint64_t query_ns;        /* a status query */
	unsigned move_calls, query_calls;
	unsigned esrch_at_move;   /* this moving call (1-based) returns -ESRCH; 0 = never */
	unsigned esrch_at_query;  /* this status query returns -ESRCH */
	bool fail_migration;      /* moving calls migrate nothing: positive return */
	bool report_huge;         /* huge_windows tells the THPs (else -EOPNOTSUPP) */
	bool report_present;      /* next_present tells (else -EOPNOTSUPP) */
	unsigned present_calls;
	int last_flags;
	/* What the moving calls were given: */
	unsigned batch[FAKE_MAX_CALLS];      /* addresses per call */
	uint64_t duration[FAKE_MAX_CALLS];   /* ns per call */
	uint64_t passed;                     /* addresses in all moving calls */
	unsigned passed_on_target;           /* of those, already on the call's target */
	unsigned passed_absent;              /* of those, absent or unknown */
	unsigned mixed_targets;              /* calls with more than one target node */
	uint64_t passed_addrs_max;           /* the highest address passed */
	bool (*passed_forbidden)(uint64_t addr); /* addresses that must never be passed */
	unsigned forbidden_hits;
};

static inline void fake_add(struct fake_mm *f, uint64_t addr, int node, int thp)
{
	if (f->n == f->n_alloc) {
		f->n_alloc = f->n_alloc ? f->n_alloc * 2 : 1024;
		f->pages = realloc(f->pages, f->n_alloc * sizeof(*f->pages));
		if (!f->pages)
			abort();
	}
	f->pages[f->n++] = (struct fake_page){ .addr = addr, .node = node, .thp = thp };
}

/* npages small pages from addr, all on node. */
static inline void fake_add_range(struct fake_mm *f, uint64_t addr, size_t npages, int node)
{
	for (size_t i = 0; i < npages; i++)
		fake_add(f, addr + i * PROCMEM_PAGE_BYTES, node, -1);
}

/* A THP at the 2 MiB-aligned addr on node. */
static inline void fake_add_thp(struct fake_mm *f, uint64_t addr, int node)
{
	int id = f->n_thp++;

	for (size_t i = 0; i < PROCMEM_THP_PAGES; i++)
		fake_add(f, addr + i * PROCMEM_PAGE_BYTES, node, id);
}

static inline struct fake_page *fake_find(struct fake_mm *f, uint64_t addr)
{
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->pages[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < f->n && f->pages[lo].addr == addr ? &f->pages[lo] : NULL;
}

static inline uint64_t fake_bytes_on(struct fake_mm *f, int node)
{
	uint64_t b = 0;

	for (size_t i = 0; i < f->n; i++)
		if (f->pages[i].node == node)
			b += PROCMEM_PAGE_BYTES;
	return b;
}

static inline void fake_move_thp(struct fake_mm *f, int thp, int node)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->pages[i].thp == thp)
			f->pages[i].node = node;
}

static inline long fake_move_pages(void *userdata, pid_t pid, unsigned long count, void **pages,
				   const int *nodes, int *status, int flags)
{
	struct fake_mm *f = userdata;
	uint64_t moved = 0;
	char *thp_done;

	if (!nodes) {
		f->query_calls++;
		f->clock_ns += f->query_ns;
		if (f->esrch_at_query && f->query_calls == f->esrch_at_query)
			return -ESRCH;
		for (unsigned long i = 0; i < count; i++) {
			struct fake_page *p = fake_find(f, (uint64_t)(uintptr_t)pages[i]);

			status[i] = !p ? -EFAULT : p->node < 0 ? -ENOENT : p->node;
		}
		return 0;
	}

	f->move_calls++;
	f->last_flags = flags;
	if (f->esrch_at_move && f->move_calls == f->esrch_at_move)
		return -ESRCH;
	if (f->move_calls <= FAKE_MAX_CALLS)
		f->batch[f->move_calls - 1] = (unsigned)count;
	f->passed += count;
	for (unsigned long i = 1; i < count; i++)
		if (nodes[i] != nodes[0]) {
			f->mixed_targets++;
			break;
		}
	thp_done = calloc((size_t)f->n_thp + 1, 1);
	if (!thp_done)
		abort();
	for (unsigned long i = 0; i < count; i++) {
		uint64_t a = (uint64_t)(uintptr_t)pages[i];
		struct fake_page *p = fake_find(f, a);

		f->passed_addrs_max = a > f->passed_addrs_max ? a : f->passed_addrs_max;
		if (f->passed_forbidden && f->passed_forbidden(a))
			f->forbidden_hits++;
		if (!p || p->node < 0) {
			f->passed_absent++;
			status[i] = !p ? -EFAULT : -ENOENT;
			continue;
		}
		if (p->node == nodes[i] && !(p->thp >= 0 && thp_done[p->thp])) {
			f->passed_on_target++;
			status[i] = p->node;
			continue;
		}
		if (p->err) {
			status[i] = p->err;
			continue;
		}
		if (p->thp >= 0 && thp_done[p->thp]) {
			status[i] = -EBUSY;
			continue;
		}
		if (f->fail_migration) {
			/* The run fails: statuses stay unwritten, the call says how many. */
			free(thp_done);
			f->duration[f->move_calls - 1] = f->fixed_ns;
			f->clock_ns += f->fixed_ns;
			return (long)(count - i);
		}
		if (p->thp >= 0) {
			thp_done[p->thp] = 1;
			fake_move_thp(f, p->thp, nodes[i]);
			moved += PROCMEM_THP_PAGES;
		} else {
			p->node = nodes[i];
			moved++;
		}
		status[i] = nodes[i];
	}
	free(thp_done);
	if (f->move_calls <= FAKE_MAX_CALLS)
		f->duration[f->move_calls - 1] = f->fixed_ns + f->per_page_ns * moved;
	f->clock_ns += f->fixed_ns + f->per_page_ns * moved;
	return 0;
}

static inline int fake_huge_windows(void *userdata, int pagemap_fd, uint64_t start, uint64_t end,
				    uint64_t *bits)
{
	struct fake_mm *f = userdata;

	if (!f->report_huge)
		return -EOPNOTSUPP;
	for (uint64_t w = start; w < end; w += PROCMEM_THP_BYTES) {
		struct fake_page *p = fake_find(f, w);

		if (p && p->thp >= 0) {
			uint64_t bit = (w - start) / PROCMEM_THP_BYTES;

			bits[bit / 64] |= UINT64_C(1) << (bit % 64);
		}
	}
	return 0;
}

static inline int fake_next_present(void *userdata, int pagemap_fd, uint64_t start, uint64_t end,
				     uint64_t *ret)
{
	struct fake_mm *f = userdata;
	size_t lo = 0, hi = f->n;

	if (!f->report_present)
		return -EOPNOTSUPP;
	f->present_calls++;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->pages[mid].addr < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < f->n && f->pages[lo].addr < end; lo++)
		if (f->pages[lo].node >= 0) {
			*ret = f->pages[lo].addr;
			return 0;
		}
	*ret = end;
	return 0;
}

static inline uint64_t fake_now(void *userdata)
{
	struct fake_mm *f = userdata;

	return f->clock_ns;
}

static inline struct procmem_sys fake_sys(struct fake_mm *f)
{
	return (struct procmem_sys){
		.move_pages = fake_move_pages,
		.huge_windows = fake_huge_windows,
		.next_present = fake_next_present,
		.now_ns = fake_now,
		.userdata = f,
	};
}

static inline void fake_done(struct fake_mm *f)
{
	free(f->pages);
	memset(f, 0, sizeof(*f));
}
