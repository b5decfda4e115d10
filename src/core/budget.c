/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hierarchical migration budgets.
 *
 * A token bucket per explicit budget: it fills at its rate up to one second of rate
 * (BUDGET_BURST_USEC) and every byte moved below it takes a token. A move for cgroup C is
 * allowed as far as every bucket on C's path allows it (its own, each ancestor's that has
 * one, the global one), and it is debited from all of them. So a parent's budget is shared
 * by its children without any per-child configuration, and a child's own budget can only
 * make it slower (DESIGN §4 rule 2).
 *
 * Tokens are kept in byte-microseconds (bytes × 10^6) in a signed 128-bit integer: refills
 * are then exact integer products (elapsed_usec × rate), with no rounding drift however
 * often the daemon asks, and debt (a debit beyond what was available, because pages moved
 * in bigger units than granted) is representable and paid back by later refills. Time is
 * an argument: tests simulate hours in microseconds, and the daemon passes CLOCK_MONOTONIC.
 *
 * Buckets are found by path: C's ancestors are the prefixes of its path at "/" boundaries,
 * so no tree has to be kept in sync with the cgroup hierarchy; a bucket lives exactly as
 * long as some cgroup at that path has an explicit budget (budget_sync()).
 *
 * Throttling is measured against demand: budget_request() knows how much the caller wanted,
 * and every bucket that could not give it all counts the missing bytes and the time it needs
 * to refill them. That is the "time a budget held back a move" of the metrics.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/budget.h"
#include "core/policy.h"
#include "shared/hashmap.h"
#include "shared/macro.h"

#define USEC_PER_SEC 1000000ull

typedef __int128 tokens_t; /* byte-microseconds; see the essay at the top */

struct bucket {
	uint64_t bytes_per_sec;        /* UINT64_MAX = unlimited */
	tokens_t tokens;               /* may be negative: debt */
	uint64_t last_usec;            /* time of the last refill */
	uint64_t debited_bytes;
	uint64_t throttled_bytes;
	uint64_t throttled_usec;
	uint64_t throttle_events;
};

struct budget {
	struct bucket global;
	struct hashmap *buckets;       /* path -> struct bucket */
};

static bool bucket_unlimited(const struct bucket *b)
{
	return b->bytes_per_sec == UINT64_MAX;
}

static tokens_t bucket_capacity(const struct bucket *b)
{
	return (tokens_t)b->bytes_per_sec * BUDGET_BURST_USEC;
}

/* Tokens at now, without changing b. Time that goes backwards adds nothing. */
static tokens_t bucket_tokens_at(const struct bucket *b, uint64_t now_usec)
{
	tokens_t t = b->tokens, cap = bucket_capacity(b);

	if (now_usec > b->last_usec)
		t += (tokens_t)(now_usec - b->last_usec) * b->bytes_per_sec;
	return t > cap ? cap : t;
}

static void bucket_refill(struct bucket *b, uint64_t now_usec)
{
	if (bucket_unlimited(b))
		return;
	b->tokens = bucket_tokens_at(b, now_usec);
	if (now_usec > b->last_usec)
		b->last_usec = now_usec;
}

static uint64_t bucket_available(const struct bucket *b, uint64_t now_usec)
{
	tokens_t t;

	if (bucket_unlimited(b))
		return UINT64_MAX;
	t = bucket_tokens_at(b, now_usec);
	return t <= 0 ? 0 : (uint64_t)(t / USEC_PER_SEC);
}

static void bucket_init(struct bucket *b, uint64_t bytes_per_sec, uint64_t now_usec)
{
	*b = (struct bucket){ .bytes_per_sec = bytes_per_sec, .last_usec = now_usec };
	if (!bucket_unlimited(b))
		b->tokens = bucket_capacity(b);
}

static void bucket_set_rate(struct bucket *b, uint64_t bytes_per_sec, uint64_t now_usec)
{
	if (b->bytes_per_sec == bytes_per_sec)
		return;
	if (bucket_unlimited(b)) {
		/* From unlimited: start full, keep the counters. */
		b->bytes_per_sec = bytes_per_sec;
		b->tokens = bucket_capacity(b);
		b->last_usec = now_usec;
		return;
	}
	bucket_refill(b, now_usec);
	b->bytes_per_sec = bytes_per_sec;
	if (!bucket_unlimited(b) && b->tokens > bucket_capacity(b))
		b->tokens = bucket_capacity(b);
}

struct budget *budget_new(uint64_t global_bytes_per_sec, uint64_t now_usec)
{
	struct budget *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->buckets = hashmap_new(free);
	if (!b->buckets) {
		free(b);
		return NULL;
	}
	bucket_init(&b->global, global_bytes_per_sec ? global_bytes_per_sec : UINT64_MAX,
		    now_usec);
	return b;
}

struct budget *budget_free(struct budget *b)
{
	if (!b)
		return NULL;
	hashmap_free(b->buckets);
	free(b);
	return NULL;
}

void budget_set_global_rate(struct budget *b, uint64_t bytes_per_sec, uint64_t now_usec)
{
	bucket_set_rate(&b->global, bytes_per_sec ? bytes_per_sec : UINT64_MAX, now_usec);
}

int budget_set_rate(struct budget *b, const char *path, uint64_t bytes_per_sec,
		    uint64_t now_usec)
{
	struct bucket *k;

	if (!path || bytes_per_sec == 0)
		return -EINVAL;
	if (bytes_per_sec == UINT64_MAX) {
		(void)hashmap_remove(b->buckets, path);
		return 0;
	}
	k = hashmap_get(b->buckets, path);
	if (k) {
		bucket_set_rate(k, bytes_per_sec, now_usec);
		return 0;
	}
	k = malloc(sizeof(*k));
	if (!k)
		return -ENOMEM;
	bucket_init(k, bytes_per_sec, now_usec);
	if (hashmap_put(b->buckets, path, k) < 0) {
		free(k);
		return -ENOMEM;
	}
	return 0;
}

bool budget_remove(struct budget *b, const char *path)
{
	return path && hashmap_remove(b->buckets, path);
}

bool budget_has_bucket(const struct budget *b, const char *path)
{
	return path && hashmap_get(b->buckets, path);
}

unsigned budget_n_buckets(const struct budget *b)
{
	return (unsigned)hashmap_size(b->buckets);
}

/* Call fn for each bucket on path: the cgroup's own, its ancestors' (deepest first), the
 * global one. */
static void foreach_bucket(const struct budget *b, const char *path,
			   void (*fn)(struct bucket *k, void *userdata), void *userdata)
{
	size_t len = path ? strlen(path) : 0;
	_cleanup_free_ char *buf = len ? strdup(path) : NULL;

	if (buf) {
		/* "/a/b" -> "/a/b", "/a", "/". */
		for (;;) {
			struct bucket *k = hashmap_get(b->buckets, buf);
			char *slash;

			if (k)
				fn(k, userdata);
			if (streq(buf, "/"))
				break;
			slash = strrchr(buf, '/');
			if (!slash)
				break;
			if (slash == buf)
				slash[1] = '\0';
			else
				*slash = '\0';
		}
	}
	fn((struct bucket *)&b->global, userdata);
}

struct available_ctx {
	uint64_t now_usec;
	uint64_t min;
};

static void available_fn(struct bucket *k, void *userdata)
{
	struct available_ctx *c = userdata;

	c->min = MIN(c->min, bucket_available(k, c->now_usec));
}

uint64_t budget_available_bytes(const struct budget *b, const char *path, uint64_t now_usec)
{
	struct available_ctx c = { .now_usec = now_usec, .min = UINT64_MAX };

	foreach_bucket(b, path, available_fn, &c);
	return c.min;
}

struct request_ctx {
	uint64_t now_usec;
	uint64_t wanted;
};

static void throttle_fn(struct bucket *k, void *userdata)
{
	struct request_ctx *c = userdata;
	uint64_t avail = bucket_available(k, c->now_usec), missing;

	if (avail >= c->wanted)
		return;
	missing = c->wanted - avail;
	k->throttled_bytes += missing;
	k->throttled_usec += (uint64_t)((tokens_t)missing * USEC_PER_SEC / k->bytes_per_sec);
	k->throttle_events++;
}

uint64_t budget_request(struct budget *b, const char *path, uint64_t wanted_bytes,
			uint64_t now_usec)
{
	struct request_ctx c = { .now_usec = now_usec, .wanted = wanted_bytes };
	uint64_t avail = budget_available_bytes(b, path, now_usec);

	if (avail >= wanted_bytes)
		return wanted_bytes;
	foreach_bucket(b, path, throttle_fn, &c);
	return avail;
}

struct debit_ctx {
	uint64_t now_usec;
	uint64_t bytes;
};

static void debit_fn(struct bucket *k, void *userdata)
{
	struct debit_ctx *c = userdata;

	k->debited_bytes += c->bytes;
	if (bucket_unlimited(k))
		return;
	bucket_refill(k, c->now_usec);
	k->tokens -= (tokens_t)c->bytes * USEC_PER_SEC;
}

void budget_debit(struct budget *b, const char *path, uint64_t bytes, uint64_t now_usec)
{
	struct debit_ctx c = { .now_usec = now_usec, .bytes = bytes };

	if (bytes > 0)
		foreach_bucket(b, path, debit_fn, &c);
}

int budget_get_stats(const struct budget *b, const char *path, uint64_t now_usec,
		     struct budget_stats *ret)
{
	const struct bucket *k = path ? hashmap_get(b->buckets, path) : &b->global;

	if (!k)
		return -ENOENT;
	*ret = (struct budget_stats){
		.bytes_per_sec = k->bytes_per_sec,
		.available_bytes = bucket_available(k, now_usec),
		.debited_bytes = k->debited_bytes,
		.throttled_bytes = k->throttled_bytes,
		.throttled_usec = k->throttled_usec,
		.throttle_events = k->throttle_events,
	};
	return 0;
}

int budget_sync(struct budget *b, const struct policy_results *r, uint64_t now_usec)
{
	_cleanup_free_ const char **wanted = NULL;
	struct hashmap_iter it = {};
	size_t n_wanted = 0;
	const char *key;
	void *value;
	int k;

	if (r->n > 0)
		budget_set_global_rate(b, r->items[0].global_budget_bytes_per_sec, now_usec);
	wanted = calloc(r->n ? r->n : 1, sizeof(*wanted));
	if (!wanted)
		return -ENOMEM;
	for (size_t i = 0; i < r->n; i++) {
		uint64_t rate = r->items[i].effective.own_budget_bytes_per_sec;

		if (rate == POLICY_BUDGET_UNLIMITED)
			continue;
		k = budget_set_rate(b, r->items[i].path, rate, now_usec);
		if (k < 0)
			return k;
		wanted[n_wanted++] = r->items[i].path;
	}
	/* Drop buckets of cgroups that are gone or lost their budget. Explicit budgets are
	 * few, so a linear look-up per bucket is cheaper than hashing every cgroup. */
	while (hashmap_iterate(b->buckets, &it, &key, &value)) {
		bool keep = false;

		for (size_t w = 0; w < n_wanted && !keep; w++)
			keep = streq(wanted[w], key);
		if (!keep)
			hashmap_remove_current(b->buckets, &it);
	}
	return 0;
}
