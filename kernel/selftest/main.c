// SPDX-License-Identifier: GPL-2.0
/* Runs the series' numab_ops selftest alone (see test_progs.h). */
#include "test_progs.h"

void test_numab_ops(void);

static const char *sub_name;
static int sub_num, sub_fails, passed, failed;
int env_fails;

static void end_subtest(void)
{
	if (!sub_name)
		return;
	printf("#1/%d numab_ops/%s:%s\n", sub_num, sub_name, sub_fails ? "FAIL" : "OK");
	if (sub_fails)
		failed++;
	else
		passed++;
	sub_name = NULL;
	fflush(stdout);
}

bool test__start_subtest(const char *name)
{
	const char *only = getenv("NUMAB_SUBTEST");

	end_subtest();
	sub_num++;
	if (only && *only && strcmp(only, name))
		return false;
	sub_name = name;
	sub_fails = 0;
	printf("#1/%d numab_ops/%s: start\n", sub_num, name);
	fflush(stdout);
	return true;
}

void test__fail(void)
{
	sub_fails++;
	env_fails++;
}

int main(void)
{
	int before;

	setvbuf(stdout, NULL, _IOLBF, 0);
	before = env_fails;
	test_numab_ops();
	if (sub_name)
		end_subtest();
	else if (env_fails != before)
		failed++;	/* failed before the first subtest */
	printf("Summary: %d/%d PASSED, 0 SKIPPED, %d FAILED\n", passed, sub_num, failed);
	return failed ? 1 : 0;
}
