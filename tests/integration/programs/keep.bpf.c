/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Map state across an atomic replace: built twice (KEEP_VERSION 1 and 2). Both count their
 * evaluations (one per tick) in the array map `evaluations_count` (a name longer than the kernel keeps: 15 bytes); the reply carries the count as the
 * interval in seconds and the version as the hot threshold in ms, so explain shows both. The
 * map `shape` has a different value size in version 2: it is not kept.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <numab/numab_bpf.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);     /* [0] evaluations, [1] the last tick counted */
} evaluations_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
#if KEEP_VERSION == 1
	__type(value, __u64);
#else
	__type(value, __u32);
#endif
} shape SEC(".maps");

SEC("syscall")
int keep(struct numab_ctx *ctx)
{
	__u32 k0 = 0, k1 = 1;
	__u64 *n = bpf_map_lookup_elem(&evaluations_count, &k0), *last = bpf_map_lookup_elem(&evaluations_count, &k1);

	if (!n || !last)
		return 1;
	if (!(ctx->flags & NUMAB_CTX_TRIAL) && *last != ctx->tick) {
		*last = ctx->tick;
		*n += 1;
	}
	numab_allow(ctx);
	numab_set_interval_ms(ctx, *n * 1000);
	numab_set_hot_threshold_ms(ctx, KEEP_VERSION);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
