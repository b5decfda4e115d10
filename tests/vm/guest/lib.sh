# shellcheck shell=sh
# numab VM bench: the guest library, sourced by every scenario (busybox sh):
#
#	. /usr/lib/numab-vm/lib.sh
#
# Results: one line per check on stdout (the init sends it to ttyS1):
#	CHECK <scenario>.<name>: PASS|FAIL|SKIP <detail>
# Any other line is the scenario's own output; keep it readable, it is shown on failure.
#
# Environment from the host (kernel command line): NUMAB_SCENARIO, NUMAB_LINE (6.1, 6.12, sid
# or custom), NUMAB_SHAPE (2n, 4n, tier), NUMAB_KVER and NUMAB_KPKG (the kernel release and
# package version the host booted), NUMAB_NODES ("0:0-1:1024,1:2-3:1024": node:cpulist:MiB,
# empty cpulist for a CPU-less node), NUMAB_DIST ("10,20/20,10": distance matrix rows),
# NUMAB_TIERS (memory tiers the kernel should show).

SCEN=${NUMAB_SCENARIO:-unknown}
CG_ROOT=/sys/fs/cgroup
NW_DIR=/run/numabwork
NB_DEBUGFS=/sys/kernel/debug/sched/numa_balancing
_fails=0
_checks=0

# ---------------------------------------------------------------- checks

# check NAME PASS|FAIL|SKIP DETAIL...
check() {
	_n=$1
	_s=$2
	shift 2
	echo "CHECK $SCEN.$_n: $_s $*"
	[ -z "${NUMAB_CHECKS:-}" ] || echo "$_s $_n" >>"$NUMAB_CHECKS"
	_checks=$((_checks + 1))
	[ "$_s" = FAIL ] && _fails=$((_fails + 1))
	return 0
}

pass() { _n=$1; shift; check "$_n" PASS "$@"; }
fail() { _n=$1; shift; check "$_n" FAIL "$@"; }
skip() { _n=$1; shift; check "$_n" SKIP "$@"; }

# check_cmd NAME DETAIL COMMAND...: PASS when COMMAND succeeds (its output is shown on failure).
check_cmd() {
	_n=$1
	_d=$2
	shift 2
	if _out=$("$@" 2>&1); then
		pass "$_n" "$_d"
	else
		fail "$_n" "$_d: '$*' failed: $(echo "$_out" | tail -n 3 | tr '\n' ' ')"
	fi
}

# expect_eq NAME GOT WANT [DETAIL]
expect_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1" "${4:+$4 }$2"
	else
		fail "$1" "${4:+$4 }got '$2', want '$3'"
	fi
}

# expect_ge NAME GOT MIN [DETAIL] (integers)
expect_ge() {
	if [ "${2:-0}" -ge "$3" ] 2>/dev/null; then
		pass "$1" "${4:+$4 }$2 >= $3"
	else
		fail "$1" "${4:+$4 }got '$2', want >= $3"
	fi
}

# expect_le NAME GOT MAX [DETAIL] (integers)
expect_le() {
	if [ "${2:-0}" -le "$3" ] 2>/dev/null; then
		pass "$1" "${4:+$4 }$2 <= $3"
	else
		fail "$1" "${4:+$4 }got '$2', want <= $3"
	fi
}

# say TEXT: a line of scenario output.
say() {
	echo "$*"
}

# finish: end a scenario; the exit status is 1 when a check failed. Call it last.
finish() {
	[ "$_fails" -eq 0 ]
	exit $?
}

# wait_until SECONDS COMMAND...: poll COMMAND every 0.2 s until it succeeds or time runs out.
wait_until() {
	_t=$(($1 * 5))
	shift
	while [ "$_t" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
		_t=$((_t - 1))
	done
	return 1
}

# wait_secs SECS CMD...: like wait_until, polling every 0.5 s with CMD's output discarded.
wait_secs() {
	_end=$(( $(uptime_ms) + $1 * 1000 ))
	shift
	while [ "$(uptime_ms)" -lt "$_end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}

# numab_conf [TEXT]: /etc/numab/numab.conf for a scenario: [Daemon] with a 1 s interval and
# no budget, then TEXT (e.g. [Match] sections); creates numab.conf.d and /var/lib/numab.
numab_conf() {
	mkdir -p /etc/numab/numab.conf.d /var/lib/numab
	printf '[Daemon]\nInterval=1s\nBudget=unlimited\n%s\n' "${1:-}" >/etc/numab/numab.conf
}

# status_of CGROUP PATH: a value of the cgroup's object in `numabctl -j status CGROUP`.
status_of() { numabctl -j status "$1" 2>/dev/null | jsonpick "cgroups[0].$2" 2>/dev/null; }
# runtime CGROUP KEY: a value of its runtime object (what numabd reports about it).
runtime() { status_of "$1" "runtime.$2"; }

# le64 N...: little-endian hex bytes of 64-bit numbers, for bpftool map updates.
le64() {
	for _n in "$@"; do
		_h=$(printf '%016x' "$_n")
		_i=16
		while [ $_i -gt 0 ]; do
			printf '%s ' "$(echo "$_h" | cut -c$((_i - 1))-$_i)"
			_i=$((_i - 2))
		done
	done
}

# numabd_extra_args: the words of NUMABD_ARGS (from the kernel command line, e.g.
# tests/vm/run --append NUMABD_ARGS=-v, or bench/run's environment), commas between words.
numabd_extra_args() { echo "${NUMABD_ARGS:-}" | tr ',' ' '; }

# start_numabd [ARGS...]: numabd in the background (its log appended to /run/numabd.log), its
# pid in NPID; returns once it answers on its control socket (10 s at most). NUMABD_ARGS are
# added to every start.
NPID=
start_numabd() {
	# shellcheck disable=SC2046 # words
	numabd $(numabd_extra_args) "$@" >>/run/numabd.log 2>&1 &
	NPID=$!
	wait_until 10 numabctl reload
}

# stop_numabd [SIGNAL]: send SIGNAL (TERM by default) to the numabd of start_numabd and wait.
stop_numabd() {
	[ -n "$NPID" ] || return 0
	kill "-${1:-TERM}" "$NPID" 2>/dev/null
	wait "$NPID" 2>/dev/null
	NPID=
}

# uptime_ms: milliseconds since boot.
uptime_ms() {
	awk '{ printf "%d", $1 * 1000 }' /proc/uptime
}

# ---------------------------------------------------------------- kernel

kver() { uname -r; }

# kver_ge MAJOR.MINOR: the running kernel is at least that version.
kver_ge() {
	uname -r | awk -v want="$1" '{
		split($0, a, /[.-]/); split(want, b, ".");
		exit !((a[1] > b[1]) || (a[1] == b[1] && a[2] >= b[2]))
	}'
}

# kconfig OPTION: the value of CONFIG_OPTION (y, m, a string), empty when not set.
kconfig() {
	sed -n "s/^CONFIG_$1=//p" "/boot/config-$(uname -r)" 2>/dev/null | head -n 1
}

# kconfig_has OPTION: CONFIG_OPTION is y or m.
kconfig_has() {
	case "$(kconfig "$1")" in y | m) return 0 ;; *) return 1 ;; esac
}

# set_numa_balancing MODE: write kernel.numa_balancing (0 off, 1 normal, 2 tiering, 3 both)
# and read it back. Every scenario calls it: the boot default depends on the topology.
set_numa_balancing() {
	echo "$1" >/proc/sys/kernel/numa_balancing 2>/dev/null || {
		echo "set_numa_balancing: cannot write $1 to /proc/sys/kernel/numa_balancing"
		return 1
	}
	[ "$(cat /proc/sys/kernel/numa_balancing)" = "$1" ] || {
		echo "set_numa_balancing: wrote $1 but read $(cat /proc/sys/kernel/numa_balancing)"
		return 1
	}
}

get_numa_balancing() {
	cat /proc/sys/kernel/numa_balancing
}

# nb_scan_fast: AutoNUMA scans every 100 ms (debugfs tunables) so it acts within seconds.
nb_scan_fast() {
	[ -d "$NB_DEBUGFS" ] || return 1
	echo 100 >"$NB_DEBUGFS/scan_delay_ms"
	echo 100 >"$NB_DEBUGFS/scan_period_min_ms"
	echo 1000 >"$NB_DEBUGFS/scan_period_max_ms"
}

# nb_scan_default: the kernel's default scan tunables.
nb_scan_default() {
	[ -d "$NB_DEBUGFS" ] || return 1
	echo 1000 >"$NB_DEBUGFS/scan_delay_ms"
	echo 1000 >"$NB_DEBUGFS/scan_period_min_ms"
	echo 60000 >"$NB_DEBUGFS/scan_period_max_ms"
	echo 256 >"$NB_DEBUGFS/scan_size_mb"
}

# vmstat KEY: a /proc/vmstat counter.
vmstat() {
	awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat
}

# ---------------------------------------------------------------- topology

# expand_list "0-2,5" -> "0 1 2 5"
expand_list() {
	echo "$1" | tr ',' '\n' | awk -F- 'NF { if (NF == 1) print $1; else for (i = $1; i <= $2; i++) print i }' |
		tr '\n' ' ' | sed 's/ $//'
}

nodes_online() { cat /sys/devices/system/node/online; }
node_list() { expand_list "$(nodes_online)"; }
node_count() { node_list | wc -w; }
node_cpulist() { cat "/sys/devices/system/node/node$1/cpulist"; }
node_cpus() { expand_list "$(node_cpulist "$1")"; }
node_has_cpus() { [ -n "$(node_cpulist "$1")" ]; }
node_distance() { cat "/sys/devices/system/node/node$1/distance"; }

# node_mem_mib NODE: the node's MemTotal in MiB.
node_mem_mib() {
	awk '/MemTotal/ { printf "%d", $4 / 1024 }' "/sys/devices/system/node/node$1/meminfo"
}

# cpu_node CPU: the node of a CPU.
cpu_node() {
	for _d in /sys/devices/system/cpu/cpu"$1"/node*; do
		[ -e "$_d" ] && basename "$_d" | sed 's/^node//' && return 0
	done
	return 1
}

# memory_tiers: "tierid:nodelist" per memory tier, sorted (empty without memory_tiering).
memory_tiers() {
	for _d in /sys/devices/virtual/memory_tiering/memory_tier*; do
		[ -d "$_d" ] || continue
		echo "${_d##*memory_tier}:$(cat "$_d/nodelist" 2>/dev/null)"
	done | sort -n
}

# ---------------------------------------------------------------- cgroups

cg_path() {
	case "$1" in
	"" | /) echo "$CG_ROOT" ;;
	*) echo "$CG_ROOT/${1#/}" ;;
	esac
}

# cg_create PATH [CPUS [MEMS]]: create a cgroup (and its parents) with the cpuset, cpu and
# memory controllers enabled on the way, optionally setting cpuset.cpus and cpuset.mems.
cg_create() {
	_p=${1#/}
	_cur=$CG_ROOT
	for _part in $(echo "$_p" | tr '/' ' '); do
		for _c in cpuset cpu memory; do
			grep -qw "$_c" "$_cur/cgroup.subtree_control" ||
				echo "+$_c" >"$_cur/cgroup.subtree_control" || return 1
		done
		_cur=$_cur/$_part
		[ -d "$_cur" ] || mkdir "$_cur" || return 1
	done
	[ -z "${2:-}" ] || echo "$2" >"$_cur/cpuset.cpus" || return 1
	[ -z "${3:-}" ] || echo "$3" >"$_cur/cpuset.mems" || return 1
}

# cg_set PATH FILE VALUE
cg_set() {
	echo "$3" >"$(cg_path "$1")/$2"
}

# cg_get PATH FILE
cg_get() {
	cat "$(cg_path "$1")/$2"
}

# cg_move PID PATH: move a process into a cgroup.
cg_move() {
	echo "$1" >"$(cg_path "$2")/cgroup.procs"
}

# cg_exec PATH COMMAND...: run COMMAND inside the cgroup (in the foreground).
cg_exec() {
	_cg=$(cg_path "$1")
	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$_cg" "$@"
}

# cg_procs PATH: the PIDs in a cgroup.
cg_procs() {
	cat "$(cg_path "$1")/cgroup.procs"
}

# cg_numa_stat PATH [KEY]: the "N0=... N1=..." part of memory.numa_stat's KEY line (anon).
cg_numa_stat() {
	awk -v k="${2:-anon}" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$(cg_path "$1")/memory.numa_stat"
}

# cg_node_bytes PATH NODE [KEY]: bytes of KEY (default anon) on NODE.
cg_node_bytes() {
	cg_numa_stat "$1" "${3:-anon}" | tr ' ' '\n' | sed -n "s/^N$2=//p"
}

# cg_node_pct PATH NODE [KEY]: percent (integer) of the cgroup's KEY memory on NODE.
cg_node_pct() {
	cg_numa_stat "$1" "${3:-anon}" | tr ' ' '\n' | awk -F= -v n="N$2" '
		{ t += $2; if ($1 == n) v = $2 } END { printf "%d", t ? 100 * v / t : 0 }'
}

# cg_top_node PATH [KEY]: the node holding most of the cgroup's KEY memory.
cg_top_node() {
	cg_numa_stat "$1" "${2:-anon}" | tr ' ' '\n' | awk -F= '
		$2 > m { m = $2; n = substr($1, 2) } END { print n }'
}

# cg_destroy PATH: kill what runs in the cgroup (and below) and remove it.
cg_destroy() {
	_cg=$(cg_path "$1")
	[ -d "$_cg" ] || return 0
	[ -f "$_cg/cgroup.kill" ] && echo 1 >"$_cg/cgroup.kill" 2>/dev/null
	find "$_cg" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r _p; do
		kill -KILL "$_p" 2>/dev/null
	done
	for _i in 1 2 3 4 5 6 7 8 9 10; do
		find "$_cg" -depth -type d -exec rmdir {} \; 2>/dev/null
		[ -d "$_cg" ] || return 0
		sleep 0.2
	done
	return 1
}

# ---------------------------------------------------------------- workloads (numabwork)
#
# wl_start NAME CGROUP [NUMABWORK OPTIONS...]: start numabwork in CGROUP ("" or / = root)
# with --status/--ready files under /run/numabwork/NAME.*, wait until it is ready (memory
# placed, workers running; WL_READY_TIMEOUT seconds, default 120) and return 0; on failure
# print its output and return 1. Its output goes to /run/numabwork/NAME.out.
wl_start() {
	_name=$1
	_cg=$(cg_path "$2")
	shift 2
	mkdir -p "$NW_DIR"
	rm -f "$NW_DIR/$_name".*
	sh -c 'cg=$0 base=$1; shift
		echo $$ >"$cg/cgroup.procs" || { echo 99 >"$base.rc"; exit 99; }
		"$@"; echo $? >"$base.rc"' "$_cg" \
		"$NW_DIR/$_name" numabwork --status "$NW_DIR/$_name.status" --ready "$NW_DIR/$_name.ready" "$@" \
		>"$NW_DIR/$_name.out" 2>&1 &
	_t=$((${WL_READY_TIMEOUT:-120} * 10))
	while [ "$_t" -gt 0 ]; do
		if [ -f "$NW_DIR/$_name.ready" ]; then
			sed -n 's/^pid=//p' "$NW_DIR/$_name.ready" >"$NW_DIR/$_name.pid"
			return 0
		fi
		if [ -f "$NW_DIR/$_name.rc" ]; then
			echo "wl_start $_name: numabwork exited with status $(cat "$NW_DIR/$_name.rc"):"
			sed 's/^/  | /' "$NW_DIR/$_name.out"
			return 1
		fi
		sleep 0.1
		_t=$((_t - 1))
	done
	echo "wl_start $_name: not ready after ${WL_READY_TIMEOUT:-120}s:"
	sed 's/^/  | /' "$NW_DIR/$_name.out"
	return 1
}

# wl_pid NAME: numabwork's PID.
wl_pid() {
	cat "$NW_DIR/$1.pid"
}

# wl_refresh NAME: ask for a fresh status (SIGUSR1) and wait until it is written (30 s).
wl_refresh() {
	_old=$(wl_field "$1" seq)
	kill -USR1 "$(wl_pid "$1")" 2>/dev/null || return 1
	_t=300
	while [ "$_t" -gt 0 ]; do
		[ "$(wl_field "$1" seq)" -gt "${_old:-0}" ] 2>/dev/null && return 0
		sleep 0.1
		_t=$((_t - 1))
	done
	echo "wl_refresh $1: no new status after 30s"
	return 1
}

# wl_status NAME: refresh and print the status line (the ground truth).
wl_status() {
	wl_refresh "$1" && cat "$NW_DIR/$1.status"
}

# wl_field NAME KEY: KEY's value in the last status line (no refresh).
wl_field() {
	tr ' ' '\n' <"$NW_DIR/$1.status" 2>/dev/null | sed -n "s/^$2=//p"
}

# wl_node_pct NAME NODE: percent (integer) of the workload's pages on NODE (last status).
wl_node_pct() {
	awk -v n="$2" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%d", v["pages"] ? 100 * v["pages_node" n] / v["pages"] : 0
	}' "$NW_DIR/$1.status"
}

# wl_top_node NAME: the node holding most of the workload's pages (last status).
wl_top_node() {
	tr ' ' '\n' <"$NW_DIR/$1.status" | awk -F= '
		$1 ~ /^pages_node/ && $2 > m { m = $2; n = substr($1, 11) } END { print n }'
}

# wl_truth NAME: refresh and print a one-line human summary of the ground truth.
wl_truth() {
	wl_refresh "$1" || return 1
	tr ' ' '\n' <"$NW_DIR/$1.status" | awk -F= '
		$1 ~ /^pages_node/ { pn[substr($1, 11)] = $2 }
		$1 ~ /^threads_node/ && $2 > 0 { tn = tn " node" substr($1, 13) " x" $2 }
		$1 == "pages" { pages = $2 } $1 == "locality" { loc = $2 }
		$1 == "max_gap_ms" { gap = $2 }
		END {
			for (n = 0; n in pn; n++) mem = mem sprintf(" node%d=%.0f%%", n, pages ? 100 * pn[n] / pages : 0)
			printf "locality=%s memory:%s threads:%s max_gap_ms=%s\n", loc, mem, tn, gap
		}'
}

# wl_stop NAME: SIGTERM, wait for the checksum verdict (WL_STOP_TIMEOUT, default 120 s),
# print numabwork's last lines, return its exit status (2 = checksum failure).
wl_stop() {
	_pid=$(wl_pid "$1" 2>/dev/null)
	[ -n "$_pid" ] && kill -TERM "$_pid" 2>/dev/null
	_t=$((${WL_STOP_TIMEOUT:-120} * 10))
	while [ ! -f "$NW_DIR/$1.rc" ] && [ "$_t" -gt 0 ]; do
		sleep 0.1
		_t=$((_t - 1))
	done
	if [ ! -f "$NW_DIR/$1.rc" ]; then
		echo "wl_stop $1: numabwork (pid $_pid) did not exit"
		return 124
	fi
	return "$(cat "$NW_DIR/$1.rc")"
}

# wl_checksum NAME: the CHECKSUM line numabwork printed at exit.
wl_checksum() {
	grep '^CHECKSUM ' "$NW_DIR/$1.out" | tail -n 1
}

# wl_stop_check NAME [CHECK]: stop the workload and PASS/FAIL CHECK (default checksum) on
# its verdict.
wl_stop_check() {
	wl_stop "$1"
	_rc=$?
	_sum=$(wl_checksum "$1")
	if [ "$_rc" -eq 0 ] && [ "${_sum#CHECKSUM OK}" != "$_sum" ]; then
		pass "${2:-checksum}" "$1: $_sum"
	else
		fail "${2:-checksum}" "$1: exit $_rc: ${_sum:-no CHECKSUM line}"
		sed 's/^/  | /' "$NW_DIR/$1.out" | tail -n 20
	fi
}

# ---------------------------------------------------------------- numab

have() { command -v "$1" >/dev/null 2>&1; }
