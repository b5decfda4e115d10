/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy programs for the hierarchy cases of DESIGN §4 (12-15) and the failure paths, one
 * SEC("syscall") program each; the tests pick one with `numabctl attach --name NAME`.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <numab/numab_bpf.h>

/* No opinion. */
SEC("syscall")
int none(struct numab_ctx *ctx)
{
	return 0;
}

/* Allow (escalates the implicit default to follow). */
SEC("syscall")
int allow(struct numab_ctx *ctx)
{
	numab_allow(ctx);
	return 0;
}

/* Allow with pin. */
SEC("syscall")
int allow_pin(struct numab_ctx *ctx)
{
	numab_allow(ctx);
	numab_set_mode(ctx, NUMAB_MODE_PIN);
	return 0;
}

/* Final allow with a 5 s interval (case 15). */
SEC("syscall")
int allow_final_5s(struct numab_ctx *ctx)
{
	numab_allow_final(ctx);
	numab_set_interval_ms(ctx, 5000);
	return 0;
}

/* Deny (cases 14, 15). */
SEC("syscall")
int deny(struct numab_ctx *ctx)
{
	numab_deny(ctx);
	return 0;
}

/* Allow with overrides out of bounds and wider than the static policy: numab clamps them. */
SEC("syscall")
int allow_wide(struct numab_ctx *ctx)
{
	numab_allow(ctx);
	numab_set_interval_ms(ctx, 1);
	numab_set_hot_threshold_ms(ctx, 1000ull * 3600 * 24);
	numab_set_budget(ctx, NUMAB_UNLIMITED);
	numab_set_nodes(ctx, ~0ull);
	return 0;
}

/* Passes its trial run, then fails: a nonzero return value. */
SEC("syscall")
int fail_at_run(struct numab_ctx *ctx)
{
	if (ctx->flags & NUMAB_CTX_TRIAL)
		return 0;
	return 22;
}

/* Passes its trial run, then answers an invalid verdict. */
SEC("syscall")
int bad_verdict(struct numab_ctx *ctx)
{
	if (ctx->flags & NUMAB_CTX_TRIAL)
		return 0;
	ctx->verdict = 9;
	return 0;
}

/* Fails its trial run. */
SEC("syscall")
int fail_trial(struct numab_ctx *ctx)
{
	return 1;
}

/* Echoes what numabd told it: the static mode as the reply's mode (allow with the same mode
 * when it is not off), its level as the interval in seconds: a check of the context. */
SEC("syscall")
int echo(struct numab_ctx *ctx)
{
	if (ctx->size < NUMAB_CTX_SIZE_V1 || ctx->cgroup_id == 0 || ctx->attached_cgroup_id == 0 ||
	    ctx->node_mask == 0 || ctx->now_ns == 0 || ctx->realtime_ns < 1700000000ull * 1000000000ull)
		return 3;
	numab_allow(ctx);
	numab_set_interval_ms(ctx, 1000ull * (ctx->cgroup_level + 1));
	numab_set_hot_threshold_ms(ctx, 1000ull * (ctx->attached_level + 1));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
