#!/bin/sh
# description: what numab is for: a workload whose memory sits on node 1 while its threads run on node 0; numabctl shows it, numabd (Mode=follow) fixes it
# shapes: all
# kernels: all
# timeout: 240
. /usr/lib/numab-vm/lib.sh

MIB=${NUMAB_DEMO_MIB:-256}
FOLLOW_SECS=${NUMAB_DEMO_SECS:-90}
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

banner "3. what numab sees (numabctl status -w 1s /demo)"
if have numabctl; then
	numabctl status -w 1s /demo 2>&1 | sed 's/^/  /'
	say
	say "MEM:N is the cgroup's memory on node N, CPU:N its share of CPU time on node N (over the"
	say "window), BALANCE how well the two match, LOCALITY the same per process (sampled from"
	say "/proc/PID/numa_maps for the cgroups named): 0 = every access remote, 1 = all local."
else
	say "  (numabctl is not in this build: build numab first, then run the demo again)"
fi

# watch MIN MAX: every second (or as fast as the VM allows), the ground truth and numabctl's
# row for /demo, numabctl-top style (the header once, then one row per refresh); at least MIN
# seconds, then until the locality is 0.95 or more (two more rows), at most MAX seconds.
watch() {
	_hdr=
	_t0=$(uptime_ms)
	_more=-1
	while :; do
		_ts=$(uptime_ms)
		truth_line
		if have numabctl; then
			_out=$(numabctl status -w 500ms /demo 2>&1)
			if [ -z "$_hdr" ]; then
				_hdr=$(echo "$_out" | grep -m1 '^CGROUP')
				[ -n "$_hdr" ] && printf '           numabctl: %s\n' "$_hdr"
			fi
			printf '           numabctl: %s\n' "$(echo "$_out" | grep -m1 '^/demo ')"
		fi
		_el=$(($(uptime_ms) - _t0))
		if [ "$_more" -lt 0 ] && [ "$_el" -ge $(($1 * 1000)) ] &&
			awk -v l="$(locality)" 'BEGIN { exit !(l >= 0.95) }'; then
			_more=2
		fi
		[ "$_more" -ge 0 ] && { _more=$((_more - 1)); [ "$_more" -lt 0 ] && break; }
		[ "$_el" -ge $(($2 * 1000)) ] && break
		_left=$((1000 - ($(uptime_ms) - _ts)))
		[ "$_left" -le 0 ] || sleep "$(awk -v m="$_left" 'BEGIN { printf "%.2f", m / 1000 }')"
	done
}

banner "4. the fix"
if have numabd; then
	mkdir -p /etc/numab
	printf '[Daemon]\nInterval=1s\n\n[Match]\nCgroup=/demo\nMode=follow\n' >/etc/numab/numab.conf
	say "numabd --config /etc/numab/numab.conf, which says:"
	sed 's/^/    /' /etc/numab/numab.conf
	numabd --config /etc/numab/numab.conf >/run/numabd.log 2>&1 &
	npid=$!
	say "Every second until the locality reaches 0.95 (at most ${FOLLOW_SECS}s): the workload's ground"
	say "truth, then numabctl's view of /demo:"
	watch 5 "$FOLLOW_SECS"
	loc=$(locality)
	kill -TERM "$npid" 2>/dev/null
	wait "$npid"
	nrc=$?
	echo
	say "numabd's log (last lines, exit status $nrc):"
	tail -n 15 /run/numabd.log | sed 's/^/    /'
	if awk -v l="$loc" 'BEGIN { exit !(l >= 0.9) }'; then
		pass numabd_follow "numabd moved the memory to the threads: locality $loc"
	else
		fail numabd_follow "locality still $loc after ${FOLLOW_SECS}s of numabd with Mode=follow"
	fi
else
	skip numabd_follow "numabd is not in this build (\${BUILD}/src/daemon/numabd)"
	say "numabd is not in this build yet. Its follow mode moves a cgroup's memory to the nodes"
	say "where its threads run. Done by hand for now: migratepages $(wl_pid demo) 1 0"
	migratepages "$(wl_pid demo)" 1 0
	watch 3 10
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
