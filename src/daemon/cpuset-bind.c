/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cpuset-bind: pin=hard, a managed cgroup's cpuset.mems narrowed to its pin set.
 *
 * Narrowing cpuset.mems makes the kernel migrate every page of the cgroup left outside the
 * new set at once, outside any budget, and makes the set a hard bind (allocations beyond it
 * fail, the cgroup can OOM). So balance.c binds only with pin=hard, and only once its budgeted
 * moves have brought the memory into the set (DESIGN §5 Act); the kernel then has next to
 * nothing left to move. What is never done:
 *
 * - override a cpuset.mems someone else narrowed: a cgroup whose own cpuset.mems is not empty
 *   (empty = inherit the parent's), does not allow all of the parent's nodes, and is not what
 *   numabd wrote is left alone (-EBUSY);
 * - enable the cpuset controller: a cgroup without cpuset.mems stays without (-ENOENT), as
 *   enabling it in the parent's cgroup.subtree_control would change every sibling;
 * - write into a cgroup systemd manages as a unit: systemd rewrites its attributes from the
 *   unit on every reload, and AllowedMemoryNodes= (runtime) is the interface (-EPERM).
 *
 * The journal (JSON in the state directory, replaced atomically) records the original value
 * before the write, so a SIGKILL leaves either no change or a change with its record; the next
 * numabd restores every record whose cgroup still has the value numabd wrote, and drops the
 * others (someone changed it since: not numabd's any more). cgroup v2 refuses to empty the
 * cpuset.mems of a cgroup with tasks (-ENOSPC), so an inherited original comes back as the
 * parent's nodes written out: the same nodes, but no longer following the parent's changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "daemon/cpuset-bind.h"
#include "shared/fileio.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "shared/nodemask.h"
#include "shared/parse-util.h"

#define JOURNAL_VERSION 1

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

struct bind_record {
	char *cgroup;
	char *original;   /* the cgroup's own cpuset.mems before numabd ("" = inherited) */
	uint64_t set;     /* what numabd wrote */
	uint64_t prev;    /* a rebind in flight: the set before it, else 0 */
};

struct cpuset_binds {
	int state_fd;     /* borrowed */
	int cgroup_fd;    /* borrowed */
	bool systemd;     /* systemd runs (sd_booted() at open): its units' cgroups are not ours */
	char *name;
	struct bind_record *records;
	size_t n_records;
};

static void record_done(struct bind_record *r)
{
	free(r->cgroup);
	free(r->original);
}

static struct bind_record *find(const struct cpuset_binds *b, const char *cgroup)
{
	for (size_t i = 0; i < b->n_records; i++)
		if (streq(b->records[i].cgroup, cgroup))
			return &b->records[i];
	return NULL;
}

static void drop(struct cpuset_binds *b, struct bind_record *r)
{
	size_t i = (size_t)(r - b->records);

	record_done(r);
	memmove(r, r + 1, (b->n_records - i - 1) * sizeof(*r));
	b->n_records--;
}

static int save(struct cpuset_binds *b)
{
	_cleanup_(json_object_putp) json_object *root = json_object_new_object();
	json_object *arr = json_object_new_array();
	char buf[NODEMASK_FORMAT_MAX];
	const char *text;

	if (!root || !arr) {
		json_object_put(arr);
		return -ENOMEM;
	}
	json_object_object_add(root, "version", json_object_new_int(JOURNAL_VERSION));
	json_object_object_add(root, "binds", arr);
	for (size_t i = 0; i < b->n_records; i++) {
		json_object *o = json_object_new_object();

		if (!o)
			return -ENOMEM;
		json_object_object_add(o, "cgroup", json_object_new_string(b->records[i].cgroup));
		json_object_object_add(o, "original", json_object_new_string(b->records[i].original));
		json_object_object_add(o, "set", json_object_new_string(nodemask_format(
							 buf, sizeof(buf), b->records[i].set)));
		if (b->records[i].prev)
			json_object_object_add(o, "prev", json_object_new_string(nodemask_format(
								  buf, sizeof(buf), b->records[i].prev)));
		json_object_array_add(arr, o);
	}
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
	if (!text)
		return -ENOMEM;
	return write_file_atomic_at(b->state_fd, b->name, text, strlen(text), 0600);
}

/* The path of file in cgroup (with parent: in cgroup's parent), relative to the cgroup root
 * ("/" and a top-level cgroup's parent are the root itself). */
static int cg_file(char *buf, size_t size, const char *cgroup, bool parent, const char *file)
{
	const char *rel = cgroup + 1; /* "/a/b" -> "a/b", "/" -> "" */
	size_t len = strlen(rel);

	if (parent) {
		const char *slash = strrchr(rel, '/');

		len = slash ? (size_t)(slash - rel) : 0;
	}
	if (snprintf(buf, size, "%.*s%s%s", (int)len, rel, len ? "/" : "", file) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

/* The cgroup's own cpuset.mems: "" when it inherits its parent's. */
static int read_mems(const struct cpuset_binds *b, const char *cgroup, char *buf, size_t size)
{
	char path[4096];
	int r = cg_file(path, sizeof(path), cgroup, false, "cpuset.mems");

	return r < 0 ? r : read_line_at(b->cgroup_fd, path, buf, size);
}

static int write_mems(const struct cpuset_binds *b, const char *cgroup, const char *value)
{
	char path[4096];
	int r = cg_file(path, sizeof(path), cgroup, false, "cpuset.mems");

	/* An empty value goes back to inheriting; the kernel wants a newline for that. */
	return r < 0 ? r : write_string_at(b->cgroup_fd, path, value[0] ? value : "\n");
}

/* The parent's cpuset.mems.effective. */
static int parent_effective(const struct cpuset_binds *b, const char *cgroup, char *buf,
			    size_t size)
{
	char path[4096];
	int r = cg_file(path, sizeof(path), cgroup, true, "cpuset.mems.effective");

	return r < 0 ? r : read_line_at(b->cgroup_fd, path, buf, size);
}

/* Whether a cpuset.mems value allows every node of the parent's: not narrowed (restore writes
 * that where the kernel refuses to empty the file). */
static bool spans_parent(const struct cpuset_binds *b, const char *cgroup, const char *value)
{
	char eff[256];
	uint64_t mask, parent_mask;

	return parse_nodemask(value, &mask) >= 0 &&
	       parent_effective(b, cgroup, eff, sizeof(eff)) >= 0 &&
	       parse_nodemask(eff, &parent_mask) >= 0 && (parent_mask & ~mask) == 0;
}

/* Whether the cgroup's cpuset.mems is still what numabd wrote (either side of a rebind that
 * a SIGKILL may have cut). */
static bool still_ours(const struct cpuset_binds *b, const struct bind_record *r)
{
	char cur[256];
	uint64_t mask;

	return read_mems(b, r->cgroup, cur, sizeof(cur)) >= 0 && cur[0] &&
	       parse_nodemask(cur, &mask) >= 0 && (mask == r->set || (r->prev && mask == r->prev));
}

/* Put one record's original back if the cgroup still has numabd's value; 1 if restored. */
static int restore_one(struct cpuset_binds *b, const struct bind_record *r)
{
	int k;

	if (!still_ours(b, r)) {
		log_info("cgroup %s: cpuset.mems changed since numabd bound it (or the cgroup is "
			 "gone): left as it is.", r->cgroup);
		return 0;
	}
	k = write_mems(b, r->cgroup, r->original);
	if (k == -ENOSPC && !r->original[0]) {
		/* cgroup v2 refuses to empty the cpuset.mems of a populated cgroup. The nearest
		 * thing to "inherited" is the parent's nodes, written out. */
		char eff[256];

		k = parent_effective(b, r->cgroup, eff, sizeof(eff));
		if (k >= 0)
			k = write_mems(b, r->cgroup, eff);
		if (k >= 0) {
			log_info("cgroup %s: cpuset.mems set to its parent's nodes %s (it inherited "
				 "them before; the kernel does not empty the cpuset.mems of a cgroup "
				 "with tasks).", r->cgroup, eff);
			return 1;
		}
	}
	if (k < 0)
		return log_warning_errno(k, "cgroup %s: failed to restore cpuset.mems '%s': %m",
					 r->cgroup, r->original);
	log_info("cgroup %s: cpuset.mems restored to '%s'.", r->cgroup,
		 r->original[0] ? r->original : "(inherited)");
	return 1;
}

static int load(struct cpuset_binds *b)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_(json_object_putp) json_object *root = NULL;
	json_object *arr;
	int r;

	r = read_full_file_at(b->state_fd, b->name, 1u << 20, &text, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	root = json_tokener_parse(text);
	if (!root || !json_object_object_get_ex(root, "binds", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		log_warning("The cpuset journal %s is not valid JSON with a \"binds\" array: ignored.",
			    b->name);
		return 0;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i), *cg, *orig, *set, *prev;
		struct bind_record *n;
		uint64_t mask, prev_mask = 0;

		if (!json_object_object_get_ex(o, "cgroup", &cg) ||
		    !json_object_object_get_ex(o, "original", &orig) ||
		    !json_object_object_get_ex(o, "set", &set) ||
		    !json_object_is_type(cg, json_type_string) ||
		    !json_object_is_type(orig, json_type_string) ||
		    !json_object_is_type(set, json_type_string) ||
		    json_object_get_string(cg)[0] != '/' ||
		    parse_nodemask(json_object_get_string(set), &mask) < 0 || !mask) {
			log_warning("The cpuset journal %s: record %zu is malformed, ignored.", b->name,
				    i);
			continue;
		}
		if (json_object_object_get_ex(o, "prev", &prev) &&
		    (!json_object_is_type(prev, json_type_string) ||
		     parse_nodemask(json_object_get_string(prev), &prev_mask) < 0))
			prev_mask = 0;
		n = realloc(b->records, (b->n_records + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		b->records = n;
		n = &b->records[b->n_records];
		*n = (struct bind_record){ .cgroup = strdup(json_object_get_string(cg)),
					   .original = strdup(json_object_get_string(orig)),
					   .set = mask, .prev = prev_mask };
		if (!n->cgroup || !n->original) {
			record_done(n);
			return -ENOMEM;
		}
		b->n_records++;
	}
	return 0;
}

int cpuset_binds_open(int state_fd, const char *name, int cgroup_fd, struct cpuset_binds **ret,
		      unsigned *ret_restored)
{
	struct cpuset_binds *b = calloc(1, sizeof(*b));
	unsigned restored;
	int r;

	if (!b)
		return -ENOMEM;
	b->state_fd = state_fd;
	b->cgroup_fd = cgroup_fd;
	b->systemd = sd_booted() > 0;
	b->name = strdup(name);
	if (!b->name) {
		cpuset_binds_free(b);
		return -ENOMEM;
	}
	r = load(b);
	if (r < 0) {
		cpuset_binds_free(b);
		return r;
	}
	/* Left by a numabd that was killed: put back what is still ours. */
	restored = b->n_records ? cpuset_binds_release_all(b) : 0;
	if (ret_restored)
		*ret_restored = restored;
	*ret = b;
	return 0;
}

struct cpuset_binds *cpuset_binds_free(struct cpuset_binds *b)
{
	if (!b)
		return NULL;
	for (size_t i = 0; i < b->n_records; i++)
		record_done(&b->records[i]);
	free(b->records);
	free(b->name);
	free(b);
	return NULL;
}

bool cpuset_binds_systemd_unit(const char *path, const char **ret_unit)
{
	static const char *const suffixes[] = { ".service", ".scope", ".slice" };
	const char *unit = NULL;

	/* Walk the components: a unit's own subtree below a .service or .scope is delegated
	 * (or at least not a unit); .slice components nest. */
	for (const char *p = path; *p;) {
		const char *end;
		size_t len;
		bool is_unit = false, leaf_unit = false;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchrnul(p, '/');
		len = (size_t)(end - p);
		for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
			size_t sl = strlen(suffixes[i]);

			if (len > sl && strncmp(end - sl, suffixes[i], sl) == 0) {
				is_unit = true;
				leaf_unit = i < 2;
			}
		}
		if (unit && !is_unit)
			return false; /* below a unit: not systemd's */
		if (!unit && !is_unit)
			return false; /* not under systemd's tree at all */
		unit = is_unit ? p : unit;
		p = end;
		if (leaf_unit && *p) {
			/* below a .service/.scope: delegated to the service */
			while (*p == '/')
				p++;
			if (*p)
				return false;
		}
	}
	if (!unit)
		return false;
	if (ret_unit)
		*ret_unit = unit;
	return true;
}

int cpuset_binds_apply(struct cpuset_binds *b, const char *cgroup, uint64_t nodes)
{
	char cur[256], want[NODEMASK_FORMAT_MAX];
	struct bind_record *rec = find(b, cgroup), *n;
	uint64_t mask;
	int r;

	if (!nodes)
		return -EINVAL;
	if (b->systemd && cpuset_binds_systemd_unit(cgroup, NULL))
		return -EPERM;
	r = read_mems(b, cgroup, cur, sizeof(cur));
	if (r < 0)
		return r;
	if (cur[0] && parse_nodemask(cur, &mask) >= 0 && rec && mask == rec->set) {
		if (mask == nodes)
			return 0;
	} else if (cur[0] && !spans_parent(b, cgroup, cur)) {
		if (rec)
			drop(b, rec); /* changed by someone else since: not ours any more */
		(void)save(b);
		return -EBUSY;
	}
	nodemask_format(want, sizeof(want), nodes);
	if (!rec) {
		n = realloc(b->records, (b->n_records + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		b->records = n;
		rec = &b->records[b->n_records];
		*rec = (struct bind_record){ .cgroup = strdup(cgroup), .original = strdup(cur) };
		if (!rec->cgroup || !rec->original) {
			record_done(rec);
			return -ENOMEM;
		}
		b->n_records++;
	}
	/* The record first: a SIGKILL between the two leaves a change with its record (prev
	 * covers a rebind cut half-way). */
	rec->prev = rec->set;
	rec->set = nodes;
	r = save(b);
	if (r >= 0)
		r = write_mems(b, cgroup, want);
	if (r < 0) {
		if (rec->prev) {
			rec->set = rec->prev;
			rec->prev = 0;
		} else
			drop(b, rec);
		(void)save(b);
		return r;
	}
	rec->prev = 0;
	(void)save(b);
	return 0;
}

int cpuset_binds_release(struct cpuset_binds *b, const char *cgroup)
{
	struct bind_record *rec = find(b, cgroup);
	int r;

	if (!rec)
		return 0;
	r = restore_one(b, rec);
	drop(b, rec);
	(void)save(b);
	return r;
}

unsigned cpuset_binds_release_all(struct cpuset_binds *b)
{
	unsigned n = 0;

	while (b->n_records > 0) {
		if (restore_one(b, &b->records[0]) > 0)
			n++;
		drop(b, &b->records[0]);
	}
	(void)save(b);
	return n;
}

bool cpuset_binds_has(const struct cpuset_binds *b, const char *cgroup)
{
	return find(b, cgroup) != NULL;
}
