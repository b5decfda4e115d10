/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/autonuma.h"
#include "shared/fileio.h"
#include "shared/macro.h"
#include "shared/parse-util.h"
#include "sysfs/proc-read.h"

int proc_parse_stat(const char *text, struct proc_stat *ret)
{
	struct proc_stat st = {};
	const char *open, *close, *p;
	size_t len;
	int field;

	/* "pid (comm) state ppid ...": comm may hold spaces and parentheses; it ends at the
	 * last ')'. */
	open = strchr(text, '(');
	close = strrchr(text, ')');
	if (!open || !close || close < open || close[1] != ' ')
		return -EBADMSG;
	len = MIN((size_t)(close - open - 1), sizeof(st.comm) - 1);
	memcpy(st.comm, open + 1, len);
	st.comm[len] = '\0';

	p = close + 2;
	st.state = *p;
	/* Fields counted from 1: state is field 3. Only the few we need are converted; this runs
	 * once per thread per tick. */
	for (field = 3; field < 39; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -EBADMSG;
		p++;
		if (field + 1 == 14 || field + 1 == 15 || field + 1 == 22 || field + 1 == 39) {
			char *end;
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				return -EBADMSG;
			switch (field + 1) {
			case 14:
				st.utime_ticks = v;
				break;
			case 15:
				st.stime_ticks = v;
				break;
			case 22:
				st.start_time = v;
				break;
			default:
				st.processor = (int)v;
				break;
			}
		}
	}
	*ret = st;
	return 0;
}

/* Read /proc/<pid>/<name> whole; a process that exited reads as -ENOENT. numa_maps of a
 * large process can be megabytes: 64 MiB at most. */
static int read_pid_file(int proc_fd, pid_t pid, const char *name, char **ret)
{
	char path[64];
	int r;

	snprintf(path, sizeof(path), "%d/%s", pid, name);
	r = read_full_file_at(proc_fd, path, 64u << 20, ret, NULL);
	return r == -ESRCH ? -ENOENT : r;
}

static uint64_t ns_per_tick(void)
{
	static uint64_t ns;

	if (!ns) {
		long hz = sysconf(_SC_CLK_TCK);

		ns = 1000000000ull / (uint64_t)(hz > 0 ? hz : 100);
	}
	return ns;
}

/*
 * A thread's run time comes from utime + stime of its stat file: the kernel scales the tick
 * samples so that their sum is the precise sum_exec_runtime (cputime_adjust()), so the sum is
 * exact to one clock tick (10 ms at USER_HZ=100), which is ample for per-node CPU shares over
 * windows of a second or more. Reading schedstat as well would give nanoseconds at the price of
 * a second open() per thread, 40% of a 10,000-thread snapshot's cost.
 */
static int read_task_stat(int dir_fd, const char *path, struct proc_stat *ret)
{
	char buf[1024];
	ssize_t n;

	n = read_file_at_buf(dir_fd, path, buf, sizeof(buf));
	if (n < 0)
		return n == -ESRCH ? -ENOENT : (int)n;
	return proc_parse_stat(buf, ret);
}

int proc_read_task(int proc_fd, pid_t pid, pid_t tid, struct task_sample *ret)
{
	struct proc_stat st;
	char path[64];
	int r;

	snprintf(path, sizeof(path), "%d/task/%d/stat", pid, tid);
	r = read_task_stat(proc_fd, path, &st);
	if (r < 0)
		return r;
	ret->tid = tid;
	ret->last_cpu = st.processor;
	ret->runtime_ns = (st.utime_ticks + st.stime_ticks) * ns_per_tick();
	return 0;
}

static int cmp_task(const void *a, const void *b)
{
	const struct task_sample *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

int proc_read_process(int proc_fd, pid_t pid, bool with_tasks, struct proc_sample *ret)
{
	struct proc_sample p = { .pid = pid };
	_cleanup_closedir_ DIR *d = NULL;
	struct proc_stat st;
	char path[64], buf[1024];
	struct dirent *de;
	unsigned n_alloc = 0;
	bool have_leader = false;
	ssize_t n;
	int r;

	if (!with_tasks) {
		snprintf(path, sizeof(path), "%d/stat", pid);
		n = read_file_at_buf(proc_fd, path, buf, sizeof(buf));
		if (n < 0)
			return n == -ESRCH ? -ENOENT : (int)n;
		r = proc_parse_stat(buf, &st);
		if (r < 0)
			return r;
		memcpy(p.comm, st.comm, sizeof(p.comm));
		p.start_time = st.start_time;
		*ret = p;
		return 0;
	}

	snprintf(path, sizeof(path), "%d/task", pid);
	r = opendir_at(proc_fd, path, &d);
	if (r < 0)
		return r == -ESRCH ? -ENOENT : r;
	while ((de = readdir(d))) {
		struct task_sample *t;
		int tid;

		if (de->d_name[0] == '.' || safe_atoi(de->d_name, &tid) < 0)
			continue;
		if (p.n_tasks == n_alloc) {
			unsigned na = n_alloc ? n_alloc * 2 : 4;
			struct task_sample *nt = realloc(p.tasks, na * sizeof(*nt));

			if (!nt) {
				free(p.tasks);
				return -ENOMEM;
			}
			p.tasks = nt;
			n_alloc = na;
		}
		/* Relative to the task directory: a shorter path walk per thread. */
		snprintf(path, sizeof(path), "%d/stat", tid);
		r = read_task_stat(dirfd(d), path, &st);
		if (errno_is_gone(r))
			continue;
		if (r < 0) {
			free(p.tasks);
			return r;
		}
		/* The leader's stat carries the process's comm and start time (a zombie leader
		 * with live threads still has its task entry). */
		if (tid == pid || !have_leader) {
			memcpy(p.comm, st.comm, sizeof(p.comm));
			p.start_time = st.start_time;
			have_leader = tid == pid;
		}
		t = &p.tasks[p.n_tasks++];
		t->tid = tid;
		t->last_cpu = st.processor;
		t->runtime_ns = (st.utime_ticks + st.stime_ticks) * ns_per_tick();
	}
	if (p.n_tasks == 0) {
		free(p.tasks);
		return -ENOENT;
	}
	if (p.n_tasks > 1)
		qsort(p.tasks, p.n_tasks, sizeof(*p.tasks), cmp_task);
	*ret = p;
	return 0;
}

void numa_maps_summary_done(struct numa_maps_summary *s)
{
	free(s->bytes_per_node);
	s->bytes_per_node = NULL;
}

/* The policy word of a numa_maps line: "default" and "local" are not a placement the process
 * chose; "bind", "interleave", "prefer"/"preferred", "prefer (many)" and "weighted interleave"
 * (each optionally with "=static|relative|balancing") are. */
static bool numa_maps_policy_is_own(const char *p)
{
	return strneq(p, "bind", 4) || strneq(p, "interleave", 10) || strneq(p, "prefer", 6) ||
	       strneq(p, "weighted", 8);
}

/* One field of a numa_maps line, the text between two spaces: "N<node>=<pages>" (node set,
 * value pages), "<key>=<number>" (tok is the key, value the number) or a word ("huge"). */
struct numa_maps_field {
	char tok[64];
	int node;            /* N<node>=: the node, else -1 */
	bool has_value;      /* a decimal number followed '=' */
	uint64_t value;
};

/* The field at *p (before eol) into f; advances *p past it. False at the end of the line. */
static bool numa_maps_next_field(const char **p, const char *eol, struct numa_maps_field *f)
{
	const char *e;
	char *eq;
	size_t len;
	unsigned node;

	if (*p >= eol)
		return false;
	e = strchrnul(*p, ' ');
	if (e > eol)
		e = eol;
	len = MIN((size_t)(e - *p), sizeof(f->tok) - 1);
	memcpy(f->tok, *p, len);
	f->tok[len] = '\0';
	*p = e + 1;
	f->node = -1;
	f->has_value = false;
	eq = strchr(f->tok, '=');
	if (!eq)
		return true;
	*eq = '\0';
	f->has_value = safe_atou64(eq + 1, &f->value) == 0;
	if (f->tok[0] == 'N' && safe_atou(f->tok + 1, &node) == 0 && node <= INT_MAX)
		f->node = (int)node;
	return true;
}

/* kernelpagesize_kB: a power of two from 4 KiB to 16 GiB, in bytes; 0 when not. */
static uint64_t numa_maps_page_bytes(const struct numa_maps_field *f)
{
	if (!f->has_value || f->value < 4 || f->value > (16ull << 20) ||
	    (f->value & (f->value - 1)))
		return 0;
	return f->value * 1024;
}

/* pages * page_bytes; false when that exceeds the largest virtual address space (2^57 bytes
 * with 5-level page tables): a malformed line. */
static bool numa_maps_bytes(uint64_t pages, uint64_t page_bytes, uint64_t *ret)
{
	return !__builtin_mul_overflow(pages, page_bytes, ret) && *ret <= (1ull << 57);
}

/* a + b, at most UINT64_MAX: the summary's totals of a malformed text stay ordered. */
static uint64_t add_saturating(uint64_t a, uint64_t b)
{
	uint64_t sum;

	return __builtin_add_overflow(a, b, &sum) ? UINT64_MAX : sum;
}

/* What a numa_maps line says after its start address, in bytes. */
struct numa_maps_line {
	bool own_policy;
	uint64_t page_bytes;
	uint64_t node_bytes[NUMAB_MAX_NODES];
	uint64_t resident_bytes;  /* on every node, also those at or above NUMAB_MAX_NODES */
	uint64_t anon_bytes;
	unsigned mapmax;          /* 0 when not shown */
	bool huge, file;
};

/* The policy word and fields at p (the text after the start address, up to eol) into l:
 * "interleave:0-1 anon=4 dirty=4 N0=2 N1=2 kernelpagesize_kB=4". False for a line with a
 * malformed count or page size, which counts for nothing. */
static bool numa_maps_line_parse(const char *p, const char *eol, struct numa_maps_line *l)
{
	uint64_t pages_per_node[NUMAB_MAX_NODES] = {}, pages = 0, anon_pages = 0;
	struct numa_maps_field f;

	*l = (struct numa_maps_line){ .own_policy = numa_maps_policy_is_own(p), .page_bytes = 4096 };
	while (numa_maps_next_field(&p, eol, &f)) {
		if (f.node >= 0) {
			if (!f.has_value || __builtin_add_overflow(pages, f.value, &pages))
				return false;
			if (f.node < NUMAB_MAX_NODES)
				pages_per_node[f.node] += f.value;
		} else if (streq(f.tok, "kernelpagesize_kB")) {
			l->page_bytes = numa_maps_page_bytes(&f);
			if (!l->page_bytes)
				return false;
		} else if (streq(f.tok, "anon") && f.has_value) {
			anon_pages = f.value;
		} else if (streq(f.tok, "mapmax") && f.has_value) {
			l->mapmax = (unsigned)MIN(f.value, (uint64_t)UINT32_MAX);
		} else if (streq(f.tok, "huge")) {
			l->huge = true;
		} else if (streq(f.tok, "file")) {
			l->file = true;
		}
	}
	if (!numa_maps_bytes(pages, l->page_bytes, &l->resident_bytes) ||
	    !numa_maps_bytes(anon_pages, l->page_bytes, &l->anon_bytes))
		return false;
	/* Each node's pages are part of the total, so these do not overflow. */
	for (unsigned n = 0; n < NUMAB_MAX_NODES; n++)
		l->node_bytes[n] = pages_per_node[n] * l->page_bytes;
	return true;
}

/* One numa_maps line into the summary. */
static void numa_maps_line(const char *line, const char *eol, struct numa_maps_summary *s)
{
	const char *p = strchr(line, ' ');
	struct numa_maps_line l;
	uint64_t own = 0;

	if (!p || p >= eol || !numa_maps_line_parse(p + 1, eol, &l))
		return;
	for (unsigned n = 0; n < NUMAB_MAX_NODES; n++) {
		if (n < s->span)
			s->bytes_per_node[n] = add_saturating(s->bytes_per_node[n], l.node_bytes[n]);
		own += l.node_bytes[n];
	}
	s->total_bytes = add_saturating(s->total_bytes, l.resident_bytes);
	s->anon_bytes = add_saturating(s->anon_bytes, l.anon_bytes);
	if (l.own_policy && own) {
		s->own_policy_bytes = add_saturating(s->own_policy_bytes, own);
		s->n_own_policy_ranges++;
	}
}

int numa_maps_parse(const char *text, unsigned span, struct numa_maps_summary *ret)
{
	struct numa_maps_summary s = { .span = span };
	const char *line = text;

	s.bytes_per_node = calloc(MAX(span, 1u), sizeof(uint64_t));
	if (!s.bytes_per_node)
		return -ENOMEM;
	while (line && *line) {
		const char *eol = strchrnul(line, '\n');

		if (*eol == '\n' || eol > line)
			numa_maps_line(line, eol, &s);
		line = *eol ? eol + 1 : NULL;
	}
	*ret = s;
	return 0;
}

/* One line into a range; false when it has no hex start address and a policy, or a malformed
 * count or page size. */
static bool numa_maps_range_line(const char *line, const char *eol, struct numa_maps_range *r)
{
	const char *p = strchr(line, ' ');
	struct numa_maps_line l;
	char *end;

	if (!p || p >= eol || p == line || !isxdigit((unsigned char)*line))
		return false;
	errno = 0;
	*r = (struct numa_maps_range){ .start = strtoull(line, &end, 16) };
	if (errno || end != p)
		return false;
	p++;
	if (p >= eol || *p == ' ' || !numa_maps_line_parse(p, eol, &l))
		return false;
	r->page_bytes = l.page_bytes;
	r->resident_bytes = l.resident_bytes;
	r->mapmax = l.mapmax;
	r->own_policy = l.own_policy;
	r->huge = l.huge;
	r->file = l.file;
	return true;
}

int numa_maps_parse_ranges(const char *text, struct numa_maps_range **ret, size_t *ret_n)
{
	_cleanup_free_ struct numa_maps_range *v = NULL;
	const char *line = text;
	size_t n = 0, n_alloc = 0;

	while (line && *line) {
		const char *eol = strchrnul(line, '\n');
		struct numa_maps_range r;

		/* Out of order (a torn read) is skipped like a malformed line: the ranges are
		 * merged with maps' in one ascending pass. */
		if (numa_maps_range_line(line, eol, &r) && (n == 0 || r.start > v[n - 1].start)) {
			if (GREEDY_REALLOC(v, n_alloc, n + 1, 32) < 0)
				return -ENOMEM;
			v[n++] = r;
		}
		line = *eol ? eol + 1 : NULL;
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

int proc_read_numa_maps_ranges(int proc_fd, pid_t pid, struct numa_maps_range **ret,
			       size_t *ret_n)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = read_pid_file(proc_fd, pid, "numa_maps", &text);
	if (r < 0)
		return r;
	return numa_maps_parse_ranges(text, ret, ret_n);
}

int proc_parse_cgroup(const char *text, char *buf, size_t size)
{
	const char *p = text;

	/* cgroup v2 is the "0::PATH" line; a v1 or hybrid system has other lines too. */
	while (p && *p) {
		const char *eol = strchrnul(p, '\n');

		if (strneq(p, "0::", 3)) {
			size_t len = (size_t)(eol - p - 3);

			if (len >= size)
				return -ENOBUFS;
			memcpy(buf, p + 3, len);
			buf[len] = '\0';
			return 0;
		}
		p = *eol ? eol + 1 : NULL;
	}
	return -ENOENT;
}

int proc_read_cgroup(int proc_fd, pid_t pid, char *buf, size_t size)
{
	char path[64], text[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "%d/cgroup", pid);
	n = read_file_at_buf(proc_fd, path, text, sizeof(text));
	if (n < 0)
		return n == -ESRCH ? -ENOENT : (int)n;
	return proc_parse_cgroup(text, buf, size);
}

int proc_read_numa_maps(int proc_fd, pid_t pid, unsigned span, struct numa_maps_summary *ret)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = read_pid_file(proc_fd, pid, "numa_maps", &text);
	if (r < 0)
		return r;
	return numa_maps_parse(text, span, ret);
}

int proc_parse_hex_mask(const char *s, uint64_t *ret)
{
	/* "00000000,00000003": 32-bit words, most significant first. */
	const char *last = strrchr(s, ',');
	const char *prev;
	uint64_t lo = 0, hi = 0;
	char *end;

	if (!*s)
		return -EBADMSG;
	for (const char *p = s; *p; p++)
		if (!isxdigit((unsigned char)*p) && *p != ',')
			return -EBADMSG;
	if (!last) {
		lo = strtoull(s, &end, 16);
		*ret = lo;
		return 0;
	}
	lo = strtoull(last + 1, &end, 16);
	prev = last;
	while (prev > s && prev[-1] != ',')
		prev--;
	if (prev < last)
		hi = strtoull(prev, &end, 16);
	*ret = (hi << 32) | (lo & 0xffffffffu);
	return 0;
}

int proc_read_mems_allowed(int proc_fd, pid_t pid, uint64_t *ret)
{
	_cleanup_free_ char *text = NULL;
	const char *p;
	char buf[4200];
	size_t len;
	int r;

	r = read_pid_file(proc_fd, pid, "status", &text);
	if (r < 0)
		return r;
	p = strstr(text, "\nMems_allowed:");
	if (!p)
		return -EBADMSG;
	p += strlen("\nMems_allowed:");
	while (*p == ' ' || *p == '\t')
		p++;
	len = strcspn(p, "\n");
	if (len >= sizeof(buf))
		return -EBADMSG;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return proc_parse_hex_mask(buf, ret);
}

int proc_read_numa_balancing(int proc_fd)
{
	uint64_t v;

	if (read_u64_at(proc_fd, "sys/kernel/numa_balancing", &v) < 0 || v > INT_MAX)
		return -1;
	return (int)v;
}

unsigned proc_read_kernel_version(int proc_fd)
{
	char buf[256];

	if (read_line_at(proc_fd, "sys/kernel/osrelease", buf, sizeof(buf)) < 0)
		return 0;
	return autonuma_kernel_version(buf);
}
