#!/usr/bin/env bash
# numabctl status/top against the fixture roots: table, JSON schema, errors.
#   test-status.sh NUMABCTL FIXTURES_DIR
here=$(dirname "$0")
. "$here/lib.sh"
ctl=$1
fx=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -a "$fx/2node" "$tmp/"
roots=(--sysfs-root "$tmp/2node/sys" --proc-root "$tmp/2node/proc" --cgroup-root "$tmp/2node/cgroup")

out=$("$ctl" "${roots[@]}" status -w 0)
check "status prints the nodes" grep -qE '^1 +2-3 ' <<<"$out"
check "status lists every cgroup" test "$(grep -cE '^/' <<<"$out")" -eq 5
check "status shows movable memory per node" grep -qE '^/app/web .* 8\.0M +200M' <<<"$out"
check "status shows the kernel's NUMA counters" grep -qE '^/app/web .* 16442 +406' <<<"$out"

json=$("$ctl" -j "${roots[@]}" status -w 0)
check "JSON is valid" json_assert 'True' <<<"$json"
check "JSON nodes schema" json_assert \
	'[sorted(n) for n in d["nodes"]][0] == sorted(["id","cpus","cpuless","mem_total_bytes","mem_free_bytes","tier","distances"]) and d["nodes"][1]["cpus"] == "2-3" and d["nodes"][1]["mem_free_bytes"] == 786432*1024 and d["nodes"][0]["cpuless"] is False' <<<"$json"
check "JSON cgroup schema" json_assert \
	'all(k in c for c in d["cgroups"] for k in ("path","mode","memory_bytes_per_node","cpu_share_per_node","locality","node_balance","numa_counters","processes"))' <<<"$json"
check "JSON memory per node" json_assert \
	'[c for c in d["cgroups"] if c["path"] == "/app/web"][0]["memory_bytes_per_node"] == {"0": 8388608, "1": 209715200}' <<<"$json"
check "JSON counters" json_assert \
	'[c for c in d["cgroups"] if c["path"] == "/app/web"][0]["numa_counters"]["numa_pages_migrated"] == 16442' <<<"$json"
check "no window: CPU share is null" json_assert \
	'd["cgroups"][0]["cpu_share_per_node"] is None and d["window_s"] == 0' <<<"$json"

# A CPU window: thread 100 runs 1 s more on node 0 during the window (we edit the fixture
# while status sleeps: utime 75 -> 175 ticks), thread 200 stays idle.
( sleep 0.3; sed -i 's/^\(100 (web worker) S\( 0\)\{10\}\) 75 /\1 175 /' "$tmp/2node/proc/100/task/100/stat" ) &
json=$("$ctl" -j "${roots[@]}" status -w 1s /app/web)
wait
check "window: only the named cgroup" json_assert 'len(d["cgroups"]) == 1 and d["cgroups"][0]["path"] == "/app/web"' <<<"$json"
check "window: CPU share on node 0" json_assert \
	'd["cgroups"][0]["cpu_share_per_node"] == {"0": 1.0, "1": 0.0}' <<<"$json"
check "window: node balance near 0 (memory on node 1)" json_assert \
	'd["cgroups"][0]["node_balance"] < 0.05' <<<"$json"
check "window: locality from numa_maps near 0" json_assert \
	'd["cgroups"][0]["locality"] is not None and d["cgroups"][0]["locality"] < 0.01 and d["cgroups"][0]["locality_processes"] == 1' <<<"$json"

rec=$("$ctl" -j "${roots[@]}" status -w 0 -r /app)
check "recursive" json_assert '[c["path"] for c in d["cgroups"]] == ["/app", "/app/web"]' <<<"$rec"
sorted=$("$ctl" "${roots[@]}" status -w 0 --sort memory)
check "sort by memory" test "$(grep -E '^/' <<<"$sorted" | head -1 | cut -d' ' -f1)" = "/"

# Global options after the verb mean the same as before it.
after=$("$ctl" status -w 0 -j "${roots[@]}" /app/web)
before=$("$ctl" -j "${roots[@]}" status -w 0 /app/web)
check "status -j and the roots after the verb" json_assert \
	'len(d["cgroups"]) == 1 and d["cgroups"][0]["path"] == "/app/web"' <<<"$after"
check "options after the verb: the same document" test "$(grep -v window_s <<<"$after")" = "$(grep -v window_s <<<"$before")"
check_fails "unknown cgroup" "cgroup /nope not found" "$ctl" "${roots[@]}" status -w 0 /nope
check_fails "bad window" "Invalid --window" "$ctl" "${roots[@]}" status -w fast
check_fails "bad sort" "Invalid --sort" "$ctl" "${roots[@]}" status --sort size
check_fails "bad root" "Failed to open" "$ctl" --sysfs-root "$tmp/none" status
check_fails "unknown verb" "Unknown verb" "$ctl" frobnicate
check_fails "path escaping the root" "Invalid cgroup path" "$ctl" "${roots[@]}" status -w 0 ../etc
check "help" bash -c "'$ctl' --help | grep -q status && '$ctl' status --help | grep -q -- --window && '$ctl' top --help | grep -q -- --delay"

# No memory controller (like a host whose memory controller is on cgroup v1).
echo "cpu pids" >"$tmp/2node/cgroup/cgroup.controllers"
find "$tmp/2node/cgroup" -name 'memory.*' -delete
out=$("$ctl" "${roots[@]}" status -w 0)
check "no memory controller: says so" grep -q "has no memory controller" <<<"$out"
json=$("$ctl" -j "${roots[@]}" status -w 0)
check "no memory controller: JSON" json_assert \
	'd["memory_controller"] is False and d["cgroups"][2]["memory_bytes_per_node"] is None and len(d["notes"]) == 1' <<<"$json"

# top without a terminal prints one block per interval.
out=$("$ctl" "${roots[@]}" top -d 100ms -n 2 --all)
check "top: one block per interval" test "$(grep -c '^--- numab' <<<"$out")" -eq 2
json=$("$ctl" -j "${roots[@]}" top -d 100ms -n 2)
check "top -j: a JSON document per interval" test "$(grep -c '"cgroups"' <<<"$json")" -eq 2
check_fails "top: bad delay" "Invalid --delay" "$ctl" "${roots[@]}" top -d 1ms

finish
