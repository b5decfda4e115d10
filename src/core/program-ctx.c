/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy program context on numabd's side.
 *
 * The context is an ABI between numabd and programs built at other times against other copies
 * of include/numab/numab_bpf.h, so this file keeps the rules that make it one:
 *
 * - Input: numabd zeroes the whole buffer, fills the fields it knows and writes its own struct
 *   size into ctx->size. The buffer is as large as the larger of numabd's struct and the
 *   program's (read from the program's BTF by the loader), so a program built against a newer
 *   header reads zeros, and numab_ctx_has() tells it that those fields were not provided. The
 *   kernel's own check (a context smaller than the furthest offset the program touches is
 *   refused by BPF_PROG_TEST_RUN) can therefore never trip on a well-built program.
 * - Reply: read from the same buffer after the run. Only the fields this numabd knows are
 *   read; reserved reply fields a newer program set, unknown flags and unknown override bits
 *   are ignored and reported, never guessed at. A nonzero return value or an unknown verdict
 *   makes the run a failure (no opinion), because guessing an opinion would be worse than
 *   having none.
 * - Clamping of the overrides to the bounds of each attribute, and their hierarchy (narrowing
 *   nodes and budget, escalation from the implicit default only), is the policy model's job
 *   (core/policy.c); this file only converts units and drops values that mean nothing (an
 *   empty node set, a zero budget).
 * - The enums of the header are numab's policy enums under stable numbers; the mapping is
 *   written out here, so the policy model may renumber its own enums freely.
 *
 * The field table below lists every field with its offset and size; the loader compares it with
 * the struct numab_ctx in a program's BTF, member by member, and refuses a program built
 * against a header whose known fields moved (a modified or corrupted copy).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/placement.h"
#include "core/program-ctx.h"
#include "shared/macro.h"

#define FIELD(f)                                                                           \
	{ #f, offsetof(struct numab_ctx, f), sizeof(((struct numab_ctx *)0)->f) }

static const struct program_ctx_field fields[] = {
	FIELD(size),
	FIELD(flags),
	FIELD(verdict),
	FIELD(reply_flags),
	FIELD(override_mask),
	FIELD(mode),
	FIELD(nodes),
	FIELD(budget_bytes_per_sec),
	FIELD(interval_ms),
	FIELD(hot_threshold_ms),
	FIELD(reply_reserved),
	FIELD(cgroup_id),
	FIELD(attached_cgroup_id),
	FIELD(cgroup_path_hash),
	FIELD(attached_path_hash),
	FIELD(cgroup_level),
	FIELD(attached_level),
	FIELD(now_ns),
	FIELD(realtime_ns),
	FIELD(tick),
	FIELD(node_mask),
	FIELD(cpu_node_mask),
	FIELD(mems_effective),
	FIELD(nr_node_ids),
	FIELD(nr_procs),
	FIELD(locality_permille),
	FIELD(node_balance_permille),
	FIELD(locality_age_ms),
	FIELD(window_ns),
	FIELD(cpu_ns_total),
	FIELD(movable_bytes_total),
	FIELD(home_nodes),
	FIELD(memory_nodes),
	FIELD(moved_bytes_total),
	FIELD(moved_bytes_recent),
	FIELD(static_mode),
	FIELD(kernel_numa_balancing),
	FIELD(static_nodes),
	FIELD(static_budget_bytes_per_sec),
	FIELD(static_interval_ms),
	FIELD(static_hot_threshold_ms),
	FIELD(cpu_ns),
	FIELD(movable_bytes),
};

#undef FIELD

/* Share of the window's CPU time whose nodes are the home nodes (DESIGN §3, §5 follow). */
#define HOME_NODES_PERMILLE 900

const struct program_ctx_field *program_ctx_fields(size_t *ret_n)
{
	*ret_n = ELEMENTSOF(fields);
	return fields;
}

const struct program_ctx_field *program_ctx_field_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < ELEMENTSOF(fields); i++)
		if (streq(fields[i].name, name))
			return &fields[i];
	return NULL;
}

int program_ctx_buffer_size(uint64_t program_size, size_t *ret)
{
	uint64_t size = MAX(program_size, (uint64_t)sizeof(struct numab_ctx));

	if (size > PROGRAM_CTX_MAX_BYTES)
		return -E2BIG;
	size = (size + 7) & ~UINT64_C(7);
	*ret = (size_t)size;
	return 0;
}

enum policy_mode program_mode_to_policy(uint32_t mode)
{
	switch (mode) {
	case NUMAB_MODE_OFF:
		return POLICY_MODE_OFF;
	case NUMAB_MODE_FOLLOW:
		return POLICY_MODE_FOLLOW;
	case NUMAB_MODE_PIN:
		return POLICY_MODE_PIN;
	case NUMAB_MODE_INTERLEAVE:
		return POLICY_MODE_INTERLEAVE;
	case NUMAB_MODE_TIER:
		return POLICY_MODE_TIER;
	case NUMAB_MODE_KERNEL:
		return POLICY_MODE_KERNEL;
	default:
		return _POLICY_MODE_INVALID;
	}
}

uint32_t program_mode_from_policy(enum policy_mode mode)
{
	switch (mode) {
	case POLICY_MODE_OFF:
		return NUMAB_MODE_OFF;
	case POLICY_MODE_FOLLOW:
		return NUMAB_MODE_FOLLOW;
	case POLICY_MODE_PIN:
		return NUMAB_MODE_PIN;
	case POLICY_MODE_INTERLEAVE:
		return NUMAB_MODE_INTERLEAVE;
	case POLICY_MODE_TIER:
		return NUMAB_MODE_TIER;
	case POLICY_MODE_KERNEL:
		return NUMAB_MODE_KERNEL;
	default:
		return UINT32_MAX;
	}
}

uint64_t program_path_hash(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (const unsigned char *p = (const unsigned char *)strempty(s); *p; p++) {
		h ^= *p;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static uint32_t permille(double v)
{
	if (v < 0)
		return NUMAB_PERMILLE_UNKNOWN;
	return (uint32_t)MIN(v * 1000.0 + 0.5, 1000.0);
}

static uint64_t usec_to_ms(uint64_t usec)
{
	return usec / 1000;
}

static uint64_t ms_to_usec(uint64_t ms)
{
	return ms > UINT64_MAX / 1000 ? UINT64_MAX : ms * 1000;
}

int program_ctx_pack(const struct program_ctx_input *in, void *buf, size_t size)
{
	struct numab_ctx *c = buf;
	unsigned span;

	if (!in || !buf || size < sizeof(*c))
		return -EINVAL;
	memset(buf, 0, size);
	span = MIN(in->span, (unsigned)NUMAB_CTX_MAX_NODES);

	c->size = sizeof(*c);
	c->flags = (in->trial ? NUMAB_CTX_TRIAL : 0) | (in->dry_run ? NUMAB_CTX_DRY_RUN : 0);

	c->cgroup_id = in->cgroup_id;
	c->attached_cgroup_id = in->attached_cgroup_id;
	c->cgroup_path_hash = in->cgroup_path ? program_path_hash(in->cgroup_path) : 0;
	c->attached_path_hash = in->attached_path ? program_path_hash(in->attached_path) : 0;
	c->cgroup_level = in->cgroup_level;
	c->attached_level = in->attached_level;

	c->now_ns = in->now_ns;
	c->realtime_ns = in->realtime_ns;
	c->tick = in->tick;

	c->node_mask = in->node_mask;
	c->cpu_node_mask = in->cpu_node_mask;
	c->mems_effective = in->mems_effective;
	c->nr_node_ids = span;
	c->locality_permille = permille(in->locality);
	c->locality_age_ms = in->locality >= 0 ? usec_to_ms(in->locality_age_usec) : 0;
	c->node_balance_permille = NUMAB_PERMILLE_UNKNOWN;
	c->moved_bytes_total = in->moved_bytes_total;
	c->moved_bytes_recent = in->moved_bytes_recent;
	c->kernel_numa_balancing = in->kernel_numa_balancing < 0 ? NUMAB_U32_UNKNOWN
								  : (uint32_t)in->kernel_numa_balancing;

	if (in->cpu_ns) {
		c->flags |= NUMAB_CTX_HAS_CPU;
		c->nr_procs = in->n_procs;
		c->window_ns = in->window_ns;
		for (unsigned n = 0; n < span; n++) {
			c->cpu_ns[n] = in->cpu_ns[n];
			c->cpu_ns_total += in->cpu_ns[n];
		}
		c->home_nodes = placement_home_nodes(in->cpu_ns, span, HOME_NODES_PERMILLE, NULL);
	}
	if (in->movable_bytes) {
		c->flags |= NUMAB_CTX_HAS_MEMORY;
		for (unsigned n = 0; n < span; n++) {
			c->movable_bytes[n] = in->movable_bytes[n];
			c->movable_bytes_total += in->movable_bytes[n];
			if (in->movable_bytes[n])
				c->memory_nodes |= UINT64_C(1) << n;
		}
	}
	if (in->cpu_ns && in->movable_bytes)
		c->node_balance_permille = permille(placement_locality(in->cpu_ns,
								       in->movable_bytes, span));

	if (in->static_policy) {
		const struct policy_effective *e = in->static_policy;

		c->static_mode = program_mode_from_policy(e->mode);
		if (e->sources[POLICY_ATTR_MODE].kind != POLICY_SOURCE_DEFAULT)
			c->flags |= NUMAB_CTX_EXPLICIT_MODE;
		c->static_nodes = e->nodes;
		c->static_budget_bytes_per_sec = e->budget_ceiling_bytes_per_sec;
		c->static_interval_ms = usec_to_ms(e->interval_usec);
		c->static_hot_threshold_ms = usec_to_ms(e->hot_threshold_usec);
	} else {
		c->static_budget_bytes_per_sec = NUMAB_UNLIMITED;
	}
	return 0;
}

#define KNOWN_REPLY_FLAGS ((uint32_t)NUMAB_REPLY_FINAL)
#define KNOWN_OVERRIDES                                                                     \
	((uint32_t)(NUMAB_OVERRIDE_MODE | NUMAB_OVERRIDE_NODES | NUMAB_OVERRIDE_BUDGET |   \
		    NUMAB_OVERRIDE_INTERVAL | NUMAB_OVERRIDE_HOT_THRESHOLD))

/* Append ", "-separated text to note. */
_printf_(3, 4) static void note_add(char *note, size_t size, const char *fmt, ...)
{
	size_t len = strlen(note);
	va_list ap;

	if (len + 3 >= size)
		return;
	if (len > 0) {
		memcpy(note + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	(void)vsnprintf(note + len, size - len, fmt, ap);
	va_end(ap);
}

int program_ctx_reply(const void *buf, size_t size, uint32_t retval,
		      struct policy_program_reply *ret, char *note, size_t note_size,
		      const char **ret_note)
{
	const struct numab_ctx *c = buf;
	struct policy_program_reply d = {};
	uint32_t o;
	bool reserved = false;

	if (!buf || size < sizeof(*c) || !ret || !note || note_size == 0)
		return -EINVAL;
	note[0] = '\0';
	if (retval != 0) {
		snprintf(note, note_size,
			 "returned %" PRIu32 " (a program returns 0 and puts its verdict in "
			 "ctx->verdict)", retval);
		return -EBADMSG;
	}
	switch (c->verdict) {
	case NUMAB_VERDICT_NONE:
		d.verdict = POLICY_VERDICT_NONE;
		break;
	case NUMAB_VERDICT_ALLOW:
		d.verdict = POLICY_VERDICT_ALLOW;
		break;
	case NUMAB_VERDICT_DENY:
		d.verdict = POLICY_VERDICT_DENY;
		break;
	default:
		snprintf(note, note_size, "invalid verdict %" PRIu32 " (0 none, 1 allow, 2 deny)",
			 c->verdict);
		return -EBADMSG;
	}

	if (c->reply_flags & ~KNOWN_REPLY_FLAGS)
		note_add(note, note_size, "unknown reply flags 0x%" PRIx32 " ignored",
			 c->reply_flags & ~KNOWN_REPLY_FLAGS);
	d.final = d.verdict == POLICY_VERDICT_ALLOW && (c->reply_flags & NUMAB_REPLY_FINAL);

	for (size_t i = 0; i < ELEMENTSOF(c->reply_reserved); i++)
		reserved = reserved || c->reply_reserved[i] != 0;
	if (reserved)
		note_add(note, note_size, "reserved reply fields set (a newer header?), ignored");

	o = d.verdict == POLICY_VERDICT_ALLOW ? c->override_mask : 0;
	if (o & ~KNOWN_OVERRIDES)
		note_add(note, note_size, "unknown override bits 0x%" PRIx32 " ignored",
			 o & ~KNOWN_OVERRIDES);
	if (o & NUMAB_OVERRIDE_MODE) {
		/* Out of range stays out of range: the policy model reports it. */
		d.override_mask |= POLICY_ATTR_BIT(POLICY_ATTR_MODE);
		d.mode = program_mode_to_policy(c->mode);
	}
	if (o & NUMAB_OVERRIDE_NODES) {
		if (c->nodes == 0) {
			note_add(note, note_size, "empty node set ignored");
		} else {
			d.override_mask |= POLICY_ATTR_BIT(POLICY_ATTR_NODES);
			d.nodes = c->nodes;
		}
	}
	if (o & NUMAB_OVERRIDE_BUDGET) {
		if (c->budget_bytes_per_sec == 0) {
			note_add(note, note_size, "budget 0 ignored");
		} else {
			d.override_mask |= POLICY_ATTR_BIT(POLICY_ATTR_BUDGET);
			d.budget_bytes_per_sec = c->budget_bytes_per_sec;
		}
	}
	if (o & NUMAB_OVERRIDE_INTERVAL) {
		d.override_mask |= POLICY_ATTR_BIT(POLICY_ATTR_INTERVAL);
		d.interval_usec = ms_to_usec(c->interval_ms);
	}
	if (o & NUMAB_OVERRIDE_HOT_THRESHOLD) {
		d.override_mask |= POLICY_ATTR_BIT(POLICY_ATTR_HOT_THRESHOLD);
		d.hot_threshold_usec = ms_to_usec(c->hot_threshold_ms);
	}

	*ret = d;
	if (ret_note)
		*ret_note = note[0] ? note : NULL;
	return 0;
}

static bool is_identifier(const char *s)
{
	if (!s || !(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

int program_spec_split(const char *spec, char **ret_path, char **ret_name)
{
	_cleanup_free_ char *path = NULL, *name = NULL;
	const char *base, *colon;

	if (!spec || spec[0] != '/')
		return -EINVAL;
	base = strrchr(spec, '/') + 1;
	colon = strrchr(base, ':');
	if (colon && is_identifier(colon + 1)) {
		if (colon == base)
			return -EINVAL;
		path = strndup(spec, (size_t)(colon - spec));
		name = strdup(colon + 1);
		if (!path || !name)
			return -ENOMEM;
	} else {
		path = strdup(spec);
		if (!path)
			return -ENOMEM;
	}
	if (ret_path)
		*ret_path = TAKE_PTR(path);
	if (ret_name)
		*ret_name = TAKE_PTR(name);
	return 0;
}
