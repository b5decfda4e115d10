/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A program built against a newer numab_bpf.h: its struct numab_ctx has a field appended
 * after everything this numab knows. numabd must pass a context that large (found in BTF),
 * with ctx->size saying what it filled and the new field zero; the program then allows with a
 * 7 s interval. Anything else: deny (or the kernel refuses the run: the trial fails).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define numab_ctx numab_ctx_current
#include <numab/numab_bpf.h>
#undef numab_ctx

struct numab_ctx {
	__u32 size;
	__u32 flags;
	__u32 verdict;
	__u32 reply_flags;
	__u32 override_mask;
	__u32 mode;
	__u64 nodes;
	__u64 budget_bytes_per_sec;
	__u64 interval_ms;
	__u64 hot_threshold_ms;
	__u64 reply_reserved[4];
	__u8 known[sizeof(struct numab_ctx_current) - 88];
	__u64 from_the_future;
};

SEC("syscall")
int future(struct numab_ctx *ctx)
{
	if (ctx->size >= __builtin_offsetof(struct numab_ctx, from_the_future) + 8 ||
	    ctx->from_the_future != 0) {
		ctx->verdict = NUMAB_VERDICT_DENY;
		return 0;
	}
	ctx->verdict = NUMAB_VERDICT_ALLOW;
	ctx->interval_ms = 7000;
	ctx->override_mask = NUMAB_OVERRIDE_INTERVAL;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
