/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quiet-hours: no balancing for a latency-critical cgroup during a time window.
 *
 * Why. Page migration stalls the threads whose pages move (the kernel unmaps, copies and
 * remaps each page; move_pages drains the LRU caches on every CPU). A trading engine, a game
 * server at peak or a database during its batch window would rather run with remote memory
 * for an hour than see those stalls. An operator (or a cron job, or a deploy pipeline) puts a
 * window into a map; while it lasts the program denies balancing, which is final: nothing
 * below can switch it on, and numabd leaves the cgroup alone. Outside the window the program
 * has no opinion and the cgroup's policy applies unchanged.
 *
 * Windows. The hash map `quiet_windows`, keyed by cgroup id (the evaluated cgroup's, else the
 * attached one's, so one entry covers a subtree), holds [start_s, end_s): either absolute
 * wall-clock seconds since the epoch (daily = 0; `date +%s`), or, with daily = 1, seconds since
 * midnight UTC, repeated every day (a window that crosses midnight has start_s > end_s).
 *
 * Which clock. A syscall program can read CLOCK_MONOTONIC (bpf_ktime_get_ns()),
 * CLOCK_BOOTTIME and, from Linux 6.1, CLOCK_TAI (bpf_ktime_get_tai_ns(), which runs 37 s ahead
 * of UTC), but not the wall clock people write windows in; numabd puts CLOCK_REALTIME into the
 * context (ctx->realtime_ns), so the program needs no helper and works on every kernel numab
 * supports.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <numab/numab_bpf.h>

#define SECONDS_PER_DAY 86400ull

struct quiet_window {
	__u64 start_s;   /* inclusive */
	__u64 end_s;     /* exclusive */
	__u32 daily;     /* 1: seconds since midnight UTC, every day; 0: seconds since the epoch */
	__u32 reserved;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);                 /* cgroup id */
	__type(value, struct quiet_window);
} quiet_windows SEC(".maps");

static __always_inline int in_window(const struct quiet_window *w, __u64 now_s)
{
	if (w->daily) {
		__u64 t = now_s % SECONDS_PER_DAY;

		if (w->start_s <= w->end_s)
			return t >= w->start_s && t < w->end_s;
		return t >= w->start_s || t < w->end_s;
	}
	return now_s >= w->start_s && now_s < w->end_s;
}

SEC("syscall")
int quiet_hours(struct numab_ctx *ctx)
{
	__u64 now_s = ctx->realtime_ns / 1000000000ull;
	__u64 id = ctx->cgroup_id;
	struct quiet_window *w;

	w = bpf_map_lookup_elem(&quiet_windows, &id);
	if (!w) {
		id = ctx->attached_cgroup_id;
		w = bpf_map_lookup_elem(&quiet_windows, &id);
	}
	if (w && in_window(w, now_s))
		numab_deny(ctx);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
