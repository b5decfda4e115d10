#!/bin/sh
# description: the bench itself: the guest topology matches the shape, memory.numa_stat and numabwork agree on where memory is, migrate_pages moves it without losing data, kernel.numa_balancing can be set
# shapes: all
# kernels: all
# timeout: 240
. /usr/lib/numab-vm/lib.sh

kdetail="uname=$(uname -r) line=${NUMAB_LINE:-?} pkg=${NUMAB_KPKG:-?}"
if [ -n "${NUMAB_KVER:-}" ] && [ "$NUMAB_KVER" != "$(uname -r)" ]; then
	fail kernel "$kdetail, but the host booted $NUMAB_KVER"
else
	pass kernel "$kdetail"
fi

# --- kernel.numa_balancing can be read and set (then off: nothing but us moves pages here).
if [ -r /proc/sys/kernel/numa_balancing ]; then
	boot_nb=$(get_numa_balancing)
	ok=1
	for m in 0 1 2 0; do
		set_numa_balancing "$m" || ok=0
	done
	if [ "$ok" = 1 ]; then
		pass numa_balancing "boot value $boot_nb; wrote and read back 0 1 2 0"
	else
		fail numa_balancing "cannot set kernel.numa_balancing (boot value $boot_nb)"
	fi
else
	fail numa_balancing "/proc/sys/kernel/numa_balancing is missing (CONFIG_NUMA_BALANCING=$(kconfig NUMA_BALANCING))"
fi
set_numa_balancing 0

# --- topology: what the host asked for (numab.nodes, numab.dist, numab.tiers).
want_nodes=
want_cpus=
want_mem=
cpuless=
for e in $(echo "${NUMAB_NODES:-}" | tr ',' ' '); do
	n=${e%%:*}
	rest=${e#*:}
	want_nodes="$want_nodes $n"
	want_cpus="$want_cpus node$n=${rest%%:*}"
	want_mem="$want_mem $n:${rest#*:}"
	[ -z "${rest%%:*}" ] && cpuless="$cpuless $n"
done
want_nodes=${want_nodes# }

got_nodes=$(node_list)
expect_eq topology.nodes "$got_nodes" "$want_nodes" "online nodes"

got_cpus=
for n in $got_nodes; do
	got_cpus="$got_cpus node$n=$(node_cpulist "$n")"
done
expect_eq topology.cpus "${got_cpus# }" "${want_cpus# }" "node CPU lists${cpuless:+ (CPU-less:$cpuless)}"

bad=
got_mem=
for e in $want_mem; do
	n=${e%%:*}
	want=${e#*:}
	got=$(node_mem_mib "$n" 2>/dev/null || echo 0)
	got_mem="$got_mem node$n=${got}M"
	# The kernel keeps some of each node for itself; 75% of the backend is plenty.
	if [ "$got" -lt $((want * 75 / 100)) ] || [ "$got" -gt "$want" ]; then
		bad="$bad node$n=${got}M(want<=${want}M)"
	fi
done
if [ -z "$bad" ]; then
	pass topology.memory "MemTotal per node:$got_mem"
else
	fail topology.memory "MemTotal out of range:$bad"
fi

got_dist=
for n in $got_nodes; do
	got_dist="$got_dist/$(node_distance "$n" | tr ' ' ',')"
done
expect_eq topology.distance "${got_dist#/}" "${NUMAB_DIST:-}" "distance rows"

tiers=$(memory_tiers | tr '\n' ' ' | sed 's/ $//')
want_tiers=${NUMAB_TIERS:-1}
if [ ! -d /sys/devices/virtual/memory_tiering ]; then
	skip topology.tiers "kernel $(uname -r) has no /sys/devices/virtual/memory_tiering"
elif [ "$(memory_tiers | wc -l)" -eq "$want_tiers" ]; then
	if [ "$want_tiers" -gt 1 ]; then
		# The CPU-less nodes must sit in the lowest (highest-numbered) tier.
		low=$(memory_tiers | tail -n 1)
		ok=1
		for n in $cpuless; do
			echo " $(expand_list "${low#*:}") " | grep -q " $n " || ok=0
		done
		if [ "$ok" = 1 ]; then
			pass topology.tiers "$want_tiers tiers (id:nodes): $tiers"
		else
			fail topology.tiers "CPU-less node(s)$cpuless not in the lowest tier: $tiers"
		fi
	else
		pass topology.tiers "$want_tiers tier (id:nodes): $tiers"
	fi
elif [ "$want_tiers" -gt 1 ] && ! kver_ge 6.7; then
	# Memory tiers from HMAT performance data (abstract distance) arrived in Linux 6.7.
	skip topology.tiers "kernel $(uname -r) predates HMAT-based memory tiers (Linux 6.7); it shows: $tiers"
else
	fail topology.tiers "want $want_tiers memory tier(s), got (id:nodes): ${tiers:-none}"
fi

taint=$(cat /proc/sys/kernel/tainted)
if [ $((taint & 512)) -eq 0 ]; then
	pass topology.sane "no kernel warning (tainted=$taint)"
else
	fail topology.sane "the kernel warned (tainted=$taint):"
	dmesg | grep -E -A5 'WARNING|llc-sibling' | head -n 20
fi

# --- placement: a workload placed on node 1 is seen there by memory.numa_stat and by itself.
mib=96
cg=selftest
if ! cg_create "$cg"; then
	fail placement "cannot create cgroup $cg"
	finish
fi
if ! wl_start sw "$cg" --mib "$mib" --threads 2 --mem-node 1 --pattern private; then
	fail placement "numabwork --mem-node 1 did not start"
	finish
fi
pid=$(wl_pid sw)
wl_refresh sw
truth1=$(wl_node_pct sw 1)
stat1=$(cg_node_pct "$cg" 1)
bytes1=$(cg_node_bytes "$cg" 1)
say "after placement on node 1: numa_stat anon: $(cg_numa_stat "$cg")"
say "ground truth: $(cat "$NW_DIR/sw.status")"
expect_ge placement.truth "$truth1" 99 "% of numabwork's pages on node 1 (move_pages):"
if [ "$stat1" -ge 95 ] && [ "${bytes1:-0}" -ge $((mib * 1048576 * 95 / 100)) ]; then
	pass placement.numa_stat "memory.numa_stat anon N1=$bytes1 ($stat1% of the cgroup's anon)"
else
	fail placement.numa_stat "memory.numa_stat anon: $(cg_numa_stat "$cg") ($stat1% on node 1, want >= 95% and >= $((mib * 95 / 100)) MiB)"
fi
policies=$(awk '$2 != "default" { print $2 }' "/proc/$pid/numa_maps" | sort -u | tr '\n' ' ')
if [ -z "$policies" ]; then
	pass placement.no_policy_left "every mapping of pid $pid has the default memory policy"
else
	fail placement.no_policy_left "pid $pid has non-default memory policies: $policies"
fi

# --- migrate_pages(2) (numactl's migratepages) moves it to node 0.
n1_drained() {
	[ "$(cg_node_bytes "$cg" 1)" -lt $((mib * 1048576 / 20)) ]
}
t0=$(uptime_ms)
if out=$(migratepages "$pid" 1 0 2>&1); then
	t1=$(uptime_ms)
	wait_until 10 n1_drained
	wl_refresh sw
	truth0=$(wl_node_pct sw 0)
	stat0=$(cg_node_pct "$cg" 0)
	say "after migratepages $pid 1 0 ($((t1 - t0)) ms): numa_stat anon: $(cg_numa_stat "$cg")"
	say "ground truth: $(cat "$NW_DIR/sw.status")"
	expect_ge migrate.truth "$truth0" 99 "% of numabwork's pages on node 0 after migratepages ($((t1 - t0)) ms):"
	expect_ge migrate.numa_stat "$stat0" 95 "% of the cgroup's anon on node 0 (memory.numa_stat: $(cg_numa_stat "$cg")):"
else
	fail migrate "migratepages $pid 1 0 failed: $out"
fi
wl_stop_check sw checksum

# --- a CPU-less node gets its memory through a temporary policy, and none is left behind.
for n in $cpuless; do
	if ! wl_start sc "$cg" --mib 32 --mem-node "$n"; then
		fail "placement.cpuless_node$n" "numabwork --mem-node $n did not start"
		continue
	fi
	wl_refresh sc
	pct=$(wl_node_pct sc "$n")
	policies=$(awk '$2 != "default" { print $2 }' "/proc/$(wl_pid sc)/numa_maps" | sort -u | tr '\n' ' ')
	if [ "$pct" -ge 99 ] && [ -z "$policies" ]; then
		pass "placement.cpuless_node$n" "$pct% of the pages on CPU-less node $n, default policy everywhere"
	else
		fail "placement.cpuless_node$n" "$pct% of the pages on node $n (want >= 99), policies left: ${policies:-none}"
	fi
	wl_stop_check sc "checksum_cpuless_node$n"
done

cg_destroy "$cg"
finish
