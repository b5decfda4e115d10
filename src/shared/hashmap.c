/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/hashmap.h"

struct entry {
	struct entry *next;
	void *value;
	uint64_t hash;
	char key[];
};

struct hashmap {
	struct entry **buckets;
	size_t n_buckets; /* power of two */
	size_t size;
	void (*value_free)(void *value);
};

/* FNV-1a, 64 bit: plenty for cgroup paths and pid keys. */
static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

struct hashmap *hashmap_new(void (*value_free)(void *value))
{
	struct hashmap *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->n_buckets = 16;
	h->buckets = calloc(h->n_buckets, sizeof(*h->buckets));
	if (!h->buckets) {
		free(h);
		return NULL;
	}
	h->value_free = value_free;
	return h;
}

static void entry_free(struct hashmap *h, struct entry *e)
{
	if (h->value_free && e->value)
		h->value_free(e->value);
	free(e);
}

struct hashmap *hashmap_free(struct hashmap *h)
{
	if (!h)
		return NULL;
	for (size_t b = 0; b < h->n_buckets; b++)
		for (struct entry *e = h->buckets[b], *next; e; e = next) {
			next = e->next;
			entry_free(h, e);
		}
	free(h->buckets);
	free(h);
	return NULL;
}

static struct entry **find(const struct hashmap *h, const char *key, uint64_t hash)
{
	struct entry **p = &h->buckets[hash & (h->n_buckets - 1)];

	for (; *p; p = &(*p)->next)
		if ((*p)->hash == hash && strcmp((*p)->key, key) == 0)
			return p;
	return p;
}

static void grow(struct hashmap *h)
{
	size_t n = h->n_buckets * 2;
	struct entry **nb = calloc(n, sizeof(*nb));

	if (!nb)
		return; /* keep working with longer chains */
	for (size_t b = 0; b < h->n_buckets; b++)
		for (struct entry *e = h->buckets[b], *next; e; e = next) {
			next = e->next;
			e->next = nb[e->hash & (n - 1)];
			nb[e->hash & (n - 1)] = e;
		}
	free(h->buckets);
	h->buckets = nb;
	h->n_buckets = n;
}

int hashmap_put(struct hashmap *h, const char *key, void *value)
{
	uint64_t hash = hash_str(key);
	struct entry **p = find(h, key, hash);
	struct entry *e;
	size_t len;

	if (*p) {
		if (h->value_free && (*p)->value && (*p)->value != value)
			h->value_free((*p)->value);
		(*p)->value = value;
		return 0;
	}
	len = strlen(key);
	e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return -ENOMEM;
	memcpy(e->key, key, len + 1);
	e->hash = hash;
	e->value = value;
	e->next = NULL;
	*p = e;
	h->size++;
	if (h->size > h->n_buckets)
		grow(h);
	return 0;
}

void *hashmap_get(const struct hashmap *h, const char *key)
{
	struct entry **p = find(h, key, hash_str(key));

	return *p ? (*p)->value : NULL;
}

bool hashmap_remove(struct hashmap *h, const char *key)
{
	struct entry **p = find(h, key, hash_str(key));
	struct entry *e = *p;

	if (!e)
		return false;
	*p = e->next;
	entry_free(h, e);
	h->size--;
	return true;
}

size_t hashmap_size(const struct hashmap *h)
{
	return h->size;
}

bool hashmap_iterate(const struct hashmap *h, struct hashmap_iter *it, const char **ret_key,
		     void **ret_value)
{
	struct entry *e = it->next;

	while (!e && it->bucket < h->n_buckets)
		e = h->buckets[it->bucket++];
	if (!e)
		return false;
	it->entry = e;
	it->next = e->next;
	if (ret_key)
		*ret_key = e->key;
	if (ret_value)
		*ret_value = e->value;
	return true;
}

void hashmap_remove_current(struct hashmap *h, struct hashmap_iter *it)
{
	struct entry *e = it->entry;

	if (!e)
		return;
	(void)hashmap_remove(h, e->key);
	it->entry = NULL;
}
