/* SPDX-License-Identifier: GPL-2.0-or-later */
/* numab.conf(5) text: config_load_string() either returns a config or an error naming the
 * file and line, never both, never neither. */
#include "core/config.h"
#include "fuzz.h"
#include "shared/macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = fuzz_text(data, size), *error = NULL;
	struct config *cfg = NULL;
	int r = config_load_string("fuzz.conf", text, &cfg, &error);

	if (r == 0) {
		FUZZ_CHECK(cfg && !error);
		for (size_t i = 0; i < cfg->n_rules; i++)
			FUZZ_CHECK(config_glob_validate(cfg->rules[i].glob, &(const char *){ NULL }) == 0);
	} else {
		FUZZ_CHECK(!cfg);
		FUZZ_CHECK(r == -ENOMEM || (error && !strncmp(error, "fuzz.conf:", 10)));
	}
	config_free(cfg);
	return 0;
}
