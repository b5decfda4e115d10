#!/bin/sh
# description: BPF policy programs (numab-bpf(7)): load, trial run, attach, replace keeping maps, detach, the hierarchy cases of DESIGN §4, verifier log, run-time failure, bpf_sys_bpf refused, header versions, cgroup removal, and the three examples on real workloads
# shapes: 2n
# kernels: all
# timeout: 420
. /usr/lib/numab-vm/lib.sh

# Objects: tests/integration/programs and examples/bpf of the build dir (payload.list).
T=/usr/share/numab/test-programs
E=/usr/share/numab/programs
set_numa_balancing 0
say "kernel.numa_balancing=0: only numabd moves memory in this scenario."
if [ ! -f "$T/cases.bpf.o" ] || [ ! -f "$E/follow-low-locality.bpf.o" ]; then
	fail objects "the BPF objects are not in the guest (build them: ninja -C build)"
	finish
fi
conf() { numab_conf "$1"; }
conf ""

# pick ATTR KEY: one value of the pretty `numabctl -j explain` JSON on stdin ("key":"value" lines)
pick() {
	awk -v a="\"$1\":" -v k="\"$2\":" '
		index($0, a) { inside = 1; next }
		inside && index($0, k) { sub(/^[^:]*:/, ""); gsub(/[",]/, ""); print; exit }
		inside && /}/ { inside = 0 }'
}
# field PATH ATTR KEY: one value of `numabctl -j explain PATH`
field() { numabctl -j explain "$1" 2>/dev/null | pick "$2" "$3"; }
val() { field "$1" "$2" value; }
# expect NAME PATH ATTR VALUE SOURCE-GLOB DECIDED-BY (from one explain: the program may decide
# differently at the next tick)
expect() {
	_j=$(numabctl -j explain "$2" 2>/dev/null)
	_v=$(echo "$_j" | pick "$3" value); _s=$(echo "$_j" | pick "$3" source)
	_d=$(echo "$_j" | pick "$3" decided_by)
	# shellcheck disable=SC2254 # $5 is a pattern (program:*)
	case "$_s" in $5) _sok=1 ;; *) _sok= ;; esac
	if [ "$_v" = "$4" ] && [ -n "$_sok" ] && [ "$_d" = "$6" ]; then
		pass "$1" "$2 $3=$_v from $_s decided by $_d"
	else
		fail "$1" "$2 $3: got '$_v' from '$_s' by '$_d', want '$4' from '$5' by '$6'"
	fi
}
val_is() { [ "$(val "$1" "$2")" = "$3" ]; }
# oneline: pretty JSON on one line, without the blanks around brackets and after commas
oneline() { tr -d '\n' | sed 's/\([[{,]\) */\1/g; s/ *\([]}]\)/\1/g'; }
# the explain JSON of PATH on one line
exj() { numabctl -j explain "$1" 2>/dev/null | oneline; }
# attachment CGROUP: the programs -j object of CGROUP's attachment, on one line
attachment() {
	numabctl -j programs | oneline | sed 's/},{"cgroup":/}\n{"cgroup":/g' | grep "\"cgroup\":\"$1\""
}
# wait_secs SECONDS COMMAND...: like wait_until, but by the clock (a slow COMMAND, such as
# wl_refresh on a busy TCG guest, does not stretch the limit)
# on_node_ge NAME NODE PCT: the workload's ground truth has PCT% of its pages on NODE
on_node_ge() { wl_refresh "$1" >/dev/null && [ "$(wl_node_pct "$1" "$2")" -ge "$3" ]; }
prog_id() { attachment "$1" | sed -n 's/.*"prog_id":\([0-9]*\).*/\1/p'; }
map_id() { attachment "$1" | sed -n "s/.*\"name\":\"$2\",\"type\":\"[a-z_]*\",\"id\":\([0-9]*\).*/\1/p"; }
prog_gone() { ! bpftool prog show id "$1" >/dev/null 2>&1; }
cgid() { stat -c %i "$(cg_path "$1")"; }

cg_create pa/b/c
cg_create px
start_numabd || { fail start "numabd did not answer"; finish; }
sleep 1.5

# ---- load, trial run, attach ----
out=$(numabctl attach /pa "$T/cases.bpf.o" --name echo 2>&1)
if echo "$out" | grep -qE "attached .*\(program echo, id [0-9]+\)"; then
	pass attach "$out"
else
	fail attach "syscall programs do not load on $(uname -r): $out"
	tail -n 20 /run/numabd.log
	finish
fi
# echo answers interval = level + 1 s, hot threshold = attached level + 1 s.
expect context_levels /pa/b interval 3s 'program:*echo' /pa
expect context_attached_level /pa/b hot_threshold 2s 'program:*echo' /pa
attachment /pa | grep -q '"state":"loaded"' && attachment /pa | grep -q '"program_ctx_bytes":1320' &&
	pass programs_lists "$(numabctl programs | sed -n 2p)" || fail programs_lists "$(attachment /pa)"
grep -q 'cases.bpf.o:echo' /var/lib/numab/runtime.json && pass persisted "runtime.json has the attachment" ||
	fail persisted "$(cat /var/lib/numab/runtime.json)"
echo_id=$(prog_id /pa)

# ---- replace keeps maps ----
numabctl attach /px "$T/keep-v1.bpf.o" >/dev/null
sleep 3.5
n1=$(val /px interval)
numabctl -j attach /px "$T/keep-v2.bpf.o" | oneline | grep -q '"kept_maps":\["evaluations_count"\]' &&
	pass replace_kept_maps "evaluations_count kept, shape (changed value size) not" ||
	fail replace_kept_maps "$(attachment /px)"
n2=$(val /px interval)
if [ "${n2%s}" -ge "${n1%s}" ] 2>/dev/null && [ "${n1%s}" -ge 3 ] && val_is /px hot_threshold 2ms; then
	pass replace_state "count $n1 -> $n2 across the replace, version 2 answers"
else
	fail replace_state "count $n1 -> $n2, hot_threshold $(val /px hot_threshold)"
fi
keep_id=$(prog_id /px)
numabctl detach /px >/dev/null
wait_until 5 prog_gone "$keep_id" && pass detach_unloads "program $keep_id unloaded" ||
	fail detach_unloads "program $keep_id still loaded"
expect detach_static /px mode off default null
numabctl detach /pa >/dev/null
wait_until 5 prog_gone "$echo_id" || fail detach_echo "program $echo_id still loaded"

# ---- hierarchy (DESIGN §4) ----
numabctl set /pa mode=off >/dev/null
numabctl attach /pa/b "$T/cases.bpf.o" --name allow >/dev/null
expect case13_off_absorbs /pa/b mode off runtime /pa
exj /pa/b | grep -q '"ran":false' && pass case13_not_run "the program below an explicit off is not run" ||
	fail case13_not_run "$(exj /pa/b)"
numabctl reset /pa >/dev/null
numabctl attach /pa "$T/cases.bpf.o" --name deny >/dev/null
expect case14_deny_wins /pa/b mode off 'program:*:deny' /pa
expect case14_subtree /pa/b/c mode off 'program:*:deny' /pa
numabctl attach /pa "$T/cases.bpf.o" --name allow_final_5s >/dev/null
numabctl attach /pa/b "$T/cases.bpf.o" --name deny >/dev/null
expect case15_final_allow /pa/b mode follow 'program:*:allow_final_5s' /pa
expect case15_interval /pa/b interval 5s 'program:*:allow_final_5s' /pa
numabctl attach /pa "$T/cases.bpf.o" --name allow >/dev/null
numabctl attach /pa/b "$T/cases.bpf.o" --name allow_pin >/dev/null
expect nearest_decides /pa/b/c mode pin 'program:*:allow_pin' /pa/b
numabctl detach /pa/b >/dev/null
numabctl detach /pa >/dev/null

# ---- refusals and failures ----
out=$(numabctl attach /px "$T/reject.bpf.o" 2>&1) && fail verifier_log "attached: $out" ||
	{ echo "$out" | grep -q "verifier log:" && echo "$out" | grep -q "invalid mem access" &&
		pass verifier_log "$(echo "$out" | grep -m1 'invalid mem access')" ||
		fail verifier_log "$out"; }
out=$(numabctl attach /px "$T/sysbpf.bpf.o" 2>&1) && fail sys_bpf_refused "attached: $out" ||
	{ echo "$out" | grep -q "calls bpf_sys_bpf()" && pass sys_bpf_refused "refused without AllowSysBpf" ||
		fail sys_bpf_refused "$out"; }
out=$(numabctl attach /px "$T/modified.bpf.o" 2>&1) && fail modified_header "attached: $out" ||
	{ echo "$out" | grep -q "modified numab_bpf.h" && pass modified_header "refused" || fail modified_header "$out"; }
if numabctl attach /px "$T/future.bpf.o" >/dev/null 2>&1 && val_is /px interval 7s; then
	pass newer_header "a program built against a larger struct numab_ctx runs, its new field zero"
else
	fail newer_header "$(numabctl attach /px "$T/future.bpf.o" 2>&1)"
fi
numabctl detach /px >/dev/null 2>&1
numabctl set /px mode=pin >/dev/null
numabctl attach /px "$T/cases.bpf.o" --name fail_at_run >/dev/null
sleep 1.5
if val_is /px mode pin && exj /px | grep -q '"error":"returned 22'; then
	pass runtime_failure "a program failing at run time is no opinion; the runtime mode stays"
else
	fail runtime_failure "$(exj /px)"
fi
numabctl detach /px >/dev/null; numabctl reset /px >/dev/null

# ---- removal of the cgroup ----
cg_create py
sleep 1.5
numabctl attach /py "$T/cases.bpf.o" --name allow >/dev/null
py_id=$(prog_id /py)
cg_destroy py
sleep 2
wait_until 5 prog_gone "$py_id" && pass removed_cgroup_unloads "program $py_id dropped" ||
	fail removed_cgroup_unloads "program $py_id still loaded"
attachment /py | grep -q '"exists":false' && pass kept_by_path "the attachment stays for /py" ||
	fail kept_by_path "$(numabctl programs)"
cg_create py
sleep 2
expect recreated /py mode follow 'program:*:allow' /py
numabctl detach /py >/dev/null

# ---- example: follow-low-locality on a misplaced workload (case 12) ----
cg_create ea
wl_start a ea --mib 64 --threads 1 --cpu-node 0 --mem-node 1 || { fail setup "no workload"; finish; }
T0=$(uptime_ms)
numabctl attach /ea "$E/follow-low-locality.bpf.o" >/dev/null
sleep 1.5
expect fll_not_yet /ea mode off default null
if wait_until 20 val_is /ea mode follow; then
	pass fll_on "follow after $(( ($(uptime_ms) - T0) / 1000 )) s (three evaluations below 70%)"
	expect fll_decided /ea mode follow 'program:*follow-low-locality.bpf.o' /ea
else
	fail fll_on "$(exj /ea)"
fi
fixed_or_off() { on_node_ge a 0 90 || val_is /ea mode off; }
# What numabd's follow made of the workload's processes (explain's runtime.follow); with the
# BPF sampler, "idle" would mean it was not told to count the threads of a governed cgroup.
follow_verdicts() { exj /ea | sed -n 's/.*"follow":{\([^}]*\)}.*/\1/p'; }
if wait_secs 120 fixed_or_off && on_node_ge a 0 90; then
	pass fll_fixed "$(wl_node_pct a 0)% of the workload's pages on node 0 after $(( ($(uptime_ms) - T0) / 1000 )) s"
	if wait_secs 30 val_is /ea mode off; then
		pass fll_off "off again once the locality stayed >= 95%"
	else
		fail fll_off "$(exj /ea)"
	fi
else
	wl_refresh a >/dev/null
	fail fll_fixed "$(wl_node_pct a 0)% on node 0, mode $(val /ea mode), follow $(follow_verdicts): $(wl_truth a)"
	numabctl explain /ea
	tail -n 20 /run/numabd.log
fi
wl_stop_check a fll_checksum
numabctl detach /ea >/dev/null

# ---- example: hot-threshold ----
cg_create eh/sub
sleep 1.5
numabctl attach /eh "$E/hot-threshold.bpf.o" >/dev/null
expect hot_default /eh/sub hot_threshold 1s 'program:*hot-threshold.bpf.o' /eh
expect hot_mode /eh/sub mode tier 'program:*hot-threshold.bpf.o' /eh
mid=$(map_id /eh hot_thresholds)
# shellcheck disable=SC2046
bpftool map update id "$mid" key hex $(le64 "$(cgid eh)") value hex $(le64 250)
wait_until 5 val_is /eh/sub hot_threshold 250ms && pass hot_map "a map entry sets the subtree's threshold: 250ms" ||
	fail hot_map "map $mid: $(val /eh/sub hot_threshold)"
numabctl detach /eh >/dev/null

# ---- example: quiet-hours on a misplaced workload ----
cg_create eq
wl_start q eq --mib 64 --threads 1 --cpu-node 0 --mem-node 1 || { fail setup "no workload"; finish; }
numabctl attach /eq "$E/quiet-hours.bpf.o" >/dev/null
mid=$(map_id /eq quiet_windows)
now=$(date +%s)
# shellcheck disable=SC2046
bpftool map update id "$mid" key hex $(le64 "$(cgid eq)") value hex $(le64 $((now - 60)) $((now + 3600)) 0)
numabctl set /eq mode=follow >/dev/null
expect quiet_deny /eq mode off 'program:*quiet-hours.bpf.o' /eq
sleep 8
wl_refresh q >/dev/null
expect_ge quiet_untouched "$(wl_node_pct q 1)" 99 "% of the workload still on node 1 after 8 s in the window:"
# shellcheck disable=SC2046
bpftool map delete id "$mid" key hex $(le64 "$(cgid eq)")
wait_until 5 val_is /eq mode follow && pass quiet_over "window removed: follow again" || fail quiet_over "$(exj /eq)"
if wait_secs 120 on_node_ge q 0 90; then
	pass quiet_then_fixed "$(wl_node_pct q 0)% on node 0 after the window"
else
	fail quiet_then_fixed "$(wl_truth q)"
fi
wl_stop_check q quiet_checksum
numabctl detach /eq >/dev/null

stop_numabd
grep -q "failed at run time" /run/numabd.log && say "$(grep -c 'failed at run time' /run/numabd.log) run-time failure(s) logged"
finish
