/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * follow-low-locality: switch a workload to `follow` only once its memory has stayed away from
 * its CPUs for a while, and back off once it is local again (DESIGN §4 case 12).
 *
 * Why. `follow` costs page migrations, and a workload whose locality dips for one window (a
 * burst on another node, a short-lived helper) should not pay for them. So the program waits
 * for the locality to stay below cfg_on_below_permille for cfg_evaluations evaluations in a
 * row before it allows follow, and keeps allowing it until the locality has been at or above
 * cfg_off_above_permille for as many evaluations: two thresholds, so a workload sitting at the
 * threshold does not flap.
 *
 * Which locality. The placement locality (ctx->locality_permille) is what numabd measures
 * while it balances a cgroup: sampled pages against where each process runs. While the
 * program has not switched the cgroup on, there is none (or an old one), so the program
 * falls back to the node balance of the cgroup (CPU time per node against movable memory per
 * node, which numabd computes every tick for cgroups a program governs). A placement locality
 * older than cfg_max_age_ms counts as none.
 *
 * State. One entry per evaluated cgroup in the hash map `fll_state`, keyed by cgroup id: a
 * program attached to /a runs for /a and every cgroup below it, and each gets its own streak.
 * An evaluation counts once per numabd tick (ctx->tick): numabd may run the program again
 * within a tick (after `numabctl set`, attach, reload), and the trial run at attach time
 * (NUMAB_CTX_TRIAL) does not count at all. Entries of removed cgroups stay until the map is
 * full (LRU): a cgroup id is never reused while the machine runs.
 *
 * Knobs: const volatile, so a build can change them (-DFLL_ON_BELOW_PERMILLE=...) and a libbpf
 * loader could set them before load; numabd loads objects as they are.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <numab/numab_bpf.h>

#ifndef FLL_ON_BELOW_PERMILLE
#define FLL_ON_BELOW_PERMILLE 700
#endif

const volatile __u32 cfg_on_below_permille = FLL_ON_BELOW_PERMILLE;
const volatile __u32 cfg_off_above_permille = 950;
const volatile __u32 cfg_evaluations = 3;
const volatile __u64 cfg_max_age_ms = 30000;

struct fll_state {
	__u64 tick;      /* the last tick counted */
	__u32 below;     /* evaluations in a row below the on threshold */
	__u32 above;     /* evaluations in a row at or above the off threshold */
	__u32 on;        /* follow allowed */
	__u32 locality;  /* the last locality used, permille */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);                /* cgroup id */
	__type(value, struct fll_state);
} fll_state SEC(".maps");

SEC("syscall")
int follow_low_locality(struct numab_ctx *ctx)
{
	struct fll_state fresh = {}, *s;
	__u64 id = ctx->cgroup_id;
	__u32 loc = ctx->locality_permille;

	if (loc == NUMAB_PERMILLE_UNKNOWN || ctx->locality_age_ms > cfg_max_age_ms)
		loc = ctx->node_balance_permille;

	s = bpf_map_lookup_elem(&fll_state, &id);
	if (!s) {
		if (ctx->flags & NUMAB_CTX_TRIAL)
			return 0;
		bpf_map_update_elem(&fll_state, &id, &fresh, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&fll_state, &id);
		if (!s)
			return 0;
	}
	if (!(ctx->flags & NUMAB_CTX_TRIAL) && s->tick != ctx->tick &&
	    loc != NUMAB_PERMILLE_UNKNOWN) {
		s->tick = ctx->tick;
		s->locality = loc;
		if (loc < cfg_on_below_permille) {
			s->below++;
			s->above = 0;
		} else if (loc >= cfg_off_above_permille) {
			s->above++;
			s->below = 0;
		} else {
			s->below = 0;
			s->above = 0;
		}
		if (s->below >= cfg_evaluations)
			s->on = 1;
		if (s->above >= cfg_evaluations)
			s->on = 0;
	}
	if (s->on) {
		numab_allow(ctx);
		numab_set_mode(ctx, NUMAB_MODE_FOLLOW);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
