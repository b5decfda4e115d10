/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One policy value (the syntax of numab.conf keys, user.numab.* xattrs and `numabctl set`):
 * the first byte picks the attribute, the rest is the text. What parses formats to a text
 * that parses back to the same format; what does not parse leaves the values untouched and
 * gives a reason. */
#include <errno.h>

#include "core/policy.h"
#include "fuzz.h"
#include "shared/macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_values v = {}, back = {};
	char buf[POLICY_VALUE_FORMAT_MAX], again[POLICY_VALUE_FORMAT_MAX];
	const char *reason = NULL;
	enum policy_attr a;
	int r;

	if (size < 1)
		return 0;
	a = data[0] % _POLICY_ATTR_MAX;
	_cleanup_free_ char *text = fuzz_text(data + 1, size - 1);

	r = policy_value_parse(a, text, &v, &reason);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL || r == -ERANGE || r == -ENOMEM);
		FUZZ_CHECK(v.set_mask == 0);
		FUZZ_CHECK(r == -ENOMEM || reason);
		return 0;
	}
	FUZZ_CHECK(policy_values_has(&v, a));
	policy_value_format(a, &v, buf, sizeof(buf));
	FUZZ_CHECK(policy_value_parse(a, buf, &back, &reason) == 0);
	FUZZ_CHECK(!strcmp(policy_value_format(a, &back, again, sizeof(again)), buf));
	policy_values_done(&v);
	policy_values_done(&back);
	return 0;
}
