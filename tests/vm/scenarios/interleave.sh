#!/bin/sh
# description: numabd interleave: a cgroup folded onto one node is spread to within 10% of even and stays (no churn); a process with its own interleave policy keeps its spread under follow, and under pin only its threads move; status says so; left to AutoNUMA when the kernel scans it
# shapes: 2n 4n
# kernels: all
# timeout: 480
. /usr/lib/numab-vm/lib.sh

set_numa_balancing 0
say "kernel.numa_balancing=0: only numabd moves memory in this scenario (until the AutoNUMA part)."
NODES=$(node_count)
numab_conf
# spread NAME: the workload's share per node in permille, "n0 n1 ..." (last status).
spread() {
	awk -v nodes="$NODES" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		for (n = 0; n < nodes; n++) printf "%d ", v["pages"] ? 1000 * v["pages_node" n] / v["pages"] : 0 }' \
		"$NW_DIR/$1.status"
}
# even_within NAME PERMILLE: every node holds its even share within PERMILLE of that share.
even_within() {
	wl_refresh "$1" >/dev/null || return 1
	for p in $(spread "$1"); do
		awk -v p="$p" -v n="$NODES" -v tol="$2" 'BEGIN { e = 1000 / n; d = p - e; if (d < 0) d = -d
			exit !(d <= e * tol / 1000) }' || return 1
	done
}
moved_bytes() {
	numabctl -j stats | awk -v cg="\"$1\"" '
		/"moved_bytes":/ { gsub(/[^0-9]/, "", $0); last = $0 }
		/"cgroup":/ && index($0, cg) { print last; found = 1; exit }
		END { if (!found) print 0 }'
}
affinities() {
	for t in /proc/"$(wl_pid "$1")"/task/*; do
		sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$t/status"
	done | sort | uniq | tr '\n' ' '
}

start_numabd || { fail start "numabd did not answer"; finish; }

# ---- a cgroup folded onto node 0 is spread evenly
cg_create il/a
numabctl set /il/a mode=interleave >/dev/null
wl_start a il/a --mib 192 --threads 2 --cpu-node 0 --mem-node 0 || { fail setup "no workload"; finish; }
wl_refresh a >/dev/null
say "folded: per-node permille $(spread a)"
T0=$(uptime_ms)
if wait_secs 150 even_within a 100; then
	pass spread "within 10% of even on $NODES nodes after $(( ($(uptime_ms) - T0) / 1000 )) s: per-node permille $(spread a)"
else
	fail spread "per-node permille $(spread a): $(numabctl -j status /il/a | jsonpick 'cgroups[0].runtime')"
	tail -n 20 /run/numabd.log
fi
# numab's own view agrees (cgroup level, memory.numa_stat)
say "$(numabctl status /il/a | sed 's/^/  /')"
wait_secs 20 sh -c "[ \"\$(numabctl -j status /il/a | jsonpick 'cgroups[0].runtime.interleave.processes_moving')\" = 0 ]"
if [ "$(runtime /il/a interleave.processes_moving)" = 0 ] && [ "$(runtime /il/a interleave.processes_balanced)" -ge 1 ]; then
	pass status_balanced "status: $(numabctl -j status /il/a | jsonpick 'cgroups[0].runtime.interleave')"
else
	fail status_balanced "status: $(numabctl -j status /il/a | jsonpick 'cgroups[0].runtime')"
fi
# Hysteresis: once within the band nothing more moves.
M0=$(moved_bytes /il/a)
sleep 10
M1=$(moved_bytes /il/a)
if [ $((M1 - M0)) -le $((4 << 20)) ]; then
	pass no_churn "$(( (M1 - M0) >> 10 )) KiB moved in 10 s once spread"
else
	fail no_churn "$(( (M1 - M0) >> 20 )) MiB moved in 10 s once spread"
fi
wl_stop_check a checksum_a

# ---- its own interleave policy: follow leaves its memory spread, pin moves its threads only
cg_create il/own
numabctl set /il/own mode=follow >/dev/null
# numactl --interleave: a task policy, inherited by numabwork, shown in its numa_maps.
numactl --interleave=all sh -c ". /usr/lib/numab-vm/lib.sh; wl_start o il/own --mib 96 --threads 2 --cpu-node 0" ||
	{ fail setup "no own-policy workload"; finish; }
wl_refresh o >/dev/null
if grep -q ' interleave' "/proc/$(wl_pid o)/numa_maps"; then
	say "own policy: $(grep -c ' interleave' "/proc/$(wl_pid o)/numa_maps") mappings interleave; per-node permille $(spread o)"
else
	fail setup "numa_maps of the workload shows no interleave policy"
fi
sleep 15
if even_within o 100 && [ "$(moved_bytes /il/own)" = 0 ]; then
	pass follow_keeps_own_interleave "follow, threads on node 0, 15 s: still spread ($(spread o)), nothing moved"
else
	fail follow_keeps_own_interleave "per-node permille $(spread o), moved $(moved_bytes /il/own) bytes"
fi
if runtime /il/own note | grep -q "own memory policy"; then
	pass status_own_policy "status: $(runtime /il/own note)"
else
	fail status_own_policy "note: '$(runtime /il/own note)'"
fi
if numabctl explain /il/own | grep -q "own memory policy"; then
	pass explain_own_policy "explain names it"
else
	fail explain_own_policy "$(numabctl explain /il/own | tail -n 4)"
fi
numabctl set /il/own mode=pin >/dev/null
pinned_threads() { [ "$(affinities o)" != "$ALL" ]; }
ALL=$(cat /sys/devices/system/cpu/online)" "
if wait_secs 30 pinned_threads; then
	wl_refresh o >/dev/null
	if even_within o 100 && [ "$(moved_bytes /il/own)" = 0 ]; then
		pass pin_moves_threads "pin: threads placed on $(affinities o), memory still spread ($(spread o))"
	else
		fail pin_moves_threads "memory $(spread o), moved $(moved_bytes /il/own) bytes"
	fi
else
	fail pin_moves_threads "threads not placed: $(affinities o); $(runtime /il/own note)"
fi
numabctl reset /il/own >/dev/null
wl_stop_check o checksum_own

# ---- AutoNUMA scanning the cgroup: interleave leaves it to the kernel and says so
cg_create il/an
numabctl set /il/an mode=interleave >/dev/null
set_numa_balancing 1
wl_start n il/an --mib 64 --threads 1 --cpu-node 0 --mem-node 0 || fail setup "no workload"
if wait_secs 15 sh -c "numabctl -j status /il/an | jsonpick 'cgroups[0].runtime.note' | grep -q 'also balanced by AutoNUMA'"; then
	pass autonuma_on "$(runtime /il/an note)"
else
	fail autonuma_on "note: '$(runtime /il/an note)'"
fi
set_numa_balancing 0
wl_stop_check n checksum_an

stop_numabd
finish
