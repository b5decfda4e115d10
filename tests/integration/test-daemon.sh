# numabd on the live kernel: start, control socket verbs, runtime settings kept by path,
# reload with a broken config, peer credentials, malformed requests, metrics, --once,
# --dry-run, SIGTERM.
. "$(dirname "$0")/lib.sh"
need_root daemon
cg=$(cgroup2_mount)
[ -n "$cg" ] || { skip "daemon: no cgroup v2 mounted"; exit 0; }
[ -x "$NUMABD" ] || { fail "daemon: $NUMABD not built"; exit 1; }

tmp=$(mktemp -d)
name=numab-it-d$$
dir="$cg/$name"
sock="$tmp/numabd.sock"
port=$((20000 + $$ % 20000))
cat >"$tmp/numab.conf" <<CONF
[Daemon]
StateDirectory=$tmp/state
Socket=$sock
Interval=1s
MetricsListen=127.0.0.1:$port

[Match]
Cgroup=/$name
Mode=follow
CONF
ctl() { "$NUMABCTL" --socket "$sock" "$@"; }
mkdir "$dir" 2>/dev/null || { skip "daemon: cannot create $dir"; exit 0; }
sh -c 'while :; do :; done' &
busy=$!
echo "$busy" >"$dir/cgroup.procs" 2>/dev/null
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	kill "$busy" 2>/dev/null; wait "$busy" 2>/dev/null
	rmdir "$dir/child" "$dir" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

start() {
	"$NUMABD" --config "$tmp/numab.conf" "$@" >"$tmp/log" 2>&1 &
	pid=$!
	for _ in $(seq 50); do [ -S "$sock" ] && ctl reload >/dev/null 2>&1 && return 0; sleep 0.1; done
	cat "$tmp/log"
	return 1
}

check "daemon: starts and answers" start
sleep 2.5
json=$(ctl -j explain "/$name")
check "daemon: explain over the socket shows the config rule" json_assert \
	"d['effective']['mode']['value'] == 'follow' and d['effective']['mode']['source'].startswith('config:') and d['managed']" <<<"$json"
json=$(ctl -j status "/$name")
check "daemon: status shows the mode and that numabd answered" json_assert \
	"d['daemon'] is True and d['cgroups'][0]['mode'] == 'follow' and 'runtime' in d['cgroups'][0]" <<<"$json"

# Runtime settings: set, explain, kept by path across removal and re-creation (case 16).
check "daemon: set" ctl -j set "/$name/child" mode=pin budget=64M/s
mkdir "$dir/child"
sleep 1.5
json=$(ctl -j explain "/$name/child")
check "daemon: a runtime setting made before the cgroup existed applies when it appears" json_assert \
	"d['effective']['mode']['value'] == 'pin' and d['effective']['mode']['source'] == 'runtime'" <<<"$json"
rmdir "$dir/child"; sleep 1.5; mkdir "$dir/child"; sleep 1.5
json=$(ctl -j explain "/$name/child")
check "daemon: it applies again after the cgroup is removed and created again" json_assert \
	"d['effective']['mode']['value'] == 'pin'" <<<"$json"
check "daemon: runtime settings are in the state file" grep -q "/$name/child" "$tmp/state/runtime.json"
out=$(ctl reset "/$name/child")
check "daemon: reset says it removed the setting" grep -q "reset\.$" <<<"$out"
json=$(ctl -j explain "/$name/child")
check "daemon: after reset the parent's mode is inherited" json_assert \
	"d['effective']['mode']['value'] == 'follow' and d['effective']['mode']['decided_by'] == '/$name'" <<<"$json"
err=$(ctl set "/$name" budget=fast 2>&1); rc=$?
check "daemon: set rejects a bad value with the reason" bash -c "[ $rc -ne 0 ] && grep -q 'budget=fast: not a rate' <<<'$err'"
err=$(ctl set "/$name" colour=blue 2>&1)
check "daemon: set rejects an unknown attribute" grep -q "colour" <<<"$err"
check "daemon: transient set of a missing cgroup is refused" bash -c \
	"! '$NUMABCTL' --socket '$sock' set --transient /no-such-cgroup-$$ mode=follow 2>/dev/null"

# Reload: a broken config is refused, the old one kept, the daemon keeps running.
cp "$tmp/numab.conf" "$tmp/good.conf"
printf '[Match]\nCgroup=/x\nMode=bogus\n' >>"$tmp/numab.conf"
err=$(ctl reload 2>&1)
check "daemon: reload of a broken config names file and line" grep -qE "numab.conf:[0-9]+" <<<"$err"
kill -HUP "$pid"; sleep 0.5
check "daemon: still running after a broken reload (socket and SIGHUP)" kill -0 "$pid"
json=$(ctl -j explain "/$name")
check "daemon: the previous config is kept" json_assert "d['effective']['mode']['value'] == 'follow'" <<<"$json"
cp "$tmp/good.conf" "$tmp/numab.conf"

# Malformed requests and peers other than root.
reply=$(python3 - "$sock" <<'PY'
import socket, sys
out = []
# A NUL byte (\u0000) in the verb or in a path: refused, not cut short ("/x\u0000/y" is not /x).
for req in [b"not json", b"[1,2]", b'{"verb": 5}', b'{"verb": "nope"}', b'{"verb":"set","args":{"cgroup":"/../x"}}', b"{" * 100000,
            b'{"verb": "ping\\u0000x"}', b'{"verb":"set","args":{"cgroup":"/x\\u0000/y","assignments":["mode=off"]}}']:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1]); s.sendall(req); s.shutdown(socket.SHUT_WR)
    out.append(s.makefile().read()); s.close()
print("\n".join(out))
PY
)
check "daemon: malformed requests get errors" test "$(grep -c '"ok":false' <<<"$reply")" -eq 8
check "daemon: still running after malformed requests" ctl reload
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	chmod 755 "$tmp"; chmod 666 "$sock"
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$NUMABCTL" --socket "$sock" stats 2>&1)
	check "daemon: non-root peers are refused" grep -q "root only" <<<"$out"
	chmod 600 "$sock"
else
	skip "daemon: non-root peer: no nobody user or setpriv"
fi

# Metrics.
metrics=$(exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3)
check "daemon: metrics endpoint answers with Prometheus text" grep -q "^numab_ticks_total [0-9]" <<<"$metrics"
check "daemon: metrics per managed cgroup" grep -q "numab_evaluations_total{cgroup=\"/$name\"}" <<<"$metrics"
json=$(ctl -j stats)
check "daemon: stats lists the managed cgroup" json_assert \
	"any(c['cgroup'] == '/$name' and c['evaluations'] > 0 for c in d['cgroups']) and d['daemon']['ticks'] > 2" <<<"$json"

src=$(ctl -j stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["daemon"]["cpu_placement"])')
if [ "$src" = bpf ]; then
	json=$(ctl -j status)
	check "daemon: with the BPF sampler, unmanaged cgroups have CPU placement too" json_assert \
		"d['cgroups'][0]['path'] == '/' and d['cgroups'][0]['cpu_share_per_node'] is not None" <<<"$json"
	check "daemon: sampler counters in the metrics" bash -c \
		"exec 3<>/dev/tcp/127.0.0.1/$port && printf 'GET / HTTP/1.0\r\n\r\n' >&3 && grep -q '^numab_sampler_switches_total [1-9]' <&3"
else
	check "daemon: CPU placement from /proc (BPF sampler unavailable here)" test "$src" = proc
fi

kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
check "daemon: SIGTERM exits cleanly" test "$rc" -eq 0
check "daemon: the socket is removed at exit" test ! -e "$sock"

out=$(timeout 20 "$NUMABD" --config "$tmp/numab.conf" --once --dry-run 2>&1); rc=$?
check "daemon: --once --dry-run runs one round and exits" test "$rc" -eq 0
printf '[Match]\nMode=follow\n' >"$tmp/bad.conf"
out=$("$NUMABD" --config "$tmp/bad.conf" --once 2>&1); rc=$?
check "daemon: a broken config at start is a clear exit" bash -c "[ $rc -ne 0 ] && grep -q 'bad.conf:1' <<<'$out'"
