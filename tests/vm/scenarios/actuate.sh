#!/bin/sh
# description: numabd's actuation layer by hand (actuate-probe): status queries agree with the workload's ground truth; pages really move to node 0 (small pages, THPs, from several nodes) with the checksum holding; the budget holds; own-policy memory and a target outside the cpuset are refused
# shapes: 2n 4n
# kernels: all
# timeout: 300
. /usr/lib/numab-vm/lib.sh

set_numa_balancing 0
say "kernel.numa_balancing=0: only actuate-probe moves memory in this scenario."
LAST=$(($(node_count) - 1))
THP=/sys/kernel/mm/transparent_hugepage/enabled
THP_BOOT=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$THP" 2>/dev/null)

if ! have actuate-probe; then
	fail setup "actuate-probe is not in the guest (tests/vm/payload.list, build dir)"
	finish
fi

# jget JSON KEY: a top-level scalar of the probe's one-line JSON.
jget() {
	echo "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p"
}
mib_of() {
	echo $(($(jget "$1" "$2") >> 20))
}
thp_mode() {
	[ -w "$THP" ] && echo "$1" >"$THP"
}
# gt NAME: one line of ground truth (where the pages are, the longest stall).
gt() {
	wl_truth "$1"
}
# move PID ARGS...: run the probe, print its summary, keep its JSON in $J.
move() {
	J=$(actuate-probe move "$@")
	say "  actuate-probe move $*:"
	say "    stop=$(jget "$J" stop) moved=$(mib_of "$J" moved_bytes)MiB from {$(echo "$J" | sed -n 's/.*"moved_from":{\([^}]*\)}.*/\1/p')} failed={$(echo "$J" | sed -n 's/.*"failed":{\([^}]*\)}.*/\1/p')} with_head=$(jget "$J" moved_with_head_pages) calls=$(jget "$J" move_calls) max=$(($(jget "$J" move_ns_max) / 1000))us mean=$(($(jget "$J" call_ns_mean) / 1000))us batch=$(jget "$J" engine_batch_pages) elapsed=$(($(jget "$J" elapsed_ns) / 1000000))ms"
}

cg_create act || { fail setup "cannot create /act"; finish; }

# The workloads run numabwork's latency probe (each worker visits 64 pages every 10 ms and
# records how late it finished): a live process, and its own measure of the stall a move causes
# (DESIGN §5). Workers that touch every page flat out make each page migration wait for TLB
# shootdowns, which TCG emulates slowly (one per page before Linux 6.5 batched them): the busy
# case below uses little memory.
WL="--threads 2 --cpu-node 0 --probe"

# --- small pages on the last node, threads on node 0
thp_mode never
if ! wl_start s act --mib 96 $WL --mem-node "$LAST" --no-thp; then
	fail setup "numabwork (small pages) did not start"
	finish
fi
PID=$(wl_pid s)
S=$(actuate-probe status "$PID")
est=$(echo "$S" | sed -n "s/.*\"bytes_per_node\":{[^}]*\"$LAST\":\([0-9]*\).*/\1/p")
wl_refresh s >/dev/null
truth=$(wl_node_pct s "$LAST")
say "  status: $(echo "$S" | sed -n 's/.*"bytes_per_node":\({[^}]*}\).*/\1/p') in $(($(jget "$S" query_ns) / 1000)) us ($(jget "$S" query_calls) queries); ground truth: $(gt s)"
expect_ge status.agrees "$((${est:-0} >> 20))" 96 "MiB on node $LAST by status queries (ground truth $truth% of 96 MiB there):"

move "$PID" --to 0 --dry-run
wl_refresh s >/dev/null
if [ "$(jget "$J" move_calls)" = 0 ] && [ "$(wl_node_pct s "$LAST")" -ge 99 ]; then
	pass dry_run "would move $(mib_of "$J" moved_bytes) MiB; nothing moved"
else
	fail dry_run "$J"
fi

move "$PID" --to 0 --from "$LAST"
wl_refresh s >/dev/null
say "  ground truth: $(gt s)"
if [ "$(jget "$J" stop)" = pass ] && [ "$(mib_of "$J" moved_bytes)" -ge 96 ]; then
	pass small.moved "$(mib_of "$J" moved_bytes) MiB in $(jget "$J" move_calls) calls, longest call $(($(jget "$J" move_ns_max) / 1000)) us"
else
	fail small.moved "$J"
fi
expect_ge small.truth "$(wl_node_pct s 0)" 99 "% of the workload's pages on node 0 (its own move_pages queries):"
say "  workload stall while moving: probe p99 $(wl_field s probe_p99_us) us, max $(wl_field s probe_max_us) us"
# Again: the 96 MiB are done; only what the process allocated on node $LAST since (its status
# buffers, a stack page) may be left.
move "$PID" --to 0 --from "$LAST"
if [ "$(jget "$J" stop)" = pass ] && [ "$(jget "$J" moved_bytes)" -lt 1048576 ]; then
	pass small.second_pass "a second pass moved $(($(jget "$J" moved_bytes) >> 10)) KiB in $(jget "$J" move_calls) call(s)"
else
	fail small.second_pass "$J"
fi
wl_stop_check s small.checksum

# --- THPs (one address per PMD-mapped folio where PAGEMAP_SCAN tells, Linux 6.7+;
#     else every subpage, -EBUSY tails counted as moved with their head)
if [ -w "$THP" ]; then
	thp_mode always
	if wl_start t act --mib 96 $WL --mem-node "$LAST"; then
		PID=$(wl_pid t)
		thp_kb=$(awk '/AnonHugePages/ { s += $2 } END { print s + 0 }' "/proc/$PID/smaps" 2>/dev/null)
		say "  THP-backed: ${thp_kb} KiB AnonHugePages"
		move "$PID" --to 0
		wl_refresh t >/dev/null
		say "  ground truth: $(gt t)"
		if [ "$(jget "$J" stop)" = pass ] && [ "$(mib_of "$J" moved_bytes)" -ge 96 ] && [ "$(echo "$J" | sed -n 's/.*"failed":{\([^}]*\)}.*/\1/p')" = "" ]; then
			pass thp.moved "$(mib_of "$J" moved_bytes) MiB, $(jget "$J" moved_with_head_pages) subpages moved with their head, $(jget "$J" move_calls) calls, longest $(($(jget "$J" move_ns_max) / 1000)) us"
		else
			fail thp.moved "$J"
		fi
		expect_ge thp.truth "$(wl_node_pct t 0)" 99 "% on node 0:"
		wl_stop_check t thp.checksum
	else
		fail thp.start "numabwork (THP) did not start"
	fi
	thp_mode never
else
	skip thp "no $THP"
fi

# --- the budget holds
if wl_start b act --mib 64 $WL --mem-node "$LAST" --no-thp; then
	move "$(wl_pid b)" --to 0 --budget 16M
	wl_refresh b >/dev/null
	p0=$(wl_node_pct b 0)
	if [ "$(jget "$J" stop)" = budget ] && [ "$(jget "$J" passed_bytes)" -le 16777216 ] &&
		[ "$(jget "$J" moved_bytes)" -le 16777216 ] && [ "$p0" -le 26 ] && [ "$p0" -ge 20 ]; then
		pass budget "16 MiB budget: passed $(jget "$J" passed_bytes) B, moved $(jget "$J" moved_bytes) B; ground truth $p0% of 64 MiB on node 0"
	else
		fail budget "ground truth $p0% on node 0; $J"
	fi
	wl_stop_check b budget.checksum
else
	fail budget "numabwork did not start"
fi

# --- from several nodes at once (4n: interleaved over all of them)
if [ "$LAST" -ge 2 ]; then
	if wl_start i act --mib 64 $WL --mem-interleave "0-$LAST" --no-thp; then
		say "  interleaved: $(gt i)"
		move "$(wl_pid i)" --to 0
		wl_refresh i >/dev/null
		froms=$(echo "$J" | sed -n 's/.*"moved_from":{\([^}]*\)}.*/\1/p' | tr ',' '\n' | wc -l)
		if [ "$(jget "$J" stop)" = pass ] && [ "$froms" -eq "$LAST" ]; then
			pass several.moved "from $froms nodes: {$(echo "$J" | sed -n 's/.*"moved_from":{\([^}]*\)}.*/\1/p')}"
		else
			fail several.moved "$J"
		fi
		expect_ge several.truth "$(wl_node_pct i 0)" 99 "% on node 0:"
		wl_stop_check i several.checksum
	else
		fail several "numabwork (interleaved) did not start"
	fi
fi

# --- a workload that touches every page flat out: the batch adapts to slow calls
if wl_start h act --mib 4 --threads 2 --cpu-node 0 --mem-node "$LAST" --no-thp --pattern shared; then
	move "$(wl_pid h)" --to 0 --from "$LAST" --max-time-ms 120000
	wl_refresh h >/dev/null
	say "  ground truth: $(gt h)"
	if [ "$(jget "$J" stop)" = pass ] && [ "$(wl_node_pct h 0)" -ge 99 ]; then
		pass busy.moved "$(mib_of "$J" moved_bytes) MiB under full load in $(jget "$J" move_calls) calls; mean call $(($(jget "$J" call_ns_mean) / 1000)) us, batch now $(jget "$J" engine_batch_pages) pages; workload max_gap_ms $(wl_field h max_gap_ms)"
	else
		fail busy.moved "$(wl_node_pct h 0)% on node 0; $J"
	fi
	wl_stop_check h busy.checksum
else
	fail busy "numabwork (busy) did not start"
fi

# --- memory the process placed with its own policy is never moved
actuate-probe workload --mib 32 --bind-node "$LAST" --ready /run/act-bind.ready >/run/act-bind.out 2>&1 &
BPID=$!
wait_until 30 test -f /run/act-bind.ready
move "$BPID" --to 0
# numa_maps is the ground truth here (status queries never look at own-policy ranges).
on_last=$(awk -v n="N$LAST" '$2 ~ /^bind/ { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == n) s += kv[2] * 4096 } } END { print s + 0 }' "/proc/$BPID/numa_maps")
say "  $(grep bind "/proc/$BPID/numa_maps")"
if [ "$(jget "$J" own_policy_bytes)" -ge 33554432 ] && [ "$((${on_last:-0} >> 20))" -ge 32 ]; then
	pass own_policy "bind:$LAST range of $(mib_of "$J" own_policy_bytes) MiB left alone; $((${on_last:-0} >> 20)) MiB still on node $LAST"
else
	fail own_policy "on node $LAST: ${on_last:-0} B; $J"
fi
kill -TERM "$BPID"
wait "$BPID"
if grep -q '^CHECKSUM OK' /run/act-bind.out; then pass own_policy.checksum "$(cat /run/act-bind.out)"; else fail own_policy.checksum "$(cat /run/act-bind.out)"; fi

# --- a target outside the task's cpuset is refused before any call
if cg_create actm "" "$LAST" && wl_start m actm --mib 16 --threads 1 --mem-node "$LAST" --no-thp; then
	move "$(wl_pid m)" --to 0 --cgroup /actm
	if [ "$(jget "$J" stop)" = not-allowed ] && [ "$(jget "$J" move_calls)" = 0 ]; then
		pass mems_allowed "cpuset.mems=$LAST: a move to node 0 is refused"
	else
		fail mems_allowed "$J"
	fi
	wl_stop_check m mems_allowed.checksum
else
	fail mems_allowed "cannot set up /actm with cpuset.mems=$LAST"
fi

[ -n "$THP_BOOT" ] && thp_mode "$THP_BOOT"
cg_destroy act
cg_destroy actm
finish
