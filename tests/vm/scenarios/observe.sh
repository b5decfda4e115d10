#!/bin/sh
# description: numabctl status against ground truth: a cgroup with threads on node 0 and memory on node 1 shows locality ~0 and the right bytes per node, ~1 after migratepages; CPU-less node and tiers; JSON validity; NUMA counters by kernel
# shapes: 2n tier
# kernels: all
# timeout: 240
. /usr/lib/numab-vm/lib.sh

MIB=${NUMAB_OBSERVE_MIB:-128}
CG=/observe
J=/run/observe.json

if ! have numabctl; then
	skip numabctl "numabctl is not in this build (\${BUILD}/src/ctl/numabctl): nothing to observe with"
	finish
fi

# fle A B: A <= B (decimals).
fle() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; }
fge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
jp() { jsonpick -f "$J" "$@"; }

# status_json NAME ARGS...: numabctl -j status ARGS into $J; FAIL NAME when it fails or the
# output is not JSON.
status_json() {
	_n=$1
	shift
	if ! numabctl -j status "$@" >"$J" 2>/run/observe.err; then
		fail "$_n" "numabctl -j status $* failed: $(tail -n 3 /run/observe.err | tr '\n' ' ')"
		return 1
	fi
	if ! _e=$(jsonpick -f "$J" 2>&1); then
		fail "$_n" "numabctl -j status $* printed invalid JSON: $_e"
		head -c 2000 "$J"
		return 1
	fi
	return 0
}

# compare_bytes NAME WL: memory_bytes_per_node of $CG in $J against numabwork WL's pages per
# node (its last status): within 5% of the workload's size on every node.
compare_bytes() {
	_n=$1
	_wl=$2
	_pages=$(wl_field "$_wl" pages)
	_total=$((_pages * 4096))
	_bad=
	_detail=
	for _node in $(node_list); do
		_truth=$(($(wl_field "$_wl" "pages_node$_node") * 4096))
		_got=$(jp "cgroups[path=$CG].memory_bytes_per_node.$_node" 2>/dev/null)
		_detail="$_detail node$_node: numab=${_got:-?} truth=$_truth;"
		if [ -z "$_got" ] || [ "$_got" = null ] ||
			! awk -v g="$_got" -v t="$_truth" -v tot="$_total" \
				'BEGIN { d = g - t; if (d < 0) d = -d; exit !(d <= 0.05 * tot) }'; then
			_bad=1
		fi
	done
	if [ -z "$_bad" ]; then
		pass "$_n" "memory_bytes_per_node within 5% of ${_total} bytes of ground truth:$_detail"
	else
		fail "$_n" "memory_bytes_per_node off by more than 5% of ${_total} bytes:$_detail"
	fi
}

set_numa_balancing 0
say "kernel $(uname -r), line ${NUMAB_LINE:-?}, shape ${NUMAB_SHAPE:-?}; workload $MIB MiB"

# ---------------------------------------------------------------- the whole tree, as JSON
cg_create "$CG" || { fail setup "cannot create $CG"; finish; }
if status_json json.tree -w 0; then
	missing=
	for k in nodes cgroups window_s memory_controller notes; do
		jp "$k" >/dev/null 2>&1 || missing="$missing $k"
	done
	ncg=$(jp -l cgroups 2>/dev/null)
	for k in path mode processes threads memory_bytes_per_node cpu_share_per_node node_balance locality numa_counters mems_effective cpus_effective; do
		jp "cgroups[0].$k" >/dev/null 2>&1 || missing="$missing cgroups[].$k"
	done
	for k in id cpus cpuless mem_total_bytes mem_free_bytes tier distances; do
		jp "nodes[0].$k" >/dev/null 2>&1 || missing="$missing nodes[].$k"
	done
	if [ -z "$missing" ]; then
		pass json.tree "numabctl -j status (whole tree) is valid JSON: $(jp -l nodes) nodes, $ncg cgroups, memory_controller=$(jp memory_controller)"
	else
		fail json.tree "valid JSON but keys missing:$missing"
	fi
	expect_eq json.nodes "$(jp -l nodes)" "$(node_count)" "nodes in the JSON:"
fi

# ---------------------------------------------------------------- misplaced: threads 0, memory 1
if ! wl_start ob "$CG" --mib "$MIB" --threads 2 --cpu-node 0 --mem-node 1 --pattern private; then
	fail setup "the workload did not start"
	finish
fi
wl_refresh ob
say "ground truth: $(wl_truth ob)"
if status_json json.misplaced -w 1s "$CG"; then
	loc=$(jp "cgroups[path=$CG].locality")
	bal=$(jp "cgroups[path=$CG].node_balance")
	say "numabctl: locality=$loc node_balance=$bal locality_processes=$(jp "cgroups[path=$CG].locality_processes" 2>/dev/null) cpu_share_per_node=$(jp "cgroups[path=$CG].cpu_share_per_node") memory_bytes_per_node=$(jp "cgroups[path=$CG].memory_bytes_per_node")"
	if [ "$loc" != null ] && fle "$loc" 0.1; then
		pass misplaced.locality "locality $loc < 0.1 (ground truth $(wl_field ob locality))"
	else
		fail misplaced.locality "locality '$loc', want < 0.1 (ground truth $(wl_field ob locality))"
	fi
	if [ "$bal" != null ] && fle "$bal" 0.1; then
		pass misplaced.node_balance "node_balance $bal < 0.1"
	else
		fail misplaced.node_balance "node_balance '$bal', want < 0.1"
	fi
	compare_bytes misplaced.bytes ob
	cpu0=$(jp "cgroups[path=$CG].cpu_share_per_node.0")
	if fge "${cpu0:-0}" 0.9; then
		pass misplaced.cpu "cpu_share_per_node.0 = $cpu0 (threads pinned to node 0)"
	else
		fail misplaced.cpu "cpu_share_per_node.0 = '$cpu0', want >= 0.9 (threads pinned to node 0)"
	fi
	# The kernel's NUMA counters in memory.stat: since 6.12 (numa_pages_migrated and friends).
	nc=$(jp -t "cgroups[path=$CG].numa_counters")
	if grep -q '^numa_pages_migrated ' "$(cg_path "$CG")/memory.stat"; then
		want=object
	else
		want=null
	fi
	case "${NUMAB_LINE:-}" in
	6.1) line_want=null ;;
	6.12 | sid) line_want=object ;;
	*) line_want=$want ;;
	esac
	if [ "$nc" = "$want" ] && [ "$want" = "$line_want" ]; then
		pass numa_counters "numa_counters is $nc on $(uname -r) (memory.stat has them: $([ "$want" = object ] && echo yes || echo no)): $(jp "cgroups[path=$CG].numa_counters")"
	else
		fail numa_counters "numa_counters is '$nc', want $want (memory.stat) and $line_want (line ${NUMAB_LINE:-?})"
	fi
fi

# The text output works too.
if out=$(numabctl status -w 1s "$CG" 2>&1) && echo "$out" | grep -q '^NODE ' &&
	echo "$out" | grep -q "^$CG "; then
	pass text "numabctl status $CG: $(echo "$out" | grep "^$CG " | tr -s ' ')"
	echo "$out" | sed 's/^/  /'
else
	fail text "numabctl status $CG failed or lacks the NODE table or the $CG row: $(echo "$out" | tail -n 5 | tr '\n' '|')"
fi
if out=$(numabctl status 2>&1) && echo "$out" | grep -q "^$CG "; then
	pass text.tree "numabctl status (whole tree) lists $CG"
else
	fail text.tree "numabctl status (whole tree) failed or lacks $CG: $(echo "$out" | tail -n 5 | tr '\n' '|')"
fi

# ---------------------------------------------------------------- fixed: migratepages to node 0
t0=$(uptime_ms)
migratepages "$(wl_pid ob)" 1 0
say "migratepages $(wl_pid ob) 1 0 took $(($(uptime_ms) - t0)) ms"
wl_refresh ob
say "ground truth: $(wl_truth ob)"
if status_json json.local -w 1s "$CG"; then
	loc=$(jp "cgroups[path=$CG].locality")
	bal=$(jp "cgroups[path=$CG].node_balance")
	say "numabctl: locality=$loc node_balance=$bal memory_bytes_per_node=$(jp "cgroups[path=$CG].memory_bytes_per_node")"
	if [ "$loc" != null ] && fge "$loc" 0.9; then
		pass local.locality "locality $loc > 0.9 (ground truth $(wl_field ob locality))"
	else
		fail local.locality "locality '$loc', want > 0.9 (ground truth $(wl_field ob locality))"
	fi
	if [ "$bal" != null ] && fge "$bal" 0.9; then
		pass local.node_balance "node_balance $bal > 0.9"
	else
		fail local.node_balance "node_balance '$bal', want > 0.9"
	fi
	compare_bytes local.bytes ob
fi
wl_stop_check ob checksum

# ---------------------------------------------------------------- the CPU-less node (tier)
cpuless=
for n in $(node_list); do
	node_has_cpus "$n" || cpuless="$cpuless $n"
done
cpuless=${cpuless# }
if [ -z "$cpuless" ]; then
	skip cpuless "no CPU-less node on ${NUMAB_SHAPE:-this shape}"
else
	status_json json.cpuless -w 0 || finish
	tiers=$(memory_tiers | tr '\n' ' ')
	ntiers=$(memory_tiers | wc -l)
	for n in $(node_list); do
		want=false
		node_has_cpus "$n" || want=true
		got=$(jp "nodes[id=$n].cpuless")
		expect_eq "cpuless.node$n" "$got" "$want" "node $n (CPUs '$(node_cpulist "$n")') cpuless:"
	done
	for n in $cpuless; do
		t=$(jp "nodes[id=$n].tier")
		t0=$(jp "nodes[id=0].tier")
		if [ "$ntiers" -ge 2 ]; then
			# The kernel put the CPU-less node in a lower tier (6.7 and later with HMAT).
			if [ "$t" != null ] && [ "$t0" != null ] && [ "$t" -gt "$t0" ] 2>/dev/null; then
				pass "tier.node$n" "node $n tier $t > node 0 tier $t0 (kernel tiers: $tiers)"
			else
				fail "tier.node$n" "node $n tier '$t', want > node 0 tier '$t0' (kernel tiers: $tiers)"
			fi
		else
			# 6.1 puts every node in one tier: numab reports what the kernel says.
			if [ "$t" = "$t0" ]; then
				pass "tier.node$n" "node $n tier $t = node 0 tier $t0: this kernel has one memory tier ($tiers) and numab reports it as is"
			else
				fail "tier.node$n" "node $n tier '$t', node 0 tier '$t0', but the kernel has one memory tier ($tiers)"
			fi
		fi
	done
	n=${cpuless%% *}
	cg_create "$CG/slow" || fail setup "cannot create $CG/slow"
	if wl_start slow "$CG/slow" --mib 64 --threads 1 --cpu-node 0 --mem-node "$n"; then
		wl_refresh slow
		say "ground truth: $(wl_truth slow)"
		CG=$CG/slow
		if status_json json.slow -w 1s "$CG"; then
			say "numabctl: memory_bytes_per_node=$(jp "cgroups[path=$CG].memory_bytes_per_node") locality=$(jp "cgroups[path=$CG].locality")"
			compare_bytes cpuless.bytes slow
			top=$(jp -k "cgroups[path=$CG].memory_bytes_per_node" | while read -r k; do
				echo "$(jp "cgroups[path=$CG].memory_bytes_per_node.$k") $k"
			done | sort -n | tail -n 1 | cut -d' ' -f2)
			expect_eq cpuless.where "$top" "$n" "node with most of $CG's memory:"
		fi
		CG=/observe
		wl_stop_check slow checksum_slow
	else
		fail setup "the workload on node $n did not start"
	fi
fi

cg_destroy "$CG"
finish
