/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/log.h"

static const char *log_program = "numab";
static int log_max_level = LOG_INFO;
static bool log_to_journal;

void log_setup(const char *program, int max_level)
{
	if (program)
		log_program = program;
	log_max_level = max_level;
	/* systemd connects stderr to the journal and announces it; then the prefix sets the
	 * priority of each line (sd-daemon(3), SD_ERR etc.). */
	log_to_journal = getenv("JOURNAL_STREAM") != NULL;
}

void log_set_max_level(int level)
{
	log_max_level = level;
}

int log_get_max_level(void)
{
	return log_max_level;
}

int log_internal(int level, int errnum, const char *file, int line, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int saved = errno;

	errnum = errnum < 0 ? -errnum : errnum;
	/* %m formats errno: make it the error we were handed. */
	errno = errnum;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);

	if (log_to_journal)
		fprintf(stderr, "<%d>%s\n", level, buf);
	else if (log_max_level >= LOG_DEBUG)
		fprintf(stderr, "%s: %s (%s:%d)\n", log_program, buf, file, line);
	else
		fprintf(stderr, "%s: %s\n", log_program, buf);

	errno = saved;
	return -errnum;
}
