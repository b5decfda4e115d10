/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#ifndef NUMAB_NUMAB_BPF_H
#define NUMAB_NUMAB_BPF_H

/*
 * numab policy programs: the context numabd hands to a BPF policy program (DESIGN §6,
 * numab-bpf(7)).
 *
 * A policy program is a BPF object with a SEC("syscall") function taking a struct numab_ctx *.
 * numabd runs it with BPF_PROG_TEST_RUN each time it evaluates a cgroup the program governs
 * (the cgroup it is attached to and every cgroup below it), once per tick. The program reads
 * the input fields, writes a verdict and optional overrides into the reply fields, and returns
 * 0. Any other return value counts as a failure: the program then has no opinion and numabd
 * reports it. This is the userspace twin of the proposed kernel bpf_numab_ops (numab_hook
 * plus hot_thresh), with the hierarchy DESIGN §4 rule 4 gives it:
 *
 *   - programs run root-down along the evaluated cgroup's path;
 *   - deny is final: the cgroup is off and the programs below are not run;
 *   - an allow with NUMAB_REPLY_FINAL decides for the subtree: the programs below are not run;
 *   - otherwise the nearest program (the deepest) with an opinion decides;
 *   - allow escalates a cgroup from the implicit default (off, nothing set anywhere) to the
 *     reply's mode, or to follow; it never overrides an explicit mode=off above (the program is
 *     not even run then), and its node set and budget only narrow the static ones; interval and
 *     hot threshold are clamped to numab's bounds.
 *
 * Versioning. The struct only grows at its end; no field ever moves or changes its meaning.
 * numabd writes its own size into ctx->size and zero-fills everything past it. A program
 * built against an older header reads fields that are all still there. A program built
 * against a newer header runs on an older numabd: numabd finds the size of the struct the
 * program was compiled with in the object's BTF and passes a buffer that large (the kernel
 * refuses a context smaller than the furthest offset the program touches), so the new fields
 * read as zero; the program tells "zero" from "not provided" with numab_ctx_has(). Reply
 * fields unknown to a numabd are ignored, and it says so in `numabctl explain`. numabd also
 * checks, through BTF, that every field it knows sits at the offset it expects and refuses an
 * object built against a modified copy of this header. Compile with -g (BTF).
 *
 * Layout. Every field is naturally aligned and the struct has no holes: kernels before 7.x
 * refuse unaligned context access in syscall programs. Per-node arrays are indexed by node id;
 * index them with constants (an unrolled loop, as the examples do): a variable offset into the
 * context is refused by older verifiers.
 *
 * Units are in the names (_ns, _ms, _bytes, _permille). Node sets are 64-bit masks, bit n for
 * node n; numab supports node ids below NUMAB_CTX_MAX_NODES.
 *
 * Usable from BPF C (with vmlinux.h or <linux/types.h>) and from userspace C.
 */

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* The largest node count; the per-node arrays have this many entries. */
#define NUMAB_CTX_MAX_NODES 64

/* The size of the first version of struct numab_ctx. Later versions are larger. */
#define NUMAB_CTX_SIZE_V1 1320

/* A permille field with no basis for a value (no CPU time, no memory, never measured). */
#define NUMAB_PERMILLE_UNKNOWN 0xffffffffu
/* A budget without a limit; a u32 field that is not known (kernel_numa_balancing). */
#define NUMAB_UNLIMITED 0xffffffffffffffffULL
#define NUMAB_U32_UNKNOWN 0xffffffffu

/* ctx->verdict. */
enum numab_verdict {
	NUMAB_VERDICT_NONE = 0,   /* no opinion: the next program down, or the static policy */
	NUMAB_VERDICT_ALLOW = 1,  /* balance the cgroup (with the overrides) */
	NUMAB_VERDICT_DENY = 2,   /* the cgroup is off; final */
};

/* Modes: ctx->mode (with NUMAB_OVERRIDE_MODE) and ctx->static_mode. */
enum numab_mode {
	NUMAB_MODE_OFF = 0,        /* not managed (a reply uses deny instead) */
	NUMAB_MODE_FOLLOW = 1,     /* memory follows the CPU time */
	NUMAB_MODE_PIN = 2,        /* threads and memory consolidated on a fitting node set */
	NUMAB_MODE_INTERLEAVE = 3, /* memory spread over the nodes */
	NUMAB_MODE_TIER = 4,       /* hot memory on the top tier (hot_threshold applies) */
	NUMAB_MODE_KERNEL = 5,     /* left to the kernel's AutoNUMA */
};

/* ctx->reply_flags. */
enum numab_reply_flags {
	NUMAB_REPLY_FINAL = 1u << 0, /* with allow: the programs below are not run */
};

/* ctx->override_mask: which reply values apply (only with NUMAB_VERDICT_ALLOW). */
enum numab_override {
	NUMAB_OVERRIDE_MODE = 1u << 0,
	NUMAB_OVERRIDE_NODES = 1u << 1,
	NUMAB_OVERRIDE_BUDGET = 1u << 2,
	NUMAB_OVERRIDE_INTERVAL = 1u << 3,
	NUMAB_OVERRIDE_HOT_THRESHOLD = 1u << 4,
};

/* ctx->flags. */
enum numab_ctx_flags {
	NUMAB_CTX_TRIAL = 1u << 0,         /* the trial run at attach or load time: a program
					    * should not count it as an evaluation */
	NUMAB_CTX_HAS_CPU = 1u << 1,       /* cpu_ns[], cpu_ns_total, window_ns, home_nodes
					    * describe a measured window */
	NUMAB_CTX_HAS_MEMORY = 1u << 2,    /* movable_bytes[] come from memory.numa_stat */
	NUMAB_CTX_EXPLICIT_MODE = 1u << 3, /* static_mode was set on the path (config, xattr,
					    * numabctl set); else it is the implicit default */
	NUMAB_CTX_DRY_RUN = 1u << 4,       /* numabd runs with --dry-run */
};

struct numab_ctx {
	/* ---- Header (in) ---- */
	__u32 size;                  /* bytes numabd filled in; see numab_ctx_has() */
	__u32 flags;                 /* NUMAB_CTX_* */

	/* ---- Reply (out): zero on entry, which is "no opinion" ---- */
	__u32 verdict;               /* enum numab_verdict */
	__u32 reply_flags;           /* NUMAB_REPLY_* */
	__u32 override_mask;         /* NUMAB_OVERRIDE_*: which of the values below apply */
	__u32 mode;                  /* enum numab_mode, not OFF */
	__u64 nodes;                 /* node mask; intersected with the static node set */
	__u64 budget_bytes_per_sec;  /* lowers the budget ceiling, never raises it; 0 ignored */
	__u64 interval_ms;           /* evaluation interval, clamped to 100 ms .. 24 h */
	__u64 hot_threshold_ms;      /* hot threshold (tier), clamped to 1 ms .. 1 h */
	__u64 reply_reserved[4];     /* leave zero: future reply fields */

	/* ---- The evaluated cgroup and the attachment (in) ---- */
	__u64 cgroup_id;             /* the evaluated cgroup's id (the inode number of its
				      * directory, as bpf_get_current_cgroup_id() gives) */
	__u64 attached_cgroup_id;    /* the cgroup the program is attached to: the evaluated
				      * cgroup or one of its ancestors */
	__u64 cgroup_path_hash;      /* FNV-1a 64 of the evaluated cgroup's path as numabctl
				      * prints it ("/a/b"): stable when the cgroup is recreated */
	__u64 attached_path_hash;    /* the same for the attached cgroup */
	__u32 cgroup_level;          /* depth of the evaluated cgroup: 0 for the root */
	__u32 attached_level;        /* depth of the attached cgroup */

	/* ---- Time (in) ---- */
	__u64 now_ns;                /* CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns() */
	__u64 realtime_ns;           /* CLOCK_REALTIME: wall-clock ns since the epoch (UTC) */
	__u64 tick;                  /* numabd's tick count: runs within one tick share it */

	/* ---- Machine and placement of the evaluated cgroup (in) ---- */
	__u64 node_mask;             /* online nodes with memory */
	__u64 cpu_node_mask;         /* online nodes with CPUs */
	__u64 mems_effective;        /* cpuset.mems.effective of the cgroup */
	__u32 nr_node_ids;           /* node ids below this are meaningful in the arrays */
	__u32 nr_procs;              /* processes in the cgroup itself (HAS_CPU) */
	__u32 locality_permille;     /* placement locality (DESIGN §3), memory weighted over
				      * its processes; measured only while the cgroup is
				      * managed; else NUMAB_PERMILLE_UNKNOWN */
	__u32 node_balance_permille; /* node balance: sum over nodes of min(CPU share, movable
				      * memory share), or NUMAB_PERMILLE_UNKNOWN */
	__u64 locality_age_ms;       /* age of locality_permille */
	__u64 window_ns;             /* length of the window of cpu_ns[] */
	__u64 cpu_ns_total;          /* CPU time in the window, all nodes */
	__u64 movable_bytes_total;   /* movable memory, all nodes */
	__u64 home_nodes;            /* fewest nodes that ran >= 90% of the window's CPU time */
	__u64 memory_nodes;          /* nodes holding movable memory of the cgroup */
	__u64 moved_bytes_total;     /* bytes numabd moved for the cgroup since it first saw it */
	__u64 moved_bytes_recent;    /* of those, moved since the previous tick's evaluation */

	/* ---- The static policy of the evaluated cgroup, before programs (in) ---- */
	__u32 static_mode;           /* enum numab_mode */
	__u32 kernel_numa_balancing; /* kernel.numa_balancing (0-3), or NUMAB_U32_UNKNOWN */
	__u64 static_nodes;          /* eligible nodes; 0 = none eligible */
	__u64 static_budget_bytes_per_sec; /* budget ceiling, NUMAB_UNLIMITED for none */
	__u64 static_interval_ms;
	__u64 static_hot_threshold_ms;

	/* ---- Per node, indexed by node id, hierarchical (in) ---- */
	__u64 cpu_ns[NUMAB_CTX_MAX_NODES];        /* CPU time in the window on each node */
	__u64 movable_bytes[NUMAB_CTX_MAX_NODES]; /* anon + shmem + mapped file per node */

	/* New fields are appended here; nothing above moves. */
};

_Static_assert(sizeof(struct numab_ctx) >= NUMAB_CTX_SIZE_V1, "numab_ctx shrank");
_Static_assert(__builtin_offsetof(struct numab_ctx, verdict) == 8, "numab_ctx layout");
_Static_assert(__builtin_offsetof(struct numab_ctx, cgroup_id) == 88, "numab_ctx layout");
_Static_assert(__builtin_offsetof(struct numab_ctx, static_mode) == 256, "numab_ctx layout");
_Static_assert(__builtin_offsetof(struct numab_ctx, cpu_ns) == 296, "numab_ctx layout");
_Static_assert(__builtin_offsetof(struct numab_ctx, movable_bytes) == 808, "numab_ctx layout");

/* Whether numabd filled field: false for fields newer than the numabd running the program. */
#define numab_ctx_has(ctx, field)                                                 \
	((ctx)->size >= __builtin_offsetof(struct numab_ctx, field) + sizeof((ctx)->field))

/* Reply helpers. */
static inline __attribute__((always_inline)) void numab_allow(struct numab_ctx *ctx)
{
	ctx->verdict = NUMAB_VERDICT_ALLOW;
}

static inline __attribute__((always_inline)) void numab_allow_final(struct numab_ctx *ctx)
{
	ctx->verdict = NUMAB_VERDICT_ALLOW;
	ctx->reply_flags |= NUMAB_REPLY_FINAL;
}

static inline __attribute__((always_inline)) void numab_deny(struct numab_ctx *ctx)
{
	ctx->verdict = NUMAB_VERDICT_DENY;
}

static inline __attribute__((always_inline)) void numab_set_mode(struct numab_ctx *ctx,
								  enum numab_mode mode)
{
	ctx->mode = mode;
	ctx->override_mask |= NUMAB_OVERRIDE_MODE;
}

static inline __attribute__((always_inline)) void numab_set_nodes(struct numab_ctx *ctx,
								   __u64 nodes)
{
	ctx->nodes = nodes;
	ctx->override_mask |= NUMAB_OVERRIDE_NODES;
}

static inline __attribute__((always_inline)) void numab_set_budget(struct numab_ctx *ctx,
								    __u64 bytes_per_sec)
{
	ctx->budget_bytes_per_sec = bytes_per_sec;
	ctx->override_mask |= NUMAB_OVERRIDE_BUDGET;
}

static inline __attribute__((always_inline)) void numab_set_interval_ms(struct numab_ctx *ctx,
									 __u64 ms)
{
	ctx->interval_ms = ms;
	ctx->override_mask |= NUMAB_OVERRIDE_INTERVAL;
}

static inline __attribute__((always_inline)) void
numab_set_hot_threshold_ms(struct numab_ctx *ctx, __u64 ms)
{
	ctx->hot_threshold_ms = ms;
	ctx->override_mask |= NUMAB_OVERRIDE_HOT_THRESHOLD;
}

#endif /* NUMAB_NUMAB_BPF_H */
