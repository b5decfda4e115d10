#!/usr/bin/env bash
# numabctl explain -j on fixture trees: the worked cases of DESIGN §4 that need no BPF program
# (1-11, 16), end to end through config files, xattrs and the saved runtime settings.
#   test-explain.sh NUMABCTL FIXTURES_DIR
here=$(dirname "$0")
. "$here/lib.sh"
ctl=$1
fx=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -a "$fx/2node" "$tmp/"
cg="$tmp/2node/cgroup"

if ! python3 -c 'import os,sys; os.setxattr(sys.argv[1], "user.numab.test", b"x"); os.removexattr(sys.argv[1], "user.numab.test")' "$cg" 2>/dev/null; then
	echo "ok - SKIP: $tmp does not support user xattrs"
	finish
	exit 0
fi
mkcg() { for d in "$@"; do mkdir -p "$cg$d"; cp "$cg/empty/cgroup.procs" "$cg$d/"; done; }
mkcg /a /a/b /a/b/c /a/c
setx() { python3 -c 'import os,sys; os.setxattr(sys.argv[1], "user.numab." + sys.argv[2], sys.argv[3].encode())' "$cg$1" "$2" "$3"; }
clearx() { for d in /a /a/b /a/b/c /a/c; do for k in $(python3 -c 'import os,sys; print(" ".join(os.listxattr(sys.argv[1])))' "$cg$d"); do python3 -c 'import os,sys; os.removexattr(sys.argv[1], sys.argv[2])' "$cg$d" "$k"; done; done; }
# explain CONFIG_TEXT PATH: prints the JSON
explain() {
	printf '%s\n' "$1" >"$tmp/numab.conf"
	"$ctl" -j --config "$tmp/numab.conf" --sysfs-root "$tmp/2node/sys" \
		--proc-root "$tmp/2node/proc" --cgroup-root "$cg" explain "$2"
}
STATE="[Daemon]
StateDirectory=$tmp/state"
mkdir -p "$tmp/state"

j=$(explain "$STATE" /a/b/c)
check "case 1: nothing set: off by default" json_assert \
	"d['effective']['mode']['value'] == 'off' and d['effective']['mode']['source'] == 'default' and not d['managed']" <<<"$j"

j=$(explain "$STATE
[Match]
Cgroup=/a
Mode=follow" /a/b/c)
check "case 2: /a follow: /a/b/c follows, decided by /a" json_assert \
	"d['effective']['mode']['value'] == 'follow' and d['effective']['mode']['decided_by'] == '/a' and d['effective']['mode']['source'].endswith('numab.conf:5')" <<<"$j"

j=$(explain "$STATE
[Match]
Cgroup=/a
Mode=off
[Match]
Cgroup=/a/b
Mode=follow" /a/b)
check "case 3: /a off wins over /a/b follow" json_assert \
	"d['effective']['mode']['value'] == 'off' and d['effective']['mode']['decided_by'] == '/a'" <<<"$j"

j=$(explain "$STATE
[Match]
Cgroup=/a
Mode=follow
[Match]
Cgroup=/a/b
Mode=pin" /a/b)
check "case 4: /a follow, /a/b pin: pin by /a/b" json_assert \
	"d['effective']['mode']['value'] == 'pin' and d['effective']['mode']['decided_by'] == '/a/b'" <<<"$j"

CASE5="$STATE
[Match]
Cgroup=/a
Mode=follow
Budget=100M/s
[Match]
Cgroup=/a/b
Budget=200M/s"
j=$(explain "$CASE5" /a/b)
check "case 5: budget ceiling is the parent's 100M/s" json_assert \
	"d['budget']['ceiling_bytes_per_sec'] == 100*2**20 and [b['cgroup'] for b in d['budget']['buckets']] == ['/a', '/a/b']" <<<"$j"
j=$(explain "$CASE5" /a/c)
check "case 5: the sibling /a/c shares /a's bucket" json_assert \
	"d['budget']['ceiling_bytes_per_sec'] == 100*2**20 and [b['cgroup'] for b in d['budget']['buckets']] == ['/a']" <<<"$j"

j=$(explain "$STATE
[Match]
Cgroup=/a
Mode=follow
Nodes=0-1
[Match]
Cgroup=/a/b
Nodes=1-3" /a/b)
check "case 6: node sets intersect: 1" json_assert \
	"d['eligible_nodes'] == '1' and not d['no_eligible_nodes']" <<<"$j"

j=$(explain "$STATE
[Match]
Cgroup=/a
Mode=follow
Nodes=0
[Match]
Cgroup=/a/b
Nodes=1" /a/b)
check "case 7: disjoint node sets: no eligible nodes, reported" json_assert \
	"d['no_eligible_nodes'] and any(p['kind'] == 'no-eligible-nodes' for p in d['problems'])" <<<"$j"

cat >"$tmp/state/runtime.json" <<JSON
{"version": 1, "settings": [{"cgroup": "/a", "transient": false, "cgroup_id": 0, "values": {"mode": "follow"}}]}
JSON
j=$(explain "$STATE
[Match]
Cgroup=/a
Mode=pin" /a)
check "case 8: runtime set beats the config" json_assert \
	"d['effective']['mode']['value'] == 'follow' and d['effective']['mode']['source'] == 'runtime'" <<<"$j"
rm "$tmp/state/runtime.json"

setx /a mode follow
j=$(explain "$STATE
[Match]
Cgroup=/a
Mode=pin" /a)
check "case 9: an xattr beats the config" json_assert \
	"d['effective']['mode']['value'] == 'follow' and d['effective']['mode']['source'] == 'xattr'" <<<"$j"
j=$(explain "$STATE
[Match]
Cgroup=/a
Mode=pin
Lock=mode" /a)
check "case 9: a locked config attribute beats the xattr, and explain says so" json_assert \
	"d['effective']['mode']['value'] == 'pin' and d['effective']['mode']['source'].startswith('config:') and any(p['kind'] == 'locked-xattr' for p in d['problems'])" <<<"$j"
clearx

setx /a/b mode bogus
j=$(explain "$STATE
[Match]
Cgroup=/a
Mode=follow" /a/b)
check "case 10: a bad xattr is reported and ignored; /a/b follows /a" json_assert \
	"d['effective']['mode']['value'] == 'follow' and d['effective']['mode']['decided_by'] == '/a' and any(p['kind'] == 'bad-xattr' and 'bogus' in p['message'] for p in d['problems'])" <<<"$j"
clearx

setx /a/b mode follow
chown 4242 "$cg/a/b"
j=$(explain "$STATE" /a/b)
check "case 11: an untrusted owner's xattr is ignored and reported" json_assert \
	"d['effective']['mode']['value'] == 'off' and any(p['kind'] == 'untrusted-owner' for p in d['problems'])" <<<"$j"
j=$(explain "$STATE
TrustedOwners=4242" /a/b)
check "case 11: ... unless the config trusts that owner" json_assert \
	"d['effective']['mode']['value'] == 'follow' and d['effective']['mode']['source'] == 'xattr'" <<<"$j"
chown 0 "$cg/a/b"
clearx

cat >"$tmp/state/runtime.json" <<JSON
{"version": 1, "settings": [{"cgroup": "/a/b", "transient": false, "cgroup_id": 0, "values": {"mode": "pin"}}]}
JSON
CASE16="$STATE
[Match]
Cgroup=/a
Mode=follow"
rm -rf "$cg/a/b"
j=$(explain "$CASE16" /a/c)
check "case 16: with /a/b removed the other cgroups are unaffected" json_assert "d['effective']['mode']['value'] == 'follow'" <<<"$j"
mkcg /a/b
j=$(explain "$CASE16" /a/b)
check "case 16: the runtime setting kept by path applies again when /a/b reappears" json_assert \
	"d['effective']['mode']['value'] == 'pin' and d['effective']['mode']['source'] == 'runtime'" <<<"$j"
rm "$tmp/state/runtime.json"

# Errors: a broken config names the file and line; an unknown cgroup is an error.
printf '[Match]\nCgroup=/a\nMode=sideways\n' >"$tmp/bad.conf"
check_fails "a broken config names file:line and the value" "bad.conf:3.*sideways" \
	"$ctl" --config "$tmp/bad.conf" --sysfs-root "$tmp/2node/sys" --proc-root "$tmp/2node/proc" --cgroup-root "$cg" explain /a
check_fails "unknown cgroup" "not found" \
	"$ctl" --config "$tmp/numab.conf" --sysfs-root "$tmp/2node/sys" --proc-root "$tmp/2node/proc" --cgroup-root "$cg" explain /nope
out=$("$ctl" --config "$tmp/numab.conf" --sysfs-root "$tmp/2node/sys" --proc-root "$tmp/2node/proc" --cgroup-root "$cg" explain /a)
check "text output names the source" grep -qE "^  mode +follow +config:.*numab.conf:[0-9]+ +/a$" <<<"$out"
out=$("$ctl" --config "$tmp/numab.conf" --sysfs-root "$tmp/2node/sys" --proc-root "$tmp/2node/proc" --cgroup-root "$cg" status -w 0)
check "status shows effective modes" grep -qE "^/a/b +follow" <<<"$out"
finish
