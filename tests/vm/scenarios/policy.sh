#!/bin/sh
# description: hierarchical policy on a live tree: config + xattrs + runtime settings, cgroups created and removed under load, explain each time
# shapes: 2n
# kernels: all
# timeout: 240
. /usr/lib/numab-vm/lib.sh

set_numa_balancing 0
mkdir -p /etc/numab /var/lib/numab
cat >/etc/numab/numab.conf <<CONF
[Daemon]
Interval=1s

[Match]
Cgroup=/pol/**
Budget=64M/s

[Match]
Cgroup=/pol/a
Mode=follow
Nodes=0-1

[Match]
Cgroup=/pol/locked
Mode=pin
Lock=mode
CONF
# field PATH ATTR KEY: one value of `numabctl -j explain` (pretty JSON: "key":"value" lines).
field() {
	numabctl -j explain "$1" | awk -v a="\"$2\":" -v k="\"$3\":" '
		index($0, a) { inside = 1; next }
		inside && index($0, k) { sub(/^[^:]*:/, ""); gsub(/[",]/, ""); print; exit }
		inside && /}/ { inside = 0 }'
}
# expect NAME PATH ATTR value source decided_by
expect() {
	_v=$(field "$2" "$3" value); _s=$(field "$2" "$3" source); _d=$(field "$2" "$3" decided_by)
	# shellcheck disable=SC2254 # $5 is a pattern (program:*)
	case "$_s" in $5) _sok=1 ;; *) _sok= ;; esac
	if [ "$_v" = "$4" ] && [ -n "$_sok" ] && [ "$_d" = "$6" ]; then
		pass "$1" "$2 $3=$_v from $_s decided by $_d"
	else
		fail "$1" "$2 $3: got '$_v' from '$_s' by '$_d', want '$4' from '$5' by '$6'"
	fi
}

cg_create pol/a/b
cg_create pol/locked
cg_create pol/other
wl_start w1 pol/a/b --mib 64 --threads 1 --cpu-node 0 --mem-node 1 || fail setup "no workload"
wl_start w2 pol/other --mib 32 --threads 1 --cpu-node 1 --mem-node 0 || fail setup "no workload"
numabd >/run/numabd.log 2>&1 &
NPID=$!
wait_until 10 numabctl reload || fail start "numabd did not answer"
sleep 2

expect config_inherited /pol/a/b mode follow 'config:/etc/numab/numab.conf:*' /pol/a
# Both /pol/a and /pol/a/b match /pol/**: a constraint is decided by the highest of equals.
expect config_glob_budget /pol/a/b budget 64M/s 'config:/etc/numab/numab.conf:6' /pol/a
expect default_off /pol/other mode off default null
expect nodes_intersect /pol/a/b nodes 0-1 'config:*' /pol/a

# xattrs on a root-owned cgroup win over the config...
setfattr -n user.numab.mode -v pin /sys/fs/cgroup/pol/a/b
sleep 2
expect xattr_wins /pol/a/b mode pin xattr /pol/a/b
# ...but not over a locked attribute.
setfattr -n user.numab.mode -v follow /sys/fs/cgroup/pol/locked
sleep 2
expect lock_wins /pol/locked mode pin 'config:*' /pol/locked
numabctl -j explain /pol/locked | grep -q locked-xattr && pass lock_reported "explain reports the locked xattr" || fail lock_reported "no locked-xattr problem"
# A bad xattr is reported and ignored.
setfattr -n user.numab.budget -v fast /sys/fs/cgroup/pol/a/b
sleep 2
expect bad_xattr_ignored /pol/a/b budget 64M/s 'config:*' /pol/a
numabctl -j explain /pol/a/b | grep -q '"bad-xattr"' && pass bad_xattr_reported "explain reports it" || fail bad_xattr_reported "not reported"

# Runtime settings win over xattrs; reset gives the xattr back.
numabctl set /pol/a/b mode=off >/dev/null
expect runtime_wins /pol/a/b mode off runtime /pol/a/b
numabctl reset /pol/a/b mode >/dev/null
expect reset_back_to_xattr /pol/a/b mode pin xattr /pol/a/b
# An explicit off above switches the subtree off, whatever is below.
numabctl set /pol/a mode=off >/dev/null
expect off_absorbs /pol/a/b mode off runtime /pol/a
numabctl reset /pol/a >/dev/null

# A cgroup created under load gets its policy within a tick; one that gains children keeps
# its meaning; one removed under load leaves numabd running.
cg_create pol/a/new
wait_until 5 sh -c '[ "$(numabctl -j explain /pol/a/new 2>/dev/null | grep -c follow)" -gt 0 ]'
expect new_cgroup /pol/a/new mode follow 'config:*' /pol/a
# /pol/a/b has processes, so no controllers can be enabled below it: a plain mkdir.
mkdir /sys/fs/cgroup/pol/a/b/child
sleep 2
expect gains_child /pol/a/b mode pin xattr /pol/a/b
expect child_inherits /pol/a/b/child mode pin xattr /pol/a/b
wl_stop_check w1 checksum_w1
cg_destroy pol/a/b
sleep 2
if kill -0 "$NPID" && ! numabctl -j status 2>/dev/null | grep -q '"/pol/a/b"'; then
	pass removed_cgroup "numabd runs on; /pol/a/b is gone from status"
else
	fail removed_cgroup "$(tail -n 5 /run/numabd.log)"
fi
numabctl set /pol/a/b mode=follow >/dev/null
cg_create pol/a/b
sleep 2
expect recreated_runtime /pol/a/b mode follow runtime /pol/a/b

kill "$NPID"; wait "$NPID"
wl_stop_check w2 checksum_w2
finish
