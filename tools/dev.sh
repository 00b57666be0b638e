#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# One entry point for a fresh Debian machine:
#   tools/dev.sh run    install what is missing, build, run memtopo list and check here
#   tools/dev.sh test   install what is missing, build with -Werror and run the suite,
#                       build with ASan+UBSan and run it again; last line "N passed, N failed"
# Installs are idempotent: apt-get runs only when a package is missing.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

build_pkgs=(gcc libc6-dev pkg-config meson ninja-build python3
	libudev-dev libmount-dev libjson-c-dev libsmartcols-dev libinih-dev libsystemd-dev)
# Tests: lsmem to compare against, mandoc to lint the man pages,
# strace/time for the benchmark; for the real-kernel suite (tests/vm) QEMU
# for the three architectures, busybox and cpio for the initramfs, and the
# cross compilers of tools/cross-build.sh (ppc64le, aarch64; their static
# libc comes with them). The foreign kernels, busybox and libraries are
# fetched by the suite itself (apt-get download) into its caches.
# promtool (prometheus) for the metrics and alert rules, systemd-analyze
# (systemd) for the units, python3-jsonschema for the JSON Schemas,
# bash-completion for the completion (and its completionsdir), dpkg-dev,
# debhelper and lintian to build and lint the Debian package; clang and its
# runtimes for the libFuzzer harnesses (tests/fuzz).
test_pkgs=(util-linux mandoc groff-base strace time xz-utils bzip2
	qemu-system-x86 qemu-system-ppc qemu-system-arm busybox-static cpio binutils
	gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	prometheus systemd python3-jsonschema bash-completion
	dpkg-dev debhelper lintian build-essential clang libclang-rt-14-dev)
# Lint: format, a second compiler, static analysis (tools/lint.sh).
lint_pkgs=(clang clang-format clang-tools cppcheck git)

install_missing() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "dev.sh: installing ${missing[*]}" >&2
	local sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}

# meson setup, or reconfigure an existing build dir with these options.
setup() {
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson configure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
	ninja -C "$dir" >/dev/null
}

# A build that fails is a failed run, still with the summary line CI reads.
setup_or_fail() {
	setup "$@" && return 0
	echo "dev.sh: the build in $1 failed" >&2
	echo "0 passed, 1 failed"
	exit 1
}

# libFuzzer: each harness of tests/fuzz for a bounded time from its corpus
# (new inputs go to a scratch directory, never into the committed corpus).
# Prints "passed failed"; a harness that finds a crash fails and leaves it
# in build-fuzz/crashes/.
fuzz_seconds=${MEMTOPO_FUZZ_SECONDS:-20}
run_fuzzers() {
	local passed=0 failed=0 h scratch pending
	if ! command -v clang >/dev/null ||
		! CC=clang setup build-fuzz -Dfuzzing=true >/dev/null 2>&1; then
		echo "dev.sh: no clang or the fuzzing build failed: harnesses not run" >&2
		echo "0 1"
		return
	fi
	# grep finds no line once every class is fixed: that is not an error.
	pending=$(grep -v '^#' tests/fuzz/pending | paste -sd, - || true)
	mkdir -p build-fuzz/crashes
	for h in build-fuzz/tests/fuzz/fuzz-*; do
		[ -x "$h" ] && [ -f "$h" ] || continue
		scratch=$(mktemp -d)
		if MEMTOPO_FUZZ_PENDING=$pending "$h" -max_total_time="$fuzz_seconds" \
			-timeout=20 -rss_limit_mb=2048 -close_fd_mask=3 \
			-artifact_prefix=build-fuzz/crashes/ "$scratch" \
			"tests/fuzz/corpus/${h##*/fuzz-}" >"$scratch.log" 2>&1; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
			echo "dev.sh: ${h##*/} found a crash (build-fuzz/crashes/):" >&2
			tail -n 5 "$scratch.log" >&2
		fi
		rm -rf "$scratch" "$scratch.log"
	done
	echo "$passed $failed"
}

# Count results in meson's testlog.json: "passed failed skipped".
count_results() {
	python3 - "$@" <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            result = json.loads(line)["result"]
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
print(passed, failed, skipped)
PY
}

run_suite() {
	local dir=$1
	rm -f "$dir/meson-logs/testlog.json"
	meson test -C "$dir" --print-errorlogs --num-processes "$(nproc)" || true
}

cmd_run() {
	install_missing "${build_pkgs[@]}"
	setup build --buildtype=release
	build/src/memtopo list
	echo
	# check exits 1/2 for warnings/errors (monitoring convention); only 3,
	# "could not check", makes this command fail.
	local rc=0
	build/src/memtopo check || rc=$?
	[ "$rc" -ne 3 ]
}

cmd_test() {
	install_missing "${build_pkgs[@]}" "${test_pkgs[@]}" "${lint_pkgs[@]}"
	setup_or_fail build -Dwerror=true
	run_suite build
	setup_or_fail build-san -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
	run_suite build-san
	# Format, clang -Werror, scan-build, cppcheck: one result each, as JSON lines.
	tools/lint.sh build-lint/results.json || true
	read -r passed failed skipped < <(count_results build/meson-logs/testlog.json \
		build-san/meson-logs/testlog.json build-lint/results.json)
	# A fuzzing step that dies still ends in the summary line, as a failure.
	read -r fpassed ffailed < <(run_fuzzers) || { fpassed=0 ffailed=1; }
	passed=$((passed + fpassed))
	failed=$((failed + ffailed))
	[ "$skipped" -eq 0 ] || echo "$skipped skipped (not counted as passed)"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
}

case "${1:-}" in
run) cmd_run ;;
test) cmd_test ;;
*)
	echo "usage: tools/dev.sh run|test" >&2
	exit 2
	;;
esac
