/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Logging in the systemd style: log_<level>() and log_<level>_errno(r, ...) which returns r, so
 * "return log_error_errno(r, "Failed to ...: %m");" is one line. %m prints strerror(-r).
 * Under systemd (JOURNAL_STREAM set) lines carry a "<N>" priority prefix for the journal;
 * otherwise they go to stderr as "program: message". Core and sysfs code never log above debug.
 */

#include <stdbool.h>
#include <syslog.h>

#include "shared/macro.h"

/* Mark an errno as not coming from errno itself: the caller synthesised it. */
#define SYNTHETIC_ERRNO(e) (-(e))

/* Set the program name and the maximum level printed (LOG_DEBUG prints everything). */
void log_setup(const char *program, int max_level);
void log_set_max_level(int level);
int log_get_max_level(void);

/* Format and print one line at level; errnum (negative or positive errno) feeds %m.
 * Always returns -abs(errnum), or 0 when errnum is 0. */
int log_internal(int level, int errnum, const char *file, int line, const char *fmt, ...)
	_printf_(5, 6);

#define log_full_errno(level, r, ...)                                                  \
	({                                                                             \
		int _l = (level), _e = (r);                                            \
		_l <= log_get_max_level() ? log_internal(_l, _e, __FILE__, __LINE__,  \
							 __VA_ARGS__)                  \
					  : -(_e < 0 ? -_e : _e);                      \
	})

#define log_debug(...) (void)log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) (void)log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) (void)log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) (void)log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) (void)log_full_errno(LOG_ERR, 0, __VA_ARGS__)

#define log_debug_errno(r, ...) log_full_errno(LOG_DEBUG, r, __VA_ARGS__)
#define log_info_errno(r, ...) log_full_errno(LOG_INFO, r, __VA_ARGS__)
#define log_notice_errno(r, ...) log_full_errno(LOG_NOTICE, r, __VA_ARGS__)
#define log_warning_errno(r, ...) log_full_errno(LOG_WARNING, r, __VA_ARGS__)
#define log_error_errno(r, ...) log_full_errno(LOG_ERR, r, __VA_ARGS__)

/* Out-of-memory: log and return -ENOMEM. */
#define log_oom() log_error_errno(SYNTHETIC_ERRNO(ENOMEM), "Out of memory.")
