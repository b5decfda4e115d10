#!/bin/sh
# description: what numab is for: a workload whose memory sits on node 1 while its threads run on node 0; numabctl shows it, numabd (Mode=follow) fixes it
# shapes: all
# kernels: all
# timeout: 180
. /usr/lib/numab-vm/lib.sh

MIB=${NUMAB_DEMO_MIB:-256}
FOLLOW_SECS=${NUMAB_DEMO_SECS:-20}
T0=$(uptime_ms)

banner() {
	echo
	echo "==== $* ===="
}

# One line of ground truth: where the threads run, where the memory is, the locality.
truth_line() {
	wl_refresh demo >/dev/null || return 1
	tr ' ' '\n' <"$NW_DIR/demo.status" | awk -F= -v t="$(($(uptime_ms) - T0))" '
		$1 ~ /^pages_node/ { pn[substr($1, 11)] = $2 }
		$1 ~ /^threads_node/ && $2 > 0 { th = th sprintf("node%s x%s ", substr($1, 13), $2) }
		$1 == "pages" { pages = $2 } $1 == "locality" { loc = $2 }
		END {
			for (n = 0; n in pn; n++) mem = mem sprintf("node%d %3.0f%%  ", n, pages ? 100 * pn[n] / pages : 0)
			bar = ""
			for (i = 0; i < 20; i++) bar = bar (i < int(loc * 20 + 0.5) ? "#" : ".")
			printf "  %5.1fs  threads: %-10s memory: %s locality %.2f [%s]\n", t / 1000, th, mem, loc, bar
		}'
}

locality() {
	wl_field demo locality
}

nodes_desc=$(for n in $(node_list); do printf 'node%s: CPUs %s; ' "$n" "$(node_cpulist "$n")"; done)
say "numab demo: $(node_count) NUMA nodes (${nodes_desc%; }), kernel $(uname -r)"

banner "1. the setup"
set_numa_balancing 0
say "kernel.numa_balancing=0: the kernel's own NUMA balancing is off, so no one moves memory but numab."
if ! cg_create demo; then
	fail setup "cannot create the cgroup /demo"
	finish
fi
say "Starting a workload in cgroup /demo: 2 threads pinned to node 0's CPUs, $MIB MiB placed on node 1."
say "Every access the threads make goes to the other node: the memory is on the wrong node."
if ! wl_start demo demo --mib "$MIB" --threads 2 --cpu-node 0 --mem-node 1 --pattern private; then
	fail setup "the workload did not start"
	finish
fi
truth_line
loc=$(locality)
if [ "$(wl_node_pct demo 1)" -ge 95 ] && awk -v l="$loc" 'BEGIN { exit !(l < 0.1) }'; then
	pass misplaced "threads on node 0, $(wl_node_pct demo 1)% of $MIB MiB on node 1, locality $loc"
else
	fail misplaced "the workload did not start misplaced: $(cat "$NW_DIR/demo.status")"
fi

banner "2. what the kernel reports for /demo (memory.numa_stat, anon)"
say "  anon $(cg_numa_stat demo)"

banner "3. what numab sees (numabctl status)"
if have numabctl; then
	for i in 1 2 3; do
		numabctl status 2>&1 | sed 's/^/  /'
		[ "$i" = 3 ] || { sleep 1; echo; }
	done
else
	say "  (numabctl is not in this build: build numab first, then run the demo again)"
fi

banner "4. the fix"
if have numabd; then
	mkdir -p /etc/numab
	printf '[Match]\nCgroup=/demo\nMode=follow\n' >/etc/numab/numab.conf
	say "numabd --config /etc/numab/numab.conf, which says:"
	sed 's/^/    /' /etc/numab/numab.conf
	numabd --config /etc/numab/numab.conf >/run/numabd.log 2>&1 &
	npid=$!
	say "Ground truth from the workload itself, every second for ${FOLLOW_SECS}s:"
	i=0
	while [ "$i" -lt "$FOLLOW_SECS" ]; do
		truth_line
		i=$((i + 1))
		sleep 1
	done
	loc=$(locality)
	if have numabctl; then
		echo
		numabctl status 2>&1 | sed 's/^/  /'
	fi
	kill -TERM "$npid" 2>/dev/null
	wait "$npid"
	nrc=$?
	echo
	say "numabd's log (last lines, exit status $nrc):"
	tail -n 15 /run/numabd.log | sed 's/^/    /'
	if awk -v l="$loc" 'BEGIN { exit !(l >= 0.9) }'; then
		pass numabd_follow "numabd moved the memory to the threads: locality $loc after ${FOLLOW_SECS}s"
	else
		fail numabd_follow "locality still $loc after ${FOLLOW_SECS}s of numabd with Mode=follow"
	fi
else
	skip numabd_follow "numabd is not in this build (\${BUILD}/src/daemon/numabd)"
	say "numabd is not in this build yet. Its follow mode moves a cgroup's memory to the nodes"
	say "where its threads run. Done by hand for now: migratepages $(wl_pid demo) 1 0"
	migratepages "$(wl_pid demo)" 1 0
	for i in 1 2 3; do
		truth_line
		sleep 1
	done
	loc=$(locality)
	if awk -v l="$loc" 'BEGIN { exit !(l >= 0.9) }'; then
		pass manual_fix "after migratepages: locality $loc"
	else
		fail manual_fix "after migratepages: locality $loc"
	fi
fi

banner "5. no data lost"
say "Stopping the workload; it checks every byte of its memory."
wl_stop_check demo checksum
cg_destroy demo
finish
