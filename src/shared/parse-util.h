/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Strict parsers for numbers, sizes, rates, durations and lists. Each returns 0 on success or a
 * negative errno (-EINVAL for malformed text, -ERANGE for out-of-range values) and writes its
 * out-parameter only on success. Leading and trailing whitespace is not accepted unless stated.
 */

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/nodemask.h"

int safe_atou64(const char *s, uint64_t *ret);
int safe_atoi64(const char *s, int64_t *ret);
int safe_atou(const char *s, unsigned *ret);
int safe_atoi(const char *s, int *ret);

/* "yes/no/true/false/on/off/1/0" (case-insensitive). */
int parse_bool(const char *s, bool *ret);

/* "4096", "64K", "64M", "1.5G", "2T", also "64MiB"; binary multiples. */
int parse_size_bytes(const char *s, uint64_t *ret);

/* A migration rate: a size followed by "/s", e.g. "64M/s". "0" or "unlimited" mean no limit
 * (written as UINT64_MAX). */
int parse_rate_bytes_per_sec(const char *s, uint64_t *ret);

/* "250ms", "5s", "2min", "1h", "500us"; a bare number is seconds. Result in microseconds. */
int parse_duration_usec(const char *s, uint64_t *ret);

/* Kernel list format "0-3,8,10-11" (empty string is the empty set). Node ids must be below
 * NUMAB_MAX_NODES. */
int parse_nodemask(const char *s, uint64_t *ret);

/* The same list format into a dynamically sized CPU set; *ret is CPU_ALLOC()ed with room for
 * ret_ncpus CPUs (the highest one seen plus one, at least 1). Free with CPU_FREE. */
int parse_cpulist(const char *s, cpu_set_t **ret, size_t *ret_ncpus);

/* Trailing whitespace (newlines) removed in place; returns s. */
char *strstrip_trailing(char *s);

/* Human formats into buf; return buf. */
const char *format_bytes(char *buf, size_t size, uint64_t bytes);
const char *format_rate(char *buf, size_t size, uint64_t bytes_per_sec);
const char *format_duration(char *buf, size_t size, uint64_t usec);

#define FORMAT_BYTES_MAX 32
