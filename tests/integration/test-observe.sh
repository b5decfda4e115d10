# numabctl status/top on the live kernel: a busy process in a fresh cgroup v2 directory.
. "$(dirname "$0")/lib.sh"
need_root observe
cg=$(cgroup2_mount)
[ -n "$cg" ] || { skip "observe: no cgroup v2 mounted"; exit 0; }
[ -x "$NUMABCTL" ] || { fail "observe: $NUMABCTL not built"; exit 1; }

dir="$cg/numab-it-$$"
mkdir "$dir" || { fail "observe: mkdir $dir"; exit 1; }
sh -c 'while :; do :; done' &
busy=$!
cleanup() {
	kill "$busy" 2>/dev/null; wait "$busy" 2>/dev/null
	rmdir "$dir" 2>/dev/null
}
trap cleanup EXIT
if ! echo "$busy" >"$dir/cgroup.procs" 2>/dev/null; then
	skip "observe: cannot move a process into $dir (no delegation)"
	exit 0
fi

name=/numab-it-$$
json=$("$NUMABCTL" -j status -w 1s "$name")
check "observe: live status JSON for $name" json_assert \
	"len(d['cgroups']) == 1 and d['cgroups'][0]['path'] == '$name' and d['cgroups'][0]['processes'] == 1" <<<"$json"
# Each node's CPU share comes from the threads' last CPU; the busy loop runs all window.
check "observe: CPU shares add up to 1 for a busy cgroup" json_assert \
	"abs(sum(v for v in d['cgroups'][0]['cpu_share_per_node'].values()) - 1.0) < 0.01 and d['cgroups'][0]['cpu_seconds'] > 0.05" <<<"$json"
check "observe: topology matches sysfs" json_assert \
	"len(d['nodes']) == $(ls -d /sys/devices/system/node/node[0-9]* | wc -l)" <<<"$json"
if grep -qw memory "$cg/cgroup.controllers"; then
	check "observe: memory per node present" json_assert \
		"d['memory_controller'] is True and d['cgroups'][0]['memory_bytes_per_node'] is not None" <<<"$json"
else
	check "observe: says the memory controller is missing" json_assert \
		"d['memory_controller'] is False and any('no memory controller' in n for n in d['notes'])" <<<"$json"
fi

# The whole live tree, twice in a row, while a cgroup comes and goes.
( for i in $(seq 20); do mkdir "$cg/numab-it-$$-churn" 2>/dev/null; rmdir "$cg/numab-it-$$-churn" 2>/dev/null; done ) &
churn=$!
check "observe: whole tree while cgroups churn" bash -c "'$NUMABCTL' -j status -w 200ms | python3 -c 'import json,sys; json.load(sys.stdin)'"
wait $churn
out=$("$NUMABCTL" top -d 200ms -n 2 "$name")
check "observe: top shows the cgroup" grep -q "^$name" <<<"$out"
