/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shared/hashmap.h"

static int freed;

static void count_free(void *v)
{
	freed++;
	free(v);
}

static void test_basic(void **state)
{
	struct hashmap *h = hashmap_new(count_free);
	char key[32];

	freed = 0;
	for (int i = 0; i < 1000; i++) {
		int *v = malloc(sizeof(int));

		*v = i;
		snprintf(key, sizeof(key), "/cg/%d", i);
		assert_int_equal(hashmap_put(h, key, v), 0);
	}
	assert_int_equal(hashmap_size(h), 1000);
	assert_int_equal(*(int *)hashmap_get(h, "/cg/777"), 777);
	assert_null(hashmap_get(h, "/cg/1000"));
	/* Replace frees the old value. */
	int *v = malloc(sizeof(int));
	*v = -1;
	assert_int_equal(hashmap_put(h, "/cg/5", v), 0);
	assert_int_equal(freed, 1);
	assert_int_equal(*(int *)hashmap_get(h, "/cg/5"), -1);
	assert_true(hashmap_remove(h, "/cg/6"));
	assert_false(hashmap_remove(h, "/cg/6"));
	assert_int_equal(freed, 2);

	/* Iterate and remove the odd ones. */
	struct hashmap_iter it = {};
	const char *k;
	void *val;
	size_t n = 0;
	while (hashmap_iterate(h, &it, &k, &val)) {
		n++;
		if (*(int *)val % 2)
			hashmap_remove_current(h, &it);
	}
	assert_int_equal(n, 999);
	assert_int_equal(hashmap_size(h), 499); /* 6 was removed, 5 became -1 (odd) */
	hashmap_free(h);
	assert_int_equal(freed, 1001); /* 1000 + the replaced value */
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_basic) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
