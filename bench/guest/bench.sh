# shellcheck shell=sh
# Workload names and node numbers travel in space-separated lists ($_all, $MANAGED, $_cn), split
# into words on purpose:
# shellcheck disable=SC2086
# numab benchmark, guest side: sourced by the VM scenario "bench" (tests/vm/scenarios/bench.sh)
# that bench/run boots. Runs every system on every scenario, REPS times, in this one VM, and
# prints machine-readable lines on the results channel for bench/run to turn into JSON, plots
# and a report:
#
#   BENCH-INFO key=value ...                     the kernel, topology, tools
#   BENCH-TS sc= sys= rep= t= loc= goal= ...     ground truth every 0.5 s of a run
#   BENCH-RUN sc= sys= rep= key=value ...        one run's results (null = not measured)
#   BENCH-SKIP sc= sys= reason=TEXT...           a system that cannot run here, and why
#   BENCH-PERF sc= sys= rep= TEXT...             perf bench numa output lines (perf-numa)
#   bench: TEXT                                  progress for the person waiting
#
# plus one CHECK per scenario and system (every run finished and every workload's checksum
# held). Environment (kernel command line words from bench/run): BENCH_SCENARIOS,
# BENCH_SYSTEMS (comma lists), BENCH_REPS, BENCH_WINDOW (seconds, overrides each scenario's
# own), BENCH_NUMAD_OPTS (numad's options, comma-separated; default -i,1:5,-H,0).
#
# Systems: none (kernel.numa_balancing=0), autonuma (=1, default scan tunables; =2, memory
# tiering, on the tier scenario), autonuma-tuned (the same, scan every 100 ms..1 s), numad
# (Debian's numad, started here), numab (numabd with a rule for each managed cgroup: the
# scenario's mode, follow unless it says otherwise), numab-unlimited (the same with
# Budget=unlimited). Every run starts from the same state: workloads stopped, cgroups
# removed, caches dropped, memory compacted, kernel.numa_balancing=0 and default scan
# tunables, then the scenario's workloads placed (misplaced on purpose) with balancing off,
# then the system switched on at t=0.

BENCH_DIR=/run/bench
POLL_MS=500
CLK_TCK=100 # USER_HZ on x86
NUMAD_MIN_UPTIME=305
B_SCENARIOS=$(echo "${BENCH_SCENARIOS:-misplaced}" | tr ',' ' ')
B_SYSTEMS=$(echo "${BENCH_SYSTEMS:-none,autonuma,autonuma-tuned,numab,numab-unlimited,numad}" | tr ',' ' ')
B_REPS=${BENCH_REPS:-3}
NUMAD_OPTS=$(echo "${BENCH_NUMAD_OPTS:--i,1:5,-H,0}" | tr "," " ")
mkdir -p "$BENCH_DIR"

# ---------------------------------------------------------------- small helpers

# The polling loop avoids forks (each costs tens of ms in a busy TCG guest): shell builtins
# for time, one awk per poll for the numbers.
# now_ms: milliseconds since boot, from /proc/uptime ("12345.67 ...").
now_ms() {
	read -r _up _ </proc/uptime
	echo $((${_up%.*} * 1000 + 1${_up#*.} * 10 - 1000))
}
# ms_to_s MS: "S.ss".
ms_to_s() { printf '%d.%02d' $(($1 / 1000)) $((($1 % 1000) / 10)); }
# secs_since MS: seconds (2 decimals) since uptime MS.
secs_since() { ms_to_s $(($(now_ms) - $1)); }
sleep_ms() { [ "$1" -gt 0 ] && sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"; }
# status_seq NAME: the seq of the workload's last status line (builtins only).
status_seq() {
	_line=
	read -r _line <"$NW_DIR/$1.status" 2>/dev/null
	_line=${_line%% *}
	echo "${_line#seq=}"
}

# cpu_nodes: the nodes with CPUs; mem_only_nodes: the CPU-less ones.
cpu_nodes() { for _n in $(node_list); do node_has_cpus "$_n" && printf '%s ' "$_n"; done; }
mem_only_nodes() { for _n in $(node_list); do node_has_cpus "$_n" || printf '%s ' "$_n"; done; }
nth() { _i=$1; shift; eval "echo \${$_i}"; }

# proc_cpu_s PID: utime + stime of a process (all its threads) in seconds.
proc_cpu_s() {
	awk -v hz="$CLK_TCK" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / hz }' "/proc/$1/stat" 2>/dev/null
}
# snap FILE: the counters a run compares before and after: /proc/vmstat's migration and NUMA
# balancing counters, every bench cgroup's memory.stat NUMA counters (6.12 and later) and its
# kernel CPU time (cpu.stat system_usec).
snap() {
	{
		awk '$1 ~ /^(pgmigrate_success|pgmigrate_fail|numa_pages_migrated|numa_hint_faults|numa_hint_faults_local|numa_pte_updates|thp_migration_success|thp_migration_split)$/ { print "vm." $1, $2 }' /proc/vmstat
		for _cg in $ALL_CGS; do
			_f=$(cg_path "$_cg")/memory.stat
			[ -f "$_f" ] || continue
			awk -v c="$_cg" '$1 ~ /^(numa_pages_migrated|numa_hint_faults|numa_pte_updates)$/ { print "cg." c "." $1, $2 }' "$_f"
			awk -v c="$_cg" '$1 == "system_usec" { print "cg." c ".system_usec", $2 }' "$(cg_path "$_cg")/cpu.stat"
		done
	} >"$1"
}

# delta BEFORE AFTER KEY: AFTER - BEFORE for KEY, "null" when KEY is absent.
delta() {
	awk -v k="$3" 'FNR == NR { if ($1 == k) b = $2; next } $1 == k { a = $2; found = 1 }
		END { if (found) printf "%d", a - b; else printf "null" }' "$1" "$2"
}

# cgs_system_s BEFORE AFTER: kernel CPU seconds of all the bench cgroups between two snaps.
cgs_system_s() {
	_sum=0
	for _cg in $ALL_CGS; do
		_v=$(delta "$1" "$2" "cg.$_cg.system_usec")
		[ "$_v" = null ] || _sum=$((_sum + _v))
	done
	awk -v u="$_sum" 'BEGIN { printf "%.3f", u / 1e6 }'
}

# ---------------------------------------------------------------- workloads

# start_wl NAME CGROUP OPTIONS...: numabwork in CGROUP (created here), in the background;
# wait_wls waits for all of them. Placement is done with balancing off, so it is exact.
STARTED=
start_wl() {
	_wn=$1
	_wcg=$2
	shift 2
	cg_create "$_wcg" || { echo "bench: cannot create $_wcg"; return 1; }
	STARTED="$STARTED $_wn"
	(WL_READY_TIMEOUT=180 wl_start "$_wn" "$_wcg" "$@" >"$BENCH_DIR/$_wn.start" 2>&1 ||
		echo failed >"$BENCH_DIR/$_wn.startfail") &
}

wait_wls() {
	wait
	_ok=0
	for _w in $STARTED; do
		if [ -f "$BENCH_DIR/$_w.startfail" ]; then
			echo "bench: workload $_w did not start:"
			sed 's/^/  | /' "$BENCH_DIR/$_w.start"
			_ok=1
		fi
	done
	return $_ok
}

# refresh_all NAMES...: ask every workload for a fresh status at once and wait for all (30 s:
# a status reads every page's node, which takes long in an overloaded TCG guest).
refresh_all() {
	for _w in "$@"; do
		eval "_old_$_w=\$(status_seq $_w)"
		read -r _p <"$NW_DIR/$_w.pid"
		kill -USR1 "$_p" 2>/dev/null
	done
	_t=1200
	while [ "$_t" -gt 0 ]; do
		_done=1
		for _w in "$@"; do
			eval "_o=\$_old_$_w"
			[ "$(status_seq "$_w")" -gt "${_o:-0}" ] 2>/dev/null || { _done=0; break; }
		done
		[ "$_done" = 1 ] && return 0
		sleep 0.025
		_t=$((_t - 1))
	done
	echo "bench: no fresh status from $* after 30 s"
	return 1
}

# poll_numbers MANAGED... -- ALL...: one awk over the status files:
#   "WLOC MAXGAP GOAL REACHED MISPLACED [KEY=VALUE...] name.loc=LOC ...":
# the page-weighted locality and the largest gap_recent_ms of the managed workloads, the
# scenario's goal metric (GOAL: locality; even: evenness over the CPU nodes; hot: share of the
# hot part on the CPU nodes), 1 when the goal is met, the managed pages that would have to move
# to meet it, the goal's own numbers (even: even= max_dev= share_node<N>=; hot: hot_fast=
# cold_slow=), then the locality of every workload.
#   even: share_node<N> = pages on CPU node N / pages; max_dev = the largest |share - 1/n| in
#   units of the even share 1/n (met: <= 0.10, every node within 10% of its even share);
#   even = 1 - max|share - 1/n| / (1 - 1/n): 0 when folded onto one node, 1 when exactly even.
#   hot: hot_fast = hot pages on CPU nodes / hot pages (met: >= 0.90); cold_slow = cold pages
#   on CPU-less nodes / cold pages.
poll_numbers() {
	_m=
	while [ "$1" != -- ]; do _m="$_m $1"; shift; done
	shift
	_files=
	for _w in "$@"; do _files="$_files $NW_DIR/$_w.status"; done
	awk -v managed="$_m" -v goal="${GOAL:-locality}" -v fast="$FAST_NODES" -v slow="$SLOW_NODES" '
		BEGIN {
			n = split(managed, m, " "); for (i = 1; i <= n; i++) ism[m[i]] = 1
			nf = split(fast, fa, " "); ns = split(slow, sa, " ")
		}
		{
			name = FILENAME; sub(/^.*\//, "", name); sub(/\.status$/, "", name)
			for (x in v) delete v[x]
			for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			loc[name] = v["locality"]; order[++k] = name
			if (name in ism) {
				pages += v["pages"]; wl += v["pages"] * v["locality"]
				mis += v["pages"] * (1 - v["locality"])
				if (v["gap_recent_ms"] + 0 > gap) gap = v["gap_recent_ms"] + 0
				hot += v["hot_pages"]
				for (i = 1; i <= nf; i++) {
					pf[fa[i]] += v["pages_node" fa[i]]; hf += v["hot_pages_node" fa[i]]
				}
				for (i = 1; i <= ns; i++) {
					ps += v["pages_node" sa[i]]; hs += v["hot_pages_node" sa[i]]
				}
			}
		}
		END {
			l = pages ? wl / pages : 0
			extra = ""
			if (goal == "even") {
				e = nf ? 1 / nf : 1; md = 0; on = 0; over = 0
				for (i = 1; i <= nf; i++) {
					s = pages ? pf[fa[i]] / pages : 0; d = s - e; if (d < 0) d = -d
					if (d > md) md = d
					on += pf[fa[i]]
					if (pf[fa[i]] > pages * e) over += pf[fa[i]] - pages * e
					extra = extra sprintf(" share_node%s=%.4f", fa[i], s)
				}
				g = nf > 1 ? 1 - md / (1 - e) : 1
				met = pages > 0 && md <= e * 0.10
				mis = over + pages - on
				extra = sprintf(" even=%.4f max_dev=%.4f", g, md / e) extra
			} else if (goal == "hot") {
				g = hot ? hf / hot : 0
				met = hot > 0 && g >= 0.90
				mis = hot - hf
				extra = sprintf(" hot_fast=%.4f cold_slow=%.4f", g, pages > hot ? (ps - hs) / (pages - hot) : 0)
			} else {
				g = l
				met = l >= 0.95
			}
			printf "%.4f %s %.4f %d %d%s", l, gap + 0, g, met, mis + 0.5, extra
			for (i = 1; i <= k; i++) printf " %s.loc=%s", order[i], loc[order[i]]
			printf "\n"
		}' $_files
}

# wl_thread_node NAME: the node where most of the workload's threads ran (last status).
wl_thread_node() {
	tr ' ' '\n' <"$NW_DIR/$1.status" | awk -F= '
		$1 ~ /^threads_node/ && $2 > m { m = $2; n = substr($1, 13) } END { print n }'
}

stop_wls() {
	_bad=
	# All at once: each verifies every byte of its memory at exit (seconds under TCG).
	for _w in $STARTED; do
		[ -f "$NW_DIR/$_w.pid" ] && kill -TERM "$(wl_pid "$_w")" 2>/dev/null
	done
	for _w in $STARTED; do
		[ -f "$NW_DIR/$_w.pid" ] || continue
		WL_STOP_TIMEOUT=120 wl_stop "$_w" >/dev/null
		_rc=$?
		_sum=$(wl_checksum "$_w")
		if [ "$_rc" -ne 0 ] || [ "${_sum#CHECKSUM OK}" = "$_sum" ]; then
			_bad="$_bad $_w(exit $_rc: ${_sum:-no CHECKSUM line})"
		fi
	done
	STARTED=
	CHECKSUM_BAD=$_bad
}

# ---------------------------------------------------------------- state between runs

reset_state() {
	for _w in $STARTED; do
		kill -KILL "$(wl_pid "$_w" 2>/dev/null)" 2>/dev/null
	done
	STARTED=
	stop_system
	# The scenario's own choices (sc_NAME may change them): the goal, AutoNUMA's mode and
	# numabd's rule for the managed cgroups.
	GOAL=locality
	AUTONUMA_MODE=1
	NUMAB_MODE=follow
	NUMAB_RULE=
	SETTLE=0
	MOVED_TO=
	cg_destroy /bench
	set_numa_balancing 0
	nb_scan_default 2>/dev/null
	rm -f "$NW_DIR"/* "$BENCH_DIR"/*.start "$BENCH_DIR"/*.startfail
	sync
	echo 3 >/proc/sys/vm/drop_caches
	echo 1 >/proc/sys/vm/compact_memory 2>/dev/null
	sleep 0.5
}

# freeze_bench 1|0: freeze (thaw) every process of the bench cgroups (cgroup.freeze).
# Switching kernel.numa_balancing between 0 and non-zero flips a static key: the kernel patches
# its code with int3 breakpoints, and under TCG another vCPU that runs the patched code (the
# NUMA hinting fault path, the scheduler tick) at that moment can hit a stale int3 and oops
# ("Oops: int3" in task_numa_fault; seen twice in a 20-minute run). With the workloads frozen
# nothing runs those paths while the key flips. Every system gets the same short freeze.
freeze_bench() {
	_f=$CG_ROOT/bench
	[ -f "$_f/cgroup.freeze" ] || return 0
	echo "$1" >"$_f/cgroup.freeze" 2>/dev/null || return 0
	_i=40
	while [ "$_i" -gt 0 ]; do
		grep -q "^frozen $1\$" "$_f/cgroup.events" 2>/dev/null && return 0
		sleep 0.05
		_i=$((_i - 1))
	done
	echo "bench: /bench did not become frozen=$1 within 2 s"
}

# ---------------------------------------------------------------- systems

DAEMON_PID=

# system_skip_reason SYSTEM: why SYSTEM cannot run here (empty: it can).
system_skip_reason() {
	case "$1" in
	none) ;;
	autonuma | autonuma-tuned)
		[ -w /proc/sys/kernel/numa_balancing ] ||
			echo "kernel.numa_balancing is missing (CONFIG_NUMA_BALANCING=$(kconfig NUMA_BALANCING))"
		if [ "$1" = autonuma-tuned ] && [ ! -d "$NB_DEBUGFS" ]; then
			echo "the scan tunables are not in debugfs ($NB_DEBUGFS)"
		fi
		;;
	numad)
		have numad || echo "numad is not in the initramfs (install the Debian package 'numad' on the host)"
		;;
	numab | numab-unlimited)
		have numabd || echo "numabd is not in this build (\${BUILD}/src/daemon/numabd): build numab, then run bench/run again"
		;;
	*) echo "unknown system '$1'" ;;
	esac
}

start_system() {
	DAEMON_PID=
	case "$1" in
	none) set_numa_balancing 0 ;;
	autonuma) nb_scan_default 2>/dev/null; set_numa_balancing "${AUTONUMA_MODE:-1}" ;;
	autonuma-tuned) nb_scan_fast; set_numa_balancing "${AUTONUMA_MODE:-1}" ;;
	numad)
		set_numa_balancing 0
		rm -f /var/run/numad.pid /var/log/numad.log
		# numad forks into the background and writes its PID file.
		numad $NUMAD_OPTS >"$BENCH_DIR/numad.out" 2>&1
		wait_until 10 test -s /var/run/numad.pid
		DAEMON_PID=$(cat /var/run/numad.pid 2>/dev/null)
		;;
	numab | numab-unlimited)
		set_numa_balancing 0
		{
			printf '[Daemon]\nInterval=1s\n'
			[ "$1" = numab ] || printf 'Budget=unlimited\n'
			for _cg in $MANAGED_CGS; do
				printf '\n[Match]\nCgroup=%s\nMode=%s\n' "$_cg" "${NUMAB_MODE:-follow}"
				for _kv in $NUMAB_RULE; do echo "$_kv"; done
			done
		} >"$BENCH_DIR/numab.conf"
		# shellcheck disable=SC2046 # words
		numabd $(numabd_extra_args) --config "$BENCH_DIR/numab.conf" >"$BENCH_DIR/numabd.log" 2>&1 &
		DAEMON_PID=$!
		;;
	esac
}

# stop_system: switch off whatever runs (idempotent); DAEMON_CPU_S is the daemon's CPU time.
stop_system() {
	DAEMON_CPU_S=null
	if [ -n "$DAEMON_PID" ] && [ -d "/proc/$DAEMON_PID" ]; then
		DAEMON_CPU_S=$(proc_cpu_s "$DAEMON_PID")
		kill -TERM "$DAEMON_PID" 2>/dev/null
		wait_until 15 sh -c "! test -d /proc/$DAEMON_PID" || kill -KILL "$DAEMON_PID" 2>/dev/null
	fi
	DAEMON_PID=
	rm -f /var/run/numad.pid
	set_numa_balancing 0 2>/dev/null
	nb_scan_default 2>/dev/null
}

# ---------------------------------------------------------------- scenarios
#
# sc_NAME: create the cgroups and start the workloads (misplaced), set MANAGED (workload
# names whose locality is the goal), UNMANAGED and UNMANAGED_CG (the probe's name and cgroup,
# or empty), MANAGED_CGS and ALL_CGS (cgroup paths), WINDOW (seconds at most), HOLD (seconds to keep measuring after
# 95% locality; -1 = always the whole window), AT_START (a command run at t=0, e.g. to
# release the threads' initial pinning) and SETTLE (seconds the system runs before t=0; 0 =
# it goes on at t=0; with SETTLE, AT_START is the move_threads that misplaces the memory, and
# the start state is derived from where it moved them, see moved_start_state).
# sc_NAME_skip SYSTEM: why SYSTEM makes no sense on this scenario here (empty: it does).

# Sizes: numad only considers processes over 300 MB that use half a CPU or more, so on 2n (two
# 1 GiB nodes) the managed workloads are 320 MiB each; the smaller nodes of 4n and tier hold
# 144 MiB workloads, which numad ignores (so it is skipped there, with that reason).
wl_mib() {
	if [ "$(node_mem_mib 0)" -ge 900 ]; then echo 320; else echo 144; fi
}

numad_size_skip() {
	[ "$1" = numad ] || return 0
	_m=$(wl_mib)
	[ "$_m" -ge 300 ] ||
		echo "the workloads are $_m MiB on this topology (nodes of $(node_mem_mib 0) MiB), under numad's 300 MB threshold: numad would ignore them"
}

# Node roles: C0, C1 = the first two nodes with CPUs; SLOW = a CPU-less node if any; PC, PM =
# the probe's CPU node and memory node.
set_roles() {
	_cn=$(cpu_nodes)
	FAST_NODES=$_cn
	SLOW_NODES=$(mem_only_nodes)
	C0=$(nth 1 $_cn)
	C1=$(nth 2 $_cn)
	# shellcheck disable=SC2046 # words
	SLOW=$(nth 1 $(mem_only_nodes) 2>/dev/null)
	if [ "$(echo $_cn | wc -w)" -ge 3 ]; then
		PC=$(nth 3 $_cn)
		PM=$C0
	else
		PC=$C0
		PM=$C1
	fi
}

# ab_probe_roles WINDOW: the roles of misplaced, sparse, moved and tenants: managed workloads a
# and b (cgroups /bench/a, /bench/b), the unmanaged probe p (/bench/probe), a fixed window of
# WINDOW seconds (BENCH_WINDOW overrides it), nothing run at t=0.
ab_probe_roles() {
	MANAGED="a b"
	UNMANAGED=p
	UNMANAGED_CG=/bench/probe
	MANAGED_CGS="/bench/a /bench/b"
	ALL_CGS="/bench/a /bench/b /bench/probe"
	WINDOW=${BENCH_WINDOW:-$1}
	HOLD=-1
	AT_START=
}

# misplaced (issue 5): two managed cgroups whose memory sits on the wrong node (a: threads on
# C0, memory on C1, or on the CPU-less node on tier; b: threads on C1, memory on C0) and one
# unmanaged cgroup running a latency probe, also misplaced: nobody is asked to fix it.
# misplaced_workloads [ARGS...]: that setup, ARGS added to the managed workloads' options.
misplaced_workloads() {
	_mib=$(wl_mib)
	_am=$C1
	[ -n "$SLOW" ] && _am=$SLOW
	ab_probe_roles 12
	start_wl a /bench/a --mib "$_mib" --threads 1 --cpu-node "$C0" --mem-node "$_am" "$@"
	start_wl b /bench/b --mib "$_mib" --threads 1 --cpu-node "$C1" --mem-node "$C0" "$@"
	start_wl p /bench/probe --mib 64 --threads 1 --cpu-node "$PC" --mem-node "$PM" --probe
	wait_wls
}
sc_misplaced() { misplaced_workloads; }
sc_misplaced_skip() { numad_size_skip "$1"; }

# sparse: misplaced's shape, but the managed workloads touch their memory at a moderate rate
# (a chunk of 64 pages every 5 ms, 50 MiB/s: a sweep of 320 MiB takes about 6 s) instead of
# as fast as they can. AutoNUMA can migrate a page only when it is touched; numab's move
# threads find the CPU free (in misplaced, the busy workloads' vCPUs hold both host cores).
sc_sparse() { misplaced_workloads --probe --period-us 5000; }
sc_sparse_skip() { numad_size_skip "$1"; }

# moved: the systems run first, at steady state, for SETTLE seconds with every workload's
# memory local (a: thread and memory on C0; b: on C1; the unmanaged probe: on PC), then at t=0
# an operator moves the managed workloads' threads to the other node (a to C1, b to C0), as a
# re-pinning or a cpuset change would: their memory is misplaced while every system is already
# running. Local faults may have lengthened AutoNUMA's scan period by then (in 10 s not
# enough to cost it its lead, measured); numabd sees the move in its next CPU windows.
MOVED_SETTLE=10
sc_moved() {
	_mib=$(wl_mib)
	ab_probe_roles 20
	SETTLE=$MOVED_SETTLE
	AT_START="move_threads a $C1 b $C0"
	start_wl a /bench/a --mib "$_mib" --threads 1 --cpu-node "$C0" --mem-node "$C0"
	start_wl b /bench/b --mib "$_mib" --threads 1 --cpu-node "$C1" --mem-node "$C1"
	start_wl p /bench/probe --mib 64 --threads 1 --cpu-node "$PC" --mem-node "$PC" --probe
	wait_wls
}
sc_moved_skip() {
	[ -n "$C1" ] || { echo "one CPU node: nowhere to move the threads to"; return 0; }
	numad_size_skip "$1"
}

# tenants (issue 7): a latency-sensitive unmanaged tenant whose memory is already local,
# beside two managed batch cgroups with misplaced memory; a fixed window, so that the probe's
# percentiles cover the same time under every system.
sc_tenants() {
	_mib=$(wl_mib)
	ab_probe_roles 12
	start_wl a /bench/a --mib "$_mib" --threads 1 --cpu-node "$C0" --mem-node "$C1"
	start_wl b /bench/b --mib "$_mib" --threads 1 --cpu-node "$C1" --mem-node "$C0"
	start_wl p /bench/probe --mib 128 --threads 1 --cpu-node "$PC" --mem-node "$PC" --probe --period-us 5000
	wait_wls
}
sc_tenants_skip() { numad_size_skip "$1"; }

# private (numa02's shape): one process, one thread per CPU, each thread with its own slice of
# the memory; all the memory starts on C1 and all threads start pinned to C0, then at t=0 the
# threads are let loose on every CPU (the scheduler spreads them; the slices of the threads
# that land on C0 are remote).
sc_private() {
	_mib=$(( $(wl_mib) + 64 ))
	_nt=$(nproc)
	MANAGED=w
	UNMANAGED=
	UNMANAGED_CG=
	MANAGED_CGS=/bench/w
	ALL_CGS=/bench/w
	WINDOW=${BENCH_WINDOW:-12}
	HOLD=2
	AT_START="release w"
	start_wl w /bench/w --mib "$_mib" --threads "$_nt" --cpu-node "$C0" --mem-node "$C1" --pattern seq,private
	wait_wls
}
sc_private_skip() { numad_size_skip "$1"; }

# shared (numa01's shape): two processes whose threads all share one large array each;
# process x starts with threads on C0 and memory on C1, y the other way round; at t=0 the
# threads may run anywhere. The best placement is each process on one node; the kernel has
# to move whole groups of threads or all of their memory.
sc_shared() {
	_mib=$(wl_mib)
	MANAGED="x y"
	UNMANAGED=
	UNMANAGED_CG=
	MANAGED_CGS="/bench/x /bench/y"
	ALL_CGS="/bench/x /bench/y"
	WINDOW=${BENCH_WINDOW:-12}
	HOLD=2
	AT_START="release x y"
	start_wl x /bench/x --mib "$_mib" --threads 2 --cpu-node "$C0" --mem-node "$C1" --pattern seq,shared
	start_wl y /bench/y --mib "$_mib" --threads 2 --cpu-node "$C1" --mem-node "$C0" --pattern seq,shared
	wait_wls
}
sc_shared_skip() { numad_size_skip "$1"; }

# perf-numa (issue 7): perf bench numa mem, 2 processes x 2 threads with their own memory,
# all of it first touched on CPU 0 (-0, the forced bad start), threads unbound; perf reports
# when every process runs on one node (-m) and its GB/s. Its processes are under numad's 300 MB
# (node 0 cannot hold two 300 MB processes besides the kernel and initramfs).
PERF_ARGS=${BENCH_PERF_ARGS:-"-p,2,-t,2,-G,0,-P,192,-0,-m,-s,10,--no-data_rand_walk"}
sc_perf_numa_skip() {
	case "$1" in
	numad) echo "perf's processes are 192 MB each (two must fit on node 0 for the forced start), under numad's 300 MB threshold: numad would ignore them" ;;
	esac
	have perf || echo "perf is not in the initramfs (bench/run adds Debian's linux-perf for perf-numa)"
}

run_perf_one() {
	_sc=$1
	_sys=$2
	_rep=$3
	reset_state
	MANAGED_CGS=/bench/perf
	ALL_CGS=/bench/perf
	cg_create /bench/perf
	snap "$BENCH_DIR/before"
	start_system "$_sys"
	_t0=$(now_ms)
	# shellcheck disable=SC2046
	cg_exec /bench/perf perf bench numa mem $(echo "$PERF_ARGS" | tr ',' ' ') >"$BENCH_DIR/perf.out" 2>&1
	_prc=$?
	_dur=$(secs_since "$_t0")
	stop_system
	_dcpu=$DAEMON_CPU_S
	snap "$BENCH_DIR/after"
	sed -e "s/^/BENCH-PERF sc=$_sc sys=$_sys rep=$_rep /" "$BENCH_DIR/perf.out" | grep -v '^BENCH-PERF [^ ]* [^ ]* [^ ]* *$'
	_b=$BENCH_DIR/before
	_a=$BENCH_DIR/after
	_ok=1
	[ "$_prc" = 0 ] || { _ok=0; RUN_FAILED="$RUN_FAILED $_sc/$_sys/$_rep:perf-exit-$_prc"; }
	_psecs=$(echo ",$PERF_ARGS," | sed -n 's/.*,-s,\([0-9.]*\),.*/\1/p')
	echo "BENCH-RUN sc=$_sc sys=$_sys rep=$_rep ok=$_ok duration_s=$_dur perf_exit=$_prc perf_secs=${_psecs:-null}" \
		"pages_moved=$(delta "$_b" "$_a" vm.pgmigrate_success) numa_pages_migrated=$(delta "$_b" "$_a" vm.numa_pages_migrated)" \
		"hint_faults=$(delta "$_b" "$_a" vm.numa_hint_faults) hint_faults_local=$(delta "$_b" "$_a" vm.numa_hint_faults_local)" \
		"pte_updates=$(delta "$_b" "$_a" vm.numa_pte_updates) daemon_cpu_s=$_dcpu" \
		"workload_stime_s=$(cgs_system_s "$_b" "$_a")"
	_conv=$(sed -n 's/^ *main, *\([0-9.]*\), *secs, *NUMA-convergence-latency.*/\1/p' "$BENCH_DIR/perf.out" | head -n 1)
	_gbs=$(sed -n 's/^ *main, *\([0-9.]*\), *GB\/sec, *total-speed.*/\1/p' "$BENCH_DIR/perf.out" | head -n 1)
	echo "bench: $_sc $_sys rep $_rep: perf exit $_prc, converged after ${_conv:-?}s, ${_gbs:-?} GB/s total (run ${_dur}s)"
	cg_destroy /bench/perf
	[ "$_ok" = 1 ]
}

# interleave (issue 8): one managed process whose memory is folded onto C0 while its threads,
# one per CPU, share all of it from every CPU node (the bandwidth-bound shape interleaving is
# for). The goal is an even spread over the CPU nodes (numab: Mode=interleave); AutoNUMA and
# numad have no such goal, so what they do here is what they do to a shared array.
sc_interleave() {
	_mib=$(wl_mib)
	GOAL=even
	NUMAB_MODE=interleave
	MANAGED=i
	UNMANAGED=
	UNMANAGED_CG=
	MANAGED_CGS=/bench/i
	ALL_CGS=/bench/i
	WINDOW=${BENCH_WINDOW:-20}
	HOLD=3
	AT_START=
	start_wl i /bench/i --mib "$_mib" --threads "$(nproc)" --mem-node "$C0" --pattern seq,shared
	wait_wls
}
sc_interleave_skip() {
	[ -n "$C1" ] || { echo "one CPU node: nothing to spread over"; return 0; }
	numad_size_skip "$1"
}

# tier (issue 8): on a topology with a CPU-less (slow-tier) node, one managed process with
# all of its memory there and its thread on C0; only the first third of it (the hot part)
# is touched after placement, the rest stays cold. The goal is the hot part on the fast (CPU)
# nodes while the cold part stays on the slow node. AutoNUMA runs in its memory tiering mode
# (kernel.numa_balancing=2: promotion of pages whose hint fault came within
# hot_threshold_ms, 1 s by default); numab runs Mode=tier with HotThreshold=1s (DAMON).
TIER_HOT_THRESHOLD=1s
DAMON_STAT=/sys/module/damon_stat/parameters/enabled
sc_tier() {
	_mib=$(wl_mib)
	GOAL=hot
	AUTONUMA_MODE=2
	NUMAB_MODE=tier
	NUMAB_RULE="HotThreshold=$TIER_HOT_THRESHOLD"
	MANAGED=t
	UNMANAGED=
	UNMANAGED_CG=
	MANAGED_CGS=/bench/t
	ALL_CGS=/bench/t
	WINDOW=${BENCH_WINDOW:-30}
	HOLD=-1
	AT_START=
	# Debian's 7.x kernels run DAMON_STAT from boot, which holds DAMON exclusively (numabd's
	# tier mode then reports itself unavailable): off for every system of this scenario alike.
	if [ "$(cat "$DAMON_STAT" 2>/dev/null)" = Y ]; then
		echo N >"$DAMON_STAT" && echo "bench: DAMON_STAT switched off (it holds DAMON exclusively)"
	fi
	start_wl t /bench/t --mib "$_mib" --threads 1 --cpu-node "$C0" --mem-node "$SLOW" \
		--hot-mib $((_mib / 3))
	wait_wls
}
sc_tier_skip() {
	if [ -z "$SLOW" ]; then
		echo "the tier scenario needs a CPU-less (slow-tier) node: run it with --topology tier (this topology is ${NUMAB_SHAPE:-?})"
		return 0
	fi
	case "$1" in
	autonuma | autonuma-tuned)
		[ "$(memory_tiers | wc -l)" -ge 2 ] ||
			echo "the kernel shows $(memory_tiers | wc -l) memory tier(s): AutoNUMA's tiering mode (numa_balancing=2) has no lower tier to promote from"
		;;
	numab | numab-unlimited)
		[ -d /sys/kernel/mm/damon/admin ] ||
			echo "tier unavailable: this kernel has no DAMON (/sys/kernel/mm/damon/admin; CONFIG_DAMON_SYSFS=$(kconfig DAMON_SYSFS)), which numabd's tier mode needs for access heat"
		;;
	esac
	numad_size_skip "$1"
}

# release NAMES...: let the workloads' threads run on every CPU.
release() {
	for _w in "$@"; do
		taskset -a -p -c "0-$(($(nproc) - 1))" "$(wl_pid "$_w")" >/dev/null 2>&1 ||
			echo "bench: cannot release the threads of $_w"
	done
}

# move_threads NAME NODE [NAME NODE]...: pin every thread of each workload to NODE's CPUs;
# MOVED_TO lists NAME:NODE.
move_threads() {
	MOVED_TO=
	while [ $# -ge 2 ]; do
		MOVED_TO="$MOVED_TO $1:$2"
		taskset -a -p -c "$(node_cpulist "$2")" "$(wl_pid "$1")" >/dev/null 2>&1 ||
			echo "bench: cannot move the threads of $1 to node $2"
		shift 2
	done
}

# ---------------------------------------------------------------- one run

# start_state: read the start state of run_one's workloads ($_all): locality (_loc0), the goal
# metric (_goal0 and its details, _extra0), the pages that would have to move to meet it
# (_mis_pages, "misplaced"), the managed pages and thread nodes, and the unmanaged probe's.
start_state() {
	refresh_all $_all
	# shellcheck disable=SC2046
	set -- $(poll_numbers $MANAGED -- $_all)
	_loc0=$1
	_goal0=$3
	_mis_pages=$5
	shift 5
	_extra0=
	for _kv in "$@"; do
		case "$_kv" in *.loc=*) ;; *) _extra0="$_extra0 $_kv" ;; esac
	done
	_mpages=0
	_tn0=
	for _w in $MANAGED; do
		_mpages=$((_mpages + $(wl_field "$_w" pages)))
		_tn0="$_tn0 $_w:$(wl_thread_node "$_w")"
	done
	if [ -n "$UNMANAGED" ]; then
		_pnode=$(wl_top_node "$UNMANAGED")
		_p0=$(wl_field "$UNMANAGED" "pages_node$_pnode")
		_ptn0=$(wl_thread_node "$UNMANAGED")
	fi
}

# moved_start_state: the start state that move_threads made of start_state's: each workload in
# MOVED_TO runs on its new node now, so its pages elsewhere (as read before the move) are
# misplaced. Sets _loc0, _goal0, _extra0, _mis_pages and _tn0 again.
moved_start_state() {
	_mis_pages=0
	_tn0=
	for _mv in $MOVED_TO; do
		_w=${_mv%:*}
		_n=${_mv#*:}
		_mis_pages=$((_mis_pages + $(wl_field "$_w" pages) - $(wl_field "$_w" "pages_node$_n")))
		_tn0="$_tn0 $_w:$_n"
	done
	_loc0=$(awk -v m="$_mis_pages" -v p="$_mpages" 'BEGIN { printf "%.4f", p ? 1 - m / p : 0 }')
	_goal0=$_loc0
	_extra0=
}

# run_one SCENARIO SYSTEM REP: set up, switch the system on, follow the ground truth, report.
run_one() {
	_sc=$1
	_sys=$2
	_rep=$3
	reset_state
	_t_setup=$(now_ms)
	if ! "sc_$_sc"; then
		echo "BENCH-RUN sc=$_sc sys=$_sys rep=$_rep ok=0 error=setup"
		RUN_FAILED="$RUN_FAILED $_sc/$_sys/$_rep:setup"
		reset_state
		return 1
	fi
	_setup_s=$(secs_since "$_t_setup")
	_all="$MANAGED $UNMANAGED"
	if [ "$SETTLE" -gt 0 ]; then
		# The system runs first (the workloads' memory is local), then at t = 0 the event
		# (AT_START) misplaces it. Where the pages are is read just before the event (a read
		# after it would race with the systems, which are already running).
		freeze_bench 1
		start_system "$_sys"
		freeze_bench 0
		sleep "$SETTLE"
		start_state
		snap "$BENCH_DIR/before"
		$AT_START
		_t0=$(now_ms)
		moved_start_state
	else
		# The start state is read with balancing off (nothing moved yet); t = 0: the system
		# goes on (with the workloads frozen, see freeze_bench).
		start_state
		snap "$BENCH_DIR/before"
		freeze_bench 1
		start_system "$_sys"
		freeze_bench 0
		_t0=$(now_ms)
		[ -z "$AT_START" ] || $AT_START
	fi
	# The measured window starts here: max gap and probe statistics from zero (SIGUSR2), and a
	# status read that restarts gap_recent_ms.
	for _w in $_all; do kill -USR2 "$(wl_pid "$_w")"; done
	refresh_all $_all >/dev/null
	echo "BENCH-TS sc=$_sc sys=$_sys rep=$_rep t=0.00 loc=$_loc0 goal=$_goal0$_extra0"
	_ttc=null
	_tgoal=null
	_tgoal_ms=
	_last_goal=$_goal0
	_last_extra=$_extra0
	_maxgap=0
	_maxgap_t=0
	_next=$((_t0 + POLL_MS))
	_last_loc=$_loc0
	_ttc_ms=
	while :; do
		sleep_ms $((_next - $(now_ms)))
		_next=$((_next + POLL_MS))
		refresh_all $_all || break
		_el=$(($(now_ms) - _t0))
		_t=$(ms_to_s "$_el")
		# shellcheck disable=SC2046 # words
		set -- $(poll_numbers $MANAGED -- $_all)
		_loc=$1
		_g=$2
		_last_goal=$3
		_met=$4
		shift 5
		_last_loc=$_loc
		_last_extra=
		for _kv in "$@"; do
			case "$_kv" in *.loc=*) ;; *) _last_extra="$_last_extra $_kv" ;; esac
		done
		# gap_recent_ms is "123.4": compare in tenths.
		_gt=$(( ${_g%.*} * 10 + ${_g#*.} ))
		[ "$_gt" -le "$_maxgap_t" ] || { _maxgap_t=$_gt; _maxgap=$_g; }
		echo "BENCH-TS sc=$_sc sys=$_sys rep=$_rep t=$_t loc=$_loc goal=$_last_goal $*"
		# The locality is "0.dddd" or "1.0000": compare its digits with 9500 (no leading
		# zeros: the shell would read them as octal).
		_l4=${_loc#*.}
		[ "${_loc%.*}" = 0 ] || _l4=10000
		while [ "${_l4#0}" != "$_l4" ]; do _l4=${_l4#0}; done
		if [ -z "$_ttc_ms" ] && [ "${_l4:-0}" -ge 9500 ]; then
			_ttc_ms=$_el
			_ttc=$_t
		fi
		# The goal: locality as above; the scenario's own metric otherwise (awk's verdict).
		if [ "$GOAL" = locality ]; then
			_tgoal_ms=$_ttc_ms
			_tgoal=$_ttc
		elif [ -z "$_tgoal_ms" ] && [ "$_met" = 1 ]; then
			_tgoal_ms=$_el
			_tgoal=$_t
		fi
		if [ "$HOLD" -ge 0 ] && [ -n "$_tgoal_ms" ] && [ "$_el" -ge $((_tgoal_ms + HOLD * 1000)) ]; then
			break
		fi
		[ "$_el" -ge $((WINDOW * 1000)) ] && break
	done
	_dur=$(secs_since "$_t0")
	_dpid=$DAEMON_PID
	_numabstats=
	if [ "${_sys%-unlimited}" = numab ] && have numabctl; then
		_numabstats=$(numabctl stats -j 2>/dev/null | jsonpick '' 2>/dev/null)
	fi
	freeze_bench 1
	stop_system
	freeze_bench 0
	_dcpu=$DAEMON_CPU_S
	snap "$BENCH_DIR/after"

	# Managed: where the threads are now (numad re-pins them).
	_tmoved=0
	for _w in $MANAGED; do
		case " $_tn0 " in *" $_w:$(wl_thread_node "$_w") "*) ;; *) _tmoved=$((_tmoved + 1)) ;; esac
	done
	_pr="probe_p50_us=null probe_p99_us=null probe_max_us=null probe_samples=null unmanaged_pages_moved=null unmanaged_threads_moved=null"
	_ucg=null
	if [ -n "$UNMANAGED" ]; then
		_p1=$(wl_field "$UNMANAGED" "pages_node$_pnode")
		_um=$((_p0 - _p1))
		[ "$_um" -ge 0 ] || _um=0
		_ptm=0
		[ "$(wl_thread_node "$UNMANAGED")" = "$_ptn0" ] || _ptm=1
		_pr="probe_p50_us=$(wl_field "$UNMANAGED" probe_p50_us) probe_p99_us=$(wl_field "$UNMANAGED" probe_p99_us) probe_max_us=$(wl_field "$UNMANAGED" probe_max_us) probe_samples=$(wl_field "$UNMANAGED" probe_samples) unmanaged_pages_moved=$_um unmanaged_threads_moved=$_ptm"
		_ucg=$UNMANAGED_CG
	fi
	_b=$BENCH_DIR/before
	_a=$BENCH_DIR/after
	_moved=$(delta "$_b" "$_a" vm.pgmigrate_success)
	_ratio=$(awk -v m="$_moved" -v p="$_mis_pages" 'BEGIN { if (p > 0) printf "%.3f", m / p; else print "null" }')
	_mgd_npm=0
	for _cg in $MANAGED_CGS; do
		_v=$(delta "$_b" "$_a" "cg.$_cg.numa_pages_migrated")
		if [ "$_v" = null ]; then _mgd_npm=null; break; fi
		_mgd_npm=$((_mgd_npm + _v))
	done
	_uhf=null
	_unpm=null
	_upte=null
	if [ "$_ucg" != null ]; then
		_uhf=$(delta "$_b" "$_a" "cg.$_ucg.numa_hint_faults")
		_unpm=$(delta "$_b" "$_a" "cg.$_ucg.numa_pages_migrated")
		_upte=$(delta "$_b" "$_a" "cg.$_ucg.numa_pte_updates")
	fi
	_numad_moves=null
	_numad_max_s=null
	if [ "$_sys" = numad ] && [ -f /var/log/numad.log ]; then
		_numad_moves=$(grep -c ' moved to node' /var/log/numad.log)
		_numad_max_s=$(sed -n 's/.* moved to node.* in \([0-9.]*\) seconds.*/\1/p' /var/log/numad.log |
			awk 'BEGIN { m = "null" } { if (m == "null" || $1 > m) m = $1 } END { print m }')
		sed "s/^/  numad.log | /" /var/log/numad.log | tail -n "${BENCH_NUMAD_LOG_LINES:-12}"
	fi
	if [ "${_sys%-unlimited}" = numab ]; then
		_nl=8
		[ -z "${NUMABD_ARGS:-}" ] || _nl=400
		grep -v libbpf "$BENCH_DIR/numabd.log" | sed 's/^/  numabd.log | /' | tail -n "$_nl"
	fi
	stop_wls
	_ok=1
	[ -z "$CHECKSUM_BAD" ] || { _ok=0; RUN_FAILED="$RUN_FAILED $_sc/$_sys/$_rep:checksum$CHECKSUM_BAD"; }
	# The goal's own numbers at t=0 and at the last poll (start_even=, final_share_node0=, ...).
	_goalkv="goal=$GOAL start_goal=$_goal0 final_goal=$_last_goal time_to_goal_s=$_tgoal"
	for _kv in $_extra0; do _goalkv="$_goalkv start_$_kv"; done
	for _kv in $_last_extra; do _goalkv="$_goalkv final_$_kv"; done
	_note=
	[ "$_sys" != autonuma ] && [ "$_sys" != autonuma-tuned ] || _note="numa_balancing=$AUTONUMA_MODE"
	[ "${_sys%-unlimited}" != numab ] || _note="Mode=$NUMAB_MODE${NUMAB_RULE:+,$NUMAB_RULE}"
	[ "$_sys" != numab-unlimited ] || _note="$_note,Budget=unlimited"
	echo "BENCH-RUN sc=$_sc sys=$_sys rep=$_rep ok=$_ok setup_s=$_setup_s duration_s=$_dur" \
		"start_locality=$_loc0 final_locality=$_last_loc time_to_95_s=$_ttc $_goalkv" \
		"system_setting=${_note:-null}" \
		"managed_pages=$_mpages misplaced_pages=$_mis_pages pages_moved=$_moved moved_over_misplaced=$_ratio" \
		"numa_pages_migrated=$(delta "$_b" "$_a" vm.numa_pages_migrated) hint_faults=$(delta "$_b" "$_a" vm.numa_hint_faults)" \
		"hint_faults_local=$(delta "$_b" "$_a" vm.numa_hint_faults_local) pte_updates=$(delta "$_b" "$_a" vm.numa_pte_updates)" \
		"pgmigrate_fail=$(delta "$_b" "$_a" vm.pgmigrate_fail) thp_migration_split=$(delta "$_b" "$_a" vm.thp_migration_split)" \
		"managed_numa_pages_migrated=$_mgd_npm managed_threads_moved=$_tmoved" \
		"unmanaged_hint_faults=$_uhf unmanaged_numa_pages_migrated=$_unpm unmanaged_pte_updates=$_upte $_pr" \
		"max_block_ms=$_maxgap daemon_cpu_s=$_dcpu workload_stime_s=$(cgs_system_s "$BENCH_DIR/before" "$BENCH_DIR/after")" \
		"numad_moves=$_numad_moves numad_max_move_s=$_numad_max_s"
	[ -z "$_numabstats" ] || echo "BENCH-NUMABSTATS sc=$_sc sys=$_sys rep=$_rep $_numabstats"
	case "$GOAL" in
	locality)
		_t95="95% after ${_ttc}s"
		[ "$_ttc" != null ] || _t95="95% not reached"
		echo "bench: $_sc $_sys rep $_rep: locality $_loc0 -> $_last_loc, $_t95, moved $_moved pages for $_mis_pages misplaced, max stall ${_maxgap} ms, daemon CPU $_dcpu s (run ${_dur}s, setup ${_setup_s}s)"
		;;
	*)
		_tg="goal after ${_tgoal}s"
		[ "$_tgoal" != null ] || _tg="goal not reached"
		echo "bench: $_sc $_sys rep $_rep: $GOAL $_goal0 -> $_last_goal (${_last_extra# }), $_tg, moved $_moved pages for $_mis_pages to move, max stall ${_maxgap} ms, daemon CPU $_dcpu s, checksum ${CHECKSUM_BAD:-OK} (run ${_dur}s, setup ${_setup_s}s)"
		;;
	esac
	[ "$_ok" = 1 ]
}

# ---------------------------------------------------------------- main

bench_one() {
	case "$1" in
	perf-numa) run_perf_one "$@" ;;
	*) run_one "$@" ;;
	esac
}

bench_main() {
	set_roles
	RUN_FAILED=
	echo "BENCH-INFO uname=$(uname -r) line=${NUMAB_LINE:-?} shape=${NUMAB_SHAPE:-?} pkg=${NUMAB_KPKG:-?} nodes=$(nodes_online) cpus=$(nproc) cpu_nodes=$(cpu_nodes | tr ' ' ',' | sed 's/,$//') mem_only_nodes=$(mem_only_nodes | tr ' ' ',' | sed 's/,$//') reps=$B_REPS poll_ms=$POLL_MS numad_opts=$(echo "$NUMAD_OPTS" | tr ' ' '_') numad=$(have numad && echo yes || echo no) numabd=$(have numabd && echo yes || echo no) memcg_numa_counters=$(grep -q '^numa_hint_faults ' /sys/fs/cgroup/memory.stat 2>/dev/null && echo yes || echo no)"
	for _m in $(node_list); do
		echo "BENCH-INFO node=$_m cpus=$(node_cpulist "$_m") mem_mib=$(node_mem_mib "$_m")"
	done
	for sc in $B_SCENARIOS; do
		_fn=$(echo "$sc" | tr '-' '_')
		if ! type "sc_${_fn}_skip" >/dev/null 2>&1; then
			fail "$sc" "unknown benchmark scenario '$sc'"
			continue
		fi
		_runs=
		for sys in $B_SYSTEMS; do
			_why=$(system_skip_reason "$sys")
			[ -n "$_why" ] || _why=$("sc_${_fn}_skip" "$sys")
			if [ -n "$_why" ]; then
				echo "BENCH-SKIP sc=$sc sys=$sys reason=$_why"
				skip "$sc.$sys" "$_why"
				continue
			fi
			_runs="$_runs $sys"
		done
		if [ -z "$_runs" ]; then
			echo "bench: scenario $sc: no system runs here (see the skip reasons)"
			continue
		fi
		echo "bench: scenario $sc: systems$_runs, $B_REPS repetitions"
		# numad evaluates a process only 300 s after its "bind time", which starts at 0 =
		# boot (its timestamps count from boot): in the first 5 minutes of uptime it never
		# acts. Its runs wait at the end of the scenario until the VM is old enough.
		_deferred=
		rep=1
		while [ "$rep" -le "$B_REPS" ]; do
			for sys in $_runs; do
				if [ "$sys" = numad ] && [ "$(uptime_ms)" -lt $((NUMAD_MIN_UPTIME * 1000)) ]; then
					_deferred="$_deferred $rep"
					continue
				fi
				bench_one "$sc" "$sys" "$rep"
			done
			rep=$((rep + 1))
		done
		if [ -n "$_deferred" ]; then
			_w=$((NUMAD_MIN_UPTIME - $(uptime_ms) / 1000))
			if [ "$_w" -gt 0 ]; then
				echo "bench: waiting ${_w}s before the numad runs: numad does not act on any process in the first 300 s after boot"
				sleep "$_w"
			fi
			for rep in $_deferred; do
				bench_one "$sc" numad "$rep"
			done
		fi
		for sys in $_runs; do
			case "$RUN_FAILED" in
			*" $sc/$sys/"*) fail "$sc.$sys" "failed runs:$(echo "$RUN_FAILED" | tr ' ' '\n' | grep "^$sc/$sys/" | tr '\n' ' ')" ;;
			*) pass "$sc.$sys" "$B_REPS runs, every workload checksum OK" ;;
			esac
		done
	done
	reset_state
}
