# BPF policy programs on the live kernel (DESIGN §6, numab-bpf(7)): load, trial run, attach
# through numabd, replace keeping maps, detach, the hierarchy cases of DESIGN §4 (13-15 and
# "the nearest opinion decides" on real cgroups; 12 with the follow-low-locality example on a
# two-node fixture tree, where CPU and memory per node are known), a verifier rejection with
# its log, run-time failures that fall back, bpf_sys_bpf refused without AllowSysBpf, a
# modified header refused and a newer one accepted, removal of the cgroup, persistence across
# a restart, and each example program changing decisions as documented.
. "$(dirname "$0")/lib.sh"
need_root programs
cg=$(cgroup2_mount)
[ -n "$cg" ] || { skip "programs: no cgroup v2 mounted"; exit 0; }
[ -x "$NUMABD" ] || { fail "programs: $NUMABD not built"; exit 1; }
objs="$NUMAB_BUILD_DIR/tests/integration/programs"
examples="$NUMAB_BUILD_DIR/examples/bpf"
[ -f "$objs/cases.bpf.o" ] && [ -f "$examples/quiet-hours.bpf.o" ] ||
	{ fail "programs: BPF objects not built in $NUMAB_BUILD_DIR"; exit 1; }
top=$(cd "$(dirname "$0")/../.." && pwd)
fixtures="$top/tests/fixtures"
bpftool=$(command -v bpftool || echo /usr/sbin/bpftool)

tmp=$(mktemp -d)
name=numab-it-p$$
P="/$name"
dir="$cg/$name"
sock="$tmp/numabd.sock"
# numabd loads only objects that only root can change: install them like an operator would.
mkdir -p "$tmp/progs" "$tmp/state"
for f in "$objs"/*.bpf.o "$examples"/*.bpf.o; do install -m 644 -o root "$f" "$tmp/progs/"; done
o="$tmp/progs"
conf() {
	cat >"$tmp/numab.conf" <<CONF
[Daemon]
StateDirectory=$tmp/state
Socket=$sock
Interval=1s
$1
CONF
}
conf ""
ctl() { "$NUMABCTL" --socket "$sock" "$@"; }
mkdir -p "$dir/a/b/c" "$dir/x" 2>/dev/null || { skip "programs: cannot create $dir"; exit 0; }
pid= fpid= bumper=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "$fpid" ] && kill "$fpid" 2>/dev/null && wait "$fpid" 2>/dev/null
	[ -n "$bumper" ] && kill "$bumper" 2>/dev/null && wait "$bumper" 2>/dev/null
	find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

start() {
	"$NUMABD" --config "$tmp/numab.conf" "$@" >>"$tmp/log" 2>&1 &
	pid=$!
	for _ in $(seq 50); do [ -S "$sock" ] && ctl reload >/dev/null 2>&1 && return 0; sleep 0.1; done
	cat "$tmp/log"
	return 1
}
# explain PATH -> JSON
ex() { ctl -j explain "$1"; }
# val PATH ATTR: the effective value
val() { ex "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["effective"][sys.argv[1]]["value"])' "$2"; }
# wait_val SECONDS PATH ATTR VALUE
wait_val() {
	local t=$(( $1 * 10 ))
	while [ $t -gt 0 ]; do [ "$(val "$2" "$3" 2>/dev/null)" = "$4" ] && return 0; sleep 0.1; t=$((t - 1)); done
	return 1
}
prog_id() { ctl -j programs | python3 -c '
import json, sys
for a in json.load(sys.stdin)["attachments"]:
    if a["cgroup"] == sys.argv[1] and a["instance"]: print(a["instance"]["prog_id"])' "$1"; }
map_id() { ctl -j programs | python3 -c '
import json, sys
for a in json.load(sys.stdin)["attachments"]:
    if a["cgroup"] == sys.argv[1] and a["instance"]:
        for m in a["instance"]["maps"]:
            if m["name"].startswith(sys.argv[2][:15]): print(m["id"])' "$1" "$2"; }
# le64 N...: little-endian hex bytes of 64-bit numbers, for bpftool
le64() { python3 -c 'import struct, sys; print(" ".join("%02x" % b for n in sys.argv[1:] for b in struct.pack("<Q", int(n))))' "$@"; }
cgid() { stat -c %i "$cg$1"; }
gone_prog() { ! "$bpftool" prog show id "$1" >/dev/null 2>&1; }
wait_gone_prog() { for _ in $(seq 30); do gone_prog "$1" && return 0; sleep 0.1; done; return 1; }

check "programs: numabd starts" start
sleep 1.2

# ---- Load and attach ----
out=$(ctl attach "$P/a" "$o/cases.bpf.o" --name echo 2>&1)
if grep -qiE "operation not permitted|not supported|function not implemented" <<<"$out"; then
	skip "programs: this kernel does not run syscall BPF programs here: $out"
	exit 0
fi
check "programs: attach loads, trial-runs and reports the program id" grep -qE "attached .*cases.bpf.o:echo \(program echo, id [0-9]+\)" <<<"$out"
j=$(ex "$P/a/b")
check "programs: the program runs for a cgroup below the attached one and sees both levels" json_assert \
	"d['effective']['interval']['value'] == '4s' and d['effective']['hot_threshold']['value'] == '3s' and d['effective']['mode']['value'] == 'follow' and d['effective']['mode']['source'].startswith('program:') and d['effective']['mode']['decided_by'] == '$P/a' and d['programs'][0]['decides']" <<<"$j"
j=$(ctl -j programs)
check "programs: programs lists the attachment, loaded, with runs" json_assert \
	"any(a['cgroup'] == '$P/a' and a['source'] == 'runtime' and a['state'] == 'loaded' and a['instance']['prog_id'] > 0 and a['instance']['runs'] > 0 and a['instance']['program_ctx_bytes'] == 1320 for a in d['attachments'])" <<<"$j"
check "programs: the attachment is a runtime setting in the state file" grep -q "cases.bpf.o:echo" "$tmp/state/runtime.json"
out=$(ctl programs)
check "programs: programs prints a table" grep -q "$P/a .*cases.bpf.o:echo .*runtime .*loaded" <<<"$out"
err=$(ctl attach "$P/a" "$o/cases.bpf.o" 2>&1)
check "programs: an object with several programs needs --name (and they are listed)" \
	grep -q "has 10 SEC(\"syscall\") programs (none, allow," <<<"$err"
check "programs: the failed attach left the attachment alone" wait_val 2 "$P/a/b" interval 4s

# ---- Replace keeps maps of the same name and type ----
echo_id=$(prog_id "$P/a")
ctl attach "$P/x" "$o/keep-v1.bpf.o" >/dev/null
sleep 3.3
n1=$(val "$P/x" interval)
out=$(ctl -j attach "$P/x" "$o/keep-v2.bpf.o")
check "programs: replace keeps the map of the same name, type and sizes, not the changed one" json_assert \
	"d['instance']['kept_maps'] == ['evaluations_count']" <<<"$out"
n2=$(val "$P/x" interval)
check "programs: the new program continues the old one's count ($n1 -> $n2)" \
	python3 -c "import sys; a, b = int('$n1'.rstrip('s')), int('$n2'.rstrip('s')); sys.exit(not (a >= 3 and b >= a))"
check "programs: the new program answers (version 2)" test "$(val "$P/x" hot_threshold)" = 2ms
old_keep=$(prog_id "$P/x")
ctl attach "$P/x" "$o/keep-v2.bpf.o" >/dev/null
check "programs: attaching the same object again reloads it (new program id)" \
	test "$(prog_id "$P/x")" != "$old_keep"
check "programs: ...and keeps its maps again" python3 -c "import sys; sys.exit(not int('$(val "$P/x" interval)'.rstrip('s')) >= int('$n2'.rstrip('s')))"

# ---- Detach ----
out=$(ctl detach "$P/x")
check "programs: detach" grep -q "detached .*keep-v2.bpf.o" <<<"$out"
check "programs: detach unloads the program" wait_gone_prog "$old_keep"
j=$(ex "$P/x")
check "programs: after detach the static policy applies" json_assert \
	"d['effective']['mode']['value'] == 'off' and d['programs'] == []" <<<"$j"
err=$(ctl detach "$P/x" 2>&1); rc=$?
check "programs: detaching nothing is an error" bash -c "[ $rc -ne 0 ] && grep -q 'no program is attached' <<<'$err'"

# ---- Hierarchy (DESIGN §4) ----
ctl detach "$P/a" >/dev/null
check "programs: the echo program is unloaded with its last attachment" wait_gone_prog "$echo_id"
# Case 13: an explicit off above; the program below is not even run.
ctl set "$P/a" mode=off >/dev/null
ctl attach "$P/a/b" "$o/cases.bpf.o" --name allow >/dev/null
j=$(ex "$P/a/b")
check "programs: case 13: /a off, program on /a/b allows: off, decided by /a, not run" json_assert \
	"d['effective']['mode']['value'] == 'off' and d['effective']['mode']['decided_by'] == '$P/a' and d['effective']['mode']['source'] == 'runtime' and d['programs'][0]['ran'] is False" <<<"$j"
ctl reset "$P/a" >/dev/null
# Case 14: deny above wins; the program below is not run.
ctl attach "$P/a" "$o/cases.bpf.o" --name deny >/dev/null
j=$(ex "$P/a/b")
check "programs: case 14: program on /a denies, /a/b's allows: off, decided by /a's program" json_assert \
	"d['effective']['mode']['value'] == 'off' and d['effective']['mode']['source'].endswith(':deny') and d['effective']['mode']['decided_by'] == '$P/a' and d['programs'][0]['verdict'] == 'deny' and d['programs'][0]['decides'] and d['programs'][1]['ran'] is False" <<<"$j"
j=$(ex "$P/a/b/c")
check "programs: case 14: ...and for the whole subtree" json_assert "d['effective']['mode']['value'] == 'off'" <<<"$j"
# Case 15: a final allow with 5 s above; the deny below is not run.
ctl attach "$P/a" "$o/cases.bpf.o" --name allow_final_5s >/dev/null
ctl attach "$P/a/b" "$o/cases.bpf.o" --name deny >/dev/null
j=$(ex "$P/a/b")
check "programs: case 15: final allow with interval 5s on /a, deny on /a/b: allowed, 5s, by /a" json_assert \
	"d['managed'] and d['effective']['mode']['value'] == 'follow' and d['effective']['interval']['value'] == '5s' and d['effective']['interval']['decided_by'] == '$P/a' and d['programs'][0]['final'] and d['programs'][1]['ran'] is False" <<<"$j"
# The nearest opinion decides.
ctl attach "$P/a" "$o/cases.bpf.o" --name allow >/dev/null
ctl attach "$P/a/b" "$o/cases.bpf.o" --name allow_pin >/dev/null
j=$(ex "$P/a/b/c")
check "programs: the nearest program with an opinion decides (pin from /a/b over allow from /a)" json_assert \
	"d['effective']['mode']['value'] == 'pin' and d['effective']['mode']['decided_by'] == '$P/a/b' and d['programs'][0]['ran'] and not d['programs'][0]['decides'] and d['programs'][1]['decides']" <<<"$j"
ctl attach "$P/a/b" "$o/cases.bpf.o" --name none >/dev/null
j=$(ex "$P/a/b/c")
check "programs: a program with no opinion leaves the decision to the one above" json_assert \
	"d['effective']['mode']['value'] == 'follow' and d['effective']['mode']['decided_by'] == '$P/a'" <<<"$j"
# Overrides are clamped and never widen constraints.
ctl set "$P/x" budget=64M/s nodes=0 >/dev/null
ctl attach "$P/x" "$o/cases.bpf.o" --name allow_wide >/dev/null
j=$(ex "$P/x")
check "programs: overrides are clamped (interval 100ms, hot threshold 1h) and never widen (budget, nodes)" json_assert \
	"d['effective']['interval']['value'] == '100ms' and d['effective']['hot_threshold']['value'] == '1h' and d['effective']['budget']['value'] == '64M/s' and d['effective']['budget']['source'] == 'runtime' and d['eligible_nodes'] == '0'" <<<"$j"
ctl detach "$P/x" >/dev/null; ctl reset "$P/x" >/dev/null
ctl detach "$P/a/b" >/dev/null; ctl detach "$P/a" >/dev/null

# ---- Refusals: nothing is stored ----
err=$(ctl attach "$P/x" "$o/reject.bpf.o" 2>&1); rc=$?
check "programs: a program the verifier refuses is not attached, and the error has the verifier log" \
	bash -c "[ $rc -ne 0 ] && grep -q 'the kernel refused program reject' <<<\"\$0\" && grep -q 'verifier log:' <<<\"\$0\" && grep -q \"invalid mem access 'map_value_or_null'\" <<<\"\$0\"" "$err"
err=$(ctl set "$P/x" program="$o/reject.bpf.o" 2>&1); rc=$?
check "programs: set program= is an attach: refused the same way" bash -c "[ $rc -ne 0 ] && grep -q 'verifier log' <<<\"\$0\"" "$err"
check "programs: nothing was stored for refused programs" bash -c "! grep -q reject.bpf.o '$tmp/state/runtime.json' 2>/dev/null"
err=$(ctl attach "$P/x" "$o/sysbpf.bpf.o" 2>&1); rc=$?
check "programs: bpf_sys_bpf() is refused without AllowSysBpf" bash -c "[ $rc -ne 0 ] && grep -q 'calls bpf_sys_bpf(), which can run any bpf(2) command' <<<\"\$0\"" "$err"
err=$(ctl attach "$P/x" "$o/cases.bpf.o" --name fail_trial 2>&1); rc=$?
check "programs: a program that fails its trial run is refused" bash -c "[ $rc -ne 0 ] && grep -q 'trial run of program fail_trial' <<<\"\$0\" && grep -q 'returned 1' <<<\"\$0\"" "$err"
err=$(ctl attach "$P/x" "$o/modified.bpf.o" 2>&1); rc=$?
check "programs: a program built against a modified header is refused" bash -c "[ $rc -ne 0 ] && grep -q 'modified numab_bpf.h' <<<\"\$0\"" "$err"
cp "$o/cases.bpf.o" "$tmp/writable.bpf.o"; chmod 666 "$tmp/writable.bpf.o"
err=$(ctl attach "$P/x" "$tmp/writable.bpf.o" --name allow 2>&1); rc=$?
check "programs: an object others can write is refused" bash -c "[ $rc -ne 0 ] && grep -q 'only objects that only root can change' <<<\"\$0\"" "$err"
err=$(ctl attach "$P/x" "$o/cases.bpf.o" --name no_such 2>&1)
check "programs: an unknown program name is refused with the names there are" grep -q "no program called no_such" <<<"$err"

# ---- Versioning: a program built against a newer header ----
out=$(ctl -j attach "$P/x" "$o/future.bpf.o")
check "programs: a program with a larger struct numab_ctx gets a context that large" json_assert \
	"d['instance']['ctx_bytes'] == 1328 and d['instance']['program_ctx_bytes'] == 1328" <<<"$out"
check "programs: ...its new field reads zero and ctx->size says what numabd filled" test "$(val "$P/x" interval)" = 7s
ctl detach "$P/x" >/dev/null

# ---- Run-time failures fall back to the policy without the program ----
ctl set "$P/x" mode=pin >/dev/null
ctl attach "$P/x" "$o/cases.bpf.o" --name fail_at_run >/dev/null
sleep 1.3
j=$(ex "$P/x")
check "programs: a program failing at run time counts as no opinion (runtime mode pin stays)" json_assert \
	"d['effective']['mode']['value'] == 'pin' and d['effective']['mode']['source'] == 'runtime' and d['programs'][0]['error'].startswith('returned 22') and any(p['kind'] == 'program-failed' for p in d['problems'])" <<<"$j"
j=$(ctl -j programs)
check "programs: failures are counted" json_assert \
	"any(a['cgroup'] == '$P/x' and a['instance']['failures'] > 0 and a['instance']['last_error'].startswith('returned 22') for a in d['attachments'])" <<<"$j"
check "programs: the failure is logged once" test "$(grep -c 'failed at run time' "$tmp/log")" -eq 1
ctl attach "$P/x" "$o/cases.bpf.o" --name bad_verdict >/dev/null
j=$(ex "$P/x")
check "programs: an invalid verdict is a failure too" json_assert \
	"d['effective']['mode']['value'] == 'pin' and 'invalid verdict 9' in d['programs'][0]['error']" <<<"$j"
ctl detach "$P/x" >/dev/null; ctl reset "$P/x" >/dev/null

# ---- AllowSysBpf=yes ----
conf "AllowSysBpf=yes"
ctl reload >/dev/null
out=$(ctl -j attach "$P/x" "$o/sysbpf.bpf.o")
check "programs: with AllowSysBpf=yes a program calling bpf_sys_bpf() loads (and says so)" json_assert \
	"d['instance']['sys_bpf'] is True and d['state'] == 'loaded'" <<<"$out"
ctl detach "$P/x" >/dev/null
conf ""
ctl reload >/dev/null

# ---- The cgroup goes away: the program is dropped, the attachment stays by path ----
mkdir "$dir/y" "$dir/t"
sleep 1.2
ctl attach "$P/y" "$o/cases.bpf.o" --name allow >/dev/null
ctl attach --transient "$P/t" "$o/cases.bpf.o" --name deny >/dev/null
yid=$(prog_id "$P/y"); tid=$(prog_id "$P/t")
rmdir "$dir/y" "$dir/t"
sleep 1.5
check "programs: removing the cgroup unloads its program" wait_gone_prog "$yid"
check "programs: ...the transient one too" wait_gone_prog "$tid"
j=$(ctl -j programs)
check "programs: the persistent attachment is kept by path, the transient one is gone" json_assert \
	"any(a['cgroup'] == '$P/y' and not a['exists'] and a['state'] == 'not loaded' for a in d['attachments']) and not any(a['cgroup'] == '$P/t' for a in d['attachments'])" <<<"$j"
mkdir "$dir/y"
sleep 1.5
j=$(ex "$P/y")
check "programs: the cgroup created again gets its program again (loaded anew)" json_assert \
	"d['effective']['mode']['value'] == 'follow' and d['effective']['mode']['source'].endswith(':allow')" <<<"$j"
check "programs: ...as a new program" bash -c "[ -n '$(prog_id "$P/y")' ] && [ '$(prog_id "$P/y")' != '$yid' ]"

# ---- Restart: attachments persist ----
kill -TERM "$pid"; wait "$pid"; pid=
check "programs: numabd restarts" start
sleep 1.5
j=$(ex "$P/y")
check "programs: attachments survive a restart of numabd" json_assert \
	"d['effective']['mode']['source'].endswith(':allow') and d['programs'][0]['verdict'] == 'allow'" <<<"$j"
ctl detach "$P/y" >/dev/null

# ---- Config Program=: new cgroups need no attach ----
conf "[Match]
Cgroup=$P/svc/*
Program=$o/cases.bpf.o:allow_pin"
ctl reload >/dev/null
mkdir -p "$dir/svc/one"
sleep 1.5
j=$(ex "$P/svc/one")
check "programs: Program= in the config attaches to new cgroups" json_assert \
	"d['effective']['mode']['value'] == 'pin' and d['programs'][0]['source'].startswith('config:')" <<<"$j"
err=$(ctl detach "$P/svc/one" 2>&1)
check "programs: detach does not remove a Program= of the config (and says why)" grep -q "comes from config:" <<<"$err"
rmdir "$dir/svc/one" "$dir/svc"
conf ""
ctl reload >/dev/null

# ---- Example: hot-threshold (the RFC's per-workload hot_thresh) ----
mkdir -p "$dir/h/sub"
sleep 1.2
ctl attach "$P/h" "$o/hot-threshold.bpf.o" >/dev/null
j=$(ex "$P/h/sub")
check "programs: hot-threshold: balancing on (tier) with the default threshold of its knob" json_assert \
	"d['effective']['mode']['value'] == 'tier' and d['effective']['hot_threshold']['value'] == '1s' and d['effective']['hot_threshold']['source'].startswith('program:')" <<<"$j"
mid=$(map_id "$P/h" hot_thresholds)
"$bpftool" map update id "$mid" key hex $(le64 "$(cgid "$P/h")") value hex $(le64 250)
check "programs: hot-threshold: a map entry for the attached cgroup sets its subtree's threshold" wait_val 3 "$P/h/sub" hot_threshold 250ms
"$bpftool" map update id "$mid" key hex $(le64 "$(cgid "$P/h/sub")") value hex $(le64 40)
check "programs: hot-threshold: an entry for the cgroup itself wins" wait_val 3 "$P/h/sub" hot_threshold 40ms
check "programs: hot-threshold: ...and applies to it only" test "$(val "$P/h" hot_threshold)" = 250ms
ctl set "$P/h" mode=follow >/dev/null
check "programs: hot-threshold: an explicit mode is kept" test "$(val "$P/h/sub" mode)" = follow
ctl detach "$P/h" >/dev/null; ctl reset "$P/h" >/dev/null

# ---- Example: quiet-hours (deny during a window set through a map) ----
# Attached right after mkdir, before numabd's next snapshot: the program stays loaded.
mkdir -p "$dir/q"
ctl set "$P/q" mode=follow >/dev/null
ctl attach "$P/q" "$o/quiet-hours.bpf.o" >/dev/null
mid=$(map_id "$P/q" quiet_windows)
check "programs: quiet-hours: attached to a cgroup numabd has not seen yet, it is loaded (map id $mid)" test -n "$mid"
check "programs: quiet-hours: no window, no opinion: the cgroup follows" wait_val 3 "$P/q" mode follow
check "programs: quiet-hours: the map is the one the attach loaded" test "$(map_id "$P/q" quiet_windows)" = "$mid"
now=$(date +%s)
"$bpftool" map update id "$mid" key hex $(le64 "$(cgid "$P/q")") value hex $(le64 $((now - 60)) $((now + 3600)) 0)
check "programs: quiet-hours: inside an absolute window balancing is denied" wait_val 3 "$P/q" mode off
j=$(ex "$P/q")
check "programs: quiet-hours: explain names the program's deny" json_assert \
	"d['effective']['mode']['source'].endswith('quiet-hours.bpf.o') and d['programs'][0]['verdict'] == 'deny'" <<<"$j"
sod=$(( now % 86400 ))
"$bpftool" map update id "$mid" key hex $(le64 "$(cgid "$P/q")") value hex $(le64 $(( (sod + 3600) % 86400 )) $(( (sod + 7200) % 86400 )) 1)
check "programs: quiet-hours: outside a daily window the cgroup follows again" wait_val 3 "$P/q" mode follow
"$bpftool" map update id "$mid" key hex $(le64 "$(cgid "$P/q")") value hex $(le64 $(( (sod + 86400 - 600) % 86400 )) $(( (sod + 600) % 86400 )) 1)
check "programs: quiet-hours: inside a daily window it is denied" wait_val 3 "$P/q" mode off
"$bpftool" map delete id "$mid" key hex $(le64 "$(cgid "$P/q")")
check "programs: quiet-hours: window removed: follows" wait_val 3 "$P/q" mode follow
ctl detach "$P/q" >/dev/null

kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
check "programs: numabd exits cleanly with programs loaded" test "$rc" -eq 0
if grep -q "AddressSanitizer\|runtime error" "$tmp/log"; then fail "programs: sanitizer report"; grep -A20 "AddressSanitizer\|runtime error" "$tmp/log" | head -40; fi

# ---- Example: follow-low-locality, and case 12, on a two-node fixture tree ----
# /app/web runs on node 0 (its threads' last CPUs) with its memory on node 1; /db runs where
# its memory is. numabd reads the fixture (dry run); the threads' run times grow every 0.2 s.
fx="$tmp/fx"
cp -a "$fixtures/2node" "$fx"
fsock="$tmp/fixture.sock"
cat >"$tmp/fixture.conf" <<CONF
[Daemon]
StateDirectory=$tmp/fstate
Socket=$fsock
Interval=1s

[Match]
Cgroup=/
Program=$o/follow-low-locality.bpf.o
CONF
python3 - "$fx/proc" <<'PY' &
import glob, os, sys, time
n = 0
while True:
    n += 5
    for f in glob.glob(sys.argv[1] + "/*/task/*/stat"):
        text = open(f).read()
        head, _, tail = text.rpartition(")")
        fields = tail.split()
        fields[11] = str(1000 + n)          # utime, field 14 of stat
        with open(f + ".new", "w") as out:
            out.write(head + ") " + " ".join(fields) + "\n")
        os.rename(f + ".new", f)
    time.sleep(0.2)
PY
bumper=$!
"$NUMABD" --config "$tmp/fixture.conf" --cgroup-root "$fx/cgroup" --sysfs-root "$fx/sys" \
	--proc-root "$fx/proc" >"$tmp/flog" 2>&1 &
fpid=$!
fctl() { "$NUMABCTL" --socket "$fsock" "$@"; }
for _ in $(seq 50); do fctl reload >/dev/null 2>&1 && break; sleep 0.1; done
fval() { fctl -j explain "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["effective"][sys.argv[1]]["value"])' "$2"; }
first=$(fval /app/web mode)
check "programs: follow-low-locality: not on before three evaluations" test "$first" = off
t=100
while [ $t -gt 0 ] && [ "$(fval /app/web mode)" != follow ]; do sleep 0.1; t=$((t - 1)); done
ticks=$(fctl -j stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["daemon"]["ticks"])')
j=$(fctl -j explain /app/web)
check "programs: case 12 / follow-low-locality: a remote cgroup follows, decided by the program on /" json_assert \
	"d['effective']['mode']['value'] == 'follow' and d['effective']['mode']['source'].endswith('follow-low-locality.bpf.o') and d['effective']['mode']['decided_by'] == '/'" <<<"$j"
# Tick 1 has no CPU window; ticks 2, 3 and 4 are the three evaluations.
check "programs: follow-low-locality: it took three evaluations ($ticks ticks)" test "$ticks" -ge 4
j=$(fctl -j explain /db)
check "programs: follow-low-locality: a local cgroup stays off (no opinion)" json_assert \
	"d['effective']['mode']['value'] == 'off' and d['effective']['mode']['source'] == 'default' and d['programs'][0]['verdict'] == 'none'" <<<"$j"
kill "$fpid"; wait "$fpid" 2>/dev/null; fpid=
if grep -q "AddressSanitizer\|runtime error" "$tmp/flog"; then fail "programs: sanitizer report (fixture numabd)"; grep -A20 "AddressSanitizer\|runtime error" "$tmp/flog" | head -40; fi
