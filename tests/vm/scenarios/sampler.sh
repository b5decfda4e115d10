#!/bin/sh
# description: the BPF placement sampler: it loads (CO-RE) on this kernel; workloads pinned to different nodes in different cgroups show their CPU time on their own node, and the sampler agrees with the /proc method within 5% per cgroup, process and thread
# shapes: 2n 4n
# kernels: all
# timeout: 180
. /usr/lib/numab-vm/lib.sh

SECS=${NUMAB_SAMPLER_SECS:-8}
ROUNDS=2
PROBE=numab-sampler-probe

set_numa_balancing 0
if ! have "$PROBE"; then
	fail load "$PROBE is not in the guest (build it: ninja -C build tests/integration/sampler-probe)"
	finish
fi

# One cgroup per CPU node, /sampler/n<N>, with numabwork's workers pinned to that node's CPUs,
# one worker per CPU. Even nodes are managed (per-thread numbers), odd ones are not.
cg_create sampler || { fail setup "cannot create /sampler"; finish; }
args=
nodes=
for n in $(node_list); do
	node_has_cpus "$n" || continue
	cpus=$(node_cpus "$n" | wc -w)
	cg_create "sampler/n$n" || { fail setup "cannot create /sampler/n$n"; finish; }
	if ! wl_start "s$n" "sampler/n$n" --mib 8 --threads "$cpus" --cpu-node "$n" --mem-node "$n"; then
		fail setup "numabwork on node $n did not start"
		finish
	fi
	# The main thread too (numabwork pins only its workers): every thread of the cgroup runs
	# on node n, so the whole cgroup's time belongs there.
	taskset -a -p -c "$(node_cpulist "$n")" "$(wl_pid "s$n")" >/dev/null ||
		say "cannot pin numabwork's main thread to node $n"
	if [ $((n % 2)) -eq 0 ]; then args="$args --managed /sampler/n$n"; else args="$args /sampler/n$n"; fi
	nodes="$nodes $n"
done
say "workloads:$(for n in $nodes; do printf ' /sampler/n%s on node %s (%s)' "$n" "$n" "$(node_cpulist "$n")"; done)"

# Under TCG the kernel marks the TSC unstable a few seconds after boot, and its scheduler clock
# (the run time /proc reports) can jump at that moment: a window across it shows a pinned
# thread running longer than the window. Measure after the switch (or 25 s of uptime).
clock_settled() {
	[ "$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)" != tsc ] ||
		dmesg | grep -qE 'Unstable clock detected|Marking TSC unstable' ||
		[ "$(uptime_ms)" -ge 25000 ]
}
wait_until 30 clock_settled
say "clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource) at $(($(uptime_ms) / 1000)) s of uptime"

# shellcheck disable=SC2086
out=$("$PROBE" --seconds "$SECS" --rounds "$ROUNDS" $args 2>&1)
rc=$?
echo "$out" | sed 's/^/  | /'
case $rc in
0) pass load "the sampler loaded and attached on $(uname -r) (tp_btf/sched_switch, CO-RE)" ;;
77) fail load "the sampler did not load on $(uname -r): $(echo "$out" | sed -n 's/^SKIP //p')"
    "$PROBE" -v --seconds 1 /sampler 2>&1 | grep -iE 'libbpf|error|fail' | tail -n 30
    finish ;;
*) fail load "$PROBE exited with $rc"; finish ;;
esac

# judge KIND PATH NODE MIN_NS [FLOOR_NS]: awk over the probe's KIND lines of PATH. A line fails
# when the sampler's total and the /proc total differ by more than 5% (+ two 10 ms clock ticks
# of /proc resolution), or, for lines with at least 0.2 s of CPU time, when a node's share of
# the time differs by more than 5 points between the two, or when less than 99% of the
# sampler's time is on NODE (where the threads are pinned). The check fails when no line has
# MIN_NS of /proc time. Lines below FLOOR_NS (both ways) are not compared: a thread that runs
# in bursts (numabwork's main thread) is counted by the two methods over windows that are
# offset by the snapshot walk, which under TCG takes a good part of a second. Nor are lines
# where /proc reports more CPU time than CPUS CPUs have in the window: under TCG the guest's
# scheduler clock (the basis of utime + stime) can run several percent ahead of CLOCK_MONOTONIC
# once the TSC is marked unstable, while the sampler's runs in progress are timed on
# CLOCK_MONOTONIC. Exit status 2 (SKIP) when that leaves nothing to compare.
judge() {
	echo "$out" | awk -v kind="$1" -v path="$2" -v home="$3" -v min="$4" -v floor="${5:-0}" -v cpus="${6:-1}" '
		{ delete v; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
		$1 == "cgroup" { win = v["window_ms"] * 1e6 }
		$1 != kind || v["path"] != path { next }
		{
			s = v["sampler_ns"] + 0; p = v["proc_ns"] + 0
			if (s < floor && p < floor) { small++; next }
			if (win > 0 && p > 1.01 * win * cpus) {
				skew++
				skewed = skewed sprintf(" %.2fs in %.2fs", p / 1e9, win / 1e9)
				next
			}
			lines++
			if (p >= min) big++
			d = s > p ? s - p : p - s
			if (d > 0.05 * p + 20e6) badtotal++
			if (p >= min && d / p > worst) worst = d / p
			ssum += s; psum += p
			if (s < 2e8 || p < 2e8) next
			for (k in v) {
				if (k !~ /^s_node/) continue
				n = substr(k, 7)
				ds = v[k] / s - v["p_node" n] / p
				if (ds < 0) ds = -ds
				if (ds > 0.05) badshare++
				if (ds > worstshare) worstshare = ds
			}
			share = v["s_node" home] / s
			if (share < 0.99) offnode++
			if (minshare == "" || share < minshare) minshare = share
		}
		END {
			printf "%d %s line(s): sampler %.2fs, /proc %.2fs; totals differ by <= %.1f%%, node shares by <= %.1f points; node %s share >= %.1f%%", lines, kind, ssum / 1e9, psum / 1e9, 100 * worst, 100 * worstshare, home, 100 * minshare
			if (small) printf " (%d line(s) under %.1fs not compared)", small, floor / 1e9
			if (skew) printf " (%d line(s) not compared: the guest scheduler clock ran ahead, /proc:%s)", skew, skewed
			if (badtotal) printf "; %d total(s) more than 5%% apart", badtotal
			if (badshare) printf "; %d node share(s) more than 5 points apart", badshare
			if (offnode) printf "; %d line(s) below 99%% on node %s", offnode, home
			if (!big) printf "; no line with %.1fs of CPU time", min / 1e9
			printf "\n"
			if (!lines && skew) exit 2
			exit !(lines > 0 && big > 0 && !badtotal && !badshare && !offnode)
		}'
}

expect() {
	_name=$1
	shift
	_res=$(judge "$@")
	case $? in
	0) pass "$_name" "$_res" ;;
	2) skip "$_name" "$_res" ;;
	*) fail "$_name" "$_res" ;;
	esac
}

for n in $nodes; do
	cpus=$(node_cpus "$n" | wc -w)
	# Each worker spins on its own CPU: well over half a CPU per worker over the window.
	min=$((SECS * cpus * 500000000))
	expect "node$n.cgroup" cgroup "/sampler/n$n" "$n" "$min" 0 "$cpus"
	if [ $((n % 2)) -eq 0 ]; then
		expect "node$n.process" process "/sampler/n$n" "$n" "$min" 0 "$cpus"
		expect "node$n.thread" thread "/sampler/n$n" "$n" $((SECS * 500000000)) 500000000 1
	elif echo "$out" | grep -q "^thread path=/sampler/n$n "; then
		fail "node$n.unmanaged" "per-thread lines for the unmanaged /sampler/n$n"
	else
		pass "node$n.unmanaged" "no per-thread numbers for the unmanaged /sampler/n$n"
	fi
done

stats=$(echo "$out" | sed -n 's/^stats //p')
if echo " $stats " | grep -q ' cgroup_full=0 ' && echo " $stats " | grep -q ' thread_full=0 ' &&
	echo " $stats " | grep -q ' dropped_ns=0 '; then
	pass maps "never full: $stats"
else
	fail maps "dropped run time: $stats"
fi

for n in $nodes; do
	wl_stop "s$n" >/dev/null
done
cg_destroy sampler
finish
