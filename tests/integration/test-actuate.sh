# numabd's actuation layer (src/daemon/procmem, actuate, affinity) on the live kernel, driven by
# tests/actuate-probe: move_pages status queries and moves on a real process, the safety checks
# (Mems_allowed, pid reuse, cgroup, a process that exits mid-move), and thread placement with
# its journal (narrowed threads left alone, restore, restore after a SIGKILL).
# On a one-node machine every page is on node 0: moves to node 0 are no-ops that must succeed,
# and --include-target passes the pages anyway to measure what a moving call costs.
. "$(dirname "$0")/lib.sh"
need_root actuate
PROBE=$NUMAB_BUILD_DIR/tests/actuate-probe
[ -x "$PROBE" ] || { fail "actuate: $PROBE not built"; exit 1; }

tmp=$(mktemp -d /tmp/numab-actuate-XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# start_workload NAME ARGS...: start the probe's workload, wait until ready, set $wl_pid.
start_workload() {
	local name=$1
	shift
	rm -f "$tmp/$name.ready"
	"$PROBE" workload --ready "$tmp/$name.ready" "$@" >"$tmp/$name.out" 2>&1 &
	pids+=($!)
	for _ in $(seq 300); do
		[ -f "$tmp/$name.ready" ] && break
		sleep 0.1
	done
	wl_pid=$(sed -n 's/^pid=//p' "$tmp/$name.ready" 2>/dev/null)
	[ -n "$wl_pid" ]
}

# stop_workload PID NAME: SIGTERM, and its checksum verdict.
stop_workload() {
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	local rc=$?
	[ $rc -eq 0 ] && grep -q '^CHECKSUM OK' "$tmp/$2.out"
}

# jq_py EXPR: a Python expression over d (the JSON on stdin), printed.
jq_py() {
	python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

# --- memory: a 64 MiB process ------------------------------------------------------------
if ! start_workload mem --mib 64 --threads 2; then
	fail "actuate: workload did not start: $(cat "$tmp/mem.out")"
	exit 1
fi
pid=$wl_pid
mib64=$((64 << 20))

out=$("$PROBE" status "$pid")
check "actuate: status queries see the process's 64 MiB (a complete sweep, bytes per node add up)" json_assert \
	"d['complete'] and not d['vanished'] and d['resident_bytes'] >= $mib64 and sum(d['bytes_per_node'].values()) == d['resident_bytes'] and d['skipped_special_bytes'] > 0" <<<"$out"
echo "  status: $(jq_py '"%d ranges, %d pages queried in %d calls, %.1f ms; per node %s" % (d["ranges"], d["queried_pages"], d["query_calls"], d["query_ns"] / 1e6, d["bytes_per_node"])' <<<"$out")"

out=$("$PROBE" move "$pid" --to 0)
check "actuate: a move to node 0 succeeds and fails no page" json_assert \
	"d['stop'] == 'pass' and d['failed'] == {} and d['error'] == 0" <<<"$out"
out=$("$PROBE" status "$pid")
check "actuate: afterwards node 0 holds all of it" json_assert \
	"d['bytes_per_node'].get('0', 0) == d['resident_bytes'] and d['resident_bytes'] >= $mib64" <<<"$out"

out=$("$PROBE" move "$pid" --to 0 --dry-run)
check "actuate: dry run makes no moving call" json_assert \
	"d['stop'] == 'pass' and d['move_calls'] == 0 and d['moved_bytes'] == 0" <<<"$out"

# Moving calls on one node: the pages are passed although they are already there.
out=$("$PROBE" move "$pid" --to 0 --include-target --repeat 3)
check "actuate: real moving calls (pages already on the target) succeed" json_assert \
	"d['stop'] == 'pass' and d['failed'] == {} and d['total_already_bytes'] >= 3 * $mib64 and d['total_move_calls'] > 0 and d['total_moved_bytes'] == 0" <<<"$out"
echo "  moving calls: $(jq_py '"%d calls, batch now %d pages (%d ns/page); call p50 <= %.2f ms, p99 <= %.2f ms, max %.2f ms, mean %.2f ms" % (d["engine_calls"], d["engine_batch_pages"], d["engine_ns_per_page"], d["call_ns_p50"] / 1e6, d["call_ns_p99"] / 1e6, d["call_ns_max"] / 1e6, d["call_ns_mean"] / 1e6)' <<<"$out")"

out=$("$PROBE" move "$pid" --to 0 --include-target --budget 1M)
check "actuate: a 1 MiB budget passes at most 1 MiB" json_assert \
	"d['stop'] == 'budget' and 0 < d['passed_bytes'] <= 1048576" <<<"$out"
out=$("$PROBE" move "$pid" --to 0 --include-target --free 0)
check "actuate: no room on the target (free-bytes hint 0) refuses" json_assert \
	"d['stop'] == 'no-room' and d['move_calls'] == 0" <<<"$out"

last=$(ls -d /sys/devices/system/node/node[0-9]* | sed 's/.*node//' | sort -n | tail -n 1)
absent=$((last + 1))
out=$("$PROBE" move "$pid" --to "$absent")
check "actuate: a move to node $absent (not in Mems_allowed) is refused before any call" json_assert \
	"d['stop'] == 'not-allowed' and d['move_calls'] == 0 and d['query_calls'] == 0" <<<"$out"
out=$("$PROBE" move "$pid" --to 64)
check "actuate: node 64 is an invalid argument" json_assert "d['error'] == -22" <<<"$out"

st=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$pid/stat")
out=$("$PROBE" move "$pid" --to 0 --start-time $((st + 1)))
check "actuate: a start time that does not match (pid reuse) is 'vanished: pid-reused'" json_assert \
	"d['stop'] == 'vanished' and d['vanished'] == 'pid-reused' and d['move_calls'] == 0" <<<"$out"
cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
out=$("$PROBE" move "$pid" --to 0 --include-target --start-time "$st" --cgroup "$cg")
check "actuate: the right start time and cgroup ($cg) are accepted" json_assert \
	"d['stop'] == 'pass' and d['vanished'] == 'none'" <<<"$out"
out=$("$PROBE" move "$pid" --to 0 --cgroup "$cg-elsewhere")
check "actuate: another cgroup is 'vanished: cgroup-changed'" json_assert \
	"d['stop'] == 'vanished' and d['vanished'] == 'cgroup-changed'" <<<"$out"
check "actuate: the workload's memory is intact after all that" stop_workload "$pid" mem

out=$("$PROBE" move "$pid" --to 0)
check "actuate: a process that is gone is 'vanished'" json_assert "d['stop'] == 'vanished'" <<<"$out"

# --- THP: one address per PMD-mapped folio where the kernel tells (PAGEMAP_SCAN, 6.7+) ----
if start_workload thp --mib 64 --thp; then
	out=$("$PROBE" move "$wl_pid" --to 0 --include-target)
	check "actuate: THP-backed memory: moving calls succeed" json_assert \
		"d['stop'] == 'pass' and d['failed'] == {} and d['already_bytes'] >= $mib64" <<<"$out"
	echo "  THP: $(jq_py '"%d calls for %d MiB, max %.2f ms" % (d["move_calls"], d["already_bytes"] >> 20, d["move_ns_max"] / 1e6)' <<<"$out")"
	check "actuate: THP workload intact" stop_workload "$wl_pid" thp
else
	fail "actuate: THP workload did not start"
fi

# --- a process that exits while it is being moved ----------------------------------------
if start_workload exiting --mib 256 --exit-after-ms 700; then
	out=$(timeout 60 "$PROBE" move "$wl_pid" --to 0 --include-target --batch 64:64 --repeat 1000000 --until-vanished)
	check "actuate: a process that exits mid-move ends the request as 'vanished: exited'" json_assert \
		"d['stop'] == 'vanished' and d['vanished'] == 'exited' and d['total_move_calls'] > 0 and d['error'] == 0" <<<"$out"
	echo "  exit mid-move: $(jq_py '"after %d runs and %d moving calls" % (d["runs"], d["total_move_calls"])' <<<"$out")"
else
	fail "actuate: exiting workload did not start"
fi

# --- thread placement ----------------------------------------------------------------------
ncpu=$(nproc)
if [ "$ncpu" -lt 2 ]; then
	skip "actuate: affinity: needs 2 CPUs"
	exit 0
fi
cpus_of() { sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$1/task/$2/status" 2>/dev/null; }
# "tid=cpus" for every thread of $1
thread_cpus() {
	local t
	for t in $(ls "/proc/$1/task"); do echo "$t=$(cpus_of "$1" "$t")"; done
}
narrow=$((ncpu - 1))
state=$tmp/state
mkdir -p "$state"
if ! start_workload aff --mib 8 --threads 4 --narrow-cpu "$narrow"; then
	fail "actuate: affinity workload did not start"
	exit 1
fi
pid=$wl_pid
allowed=$(cpus_of "$pid" "$pid")
narrowed_tid=$(thread_cpus "$pid" | awk -F= -v c="$narrow" '$2 == c { print $1 }')
out=$("$PROBE" pin "$pid" --cpus 0 --allowed "$allowed" --state "$state" --cgroup "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")")
check "actuate: pin places 4 threads on CPU 0 and leaves the narrowed one (tid $narrowed_tid on CPU $narrow) alone" json_assert \
	"d['placed'] == 4 and d['narrowed'] == 1 and d['narrowed_tids'] == [$narrowed_tid] and d['journal_records'] == 4" <<<"$out"
check "actuate: the kernel agrees: CPU 0 for all but the narrowed thread" bash -c \
	"[ \"\$(for t in \$(ls /proc/$pid/task); do [ \$t = $narrowed_tid ] && continue; sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/$pid/task/\$t/status; done | sort -u)\" = 0 ] && [ \"\$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/$pid/task/$narrowed_tid/status)\" = $narrow ]"
check "actuate: the journal holds the originals" grep -q "\"original\":\"$allowed\"" "$state/affinity.json"

# A thread started by the (placed) main thread inherits CPU 0: recorded, restored later.
kill -USR1 "$pid"
sleep 0.3
out=$("$PROBE" pin "$pid" --cpus 0 --allowed "$allowed" --state "$state")
check "actuate: a new thread born with numab's mask is recorded (inherited)" json_assert \
	"d['inherited'] == 1 and d['unchanged'] == 4 and d['journal_records'] == 5" <<<"$out"

# Someone else moves one placed thread: numab must not undo that.
other=$(ls "/proc/$pid/task" | grep -v "^$narrowed_tid\$" | grep -v "^$pid\$" | head -n 1)
taskset -p -c "$narrow" "$other" >/dev/null
out=$("$PROBE" restore --state "$state" "$pid")
check "actuate: restore puts 4 threads back, drops the one changed by someone else (tid $other)" json_assert \
	"d['result']['restored'] == 4 and d['result']['dropped'] == 1 and d['result']['dropped_tids'] == [$other] and d['journal_records'] == 0" <<<"$out"
after=$(thread_cpus "$pid" | sort)
want=$(for t in $(ls "/proc/$pid/task"); do
	if [ "$t" = "$narrowed_tid" ] || [ "$t" = "$other" ]; then echo "$t=$narrow"; else echo "$t=$allowed"; fi
done | sort)
check "actuate: after restore: originals back, the narrowed and the re-pinned threads untouched" \
	test "$after" = "$want"

# numabd SIGKILLed after placing: the next start restores from the journal.
taskset -p -c "$allowed" "$other" >/dev/null
"$PROBE" pin "$pid" --cpus 0 --allowed "$allowed" --state "$state" --sleep >"$tmp/pin.out" &
pinner=$!
pids+=($pinner)
for _ in $(seq 50); do [ -s "$tmp/pin.out" ] && break; sleep 0.1; done
kill -KILL "$pinner"
wait "$pinner" 2>/dev/null
placed=$(jq_py "d['placed']" <"$tmp/pin.out")
check "actuate: after SIGKILL the threads are still pinned ($placed placed) and the journal survives" bash -c \
	"[ $placed -ge 4 ] && grep -q '\"set\":\"0\"' '$state/affinity.json'"
out=$("$PROBE" restore --state "$state")
check "actuate: the next start restores them from the journal" json_assert \
	"d['journal_records_before'] == $placed and d['result']['restored'] == $placed and d['journal_records'] == 0" <<<"$out"
after=$(thread_cpus "$pid" | sort)
want=$(for t in $(ls "/proc/$pid/task"); do
	if [ "$t" = "$narrowed_tid" ]; then echo "$t=$narrow"; else echo "$t=$allowed"; fi
done | sort)
check "actuate: every thread is back where it was" test "$after" = "$want"

# A corrupt journal is set aside, not trusted.
echo '{"version": 1, "records": [ {"pid": ' >"$state/affinity.json"
out=$("$PROBE" restore --state "$state")
check "actuate: a corrupt journal is reported and kept aside" bash -c \
	"python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d[\"journal_corrupt\"] and d[\"error\"] == 0 else 1)' '$out' && [ -f '$state/affinity.json.corrupt' ]"
check "actuate: affinity workload intact" stop_workload "$pid" aff
