# Helpers for host integration tests (sourced).
set -uo pipefail

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; }
skip() { echo "SKIP $*"; }

# check NAME COMMAND...
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

json_assert() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
if not eval(sys.argv[1]):
    sys.stderr.write("assertion failed: %s\n" % sys.argv[1]); sys.exit(1)
' "$1"
}

# The cgroup v2 mount point, or empty.
cgroup2_mount() {
	awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo 2>/dev/null
}

need_root() {
	[ "$(id -u)" -eq 0 ] || { skip "$1: needs root"; exit 0; }
}
