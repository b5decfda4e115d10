/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The context of BPF policy programs (include/numab/numab_bpf.h) on numabd's side: packing
 * the input, reading and validating the reply, the mapping between the header's enums and the
 * policy model's, and the layout table numabd checks a program's BTF against. Pure: no libbpf,
 * no kernel, so the versioning rules are unit-tested (tests/test-program-ctx.c); the loader
 * and runner are in daemon/programs.c.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <numab/numab_bpf.h>

#include "core/policy.h"

/* The largest context the kernel takes (ctx_size_in is at most U16_MAX), rounded down to 8. */
#define PROGRAM_CTX_MAX_BYTES 65528u

/* What numabd knows about one evaluation; every pointer may be NULL (not known). */
struct program_ctx_input {
	uint64_t cgroup_id;
	uint64_t attached_cgroup_id;
	const char *cgroup_path;            /* normalised, for the path hashes */
	const char *attached_path;
	unsigned cgroup_level;
	unsigned attached_level;

	uint64_t now_ns;                    /* CLOCK_MONOTONIC */
	uint64_t realtime_ns;               /* CLOCK_REALTIME */
	uint64_t tick;
	bool trial;
	bool dry_run;
	int kernel_numa_balancing;          /* < 0: unknown */

	uint64_t node_mask;
	uint64_t cpu_node_mask;
	uint64_t mems_effective;
	unsigned span;                      /* entries of cpu_ns and movable_bytes */
	const uint64_t *cpu_ns;             /* per node, NULL: no CPU window */
	uint64_t window_ns;
	const uint64_t *movable_bytes;      /* per node, NULL: no memory numbers */
	unsigned n_procs;
	double locality;                    /* placement locality in [0, 1], < 0 unknown */
	uint64_t locality_age_usec;
	uint64_t moved_bytes_total;
	uint64_t moved_bytes_recent;

	const struct policy_effective *static_policy; /* NULL: nothing resolved (trial) */
};

/*
 * The buffer size for a program whose BTF says its struct numab_ctx has program_size bytes
 * (0 when its BTF does not say): the larger of that and numabd's own size, rounded up to 8.
 * Returns -E2BIG when that is over PROGRAM_CTX_MAX_BYTES.
 */
int program_ctx_buffer_size(uint64_t program_size, size_t *ret);

/*
 * Fill buf (size bytes, at least sizeof(struct numab_ctx)) for one run: everything zeroed,
 * then numabd's fields, ctx->size = sizeof(struct numab_ctx). Returns 0 or -EINVAL.
 */
int program_ctx_pack(const struct program_ctx_input *in, void *buf, size_t size);

/*
 * Read the reply of a run: retval is what the program returned, buf the context after the
 * run. On success *ret is the reply for policy_resolve() (modes mapped, milliseconds as
 * microseconds, overrides that make no sense dropped) and *ret_note, if the reply had parts
 * that were ignored, a static-lifetime explanation in note (note_size bytes), else NULL.
 * A nonzero retval or a verdict out of range is a failure: -EBADMSG with the reason in note.
 */
int program_ctx_reply(const void *buf, size_t size, uint32_t retval,
		      struct policy_program_reply *ret, char *note, size_t note_size,
		      const char **ret_note);

/* The header's modes as the policy model's, and back; out of range: -EINVAL / UINT32_MAX. */
enum policy_mode program_mode_to_policy(uint32_t mode);
uint32_t program_mode_from_policy(enum policy_mode mode);

/* FNV-1a 64 of s (the path hashes of the context). */
uint64_t program_path_hash(const char *s);

/* One field of struct numab_ctx, for checking a program's BTF against numabd's layout. */
struct program_ctx_field {
	const char *name;
	size_t offset;
	size_t size;
};

/* Every field of numabd's struct numab_ctx, in order; n in *ret_n. */
const struct program_ctx_field *program_ctx_fields(size_t *ret_n);

/* The field called name, or NULL. */
const struct program_ctx_field *program_ctx_field_find(const char *name);

/*
 * Split a program spec (the value of the `program` attribute) into the object path and the
 * program name: "PATH" (NULL name: the object's only SEC("syscall") program) or "PATH:NAME",
 * where NAME, what follows the last ':' of the file name, is a C identifier; a file whose name
 * really ends in ":IDENT" cannot be named. Heap strings in *ret_path and *ret_name (either may
 * be NULL to skip it). Returns 0, -EINVAL (not an absolute path, or nothing before ":NAME")
 * or -ENOMEM.
 */
int program_spec_split(const char *spec, char **ret_path, char **ret_name);
