#!/bin/sh
# description: numabd tier: hot pages on the CPU-less node promoted to the home node, cold ones stay; hot_threshold from the policy and from a BPF program changes what is promoted; cold pages demoted when the fast node runs short; unavailable (with the reason) without DAMON; kdamonds stopped on exit and after a SIGKILL
# shapes: tier
# kernels: all
# timeout: 720
. /usr/lib/numab-vm/lib.sh

set_numa_balancing 0
say "kernel.numa_balancing=0: only numabd moves memory in this scenario."
SLOW=
for n in $(node_list); do node_has_cpus "$n" || SLOW=$n; done
[ -n "$SLOW" ] || { fail setup "no CPU-less node"; finish; }
E=/usr/share/numab/programs
numab_conf
# hot_pct NAME NODE / cold_pct NAME NODE: percent of the hot (cold) part on NODE (last status).
hot_pct() {
	awk -v n="$2" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%d", v["hot_pages"] ? 100 * v["hot_pages_node" n] / v["hot_pages"] : 0 }' \
		"$NW_DIR/$1.status"
}
cold_pct() {
	awk -v n="$2" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		c = v["pages"] - v["hot_pages"]
		printf "%d", c ? 100 * (v["pages_node" n] - v["hot_pages_node" n]) / c : 0 }' \
		"$NW_DIR/$1.status"
}
# wait_secs SECONDS COMMAND...: like wait_until, by the clock (wl_refresh is slow under TCG).
hot_active() { wl_refresh "$1" >/dev/null && [ "$(wl_field "$1" hot_active)" = 1 ]; }
all_at_least() { wl_refresh "$1" >/dev/null && [ "$(wl_node_pct "$1" "$2")" -ge "$3" ]; }
hot_at_least() { wl_refresh "$1" >/dev/null && [ "$(hot_pct "$1" "$2")" -ge "$3" ]; }
cold_at_least() { wl_refresh "$1" >/dev/null && [ "$(cold_pct "$1" "$2")" -ge "$3" ]; }
kdamonds() { grep -l '^kdamond' /proc/[0-9]*/comm 2>/dev/null | wc -l; }
nr_kdamonds() { cat /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds 2>/dev/null || echo none; }
note_has() { runtime "$1" note | grep -q "$2"; }
oneline() { tr -d '\n' | sed 's/\([[{,]\) */\1/g; s/ *\([]}]\)/\1/g'; }
map_id() {
	numabctl -j programs | oneline | sed 's/},{"cgroup":/}\n{"cgroup":/g' | grep "\"cgroup\":\"$1\"" |
		sed -n "s/.*\"name\":\"$2\",\"type\":\"[a-z_]*\",\"id\":\([0-9]*\).*/\1/p"
}

cg_create tier/a
numabctl_set() { numabctl set "$@" >/dev/null || fail set "numabctl set $*"; }
start_numabd || { fail start "numabd did not answer"; finish; }
numabctl_set /tier/a mode=tier hot_threshold=1ms

# ---- without DAMON (Debian's 6.1): unavailable with the reason, numabd keeps running
if [ ! -d /sys/kernel/mm/damon/admin ]; then
	wl_start u tier/a --mib 32 --threads 1 --cpu-node 0 --mem-node "$SLOW" ||
		{ fail setup "no workload"; finish; }
	if wait_until 20 note_has /tier/a "tier unavailable: this kernel has no DAMON"; then
		pass unavailable "numabctl status /tier/a: $(runtime /tier/a note)"
	else
		fail unavailable "note: '$(runtime /tier/a note)'"
	fi
	numabctl explain /tier/a | grep -q "no DAMON" && pass explain_unavailable "explain says why" ||
		fail explain_unavailable "$(numabctl explain /tier/a | tail -n 5)"
	wl_refresh u >/dev/null
	expect_ge nothing_moved "$(wl_node_pct u "$SLOW")" 99 "% still on node $SLOW:"
	numabctl reload >/dev/null && kill -0 "$NPID" && pass survives "numabd keeps running" ||
		fail survives "numabd is gone: $(tail -n 5 /run/numabd.log)"
	wl_stop_check u
	stop_numabd
	finish
fi

# ---- Debian's 7.x enables DAMON_STAT at boot, which holds DAMON exclusively
STAT=/sys/module/damon_stat/parameters/enabled
if [ "$(cat $STAT 2>/dev/null)" = Y ]; then
	wl_start u tier/a --mib 16 --threads 1 --cpu-node 0 --mem-node "$SLOW" ||
		{ fail setup "no workload"; finish; }
	if wait_until 20 note_has /tier/a "damon_stat"; then
		pass damon_stat_reported "$(runtime /tier/a note)"
	else
		fail damon_stat_reported "note: '$(runtime /tier/a note)'"
	fi
	wl_stop_check u checksum_u
	echo N >$STAT
	say "DAMON_STAT switched off by the test (the operator's choice); numabctl reload looks again."
	numabctl reload >/dev/null
fi

# ---- policy hot_threshold: 1 ms (nothing is that hot), 1 s (the hot part), 1 h (all of it)
# 96 MiB on the CPU-less node, threads on node 0; the whole region is touched for 20 s, then
# only its first 16 MiB.
wl_start a tier/a --mib 96 --threads 1 --cpu-node 0 --mem-node "$SLOW" --hot-mib 16 \
	--hot-delay 20 || { fail setup "no workload"; finish; }
wait_secs 60 hot_active a
TH=$(uptime_ms)
sleep 8
wl_refresh a >/dev/null
# Two processes: numabwork and the shell of wl_start that waits for it.
if [ "$(runtime /tier/a tier.monitored_processes)" -ge 1 ] && [ "$(wl_node_pct a 0)" -le 3 ]; then
	pass threshold_1ms "hot_threshold=1ms: nothing accessed that often, nothing promoted ($(wl_node_pct a 0)% on node 0; DAMON monitors $(runtime /tier/a tier.monitored_processes) processes)"
else
	fail threshold_1ms "$(wl_node_pct a 0)% on node 0, runtime: $(numabctl -j status /tier/a | jsonpick 'cgroups[0].runtime')"
fi
numabctl_set /tier/a hot_threshold=1s
T0=$(uptime_ms)
if wait_secs 120 hot_at_least a 0 90; then
	pass promote_hot "hot part $(hot_pct a 0)% on node 0 after $(( ($(uptime_ms) - T0) / 1000 )) s (hot_threshold=1s)"
else
	fail promote_hot "hot part $(hot_pct a 0)% on node 0: $(wl_truth a); $(numabctl -j status /tier/a | jsonpick 'cgroups[0].runtime')"
	tail -n 20 /run/numabd.log
fi
sleep 10
wl_refresh a >/dev/null
expect_ge cold_stays "$(cold_pct a "$SLOW")" 85 "% of the cold part still on node $SLOW (hot_threshold=1s):"
numabctl status /tier/a | sed 's/^/  /'
numabctl_set /tier/a hot_threshold=1h
# What DAMON saw used in the first 20 s is "accessed within 1 h": hot. DAMON samples one page
# per region every 5 ms, so a region it never caught in use (a few percent) stays.
if wait_secs 120 cold_at_least a 0 75; then
	pass threshold_1h "hot_threshold=1h: the part last used $(( ($(uptime_ms) - TH) / 1000 )) s ago is hot too: $(cold_pct a 0)% of it on node 0"
else
	fail threshold_1h "cold part $(cold_pct a 0)% on node 0: $(numabctl -j status /tier/a | jsonpick 'cgroups[0].runtime')"
fi
wl_stop_check a checksum_a

# ---- hot_threshold from the example BPF program (a map entry per cgroup)
if [ -f "$E/hot-threshold.bpf.o" ]; then
	cg_create tier/b
	numabctl attach /tier/b "$E/hot-threshold.bpf.o" >/dev/null || fail attach "hot-threshold.bpf.o"
	mid=$(map_id /tier/b hot_thresholds)
	# shellcheck disable=SC2046
	bpftool map update id "$mid" key hex $(le64 "$(stat -c %i "$(cg_path tier/b)")") value hex $(le64 1)
	wl_start b tier/b --mib 64 --threads 1 --cpu-node 0 --mem-node "$SLOW" --hot-mib 16 \
		--hot-delay 10 || { fail setup "no workload b"; finish; }
	sleep 20
	wl_refresh b >/dev/null
	mode=$(numabctl -j explain /tier/b | jsonpick effective.mode.value effective.hot_threshold.value | tr '\n' ' ')
	if [ "$mode" = "tier 1ms " ] && [ "$(wl_node_pct b 0)" -le 3 ]; then
		pass program_1ms "the program made /tier/b tier with hot_threshold=1ms: $(wl_node_pct b 0)% promoted"
	else
		fail program_1ms "explain: $mode; $(wl_node_pct b 0)% on node 0"
	fi
	# shellcheck disable=SC2046
	bpftool map update id "$mid" key hex $(le64 "$(stat -c %i "$(cg_path tier/b)")") value hex $(le64 3600000)
	if wait_secs 120 all_at_least b 0 85; then
		pass program_1h "a map entry of 1 h: hot and recently used memory promoted ($(hot_pct b 0)% / $(cold_pct b 0)% on node 0)"
	else
		fail program_1h "$(wl_truth b); $(numabctl -j explain /tier/b | jsonpick effective.hot_threshold)"
	fi
	wl_stop_check b checksum_b
	numabctl detach /tier/b >/dev/null
else
	skip program "no hot-threshold.bpf.o (build the examples)"
fi

# ---- demotion: node 0 runs short of free memory, the coldest tier pages go down
cg_create tier/c
cg_create hog
numabctl_set /tier/c mode=tier hot_threshold=3s
# A ticker shares the workload's CPU: a task of another process that wakes every millisecond,
# as a real machine's CPUs switch between tasks. DAMON samples the Accessed bit, which it clears
# without a TLB flush, and the CPU sets it again only when it reloads the translation. qemu's
# TCG keeps every translation in its software TLB until the vCPU switches address space, so a
# workload alone on its vCPU showed no access at all to its hot part for 5-10 s at a time
# (nr_accesses 0 in every region while it ran flat out; 6.12 and 7.2, THP or 4 KiB pages, no
# reclaim). When node 0 then ran short, numabd demoted the hot part with the cold (hot_stays
# failed in 1 run of 3). With the ticker DAMON saw the hot part at every read (2 runs of 2).
CPU0=$(node_cpulist 0 | cut -d, -f1 | cut -d- -f1)
wl_start t hog --mib 1 --threads 1 --cpus "$CPU0" --mem-node 0 --probe --period-us 1000 ||
	fail setup "no ticker"
wl_start c tier/c --mib 96 --threads 1 --cpus "$CPU0" --mem-node 0 --hot-mib 16 ||
	{ fail setup "no workload c"; finish; }
sleep 8
free0=$(awk '/MemFree/ { print int($4 / 1024) }' /sys/devices/system/node/node0/meminfo)
hog=$((free0 - 40))
say "node 0 has $free0 MiB free; a hog (not tier) takes $hog MiB of it"
# The hog holds its memory and stays out of the way: one chunk a second, on node 1's CPUs.
wl_start h hog --mib "$hog" --threads 1 --cpus "$(node_cpulist 1)" --mem-node 0 --no-thp \
	--probe --period-us 1000000 || fail setup "no hog"
T0=$(uptime_ms)
if wait_secs 120 cold_at_least c "$SLOW" 50; then
	pass demote_cold "cold part $(cold_pct c "$SLOW")% on node $SLOW after $(( ($(uptime_ms) - T0) / 1000 )) s; node 0 free: $(awk '/MemFree/ { print int($4 / 1024) }' /sys/devices/system/node/node0/meminfo) MiB"
else
	fail demote_cold "cold part $(cold_pct c "$SLOW")% on node $SLOW: $(numabctl -j status /tier/c | jsonpick 'cgroups[0].runtime')"
	tail -n 20 /run/numabd.log
fi
wl_refresh c >/dev/null
expect_ge hot_stays "$(hot_pct c 0)" 90 "% of the hot part still on node 0:"
[ "$(hot_pct c 0)" -ge 90 ] || grep -E 'tier/c|demot' /run/numabd.log | tail -n 20
wl_refresh h >/dev/null
expect_le hog_untouched "$(wl_node_pct h "$SLOW")" 1 "% of the hog (not tier) on node $SLOW:"
wl_stop_check h checksum_hog
wl_stop_check t checksum_ticker

# ---- cleanup: no kdamond outlives numabd, nor a SIGKILLed one's next start
n=$(kdamonds)
[ "$n" -ge 1 ] && pass kdamond_running "$n kdamond(s) for the tier cgroup" ||
	fail kdamond_running "no kdamond while /tier/c is tiered"
stop_numabd TERM
if [ "$(kdamonds)" = 0 ] && [ "$(nr_kdamonds)" = 0 ]; then
	pass stop_cleans "SIGTERM: no kdamond left, nr_kdamonds=0"
else
	fail stop_cleans "$(kdamonds) kdamond(s), nr_kdamonds=$(nr_kdamonds)"
fi
start_numabd || fail restart "numabd did not answer"
wait_until 30 sh -c '[ "$(grep -l "^kdamond" /proc/[0-9]*/comm 2>/dev/null | wc -l)" -ge 1 ]'
stop_numabd KILL
n=$(kdamonds)
start_numabd || fail restart "numabd did not answer"
if grep -q "a previous numabd left running" /run/numabd.log && [ "$n" -ge 1 ]; then
	pass sigkill_cleaned "$n kdamond(s) after SIGKILL; the next numabd: $(grep 'previous numabd left' /run/numabd.log | tail -n 1)"
else
	fail sigkill_cleaned "$n kdamond(s) after SIGKILL; log: $(grep -i damon /run/numabd.log | tail -n 3)"
fi
numabctl_set /tier/c mode=off
if wait_until 20 sh -c '[ "$(grep -l "^kdamond" /proc/[0-9]*/comm 2>/dev/null | wc -l)" = 0 ]'; then
	pass mode_change_cleans "mode off: kdamond stopped, nr_kdamonds=$(nr_kdamonds)"
else
	fail mode_change_cleans "$(kdamonds) kdamond(s) after mode off"
fi
wl_stop_check c checksum_c
stop_numabd
finish
