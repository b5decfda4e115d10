/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * affinity: thread placement for `pin` mode, and the journal that makes it reversible.
 *
 * numad calls sched_setaffinity() on every thread of a process without looking at what was
 * there (anchors.md §1, §(c) 3), and Huawei's numafast leaves its bindings behind when it is
 * killed (§8). numab does neither:
 *
 * - A thread whose affinity does not include every CPU its cpuset allows has been narrowed by
 *   someone (taskset, the application, a runtime): unless the journal says numab set it, it
 *   is left alone and reported. "Allowed" is the caller's: cpuset.cpus.effective of the
 *   thread's cgroup, or all online CPUs without cpuset. A thread numab placed that someone
 *   else changed since is no longer numab's: its record is dropped, never overwritten.
 * - Before an affinity changes, the journal (a JSON file in the state directory, replaced
 *   atomically: temporary file, fsync, rename) records the thread's original affinity, keyed
 *   by pid + process start time + tid + thread start time, so neither a reused pid nor a
 *   reused tid can be mistaken for the thread numab changed. The write comes first, so a
 *   SIGKILL at any point leaves either no change or a change with its record; a record whose
 *   change never happened is recognised at restore (the thread still has its original) and
 *   dropped quietly. A change of target in flight keeps the previous mask too ("prev").
 * - Restore puts a thread back only when it still exists with the same start time and its
 *   affinity is still exactly what numab set; anything else drops the record (reported).
 *
 * New threads: a thread created by a placed thread inherits numab's mask. It matches the
 * target but has no record; recording it with the process's original (that of the leader, or
 * any thread numab placed) makes restore cover it. Threads created by an unplaced thread get
 * placed like any other on the next call.
 *
 * The journal is rewritten whole on each change: it holds one record per placed thread, so
 * tens of thousands at most, written when placement changes, not every tick.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/affinity.h"
#include "daemon/procmem.h"
#include "shared/fileio.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "shared/parse-util.h"
#include "sysfs/proc-read.h"

#define JOURNAL_VERSION 1

struct affinity_record {
	pid_t pid;
	uint64_t start_time;      /* of the process */
	pid_t tid;
	uint64_t tid_start_time;  /* of the thread */
	cpu_set_t *original;      /* before numab */
	cpu_set_t *set;           /* what numab set */
	cpu_set_t *prev;          /* a change of target in flight: the mask before it; or NULL */
	bool inherited;           /* created with numab's mask; original is the process's */
	bool dead;                /* to be removed */
};

struct affinity_journal {
	int dir_fd;
	char *name;
	const struct affinity_sys *sys;
	unsigned ncpus;
	size_t setsize;
	struct affinity_record *rec;
	size_t n, n_alloc;
};

/* ---------------------------------------------------------------- live kernel */

static int live_get(void *userdata, pid_t tid, size_t setsize, cpu_set_t *set)
{
	return sched_getaffinity(tid, setsize, set) < 0 ? -errno : 0;
}

static int live_set(void *userdata, pid_t tid, size_t setsize, const cpu_set_t *set)
{
	return sched_setaffinity(tid, setsize, set) < 0 ? -errno : 0;
}

const struct affinity_sys affinity_sys_live = {
	.get = live_get,
	.set = live_set,
};

/* The kernel's cpumask size: the raw syscall returns how many bytes it copied. */
static unsigned kernel_ncpus(void)
{
	unsigned long buf[AFFINITY_MAX_CPUS / (8 * sizeof(unsigned long))];
	long r = syscall(SYS_sched_getaffinity, 0, sizeof(buf), buf);

	return r > 0 ? (unsigned)r * 8 : AFFINITY_MAX_CPUS;
}

/* ---------------------------------------------------------------- CPU sets */

static cpu_set_t *set_new(const struct affinity_journal *j)
{
	cpu_set_t *s = CPU_ALLOC(j->ncpus);

	if (s)
		CPU_ZERO_S(j->setsize, s);
	return s;
}

/* Copy src (srcsize bytes) into a journal-sized set; CPUs beyond ncpus are dropped. */
static cpu_set_t *set_from(const struct affinity_journal *j, const cpu_set_t *src, size_t srcsize)
{
	cpu_set_t *s = set_new(j);

	if (!s)
		return NULL;
	for (size_t c = 0; c < MIN((size_t)j->ncpus, srcsize * 8); c++)
		if (CPU_ISSET_S(c, srcsize, src))
			CPU_SET_S(c, j->setsize, s);
	return s;
}

static cpu_set_t *set_dup(const struct affinity_journal *j, const cpu_set_t *src)
{
	cpu_set_t *s = set_new(j);

	if (s)
		memcpy(s, src, j->setsize);
	return s;
}

static bool set_equal(const struct affinity_journal *j, const cpu_set_t *a, const cpu_set_t *b)
{
	return CPU_EQUAL_S(j->setsize, a, b);
}

/* a is a subset of b */
static bool set_subset(const struct affinity_journal *j, const cpu_set_t *a, const cpu_set_t *b)
{
	for (unsigned c = 0; c < j->ncpus; c++)
		if (CPU_ISSET_S(c, j->setsize, a) && !CPU_ISSET_S(c, j->setsize, b))
			return false;
	return true;
}

static void cpu_set_freep(cpu_set_t **s)
{
	if (*s)
		CPU_FREE(*s);
}
#define _cleanup_cpu_set_ _cleanup_(cpu_set_freep)

int affinity_format_cpus(const cpu_set_t *set, size_t setsize, char **ret)
{
	size_t ncpus = setsize * 8, len = 0, alloc = 64;
	_cleanup_free_ char *buf = malloc(alloc);

	if (!buf)
		return -ENOMEM;
	buf[0] = '\0';
	for (size_t c = 0; c < ncpus; c++) {
		size_t e = c;
		char part[48];
		int m;

		if (!CPU_ISSET_S(c, setsize, set))
			continue;
		while (e + 1 < ncpus && CPU_ISSET_S(e + 1, setsize, set))
			e++;
		if (e == c)
			m = snprintf(part, sizeof(part), "%s%zu", len ? "," : "", c);
		else
			m = snprintf(part, sizeof(part), "%s%zu-%zu", len ? "," : "", c, e);
		if (len + (size_t)m + 1 > alloc) {
			char *nb;

			alloc = (len + (size_t)m + 1) * 2;
			nb = realloc(buf, alloc);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		memcpy(buf + len, part, (size_t)m + 1);
		len += (size_t)m;
		c = e;
	}
	*ret = TAKE_PTR(buf);
	return 0;
}

/* Parse a list into a journal-sized set; -ERANGE for a CPU the journal cannot hold. */
static int set_parse(const struct affinity_journal *j, const char *s, cpu_set_t **ret)
{
	cpu_set_t *parsed = NULL, *out;
	size_t n;
	int r;

	r = parse_cpulist(s, &parsed, &n);
	if (r < 0)
		return r;
	for (size_t c = j->ncpus; c < n; c++)
		if (CPU_ISSET_S(c, CPU_ALLOC_SIZE(n), parsed)) {
			CPU_FREE(parsed);
			return -ERANGE;
		}
	out = set_from(j, parsed, CPU_ALLOC_SIZE(n));
	CPU_FREE(parsed);
	if (!out)
		return -ENOMEM;
	*ret = out;
	return 0;
}

/* ---------------------------------------------------------------- records */

static void record_done(struct affinity_record *r)
{
	if (r->original)
		CPU_FREE(r->original);
	if (r->set)
		CPU_FREE(r->set);
	if (r->prev)
		CPU_FREE(r->prev);
	r->original = r->set = r->prev = NULL;
}

/* Append a record (the sets are taken over). Returns its index or -ENOMEM. */
static ssize_t record_add(struct affinity_journal *j, const struct affinity_record *r)
{
	if (GREEDY_REALLOC(j->rec, j->n_alloc, j->n + 1, 16) < 0)
		return -ENOMEM;
	j->rec[j->n] = *r;
	return (ssize_t)j->n++;
}

static ssize_t record_find(const struct affinity_journal *j, pid_t pid, uint64_t start_time,
			   pid_t tid)
{
	for (size_t i = 0; i < j->n; i++)
		if (!j->rec[i].dead && j->rec[i].pid == pid && j->rec[i].start_time == start_time &&
		    j->rec[i].tid == tid)
			return (ssize_t)i;
	return -1;
}

static void compact(struct affinity_journal *j)
{
	size_t k = 0;

	for (size_t i = 0; i < j->n; i++) {
		if (j->rec[i].dead) {
			record_done(&j->rec[i]);
			continue;
		}
		j->rec[k++] = j->rec[i];
	}
	j->n = k;
}

size_t affinity_journal_count(const struct affinity_journal *j, pid_t pid, uint64_t start_time)
{
	size_t n = 0;

	for (size_t i = 0; i < j->n; i++)
		if (!j->rec[i].dead && (pid == 0 || (j->rec[i].pid == pid &&
						     (start_time == 0 ||
						      j->rec[i].start_time == start_time))))
			n++;
	return n;
}

static void report_tid(pid_t *v, unsigned *n, pid_t tid)
{
	if (*n < AFFINITY_REPORT_TIDS)
		v[(*n)++] = tid;
}

static void drop(struct affinity_record *r, struct affinity_result *res, const char *why)
{
	log_debug("affinity: dropping the record of pid %d tid %d: %s", r->pid, r->tid, why);
	r->dead = true;
	res->dropped++;
	report_tid(res->dropped_tids, &res->n_dropped_tids, r->tid);
}

/* ---------------------------------------------------------------- the file */

static int add_cpus(json_object *o, const char *key, const cpu_set_t *set, size_t setsize)
{
	_cleanup_free_ char *s = NULL;
	int r;

	r = affinity_format_cpus(set, setsize, &s);
	if (r < 0)
		return r;
	if (json_object_object_add(o, key, json_object_new_string(s)) < 0)
		return -ENOMEM;
	return 0;
}

int affinity_journal_format(const struct affinity_journal *j, char **ret)
{
	json_object *top = json_object_new_object(), *arr = json_object_new_array();
	const char *text;
	char *copy;
	int r = -ENOMEM;

	if (!top || !arr)
		goto fail;
	json_object_object_add(top, "version", json_object_new_int(JOURNAL_VERSION));
	json_object_object_add(top, "records", arr);
	for (size_t i = 0; i < j->n; i++) {
		const struct affinity_record *rec = &j->rec[i];
		json_object *o;

		if (rec->dead)
			continue;
		o = json_object_new_object();
		if (!o || json_object_array_add(arr, o) < 0) {
			json_object_put(o);
			goto fail_top;
		}
		json_object_object_add(o, "pid", json_object_new_int64(rec->pid));
		json_object_object_add(o, "start_time", json_object_new_uint64(rec->start_time));
		json_object_object_add(o, "tid", json_object_new_int64(rec->tid));
		json_object_object_add(o, "tid_start_time",
				       json_object_new_uint64(rec->tid_start_time));
		r = add_cpus(o, "original", rec->original, j->setsize);
		if (r >= 0)
			r = add_cpus(o, "set", rec->set, j->setsize);
		if (r >= 0 && rec->prev)
			r = add_cpus(o, "prev", rec->prev, j->setsize);
		if (r < 0)
			goto fail_top;
		json_object_object_add(o, "inherited", json_object_new_boolean(rec->inherited));
	}
	text = json_object_to_json_string_ext(top, JSON_C_TO_STRING_PRETTY |
						   JSON_C_TO_STRING_PRETTY_TAB);
	copy = text ? strdup(text) : NULL;
	json_object_put(top);
	if (!copy)
		return -ENOMEM;
	*ret = copy;
	return 0;

fail:
	json_object_put(arr);
fail_top:
	json_object_put(top);
	return r;
}

static int save(struct affinity_journal *j)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = affinity_journal_format(j, &text);
	if (r < 0)
		return r;
	r = write_file_atomic_at(j->dir_fd, j->name, text, strlen(text), 0600);
	if (r < 0)
		return log_debug_errno(r, "affinity: cannot write the journal %s: %m", j->name);
	return 0;
}

static bool get_u64(json_object *o, const char *key, uint64_t *ret)
{
	json_object *v;
	int64_t x;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	x = json_object_get_int64(v);
	if (x < 0)
		return false;
	*ret = (uint64_t)json_object_get_uint64(v);
	return true;
}

static bool get_cpus(const struct affinity_journal *j, json_object *o, const char *key,
		     cpu_set_t **ret)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return false;
	return set_parse(j, json_object_get_string(v), ret) >= 0;
}

/* Parse one record; false when it makes no sense. */
static bool parse_record(struct affinity_journal *j, json_object *o, struct affinity_record *ret)
{
	struct affinity_record r = {};
	uint64_t pid, tid;
	json_object *v;

	if (!json_object_is_type(o, json_type_object) || !get_u64(o, "pid", &pid) ||
	    !get_u64(o, "tid", &tid) || !get_u64(o, "start_time", &r.start_time) ||
	    !get_u64(o, "tid_start_time", &r.tid_start_time) || pid == 0 || tid == 0 ||
	    pid > INT32_MAX || tid > INT32_MAX)
		return false;
	r.pid = (pid_t)pid;
	r.tid = (pid_t)tid;
	if (!get_cpus(j, o, "original", &r.original) || !get_cpus(j, o, "set", &r.set))
		goto bad;
	if (json_object_object_get_ex(o, "prev", &v) && !get_cpus(j, o, "prev", &r.prev))
		goto bad;
	if (json_object_object_get_ex(o, "inherited", &v))
		r.inherited = json_object_get_boolean(v);
	if (CPU_COUNT_S(j->setsize, r.set) == 0 || CPU_COUNT_S(j->setsize, r.original) == 0)
		goto bad;
	*ret = r;
	return true;
bad:
	record_done(&r);
	return false;
}

/* Load text; returns 0, or 1 when some or all of it was not valid. */
static int load(struct affinity_journal *j, const char *text)
{
	json_object *top, *v, *arr;
	bool bad = false;
	size_t n;

	top = json_tokener_parse(text);
	if (!top)
		return 1;
	if (!json_object_is_type(top, json_type_object) ||
	    !json_object_object_get_ex(top, "version", &v) ||
	    !json_object_is_type(v, json_type_int) || json_object_get_int(v) != JOURNAL_VERSION ||
	    !json_object_object_get_ex(top, "records", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		json_object_put(top);
		return 1;
	}
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		struct affinity_record r = {};

		if (!parse_record(j, json_object_array_get_idx(arr, i), &r)) {
			bad = true;
			continue;
		}
		if (record_find(j, r.pid, r.start_time, r.tid) >= 0) {
			record_done(&r);
			bad = true;
			continue;
		}
		if (record_add(j, &r) < 0) {
			record_done(&r);
			json_object_put(top);
			return -ENOMEM;
		}
	}
	json_object_put(top);
	return bad ? 1 : 0;
}

int affinity_journal_open(int dir_fd, const char *name, unsigned ncpus,
			  const struct affinity_sys *sys, struct affinity_journal **ret)
{
	_cleanup_free_ char *text = NULL;
	struct affinity_journal *j;
	int r;

	if (!name || !*name || strchr(name, '/') || !sys || !sys->get || !sys->set)
		return -EINVAL;
	if (ncpus == 0)
		ncpus = kernel_ncpus();
	if (ncpus > AFFINITY_MAX_CPUS)
		return -ERANGE;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->dir_fd = dir_fd;
	j->sys = sys;
	j->ncpus = ncpus;
	j->setsize = CPU_ALLOC_SIZE(ncpus);
	j->name = strdup(name);
	if (!j->name) {
		affinity_journal_free(j);
		return -ENOMEM;
	}

	r = read_full_file_at(dir_fd, name, 64u << 20, &text, NULL);
	if (r == -ENOENT) {
		*ret = j;
		return 0;
	}
	if (r < 0 && r != -EFBIG) {
		affinity_journal_free(j);
		return r;
	}
	r = r < 0 ? 1 : load(j, text);
	if (r < 0) {
		affinity_journal_free(j);
		return r;
	}
	if (r > 0) {
		_cleanup_free_ char *aside = NULL;

		/* Keep the bad file for a human, and go on with what was valid. */
		log_warning("affinity: the journal %s is corrupt, keeping %zu valid record(s) and "
			    "the file as %s.corrupt", name, j->n, name);
		if (asprintf(&aside, "%s.corrupt", name) < 0) {
			affinity_journal_free(j);
			return -ENOMEM;
		}
		if (renameat(dir_fd, name, dir_fd, aside) < 0)
			log_warning_errno(-errno, "affinity: cannot rename %s, ignoring: %m", name);
		r = save(j);
		if (r < 0) {
			affinity_journal_free(j);
			return r;
		}
		*ret = j;
		return 1;
	}
	*ret = j;
	return 0;
}

struct affinity_journal *affinity_journal_free(struct affinity_journal *j)
{
	if (!j)
		return NULL;
	for (size_t i = 0; i < j->n; i++)
		record_done(&j->rec[i]);
	free(j->rec);
	free(j->name);
	free(j);
	return NULL;
}

/* ---------------------------------------------------------------- threads */

struct thread {
	pid_t tid;
	uint64_t start_time;
};

static int thread_start_time(int proc_fd, pid_t pid, pid_t tid, uint64_t *ret)
{
	struct proc_stat st;
	char path[64], buf[1024];
	ssize_t n;
	int r;

	snprintf(path, sizeof(path), "%d/task/%d/stat", pid, tid);
	n = read_file_at_buf(proc_fd, path, buf, sizeof(buf));
	if (n < 0)
		return errno_is_gone((int)n) ? -ENOENT : (int)n;
	r = proc_parse_stat(buf, &st);
	if (r < 0)
		return r;
	*ret = st.start_time;
	return 0;
}

static int cmp_thread(const void *a, const void *b)
{
	const struct thread *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* The threads of pid with their start times, sorted by tid. */
static int list_threads(int proc_fd, pid_t pid, struct thread **ret, size_t *ret_n)
{
	_cleanup_free_ struct thread *v = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	size_t n = 0, n_alloc = 0;
	struct dirent *de;
	char path[64];
	int r;

	snprintf(path, sizeof(path), "%d/task", pid);
	r = opendir_at(proc_fd, path, &d);
	if (r < 0)
		return r == -ESRCH ? -ENOENT : r;
	while ((de = readdir(d))) {
		uint64_t st;
		int tid;

		if (de->d_name[0] == '.' || safe_atoi(de->d_name, &tid) < 0 || tid <= 0)
			continue;
		r = thread_start_time(proc_fd, pid, tid, &st);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		if (GREEDY_REALLOC(v, n_alloc, n + 1, 16) < 0)
			return -ENOMEM;
		v[n++] = (struct thread){ .tid = tid, .start_time = st };
	}
	if (n == 0)
		return -ENOENT;
	qsort(v, n, sizeof(*v), cmp_thread);
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

/* ---------------------------------------------------------------- place */

enum change_kind { CHANGE_NEW, CHANGE_RETARGET };

static void pin_closep(struct procmem_pin *p)
{
	procmem_pin_close(p);
}

struct change {
	size_t rec;
	enum change_kind kind;
};

/* The original of a process: its leader's record, or any non-inherited one. */
static const cpu_set_t *process_original(const struct affinity_journal *j, pid_t pid,
					 uint64_t start_time)
{
	const cpu_set_t *any = NULL;

	for (size_t i = 0; i < j->n; i++) {
		const struct affinity_record *r = &j->rec[i];

		if (r->dead || r->pid != pid || r->start_time != start_time || r->inherited)
			continue;
		if (r->tid == pid)
			return r->original;
		if (!any)
			any = r->original;
	}
	return any;
}

int affinity_place(struct affinity_journal *j, int proc_fd, pid_t pid, uint64_t start_time,
		   const char *cgroup, const cpu_set_t *target, size_t target_setsize,
		   const cpu_set_t *allowed, size_t allowed_setsize, struct affinity_result *ret)
{
	_cleanup_cpu_set_ cpu_set_t *want = NULL, *allow = NULL, *cur = NULL;
	_cleanup_free_ struct thread *threads = NULL;
	_cleanup_free_ struct change *changes = NULL;
	_cleanup_(pin_closep) struct procmem_pin pin = PROCMEM_PIN_NULL;
	struct affinity_result res = {};
	size_t n_threads = 0, n_changes = 0;
	bool dirty = false;
	int r;

	want = set_from(j, target, target_setsize);
	allow = set_from(j, allowed, allowed_setsize);
	cur = set_new(j);
	if (!want || !allow || !cur)
		return -ENOMEM;
	CPU_AND_S(j->setsize, want, want, allow);
	if (CPU_COUNT_S(j->setsize, want) == 0)
		return -EINVAL;

	r = procmem_pin_open(proc_fd, pid, start_time, cgroup, &pin);
	if (r == PROCMEM_ERR_EXITED || r == PROCMEM_ERR_REUSED || r == PROCMEM_ERR_MOVED ||
	    r == -ENOENT) {
		res.vanished = true;
		*ret = res;
		return 0;
	}
	if (r < 0)
		return r;
	start_time = pin.start_time;

	r = list_threads(proc_fd, pid, &threads, &n_threads);
	if (r < 0) {
		if (r == -ENOENT) {
			res.vanished = true;
			*ret = res;
			return 0;
		}
		return r;
	}
	changes = calloc(n_threads, sizeof(*changes));
	if (!changes)
		return -ENOMEM;

	/* Decide, and record before acting. */
	for (size_t t = 0; t < n_threads; t++) {
		const struct thread *th = &threads[t];
		ssize_t ri = record_find(j, pid, start_time, th->tid);

		r = j->sys->get(j->sys->userdata, th->tid, j->setsize, cur);
		if (r == -ESRCH) {
			res.gone++;
			continue;
		}
		if (r < 0) {
			res.failed++;
			if (!res.first_error)
				res.first_error = r;
			continue;
		}
		res.threads++;
		if (ri >= 0 && j->rec[ri].tid_start_time != th->start_time) {
			drop(&j->rec[ri], &res, "tid reused");
			dirty = true;
			ri = -1;
		}
		if (ri >= 0) {
			struct affinity_record *rec = &j->rec[ri];

			if (set_equal(j, cur, rec->set) ||
			    (rec->prev && set_equal(j, cur, rec->prev))) {
				if (set_equal(j, cur, want)) {
					res.unchanged++;
					continue;
				}
				/* A new target for a thread numab placed: keep its original. */
				if (rec->prev)
					CPU_FREE(rec->prev);
				rec->prev = set_dup(j, cur);
				CPU_FREE(rec->set);
				rec->set = set_dup(j, want);
				if (!rec->prev || !rec->set)
					return -ENOMEM;
				changes[n_changes++] = (struct change){ (size_t)ri, CHANGE_RETARGET };
				dirty = true;
				continue;
			}
			/* Someone changed it since numab set it: not numab's any more. */
			drop(rec, &res, "affinity changed by someone else");
			dirty = true;
		}
		if (set_equal(j, cur, want)) {
			const cpu_set_t *orig = process_original(j, pid, start_time);
			struct affinity_record nr = {
				.pid = pid,
				.start_time = start_time,
				.tid = th->tid,
				.tid_start_time = th->start_time,
				.inherited = true,
			};

			if (!orig || set_equal(j, want, allow)) {
				/* Already there, and not by numab's hand: nothing to undo. */
				res.unchanged++;
				continue;
			}
			nr.original = set_dup(j, orig);
			nr.set = set_dup(j, want);
			if (!nr.original || !nr.set || record_add(j, &nr) < 0) {
				record_done(&nr);
				return -ENOMEM;
			}
			res.inherited++;
			dirty = true;
			continue;
		}
		if (!set_subset(j, allow, cur)) {
			res.narrowed++;
			report_tid(res.narrowed_tids, &res.n_narrowed_tids, th->tid);
			continue;
		}
		{
			struct affinity_record nr = {
				.pid = pid,
				.start_time = start_time,
				.tid = th->tid,
				.tid_start_time = th->start_time,
			};
			ssize_t k;

			nr.original = set_dup(j, cur);
			nr.set = set_dup(j, want);
			k = nr.original && nr.set ? record_add(j, &nr) : -ENOMEM;
			if (k < 0) {
				record_done(&nr);
				return -ENOMEM;
			}
			changes[n_changes++] = (struct change){ (size_t)k, CHANGE_NEW };
			dirty = true;
		}
	}

	if (dirty) {
		r = save(j);
		if (r < 0) {
			/* Nothing changed yet: undo the plan in memory. */
			for (size_t c = 0; c < n_changes; c++) {
				struct affinity_record *rec = &j->rec[changes[c].rec];

				if (changes[c].kind == CHANGE_NEW) {
					rec->dead = true;
				} else {
					CPU_FREE(rec->set);
					rec->set = rec->prev;
					rec->prev = NULL;
				}
			}
			compact(j);
			return r;
		}
	}

	/* Act. */
	for (size_t c = 0; c < n_changes; c++) {
		struct affinity_record *rec = &j->rec[changes[c].rec];

		r = procmem_pin_alive(&pin) ? j->sys->set(j->sys->userdata, rec->tid, j->setsize,
							  rec->set)
					    : -ESRCH;
		if (r >= 0) {
			res.placed++;
			if (rec->prev)
				CPU_FREE(rec->prev);
			rec->prev = NULL;
		} else if (r == -ESRCH) {
			res.gone++;
			rec->dead = true;
		} else {
			res.failed++;
			if (!res.first_error)
				res.first_error = r;
			if (changes[c].kind == CHANGE_NEW) {
				rec->dead = true;
			} else {
				/* Still on the previous target. */
				CPU_FREE(rec->set);
				rec->set = rec->prev;
				rec->prev = NULL;
			}
		}
	}
	compact(j);
	if (n_changes > 0 || dirty) {
		r = save(j);
		if (r < 0)
			log_warning_errno(r, "affinity: cannot update the journal, ignoring: %m");
	}
	*ret = res;
	return 0;
}

/* ---------------------------------------------------------------- restore */

static int cmp_rec(const void *a, const void *b)
{
	const struct affinity_record *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->start_time != y->start_time)
		return x->start_time < y->start_time ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

int affinity_restore(struct affinity_journal *j, int proc_fd, pid_t pid, uint64_t start_time,
		     struct affinity_result *ret)
{
	_cleanup_cpu_set_ cpu_set_t *cur = set_new(j);
	struct affinity_result res = {};
	bool dirty = false;
	int r;

	if (!cur)
		return -ENOMEM;
	/* Grouped by process: one pin per process. */
	if (j->n > 1)
		qsort(j->rec, j->n, sizeof(*j->rec), cmp_rec);
	for (size_t i = 0; i < j->n;) {
		struct procmem_pin pin = PROCMEM_PIN_NULL;
		size_t end = i;
		bool alive;

		while (end < j->n && j->rec[end].pid == j->rec[i].pid &&
		       j->rec[end].start_time == j->rec[i].start_time)
			end++;
		if ((pid != 0 && j->rec[i].pid != pid) ||
		    (start_time != 0 && j->rec[i].start_time != start_time)) {
			i = end;
			continue;
		}
		dirty = true;
		r = procmem_pin_open(proc_fd, j->rec[i].pid, j->rec[i].start_time, NULL, &pin);
		alive = r >= 0;
		if (r < 0 && r != PROCMEM_ERR_EXITED && r != PROCMEM_ERR_REUSED && r != -ENOENT)
			log_debug_errno(r, "affinity: cannot pin pid %d, dropping its records: %m",
					j->rec[i].pid);
		for (size_t k = i; k < end; k++) {
			struct affinity_record *rec = &j->rec[k];
			uint64_t tst;

			if (!alive) {
				drop(rec, &res, "process gone");
				continue;
			}
			r = thread_start_time(proc_fd, rec->pid, rec->tid, &tst);
			if (r < 0 || tst != rec->tid_start_time) {
				drop(rec, &res, r < 0 ? "thread gone" : "tid reused");
				continue;
			}
			r = j->sys->get(j->sys->userdata, rec->tid, j->setsize, cur);
			if (r < 0) {
				drop(rec, &res, "thread gone");
				continue;
			}
			if (set_equal(j, cur, rec->original) && !set_equal(j, cur, rec->set)) {
				/* Never changed (killed between the journal and the change), or
				 * put back already. */
				res.unchanged++;
				rec->dead = true;
				continue;
			}
			if (!set_equal(j, cur, rec->set) &&
			    !(rec->prev && set_equal(j, cur, rec->prev))) {
				drop(rec, &res, "affinity changed by someone else");
				continue;
			}
			r = procmem_pin_alive(&pin)
				    ? j->sys->set(j->sys->userdata, rec->tid, j->setsize,
						  rec->original)
				    : -ESRCH;
			if (r >= 0) {
				res.restored++;
			} else if (r == -ESRCH) {
				res.gone++;
			} else {
				/* E.g. the original has no CPU left in the thread's cpuset. */
				log_debug_errno(r, "affinity: cannot restore pid %d tid %d: %m",
						rec->pid, rec->tid);
				res.failed++;
				if (!res.first_error)
					res.first_error = r;
			}
			rec->dead = true;
		}
		procmem_pin_close(&pin);
		i = end;
	}
	compact(j);
	if (dirty) {
		r = save(j);
		if (r < 0)
			return r;
	}
	*ret = res;
	return 0;
}
