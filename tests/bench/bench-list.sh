#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Benchmark `memtopo list -J` against `lsmem -J`, and `memtopo check -J`
# against `memtopo list -J`, on large synthetic machines.
#
#   bash tests/bench/bench-list.sh [MEMTOPO_BINARY]     (default build/src/memtopo)
#   BENCH_COMMANDS=check bash tests/bench/bench-list.sh ...  (one command)
#
# For each size (16,384 and 65,536 blocks of 256 MiB, 8 nodes, some blocks
# offline, a hole, forward and back node links) it writes a scenario, turns
# it into a sysroot on tmpfs with tests/mkfixture.py, then runs one
# bench_cmd_* function per command in BENCH_COMMANDS:
#   list:  checks that memtopo and lsmem report the same ranges, then
#          measures both tools;
#   check: checks that `check -J` judges the machine as expected, then
#          measures `check -J`, `check -J --skip state-mismatch,
#          phys-index-mismatch` and `list -J` against each other.
# Each measurement is:
#   - the median wall time over BENCH_RUNS runs, the commands interleaved
#     and the one that goes first rotating (paired runs),
#   - system calls per block (strace -c -f, total calls / blocks),
#   - peak RSS (/usr/bin/time -f %M, median of BENCH_RSS_RUNS runs).
# It prints a Markdown table (with the load average at the start and the
# end) and the targets, and exits 1 if one is missed.
#
# Environment (all optional):
#   BENCH_RUNS=15             paired timing runs per size
#   BENCH_RSS_RUNS=3          runs for the peak-RSS median
#   BENCH_SIZES="16384 65536" fixture sizes, in blocks (multiples of 8)
#   BENCH_COMMANDS="list check"  which bench_cmd_* functions to run
#   BENCH_TARGET_SPEEDUP=2.5  minimum lsmem/memtopo median time ratio
#   BENCH_TARGET_SYSCALLS=7   maximum memtopo list system calls per block
#   BENCH_TARGET_CHECK=2.0    maximum check/list median time ratio
#   BENCH_KEEP=1              keep the fixtures and logs (path is printed)
#   LSMEM=lsmem               the lsmem to compare with
#   MKFIXTURE=tests/mkfixture.py
#
# Exit status: 0 every target met, 1 a target missed, 2 could not run.
#
# Adding a command: write bench_cmd_NAME SIZE FIXTURE (see bench_cmd_list
# and bench_cmd_check), using measure_pair (two commands), measure_rotate
# (any number) or measure_one (no peer), syscalls, peak_rss, add_row and
# target; then run with BENCH_COMMANDS="list NAME".

set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)

MEMTOPO=${1:-$top/build/src/memtopo}
MKFIXTURE=${MKFIXTURE:-$top/tests/mkfixture.py}
LSMEM=${LSMEM:-lsmem}
BENCH_RUNS=${BENCH_RUNS:-15}
BENCH_RSS_RUNS=${BENCH_RSS_RUNS:-3}
BENCH_SIZES=${BENCH_SIZES:-"16384 65536"}
BENCH_COMMANDS=${BENCH_COMMANDS:-"list check"}
TARGET_SPEEDUP=${BENCH_TARGET_SPEEDUP:-2.5}
TARGET_SYSCALLS=${BENCH_TARGET_SYSCALLS:-7}
TARGET_CHECK=${BENCH_TARGET_CHECK:-2.0}
BLOCK_SIZE=256M
NODES=8

# ---------------------------------------------------------------- helpers

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }

usage() {
	awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' \
		"${BASH_SOURCE[0]}"
}

apt_updated=0
apt_install() {
	local sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	command -v apt-get >/dev/null || die "missing $*, and no apt-get to install it"
	if [ "$apt_updated" -eq 0 ]; then
		log "apt-get update"
		$sudo apt-get update -qq >&2 || die "apt-get update failed"
		apt_updated=1
	fi
	log "apt-get install $*"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends "$@" >&2 || die "cannot install $*"
}

# need_tool PROGRAM PACKAGE: install PACKAGE if PROGRAM is missing.
need_tool() {
	command -v "$1" >/dev/null 2>&1 || apt_install "$2"
	command -v "$1" >/dev/null 2>&1 || die "$1 still missing after installing $2"
}

check_prereqs() {
	need_tool strace strace
	need_tool /usr/bin/time time
	command -v python3 >/dev/null || die "python3 is needed (tests/mkfixture.py)"
	case " $BENCH_COMMANDS " in
	*" list "*) command -v "$LSMEM" >/dev/null || die "$LSMEM not found (util-linux)" ;;
	esac
	[ -f "$MKFIXTURE" ] || die "$MKFIXTURE not found"
	[ -x "$MEMTOPO" ] || die "$MEMTOPO is not an executable (build it: meson setup build && ninja -C build)"
	[[ $BENCH_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer"
	[[ $BENCH_RSS_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RSS_RUNS must be a positive integer"
	local s
	for s in $BENCH_SIZES; do
		if ! [[ $s =~ ^[0-9]+$ ]] || [ "$s" -lt 64 ] || [ $((s % NODES)) -ne 0 ]; then
			die "BENCH_SIZES: $s is not a multiple of $NODES >= 64"
		fi
	done
}

# A scratch directory on tmpfs: a private tmpfs mount if we may mount,
# else a directory in /dev/shm, else (with a warning) in $TMPDIR.
work='' work_mounted=0
setup_workdir() {
	work=$(mktemp -d "${TMPDIR:-/tmp}/memtopo-bench.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	if mount -t tmpfs -o mode=0700 memtopo-bench "$work" 2>/dev/null; then
		work_mounted=1
	elif [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
		rmdir "$work"
		work=$(mktemp -d /dev/shm/memtopo-bench.XXXXXX)
	else
		log "warning: no tmpfs available; fixtures go to $work (disk)"
	fi
}

cleanup() {
	[ -n "$work" ] || return 0
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		log "kept $work"
		return 0
	fi
	if [ "$work_mounted" = 1 ]; then
		umount "$work" 2>/dev/null || umount -l "$work" 2>/dev/null || true
		rmdir "$work" 2>/dev/null || true
	else
		rm -rf -- "$work"
	fi
}

# ---------------------------------------------------------------- fixture

# scenario_text BLOCKS: a machine with BLOCKS present blocks of 256 MiB on 8
# nodes, as a real x86_64 kernel shows it: blocks 12-15 (3-4 GiB) absent
# (the PCI hole), each node one run of blocks, the top eighth of each node
# offline (hot-added, not onlined) plus one offline block in every 1024,
# zones Normal (offline: "Normal Movable"), forward and back node links.
scenario_text() {
	local blocks=$1 per=$(($1 / NODES)) hole_at=12 hole_len=4
	local k first last id_last i off_from
	echo "# memtopo benchmark: $blocks blocks of $BLOCK_SIZE, $NODES nodes"
	echo "block-size $BLOCK_SIZE"
	echo "auto-online offline"
	echo "param online_policy contig-zones"
	echo "param auto_movable_ratio 301"
	echo "param memmap_on_memory N"
	echo "node-mask possible 0-$((NODES - 1))"
	echo "node-mask online 0-$((NODES - 1))"
	echo "node-mask has_memory 0-$((NODES - 1))"
	echo "node-mask has_normal_memory 0-$((NODES - 1))"
	echo "node-mask has_cpu 0-$((NODES - 1))"
	# index i (0..blocks-1) -> block id, skipping the hole
	blk() { if [ "$1" -lt $hole_at ]; then echo "$1"; else echo $(($1 + hole_len)); fi; }
	for ((k = 0; k < NODES; k++)); do
		first=$((k * per)) last=$(((k + 1) * per - 1))
		if [ "$first" -lt $hole_at ] && [ "$last" -ge $hole_at ]; then
			echo "memory $first-$((hole_at - 1)) zones=Normal node=$k"
			echo "memory $((hole_at + hole_len))-$(blk "$last") zones=Normal node=$k"
		else
			echo "memory $(blk "$first")-$(blk "$last") zones=Normal node=$k"
		fi
		off_from=$((last - per / 8 + 1))
		echo "memory $(blk "$off_from")-$(blk "$last") state=offline zones=Normal,Movable"
		for ((i = first + 512; i < off_from; i += 1024)); do
			echo "memory $(blk "$i") state=offline zones=Normal,Movable"
		done
	done
	# What check reads besides the blocks (list must not read any of it):
	# /proc/iomem, the kernel release, an (empty) udev rules directory and
	# /proc/zoneinfo, so that every check runs.
	id_last=$(blk $((blocks - 1)))
	printf 'iomem %08x-%08x : System RAM\n' 0 $((hole_at * 256 * 1024 * 1024 - 1))
	printf 'iomem %08x-%08x : PCI Bus 0000:00\n' $((hole_at * 256 * 1024 * 1024)) \
		$(((hole_at + hole_len) * 256 * 1024 * 1024 - 1))
	printf 'iomem %x-%x : System RAM\n' $(((hole_at + hole_len) * 256 * 1024 * 1024)) \
		$(((id_last + 1) * 256 * 1024 * 1024 - 1))
	printf 'file proc/sys/kernel/osrelease\n6.1.0-18-amd64\nend\n'
	echo "dir etc/udev/rules.d"
	# One Normal zone per node (4 KiB pages, 65536 per block): spanned
	# from the node's first block to its last, present its online blocks.
	local offline span
	echo "file proc/zoneinfo"
	for ((k = 0; k < NODES; k++)); do
		first=$((k * per)) last=$(((k + 1) * per - 1))
		off_from=$((last - per / 8 + 1))
		offline=$((per / 8))
		for ((i = first + 512; i < off_from; i += 1024)); do offline=$((offline + 1)); done
		span=$(($(blk "$last") + 1 - $(blk "$first")))
		printf 'Node %d, zone   Normal\n' "$k"
		printf '        spanned  %d\n' $((span * 65536))
		printf '        present  %d\n' $(((per - offline) * 65536))
		printf '        managed  %d\n' $(((per - offline) * 65536))
		printf '  start_pfn:           %d\n' $(($(blk "$first") * 65536))
	done
	echo "end"
}

# make_fixture BLOCKS DIR
make_fixture() {
	local t0 t1
	t0=${EPOCHREALTIME/[.,]/}
	scenario_text "$1" > "$2.scn"
	python3 "$MKFIXTURE" - "$2" < "$2.scn" || die "mkfixture.py failed for $1 blocks"
	t1=${EPOCHREALTIME/[.,]/}
	log "fixture: $1 blocks in $2 ($(((t1 - t0) / 1000)) ms)"
	# Warm the caches once: every file and link of the tree, then one run
	# of each tool below (check_list_output) before any timing.
	find "$2" -type f -exec cat -- {} + >/dev/null
	find "$2" -type l -exec readlink -- {} + >/dev/null
}

# ---------------------------------------------------------------- measuring

# The exit statuses that mean success: "0"; bench_cmd_check sets
# ok_codes="0 1 2" locally (check's status is its findings).
ok_codes=0
status_ok() { [[ " $ok_codes " == *" $1 "* ]]; }

# run_timed CMD...: run once, stdout to /dev/null; sets elapsed_us.
elapsed_us=0
run_timed() {
	local t0 t1 rc=0
	t0=${EPOCHREALTIME/[.,]/}
	"$@" >/dev/null 2>"$work/stderr" || rc=$?
	t1=${EPOCHREALTIME/[.,]/}
	if ! status_ok "$rc"; then
		log "failed (exit $rc): $*"
		cat "$work/stderr" >&2
		exit 2
	fi
	elapsed_us=$((t1 - t0))
}

# run_array ARRAY_NAME: run_timed the command held in that array.
run_array() {
	local -n run_array_cmd=$1
	run_timed "${run_array_cmd[@]}"
}

# median NUMBERS...: the median (mean of the middle two for an even count).
median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
		END { if (NR % 2) print v[(NR + 1) / 2];
		      else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# measure_pair A_VAR B_VAR: time the commands in arrays cmd_a and cmd_b,
# BENCH_RUNS times each, alternating; set A_VAR/B_VAR to the medians (us).
measure_pair() {
	local -a ta=() tb=()
	local i
	for ((i = 0; i < BENCH_RUNS; i++)); do
		if ((i % 2 == 0)); then
			run_timed "${cmd_a[@]}"; ta+=("$elapsed_us")
			run_timed "${cmd_b[@]}"; tb+=("$elapsed_us")
		else
			run_timed "${cmd_b[@]}"; tb+=("$elapsed_us")
			run_timed "${cmd_a[@]}"; ta+=("$elapsed_us")
		fi
	done
	printf -v "$1" '%s' "$(median "${ta[@]}")"
	printf -v "$2" '%s' "$(median "${tb[@]}")"
}

# measure_rotate VAR ARRAY [VAR ARRAY]...: time the commands held in the
# named arrays BENCH_RUNS times each, interleaved: round i starts with
# command i mod k and goes round, so each goes first equally often (with
# BENCH_RUNS a multiple of k); set each VAR to its command's median (us).
measure_rotate() {
	local -a vars=() arrays=()
	local -A times=()
	local i j k idx
	while [ $# -ge 2 ]; do vars+=("$1"); arrays+=("$2"); shift 2; done
	k=${#vars[@]}
	for ((i = 0; i < BENCH_RUNS; i++)); do
		for ((j = 0; j < k; j++)); do
			idx=$(((i + j) % k))
			run_array "${arrays[idx]}"
			times[$idx]+=" $elapsed_us"
		done
	done
	for ((j = 0; j < k; j++)); do
		# shellcheck disable=SC2086 # the list of times, split on purpose
		printf -v "${vars[j]}" '%s' "$(median ${times[$j]})"
	done
}

# measure_one A_VAR: the same for cmd_a alone (a command with no peer).
measure_one() {
	local -a ta=()
	local i
	for ((i = 0; i < BENCH_RUNS; i++)); do
		run_timed "${cmd_a[@]}"; ta+=("$elapsed_us")
	done
	printf -v "$1" '%s' "$(median "${ta[@]}")"
}

# syscalls LABEL CMD...: total system calls of one run (strace -c -f);
# the strace table is kept in $work/strace-LABEL.txt and its top entries
# are logged.
syscalls() {
	local out="$work/strace-$1.txt"
	shift
	local rc=0
	strace -c -f -o "$out" "$@" >/dev/null 2>"$work/stderr" || rc=$?
	status_ok "$rc" || { cat "$work/stderr" >&2; die "failed under strace (exit $rc): $*"; }
	log "  $(basename "$out" .txt): $(awk '$1 ~ /^[0-9.]+$/ && $NF != "total" &&
		n++ < 6 { printf "%s %s, ", $NF, $4 }' "$out")..."
	awk '$NF == "total" { print $4 }' "$out"
}

# peak_rss CMD...: median peak RSS in KiB over BENCH_RSS_RUNS runs.
peak_rss() {
	local out="$work/rss.txt" i
	local -a v=()
	local rc
	for ((i = 0; i < BENCH_RSS_RUNS; i++)); do
		rc=0
		/usr/bin/time -f %M -o "$out" "$@" >/dev/null 2>"$work/stderr" || rc=$?
		status_ok "$rc" || { cat "$work/stderr" >&2; die "failed under time (exit $rc): $*"; }
		v+=("$(tail -n 1 "$out")")
	done
	median "${v[@]}"
}

# ---------------------------------------------------------------- report

rows=() targets=() missed=0

# add_row BLOCKS COMMAND MEDIAN_US RATIO CALLS PEAK_KIB
add_row() {
	local ms per
	ms=$(awk -v u="$3" 'BEGIN { printf "%.1f", u / 1000 }')
	per=$(awk -v c="$5" -v b="$1" 'BEGIN { printf "%.2f", c / b }')
	rows+=("| $1 | $2 | $ms | $4 | $per | $6 |")
}

# target OK DESCRIPTION: record a target; OK is 1 or 0.
target() {
	if [ "$1" = 1 ]; then
		targets+=("- [x] $2")
	else
		targets+=("- [ ] **MISSED**: $2")
		missed=1
	fi
}

# load_avg: the 1, 5 and 15 minute load averages (on a shared machine
# other work skews wall times; the report says how busy it was).
load_avg() { cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo unknown; }
load_start=''

# ge A B: exit 0 if A >= B (floating point).
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

print_report() {
	echo
	echo "## memtopo benchmark"
	echo
	echo "$(uname -srm); $(nproc) CPUs; $("$LSMEM" --version 2>/dev/null | head -n 1);" \
		"memtopo: $MEMTOPO; $BENCH_RUNS paired runs, median;" \
		"fixtures on $(stat -f -c %T "$work")"
	echo
	echo "Load average (1, 5, 15 min): $load_start at the start, $(load_avg) at the end."
	echo
	echo "| blocks | command | median ms | time ratio | syscalls/block | peak RSS KiB |"
	echo "|---:|---|---:|---:|---:|---:|"
	printf '%s\n' "${rows[@]}"
	echo
	echo "Targets:"
	echo
	printf '%s\n' "${targets[@]}"
	echo
	if [ "$missed" = 0 ]; then
		echo "All targets met."
	else
		echo "Some targets missed."
	fi
}

# ---------------------------------------------------------------- commands

# check_list_output BLOCKS MEMTOPO_JSON LSMEM_JSON: memtopo must list every
# block once and show the same ranges as lsmem (range, state, blocks, node,
# zones). Prints the first differences; exit 1 if any.
check_list_output() {
	python3 - "$@" <<'EOF'
import json, sys
blocks = int(sys.argv[1])
try:
    mt = json.load(open(sys.argv[2]))
except ValueError as e:
    print("memtopo -J is not JSON: %s" % e); sys.exit(1)
ls = json.load(open(sys.argv[3]))

def mt_row(r):
    b = str(r["first_block"]) if r["first_block"] == r["last_block"] \
        else "%d-%d" % (r["first_block"], r["last_block"])
    z = None if r["zones"] is None else "/".join(r["zones"])
    return (r["range"], r["state"], b, r["node"], z)

def ls_row(r):
    return (r["range"], r["state"], r["block"], r.get("node"), r.get("zones"))

errors = []
try:
    a = [mt_row(r) for r in mt["memory"]]
    n = sum(r["blocks"] for r in mt["memory"])
    if n != blocks:
        errors.append("memtopo lists %d blocks, the fixture has %d" % (n, blocks))
except (KeyError, TypeError) as e:
    print("memtopo -J lacks a field: %r" % e); sys.exit(1)
b = [ls_row(r) for r in ls["memory"]]
if a != b:
    errors.append("%d ranges from memtopo, %d from lsmem" % (len(a), len(b)))
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else None
        y = b[i] if i < len(b) else None
        if x != y:
            errors.append("  range %d: memtopo %s\n           lsmem   %s" % (i, x, y))
        if len(errors) > 6:
            break
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
EOF
}

bench_cmd_list() {
	local n=$1 fix=$2 t_mt t_ls c_mt c_ls r_mt r_ls speedup ok
	local -a cmd_a=("$MEMTOPO" --sysroot "$fix" list -J)
	local -a cmd_b=("$LSMEM" --sysroot "$fix" -J -o "RANGE,SIZE,STATE,BLOCK,NODE,ZONES")

	# One run of each (warms the caches) whose output is checked.
	"${cmd_a[@]}" > "$work/list-memtopo.json" 2>"$work/stderr" ||
		{ cat "$work/stderr" >&2; die "failed: ${cmd_a[*]}"; }
	"${cmd_b[@]}" > "$work/list-lsmem.json" 2>"$work/stderr" ||
		{ cat "$work/stderr" >&2; die "failed: ${cmd_b[*]}"; }
	ok=1
	check_list_output "$n" "$work/list-memtopo.json" "$work/list-lsmem.json" >&2 || ok=0
	target "$ok" "$n blocks: memtopo list -J shows the same ranges as lsmem -J"

	log "list, $n blocks: timing $BENCH_RUNS paired runs"
	measure_pair t_mt t_ls
	log "list, $n blocks: strace"
	c_mt=$(syscalls "list-memtopo-$n" "${cmd_a[@]}")
	c_ls=$(syscalls "list-lsmem-$n" "${cmd_b[@]}")
	log "list, $n blocks: peak RSS"
	r_mt=$(peak_rss "${cmd_a[@]}")
	r_ls=$(peak_rss "${cmd_b[@]}")

	speedup=$(awk -v a="$t_ls" -v b="$t_mt" 'BEGIN { printf "%.2f", a / b }')
	add_row "$n" "memtopo list -J" "$t_mt" "lsmem/list ${speedup}x" "$c_mt" "$r_mt"
	add_row "$n" "lsmem -J" "$t_ls" "" "$c_ls" "$r_ls"

	ok=0; ge "$speedup" "$TARGET_SPEEDUP" && ok=1
	target "$ok" "$n blocks: speedup ${speedup}x over lsmem (target >= ${TARGET_SPEEDUP}x)"
	local per
	per=$(awk -v c="$c_mt" -v b="$n" 'BEGIN { printf "%.2f", c / b }')
	ok=0; ge "$TARGET_SYSCALLS" "$per" && ok=1
	target "$ok" "$n blocks: $per syscalls per block (target <= $TARGET_SYSCALLS)"
	ok=0; [ "$r_mt" -le "$r_ls" ] && ok=1
	target "$ok" "$n blocks: peak RSS $r_mt KiB vs lsmem $r_ls KiB (target: no higher)"
}

# check_check_output BLOCKS CHECK_JSON CHECK_RC SKIP_JSON LIST_JSON: the
# fixture is a healthy machine with offline blocks: check must exit 0,
# count every block, and report one finding, offline-blocks (info), naming
# the blocks list shows offline; the only other finding allowed is an
# evidence-missing note for the page census alone (the fixture holds
# everything else check reads, but no /proc/kpageflags: 8 bytes per 4 KiB
# page, 32 GiB for 65,536 blocks of 256 MiB). The --skip run must report
# the same. Prints the differences; exit 1 if any.
check_check_output() {
	python3 - "$@" <<'EOF'
import json, sys
blocks, rc = int(sys.argv[1]), int(sys.argv[3])
errors = []
try:
    ck = json.load(open(sys.argv[2]))
    sk = json.load(open(sys.argv[4]))
except ValueError as e:
    print("check -J is not JSON: %s" % e); sys.exit(1)
ls = json.load(open(sys.argv[5]))
offline = set()
for r in ls["memory"]:
    if r["state"] == "offline":
        offline.update(range(r["first_block"], r["last_block"] + 1))
if rc != 0 or ck.get("status") != "ok":
    errors.append("check exits %d, status %r (expected 0, ok)" % (rc, ck.get("status")))
if ck["summary"]["blocks_checked"] != blocks:
    errors.append("check read %d blocks, the fixture has %d"
                  % (ck["summary"]["blocks_checked"], blocks))
def census_only(f):
    return f["id"] == "evidence-missing" and \
        f["message"].endswith("checks off: unmovable-pages")
ids = [(f["id"], f["severity"]) for f in ck["findings"] if not census_only(f)]
if ids != [("offline-blocks", "info")]:
    errors.append("findings %s, expected only offline-blocks (info)" % ids)
for f in ck["findings"]:
    if f["id"] == "offline-blocks" and set(f["blocks"]) != offline:
        errors.append("offline-blocks names %d blocks, list shows %d offline"
                      % (len(f["blocks"]), len(offline)))
def strip(d):
    return [(f["id"], f["severity"], f["blocks"]) for f in d["findings"]]
if strip(sk) != strip(ck):
    errors.append("check --skip state-mismatch,phys-index-mismatch reports "
                  "other findings than check")
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
EOF
}

# bench_cmd_check SIZE FIXTURE: check -J against list -J on the same
# machine (the target: check takes at most TARGET_CHECK times the time of
# list), and check without the two per-block reads that list does not
# make (online, phys_index), all three interleaved.
bench_cmd_check() {
	local n=$1 fix=$2 t_ck t_sk t_ls c_ck c_sk c_ls r_ck r_sk r_ls ratio ratio_sk ok
	local rc=0 rc_sk=0 ok_codes="0 1 2"
	local -a cmd_ck=("$MEMTOPO" --sysroot "$fix" check -J)
	local -a cmd_sk=("$MEMTOPO" --sysroot "$fix" check -J
		--skip "state-mismatch,phys-index-mismatch")
	local -a cmd_ls=("$MEMTOPO" --sysroot "$fix" list -J)

	# One run of each (warms the caches) whose output is checked.
	"${cmd_ck[@]}" > "$work/check.json" 2>"$work/stderr" || rc=$?
	status_ok "$rc" || { cat "$work/stderr" >&2; die "failed (exit $rc): ${cmd_ck[*]}"; }
	"${cmd_sk[@]}" > "$work/check-skip.json" 2>"$work/stderr" || rc_sk=$?
	status_ok "$rc_sk" || { cat "$work/stderr" >&2; die "failed (exit $rc_sk): ${cmd_sk[*]}"; }
	"${cmd_ls[@]}" > "$work/list.json" 2>"$work/stderr" ||
		{ cat "$work/stderr" >&2; die "failed: ${cmd_ls[*]}"; }
	ok=1
	check_check_output "$n" "$work/check.json" "$rc" "$work/check-skip.json" \
		"$work/list.json" >&2 || ok=0
	target "$ok" "$n blocks: memtopo check -J exits 0 and reports exactly the offline blocks"

	log "check, $n blocks: timing $BENCH_RUNS rounds of check, check --skip and list"
	measure_rotate t_ck cmd_ck t_sk cmd_sk t_ls cmd_ls
	log "check, $n blocks: strace"
	c_ck=$(syscalls "check-$n" "${cmd_ck[@]}")
	c_sk=$(syscalls "check-skip-$n" "${cmd_sk[@]}")
	c_ls=$(syscalls "check-list-$n" "${cmd_ls[@]}")
	log "check, $n blocks: peak RSS"
	r_ck=$(peak_rss "${cmd_ck[@]}")
	r_sk=$(peak_rss "${cmd_sk[@]}")
	r_ls=$(peak_rss "${cmd_ls[@]}")

	ratio=$(awk -v a="$t_ck" -v b="$t_ls" 'BEGIN { printf "%.2f", a / b }')
	ratio_sk=$(awk -v a="$t_sk" -v b="$t_ls" 'BEGIN { printf "%.2f", a / b }')
	add_row "$n" "memtopo check -J" "$t_ck" "check/list ${ratio}x" "$c_ck" "$r_ck"
	add_row "$n" "memtopo check -J --skip state-mismatch,phys-index-mismatch" "$t_sk" \
		"check/list ${ratio_sk}x" "$c_sk" "$r_sk"
	add_row "$n" "memtopo list -J (interleaved with check)" "$t_ls" "" "$c_ls" "$r_ls"

	ok=0; ge "$TARGET_CHECK" "$ratio" && ok=1
	target "$ok" "$n blocks: check -J takes ${ratio}x the time of list -J (target <= ${TARGET_CHECK}x)"
}

# bench_census_live: the page census on the running machine, read-only.
# list -a -o +OFFLINE reads /proc/kpageflags for every online block (the
# issue: "a full census of this development machine takes well under a
# second"); offline SIZE --dry-run reads it for at most 2N candidates and
# writes nothing (no lock, no sysfs write: a dry run only reads).
bench_census_live() {
	local blocks t preads n_want=8 ok_codes="0"
	local -a cmd_a cmd_b

	if [ "$(id -u)" != 0 ] || [ ! -r /proc/kpageflags ] || [ ! -d /sys/devices/system/memory ]; then
		log "census: not root or no /proc/kpageflags here: skipped"
		return 0
	fi
	blocks=$(find /sys/devices/system/memory -maxdepth 1 -name 'memory[0-9]*' | wc -l)
	cmd_a=("$MEMTOPO" list -a -o +OFFLINE -J)
	"${cmd_a[@]}" >/dev/null || die "failed: ${cmd_a[*]}"
	log "census: timing $BENCH_RUNS runs of a full census ($blocks blocks)"
	measure_one t
	preads=$(strace -f -y -e trace=pread64 -o "$work/census-preads.txt" "${cmd_a[@]}" >/dev/null 2>&1;
		grep -c "pread64(.*kpageflags>" "$work/census-preads.txt")
	add_row "$blocks" "memtopo list -a -o +OFFLINE -J (live census)" "$t" "" "$preads" \
		"$(peak_rss "${cmd_a[@]}")"
	ok=0; ge 1000000 "$t" && ok=1
	target "$ok" "census of this machine's $blocks blocks in $(awk -v u="$t" 'BEGIN { printf "%.0f", u / 1000 }') ms (target: well under a second)"

	cmd_b=("$MEMTOPO" offline --dry-run -J "$((n_want * $(($(printf '%d' 0x"$(cat /sys/devices/system/memory/block_size_bytes)") >> 20))))M")
	ok_codes="0 1"
	preads=$(strace -f -y -e trace=pread64 -o "$work/offline-preads.txt" "${cmd_b[@]}" >/dev/null 2>&1;
		grep -c "pread64(.*kpageflags>" "$work/offline-preads.txt")
	ok=0; [ "$preads" -le $((2 * n_want)) ] && ok=1
	target "$ok" "offline of $n_want blocks (dry run) read the census of $preads candidates (target <= $((2 * n_want)))"
}

# ---------------------------------------------------------------- main

main() {
	case ${1:-} in
	-h | --help) usage; exit 0 ;;
	-*) usage >&2; exit 2 ;;
	esac
	[ $# -le 1 ] || { usage >&2; exit 2; }
	check_prereqs
	setup_workdir
	load_start=$(load_avg)
	local n cmd fix
	for cmd in $BENCH_COMMANDS; do
		declare -F "bench_cmd_$cmd" >/dev/null || die "no benchmark for command '$cmd'"
	done
	for n in $BENCH_SIZES; do
		fix="$work/m$n"
		make_fixture "$n" "$fix"
		for cmd in $BENCH_COMMANDS; do
			"bench_cmd_$cmd" "$n" "$fix"
		done
		[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf -- "$fix"
	done
	[ "${BENCH_CENSUS:-1}" = 0 ] || bench_census_live
	print_report
	return "$missed"
}

main "$@"
