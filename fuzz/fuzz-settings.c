/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's state file (runtime.json: `numabctl set` values that survive a restart): any
 * JSON either loads or is refused with a message; what loads saves to a JSON that loads back
 * to the same text. */
#include <errno.h>
#include <json-c/json.h>

#include "core/settings.h"
#include "fuzz.h"
#include "shared/macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = fuzz_text(data, size), *error = NULL;
	json_object *j = json_tokener_parse(text), *saved = NULL, *again = NULL;
	struct settings *s = NULL, *back = NULL;
	int r;

	if (!j)
		return 0;
	r = settings_from_json(j, &s, &error);
	if (r < 0) {
		FUZZ_CHECK(!s);
		FUZZ_CHECK(r == -ENOMEM || (r == -EINVAL && error));
	} else {
		FUZZ_CHECK(settings_to_json(s, &saved) == 0);
		FUZZ_CHECK(settings_from_json(saved, &back, NULL) == 0);
		FUZZ_CHECK(settings_to_json(back, &again) == 0);
		FUZZ_CHECK(!strcmp(json_object_to_json_string(saved), json_object_to_json_string(again)));
	}
	json_object_put(again);
	json_object_put(saved);
	settings_free(back);
	settings_free(s);
	json_object_put(j);
	return 0;
}
