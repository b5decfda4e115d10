/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BPF policy programs: load, check, run (DESIGN §6).
 *
 * What a program is. A SEC("syscall") BPF program (Linux 5.14+), sleepable, run with
 * BPF_PROG_TEST_RUN on a struct numab_ctx that numabd fills (include/numab/numab_bpf.h). For
 * syscall programs the kernel copies the context in, runs the program and copies the context
 * back into the same user buffer (ctx_out is refused), so the reply comes back in place. The
 * kernel verifies the program (memory safety, termination); it is otherwise trusted root code:
 * syscall programs may call bpf_sys_bpf() (any bpf(2) command) and bpf_sys_close() (close any
 * of numabd's file descriptors), so objects that call either are refused unless the config
 * says AllowSysBpf=yes. The check reads the helper calls of the final instructions libbpf
 * loaded (subprograms included). Object files must be owned by root and writable by no one
 * else: numabd reloads a changed file on SIGHUP, and only root may decide what runs.
 *
 * Loading. bpf_object__open_file() with a verifier log buffer of our own at log level 0:
 * libbpf loads without a log and, only when the kernel refuses the program, loads it again at
 * level 1 into our buffer, so a refusal comes back with the verifier's explanation and a
 * successful load costs one verification. The struct numab_ctx in the object's BTF gives the
 * size of the context the program was built for (the buffer is at least that large, see
 * core/program-ctx.c) and the offset of every field numabd knows, which must match.
 *
 * Trial run. Before an instance replaces anything it is run once on a real context (the
 * cgroup being attached, or a synthetic one) flagged NUMAB_CTX_TRIAL. A program that the
 * kernel will not run (a context it refuses) or that answers nonsense is refused at attach
 * time, not discovered at the next tick.
 *
 * Replace. Loading a spec again (a rebuilt file, `numabctl attach` on a cgroup that has a
 * program) builds the new instance completely while the old one keeps serving; maps of the
 * old instance with the same name, type, key and value size are handed to the new object
 * with bpf_map__reuse_fd() before it loads, so their contents survive. Global variables
 * (.bss/.data) are not carried over: state that must survive belongs in maps.
 *
 * Failures at run time (the syscall fails, the program returns nonzero, an invalid verdict)
 * count as no opinion (core/policy.c reports them per cgroup) and are logged once per
 * instance and error text. A failed load is remembered and not retried at every evaluation:
 * only when the file changes, or at a reload (SIGHUP, numabctl reload).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "bpf/bpf-log.h"
#include "daemon/programs.h"
#include "shared/hashmap.h"
#include "shared/log.h"
#include "shared/macro.h"

/* The verifier's log of a refused program: room for large programs; what is returned to
 * numabctl is the end of it (where the reason is). */
#define PROGRAM_LOG_BYTES (1u << 20)
#define PROGRAM_LOG_TAIL_BYTES (48u << 10)

struct program_instance {
	char *spec;
	char *path;
	char *name;                    /* the program's name in the object */
	struct bpf_object *obj;        /* NULL: the last load failed (error says why) */
	int fd;
	uint32_t prog_id;
	char tag[2 * BPF_TAG_SIZE + 1];
	uint64_t loaded_at;            /* CLOCK_REALTIME seconds */
	void *ctx;                     /* the context buffer, ctx_bytes long */
	size_t ctx_bytes;
	uint64_t program_ctx_bytes;    /* sizeof(struct numab_ctx) in its BTF, 0 unknown */
	bool sys_bpf;                  /* calls bpf_sys_bpf()/bpf_sys_close() (allowed) */
	char **kept_maps;              /* maps carried over from the instance it replaced */
	size_t n_kept_maps;
	struct stat st;                /* the object file when it was loaded */
	bool have_st;
	bool stale;                    /* load again at the next run */

	int load_error;                /* negative errno of the failed load */
	char *error;                   /* its full message (verifier log included) */
	char *error_short;             /* its first line */

	uint64_t runs, failures;
	uint64_t run_ns_total, run_ns_max;
	int last_verdict;              /* enum policy_verdict, -1 none yet */
	char *last_error;              /* the last run-time failure, for the log and JSON */
	char message[512];             /* reply->message of the last run */
};

struct moved_entry {
	uint64_t tick;
	uint64_t total;
	uint64_t recent;
};

struct programs {
	struct hashmap *instances;     /* spec -> struct program_instance */
	struct hashmap *moved;         /* cgroup path -> struct moved_entry */
	uint64_t last_tick;
};

static void instance_free(void *v)
{
	struct program_instance *in = v;

	if (!in)
		return;
	bpf_object__close(in->obj);
	free(in->spec);
	free(in->path);
	free(in->name);
	free(in->ctx);
	for (size_t i = 0; i < in->n_kept_maps; i++)
		free(in->kept_maps[i]);
	free(in->kept_maps);
	free(in->error);
	free(in->error_short);
	free(in->last_error);
	free(in);
}

int programs_new(struct programs **ret)
{
	struct programs *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->instances = hashmap_new(instance_free);
	p->moved = hashmap_new(free);
	if (!p->instances || !p->moved) {
		programs_free(p);
		return -ENOMEM;
	}
	bpf_log_install();
	*ret = p;
	return 0;
}

struct programs *programs_free(struct programs *p)
{
	if (!p)
		return NULL;
	hashmap_free(p->instances);
	hashmap_free(p->moved);
	free(p);
	return NULL;
}

bool programs_has(const struct programs *p, const char *spec)
{
	return p && spec && hashmap_get(p->instances, spec);
}

_printf_(3, 4) static int fail(char **ret_error, int r, const char *fmt, ...)
{
	va_list ap;

	if (!ret_error)
		return r;
	va_start(ap, fmt);
	if (vasprintf(ret_error, fmt, ap) < 0)
		*ret_error = NULL;
	va_end(ap);
	return r;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	(void)clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Whether the object file is no longer what inst was loaded (or failed to load) from. */
static bool file_changed(const struct program_instance *inst)
{
	struct stat st;

	if (stat(inst->path, &st) < 0)
		return inst->have_st;
	return !inst->have_st || !same_file(&st, &inst->st);
}

/* The object file must be a regular file that only root can change. */
static int check_file(const char *path, struct stat *ret, char **ret_error)
{
	if (stat(path, ret) < 0) {
		int r = negative_errno();

		return fail(ret_error, r, "cannot read the object %s: %s", path, strerror(-r));
	}
	if (!S_ISREG(ret->st_mode))
		return fail(ret_error, -EINVAL, "%s is not a regular file", path);
	if (ret->st_uid != 0 || (ret->st_mode & (S_IWGRP | S_IWOTH)))
		return fail(ret_error, -EPERM,
			    "%s is owned by uid %u with mode %04o: numabd loads only objects that "
			    "only root can change (e.g. install -m 644 -o root it under "
			    "/usr/local/lib/numab/)",
			    path, (unsigned)ret->st_uid, (unsigned)(ret->st_mode & 07777));
	return 0;
}

/* Pick the program: by name, or the only SEC("syscall") one. */
static int pick_program(struct bpf_object *obj, const char *path, const char *name,
			struct bpf_program **ret, char **ret_error)
{
	_cleanup_free_ char *names = NULL;
	struct bpf_program *prog, *chosen = NULL;
	size_t size = 0;
	unsigned n = 0;
	FILE *f;

	f = open_memstream(&names, &size);
	if (!f)
		return -ENOMEM;
	bpf_object__for_each_program(prog, obj) {
		bool syscall = bpf_program__type(prog) == BPF_PROG_TYPE_SYSCALL;

		if (syscall)
			fprintf(f, "%s%s", n++ ? ", " : "", bpf_program__name(prog));
		if (name ? streq(bpf_program__name(prog), name) : syscall)
			chosen = chosen ? chosen : prog;
	}
	if (fclose(f) != 0)
		return -ENOMEM;

	if (!chosen && name)
		return fail(ret_error, -ENOENT, "%s has no program called %s (its SEC(\"syscall\") "
			    "programs: %s)", path, name, n ? names : "none");
	if (!chosen)
		return fail(ret_error, -ENOENT,
			    "%s has no SEC(\"syscall\") program: a policy program is a "
			    "SEC(\"syscall\") function taking a struct numab_ctx *", path);
	if (!name && n > 1)
		return fail(ret_error, -EINVAL,
			    "%s has %u SEC(\"syscall\") programs (%s): name one (numabctl attach "
			    "--name NAME, or program=%s:NAME)", path, n, names, path);
	if (bpf_program__type(chosen) != BPF_PROG_TYPE_SYSCALL)
		return fail(ret_error, -EINVAL,
			    "program %s in %s is SEC(\"%s\") (%s): a policy program is "
			    "SEC(\"syscall\")", bpf_program__name(chosen), path,
			    bpf_program__section_name(chosen),
			    strna(libbpf_bpf_prog_type_str(bpf_program__type(chosen))));
	bpf_object__for_each_program(prog, obj)
		if (prog != chosen)
			(void)bpf_program__set_autoload(prog, false);
	*ret = chosen;
	return 0;
}

/* struct numab_ctx in the object's BTF: its size (0 if absent) and the layout check. */
static int check_ctx_layout(struct bpf_object *obj, const char *path, uint64_t *ret_size,
			    char **ret_error)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *t;
	const struct btf_member *m;
	int id;

	*ret_size = 0;
	if (!btf)
		return 0;
	id = btf__find_by_name_kind(btf, "numab_ctx", BTF_KIND_STRUCT);
	if (id <= 0)
		return 0;
	t = btf__type_by_id(btf, (uint32_t)id);
	m = btf_members(t);
	for (unsigned i = 0; i < btf_vlen(t); i++) {
		const char *fname = btf__name_by_offset(btf, m[i].name_off);
		const struct program_ctx_field *f = program_ctx_field_find(fname);
		uint32_t bits = btf_member_bit_offset(t, i);
		long long size;

		if (!f)
			continue; /* a field newer than this numabd */
		size = btf__resolve_size(btf, m[i].type);
		if (btf_member_bitfield_size(t, i) != 0 || bits % 8 != 0 || bits / 8 != f->offset ||
		    size != (long long)f->size)
			return fail(ret_error, -EPROTO,
				    "%s: struct numab_ctx field %s is at offset %u (%lld bytes), "
				    "numabd has it at %zu (%zu bytes): the program was built against "
				    "a modified numab_bpf.h", path, fname, bits / 8, size, f->offset,
				    f->size);
	}
	*ret_size = t->size;
	return 0;
}

static int add_kept_map(struct program_instance *inst, const char *name)
{
	char **a = realloc(inst->kept_maps, (inst->n_kept_maps + 1) * sizeof(*a));

	if (!a)
		return -ENOMEM;
	inst->kept_maps = a;
	a[inst->n_kept_maps] = strdup(name);
	if (!a[inst->n_kept_maps])
		return -ENOMEM;
	inst->n_kept_maps++;
	return 0;
}

/* A map of a replaced instance carries the name the kernel gave it (bpf_map__reuse_fd()
 * renames the map after its kernel object), which is cut at BPF_OBJ_NAME_LEN - 1 bytes. */
static bool map_names_match(const char *name, const char *old_name)
{
	size_t cut = BPF_OBJ_NAME_LEN - 1;

	return streq(name, old_name) || (strlen(old_name) == cut && strneq(name, old_name, cut));
}

static struct bpf_map *find_old_map(struct bpf_object *old, const char *name)
{
	struct bpf_map *om;

	bpf_object__for_each_map(om, old)
		if (!bpf_map__is_internal(om) && map_names_match(name, bpf_map__name(om)))
			return om;
	return NULL;
}

/* Hand the maps of old that match to the (not yet loaded) object of inst. */
static int reuse_maps(struct program_instance *inst, const struct program_instance *old,
		      char **ret_error)
{
	struct bpf_map *map;
	int r;

	bpf_object__for_each_map(map, inst->obj) {
		_cleanup_free_ char *mname = NULL;
		struct bpf_map *om;

		if (bpf_map__is_internal(map))
			continue;
		/* Copied: bpf_map__reuse_fd() frees the name it replaces. */
		mname = strdup(bpf_map__name(map));
		if (!mname)
			return -ENOMEM;
		om = find_old_map(old->obj, mname);
		if (!om)
			continue;
		if (bpf_map__type(om) != bpf_map__type(map) ||
		    bpf_map__key_size(om) != bpf_map__key_size(map) ||
		    bpf_map__value_size(om) != bpf_map__value_size(map)) {
			log_notice("Program %s: map %s changed its type, key or value size; it "
				   "starts empty.", inst->spec, mname);
			continue;
		}
		r = bpf_map__reuse_fd(map, bpf_map__fd(om));
		if (r < 0)
			return fail(ret_error, r, "failed to keep map %s of the previous %s: %s",
				    mname, old->spec, strerror(-r));
		r = add_kept_map(inst, mname);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Whether the loaded program calls a helper that reaches outside the program. */
static bool uses_sys_helpers(struct bpf_program *prog, const char **ret_helper)
{
	const struct bpf_insn *insn = bpf_program__insns(prog);
	size_t n = bpf_program__insn_cnt(prog);

	for (size_t i = 0; insn && i < n; i++) {
		if (insn[i].code != (BPF_JMP | BPF_CALL) || insn[i].src_reg != 0)
			continue;
		if (insn[i].imm == BPF_FUNC_sys_bpf) {
			*ret_helper = "bpf_sys_bpf()";
			return true;
		}
		if (insn[i].imm == BPF_FUNC_sys_close) {
			*ret_helper = "bpf_sys_close()";
			return true;
		}
	}
	return false;
}

/* The end of a verifier log, with a note when the start was cut. Heap string or NULL. */
static char *log_tail(const char *log)
{
	size_t len = strlen(log);
	char *out;

	while (len > 0 && log[len - 1] == '\n')
		len--;
	if (len <= PROGRAM_LOG_TAIL_BYTES)
		return strndup(log, len);
	if (asprintf(&out, "... (%zu bytes of the log left out)\n%.*s", len - PROGRAM_LOG_TAIL_BYTES,
		     (int)PROGRAM_LOG_TAIL_BYTES, log + len - PROGRAM_LOG_TAIL_BYTES) < 0)
		return NULL;
	return out;
}

/* One run of inst on in; fills *reply or returns a negative errno with inst->message. */
static int run_once(struct program_instance *inst, const struct program_ctx_input *in,
		    struct policy_program_reply *reply)
{
	LIBBPF_OPTS(bpf_test_run_opts, t);
	const char *note = NULL;
	uint64_t start, ns;
	int r;

	r = program_ctx_pack(in, inst->ctx, inst->ctx_bytes);
	if (r < 0)
		return r;
	t.ctx_in = inst->ctx;
	t.ctx_size_in = (uint32_t)inst->ctx_bytes;
	start = clock_ns(CLOCK_MONOTONIC);
	r = bpf_prog_test_run_opts(inst->fd, &t);
	ns = clock_ns(CLOCK_MONOTONIC) - start;
	if (!in->trial) {
		inst->runs++;
		inst->run_ns_total += ns;
		inst->run_ns_max = MAX(inst->run_ns_max, ns);
	}
	if (r < 0) {
		snprintf(inst->message, sizeof(inst->message), "BPF_PROG_TEST_RUN failed: %s",
			 strerror(-r));
		return r;
	}
	*reply = (struct policy_program_reply){};
	r = program_ctx_reply(inst->ctx, inst->ctx_bytes, t.retval, reply, inst->message,
			      sizeof(inst->message), &note);
	if (r < 0)
		return r;
	reply->message = note;
	if (!in->trial)
		inst->last_verdict = reply->verdict;
	return 0;
}

/* Everything of programs_load() but the registration. */
static int load_instance(struct programs *p, const char *spec, const struct program_load_options *o,
			 struct program_instance **ret, char **ret_error)
{
	_cleanup_free_ char *log = NULL, *name = NULL;
	struct program_instance *inst = NULL;
	const struct program_instance *old;
	struct policy_program_reply reply = {};
	struct program_ctx_input trial;
	struct bpf_prog_info info = {};
	struct bpf_program *prog = NULL;
	uint32_t info_len = sizeof(info);
	const char *helper = NULL;
	int r;

	if (!o || !o->trial)
		return -EINVAL;
	inst = calloc(1, sizeof(*inst));
	if (!inst)
		return -ENOMEM;
	inst->fd = -EBADF;
	inst->last_verdict = -1;
	inst->spec = strdup(spec);
	log = malloc(PROGRAM_LOG_BYTES);
	r = -ENOMEM;
	if (!inst->spec || !log)
		goto fail;
	log[0] = '\0';
	r = program_spec_split(spec, &inst->path, &name);
	if (r < 0) {
		r = r == -ENOMEM ? r : fail(ret_error, r, "%s: not an absolute object path", spec);
		goto fail;
	}
	r = check_file(inst->path, &inst->st, ret_error);
	if (r < 0)
		goto fail;
	inst->have_st = true;

	{
		LIBBPF_OPTS(bpf_object_open_opts, oo, .kernel_log_buf = log,
			    .kernel_log_size = PROGRAM_LOG_BYTES, .kernel_log_level = 0);

		inst->obj = bpf_object__open_file(inst->path, &oo);
	}
	if (!inst->obj) {
		r = negative_errno();
		r = fail(ret_error, r, "%s is not a BPF object libbpf can open: %s (numabd -v shows "
			 "libbpf's messages)", inst->path, strerror(-r));
		goto fail;
	}
	r = pick_program(inst->obj, inst->path, name, &prog, ret_error);
	if (r < 0)
		goto fail;
	inst->name = strdup(bpf_program__name(prog));
	if (!inst->name) {
		r = -ENOMEM;
		goto fail;
	}
	r = check_ctx_layout(inst->obj, inst->path, &inst->program_ctx_bytes, ret_error);
	if (r < 0)
		goto fail;
	r = program_ctx_buffer_size(inst->program_ctx_bytes, &inst->ctx_bytes);
	if (r < 0) {
		r = fail(ret_error, r, "%s: its struct numab_ctx has %" PRIu64 " bytes, more than "
			 "the kernel passes (%u)", inst->path, inst->program_ctx_bytes,
			 PROGRAM_CTX_MAX_BYTES);
		goto fail;
	}
	inst->ctx = calloc(1, inst->ctx_bytes);
	if (!inst->ctx) {
		r = -ENOMEM;
		goto fail;
	}

	old = o->reuse_from ? hashmap_get(p->instances, o->reuse_from) : NULL;
	if (old && old->obj) {
		r = reuse_maps(inst, old, ret_error);
		if (r < 0)
			goto fail;
	}

	r = bpf_object__load(inst->obj);
	if (r < 0) {
		_cleanup_free_ char *tail = log[0] ? log_tail(log) : NULL;

		r = fail(ret_error, r, "the kernel refused program %s of %s: %s%s%s", inst->name,
			 inst->path, strerror(-r),
			 tail ? "\nverifier log:\n" : " (no verifier log; numabd -v shows "
						     "libbpf's messages)",
			 strempty(tail));
		goto fail;
	}
	inst->fd = bpf_program__fd(prog);

	if (uses_sys_helpers(prog, &helper)) {
		if (!o->allow_sys_bpf) {
			r = fail(ret_error, -EPERM,
				 "program %s of %s calls %s, which can run any bpf(2) command or "
				 "close numabd's files; refused (AllowSysBpf=yes in [Daemon] of "
				 "numab.conf allows it)", inst->name, inst->path, helper);
			goto fail;
		}
		inst->sys_bpf = true;
	}

	if (bpf_obj_get_info_by_fd(inst->fd, &info, &info_len) == 0) {
		inst->prog_id = info.id;
		for (unsigned i = 0; i < BPF_TAG_SIZE; i++)
			snprintf(inst->tag + 2 * i, 3, "%02x", info.tag[i]);
	}
	inst->loaded_at = clock_ns(CLOCK_REALTIME) / 1000000000ull;

	trial = *o->trial;
	trial.trial = true;
	r = run_once(inst, &trial, &reply);
	if (r < 0) {
		r = fail(ret_error, r, "the trial run of program %s of %s failed: %s", inst->name,
			 inst->path, inst->message);
		goto fail;
	}
	*ret = inst;
	return 0;
fail:
	instance_free(inst);
	return r;
}

int programs_load(struct programs *p, const char *spec, const struct program_load_options *o,
		  char **ret_error)
{
	struct program_instance *inst = NULL;
	int r;

	if (!p || !spec)
		return -EINVAL;
	r = load_instance(p, spec, o, &inst, ret_error);
	if (r < 0)
		return r;
	r = hashmap_put(p->instances, spec, inst);
	if (r < 0) {
		instance_free(inst);
		return r;
	}
	log_info("Program %s loaded (id %" PRIu32 ", %zu-byte context%s%s).", spec, inst->prog_id,
		 inst->ctx_bytes, inst->n_kept_maps ? ", maps kept" : "",
		 inst->sys_bpf ? ", uses bpf_sys_bpf" : "");
	return 0;
}

/* Remember a failed load of spec, so that it is not retried at every evaluation. */
static int remember_failure(struct programs *p, const char *spec, int error, const char *message)
{
	struct program_instance *inst;
	const char *nl;
	int r;

	inst = calloc(1, sizeof(*inst));
	if (!inst)
		return -ENOMEM;
	inst->fd = -EBADF;
	inst->last_verdict = -1;
	inst->load_error = error;
	inst->spec = strdup(spec);
	inst->error = strdup(message ?: strerror(-error));
	nl = inst->error ? strchr(inst->error, '\n') : NULL;
	inst->error_short = inst->error ? strndup(inst->error, nl ? (size_t)(nl - inst->error)
								  : strlen(inst->error))
					: NULL;
	if (!inst->spec || !inst->error || !inst->error_short ||
	    program_spec_split(spec, &inst->path, NULL) < 0) {
		instance_free(inst);
		return -ENOMEM;
	}
	inst->have_st = stat(inst->path, &inst->st) == 0;
	r = hashmap_put(p->instances, spec, inst);
	if (r < 0)
		instance_free(inst);
	return r;
}

static void note_failure(struct program_instance *inst)
{
	inst->failures++;
	if (inst->last_error && streq(inst->last_error, inst->message)) {
		log_debug("Program %s failed again: %s", inst->spec, inst->message);
		return;
	}
	log_warning("Program %s failed at run time, taken as no opinion: %s", inst->spec,
		    inst->message);
	free(inst->last_error);
	inst->last_error = strdup(inst->message);
}

int programs_run(struct programs *p, const char *spec, bool allow_sys_bpf,
		 const struct program_ctx_input *in, struct policy_program_reply *reply)
{
	struct program_instance *inst;
	int r;

	if (!p || !spec || !in || !reply)
		return -EINVAL;
	inst = hashmap_get(p->instances, spec);
	if (!inst || inst->stale || (!inst->obj && file_changed(inst))) {
		_cleanup_free_ char *error = NULL;
		struct program_load_options o = {
			.allow_sys_bpf = allow_sys_bpf,
			.reuse_from = inst && inst->obj ? spec : NULL,
			.trial = in,
		};

		r = programs_load(p, spec, &o, &error);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			log_warning("Failed to load program %s, its cgroups get no opinion from it: %s",
				    spec, error ?: strerror(-r));
			if (inst && inst->obj) {
				/* A changed file that does not load: the old instance goes on. */
				inst->stale = false;
			} else {
				r = remember_failure(p, spec, r, error);
				if (r < 0)
					return r;
			}
		}
		inst = hashmap_get(p->instances, spec);
		if (!inst)
			return -ENOMEM;
	}
	if (!inst->obj) {
		snprintf(inst->message, sizeof(inst->message), "not loaded: %s",
			 strna(inst->error_short));
		reply->message = inst->message;
		return inst->load_error < 0 ? inst->load_error : -EIO;
	}
	r = run_once(inst, in, reply);
	if (r < 0) {
		note_failure(inst);
		reply->message = inst->message;
		return r;
	}
	return 0;
}

void programs_sweep(struct programs *p, const struct policy_results *res, const char *const *keep,
		    size_t n_keep)
{
	struct hashmap_iter it = {};
	const char *key;
	void *value;

	if (!p || !res)
		return;
	while (hashmap_iterate(p->instances, &it, &key, &value)) {
		bool used = false;

		for (size_t i = 0; i < res->n && !used; i++) {
			const struct policy_values *own = &res->items[i].own;

			used = policy_values_has(own, POLICY_ATTR_PROGRAM) && streq(own->program, key);
		}
		for (size_t i = 0; i < n_keep && !used; i++)
			used = streq(keep[i], key);
		if (used)
			continue;
		log_info("Program %s is no longer attached to any cgroup; unloaded.", key);
		hashmap_remove_current(p->instances, &it);
	}
	memset(&it, 0, sizeof(it));
	while (hashmap_iterate(p->moved, &it, &key, &value)) {
		const struct moved_entry *e = value;

		if (e->tick + 2 < p->last_tick)
			hashmap_remove_current(p->moved, &it);
	}
}

void programs_retry(struct programs *p)
{
	struct hashmap_iter it = {};
	const char *key;
	void *value;

	if (!p)
		return;
	while (hashmap_iterate(p->instances, &it, &key, &value)) {
		struct program_instance *inst = value;

		if (!inst->obj || file_changed(inst))
			inst->stale = true;
	}
}

uint64_t programs_moved_recent(struct programs *p, const char *path, uint64_t tick,
			       uint64_t total)
{
	struct moved_entry *e;

	p->last_tick = MAX(p->last_tick, tick);
	e = hashmap_get(p->moved, path);
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e || hashmap_put(p->moved, path, e) < 0) {
			free(e);
			return 0;
		}
		*e = (struct moved_entry){ .tick = tick, .total = total };
		return 0;
	}
	if (e->tick != tick) {
		e->recent = total >= e->total ? total - e->total : 0;
		e->total = total;
		e->tick = tick;
	}
	return e->recent;
}

static json_object *json_string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

json_object *programs_instance_json(const struct programs *p, const char *spec)
{
	const struct program_instance *inst = p && spec ? hashmap_get(p->instances, spec) : NULL;
	json_object *o, *maps, *kept;
	struct bpf_map *map;

	if (!inst)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "loaded", json_object_new_boolean(inst->obj != NULL));
	json_object_object_add(o, "error", json_string_or_null(inst->obj ? NULL : inst->error));
	json_object_object_add(o, "path", json_string_or_null(inst->path));
	json_object_object_add(o, "name", json_string_or_null(inst->name));
	if (!inst->obj)
		return o;
	json_object_object_add(o, "prog_id", json_object_new_uint64(inst->prog_id));
	json_object_object_add(o, "tag", json_object_new_string(inst->tag));
	json_object_object_add(o, "loaded_at", json_object_new_uint64(inst->loaded_at));
	json_object_object_add(o, "ctx_bytes", json_object_new_uint64(inst->ctx_bytes));
	json_object_object_add(o, "program_ctx_bytes",
			       inst->program_ctx_bytes ? json_object_new_uint64(inst->program_ctx_bytes)
						       : NULL);
	json_object_object_add(o, "runs", json_object_new_uint64(inst->runs));
	json_object_object_add(o, "failures", json_object_new_uint64(inst->failures));
	json_object_object_add(o, "run_ns_avg",
			       json_object_new_uint64(inst->runs ? inst->run_ns_total / inst->runs : 0));
	json_object_object_add(o, "run_ns_max", json_object_new_uint64(inst->run_ns_max));
	json_object_object_add(o, "last_verdict",
			       inst->last_verdict >= 0
				       ? json_object_new_string(policy_verdict_to_string(inst->last_verdict))
				       : NULL);
	json_object_object_add(o, "last_error", json_string_or_null(inst->last_error));
	json_object_object_add(o, "sys_bpf", json_object_new_boolean(inst->sys_bpf));
	maps = json_object_new_array();
	bpf_object__for_each_map(map, inst->obj) {
		struct bpf_map_info info = {};
		uint32_t len = sizeof(info);
		json_object *m = json_object_new_object();

		json_object_object_add(m, "name", json_object_new_string(bpf_map__name(map)));
		json_object_object_add(m, "type",
				       json_object_new_string(strna(libbpf_bpf_map_type_str(bpf_map__type(map)))));
		if (bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len) == 0)
			json_object_object_add(m, "id", json_object_new_uint64(info.id));
		json_object_array_add(maps, m);
	}
	json_object_object_add(o, "maps", maps);
	kept = json_object_new_array();
	for (size_t i = 0; i < inst->n_kept_maps; i++)
		json_object_array_add(kept, json_object_new_string(inst->kept_maps[i]));
	json_object_object_add(o, "kept_maps", kept);
	return o;
}
