/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bpf/bpf-log.h"
#include "shared/log.h"

_printf_(2, 0) static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	_cleanup_free_ char *text = NULL;
	char *line, *save = NULL;

	if (log_get_max_level() < LOG_DEBUG)
		return 0;
	if (vasprintf(&text, fmt, ap) < 0) {
		text = NULL; /* undefined after a failure */
		return 0;
	}
	/* A verifier log arrives as one multi-line message: one log line per line of it.
	 * libbpf's own lines already start with "libbpf: ". */
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		log_debug("%s%s", level == LIBBPF_WARN ? "(warning) " : "", line);
	return 0;
}

void bpf_log_install(void)
{
	(void)libbpf_set_print(libbpf_print);
}
