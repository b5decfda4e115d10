/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shared/macro.h"
#include "shared/parse-util.h"

int safe_atou64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno != 0 || end == s || *end != '\0')
		return -EINVAL;
	*ret = v;
	return 0;
}

int safe_atoi64(const char *s, int64_t *ret)
{
	char *end;
	long long v;

	if (!s || !(isdigit((unsigned char)s[0]) || s[0] == '-'))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno != 0 || end == s || *end != '\0')
		return -EINVAL;
	*ret = v;
	return 0;
}

int safe_atou(const char *s, unsigned *ret)
{
	uint64_t v;
	int r = safe_atou64(s, &v);

	if (r < 0)
		return r;
	if (v > UINT_MAX)
		return -ERANGE;
	*ret = (unsigned)v;
	return 0;
}

int safe_atoi(const char *s, int *ret)
{
	int64_t v;
	int r = safe_atoi64(s, &v);

	if (r < 0)
		return r;
	if (v > INT_MAX || v < INT_MIN)
		return -ERANGE;
	*ret = (int)v;
	return 0;
}

int parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
	static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(yes); i++)
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
	for (size_t i = 0; i < ELEMENTSOF(no); i++)
		if (strcasecmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	return -EINVAL;
}

/* Parse "<decimal>[suffix]" where the decimal may carry a fraction; the suffix is matched against
 * a table and the rest must be exactly rest_expected (e.g. "" or "/s"). */
struct unit {
	const char *suffix;
	double factor;
};

static int parse_with_units(const char *s, const struct unit *units, size_t n_units,
			    double *ret_value, const char **ret_rest)
{
	char *end;
	double v;

	if (!s || !(isdigit((unsigned char)s[0]) || s[0] == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v) || v < 0)
		return -EINVAL;

	/* Longest suffix first: tables list "ms" before "m", "MiB" before "M". */
	for (size_t i = 0; i < n_units; i++) {
		size_t l = strlen(units[i].suffix);
		if (strncasecmp(end, units[i].suffix, l) == 0) {
			*ret_value = v * units[i].factor;
			*ret_rest = end + l;
			return 0;
		}
	}
	return -EINVAL;
}

static const struct unit size_units[] = {
	{ "KiB", 1024.0 },
	{ "MiB", 1024.0 * 1024 },
	{ "GiB", 1024.0 * 1024 * 1024 },
	{ "TiB", 1024.0 * 1024 * 1024 * 1024 },
	{ "K", 1024.0 },
	{ "M", 1024.0 * 1024 },
	{ "G", 1024.0 * 1024 * 1024 },
	{ "T", 1024.0 * 1024 * 1024 * 1024 },
	{ "B", 1.0 },
	{ "", 1.0 },
};

static int parse_size_rest(const char *s, uint64_t *ret, const char *rest_expected)
{
	double v;
	const char *rest;
	int r;

	r = parse_with_units(s, size_units, ELEMENTSOF(size_units), &v, &rest);
	if (r < 0)
		return r;
	if (strcasecmp(rest, rest_expected) != 0)
		return -EINVAL;
	if (v >= 18446744073709551615.0)
		return -ERANGE;
	*ret = (uint64_t)v;
	return 0;
}

int parse_size_bytes(const char *s, uint64_t *ret)
{
	return parse_size_rest(s, ret, "");
}

int parse_rate_bytes_per_sec(const char *s, uint64_t *ret)
{
	uint64_t v;
	int r;

	if (s && (streq(s, "0") || strcasecmp(s, "unlimited") == 0 || strcasecmp(s, "infinity") == 0)) {
		*ret = UINT64_MAX;
		return 0;
	}
	r = parse_size_rest(s, &v, "/s");
	if (r < 0)
		return r;
	if (v == 0)
		return -ERANGE;
	*ret = v;
	return 0;
}

static const struct unit duration_units[] = {
	{ "usec", 1.0 },
	{ "us", 1.0 },
	{ "msec", 1e3 },
	{ "ms", 1e3 },
	{ "min", 60e6 },
	{ "sec", 1e6 },
	{ "s", 1e6 },
	{ "h", 3600e6 },
	{ "", 1e6 },
};

int parse_duration_usec(const char *s, uint64_t *ret)
{
	double v;
	const char *rest;
	int r;

	r = parse_with_units(s, duration_units, ELEMENTSOF(duration_units), &v, &rest);
	if (r < 0)
		return r;
	if (*rest != '\0')
		return -EINVAL;
	if (v >= 1.8e19)
		return -ERANGE;
	*ret = (uint64_t)v;
	return 0;
}

/* Walk "a-b,c" items; calls add(lo, hi) for each range. */
static int parse_list(const char *s, int (*add)(unsigned lo, unsigned hi, void *userdata),
		      void *userdata)
{
	const char *p = s;

	if (!s)
		return -EINVAL;
	if (*p == '\0')
		return 0;
	for (;;) {
		char *end;
		unsigned long lo, hi;
		int r;

		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		errno = 0;
		lo = strtoul(p, &end, 10);
		if (errno != 0 || lo > INT_MAX)
			return -ERANGE;
		hi = lo;
		p = end;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			hi = strtoul(p, &end, 10);
			if (errno != 0 || hi > INT_MAX)
				return -ERANGE;
			if (hi < lo)
				return -EINVAL;
			p = end;
		}
		r = add((unsigned)lo, (unsigned)hi, userdata);
		if (r < 0)
			return r;
		if (*p == '\0')
			return 0;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
}

static int nodemask_add(unsigned lo, unsigned hi, void *userdata)
{
	uint64_t *mask = userdata;

	if (hi >= NUMAB_MAX_NODES)
		return -ERANGE;
	for (unsigned i = lo; i <= hi; i++)
		*mask |= nodemask_of(i);
	return 0;
}

int parse_nodemask(const char *s, uint64_t *ret)
{
	uint64_t mask = 0;
	int r;

	r = parse_list(s, nodemask_add, &mask);
	if (r < 0)
		return r;
	*ret = mask;
	return 0;
}

/* Largest CPU id accepted in a list: the kernel's NR_CPUS upper bound. */
#define CPULIST_MAX_CPUS 8192

struct cpulist_state {
	unsigned max;
	cpu_set_t *set;
	size_t setsize;
};

static int cpulist_max(unsigned lo, unsigned hi, void *userdata)
{
	struct cpulist_state *st = userdata;

	if (hi >= CPULIST_MAX_CPUS)
		return -ERANGE;
	st->max = MAX(st->max, hi + 1);
	return 0;
}

static int cpulist_set(unsigned lo, unsigned hi, void *userdata)
{
	struct cpulist_state *st = userdata;

	for (unsigned i = lo; i <= hi; i++)
		CPU_SET_S(i, st->setsize, st->set);
	return 0;
}

int parse_cpulist(const char *s, cpu_set_t **ret, size_t *ret_ncpus)
{
	struct cpulist_state st = { .max = 1 };
	int r;

	r = parse_list(s, cpulist_max, &st);
	if (r < 0)
		return r;
	st.set = CPU_ALLOC(st.max);
	if (!st.set)
		return -ENOMEM;
	st.setsize = CPU_ALLOC_SIZE(st.max);
	CPU_ZERO_S(st.setsize, st.set);
	(void)parse_list(s, cpulist_set, &st);
	*ret = st.set;
	*ret_ncpus = st.max;
	return 0;
}

char *strstrip_trailing(char *s)
{
	size_t l = strlen(s);

	while (l > 0 && isspace((unsigned char)s[l - 1]))
		s[--l] = '\0';
	return s;
}

const char *nodemask_format(char *buf, size_t size, uint64_t mask)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int n = 0; n < NUMAB_MAX_NODES && off < size; n++) {
		int end = n;

		if (!nodemask_test(mask, (unsigned)n))
			continue;
		while (end + 1 < NUMAB_MAX_NODES && nodemask_test(mask, (unsigned)end + 1))
			end++;
		if (end == n)
			off += (size_t)snprintf(buf + off, size - off, "%s%d", off ? "," : "", n);
		else
			off += (size_t)snprintf(buf + off, size - off, "%s%d-%d", off ? "," : "", n,
						end);
		n = end;
	}
	return buf;
}

const char *format_bytes(char *buf, size_t size, uint64_t bytes)
{
	static const char suffixes[] = "KMGTPE";
	double v = (double)bytes;
	int i = -1;

	while (v >= 1024.0 && i < (int)sizeof(suffixes) - 2) {
		v /= 1024.0;
		i++;
	}
	if (i < 0)
		snprintf(buf, size, "%" PRIu64 "B", bytes);
	else if (v < 10.0)
		snprintf(buf, size, "%.1f%c", v, suffixes[i]);
	else
		snprintf(buf, size, "%.0f%c", v, suffixes[i]);
	return buf;
}

const char *format_rate(char *buf, size_t size, uint64_t bytes_per_sec)
{
	char b[FORMAT_BYTES_MAX];

	if (bytes_per_sec == UINT64_MAX)
		snprintf(buf, size, "unlimited");
	else
		snprintf(buf, size, "%s/s", format_bytes(b, sizeof(b), bytes_per_sec));
	return buf;
}

const char *format_duration(char *buf, size_t size, uint64_t usec)
{
	if (usec == 0)
		snprintf(buf, size, "0");
	else if (usec % 60000000 == 0)
		snprintf(buf, size, "%" PRIu64 "min", usec / 60000000);
	else if (usec % 1000000 == 0)
		snprintf(buf, size, "%" PRIu64 "s", usec / 1000000);
	else if (usec % 1000 == 0)
		snprintf(buf, size, "%" PRIu64 "ms", usec / 1000);
	else
		snprintf(buf, size, "%" PRIu64 "us", usec);
	return buf;
}
