/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A small string-keyed hash map (separate chaining, power-of-two buckets, grows at load 1).
 * Keys are copied; values are owned by the caller unless a free function is given.
 */

#include <stdbool.h>
#include <stddef.h>

struct hashmap;

/* value_free (may be NULL) is called on values removed or left at hashmap_free(). */
struct hashmap *hashmap_new(void (*value_free)(void *value));
struct hashmap *hashmap_free(struct hashmap *h);

/* Insert or replace (the old value is freed with value_free). 0 or -ENOMEM. */
int hashmap_put(struct hashmap *h, const char *key, void *value);
void *hashmap_get(const struct hashmap *h, const char *key);
/* Remove and free the value; returns whether the key was there. */
bool hashmap_remove(struct hashmap *h, const char *key);
size_t hashmap_size(const struct hashmap *h);

/* Iterate: i starts at 0; returns false at the end. Do not modify the map while iterating,
 * except through hashmap_remove_current(). */
struct hashmap_iter {
	size_t bucket;
	void *entry;
	void *next;
};
bool hashmap_iterate(const struct hashmap *h, struct hashmap_iter *it, const char **ret_key,
		     void **ret_value);
/* Remove the entry hashmap_iterate() just returned. */
void hashmap_remove_current(struct hashmap *h, struct hashmap_iter *it);
