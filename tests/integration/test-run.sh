# numabctl run: the command runs under a local memory policy (which AutoNUMA skips), in the
# cgroup asked for; the exit status is the command's.
. "$(dirname "$0")/lib.sh"
[ -x "$NUMABCTL" ] || { fail "run: $NUMABCTL not built"; exit 1; }
out=$("$NUMABCTL" run -- sh -c 'cat /proc/self/numa_maps')
check "run: the command's mappings carry the local policy" bash -c "grep -q ' local ' <<<'$out' && ! grep -q ' default ' <<<'$out'"
"$NUMABCTL" run -- sh -c 'exit 3'
check "run: exit status of the command" test $? -eq 3
err=$("$NUMABCTL" run -- /nonexistent/cmd 2>&1); rc=$?
check "run: a missing command is an error that names it" bash -c "[ $rc -ne 0 ] && grep -q 'Failed to run /nonexistent/cmd' <<<'$err'"
need_root run
cg=$(cgroup2_mount)
[ -n "$cg" ] || { skip "run: no cgroup v2"; exit 0; }
mkdir "$cg/numab-it-run$$" 2>/dev/null || { skip "run: cannot create a cgroup"; exit 0; }
got=$("$NUMABCTL" run --cgroup "/numab-it-run$$" -- cat /proc/self/cgroup)
rmdir "$cg/numab-it-run$$"
check "run --cgroup: the command starts in the cgroup" grep -q "^0::/numab-it-run$$\$" <<<"$got"
