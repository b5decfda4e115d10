#!/bin/sh
# description: numabd beside AutoNUMA: a kernel cgroup's misplaced memory is fixed by the kernel (memcg counters rise, numabd moves nothing and says "left to AutoNUMA"); a cgroup whose cpuset.mems allows one node gets no hint faults on 6.16+; a command under numabctl run gets none on every kernel; status says scanned/exempt (for a pin=hard cgroup by the cpuset.mems numabd bound); pin says whether AutoNUMA still scans; follow leaves a scanned cgroup to the kernel
# shapes: 2n
# kernels: all
# timeout: 420
. /usr/lib/numab-vm/lib.sh

set_numa_balancing 1
nb_scan_fast
say "kernel.numa_balancing=1 with fast scan tunables: AutoNUMA balances in this scenario."
numab_conf
# memcg NAME KEY: a counter of the cgroup's memory.stat (empty on 6.1: no NUMA counters).
memcg() { awk -v k="$2" '$1 == k { print $2 }' "$(cg_path "$1")/memory.stat"; }
# task_faults NAME: the workload's NUMA hinting faults as the scheduler counts them per task
# (/proc/PID/task/*/sched total_numa_faults, every kernel; decays, so 0 means none lately).
task_faults() {
	cat /proc/"$(wl_pid "$1")"/task/*/sched 2>/dev/null |
		awk '$1 == "total_numa_faults" { s += $3 } END { print s + 0 }'
}
task_migrated() {
	cat /proc/"$(wl_pid "$1")"/task/*/sched 2>/dev/null |
		awk '$1 == "numa_pages_migrated" { s += $3 } END { print s + 0 }'
}
locality_at_least() {
	wl_refresh "$1" >/dev/null && awk -v l="$(wl_field "$1" locality)" -v w="$2" 'BEGIN { exit !(l >= w) }'
}
moved_bytes() {
	numabctl -j stats | awk -v cg="\"$1\"" '
		/"moved_bytes":/ { gsub(/[^0-9]/, "", $0); last = $0 }
		/"cgroup":/ && index($0, cg) { print last; found = 1; exit }
		END { if (!found) print 0 }'
}
cg_create k
COUNTERS=
[ -n "$(memcg k numa_hint_faults)" ] && COUNTERS=1
say "per-memcg NUMA counters in memory.stat: ${COUNTERS:-no (6.1)}"

cg_create k/kern
cg_create k/run
cg_create k/pin "$(node_cpulist 0)" 0
cg_create k/fol
cg_create k/hard
numabctl_set() { numabctl set "$@" >/dev/null || fail set "numabctl set $*"; }
start_numabd || { fail start "numabd did not answer"; finish; }
numabctl_set /k/kern mode=kernel
numabctl_set /k/fol mode=follow
numabctl_set /k/pin mode=pin
numabctl_set /k/hard mode=pin pin=hard

# ---- a command under numabctl run: local policy, AutoNUMA skips it on every kernel
numabctl run -- sh -c ". /usr/lib/numab-vm/lib.sh; wl_start r k/run --mib 64 --threads 1 --cpu-node 0 --mem-node 1" ||
	{ fail setup "no numabctl run workload"; finish; }
grep -q ' local ' "/proc/$(wl_pid r)/numa_maps" && say "numabctl run: numa_maps shows the local policy" ||
	fail setup "numa_maps of the run workload: $(head -n 2 /proc/"$(wl_pid r)"/numa_maps)"
# ---- the control: the same misplacement in a kernel cgroup (counters read before it starts:
# with the fast scan tunables AutoNUMA may have fixed it before wl_start returns)
HF0=$(memcg k/kern numa_hint_faults); PM0=$(memcg k/kern numa_pages_migrated)
wl_start k k/kern --mib 64 --threads 1 --cpu-node 0 --mem-node 1 || { fail setup "no kernel workload"; finish; }
# ---- cpuset.mems of one node (set by the test: the kernel's rule, not numab's doing)
wl_start p k/pin --mib 32 --threads 1 || { fail setup "no pinned workload"; finish; }
# ---- pin=hard: numabd narrows cpuset.mems itself once the memory is on the pin set
wl_start hd k/hard --mib 32 --threads 1 --cpu-node 0 --mem-node 0 || fail setup "no pin=hard workload"
# ---- follow beside AutoNUMA
wl_start f k/fol --mib 32 --threads 1 --cpu-node 0 --mem-node 1 || fail setup "no follow workload"

T0=$(uptime_ms)
if wait_secs 120 locality_at_least k 0.9; then
	pass kernel_fixes "AutoNUMA fixed the kernel cgroup: locality $(wl_field k locality) after $(( ($(uptime_ms) - T0) / 1000 )) s"
else
	fail kernel_fixes "$(wl_truth k)"
fi
if [ -n "$COUNTERS" ]; then
	HF1=$(memcg k/kern numa_hint_faults); PM1=$(memcg k/kern numa_pages_migrated)
	if [ "$PM1" -gt "$PM0" ] && [ "$HF1" -gt "$HF0" ]; then
		pass memcg_counters "memory.stat of /k/kern: numa_hint_faults $HF0 -> $HF1, numa_pages_migrated $PM0 -> $PM1"
	else
		fail memcg_counters "numa_hint_faults $HF0 -> $HF1, numa_pages_migrated $PM0 -> $PM1"
	fi
	c=$(status_of /k/kern numa_counters.numa_pages_migrated)
	[ "$c" = "$(memcg k/kern numa_pages_migrated)" ] || [ "$c" -ge "$PM1" ] 2>/dev/null &&
		pass status_counters "numabctl status shows numa_pages_migrated=$c" ||
		fail status_counters "status numa_counters: $(status_of /k/kern numa_counters)"
else
	skip memcg_counters "6.1: no NUMA counters in memory.stat; the scheduler's per-task count: $(task_migrated k) pages migrated"
fi
note=$(status_of /k/kern runtime.note)
by=$(status_of /k/kern runtime.balanced_by)
if echo "$note" | grep -q "left to AutoNUMA" && [ "$by" = kernel-autonuma ] && [ "$(moved_bytes /k/kern)" = 0 ]; then
	pass kernel_left "balanced_by=$by, numabd moved nothing: $note"
else
	fail kernel_left "balanced_by=$by, moved $(moved_bytes /k/kern), note '$note'"
fi
numabctl explain /k/kern | grep -q "left to AutoNUMA" && pass explain_kernel "explain says left to AutoNUMA" ||
	fail explain_kernel "$(numabctl explain /k/kern | tail -n 4)"
expect_eq status_kern_scanned "$(status_of /k/kern autonuma.state)" scanned "/k/kern autonuma:"

# numabctl run: no hinting faults, memory left where it was
wl_refresh r >/dev/null
faults=$(task_faults r)
if [ -n "$COUNTERS" ]; then
	faults=$((faults + $(memcg k/run numa_hint_faults)))
fi
if [ "$faults" = 0 ] && [ "$(wl_node_pct r 1)" -ge 95 ]; then
	pass run_no_faults "numabctl run: 0 hint faults (${COUNTERS:+memory.stat and }/proc/PID/sched), memory still on node 1 while the kernel cgroup was fixed"
else
	fail run_no_faults "$faults hint faults, $(wl_node_pct r 1)% on node 1"
fi
expect_eq status_run_exempt "$(status_of /k/run autonuma.state)" exempt "/k/run autonuma ($(status_of /k/run autonuma.reason)):"

# cpuset.mems of one node: exempt since 6.16 (sid), scanned before
pf=$(task_faults p)
[ -n "$COUNTERS" ] && pf=$((pf + $(memcg k/pin numa_hint_faults)))
pstate=$(status_of /k/pin autonuma.state)
pnote=$(status_of /k/pin runtime.note)
if kver_ge 6.16; then
	if [ "$pf" = 0 ] && [ "$pstate" = exempt ]; then
		pass pinned_no_faults "cpuset.mems=0: 0 hint faults, status exempt ($(status_of /k/pin autonuma.reason))"
	else
		fail pinned_no_faults "$pf hint faults, status $pstate"
	fi
	echo "$pnote" | grep -q "exempt from AutoNUMA" && pass pin_note "numab pin: $pnote" ||
		fail pin_note "note: '$pnote'"
else
	if [ "$pf" -gt 0 ] && [ "$pstate" = scanned ]; then
		pass pinned_scanned "before 6.16 cpuset.mems of one node is scanned: $pf hint faults, status $pstate"
	else
		fail pinned_scanned "$pf hint faults, status $pstate"
	fi
	echo "$pnote" | grep -q "AutoNUMA still scans it" && pass pin_note "numab pin: $pnote" ||
		fail pin_note "note: '$pnote'"
fi

# pin=hard: what the kernel sees is the bound cpuset.mems (numabd's own policy view widens it to
# the parent's, so that the cgroup may move): exempt where one node exempts (6.16+)
hmems=$(cat "$(cg_path k/hard)/cpuset.mems" 2>/dev/null)
hstate=$(status_of /k/hard autonuma.state)
if [ "$hmems" != 0 ]; then
	fail hard_bound "cpuset.mems of /k/hard: '$hmems' (want 0); note: $(status_of /k/hard runtime.note)"
elif kver_ge 6.16; then
	expect_eq hard_exempt "$hstate" exempt "pin=hard bound cpuset.mems=0, autonuma:"
else
	expect_eq hard_scanned "$hstate" scanned "pin=hard bound cpuset.mems=0 before 6.16, autonuma:"
fi

# follow leaves a cgroup AutoNUMA scans
fnote=$(status_of /k/fol runtime.note)
if echo "$fnote" | grep -q "also balanced by AutoNUMA" && [ "$(moved_bytes /k/fol)" = 0 ]; then
	pass follow_defers "follow: $fnote"
else
	fail follow_defers "moved $(moved_bytes /k/fol), note '$fnote'"
fi

wl_stop_check r checksum_run
wl_stop_check k checksum_kernel
wl_stop_check p checksum_pin
wl_stop_check f checksum_follow
wl_stop_check hd checksum_hard
stop_numabd
nb_scan_default
set_numa_balancing 0
finish
