# numabd's interleave, tier and kernel modes on this host's kernel (usually one node, so
# nothing moves; the multi-node behaviour is in the VM scenarios interleave, tier, kernel):
# the modes run and report, a process's own memory policy is named in the note, tier says
# why it has nothing to do, and DAMON's sysfs interface is left as it was.
. "$(dirname "$0")/lib.sh"
need_root modes
cg=$(cgroup2_mount)
[ -n "$cg" ] || { skip "modes: no cgroup v2 mounted"; exit 0; }
[ -x "$NUMABD" ] || { fail "modes: $NUMABD not built"; exit 1; }

tmp=$(mktemp -d)
name=numab-it-m$$
sock="$tmp/numabd.sock"
cat >"$tmp/numab.conf" <<CONF
[Daemon]
StateDirectory=$tmp/state
Socket=$sock
Interval=1s

[Match]
Cgroup=/$name/il
Mode=interleave

[Match]
Cgroup=/$name/tier
Mode=tier

[Match]
Cgroup=/$name/kern
Mode=kernel

[Match]
Cgroup=/$name/own
Mode=follow
CONF
ctl() { "$NUMABCTL" --socket "$sock" "$@"; }
mkdir -p "$cg/$name" 2>/dev/null || { skip "modes: cannot create $cg/$name"; exit 0; }
pids=()
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for d in il tier kern own; do rmdir "$cg/$name/$d" 2>/dev/null; done
	rmdir "$cg/$name" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
damon_state() {
	local d=/sys/kernel/mm/damon/admin/kdamonds
	[ -d "$d" ] || { echo none; return; }
	echo "nr=$(cat $d/nr_kdamonds)"
	for k in "$d"/[0-9]*; do [ -d "$k" ] && echo "$k $(cat "$k/state") $(cat "$k/pid")"; done
}
# busy CGROUP [COMMAND PREFIX...]: a process that keeps touching 32 MiB, in CGROUP.
busy() {
	local d="$cg/$name/$1"
	shift
	mkdir -p "$d"
	"$@" python3 -c '
import time
b = bytearray(32 << 20)
while True:
    for i in range(0, len(b), 4096):
        b[i] = (b[i] + 1) & 255
    time.sleep(0.05)
' &
	pids+=($!)
	echo $! >"$d/cgroup.procs"
}

damon_before=$(damon_state)
busy il
busy tier
busy kern
busy own numactl --interleave=all
"$NUMABD" --config "$tmp/numab.conf" >"$tmp/log" 2>&1 &
pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && ctl reload >/dev/null 2>&1 && break; sleep 0.1; done
sleep 4.5

json=$(ctl -j status "/$name/il")
check "modes: interleave reports its processes (balanced on one node)" json_assert \
	"d['cgroups'][0]['mode'] == 'interleave' and d['cgroups'][0]['runtime']['interleave']['processes_balanced'] >= 1 and d['cgroups'][0]['runtime']['interleave']['processes_moving'] == 0" <<<"$json"

json=$(ctl -j status "/$name/tier")
nodes=$(ls -d /sys/devices/system/node/node[0-9]* | wc -l)
if [ "$nodes" -eq 1 ]; then
	check "modes: tier on one node says it has no slower tier" json_assert \
		"'no slower memory tier' in (d['cgroups'][0]['runtime']['note'] or '') and 'tier' in d['cgroups'][0]['runtime']" <<<"$json"
else
	check "modes: tier reports DAMON's state" json_assert "'tier' in d['cgroups'][0]['runtime']" <<<"$json"
fi
check "modes: DAMON's sysfs interface is as it was" test "$(damon_state)" = "$damon_before"

json=$(ctl -j status "/$name/kern")
nb=$(cat /proc/sys/kernel/numa_balancing)
if [ "$nb" = 0 ]; then
	check "modes: kernel mode says AutoNUMA is off" json_assert \
		"'kernel.numa_balancing=0' in d['cgroups'][0]['runtime']['note'] and d['cgroups'][0]['runtime']['balanced_by'] == 'none'" <<<"$json"
else
	check "modes: kernel mode is left to AutoNUMA" json_assert \
		"'AutoNUMA' in d['cgroups'][0]['runtime']['note']" <<<"$json"
fi

json=$(ctl -j status "/$name/own")
check "modes: a process with its own interleave policy is named in the note" json_assert \
	"'own memory policy' in (d['cgroups'][0]['runtime']['note'] or '') and d['cgroups'][0]['runtime']['own_policy']['processes'] == 1" <<<"$json"
check "modes: explain shows the note" bash -c "'$NUMABCTL' --socket '$sock' explain '/$name/own' | grep -q 'own memory policy'"

kill "$pid"; wait "$pid" 2>/dev/null; pid=
check "modes: numabd exits cleanly, DAMON untouched" test "$(damon_state)" = "$damon_before"
