/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hot-threshold: balancing on, with a hot threshold per workload; the userspace twin of patch 3
 * of the kernel RFC "BPF-based NUMA balancing" (bpf_numab_ops.hot_thresh).
 *
 * What. In the RFC, attaching a bpf_numab_ops to a memory cgroup turns NUMA balancing on for
 * its tasks (numab_hook returns 1) and its hot_thresh member replaces the global
 * numa_balancing_hot_threshold_ms for them: in memory-tiering mode a slow-tier page is
 * promoted when its hint-fault latency is below the threshold, so a smaller threshold
 * promotes only pages touched again soon. Workloads differ (a cache wants only its really hot
 * pages on the top tier, a batch job anything it touches), hence one threshold per workload.
 *
 * How. The program allows balancing for every cgroup it governs. It escalates a cgroup that
 * has no mode of its own to cfg_mode (tier by default: the hot threshold is what tier mode
 * uses); a cgroup with an explicit mode keeps it. The threshold is the value of the hash map
 * `hot_thresholds` for the evaluated cgroup's id, else for the cgroup the program is attached
 * to (one entry covers a subtree), else cfg_default_hot_threshold_ms (the kernel's default,
 * 1000 ms). An entry of 0 means the default. numab clamps thresholds to 1 ms .. 1 h.
 *
 * Update the map at run time with bpftool (the id is in `numabctl programs`):
 *   bpftool map update id ID key hex <cgroup id, 8 bytes LE> value hex <ms, 8 bytes LE>
 * The kernel RFC fixed the threshold when the struct_ops was loaded; a map lets an operator
 * change it without reloading anything.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <numab/numab_bpf.h>

const volatile __u64 cfg_default_hot_threshold_ms = 1000;
const volatile __u32 cfg_mode = NUMAB_MODE_TIER;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);    /* cgroup id */
	__type(value, __u64);  /* hot threshold in ms; 0: the default */
} hot_thresholds SEC(".maps");

SEC("syscall")
int hot_threshold(struct numab_ctx *ctx)
{
	__u64 id = ctx->cgroup_id, ms = cfg_default_hot_threshold_ms, *v;

	v = bpf_map_lookup_elem(&hot_thresholds, &id);
	if (!v || !*v) {
		id = ctx->attached_cgroup_id;
		v = bpf_map_lookup_elem(&hot_thresholds, &id);
	}
	if (v && *v)
		ms = *v;

	numab_allow(ctx);
	if (!(ctx->flags & NUMAB_CTX_EXPLICIT_MODE))
		numab_set_mode(ctx, cfg_mode);
	numab_set_hot_threshold_ms(ctx, ms);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
