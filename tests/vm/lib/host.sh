# shellcheck shell=bash
# Shared host-side helpers of the VM bench (sourced by tests/vm/run, matrix, fetch-kernel,
# mkinitramfs). Needs bash; sets VM_DIR and REPO_ROOT.

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck disable=SC2034 # used by the scripts that source this file
REPO_ROOT=$(cd "$VM_DIR/../.." && pwd)
PROG=${PROG:-$(basename "$0")}

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}

note() {
	echo "$PROG: $*" >&2
}

# need_cmd COMMAND PACKAGE: fail with the Debian package to install when COMMAND is missing.
need_cmd() {
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' not found: install the Debian package '$2' (scripts/setup installs it)"
}

# Seconds since the epoch with milliseconds, for timings.
now_s() {
	date +%s.%N | cut -c1-14
}

# elapsed START: seconds since START (from now_s), one decimal.
elapsed() {
	awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }'
}

# The cache of kernels and apt state: outside the source tree.
numab_cache_dir() {
	if [ -n "${NUMAB_CACHE:-}" ]; then
		echo "$NUMAB_CACHE"
	elif [ "$(id -u)" -eq 0 ]; then
		echo /var/cache/numab
	else
		echo "${XDG_CACHE_HOME:-$HOME/.cache}/numab"
	fi
}

# is_static_elf FILE: true for a statically linked ELF executable.
is_static_elf() {
	[ -f "$1" ] || return 1
	[ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ] || return 1
	! LC_ALL=C readelf -l "$1" 2>/dev/null | grep -q 'Requesting program interpreter'
}

# is_elf FILE
is_elf() {
	[ -f "$1" ] && [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]
}

# extract_vmlinux IMAGE OUT: find the compressed payload of a bzImage (zstd, xz, gzip, lz4,
# bzip2 or lzma), decompress it and keep the result when it is an ELF file. An IMAGE that is
# already an ELF vmlinux is copied.
extract_vmlinux() {
	local img=$1 out=$2 spec magic cmd off
	if is_elf "$img"; then
		cp "$img" "$out"
		return 0
	fi
	for spec in \
		'\x28\xb5\x2f\xfd|zstd -dcq' \
		'\xfd\x37\x7a\x58\x5a\x00|xz -dcq' \
		'\x1f\x8b\x08|gzip -dcq' \
		'\x02\x21\x4c\x18|lz4 -dcq' \
		'\x42\x5a\x68|bzip2 -dcq' \
		'\x5d\x00\x00\x00|xz -dcq --format=lzma'; do
		magic=${spec%%|*}
		cmd=${spec#*|}
		command -v "${cmd%% *}" >/dev/null 2>&1 || continue
		for off in $(LC_ALL=C grep -obUaP "$magic" "$img" 2>/dev/null | cut -d: -f1 | head -n 8); do
			tail -c +$((off + 1)) "$img" | $cmd >"$out.part" 2>/dev/null || true
			if is_elf "$out.part"; then
				mv "$out.part" "$out"
				return 0
			fi
		done
	done
	rm -f "$out.part"
	return 1
}

# Scenario headers: "# description: ...", "# shapes: 2n 4n tier|all", "# kernels: 6.1 6.12
# sid|all", "# timeout: SECONDS", "# needs: numad perf" (extra programs for the initramfs).
scenario_file() {
	echo "$VM_DIR/scenarios/$1.sh"
}

scenario_header() {
	local file=$1 key=$2 def=${3:-}
	local v
	v=$(sed -n "s/^# $key:[[:space:]]*//p" "$file" | head -n 1)
	echo "${v:-$def}"
}

all_scenarios() {
	local f
	for f in "$VM_DIR"/scenarios/*.sh; do
		[ -e "$f" ] || continue
		basename "$f" .sh
	done
}

# The default suite: tests/vm/suite (one scenario per line, # comments), else all scenarios.
default_suite() {
	if [ -f "$VM_DIR/suite" ]; then
		sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$VM_DIR/suite" | tr -s ' \t' '\n' | sed '/^$/d'
	else
		all_scenarios
	fi
}

# word_in WORD LIST...: true when WORD is one of LIST or LIST is "all".
word_in() {
	local w=$1 x
	shift
	for x in "$@"; do
		[ "$x" = all ] || [ "$x" = "$w" ] && return 0
	done
	return 1
}

# The kernel lines and topologies the bench knows (for the scripts that source this file).
# shellcheck disable=SC2034
KERNEL_LINES="6.1 6.12 sid"
# shellcheck disable=SC2034
SHAPES="2n 4n tier"

# apt_private NAME SOURCES: a private apt configuration for one sources line (e.g. "deb URL sid
# main") under $(numab_cache_dir)/apt/NAME, never touching the machine's own apt setup. Sets the
# array APT_OPTS (pass it to apt-get/apt-cache) and APT_DIR, and updates the lists when older
# than NUMAB_APT_MAX_AGE seconds (default 3600). Returns 1 (with a note) when the update failed
# and no earlier lists exist.
apt_private() {
	local name=$1 sources=$2 log age=999999999
	APT_DIR=$(numab_cache_dir)/apt/$name
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" || return 1
	if [ "$(cat "$APT_DIR/sources.list" 2>/dev/null)" != "$sources" ]; then
		echo "$sources" >"$APT_DIR/sources.list"
		rm -f "$APT_DIR/updated"
	fi
	APT_OPTS=(
		-o "Dir::Etc::sourcelist=$APT_DIR/sources.list" -o "Dir::Etc::sourceparts=-"
		-o "Dir::State::Lists=$APT_DIR/lists" -o "Dir::Cache=$APT_DIR/cache"
		-o "Dir::Cache::pkgcache=pkgcache.bin" -o "Dir::Cache::srcpkgcache="
		-o "Dir::State::status=/dev/null" -o "Acquire::Languages=none"
		-o "Acquire::PDiffs=false" -o "APT::Get::List-Cleanup=false" -o "Debug::NoLocking=true"
	)
	[ "$(id -u)" -ne 0 ] || APT_OPTS+=(-o "APT::Sandbox::User=root")
	[ ! -f "$APT_DIR/updated" ] || age=$(($(date +%s) - $(stat -c %Y "$APT_DIR/updated")))
	[ "$age" -ge "${NUMAB_APT_MAX_AGE:-3600}" ] || return 0
	if log=$(apt-get "${APT_OPTS[@]}" -q update 2>&1) && ! grep -qE '^(W: Failed|E: )' <<<"$log"; then
		touch "$APT_DIR/updated"
	elif ls "$APT_DIR"/lists/*_Packages* >/dev/null 2>&1; then
		note "NOTE: apt-get update for '$sources' failed; using older package lists"
	else
		note "apt-get update for '$sources' failed: $(grep -E '^(W|E):' <<<"$log" | head -n 3 | tr '\n' ' ')"
		return 1
	fi
}
