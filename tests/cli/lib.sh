# Shared helpers of the CLI tests (sourced). Each check prints "ok - NAME" or "not ok - NAME";
# the script exits non-zero when any check failed.
set -uo pipefail
n_fail=0
n_ok=0

ok() { echo "ok - $*"; n_ok=$((n_ok + 1)); }
not_ok() { echo "not ok - $*"; n_fail=$((n_fail + 1)); }

# check NAME COMMAND...: passes when COMMAND succeeds.
check() {
	local name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# check_fails NAME PATTERN COMMAND...: passes when COMMAND fails and its stderr matches PATTERN.
check_fails() {
	local name=$1 pattern=$2 err; shift 2
	if err=$("$@" 2>&1 >/dev/null); then
		not_ok "$name (succeeded)"
	elif ! grep -qE -- "$pattern" <<<"$err"; then
		not_ok "$name (error was: $err)"
	else
		ok "$name"
	fi
}

# jq-like assertion on JSON from stdin with a Python expression over `d`.
json_assert() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
expr = sys.argv[1]
if not eval(expr):
    sys.stderr.write("assertion failed: %s\n" % expr)
    sys.exit(1)
' "$1"
}

finish() {
	echo "# $n_ok passed, $n_fail failed"
	[ "$n_fail" -eq 0 ]
}
