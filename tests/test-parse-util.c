/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "shared/parse-util.h"

static void test_safe_atou64(void **state)
{
	uint64_t v = 7;

	assert_int_equal(safe_atou64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(safe_atou64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	v = 7;
	assert_int_equal(safe_atou64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(safe_atou64("", &v), -EINVAL);
	assert_int_equal(safe_atou64("-1", &v), -EINVAL);
	assert_int_equal(safe_atou64(" 1", &v), -EINVAL);
	assert_int_equal(safe_atou64("1 ", &v), -EINVAL);
	assert_int_equal(safe_atou64("12abc", &v), -EINVAL);
	assert_int_equal(safe_atou64(NULL, &v), -EINVAL);
	assert_int_equal(v, 7); /* untouched on failure */
}

static void test_safe_atoi(void **state)
{
	int v;

	assert_int_equal(safe_atoi("-5", &v), 0);
	assert_int_equal(v, -5);
	assert_int_equal(safe_atoi("2147483648", &v), -ERANGE);
	assert_int_equal(safe_atoi("-", &v), -EINVAL);
}

static void test_parse_bool(void **state)
{
	bool b;

	assert_int_equal(parse_bool("yes", &b), 0);
	assert_true(b);
	assert_int_equal(parse_bool("OFF", &b), 0);
	assert_false(b);
	assert_int_equal(parse_bool("maybe", &b), -EINVAL);
	assert_int_equal(parse_bool("", &b), -EINVAL);
}

static void test_parse_size(void **state)
{
	uint64_t v;

	assert_int_equal(parse_size_bytes("4096", &v), 0);
	assert_true(v == 4096);
	assert_int_equal(parse_size_bytes("64M", &v), 0);
	assert_true(v == 64ull << 20);
	assert_int_equal(parse_size_bytes("64MiB", &v), 0);
	assert_true(v == 64ull << 20);
	assert_int_equal(parse_size_bytes("1.5G", &v), 0);
	assert_true(v == 3ull << 29);
	assert_int_equal(parse_size_bytes("2k", &v), 0);
	assert_true(v == 2048);
	assert_int_equal(parse_size_bytes("64X", &v), -EINVAL);
	assert_int_equal(parse_size_bytes("M", &v), -EINVAL);
	assert_int_equal(parse_size_bytes("-1M", &v), -EINVAL);
	assert_int_equal(parse_size_bytes("64M/s", &v), -EINVAL);
	assert_int_equal(parse_size_bytes("99999999999T", &v), -ERANGE);
}

static void test_parse_rate(void **state)
{
	uint64_t v;

	assert_int_equal(parse_rate_bytes_per_sec("64M/s", &v), 0);
	assert_true(v == 64ull << 20);
	assert_int_equal(parse_rate_bytes_per_sec("100MiB/s", &v), 0);
	assert_true(v == 100ull << 20);
	assert_int_equal(parse_rate_bytes_per_sec("unlimited", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_rate_bytes_per_sec("0", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_rate_bytes_per_sec("64M", &v), -EINVAL);
	assert_int_equal(parse_rate_bytes_per_sec("64M/min", &v), -EINVAL);
	assert_int_equal(parse_rate_bytes_per_sec("0M/s", &v), -ERANGE);
}

static void test_parse_duration(void **state)
{
	uint64_t v;

	assert_int_equal(parse_duration_usec("5s", &v), 0);
	assert_true(v == 5000000);
	assert_int_equal(parse_duration_usec("250ms", &v), 0);
	assert_true(v == 250000);
	assert_int_equal(parse_duration_usec("2min", &v), 0);
	assert_true(v == 120000000);
	assert_int_equal(parse_duration_usec("3", &v), 0);
	assert_true(v == 3000000);
	assert_int_equal(parse_duration_usec("1h", &v), 0);
	assert_true(v == 3600000000ull);
	assert_int_equal(parse_duration_usec("10us", &v), 0);
	assert_true(v == 10);
	assert_int_equal(parse_duration_usec("5m", &v), -EINVAL);
	assert_int_equal(parse_duration_usec("s", &v), -EINVAL);
	assert_int_equal(parse_duration_usec("5 s", &v), -EINVAL);
}

static void test_parse_nodemask(void **state)
{
	uint64_t m;
	char buf[NODEMASK_FORMAT_MAX];

	assert_int_equal(parse_nodemask("0-1,3", &m), 0);
	assert_true(m == 0xb);
	assert_string_equal(nodemask_format(buf, sizeof(buf), m), "0-1,3");
	assert_int_equal(parse_nodemask("", &m), 0);
	assert_true(m == 0);
	assert_string_equal(nodemask_format(buf, sizeof(buf), m), "");
	assert_int_equal(parse_nodemask("63", &m), 0);
	assert_true(m == UINT64_C(1) << 63);
	assert_int_equal(parse_nodemask("64", &m), -ERANGE);
	assert_int_equal(parse_nodemask("3-1", &m), -EINVAL);
	assert_int_equal(parse_nodemask("1,", &m), -EINVAL);
	assert_int_equal(parse_nodemask(",1", &m), -EINVAL);
	assert_int_equal(parse_nodemask("1-", &m), -EINVAL);
	assert_int_equal(parse_nodemask("a", &m), -EINVAL);
	assert_int_equal(parse_nodemask("0-63", &m), 0);
	assert_true(m == UINT64_MAX);
	assert_string_equal(nodemask_format(buf, sizeof(buf), m), "0-63");
}

static void test_parse_cpulist(void **state)
{
	cpu_set_t *set = NULL;
	size_t n = 0;

	assert_int_equal(parse_cpulist("0-2,7", &set, &n), 0);
	assert_int_equal(n, 8);
	assert_true(CPU_ISSET_S(0, CPU_ALLOC_SIZE(n), set));
	assert_true(CPU_ISSET_S(2, CPU_ALLOC_SIZE(n), set));
	assert_false(CPU_ISSET_S(3, CPU_ALLOC_SIZE(n), set));
	assert_true(CPU_ISSET_S(7, CPU_ALLOC_SIZE(n), set));
	assert_int_equal(CPU_COUNT_S(CPU_ALLOC_SIZE(n), set), 4);
	CPU_FREE(set);
	assert_int_equal(parse_cpulist("9999999", &set, &n), -ERANGE);
	assert_int_equal(parse_cpulist("0-", &set, &n), -EINVAL);
}

static void test_format(void **state)
{
	char buf[FORMAT_BYTES_MAX];

	assert_string_equal(format_bytes(buf, sizeof(buf), 512), "512B");
	assert_string_equal(format_bytes(buf, sizeof(buf), 1536), "1.5K");
	assert_string_equal(format_bytes(buf, sizeof(buf), 300ull << 20), "300M");
	assert_string_equal(format_rate(buf, sizeof(buf), 64ull << 20), "64M/s");
	assert_string_equal(format_rate(buf, sizeof(buf), UINT64_MAX), "unlimited");
	assert_string_equal(format_duration(buf, sizeof(buf), 5000000), "5s");
	assert_string_equal(format_duration(buf, sizeof(buf), 250000), "250ms");
	assert_string_equal(format_duration(buf, sizeof(buf), 120000000), "2min");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_safe_atou64),   cmocka_unit_test(test_safe_atoi),
		cmocka_unit_test(test_parse_bool),    cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_rate),    cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_parse_nodemask), cmocka_unit_test(test_parse_cpulist),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
