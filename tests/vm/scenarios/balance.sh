#!/bin/sh
# description: numabd follow/pin: misplaced memory fixed (moves in continuation passes), unmanaged cgroups untouched, budgets, restore after SIGTERM and SIGKILL, survival, dry run
# shapes: 2n 4n
# kernels: all
# timeout: 600
. /usr/lib/numab-vm/lib.sh

set_numa_balancing 0
say "kernel.numa_balancing=0: only numabd moves memory in this scenario."
LAST=$(($(node_count) - 1))
# 4n has half the memory per node and one CPU per node: smaller workloads (migration under
# TCG on a CPU that a busy workload shares is slow, very slow before Linux 6.5).
S=1
[ "$(node_count)" -gt 2 ] && S=2
numab_conf "$(printf '\n[Match]\nCgroup=/bal/follow\nMode=follow')"

# Affinity lists of every thread of a workload, one per line.
affinities() {
	for t in /proc/"$(wl_pid "$1")"/task/*; do
		sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$t/status"
	done | sort | uniq | tr '\n' ' '
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

cg_create bal/follow; cg_create bal/unmanaged; cg_create bal/pin; cg_create bal/budget
wl_start f bal/follow --mib $((128 / S)) --threads 2 --cpu-node 0 --mem-node "$LAST" --pattern private ||
	{ fail setup "no follow workload"; finish; }
wl_start u bal/unmanaged --mib 64 --threads 1 --cpu-node 0 --mem-node "$LAST" ||
	{ fail setup "no unmanaged workload"; finish; }
U_AFF=$(affinities u)

# --- dry run first: decides, changes nothing
start_numabd --dry-run || fail dry_run_start "numabd --dry-run did not answer"
sleep 6
wl_refresh f >/dev/null
expect_ge dry_run_changes_nothing "$(wl_node_pct f "$LAST")" 99 "% of the follow workload still on node $LAST after 6 s of --dry-run:"
stop_numabd

# --- follow fixes the misplaced cgroup
T0=$(uptime_ms)
start_numabd || fail start "numabd did not answer"
if wait_until 240 locality_at_least f 0.95; then
	pass follow_locality "ground-truth locality $(wl_field f locality) after $(( ($(uptime_ms) - T0) / 1000 )) s"
else
	fail follow_locality "ground-truth locality $(wl_field f locality) after 240 s: $(wl_status f)"
	tail -n 20 /run/numabd.log
fi
numabctl status -w 500ms /bal/follow /bal/unmanaged | sed 's/^/  /'
# follow's moves run in continuation passes after the tick (and between ticks while cut by the
# time limit), on the move threads
CONT=$(numabctl -j stats | jsonpick daemon.continuations 2>/dev/null)
expect_ge follow_continuations "${CONT:-0}" 1 "continuation passes (numabctl stats):"

# --- once local, evaluations cost no page query (memory.numa_stat says so)
fast_evals() { numabctl -j stats | jsonpick "cgroups[cgroup=$1].fast_evaluations" 2>/dev/null; }
F0=$(fast_evals /bal/follow)
sleep 3
F1=$(fast_evals /bal/follow)
if [ "${F1:-0}" -gt "${F0:-0}" ] 2>/dev/null; then
	pass follow_fast_path "local by memory.numa_stat: fast evaluations $F0 -> $F1 in 3 s"
else
	fail follow_fast_path "fast_evaluations $F0 -> $F1: $(numabctl -j stats | jsonpick 'cgroups[cgroup=/bal/follow]')"
fi

# --- the unmanaged sibling is untouched
wl_refresh u >/dev/null
expect_ge unmanaged_pages_stay "$(wl_node_pct u "$LAST")" 99 "% of the unmanaged workload still on node $LAST:"
if [ "$(affinities u)" = "$U_AFF" ]; then
	pass unmanaged_affinity "unchanged: $U_AFF"
else
	fail unmanaged_affinity "was '$U_AFF', now '$(affinities u)'"
fi
if [ "$(moved_bytes /bal/unmanaged)" = 0 ]; then
	pass unmanaged_not_moved "numabctl stats: nothing moved for /bal/unmanaged"
else
	fail unmanaged_not_moved "numabctl stats reports moves for /bal/unmanaged"
fi

# --- a budget of B MiB/s holds over a window
B=2
wl_start b bal/budget --mib 96 --threads 1 --cpu-node 0 --mem-node "$LAST" || fail setup "no budget workload"
numabctl set /bal/budget mode=follow budget=${B}M/s >/dev/null
budget_started() { [ "$(moved_bytes /bal/budget)" -gt 0 ]; }
wait_until 30 budget_started || say "nothing moved for /bal/budget after 30 s: $(numabctl -j status /bal/budget | grep -E 'note|follow')"
M0=$(moved_bytes /bal/budget); S0=$(uptime_ms)
sleep 30
M1=$(moved_bytes /bal/budget); S1=$(uptime_ms)
rate=$(awk -v a="$M0" -v b="$M1" -v t0="$S0" -v t1="$S1" 'BEGIN { printf "%.2f", (b - a) / 1048576 / ((t1 - t0) / 1000) }')
# Respected: never more than 10% over B. It must also really move (at least half of B): a
# budget that starves is no budget; under TCG on a loaded host the VM may not keep up with B.
if awk -v r="$rate" -v b="$B" 'BEGIN { exit !(r <= b * 1.1 && r >= b * 0.5) }'; then
	pass budget "moved ${rate} MiB/s with budget=${B}M/s over $(( (S1 - S0) / 1000 )) s"
else
	fail budget "moved ${rate} MiB/s with budget=${B}M/s over $(( (S1 - S0) / 1000 )) s"
fi
numabctl reset /bal/budget >/dev/null
wl_stop_check b checksum_budget

# --- processes that exit and cgroups removed during migration, a full target node
cg_create bal/churn
numabctl set /bal/churn mode=follow >/dev/null
wl_start c bal/churn --mib $((128 / S)) --threads 1 --cpu-node 0 --mem-node "$LAST" || fail setup "no churn workload"
sleep 4
wl_stop c >/dev/null
cg_destroy bal/churn
sleep 2
if numabctl reload >/dev/null 2>&1 && kill -0 "$NPID"; then
	pass survives_exit "numabd still runs after a process exited and its cgroup was removed mid-migration"
else
	fail survives_exit "numabd is gone: $(tail -n 5 /run/numabd.log)"
fi
# Fill node 0 (the follow target) so that almost nothing is free there.
free0=$(awk '/MemFree/ { print int($4 / 1024) }' /sys/devices/system/node/node0/meminfo)
hog=$((free0 - 100))
cg_create bal/hog
cg_create bal/full
wl_start h bal/hog --mib "$hog" --threads 1 --cpu-node 0 --mem-node 0 --no-thp || skip full_node "could not fill node 0"
numabctl set /bal/full mode=follow >/dev/null
wl_start x bal/full --mib 64 --threads 1 --cpu-node 0 --mem-node "$LAST" || fail setup "no full-node workload"
full_noted() { numabctl -j status /bal/full | grep -q '"note":".*no free memory'; }
if wait_until 30 full_noted && kill -0 "$NPID"; then
	pass full_node "numabd leaves node 0 its headroom and says so: $(numabctl -j status /bal/full | sed -n 's/.*"note":"\([^"]*\)".*/\1/p')"
else
	fail full_node "no note after 30 s: $(numabctl -j status /bal/full | tr -d " \n" | grep -o "\"daemon\".*" | cut -c1-600)"
	kill -0 "$NPID" 2>/dev/null || say "numabd (pid $NPID) is gone"
	say "numabd.log: $(tail -n 8 /run/numabd.log)"
fi
# The note holds between ticks: follow's moves run after the tick that clears the evaluation's
# note, and a status asked in between must still say why nothing moves.
noted=0
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	full_noted && noted=$((noted + 1))
done
if [ "$noted" -eq 20 ]; then
	pass full_node_steady "20 status requests in a row all say node 0 has no room"
else
	fail full_node_steady "only $noted of 20 status requests in a row gave the note"
fi
wl_stop_check x checksum_full
wl_stop_check h checksum_hog
numabctl reset /bal/full >/dev/null

# --- pin (with pin=hard) consolidates a spread cgroup: memory first, then threads, then its
# cpuset.mems; restores affinities and cpuset.mems on SIGTERM and, after a SIGKILL, at the next
# start. One set of restarts tests both journals (every numabd start and stop attaches and
# detaches the BPF sampler, and each such text patch risks the TCG int3 oops).
# Light threads (one chunk every 10 ms): a CPU demand one node fits on every shape (two busy
# threads need 2.5 CPUs with pin's headroom: three of 4n's one-CPU nodes). The affinities
# to restore are read before the policy names the cgroup (a read after it raced with numabd
# pinning the first thread).
wl_start p bal/pin --mib $((96 / S)) --threads 2 --mem-interleave "$(nodes_online)" --pattern private \
	--probe --period-us 10000 ||
	fail setup "no pin workload"
P_AFF=$(affinities p)
printf '[Match]\nCgroup=/bal/pin\nMode=pin\nPin=hard\n' >/etc/numab/numab.conf.d/pin.conf
numabctl reload >/dev/null
pinned() {
	wl_refresh p >/dev/null
	n=$(wl_top_node p)
	[ "$(wl_node_pct p "$n")" -ge 95 ] && [ "$(affinities p)" = "$(node_cpulist "$n") " ]
}
cg_mems() { cat "$(cg_path bal/pin)/cpuset.mems"; }
# Restored: inherited again, or (the kernel does not empty the cpuset.mems of a cgroup with
# tasks) the parent's nodes written out.
unbound() { [ -z "$(cg_mems)" ] || [ "$(cg_mems)" = "$(cat "$(cg_path bal)/cpuset.mems.effective")" ]; }
hard_bound() { pinned && [ "$(cg_mems)" = "$(wl_top_node p)" ]; }
pin_note() { runtime /bal/pin note; }
if wait_until 180 hard_bound; then
	pass pin_consolidates "memory $(wl_node_pct p "$(wl_top_node p)")% on node $(wl_top_node p), threads on CPUs $(affinities p)"
	pass pin_hard_binds "cpuset.mems=$(cg_mems) with the memory there: $(pin_note)"
else
	fail pin_consolidates "memory $(wl_status p); threads on $(affinities p); cpuset.mems='$(cg_mems)'; note: $(pin_note)"
fi
stop_numabd TERM
if [ "$(affinities p)" = "$P_AFF" ]; then
	pass pin_restore_sigterm "threads back on $P_AFF after SIGTERM"
else
	fail pin_restore_sigterm "threads on $(affinities p), were $P_AFF"
fi
unbound && pass pin_hard_restore_sigterm "cpuset.mems '$(cg_mems)' after SIGTERM (the parent's nodes)" ||
	fail pin_hard_restore_sigterm "cpuset.mems='$(cg_mems)' after SIGTERM"
start_numabd
wait_until 120 hard_bound || fail pin_again "not pinned and bound again after restart: '$(cg_mems)'"
stop_numabd KILL
if [ "$(affinities p)" != "$P_AFF" ]; then
	pass pin_kill_leaves "after SIGKILL the threads stay on $(affinities p) (nobody restored them)"
else
	fail pin_kill_leaves "affinity restored without numabd?"
fi
[ -n "$(cg_mems)" ] && ! unbound && pass pin_hard_kill_leaves "after SIGKILL cpuset.mems stays $(cg_mems)" ||
	fail pin_hard_kill_leaves "cpuset.mems restored without numabd?"
rm /etc/numab/numab.conf.d/pin.conf
start_numabd
if wait_until 10 sh -c "[ \"\$(for t in /proc/$(wl_pid p)/task/*; do sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' \$t/status; done | sort | uniq | tr '\n' ' ')\" = '$P_AFF' ]"; then
	pass pin_restore_after_kill "the restarted numabd restored $P_AFF from its journal"
else
	fail pin_restore_after_kill "threads on $(affinities p), were $P_AFF; $(grep -i restor /run/numabd.log | tail -n 2)"
fi
if wait_until 10 unbound; then
	pass pin_hard_restore_after_kill "the restarted numabd restored cpuset.mems ('$(cg_mems)') from its journal"
else
	fail pin_hard_restore_after_kill "cpuset.mems='$(cg_mems)'; $(grep -i cpuset /run/numabd.log | tail -n 2)"
fi
stop_numabd TERM

wl_stop_check p checksum_pin
wl_stop_check f checksum_follow
wl_stop_check u checksum_unmanaged
if grep -qiE "segfault|assert|sanitizer" /run/numabd.log; then
	fail daemon_log "$(grep -iE 'segfault|assert|sanitizer' /run/numabd.log | head -n 3)"
else
	pass daemon_log "no crash in numabd's log"
fi
finish
