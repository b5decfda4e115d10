/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/autonuma.h"

static void test_version(void **state)
{
	assert_int_equal(autonuma_kernel_version("6.12.117+deb12-amd64"), 612);
	assert_int_equal(autonuma_kernel_version("6.1.0-56-amd64"), 601);
	assert_int_equal(autonuma_kernel_version("7.2.13+deb14-amd64"), 702);
	assert_int_equal(autonuma_kernel_version("6.18.44-fc-v669"), 618);
	assert_int_equal(autonuma_kernel_version("garbage"), 0);
	assert_int_equal(autonuma_kernel_version(""), 0);
	assert_int_equal(autonuma_kernel_version(NULL), 0);
}

static void test_classify(void **state)
{
	static const struct {
		int nb;
		unsigned kernel;
		uint64_t mems;
		bool local;
		enum autonuma_state expect;
	} cases[] = {
		{ 0, 612, 0x3, false, AUTONUMA_OFF },
		{ -1, 612, 0x3, false, AUTONUMA_OFF },
		{ 1, 612, 0x3, false, AUTONUMA_SCANNED },
		{ 1, 612, 0x1, false, AUTONUMA_SCANNED },  /* one-node cpuset before 6.16 */
		{ 1, 616, 0x1, false, AUTONUMA_EXEMPT },
		{ 1, 702, 0x2, false, AUTONUMA_EXEMPT },
		{ 1, 702, 0x3, false, AUTONUMA_SCANNED },
		{ 1, 601, 0x3, true, AUTONUMA_EXEMPT },    /* local policy: every kernel */
		{ 2, 612, 0x3, false, AUTONUMA_SCANNED },  /* tiering mode */
		{ 3, 612, 0x3, false, AUTONUMA_SCANNED },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct autonuma_verdict v = autonuma_classify(cases[i].nb, cases[i].kernel,
							      cases[i].mems, cases[i].local);

		if (v.state != cases[i].expect)
			fail_msg("case %zu: %s (%s)", i, autonuma_state_to_string(v.state), v.reason);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
