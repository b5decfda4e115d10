# The BPF placement sampler on the live kernel: it loads, and its per-cgroup and per-thread CPU
# time per node agrees with the /proc method (utime + stime charged to the node of the last
# CPU) within 5% over a few seconds. Fresh cgroup v2 directories: "busy" runs a shell busy
# loop and is not managed; "work" runs numabwork with two worker threads and is managed
# (per-thread numbers); "gone" is removed while the sampler runs. /proc counts in clock ticks (10 ms), so small numbers also get two
# ticks of slack per side.
. "$(dirname "$0")/lib.sh"
need_root sampler
cg=$(cgroup2_mount)
[ -n "$cg" ] || { skip "sampler: no cgroup v2 mounted"; exit 0; }
probe=$NUMAB_BUILD_DIR/tests/integration/sampler-probe
numabwork=$NUMAB_BUILD_DIR/tools/numabwork
[ -x "$probe" ] || { fail "sampler: $probe not built"; exit 1; }
[ -x "$numabwork" ] || { fail "sampler: $numabwork not built"; exit 1; }

base=numab-sampler-$$
busy_dir=$cg/$base-busy
work_dir=$cg/$base-work
mkdir "$busy_dir" "$work_dir" || { fail "sampler: mkdir under $cg"; exit 1; }
busy= work=
cleanup() {
	[ -n "$busy" ] && kill "$busy" 2>/dev/null
	[ -n "${gone:-}" ] && kill "$gone" 2>/dev/null
	[ -n "$work" ] && kill "$work" 2>/dev/null
	wait 2>/dev/null
	rmdir "$busy_dir" "$work_dir" 2>/dev/null
}
trap cleanup EXIT

# Each process moves itself into its cgroup before it starts to spin.
sh -c 'echo $$ >"$1/cgroup.procs" && exec sh -c "while :; do :; done"' sh "$busy_dir" &
busy=$!
sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" --mib 16 --threads 2' sh "$work_dir" "$numabwork" >/dev/null 2>&1 &
work=$!
sleep 1
if [ -z "$(cat "$busy_dir/cgroup.procs")" ] || [ -z "$(cat "$work_dir/cgroup.procs")" ]; then
	skip "sampler: cannot move processes into $cg (no delegation)"
	exit 0
fi

# A third cgroup runs for two seconds of the first window and is removed before its end: the
# sampler must drop its map entry at the next read (a debug line says so).
gone_dir=$cg/$base-gone
mkdir "$gone_dir" || { fail "sampler: mkdir $gone_dir"; exit 1; }
(
	sh -c 'echo $$ >"$1/cgroup.procs" && exec sh -c "while :; do :; done"' sh "$gone_dir" &
	g=$!
	sleep 2
	kill $g; wait $g 2>/dev/null
	for i in 1 2 3 4 5 6 7 8 9 10; do rmdir "$gone_dir" 2>/dev/null && break; sleep 0.1; done
) &
gone=$!
out=$("$probe" -v --seconds 4 --rounds 2 "/$base-busy" --managed "/$base-work" 2>&1)
rc=$?
wait $gone
rmdir "$gone_dir" 2>/dev/null
if [ $rc -eq 77 ]; then
	skip "sampler: $(echo "$out" | sed -n 's/^SKIP //p' | head -n 1)"
	exit 0
fi
if [ $rc -ne 0 ]; then
	fail "sampler: sampler-probe exited with $rc:"
	echo "$out" | grep -v libbpf | tail -n 20
	exit 1
fi
echo "$out" | grep -E '^(cgroup|process|stats) ' | sed 's/^/  /'

# agree KIND PATH MIN_PROC_NS: every KIND line of PATH has sampler_ns within 5% (+ 20 ms) of
# proc_ns on every node; at least one line has proc_ns >= MIN_PROC_NS. Prints the worst case.
agree() {
	echo "$out" | awk -v kind="$1" -v path="$2" -v min="$3" '
		$1 != kind { next }
		{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
		v["path"] != path { next }
		{
			lines++
			if (v["proc_ns"] >= min) big++
			for (k in v) {
				if (k !~ /^s_node/) continue
				n = substr(k, 7); s = v[k]; p = v["p_node" n]
				d = s > p ? s - p : p - s
				tol = 0.05 * p + 20e6
				if (d > tol) bad++
				r = p > 0 ? d / p : 0
				if (r > worst && p >= min) { worst = r; where = sprintf("%s node %d: sampler %.3fs /proc %.3fs", (kind == "thread" ? "tid " v["tid"] : kind), n, s / 1e9, p / 1e9) }
			}
			delete v
		}
		END {
			printf "%d lines, worst %.1f%% (%s)\n", lines, 100 * worst, where ? where : "-"
			exit !(lines > 0 && big > 0 && !bad)
		}'
}

check_agree() {
	local name=$1; shift
	local res
	if res=$(agree "$@"); then pass "$name: $res"; else fail "$name: $res"; fi
}

check_agree "sampler: unmanaged cgroup (busy loop) agrees with /proc within 5%" cgroup "/$base-busy" 200000000
check_agree "sampler: managed cgroup (numabwork) agrees with /proc within 5%" cgroup "/$base-work" 200000000
check_agree "sampler: managed processes agree with /proc within 5%" process "/$base-work" 200000000
check_agree "sampler: managed threads agree with /proc within 5%" thread "/$base-work" 100000000
check "sampler: no per-thread lines for the unmanaged cgroup" \
	bash -c "! grep -q '^thread path=/$base-busy ' <<<\"\$1\"" _ "$out"
check "sampler: the entry of a removed cgroup is dropped at the next read" \
	grep -qE 'BPF sampler: removed [1-9][0-9]* cgroup' <<<"$out"
stats=$(echo "$out" | grep '^stats ')
check "sampler: maps never full ($stats)" \
	bash -c "grep -q ' cgroup_full=0 ' <<<\"\$1\" && grep -q ' thread_full=0 ' <<<\"\$1\" && grep -q ' dropped_ns=0' <<<\"\$1\"" _ "$stats"
