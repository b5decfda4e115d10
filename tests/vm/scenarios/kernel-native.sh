#!/bin/sh
# description: in-kernel per-cgroup NUMA balancing (bpf_numab_ops, kernel/ series; scripts/kernel-test): BPF selftests, attached cgroup balanced with the global switch off and its sibling not, overriding ancestor, hot threshold on tier, cgroup removal under load (kmemleak)
# shapes: 2n tier
# kernels: numab
# timeout: 1200
. /usr/lib/numab-vm/lib.sh

PINS=/sys/fs/bpf/numab-kn
KOPS_SCAN="--scan-min 200 --scan-max 1000"

if ! have numab-kops || ! numab-kops probe; then
	skip kernel "this kernel has no bpf_numab_ops (boot the kernel/ series: scripts/kernel-test)"
	finish
fi
pass kernel "bpf_numab_ops in the kernel's BTF ($(kver))"
set_numa_balancing 0
expect_eq global_off "$(get_numa_balancing)" 0 "kernel.numa_balancing:"
mkdir -p "$PINS"

# memstat CGROUP KEY: a memory.stat counter.
memstat() {
	awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "$(cg_path "$1")/memory.stat"
}
# kops CGROUP NAME ARGS...: attach a bpf_numab_ops to CGROUP, pinned as NAME.
kops() {
	_cg=$1 _pin=$PINS/$2
	shift 2
	rm -f "$_pin"
	numab-kops attach "$(cg_path "$_cg")" "$_pin" "$@"
}
unkops() {
	rm -f "$PINS/$1"
}
pct_at_least() {
	[ "$(cg_node_pct "$1" "$2")" -ge "$3" ]
}

# ------------------------------------------------------------ BPF selftests (2n)
if [ "$NUMAB_SHAPE" = 2n ]; then
	if have numab-selftest; then
		t0=$(uptime_ms)
		numab-selftest >/run/selftest.log 2>&1
		rc=$?
		cat /run/selftest.log
		for line in $(sed -n 's/^#1\/[0-9]* numab_ops\/\([a-z_]*\):\(OK\|FAIL\)$/\1:\2/p' /run/selftest.log); do
			if [ "${line#*:}" = OK ]; then
				pass "selftest_${line%%:*}" "prog_tests/numab_ops.c"
			else
				fail "selftest_${line%%:*}" "prog_tests/numab_ops.c (output above)"
			fi
		done
		expect_eq selftest_exit "$rc" 0 "numab-selftest in $(( ($(uptime_ms) - t0) / 1000 )) s, $(grep '^Summary' /run/selftest.log):"
	else
		fail selftest "numab-selftest is not in the initramfs"
	fi
	set_numa_balancing 0
fi

# ------------------------------------------------------------ attached vs sibling
if [ "$NUMAB_SHAPE" = 2n ]; then
	cg_create kn/on && cg_create kn/off || { fail setup "cannot create cgroups"; finish; }
	wl_start on kn/on --mib 128 --threads 2 --cpu-node 0 --mem-node 1 --pattern seq,private ||
		{ fail setup "no workload"; finish; }
	wl_start off kn/off --mib 64 --threads 1 --cpu-node 0 --mem-node 1 ||
		{ fail setup "no workload"; finish; }
	check_cmd attach "enable ops on kn/on" kops kn/on on $KOPS_SCAN
	t0=$(uptime_ms)
	if wait_until 120 pct_at_least kn/on 0 90; then
		pass fixed "kn/on: $(cg_node_pct kn/on 0)% on node 0 after $(( ($(uptime_ms) - t0) / 1000 )) s"
	else
		fail fixed "kn/on: $(cg_node_pct kn/on 0)% on node 0 after 120 s"
	fi
	wl_refresh on >/dev/null
	expect_ge truth_on "$(wl_node_pct on 0)" 90 "numabwork: % of kn/on's pages on node 0:"
	expect_ge hint_faults_on "$(memstat kn/on numa_hint_faults)" 1 "kn/on numa_hint_faults:"
	expect_ge migrated_on "$(memstat kn/on numa_pages_migrated)" 1 "kn/on numa_pages_migrated:"
	expect_ge bpf_enabled_on "$(memstat kn/on numa_bpf_enabled)" 1 "kn/on numa_bpf_enabled:"
	expect_ge bpf_scans_on "$(memstat kn/on numa_bpf_scans)" 1 "kn/on numa_bpf_scans:"
	expect_eq hint_faults_off "$(memstat kn/off numa_hint_faults)" 0 "kn/off (sibling, no ops) numa_hint_faults:"
	expect_eq pte_updates_off "$(memstat kn/off numa_pte_updates)" 0 "kn/off numa_pte_updates:"
	wl_refresh off >/dev/null
	expect_ge truth_off "$(wl_node_pct off 1)" 99 "numabwork: % of kn/off's pages still on node 1:"
	expect_eq still_global_off "$(get_numa_balancing)" 0 "kernel.numa_balancing:"
	wl_stop_check on checksum_on
	wl_stop_check off checksum_off
	unkops on
	cg_destroy kn/on
	cg_destroy kn/off

	# ---------------------------------------------------- overriding ancestor
	cg_create kn/p/c || { fail setup "cannot create kn/p/c"; finish; }
	check_cmd attach_child "enable ops on kn/p/c" kops kn/p/c child $KOPS_SCAN
	check_cmd attach_parent "disable ops with BPF_NUMAB_F_OVERRIDE on kn/p" kops kn/p parent --disable --override
	wl_start o kn/p/c --mib 64 --threads 1 --cpu-node 0 --mem-node 1 || { fail setup "no workload"; finish; }
	sleep 15
	expect_eq override_faults "$(memstat kn/p/c numa_hint_faults)" 0 "kn/p/c numa_hint_faults under an overriding disable on kn/p:"
	expect_eq override_scans "$(memstat kn/p/c numa_bpf_scans)" 0 "kn/p/c numa_bpf_scans:"
	wl_refresh o >/dev/null
	expect_ge override_truth "$(wl_node_pct o 1)" 99 "numabwork: % still on node 1:"
	unkops parent
	t0=$(uptime_ms)
	if wait_until 120 pct_at_least kn/p/c 0 90; then
		pass nearest_after_override "kn/p's ops detached: kn/p/c's own ops balances it, $(cg_node_pct kn/p/c 0)% on node 0 after $(( ($(uptime_ms) - t0) / 1000 )) s"
	else
		fail nearest_after_override "kn/p/c: $(cg_node_pct kn/p/c 0)% on node 0 120 s after kn/p's ops was detached"
	fi
	wl_stop_check o checksum_override
	unkops child
	cg_destroy kn/p
fi

# ------------------------------------------------------------ numabd drives it (2n)
if [ "$NUMAB_SHAPE" = 2n ]; then
	if have numabd && have numabctl; then
		mkdir -p /etc/numab/numab.conf.d /var/lib/numab
		cat >/etc/numab/numab.conf <<CONF
[Daemon]
Interval=1s

[Match]
Cgroup=/kn/nd
Mode=kernel
CONF
		cg_create kn/nd && cg_create kn/nd_off || { fail setup "cannot create cgroups"; finish; }
		wl_start nd kn/nd --mib 64 --threads 1 --cpu-node 0 --mem-node 1 || { fail setup "no workload"; finish; }
		wl_start ndoff kn/nd_off --mib 64 --threads 1 --cpu-node 0 --mem-node 1 || { fail setup "no workload"; finish; }
		numabd >>/run/numabd.log 2>&1 &
		NPID=$!
		wait_until 15 numabctl reload
		kbpf=0
		if wait_until 30 sh -c 'numabctl -j explain /kn/nd | grep -qE "\"balanced_by\": *\"kernel-bpf\""'; then
			pass numabd_explain "numabctl explain /kn/nd: balanced by kernel-bpf"
			kbpf=1
		else
			fail numabd_explain "numabctl explain /kn/nd does not say kernel-bpf"
			cat /run/numabd.log
		fi
		numabctl explain /kn/nd
		numabctl explain /kn/nd_off | grep -i 'balanced by'
		t0=$(uptime_ms)
		if [ "$kbpf" = 0 ]; then
			fail numabd_fixed "numabd did not attach the in-kernel ops"
		elif wait_until 120 pct_at_least kn/nd 0 90; then
			pass numabd_fixed "kn/nd (mode kernel): $(cg_node_pct kn/nd 0)% on node 0 after $(( ($(uptime_ms) - t0) / 1000 )) s, numa_bpf_scans $(memstat kn/nd numa_bpf_scans)"
		else
			fail numabd_fixed "kn/nd: $(cg_node_pct kn/nd 0)% on node 0 after 120 s"
		fi
		expect_eq numabd_off_untouched "$(memstat kn/nd_off numa_hint_faults)" 0 "kn/nd_off (mode off) numa_hint_faults:"
		expect_eq numabd_global_off "$(get_numa_balancing)" 0 "kernel.numa_balancing with numabd:"
		kill -TERM "$NPID" 2>/dev/null
		wait "$NPID" 2>/dev/null
		sleep 2
		scans=$(memstat kn/nd numa_bpf_scans)
		sleep 4
		expect_le numabd_detached "$(( $(memstat kn/nd numa_bpf_scans) - scans ))" 1 "kn/nd scans in 4 s after numabd stopped:"
		wl_stop_check nd checksum_numabd
		wl_stop ndoff >/dev/null 2>&1
		cg_destroy kn/nd
		cg_destroy kn/nd_off
		tail -n 5 /run/numabd.log
	else
		skip numabd "numabd is not in the initramfs (build it: scripts/setup, meson, ninja)"
	fi
fi

# ------------------------------------------------------------ hot threshold (tier)
if [ "$NUMAB_SHAPE" = tier ]; then
	SLOW=$(for n in $(node_list); do node_has_cpus "$n" || echo "$n"; done | head -n 1)
	cg_create kn/hot && cg_create kn/cold || { fail setup "cannot create cgroups"; finish; }
	wl_start hot kn/hot --mib 64 --threads 1 --cpu-node 0 --mem-node "$SLOW" ||
		{ fail setup "no workload"; finish; }
	wl_start cold kn/cold --mib 64 --threads 1 --cpu-node 0 --mem-node "$SLOW" ||
		{ fail setup "no workload"; finish; }
	check_cmd attach_hot "tiering ops, hot_thresh 10000 ms, on kn/hot" kops kn/hot hot --mode 2 --hot-thresh 10000 $KOPS_SCAN
	check_cmd attach_cold "tiering ops, hot_thresh 1 ms, on kn/cold" kops kn/cold cold --mode 2 --hot-thresh 1 $KOPS_SCAN
	wait_until 120 sh -c "[ \$(awk '\$1 == \"pgpromote_success\" { print \$2 }' $(cg_path kn/hot)/memory.stat) -ge 4096 ]"
	sleep 5
	hot=$(memstat kn/hot pgpromote_success)
	cold=$(memstat kn/cold pgpromote_success)
	say "pgpromote_success: kn/hot $hot, kn/cold $cold; hint faults: $(memstat kn/hot numa_hint_faults) / $(memstat kn/cold numa_hint_faults)"
	expect_ge promoted_hot "$hot" 4096 "kn/hot (hot_thresh 10 s) pages promoted from node $SLOW:"
	expect_ge hint_faults_cold "$(memstat kn/cold numa_hint_faults)" 1 "kn/cold is scanned too:"
	if [ "$cold" -le $((hot / 4)) ]; then
		pass hot_threshold "kn/cold (hot_thresh 1 ms) promoted $cold pages, kn/hot $hot"
	else
		fail hot_threshold "kn/cold (hot_thresh 1 ms) promoted $cold pages, not well below kn/hot's $hot"
	fi
	expect_eq still_global_off "$(get_numa_balancing)" 0 "kernel.numa_balancing:"
	wl_stop_check hot checksum_hot
	wl_stop_check cold checksum_cold
	unkops hot
	unkops cold
	cg_destroy kn/hot
	cg_destroy kn/cold
fi

# ------------------------------------------------------------ removal under load
i=0
ok=0
while [ $i -lt 10 ]; do
	cg_create "kn/churn/c$i" || break
	wl_start "ch$i" "kn/churn/c$i" --mib 16 --threads 1 --cpu-node 0 --mem-node 1 >/dev/null || break
	kops "kn/churn/c$i" "churn$i" $KOPS_SCAN >/dev/null || break
	sleep 1
	# Remove the cgroup while its ops is attached and its task runs (cgroup.kill takes the
	# workload and its wrapper), then detach.
	cg_destroy "kn/churn/c$i" || break
	unkops "churn$i"
	ok=$((ok + 1))
	i=$((i + 1))
done
expect_eq churn "$ok" 10 "cgroups removed under load with an attached ops:"
cg_destroy kn/churn
expect_eq churn_gone "$(ls -d "$(cg_path kn)"/churn 2>/dev/null | wc -l)" 0 "kn/churn removed:"
KL=/sys/kernel/debug/kmemleak
if [ -w "$KL" ] && echo scan >"$KL" 2>/dev/null; then
	sleep 5
	echo scan >"$KL"
	leaks=$(grep -c '^unreferenced object' "$KL")
	ours=$(grep -A30 '^unreferenced object' "$KL" | grep -cE 'numab|cgroup_get|cgroup_mkdir|bpf_struct_ops')
	[ "$leaks" -eq 0 ] || grep -A20 '^unreferenced object' "$KL" | head -n 60
	expect_eq kmemleak "$ours" 0 "kmemleak: $leaks unreferenced objects, of which from numab/cgroup/struct_ops paths:"
else
	skip kmemleak "kmemleak is off (boot with --append kmemleak=on; scripts/kernel-test does)"
fi
cg_destroy kn
finish
