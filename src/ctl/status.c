/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * numabctl status and top: the per-cgroup NUMA picture.
 *
 * Both take two snapshots a window apart (CPU placement needs a window), then show per cgroup
 * its movable memory per node, its CPU share per node, node balance (cheap, every cgroup) and
 * placement locality (per process from numa_maps, memory-weighted; only for the cgroups asked
 * for, because numa_maps is a page-table walk). Everything is hierarchical: a cgroup's numbers
 * include its descendants, as memory.numa_stat does.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/autonuma.h"
#include "core/placement.h"
#include "core/policy.h"
#include "core/report.h"
#include "ctl/client.h"
#include "ctl/ctl.h"
#include "shared/log.h"
#include "shared/macro.h"
#include "shared/parse-util.h"
#include "sysfs/mempolicy-read.h"
#include "sysfs/proc-read.h"
#include "sysfs/snapshot-read.h"
#include "sysfs/topo-read.h"

enum sort_key {
	SORT_TREE,
	SORT_LOCALITY,
	SORT_MEMORY,
	SORT_CPU,
	_SORT_MAX,
	_SORT_INVALID = -EINVAL,
};

static const char *const sort_names[_SORT_MAX] = {
	[SORT_TREE] = "tree",
	[SORT_LOCALITY] = "locality",
	[SORT_MEMORY] = "memory",
	[SORT_CPU] = "cpu",
};

static enum sort_key sort_from_string(const char *s)
{
	for (int i = 0; i < _SORT_MAX; i++)
		if (streq(s, sort_names[i]))
			return i;
	return _SORT_INVALID;
}

struct picture {
	const struct ctl *ctl;
	struct numab_roots roots;
	struct topology *topo;
	struct snapshot *prev, *cur;
	uint64_t window_usec;
	struct cg_view *views;     /* per cgroup of cur */
	bool *selected;            /* per cgroup of cur: shown */
	bool *sample;              /* per cgroup of cur: locality sampled */
	struct policy_results *policy; /* effective policy of cur's cgroups (offline), or NULL */
	json_object *daemon;       /* numabd's status reply, or NULL when it does not run */
	json_object **daemon_cg;   /* per cgroup of cur: numabd's object for it, or NULL */
};

static void picture_done(struct picture *p)
{
	snapshot_free(p->prev);
	snapshot_free(p->cur);
	free(p->views);
	free(p->selected);
	free(p->sample);
	free(p->daemon_cg);
	json_object_put(p->daemon);
	policy_results_free(p->policy);
	topo_free(p->topo);
	roots_close(&p->roots);
}

/* End of the subtree of cgroup i in a pre-order snapshot (exclusive). */
static unsigned subtree_end(const struct snapshot *s, unsigned i)
{
	unsigned j = i + 1;

	while (j < s->n_cgroups && s->cgroups[j].depth > s->cgroups[i].depth)
		j++;
	return j;
}

/* Whether AutoNUMA skips every process of a cgroup for its memory policy (mempolicy-read.h):
 * 1, 0, or a negative errno. */
static int cgroup_skips_autonuma(const struct picture *p, const char *path)
{
	_cleanup_close_ int fd = -EBADF;

	fd = openat(p->roots.cgroup_fd, streq(path, "/") ? "." : path + 1,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	return mempolicy_read_cgroup_skips(fd, p->roots.proc_fd, 0);
}

/* Placement locality of a cgroup's subtree: per process from numa_maps, weighted by the
 * process's mapped memory. */
static void sample_locality(struct picture *p, unsigned idx)
{
	const struct snapshot *s = p->cur;
	struct cg_view *v = &p->views[idx];
	double weighted = 0.0, weight = 0.0;
	unsigned n = 0;

	for (unsigned i = idx; i < subtree_end(s, idx); i++) {
		const struct cg_sample *c = &s->cgroups[i];

		for (unsigned j = 0; j < c->n_procs; j++) {
			const struct proc_sample *ps = &c->procs[j];
			struct numa_maps_summary m;
			double l;

			if (!ps->cpu_ns || ps->cpu_ns_total == 0)
				continue;
			if (proc_read_numa_maps(p->roots.proc_fd, ps->pid, s->span, &m) < 0)
				continue;
			l = placement_locality(ps->cpu_ns, m.bytes_per_node, s->span);
			if (l >= 0) {
				weighted += l * (double)m.total_bytes;
				weight += (double)m.total_bytes;
				n++;
			}
			numa_maps_summary_done(&m);
		}
	}
	v->locality = weight > 0 ? weighted / weight : -1.0;
	v->locality_age_usec = 0;
	v->n_procs_sampled = n;
}

static int take(struct picture *p)
{
	struct snapshot *s;
	int r;

	r = snapshot_take(&p->roots, p->topo, SNAP_TASKS | SNAP_COUNTERS, &s);
	if (r == -ENOMEDIUM)
		return r;
	if (r < 0)
		return log_error_errno(r, "Failed to read the cgroup tree under %s: %m",
				       p->roots.cgroup_path);
	snapshot_free(p->prev);
	p->prev = p->cur;
	p->cur = s;
	return 0;
}

/* Modes: from numabd when it runs (it also knows sampled locality and what it did), else
 * resolved here from the config, xattrs and saved runtime settings. */
static void picture_policy(struct picture *p)
{
	const struct snapshot *s = p->cur;
	json_object *cgroups;

	policy_results_free(p->policy);
	p->policy = NULL;
	json_object_put(p->daemon);
	p->daemon = NULL;
	free(p->daemon_cg);
	p->daemon_cg = NULL;

	if (!ctl_offline_only(p->ctl) &&
	    ctl_call(p->ctl->socket_path, "status", NULL, true, &p->daemon) >= 0 &&
	    json_object_object_get_ex(p->daemon, "cgroups", &cgroups)) {
		p->daemon_cg = calloc(s->n_cgroups, sizeof(json_object *));
		if (!p->daemon_cg)
			return;
		for (size_t k = 0; k < json_object_array_length(cgroups); k++) {
			json_object *o = json_object_array_get_idx(cgroups, k), *path;
			int idx;

			if (!json_object_object_get_ex(o, "path", &path))
				continue;
			idx = snapshot_find(s, json_object_get_string(path));
			if (idx >= 0)
				p->daemon_cg[idx] = o;
		}
		for (unsigned i = 0; i < s->n_cgroups; i++) {
			json_object *o = p->daemon_cg[i], *v;

			if (!o)
				continue;
			if (json_object_object_get_ex(o, "mode", &v))
				p->views[i].mode = json_object_get_string(v);
			if (json_object_object_get_ex(o, "locality", &v) && v && p->views[i].locality < 0) {
				p->views[i].locality = json_object_get_double(v);
				if (json_object_object_get_ex(o, "locality_age_s", &v))
					p->views[i].locality_age_usec =
						(uint64_t)(json_object_get_double(v) * 1e6);
			}
		}
		return;
	}
	if (ctl_resolve_offline(p->ctl, &p->roots, p->topo, s, &p->policy) < 0) {
		log_warning("Modes are not shown (see the configuration error above).");
		return;
	}
	for (unsigned i = 0; i < s->n_cgroups; i++)
		p->views[i].mode = policy_mode_to_string(p->policy->items[i].effective.mode);
}

/* Compute the window and the per-cgroup views; cgroups is the list named on the command line
 * (NULL: all), recursive adds their descendants. */
static int picture_compute(struct picture *p, char **cgroups, int n_cgroups, bool recursive,
			   bool sample_all)
{
	struct snapshot *s = p->cur;
	int r;

	p->window_usec = p->prev ? s->timestamp_usec - p->prev->timestamp_usec : 0;
	r = placement_compute(p->prev, s, p->topo);
	if (r < 0)
		return log_oom();

	free(p->views);
	free(p->selected);
	free(p->sample);
	p->views = calloc(s->n_cgroups, sizeof(*p->views));
	p->selected = calloc(s->n_cgroups, sizeof(bool));
	p->sample = calloc(s->n_cgroups, sizeof(bool));
	if (!p->views || !p->selected || !p->sample)
		return log_oom();
	for (unsigned i = 0; i < s->n_cgroups; i++) {
		p->views[i].locality = -1.0;
		p->selected[i] = n_cgroups == 0;
		p->sample[i] = sample_all;
	}
	for (int a = 0; a < n_cgroups; a++) {
		int idx = snapshot_find(s, cgroups[a]);

		if (idx < 0)
			return log_error_errno(SYNTHETIC_ERRNO(ENOENT),
					       "cgroup %s not found under %s.", cgroups[a],
					       p->roots.cgroup_path);
		for (unsigned i = (unsigned)idx;
		     i < (recursive ? subtree_end(s, (unsigned)idx) : (unsigned)idx + 1); i++) {
			p->selected[i] = true;
			p->sample[i] = true;
		}
	}
	if (p->window_usec > 0)
		for (unsigned i = 0; i < s->n_cgroups; i++)
			if (p->sample[i] && p->selected[i])
				sample_locality(p, i);
	picture_policy(p);
	{
		int nb = proc_read_numa_balancing(p->roots.proc_fd);
		unsigned kernel = proc_read_kernel_version(p->roots.proc_fd);

		for (unsigned i = 0; i < s->n_cgroups; i++) {
			/* Processes under a policy AutoNUMA skips (numabctl run): one numa_maps
			 * line each, for the cgroups shown. */
			bool local = nb > 0 && p->selected[i] &&
				     cgroup_skips_autonuma(p, s->cgroups[i].path) > 0;
			struct autonuma_verdict an =
				autonuma_classify(nb, kernel, s->cgroups[i].mems_effective, local);

			p->views[i].autonuma_state = autonuma_state_to_string(an.state);
			p->views[i].autonuma_reason = an.reason;
		}
	}
	return 0;
}

/* What this host can show, for people and for JSON. */
static json_object *picture_notes(const struct picture *p)
{
	json_object *notes = json_object_new_array();
	char buf[512];

	if (p->roots.cgroup_fd < 0) {
		json_object_array_add(notes,
				      json_object_new_string(
					      "no cgroup v2 hierarchy is mounted: only the topology "
					      "can be shown"));
		return notes;
	}
	if (p->cur && !p->cur->has_memory_controller) {
		snprintf(buf, sizeof(buf),
			 "the cgroup v2 hierarchy at %s has no memory controller (on this host it is "
			 "attached to cgroup v1 or disabled), so memory per node, node balance and "
			 "the kernel's NUMA counters are not available; CPU placement per node is "
			 "shown",
			 p->roots.cgroup_path);
		json_object_array_add(notes, json_object_new_string(buf));
	}
	if (p->topo->n_unsupported)
		json_object_array_add(notes,
				      json_object_new_string(
					      "nodes with ids of 64 or more exist and are ignored"));
	return notes;
}

static json_object *picture_json(const struct picture *p)
{
	json_object *o = json_object_new_object();
	json_object *nodes = json_object_new_array();
	json_object *cgroups = json_object_new_array();

	json_object_object_add(o, "cgroup_root",
			       p->roots.cgroup_path ? json_object_new_string(p->roots.cgroup_path)
						    : NULL);
	json_object_object_add(o, "window_s", json_object_new_double((double)p->window_usec / 1e6));
	json_object_object_add(o, "memory_controller",
			       json_object_new_boolean(p->cur && p->cur->has_memory_controller));
	json_object_object_add(o, "notes", picture_notes(p));
	NODEMASK_FOREACH(n, p->topo->node_mask)
		json_object_array_add(nodes, report_node_json(p->topo, (unsigned)n));
	json_object_object_add(o, "nodes", nodes);
	json_object_object_add(o, "daemon", json_object_new_boolean(p->daemon != NULL));
	if (p->cur)
		for (unsigned i = 0; i < p->cur->n_cgroups; i++) {
			struct cg_view v = p->views[i];
			json_object *runtime;

			if (!p->selected[i])
				continue;
			if (p->daemon_cg && p->daemon_cg[i] &&
			    json_object_object_get_ex(p->daemon_cg[i], "runtime", &runtime)) {
				v.extra = json_object_new_object();
				json_object_object_add(v.extra, "runtime", json_object_get(runtime));
			}
			json_object_array_add(cgroups, report_cgroup_json(p->topo, p->cur,
									  &p->cur->cgroups[i], &v,
									  p->window_usec));
			json_object_put(v.extra);
		}
	json_object_object_add(o, "cgroups", cgroups);
	return o;
}

static void print_nodes(const struct picture *p)
{
	char a[FORMAT_BYTES_MAX], b[FORMAT_BYTES_MAX];

	printf("%-5s %-12s %-5s %9s %9s  %s\n", "NODE", "CPUS", "TIER", "MEMORY", "FREE",
	       "DISTANCES");
	NODEMASK_FOREACH(n, p->topo->node_mask) {
		const struct topo_node *tn = &p->topo->nodes[n];

		printf("%-5d %-12s %-5d %9s %9s  ", n, tn->n_cpus ? tn->cpulist : "(none)",
		       tn->tier, format_bytes(a, sizeof(a), tn->mem_total_bytes),
		       format_bytes(b, sizeof(b), tn->mem_free_bytes));
		NODEMASK_FOREACH(to, p->topo->node_mask)
			printf("%d ", p->topo->distance[n][to]);
		printf("\n");
	}
}

static double cg_sort_locality(const struct picture *p, unsigned i)
{
	const struct cg_sample *c = &p->cur->cgroups[i];

	if (p->views[i].locality >= 0)
		return p->views[i].locality;
	return c->has_numa_stat ? placement_node_balance(c, p->cur->span) : -1.0;
}

static const struct picture *sort_picture;
static enum sort_key sort_by;

static int cmp_rows(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	const struct picture *p = sort_picture;
	const struct cg_sample *cx = &p->cur->cgroups[x], *cy = &p->cur->cgroups[y];

	switch (sort_by) {
	case SORT_LOCALITY: {
		/* Worst first; cgroups without a number last. */
		double lx = cg_sort_locality(p, x), ly = cg_sort_locality(p, y);

		if ((lx < 0) != (ly < 0))
			return lx < 0 ? 1 : -1;
		if (lx != ly)
			return lx < ly ? -1 : 1;
		break;
	}
	case SORT_MEMORY: {
		uint64_t mx = cg_movable_total(cx, p->cur->span);
		uint64_t my = cg_movable_total(cy, p->cur->span);

		if (mx != my)
			return mx > my ? -1 : 1;
		break;
	}
	case SORT_CPU:
		if (cx->cpu_ns_total != cy->cpu_ns_total)
			return cx->cpu_ns_total > cy->cpu_ns_total ? -1 : 1;
		break;
	default:
		break;
	}
	return (x > y) - (x < y);
}

static void print_fraction(double v)
{
	if (v < 0)
		printf(" %8s", "-");
	else
		printf(" %8.2f", v);
}

/* The cgroup table; max_rows 0 = all. Rows are the selected cgroups, filtered to those with
 * CPU time or memory when busy_only. */
static void print_cgroups(const struct picture *p, enum sort_key sort, bool busy_only,
			  unsigned max_rows)
{
	const struct snapshot *s = p->cur;
	_cleanup_free_ unsigned *rows = NULL;
	unsigned n_rows = 0, width = 6;
	bool counters = false;
	char buf[FORMAT_BYTES_MAX];

	rows = calloc(s->n_cgroups, sizeof(unsigned));
	if (!rows) {
		log_oom();
		return;
	}
	for (unsigned i = 0; i < s->n_cgroups; i++) {
		const struct cg_sample *c = &s->cgroups[i];

		if (!p->selected[i])
			continue;
		if (busy_only && c->cpu_ns_total == 0 && cg_movable_total(c, s->span) == 0)
			continue;
		rows[n_rows++] = i;
		width = MAX(width, (unsigned)strlen(c->path));
		counters = counters || c->has_counters;
	}
	width = MIN(width, 48u);
	sort_picture = p;
	sort_by = sort;
	if (sort != SORT_TREE)
		qsort(rows, n_rows, sizeof(unsigned), cmp_rows);

	printf("%-*s %-10s %5s", (int)width, "CGROUP", "MODE", "PROCS");
	NODEMASK_FOREACH(n, p->topo->node_mask)
		printf(" %7s%-2d", "MEM:", n);
	NODEMASK_FOREACH(n, p->topo->node_mask)
		printf(" %5s%-2d", "CPU:", n);
	printf(" %8s %8s %-8s", "BALANCE", "LOCALITY", "AUTONUMA");
	if (counters)
		printf(" %10s %10s", "MIGRATED", "HINTFAULTS");
	printf("\n");

	for (unsigned r = 0; r < n_rows && (max_rows == 0 || r < max_rows); r++) {
		unsigned i = rows[r];
		const struct cg_sample *c = &s->cgroups[i];
		const char *path = c->path;
		size_t plen = strlen(path);

		if (plen > width)
			printf("...%-*s", (int)width - 3, path + plen - (width - 3));
		else
			printf("%-*s", (int)width, path);
		printf(" %-10s %5u", p->views[i].mode ?: "-", c->n_procs);
		NODEMASK_FOREACH(n, p->topo->node_mask)
			printf(" %9s", c->has_numa_stat ? format_bytes(buf, sizeof(buf),
								       cg_movable_bytes(c, (unsigned)n))
							: "-");
		NODEMASK_FOREACH(n, p->topo->node_mask) {
			double share = report_cpu_share(c, (unsigned)n);

			if (share < 0)
				printf(" %7s", "-");
			else
				printf(" %6.0f%%", share * 100.0);
		}
		print_fraction(c->has_numa_stat ? placement_node_balance(c, s->span) : -1.0);
		print_fraction(p->views[i].locality);
		printf(" %-8s", p->views[i].autonuma_state ?: "-");
		if (counters) {
			if (c->has_counters)
				printf(" %10llu %10llu",
				       (unsigned long long)c->counters[CG_NUMA_PAGES_MIGRATED],
				       (unsigned long long)c->counters[CG_NUMA_HINT_FAULTS]);
			else
				printf(" %10s %10s", "-", "-");
		}
		printf("\n");
	}
	if (max_rows && n_rows > max_rows)
		printf("(%u more)\n", n_rows - max_rows);
	/* What numabd says about the cgroups it manages. */
	for (unsigned r = 0; p->daemon_cg && r < n_rows && (max_rows == 0 || r < max_rows); r++) {
		json_object *o = p->daemon_cg[rows[r]], *runtime, *note;

		if (o && json_object_object_get_ex(o, "runtime", &runtime) &&
		    json_object_object_get_ex(runtime, "note", &note) && note)
			printf("%s: %s\n", s->cgroups[rows[r]].path, json_object_get_string(note));
	}
}

static void print_notes(const struct picture *p)
{
	json_object *notes = picture_notes(p);

	for (size_t i = 0; i < json_object_array_length(notes); i++)
		printf("note: %s\n", json_object_get_string(json_object_array_get_idx(notes, i)));
	json_object_put(notes);
}

static void print_header(const struct picture *p)
{
	printf("numab: %u node%s, cgroup v2 at %s, CPU window %.1fs\n", topo_n_nodes(p->topo),
	       topo_n_nodes(p->topo) == 1 ? "" : "s", strna(p->roots.cgroup_path),
	       (double)p->window_usec / 1e6);
}

static int sleep_usec(uint64_t usec)
{
	struct timespec ts = { .tv_sec = (time_t)(usec / 1000000),
			       .tv_nsec = (long)(usec % 1000000) * 1000 };

	return nanosleep(&ts, NULL) < 0 ? negative_errno() : 0;
}

static int parse_cgroup_args(int argc, char **argv, char ***ret)
{
	char **v = calloc((size_t)MAX(argc, 1), sizeof(char *));

	if (!v)
		return log_oom();
	for (int i = 0; i < argc; i++)
		if (ctl_cgroup_path(argv[i], &v[i]) < 0) {
			for (int j = 0; j < i; j++)
				free(v[j]);
			free(v);
			return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
					       "Invalid cgroup path '%s'.", argv[i]);
		}
	*ret = v;
	return 0;
}

static void free_cgroup_args(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void status_help(void)
{
	printf("Usage: numabctl [-j] status [OPTIONS] [CGROUP...]\n\n"
	       "Show each cgroup's movable memory per node, CPU share per node, node balance and\n"
	       "placement locality. Works without numabd.\n\n"
	       "  -w, --window DURATION  CPU window (default 1s; 0 = memory only)\n"
	       "  -r, --recursive        with CGROUP: also show its descendants\n"
	       "  -l, --locality         sample placement locality of every cgroup (numa_maps)\n"
	       "  -s, --sort KEY         tree (default), locality, memory or cpu\n"
	       "  -h, --help             this help\n");
}

int verb_status(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "window", required_argument, NULL, 'w' },
		{ "recursive", no_argument, NULL, 'r' },
		{ "locality", no_argument, NULL, 'l' },
		{ "sort", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct picture p = { .ctl = ctl };
	uint64_t window_usec = 1000000;
	bool recursive = false, all_locality = false;
	enum sort_key sort = SORT_TREE;
	char **cgroups = NULL;
	int c, r, n_cgroups;

	while ((c = getopt_long(argc, argv, "w:rls:h", options, NULL)) >= 0) {
		switch (c) {
		case 'w':
			if (parse_duration_usec(optarg, &window_usec) < 0)
				return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
						       "Invalid --window '%s' (e.g. 1s, 500ms).",
						       optarg);
			break;
		case 'r':
			recursive = true;
			break;
		case 'l':
			all_locality = true;
			break;
		case 's':
			sort = sort_from_string(optarg);
			if (sort < 0)
				return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
						       "Invalid --sort '%s' (tree, locality, memory, cpu).",
						       optarg);
			break;
		case 'h':
			status_help();
			return 0;
		default:
			return -EINVAL;
		}
	}
	n_cgroups = argc - optind;
	r = parse_cgroup_args(n_cgroups, argv + optind, &cgroups);
	if (r < 0)
		return r;

	r = ctl_open(ctl, &p.roots, &p.topo);
	if (r < 0)
		goto out;
	r = take(&p);
	if (r >= 0 && window_usec > 0) {
		(void)sleep_usec(window_usec);
		(void)topo_refresh_free(p.roots.sysfs_fd, p.topo);
		r = take(&p);
	}
	if (r == -ENOMEDIUM && n_cgroups == 0) {
		r = 0; /* topology only */
	} else if (r == -ENOMEDIUM) {
		r = log_error_errno(r, "No cgroup v2 hierarchy is mounted.");
		goto out;
	} else if (r < 0) {
		goto out;
	}
	if (p.cur) {
		r = picture_compute(&p, cgroups, n_cgroups, recursive, all_locality);
		if (r < 0)
			goto out;
	}

	if (ctl->json) {
		ctl_print_json(picture_json(&p));
	} else {
		print_header(&p);
		print_notes(&p);
		printf("\n");
		print_nodes(&p);
		if (p.cur) {
			printf("\n");
			print_cgroups(&p, sort, false, 0);
		}
	}
	r = 0;
out:
	free_cgroup_args(cgroups, n_cgroups);
	picture_done(&p);
	return r;
}

static void top_help(void)
{
	printf("Usage: numabctl [-j] top [OPTIONS] [CGROUP...]\n\n"
	       "Live per-cgroup NUMA view. Keys: q quit, l/m/c sort by locality, memory, CPU.\n"
	       "When stdout is not a terminal, prints one block per interval.\n\n"
	       "  -d, --delay DURATION   refresh interval (default 1s)\n"
	       "  -n, --iterations N     stop after N refreshes (default: until q or ^C)\n"
	       "  -s, --sort KEY         locality, memory (default) or cpu\n"
	       "  -a, --all              include idle cgroups without memory or CPU time\n"
	       "  -h, --help             this help\n");
}

static struct termios saved_termios;
static bool termios_saved;

static void restore_terminal(void)
{
	if (termios_saved)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
	printf("\033[?25h");
	fflush(stdout);
}

/* Wait up to usec for a key; returns the key or 0. */
static int wait_key(uint64_t usec)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char ch;

	if (!termios_saved) {
		(void)sleep_usec(usec);
		return 0;
	}
	if (poll(&pfd, 1, (int)(usec / 1000)) > 0 && read(STDIN_FILENO, &ch, 1) == 1)
		return ch;
	return 0;
}

int verb_top(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "delay", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "sort", required_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct picture p = { .ctl = ctl };
	uint64_t delay_usec = 1000000;
	unsigned iterations = 0;
	enum sort_key sort = SORT_MEMORY;
	bool all = false, tty = ctl_stdout_is_tty() && !ctl->json;
	char **cgroups = NULL;
	int c, r, n_cgroups;

	while ((c = getopt_long(argc, argv, "d:n:s:ah", options, NULL)) >= 0) {
		switch (c) {
		case 'd':
			if (parse_duration_usec(optarg, &delay_usec) < 0 || delay_usec < 100000)
				return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
						       "Invalid --delay '%s' (at least 100ms).", optarg);
			break;
		case 'n':
			if (safe_atou(optarg, &iterations) < 0 || iterations == 0)
				return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
						       "Invalid --iterations '%s'.", optarg);
			break;
		case 's':
			sort = sort_from_string(optarg);
			if (sort < 0 || sort == SORT_TREE)
				return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
						       "Invalid --sort '%s' (locality, memory, cpu).",
						       optarg);
			break;
		case 'a':
			all = true;
			break;
		case 'h':
			top_help();
			return 0;
		default:
			return -EINVAL;
		}
	}
	n_cgroups = argc - optind;
	r = parse_cgroup_args(n_cgroups, argv + optind, &cgroups);
	if (r < 0)
		return r;
	r = ctl_open(ctl, &p.roots, &p.topo);
	if (r < 0)
		goto out;
	r = take(&p);
	if (r == -ENOMEDIUM)
		r = log_error_errno(r, "No cgroup v2 hierarchy is mounted: nothing to show.");
	if (r < 0)
		goto out;

	if (tty && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_termios) == 0) {
		struct termios raw = saved_termios;

		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		termios_saved = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
		atexit(restore_terminal);
		printf("\033[?25l");
	}

	for (unsigned it = 0; iterations == 0 || it < iterations; it++) {
		int key = wait_key(delay_usec);

		if (key == 'q' || key == 'Q')
			break;
		if (key == 'l')
			sort = SORT_LOCALITY;
		else if (key == 'm')
			sort = SORT_MEMORY;
		else if (key == 'c')
			sort = SORT_CPU;

		(void)topo_refresh_free(p.roots.sysfs_fd, p.topo);
		r = take(&p);
		if (r < 0)
			goto out;
		r = picture_compute(&p, cgroups, n_cgroups, false, false);
		if (r < 0)
			goto out;
		if (ctl->json) {
			ctl_print_json(picture_json(&p));
		} else {
			if (tty)
				printf("\033[H\033[2J");
			else
				printf("--- %s", "");
			print_header(&p);
			if (tty)
				printf("sorted by %s; q quit, l/m/c sort by locality/memory/CPU\n",
				       sort_names[sort]);
			print_notes(&p);
			printf("\n");
			print_cgroups(&p, sort, !all, tty ? 40 : 0);
			if (!tty)
				printf("\n");
		}
		fflush(stdout);
	}
	r = 0;
out:
	if (termios_saved) {
		restore_terminal();
		termios_saved = false;
	}
	free_cgroup_args(cgroups, n_cgroups);
	picture_done(&p);
	return r;
}
