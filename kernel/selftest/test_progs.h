/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stand-in for tools/testing/selftests/bpf/test_progs.h, enough to build the
 * series' prog_tests/numab_ops.c as one program (scripts/kernel-build
 * --selftests) without building all of test_progs. Same macro names and
 * semantics; output in test_progs' format:
 *   #1/1 numab_ops/attach:OK
 *   Summary: 1/6 PASSED, 0 SKIPPED, 0 FAILED
 */
#ifndef NUMAB_TEST_PROGS_SHIM_H
#define NUMAB_TEST_PROGS_SHIM_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

extern int env_fails;
bool test__start_subtest(const char *name);
void test__fail(void);

#define _CHECK(condition, tag, fmt, ...) ({				\
	bool ___ok = !(condition);					\
	if (!___ok) {							\
		test__fail();						\
		fprintf(stdout, "%s:FAIL:%s " fmt "\n", __func__, tag,	\
			##__VA_ARGS__);					\
	}								\
	___ok;								\
})

#define ASSERT_TRUE(actual, name) ({					\
	bool ___a = (actual);						\
	_CHECK(!___a, (name), "unexpected %s: got FALSE", (name));	\
})
#define ASSERT_FALSE(actual, name) ({					\
	bool ___a = (actual);						\
	_CHECK(___a, (name), "unexpected %s: got TRUE", (name));	\
})
#define ASSERT_CMP(actual, expected, op, name) ({			\
	long long ___a = (actual), ___e = (expected);			\
	_CHECK(!(___a op ___e), (name),					\
	       "unexpected %s: actual %lld " #op " expected %lld",	\
	       (name), ___a, ___e);					\
})
#define ASSERT_EQ(a, e, name)	ASSERT_CMP(a, e, ==, name)
#define ASSERT_NEQ(a, e, name)	ASSERT_CMP(a, e, !=, name)
#define ASSERT_LT(a, e, name)	ASSERT_CMP(a, e, <, name)
#define ASSERT_LE(a, e, name)	ASSERT_CMP(a, e, <=, name)
#define ASSERT_GT(a, e, name)	ASSERT_CMP(a, e, >, name)
#define ASSERT_GE(a, e, name)	ASSERT_CMP(a, e, >=, name)
#define ASSERT_OK(res, name) ({						\
	long long ___res = (res);					\
	_CHECK(___res != 0, (name), "unexpected error: %lld (errno %d)",\
	       ___res, errno);						\
})
#define ASSERT_ERR(res, name) ({					\
	long long ___res = (res);					\
	_CHECK(___res == 0, (name), "unexpected success: %lld", ___res);\
})
#define ASSERT_OK_PTR(ptr, name) ({					\
	const void *___p = (ptr);					\
	long ___e = libbpf_get_error(___p);				\
	_CHECK(!___p || ___e, (name), "unexpected error: %ld", ___e);	\
})
#define ASSERT_ERR_PTR(ptr, name) ({					\
	const void *___p = (ptr);					\
	long ___e = libbpf_get_error(___p);				\
	_CHECK(___e == 0, (name), "unexpected pointer: %p", ___p);	\
})

#endif
