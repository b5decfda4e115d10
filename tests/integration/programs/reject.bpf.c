/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The verifier refuses this program on every kernel: a map value used without a NULL check. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <numab/numab_bpf.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u64);
	__type(value, __u64);
} thresholds SEC(".maps");

SEC("syscall")
int reject(struct numab_ctx *ctx)
{
	__u64 id = ctx->cgroup_id;
	__u64 *v = bpf_map_lookup_elem(&thresholds, &id);

	numab_allow(ctx);
	numab_set_hot_threshold_ms(ctx, *v);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
