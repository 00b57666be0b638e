#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The checks a machine does on the source, one result each:
#   format     every C file as .clang-format says (clang-format --dry-run --Werror)
#   clang      the tree built by clang with -Werror, its unit, arch and scenario suites run
#   scan-build the clang static analyzer over the binary's sources, no report
#   cppcheck   no warning
# Usage: tools/lint.sh [RESULTS.json]   (JSON lines {"name", "result"}, as meson's testlog)
# Exit 0 when all pass. Run from anywhere; build dirs go under build-lint/.
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top" || exit 1
out=${1:-build-lint/results.json}
mkdir -p build-lint "$(dirname "$out")"
: >"$out"
failed=0

record() {
	local name=$1 rc=$2 result=OK
	[ "$rc" -eq 0 ] || { result=FAIL; failed=1; }
	printf '{"name": "lint-%s", "result": "%s"}\n' "$name" "$result" >>"$out"
	echo "lint: $name: $result"
}

c_files() {
	if git rev-parse --git-dir >/dev/null 2>&1; then
		git ls-files '*.c' '*.h'
	else
		find src tests -name '*.[ch]'
	fi
}

lint_format() {
	c_files | xargs clang-format --dry-run --Werror
}

lint_clang() {
	local dir=build-lint/clang
	if [ -f "$dir/build.ninja" ]; then
		meson configure "$dir" -Dwerror=true >/dev/null
	else
		CC=clang meson setup "$dir" -Dwerror=true >/dev/null
	fi &&
		ninja -C "$dir" >/dev/null &&
		meson test -C "$dir" --suite unit --suite arch --suite scenarios \
			--num-processes "$(nproc)" >/dev/null ||
		{ cat "$dir/meson-logs/testlog.txt" 2>/dev/null | tail -40; return 1; }
}

# The analyzers cannot follow __attribute__((cleanup)) (_cleanup_free_ in
# shared/macro.h): every variable freed that way reads as a leak to them.
# Their leak checks are off; LeakSanitizer runs over the whole suite in the
# ASan build instead (detect_leaks=1). state-write.c uses vfork() on
# purpose (fork() copies page tables, unmovable pages that can land in the
# very block being offlined): its two vfork checkers are off too.
lint_scan_build() {
	local dir=build-lint/scan
	rm -rf "$dir"
	scan-build meson setup "$dir" >/dev/null &&
		scan-build --status-bugs -o build-lint/scan-report \
			-disable-checker unix.Malloc \
			-disable-checker unix.Vfork \
			-disable-checker security.insecureAPI.vfork \
			ninja -C "$dir" src/memtopo
}

lint_cppcheck() {
	cppcheck --quiet --error-exitcode=1 --inline-suppr \
		--enable=warning,performance,portability --std=c11 \
		-D_GNU_SOURCE -I src --suppress=missingIncludeSystem \
		--suppress=memleak --suppress=resourceLeak \
		src tests/unit tests/fakekernel
}

lint_format
record format $?
lint_clang
record clang $?
lint_scan_build
record scan-build $?
lint_cppcheck
record cppcheck $?
exit "$failed"
